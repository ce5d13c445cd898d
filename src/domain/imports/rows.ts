import { invalidInput } from '../problem.ts';

/**
 * Parsing of bulk files: JSON lines (one object per line) or CSV with a header row
 * (RFC 4180 quoting). Each row keeps its line number so problems can be reported by line.
 */
export interface ParsedRow {
  line: number;
  fields: Record<string, unknown> | null;
  error: string | null;
}

export function parseJsonLines(text: string): ParsedRow[] {
  const rows: ParsedRow[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    if (raw.trim() === '') return;
    try {
      const value = JSON.parse(raw) as unknown;
      if (typeof value !== 'object' || value === null || Array.isArray(value)) rows.push({ line: index + 1, fields: null, error: 'is not a JSON object' });
      else rows.push({ line: index + 1, fields: value as Record<string, unknown>, error: null });
    } catch {
      rows.push({ line: index + 1, fields: null, error: 'is not valid JSON' });
    }
  });
  return rows;
}

/** Splits CSV into records of fields; quoted fields may hold commas, quotes ("") and newlines. */
function csvRecords(text: string): { line: number; values: string[] }[] {
  const records: { line: number; values: string[] }[] = [];
  let values: string[] = [];
  let field = '';
  let quoted = false;
  let line = 1;
  let recordLine = 1;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (quoted) {
      if (char === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (char === '"') quoted = false;
      else {
        if (char === '\n') line++;
        field += char;
      }
    } else if (char === '"' && field === '') quoted = true;
    else if (char === ',') {
      values.push(field);
      field = '';
    } else if (char === '\n' || char === '\r') {
      if (char === '\r' && text[i + 1] === '\n') i++;
      values.push(field);
      if (values.length > 1 || values[0] !== '') records.push({ line: recordLine, values });
      values = [];
      field = '';
      line++;
      recordLine = line;
    } else field += char;
  }
  values.push(field);
  if (values.length > 1 || values[0] !== '') records.push({ line: recordLine, values });
  return records;
}

/** CSV with a header naming the columns; empty cells are left out; numeric columns become numbers. */
export function parseCsv(text: string, numericColumns: ReadonlySet<string>): ParsedRow[] {
  const [header, ...records] = csvRecords(text);
  if (!header) return [];
  const names = header.values.map((v) => v.trim());
  return records.map(({ line, values }) => {
    if (values.length !== names.length) return { line, fields: null, error: `has ${values.length} cells, the header has ${names.length}` };
    const fields: Record<string, unknown> = {};
    names.forEach((name, i) => {
      const value = values[i];
      if (value === '') return;
      fields[name] = numericColumns.has(name) && /^-?\d+$/.test(value.trim()) ? Number(value.trim()) : value;
    });
    return { line, fields, error: null };
  });
}

/** The rows of a bulk file, refused as a whole when it holds none or more than `maxRows`. */
export function readImportRows(text: string, format: 'jsonl' | 'csv', numericColumns: ReadonlySet<string>, maxRows: number): ParsedRow[] {
  const parsed = format === 'csv' ? parseCsv(text, numericColumns) : parseJsonLines(text);
  if (parsed.length === 0) throw invalidInput('/body', 'holds no rows');
  if (parsed.length > maxRows) throw invalidInput('/body', `holds ${parsed.length} rows; at most ${maxRows} per request`);
  return parsed;
}

import { readFile, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Config } from '../config/config.ts';
import { newSealingKeyText, parseSealingKey, type SealingKey } from './sealed-values.ts';

/** Where the embedded database keeps its generated key: a file next to the data directory. */
export function keyFilePath(dataDir: string): string {
  return `${resolve(dataDir)}.key`;
}

/**
 * The key that seals endpoint credentials. PUNCHCARD_ENCRYPTION_KEY when set. Otherwise, on the
 * embedded database, one generated on the first start and kept in `<data dir>.key` (mode 0600);
 * on PostgreSQL none is made up: every process sharing the database must share the key.
 */
export async function resolveSealingKey(config: Config): Promise<SealingKey> {
  if (config.encryptionKey !== undefined) return parseSealingKey(config.encryptionKey);
  if (config.databaseUrl) {
    throw new Error('PUNCHCARD_ENCRYPTION_KEY is not set: with DATABASE_URL every process must be given the same key ' +
      '(32 bytes as 64 hex digits or base64, e.g. `openssl rand -base64 32`); it encrypts webhook endpoint credentials');
  }
  const file = keyFilePath(config.dataDir);
  try {
    // 'wx': two processes starting at once do not both write one.
    await writeFile(file, `${newSealingKeyText()}\n`, { flag: 'wx', mode: 0o600 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  return parseSealingKey(await readFile(file, 'utf8'), file);
}

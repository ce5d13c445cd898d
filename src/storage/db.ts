/**
 * The query layer: one small interface over node-postgres and PGlite, so every service is
 * written once in PostgreSQL's dialect and runs on either engine.
 */
export interface Queryable {
  query<Row = Record<string, any>>(sql: string, params?: readonly unknown[]): Promise<Row[]>;
  /** Runs a script of several statements without parameters (migrations). */
  exec(sql: string): Promise<void>;
}

export interface TransactionOptions {
  /**
   * Plan the transaction's statements once per connection (PostgreSQL's generic plans) instead
   * of once per execution, with index lookups in nested loops only (no whole-table scans, no hash
   * or merge joins). For statements that take a batch of keys as arrays, whose custom plans cost
   * more to make than to run (the ledger's group commit): a generic plan is kept as the tables
   * grow, so it must not depend on how small they were when it was made. A hint PGlite does without.
   */
  genericPlans?: boolean;
}

export interface Db extends Queryable {
  readonly engine: 'pglite' | 'postgres';
  /** Runs `work` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(work: (tx: Queryable) => Promise<T>, options?: TransactionOptions): Promise<T>;
  /** Calls `onNotify` for each NOTIFY on `channel` (after the notifying transaction commits). */
  listen(channel: string, onNotify: () => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

/** int8 columns hold minor units and sequence numbers; they must stay exact. */
export function parseInt8(text: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value)) {
    throw new RangeError(`integer ${text} is outside the exact range of this engine`);
  }
  return value;
}

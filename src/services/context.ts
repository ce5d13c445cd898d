import type { Clock } from '../clock/clock.ts';
import type { SealingKey } from '../security/sealed-values.ts';
import type { Db } from '../storage/db.ts';

/** What every application service needs: the database and the clock (and the key sealing credentials). */
export interface ServiceContext {
  db: Db;
  clock: Clock;
  sandbox: boolean;
  sealKey: SealingKey;
}

/** Who is calling: an instance admin or a key scoped to one program. */
export type Principal =
  | { kind: 'admin'; keyId: string }
  | { kind: 'program'; keyId: string; programId: string };

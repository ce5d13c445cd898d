import type { ServiceContext } from '../services/context.ts';
import type { Scheduler } from './scheduler.ts';

/** Every kind of due work the product knows, wired to the service that does it. */
export function registerJobHandlers(_scheduler: Scheduler, _ctx: ServiceContext): void {
  // Filled in as use cases with moments in time arrive (expiries, reminders, anniversaries).
}

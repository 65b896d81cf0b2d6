// Which job runs next: our fair-share policy over the store's queued jobs. Admin jobs first (priority), then the
// user with less engine time in the last 24 h, then first come (acceptance order).
import { userKeyString, type QueuedJob, type Store } from '../../db/store.js';

const DAY_MS = 86_400_000;

/** Orders queued jobs for starting: priority desc, engine ms used in the window asc, seq asc. Pure. */
export function fairShareOrder(queued: readonly QueuedJob[], usedMs: ReadonlyMap<string, number>): QueuedJob[] {
  const usage = (j: QueuedJob) => usedMs.get(userKeyString(j)) ?? 0;
  return [...queued].sort((a, b) => b.priority - a.priority || usage(a) - usage(b) || a.seq - b.seq);
}

export class Scheduler {
  constructor(
    private readonly store: Store,
    private readonly now: () => number,
  ) {}

  /** Queued jobs in the order they will start (index 0 = next). */
  async order(): Promise<QueuedJob[]> {
    const [queued, used] = await Promise.all([this.store.queuedJobs(), this.store.gpuMsByUserSince(this.now() - DAY_MS)]);
    return fairShareOrder(queued, used);
  }
}

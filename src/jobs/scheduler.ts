// Which job runs next: our fair-share policy over the store's queued jobs. Admin jobs first (priority), then the
// user with less engine time in the last 24 h, then first come (acceptance order).
import { userKeyString, type JobRepository, type QueuedJob } from './ports.js';

const DAY_MS = 86_400_000;
/** Engine time per user is re-read at most this often (and whenever a job ends here): it moves slowly. */
const USAGE_TTL_MS = 1000;

/** Orders queued jobs for starting: priority desc, engine ms used in the window asc, seq asc. Pure. */
export function fairShareOrder(queued: readonly QueuedJob[], usedMs: ReadonlyMap<string, number>): QueuedJob[] {
  const usage = new Map(queued.map((j) => [j, usedMs.get(userKeyString(j)) ?? 0]));
  return [...queued].sort((a, b) => b.priority - a.priority || usage.get(a)! - usage.get(b)! || a.seq - b.seq);
}

export class Scheduler {
  private usage?: { at: number; byUser: Map<string, number> };

  constructor(
    private readonly store: Pick<JobRepository, 'queuedJobs' | 'gpuMsByUserSince'>,
    private readonly now: () => number,
  ) {}

  /** Forget the cached engine time per user (a job ended: its user's share changed). */
  invalidateUsage(): void {
    this.usage = undefined;
  }

  private async usedMs(): Promise<Map<string, number>> {
    const now = this.now();
    if (!this.usage || Math.abs(now - this.usage.at) > USAGE_TTL_MS) {
      this.usage = { at: now, byUser: await this.store.gpuMsByUserSince(now - DAY_MS) };
    }
    return this.usage.byUser;
  }

  /** Queued jobs in the order they will start (index 0 = next). */
  async order(): Promise<QueuedJob[]> {
    const [queued, used] = await Promise.all([this.store.queuedJobs(), this.usedMs()]);
    return fairShareOrder(queued, used);
  }
}

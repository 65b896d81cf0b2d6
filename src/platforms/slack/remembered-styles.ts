// "Use as style": the image a person picked for their next request, per workspace and user. Kept in memory: it is
// only a reference to a file that stays in Slack (name, private link, size; about 300 bytes), used once, and losing
// it in a restart costs one more click; the stores (db/) hold jobs and quotas and have no per-user scratch place.
// Bounded in count (least recently picked goes first) and in age.
import type { SlackImageRef } from './shortcuts.js';

export interface RememberedStylesOptions {
  /** Most people remembered at once (default 1000). */
  maxEntries?: number;
  /** How long a pick is kept, ms (default 24 h). */
  maxAgeMs?: number;
  now?: () => number;
}

/** One style image per person (workspace + user), used by their next request that names no style. */
export class RememberedStyles {
  private readonly entries = new Map<string, { image: SlackImageRef; at: number }>();
  private readonly maxEntries: number;
  private readonly maxAgeMs: number;
  private readonly now: () => number;

  constructor(options: RememberedStylesOptions = {}) {
    this.maxEntries = options.maxEntries ?? 1000;
    this.maxAgeMs = options.maxAgeMs ?? 24 * 60 * 60_000;
    this.now = options.now ?? Date.now;
  }

  /** Remembers `image` for the person, replacing their earlier pick; the oldest pick goes when full. */
  remember(teamId: string, userId: string, image: SlackImageRef): void {
    const key = `${teamId}:${userId}`;
    this.entries.delete(key);
    this.entries.set(key, { image, at: this.now() });
    while (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
  }

  /** The person's pick, unless it is older than the age limit (then it is forgotten). */
  peek(teamId: string, userId: string): SlackImageRef | undefined {
    const key = `${teamId}:${userId}`;
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (this.now() - entry.at > this.maxAgeMs) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.image;
  }

  /** The person's pick, forgotten as it is handed out (it is for their next request only). */
  take(teamId: string, userId: string): SlackImageRef | undefined {
    const image = this.peek(teamId, userId);
    this.entries.delete(`${teamId}:${userId}`);
    return image;
  }

  get size(): number {
    return this.entries.size;
  }
}

// The studio's side of the job events: the web platform's listener on the job service. It keeps the latest preview
// of each running job (so a page that opens or reconnects late sees one at once) and fans events out to the open
// event streams of that job. Nothing is stored here that the job service does not also keep: a restart loses only
// previews, and the page re-reads the job.
import type { Job, JobEvent, JobService } from '../../jobs/types.js';

export type StreamListener = (job: Job, event: JobEvent) => void;

const MAX_PREVIEWS = 200;

export class JobStreams {
  private readonly listeners = new Map<string, Set<StreamListener>>();
  private readonly previews = new Map<string, Uint8Array>();
  private readonly unsubscribe: () => void;

  constructor(jobs: JobService) {
    this.unsubscribe = jobs.onEvents('web', (job, event) => this.received(job, event));
  }

  private received(job: Job, event: JobEvent): void {
    if (event.type === 'progress' && event.preview) {
      this.previews.delete(job.id);
      this.previews.set(job.id, event.preview);
      if (this.previews.size > MAX_PREVIEWS) this.previews.delete(this.previews.keys().next().value as string);
    }
    if (event.type === 'done' || event.type === 'failed' || event.type === 'cancelled') this.previews.delete(job.id);
    for (const listener of this.listeners.get(job.id) ?? []) listener(job, event);
  }

  /** The latest preview PNG of a running job, if one has arrived. */
  preview(jobId: string): Uint8Array | undefined {
    return this.previews.get(jobId);
  }

  /** Hears every later event of one job; returns the function that stops listening. */
  subscribe(jobId: string, listener: StreamListener): () => void {
    let set = this.listeners.get(jobId);
    if (!set) this.listeners.set(jobId, (set = new Set()));
    set.add(listener);
    return () => {
      set!.delete(listener);
      if (set!.size === 0) this.listeners.delete(jobId);
    };
  }

  close(): void {
    this.unsubscribe();
    this.listeners.clear();
  }
}

// A job as the studio's API shows it (its schema: schemas.ts JobView): the fields the issue names (id, state,
// iteration, iterations, position, error), who paints it (worker, attempts), plus what the page draws. The status
// line and the buttons come from commands/progress.ts, as on Discord and Slack, so a new button there (e.g.
// "upscale") appears here without a change.
import { settingsText, statusView } from '../../../commands/progress.js';
import type { ActionButton } from '../../../commands/types.js';
import type { Job, JobEvent, JobService } from '../../jobs/types.js';
import { plainText } from '../../../commands/reply.js';
import type { ApiJob } from './schemas.js';

export type { ApiJob };

/** The event a bot would have shown last for a job in its present state. */
function latestEvent(job: Job, position: number | undefined): JobEvent {
  switch (job.state) {
    case 'queued':
      return { type: 'position', position: position ?? 1 };
    case 'running':
      return job.progress ? { type: 'progress', progress: job.progress } : { type: 'started' };
    case 'done':
      return { type: 'done', png: new Uint8Array() };
    case 'failed':
      return { type: 'failed', error: job.error ?? 'unknown error' };
    case 'cancelled':
      return { type: 'cancelled', by: '' };
  }
}

export async function positionOf(jobs: JobService, jobId: string): Promise<number | undefined> {
  return (await jobs.queue()).find((entry) => entry.job.id === jobId)?.position;
}

export function apiJob(job: Job, position: number | undefined): ApiJob {
  const view = statusView(job, latestEvent(job, position));
  const iterations = job.progress?.total ?? job.result?.iterations ?? job.options.iterations ?? 0;
  const iteration = job.state === 'done' ? iterations : (job.progress?.iteration ?? 0);
  const buttons: ActionButton[] = view?.buttons ?? [];
  return {
    id: job.id,
    state: job.state,
    iteration,
    iterations,
    position: job.state === 'queued' ? (position ?? null) : job.state === 'running' ? 0 : null,
    error: job.error ?? null,
    fraction: iterations > 0 ? Math.min(1, iteration / iterations) : 0,
    etaMs: job.state === 'running' ? (job.progress?.etaMs ?? null) : null,
    owner: {
      platform: job.platform,
      workspaceId: job.workspaceId,
      userId: job.userId,
      ...(job.userName ? { userName: job.userName } : {}),
    },
    styles: job.styleNames,
    artist: job.artist ?? null,
    artwork: job.artwork ?? null,
    options: job.options,
    settings: job.state === 'done' ? plainText(settingsText(job)) : null,
    status: view ? plainText(view.text) : job.state,
    buttons: buttons.map(({ action, label }) => ({ action, label })),
    result:
      job.state === 'done' && job.result
        ? {
            url: `/api/v1/jobs/${job.id}/result`,
            width: job.result.width,
            height: job.result.height,
            seed: job.result.seed,
            backend: job.result.backend,
            msPerIteration: job.result.msPerIteration,
          }
        : null,
    worker: job.worker ?? null,
    attempts: job.attempts,
    createdAt: job.createdAt,
    startedAt: job.startedAt ?? null,
    finishedAt: job.finishedAt ?? null,
  };
}

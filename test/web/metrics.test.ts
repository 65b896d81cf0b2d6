// The metrics registry counts what the job service reports: outcomes, durations, failure kinds, chat 429s.
import { describe, expect, it } from 'vitest';
import type { Job, JobEvent, JobListener, JobService } from '../../src/jobs/types.js';
import { failureKind, StylebotMetrics } from '../../src/metrics.js';

function job(fields: Partial<Job>): Job {
  return {
    id: 'j1',
    platform: 'discord',
    workspaceId: 'g',
    userId: 'u',
    reply: {},
    state: 'done',
    priority: 0,
    options: {},
    styleNames: [],
    attempts: 1,
    createdAt: 0,
    gpuMs: 0,
    ...fields,
  };
}

describe('metrics', () => {
  it("names the kind of a failure from the job core's message", () => {
    expect(failureKind('The job took longer than 30 minutes and was stopped.')).toBe('timeout');
    expect(failureKind('The engine crashed while painting this image: out of memory')).toBe('crashed');
    expect(failureKind('The job was interrupted 3 times (the bot restarted while it was painting), so it was given up.')).toBe(
      'interrupted',
    );
    expect(failureKind('The images of this job are missing from the data folder, so it cannot run.')).toBe('missing_inputs');
    expect(failureKind('The engine could not paint this image: size too large')).toBe('engine');
  });

  it('observes done, failed and cancelled jobs, reads the queue at each scrape, and counts chat 429s', async () => {
    let observer: JobListener = () => undefined;
    const queued = job({ id: 'q', state: 'queued' });
    const running = job({ id: 'r', state: 'running' });
    const service = {
      observe: (listener: JobListener) => ((observer = listener), () => undefined),
      queue: async () => [
        { job: running, position: 0 },
        { job: queued, position: 1 },
      ],
    } as unknown as JobService;
    const metrics = new StylebotMetrics();
    metrics.watch(service);
    const emit = (j: Job, e: JobEvent) => observer(j, e);
    emit(
      job({
        startedAt: 1_000,
        finishedAt: 13_000,
        result: { width: 64, height: 48, iterations: 20, backend: 'wasm', msPerIteration: 600, seed: 1, losses: {} as never },
      }),
      { type: 'done', png: new Uint8Array() },
    );
    emit(job({ state: 'failed', platform: 'slack' }), { type: 'failed', error: 'The engine crashed while painting this image: gone' });
    emit(job({ state: 'cancelled', platform: 'web' }), { type: 'cancelled', by: 'ann' });
    metrics.rateLimited('discord');
    metrics.rateLimited('discord');

    const { body } = await metrics.text();
    expect(body).toMatch(/^stylebot_jobs_finished_total\{state="done",platform="discord"\} 1$/m);
    expect(body).toMatch(/^stylebot_jobs_finished_total\{state="failed",platform="slack"\} 1$/m);
    expect(body).toMatch(/^stylebot_jobs_finished_total\{state="cancelled",platform="web"\} 1$/m);
    expect(body).toMatch(/^stylebot_job_duration_seconds_sum\{platform="discord"\} 12$/m);
    expect(body).toMatch(/^stylebot_iteration_duration_seconds_bucket\{le="1",backend="wasm"\} 1$/m);
    expect(body).toMatch(/^stylebot_iteration_duration_seconds_bucket\{le="0.5",backend="wasm"\} 0$/m);
    expect(body).toMatch(/^stylebot_job_failures_total\{kind="crashed"\} 1$/m);
    expect(body).toMatch(/^stylebot_chat_api_rate_limited_total\{platform="discord"\} 2$/m);
    expect(body).toMatch(/^stylebot_jobs\{state="queued"\} 1$/m);
    expect(body).toMatch(/^stylebot_jobs\{state="running"\} 1$/m);
    expect(body).toMatch(/^stylebot_queue_depth 1$/m);
  });
});

// Prometheus metrics (prom-client), served by the studio at /metrics. One registry per process; any module may
// count into it (the chat adapters count their API's 429 answers here). Names follow Prometheus' conventions:
// base units (seconds), _total for counters.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Job, JobEvent, JobService, Platform } from './jobs/types.js';

export type FailureKind = 'timeout' | 'crashed' | 'interrupted' | 'missing_inputs' | 'engine';

/** The process's registry with Stylebot's metrics and Node's defaults (CPU, memory, event-loop lag). */
export class StylebotMetrics {
  readonly registry = new Registry();
  readonly jobsFinished = new Counter({
    name: 'stylebot_jobs_finished_total',
    help: 'Jobs that reached a final state since the process started, by state (done, failed, cancelled)',
    labelNames: ['state', 'platform'] as const,
    registers: [this.registry],
  });
  readonly jobDuration = new Histogram({
    name: 'stylebot_job_duration_seconds',
    help: 'Time from a job starting on an engine worker to its picture, for done jobs',
    labelNames: ['platform'] as const,
    buckets: [1, 5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600],
    registers: [this.registry],
  });
  readonly msPerIteration = new Histogram({
    name: 'stylebot_iteration_duration_seconds',
    help: 'Engine time per optimizer iteration of done jobs (forward pass + gradient + optimizer step)',
    labelNames: ['backend'] as const,
    buckets: [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 30, 100],
    registers: [this.registry],
  });
  readonly failures = new Counter({
    name: 'stylebot_job_failures_total',
    help: 'Failed jobs by kind: timeout, crashed (worker died), interrupted (too many restarts), missing_inputs, engine',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });
  readonly quotaRefusals = new Counter({
    name: 'stylebot_quota_refusals_total',
    help: 'Jobs refused because of a quota, by platform',
    labelNames: ['platform'] as const,
    registers: [this.registry],
  });
  readonly chatRateLimited = new Counter({
    name: 'stylebot_chat_api_rate_limited_total',
    help: 'HTTP 429 answers from a chat platform API (Discord, Slack)',
    labelNames: ['platform'] as const,
    registers: [this.registry],
  });
  /** Set by watch(): reads the queue into the gauges below at each scrape. */
  private readQueue?: () => Promise<void>;
  /** The queue read of the scrape in progress: both gauges wait for the same one (the store is read once). */
  private queueRead?: Promise<void>;
  private readonly jobsNow = new Gauge({
    name: 'stylebot_jobs',
    help: 'Jobs waiting or painting now, by state (queued, running)',
    labelNames: ['state'] as const,
    registers: [this.registry],
    collect: () => this.readQueueOnce(),
  });
  private readonly queueDepth = new Gauge({
    name: 'stylebot_queue_depth',
    help: 'Jobs waiting for an engine worker',
    registers: [this.registry],
    collect: () => this.readQueueOnce(),
  });

  /** 1 when the last scrape could read the store, 0 when it could not (the other series keep their last values). */
  private readonly storeUp = new Gauge({
    name: 'stylebot_store_up',
    help: 'Whether the job store answered the last scrape (1) or was unreachable (0)',
    registers: [this.registry],
    collect: () => this.readQueueOnce(),
  });

  private readQueueOnce(): Promise<void> {
    if (!this.readQueue) return Promise.resolve();
    this.queueRead ??= this.readQueue().finally(() => {
      this.queueRead = undefined;
    });
    return this.queueRead;
  }
  private detach?: () => void;

  constructor() {
    collectDefaultMetrics({ register: this.registry });
    // prom-client names three gauges *_total, which Prometheus reserves for counters (`promtool check metrics`
    // refuses them); their per-type gauges (nodejs_active_handles{type}, ...) stay, and a sum() gives the total.
    for (const name of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']) {
      this.registry.removeSingleMetric(name);
    }
  }

  /** Reads queue gauges from the job service at each scrape and counts job outcomes from its events. */
  watch(jobs: JobService): void {
    this.detach?.();
    this.readQueue = async () => {
      // A store outage must not take /metrics down with it: the process still knows its counters, and says the
      // store is down.
      const queue = await jobs.queue().catch(() => undefined);
      this.storeUp.set(queue ? 1 : 0);
      if (!queue) return;
      const queued = queue.filter((entry) => entry.job.state === 'queued').length;
      this.jobsNow.set({ state: 'queued' }, queued);
      this.jobsNow.set({ state: 'running' }, queue.length - queued);
      this.queueDepth.set(queued);
    };
    this.detach = jobs.observe((job, event) => this.jobEvent(job, event));
  }

  unwatch(): void {
    this.readQueue = undefined;
    this.detach?.();
    this.detach = undefined;
  }

  private jobEvent(job: Job, event: JobEvent): void {
    if (event.type === 'done') {
      this.jobsFinished.inc({ state: 'done', platform: job.platform });
      if (job.startedAt !== undefined && job.finishedAt !== undefined) {
        this.jobDuration.observe({ platform: job.platform }, Math.max(0, job.finishedAt - job.startedAt) / 1000);
      }
      if (job.result) this.msPerIteration.observe({ backend: job.result.backend }, job.result.msPerIteration / 1000);
    } else if (event.type === 'failed') {
      this.jobsFinished.inc({ state: 'failed', platform: job.platform });
      this.failures.inc({ kind: failureKind(event.error) });
    } else if (event.type === 'cancelled') {
      this.jobsFinished.inc({ state: 'cancelled', platform: job.platform });
    }
  }

  /** A chat platform answered 429 (Too Many Requests). */
  rateLimited(platform: Platform): void {
    this.chatRateLimited.inc({ platform });
  }

  /** The Prometheus text exposition format (version 0.0.4). */
  async text(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}

/** The kind of a failure, from the job core's message (src/jobs/service.ts words them). */
export function failureKind(error: string): FailureKind {
  if (/took longer than/i.test(error)) return 'timeout';
  if (/crashed/i.test(error)) return 'crashed';
  if (/interrupted/i.test(error)) return 'interrupted';
  if (/images of this job are missing/i.test(error)) return 'missing_inputs';
  return 'engine';
}

/** The process-wide metrics; modules without a handle to the server count here (chat 429s). */
export const metrics = new StylebotMetrics();

/**
 * A JobService whose enqueue and rerun count quota refusals; everything else is the service itself. Commands use
 * it through CommandContext.jobs, so refusals on every platform are counted in one place.
 */
export function countingQuotaRefusals(jobs: JobService, into: StylebotMetrics = metrics): JobService {
  return new Proxy(jobs, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver) as unknown;
      if (property === 'enqueue' || property === 'rerun') {
        return async (...args: unknown[]) => {
          const result = await (value as (...a: unknown[]) => ReturnType<JobService['enqueue']>).apply(target, args);
          if (!result.ok && result.reason === 'quota') {
            const requester = (property === 'enqueue' ? args[0] : args[1]) as { platform: Platform };
            into.quotaRefusals.inc({ platform: requester.platform });
          }
          return result;
        };
      }
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

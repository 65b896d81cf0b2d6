// Shared test plumbing for the job core: temp data folders, a service with the fake engine, event recording.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { JobServiceOptions, StylebotJobService } from '../../src/jobs/index.js';
import { createJobService } from '../../src/app/compose.js';
import type { Job, JobEvent, JobInputs, Platform, Requester } from '../../src/jobs/types.js';
import type { StylizeOptions } from '../../src/engine/types.js';
import { CONTENT_DIR, MODEL_DIR, STYLES_DIR } from '../helpers/shared.js';

export const FAKE_ENGINE = fileURLToPath(new URL('./fixtures/fake-engine.ts', import.meta.url));
export const PNG_1PX = Uint8Array.from(
  Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64'),
);

const dirs: string[] = [];
export function tempDir(prefix = 'stylebot-jobs-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
}
export function removeTempDirs(): void {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
}

export function user(userId: string, extra: Partial<Requester> = {}): Requester {
  return { platform: 'discord', workspaceId: 'guild1', userId, userName: userId, ...extra };
}

/** Inputs for the fake engine: the style name is its script (see fixtures/fake-engine.ts). */
/** The operator at the command line: an admin everywhere. */
export const CLI: Requester = { platform: 'cli', workspaceId: 'cli', userId: 'operator' };

export function fakeInputs(script = 'sleep:5', iterations = 3): JobInputs {
  return { content: PNG_1PX, styles: [{ image: PNG_1PX, weight: 1, name: script }], options: { iterations, size: 64 } };
}

export function fakeService(options: Partial<JobServiceOptions> = {}): StylebotJobService {
  return createJobService({
    dataDir: options.dataDir ?? tempDir(),
    workers: 1,
    engineModule: FAKE_ENGINE,
    progressThrottleMs: 0,
    log: () => undefined,
    ...options,
  });
}

/** A service on the real engine (VGG-19 on the machine's backend) with one worker. */
export function realService(options: Partial<JobServiceOptions> = {}): StylebotJobService {
  return createJobService({
    dataDir: options.dataDir ?? tempDir(),
    workers: 1,
    modelDir: MODEL_DIR,
    progressThrottleMs: 0,
    log: () => undefined,
    ...options,
  });
}

let photo: Uint8Array | undefined;
let painting: Uint8Array | undefined;
/** A real photo and painting, painted at 64 px with Adam (one gradient per iteration: predictable time). */
export function realInputs(iterations = 2, options: Partial<StylizeOptions> = {}): JobInputs {
  photo ??= new Uint8Array(readFileSync(join(CONTENT_DIR, 'tuebingen_neckarfront.jpg')));
  painting ??= new Uint8Array(readFileSync(join(STYLES_DIR, 'starry_night.jpg')));
  return {
    content: photo,
    contentName: 'tuebingen.jpg',
    styles: [{ image: painting, weight: 1, name: 'starry_night.jpg' }],
    options: { size: 64, iterations, optimizer: 'adam', progressEvery: 1, previewSize: 0, ...options },
  };
}

export interface Recorded {
  job: Job;
  event: JobEvent;
}

/** Records every event of one platform and lets a test wait for one. */
export class EventLog {
  readonly events: Recorded[] = [];
  private waiters: { test: (r: Recorded) => boolean; resolve: (r: Recorded) => void }[] = [];

  constructor(service: StylebotJobService, platform: Platform = 'discord') {
    service.onEvents(platform, (job, event) => {
      const r = { job, event };
      this.events.push(r);
      this.waiters = this.waiters.filter((w) => (w.test(r) ? (w.resolve(r), false) : true));
    });
  }

  of(jobId: string): JobEvent[] {
    return this.events.filter((r) => r.job.id === jobId).map((r) => r.event);
  }

  types(jobId: string): string[] {
    return this.of(jobId).map((e) => e.type);
  }

  wait(test: (r: Recorded) => boolean, timeoutMs = 60_000): Promise<Recorded> {
    const seen = this.events.find(test);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('timed out waiting for a job event')), timeoutMs);
      this.waiters.push({
        test,
        resolve: (r) => {
          clearTimeout(timer);
          resolve(r);
        },
      });
    });
  }

  /** Waits for a job's final event (done, failed, cancelled). */
  final(jobId: string, timeoutMs?: number): Promise<Recorded> {
    return this.wait((r) => r.job.id === jobId && ['done', 'failed', 'cancelled'].includes(r.event.type), timeoutMs);
  }
}

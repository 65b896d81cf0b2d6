// Prometheus' own checker accepts /metrics: `promtool check metrics` (Debian package prometheus) on a registry that
// has seen a done, a failed and a cancelled job. Skipped with the reason where promtool is not installed.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import type { Job, JobEvent, JobListener, JobService } from '../../src/jobs/types.js';
import { StylebotMetrics } from '../../src/metrics.js';

const promtool = spawnSync('promtool', ['--version']).status === 0;
if (!promtool) console.warn('promtool not installed (apt-get install prometheus): the metrics lint test is skipped');

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

describe.skipIf(!promtool)('metrics lint', () => {
  it('passes promtool check metrics, with one iteration-duration sample per done job', async () => {
    let observer: JobListener = () => undefined;
    const service = { observe: (l: JobListener) => ((observer = l), () => undefined), queue: async () => [] } as unknown as JobService;
    const metrics = new StylebotMetrics();
    metrics.watch(service);
    const done = (id: string): [Job, JobEvent] => [
      job({
        id,
        startedAt: 0,
        finishedAt: 9_000,
        result: { width: 64, height: 48, iterations: 30, backend: 'wasm', msPerIteration: 300, seed: 1, losses: {} as never },
      }),
      { type: 'done', png: new Uint8Array() },
    ];
    observer(...done('a'));
    observer(...done('b'));
    observer(job({ state: 'failed' }), { type: 'failed', error: 'The engine crashed while painting this image: gone' });
    observer(job({ state: 'cancelled', platform: 'web' }), { type: 'cancelled', by: 'ann' });
    metrics.rateLimited('slack');
    const { body } = await metrics.text();
    const check = spawnSync('promtool', ['check', 'metrics'], { input: body, encoding: 'utf8' });
    expect(check.stdout + check.stderr).toBe('');
    expect(check.status).toBe(0);
    // Two jobs of 30 iterations each: two samples, not sixty.
    expect(body).toMatch(/^stylebot_iteration_duration_seconds_count\{backend="wasm"\} 2$/m);
  });
});

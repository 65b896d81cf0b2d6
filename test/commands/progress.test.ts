// statusView: what a job's status message shows for each job event (pure function over plain data).
import { describe, expect, it } from 'vitest';
import { statusView } from '../../commands/progress.js';
import type { Job } from '../../src/jobs/types.js';

function job(overrides: Partial<Job> = {}): Job {
  return {
    id: 'job42',
    platform: 'discord',
    workspaceId: 'g1',
    userId: 'u1',
    reply: {},
    state: 'running',
    priority: 0,
    options: { size: 256, iterations: 300, seed: 7 },
    styleNames: ['wave.jpg'],
    attempts: 1,
    createdAt: 0,
    gpuMs: 0,
    ...overrides,
  };
}

describe('statusView', () => {
  it('shows the queue position with a cancel button', () => {
    const view = statusView(job({ state: 'queued' }), { type: 'queued', position: 3 })!;
    expect(view.text).toContain('position 3');
    expect(view.text).toContain('`job42`');
    expect(view.buttons).toEqual([{ action: 'cancel', label: 'Cancel', jobId: 'job42' }]);
    expect(view.final).toBe(false);
    expect(statusView(job(), { type: 'position', position: 1 })!.text).toContain('position 1');
  });

  it('shows a progress bar, the iteration, the time left and the preview', () => {
    const preview = new Uint8Array([1, 2, 3]);
    const view = statusView(job(), {
      type: 'progress',
      progress: { iteration: 120, total: 300, elapsedMs: 60_000, etaMs: 90_000 },
      preview,
    })!;
    expect(view.text).toContain('iteration 120/300');
    expect(view.text).toContain('▓▓▓▓▓░░░░░░░ 40%');
    expect(view.text).toContain('1m 30s left');
    expect(view.image).toEqual({ data: preview, name: 'preview-job42.png' });
    expect(view.buttons?.map((b) => b.action)).toEqual(['cancel']);
    expect(view.final).toBe(false);
  });

  it('shows the result with the settings used and the re-run buttons', () => {
    const png = new Uint8Array([9]);
    const done = job({
      state: 'done',
      artist: 'monet',
      artwork: 'monet/haystacks.jpg',
      styleNames: ['monet/haystacks.jpg'],
      options: { size: 256, iterations: 300, seed: 7, styleWeight: 2e4, preserveColors: 'luminance' },
      result: {
        width: 256,
        height: 171,
        iterations: 300,
        backend: 'webgpu',
        msPerIteration: 50,
        seed: 7,
        losses: { initial: { content: 0, style: 1, tv: 0, total: 1 }, final: { content: 0, style: 0.1, tv: 0, total: 0.1 } },
      },
    });
    const view = statusView(done, { type: 'done', png })!;
    expect(view.final).toBe(true);
    expect(view.image).toEqual({ data: png, name: 'stylebot-job42.png' });
    for (const part of ['size 256×171', '300 iterations', 'style weight 20000', 'seed 7', 'colours luminance', 'monet/haystacks.jpg', 'webgpu']) {
      expect(view.text).toContain(part);
    }
    expect(view.buttons?.map((b) => b.action)).toEqual(['rerun', 'stronger']);
  });

  it('explains failures and cancellations, without buttons', () => {
    const failed = statusView(job(), { type: 'failed', error: 'the engine crashed while painting this image' })!;
    expect(failed.text).toContain('Failed: the engine crashed');
    expect(failed.final).toBe(true);
    expect(failed.buttons).toBeUndefined();
    const cancelled = statusView(job(), { type: 'cancelled', by: 'alice' })!;
    expect(cancelled.text).toContain('Cancelled by alice');
    expect(cancelled.final).toBe(true);
  });
});

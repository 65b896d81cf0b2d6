// statusView: what a job's status message shows for each job event (pure function over plain data).
import { markup } from './markup.js';
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
    expect(markup(view.text)).toContain('position 3');
    expect(markup(view.text)).toContain('`job42`');
    expect(view.buttons).toEqual([{ action: 'cancel', label: 'Cancel', jobId: 'job42' }]);
    expect(view.final).toBe(false);
    expect(markup(statusView(job(), { type: 'position', position: 1 })!.text)).toContain('position 1');
  });

  it('shows a progress bar, the iteration, the time left and the preview', () => {
    const preview = new Uint8Array([0xff, 0xd8, 0xff, 0xe0]); // a JPEG's signature
    const view = statusView(job(), {
      type: 'progress',
      progress: { iteration: 120, total: 300, elapsedMs: 60_000, etaMs: 90_000 },
      preview,
    })!;
    expect(markup(view.text)).toContain('iteration 120/300');
    expect(markup(view.text)).toContain('▓▓▓▓▓░░░░░░░ 40%');
    expect(markup(view.text)).toContain('1m 30s left');
    expect(view.image).toEqual({ data: preview, name: 'preview-job42.jpg' });
    expect(view.buttons?.map((b) => b.action)).toEqual(['cancel']);
    expect(view.final).toBe(false);
  });

  it('says the time left is being measured until the job has a measured rate, instead of a guess', () => {
    const view = statusView(job(), { type: 'progress', progress: { iteration: 1, total: 300, elapsedMs: 40_000 } })!;
    expect(markup(view.text)).toContain('iteration 1/300 · measuring the time left');
    expect(markup(view.text)).not.toMatch(/\d+s left/);
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
    for (const part of [
      'size 256×171',
      '300 iterations',
      'style weight 20000',
      'seed 7',
      'colours luminance',
      'monet/haystacks.jpg',
      'webgpu',
    ]) {
      expect(markup(view.text)).toContain(part);
    }
    expect(view.buttons?.map((b) => b.action)).toEqual(['rerun', 'stronger', 'upscale']);
    expect(markup(view.text)).not.toMatch(/scales|Upscaled/);
  });

  it('names the scale while painting, and the scales, the upscale and the closest work when done', () => {
    const painting = statusView(job(), {
      type: 'progress',
      progress: { iteration: 200, total: 300, elapsedMs: 1, etaMs: 1000, scale: { index: 2, count: 3, size: 256 } },
    })!;
    expect(markup(painting.text)).toContain('iteration 200/300 · scale 2/3 (256 px)');
    const result = {
      width: 512,
      height: 384,
      iterations: 150,
      backend: 'wasm',
      msPerIteration: 50,
      seed: 7,
      scales: [{ size: 512, iterations: 150 }],
      styles: ['monet/haystacks.jpg'],
      losses: { initial: { content: 0, style: 1, tv: 0, total: 1 }, final: { content: 0, style: 0.1, tv: 0, total: 0.1 } },
    };
    const upscaled = job({
      state: 'done',
      parentId: 'job41',
      artist: 'monet',
      styleNames: ['monet/haystacks.jpg', 'monet/impression-sunrise.jpg'],
      options: { size: 512, iterations: 150, scales: 1, init: 'picture', seed: 7 },
      result,
    });
    const text = markup(statusView(upscaled, { type: 'done', png: new Uint8Array([1]) })!.text);
    expect(text).toContain('Upscaled from job job41');
    expect(text).toContain('init: an earlier picture');
    expect(text).toContain('monet/haystacks.jpg (of 2 works by monet, the closest in style to the photo)');
    // No weight given: the default at 512 px.
    expect(text).toContain('style weight 10000');
    const multi = job({
      state: 'done',
      options: { size: 512, iterations: 300 },
      result: {
        ...result,
        iterations: 300,
        scales: [
          { size: 128, iterations: 100 },
          { size: 256, iterations: 100 },
          { size: 512, iterations: 100 },
        ],
      },
    });
    expect(markup(statusView(multi, { type: 'done', png: new Uint8Array([1]) })!.text)).toContain(
      'scales 128→256→512 px (100+100+100 iterations)',
    );
  });

  it('explains failures and cancellations, without buttons', () => {
    const failed = statusView(job(), { type: 'failed', error: 'the engine crashed while painting this image' })!;
    expect(markup(failed.text)).toContain('Failed: the engine crashed');
    expect(failed.final).toBe(true);
    expect(failed.buttons).toBeUndefined();
    const cancelled = statusView(job(), { type: 'cancelled', by: 'alice' })!;
    expect(markup(cancelled.text)).toContain('Cancelled by alice');
    expect(cancelled.final).toBe(true);
  });
});

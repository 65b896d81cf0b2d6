// The whole path on the real engine: enqueue (artist mode) -> worker thread with VGG-19 -> 'done' with a PNG.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterEach, expect, test } from 'vitest';
import type { StylebotJobService } from '../../src/jobs/index.js';
import { createJobService } from '../../src/app/compose.js';
import { ARTISTS_DIR, CONTENT_DIR, MODEL_DIR } from '../helpers/shared.js';
import { EventLog, removeTempDirs, tempDir } from './helpers.js';

let service: StylebotJobService | undefined;
afterEach(async () => {
  await service?.close();
  service = undefined;
  removeTempDirs();
});

test('a real 64 px, 5-iteration job in artist mode ends with a valid PNG', async () => {
  service = createJobService({ dataDir: tempDir(), artistsDir: ARTISTS_DIR, modelDir: MODEL_DIR, workers: 1, progressThrottleMs: 0 });
  const log = new EventLog(service, 'slack');
  await service.start();
  const content = new Uint8Array(readFileSync(join(CONTENT_DIR, 'tuebingen_neckarfront.jpg')));
  const r = await service.enqueue(
    { platform: 'slack', workspaceId: 'T1', userId: 'U1' },
    { channel: 'C1', ts: '1.2' },
    {
      content,
      contentName: 'tuebingen.jpg',
      styles: [],
      artist: 'hokusai',
      options: { size: 64, iterations: 5, progressEvery: 2, previewSize: 32 },
    },
  );
  if (!r.ok) throw new Error(r.message);
  expect(r.job.artwork).toMatch(/^hokusai\//);
  const final = await log.final(r.job.id, 170_000);
  if (final.event.type !== 'done') throw new Error(JSON.stringify(final.event));
  const meta = await sharp(final.event.png).metadata();
  expect(meta.format).toBe('png');
  expect(Math.max(meta.width!, meta.height!)).toBe(64);
  expect(final.job).toMatchObject({ state: 'done', reply: { channel: 'C1', ts: '1.2' } });
  expect(final.job.result).toMatchObject({ iterations: 5, width: meta.width, height: meta.height });
  expect(final.job.gpuMs).toBeGreaterThan(0);
  const progress = log.of(r.job.id).filter((e) => e.type === 'progress');
  expect(progress.length).toBeGreaterThanOrEqual(2);
  expect(progress.at(-1)).toMatchObject({ progress: { iteration: 5, total: 5 } });
  const previews = progress.flatMap((e) => (e.type === 'progress' && e.preview ? [e.preview] : []));
  expect(previews.length).toBeGreaterThan(0);
  // Through the worker thread the previews stay small JPEGs (previewSize 32); the picture is a PNG once, at the end.
  for (const preview of previews) {
    const previewMeta = await sharp(preview).metadata();
    expect(previewMeta.format).toBe('jpeg');
    expect(Math.max(previewMeta.width!, previewMeta.height!)).toBe(32);
  }
  expect(await service.resultImage(r.job.id)).toEqual(final.event.png);
}, 180_000);

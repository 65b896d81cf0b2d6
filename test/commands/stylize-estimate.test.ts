// /stylize refuses, before any download, a job whose estimated time is over the job time limit (src/engine/estimate.ts).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runCommand } from '../../commands/index.js';
import { plainText } from '../../commands/reply.js';
import type { Attachment, CommandContext, CommandRequest } from '../../commands/types.js';
import { costForBackend, refuseOverLimit } from '../../src/engine/estimate.js';
import { createJobService } from '../../src/app/compose.js';
import type { JobService } from '../../src/jobs/types.js';
import { ARTISTS_DIR, MODEL_DIR } from '../helpers/shared.js';

let dir: string;
let jobs: JobService;
let context: CommandContext;
let png: Uint8Array;
let fetches = 0;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'stylebot-estimate-'));
  jobs = createJobService({ dataDir: join(dir, 'data'), artistsDir: ARTISTS_DIR, modelDir: MODEL_DIR, workers: 1, log: () => undefined });
  const cost = costForBackend('onnxruntime');
  context = {
    jobs,
    limits: { maxImageBytes: 1_000_000, maxImagePixels: 4_000_000 },
    defaults: { size: 64, iterations: 6 },
    refuseOverLimit: (job) => refuseOverLimit(cost, job, 1800 * 1000),
  };
  png = await sharp({ create: { width: 48, height: 32, channels: 3, background: { r: 200, g: 40, b: 40 } } })
    .png()
    .toBuffer();
});

afterAll(async () => {
  await jobs?.close();
  rmSync(dir, { recursive: true, force: true });
});

const image = (name: string): Attachment => ({ name, contentType: 'image/png', size: png.length, fetch: async () => (fetches++, png) });

function stylize(args: CommandRequest['args']): CommandRequest {
  return {
    requester: { platform: 'discord', workspaceId: 'g1', userId: 'alice', userName: 'alice', isPlatformAdmin: true },
    command: 'stylize',
    args,
    attachments: { content: image('photo.png'), style: image('style.png') },
    reply: { channel: 'c1' },
  };
}

it('refuses a job over the time limit privately, with the estimate and a size that fits, and downloads nothing', async () => {
  const reply = await runCommand(stylize({ size: 2048, iterations: 2000 }), context);
  expect(reply.private).toBe(true);
  expect(plainText(reply.text)).toMatch(
    /size 2048 with 2000 iterations this job would take about [\d.]+ h on onnxruntime, over the 30 min limit; size \d+ fits/,
  );
  expect(fetches).toBe(0);
  expect(reply.jobId).toBeUndefined();
});

it('queues a job that fits', async () => {
  const reply = await runCommand(stylize({ size: 64, iterations: 10 }), context);
  expect(reply.private).toBeFalsy();
  expect(reply.jobId).toBeDefined();
});

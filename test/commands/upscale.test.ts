// The Upscale button end to end on the real engine: a finished 32 px picture is painted again at 64 px, starting
// from that picture, as a new job; the settings line says so; the size limit is kept.
import Database from 'better-sqlite3';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, expect, test } from 'vitest';
import { runCommand, statusView } from '../../commands/index.js';
import type { CommandContext, CommandRequest } from '../../commands/types.js';
import { markup } from './markup.js';
import type { StylebotJobService } from '../../src/jobs/index.js';
import type { Requester } from '../../src/jobs/types.js';
import { EventLog, realInputs, realService, removeTempDirs, tempDir } from '../jobs/helpers.js';

const ALICE: Requester = { platform: 'discord', workspaceId: 'g1', userId: 'alice', userName: 'alice' };
const BOB: Requester = { platform: 'discord', workspaceId: 'g1', userId: 'bob', userName: 'bob' };
let service: StylebotJobService | undefined;

afterAll(async () => {
  await service?.close();
  removeTempDirs();
});

function press(action: string, jobId: string, requester = ALICE): CommandRequest {
  return { requester, command: action, args: { jobId }, attachments: {}, reply: { channel: 'c1' } };
}

test('Upscale paints a finished picture again at twice the size, from that picture, within the size limit', async () => {
  const dataDir = tempDir();
  service = realService({ dataDir, defaultQuota: { maxSize: 64 } });
  const log = new EventLog(service, 'discord');
  await service.start();
  const context: CommandContext = {
    jobs: service,
    limits: { maxImageBytes: 1e7, maxImagePixels: 1e7 },
    defaults: { size: 32, iterations: 4 },
  };

  const first = await service.enqueue(ALICE, { channel: 'c1' }, realInputs(4, { size: 32, optimizer: 'lbfgs', seed: 11 }));
  if (!first.ok) throw new Error(first.message);
  // Not finished yet: nothing to upscale.
  expect(markup((await runCommand(press('upscale', first.job.id), context)).text)).toMatch(/Only a finished picture/);
  const done = await log.final(first.job.id, 170_000);
  if (done.event.type !== 'done') throw new Error(JSON.stringify(done.event));
  expect(statusView(done.job, done.event)!.buttons?.map((b) => b.action)).toContain('upscale');

  expect(markup((await runCommand(press('upscale', first.job.id, BOB), context)).text)).toMatch(/Only <@alice>/);
  const reply = await runCommand(press('upscale', first.job.id), context);
  expect(reply.private).toBeFalsy();
  expect(markup(reply.text)).toMatch(/upscaled to 64 px, starting from its picture, 2 iterations/);
  const upscaled = (await service.get(reply.jobId!))!;
  expect(upscaled.options).toMatchObject({ size: 64, iterations: 2, scales: 1, init: 'picture', seed: 11 });
  expect(upscaled.parentId).toBe(first.job.id);
  // The new job's starting picture is the finished one.
  const db = new Database(join(dataDir, 'stylebot.db'), { readonly: true });
  const init = db.prepare('SELECT bytes FROM job_blobs WHERE job_id = ? AND name = ?').get(upscaled.id, 'init.png') as
    | { bytes: Buffer }
    | undefined;
  db.close();
  expect(init && new Uint8Array(init.bytes)).toEqual(done.event.png);

  const end = await log.final(upscaled.id, 170_000);
  if (end.event.type !== 'done') throw new Error(JSON.stringify(end.event));
  const meta = await sharp(end.event.png).metadata();
  expect(Math.max(meta.width!, meta.height!)).toBe(64);
  const text = markup(statusView(end.job, end.event)!.text);
  expect(text).toContain(`Upscaled from job ${first.job.id}`);
  expect(text).toContain('init: an earlier picture');

  // 64 px is this user's limit: no further upscale.
  expect(markup((await runCommand(press('upscale', upscaled.id), context)).text)).toMatch(
    /already 64 px .* largest size you may ask for \(64 px\)/,
  );
}, 300_000);

// Artist pick "closest" through the job service on the real engine: every work is a candidate, the engine takes one,
// and the finished job names it.
import { plainText } from '../../commands/reply.js';
import { markup } from './markup.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { runCommand, statusView } from '../../commands/index.js';
import type { CommandContext } from '../../commands/types.js';
import { listWorks } from '../../src/engine/artists.js';
import type { StylebotJobService } from '../../src/jobs/index.js';
import type { Requester } from '../../src/jobs/types.js';
import { ARTISTS_DIR, CONTENT_DIR } from '../helpers/shared.js';
import { EventLog, realService, removeTempDirs } from '../jobs/helpers.js';

const ALICE: Requester = { platform: 'discord', workspaceId: 'g1', userId: 'alice', userName: 'alice' };
let service: StylebotJobService | undefined;

afterAll(async () => {
  await service?.close();
  removeTempDirs();
});

test('/stylize artist hokusai pick closest: the job names the work the engine chose', async () => {
  service = realService({ artistsDir: ARTISTS_DIR });
  const log = new EventLog(service, 'discord');
  await service.start();
  const context: CommandContext = {
    jobs: service,
    limits: { maxImageBytes: 1e7, maxImagePixels: 1e8 },
    defaults: { size: 32, iterations: 2 },
  };
  const photo = new Uint8Array(readFileSync(join(CONTENT_DIR, 'tuebingen_neckarfront.jpg')));
  const attachment = { name: 'photo.jpg', contentType: 'image/jpeg', size: photo.length, fetch: async () => photo };
  const reply = await runCommand(
    {
      requester: ALICE,
      command: 'stylize',
      args: { artist: 'hokusai', pick: 'closest', seed: 3 },
      attachments: { content: attachment },
      reply: { channel: 'c1' },
    },
    context,
  );
  expect(plainText(reply.text)).toMatch(/in the style of the hokusai work closest to your photo/);
  const works = listWorks(ARTISTS_DIR, 'hokusai').map((w) => `hokusai/${w}`);
  expect((await service.get(reply.jobId!))!.styleNames).toEqual(works);

  const done = await log.final(reply.jobId!, 170_000);
  if (done.event.type !== 'done') throw new Error(JSON.stringify(done.event));
  const chosen = done.job.result?.styles;
  expect(chosen).toHaveLength(1);
  expect(works).toContain(chosen![0]);
  expect(markup(statusView(done.job, done.event)!.text)).toContain(
    `*Artwork:* ${chosen![0]} (of ${works.length} works by hokusai, the closest in style to the photo)`,
  );
}, 300_000);

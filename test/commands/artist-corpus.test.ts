// A broken artist corpus (dangling links, a file where a folder should be) is the operator's problem: users see the
// artists and works that are usable, clear refusals, or an apology with an error id, never a path or an errno.
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { plainText } from '../../commands/reply.js';
import { runCommand } from '../../commands/index.js';
import type { CommandContext, CommandRequest } from '../../commands/types.js';
import { createJobService } from '../../src/app/compose.js';
import type { JobService } from '../../src/jobs/types.js';
import { memoryLogger } from '../../src/logger.js';
import { ARTISTS_DIR, CONTENT_DIR, MODEL_DIR } from '../helpers/shared.js';
import { readFileSync } from 'node:fs';

let dir: string;
let corpus: string;
let jobs: JobService;
let context: CommandContext;
const log = memoryLogger();

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'stylebot-corpus-'));
  corpus = join(dir, 'artists');
  mkdirSync(join(corpus, 'monet'), { recursive: true });
  copyFileSync(join(ARTISTS_DIR, 'monet', 'haystacks.jpg'), join(corpus, 'monet', 'haystacks.jpg'));
  symlinkSync(join(dir, 'gone.jpg'), join(corpus, 'monet', 'ghost.jpg')); // a dangling link
  mkdirSync(join(corpus, 'turner'));
  symlinkSync(join(dir, 'also-gone.jpg'), join(corpus, 'turner', 'storm.jpg')); // an artist with only a dangling link
  writeFileSync(join(corpus, 'klimt'), 'a file where a folder should be');
  jobs = createJobService({ dataDir: join(dir, 'data'), artistsDir: corpus, modelDir: MODEL_DIR, workers: 1, log: () => undefined });
  await jobs.start();
  context = {
    jobs,
    limits: { maxImageBytes: 5_000_000, maxImagePixels: 40_000_000 },
    defaults: { size: 32, iterations: 1 },
    logger: log.logger,
  };
});

afterAll(async () => {
  await jobs?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function request(command: string, args: CommandRequest['args'] = {}, attachments: CommandRequest['attachments'] = {}): CommandRequest {
  return { requester: { platform: 'slack', workspaceId: 'T1', userId: 'U1' }, command, args, attachments, reply: {} };
}

const photo = {
  name: 'photo.jpg',
  contentType: 'image/jpeg',
  size: 10,
  fetch: async () => new Uint8Array(readFileSync(join(CONTENT_DIR, 'tuebingen_neckarfront.jpg'))),
};

describe('a broken artist corpus', () => {
  it('lists only usable artists and works: no dangling links, no file posing as an artist', async () => {
    const all = plainText((await runCommand(request('artists'), context)).text);
    expect(all).toMatch(/monet \(1 work\)/);
    expect(all).not.toMatch(/klimt/);
    const works = plainText((await runCommand(request('artists', { artist: 'monet' }), context)).text);
    expect(works).toContain('haystacks.jpg');
    expect(works).not.toContain('ghost.jpg');
  });

  it('refuses an artist whose only work is a dangling link, and a file posing as an artist, in plain words', async () => {
    const turner = await runCommand(request('stylize', { artist: 'turner', seed: 1 }, { '0': photo }), context);
    expect(plainText(turner.text)).toBe('The artist "turner" has no images yet.');
    const klimt = await runCommand(request('stylize', { artist: 'klimt', seed: 1 }, { '0': photo }), context);
    expect(plainText(klimt.text)).toMatch(/^I don't know the artist "klimt"\. Artists I know: monet, turner\.$/);
  });

  it('answers with an error id, never a path, when the corpus folder itself is replaced by a file', async () => {
    rmSync(corpus, { recursive: true, force: true });
    writeFileSync(corpus, 'not a folder');
    for (const req of [request('artists'), request('stylize', { artist: 'monet', seed: 2 }, { '0': photo })]) {
      const before = log.records.length;
      const reply = await runCommand(req, context);
      expect(plainText(reply.text)).toMatch(/^Sorry, that failed on the bot's side \(error id [0-9a-f]{8}\)/);
      expect(plainText(reply.text)).not.toMatch(/ENOTDIR|scandir|stylebot-corpus|\//);
      if (req.command === 'artists') expect(JSON.stringify(log.records.slice(before))).toMatch(/ENOTDIR/);
    }
  });
});

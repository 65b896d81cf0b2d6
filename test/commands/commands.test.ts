// The platform-neutral command handlers against the real job service (SQLite in a temp dir). The service is not
// started, so accepted jobs stay queued: these tests cover validation, replies and admin rules, not painting.
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCommand } from '../../commands/index.js';
import { memoryLogger } from '../../src/logger.js';
import type { CommandReply } from '../../commands/types.js';
import { markup } from './markup.js';

/** runCommand, with the reply's rich text written as neutral markup (*bold*, `code`, <@user>) for the assertions. */
async function run(...args: Parameters<typeof runCommand>): Promise<Omit<CommandReply, 'text'> & { text: string }> {
  const reply = await runCommand(...args);
  return { ...reply, text: markup(reply.text) };
}
import type { Attachment, CommandContext, CommandRequest } from '../../commands/types.js';
import { defaultStyleWeight } from '../../src/engine/style-weight.js';
import { resolveOptions } from '../../src/engine/validate.js';
import { createJobService } from '../../src/app/compose.js';
import type { JobService, Requester } from '../../src/jobs/types.js';
import { ARTISTS_DIR, MODEL_DIR } from '../helpers/shared.js';

const ALICE: Requester = { platform: 'discord', workspaceId: 'g1', userId: 'alice', userName: 'alice' };
const BOB: Requester = { platform: 'discord', workspaceId: 'g1', userId: 'bob', userName: 'bob' };
const ADMIN: Requester = { platform: 'discord', workspaceId: 'g1', userId: 'mod', userName: 'mod', isPlatformAdmin: true };

let dir: string;
let jobs: JobService;
let context: CommandContext;
let red: Buffer;
let striped: Buffer;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'stylebot-commands-'));
  jobs = createJobService({ dataDir: join(dir, 'data'), artistsDir: ARTISTS_DIR, modelDir: MODEL_DIR, workers: 1, log: () => undefined });
  context = {
    jobs,
    limits: { maxImageBytes: 1_000_000, maxImagePixels: 4_000_000 },
    defaults: { size: 64, iterations: 6, progressEvery: 2 },
  };
  red = await sharp({ create: { width: 48, height: 32, channels: 3, background: { r: 200, g: 40, b: 40 } } })
    .png()
    .toBuffer();
  const stripes = Buffer.alloc(64 * 64 * 3);
  for (let i = 0; i < 64 * 64; i++) stripes.fill(Math.floor(i / 64) % 8 < 4 ? 255 : 0, i * 3, i * 3 + 3);
  striped = await sharp(stripes, { raw: { width: 64, height: 64, channels: 3 } })
    .png()
    .toBuffer();
});

afterAll(async () => {
  await jobs?.close();
  rmSync(dir, { recursive: true, force: true });
});

interface CountingAttachment extends Attachment {
  fetches: number;
}

function file(name: string, data: Uint8Array, contentType?: string, size = data.length): CountingAttachment {
  const attachment: CountingAttachment = {
    name,
    contentType,
    size,
    fetches: 0,
    fetch: async () => {
      attachment.fetches += 1;
      return data;
    },
  };
  return attachment;
}

function request(command: string, fields: Partial<CommandRequest> = {}): CommandRequest {
  return { requester: ALICE, command, args: {}, attachments: {}, reply: { channel: 'c1' }, ...fields };
}

describe('runCommand: stylize', () => {
  it('queues a job with a content and a style image, with the defaults, and answers publicly with its id', async () => {
    const reply = await run(
      request('stylize', { attachments: { content: file('photo.png', red, 'image/png'), style: file('wave.png', striped, 'image/png') } }),
      context,
    );
    expect(reply.private).toBeFalsy();
    expect(reply.jobId).toBeDefined();
    expect(reply.text).toMatch(/queued .*wave\.png.*position \d+/);
    expect(reply.buttons).toEqual([{ action: 'cancel', label: 'Cancel', jobId: reply.jobId }]);
    const job = (await jobs.get(reply.jobId!))!;
    expect(job.state).toBe('queued');
    expect(job.options).toMatchObject({ size: 64, iterations: 6, progressEvery: 2 });
    expect(job.reply).toEqual({ channel: 'c1' });
  });

  it('passes options and blend weights through, and takes Slack-style ordered attachments', async () => {
    const reply = await run(
      request('stylize', {
        requester: BOB,
        args: { size: 96, iterations: 5, preserve_colors: 'luminance', style_strength: 2, seed: 9, style_weight2: 0.5 },
        attachments: { '0': file('photo.png', red), '1': file('a.png', striped), '2': file('b.png', red) },
      }),
      context,
    );
    expect(reply.jobId).toBeDefined();
    const job = (await jobs.get(reply.jobId!))!;
    // style strength 2 at 96 px: twice that size's default weight.
    expect(job.options).toMatchObject({ size: 96, iterations: 5, preserveColors: 'luminance', seed: 9, styleStrength: 2 });
    expect(resolveOptions(job.options).styleWeight).toBe(2 * defaultStyleWeight(96));
    expect(job.styleNames).toEqual(['a.png', 'b.png']);
    await jobs.cancel(reply.jobId!, BOB);
  });

  it('synthesises a texture when there is no content image', async () => {
    const reply = await run(request('stylize', { requester: BOB, attachments: { style: file('wave.png', striped) } }), context);
    expect(reply.text).toContain('texture synthesis');
    await jobs.cancel(reply.jobId!, BOB);
  });

  it('asks for a style when there is none, and refuses style images together with an artist', async () => {
    const none = await run(request('stylize', { attachments: { content: file('photo.png', red) } }), context);
    expect(none).toMatchObject({ private: true });
    expect(none.text).toMatch(/style/i);
    const both = await run(request('stylize', { args: { artist: 'monet' }, attachments: { style: file('wave.png', striped) } }), context);
    expect(both).toMatchObject({ private: true, text: 'Choose either style images or an artist, not both.' });
  });

  it('explains bad option values privately', async () => {
    const reply = await run(request('stylize', { args: { artist: 'monet', size: 5000 } }), context);
    expect(reply.private).toBe(true);
    expect(reply.text).toMatch(/size must be a whole number from 16 to 4096/);
    const unknown = await run(request('stylize', { args: { artist: 'monet', colour_magic: 3 } }), context);
    expect(unknown.text).toMatch(/Unknown option "colour_magic"/);
  });

  it('checks the reported size before downloading, and the file type after', async () => {
    const big = file('huge.png', red, 'image/png', 50_000_000);
    const tooBig = await run(request('stylize', { attachments: { style: big } }), context);
    expect(tooBig.private).toBe(true);
    expect(tooBig.text).toMatch(/huge\.png.*47\.7 MB.*limit is 1\.0 MB/);
    expect(big.fetches).toBe(0);

    const declaredText = file('notes.txt', Buffer.from('hello'), 'text/plain');
    const notImage = await run(request('stylize', { attachments: { style: declaredText } }), context);
    expect(notImage.text).toMatch(/notes\.txt.*is not an image/);
    expect(declaredText.fetches).toBe(0);

    const disguised = file('photo.png', Buffer.from('this is text pretending to be a PNG'), 'image/png');
    const probed = await run(request('stylize', { attachments: { style: disguised } }), context);
    expect(probed.private).toBe(true);
    expect(probed.text).toContain('photo.png');
    expect(probed.text).toMatch(/JPEG, PNG, WebP or GIF/);
  });

  it('passes the job core refusals on: unknown artist with suggestions, quota', async () => {
    const unknown = await run(request('stylize', { args: { artist: 'monett' } }), context);
    expect(unknown.private).toBe(true);
    expect(unknown.text).toMatch(/monet/);

    const over = await run(request('stylize', { requester: BOB, args: { artist: 'monet', iterations: 9000 } }), context);
    expect(over.private).toBe(true);
    expect(over.text).toMatch(/iterations/i);
  });
});

describe('runCommand: jobs, cancel and buttons', () => {
  it('lists my jobs, cancels one, and re-runs with a new seed or a stronger style', async () => {
    const queued = await run(request('stylize', { args: { artist: 'hokusai', seed: 21 } }), context);
    const id = queued.jobId!;

    const list = await run(request('jobs'), context);
    expect(list.private).toBe(true);
    expect(list.text).toContain(`\`${id}\``);
    expect(list.text).toMatch(/hokusai\/.*queued \(position \d+\)/);

    const refused = await run(request('rerun', { requester: BOB, args: { jobId: id } }), context);
    expect(refused).toMatchObject({ private: true });
    expect(refused.text).toMatch(/Only <@alice>/);

    const stronger = await run(request('stronger', { args: { jobId: id } }), context);
    const strongerJob = (await jobs.get(stronger.jobId!))!;
    // The default weight follows the size (64 px here): twice it.
    expect(strongerJob.options.styleWeight).toBe(2 * defaultStyleWeight(64));
    expect(strongerJob.options.seed).toBe(21);
    expect(strongerJob.artwork).toBe((await jobs.get(id))!.artwork);

    const rerun = await run(request('rerun', { requester: ADMIN, args: { jobId: stronger.jobId } }), context);
    expect(rerun.jobId).toBeDefined();
    expect((await jobs.get(rerun.jobId!))!.options.seed).not.toBe(21);

    expect((await run(request('cancel'), context)).text).toMatch(/Which job/);
    expect((await run(request('cancel', { args: { job_id: 'nope' } }), context)).text).toMatch(/no job `nope`/);
    const byBob = await run(request('cancel', { requester: BOB, args: { job_id: id } }), context);
    expect(byBob.text).toMatch(/Only the person who started/);
    for (const jobId of [id, stronger.jobId!, rerun.jobId!]) {
      const cancelled = await run(request('cancel', { requester: ADMIN, args: { jobId } }), context);
      expect(cancelled.text).toMatch(/Cancelled/);
      expect((await jobs.get(jobId))!.state).toBe('cancelled');
    }
  });
});

describe('runCommand: information and admin commands', () => {
  it('shows help for help and for unknown commands', async () => {
    const help = await run(request('help'), context);
    expect(help.text).toContain('*stylize*');
    expect((await run(request('paint-my-house'), context)).text).toBe(help.text);
  });

  it('lists artists and the works of one (names are matched loosely)', async () => {
    const all = await run(request('artists'), context);
    expect(all.text).toMatch(/\*monet\* \(5 works\)/);
    const vanGogh = await run(request('artists', { args: { artist: 'Van Gogh' } }), context);
    expect(vanGogh.text).toContain('the-starry-night.jpg');
    expect((await run(request('artists', { args: { artist: 'banksy' } }), context)).text).toMatch(/don't know the artist "banksy"/);
  });

  it('lets anyone see their own quota, and only admins change quotas or see others', async () => {
    const own = await run(request('quota', { subcommand: 'show' }), context);
    expect(own.text).toMatch(/Your quota.*\n• jobs today: \d+\/20/);
    for (const sub of ['set', 'reset', 'defaults']) {
      const refused = await run(request('quota', { subcommand: sub, args: { user: 'bob', jobs_per_day: 99 } }), context);
      expect(refused.text).toMatch(/Only Stylebot admins can change quotas/);
    }
    expect((await run(request('quota', { subcommand: 'show', args: { user: 'bob' } }), context)).text).toMatch(/Only Stylebot admins/);

    const set = await run(
      request('quota', { requester: ADMIN, subcommand: 'set', args: { user: '<@bob>', jobs_per_day: 99, max_size: 128 } }),
      context,
    );
    expect(set.text).toMatch(/jobs per day: 99[\s\S]*largest size \(px\): 128/);
    expect((await jobs.quotaOf(BOB)).quota).toMatchObject({ jobsPerDay: 99, maxSize: 128 });
    const shown = await run(request('quota', { requester: ADMIN, subcommand: 'show', args: { user: 'bob' } }), context);
    expect(shown.text).toMatch(/\*Quota of\* <@bob>[\s\S]*\/99/);
    expect((await run(request('quota', { requester: ADMIN, subcommand: 'set', args: { user: 'bob' } }), context)).text).toMatch(
      /Nothing to change/,
    );
    expect(
      (await run(request('quota', { requester: ADMIN, subcommand: 'set', args: { user: 'bob', max_queued: -1 } }), context)).text,
    ).toMatch(/max_queued must be a whole number/);
    const defaults = await run(request('quota', { requester: ADMIN, subcommand: 'defaults', args: { max_queued: 4 } }), context);
    expect(defaults.text).toMatch(/jobs waiting at once: 4/);
    expect((await run(request('quota', { requester: ADMIN, subcommand: 'reset', args: { user: 'bob' } }), context)).text).toMatch(/reset/);
  });

  it('shows usage statistics to admins only', async () => {
    expect((await run(request('stats'), context)).text).toMatch(/Only Stylebot admins/);
    const stats = await run(request('stats', { requester: ADMIN, args: { days: 3 } }), context);
    expect(stats.text).toMatch(/Usage, last 3 days/);
  });

  it('lets admins add and remove artworks', async () => {
    const artistsDir = join(dir, 'artists');
    mkdirSync(artistsDir);
    const own = createJobService({ dataDir: join(dir, 'data2'), artistsDir, workers: 1, log: () => undefined });
    const ctx = { ...context, jobs: own };
    try {
      const image = file('Sunny Day.png', striped, 'image/png');
      expect(
        (await run(request('artist', { subcommand: 'add', args: { name: 'Test Painter' }, attachments: { image } }), ctx)).text,
      ).toMatch(/Only Stylebot admins/);
      const added = await run(
        request('artist', { requester: ADMIN, subcommand: 'add', args: { name: 'Test Painter' }, attachments: { image } }),
        ctx,
      );
      expect(added.text).toMatch(/^Added /);
      const [folder] = readdirSync(artistsDir);
      const [work] = readdirSync(join(artistsDir, folder!));
      expect(own.artists()).toEqual([{ name: folder, works: [work] }]);
      const noImage = await run(request('artist', { requester: ADMIN, subcommand: 'add', args: { name: 'x' } }), ctx);
      expect(noImage.text).toMatch(/Attach the artwork/);
      const removed = await run(request('artist', { requester: ADMIN, subcommand: 'remove', args: { name: folder, work } }), ctx);
      expect(removed.text).toMatch(/Removed/);
      expect(own.artists().flatMap((a) => a.works)).toEqual([]);
    } finally {
      await own.close();
    }
  });

  it('turns an unexpected error into a private apology with an error id, and logs the whole error under that id', async () => {
    const broken = new Proxy(jobs, {
      get: (target, key) =>
        key === 'jobsOf'
          ? () => {
              throw new Error('SqliteError: database is locked at /var/lib/stylebot/stylebot.db');
            }
          : Reflect.get(target, key),
    });
    const { logger, records } = memoryLogger();
    const reply = await run(request('jobs'), { ...context, jobs: broken, logger });
    expect(reply.private).toBe(true);
    expect(reply.code).toBe('internal');
    const id = /error id ([0-9a-f]{8})/.exec(reply.text)?.[1];
    expect(reply.text).toMatch(/^Sorry, that failed on the bot's side \(error id [0-9a-f]{8}\)/);
    expect(reply.text).not.toMatch(/database|Sqlite|\/var\//);
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ level: 50, errorId: id, command: 'jobs' });
    expect(JSON.stringify(records[0])).toContain('database is locked at /var/lib/stylebot/stylebot.db');
  });

  it('shows no RangeError to users, not even "Maximum call stack size exceeded"', async () => {
    const broken = new Proxy(jobs, {
      get: (target, key) =>
        key === 'jobsOf'
          ? () => {
              throw new RangeError('Maximum call stack size exceeded');
            }
          : Reflect.get(target, key),
    });
    const { logger, records } = memoryLogger();
    const reply = await run(request('jobs'), { ...context, jobs: broken, logger });
    expect(reply.text).toMatch(/^Sorry, that failed on the bot's side \(error id/);
    expect(reply.text).not.toMatch(/stack/);
    expect(records[0]?.errorId).toBeDefined();
  });
});

describe('runCommand: compare', () => {
  it('measures the style distance of two images in a worker thread, per layer', async () => {
    process.env.STYLEBOT_MODEL_DIR = MODEL_DIR;
    expect((await run(request('compare', { attachments: { image1: file('a.png', striped) } }), context)).text).toMatch(/two images/);
    const reply = await run(request('compare', { attachments: { image1: file('a.png', striped), image2: file('r.png', red) } }), context);
    expect(reply.private).toBeFalsy();
    const match =
      /Style distance between `a\.png` and `r\.png`: \*([^*]+)\*[\s\S]*relu1_1 \S+, relu2_1 \S+, relu3_1 \S+, relu4_1 \S+, relu5_1 \S+$/.exec(
        reply.text,
      );
    expect(match, reply.text).not.toBeNull();
    expect(Number(match![1])).toBeGreaterThan(0);
  });
});

// Kinds 6 and 7 of the hardening round, through the studio's real API and job core: ambiguous or ignored input
// is refused with a clear message (duplicates, colliding spellings, loose booleans, weights of styles not sent),
// and a shape the engine cannot take (size 16 for a 4:3 photo) is refused at intake instead of queued to fail.
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { smallPicture, startTestStudio, type TestStudio } from '../web/helpers.js';

let t: TestStudio;
let photo: Buffer;
let style: Buffer;
beforeAll(async () => {
  t = await startTestStudio();
  photo = await smallPicture('content', 'tuebingen_neckarfront.jpg', 64); // 64x48: 4:3
  style = await smallPicture('style', 'the_scream.jpg', 64);
});
afterAll(async () => {
  await t?.close();
});

/** Posts a job with the given text fields in order (duplicates kept, as a client may send them). */
async function post(
  fields: [string, string][],
  withContent = true,
): Promise<{ status: number; error?: { code: string; message: string } }> {
  const data = new FormData();
  for (const [name, value] of fields) data.append(name, value);
  if (withContent) data.append('content', new Blob([new Uint8Array(photo)], { type: 'image/png' }), 'photo.png');
  data.append('style', new Blob([new Uint8Array(style)], { type: 'image/png' }), 'style.png');
  const response = await fetch(`${t.url}/api/jobs`, { method: 'POST', headers: { origin: t.url }, body: data });
  const body = (await response.json()) as { error?: { code: string; message: string } };
  return { status: response.status, ...(body.error ? { error: body.error } : {}) };
}

describe('ambiguous input (kind 6)', () => {
  it('refuses a field sent twice instead of taking the last', async () => {
    const answer = await post([
      ['size', '5000'],
      ['size', '32'],
    ]);
    expect(answer.status).toBe(400);
    expect(answer.error!.message).toMatch(/"size" was sent more than once/);
  });

  it('refuses spellings of one option that collide', async () => {
    for (const other of ['Size', 'SIZE']) {
      const answer = await post([
        ['size', '32'],
        [other, '48'],
      ]);
      expect(answer.status).toBe(400);
      expect(answer.error!.message).toMatch(/same option/);
    }
  });

  it('parses booleans strictly', async () => {
    const answer = await post([
      ['texture', 'TRUE'],
      ['size', '32'],
    ]);
    expect(answer.status).toBe(400);
    expect(answer.error!.message).toMatch(/texture must be true or false, not "TRUE"/);
  });

  it('refuses a weight for a style image that was not sent, and a bad one for one that was', async () => {
    const extra = await post([
      ['style_weight2', 'abc'],
      ['size', '32'],
    ]);
    expect(extra.status).toBe(400);
    expect(extra.error!.message).toMatch(/style_weight2 was given, but there is only 1 style image/);
  });

  it('refuses a duplicated field in a urlencoded body too', async () => {
    const response = await fetch(`${t.url}/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: t.url },
      body: 'name=ann&name=local',
    });
    expect(response.status).toBe(400);
  });
});

describe('a documented minimum that cannot run (kind 7)', () => {
  it('refuses size 16 for a 4:3 photo at intake, with the reason, and queues nothing', async () => {
    const before = (await t.jobs.jobsOf({ platform: 'web', workspaceId: 'studio', userId: 'local' }, 100)).length;
    const answer = await post([['size', '16']]);
    expect(answer.status).toBe(400);
    expect(answer.error!.message).toMatch(/The output would be 16x12 px; each side must be at least 16 px/);
    expect((await t.jobs.jobsOf({ platform: 'web', workspaceId: 'studio', userId: 'local' }, 100)).length).toBe(before);
  });

  it('still takes size 16 for a square photo and style', async () => {
    photo = await sharp({ create: { width: 40, height: 40, channels: 3, background: '#3366aa' } })
      .png()
      .toBuffer();
    style = await sharp(photo).resize(40, 40).modulate({ hue: 90 }).png().toBuffer();
    const answer = await post([
      ['size', '16'],
      ['iterations', '1'],
    ]);
    expect(answer.error?.message ?? 'queued').toBe('queued');
  });
});

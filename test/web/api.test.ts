// The studio's JSON API against a real server and the real engine (wasm, 64 px): jobs end to end with the event
// stream, refusals with the bots' words and the right status, cancel, the admin operations with their audit, and
// the operator endpoints.
import { defaultStyleWeight } from '../../src/engine/style-weight.js';
import sharp from 'sharp';
import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTENT_DIR } from '../helpers/shared.js';
import { form, readEvents, smallPicture, startTestStudio, type TestStudio } from './helpers.js';

let t: TestStudio;
let photo: Buffer;
let starry: Buffer;
let wave: Buffer;

beforeAll(async () => {
  t = await startTestStudio({ maxImageBytes: 300_000 });
  photo = await smallPicture('content', 'tuebingen_neckarfront.jpg');
  starry = await smallPicture('style', 'starry_night.jpg');
  wave = await smallPicture('style', 'great_wave_off_kanagawa.jpg');
});

afterAll(async () => {
  await t?.close();
});

const twoStyleJob = (fields: Record<string, string> = {}) =>
  form(
    [
      { field: 'content', name: 'photo.png', bytes: photo },
      { field: 'style', name: 'starry.png', bytes: starry },
      { field: 'style', name: 'wave.png', bytes: wave },
    ],
    { size: '64', iterations: '20', style_weight2: '0.5', ...fields },
  );

/** Logs in as an ordinary studio user; returns the session cookie. */
async function loginAs(name: string): Promise<string> {
  const response = await fetch(`${t.url}/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name }),
  });
  expect(response.status).toBe(200);
  const cookie = response.headers.get('set-cookie') ?? '';
  expect(cookie).toMatch(/HttpOnly/i);
  expect(cookie).toMatch(/SameSite=Strict/i);
  return cookie.split(';')[0]!;
}

describe('studio API: a job from upload to picture', () => {
  it('paints two style images at 64 px in 20 iterations, streaming progress with previews, and serves the PNG', async () => {
    const response = await fetch(`${t.url}/api/jobs`, { method: 'POST', body: twoStyleJob() });
    expect(response.status).toBe(202);
    const accepted = (await response.json()) as { id: string; state: string; position: number | null };
    expect(accepted.id).toMatch(/^[a-z0-9]{8}$/);
    expect(['queued', 'running']).toContain(accepted.state);
    expect(accepted).toHaveProperty('position');
    // The message agrees with the state: a place in line only while the job waits.
    const message = (accepted as unknown as { message: string }).message;
    if (accepted.state === 'queued') expect(message).toMatch(/position \d+ in line/);
    else expect(message).not.toMatch(/in line/);

    const events = await readEvents(`${t.url}/api/jobs/${accepted.id}/events`);
    const types = events.map((e) => e.event);
    expect(types[0]).toBe('job');
    expect(types.at(-1)).toBe('done');
    const progress = events.filter((e) => e.event === 'progress');
    expect(progress.length).toBeGreaterThan(0);
    // Previews are small JPEGs, the full picture comes once as a PNG (below).
    const previews = progress.filter((e) => typeof e.data.preview === 'string').map((e) => e.data.preview as string);
    expect(previews.length).toBeGreaterThan(0);
    for (const url of previews) expect(url).toMatch(/^data:image\/jpeg;base64,/);
    const previewBytes = previews.map((url) => Buffer.from(url.split(',')[1]!, 'base64'));
    const previewMeta = await sharp(previewBytes[0]).metadata();
    expect(previewMeta.format).toBe('jpeg');
    expect(Math.max(previewMeta.width!, previewMeta.height!)).toBe(64);
    const iterations = progress.map((e) => e.data.job.iteration as number);
    expect(iterations).toEqual([...iterations].sort((a, b) => a - b));

    const job = (await (await fetch(`${t.url}/api/jobs/${accepted.id}`)).json()) as Record<string, any>;
    expect(job).toMatchObject({ id: accepted.id, state: 'done', iteration: 20, iterations: 20, position: null, error: null });
    expect(job.styles).toEqual(['starry.png', 'wave.png']);
    expect(job.settings).toMatch(/20 iterations/);
    expect(job.buttons.map((b: { action: string }) => b.action)).toEqual(expect.arrayContaining(['rerun', 'stronger']));

    const result = await fetch(`${t.url}${job.result.url}`);
    expect(result.status).toBe(200);
    expect(result.headers.get('content-type')).toBe('image/png');
    const meta = await sharp(Buffer.from(await result.arrayBuffer())).metadata();
    expect(meta.format).toBe('png');
    expect(Math.max(meta.width!, meta.height!)).toBe(64);
    // A 64x48 JPEG at quality 80 is about 2 KB; the PNG of the same picture about 8 KB.
    for (const bytes of previewBytes) expect(bytes.length).toBeLessThan(4096);

    const gallery = (await (await fetch(`${t.url}/api/jobs`)).json()) as { jobs: { id: string }[] };
    expect(gallery.jobs.map((j) => j.id)).toContain(accepted.id);

    const metrics = await (await fetch(`${t.url}/metrics`)).text();
    expect(metrics).toMatch(/stylebot_jobs_finished_total\{state="done",platform="web"\} 1/);
    expect(metrics).toMatch(/stylebot_job_duration_seconds_count\{platform="web"\} 1/);
    expect(metrics).toMatch(/stylebot_iteration_duration_seconds_count\{backend="wasm"\} 1/);
  });

  it('cancels a queued job and a running one', async () => {
    const first = (await (await fetch(`${t.url}/api/jobs`, { method: 'POST', body: twoStyleJob({ iterations: '300' }) })).json()) as {
      id: string;
    };
    const second = (await (await fetch(`${t.url}/api/jobs`, { method: 'POST', body: twoStyleJob() })).json()) as {
      id: string;
      state: string;
      position: number;
    };
    expect(second.state).toBe('queued');
    expect(second.position).toBe(1);

    const streamed = readEvents(`${t.url}/api/jobs/${second.id}/events`);
    const cancelled = await fetch(`${t.url}/api/jobs/${second.id}`, { method: 'DELETE' });
    expect(cancelled.status).toBe(200);
    expect(((await cancelled.json()) as { job: { state: string } }).job.state).toBe('cancelled');
    expect((await streamed).at(-1)?.event).toBe('cancelled');

    const stopFirst = await fetch(`${t.url}/api/jobs/${first.id}`, { method: 'DELETE' });
    expect(stopFirst.status).toBe(200);
    const again = await fetch(`${t.url}/api/jobs/${first.id}`, { method: 'DELETE' });
    expect(again.status).toBe(400);
    expect(((await again.json()) as { error: { message: string } }).error.message).toMatch(/already cancelled/);
  });
});

describe('studio API: the other ways to paint', () => {
  it("synthesises a texture from a style alone, paints after an artist, and re-runs with the job's buttons", async () => {
    const texture = await fetch(`${t.url}/api/jobs`, {
      method: 'POST',
      body: form([{ field: 'style', name: 'starry.png', bytes: starry }], { texture: 'true', size: '32', iterations: '3' }),
    });
    expect(texture.status).toBe(202);
    const textureId = ((await texture.json()) as { id: string }).id;
    const textureEvents = await readEvents(`${t.url}/api/jobs/${textureId}/events`);
    expect(textureEvents.at(-1)?.event).toBe('done');
    const picture = await sharp(Buffer.from(await (await fetch(`${t.url}/api/jobs/${textureId}/result`)).arrayBuffer())).metadata();
    expect(Math.max(picture.width!, picture.height!)).toBe(32);

    const artist = await fetch(`${t.url}/api/jobs`, {
      method: 'POST',
      body: form([{ field: 'content', name: 'photo.png', bytes: photo }], { artist: 'monet', size: '32', iterations: '2', seed: '7' }),
    });
    expect(artist.status).toBe(202);
    const artistJob = ((await artist.json()) as { job: { id: string; artwork: string } }).job;
    expect(artistJob.artwork).toMatch(/^monet\//);
    expect((await readEvents(`${t.url}/api/jobs/${artistJob.id}/events`)).at(-1)?.event).toBe('done');

    const stronger = await fetch(`${t.url}/api/jobs/${artistJob.id}/actions/stronger`, { method: 'POST' });
    expect(stronger.status).toBe(202);
    const strongerJob = ((await stronger.json()) as { job: { id: string; options: { styleWeight: number; seed: number; size?: number } } })
      .job;
    // Twice the default style weight at the job's size (src/engine/style-weight.ts).
    expect(strongerJob.options).toMatchObject({ styleWeight: 2 * defaultStyleWeight(strongerJob.options.size ?? 0), seed: 7 });
    expect((await fetch(`${t.url}/api/jobs/${strongerJob.id}`, { method: 'DELETE' })).status).toBe(200);
    expect((await fetch(`${t.url}/api/jobs/${artistJob.id}/actions/format-disk`, { method: 'POST' })).status).toBe(400);
  });

  it('measures the style distance of two images', async () => {
    const same = await fetch(`${t.url}/api/compare`, {
      method: 'POST',
      body: form([
        { field: 'image1', name: 'starry.png', bytes: starry },
        { field: 'image2', name: 'wave.png', bytes: wave },
      ]),
    });
    expect(same.status).toBe(200);
    expect(((await same.json()) as { message: string }).message).toMatch(
      /^Style distance between starry\.png and wave\.png: [0-9.e-]+ \(0 = same style\)\.\nPer layer: relu1_1 /,
    );
  });
});

describe('studio API: refusals', () => {
  it("says a text file is not an image, in the bots' words", async () => {
    const response = await fetch(`${t.url}/api/jobs`, {
      method: 'POST',
      body: form([
        { field: 'content', name: 'notes.txt', bytes: new TextEncoder().encode('just some notes'), type: 'text/plain' },
        { field: 'style', name: 'starry.png', bytes: starry },
      ]),
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      error: { code: 'not_image', message: 'The content image notes.txt is not an image (text/plain). Send a JPEG, PNG, WebP or GIF.' },
    });
  });

  it('answers 400, not 500, for a multipart body that ends early', async () => {
    const body = '--XYZ\r\nContent-Disposition: form-data; name="content"; filename="a.png"\r\nContent-Type: image/png\r\n\r\nabc';
    const response = await fetch(`${t.url}/api/jobs`, {
      method: 'POST',
      headers: { 'content-type': 'multipart/form-data; boundary=XYZ' },
      body,
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('invalid');
  });

  it('answers 413 for an upload over the byte limit and for a body over the cap', async () => {
    const big = readFileSync(join(CONTENT_DIR, 'tuebingen_neckarfront.jpg')); // 397 KB, limit 300 KB
    const upload = await fetch(`${t.url}/api/jobs`, {
      method: 'POST',
      body: form([
        { field: 'content', name: 'big.jpg', bytes: big, type: 'image/jpeg' },
        { field: 'style', name: 'starry.png', bytes: starry },
      ]),
    });
    expect(upload.status).toBe(413);
    const body = (await upload.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('too_large');
    expect(body.error.message).toMatch(/content image `?big\.jpg`? is larger than 0\.3 MB/);

    const json = await fetch(`${t.url}/api/admin/defaults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ x: 'a'.repeat(200_000) }),
    });
    expect(json.status).toBe(413);
  });

  it("asks for a style in the studio's words when a photo comes alone", async () => {
    const response = await fetch(`${t.url}/api/jobs`, {
      method: 'POST',
      body: form([{ field: 'content', name: 'photo.png', bytes: photo }], { size: '32' }),
    });
    expect(response.status).toBe(400);
    const text = ((await response.json()) as { error: { message: string } }).error.message;
    expect(text).toContain('The artist list shows the artists I know.');
    expect(text).not.toContain('command');
  });

  it('checks options through the same parser as the bots', async () => {
    const response = await fetch(`${t.url}/api/jobs`, { method: 'POST', body: twoStyleJob({ size: '9999' }) });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { message: string } }).error.message).toBe(
      'size must be a whole number from 16 to 4096 (got 9999)',
    );
  });

  it('refuses state changes from another site and requests for another host name', async () => {
    const foreign = await fetch(`${t.url}/api/jobs`, { method: 'POST', headers: { origin: 'http://evil.example' }, body: twoStyleJob() });
    expect(foreign.status).toBe(403);
    // fetch() will not send another Host; node:http will, as a DNS-rebinding page's browser would.
    const rebound = await new Promise<number>((resolve, reject) => {
      const request = httpRequest(`${t.url}/api/me`, { headers: { host: 'evil.example:8080' } }, (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      });
      request.on('error', reject);
      request.end();
    });
    expect(rebound).toBe(403);
  });

  it("an admin lowers a user's quota; that user's next job gets 429 with the quota text, and the audit log has it", async () => {
    const guest = await loginAs('guest');
    const me = (await (await fetch(`${t.url}/api/me`, { headers: { cookie: guest } })).json()) as { user: string; role: string };
    expect(me).toMatchObject({ user: 'guest', role: 'user' });
    expect((await fetch(`${t.url}/api/admin/jobs`, { headers: { cookie: guest } })).status).toBe(403);

    const set = await fetch(`${t.url}/api/admin/quota`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ platform: 'web', workspace: 'studio', user: 'guest', max_size: 32 }),
    });
    expect(set.status).toBe(200);
    expect(((await set.json()) as { quota: { maxSize: number } }).quota.maxSize).toBe(32);

    const refused = await fetch(`${t.url}/api/jobs`, { method: 'POST', headers: { cookie: guest }, body: twoStyleJob() });
    expect(refused.status).toBe(429);
    expect(await refused.json()).toEqual({
      error: { code: 'quota', message: 'Size 64 px is over your limit of 32 px. Ask for size 32 or smaller.' },
    });
    expect(await (await fetch(`${t.url}/metrics`)).text()).toMatch(/stylebot_quota_refusals_total\{platform="web"\} 1/);

    const audit = (await (await fetch(`${t.url}/api/admin/audit`)).json()) as {
      entries: { action: string; target: string; actor: { platform: string; userId: string } }[];
    };
    expect(audit.entries[0]).toMatchObject({
      action: 'quota.set',
      target: 'web/studio/guest',
      actor: { platform: 'web', userId: 'local' },
    });
  });
});

describe('studio API: artists and operators', () => {
  it('lists artists with thumbnails, adds and removes a work, and keeps names off the file system', async () => {
    const list = (await (await fetch(`${t.url}/api/artists`)).json()) as {
      artists: { name: string; works: { file: string; thumbnail: string }[] }[];
    };
    const monet = list.artists.find((a) => a.name === 'monet')!;
    const thumb = await fetch(`${t.url}${monet.works[0]!.thumbnail}`);
    expect(thumb.status).toBe(200);
    const thumbMeta = await sharp(Buffer.from(await thumb.arrayBuffer())).metadata();
    expect(Math.max(thumbMeta.width!, thumbMeta.height!)).toBe(160);
    expect((await fetch(`${t.url}/api/artists/..%2F..%2Fetc/passwd/thumbnail`)).status).toBe(404);

    const added = await fetch(`${t.url}/api/admin/artists`, {
      method: 'POST',
      body: form([{ field: 'image', name: 'wave.png', bytes: wave }], { name: '../Hokusai Katsushika' }),
    });
    expect(added.status).toBe(200);
    expect(((await added.json()) as { message: string }).message).toBe('Added hokusai-katsushika/wave.png to the artists.');
    const after = (await (await fetch(`${t.url}/api/artists`)).json()) as { artists: { name: string }[] };
    expect(after.artists.map((a) => a.name)).toContain('hokusai-katsushika');

    const removed = await fetch(`${t.url}/api/admin/artists/hokusai-katsushika/wave.png`, { method: 'DELETE' });
    expect(removed.status).toBe(200);
    const audit = (await (await fetch(`${t.url}/api/admin/audit`)).json()) as { entries: { action: string }[] };
    expect(audit.entries.slice(0, 2).map((e) => e.action)).toEqual(['artwork.remove', 'artwork.add']);
  });

  it('reports health, readiness and metrics', async () => {
    const health = await fetch(`${t.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ ok: true, database: { writable: true }, workers: [{ alive: true, backend: 'wasm' }] });
    expect((await fetch(`${t.url}/readyz`)).status).toBe(200);
    const metrics = await fetch(`${t.url}/metrics`);
    expect(metrics.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await metrics.text();
    expect(text).toMatch(/^stylebot_queue_depth \d+$/m);
    expect(text).toMatch(/^stylebot_jobs\{state="queued"\} \d+$/m);
  });
});

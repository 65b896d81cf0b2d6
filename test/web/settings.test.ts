// A studio job's PNG carries its settings (the job runner writes them), and POST /api/settings reads them back from
// a dropped picture; a photo without them gets a clear 400. Real server, real engine (wasm, 40 px).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { form, readEvents, smallPicture, startTestStudio, type TestStudio } from './helpers.js';

let t: TestStudio;
let photo: Buffer;
let starry: Buffer;

beforeAll(async () => {
  t = await startTestStudio();
  photo = await smallPicture('content', 'tuebingen_neckarfront.jpg');
  starry = await smallPicture('style', 'starry_night.jpg');
});

afterAll(async () => {
  await t?.close();
});

describe('studio API: settings inside the picture', () => {
  it("a finished job's PNG carries its settings, and /api/settings reads them from the dropped file", async () => {
    const body = form(
      [
        { field: 'content', name: 'photo.png', bytes: photo },
        { field: 'style', name: 'starry.png', bytes: starry },
      ],
      { size: '40', iterations: '3', seed: '9', style_strength: '2' },
    );
    const accepted = (await (await fetch(`${t.url}/api/jobs`, { method: 'POST', body })).json()) as { id: string };
    const events = await readEvents(`${t.url}/api/jobs/${accepted.id}/events`);
    expect(events.at(-1)?.event).toBe('done');
    const png = new Uint8Array(await (await fetch(`${t.url}/api/jobs/${accepted.id}/result`)).arrayBuffer());

    const response = await fetch(`${t.url}/api/settings`, {
      method: 'POST',
      body: form([{ field: 'image', name: 'painted.png', bytes: png }]),
    });
    expect(response.status).toBe(200);
    const { settings } = (await response.json()) as { settings: Record<string, any> };
    expect(settings).toMatchObject({ seed: 9, backend: 'wasm', styles: [{ name: 'starry.png', weight: 1 }] });
    expect(settings.options).toMatchObject({ size: 40, iterations: 3, styleStrength: 2, seed: 9 });
    expect(settings.version).toMatch(/^\d+\.\d+\.\d+/);
  }, 200_000);

  it('answers 400 no_settings for a picture Stylebot did not paint, and 400 without a file', async () => {
    const plain = await fetch(`${t.url}/api/settings`, {
      method: 'POST',
      body: form([{ field: 'image', name: 'photo.png', bytes: photo }]),
    });
    expect(plain.status).toBe(400);
    expect(await plain.json()).toEqual({
      error: { code: 'no_settings', message: 'photo.png carries no Stylebot settings: only PNGs that Stylebot painted do.' },
    });
    const none = await fetch(`${t.url}/api/settings`, { method: 'POST', body: form([]) });
    expect(none.status).toBe(400);
  });
});

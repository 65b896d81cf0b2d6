// The studio's "Picture settings" page in Debian's Chromium: a dropped Stylebot PNG shows its settings; a photo gets
// the API's message. Skipped, with the reason printed, only where /usr/bin/chromium is missing.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { embedSettings } from '../../src/reproduce/settings.js';
import { smallPicture, startTestStudio, type TestStudio } from './helpers.js';

const CHROMIUM = '/usr/bin/chromium';
const available = existsSync(CHROMIUM);
if (!available) console.log(`browser tests skipped: ${CHROMIUM} is missing (apt-get install chromium; .ci/run does)`);

let t: TestStudio;
let context: BrowserContext;
let page: Page;
let profile: string;
let photo: Buffer;

beforeAll(async () => {
  if (!available) return;
  const { chromium } = await import('playwright-core');
  t = await startTestStudio();
  photo = await smallPicture('content', 'tuebingen_neckarfront.jpg');
  profile = mkdtempSync(join(tmpdir(), 'stylebot-chromium-'));
  context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(60_000);
});

afterAll(async () => {
  await context?.close();
  await t?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
});

describe.skipIf(!available)('studio in Chromium: picture settings', () => {
  it('shows the settings a dropped picture carries, and the refusal for a photo', async () => {
    // The PNG's settings as the job runner writes them (test/web/settings.test.ts paints one for real).
    const painted = Buffer.from(
      embedSettings(photo, {
        version: '0.1.0',
        options: { size: 64, iterations: 20, styleWeight: 625, preserveColors: 'luminance' },
        styles: [
          { name: 'starry.png', weight: 0.5 },
          { name: 'wave.png', weight: 0.5 },
        ],
        seed: 42,
        backend: 'onnxruntime',
      }),
    );
    await page.goto(`${t.url}/#settings`);
    await page.setInputFiles('[data-testid=settings-image]', { name: 'painted.png', mimeType: 'image/png', buffer: painted });
    const seed = page.locator('[data-testid=settings-result] [data-setting=seed]');
    await seed.waitFor();
    expect(await seed.textContent()).toBe('42');
    expect(await page.locator('[data-setting=paintings]').textContent()).toBe('starry.png (50%), wave.png (50%)');
    expect(await page.locator('[data-setting=preserveColors]').textContent()).toBe('luminance');
    expect(await page.locator('[data-setting=backend]').textContent()).toBe('onnxruntime');

    await page.setInputFiles('[data-testid=settings-image]', { name: 'photo.png', mimeType: 'image/png', buffer: photo });
    const alert = page.locator('[data-testid=settings-result] [role=alert]');
    await alert.waitFor();
    expect(await alert.textContent()).toBe('photo.png carries no Stylebot settings: only PNGs that Stylebot painted do.');
  }, 120_000);
});

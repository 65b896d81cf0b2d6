// The studio in a real browser: Debian's Chromium driven by playwright-core, against a real studio and the real
// engine (wasm, 64 px). Skipped, with the reason printed, only where /usr/bin/chromium is missing (.ci/run installs it).
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { smallPicture, startTestStudio, type TestStudio } from './helpers.js';

const CHROMIUM = '/usr/bin/chromium';
const available = existsSync(CHROMIUM);
if (!available) console.log(`browser tests skipped: ${CHROMIUM} is missing (apt-get install chromium; .ci/run does)`);

let t: TestStudio;
let context: BrowserContext;
let page: Page;
let profile: string;
const consoleLines: string[] = [];
let photo: Buffer;
let starry: Buffer;
let wave: Buffer;

beforeAll(async () => {
  if (!available) return;
  const { chromium } = await import('playwright-core');
  t = await startTestStudio({ progressMs: 200 });
  photo = await smallPicture('content', 'tuebingen_neckarfront.jpg');
  starry = await smallPicture('style', 'starry_night.jpg');
  wave = await smallPicture('style', 'great_wave_off_kanagawa.jpg');
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
    viewport: { width: 1100, height: 900 },
    acceptDownloads: true,
  });
  page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(90_000);
  // Chromium reports every Content-Security-Policy violation on the console.
  page.on('console', (message) => consoleLines.push(message.text()));
});

afterAll(async () => {
  await context?.close();
  await t?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
});

const png = (name: string, buffer: Buffer) => ({ name, mimeType: 'image/png', buffer });

async function openPaint(): Promise<void> {
  await page.goto(`${t.url}/#paint`);
  await page.waitForSelector('[data-testid=paint-form] input[name=size]');
}

async function fillJob(options: { iterations: string; content?: { name: string; mimeType: string; buffer: Buffer } }): Promise<void> {
  await page.setInputFiles('[data-testid=content]', options.content ?? png('tuebingen.png', photo));
  await page.setInputFiles('[data-testid=style1]', png('starry.png', starry));
  await page.setInputFiles('[data-testid=style2]', png('wave.png', wave));
  await page.fill('[data-testid=paint-form] input[name=size]', '64');
  await page.fill('[data-testid=paint-form] input[name=iterations]', options.iterations);
}

describe.skipIf(!available)('studio in Chromium', () => {
  it('paints two images at 64 px with a live preview, shows the picture and downloads it', async () => {
    await openPaint();
    await fillJob({ iterations: '20' });
    await page.click('[data-testid=submit]');
    const card = page.locator('[data-testid=job-card]').first();
    await card.waitFor();
    // A progress preview arrives while it paints: its src stays set after the picture replaces it.
    await page.waitForFunction(() =>
      document.querySelector('[data-testid=job-preview]')?.getAttribute('src')?.startsWith('data:image/jpeg;base64,'),
    );
    await page.waitForFunction(() => /iteration \d+\/20/.test(document.querySelector('[data-testid=job-counts]')?.textContent ?? ''));
    // The progress line is on the card once (the status keeps only its title), with the time left or that it is measured.
    const running = await page.evaluate(() => (document.querySelector('[data-testid=job-card]') as HTMLElement).innerText);
    if (!/Done/.test(running)) {
      expect(running.match(/iteration \d+\/20/g)).toHaveLength(1);
      expect(running.match(/ left/g)).toHaveLength(1);
    }
    await card.locator('[data-testid=job-result]').waitFor();
    expect(await card.getAttribute('data-state')).toBe('done');
    expect(await card.locator('[data-testid=job-settings]').textContent()).toMatch(/20 iterations/);
    await page.waitForFunction(() => (document.querySelector('[data-testid=job-result]') as HTMLImageElement | null)?.naturalWidth === 64);
    expect(await card.locator('button[data-action=rerun]').textContent()).toBe('New seed');
    expect(await card.locator('button[data-action=stronger]').textContent()).toBe('Stronger style');

    const [download] = await Promise.all([page.waitForEvent('download'), card.locator('[data-testid=job-download]').click()]);
    expect(download.suggestedFilename()).toMatch(/^stylebot-[a-z0-9]+\.png$/);
    const saved = join(profile, 'download.png');
    await download.saveAs(saved);
    const meta = await sharp(readFileSync(saved)).metadata();
    expect(meta.format).toBe('png');
    expect(Math.max(meta.width!, meta.height!)).toBe(64);
  });

  it('cancels a job that is painting', async () => {
    await openPaint();
    await fillJob({ iterations: '400' });
    await page.click('[data-testid=submit]');
    const card = page.locator('[data-testid=job-card]').first();
    await page.waitForFunction(() => document.querySelector('[data-testid=job-card]')?.getAttribute('data-state') === 'running');
    await card.locator('button[data-action=cancel]').click();
    await page.waitForFunction(() => document.querySelector('[data-testid=job-card]')?.getAttribute('data-state') === 'cancelled');
    expect(await card.locator('[data-testid=job-status]').textContent()).toMatch(/Cancelled/);
  });

  it('says a text file sent as the photo is not an image', async () => {
    await openPaint();
    await fillJob({ iterations: '20', content: { name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('my shopping list') } });
    await page.click('[data-testid=submit]');
    const alert = page.locator('[data-testid=paint-feedback] [role=alert]');
    await alert.waitFor();
    expect(await alert.textContent()).toBe('The content image notes.txt is not an image (text/plain). Send a JPEG, PNG, WebP or GIF.');
  });

  it('an admin lowers a quota on the admin page, and that user is refused with the quota message', async () => {
    await page.goto(`${t.url}/#admin`);
    const quota = page.locator('[data-testid=quota-user]');
    await quota.locator('input[name=workspace]').fill('studio');
    await quota.locator('input[name=user]').fill('bob');
    await quota.locator('input[name=max_iterations]').fill('10');
    await quota.locator('button[type=submit]').click();
    await page.locator('[data-testid=ok-message]').first().waitFor();
    expect(await page.locator('[data-testid=ok-message]').first().textContent()).toMatch(/Quota of @bob is now:[\s\S]*most iterations: 10/);
    await page.locator('[data-testid=admin-audit] td', { hasText: 'quota.set' }).first().waitFor();

    // Become bob through the login form, then ask for more iterations than bob may have.
    await page.goto(`${t.url}/login`);
    await page.fill('input[name=name]', 'bob');
    await page.click('button[type=submit]');
    await page.waitForSelector('[data-testid=who]');
    expect(await page.locator('[data-testid=who]').textContent()).toBe('bob');
    expect(await page.locator('#nav-admin').count()).toBe(0);
    await openPaint();
    await fillJob({ iterations: '20' });
    await page.click('[data-testid=submit]');
    const alert = page.locator('[data-testid=paint-feedback] [role=alert]');
    await alert.waitFor();
    expect(await alert.textContent()).toBe('20 iterations is over your limit of 10. Ask for 10 or fewer.');
  });
  it('makes a personal API token on its page, shown once, that works as a bearer, and revokes it', async () => {
    await page.goto(`${t.url}/logout`).catch(() => undefined);
    await page.context().clearCookies();
    await page.goto(`${t.url}/#tokens`);
    await page.fill('[data-testid=token-create] input[name=name]', 'browser test');
    await page.click('[data-testid=token-create] button[type=submit]');
    const shown = page.locator('[data-testid=new-token]');
    await shown.waitFor();
    const token = await shown.inputValue();
    expect(token).toMatch(/^sbt_/);
    expect(
      (await (await fetch(`${t.url}/api/v1/me`, { headers: { authorization: `Bearer ${token}` } })).json()) as { user: string },
    ).toMatchObject({ user: 'local' });
    await page.locator('[data-testid=token-list] button', { hasText: 'Revoke' }).first().click();
    await page.locator('[data-testid=token-list] td', { hasText: 'revoked' }).first().waitFor();
    expect((await fetch(`${t.url}/api/v1/me`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(401);
  });

  it('shows the API description at /api/docs, served by the studio', async () => {
    const outside: string[] = [];
    const watch = (request: { url(): string }) => {
      if (!request.url().startsWith(t.url)) outside.push(request.url());
    };
    page.on('request', watch);
    await page.goto(`${t.url}/api/docs/`);
    await page.locator('.swagger-ui .info .title', { hasText: 'Stylebot API' }).waitFor();
    await page.locator('.opblock-summary-path', { hasText: '/api/v1/jobs/{id}' }).first().waitFor();
    page.off('request', watch);
    expect(outside).toEqual([]);
  });

  it('broke no rule of the Content-Security-Policy on any page it showed', () => {
    expect(consoleLines.filter((line) => /Content Security Policy|Refused to/i.test(line))).toEqual([]);
  });
});

// The README's screenshot (docs/studio.png): `npx tsx scripts/studio-screenshot.ts`. Starts `stylebot serve` as a new
// user would (a fresh data folder, so the first start measures the machine; no size, iterations or budget given), paints
// the Neckarfront photo with Starry Night in headless Chromium through the studio's form, waits for the picture and
// photographs the page. Prints the job's size and wall time. Needs the weights and images in ../shared (or
// STYLEBOT_SHARED) and Chromium at /usr/bin/chromium (or CHROMIUM).
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium } from 'playwright-core';
import sharp from 'sharp';

const REPO = resolve(new URL('..', import.meta.url).pathname);
const SHARED = resolve(process.env.STYLEBOT_SHARED ?? join(REPO, '..', 'shared'));
const OUT = join(REPO, 'docs', 'studio.png');

const dataDir = mkdtempSync(join(tmpdir(), 'stylebot-screenshot-'));
const server = spawn(process.execPath, [join(REPO, 'bin', 'stylebot.js'), 'serve'], {
  cwd: dataDir,
  env: {
    ...process.env,
    STYLEBOT_DATA_DIR: dataDir,
    STYLEBOT_WEB_PORT: '0',
    STYLEBOT_MODEL_DIR: join(SHARED, 'models', 'vgg19'),
    STYLEBOT_LOG_FORMAT: 'pretty',
  },
  stdio: ['ignore', 'pipe', 'pipe'],
});
let log = '';
server.stdout.on('data', (chunk: Buffer) => (log += chunk));
server.stderr.on('data', (chunk: Buffer) => (log += chunk));

try {
  const url = await new Promise<string>((resolveUrl, reject) => {
    const timer = setInterval(() => {
      const match = /Stylebot Studio: (http:\/\/[^\s(]+)/.exec(log);
      if (match) {
        clearInterval(timer);
        resolveUrl(match[1]!);
      }
      if (server.exitCode !== null) {
        clearInterval(timer);
        reject(new Error(`serve exited:\n${log}`));
      }
    }, 200);
  });
  console.error(
    log
      .split('\n')
      .filter((line) => /Default picture|First start/.test(line))
      .join('\n'),
  );
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu'],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
    page.setDefaultTimeout(300_000);
    await page.goto(`${url}/#paint`);
    const jpeg = (name: string, path: string) => ({ name, mimeType: 'image/jpeg', buffer: readFileSync(path) });
    await page.setInputFiles(
      '[data-testid=content]',
      jpeg('tuebingen_neckarfront.jpg', join(SHARED, 'images', 'content', 'tuebingen_neckarfront.jpg')),
    );
    await page.setInputFiles('[data-testid=style1]', jpeg('starry_night.jpg', join(SHARED, 'images', 'styles', 'starry_night.jpg')));
    const began = Date.now();
    await page.click('[data-testid=submit]');
    await page.locator('[data-testid=job-card] [data-testid=job-result]').first().waitFor();
    const width = await page.waitForFunction(
      () => (document.querySelector('[data-testid=job-result]') as HTMLImageElement | null)?.naturalWidth || 0,
    );
    console.error(`painted ${await width.jsonValue()} px wide in ${((Date.now() - began) / 1000).toFixed(1)} s (submit to picture)`);
    console.error(await page.locator('[data-testid=job-settings]').first().textContent());
    await page.evaluate(() => window.scrollTo(0, 0));
    const shot = await page.screenshot({ fullPage: false });
    await sharp(shot).png({ palette: true, compressionLevel: 9 }).toFile(OUT);
    console.error(`wrote ${OUT}`);
  } finally {
    await browser.close();
  }
} finally {
  server.kill('SIGTERM');
  await new Promise((r) => server.once('exit', r));
  rmSync(dataDir, { recursive: true, force: true });
}

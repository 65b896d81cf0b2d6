// A real studio for tests: the real job service with the real VGG-19 engine on wasm (one worker), the server on
// 127.0.0.1 at a free port, and small pictures made from the shared sample images.
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import type { CommandContext } from '../../commands/types.js';
import type { Store } from '../../src/jobs/ports.js';
import type { Logger } from '../../src/logger.js';
import type { StylebotJobService } from '../../src/jobs/index.js';
import type { JobServiceOptions } from '../../src/jobs/options.js';
import { createJobService } from '../../src/app/compose.js';
import { countingQuotaRefusals, StylebotMetrics } from '../../src/metrics.js';
import { LOCAL_USER } from '../../src/platforms/web/auth.js';
import { startStudio, type Studio, type StudioOptions } from '../../src/platforms/web/server.js';
import { PersonalTokens } from '../../src/platforms/web/tokens.js';
import { ARTISTS_DIR, CONTENT_DIR, MODEL_DIR, STYLES_DIR } from '../helpers/shared.js';

export interface TestStudio {
  studio: Studio;
  url: string;
  jobs: StylebotJobService;
  metrics: StylebotMetrics;
  artistsDir: string;
  close(): Promise<void>;
}

export async function startTestStudio(
  options: {
    token?: string;
    maxImageBytes?: number;
    progressMs?: number;
    store?: Store;
    log?: (message: string) => void;
    connectionLimits?: StudioOptions['connectionLimits'];
    logger?: Logger;
    rateLimitPerMinute?: number;
    webhooks?: StudioOptions['webhooks'];
    outbox?: JobServiceOptions['outbox'];
  } = {},
): Promise<TestStudio> {
  // /compare's engine thread finds the weights through the environment, as under `stylebot serve`.
  process.env.STYLEBOT_MODEL_DIR = MODEL_DIR;
  const dataDir = mkdtempSync(join(tmpdir(), 'stylebot-studio-'));
  const artistsDir = join(dataDir, 'artists');
  cpSync(join(ARTISTS_DIR, 'monet'), join(artistsDir, 'monet'), { recursive: true });
  const jobs = createJobService({
    dataDir,
    artistsDir,
    modelDir: MODEL_DIR,
    backend: 'wasm',
    workers: 1,
    progressThrottleMs: options.progressMs ?? 200,
    admins: [`web:${LOCAL_USER}`],
    log: options.log ?? (() => undefined),
    ...(options.store ? { store: options.store } : {}),
    ...(options.outbox ? { outbox: options.outbox } : {}),
  });
  const metrics = new StylebotMetrics();
  metrics.watch(jobs);
  const context: CommandContext = {
    jobs: countingQuotaRefusals(jobs, metrics),
    limits: { maxImageBytes: options.maxImageBytes ?? 20 * 1024 * 1024, maxImagePixels: 40_000_000 },
    defaults: { size: 64, iterations: 20 },
    ...(options.logger ? { logger: options.logger } : {}),
  };
  const studio = await startStudio({
    host: '127.0.0.1',
    port: 0,
    token: options.token,
    jobs,
    context,
    artistsDir,
    metrics,
    tokens: PersonalTokens.of(jobs),
    // Tests send many requests from one address; the limit itself is tested with a small one (test/api/limits.test.ts).
    rateLimitPerMinute: options.rateLimitPerMinute ?? 100_000,
    ...(options.webhooks ? { webhooks: options.webhooks } : {}),
    ...(options.connectionLimits ? { connectionLimits: options.connectionLimits } : {}),
  });
  await jobs.start();
  return {
    studio,
    url: studio.url,
    jobs,
    metrics,
    artistsDir,
    async close() {
      await studio.close();
      metrics.unwatch();
      await jobs.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A shared sample picture made small (longest side `side`), as PNG bytes. */
export async function smallPicture(kind: 'content' | 'style', file: string, side = 64): Promise<Buffer> {
  const dir = kind === 'content' ? CONTENT_DIR : STYLES_DIR;
  return sharp(readFileSync(join(dir, file)))
    .resize(side, side, { fit: 'inside' })
    .png()
    .toBuffer();
}

/** multipart/form-data with files (name, bytes, type) and text fields. */
export function form(
  files: { field: string; name: string; bytes: Uint8Array; type?: string }[],
  fields: Record<string, string> = {},
): FormData {
  const data = new FormData();
  for (const [key, value] of Object.entries(fields)) data.append(key, value);
  for (const file of files) data.append(file.field, new Blob([new Uint8Array(file.bytes)], { type: file.type ?? 'image/png' }), file.name);
  return data;
}

/** Reads a text/event-stream until it ends, returning its events in order. */
export async function readEvents(url: string, init: RequestInit = {}, timeoutMs = 170_000): Promise<{ event: string; data: any }[]> {
  const response = await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
  if (!response.ok || !response.body) throw new Error(`events: ${response.status}`);
  const events: { event: string; data: any }[] = [];
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true });
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const event = /^event: (.*)$/m.exec(block)?.[1];
      const data = /^data: (.*)$/m.exec(block)?.[1];
      if (event && data) events.push({ event, data: JSON.parse(data) });
    }
  }
  return events;
}

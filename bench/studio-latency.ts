// What a studio user waits for: from pressing Paint (POST /api/jobs) to the answer, to the first progress preview
// on the event stream, and to the finished picture. Real server on 127.0.0.1, real engine, one worker, the default
// progress interval (STYLEBOT_PROGRESS_MS, 3000 ms). Usage: npx tsx bench/studio-latency.ts [SIZE] [ITERATIONS]
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { createJobService } from '../src/app/compose.js';
import { StylebotMetrics } from '../src/metrics.js';
import { startStudio } from '../src/platforms/web/server.js';

const shared = process.env.STYLEBOT_SHARED ?? join(import.meta.dirname, '..', '..', 'shared');
const size = Number(process.argv[2] ?? 128);
const iterations = Number(process.argv[3] ?? 30);

const dataDir = mkdtempSync(join(tmpdir(), 'stylebot-studio-bench-'));
const jobs = createJobService({
  dataDir,
  modelDir: join(shared, 'models', 'vgg19'),
  workers: 1,
  admins: ['web:local'],
  log: () => undefined,
});
const metrics = new StylebotMetrics();
const context = { jobs, limits: { maxImageBytes: 20 * 1024 * 1024, maxImagePixels: 40_000_000 }, defaults: { size, iterations } };
const studio = await startStudio({ host: '127.0.0.1', port: 0, jobs, context, artistsDir: join(dataDir, 'artists'), metrics });
await jobs.start();
// Let the worker load the engine first, as it has by the time someone has chosen their pictures.
for (let i = 0; i < 600 && !(await jobs.health()).workers.every((w) => w.backend); i++) await new Promise((r) => setTimeout(r, 100));
const backend = (await jobs.health()).workers[0]?.backend;

const picture = (path: string) =>
  sharp(readFileSync(path))
    .resize(size * 2, size * 2, { fit: 'inside' })
    .jpeg()
    .toBuffer();
const body = new FormData();
body.append(
  'content',
  new Blob([new Uint8Array(await picture(join(shared, 'images', 'content', 'tuebingen_neckarfront.jpg')))], { type: 'image/jpeg' }),
  'photo.jpg',
);
body.append(
  'style',
  new Blob([new Uint8Array(await picture(join(shared, 'images', 'styles', 'starry_night.jpg')))], { type: 'image/jpeg' }),
  'starry.jpg',
);
body.append('size', String(size));
body.append('iterations', String(iterations));

const t0 = performance.now();
const accepted = (await (await fetch(`${studio.url}/api/jobs`, { method: 'POST', body })).json()) as { id: string };
const tAccepted = performance.now() - t0;
let tPreview: number | undefined;
let tDone: number | undefined;
const response = await fetch(`${studio.url}/api/jobs/${accepted.id}/events`);
const decoder = new TextDecoder();
let text = '';
for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
  text += decoder.decode(chunk, { stream: true });
  if (tPreview === undefined && /event: progress\ndata: .*"preview":"data:image\/jpeg/.test(text)) tPreview = performance.now() - t0;
  if (/event: (done|failed|cancelled)\n/.test(text)) {
    tDone = performance.now() - t0;
    break;
  }
}
const job = (await jobs.get(accepted.id))!;
console.log(
  JSON.stringify({
    size,
    iterations,
    backend,
    state: job.state,
    accepted_ms: Math.round(tAccepted),
    first_preview_ms: tPreview === undefined ? null : Math.round(tPreview),
    result_ms: tDone === undefined ? null : Math.round(tDone),
    ms_per_iteration: job.result ? Math.round(job.result.msPerIteration) : null,
  }),
);
await studio.close();
await jobs.close();
rmSync(dataDir, { recursive: true, force: true });

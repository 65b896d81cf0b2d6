// `npm run bench -- overhead [SIZE ...] [--iterations N]`: what the job path costs around the engine. The same job
// (tuebingen x Starry Night, default scales) runs twice in one process: stylize() called directly, then through the
// studio (POST /api/jobs, job service, engine worker thread, progress to the store, the event stream with previews).
// It prints both wall times, their ratio, the engine's own ms per iteration inside each, and the bytes streamed.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { stylize } from '../src/engine/index.js';
import { createJobService } from '../src/app/compose.js';
import { StylebotMetrics } from '../src/metrics.js';
import { startStudio } from '../src/platforms/web/server.js';

interface OverheadRow {
  size: number;
  iterations: number;
  backend: string | null | undefined;
  bareMs: number;
  bareMsPerIteration: number;
  jobMs: number;
  jobMsPerIteration: number | null;
  /** Job path wall time over the bare engine's. */
  ratio: number;
  streamBytes: number;
  previews: number;
  previewBytes: number;
  resultBytes: number;
}

export async function runOverheadBench(args: string[]): Promise<OverheadRow[]> {
  const at = args.indexOf('--iterations');
  const iterations = at >= 0 ? Number(args[at + 1]) : 30;
  const sizes = args.filter((a, i) => /^\d+$/.test(a) && args[i - 1] !== '--iterations').map(Number);
  const shared = process.env.STYLEBOT_SHARED ?? join(import.meta.dirname, '..', '..', 'shared');
  const dataDir = mkdtempSync(join(tmpdir(), 'stylebot-overhead-bench-'));
  const jobs = createJobService({
    dataDir,
    modelDir: join(shared, 'models', 'vgg19'),
    workers: 1,
    admins: ['web:local'],
    log: () => undefined,
  });
  const context = { jobs, limits: { maxImageBytes: 20 * 1024 * 1024, maxImagePixels: 40_000_000 }, defaults: { size: 128, iterations } };
  const studio = await startStudio({
    host: '127.0.0.1',
    port: 0,
    jobs,
    context,
    artistsDir: join(dataDir, 'artists'),
    metrics: new StylebotMetrics(),
  });
  await jobs.start();
  for (let i = 0; i < 600 && !(await jobs.health()).workers.every((w) => w.backend); i++) await new Promise((r) => setTimeout(r, 100));
  const backend = (await jobs.health()).workers[0]?.backend;
  const rows: OverheadRow[] = [];
  try {
    for (const size of sizes.length > 0 ? sizes : [128, 256]) {
      const picture = (path: string) =>
        sharp(readFileSync(path))
          .resize(size * 2, size * 2, { fit: 'inside' })
          .jpeg()
          .toBuffer();
      const content = new Uint8Array(await picture(join(shared, 'images', 'content', 'tuebingen_neckarfront.jpg')));
      const style = new Uint8Array(await picture(join(shared, 'images', 'styles', 'starry_night.jpg')));

      const b0 = performance.now();
      const bare = await stylize({
        content,
        styles: [{ image: style, name: 'starry.jpg' }],
        options: { size, iterations, seed: 1, previewSize: 0 },
      });
      const bareMs = performance.now() - b0;

      const body = new FormData();
      body.append('content', new Blob([content], { type: 'image/jpeg' }), 'photo.jpg');
      body.append('style', new Blob([style], { type: 'image/jpeg' }), 'starry.jpg');
      body.append('size', String(size));
      body.append('iterations', String(iterations));
      body.append('seed', '1');
      const j0 = performance.now();
      const accepted = (await (await fetch(`${studio.url}/api/jobs`, { method: 'POST', body })).json()) as { id: string };
      const response = await fetch(`${studio.url}/api/jobs/${accepted.id}/events`);
      let text = '';
      let streamBytes = 0;
      const decoder = new TextDecoder();
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        streamBytes += chunk.length;
        text += decoder.decode(chunk, { stream: true });
        if (/event: (done|failed|cancelled)\n/.test(text)) break;
      }
      const jobMs = performance.now() - j0;
      const previews = [...text.matchAll(/"preview":"data:[^;]+;base64,([^"]+)"/g)].map((m) => Buffer.from(m[1]!, 'base64').length);
      const job = (await jobs.get(accepted.id))!;
      const result = await jobs.resultImage(accepted.id);
      rows.push({
        size,
        iterations,
        backend: `${bare.backend} / ${backend}`,
        bareMs: Math.round(bareMs),
        bareMsPerIteration: Math.round(bare.msPerIteration),
        jobMs: Math.round(jobMs),
        jobMsPerIteration: job.result ? Math.round(job.result.msPerIteration) : null,
        ratio: Number((jobMs / bareMs).toFixed(3)),
        streamBytes,
        previews: previews.length,
        previewBytes: previews.reduce((a, b) => a + b, 0),
        resultBytes: result?.length ?? 0,
      });
    }
  } finally {
    await studio.close();
    await jobs.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
  return rows;
}

export function formatOverheadBench(rows: OverheadRow[]): string {
  const lines = [
    '| size | iterations | backend | bare stylize() ms | job path ms | job / bare | ms/it bare, in job | stream bytes | previews (bytes) | result PNG bytes |',
    '|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const r of rows) {
    lines.push(
      `| ${r.size} | ${r.iterations} | ${r.backend} | ${r.bareMs} | ${r.jobMs} | ${r.ratio} | ${r.bareMsPerIteration}, ${r.jobMsPerIteration} | ${r.streamBytes} | ${r.previews} (${r.previewBytes}) | ${r.resultBytes} |`,
    );
  }
  return lines.join('\n');
}

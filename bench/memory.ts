// The default job's memory (issue 20: a 512 px job must fit a 2 GB server): `npm run bench -- memory [SIZE] [SECONDS]`.
// Each run is its own process (peak RSS only grows within one), painting tuebingen x starry night as a chat job
// does (its budget, previews, progress events): the parent prints the child's peak RSS (getrusage maxrss) and the
// scales it painted. Defaults: 512 px, 60 s, the configured backend.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const SHARED = resolve(process.env.STYLEBOT_SHARED ?? new URL('../../shared', import.meta.url).pathname);

interface MemoryRun {
  backend: string;
  size: number;
  budgetS: number;
  peakMb: number;
  scales: string;
  wallS: number;
}

/** Runs in the child: one job, then its numbers as a JSON line. */
async function child(size: number, budgetS: number): Promise<void> {
  const { initBackend } = await import('../src/engine/backend.js');
  const { stylize } = await import('../src/engine/stylize.js');
  const backend = await initBackend();
  const began = performance.now();
  const result = await stylize(
    {
      content: readFileSync(join(SHARED, 'images', 'content', 'tuebingen_neckarfront.jpg')),
      styles: [{ image: readFileSync(join(SHARED, 'images', 'styles', 'starry_night.jpg')), name: 'starry_night' }],
      options: { size, budget: budgetS, seed: 1 },
    },
    { previewFormat: 'jpeg', onProgress: () => {} },
  );
  const run: MemoryRun = {
    backend,
    size,
    budgetS,
    peakMb: Math.round(process.resourceUsage().maxRSS / 1024),
    scales: result.scales.map((s) => `${s.size}:${s.iterations}`).join(' '),
    wallS: (performance.now() - began) / 1000,
  };
  console.log(JSON.stringify(run));
}

export async function runMemoryBench(argv: string[]): Promise<void> {
  const numbers = argv.filter((a) => /^\d+$/.test(a)).map(Number);
  const size = numbers[0] ?? 512;
  const budgetS = numbers[1] ?? 60;
  const out = execFileSync(
    process.execPath,
    ['--import', 'tsx', fileURLToPath(import.meta.url), '--child', String(size), String(budgetS)],
    {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const run = JSON.parse(out.trim().split('\n').at(-1)!) as MemoryRun;
  console.log(`Memory of one job, tuebingen x starry_night, ${run.backend}, ${run.size} px, budget ${run.budgetS} s (its own process)`);
  console.log('| size | budget s | scales (px:iterations) | wall s | peak RSS, MB |');
  console.log('|---|---|---|---|---|');
  console.log(`| ${run.size} | ${run.budgetS} | ${run.scales} | ${run.wallS.toFixed(1)} | ${run.peakMb} |`);
}

if (process.argv[2] === '--child') await child(Number(process.argv[3]), Number(process.argv[4]));

// What this machine's iterations really cost: measured samples (ms per iteration at a number of pixels) kept per
// backend and thread count in a small JSON file in the data folder, and the cost model fitted to them. Every finished
// job adds its scales as samples, and `stylebot calibrate` adds a few seconds of measurement on purpose, so estimates,
// default sizes and refusals follow the machine they run on instead of the table in estimate.ts.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { costForBackend, fitCost, type IterationCost } from './estimate.js';

/** One measurement: an iteration on a picture of `pixels` took `ms`, at time `at` (ms since the epoch). */
export interface CostSample {
  pixels: number;
  ms: number;
  at: number;
}

/** Samples kept per backend and thread count: the newest, so the fit follows a machine that changed. */
export const MAX_SAMPLES = 40;

/** The file's name in the data folder. */
export const COST_BOOK_FILE = 'engine-costs.json';

interface BookFile {
  version: 1;
  machines: Record<string, CostSample[]>;
}

/** "onnxruntime/2": a backend's samples depend on how many threads it ran with. */
export function costKey(backend: string, threads: number): string {
  return `${backend}/${threads}`;
}

/**
 * The cost model for a backend and thread count: fitted to the stored samples when they span at least two picture
 * sizes (estimate.ts fitCost, a line in the pixel count), else the measured table's (costForBackend). Set-up time
 * stays the table's. Never throws: an unreadable file counts as empty.
 */
export class CostBook {
  private machines: Record<string, CostSample[]>;

  private constructor(
    private readonly file: string | null,
    machines: Record<string, CostSample[]>,
  ) {
    this.machines = machines;
  }

  /** The book stored at `file` (created on the first record), or an empty one. */
  static open(file: string): CostBook {
    return new CostBook(file, readBook(file));
  }

  /** A book kept in memory only (tests, and a process without a data folder). */
  static inMemory(): CostBook {
    return new CostBook(null, {});
  }

  /** The samples stored for backend/threads, oldest first. */
  samples(backend: string, threads: number): readonly CostSample[] {
    return this.machines[costKey(backend, threads)] ?? [];
  }

  /** The cost model for backend/threads: fitted to the samples where they allow it, else the measured table's. */
  cost(backend: string, threads: number): IterationCost {
    const table = costForBackend(backend);
    const samples = this.samples(backend, threads);
    const sizes = new Set(samples.map((s) => s.pixels));
    if (sizes.size < 2) return table;
    const fitted = fitCost(backend, samples, table.setupMs);
    // A fit with no growth in the pixel count is noise (e.g. two nearly equal sizes): keep the table's shape then.
    return fitted.msPerMegapixel > 0 ? fitted : table;
  }

  /**
   * Adds samples for backend/threads, keeps the newest MAX_SAMPLES and writes the file (atomically: a temporary file
   * renamed over it). Samples that are not finite and positive are left out. Throws only when the file cannot be
   * written.
   */
  record(backend: string, threads: number, samples: readonly CostSample[]): void {
    const usable = samples.filter((s) => s.pixels > 0 && s.ms > 0 && Number.isFinite(s.pixels) && Number.isFinite(s.ms));
    if (usable.length === 0) return;
    const key = costKey(backend, threads);
    this.machines[key] = [...(this.machines[key] ?? []), ...usable].slice(-MAX_SAMPLES);
    if (!this.file) return;
    mkdirSync(dirname(this.file), { recursive: true });
    const temporary = `${this.file}.${process.pid}.tmp`;
    writeFileSync(temporary, `${JSON.stringify({ version: 1, machines: this.machines } satisfies BookFile, null, 1)}\n`);
    renameSync(temporary, this.file);
  }
}

function readBook(file: string): Record<string, CostSample[]> {
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<BookFile>;
    if (parsed.version !== 1 || typeof parsed.machines !== 'object' || parsed.machines === null) return {};
    const machines: Record<string, CostSample[]> = {};
    for (const [key, list] of Object.entries(parsed.machines)) {
      if (!Array.isArray(list)) continue;
      machines[key] = list.filter(
        (s): s is CostSample => typeof s?.pixels === 'number' && typeof s?.ms === 'number' && typeof s?.at === 'number',
      );
    }
    return machines;
  } catch {
    return {};
  }
}

/** A finished run's scales as cost samples: each scale's warm ms per iteration, from scales of 3 iterations or more. */
export function samplesOfRun(
  scales: readonly { width?: number; height?: number; msPerIteration?: number; iterations: number }[],
  at: number,
): CostSample[] {
  return scales.flatMap((s) =>
    s.width && s.height && s.msPerIteration && s.iterations >= 3 ? [{ pixels: s.width * s.height, ms: s.msPerIteration, at }] : [],
  );
}

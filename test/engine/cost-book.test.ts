// The cost book (src/engine/cost-book.ts): samples stored per backend and thread count, the fit they give, the
// table's row until they span two sizes, and a reload from the file.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CostBook, MAX_SAMPLES, samplesOfRun } from '../../src/engine/cost-book.js';
import { costForBackend } from '../../src/engine/estimate.js';

const dirs: string[] = [];
const tempFile = () => {
  const dir = mkdtempSync(join(tmpdir(), 'cost-book-'));
  dirs.push(dir);
  return join(dir, 'engine-costs.json');
};
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('cost book', () => {
  it('uses the measured table until samples span two sizes, then the line through them', () => {
    const book = CostBook.inMemory();
    expect(book.cost('onnxruntime', 2)).toEqual(costForBackend('onnxruntime'));
    book.record('onnxruntime', 2, [{ pixels: 10_000, ms: 120, at: 1 }]);
    expect(book.cost('onnxruntime', 2)).toEqual(costForBackend('onnxruntime'));
    book.record('onnxruntime', 2, [{ pixels: 40_000, ms: 420, at: 2 }]);
    const fitted = book.cost('onnxruntime', 2);
    expect(fitted.msPerMegapixel).toBeCloseTo(10_000, 3);
    expect(fitted.fixedMs).toBeCloseTo(20, 3);
    // Another thread count is another machine.
    expect(book.cost('onnxruntime', 1)).toEqual(costForBackend('onnxruntime'));
  });

  it('keeps the newest samples, leaves out unusable ones, and survives a reload', () => {
    const file = tempFile();
    const book = CostBook.open(file);
    const many = Array.from({ length: MAX_SAMPLES + 5 }, (_, i) => ({ pixels: 1000 * (1 + (i % 3)), ms: 10 + i, at: i }));
    book.record('wasm', 1, [...many, { pixels: 0, ms: 5, at: 0 }, { pixels: 100, ms: Number.NaN, at: 0 }]);
    expect(book.samples('wasm', 1)).toHaveLength(MAX_SAMPLES);
    expect(book.samples('wasm', 1)[0]!.at).toBe(5);
    const again = CostBook.open(file);
    expect(again.samples('wasm', 1)).toEqual(book.samples('wasm', 1));
    expect(again.cost('wasm', 1)).toEqual(book.cost('wasm', 1));
    expect(JSON.parse(readFileSync(file, 'utf8')).version).toBe(1);
  });

  it('treats an unreadable or foreign file as empty', () => {
    const file = tempFile();
    writeFileSync(file, '{ not json');
    expect(CostBook.open(file).samples('wasm', 1)).toEqual([]);
    writeFileSync(file, JSON.stringify({ version: 7, machines: { 'wasm/1': [{ pixels: 1, ms: 1, at: 1 }] } }));
    expect(CostBook.open(file).samples('wasm', 1)).toEqual([]);
  });

  it('learns from a run’s scales of 3 iterations or more, at their warm cost', () => {
    const samples = samplesOfRun(
      [
        { iterations: 2, width: 128, height: 96, msPerIteration: 50 },
        { iterations: 12, width: 256, height: 192, msPerIteration: 300 },
        { iterations: 12 },
      ],
      99,
    );
    expect(samples).toEqual([{ pixels: 256 * 192, ms: 300, at: 99 }]);
  });
});

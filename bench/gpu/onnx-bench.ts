// The engine's ONNX objective (src/engine/onnx/: the Gatys loss and its hand-written image gradient as one graph) on
// an ONNX Runtime execution provider, for the device call: iteration-0 losses and gradient against wasm, and ms per
// evaluation (forward + image gradient, picture in and gradient out through host memory, as stylize() runs it).
// The optimizer is not part of it: on the onnxruntime backends L-BFGS runs on wasm (stylize-objective.ts).
import { availableParallelism } from 'node:os';
import type { LossWeights } from '../../src/engine/losses.js';
import { OnnxGatys } from '../../src/engine/onnx/objective.js';
import { onnxWeights, probeProvider, type OnnxProvider } from '../../src/engine/onnx/session.js';
import { relativeDifference, relativeL2, syntheticImage, type ObjectiveSample } from '../../test/engine/support/webgpu-checks.js';
import type { VggWeights } from '../../src/engine/weights.js';
import type { SampleComparison } from './recorded-bench.js';

export interface OnnxCheck {
  size: number;
  provider: OnnxProvider;
  /** content, style, tv and the weighted total at iteration 0. */
  parts: number[];
  vsWasm?: SampleComparison;
}

export interface OnnxRow {
  size: number;
  path: `onnx-${OnnxProvider}`;
  /** One evaluation of the objective graph (session.run), awaited each time. */
  msPerGradStep: number | null;
  msPerLbfgsIteration: null;
  /** Targets and session creation (graph encoding, the provider's compilation). */
  buildMs?: number;
  error?: string;
}

/** The same pictures as webgpu-checks.ts iterationZero (content seed 1, style seed 2). */
function syntheticGatys(weights: VggWeights, size: number, loss: LossWeights, provider: OnnxProvider): Promise<OnnxGatys> {
  const settings = { provider, threads: provider === 'cpu' ? availableParallelism() : 1 };
  return OnnxGatys.create(
    onnxWeights(weights),
    { width: size, height: size, content: syntheticImage(size, 1), styles: [{ image: syntheticImage(size, 2), weight: 1 }] },
    loss,
    3,
    settings,
  );
}

/**
 * Whether this onnxruntime-node has `provider` and it runs a one-node graph here: null when it does, else ORT's
 * reason (for the table, instead of a failed step).
 */
export async function onnxProviderProblem(provider: OnnxProvider): Promise<string | null> {
  try {
    await probeProvider(provider);
    return null;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

/**
 * Iteration 0 at `size` px on the provider, compared with wasm's iterationZero() sample when one is given. Needs a
 * tfjs backend that can read tensors synchronously (wasm) for the weights and the Gram blend.
 */
export async function onnxIterationZero(
  weights: VggWeights,
  size: number,
  loss: LossWeights,
  provider: OnnxProvider,
  wasmSample: ObjectiveSample | null,
): Promise<OnnxCheck> {
  const gatys = await syntheticGatys(weights, size, loss, provider);
  try {
    const { parts, grad } = await gatys.evaluate(Float32Array.from(syntheticImage(size, 3).data));
    const values = [
      parts.content,
      parts.style,
      parts.tv,
      loss.contentWeight * parts.content + loss.styleWeight * parts.style + loss.tvWeight * parts.tv,
    ];
    const check: OnnxCheck = { size, provider, parts: values };
    if (wasmSample) {
      const names = ['content', 'style', 'tv', 'total'] as const;
      check.vsWasm = {
        losses: Object.fromEntries(
          names.map((n, i) => [n, relativeDifference(values[i]!, wasmSample.parts[i]!)]),
        ) as SampleComparison['losses'],
        gradientRelativeL2: relativeL2(grad, wasmSample.grad),
      };
    }
    return check;
  } finally {
    await gatys.dispose();
  }
}

/** ms per objective evaluation at `size` px on the provider (one warm-up, then `reps`); a failure comes back as `error`. */
export async function timeOnnx(
  weights: VggWeights,
  size: number,
  reps: number,
  loss: LossWeights,
  provider: OnnxProvider,
): Promise<OnnxRow> {
  const row: OnnxRow = { size, path: `onnx-${provider}`, msPerGradStep: null, msPerLbfgsIteration: null };
  let gatys: OnnxGatys | null = null;
  try {
    const built = performance.now();
    gatys = await syntheticGatys(weights, size, loss, provider);
    row.buildMs = performance.now() - built;
    const image = Float32Array.from(syntheticImage(size, 3).data);
    await gatys.evaluate(image);
    const t0 = performance.now();
    for (let i = 0; i < reps; i++) await gatys.evaluate(image);
    row.msPerGradStep = (performance.now() - t0) / reps;
  } catch (err) {
    row.error = err instanceof Error ? err.message : String(err);
  } finally {
    await gatys?.dispose();
  }
  return row;
}

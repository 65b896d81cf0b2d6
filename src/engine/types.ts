// The engine's public contract: what callers (CLI, job workers, benchmarks) pass in and get back.
// Everything here is plain data so it can cross a worker_threads boundary unchanged.
import type { IterationCost } from './estimate.js';

export type { BackendName, InitFrom, Optimizer, PreserveColors, StylePick, StylizeOptions } from '../options/types.js';
import type { StylizeOptions } from '../options/types.js';

export interface StyleInput {
  /** Encoded image bytes (JPEG, PNG, WebP, GIF). */
  image: Uint8Array;
  /** Blend weight; weights are normalised to sum to 1. Default 1. */
  weight?: number;
  /** Shown in results, e.g. the file name or "monet/water_lilies.jpg". */
  name?: string;
}

export interface StylizeRequest {
  /** Encoded content image; absent or null = texture synthesis (style only). */
  content?: Uint8Array | null;
  styles: StyleInput[];
  /**
   * Encoded picture to start from, required with options.init 'picture' and used only then (e.g. a finished result,
   * to paint it again larger: the Upscale button). It is resized to the first scale's width and height; its colours
   * are kept (in 'luminance' mode, its luminance).
   */
  init?: Uint8Array | null;
  options?: Partial<StylizeOptions>;
}

/** One scale of a run: its longest side in pixels and the iterations it ran (multiscale.ts). */
export interface ScaleInfo {
  size: number;
  iterations: number;
  /** The scale's picture in pixels. */
  width?: number;
  height?: number;
  /** ms an iteration took once warm (the first, which carries the scale's set-up, left out): what the cost book learns. */
  msPerIteration?: number;
}

export interface LossParts {
  /** Unweighted content loss 1/2 sum (F-P)^2 at conv4_2. */
  content: number;
  /** Unweighted style loss sum_l w_l E_l (blended over style images). */
  style: number;
  /** Unweighted total variation. */
  tv: number;
  /** contentWeight*content + styleWeight*style + tvWeight*tv: what is minimised. */
  total: number;
}

export interface StylizeProgress {
  iteration: number;
  total: number;
  losses: LossParts;
  elapsedMs: number;
  etaMs: number;
  /** Small JPEG (PNG with hooks.previewFormat 'png') of the current image, longest side <= previewSize, when previewSize > 0. */
  preview?: Uint8Array;
  /** Share of the run's work done, 0..1: iterations weighted by their scale's pixels (multiscale.ts scaleWork). */
  workDone?: number;
  /** The scale being painted: index 1..count and its longest side. iteration and total count over all scales. */
  scale?: { index: number; count: number; size: number };
}

export interface StylizeResult {
  png: Uint8Array;
  width: number;
  height: number;
  iterations: number;
  backend: string;
  /** Threads the backend's sessions ran with (onnxruntime's intra-op threads; 1 elsewhere): costs depend on them. */
  threads?: number;
  msPerIteration: number;
  seed: number;
  styles: string[];
  options: StylizeOptions;
  /** The scales painted, smallest first; the last one is the output's size. */
  scales: ScaleInfo[];
  /** Losses of the final scale: at its starting picture, and of the picture returned (8-bit, as delivered). */
  losses: { initial: LossParts; final: LossParts };
}

export interface StylizeHooks {
  onProgress?: (progress: StylizeProgress) => void;
  signal?: AbortSignal;
  /**
   * At most one progress event (and preview) this often, in ms; the first and the last always come. Each event
   * waits for the backend and makes a preview, which on a GPU (20 ms an iteration) costs more than the iterations
   * between events if nobody is going to show most of them. Default 0: every progressEvery iterations.
   */
  minProgressIntervalMs?: number;
  /** How previews are encoded: 'jpeg' (default: small, for chat and the studio) or 'png' (lossless intermediates). */
  previewFormat?: 'jpeg' | 'png';
  /** The smallest scale's least longest side (multiscale.ts MIN_SCALE_SIDE, 128): lower only for tests at tiny sizes. */
  minScaleSide?: number;
  /** The cost model a budget is planned with (estimate.ts; a calibration of this machine); default the backend's measured row. */
  cost?: IterationCost;
  /** A finer scale starts with the photo's detail band put back (stylize.ts DETAIL_TRANSFER; benches measure both). */
  detailTransfer?: boolean;
  /** The time-share ratio between neighbouring scales of a budget (budget.ts FINE_SHARE_RATIO; benches measure others). */
  shareRatio?: number;
  /** The clock a budget is kept by, in ms (tests pass a fake one); default performance.now. */
  now?: () => number;
}

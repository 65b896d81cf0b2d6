// The engine's public contract: what callers (CLI, job workers, benchmarks) pass in and get back.
// Everything here is plain data so it can cross a worker_threads boundary unchanged.
import type { IterationCost } from './estimate.js';

export type Optimizer = 'lbfgs' | 'adam';
/** The starting picture: the content photo, seeded noise, or request.init ('picture': e.g. a result to upscale). */
export type InitFrom = 'content' | 'noise' | 'picture';
export type PreserveColors = 'none' | 'luminance' | 'reinhard';
/** How one style is chosen from several: 'random' uses them as given; 'closest' (closest-style.ts) only the nearest. */
export type StylePick = 'random' | 'closest';
export type BackendName = 'tensorflow-gpu' | 'onnxruntime-cuda' | 'tensorflow' | 'webgpu' | 'onnxruntime' | 'wasm' | 'cpu' | 'onnxruntime-webgpu';

export interface StylizeOptions {
  /** Optimizer steps (L-BFGS iterations or Adam steps). */
  iterations: number;
  /** Longest side of the output in pixels. */
  size: number;
  init: InitFrom;
  /** The style images are resized to size * styleScale on their longest side. */
  styleScale: number;
  /** alpha: weight of the content loss. */
  contentWeight: number;
  /** beta: weight of the style loss. When the caller gives none, styleStrength x the size's default (style-weight.ts). */
  styleWeight: number;
  /** Multiplier of the size's default style weight, used only when styleWeight is not given (1 = the default). */
  styleStrength: number;
  /** Weight of the total-variation term (0 = off). */
  tvWeight: number;
  optimizer: Optimizer;
  /** Adam step size in pixel units (0..255 scale). */
  learningRate: number;
  seed: number;
  preserveColors: PreserveColors;
  /** w_l for conv1_1, conv2_1, conv3_1, conv4_1, conv5_1. */
  layerWeights: [number, number, number, number, number];
  /** onProgress fires every this many iterations (and at the last one). */
  progressEvery: number;
  /** Longest side of the preview PNG sent with progress events; 0 = no preview. */
  previewSize: number;
  /**
   * Coarse-to-fine scales (multiscale.ts planScales): 1 = one scale at `size`; N = N scales, each about twice the
   * previous, ending at `size`, the smallest at least 128 px (fewer when `size` is too small); 0 = automatic
   * (one scale up to 256 px, every scale that fits above). `iterations` is the total over the scales.
   */
  scales: number;
  /**
   * Artist mode's choice of work. 'random': the caller picked one (seeded) and `styles` are used as given (blended
   * when several). 'closest': `styles` are candidates and only the one whose Gram matrices are nearest the content
   * photo's is used (closest-style.ts); result.styles names it. Needs a content image.
   */
  pick: StylePick;
  /**
   * Seconds of painting (budget.ts): when set, the scales' iterations are planned from the cost model and re-planned
   * from the measured time so the run ends near the budget; `iterations` is then only a cap on the total.
   */
  budget?: number;
}

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
  /** The clock a budget is kept by, in ms (tests pass a fake one); default performance.now. */
  now?: () => number;
}

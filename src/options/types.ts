// The stylize options as every layer sees them (CLI, chat, studio, job store, engine): plain data, so they cross a
// worker_threads boundary and a database row unchanged. The table that defines each option's name, range, default
// and help is fields.ts; the engine re-exports these types from src/engine/types.ts.

export type Optimizer = 'lbfgs' | 'adam';
/** The starting picture: the content photo, seeded noise, or request.init ('picture': e.g. a result to upscale). */
export type InitFrom = 'content' | 'noise' | 'picture';
export type PreserveColors = 'none' | 'luminance' | 'reinhard';
/** How one style is chosen from several: 'random' uses them as given; 'closest' (closest-style.ts) only the nearest. */
export type StylePick = 'random' | 'closest';
export type BackendName =
  | 'tensorflow-gpu'
  | 'onnxruntime-cuda'
  | 'tensorflow'
  | 'webgpu'
  | 'onnxruntime'
  | 'wasm'
  | 'cpu'
  | 'onnxruntime-webgpu';

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
   * Seconds of painting (src/engine/budget.ts): when set, the scales' iterations are planned from the cost model and
   * re-planned from the measured time so the run ends near the budget; `iterations` is then only a cap on the total.
   */
  budget?: number;
}

// A float64 reference of the engine's building blocks in plain JavaScript (conv3x3 SAME + bias + ReLU, 2x2 average
// pooling, Gram style loss), small and slow on purpose: finite differences of it check the image gradient that the
// backends compute in float32 (test/engine/gradients.test.ts, and webgpu-checks.ts on a GPU).

/** A feature map in HWC order. */
export interface Map64 {
  h: number;
  w: number;
  c: number;
  v: Float64Array;
}

/** A 3x3 convolution: weights HWIO, one bias per output channel. */
export interface Conv64 {
  w: Float64Array;
  b: Float64Array;
  cin: number;
  cout: number;
}

/** conv3x3 SAME + bias + ReLU. */
export function conv64(x: Map64, k: Conv64): Map64 {
  const out = new Float64Array(x.h * x.w * k.cout);
  for (let i = 0; i < x.h; i++)
    for (let j = 0; j < x.w; j++)
      for (let o = 0; o < k.cout; o++) {
        let s = k.b[o]!;
        for (let di = -1; di <= 1; di++)
          for (let dj = -1; dj <= 1; dj++) {
            const ii = i + di;
            const jj = j + dj;
            if (ii < 0 || jj < 0 || ii >= x.h || jj >= x.w) continue;
            for (let c = 0; c < k.cin; c++)
              s += x.v[(ii * x.w + jj) * x.c + c]! * k.w[(((di + 1) * 3 + (dj + 1)) * k.cin + c) * k.cout + o]!;
          }
        out[(i * x.w + j) * k.cout + o] = Math.max(0, s);
      }
  return { h: x.h, w: x.w, c: k.cout, v: out };
}

/** 2x2 average pooling, stride 2, odd rows and columns dropped (VALID). */
export function pool64(x: Map64): Map64 {
  const h = Math.floor(x.h / 2);
  const w = Math.floor(x.w / 2);
  const out = new Float64Array(h * w * x.c);
  for (let i = 0; i < h; i++)
    for (let j = 0; j < w; j++)
      for (let c = 0; c < x.c; c++) {
        let s = 0;
        for (const [di, dj] of [
          [0, 0],
          [0, 1],
          [1, 0],
          [1, 1],
        ] as const)
          s += x.v[((2 * i + di) * x.w + 2 * j + dj) * x.c + c]!;
        out[(i * w + j) * x.c + c] = s / 4;
      }
  return { h, w, c: x.c, v: out };
}

/** G = F^T F with F as (positions x channels). */
export function gram64(x: Map64): Float64Array {
  const g = new Float64Array(x.c * x.c);
  const m = x.h * x.w;
  for (let p = 0; p < m; p++)
    for (let a = 0; a < x.c; a++) for (let b = 0; b < x.c; b++) g[a * x.c + b]! += x.v[p * x.c + a]! * x.v[p * x.c + b]!;
  return g;
}

/** E = 1/(4 N^2 M^2) sum (G - A)^2. */
export function styleLoss64(x: Map64, target: Float64Array): number {
  const g = gram64(x);
  const m = x.h * x.w;
  let s = 0;
  for (let i = 0; i < g.length; i++) s += (g[i]! - target[i]!) ** 2;
  return s / (4 * x.c * x.c * m * m);
}

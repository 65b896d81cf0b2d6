// The recorded iteration's L-BFGS kernels: the same algorithm as optimizers.ts createLbfgs + lbfgs-history.ts (torch
// LBFGS without line search, compact two-loop over a ring of curvature pairs, box constraint), with every decision
// and every counter on the GPU in one State struct (wgsl-common.ts), so an iteration needs no upload and no read.
// n is the number of pixel values; "k" the history capacity; S and Y are stored as groups of whole rows, each group
// one buffer under the device's binding limit (2048 px pictures need more than one).
import type { ComputeKernel } from './kernel.js';
import { grid } from './pass-list.js';
import { elementGrid, moduleOf, packParams, partialCount, THREADS, type Param, type StorageBinding } from './wgsl-common.js';

export interface KernelCall {
  kernel: ComputeKernel;
  params: ArrayBuffer;
}

const f32 = 'array<f32>';
const rw = (name: string, type = f32): StorageBinding => ({ name, kind: 'read_write', type });
const ro = (name: string, type = f32): StorageBinding => ({ name, kind: 'read', type });

/** Values per workgroup of the row-dot kernel: THREADS threads x 16 values. */
export const DOT_CHUNK = THREADS * 16;

/** Sums (and maxima) of per-workgroup partials in one workgroup: `rangeSum`, `rangeMax` over partials[start..start+count). */
const RANGE_HELPERS = `
fn rangeSum(start : u32, count : u32, t : u32) -> f32 {
  var s = 0.0;
  for (var k = t; k < count; k = k + ${THREADS}u) { s = s + partials[start + k]; }
  return workgroupSum(s, t);
}
fn rangeMax(start : u32, count : u32, t : u32) -> f32 {
  var m = 0.0;
  for (var k = t; k < count; k = k + ${THREADS}u) { m = max(m, partials[start + k]); }
  return workgroupMax(m, t);
}`;

/** Per workgroup over the raw gradient: max |g| and sum g (for the objective scale and the finite check). */
export function gradientStatsKernel(n: number): KernelCall {
  const fields: Param[] = [
    ['n', 'u32'],
    ['groups', 'u32'],
  ];
  const body = `
  var a = 0.0;
  var s = 0.0;
  if (i < params.n) { a = abs(gRaw[i]); s = gRaw[i]; }
  let m = workgroupMax(a, t);
  let total = workgroupSum(s, t);
  if (t == 0u && wg < params.groups) { partials[wg] = m; partials[params.groups + wg] = total; }`;
  return {
    kernel: moduleOf('lbfgs gradient stats', [rw('partials'), ro('gRaw')], fields, body, elementGrid(n)),
    params: packParams(fields, { n, groups: partialCount(n) }),
  };
}

/**
 * On the first iteration, the objective scale 1 / max |g| (stylize.ts: the loss L-BFGS sees is divided by the first
 * gradient's largest entry); on every iteration, finiteSum += sum g + total loss (NaN or infinity stays in it).
 */
export function objectiveScaleKernel(n: number): KernelCall {
  const fields: Param[] = [['groups', 'u32']];
  const body = `
  let m = rangeMax(0u, params.groups, t);
  let s = rangeSum(params.groups, params.groups, t);
  if (t == 0u) {
    if (state.iteration == 0u) {
      var scale = 1.0;
      if (m > 0.0 && m <= 0x1.fffffep+127f) { scale = 1.0 / m; }
      state.objectiveScale = scale;
    }
    state.finiteSum = state.finiteSum + s + losses[3];
  }`;
  return {
    kernel: moduleOf('lbfgs objective scale', [rw('state', 'State'), ro('partials'), ro('losses')], fields, body, [1, 1, 1], RANGE_HELPERS),
    params: packParams(fields, { groups: partialCount(n) }),
  };
}

/** g = objectiveScale gRaw; y = g - gPrev; per workgroup y.s and y.y (s the previous step). */
export function curvatureKernel(n: number): KernelCall {
  const fields: Param[] = [
    ['n', 'u32'],
    ['groups', 'u32'],
  ];
  const body = `
  var ys = 0.0;
  var yy = 0.0;
  if (i < params.n) {
    let gi = gRaw[i] * state.objectiveScale;
    g[i] = gi;
    let yi = gi - gPrev[i];
    y[i] = yi;
    ys = yi * sPrev[i];
    yy = yi * yi;
  }
  let a = workgroupSum(ys, t);
  let b = workgroupSum(yy, t);
  if (t == 0u && wg < params.groups) { partials[wg] = a; partials[params.groups + wg] = b; }`;
  return {
    kernel: moduleOf(
      'lbfgs curvature',
      [rw('g'), rw('y'), rw('partials'), ro('gRaw'), ro('gPrev'), ro('sPrev'), ro('state', 'State')],
      fields,
      body,
      elementGrid(n),
    ),
    params: packParams(fields, { n, groups: partialCount(n) }),
  };
}

/**
 * From the second iteration on: the pair (s, y) is accepted when y.s > 1e-10 (torch); rho = 1 / y.s or 0; the
 * Hessian scale gamma = y.s / y.y when accepted; the pair takes the ring's next slot either way (a rejected one as
 * zeros, a no-op in both loops).
 */
export function acceptPairKernel(n: number, capacity: number): KernelCall {
  const fields: Param[] = [
    ['groups', 'u32'],
    ['capacity', 'u32'],
  ];
  const body = `
  let ys = rangeSum(0u, params.groups, t);
  let yy = rangeSum(params.groups, params.groups, t);
  if (t == 0u) {
    state.hasPair = 0u;
    if (state.iteration > 0u) {
      let accepted = ys > 1e-10;
      state.hasPair = 1u;
      state.accepted = select(0u, 1u, accepted);
      let slot = (state.oldest + state.count) % params.capacity;
      state.slot = slot;
      if (state.count == params.capacity) { state.oldest = (state.oldest + 1u) % params.capacity; } else { state.count = state.count + 1u; }
      rho[slot] = select(0.0, 1.0 / ys, accepted);
      if (accepted) { state.gamma = ys / yy; }
    }
  }`;
  return {
    kernel: moduleOf('lbfgs accept pair', [rw('state', 'State'), rw('rho'), ro('partials')], fields, body, [1, 1, 1], RANGE_HELPERS),
    params: packParams(fields, { groups: partialCount(n), capacity }),
  };
}

/** Writes the new pair into its slot of S and Y when the slot is one of this group's rows [first, first + rows). */
export function storePairKernel(n: number, first: number, rows: number): KernelCall {
  const fields: Param[] = [
    ['n', 'u32'],
    ['first', 'u32'],
    ['rows', 'u32'],
  ];
  const body = `
  if (i < params.n && state.hasPair == 1u && state.slot >= params.first && state.slot < params.first + params.rows) {
    let row = (state.slot - params.first) * params.n;
    let keep = state.accepted == 1u;
    S[row + i] = select(0.0, sPrev[i], keep);
    Y[row + i] = select(0.0, y[i], keep);
  }`;
  return {
    kernel: moduleOf('lbfgs store pair', [rw('S'), rw('Y'), ro('sPrev'), ro('y'), ro('state', 'State')], fields, body, elementGrid(n)),
    params: packParams(fields, { n, first, rows }),
  };
}

/** partials[(first + r) chunks + c] = the dot of row r of M (a group of rows [rows, n]) with v over chunk c. */
export function rowDotsKernel(n: number, first: number, rows: number): KernelCall {
  const chunks = Math.ceil(n / DOT_CHUNK);
  const fields: Param[] = [
    ['n', 'u32'],
    ['first', 'u32'],
    ['chunks', 'u32'],
  ];
  // wid.x = chunk, wid.y = row; 16 values per thread, strided so that neighbouring threads read neighbouring words.
  const body = `
  let chunk = wid.x;
  let row = wid.y;
  let base = row * params.n;
  var s = 0.0;
  for (var e = 0u; e < 16u; e = e + 1u) {
    let j = chunk * ${DOT_CHUNK}u + e * ${THREADS}u + t;
    if (j < params.n) { s = s + M[base + j] * v[j]; }
  }
  let total = workgroupSum(s, t);
  if (t == 0u) { partials[(params.first + row) * params.chunks + chunk] = total; }`;
  return {
    kernel: moduleOf('lbfgs row dots', [rw('partials'), ro('M'), ro('v')], fields, body, [chunks, rows, 1]),
    params: packParams(fields, { n, first, chunks }),
  };
}

/** out[r] = the sum of row r's chunk partials, for r < capacity (one workgroup per row). */
export function rowDotsTotalKernel(n: number, capacity: number): KernelCall {
  const chunks = Math.ceil(n / DOT_CHUNK);
  const fields: Param[] = [['chunks', 'u32']];
  const body = `
  let s = rangeSum(wg * params.chunks, params.chunks, t);
  if (t == 0u) { out[wg] = s; }`;
  return {
    kernel: moduleOf('lbfgs row dot totals', [rw('out'), ro('partials')], fields, body, grid(capacity), RANGE_HELPERS),
    params: packParams(fields, { chunks }),
  };
}

/** SY's row and column of the new pair's slot: SY[slot][b] = s_new . y_b, SY[a][slot] = s_a . y_new (0 when rejected). */
export function updateSyKernel(capacity: number): KernelCall {
  const fields: Param[] = [['capacity', 'u32']];
  const body = `
  if (state.hasPair == 1u) {
    let k = params.capacity;
    let keep = select(0.0, 1.0, state.accepted == 1u);
    for (var b = t; b < k; b = b + ${THREADS}u) {
      sy[state.slot * k + b] = keep * rowDotsY[b];
      sy[b * k + state.slot] = keep * rowDotsS[b];
    }
  }`;
  return {
    kernel: moduleOf('lbfgs update SY', [rw('sy'), ro('rowDotsY'), ro('rowDotsS'), ro('state', 'State')], fields, body, [1, 1, 1]),
    params: packParams(fields, { capacity }),
  };
}

/**
 * q = -g over the values free to move (L-BFGS-B's projected gradient: a value on a bound whose gradient points out
 * of the box is held), with per-workgroup sum |free g| and max |free g|.
 */
export function freeGradientKernel(n: number, bounds: { lower: number; upper: number } | null): KernelCall {
  const fields: Param[] = [
    ['n', 'u32'],
    ['groups', 'u32'],
    ['bounded', 'u32'],
    ['lower', 'f32'],
    ['upper', 'f32'],
  ];
  const body = `
  var a = 0.0;
  if (i < params.n) {
    var gi = g[i];
    if (params.bounded == 1u) {
      let xi = x[i];
      if ((xi <= params.lower && gi > 0.0) || (xi >= params.upper && gi < 0.0)) { gi = 0.0; }
    }
    q[i] = -gi;
    a = abs(gi);
  }
  let s = workgroupSum(a, t);
  let m = workgroupMax(a, t);
  if (t == 0u && wg < params.groups) { partials[wg] = s; partials[params.groups + wg] = m; }`;
  return {
    kernel: moduleOf('lbfgs free gradient', [rw('q'), rw('partials'), ro('g'), ro('x')], fields, body, elementGrid(n)),
    params: packParams(fields, {
      n,
      groups: partialCount(n),
      bounded: bounds ? 1 : 0,
      lower: bounds?.lower ?? 0,
      upper: bounds?.upper ?? 0,
    }),
  };
}

/** Step length: min(1, 1 / sum |g|) lr on the first iteration, lr after; moving = max |g| > tolerance (torch). */
export function stepLengthKernel(n: number, learningRate: number, gradientTolerance: number): KernelCall {
  const fields: Param[] = [
    ['groups', 'u32'],
    ['learningRate', 'f32'],
    ['tolerance', 'f32'],
  ];
  const body = `
  let s = rangeSum(0u, params.groups, t);
  let m = rangeMax(params.groups, params.groups, t);
  if (t == 0u) {
    var stepLen = params.learningRate;
    if (state.iteration == 0u) { stepLen = select(1.0, min(1.0, 1.0 / s), s > 0.0) * params.learningRate; }
    state.stepLength = stepLen;
    state.moving = select(0u, 1u, m > params.tolerance);
  }`;
  return {
    kernel: moduleOf('lbfgs step length', [rw('state', 'State'), ro('partials')], fields, body, [1, 1, 1], RANGE_HELPERS),
    params: packParams(fields, { groups: partialCount(n), learningRate, tolerance: gradientTolerance }),
  };
}

/** The first loop over the ring, newest pair first: al_i = rho_i (sq_i - sum_{j newer} SY[i][j] al_j) (lbfgs-history.ts). */
export function firstLoopKernel(capacity: number): KernelCall {
  const fields: Param[] = [['capacity', 'u32']];
  const body = `
  if (t == 0u) {
    let k = params.capacity;
    for (var a = i32(k) - 1; a >= 0; a = a - 1) {
      let i = (state.oldest + u32(a)) % k;
      var dot = 0.0;
      for (var b = u32(a) + 1u; b < k; b = b + 1u) {
        let j = (state.oldest + b) % k;
        dot = dot + sy[i * k + j] * alpha[j];
      }
      alpha[i] = rho[i] * (sq[i] - dot);
    }
  }`;
  return {
    kernel: moduleOf('lbfgs first loop', [rw('alpha'), ro('sq'), ro('rho'), ro('sy'), ro('state', 'State')], fields, body, [1, 1, 1]),
    params: packParams(fields, { capacity }),
  };
}

/** The second loop, oldest pair first: c_i = al_i - rho_i (gamma yq_i + sum_{j older} SY[j][i] c_j). */
export function secondLoopKernel(capacity: number): KernelCall {
  const fields: Param[] = [['capacity', 'u32']];
  const body = `
  if (t == 0u) {
    let k = params.capacity;
    for (var a = 0u; a < k; a = a + 1u) {
      let i = (state.oldest + a) % k;
      var dot = 0.0;
      for (var b = 0u; b < a; b = b + 1u) {
        let j = (state.oldest + b) % k;
        dot = dot + sy[j * k + i] * c[j];
      }
      c[i] = alpha[i] - rho[i] * (state.gamma * yq[i] + dot);
    }
  }`;
  return {
    kernel: moduleOf(
      'lbfgs second loop',
      [rw('c'), ro('alpha'), ro('yq'), ro('rho'), ro('sy'), ro('state', 'State')],
      fields,
      body,
      [1, 1, 1],
    ),
    params: packParams(fields, { capacity }),
  };
}

/** out += sign sum_r w[first + r] M_r over one group of rows (q = q0 - Y^T al; d += S^T c). */
export function addRowsKernel(n: number, first: number, rows: number, sign: 1 | -1): KernelCall {
  const fields: Param[] = [
    ['n', 'u32'],
    ['first', 'u32'],
    ['rows', 'u32'],
    ['sign', 'f32'],
  ];
  const body = `
  if (i < params.n) {
    var s = 0.0;
    for (var r = 0u; r < params.rows; r = r + 1u) { s = s + w[params.first + r] * M[r * params.n + i]; }
    out[i] = out[i] + params.sign * s;
  }`;
  return {
    kernel: moduleOf('lbfgs add rows', [rw('out'), ro('M'), ro('w')], fields, body, elementGrid(n)),
    params: packParams(fields, { n, first, rows, sign }),
  };
}

/** d = gamma q (the scaled first loop's result; the second loop's rows are added after). */
export function scaledCopyKernel(n: number): KernelCall {
  const fields: Param[] = [['n', 'u32']];
  return {
    kernel: moduleOf(
      'lbfgs gamma q',
      [rw('d'), ro('q'), ro('state', 'State')],
      fields,
      'if (i < params.n) { d[i] = state.gamma * q[i]; }',
      elementGrid(n),
    ),
    params: packParams(fields, { n }),
  };
}

/**
 * The step: x_new = x + length d (0 when not moving), projected into the box; s = x_new - x (the step actually
 * taken, for the next pair); gPrev = g.
 */
export function takeStepKernel(n: number, bounds: { lower: number; upper: number } | null): KernelCall {
  const fields: Param[] = [
    ['n', 'u32'],
    ['bounded', 'u32'],
    ['lower', 'f32'],
    ['upper', 'f32'],
  ];
  const body = `
  if (i < params.n) {
    let old = x[i];
    var proposed = 0.0;
    if (state.moving == 1u) { proposed = d[i] * state.stepLength; }
    var next = old + proposed;
    if (params.bounded == 1u) { next = clamp(next, params.lower, params.upper); }
    x[i] = next;
    sPrev[i] = next - old;
    gPrev[i] = g[i];
  }`;
  return {
    kernel: moduleOf(
      'lbfgs take step',
      [rw('x'), rw('sPrev'), rw('gPrev'), ro('d'), ro('g'), ro('state', 'State')],
      fields,
      body,
      elementGrid(n),
    ),
    params: packParams(fields, { n, bounded: bounds ? 1 : 0, lower: bounds?.lower ?? 0, upper: bounds?.upper ?? 0 }),
  };
}

/** iteration += 1 (last in the list). */
export function endIterationKernel(): KernelCall {
  const fields: Param[] = [['unused', 'u32']];
  return {
    kernel: moduleOf(
      'lbfgs end iteration',
      [rw('state', 'State')],
      fields,
      'if (t == 0u) { state.iteration = state.iteration + 1u + params.unused; }',
      [1, 1, 1],
    ),
    params: packParams(fields, { unused: 0 }),
  };
}

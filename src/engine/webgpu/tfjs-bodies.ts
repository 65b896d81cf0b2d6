// Our tuned WGSL kernels (wgsl/conv3x3.ts, wgsl/gram.ts) are written as TensorFlow.js webgpu program bodies: tfjs
// declares their bindings, a `uniforms` struct and the builtins (localId, workgroupId, ...) as module-level
// variables, then calls main(). This module declares the same around the same bodies, so that the recorded
// iteration runs exactly the kernels that were tuned on the H100, without tfjs.
import {
  chooseConv3x3Config,
  configName,
  configProblem,
  conv3x3Source,
  type Conv3x3Config,
  type ShaderShape,
  type Variant,
} from '../wgsl/conv3x3.js';
import {
  DEFAULT_GRAM_BACKWARD_CONFIG,
  DEFAULT_GRAM_FORWARD_CONFIG,
  gramBackwardSource,
  gramPartialSource,
  gramSplit,
  type GramSplit,
} from '../wgsl/gram.js';
import type { BindingKind, ComputeKernel } from './kernel.js';
import { MAX_GROUPS_PER_DIM } from './pass-list.js';

/** A kernel and the contents of its uniform buffer (its last binding). */
export interface KernelWithUniforms {
  kernel: ComputeKernel;
  uniforms: Int32Array;
}

interface Binding {
  name: string;
  kind: BindingKind;
  /** vec4 elements (4) or f32 (1). */
  components: 1 | 4;
}

function wrapBody(
  label: string,
  body: string,
  uniformFields: string,
  bindings: Binding[],
  workgroupSize: [number, number, number],
): Omit<ComputeKernel, 'workgroups'> {
  const declarations = bindings.map((b, i) => {
    const type = b.components === 4 ? 'array<vec4<f32>>' : 'array<f32>';
    return `@group(0) @binding(${i}) var<storage, ${b.kind}> ${b.name} : ${type};`;
  });
  const code = `
struct Uniforms { ${uniformFields} };
${declarations.join('\n')}
@group(0) @binding(${bindings.length}) var<uniform> uniforms : Uniforms;
var<private> localId : vec3<u32>;
var<private> localIndex : u32;
var<private> workgroupId : vec3<u32>;
var<private> numWorkgroups : vec3<u32>;
${body}
@compute @workgroup_size(${workgroupSize.join(', ')})
fn start(@builtin(local_invocation_id) lid : vec3<u32>, @builtin(local_invocation_index) lindex : u32,
         @builtin(workgroup_id) wid : vec3<u32>, @builtin(num_workgroups) nwg : vec3<u32>) {
  localId = lid;
  localIndex = lindex;
  workgroupId = wid;
  numWorkgroups = nwg;
  main();
}`;
  return { label, code, entryPoint: 'start', bindings: [...bindings.map((b) => b.kind), 'uniform'] };
}

/**
 * The 3x3 SAME convolution of an [h, w, cin] NHWC map: 'forward' = relu(conv(src, W) + b), bindings
 * (result [h w cout], src, weights [9 cin, cout], bias [cout], uniforms); 'backward' = conv(dy * (y > 0), Wback),
 * bindings (result [h w cout], dy [h w cin], y (the mask, as dy), backWeights [9 cin, cout], uniforms), where for
 * the backward cin is the layer's output channel count and cout its input channel count.
 */
export function conv3x3Kernel(
  variant: Variant,
  h: number,
  w: number,
  cin: number,
  cout: number,
  maxWorkgroupBytes: number,
  config: Conv3x3Config = chooseConv3x3Config(cout, h * w),
): KernelWithUniforms {
  const problem = configProblem(config, maxWorkgroupBytes);
  if (problem) throw new Error(`conv3x3 config ${configName(config)} cannot run: ${problem}`);
  const shape: ShaderShape = { variant, config, cin, cout };
  const va: 1 | 4 = cin % 4 === 0 ? 4 : 1;
  const vn: 1 | 4 = cout % 4 === 0 ? 4 : 1;
  const bindings: Binding[] =
    variant === 'forward'
      ? [
          { name: 'result', kind: 'read_write', components: vn },
          { name: 'src', kind: 'read', components: va },
          { name: 'weights', kind: 'read', components: vn },
          { name: 'bias', kind: 'read', components: vn },
        ]
      : [
          { name: 'result', kind: 'read_write', components: vn },
          { name: 'src', kind: 'read', components: va },
          { name: 'mask', kind: 'read', components: va },
          { name: 'weights', kind: 'read', components: vn },
        ];
  const rowTiles = Math.ceil((h * w) / config.tileM);
  const dispatchY = Math.min(rowTiles, MAX_GROUPS_PER_DIM);
  const base = wrapBody(
    `conv3x3 ${variant} ${configName(config)}`,
    conv3x3Source(shape),
    'outShape : vec4<i32>, srcShape : vec4<i32>,',
    bindings,
    [config.tileN / config.threadN, config.tileM / config.threadM, 1],
  );
  return {
    kernel: { ...base, workgroups: [Math.ceil(cout / config.tileN), dispatchY, Math.ceil(rowTiles / dispatchY)] },
    uniforms: Int32Array.from([1, h, w, cout, 1, h, w, cin]),
  };
}

/** Pass 1 of G = F^T F for F [m, n]: per chunk of positions, the upper-triangle tiles; bindings (partials [chunks n n], F, uniforms). */
export function gramPartialKernel(m: number, n: number, config = DEFAULT_GRAM_FORWARD_CONFIG): KernelWithUniforms & { split: GramSplit } {
  const split = gramSplit(m, n, config);
  const side = config.tile / config.micro;
  const base = wrapBody(
    `gram partial t${config.tile}`,
    gramPartialSource(config),
    'fShape : vec2<i32>, tilesPerSide : i32, chunk : i32,',
    [
      { name: 'result', kind: 'read_write', components: 1 },
      { name: 'F', kind: 'read', components: 1 },
    ],
    [side, side, 1],
  );
  return {
    kernel: { ...base, workgroups: [split.tilePairs, split.chunks, 1] },
    uniforms: Int32Array.from([m, n, split.tilesPerSide, split.chunk]),
    split,
  };
}

/** The tile side pass 1 uses (pass 2 must know which tiles were computed: those on or above the diagonal). */
export const GRAM_PARTIAL_TILE = DEFAULT_GRAM_FORWARD_CONFIG.tile;

/** dF = F (dG + dG^T) for F [m, n]; bindings (result [m n], F, dG [n n], uniforms). */
export function gramBackwardKernel(m: number, n: number, config = DEFAULT_GRAM_BACKWARD_CONFIG): KernelWithUniforms {
  const rowTiles = Math.ceil(m / config.tileM);
  const rowsY = Math.min(rowTiles, MAX_GROUPS_PER_DIM);
  const base = wrapBody(
    `gram backward ${config.tileM}x${config.tileN}`,
    gramBackwardSource(config),
    'fShape : vec2<i32>,',
    [
      { name: 'result', kind: 'read_write', components: 1 },
      { name: 'F', kind: 'read', components: 1 },
      { name: 'dG', kind: 'read', components: 1 },
    ],
    [config.tileN / config.microN, config.tileM / config.microM, 1],
  );
  return {
    kernel: { ...base, workgroups: [Math.ceil(n / config.tileN), rowsY, Math.ceil(rowTiles / rowsY)] },
    uniforms: Int32Array.from([m, n]),
  };
}

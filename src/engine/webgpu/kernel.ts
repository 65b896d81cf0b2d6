// One compute program of our own on a raw WebGPU device, outside TensorFlow.js: a whole WGSL module with its
// bindings listed in order, the workgroups it dispatches and the device features it needs. The recorded iteration
// (recorded-iteration.ts) makes each one's pipeline and bind group once per picture size and then only encodes it.

/** How binding i of group 0 is declared in the module: `var<storage, read>`, `var<storage, read_write>`, `var<uniform>`. */
export type BindingKind = 'read' | 'read_write' | 'uniform';

export interface ComputeKernel {
  /** Shown in Dawn's validation messages and GPU captures. */
  label: string;
  /** A whole WGSL module. */
  code: string;
  /** Its entry point (default `main`). */
  entryPoint?: string;
  /** Binding i of group 0, in order. */
  bindings: readonly BindingKind[];
  /** Workgroups to dispatch (each at most 65535). */
  workgroups: readonly [number, number, number];
  /** Device features the module needs beyond core WebGPU (e.g. 'shader-f16', 'chromium-experimental-subgroup-matrix'). */
  features?: readonly string[];
}

/** WGSL declarations of a kernel's bindings, given their names and element types (`array<f32>`, `Params`, ...). */
export function bindingDeclarations(bindings: readonly { kind: BindingKind; name: string; type: string }[]): string {
  return bindings
    .map((b, i) => {
      const space = b.kind === 'uniform' ? 'uniform' : `storage, ${b.kind}`;
      return `@group(0) @binding(${i}) var<${space}> ${b.name} : ${b.type};`;
    })
    .join('\n');
}

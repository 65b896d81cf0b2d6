// The VGG-19 convolution tensors the engine loads, in manifest order, with their shapes.
import { kerasName, VGG_CONV_LAYERS } from '../engine/vgg-layers.js';

/** Keras layer names of the 16 conv layers, in order. */
export const VGG19_CONV_LAYERS: readonly string[] = VGG_CONV_LAYERS.map(kerasName);

/** Output channels of each conv layer, in order. */
const VGG19_WIDTHS = [64, 64, 128, 128, 256, 256, 256, 256, 512, 512, 512, 512, 512, 512, 512, 512];

export interface TensorSpec {
  name: string;
  shape: number[];
}

/** Names and shapes of the 32 tensors (kernel [3,3,in,out] then bias [out] per layer), in manifest order. */
export function vgg19TensorSpecs(): TensorSpec[] {
  return VGG19_CONV_LAYERS.flatMap((layer, i) => {
    const inChannels = i === 0 ? 3 : VGG19_WIDTHS[i - 1]!;
    const outChannels = VGG19_WIDTHS[i]!;
    return [
      { name: `${layer}/kernel`, shape: [3, 3, inChannels, outChannels] },
      { name: `${layer}/bias`, shape: [outChannels] },
    ];
  });
}

// The 16 conv layers of VGG-19, named once for the engine and for the weights tools (no TensorFlow.js here).

/** In order, by their Gatys names (convX_Y = Keras blockX_convY). */
export const VGG_CONV_LAYERS = [
  'conv1_1',
  'conv1_2',
  'conv2_1',
  'conv2_2',
  'conv3_1',
  'conv3_2',
  'conv3_3',
  'conv3_4',
  'conv4_1',
  'conv4_2',
  'conv4_3',
  'conv4_4',
  'conv5_1',
  'conv5_2',
  'conv5_3',
  'conv5_4',
] as const;
export type VggConvLayer = (typeof VGG_CONV_LAYERS)[number];

/** conv3_2 -> block3_conv2, the name the Keras weights (and so the manifest) use. */
export function kerasName(layer: VggConvLayer): string {
  const [block, conv] = layer.slice(4).split('_');
  return `block${block}_conv${conv}`;
}

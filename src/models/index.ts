export { convertKerasH5, readKerasTensors, ModelFileError, type ConvertResult } from './convert.js';
export { fetchVgg19, convertLocalVgg19, md5OfFile, ChecksumError, type FetchOptions, type FetchResult } from './fetch.js';
export { verifyModelDir, type VerifyResult } from './verify.js';
export { readModelSource, resolveTargetDir, type ModelSource } from './checksums.js';
export { vgg19TensorSpecs, VGG19_CONV_LAYERS, type TensorSpec } from './layout.js';
export { writeWeightsDir, MANIFEST_FILE } from './weights-dir.js';

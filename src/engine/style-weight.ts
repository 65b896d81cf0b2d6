// The default style weight (beta) at each size, and the weight each coarse-to-fine scale uses.
//
// With this project's normalisation the content loss 1/2 sum (F - P)^2 is a sum over relu4_2's positions, so it
// grows with the pixel count, while each style term E_l = 1/(4 N^2 M^2) sum (G - A)^2 compares Gram matrices per
// position and does not. A fixed beta therefore weighs style 16 times more at 128 px than at 512 px. Measured
// (bench/quality.ts balance: the content loss of the painting itself over the style loss of the photo itself,
// tuebingen with starry_night, the_scream and great_wave), that ratio grows per doubling of the side by 3.8x and 4.0x
// (Starry Night: 54.6, 205, 813 at 128, 256, 512 px), 4.5x and 5.6x (The Scream: 30.6, 136, 764) and 4.8x (Great
// Wave: 41.5, 201 at 128, 256), i.e. as size^1.9 to size^2.5: about the pixel count. So beta follows the pixel
// count, anchored at 1e4 at 512 px, where the pictures match the paper's figure and the PyTorch reference.

/** beta at REFERENCE_SIDE: pictures like the paper's figure (shared/reference/README.md). */
export const REFERENCE_STYLE_WEIGHT = 1e4;
/** The longest side (px) the reference weight was chosen at. */
export const REFERENCE_SIDE = 512;
/** beta grows as (side / REFERENCE_SIDE)^SIZE_EXPONENT: the content term's growth with the pixel count. */
export const SIZE_EXPONENT = 2;

/**
 * The default style weight for a picture whose longest side is `size` px: 1e4 x (size / 512)^2, so 625 at 128 px,
 * 2500 at 256, 1e4 at 512, 4e4 at 1024, 1.6e5 at 2048. An explicit styleWeight always replaces it.
 * Throws RangeError for a size that is not a positive number.
 */
export function defaultStyleWeight(size: number): number {
  if (!(size > 0) || !Number.isFinite(size)) throw new RangeError(`size must be a positive number (got ${size}).`);
  return REFERENCE_STYLE_WEIGHT * (size / REFERENCE_SIDE) ** SIZE_EXPONENT;
}

/**
 * The style weight to use at a coarser scale of a run whose final size is `finalSize` with weight `weight`, so the
 * scale keeps the final picture's balance of content and style: weight x (scaleSize / finalSize)^2.
 */
export function styleWeightAtScale(weight: number, finalSize: number, scaleSize: number): number {
  return scaleSize === finalSize ? weight : weight * (scaleSize / finalSize) ** SIZE_EXPONENT;
}

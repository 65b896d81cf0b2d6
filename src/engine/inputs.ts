// Turns a request's encoded images into the pixels the optimisation works on: decoded at the working
// size, with the colour handling of the chosen preserveColors mode applied.
import { UserError } from '../errors.js';
import { combineLuminance, matchLuminance, reinhardTransfer, toLuminance } from './colour.js';
import { decodeImage, type RgbImage } from '../images/index.js';
import type { StylizeOptions, StylizeRequest } from './types.js';

/** Smallest side VGG-19 can take down to relu5_1 (four 2x2 poolings). */
export const MIN_SIDE = 16;

export interface PreparedInputs {
  /** Width and height of the output. */
  width: number;
  height: number;
  /** The content as the network sees it (luminance-only in 'luminance' mode); absent = texture synthesis. */
  content?: RgbImage;
  styles: { image: RgbImage; weight: number; name: string }[];
  /** Optimise one grey channel (replicated to RGB for VGG) instead of three. */
  grey: boolean;
  /** Turns the optimised pixels into the picture returned to the user. */
  finish: (output: RgbImage) => RgbImage;
}

export async function prepareInputs(request: StylizeRequest, options: StylizeOptions): Promise<PreparedInputs> {
  const originalContent = request.content ? await decodeImage(request.content, { longestSide: options.size }) : undefined;
  const styleSide = Math.max(16, Math.round(options.size * options.styleScale));
  const styles = await Promise.all(
    request.styles.map(async (s, i) => ({
      image: await decodeImage(s.image, { longestSide: styleSide }),
      weight: s.weight ?? 1,
      name: s.name ?? `style ${i + 1}`,
    })),
  );
  if (!originalContent && options.preserveColors !== 'none') {
    throw new UserError('bad_option', `preserve-colors ${options.preserveColors} needs a content image to take the colours from.`);
  }
  // Texture synthesis: the output takes the first style's aspect ratio.
  const shape = originalContent ?? styles[0]!.image;
  const scale = options.size / Math.max(shape.width, shape.height);
  const width = originalContent ? originalContent.width : Math.max(1, Math.round(shape.width * scale));
  const height = originalContent ? originalContent.height : Math.max(1, Math.round(shape.height * scale));
  const same = (img: RgbImage) => img;
  // VGG-19 halves the picture four times before relu5_1: below 16 px a side that layer would be empty.
  const tooSmall = [{ what: 'The output', w: width, h: height }, ...styles.map((s) => ({ what: `Style image "${s.name}"`, w: s.image.width, h: s.image.height }))]
    .find((p) => Math.min(p.w, p.h) < MIN_SIDE);
  if (tooSmall) {
    throw new UserError(
      'bad_option',
      `${tooSmall.what} would be ${tooSmall.w}x${tooSmall.h} px; each side must be at least ${MIN_SIDE} px. ` +
        'Use a larger size (or styleScale), or a picture that is less long and thin.',
    );
  }

  if (!originalContent || options.preserveColors === 'none') {
    return { width, height, content: originalContent, styles, grey: false, finish: same };
  }
  if (options.preserveColors === 'reinhard') {
    const recoloured = styles.map((s) => ({ ...s, image: reinhardTransfer(s.image, originalContent) }));
    return { width, height, content: originalContent, styles: recoloured, grey: false, finish: same };
  }
  // 'luminance' (Gatys et al. 2016): style transfer on luminance only, then the content's chroma put back.
  const contentY = toLuminance(originalContent);
  const greyStyles = styles.map((s) => ({ ...s, image: matchLuminance(toLuminance(s.image), contentY) }));
  return {
    width,
    height,
    content: contentY,
    styles: greyStyles,
    grey: true,
    finish: (output) => combineLuminance(output, originalContent),
  };
}

// Turns a request's encoded images into the pixels the optimisation works on: decoded at the working
// size, with the colour handling of the chosen preserveColors mode applied.
import { UserError } from '../errors.js';
import { combineLuminance, matchLuminance, reinhardTransfer, toLuminance } from './colour.js';
import { decodeImage, fitLongestSide, type RgbImage } from '../images/index.js';
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

/** A picture at the size the engine works on, named for messages ("The output", 'Style image "x"'). */
export interface WorkingShape {
  what: string;
  width: number;
  height: number;
}

/**
 * Throws UserError('bad_option') when a picture at its working size has a side under MIN_SIDE px: VGG-19 halves
 * the picture four times before relu5_1 (Simonyan and Zisserman 2015), so below 16 px that layer would be empty.
 */
export function checkWorkingShapes(shapes: readonly WorkingShape[]): void {
  const tooSmall = shapes.find((p) => Math.min(p.width, p.height) < MIN_SIDE);
  if (tooSmall) {
    throw new UserError(
      'bad_option',
      `${tooSmall.what} would be ${tooSmall.width}x${tooSmall.height} px; each side must be at least ${MIN_SIDE} px. ` +
        'Use a larger size (or styleScale), or a picture that is less long and thin.',
    );
  }
}

/**
 * The working shapes of a request from the pictures' own sizes (width x height in px, e.g. from probeImage),
 * before anything is decoded: the output at `size` on its longest side (the content's aspect, else the first
 * style's), each style at round(size * styleScale) (at least 16). The job core checks these at intake.
 */
export function plannedShapes(
  content: { width: number; height: number } | undefined,
  styles: readonly { name: string; width: number; height: number }[],
  options: Pick<StylizeOptions, 'size' | 'styleScale'>,
): WorkingShape[] {
  const styleSide = Math.max(16, Math.round(options.size * options.styleScale));
  const shape = content ?? styles[0];
  const output = shape ? fitLongestSide(shape.width, shape.height, options.size) : { width: options.size, height: options.size };
  return [
    { what: 'The output', ...output },
    ...styles.map((s) => ({ what: `Style image "${s.name}"`, ...fitLongestSide(s.width, s.height, styleSide) })),
  ];
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
  checkWorkingShapes([
    { what: 'The output', width, height },
    ...styles.map((s) => ({ what: `Style image "${s.name}"`, width: s.image.width, height: s.image.height })),
  ]);

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

// Fetching an attachment safely: the reported size is checked before downloading, the real size after, and the
// bytes are probed (type, pixel count, decodability) with a message the user understands.
import { isUserError, userMessageFor } from '../src/errors.js';
import { ImageError, probeImage } from '../src/images/index.js';
import { defaultLogger } from '../src/logger.js';
import { code, type RichText, say } from './reply.js';
import type { Attachment, CommandContext, RefusalCode } from './types.js';
import { refusalCodeOf } from './refusal.js';

export type Download = { ok: true; bytes: Uint8Array } | { ok: false; message: RichText; code: RefusalCode };

export async function downloadImage(attachment: Attachment, context: CommandContext, role: string): Promise<Download> {
  const { maxImageBytes, maxImagePixels } = context.limits;
  const label = say`The ${role} ${code(attachment.name)}`;
  if (attachment.contentType && !attachment.contentType.startsWith('image/')) {
    return {
      ok: false,
      code: 'not_image',
      message: say`${label} is not an image (${attachment.contentType}). Send a JPEG, PNG, WebP or GIF.`,
    };
  }
  if (attachment.size > maxImageBytes) {
    return {
      ok: false,
      code: 'too_large',
      message: say`${label} is ${megabytes(attachment.size)}; the limit is ${megabytes(maxImageBytes)}.`,
    };
  }
  let bytes: Uint8Array;
  try {
    bytes = await attachment.fetch();
  } catch (error) {
    // A refusal (another host, too large) is the user's to read; a network or server failure is logged.
    if (isUserError(error)) return { ok: false, code: refusalCodeOf(error.code), message: say`${label}: ${error.message}` };
    const { text } = userMessageFor(error, context.logger ?? defaultLogger(), { attachment: attachment.name, stage: 'download' });
    return { ok: false, code: 'internal', message: say`${label} could not be downloaded. ${text}` };
  }
  if (bytes.byteLength > maxImageBytes) {
    return {
      ok: false,
      code: 'too_large',
      message: say`${label} is ${megabytes(bytes.byteLength)}; the limit is ${megabytes(maxImageBytes)}.`,
    };
  }
  try {
    await probeImage(bytes, { maxBytes: maxImageBytes, maxPixels: maxImagePixels });
  } catch (error) {
    if (error instanceof ImageError) {
      const code = error.code === 'too_large' || error.code === 'too_many_pixels' ? 'too_large' : 'not_image';
      return { ok: false, code, message: say`${label}: ${error.message}` };
    }
    throw error;
  }
  return { ok: true, bytes };
}

function megabytes(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

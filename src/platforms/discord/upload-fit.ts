// Discord refuses a message whose files exceed the interaction's attachment size limit (10 MiB on a server without
// boosts; interactions carry the limit that applies). A finished PNG over it (a 2048 px upscale can be) goes out as
// a high-quality JPEG, then WebP, and the message says so; when nothing fits, the text goes without the picture, so
// the delivery succeeds rather than being retried forever by the outbox.
import sharp from 'sharp';
import { DiscordAPIError } from 'discord.js';
import { plain, type Reply, type ReplyImage } from '../../../commands/reply.js';

/** Discord's attachment limit when the interaction names none (bytes). */
export const DEFAULT_ATTACHMENT_LIMIT = 10 * 1024 * 1024;

/** Encodings tried in order when the PNG is too large: quality on libvips' 1..100 scale. */
const FALLBACKS = [
  { format: 'jpeg', quality: 92 },
  { format: 'jpeg', quality: 82 },
  { format: 'webp', quality: 80 },
  { format: 'jpeg', quality: 65 },
] as const;

/**
 * The view with a picture that fits `limitBytes` (a positive byte count): unchanged when the image already fits;
 * else re-encoded by the first of FALLBACKS that fits, with a line naming the format and both sizes; else without
 * the picture and with a line saying it is too large to post here. Never throws for an image sharp cannot read: the
 * picture is then left out the same way.
 */
export async function fitUpload<T extends Reply>(view: T, limitBytes: number): Promise<T> {
  const image = view.image;
  if (!image || image.data.length <= limitBytes) return view;
  const base = image.name.replace(/\.[a-z0-9]+$/i, '');
  for (const { format, quality } of FALLBACKS) {
    let data: Buffer;
    try {
      data = await sharp(image.data)[format]({ quality }).toBuffer();
    } catch {
      break;
    }
    if (data.length > limitBytes) continue;
    const smaller: ReplyImage = {
      data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
      name: `${base}.${format === 'jpeg' ? 'jpg' : 'webp'}`,
    };
    const note = `\nThe PNG (${megabytes(image.data.length)}) is over this channel's upload limit (${megabytes(limitBytes)}): sent as ${format === 'jpeg' ? 'JPEG' : 'WebP'} (quality ${quality}, ${megabytes(data.length)}).`;
    return { ...view, image: smaller, text: [...view.text, ...plain(note)] };
  }
  return withoutPicture(view, image.data.length, limitBytes);
}

/** The view without its picture, saying why (the picture of `bytes` bytes is over `limitBytes`). */
export function withoutPicture<T extends Reply>(view: T, bytes: number, limitBytes?: number): T {
  const limit = limitBytes ? ` (${megabytes(limitBytes)})` : '';
  const note = `\nThe picture (${megabytes(bytes)}) is too large to post here even as a JPEG${limit}. A smaller size fits.`;
  const out: T = { ...view, text: [...view.text, ...plain(note)] };
  delete out.image;
  return out;
}

/** Discord's answer to a body over the limit: 413, or error 40005 "Request entity too large". */
export function isTooLarge(error: unknown): boolean {
  return error instanceof DiscordAPIError && (error.status === 413 || error.code === 40005);
}

function megabytes(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / (1024 * 1024)).toFixed(1)} MiB` : `${Math.max(1, Math.round(bytes / 1024))} KiB`;
}

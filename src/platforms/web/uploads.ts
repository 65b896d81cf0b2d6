// multipart/form-data in, a CommandRequest's args and attachments out. File parts are read into memory up to the
// byte limit the bots use (STYLEBOT_MAX_IMAGE_BYTES); the pixel limit and the decoding check happen in
// commands/download.ts, as for a Discord or Slack attachment.
import type { FastifyRequest } from 'fastify';
import type { ArgValue, Attachment } from '../../../commands/types.js';

/** File fields and the attachment names the commands know (Discord's option names). */
const STYLE_SLOTS = ['style', 'style2', 'style3'];
const SINGLE_FILE_FIELDS = new Set(['content', 'style2', 'style3', 'image', 'image1', 'image2']);

export class UploadError extends Error {
  constructor(
    readonly status: 400 | 413,
    readonly code: 'invalid' | 'too_large',
    message: string,
  ) {
    super(message);
    this.name = 'UploadError';
  }
}

export interface Upload {
  args: Record<string, ArgValue>;
  attachments: Record<string, Attachment>;
}

/** What the role of a file field is called in messages, as commands/stylize.ts and compare.ts word it. */
function roleOf(field: string): string {
  if (field === 'content') return 'content image';
  if (field.startsWith('style')) return 'style image';
  if (field === 'image') return 'artwork';
  return field === 'image1' ? 'first image' : 'second image';
}

/** Reads every part of a multipart request. Throws UploadError (413 for a file over the byte limit). */
export async function readUpload(request: FastifyRequest, maxImageBytes: number): Promise<Upload> {
  const args: Record<string, ArgValue> = {};
  const attachments: Record<string, Attachment> = {};
  const fieldsSeen = new Set<string>();
  let styles = 0;
  if (!request.isMultipart()) throw new UploadError(400, 'invalid', 'Send the images as multipart/form-data.');
  for await (const part of request.parts()) {
    if (part.type === 'field') {
      const value = typeof part.value === 'string' ? part.value.trim() : '';
      // A field sent twice (size=5000&size=32) is ambiguous: refused rather than the last one silently taken.
      if (Object.hasOwn(args, part.fieldname) || fieldsSeen.has(part.fieldname)) {
        throw new UploadError(400, 'invalid', `The field "${part.fieldname}" was sent more than once: send each field once.`);
      }
      fieldsSeen.add(part.fieldname);
      if (value !== '') args[part.fieldname] = value;
      continue;
    }
    const field = part.fieldname;
    if (!part.filename) {
      await part.toBuffer(); // an empty file input
      continue;
    }
    let slot: string;
    if (field === 'style' || field === 'style1') {
      if (styles >= STYLE_SLOTS.length) throw new UploadError(400, 'invalid', 'At most three style images can be blended.');
      slot = STYLE_SLOTS[styles++]!;
    } else if (SINGLE_FILE_FIELDS.has(field)) {
      slot = field;
      if (field.startsWith('style')) styles = Math.max(styles, Number(field.slice(5)));
    } else {
      throw new UploadError(
        400,
        'invalid',
        `Unknown file field "${field}": use content, style (up to three times), image, image1 or image2.`,
      );
    }
    let bytes: Buffer;
    try {
      bytes = await part.toBuffer();
    } catch (error) {
      if ((error as { code?: string }).code === 'FST_REQ_FILE_TOO_LARGE') {
        const limit = `${(maxImageBytes / (1024 * 1024)).toFixed(1)} MB`;
        throw new UploadError(413, 'too_large', `The ${roleOf(slot)} \`${part.filename}\` is larger than ${limit}; the limit is ${limit}.`);
      }
      throw error;
    }
    const data = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    // Browsers send octet-stream for anything they do not recognise; the image probe then decides.
    const contentType = part.mimetype && part.mimetype !== 'application/octet-stream' ? part.mimetype : undefined;
    attachments[slot] = { name: part.filename, ...(contentType ? { contentType } : {}), size: data.byteLength, fetch: async () => data };
  }
  return { args, attachments };
}

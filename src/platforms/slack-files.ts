// Slack file objects (from app_mention events) as command Attachments: validated shape, size checked against
// the limit before downloading, downloaded from url_private with the bot token and capped while reading.
import type { Attachment } from '../../commands/types.js';
import { readCappedBody } from './capped-body.js';

export type FilesResult = { ok: true; attachments: Record<string, Attachment> } | { ok: false; message: string };

/**
 * Turns event.files into ordered attachments ("0", "1", ...). A file Slack gives us no link for, or a malformed
 * entry, is an error with a message for the user.
 */
export function slackAttachments(files: unknown, botToken: string, maxBytes: number): FilesResult {
  if (files === undefined || files === null) return { ok: true, attachments: {} };
  if (!Array.isArray(files)) return { ok: false, message: 'I could not read the files of that message (Slack sent something I did not expect).' };
  const attachments: Record<string, Attachment> = {};
  for (const [index, file] of files.entries()) {
    if (typeof file !== 'object' || file === null) {
      return { ok: false, message: `I could not read file ${index + 1} of that message.` };
    }
    const f = file as Record<string, unknown>;
    const name = typeof f.name === 'string' && f.name !== '' ? f.name : typeof f.title === 'string' ? f.title : `file-${index + 1}`;
    const url = typeof f.url_private_download === 'string' ? f.url_private_download : typeof f.url_private === 'string' ? f.url_private : undefined;
    if (!url) {
      return {
        ok: false,
        message: `Slack did not give me a link to \`${name}\`, so I cannot read it (files shared from another workspace or still uploading can't be read). Upload the image directly in this channel.`,
      };
    }
    const size = typeof f.size === 'number' && Number.isFinite(f.size) && f.size >= 0 ? f.size : 0;
    attachments[String(index)] = {
      name,
      contentType: typeof f.mimetype === 'string' && f.mimetype !== '' ? f.mimetype : undefined,
      size,
      fetch: () => downloadSlackFile(url, botToken, maxBytes, name),
    };
  }
  return { ok: true, attachments };
}

/** Downloads a url_private with the bot token; refuses more than maxBytes while reading (the reported size can lie). */
export async function downloadSlackFile(url: string, botToken: string, maxBytes: number, name = 'file'): Promise<Uint8Array> {
  const response = await fetch(url, { headers: { Authorization: `Bearer ${botToken}` }, signal: AbortSignal.timeout(60_000) });
  if (!response.ok) {
    await response.body?.cancel();
    throw new Error(`Slack answered HTTP ${response.status}`);
  }
  if ((response.headers.get('content-type') ?? '').startsWith('text/html')) {
    // What Slack sends when the token may not read the file: its sign-in page.
    await response.body?.cancel();
    throw new Error('Slack sent a sign-in page instead of the file: the app needs the files:read permission');
  }
  const tooLarge = (): Error => new Error(`\`${name}\` is larger than ${Math.round(maxBytes / (1024 * 1024))} MB`);
  const declared = Number(response.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > maxBytes) {
    await response.body?.cancel();
    throw tooLarge();
  }
  const body = await readCappedBody(response.body, maxBytes);
  if (body.tooLarge) throw tooLarge();
  return body.bytes;
}

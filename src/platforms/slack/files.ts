// Slack file objects (from app_mention events) as command Attachments: validated shape, size checked against
// the limit before downloading, downloaded through platform-fetch.ts: only from Slack's file origin, with the bot
// token sent only there, capped while reading.
import { code, plain, type RichText, say } from '../../../commands/reply.js';
import type { Attachment } from '../../../commands/types.js';
import { UserError } from '../../errors.js';
import type { Logger } from '../../logger.js';
import { fetchPlatformFile } from '../shared/platform-fetch.js';

export type FilesResult = { ok: true; attachments: Record<string, Attachment> } | { ok: false; message: RichText };

/** How files are fetched: the bot token, the byte limit, Slack's file origins (fileOrigins()) and the logger. */
export interface SlackFileSource {
  botToken: string;
  maxBytes: number;
  /** SLACK_FILE_ORIGINS plus the API URL's origin when one is configured; the token goes to these only. */
  allowedOrigins: readonly string[];
  logger: Logger;
}

/**
 * Turns event.files into ordered attachments ("0", "1", ...). A file Slack gives us no link for, or a malformed
 * entry, is an error with a message for the user.
 */
export function slackAttachments(files: unknown, source: SlackFileSource): FilesResult {
  if (files === undefined || files === null) return { ok: true, attachments: {} };
  if (!Array.isArray(files))
    return { ok: false, message: plain('I could not read the files of that message (Slack sent something I did not expect).') };
  const attachments: Record<string, Attachment> = {};
  for (const [index, file] of files.entries()) {
    if (typeof file !== 'object' || file === null) {
      return { ok: false, message: say`I could not read file ${index + 1} of that message.` };
    }
    const f = file as Record<string, unknown>;
    const name = typeof f.name === 'string' && f.name !== '' ? f.name : typeof f.title === 'string' ? f.title : `file-${index + 1}`;
    const url =
      typeof f.url_private_download === 'string' ? f.url_private_download : typeof f.url_private === 'string' ? f.url_private : undefined;
    if (!url) {
      return {
        ok: false,
        message: say`Slack did not give me a link to ${code(name)}, so I cannot read it (files shared from another workspace or still uploading can't be read). Upload the image directly in this channel.`,
      };
    }
    const size = typeof f.size === 'number' && Number.isFinite(f.size) && f.size >= 0 ? f.size : 0;
    attachments[String(index)] = {
      name,
      contentType: typeof f.mimetype === 'string' && f.mimetype !== '' ? f.mimetype : undefined,
      size,
      fetch: () => downloadSlackFile(url, source, name),
    };
  }
  return { ok: true, attachments };
}

/**
 * Downloads a url_private with the bot token (sent to Slack's file origins only); refuses other origins and more
 * than maxBytes while reading (the reported size can lie). UserError for what the user can act on.
 */
export async function downloadSlackFile(url: string, source: SlackFileSource, name = 'file'): Promise<Uint8Array> {
  const { bytes, contentType } = await fetchPlatformFile(url, {
    platform: 'Slack',
    allowedOrigins: source.allowedOrigins,
    credentials: { headers: { Authorization: `Bearer ${source.botToken}` }, origins: source.allowedOrigins },
    maxBytes: source.maxBytes,
    name,
    logger: source.logger,
  });
  if (contentType.startsWith('text/html')) {
    // What Slack sends when the token may not read the file: its sign-in page.
    throw new UserError('bad_request', 'Slack sent a sign-in page instead of the file: the app needs the files:read permission');
  }
  return bytes;
}

// The one place where the bot fetches a URL taken from a chat event (an attachment, a Slack file). Only the
// platform's own file origins are fetched (scheme, host and port compared, as URL.origin has them), redirects are
// followed by hand and only within the same set, credentials go only to the origins named for them, and the body
// is capped while it is read. Anything else is a UserError('foreign_file') and a log line.
import { UserError } from '../../errors.js';
import type { Logger } from '../../logger.js';
import { readCappedBody } from './capped-body.js';

/** Where Discord serves attachments. */
export const DISCORD_FILE_ORIGINS: readonly string[] = ['https://cdn.discordapp.com', 'https://media.discordapp.net'];
/** Where Slack serves url_private / url_private_download. */
export const SLACK_FILE_ORIGINS: readonly string[] = ['https://files.slack.com'];

const MAX_REDIRECTS = 5;

/**
 * The platform's file origins, plus the origin of a configured API base (DISCORD_API_BASE, SLACK_API_URL: a local
 * stand-in in tests, or a proxy the operator set up), which then also serves the files.
 */
export function fileOrigins(platformOrigins: readonly string[], apiBase?: string): string[] {
  const origins = new Set(platformOrigins);
  if (apiBase) origins.add(new URL(apiBase).origin);
  return [...origins];
}

export interface PlatformFetchOptions {
  /** Platform name for messages: "Discord", "Slack". */
  platform: string;
  /** Origins ("https://cdn.discordapp.com") the file may come from, redirects included. */
  allowedOrigins: readonly string[];
  /** Sent only to URLs whose origin is in credentialOrigins (e.g. Slack's Authorization: Bearer). */
  credentials?: { headers: Record<string, string>; origins: readonly string[] };
  /** The most bytes read; more is a UserError('too_large'). */
  maxBytes: number;
  /** What the user calls the file (its name), for messages. */
  name: string;
  logger: Logger;
  timeoutMs?: number;
}

/** The origin of a URL, or undefined when it is not an absolute http(s) URL. */
function originOf(url: string): string | undefined {
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'https:' || parsed.protocol === 'http:' ? parsed.origin : undefined;
  } catch {
    return undefined;
  }
}

/**
 * GETs a file from the platform's own file origins. Throws UserError('foreign_file') for a URL (or a redirect) to
 * any other origin, UserError('too_large') past maxBytes; other failures (HTTP status, network) are plain Errors.
 * Returns the response (already checked: 2xx) with its body read.
 */
export async function fetchPlatformFile(url: string, options: PlatformFetchOptions): Promise<{ bytes: Uint8Array; contentType: string }> {
  const { allowedOrigins, credentials, logger, platform, name } = options;
  const signal = AbortSignal.timeout(options.timeoutMs ?? 60_000);
  let current = url;
  for (let hop = 0; ; hop++) {
    const origin = originOf(current);
    if (!origin || !allowedOrigins.includes(origin)) {
      logger.warn({ platform, file: name, url: current, firstUrl: url, hop }, 'refused to fetch a file outside the platform file origins');
      throw new UserError(
        'foreign_file',
        hop === 0
          ? `\`${name}\` links to a server that is not ${platform}'s own file server, so I did not download it. Upload the image directly instead.`
          : `\`${name}\` redirected to a server that is not ${platform}'s own file server, so I did not download it. Upload the image directly instead.`,
      );
    }
    const headers = credentials && credentials.origins.includes(origin) ? credentials.headers : {};
    const response = await fetch(current, { headers, redirect: 'manual', signal });
    if (response.status >= 300 && response.status < 400) {
      await response.body?.cancel();
      const location = response.headers.get('location');
      if (!location || hop >= MAX_REDIRECTS)
        throw new Error(`${platform}'s file server sent ${hop >= MAX_REDIRECTS ? 'too many redirects' : 'a redirect without a location'}`);
      current = new URL(location, current).href;
      continue;
    }
    if (!response.ok) {
      await response.body?.cancel();
      throw new Error(`${platform}'s file server answered HTTP ${response.status}`);
    }
    const tooLarge = () => new UserError('too_large', `\`${name}\` is larger than ${Math.round(options.maxBytes / (1024 * 1024))} MB.`);
    const declared = Number(response.headers.get('content-length'));
    if (Number.isFinite(declared) && declared > options.maxBytes) {
      await response.body?.cancel();
      throw tooLarge();
    }
    const body = await readCappedBody(response.body, options.maxBytes);
    if (body.tooLarge) throw tooLarge();
    return { bytes: body.bytes, contentType: response.headers.get('content-type') ?? '' };
  }
}

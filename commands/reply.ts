// A reply as data: text runs, buttons and an image. The commands build it; each adapter renders it for its
// platform (src/platforms/discord/render.ts: Discord markdown; src/platforms/slack/render.ts: Slack mrkdwn and Block
// Kit; plainText below: the studio, the JSON API and logs). No markup travels inside the strings.

/**
 * One run of text. plain: the bot's own words; bold and code: the bot's emphasis (their text may hold a user's
 * string, so renderers escape it); user: a string a user supplied (a file, artist or work name, a word they typed),
 * shown exactly as given, never as markup; mention: a person of the platform, by id.
 */
export type Run =
  | { kind: 'plain'; text: string }
  | { kind: 'bold'; text: string }
  | { kind: 'code'; text: string }
  | { kind: 'user'; text: string }
  | { kind: 'mention'; userId: string };

/** Text as runs in reading order; a line break is a "\n" inside a plain run. */
export type RichText = readonly Run[];

/** A button offered under a message; the adapter renders it and routes presses back as commands. */
export interface ActionButton {
  /** e.g. "rerun", "stronger", "cancel" */
  action: string;
  label: string;
  jobId: string;
}

/** A picture (or any file) sent with a reply: its bytes and the file name it is sent under. */
export interface ReplyImage {
  data: Uint8Array;
  name: string;
}

/** What any message of the bot holds; CommandReply and StatusView add what their adapters need. */
export interface Reply {
  text: RichText;
  image?: ReplyImage;
  buttons?: ActionButton[];
}

export function bold(text: string): Run {
  return { kind: 'bold', text };
}

export function code(text: string): Run {
  return { kind: 'code', text };
}

/** A string a user supplied: shown as given on every platform (escaped, never formatted, never a link or ping). */
export function user(text: string): Run {
  return { kind: 'user', text };
}

export function mention(userId: string): Run {
  return { kind: 'mention', userId };
}

/** Text of the bot's own words only (also a message that comes from the job core or the engine). */
export function plain(text: string): RichText {
  return text === '' ? [] : [{ kind: 'plain', text }];
}

/** A piece of a say`...` template: strings and numbers are the bot's words, runs and rich text go in as they are. */
export type Piece = string | number | Run | RichText;

/**
 * Builds rich text from a template: say`Job ${code(id)} queued in the style of ${user(name)}.` The literal parts and
 * interpolated strings and numbers are plain runs; a user's string must be wrapped in user() (or bold/code).
 */
export function say(strings: TemplateStringsArray, ...values: Piece[]): RichText {
  const runs: Run[] = [];
  strings.forEach((literal, i) => {
    append(runs, literal);
    if (i < values.length) append(runs, values[i]!);
  });
  return runs;
}

/** The texts one after another, with `separator` (the bot's words, e.g. ", " or "\n") between them. */
export function join(texts: readonly Piece[], separator: string): RichText {
  const runs: Run[] = [];
  texts.forEach((text, i) => {
    if (i > 0) append(runs, separator);
    append(runs, text);
  });
  return runs;
}

/** The texts as lines. */
export function lines(...texts: Piece[]): RichText {
  return join(texts, '\n');
}

/**
 * The one plain-text rendering: what the studio's page and JSON API, logs and notifications show. Every run's text
 * as it is; a mention as "@ID".
 */
export function plainText(text: RichText): string {
  return text.map((run) => (run.kind === 'mention' ? `@${run.userId}` : run.text)).join('');
}

function append(runs: Run[], piece: Piece): void {
  if (typeof piece === 'string' || typeof piece === 'number') {
    const text = String(piece);
    if (text === '') return;
    const last = runs[runs.length - 1];
    if (last?.kind === 'plain') runs[runs.length - 1] = { kind: 'plain', text: last.text + text };
    else runs.push({ kind: 'plain', text });
    return;
  }
  if (isRun(piece)) {
    if (piece.kind === 'plain') append(runs, piece.text);
    else runs.push(piece);
    return;
  }
  for (const run of piece) append(runs, run);
}

function isRun(piece: Run | RichText): piece is Run {
  return !Array.isArray(piece);
}

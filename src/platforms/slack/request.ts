// Slack's requests read into what a command needs: a message event (slackMessageOf), a button press (buttonPressOf),
// and the words people write after @stylebot (or after /stylize), turned into a command name and snake_case
// arguments (the same names the Discord options use) by parseMention, e.g.
//   "@stylebot artist monet iterations 300 preserve colors"  -> stylize { artist: 'monet', iterations: 300, preserve_colors: 'luminance' }
//   "@stylebot quota set @ann jobs per day 50"               -> quota/set { user: 'U123', jobs_per_day: 50 }
// Pure data work: no Slack API, so it is unit-tested on its own.
import { code, join, type RichText, say, user } from '../../../commands/reply.js';
import type { ArgValue } from '../../../commands/types.js';
import { fieldsFor, snakeName, type OptionField } from '../../options/fields.js';

export interface ParsedMention {
  command: string;
  subcommand?: string;
  args: Record<string, ArgValue>;
  /** User-facing problems ("iterations needs a number ..."); the adapter answers with them instead of running. */
  errors: RichText[];
}

type Kind = 'number' | 'word' | 'flag' | 'rest';
interface Phrase {
  words: string[];
  key: string;
  kind: Kind;
  /** The value of a flag, or the allowed values of a word option. */
  value?: ArgValue;
  choices?: string[];
}

function phrase(text: string, key: string, kind: Kind, extra: Partial<Phrase> = {}): Phrase {
  return { words: text.split(' '), key, kind, ...extra };
}

/** The Slack words of one option-table field: its name as words ("style weight"), its other words, its flags. */
function fieldPhrases(field: OptionField): Phrase[] {
  const key = snakeName(field);
  const kind: Kind = field.kind === 'integer' || field.kind === 'number' ? 'number' : 'word';
  const choices = field.kind === 'choice' ? [...field.choices] : undefined;
  // "preserve colors" is both the option's name and a flag (luminance): matchPhrase picks by what follows.
  const names = [field.name.replace(/-/g, ' '), ...(field.slackWords ?? [])];
  const phrases = names.map((text) => phrase(text, key, kind, choices ? { choices } : {}));
  if (field.kind === 'choice') {
    for (const [text, value] of Object.entries(field.slackFlags ?? {})) phrases.push(phrase(text, key, 'flag', { value }));
  }
  return phrases;
}

const STYLIZE_PHRASES: Phrase[] = [
  ...fieldsFor('slack').flatMap(fieldPhrases),
  phrase('texture', 'texture', 'flag', { value: true }),
  phrase('no content', 'texture', 'flag', { value: true }),
  phrase('artist', 'artist', 'rest'),
];

const QUOTA_PHRASES: Phrase[] = [
  phrase('jobs per day', 'jobs_per_day', 'number'),
  phrase('jobs', 'jobs_per_day', 'number'),
  phrase('gpu seconds per day', 'gpu_seconds_per_day', 'number'),
  phrase('gpu seconds', 'gpu_seconds_per_day', 'number'),
  phrase('seconds', 'gpu_seconds_per_day', 'number'),
  phrase('max queued', 'max_queued', 'number'),
  phrase('queued', 'max_queued', 'number'),
  phrase('max size', 'max_size', 'number'),
  phrase('size', 'max_size', 'number'),
  phrase('max iterations', 'max_iterations', 'number'),
  phrase('iterations', 'max_iterations', 'number'),
];

const STATS_PHRASES: Phrase[] = [phrase('days', 'days', 'number')];

const SUBCOMMANDS: Record<string, string[]> = {
  quota: ['show', 'set', 'reset', 'defaults'],
  artist: ['add', 'remove'],
};

const ALIASES: Record<string, string> = {
  help: 'help',
  '?': 'help',
  artists: 'artists',
  jobs: 'jobs',
  queue: 'jobs',
  cancel: 'cancel',
  stop: 'cancel',
  compare: 'compare',
  distance: 'compare',
  quota: 'quota',
  stats: 'stats',
  stylize: 'stylize',
  stylise: 'stylize',
  paint: 'stylize',
};

/** Slack markup: user mentions <@U123> or <@U123|ann>, channel and link markup <#C1|x>, <http://x|x>. */
const USER_MENTION = /<@([A-Z0-9]+)(?:\|[^>]*)?>/gi;
const OTHER_MARKUP = /<[^>]*>/g;

/**
 * Parses the text of a mention or slash command. botUserId: the bot's own user id, whose mentions are dropped;
 * any other user mention becomes args.user (the target of admin commands).
 */
export function parseMention(text: string, botUserId?: string): ParsedMention {
  const users: string[] = [];
  const cleaned = String(text ?? '')
    .replace(USER_MENTION, (_, id: string) => {
      if (id !== botUserId) users.push(id);
      return ' ';
    })
    .replace(OTHER_MARKUP, ' ')
    .replace(/&amp;/g, '&')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/[\u2018\u2019\u201c\u201d]/g, '"');
  // A bot mention at the start is already gone; anything left that is not ours (another mention) is a target user.
  const tokens = tokenize(cleaned);
  const result: ParsedMention = { command: 'stylize', args: {}, errors: [] };
  if (users[0] !== undefined) result.args.user = users[0];

  let rest = tokens;
  const first = tokens[0]?.toLowerCase();
  const second = tokens[1]?.toLowerCase();
  if (first !== undefined && ALIASES[first] !== undefined) {
    result.command = ALIASES[first];
    rest = tokens.slice(1);
  } else if (first === 'artist' && second !== undefined && SUBCOMMANDS.artist?.includes(second)) {
    // "artist add NAME" is the admin command; "artist monet" is a stylize option.
    result.command = 'artist';
    rest = tokens.slice(1);
  }

  const subs = SUBCOMMANDS[result.command];
  if (subs) {
    const sub = rest[0]?.toLowerCase();
    if (sub !== undefined && subs.includes(sub)) {
      result.subcommand = sub;
      rest = rest.slice(1);
    } else if (result.command === 'quota') {
      result.subcommand = 'show';
    } else {
      result.errors.push(say`Say ${code(`${result.command} ${subs.join('|')}`)}.`);
      return result;
    }
  }

  switch (result.command) {
    case 'stylize':
      readOptions(rest, STYLIZE_PHRASES, result);
      break;
    case 'quota':
      readOptions(rest, QUOTA_PHRASES, result);
      break;
    case 'stats':
      readOptions(rest, STATS_PHRASES, result);
      break;
    case 'cancel':
      if (rest[0] === undefined) result.errors.push(say`Which job? Say ${code('cancel JOB_ID')} (${code('jobs')} lists yours).`);
      else result.args.job_id = rest[0];
      ignoreExtra(rest.slice(1), result);
      break;
    case 'artists':
      if (rest.length > 0) result.args.artist = rest.join(' ').toLowerCase();
      break;
    case 'artist':
      readArtistAdmin(rest, result);
      break;
    default:
      // help, jobs, compare take no words
      ignoreExtra(rest, result);
  }
  return result;
}

/** Words (case kept: job ids and file names need it); "key=value" split in two; "--style-weight" and
 *  "style_weight" read as "style weight". */
function tokenize(text: string): string[] {
  const out: string[] = [];
  for (const raw of text.trim().split(/\s+/)) {
    if (raw === '') continue;
    const word = raw.replace(/^[,;:]+|[,;:.!?]+$/g, '');
    if (word === '') continue;
    const eq = word.indexOf('=');
    const parts = eq > 0 ? [word.slice(0, eq), word.slice(eq + 1)] : [word];
    for (const part of parts) {
      // "--style-weight" -> "style-weight", but "-5" stays a negative number (the option check refuses it).
      const bare = part.replace(/^--?(?=[a-z])/i, '');
      const words = bare.toLowerCase().split(/[-_]/);
      if (/^[a-z]+([-_][a-z]+)+$/i.test(bare) && isPhraseStart(words)) out.push(...words);
      else if (bare !== '') out.push(bare);
    }
  }
  return out;
}

function isPhraseStart(words: string[]): boolean {
  return [...STYLIZE_PHRASES, ...QUOTA_PHRASES].some((p) => words.every((w, i) => p.words[i] === w));
}

/**
 * The longest phrase at `at`. Of two as long (the option's name and a flag with the same words, "preserve colors"),
 * the one that takes a value wins when a valid value follows ("preserve colors none"), else the flag.
 */
function matchPhrase(tokens: string[], at: number, phrases: Phrase[]): Phrase | undefined {
  let best: Phrase | undefined;
  for (const p of phrases) {
    if (!p.words.every((w, i) => tokens[at + i]?.toLowerCase() === w)) continue;
    if (!best || p.words.length > best.words.length) best = p;
    else if (p.words.length === best.words.length) {
      const next = tokens[at + p.words.length];
      if (takesNext(p, next) || (p.kind === 'flag' && !takesNext(best, next))) best = p;
    }
  }
  return best;
}

function takesNext(p: Phrase, next: string | undefined): boolean {
  return p.kind === 'word' && p.choices !== undefined && next !== undefined && p.choices.includes(next.toLowerCase());
}

function readOptions(tokens: string[], phrases: Phrase[], result: ParsedMention): void {
  const unknown: string[] = [];
  let i = 0;
  while (i < tokens.length) {
    const p = matchPhrase(tokens, i, phrases);
    if (!p) {
      unknown.push(tokens[i]!);
      i += 1;
      continue;
    }
    i += p.words.length;
    const label = p.words.join(' ');
    if (p.kind === 'flag') {
      result.args[p.key] = p.value ?? true;
      continue;
    }
    if (p.kind === 'rest') {
      // e.g. "artist van gogh size 256": words up to the next known option
      const words: string[] = [];
      while (i < tokens.length && !matchPhrase(tokens, i, phrases)) words.push(tokens[i++]!);
      if (words.length === 0) result.errors.push(say`${code(label)} needs a name, e.g. ${code(`${label} monet`)}.`);
      else result.args[p.key] = words.join(' ').toLowerCase();
      continue;
    }
    const value = tokens[i]?.toLowerCase();
    if (value === undefined || (matchPhrase(tokens, i, phrases) && !takesNext(p, value))) {
      result.errors.push(say`${code(label)} needs a value, e.g. ${code(`${label} ${example(p)}`)}.`);
      continue;
    }
    i += 1;
    if (p.kind === 'number') {
      const n = parseNumber(value);
      if (n === undefined)
        result.errors.push(say`${code(label)} needs a number, not "${user(value)}" (e.g. ${code(`${label} ${example(p)}`)}).`);
      else result.args[p.key] = n;
    } else if (p.choices && !p.choices.includes(value)) {
      result.errors.push(say`${code(label)} can be ${join(p.choices.map(code), ' or ')}, not "${user(value)}".`);
    } else {
      result.args[p.key] = value;
    }
  }
  if (unknown.length > 0) {
    result.errors.push(
      say`I don't know what ${join(
        unknown.map((w) => say`"${user(w)}"`),
        ', ',
      )} means here. Say ${code('help')} for the words I understand.`,
    );
  }
}

function readArtistAdmin(tokens: string[], result: ParsedMention): void {
  if (result.subcommand === 'add') {
    if (tokens.length === 0) result.errors.push(say`Say ${code('artist add NAME')} and attach one or more images of the artwork.`);
    else result.args.artist = tokens.join(' ');
  } else {
    // remove NAME WORK: the work is the last word (a file name), the artist all words before it
    if (tokens.length < 2)
      result.errors.push(
        say`Say ${code('artist remove NAME WORK')}, e.g. ${code('artist remove monet haystacks.jpg')} (${code('artists NAME')} lists the works).`,
      );
    else {
      result.args.artist = tokens.slice(0, -1).join(' ');
      result.args.work = tokens.at(-1) ?? '';
    }
  }
}

function ignoreExtra(tokens: string[], result: ParsedMention): void {
  if (tokens.length > 0) {
    result.errors.push(
      say`${code(result.command)} takes no ${tokens.length === 1 ? 'word' : 'words'} like "${user(tokens.join(' '))}". Say ${code('help')}.`,
    );
  }
}

/** "300", "1e4", "0.5", "512px", "1,000" */
function parseNumber(word: string): number | undefined {
  const cleaned = word.replace(/px$/, '').replace(/(\d),(\d{3})\b/g, '$1$2');
  if (!/^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/.test(cleaned)) return undefined;
  const n = Number(cleaned);
  return Number.isFinite(n) ? n : undefined;
}

function example(p: Phrase): string {
  if (p.choices?.[0] !== undefined) return p.choices[0];
  switch (p.key) {
    case 'iterations':
    case 'max_iterations':
      return '300';
    case 'size':
    case 'max_size':
      return '512';
    case 'style_weight':
      return '1e4';
    case 'layer_weights':
      return '1,1,1,1,1';
    case 'style_blend_weights':
      return '1,2';
    default:
      return '2';
  }
}

/** A message for the bot (a mention, or anything in a direct conversation) as the event carries it. */
export interface SlackMessage {
  /** Slack's id of this delivery; a re-sent or re-signed copy may carry another one. */
  eventId?: string;
  channel: string;
  /** The message's own timestamp: with the channel, what names the message whatever the delivery. */
  ts: string;
  /** The thread to answer in: the message's thread, else the message itself. */
  threadTs: string;
  userId?: string;
  teamId: string;
  text: string;
  files: unknown;
}

/** Reads a message event and its envelope; undefined without a channel or ts (nothing to answer to). */
export function slackMessageOf(event: unknown, body: unknown): SlackMessage | undefined {
  const raw = (event ?? {}) as Record<string, unknown>;
  const envelope = (body ?? {}) as Record<string, unknown>;
  const channel = stringField(raw.channel);
  const ts = stringField(raw.ts);
  if (!channel || !ts) return undefined;
  return {
    eventId: stringField(envelope.event_id),
    channel,
    ts,
    threadTs: stringField(raw.thread_ts) ?? ts,
    userId: stringField(raw.user),
    teamId: stringField(envelope.team_id) ?? stringField(raw.team) ?? '',
    text: typeof raw.text === 'string' ? raw.text : '',
    files: raw.files,
  };
}

/** A button press: which action, on which job, by whom, where; undefined when one of these is missing. */
export interface SlackButtonPress {
  action: string;
  jobId: string;
  userId: string;
  /** Absent for a button on the App Home tab: the job's own conversation is used. */
  channel?: string;
  teamId: string;
  /** The pressed message's thread (or the message itself when it is not in a thread). */
  messageThreadTs?: string;
}

/**
 * Reads a block_actions payload; `actionName` turns the action_id into our action ("stylebot:rerun" -> "rerun").
 * A press in a message carries its channel; one on the App Home tab carries none.
 */
export function buttonPressOf(
  body: unknown,
  action: unknown,
  actionName: (actionId: unknown) => string | undefined,
): SlackButtonPress | undefined {
  const payload = (body ?? {}) as {
    user?: { id?: unknown; team_id?: unknown };
    channel?: { id?: unknown };
    container?: { channel_id?: unknown };
    team?: { id?: unknown } | null;
    message?: { ts?: unknown; thread_ts?: unknown };
  };
  const pressed = (action ?? {}) as { action_id?: unknown; value?: unknown };
  const name = actionName(pressed.action_id);
  const jobId = stringField(pressed.value);
  const userId = stringField(payload.user?.id);
  const channel = stringField(payload.channel?.id) ?? stringField(payload.container?.channel_id);
  if (!name || !jobId || !userId) return undefined;
  return {
    action: name,
    jobId,
    userId,
    ...(channel ? { channel } : {}),
    teamId: stringField(payload.team?.id) ?? stringField(payload.user?.team_id) ?? '',
    messageThreadTs: stringField(payload.message?.thread_ts) ?? stringField(payload.message?.ts),
  };
}

function stringField(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

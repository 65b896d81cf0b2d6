// Small readers for CommandRequest.args: the platforms hand over strings, numbers or booleans under snake_case
// (Discord option names) or whatever the Slack parser produced; these accept both and say clearly what is wrong.
import { UserError } from '../src/errors.js';
import type { ArgValue, Attachment, CommandRequest } from './types.js';

/** The first present value among several spellings of one argument. */
export function pickArg(args: CommandRequest['args'], ...names: string[]): ArgValue | undefined {
  for (const name of names) {
    const value = args[name];
    if (value !== undefined && value !== '') return value;
  }
  return undefined;
}

/**
 * A yes/no option, parsed strictly: a typed boolean, or exactly "true" or "false"; absent -> undefined. Anything
 * else ("TRUE", "yes", "1") is refused with UserError('bad_option'), so a misspelt flag never silently means no.
 */
export function booleanArg(args: CommandRequest['args'], label: string, ...names: string[]): boolean | undefined {
  const value = pickArg(args, ...names);
  if (value === undefined) return undefined;
  if (value === true || value === 'true') return true;
  if (value === false || value === 'false') return false;
  throw new UserError('bad_option', `${label} must be true or false, not "${String(value)}".`);
}

export function stringArg(args: CommandRequest['args'], ...names: string[]): string | undefined {
  const value = pickArg(args, ...names);
  return value === undefined ? undefined : String(value).trim();
}

/** A whole number >= 0, or undefined when absent; throws UserError with a user message otherwise. */
export function countArg(args: CommandRequest['args'], label: string, ...names: string[]): number | undefined {
  const value = pickArg(args, ...names);
  if (value === undefined) return undefined;
  const n = typeof value === 'number' ? value : Number(String(value).trim());
  if (!Number.isSafeInteger(n) || n < 0) throw new UserError('bad_option', `${label} must be a whole number of 0 or more, not "${value}".`);
  return n;
}

/** A user id from a raw id or a mention such as <@123>, <@!123> or <@U123|name>. */
export function userIdArg(args: CommandRequest['args'], ...names: string[]): string | undefined {
  const raw = stringArg(args, ...names);
  if (raw === undefined) return undefined;
  const mention = /^<@!?([A-Za-z0-9]+)(\|[^>]*)?>$/.exec(raw);
  return mention ? mention[1] : raw;
}

/** The job id of /cancel, of a button press or of a Slack "cancel JOB". */
export function jobIdArg(args: CommandRequest['args']): string | undefined {
  return stringArg(args, 'jobId', 'job_id', 'job', 'id');
}

/** Named attachments first (Discord option names), then ordered ones ("0", "1", ... from Slack). */
export function attachmentsInOrder(request: CommandRequest, names: string[]): Attachment[] {
  const named = names.map((name) => request.attachments[name]).filter((a): a is Attachment => a !== undefined);
  const ordered = Object.keys(request.attachments)
    .filter((key) => /^\d+$/.test(key))
    .sort((a, b) => Number(a) - Number(b))
    .flatMap((key) => request.attachments[key] ?? []);
  return [...named, ...ordered];
}

// The commands answer in the neutral chat markup both Discord and Slack render (*bold*, `code`, <@user>), with
// user-supplied strings marked by userText() (commands/format.ts). The studio shows plain text: the markup is taken
// out of the bot's own words only, user strings are kept exactly as given, and the page escapes whatever is left.
import { USER_TEXT_END, USER_TEXT_START } from '../../../commands/format.js';

const USER_SEGMENT = new RegExp(`${USER_TEXT_START}([^${USER_TEXT_END}]*)${USER_TEXT_END}`, 'g');
/** Stands in for the n-th user string while the markup is removed (a private-use character, then n). */
const HOLE = '\uE000';

/** "*Quota of <@u1>*: `abc`" -> "Quota of @u1: abc"; a marked "*x*.png" stays "*x*.png". */
export function plainText(markup: string): string {
  const held: string[] = [];
  const holed = markup
    .replace(new RegExp(HOLE, 'g'), '')
    .replace(USER_SEGMENT, (_, user: string) => `${HOLE}${held.push(user) - 1}${HOLE}`);
  return withoutMarkup(holed).replace(new RegExp(`${HOLE}(\\d+)${HOLE}`, 'g'), (_, n: string) => held[Number(n)]);
}

function withoutMarkup(text: string): string {
  return text
    .replace(/[\u2068\u2069]/g, '')
    .replace(/<@!?([A-Za-z0-9_.-]+)(\|[^>]*)?>/g, '@$1')
    .replace(/`([^`]*)`/g, '$1')
    .replace(/\*([^*\n]+)\*/g, '$1');
}

// /help: what the bot does and how to ask for it (the same words fit Discord slash commands and Slack mentions).
import { bold, lines, type RichText, say } from './reply.js';
import type { CommandReply } from './types.js';

const b = bold;

export const HELP_TEXT: RichText = lines(
  say`${b('Stylebot')} paints your photo in the style of a painting (Gatys, Ecker & Bethge, 2015).`,
  '',
  say`${b('stylize')} — attach a ${b('content')} photo and a ${b('style')} image (up to 3 styles, blended), or choose an ${b('artist')} instead of a style.`,
  '  No content image = texture synthesis from the style alone.',
  say`  Options: ${b('iterations')} (steps), ${b('size')} (longest side in px), ${b('style_strength')} (x the default style weight),`,
  say`  ${b('preserve_colors')} none|luminance|reinhard, ${b('init')} content|noise, ${b('seed')}, ${b('scales')} (coarse to fine, each twice the last),`,
  say`  ${b('pick')} random|closest (with an artist: the work closest in style to your photo).`,
  say`${b('artists')} — the artists I know (or one artist's works).`,
  say`${b('jobs')} — your recent jobs.   ${b('cancel')} JOB — stop one of your jobs.`,
  say`${b('compare')} — attach two images to measure how far apart their styles are.`,
  say`${b('quota show')} — your limits and usage today.`,
  '',
  say`${b('Admins:')} ${b('quota show|set|reset USER')}, ${b('quota defaults')} (workspace limits), ${b('artist add NAME')} (with an image),`,
  say`${b('artist remove NAME WORK')}, ${b('stats')} [days].`,
  '',
  say`Under a finished image: ${b('New seed')} paints it again differently, ${b('Stronger style')} doubles the style weight,`,
  say`${b('Upscale 2×')} paints it again at twice the size, starting from the finished picture.`,
);

export async function help(): Promise<CommandReply> {
  return { text: HELP_TEXT, private: true };
}

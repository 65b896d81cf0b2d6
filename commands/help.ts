// /help: what the bot does and how to ask for it (the same words fit Discord slash commands and Slack mentions).
import type { CommandReply } from './types.js';

export const HELP_TEXT = [
  '*Stylebot* paints your photo in the style of a painting (Gatys, Ecker & Bethge, 2015).',
  '',
  '*stylize* — attach a *content* photo and a *style* image (up to 3 styles, blended), or choose an *artist* instead of a style.',
  '  No content image = texture synthesis from the style alone.',
  '  Options: *iterations* (steps), *size* (longest side in px), *style_strength* (x the default style weight),',
  '  *preserve_colors* none|luminance|reinhard, *init* content|noise, *seed*, *scales* (coarse to fine, each twice the last),',
  '  *pick* random|closest (with an artist: the work closest in style to your photo).',
  '*artists* — the artists I know (or one artist\'s works).',
  '*jobs* — your recent jobs.   *cancel* JOB — stop one of your jobs.',
  '*compare* — attach two images to measure how far apart their styles are.',
  '*quota show* — your limits and usage today.',
  '',
  '*Admins:* *quota show|set|reset USER*, *quota defaults* (workspace limits), *artist add NAME* (with an image),',
  '*artist remove NAME WORK*, *stats* [days].',
  '',
  'Under a finished image: *New seed* paints it again differently, *Stronger style* doubles the style weight,',
  '*Upscale 2×* paints it again at twice the size, starting from the finished picture.',
].join('\n');

export async function help(): Promise<CommandReply> {
  return { text: HELP_TEXT, private: true };
}

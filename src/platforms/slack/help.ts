// "@stylebot help" on Slack: the mention grammar of request.ts in examples (the commands themselves are
// described by commands/help.ts for both platforms; this is how to say them in a Slack message). The option lines
// come from the option table (src/options/fields.ts), ranges included.
import { fieldsFor, type OptionField } from '../../options/fields.js';
import { rangeHelp } from '../../options/schema.js';

/** "• `iterations 300` — optimizer steps (1 to 10000, default 500)" */
function optionLine(field: OptionField): string {
  const words = field.name.replace(/-/g, ' ');
  const example = field.kind === 'choice' ? field.choices[field.choices.length - 1] : field.kind === 'numbers' ? (field.length === 5 ? '1,1,1,1,1' : '1,0.5') : String(field.kind === 'integer' || field.kind === 'number' ? (field.default ?? field.min) : '');
  const also = field.slackWords?.length ? ` (or ${field.slackWords.map((w) => `\`${w}\``).join(', ')})` : '';
  return `• \`${words} ${example}\`${also}: ${field.help} (${rangeHelp(field)})`;
}

export const SLACK_HELP_TEXT = [
  '*Stylebot* paints your photo in the style of a painting (Gatys, Ecker & Bethge, 2015).',
  '',
  '*Paint:* mention me in a message with images attached (in a direct message to me, no mention is needed). The first image is your photo, the others are styles:',
  '• `@stylebot` + photo + painting → the photo in the style of the painting (more paintings are blended)',
  '• `@stylebot artist monet` + photo → in the style of one of Monet\'s works (`@stylebot artists` lists them)',
  '• `@stylebot texture` + painting(s) → no photo: a texture in that style',
  '*Options* (words after the mention), from the option table:',
  ...fieldsFor('slack').map(optionLine),
  'Also: `preserve colors` (luminance), `reinhard`, `adam`, `texture` (no photo).',
  '',
  '*Other commands:* `@stylebot artists [NAME]` · `jobs` · `cancel JOB` · `compare` + two images · `quota` · `help`',
  '*Without images:* `/stylize artist monet`, `/stylize jobs`, `/stylize help`',
  '*Admins:* `quota show|reset @someone` · `quota set @someone jobs per day 50 max size 1024 max queued 5 max iterations 800 gpu seconds 3600` ·',
  '`quota defaults jobs per day 20` · `artist add NAME` + image · `artist remove NAME WORK` · `stats [days 7]`',
  '',
  'Under a finished picture: *New seed* paints it again differently, *Stronger style* doubles the style weight,',
  '*Upscale 2×* paints it again at twice the size from the finished picture.',
].join('\n');

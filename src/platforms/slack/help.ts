// "@stylebot help" on Slack: the mention grammar of request.ts in examples (the commands themselves are
// described by commands/help.ts for both platforms; this is how to say them in a Slack message). The option lines
// come from the option table (src/options/fields.ts), ranges included.
import { bold, code, join, lines, type RichText, say } from '../../../commands/reply.js';
import { fieldsFor, type OptionField } from '../../options/fields.js';
import { rangeHelp } from '../../options/schema.js';

/** "• `iterations 300` — optimizer steps (1 to 10000, default 500)" */
function optionLine(field: OptionField): RichText {
  const words = field.name.replace(/-/g, ' ');
  const example =
    field.kind === 'choice'
      ? field.choices[field.choices.length - 1]
      : field.kind === 'numbers'
        ? field.length === 5
          ? '1,1,1,1,1'
          : '1,0.5'
        : String(field.kind === 'integer' || field.kind === 'number' ? (field.default ?? field.min) : '');
  const also = field.slackWords?.length ? say` (or ${join(field.slackWords.map(code), ', ')})` : '';
  return say`• ${code(`${words} ${example}`)}${also}: ${field.help} (${rangeHelp(field)})`;
}

export const SLACK_HELP_TEXT: RichText = lines(
  say`${bold('Stylebot')} paints your photo in the style of a painting (Gatys, Ecker & Bethge, 2015).`,
  '',
  say`${bold('Paint:')} mention me in a message with images attached (in a direct message to me, no mention is needed). The first image is your photo, the others are styles:`,
  say`• ${code('@stylebot')} + photo + painting → the photo in the style of the painting (more paintings are blended)`,
  say`• ${code('@stylebot artist monet')} + photo → in the style of one of Monet's works (${code('@stylebot artists')} lists them)`,
  say`• ${code('@stylebot texture')} + painting(s) → no photo: a texture in that style`,
  say`${bold('Options')} (words after the mention), from the option table:`,
  ...fieldsFor('slack').map(optionLine),
  say`Also: ${code('preserve colors')} (luminance), ${code('reinhard')}, ${code('adam')}, ${code('texture')} (no photo).`,
  '',
  say`${bold('Other commands:')} ${code('@stylebot artists [NAME]')} · ${code('jobs')} · ${code('cancel JOB')} · ${code('compare')} + two images · ${code('quota')} · ${code('help')}`,
  say`${bold('Images already in the channel:')} the message's ${code('⋯')} menu → ${bold('Stylize this image')} (a form: artist, options, budget; the picture comes in its thread), or ${bold('Use as style')} to pick a painting for your next picture.`,
  say`${bold('Without images:')} ${code('/stylize')} (the form: a texture in an artist's or your picked style), ${code('/stylize artist monet')}, ${code('/stylize jobs')}, ${code('/stylize help')}. Your recent pictures and quota: the Home tab.`,
  say`${bold('Admins:')} ${code('quota show|reset @someone')} · ${code('quota set @someone jobs per day 50 max size 1024 max queued 5 max iterations 800 gpu seconds 3600')} ·`,
  say`${code('quota defaults jobs per day 20')} · ${code('artist add NAME')} + image · ${code('artist remove NAME WORK')} · ${code('stats [days 7]')}`,
  '',
  say`Under a finished picture: ${bold('New seed')} paints it again differently, ${bold('Stronger style')} doubles the style weight,`,
  say`${bold('Upscale 2×')} paints it again at twice the size from the finished picture.`,
);

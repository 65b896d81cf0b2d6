// Wording of the image menu (Discord's "Apps > Stylize with..." and "Use as style" on a message): the answers that
// are not a command's reply, in the requester's locale (commands/locales; English when there is no translation).
import { t } from './locales/index.js';
import { plain, type RichText, user } from './reply.js';
import type { CommandReply } from './types.js';

/** The message the person chose holds no picture Stylebot can paint. */
export function noImageInMessage(locale?: string): CommandReply {
  return { text: plain(t(locale, 'menu.noImage')), private: true, code: 'invalid' };
}

/** The painting form was opened too long ago (or before a restart): its image is no longer known. */
export function paintFormExpired(locale?: string): CommandReply {
  return { text: plain(t(locale, 'menu.formExpired')), private: true, code: 'invalid' };
}

/** "Use as style" took the picture: it stays the person's style until they choose another (at most a day). */
export function styleRemembered(name: string, locale?: string): CommandReply {
  return { text: withUserString(t(locale, 'menu.styleSaved'), 'name', name), private: true };
}

/** A translated sentence with a user's string in place of {slot}, kept as a user run (never read as markup). */
function withUserString(template: string, slot: string, value: string): RichText {
  const [before = '', after = ''] = template.split(`{${slot}}`);
  return [...plain(before), user(value), ...plain(after)];
}

/** The form's options field did not read as name/value pairs. */
export function optionsNotPairs(word: string): string {
  return `Options are names with values, such as "size 256 iterations 300" or "size=256": "${word}" has no value.`;
}

/** Labels of the painting form in `locale` (Discord limits: title 45, labels 45, placeholders 100 characters). */
export function paintFormLabels(locale?: string) {
  return {
    title: t(locale, 'menu.formTitle'),
    artist: t(locale, 'menu.formArtist'),
    artistPlaceholder: 'monet, van-gogh, ... (/artists)',
    options: t(locale, 'menu.formOptions'),
    optionsPlaceholder: 'size 256 iterations 300 style_strength 2',
    budget: t(locale, 'menu.formBudget'),
    budgetPlaceholder: '5 - 3600',
  };
}

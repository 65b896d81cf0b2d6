// Wording of the image menu (Discord's "Apps > Stylize with..." and "Use as style" on a message): the answers that
// are not a command's reply. The adapter only picks which one to send.
import { plain, say, user } from './reply.js';
import type { CommandReply } from './types.js';

/** The message the person chose holds no picture Stylebot can paint. */
export function noImageInMessage(): CommandReply {
  return {
    text: plain('That message has no image I can use (JPEG, PNG, WebP or GIF attached to it). Choose a message with an image, or use /stylize with an upload.'),
    private: true,
    code: 'invalid',
  };
}

/** The painting form was opened too long ago (or before a restart): its image is no longer known. */
export function paintFormExpired(): CommandReply {
  return { text: plain('This form has expired. Choose "Stylize with..." on the message again.'), private: true, code: 'invalid' };
}

/** "Use as style" took the picture: it stays the person's style until they choose another (at most a day). */
export function styleRemembered(name: string): CommandReply {
  return {
    text: say`Saved ${user(name)} as your style. Your next /stylize without a style or artist, and "Stylize with..." without an artist, paint in it (for 24 hours, or until you choose another).`,
    private: true,
  };
}

/** The form's options field did not read as name/value pairs. */
export function optionsNotPairs(word: string): string {
  return `Options are names with values, such as "size 256 iterations 300" or "size=256": "${word}" has no value.`;
}

/** Labels of the painting form (Discord limits: title 45, labels 45, placeholders 100 characters). */
export const PAINT_FORM = {
  title: 'Stylize this image',
  artist: 'Artist (empty: your saved style)',
  artistPlaceholder: 'monet, van-gogh, ... (see /artists)',
  options: 'Options',
  optionsPlaceholder: 'size 256 iterations 300 style_strength 2',
  budget: 'Budget in seconds',
  budgetPlaceholder: '5 to 3600 (default: the server default)',
} as const;

// English: the source catalogue and the fallback. Keys: cmd.NAME.name / cmd.NAME.description for commands,
// menu.* for the image menu, settings.* for server settings.
export const en = {
  'cmd.stylize.description': 'Paint a photo in the style of a painting (or of an artist)',
  'cmd.artists.description': 'The artists Stylebot knows, or the works of one',
  'cmd.jobs.description': 'Your recent style-transfer jobs',
  'cmd.cancel.description': 'Cancel one of your jobs',
  'cmd.compare.description': 'How far apart are the styles of two images?',
  'cmd.show.description': 'Post a finished picture of yours again, with its buttons',
  'cmd.help.description': 'How to use Stylebot',
  'cmd.quota.description': 'Your usage limits and what you used today',
  'cmd.stylize.name': 'stylize',
  'cmd.help.name': 'help',
  'menu.stylizeWith': 'Stylize with...',
  'menu.useAsStyle': 'Use as style',
  'menu.noImage':
    'That message has no image I can use (JPEG, PNG, WebP or GIF attached to it). Choose a message with an image, or use /stylize with an upload.',
  'menu.formExpired': 'This form has expired. Choose "Stylize with..." on the message again.',
  'menu.styleSaved':
    'Saved {name} as your style. Your next /stylize without a style or artist, and "Stylize with..." without an artist, paint in it (for 24 hours, or until you choose another).',
  'menu.formTitle': 'Stylize this image',
  'menu.formArtist': 'Artist (empty: your saved style)',
  'menu.formOptions': 'Options',
  'menu.formBudget': 'Budget in seconds',
  'settings.useOtherChannel': 'Stylebot works in {channels} on this server: ask there.',
} as const;

export type MessageKey = keyof typeof en;
export type Catalogue = Record<MessageKey, string>;

// The commands answer in the neutral chat markup both Discord and Slack render (*bold*, `code`, <@user>); the
// studio shows plain text, so the markup is taken out here and the page escapes whatever is left.

/** "*Quota of <@u1>*: `abc`" -> "Quota of @u1: abc". */
export function plainText(markup: string): string {
  return markup
    .replace(/<@!?([A-Za-z0-9_.-]+)(\|[^>]*)?>/g, '@$1')
    .replace(/`([^`]*)`/g, '$1')
    .replace(/\*([^*\n]+)\*/g, '$1');
}

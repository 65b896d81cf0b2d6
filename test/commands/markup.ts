// Rich text written as the neutral chat markup the command tests read: *bold*, `code`, <@mention>; plain and user
// runs as they are. Only for assertions: the adapters have their own renderers.
import type { RichText } from '../../commands/reply.js';

export function markup(text: RichText): string {
  return text
    .map((run) => {
      switch (run.kind) {
        case 'bold':
          return `*${run.text}*`;
        case 'code':
          return `\`${run.text}\``;
        case 'mention':
          return `<@${run.userId}>`;
        default:
          return run.text;
      }
    })
    .join('');
}

// .env.example, generated from the environment schema (src/config-schema.ts) so the two never drift apart.
import { variableInfos } from './config-schema.js';

/** The text of .env.example: every variable of envSchema, commented out, with its help, default or example. */
export function envExample(): string {
  const lines = [
    '# Stylebot configuration: copy to .env and set what you need; every variable is optional unless its help says',
    '# otherwise. Generated from src/config-schema.ts by `npm run env-example`; edit the schema, not this file.',
  ];
  let group = '';
  for (const [name, info] of variableInfos()) {
    if (info.group !== group) {
      group = info.group;
      lines.push('', `## ${group}`);
    }
    lines.push(`# ${info.help}${info.secret ? ' (secret)' : ''}`);
    lines.push(`#${name}=${info.default ?? info.example ?? ''}`);
  }
  return `${lines.join('\n')}\n`;
}

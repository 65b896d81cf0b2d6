// A reply is data: the same rich text through the three renderers (Discord markdown, Slack mrkdwn, plain text).
import { describe, expect, it } from 'vitest';
import { bold, code, join, lines, mention, plain, plainText, say, user } from '../../commands/reply.js';
import { discordText } from '../../src/platforms/discord/render.js';
import { slackText } from '../../src/platforms/slack/render.js';

const HOSTILE = '<!channel> [free nitro](https://evil.example) **x**_&.png';

describe('rich text', () => {
  it('say`` keeps the bot words as plain runs, merged, and the pieces as given', () => {
    expect(say`Job ${code('ab1')} for ${mention('U1')}: ${3} of ${user('a.png')}.`).toEqual([
      { kind: 'plain', text: 'Job ' },
      { kind: 'code', text: 'ab1' },
      { kind: 'plain', text: ' for ' },
      { kind: 'mention', userId: 'U1' },
      { kind: 'plain', text: ': 3 of ' },
      { kind: 'user', text: 'a.png' },
      { kind: 'plain', text: '.' },
    ]);
    expect(lines('a', say`${bold('b')}`, plain(''))).toEqual([
      { kind: 'plain', text: 'a\n' },
      { kind: 'bold', text: 'b' },
      { kind: 'plain', text: '\n' },
    ]);
    expect(join([user('x'), user('y')], ' + ')).toEqual([user('x'), { kind: 'plain', text: ' + ' }, user('y')]);
  });

  it('a user string is shown as given in plain text, escaped on Discord and Slack', () => {
    const text = say`Queued in the style of ${user(HOSTILE)} by ${mention('123')}`;
    expect(plainText(text)).toBe(`Queued in the style of ${HOSTILE} by @123`);
    expect(discordText(text)).toBe(
      'Queued in the style of \\<!channel\\> \\[free nitro\\]\\(https://evil.example\\) \\*\\*x\\*\\*\\_&.png by <@123>',
    );
    expect(slackText(text)).toBe('Queued in the style of &lt;!channel&gt; [free nitro](https://evil.example) **x**_&amp;.png by <@123>');
  });

  it('bold and code: markers outside the spaces; code literal on Discord; a mention that is no id is text', () => {
    const text = say`${bold(' Settings: ')}${code('a_b`c')} ${mention('<@evil>')}`;
    expect(plainText(text)).toBe(' Settings: a_b`c @<@evil>');
    expect(slackText(text)).toBe(" *Settings:* `a_b'c` @&lt;@evil&gt;");
    expect(discordText(text)).toBe(' *Settings:* `` a_b`c `` @\\<@evil\\>');
  });
});

// Block Kit for our messages: the text as a mrkdwn section and the command buttons as an actions block.
// Button presses come back with action_id "stylebot:<action>" and the job id as value.
import type { ActionButton } from '../../../commands/types.js';

export const ACTION_PREFIX = 'stylebot:';
export const ACTION_ID_PATTERN = /^stylebot:/;

/** Slack refuses section text longer than 3000 characters. */
const SECTION_LIMIT = 3000;

export interface SlackBlock {
  type: string;
  [key: string]: unknown;
}

/** Slack's control characters in text (https://api.slack.com/reference/surfaces/formatting#escaping). */
function escapeAll(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** A mention the bot itself wrote: <@U123>. Anything else in angle brackets is shown as typed. */
const BOT_MENTION = /^<@[A-Z0-9]+>$/;

/**
 * Neutral reply text as Slack mrkdwn: user-supplied runs (commands/format.ts userText) are escaped entirely;
 * elsewhere &, <, > are escaped too except the bot's own user mentions. So a file named
 * "<!channel> <https://x|click>.png" shows as typed, pinging no one and linking nowhere.
 */
export function slackText(text: string): string {
  const parts = text.split(/(\u2068[^\u2069]*\u2069)/);
  return parts
    .map((part) => {
      if (part.startsWith('\u2068')) return escapeAll(part.slice(1, -1));
      return part
        .split(/(<@[A-Z0-9]+>)/)
        .map((piece) => (BOT_MENTION.test(piece) ? piece : escapeAll(piece)))
        .join('');
    })
    .join('');
}

export function messageBlocks(text: string, buttons: ActionButton[] = []): SlackBlock[] {
  const blocks: SlackBlock[] = [{ type: 'section', text: { type: 'mrkdwn', text: clip(slackText(text), SECTION_LIMIT) } }];
  if (buttons.length > 0) {
    blocks.push({
      type: 'actions',
      block_id: `stylebot-${buttons[0].jobId}`.slice(0, 255),
      elements: buttons.map((button) => ({
        type: 'button',
        action_id: `${ACTION_PREFIX}${button.action}`,
        text: { type: 'plain_text', text: clip(button.label, 75), emoji: true },
        value: button.jobId,
        ...(button.action === 'cancel' ? { style: 'danger' } : {}),
      })),
    });
  }
  return blocks;
}

/** "stylebot:rerun" -> "rerun"; anything else -> undefined. */
export function actionName(actionId: unknown): string | undefined {
  if (typeof actionId !== 'string' || !actionId.startsWith(ACTION_PREFIX)) return undefined;
  const name = actionId.slice(ACTION_PREFIX.length);
  return /^[a-z]+$/.test(name) ? name : undefined;
}

/** Message text is the notification / fallback: Slack takes up to 40k characters, keep it short anyway. */
export function fallbackText(text: string): string {
  return clip(slackText(text), 4000);
}

function clip(text: string, limit: number): string {
  return text.length <= limit ? text : `${text.slice(0, limit - 1)}…`;
}

// Replies (commands/reply.ts: text runs, buttons) as Slack mrkdwn and Block Kit: the text as a mrkdwn section and
// the command buttons as an actions block. Button presses come back with action_id "stylebot:<action>" and the job
// id as value.
import type { ActionButton, RichText, Run } from '../../../commands/reply.js';

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

/**
 * Rich text as Slack mrkdwn: every run's text has &, <, > escaped, so a file named "<!channel> <https://x|click>.png"
 * shows as typed, pinging no one and linking nowhere; bold is *x*, code `x`, a mention <@U123>.
 */
export function slackText(text: RichText): string {
  return text.map(slackRun).join('');
}

function slackRun(run: Run): string {
  switch (run.kind) {
    case 'plain':
    case 'user':
      return escapeAll(run.text);
    case 'bold':
      return wrap('*', escapeAll(run.text));
    case 'code':
      return wrap('`', escapeAll(run.text.replace(/`/g, "'")));
    case 'mention':
      return /^[A-Za-z0-9]+$/.test(run.userId) ? `<@${run.userId}>` : `@${escapeAll(run.userId)}`;
  }
}

/** Markers around text, with the text's outer spaces moved outside them (Slack does not format "*x *"). */
function wrap(marker: string, text: string): string {
  const [, lead = '', core = '', trail = ''] = /^(\s*)([\s\S]*?)(\s*)$/.exec(text) ?? [];
  return core === '' ? text : `${lead}${marker}${core}${marker}${trail}`;
}

/**
 * The blocks of a message: its text as mrkdwn sections (several when it passes Slack's 3000 characters a section,
 * split between lines: the help text is longer), its buttons (if any) as an actions block.
 */
export function messageBlocks(text: RichText, buttons: ActionButton[] = []): SlackBlock[] {
  const blocks: SlackBlock[] = textSections(slackText(text));
  if (buttons.length > 0) {
    blocks.push({
      type: 'actions',
      block_id: `stylebot-${buttons[0]!.jobId}`.slice(0, 255),
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

/** mrkdwn as sections of at most 3000 characters each, split between lines (a longer line is clipped). */
export function textSections(mrkdwn: string): SlackBlock[] {
  const chunks: string[] = [];
  let chunk: string | undefined;
  for (const line of mrkdwn.split('\n').map((l) => clip(l, SECTION_LIMIT))) {
    if (chunk !== undefined && chunk.length + 1 + line.length <= SECTION_LIMIT) chunk = `${chunk}\n${line}`;
    else {
      if (chunk !== undefined) chunks.push(chunk);
      chunk = line;
    }
  }
  if (chunk !== undefined) chunks.push(chunk);
  // Slack refuses a section whose text is empty or only spaces.
  return chunks.filter((c) => c.trim() !== '').map((c) => ({ type: 'section', text: { type: 'mrkdwn', text: c } }));
}

/** "stylebot:rerun" -> "rerun"; anything else -> undefined. */
export function actionName(actionId: unknown): string | undefined {
  if (typeof actionId !== 'string' || !actionId.startsWith(ACTION_PREFIX)) return undefined;
  const name = actionId.slice(ACTION_PREFIX.length);
  return /^[a-z]+$/.test(name) ? name : undefined;
}

/** Message text is the notification / fallback: Slack takes up to 40k characters, keep it short anyway. */
export function fallbackText(text: RichText): string {
  return clip(slackText(text), 4000);
}

function clip(text: string, limit: number): string {
  return text.length <= limit ? text : `${text.slice(0, limit - 1)}…`;
}

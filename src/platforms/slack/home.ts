// The App Home tab (views.publish): the person's recent pictures with their buttons, what is left of today's quota,
// and the options help. Drawn from job records; bot.ts fetches them and publishes the view.
import { resultButtons } from '../../../commands/buttons.js';
import { describeState, formatReset, jobLabel, styleSummary } from '../../../commands/format.js';
import { bold, lines, type RichText, say } from '../../../commands/reply.js';
import type { Job, Quota, UserUsage } from '../../jobs/types.js';
import { messageBlocks, type SlackBlock, slackText, textSections } from './render.js';

/** Slack's most blocks in a Home tab view. */
const MAX_BLOCKS = 100;
const SECTION_LIMIT = 3000;

export interface HomeContent {
  /** The person's recent jobs, newest first. */
  jobs: Job[];
  /** Links to the threads of some jobs (job id -> permalink). */
  links: Map<string, string>;
  quota: Quota;
  usage: UserUsage;
  help: RichText;
  now?: number;
}

/** The Home tab view: { type: 'home', blocks } with at most 100 blocks. */
export function homeView(content: HomeContent): { type: 'home'; blocks: SlackBlock[] } {
  const { quota, usage } = content;
  const blocks: SlackBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: 'Stylebot' } },
    section(
      lines(
        say`${bold('Today')}: ${String(Math.max(0, quota.jobsPerDay - usage.jobsToday))} of ${String(quota.jobsPerDay)} jobs left, ${String(Math.max(0, Math.round(quota.gpuSecondsPerDay - usage.gpuSecondsToday)))} of ${String(quota.gpuSecondsPerDay)} GPU seconds left; ${String(usage.queuedNow)} of ${String(quota.maxQueued)} waiting now.`,
        say`Largest size ${String(quota.maxSize)} px, at most ${String(quota.maxIterations)} iterations. Resets at ${formatReset(usage.resetsAt, content.now)}.`,
      ),
    ),
    { type: 'divider' },
    section(say`${bold('Your recent pictures')}`),
  ];
  if (content.jobs.length === 0) {
    blocks.push(section(say`None yet. Use ${bold('⋯ → Stylize this image')} on a message with a photo, or mention me with a photo.`));
  }
  for (const job of content.jobs) {
    const link = content.links.get(job.id);
    const when = new Date(job.createdAt).toISOString().slice(0, 16).replace('T', ' ');
    const text = say`${jobLabel(job)} ${styleSummary(job)}: ${describeState(job)} (${when} UTC)`;
    const buttons =
      job.state === 'done'
        ? resultButtons(job)
        : job.state === 'queued' || job.state === 'running'
          ? [{ action: 'cancel', label: 'Cancel', jobId: job.id }]
          : [];
    const [first, ...rest] = messageBlocks(text, buttons);
    if (!first) continue;
    // The thread link is Slack markup of our own making, added after the user's text was escaped.
    const sectionText = (first.text as { text: string }).text + (link ? ` <${link}|open the thread>` : '');
    blocks.push({ ...first, text: { type: 'mrkdwn', text: sectionText } }, ...rest);
  }
  blocks.push({ type: 'divider' });
  blocks.push(...textSections(slackText(content.help)));
  return { type: 'home', blocks: blocks.slice(0, MAX_BLOCKS) };
}

function section(text: RichText): SlackBlock {
  return { type: 'section', text: { type: 'mrkdwn', text: slackText(text).slice(0, SECTION_LIMIT) } };
}

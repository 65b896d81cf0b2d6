// What a job's status message shows after each job event, for both platforms: queue position, a progress bar with
// the preview, and at the end the picture with the settings used (or why there is none).
import { DEFAULT_OPTIONS } from '../src/engine/validate.js';
import { imageExtension, imageMediaType } from '../src/images/index.js';
import { resultButtons, styleWeightOf } from './buttons.js';
import type { Job, JobEvent } from '../src/jobs/types.js';
import { formatDuration, formatNumber, jobLabel, progressBar, styleSummary, userText } from './format.js';
import type { ActionButton, StatusView } from './types.js';

export function statusView(job: Job, event: JobEvent): StatusView | undefined {
  const title = `Job ${jobLabel(job)} · ${styleSummary(job)}`;
  switch (event.type) {
    case 'queued':
    case 'position':
      return {
        text: `${title}\n🕒 Waiting: position ${event.position} in line.`,
        buttons: [cancelButton(job)],
        final: false,
      };
    case 'started':
      return { text: `${title}\n🎨 Painting: loading the picture…`, buttons: [cancelButton(job)], final: false };
    case 'progress': {
      const { iteration, total, etaMs, scale } = event.progress;
      const scaleText = scale && scale.count > 1 ? ` · scale ${scale.index}/${scale.count} (${scale.size} px)` : '';
      const lines = [
        title,
        `🎨 ${progressBar(iteration, total)}`,
        `iteration ${iteration}/${total}${scaleText} · ${etaMs === undefined ? 'measuring the time left' : `about ${formatDuration(etaMs)} left`}`,
      ];
      return {
        text: lines.join('\n'),
        image: event.preview ? { data: event.preview, name: `preview-${job.id}.${imageExtension(imageMediaType(event.preview))}` } : undefined,
        buttons: [cancelButton(job)],
        final: false,
      };
    }
    case 'done':
      return {
        text: `${title}\n✅ Done.\n${settingsText(job)}`,
        image: { data: event.png, name: `stylebot-${job.id}.png` },
        buttons: resultButtons(job),
        final: true,
      };
    case 'failed':
      return { text: `${title}\n❌ Failed: ${event.error}`, final: true };
    case 'cancelled':
      return { text: `${title}\n🛑 Cancelled${event.by ? ` by ${event.by}` : ''}.`, final: true };
    case 'undeliverable':
      return { text: `${title}\n⚠️ ${event.message}`, final: true };
    default:
      return undefined;
  }
}

/** The settings a finished picture was made with, so people can reproduce or tweak it. */
export function settingsText(job: Job): string {
  const { options, result } = job;
  const parts: string[] = [];
  if (result) parts.push(`size ${result.width}×${result.height}`);
  else if (options.size) parts.push(`size ${options.size}`);
  parts.push(`${result?.iterations ?? options.iterations ?? '?'} iterations`);
  parts.push(`style weight ${formatNumber(styleWeightOf(job))}`);
  const seed = result?.seed ?? options.seed;
  if (seed !== undefined) parts.push(`seed ${seed}`);
  parts.push(`colours ${options.preserveColors ?? DEFAULT_OPTIONS.preserveColors}`);
  const scales = result?.scales ?? [];
  if (scales.length > 1) parts.push(`scales ${scales.map((s) => s.size).join('→')} px (${scales.map((s) => s.iterations).join('+')} iterations)`);
  const init = options.init ?? DEFAULT_OPTIONS.init;
  parts.push(init === 'picture' ? 'init: an earlier picture' : `init ${init}`);
  const lines = [`*Settings:* ${parts.join(' · ')}`];
  if (init === 'picture' && job.parentId) {
    lines.push(`Upscaled from job ${job.parentId}: painted again at ${options.size ?? '?'} px starting from its picture, with fewer iterations.`);
  }
  const chosen = job.result?.styles;
  if (job.artist && !job.artwork && chosen?.length === 1) lines.push(`*Artwork:* ${userText(chosen[0]!)} (of ${job.styleNames.length} works by ${userText(job.artist)}, the closest in style to the photo)`);
  else if (job.artwork) lines.push(`*Artwork:* ${userText(job.artwork)}`);
  else if (job.styleNames.length > 0) lines.push(`*Style:* ${job.styleNames.map(userText).join(' + ')}`);
  if (result) {
    const seconds = (result.msPerIteration * result.iterations) / 1000;
    lines.push(`Painted in ${formatDuration(seconds * 1000)} on ${result.backend} (${Math.round(result.msPerIteration)} ms per iteration).`);
  }
  return lines.join('\n');
}

function cancelButton(job: Job): ActionButton {
  return { action: 'cancel', label: 'Cancel', jobId: job.id };
}

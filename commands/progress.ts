// What a job's status message shows after each job event, for both platforms: queue position, a progress bar with
// the preview, and at the end the picture with the settings used (or why there is none).
import { DEFAULT_OPTIONS } from '../src/engine/validate.js';
import { imageExtension, imageMediaType } from '../src/images/index.js';
import { resultButtons, styleWeightOf } from './buttons.js';
import type { Job, JobEvent } from '../src/jobs/types.js';
import { formatDuration, formatNumber, jobLabel, progressBar, styleSummary } from './format.js';
import { bold, join, lines, type Piece, type RichText, say, user } from './reply.js';
import type { ActionButton, StatusView } from './types.js';

export function statusView(job: Job, event: JobEvent): StatusView | undefined {
  const title = say`Job ${jobLabel(job)} · ${styleSummary(job)}`;
  switch (event.type) {
    case 'queued':
    case 'position':
      return {
        text: say`${title}\n🕒 Waiting: position ${event.position} in line.`,
        buttons: [cancelButton(job)],
        final: false,
      };
    case 'started':
      return { text: say`${title}\n🎨 Painting: loading the picture…`, buttons: [cancelButton(job)], final: false };
    case 'progress': {
      const { iteration, total, etaMs, scale } = event.progress;
      const scaleText = scale && scale.count > 1 ? ` · scale ${scale.index}/${scale.count} (${scale.size} px)` : '';
      return {
        text: lines(
          title,
          `🎨 ${progressBar(iteration, total)}`,
          `iteration ${iteration}/${total}${scaleText} · ${etaMs === undefined ? 'measuring the time left' : `about ${formatDuration(etaMs)} left`}`,
        ),
        image: event.preview
          ? { data: event.preview, name: `preview-${job.id}.${imageExtension(imageMediaType(event.preview))}` }
          : undefined,
        buttons: [cancelButton(job)],
        final: false,
      };
    }
    case 'done':
      return {
        text: say`${title}\n✅ Done.\n${settingsText(job)}`,
        image: { data: event.png, name: `stylebot-${job.id}.png` },
        buttons: resultButtons(job),
        final: true,
      };
    case 'failed':
      return { text: say`${title}\n❌ Failed: ${event.error}`, final: true };
    case 'cancelled':
      return { text: say`${title}\n🛑 Cancelled${event.by ? ` by ${event.by}` : ''}.`, final: true };
    case 'undeliverable':
      return { text: say`${title}\n⚠️ ${event.message}`, final: true };
    default:
      return undefined;
  }
}

/** The settings a finished picture was made with, so people can reproduce or tweak it. */
export function settingsText(job: Job): RichText {
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
  if (scales.length > 1)
    parts.push(`scales ${scales.map((s) => s.size).join('→')} px (${scales.map((s) => s.iterations).join('+')} iterations)`);
  const init = options.init ?? DEFAULT_OPTIONS.init;
  parts.push(init === 'picture' ? 'init: an earlier picture' : `init ${init}`);
  const out: Piece[] = [say`${bold('Settings:')} ${parts.join(' · ')}`];
  if (init === 'picture' && job.parentId) {
    out.push(
      `Upscaled from job ${job.parentId}: painted again at ${options.size ?? '?'} px starting from its picture, with fewer iterations.`,
    );
  }
  const chosen = job.result?.styles;
  if (job.artist && !job.artwork && chosen?.length === 1) {
    out.push(
      say`${bold('Artwork:')} ${user(chosen[0]!)} (of ${job.styleNames.length} works by ${user(job.artist)}, the closest in style to the photo)`,
    );
  } else if (job.artwork) out.push(say`${bold('Artwork:')} ${user(job.artwork)}`);
  else if (job.styleNames.length > 0) out.push(say`${bold('Style:')} ${join(job.styleNames.map(user), ' + ')}`);
  if (result) {
    const seconds = (result.msPerIteration * result.iterations) / 1000;
    out.push(`Painted in ${formatDuration(seconds * 1000)} on ${result.backend} (${Math.round(result.msPerIteration)} ms per iteration).`);
  }
  return lines(...out);
}

/** The caption of a preview picture posted on its own (Slack): "Preview, iteration 10/20". */
export function previewCaption(progress: { iteration: number; total: number }): RichText {
  return say`Preview, iteration ${progress.iteration}/${progress.total}`;
}

function cancelButton(job: Job): ActionButton {
  return { action: 'cancel', label: 'Cancel', jobId: job.id };
}

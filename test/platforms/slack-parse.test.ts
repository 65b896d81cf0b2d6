import { describe, expect, it } from 'vitest';
import { parseMention, type ParsedMention } from '../../src/platforms/slack/request.js';
import { slackText } from '../../src/platforms/slack/render.js';

/** The first problem found, as Slack shows it (mrkdwn). */
function firstError(parsed: ParsedMention): string | undefined {
  const [first] = parsed.errors;
  return first ? slackText(first) : undefined;
}

const BOT = 'UBOT';

describe('parseMention (Slack mention grammar)', () => {
  it('reads stylize options in words after the bot mention', () => {
    const parsed = parseMention(`<@${BOT}> artist monet iterations 300 size 512 preserve colors seed 7`, BOT);
    expect(parsed).toEqual({
      command: 'stylize',
      args: { artist: 'monet', iterations: 300, size: 512, preserve_colors: 'luminance', seed: 7 },
      errors: [],
    });
  });

  it('reads scales and the artist pick, the pick also after the artist name', () => {
    expect(parseMention(`<@${BOT}> artist van gogh closest scales 3`, BOT)).toEqual({
      command: 'stylize',
      args: { artist: 'van gogh', pick: 'closest', scales: 3 },
      errors: [],
    });
    expect(parseMention(`<@${BOT}> pick random artist monet`, BOT).args).toEqual({ pick: 'random', artist: 'monet' });
    expect(parseMention(`<@${BOT}> pick best`, BOT).errors).toHaveLength(1);
  });

  it('reads two-word options, numbers in exponent form, flags and colour modes', () => {
    const parsed = parseMention(`<@${BOT}|stylebot> style weight 1e4 strength 2 init noise texture preserve reinhard`, BOT);
    expect(parsed.errors).toEqual([]);
    expect(parsed.args).toEqual({ style_weight: 1e4, style_strength: 2, init: 'noise', texture: true, preserve_colors: 'reinhard' });
    expect(parseMention('preserve luminance', BOT).args).toEqual({ preserve_colors: 'luminance' });
    expect(parseMention('no content', BOT).args).toEqual({ texture: true });
  });

  it('accepts key=value, --flags and kebab or snake names', () => {
    const parsed = parseMention('--style-weight 5e3 content_weight=2 iterations=40 size 256px tv-weight 0', BOT);
    expect(parsed.errors).toEqual([]);
    expect(parsed.args).toEqual({ style_weight: 5e3, content_weight: 2, iterations: 40, size: 256, tv_weight: 0 });
  });

  it('takes multi-word artist names up to the next option', () => {
    expect(parseMention(`<@${BOT}> artist Van Gogh size 128`, BOT).args).toEqual({ artist: 'van gogh', size: 128 });
    expect(parseMention('Artist monet', BOT).args).toEqual({ artist: 'monet' });
  });

  it('an empty mention is a stylize with no options (the handler asks for images)', () => {
    expect(parseMention(`<@${BOT}>`, BOT)).toEqual({ command: 'stylize', args: {}, errors: [] });
    expect(parseMention('', BOT)).toEqual({ command: 'stylize', args: {}, errors: [] });
  });

  it('explains unknown words, missing values and bad numbers', () => {
    expect(firstError(parseMention('iterations lots', BOT))).toMatch(/iterations.*needs a number, not "lots"/);
    expect(firstError(parseMention('size', BOT))).toMatch(/`size` needs a value, e.g. `size 512`/);
    expect(firstError(parseMention('size seed 3', BOT))).toMatch(/`size` needs a value/);
    expect(firstError(parseMention('init sideways', BOT))).toMatch(/`init` can be `content` or `noise`, not "sideways"/);
    const unknown = parseMention('please make it pretty iterations 10', BOT);
    expect(unknown.errors).toHaveLength(1);
    expect(firstError(unknown)).toMatch(/"please", "make", "it", "pretty"/);
    expect(unknown.args).toEqual({ iterations: 10 });
    expect(firstError(parseMention('artist', BOT))).toMatch(/needs a name/);
  });

  it('recognises the other commands', () => {
    expect(parseMention(`<@${BOT}> help`, BOT)).toEqual({ command: 'help', args: {}, errors: [] });
    expect(parseMention(`<@${BOT}> artists`, BOT)).toEqual({ command: 'artists', args: {}, errors: [] });
    expect(parseMention(`<@${BOT}> artists Monet`, BOT).args).toEqual({ artist: 'monet' });
    expect(parseMention(`<@${BOT}> jobs`, BOT).command).toBe('jobs');
    expect(parseMention(`<@${BOT}> compare`, BOT).command).toBe('compare');
    expect(parseMention(`<@${BOT}> stats days 7`, BOT)).toEqual({ command: 'stats', args: { days: 7 }, errors: [] });
  });

  it('keeps the case of job ids and work file names', () => {
    expect(parseMention(`<@${BOT}> cancel AbC-123_x`, BOT)).toEqual({ command: 'cancel', args: { job_id: 'AbC-123_x' }, errors: [] });
    expect(firstError(parseMention('cancel', BOT))).toMatch(/Which job\?/);
    expect(parseMention(`<@${BOT}> artist remove monet Haystacks.jpg`, BOT)).toEqual({
      command: 'artist',
      subcommand: 'remove',
      args: { artist: 'monet', work: 'Haystacks.jpg' },
      errors: [],
    });
    expect(parseMention(`<@${BOT}> artist add Hilma af Klint`, BOT)).toEqual({
      command: 'artist',
      subcommand: 'add',
      args: { artist: 'Hilma af Klint' },
      errors: [],
    });
    expect(firstError(parseMention('artist remove monet', BOT))).toMatch(/artist remove NAME WORK/);
  });

  it('reads admin quota commands with a target user mention', () => {
    expect(parseMention(`<@${BOT}> quota set <@U123|ann> jobs per day 50 max-size 1024 max_queued=5`, BOT)).toEqual({
      command: 'quota',
      subcommand: 'set',
      args: { user: 'U123', jobs_per_day: 50, max_size: 1024, max_queued: 5 },
      errors: [],
    });
    expect(parseMention(`<@${BOT}> quota defaults gpu seconds 600 iterations 200`, BOT)).toEqual({
      command: 'quota',
      subcommand: 'defaults',
      args: { gpu_seconds_per_day: 600, max_iterations: 200 },
      errors: [],
    });
    expect(parseMention(`<@${BOT}> quota reset <@U9>`, BOT)).toEqual({
      command: 'quota',
      subcommand: 'reset',
      args: { user: 'U9' },
      errors: [],
    });
    expect(parseMention(`<@${BOT}> quota`, BOT)).toEqual({ command: 'quota', subcommand: 'show', args: {}, errors: [] });
  });

  it('drops link markup and survives odd input', () => {
    expect(parseMention('<https://example.com|example> size 64', BOT).args).toEqual({ size: 64 });
    expect(parseMention(undefined as unknown as string, BOT).command).toBe('stylize');
    expect(firstError(parseMention('help me please', BOT))).toMatch(/takes no words/);
  });
});

// One option table, every surface: the CLI flags, Discord's /stylize definitions (as Discord itself enforces them,
// then as the bot reads them), Slack's words, the studio's JSON (web) and the engine's own checks accept and refuse
// exactly the same values, field by field, at and around every bound.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkRequest, resolveOptions } from '../../src/engine/validate.js';
import { isUserError } from '../../src/errors.js';
import { fieldsFor, OPTION_FIELDS, snakeName, type OptionField, type Surface } from '../../src/options/fields.js';
import { checkFieldValue, describeOptions, normaliseBlendWeights, parseOptions, rangeHelp } from '../../src/options/schema.js';
import { DISCORD_COMMANDS } from '../../src/platforms/discord/commands.js';
import { parseMention } from '../../src/platforms/slack/request.js';
import { REPO_ROOT } from '../helpers/shared.js';

type Value = number | string;

/** Values at and around the field's bounds, in the form people type them. */
function samples(field: OptionField): Value[] {
  switch (field.kind) {
    case 'integer':
      return [field.min, field.max, field.min - 1, field.max + 1, field.min + 0.5, '0x5', 'ten', '1e2'];
    case 'number':
      return [field.min, field.max, field.min > 0 ? field.min / 2 : -1, field.max * 10, (field.min + field.max) / 2, 'abc', '1e36', '0x10'];
    case 'choice':
      return [...field.choices, 'bogus'];
    case 'numbers':
      return field.length === 5
        ? ['1,1,1,1,1', '0,0,0,0,0', '1,2', `1,1,1,1,${field.max * 2}`, `${field.max},0,0,0,0`, '-1,1,1,1,1']
        : ['1,0.5', '0,0', `${field.max},1`, `${field.max * 2},1`, '1e308,1e308', '-1,2'];
  }
}

function accepts(check: () => unknown): boolean {
  try {
    check();
    return true;
  } catch (error) {
    if (!isUserError(error)) throw error;
    return false;
  }
}

const stylize = DISCORD_COMMANDS.find((c) => c.name === 'stylize') as { options?: { name: string }[] };

/** What Discord's client and API let through for an option definition, then what the bot accepts. */
function discordAccepts(field: OptionField, value: Value): boolean {
  const option = (stylize.options ?? []).find((o) => o.name === snakeName(field)) as
    | { type: number; min_value?: number; max_value?: number; choices?: { value: string }[] }
    | undefined;
  if (!option) throw new Error(`Discord has no option ${snakeName(field)}`);
  let sent: Value = value;
  if (option.type === 4 || option.type === 10) {
    // Discord's client only sends numbers (integers for type 4) within min_value..max_value.
    const n = typeof value === 'number' ? value : Number.NaN;
    if (!Number.isFinite(n) || (option.type === 4 && !Number.isInteger(n))) return false;
    if ((option.min_value !== undefined && n < option.min_value) || (option.max_value !== undefined && n > option.max_value)) return false;
    sent = n;
  } else if (option.choices && !option.choices.some((c) => c.value === value)) {
    return false;
  }
  return accepts(() => parseOptions({ [snakeName(field)]: sent }, 'discord'));
}

/** A Slack mention with the option's words and the value, as a person types it. */
function slackAccepts(field: OptionField, value: Value): boolean {
  const parsed = parseMention(`<@UBOT> ${field.name.replace(/-/g, ' ')} ${value}`, 'UBOT');
  if (parsed.errors.length > 0) return false;
  return accepts(() => parseOptions(parsed.args as Record<string, string | number | boolean>, 'slack'));
}

function engineAccepts(field: OptionField, value: Value): boolean | undefined {
  const typed = typeof value === 'string' && field.kind === 'numbers' ? value.split(',').map(Number) : value;
  if (field.name === 'style-blend-weights') {
    const image = new Uint8Array([1]);
    const weights = typed as number[];
    return accepts(() => checkRequest({ content: image, styles: weights.map((weight) => ({ image, weight })) }));
  }
  if (!field.engineKey) return undefined;
  // The engine takes typed values; text is what the other surfaces turn into numbers first.
  if (typeof typed === 'string' && field.kind !== 'choice') return undefined;
  return accepts(() => resolveOptions({ [field.engineKey!]: typed }));
}

const SURFACES: Surface[] = ['cli', 'discord', 'slack', 'web'];

describe('every surface accepts and refuses the same values', () => {
  for (const field of OPTION_FIELDS) {
    it(`${field.name}`, () => {
      for (const value of samples(field)) {
        const expected = accepts(() => checkFieldValue(field, value));
        const got: Record<string, boolean | undefined> = {};
        for (const surface of SURFACES) {
          if (!field.surfaces.includes(surface)) continue;
          if (surface === 'cli') got.cli = accepts(() => parseOptions({ [field.name]: String(value) }, 'cli'));
          if (surface === 'web') got.web = accepts(() => parseOptions({ [snakeName(field)]: value }, 'web'));
          if (surface === 'slack') got.slack = slackAccepts(field, value);
          if (surface === 'discord' && !(typeof value === 'string' && field.kind !== 'choice')) got.discord = discordAccepts(field, value);
        }
        const engine = engineAccepts(field, value);
        if (engine !== undefined) got.engine = engine;
        for (const [surface, ok] of Object.entries(got)) expect(ok, `${field.name} ${String(value)} on ${surface}`).toBe(expected);
      }
    });
  }

  it('refuses the values from the bug reports everywhere: 1e36 weights, 0x5 iterations, 1e308 blend weights', () => {
    expect(() => parseOptions({ 'style-weight': '1e36' }, 'cli')).toThrow(/style-weight must be a number from 0 to 1e10/);
    expect(() => parseOptions({ iterations: '0x5' }, 'cli')).toThrow(/iterations must be a whole number from 1 to 10000 \(got "0x5"\)/);
    expect(() => parseOptions({ 'style-blend-weights': '1e308,1e308' }, 'cli')).toThrow(/from 0 to 1e6/);
    expect(() => resolveOptions({ styleWeight: 1e36 })).toThrow(/style-weight/);
    // Normalising never overflows, whatever it is given.
    expect(normaliseBlendWeights([1e308, 1e308])).toEqual([0.5, 0.5]);
    expect(normaliseBlendWeights([3, 1])).toEqual([0.75, 0.25]);
  });
});

describe('derived surfaces', () => {
  it("Discord /stylize has exactly the table's Discord fields, with their ranges and choices", () => {
    for (const field of fieldsFor('discord')) {
      const option = (stylize.options ?? []).find((o) => o.name === snakeName(field)) as Record<string, unknown>;
      expect(option, field.name).toBeDefined();
      if (field.kind === 'integer' || field.kind === 'number') expect([option.min_value, option.max_value]).toEqual([field.min, field.max]);
      if (field.kind === 'choice') expect((option.choices as { value: string }[]).map((c) => c.value)).toEqual(field.choices);
      expect(String(option.description).length).toBeLessThanOrEqual(100);
    }
  });

  it('describes every field as JSON for the studio: name, kind, range, default, choices, help', () => {
    const described = JSON.parse(JSON.stringify(describeOptions()));
    expect(described.map((d: { name: string }) => d.name)).toEqual(OPTION_FIELDS.map((f) => f.name));
    expect(described.find((d: { name: string }) => d.name === 'iterations')).toMatchObject({
      kind: 'integer',
      min: 1,
      max: 10000,
      integer: true,
      step: 1,
      default: 500,
    });
    expect(described.find((d: { name: string }) => d.name === 'optimizer')).toMatchObject({
      kind: 'choice',
      choices: ['lbfgs', 'adam'],
      default: 'lbfgs',
    });
    for (const d of described) expect(typeof d.help).toBe('string');
  });

  it("the README states every CLI option's range as the table has it", () => {
    const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8').replace(/\\\|/g, '|');
    for (const field of fieldsFor('cli')) expect(readme, field.name).toContain(`| \`--${field.name}`);
    for (const field of fieldsFor('cli')) expect(readme, field.name).toContain(rangeHelp(field));
  });
});

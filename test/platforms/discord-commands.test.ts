// The registered command definitions against Discord's documented limits (checked here on the JSON itself, not by
// the builders that made it), and which commands members do not see.
import { describe, expect, it } from 'vitest';
import { ADMIN_COMMANDS, DISCORD_COMMANDS } from '../../src/platforms/discord/commands.js';

interface Option {
  type: number;
  name: string;
  description: string;
  required?: boolean;
  choices?: { name: string; value: string | number }[];
  options?: Option[];
  min_value?: number;
  max_value?: number;
}
interface Command {
  type?: number;
  name: string;
  description: string;
  options?: Option[];
  default_member_permissions?: string | null;
}

const commands = DISCORD_COMMANDS as unknown as Command[];
const chatInput = commands.filter((c) => (c.type ?? 1) === 1);
const messageMenu = commands.filter((c) => c.type === 3);
const NAME = /^[-_\p{L}\p{N}]{1,32}$/u;

/** Every option at any depth (sub-commands' options included). */
function walk(options: Option[] = [], visit: (option: Option, siblings: Option[]) => void): void {
  for (const option of options) {
    visit(option, options);
    walk(option.options, visit);
  }
}

/** Discord's 4000-character budget: names, descriptions, choice names and values, at every level. */
function characters(command: Command): number {
  let total = command.name.length + command.description.length;
  walk(command.options, (o) => {
    total += o.name.length + o.description.length;
    for (const c of o.choices ?? []) total += c.name.length + String(c.value).length;
  });
  return total;
}

describe('Discord command definitions', () => {
  it("stay within Discord's limits on counts, names, descriptions, options and choices", () => {
    expect(chatInput.length).toBeLessThanOrEqual(100);
    expect(messageMenu.length).toBeGreaterThan(0);
    expect(messageMenu.length).toBeLessThanOrEqual(5);
    expect(new Set(commands.map((c) => `${c.type ?? 1}/${c.name}`)).size).toBe(commands.length);
    for (const command of chatInput) {
      expect(command.name, command.name).toMatch(NAME);
      expect(command.name).toBe(command.name.toLowerCase());
      expect(command.description.length, command.name).toBeGreaterThan(0);
      expect(command.description.length, command.name).toBeLessThanOrEqual(100);
      expect(characters(command), command.name).toBeLessThanOrEqual(4000);
      expect((command.options ?? []).length, command.name).toBeLessThanOrEqual(25);
      walk(command.options, (option, siblings) => {
        const where = `${command.name} ${option.name}`;
        expect(option.name, where).toMatch(NAME);
        expect(option.name, where).toBe(option.name.toLowerCase());
        expect(option.description.length, where).toBeGreaterThan(0);
        expect(option.description.length, where).toBeLessThanOrEqual(100);
        expect((option.options ?? []).length, where).toBeLessThanOrEqual(25);
        expect((option.choices ?? []).length, where).toBeLessThanOrEqual(25);
        for (const choice of option.choices ?? []) expect(choice.name.length * String(choice.value).length, where).toBeGreaterThan(0);
        for (const choice of option.choices ?? [])
          expect(Math.max(choice.name.length, String(choice.value).length), where).toBeLessThanOrEqual(100);
        if (option.min_value !== undefined && option.max_value !== undefined)
          expect(option.min_value, where).toBeLessThanOrEqual(option.max_value);
        expect(
          siblings.filter((s) => s.name === option.name),
          where,
        ).toHaveLength(1);
      });
      // Required options come before optional ones.
      walk([{ type: 1, name: command.name, description: '-', options: command.options }], (option) => {
        const required = (option.options ?? []).map((o) => o.required === true);
        expect(
          required.indexOf(false) === -1 || required.lastIndexOf(true) < required.indexOf(false),
          `${command.name} ${option.name}`,
        ).toBe(true);
      });
    }
    for (const command of messageMenu) {
      expect(command.name.length).toBeGreaterThan(0);
      expect(command.name.length).toBeLessThanOrEqual(32);
      expect(command.description ?? '').toBe('');
      expect(command.options ?? []).toEqual([]);
    }
  });

  it('registers French, German, Spanish, Japanese and Brazilian Portuguese names and descriptions within the limits', () => {
    const stylize = commands.find((c) => c.name === 'stylize') as Command & {
      name_localizations?: Record<string, string>;
      description_localizations?: Record<string, string>;
    };
    expect(stylize.name_localizations?.fr).toBe('styliser');
    expect(stylize.description_localizations?.fr).toMatch(/Peindre une photo/);
    expect(Object.keys(stylize.description_localizations ?? {}).sort()).toEqual(['de', 'es-ES', 'fr', 'ja', 'pt-BR']);
    const menu = commands.find((c) => c.name === 'Stylize with...') as Command & { name_localizations?: Record<string, string> };
    expect(menu.name_localizations?.fr).toBe('Styliser avec...');
    for (const command of commands as (Command & {
      name_localizations?: Record<string, string>;
      description_localizations?: Record<string, string>;
    })[]) {
      for (const name of Object.values(command.name_localizations ?? {})) {
        if ((command.type ?? 1) === 1) expect(name).toMatch(NAME);
        if ((command.type ?? 1) === 1) expect(name).toBe(name.toLowerCase());
        expect(name.length).toBeLessThanOrEqual(32);
      }
      for (const description of Object.values(command.description_localizations ?? {})) expect(description.length).toBeLessThanOrEqual(100);
    }
  });

  it('hides the admin commands from members (Manage Server), and only those', () => {
    const hidden = commands.filter((c) => c.default_member_permissions != null);
    expect(hidden.map((c) => c.name).sort()).toEqual(['artist', 'quota-admin', 'server-settings', 'stats']);
    expect([...ADMIN_COMMANDS].sort()).toEqual(['artist', 'quota-admin', 'server-settings', 'stats']);
    for (const command of hidden) expect(command.default_member_permissions).toBe('32');
    // A member's own quota stays open: /quota only shows; changing quotas lives in the admin command.
    const quota = commands.find((c) => c.name === 'quota')!;
    expect(quota.options?.map((o) => o.name)).toEqual(['show']);
    const quotaAdmin = commands.find((c) => c.name === 'quota-admin')!;
    expect(quotaAdmin.options?.map((o) => o.name)).toEqual(['set', 'reset', 'defaults']);
  });
});

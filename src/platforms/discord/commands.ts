// The slash commands Stylebot registers with Discord (the JSON the REST API takes), and where to PUT them.
import {
  ApplicationCommandOptionType as Opt,
  type APIApplicationCommandBasicOption as Option,
  type RESTPutAPIApplicationCommandsJSONBody,
} from 'discord.js';
import { fieldNamed, fieldsFor, snakeName, type NumberListField, type OptionField } from '../../options/fields.js';
import { rangeHelp } from '../../options/schema.js';
import { IMAGE_MENU_COMMANDS } from './image-menu.js';

const attachment = (name: string, description: string, required = false): Option => ({
  type: Opt.Attachment,
  name,
  description,
  required,
});

const integer = (name: string, description: string, min: number, max: number, required = false): Option => ({
  type: Opt.Integer,
  name,
  description,
  min_value: min,
  max_value: max,
  required,
});

/** A Discord option from the option table (src/options/fields.ts): same name (snake case), range and choices. */
export function discordOption(field: OptionField): Option {
  const description = clip(`${field.help} (${rangeHelp(field)})`, 100);
  const name = snakeName(field);
  switch (field.kind) {
    case 'integer':
      return { type: Opt.Integer, name, description, min_value: field.min, max_value: field.max };
    case 'number':
      return { type: Opt.Number, name, description, min_value: field.min, max_value: field.max };
    case 'choice':
      return { type: Opt.String, name, description, choices: field.choices.map((value) => ({ name: field.labels?.[value] ?? value, value })) };
    case 'numbers':
      return { type: Opt.String, name, description };
  }
}

function blendWeight(name: string, description: string): Option {
  const field = fieldNamed('style-blend-weights') as NumberListField;
  return { type: Opt.Number, name, description, min_value: field.min, max_value: field.max };
}

function clip(text: string, limit: number): string {
  return text.length <= limit ? text : `${text.slice(0, limit - 1)}…`;
}

const quotaNumbers: Option[] = [
  integer('jobs_per_day', 'Jobs per day', 0, 100_000),
  integer('gpu_seconds_per_day', 'Engine seconds per day', 0, 10_000_000),
  integer('max_queued', 'Jobs waiting at once', 0, 1000),
  integer('max_size', 'Largest output side in pixels', 32, 4096),
  integer('max_iterations', 'Most iterations per job', 1, 100_000),
];

export const DISCORD_COMMANDS: RESTPutAPIApplicationCommandsJSONBody = [
  {
    name: 'stylize',
    description: 'Paint a photo in the style of a painting (or of an artist)',
    options: [
      attachment('content', 'The photo to paint (leave out for a texture from the style alone)'),
      attachment('style', 'The painting whose style to use'),
      { type: Opt.String, name: 'artist', description: 'Use a work of this artist instead of a style image', autocomplete: true },
      attachment('style2', 'A second style image to blend in'),
      attachment('style3', 'A third style image to blend in'),
      blendWeight('style_weight2', 'Blend weight of style2 (style is 1)'),
      blendWeight('style_weight3', 'Blend weight of style3 (style is 1)'),
      ...fieldsFor('discord').map(discordOption),
    ],
  },
  {
    name: 'artists',
    description: 'The artists Stylebot knows, or the works of one',
    options: [{ type: Opt.String, name: 'artist', description: 'Show the works of this artist', autocomplete: true }],
  },
  { name: 'jobs', description: 'Your recent style-transfer jobs' },
  {
    name: 'cancel',
    description: 'Cancel one of your jobs',
    options: [{ type: Opt.String, name: 'job_id', description: 'The job id (see /jobs)', required: true }],
  },
  {
    name: 'compare',
    description: 'How far apart are the styles of two images?',
    options: [attachment('image1', 'First image', true), attachment('image2', 'Second image', true)],
  },
  { name: 'help', description: 'How to use Stylebot' },
  {
    name: 'quota',
    description: 'Show or (admins) change usage limits',
    options: [
      {
        type: Opt.Subcommand,
        name: 'show',
        description: "Your quota, or (admins) someone else's",
        options: [{ type: Opt.User, name: 'user', description: 'Whose quota' }],
      },
      {
        type: Opt.Subcommand,
        name: 'set',
        description: "Change a user's limits (admins)",
        options: [{ type: Opt.User, name: 'user', description: 'Whose quota', required: true }, ...quotaNumbers],
      },
      {
        type: Opt.Subcommand,
        name: 'reset',
        description: "Reset a user's usage today (admins)",
        options: [{ type: Opt.User, name: 'user', description: 'Whose usage', required: true }],
      },
      {
        type: Opt.Subcommand,
        name: 'defaults',
        description: "Show or change this server's default limits (admins)",
        options: quotaNumbers,
      },
    ],
  },
  {
    name: 'artist',
    description: 'Add or remove artworks of the artist collection (admins)',
    options: [
      {
        type: Opt.Subcommand,
        name: 'add',
        description: 'Add an artwork',
        options: [
          { type: Opt.String, name: 'name', description: 'Artist name', required: true, autocomplete: true },
          attachment('image', 'The artwork', true),
        ],
      },
      {
        type: Opt.Subcommand,
        name: 'remove',
        description: 'Remove an artwork',
        options: [
          { type: Opt.String, name: 'name', description: 'Artist name', required: true, autocomplete: true },
          { type: Opt.String, name: 'work', description: 'File name of the work (see /artists)', required: true },
        ],
      },
    ],
  },
  {
    name: 'stats',
    description: 'Usage statistics of this server (admins)',
    options: [integer('days', 'How many days back', 1, 365)],
  },
  ...IMAGE_MENU_COMMANDS,
];

/** The OAuth2 URL that adds the bot to a server with the scopes it needs (bot + slash commands). */
export function inviteUrl(applicationId: string): string {
  // Send Messages, Attach Files, Embed Links, Read Message History, View Channel.
  const permissions = (1n << 11n) | (1n << 15n) | (1n << 14n) | (1n << 16n) | (1n << 10n);
  const params = new URLSearchParams({ client_id: applicationId, scope: 'bot applications.commands', permissions: String(permissions) });
  return `https://discord.com/oauth2/authorize?${params}`;
}

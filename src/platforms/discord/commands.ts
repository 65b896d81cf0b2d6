// The commands Stylebot registers with Discord, built with @discordjs/builders (re-exported by discord.js, which
// checks names, lengths and option order as it builds), and where to PUT them. Admin-only commands carry
// default_member_permissions (Manage Server), so members do not see them; the bot still checks admins at run time.
import {
  ApplicationCommandType,
  ContextMenuCommandBuilder,
  PermissionFlagsBits,
  SlashCommandBuilder,
  type RESTPostAPIApplicationCommandsJSONBody,
  type SlashCommandIntegerOption,
  type SlashCommandNumberOption,
  type SlashCommandStringOption,
  type SlashCommandSubcommandBuilder,
} from 'discord.js';
import { fieldNamed, fieldsFor, snakeName, type NumberListField, type OptionField } from '../../options/fields.js';
import { rangeHelp } from '../../options/schema.js';
import { en, type MessageKey } from '../../../commands/locales/en.js';
import { localizations } from '../../../commands/locales/index.js';
import { STYLIZE_WITH, USE_AS_STYLE } from './image-menu.js';

/** The admin command that changes quotas (/quota itself only shows one's own). */
export const QUOTA_ADMIN_COMMAND = 'quota-admin';

/** Discord command names that run another command's handler (name -> handler command). */
export const COMMAND_ALIASES: Readonly<Record<string, string>> = { [QUOTA_ADMIN_COMMAND]: 'quota' };

const ADMINS_ONLY = PermissionFlagsBits.ManageGuild;

type Described = { setName(name: string): unknown; setDescription(text: string): unknown };
const named = <T extends Described>(option: T, name: string, description: string, required = false): T => {
  option.setName(name);
  option.setDescription(description);
  (option as unknown as { setRequired(required: boolean): unknown }).setRequired(required);
  return option;
};

const bounded = <T extends SlashCommandIntegerOption | SlashCommandNumberOption>(option: T, min: number, max: number): T => {
  option.setMinValue(min).setMaxValue(max);
  return option;
};

function clip(text: string, limit: number): string {
  return text.length <= limit ? text : `${text.slice(0, limit - 1)}…`;
}

/** Adds the Discord option of one option-table field (src/options/fields.ts): same name (snake case), range, choices. */
function addFieldOption(command: SlashCommandBuilder, field: OptionField): void {
  const description = clip(`${field.help} (${rangeHelp(field)})`, 100);
  const name = snakeName(field);
  switch (field.kind) {
    case 'integer':
      command.addIntegerOption((o) => bounded(named(o, name, description), field.min, field.max));
      return;
    case 'number':
      command.addNumberOption((o) => bounded(named(o, name, description), field.min, field.max));
      return;
    case 'choice':
      command.addStringOption((o) =>
        named(o, name, description).addChoices(...field.choices.map((value) => ({ name: field.labels?.[value] ?? value, value }))),
      );
      return;
    case 'numbers':
      command.addStringOption((o) => named(o, name, description));
  }
}

const artistOption =
  (description: string, required = false) =>
  (o: SlashCommandStringOption) =>
    named(o, 'artist', description, required).setAutocomplete(true);

function quotaNumbers(sub: SlashCommandSubcommandBuilder): SlashCommandSubcommandBuilder {
  return sub
    .addIntegerOption((o) => bounded(named(o, 'jobs_per_day', 'Jobs per day'), 0, 100_000))
    .addIntegerOption((o) => bounded(named(o, 'gpu_seconds_per_day', 'Engine seconds per day'), 0, 10_000_000))
    .addIntegerOption((o) => bounded(named(o, 'max_queued', 'Jobs waiting at once'), 0, 1000))
    .addIntegerOption((o) => bounded(named(o, 'max_size', 'Largest output side in pixels'), 32, 4096))
    .addIntegerOption((o) => bounded(named(o, 'max_iterations', 'Most iterations per job'), 1, 100_000));
}

function stylizeCommand(): SlashCommandBuilder {
  const blend = fieldNamed('style-blend-weights') as NumberListField;
  const command = new SlashCommandBuilder().setName('stylize').setDescription('Paint a photo in the style of a painting (or of an artist)');
  command
    .addAttachmentOption((o) => named(o, 'content', 'The photo to paint (leave out for a texture from the style alone)'))
    .addAttachmentOption((o) => named(o, 'style', 'The painting whose style to use'))
    .addStringOption((o) => named(o, 'artist', 'Use a work of this artist instead of a style image').setAutocomplete(true))
    .addAttachmentOption((o) => named(o, 'style2', 'A second style image to blend in'))
    .addAttachmentOption((o) => named(o, 'style3', 'A third style image to blend in'))
    .addNumberOption((o) => bounded(named(o, 'style_weight2', 'Blend weight of style2 (style is 1)'), blend.min, blend.max))
    .addNumberOption((o) => bounded(named(o, 'style_weight3', 'Blend weight of style3 (style is 1)'), blend.min, blend.max));
  for (const field of fieldsFor('discord')) addFieldOption(command, field);
  return command;
}

function buildCommands(): RESTPostAPIApplicationCommandsJSONBody[] {
  const slash = [
    stylizeCommand(),
    new SlashCommandBuilder()
      .setName('artists')
      .setDescription('The artists Stylebot knows, or the works of one')
      .addStringOption(artistOption('Show the works of this artist')),
    new SlashCommandBuilder().setName('jobs').setDescription('Your recent style-transfer jobs'),
    new SlashCommandBuilder()
      .setName('cancel')
      .setDescription('Cancel one of your jobs')
      .addStringOption((o) => named(o, 'job_id', 'The job id (see /jobs)', true)),
    new SlashCommandBuilder()
      .setName('compare')
      .setDescription('How far apart are the styles of two images?')
      .addAttachmentOption((o) => named(o, 'image1', 'First image', true))
      .addAttachmentOption((o) => named(o, 'image2', 'Second image', true)),
    new SlashCommandBuilder()
      .setName('show')
      .setDescription('Post a finished picture of yours again, with its buttons')
      .addStringOption((o) => named(o, 'job_id', 'The job id (see /jobs)', true)),
    new SlashCommandBuilder().setName('help').setDescription('How to use Stylebot'),
    new SlashCommandBuilder()
      .setName('quota')
      .setDescription('Your usage limits and what you used today')
      .addSubcommand((sub) =>
        sub
          .setName('show')
          .setDescription("Your quota (admins: someone else's)")
          .addUserOption((o) => named(o, 'user', 'Whose quota (admins)')),
      ),
    new SlashCommandBuilder()
      .setName(QUOTA_ADMIN_COMMAND)
      .setDescription('Change usage limits (admins)')
      .setDefaultMemberPermissions(ADMINS_ONLY)
      .addSubcommand((sub) =>
        quotaNumbers(
          sub
            .setName('set')
            .setDescription("Change a user's limits")
            .addUserOption((o) => named(o, 'user', 'Whose quota', true)),
        ),
      )
      .addSubcommand((sub) =>
        sub
          .setName('reset')
          .setDescription("Reset a user's usage today")
          .addUserOption((o) => named(o, 'user', 'Whose usage', true)),
      )
      .addSubcommand((sub) => quotaNumbers(sub.setName('defaults').setDescription("Show or change this server's default limits"))),
    new SlashCommandBuilder()
      .setName('artist')
      .setDescription('Add or remove artworks of the artist collection (admins)')
      .setDefaultMemberPermissions(ADMINS_ONLY)
      .addSubcommand((sub) =>
        sub
          .setName('add')
          .setDescription('Add an artwork')
          .addStringOption((o) => named(o, 'name', 'Artist name', true).setAutocomplete(true))
          .addAttachmentOption((o) => named(o, 'image', 'The artwork', true)),
      )
      .addSubcommand((sub) =>
        sub
          .setName('remove')
          .setDescription('Remove an artwork')
          .addStringOption((o) => named(o, 'name', 'Artist name', true).setAutocomplete(true))
          .addStringOption((o) => named(o, 'work', 'File name of the work (see /artists)', true)),
      ),
    new SlashCommandBuilder()
      .setName('server-settings')
      .setDescription('Where Stylebot works in this server, its defaults, public or private results (admins)')
      .setDefaultMemberPermissions(ADMINS_ONLY)
      .addSubcommand((sub) => sub.setName('show').setDescription('The settings now'))
      .addSubcommand((sub) =>
        sub
          .setName('set')
          .setDescription('Default budget and size, public or private results')
          .addIntegerOption((o) =>
            bounded(named(o, 'default_budget', 'Seconds of painting when a job names no budget or iterations'), 5, 3600),
          )
          .addIntegerOption((o) => bounded(named(o, 'default_size', 'Longest side in px when a job names no size'), 32, 4096))
          .addStringOption((o) =>
            named(o, 'results', 'Post results in the channel, or show them to the requester only').addChoices(
              { name: 'public', value: 'public' },
              { name: 'private', value: 'private' },
            ),
          )
          .addBooleanOption((o) => named(o, 'clear_defaults', "Go back to the bot's default budget and size")),
      )
      .addSubcommand((sub) =>
        sub
          .setName('allow_channel')
          .setDescription('Take commands in this channel (then only in allowed ones)')
          .addChannelOption((o) => named(o, 'channel', 'The channel', true)),
      )
      .addSubcommand((sub) =>
        sub
          .setName('disallow_channel')
          .setDescription('Stop taking commands in this channel')
          .addChannelOption((o) => named(o, 'channel', 'The channel', true)),
      )
      .addSubcommand((sub) => sub.setName('all_channels').setDescription('Take commands in every channel again')),
    new SlashCommandBuilder()
      .setName('stats')
      .setDescription('Usage statistics of this server (admins)')
      .setDefaultMemberPermissions(ADMINS_ONLY)
      .addIntegerOption((o) => bounded(named(o, 'days', 'How many days back'), 1, 365)),
  ];
  for (const command of slash) {
    const names = catalogued(`cmd.${command.name}.name`);
    const descriptions = catalogued(`cmd.${command.name}.description`);
    if (names) command.setNameLocalizations(names);
    if (descriptions) command.setDescriptionLocalizations(descriptions);
  }
  const menuKeys = { [STYLIZE_WITH]: 'menu.stylizeWith', [USE_AS_STYLE]: 'menu.useAsStyle' } as const;
  const menu = ([STYLIZE_WITH, USE_AS_STYLE] as const).map((name) =>
    new ContextMenuCommandBuilder()
      .setName(name)
      .setType(ApplicationCommandType.Message)
      .setNameLocalizations(localizations(menuKeys[name])),
  );
  return [...slash.map((c) => c.toJSON()), ...menu.map((c) => c.toJSON())];
}

/** A catalogue key's translations, or undefined when the key is not in the catalogues. */
function catalogued(key: string): Record<string, string> | undefined {
  return key in en ? localizations(key as MessageKey) : undefined;
}

/** Every command definition, as PUT to Discord (`stylebot register`; `stylebot register --print` shows them). */
export const DISCORD_COMMANDS: RESTPostAPIApplicationCommandsJSONBody[] = buildCommands();

/** Names of the commands only admins see (default_member_permissions set). */
export const ADMIN_COMMANDS: readonly string[] = DISCORD_COMMANDS.filter((c) => c.default_member_permissions != null).map((c) => c.name);

/** The OAuth2 URL that adds the bot to a server with the scopes it needs (bot + slash commands). */
export function inviteUrl(applicationId: string): string {
  // Send Messages, Attach Files, Embed Links, Read Message History, View Channel.
  const permissions = (1n << 11n) | (1n << 15n) | (1n << 14n) | (1n << 16n) | (1n << 10n);
  const params = new URLSearchParams({ client_id: applicationId, scope: 'bot applications.commands', permissions: String(permissions) });
  return `https://discord.com/oauth2/authorize?${params}`;
}

// `stylebot register`: PUTs the slash commands to Discord (globally, or to one server for instant updates while
// testing) and prints the URL that adds the bot to a server.
import { parseArgs } from 'node:util';
import { REST, Routes } from 'discord.js';
import { DISCORD_COMMANDS, inviteUrl } from '../platforms/discord/commands.js';

const USAGE = `stylebot register [--guild ID | --global] [--print]

Registers Stylebot's slash commands with Discord and prints the invite URL.
  --guild ID   register in one server only (instant; default: DISCORD_GUILD_ID when set)
  --global     register globally even when DISCORD_GUILD_ID is set (can take up to an hour to appear)
  --print      print the command definitions as JSON and register nothing
Environment: DISCORD_TOKEN, DISCORD_APP_ID (required), DISCORD_GUILD_ID, DISCORD_API_BASE (optional).`;

export async function run(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let flags;
  try {
    flags = parseArgs({
      args: argv,
      options: {
        guild: { type: 'string' },
        global: { type: 'boolean', default: false },
        print: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (error) {
    console.error(`stylebot register: ${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (flags.help) {
    console.log(USAGE);
    return 0;
  }
  if (flags.print) {
    console.log(JSON.stringify(DISCORD_COMMANDS, null, 2));
    return 0;
  }

  const token = env.DISCORD_TOKEN?.trim();
  const applicationId = env.DISCORD_APP_ID?.trim();
  const problems = [
    token ? undefined : 'DISCORD_TOKEN is not set (the bot token from the Discord developer portal).',
    applicationId ? undefined : 'DISCORD_APP_ID is not set (the application id from the Discord developer portal).',
  ].filter((p): p is string => p !== undefined);
  if (problems.length > 0) {
    console.error(problems.join('\n'));
    return 2;
  }
  const guildId = flags.global ? undefined : flags.guild?.trim() || env.DISCORD_GUILD_ID?.trim() || undefined;
  if (guildId !== undefined && !/^\d{5,25}$/.test(guildId)) {
    console.error(`The server id "${guildId}" is not a Discord id (digits only).`);
    return 2;
  }

  const apiBase = env.DISCORD_API_BASE?.trim();
  const rest = new REST(apiBase ? { api: apiBase } : {}).setToken(token!);
  const route = guildId ? Routes.applicationGuildCommands(applicationId!, guildId) : Routes.applicationCommands(applicationId!);
  try {
    const saved = (await rest.put(route, { body: DISCORD_COMMANDS })) as unknown[];
    console.log(`Registered ${saved.length} commands ${guildId ? `in server ${guildId}` : 'globally'}.`);
  } catch (error) {
    console.error(`Could not register the commands: ${(error as Error).message}`);
    return 1;
  }
  console.log(`Add the bot to a server: ${inviteUrl(applicationId!)}`);
  return 0;
}

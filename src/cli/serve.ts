// `stylebot serve` (and `npm start`): runs every bot that has credentials, Discord and Slack side by side,
// sharing one job service (one queue, one database, one pool of engine workers).
import { hostname } from 'node:os';
import type { CommandContext } from '../../commands/types.js';
import { ConfigError, loadDotEnv, readBotConfig, readDatabaseConfig } from '../config.js';
import { createJobService, jobServiceOptionsFromEnv } from '../jobs/index.js';
import { openStore } from './store.js';

interface RunningBot {
  name: string;
  stop(): Promise<void>;
}

export async function run(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(`stylebot serve: run the Discord and/or Slack bot.

Discord runs when DISCORD_TOKEN and DISCORD_APP_ID are set; Slack when SLACK_BOT_TOKEN is set (Socket Mode with
SLACK_APP_TOKEN, otherwise HTTP on PORT with SLACK_SIGNING_SECRET). Both share one queue and one database.
See README.md for every variable. A .env file in the working directory is read too.`);
    return 0;
  }
  loadDotEnv();
  let config;
  let jobOptions;
  let database;
  try {
    config = readBotConfig();
    jobOptions = jobServiceOptionsFromEnv();
    database = readDatabaseConfig();
  } catch (error) {
    console.error(error instanceof ConfigError ? error.message : `Configuration problem: ${(error as Error).message}`);
    return 2;
  }
  if (!config.discord && !config.slack) {
    console.error('No bot to run: set DISCORD_TOKEN and DISCORD_APP_ID for Discord, and/or SLACK_BOT_TOKEN for Slack.');
    return 2;
  }

  let store;
  try {
    store = await openStore(database, `front ${hostname()}:${process.pid}`);
  } catch (error) {
    console.error((error as Error).message);
    return 1;
  }
  const jobs = createJobService({ ...jobOptions, admins: config.admins, store, releaseOnClose: true });
  await jobs.start();
  const context: CommandContext = { jobs, limits: config.limits, defaults: config.defaults };
  const bots: RunningBot[] = [];
  try {
    if (config.discord) {
      const { startDiscordBot } = await import('../platforms/discord.js');
      const bot = await startDiscordBot({ ...config.discord, jobs, context, admins: config.admins });
      bots.push({ name: 'Discord', stop: bot.stop });
      console.log('Discord bot connected.');
    }
    if (config.slack) {
      const { startSlackBot } = await import('../platforms/slack.js');
      const bot = await startSlackBot({ ...config.slack, jobs, context, admins: config.admins });
      bots.push({ name: 'Slack', stop: bot.stop });
      console.log(config.slack.appToken ? 'Slack bot connected (Socket Mode).' : `Slack bot listening on port ${bot.port ?? config.slack.port}.`);
    }
  } catch (error) {
    console.error(`Could not start: ${(error as Error).message}`);
    await stopAll(bots, jobs.close.bind(jobs));
    return 1;
  }

  await new Promise<void>((resolve) => {
    const shutdown = (signal: string) => {
      console.log(`${signal}: stopping; queued and running jobs resume at the next start.`);
      resolve();
    };
    process.once('SIGINT', () => shutdown('SIGINT'));
    process.once('SIGTERM', () => shutdown('SIGTERM'));
  });
  await stopAll(bots, jobs.close.bind(jobs));
  return 0;
}

async function stopAll(bots: RunningBot[], closeJobs: () => Promise<void>): Promise<void> {
  for (const bot of bots) {
    await bot.stop().catch((error: Error) => console.error(`${bot.name} did not stop cleanly: ${error.message}`));
  }
  await closeJobs();
}

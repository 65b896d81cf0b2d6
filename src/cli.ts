// `stylebot`: a small dispatcher. Each subcommand lives in src/cli/<name>.ts, is imported only when used, and
// exports run(argv): Promise<number> returning the exit code.
import { readFileSync } from 'node:fs';

const SUBCOMMANDS: Record<string, string> = {
  stylize: 'paint a photo in the style of one or more paintings (or of an artist)',
  calibrate: "measure this machine's engine speed (a few seconds) for defaults and estimates",
  distance: 'how far apart the styles of two images are (Gram-matrix distance on VGG-19)',
  models: 'download (fetch), convert or verify the VGG-19 weights',
  admin: 'quotas and jobs in the bot database',
  register: "register the bot's slash commands with Discord",
  serve: 'run Stylebot Studio (the bot in the browser) and the Discord and/or Slack bot',
  worker: 'run engine jobs from the shared store (for GPU hosts)',
  migrate: 'apply pending database migrations, or list them (status)',
};

const HELP = `stylebot: neural style transfer (Gatys, Ecker and Bethge 2015) on the command line and in chat.

Usage: stylebot <command> [options]

Commands:
${Object.entries(SUBCOMMANDS)
  .map(([name, text]) => `  ${name.padEnd(10)}${text}`)
  .join('\n')}

Run "stylebot <command> --help" for the options of a command.`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined) {
    console.error(HELP);
    return 2;
  }
  if (command === '--help' || command === '-h' || command === 'help') {
    console.log(HELP);
    return 0;
  }
  if (command === '--version' || command === '-v') {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
    console.log(pkg.version);
    return 0;
  }
  if (!Object.hasOwn(SUBCOMMANDS, command)) {
    console.error(`stylebot: unknown command "${command}". Commands: ${Object.keys(SUBCOMMANDS).join(', ')}. See "stylebot --help".`);
    return 2;
  }
  const module = (await import(`./cli/${command}.js`)) as { run(argv: string[]): Promise<number> };
  return module.run(rest);
}

/** Exits once stdout and stderr have been flushed (a plain process.exit can cut piped output short). */
function exitAfterFlush(code: number): void {
  let pending = 2;
  const done = () => {
    if (--pending === 0) process.exit(code);
  };
  process.stdout.write('', done);
  process.stderr.write('', done);
}

try {
  exitAfterFlush(await main(process.argv.slice(2)));
} catch (error) {
  const message = error instanceof Error ? error.message : String(error);
  console.error(`stylebot: ${message}`);
  if (process.env.STYLEBOT_DEBUG && error instanceof Error) console.error(error.stack);
  exitAfterFlush(1);
}

// The one structured logger (pino). Created once where the process starts (serve, the CLI) and handed down;
// modules take it as a parameter and never create their own. defaultLogger() is for code paths that were not given
// one (library use, tests): JSON lines on stderr.
import { pino, type Logger as PinoLogger, type DestinationStream, type LoggerOptions } from 'pino';

export type Logger = PinoLogger;

/**
 * A pino logger named "stylebot". level: pino's levels (default info, or LOG_LEVEL where the caller reads it).
 * format: json (default: one JSON object a line, for collectors) or pretty (one readable line each, for a terminal).
 */
export function createLogger(options: { level?: string; destination?: DestinationStream; format?: 'json' | 'pretty' } = {}): Logger {
  const config: LoggerOptions = {
    name: 'stylebot',
    level: options.level ?? 'info',
    serializers: { err: pino.stdSerializers.err },
  };
  const destination = options.destination ?? pino.destination(2);
  return pino(config, options.format === 'pretty' ? prettyLines(destination) : destination);
}

/**
 * The logger of a service process (serve, worker) from its environment: LOG_LEVEL and STYLEBOT_LOG_FORMAT (json or
 * pretty). On stdout, where its start-up lines always went and where process managers collect a service's log.
 */
export function loggerFromEnv(env: NodeJS.ProcessEnv): Logger {
  const format = env.STYLEBOT_LOG_FORMAT?.trim() === 'pretty' ? 'pretty' : 'json';
  return createLogger({ level: env.LOG_LEVEL?.trim() || 'info', format, destination: pino.destination(1) });
}

const LEVELS: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
const SKIPPED = new Set(['level', 'time', 'pid', 'hostname', 'name', 'msg', 'err']);

/** "12:34:56 INFO  message key=value ..." (and an error's stack below it) from pino's JSON lines. */
export function prettyLine(json: string): string {
  const record = JSON.parse(json) as Record<string, unknown>;
  const time = new Date(Number(record.time)).toISOString().slice(11, 19);
  const level = (LEVELS[Number(record.level)] ?? String(record.level)).padEnd(5);
  const extra = Object.entries(record)
    .filter(([key]) => !SKIPPED.has(key))
    .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`);
  const err = record.err as { stack?: string } | undefined;
  return `${time} ${level} ${[record.msg ?? '', ...extra].join(' ')}${err?.stack ? `\n${err.stack}` : ''}\n`;
}

function prettyLines(destination: DestinationStream): DestinationStream {
  return { write: (line: string) => destination.write(prettyLine(line)) };
}

let fallback: Logger | undefined;

/** The logger for callers that were not given one: JSON on stderr, level info. */
export function defaultLogger(): Logger {
  fallback ??= createLogger();
  return fallback;
}

/** A logger that keeps its records in memory (tests read `records`). */
export function memoryLogger(): { logger: Logger; records: Record<string, unknown>[] } {
  const records: Record<string, unknown>[] = [];
  const destination: DestinationStream = {
    write(line: string) {
      records.push(JSON.parse(line) as Record<string, unknown>);
    },
  };
  return { logger: createLogger({ level: 'debug', destination }), records };
}

// The one structured logger (pino). Created once where the process starts (serve, the CLI) and handed down;
// modules take it as a parameter and never create their own. defaultLogger() is for code paths that were not given
// one (library use, tests): JSON lines on stderr.
import { pino, type Logger as PinoLogger, type DestinationStream, type LoggerOptions } from 'pino';

export type Logger = PinoLogger;

/** A pino logger named "stylebot". level: pino's levels (default info, or LOG_LEVEL where the caller reads it). */
export function createLogger(options: { level?: string; destination?: DestinationStream } = {}): Logger {
  const config: LoggerOptions = {
    name: 'stylebot',
    level: options.level ?? 'info',
    serializers: { err: pino.stdSerializers.err },
  };
  return options.destination ? pino(config, options.destination) : pino(config, pino.destination(2));
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

import { describe, expect, it } from 'vitest';
import { createLogger, prettyLine } from '../src/logger.js';

describe('STYLEBOT_LOG_FORMAT=pretty', () => {
  it('prints one readable line per record, with its fields and an error stack', () => {
    const lines: string[] = [];
    const logger = createLogger({ format: 'pretty', destination: { write: (line: string) => void lines.push(line) } });
    logger.info({ job: 'abc', size: 64 }, 'job done');
    logger.error({ err: new Error('boom') }, 'engine failed');
    expect(lines[0]).toMatch(/^\d\d:\d\d:\d\d INFO  job done job=abc size=64\n$/);
    expect(lines[1]).toMatch(/^\d\d:\d\d:\d\d ERROR engine failed\nError: boom\n {4}at /);
    expect(prettyLine('{"level":40,"time":0,"msg":"m","a":{"b":1}}')).toBe('00:00:00 WARN  m a={"b":1}\n');
  });
});

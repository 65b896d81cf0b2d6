// `stylebot migrate status` lists pending migrations without applying them; `stylebot migrate` applies them with
// the runner every start uses.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { MIGRATIONS_DIR } from '../../db/sqlite/database.js';
import { REPO_ROOT } from '../helpers/shared.js';

const run = promisify(execFile);
const dataDir = mkdtempSync(join(tmpdir(), 'stylebot-migrate-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe('stylebot migrate', () => {
  it('lists pending migrations, applies them, then reports up to date', async () => {
    const env = { ...process.env, STYLEBOT_DATA_DIR: dataDir, STYLEBOT_DATABASE_URL: '' };
    const cli = (args: string[]) => run(process.execPath, [join(REPO_ROOT, 'bin', 'stylebot.js'), 'migrate', ...args], { env });
    const files = readdirSync(MIGRATIONS_DIR).filter((f) => f.endsWith('.sql'));
    const before = (await cli(['status'])).stdout;
    expect(before).toMatch(new RegExp(`${files.length} pending`));
    expect(existsSync(join(dataDir, 'stylebot.db'))).toBe(false);
    await cli([]);
    const after = (await cli(['status'])).stdout;
    for (const file of files) expect(after).toMatch(new RegExp(`applied  ${file}`));
    expect(after).toMatch(/Up to date/);
    await expect(cli(['bogus'])).rejects.toMatchObject({ code: 2 });
  });
});

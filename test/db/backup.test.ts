// `stylebot admin backup` / `restore`: an online copy of the live SQLite database taken while jobs are being admitted,
// restored into an empty data folder, holds every job it saw with its pictures, byte for byte, and the store serves them.
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { BackupError, backupDatabase, restoreDatabase } from '../../db/sqlite/backup.js';
import { SqliteStore } from '../../db/sqlite/store.js';
import type { NewJob } from '../../src/jobs/ports.js';
import { REPO_ROOT } from '../helpers/shared.js';

const run = promisify(execFile);
const root = mkdtempSync(join(tmpdir(), 'stylebot-backup-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const picture = (seed: number) => new Uint8Array(50_000).map((_, i) => (i * 31 + seed) & 255);

function newJob(n: number): NewJob {
  return {
    id: `${n}-${randomUUID().slice(0, 6)}`,
    platform: 'web',
    workspaceId: 'studio',
    userId: `u${n % 3}`,
    userName: 'x',
    reply: {},
    priority: 0,
    options: { size: 64, iterations: 3 },
    styleNames: ['s.png'],
    styleFiles: [{ file: 'style-0.png', weight: 1, name: 's.png' }],
    contentFile: 'content.jpg',
    contentName: 'c.jpg',
    createdAt: n,
  };
}

describe('backup and restore', () => {
  it('copies a live database while jobs are written; the restored store serves the same jobs and pictures', async () => {
    const live = join(root, 'live', 'stylebot.db');
    const store = SqliteStore.open(live);
    let writing = true;
    let written = 0;
    const writer = (async () => {
      while (writing) {
        const n = written++;
        const result = await store.admitJob(
          newJob(n),
          [
            { name: 'content.jpg', bytes: picture(n) },
            { name: 'style-0.png', bytes: picture(n + 1000) },
          ],
          0,
          () => null,
        );
        expect(result.ok).toBe(true);
        await new Promise((r) => setImmediate(r));
      }
    })();
    while (written < 20) await new Promise((r) => setTimeout(r, 5));
    const backup = join(root, 'backups', 'one.db');
    const { pages } = await backupDatabase(live, backup);
    const atBackup = written;
    while (written < atBackup + 20) await new Promise((r) => setTimeout(r, 5));
    writing = false;
    await writer;
    await store.close();
    expect(pages).toBeGreaterThan(20);
    await expect(backupDatabase(live, backup)).rejects.toBeInstanceOf(BackupError);

    const restored = join(root, 'empty', 'stylebot.db');
    await restoreDatabase(backup, restored);
    await expect(restoreDatabase(backup, restored)).rejects.toThrow(/exists already/);
    const copy = SqliteStore.open(restored);
    try {
      const jobs = await copy.listJobs();
      // Every job admitted before the backup started, maybe a few during it; none after it finished.
      expect(jobs.length).toBeGreaterThanOrEqual(20);
      expect(jobs.length).toBeLessThanOrEqual(atBackup);
      for (const job of jobs) {
        const n = Number(job.id.split('-')[0]);
        expect(await copy.getBlob(job.id, 'content.jpg')).toEqual(picture(n));
        expect(await copy.getBlob(job.id, 'style-0.png')).toEqual(picture(n + 1000));
      }
    } finally {
      await copy.close();
    }
  });

  it('is what `stylebot admin backup` and `restore` do on the data folder', async () => {
    const dataDir = join(root, 'cli-data');
    const store = SqliteStore.open(join(dataDir, 'stylebot.db'));
    await store.admitJob(
      newJob(1),
      [
        { name: 'content.jpg', bytes: picture(1) },
        { name: 'style-0.png', bytes: picture(2) },
      ],
      0,
      () => null,
    );
    await store.close();
    const env = { ...process.env, STYLEBOT_DATA_DIR: dataDir };
    const cli = join(REPO_ROOT, 'bin', 'stylebot.js');
    const file = join(root, 'cli.db');
    expect((await run(process.execPath, [cli, 'admin', 'backup', file], { env })).stdout).toMatch(/Backed up .* integrity checked/);
    const empty = join(root, 'cli-restored');
    await run(process.execPath, [cli, 'admin', 'restore', file, '--data-dir', empty], { env });
    const copy = SqliteStore.open(join(empty, 'stylebot.db'));
    expect((await copy.listJobs()).map((j) => j.id)).toEqual([expect.stringMatching(/^1-/)]);
    await copy.close();
  });
});

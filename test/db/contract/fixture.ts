// What every port's contract test uses: a fresh store per test (from the dialect's makeStore), two users, and
// helpers that admit a job with its blobs.
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach } from 'vitest';
import type { JobRecord, JobResultInfo, NewJob, Store, UserKey } from '../../../src/jobs/ports.js';

export const ALICE: UserKey = { platform: 'discord', workspaceId: 'g1', userId: 'alice' };
export const BOB: UserKey = { platform: 'slack', workspaceId: 'T1', userId: 'bob' };

export const bytes = (n: number, fill: number) => new Uint8Array(n).fill(fill);

export const INFO: JobResultInfo = {
  width: 64,
  height: 48,
  iterations: 3,
  backend: 'cpu',
  msPerIteration: 12.5,
  seed: 7,
  losses: { initial: { content: 1, style: 2, tv: 0, total: 3 }, final: { content: 0.5, style: 1, tv: 0, total: 1.5 } },
};

/** A new job of `user` as intake would store it (content and one style), with `extra` over it. */
export function newJob(user: UserKey, extra: Partial<NewJob> = {}): NewJob {
  return {
    id: randomUUID().slice(0, 8),
    platform: user.platform as NewJob['platform'],
    workspaceId: user.workspaceId,
    userId: user.userId,
    userName: user.userId,
    reply: { channel: 'c1', token: 'x' },
    priority: 0,
    options: { size: 64, iterations: 3 },
    styleNames: ['wave.png'],
    styleFiles: [{ file: 'style-0.png', weight: 1, name: 'wave.png' }],
    contentFile: 'content.jpg',
    contentName: 'photo.jpg',
    createdAt: 1_000,
    ...extra,
  };
}

export interface StoreFixture {
  /** The store of the running test. */
  readonly store: Store;
  /** Admits a job of `user` with a content blob (10 bytes of 1) and a style blob (20 bytes of 2); throws if refused. */
  admit(user: UserKey, extra?: Partial<NewJob>): Promise<JobRecord>;
}

/** Registers, in the calling describe, a fresh store before each test and its closing (and cleanup) after it. */
export function storeFixture(makeStore: () => Promise<Store>, cleanup?: () => Promise<void>): StoreFixture {
  let current: Store | undefined;
  beforeEach(async () => {
    current = await makeStore();
  });
  afterEach(async () => {
    await current?.close();
    current = undefined;
    await cleanup?.();
  });
  const fixture: StoreFixture = {
    get store() {
      if (!current) throw new Error('no store outside a test');
      return current;
    },
    async admit(user, extra = {}) {
      const blobs = [
        { name: 'content.jpg', bytes: bytes(10, 1) },
        { name: 'style-0.png', bytes: bytes(20, 2) },
      ];
      const result = await fixture.store.admitJob(newJob(user, extra), blobs, 0, () => null);
      if (!result.ok) throw new Error(result.refusal);
      return result.job;
    },
  };
  return fixture;
}

// Kind 4 of the hardening round (and issue 22's enqueue bug): a store that fails, or a service that is stopping, is
// the server's fault. Every route answers 503 with Retry-After and an error id (an unknown failure: 500 with an id),
// never 400 "invalid"; /metrics keeps serving and says the store is down. Real SQLite and real PostgreSQL.
import { afterEach, describe, expect, it } from 'vitest';
import { PostgresStore } from '../../db/postgres/store.js';
import type { Store } from '../../src/jobs/ports.js';
import { createTestDatabase, describePostgres, type TestDatabase } from '../db/postgres-helpers.js';
import { form, smallPicture, startTestStudio, type TestStudio } from '../web/helpers.js';

let t: TestStudio | undefined;
let database: TestDatabase | undefined;
afterEach(async () => {
  await t?.close().catch(() => undefined);
  t = undefined;
  await database?.drop();
  database = undefined;
});

async function postJob(url: string): Promise<Response> {
  const photo = await smallPicture('content', 'tuebingen_neckarfront.jpg', 48);
  const style = await smallPicture('style', 'bal_du_moulin_de_la_galette.jpg', 48);
  return fetch(`${url}/api/jobs`, {
    method: 'POST',
    headers: { origin: url },
    body: form(
      [
        { field: 'content', name: 'photo.png', bytes: photo },
        { field: 'style', name: 'style.png', bytes: style },
      ],
      { size: '32', iterations: '2' },
    ),
  });
}

/** Every surface once the store is gone: 503 + Retry-After + an error id, and /metrics still 200. */
async function expectUnavailableEverywhere(url: string): Promise<void> {
  for (const [method, path] of [
    ['POST', '/api/jobs'],
    ['GET', '/api/jobs'],
    ['GET', '/api/jobs/abc123'],
    ['GET', '/api/me'],
  ] as const) {
    const response = method === 'POST' ? await postJob(url) : await fetch(`${url}${path}`);
    const body = (await response.json()) as { error: { code: string; errorId?: string } };
    expect({ path, status: response.status, code: body.error.code }).toEqual({ path, status: 503, code: 'unavailable' });
    expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(body.error.errorId).toMatch(/^[0-9a-f]{8}$/);
  }
  const metrics = await fetch(`${url}/metrics`);
  expect(metrics.status).toBe(200);
  expect(await metrics.text()).toMatch(/^stylebot_store_up 0$/m);
}

describe('a failing store on SQLite', () => {
  it('answers an enqueue that hits an unknown store error with 500 and an error id, not 400', async () => {
    const lines: string[] = [];
    t = await startTestStudio({ log: (m) => lines.push(m) });
    const store = (t.jobs as unknown as { store: Store }).store;
    store.admitJob = async () => {
      throw new Error('constraint trouble nobody expected');
    };
    const response = await postJob(t.url);
    const body = (await response.json()) as { error: { code: string; errorId?: string } };
    expect(response.status).toBe(500);
    expect(body.error.code).toBe('internal');
    expect(lines.some((line) => line.includes(body.error.errorId!) && line.includes('constraint trouble'))).toBe(true);
  });

  it('answers 503 with Retry-After on every route once the database is closed', async () => {
    t = await startTestStudio();
    const metricsBefore = await (await fetch(`${t.url}/metrics`)).text();
    expect(metricsBefore).toMatch(/^stylebot_store_up 1$/m);
    (t.jobs as unknown as { store: { db: { close(): void } } }).store.db.close();
    await expectUnavailableEverywhere(t.url);
  });

  it('answers 503, not 400, while the service is shutting down', async () => {
    t = await startTestStudio();
    await t.jobs.close();
    await expectUnavailableEverywhere(t.url);
  });
});

describePostgres('a failing store on PostgreSQL', () => {
  it('answers 503 with Retry-After on every route once the pool is gone', async () => {
    database = await createTestDatabase();
    const store = await PostgresStore.open({ url: database.url, max: 3 });
    t = await startTestStudio({ store });
    await store.close();
    await expectUnavailableEverywhere(t.url);
  });
});

// The API's description against the API (issue 25): an independent validator (swagger-parser) accepts the
// OpenAPI 3.1 document, and real answers of every documented route, successes and refusals, match the schema the
// document gives for their status (checked with ajv against the dereferenced document, not with the server's zod).
import SwaggerParser from '@apidevtools/swagger-parser';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiTableMarkdown, buildOpenApiDocument } from '../../src/platforms/web/openapi.js';
import { form, smallPicture, startTestStudio, type TestStudio } from '../web/helpers.js';

type Operation = { responses: Record<string, { content?: Record<string, { schema?: object }> }> };
type Document = { openapi: string; paths: Record<string, Record<string, Operation>> };

let t: TestStudio;
let raw: Document;
let doc: Document;
const ajv = new Ajv2020({ strict: false, allErrors: true });
/** "get /api/v1/jobs/{id}" -> statuses seen. */
const seen = new Map<string, Set<number>>();

beforeAll(async () => {
  t = await startTestStudio();
  raw = (await (await fetch(`${t.url}/api/v1/openapi.json`)).json()) as Document;
  doc = (await SwaggerParser.dereference(structuredClone(raw) as never)) as unknown as Document;
}, 120_000);

afterAll(async () => {
  await t?.close();
});

/** Sends a request and checks its answer against the document's operation `method template`. */
async function check(
  method: string,
  template: string,
  path: string,
  init: RequestInit = {},
): Promise<{ status: number; body: any; bytes: Buffer }> {
  const response = await fetch(`${t.url}${path}`, {
    method: method.toUpperCase(),
    ...init,
    headers: { origin: t.url, ...(init.headers as Record<string, string>) },
  });
  const bytes = Buffer.from(await response.arrayBuffer());
  const operation = doc.paths[template]?.[method];
  expect(operation, `${method} ${template} is documented`).toBeDefined();
  const documented = operation!.responses[String(response.status)];
  expect(documented, `${method} ${path} answered ${response.status}, which the document does not list`).toBeDefined();
  const type = (response.headers.get('content-type') ?? '').split(';')[0]!;
  const content = documented!.content ?? {};
  let body: any;
  if (type === 'application/json') {
    body = JSON.parse(bytes.toString('utf8'));
    expect(Object.keys(content), `${method} ${path} ${response.status}`).toContain('application/json');
    const validate = ajv.compile(content['application/json']!.schema!);
    expect(validate(body) ? [] : validate.errors, `${method} ${path} ${response.status}: ${bytes.toString('utf8').slice(0, 300)}`).toEqual(
      [],
    );
  } else {
    // Pictures and streams: the media type must be one the document names (a JPEG preview may be PNG).
    const named = Object.keys(content);
    expect(named.length, `${method} ${path} ${response.status} has a documented body`).toBeGreaterThan(0);
    if (!type.startsWith('image/')) expect(named).toContain(type);
  }
  const key = `${method} ${template}`;
  if (!seen.has(key)) seen.set(key, new Set());
  seen.get(key)!.add(response.status);
  return { status: response.status, body, bytes };
}

const json = (data: unknown): RequestInit => ({ body: JSON.stringify(data), headers: { 'content-type': 'application/json' } });

describe('the OpenAPI document', () => {
  it('is valid OpenAPI 3.1 to an independent validator, and documents every route of /api/v1', async () => {
    expect(raw.openapi).toBe('3.1.0');
    await expect(SwaggerParser.validate(structuredClone(raw) as never)).resolves.toBeDefined();
    const operations = Object.entries(raw.paths).flatMap(([path, methods]) => Object.keys(methods).map((m) => `${m} ${path}`));
    expect(operations).toEqual(
      expect.arrayContaining([
        'post /api/v1/jobs',
        'get /api/v1/jobs/{id}',
        'get /api/v1/jobs/{id}/events',
        'post /api/v1/jobs/{id}/actions/{action}',
        'get /api/v1/admin/jobs',
        'post /api/v1/tokens',
        'delete /api/v1/tokens/{id}',
      ]),
    );
    expect(operations.every((op) => op.split(' ')[1]!.startsWith('/api/v1/'))).toBe(true);
    // The upload's fields come from the option table; the job view carries who paints it.
    const upload = raw.paths['/api/v1/jobs']!.post as unknown as {
      requestBody: { content: Record<string, { schema: { properties: Record<string, unknown> } }> };
    };
    expect(Object.keys(upload.requestBody.content['multipart/form-data']!.schema.properties)).toEqual(
      expect.arrayContaining(['content', 'style', 'size', 'iterations', 'style_strength', 'seed']),
    );
    const job = (
      doc.paths['/api/v1/jobs/{id}']!.get!.responses['200']!.content!['application/json']!.schema as { properties: Record<string, unknown> }
    ).properties;
    expect(Object.keys(job)).toEqual(expect.arrayContaining(['worker', 'attempts', 'state', 'result']));
  });

  it("is what the README's API table says (npm run api-docs writes it), and what that script builds", async () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const table = /<!-- api-table:start[^>]*-->\n([\s\S]*?)\n<!-- api-table:end -->/.exec(readme)?.[1];
    expect(table, 'run npm run api-docs').toBe(apiTableMarkdown(raw as never));
    expect((await buildOpenApiDocument()) as unknown).toEqual(raw);
  });

  it('the browsable page is served from this process', async () => {
    const page = await fetch(`${t.url}/api/docs/`, { redirect: 'follow' });
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('swagger-ui');
    expect(html).not.toMatch(/https?:\/\/(?!127\.0\.0\.1)[^"']*\.(js|css)/);
    const script = html.match(/src="([^"]+\.js)"/)![1]!;
    expect((await fetch(new URL(script, `${t.url}/api/docs/`))).status).toBe(200);
  });
});

describe('real answers match the document', () => {
  it('of every route, for success and for refusal', async () => {
    const photo = await smallPicture('content', 'tuebingen_neckarfront.jpg', 48);
    const starry = await smallPicture('style', 'starry_night.jpg', 48);
    const upload = () =>
      form(
        [
          { field: 'content', name: 'photo.png', bytes: photo },
          { field: 'style', name: 'starry.png', bytes: starry },
        ],
        { size: '32', iterations: '2' },
      );

    await check('get', '/api/v1/options', '/api/v1/options');
    await check('get', '/api/v1/me', '/api/v1/me');
    expect((await check('get', '/api/v1/me', '/api/v1/me', { headers: { authorization: 'Bearer nope' } })).status).toBe(401);

    // A job, painted to the end.
    const accepted = await check('post', '/api/v1/jobs', '/api/v1/jobs', { body: upload() });
    expect(accepted.status).toBe(202);
    const id = accepted.body.id as string;
    expect((await check('post', '/api/v1/jobs', '/api/v1/jobs', { body: form([], { size: '32' }) })).status).toBe(400);
    const stream = await check('get', '/api/v1/jobs/{id}/events', `/api/v1/jobs/${id}/events`);
    expect(stream.bytes.toString()).toMatch(/event: done/);
    expect((await check('get', '/api/v1/jobs/{id}/events', '/api/v1/jobs/zzz/events')).status).toBe(404);
    const job = await check('get', '/api/v1/jobs/{id}', `/api/v1/jobs/${id}`);
    expect(job.body).toMatchObject({ state: 'done', attempts: 1 });
    expect(typeof job.body.worker).toBe('string');
    expect((await check('get', '/api/v1/jobs/{id}', '/api/v1/jobs/not-an-id!')).status).toBe(400);
    expect((await check('get', '/api/v1/jobs/{id}', '/api/v1/jobs/abc123')).status).toBe(404);
    await check('get', '/api/v1/jobs', '/api/v1/jobs?limit=5');
    expect((await check('get', '/api/v1/jobs', '/api/v1/jobs?limit=0')).status).toBe(400);
    const result = await check('get', '/api/v1/jobs/{id}/result', `/api/v1/jobs/${id}/result`);
    expect(result.status).toBe(200);
    expect((await check('get', '/api/v1/jobs/{id}/result', '/api/v1/jobs/abc123/result')).status).toBe(404);
    expect((await check('get', '/api/v1/jobs/{id}/preview', `/api/v1/jobs/${id}/preview`)).status).toBeGreaterThanOrEqual(200);
    expect((await check('get', '/api/v1/jobs/{id}/preview', '/api/v1/jobs/abc123/preview')).status).toBe(404);

    // The settings the picture carries; a picture without them.
    const settings = await check('post', '/api/v1/settings', '/api/v1/settings', {
      body: form([{ field: 'image', name: 'out.png', bytes: result.bytes }]),
    });
    expect(settings.status).toBe(200);
    expect(
      (await check('post', '/api/v1/settings', '/api/v1/settings', { body: form([{ field: 'image', name: 'p.png', bytes: photo }]) }))
        .status,
    ).toBe(400);

    // Buttons: a re-run is queued (202), then cancelled; an unknown action is refused.
    const rerun = await check('post', '/api/v1/jobs/{id}/actions/{action}', `/api/v1/jobs/${id}/actions/rerun`);
    expect(rerun.status).toBe(202);
    expect((await check('post', '/api/v1/jobs/{id}/actions/{action}', `/api/v1/jobs/${id}/actions/fly`)).status).toBe(400);
    expect((await check('delete', '/api/v1/jobs/{id}', `/api/v1/jobs/${rerun.body.id}`)).status).toBe(200);
    // A longer job shows a preview while it paints; then it is cancelled.
    const long = await check('post', '/api/v1/jobs', '/api/v1/jobs', {
      body: form(
        [
          { field: 'content', name: 'photo.png', bytes: photo },
          { field: 'style', name: 'starry.png', bytes: starry },
        ],
        { size: '48', iterations: '200' },
      ),
    });
    let preview = 404;
    for (let i = 0; i < 600 && preview !== 200; i++) {
      preview = (await check('get', '/api/v1/jobs/{id}/preview', `/api/v1/jobs/${long.body.id}/preview`)).status;
      if (preview !== 200) await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(preview).toBe(200);
    expect((await check('delete', '/api/v1/jobs/{id}', `/api/v1/jobs/${long.body.id}`)).status).toBe(200);
    expect((await check('delete', '/api/v1/jobs/{id}', '/api/v1/jobs/abc123')).status).toBe(404);

    // Artists and their thumbnails.
    const artists = await check('get', '/api/v1/artists', '/api/v1/artists');
    const work = artists.body.artists[0].works[0];
    expect((await check('get', '/api/v1/artists/{artist}/{work}/thumbnail', work.thumbnail)).status).toBe(200);
    expect((await check('get', '/api/v1/artists/{artist}/{work}/thumbnail', '/api/v1/artists/nobody/x.jpg/thumbnail')).status).toBe(404);

    // Style distance: a refusal (the second image is missing) and a measurement.
    expect(
      (await check('post', '/api/v1/compare', '/api/v1/compare', { body: form([{ field: 'image1', name: 'a.png', bytes: photo }]) }))
        .status,
    ).toBe(400);
    expect(
      (
        await check('post', '/api/v1/compare', '/api/v1/compare', {
          body: form([
            { field: 'image1', name: 'a.png', bytes: photo },
            { field: 'image2', name: 'b.png', bytes: starry },
          ]),
        })
      ).status,
    ).toBe(200);

    // Tokens.
    const made = await check('post', '/api/v1/tokens', '/api/v1/tokens', json({ name: 'contract', user: 'ann' }));
    expect(made.status).toBe(201);
    expect((await check('post', '/api/v1/tokens', '/api/v1/tokens', json({ name: '' }))).status).toBe(400);
    await check('get', '/api/v1/tokens', '/api/v1/tokens?user=*');
    expect(
      (await check('get', '/api/v1/tokens', '/api/v1/tokens', { headers: { authorization: `Bearer ${made.body.token}x` } })).status,
    ).toBe(401);
    expect((await check('delete', '/api/v1/tokens/{id}', `/api/v1/tokens/${made.body.id}`)).status).toBe(200);
    expect((await check('delete', '/api/v1/tokens/{id}', '/api/v1/tokens/tok_none')).status).toBe(404);

    // Admin.
    const ann = {
      headers: {
        authorization: `Bearer ${(await check('post', '/api/v1/tokens', '/api/v1/tokens', json({ name: 'ann', user: 'ann' }))).body.token}`,
      },
    };
    await check('get', '/api/v1/admin/jobs', '/api/v1/admin/jobs?state=done');
    expect((await check('get', '/api/v1/admin/jobs', '/api/v1/admin/jobs?state=lost')).status).toBe(400);
    expect((await check('get', '/api/v1/admin/jobs', '/api/v1/admin/jobs', ann)).status).toBe(403);
    await check('get', '/api/v1/admin/quota', '/api/v1/admin/quota?user=ann');
    expect((await check('get', '/api/v1/admin/quota', '/api/v1/admin/quota?platform=irc')).status).toBe(400);
    await check('post', '/api/v1/admin/quota', '/api/v1/admin/quota', json({ user: 'ann', jobs_per_day: 5 }));
    expect((await check('post', '/api/v1/admin/quota', '/api/v1/admin/quota', json({ jobs_per_day: 5 }))).status).toBe(400);
    await check('post', '/api/v1/admin/quota/reset', '/api/v1/admin/quota/reset', json({ user: 'ann' }));
    expect((await check('post', '/api/v1/admin/quota/reset', '/api/v1/admin/quota/reset', json({}))).status).toBe(400);
    await check('post', '/api/v1/admin/defaults', '/api/v1/admin/defaults', json({ max_queued: 4 }));
    expect((await check('post', '/api/v1/admin/defaults', '/api/v1/admin/defaults', json({ workspace: {} }))).status).toBe(400);
    await check('get', '/api/v1/admin/stats', '/api/v1/admin/stats?days=3');
    expect((await check('get', '/api/v1/admin/stats', '/api/v1/admin/stats?days=0')).status).toBe(400);
    await check('get', '/api/v1/admin/audit', '/api/v1/admin/audit?limit=10');
    expect((await check('get', '/api/v1/admin/audit', '/api/v1/admin/audit', ann)).status).toBe(403);
    const added = await check('post', '/api/v1/admin/artists', '/api/v1/admin/artists', {
      body: form([{ field: 'image', name: 'extra.png', bytes: await smallPicture('style', 'starry_night.jpg', 64) }], { name: 'vangogh' }),
    });
    expect(added.status).toBe(200);
    expect((await check('post', '/api/v1/admin/artists', '/api/v1/admin/artists', { body: form([], { name: 'vangogh' }) })).status).toBe(
      400,
    );
    expect((await check('delete', '/api/v1/admin/artists/{artist}/{work}', '/api/v1/admin/artists/vangogh/extra.png')).status).toBe(200);
    expect((await check('delete', '/api/v1/admin/artists/{artist}/{work}', '/api/v1/admin/artists/vangogh/extra.png', ann)).status).toBe(
      403,
    );

    // A credential that is not one is refused by every route, with the documented 401.
    for (const [path, methods] of Object.entries(raw.paths)) {
      for (const method of Object.keys(methods)) {
        const concrete = path.replace(/\{[^}]+\}/g, 'x1');
        expect((await check(method, path, concrete, { headers: { authorization: 'Bearer sbt_not_a_token' } })).status).toBe(401);
      }
    }

    // Every documented operation was seen answering both a success and a refusal.
    for (const [path, methods] of Object.entries(raw.paths)) {
      for (const method of Object.keys(methods)) {
        const statuses = [...(seen.get(`${method} ${path}`) ?? [])];
        expect({ op: `${method} ${path}`, success: statuses.some((s) => s < 300) }).toEqual({ op: `${method} ${path}`, success: true });
        expect({ op: `${method} ${path}`, refusal: statuses.some((s) => s >= 400) }).toEqual({ op: `${method} ${path}`, refusal: true });
      }
    }
  }, 300_000);
});

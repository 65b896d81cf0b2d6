// The API's description, generated from the routes as they are registered: @fastify/swagger collects each route's
// schema (the zod schemas of schemas.ts, turned into JSON Schema by fastify-type-provider-zod), so the document is
// the validator's own contract. Multipart bodies (read by uploads.ts, not by the validator) come from the option
// table. Served as GET /api/v1/openapi.json (OpenAPI 3.1) and browsable at /api/docs (swagger-ui, served from this
// process: no CDN).
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod';
import { jobUploadSchema, UPLOAD_BODIES } from './schemas.js';

/** The documented prefix; routes elsewhere (the deprecated /api aliases, pages, operator endpoints) are left out. */
export const API_PREFIX = '/api/v1';
export const OPENAPI_PATH = `${API_PREFIX}/openapi.json`;
export const DOCS_PATH = '/api/docs';

const DESCRIPTION = `Stylebot's JSON API: paint pictures in the style of paintings (Gatys neural style transfer), follow
them as they are painted, and fetch the results. Authenticate with \`Authorization: Bearer TOKEN\` (a personal API
token, made on the studio's API tokens page or with \`stylebot admin token create\`); on 127.0.0.1 a request without a
credential is the person at the machine. Every refusal is \`{ "error": { "code", "message" } }\`.`;

/**
 * Registers the document's collector and its two pages. Call before any route is added (the collector sees routes
 * as they are registered). `version` is Stylebot's (package.json).
 */
export async function registerOpenApi(app: FastifyInstance, version: string): Promise<void> {
  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Stylebot API', version, description: DESCRIPTION },
      tags: [
        { name: 'jobs', description: 'Painting: jobs, their events and pictures, the artists, options and you' },
        { name: 'tokens', description: 'Personal API tokens' },
        { name: 'admin', description: 'For admins (a token of scope "admin")' },
      ],
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: "A personal API token (sbt_...), or the operator's STYLEBOT_WEB_TOKEN." },
          session: { type: 'apiKey', in: 'cookie', name: 'stylebot_session', description: "The studio page's session (POST /login)." },
        },
      },
      security: [{ bearer: [] }, { session: [] }],
    },
    transform: (document) => {
      if (!document.url.startsWith(`${API_PREFIX}/`) || document.url === OPENAPI_PATH) return { schema: { hide: true }, url: document.url };
      const transformed = jsonSchemaTransform(document);
      const upload = (document.route.config as { upload?: string } | undefined)?.upload;
      if (upload) {
        const body = upload === 'job' ? jobUploadSchema() : UPLOAD_BODIES[upload];
        return { url: transformed.url, schema: { ...transformed.schema, body, consumes: ['multipart/form-data'] } };
      }
      return transformed;
    },
    transformObject: jsonSchemaTransformObject,
  });
  await app.register(fastifySwaggerUi, {
    routePrefix: DOCS_PATH,
    uiConfig: { url: OPENAPI_PATH, docExpansion: 'list', deepLinking: false, validatorUrl: null },
    // swagger-ui's own policy (hashes of its inline script), tightened: nothing from other hosts, no https upgrade
    // (the studio may be plain http), and inline style attributes, which swagger-ui sets as it draws (a hash in
    // style-src would make browsers ignore 'unsafe-inline', so its style hashes go).
    staticCSP: true,
    transformStaticCSP: (header) =>
      header
        .replace(/style-src [^;]*;/, "style-src 'self' 'unsafe-inline';")
        .replace("font-src 'self' https: data:", "font-src 'self' data:")
        .replace(' validator.swagger.io', '')
        .replace(' upgrade-insecure-requests;', ''),
  });
}

/** GET /api/v1/openapi.json: the document (register after every route). */
export function registerOpenApiDocument(app: FastifyInstance): void {
  app.get(OPENAPI_PATH, { schema: { hide: true } }, async (_request, reply) =>
    reply.header('cache-control', 'no-cache').send(app.swagger()),
  );
}

/** One row per documented operation: method, path, summary (tag order, then path). */
export interface ApiRow {
  tag: string;
  method: string;
  path: string;
  summary: string;
}

/** The operations of an OpenAPI document, in the document's tag order, then path, then method. */
export function apiRows(document: {
  tags?: { name: string }[];
  paths?: Record<string, Record<string, { tags?: string[]; summary?: string }>>;
}): ApiRow[] {
  const order = (document.tags ?? []).map((t) => t.name);
  const rows: ApiRow[] = [];
  for (const [path, methods] of Object.entries(document.paths ?? {})) {
    for (const [method, operation] of Object.entries(methods)) {
      rows.push({ tag: operation.tags?.[0] ?? '', method: method.toUpperCase(), path, summary: operation.summary ?? '' });
    }
  }
  return rows.sort(
    (a, b) => order.indexOf(a.tag) - order.indexOf(b.tag) || a.path.localeCompare(b.path) || a.method.localeCompare(b.method),
  );
}

/** The README's table of the API (between the api-table markers), generated from the document. */
export function apiTableMarkdown(document: Parameters<typeof apiRows>[0]): string {
  const lines = ['| request | what it does | who |', '|---|---|---|'];
  for (const row of apiRows(document)) {
    lines.push(
      `| \`${row.method} ${row.path}\` | ${row.summary.replace(/\|/g, '\\|')} | ${row.tag === 'admin' ? 'admins' : 'anyone logged in'} |`,
    );
  }
  return lines.join('\n');
}

/**
 * The document as the studio serves it, built without a job service (the routes are registered, never called):
 * for `npm run api-docs`, which writes the README's table.
 */
export async function buildOpenApiDocument(): Promise<ReturnType<FastifyInstance['swagger']>> {
  const { default: Fastify } = await import('fastify');
  const { serializerCompiler, validatorCompiler } = await import('fastify-type-provider-zod');
  const { registerApi } = await import('./api.js');
  const { registerAdminApi } = await import('./admin-api.js');
  const { registerTokenApi } = await import('./token-api.js');
  const { stylebotVersion } = await import('../../reproduce/settings.js');
  const app = Fastify({ logger: false });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  await registerOpenApi(app, stylebotVersion());
  const deps = { jobs: undefined, context: undefined, streams: undefined, artistsDir: '' } as unknown as Parameters<typeof registerApi>[1];
  await app.register(
    async (v1) => {
      await registerApi(v1, deps);
      await registerAdminApi(v1, deps);
      await registerTokenApi(v1, undefined);
    },
    { prefix: API_PREFIX },
  );
  await app.ready();
  const document = app.swagger();
  await app.close();
  return document;
}

// The JSON API's shapes as zod schemas: the routes validate their parameters and queries with them (fastify's
// validator is zod's, through fastify-type-provider-zod), their answers are serialised through them, and
// GET /api/v1/openapi.json is generated from them (openapi.ts). One definition each, so the document cannot drift
// from what the server does.
import { z } from 'zod';
import { OUTCOMES, type RefusalCode } from '../../errors/index.js';
import { fieldsFor, type OptionField, snakeName } from '../../options/fields.js';
import { rangeText } from '../../options/schema.js';
import { TOKEN_SCOPES } from './tokens.js';

const REFUSAL_CODES = Object.keys(OUTCOMES) as [RefusalCode, ...RefusalCode[]];
/** Codes beyond the core's refusals: the studio's own (a Stylebot PNG without settings, a rate limit). */
const STUDIO_CODES = ['no_settings', 'rate_limited'] as const;

/** Every refusal of the API: `{ error: { code, message, errorId? } }`, the message as the bots word it. */
export const ErrorBody = z
  .object({
    error: z.object({
      code: z
        .enum([...REFUSAL_CODES, ...STUDIO_CODES])
        .describe('The kind of refusal (src/errors/catalogue.ts); the HTTP status follows from it.'),
      message: z.string().describe('A sentence for a person, the same the chat bots send.'),
      errorId: z
        .string()
        .regex(/^[0-9a-f]{8}$/)
        .optional()
        .describe('For 500 and 503: the id the server log line carries.'),
    }),
  })
  .meta({ id: 'Error' });

export const JobState = z.enum(['queued', 'running', 'done', 'failed', 'cancelled']).meta({ id: 'JobState' });
export const Platform = z.enum(['discord', 'slack', 'web', 'cli']);

/** A job as the API shows it (job-view.ts builds it). */
export const JobView = z
  .object({
    id: z.string(),
    state: JobState,
    iteration: z.number().int().describe('Iterations done so far (the total once done).'),
    iterations: z.number().int(),
    position: z.number().int().nullable().describe('Place in the queue, 1 = next; 0 while painting; null once finished.'),
    error: z.string().nullable(),
    fraction: z.number().min(0).max(1),
    etaMs: z.number().nullable().describe('Time left in ms while painting, once measured.'),
    owner: z.object({ platform: Platform, workspaceId: z.string(), userId: z.string(), userName: z.string().optional() }),
    styles: z.array(z.string()),
    artist: z.string().nullable(),
    artwork: z.string().nullable(),
    options: z.record(z.string(), z.unknown()).describe('The options the job was given (engine names).'),
    settings: z.string().nullable().describe('The settings line of a finished picture.'),
    status: z.string().describe('The status as the bots word it.'),
    buttons: z.array(z.object({ action: z.string(), label: z.string() })),
    result: z
      .object({
        url: z.string().describe('Where the PNG is: GET it with the same credential.'),
        width: z.number().int(),
        height: z.number().int(),
        seed: z.number(),
        backend: z.string(),
        msPerIteration: z.number(),
      })
      .nullable(),
    worker: z.string().nullable().describe('The engine worker running the job, or that ran it last.'),
    attempts: z.number().int().min(0).describe('Times a worker started the job (a job whose worker died is retried).'),
    createdAt: z.number().describe('Epoch ms.'),
    startedAt: z.number().nullable(),
    finishedAt: z.number().nullable(),
  })
  .meta({ id: 'Job' });

export type ApiJob = z.infer<typeof JobView>;

export const JobId = z.object({ id: z.string().regex(/^[a-z0-9]{1,32}$/i, 'A job id is 1 to 32 letters or digits.') });
export const JobAction = JobId.extend({ action: z.string().min(1).max(32) });
export const ArtistWork = z.object({ artist: z.string().min(1).max(255), work: z.string().min(1).max(255) });

/** A whole number from a query string within [min, max]; absent or empty gives `fallback`. */
const wholeQuery = (min: number, max: number, fallback: number) =>
  z.preprocess((v) => (v === '' || v === undefined ? undefined : v), z.coerce.number().int().min(min).max(max).default(fallback));

export const JobsQuery = z.object({ limit: wholeQuery(1, 100, 50).describe('How many, newest first (1..100).') });
export const ResultQuery = z.object({ download: z.string().optional().describe('Present: sent as an attachment.') });
export const AdminJobsQuery = z.object({
  state: z.preprocess((v) => (v === '' ? undefined : v), JobState.optional()),
  user: z.string().max(255).optional(),
});
export const StatsQuery = z.object({ days: wholeQuery(1, 365, 7) });
export const AuditQuery = z.object({ limit: wholeQuery(1, 1000, 200) });
export const QuotaQuery = z.object({
  platform: Platform.optional(),
  workspace: z.string().max(255).optional(),
  user: z.string().max(255).optional(),
});
export const TokensQuery = z.object({ user: z.string().max(32).optional().describe('An admin: whose tokens ("*" for everyone\'s).') });
export const TokenId = z.object({ id: z.string().max(64) });

export const JobAccepted = z
  .object({ id: z.string(), state: JobState, position: z.number().int().nullable(), message: z.string(), job: JobView })
  .meta({ id: 'JobAccepted' });
export const JobList = z.object({ jobs: z.array(JobView) });
export const Message = z.object({ message: z.string() }).meta({ id: 'Message' });
export const Cancelled = z.object({ message: z.string(), job: JobView });

export const Quota = z.object({
  jobsPerDay: z.number(),
  gpuSecondsPerDay: z.number(),
  maxQueued: z.number(),
  maxSize: z.number(),
  maxIterations: z.number(),
});
export const Usage = z.object({ jobsToday: z.number(), gpuSecondsToday: z.number(), queuedNow: z.number(), resetsAt: z.number() });
export const Me = z.object({
  user: z.string(),
  platform: Platform,
  workspace: z.string(),
  role: z.enum(['admin', 'user']),
  quota: Quota,
  usage: Usage,
});

export const OptionFieldView = z.object({
  name: z.string(),
  flag: z.string(),
  type: z.enum(['integer', 'number', 'choice', 'text']),
  help: z.string(),
  choices: z.array(z.string()).optional(),
  min: z.number().optional(),
  max: z.number().optional(),
  default: z.union([z.string(), z.number()]).optional(),
  common: z.boolean(),
});
export const OptionsAnswer = z.object({
  fields: z.array(OptionFieldView),
  defaults: z.object({ size: z.number(), iterations: z.number(), budget: z.number().optional() }),
  limits: z.object({ maxImageBytes: z.number(), maxImagePixels: z.number(), maxStyles: z.number() }),
});
export const Artists = z.object({
  artists: z.array(z.object({ name: z.string(), works: z.array(z.object({ file: z.string(), thumbnail: z.string() })) })),
});
export const SettingsAnswer = z.object({
  settings: z.object({
    version: z.string(),
    options: z.record(z.string(), z.unknown()),
    styles: z.array(z.object({ name: z.string(), weight: z.number() })),
    seed: z.number(),
    backend: z.string(),
  }),
});

export const TokenView = z
  .object({
    id: z.string(),
    user: z.string(),
    name: z.string(),
    scope: z.enum(TOKEN_SCOPES as [string, ...string[]]),
    createdBy: z.string(),
    createdAt: z.number(),
    lastUsedAt: z.number().nullable(),
    revokedAt: z.number().nullable(),
  })
  .meta({ id: 'Token' });
export const TokenMade = TokenView.extend({ token: z.string().describe('The secret: shown in this answer only.') });
export const TokenList = z.object({ tokens: z.array(TokenView) });
export const TokenRevoked = z.object({ token: TokenView });
export const TokenCreate = z.object({
  name: z.string().min(1).max(64).describe('What the token is for.'),
  scope: z.enum(TOKEN_SCOPES as [string, ...string[]]).default('jobs'),
  user: z.string().max(32).optional().describe('An admin: whose token (default: yours).'),
});

export const AdminQuotaAnswer = z.object({
  platform: Platform,
  workspaceId: z.string(),
  userId: z.string().optional(),
  quota: Quota,
  usage: Usage.nullable(),
  role: z.enum(['admin', 'user']).nullable(),
});
export const QuotaChanged = z.object({ message: z.string(), quota: Quota });
export const StatsAnswer = z.object({
  days: z.number(),
  perUser: z.array(z.object({ platform: Platform, workspaceId: z.string(), userId: z.string(), jobs: z.number(), gpuSeconds: z.number() })),
  perDay: z.array(z.object({ day: z.string(), jobs: z.number(), gpuSeconds: z.number() })),
});
export const AuditAnswer = z.object({
  entries: z.array(
    z.object({
      id: z.number(),
      at: z.number(),
      actor: z.object({ platform: z.string(), workspaceId: z.string(), userId: z.string() }),
      action: z.string(),
      target: z.string(),
      before: z.unknown().optional().describe('The value before (absent when there was none).'),
      after: z.unknown().optional().describe('The value after (absent when removed).'),
    }),
  ),
});

/** The body of POST /admin/quota and /admin/defaults (form or JSON): the quota fields by their chat names. */
export const QuotaBody = z.object({
  platform: Platform.optional(),
  workspace: z.string().max(255).optional(),
  user: z.string().max(255).optional(),
  jobs_per_day: z.union([z.number(), z.string()]).optional(),
  gpu_seconds_per_day: z.union([z.number(), z.string()]).optional(),
  max_queued: z.union([z.number(), z.string()]).optional(),
  max_size: z.union([z.number(), z.string()]).optional(),
  max_iterations: z.union([z.number(), z.string()]).optional(),
});

/** The JSON Schema of one option as a multipart text field, from the option table (src/options/fields.ts). */
function optionProperty(field: OptionField): Record<string, unknown> {
  switch (field.kind) {
    case 'integer':
      return { type: 'integer', minimum: field.min, maximum: field.max, description: `${field.help}; ${rangeText(field.min, field.max)}` };
    case 'number':
      return { type: 'number', minimum: field.min, maximum: field.max, description: `${field.help}; ${rangeText(field.min, field.max)}` };
    case 'choice':
      return { type: 'string', enum: [...field.choices], description: field.help };
    case 'numbers':
      return { type: 'string', description: `${field.help}; numbers separated by commas, each ${rangeText(field.min, field.max)}` };
  }
}

const file = (description: string) => ({ type: 'string', contentMediaType: 'application/octet-stream', description });

/** multipart/form-data of POST /jobs: the pictures and every option of the table by its API (snake_case) name. */
export function jobUploadSchema(): Record<string, unknown> {
  const properties: Record<string, unknown> = {
    content: file('The photo (JPEG, PNG, WebP ...); leave it out with texture=true.'),
    style: { type: 'array', maxItems: 3, items: file('A painting; up to three, blended.') },
    artist: { type: 'string', description: 'Paint in the style of an artist of the corpus (GET /artists) instead of sending a painting.' },
    texture: { type: 'string', enum: ['true', 'false'], description: 'Texture synthesis from the style alone (no photo).' },
    style_weight1: { type: 'number', description: 'Blend weight of the first painting.' },
    style_weight2: { type: 'number', description: 'Blend weight of the second painting.' },
    style_weight3: { type: 'number', description: 'Blend weight of the third painting.' },
    callback_url: {
      type: 'string',
      format: 'uri',
      description:
        'When the job ends, POST { event, job, resultUrl } here, signed (Stylebot-Signature: t=...,v1=HMAC-SHA256 of "t.body"); only to hosts an admin allowed.',
    },
  };
  for (const field of fieldsFor('web')) properties[snakeName(field)] = optionProperty(field);
  return { type: 'object', properties };
}

export const UPLOAD_BODIES: Record<string, Record<string, unknown>> = {
  compare: {
    type: 'object',
    required: ['image1', 'image2'],
    properties: { image1: file('The first image.'), image2: file('The second image.') },
  },
  settings: { type: 'object', required: ['image'], properties: { image: file('A PNG that Stylebot painted.') } },
  artist: { type: 'object', required: ['name', 'image'], properties: { name: { type: 'string' }, image: file('The artwork.') } },
};

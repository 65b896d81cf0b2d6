// A small local stand-in for Discord (REST + gateway) on 127.0.0.1, for driving the real discord.js client in tests.
// It speaks just enough of API v10 for Stylebot: gateway/bot, HELLO/IDENTIFY/READY/heartbeats/RESUME, interaction
// dispatch, interaction callbacks, webhook (interaction reply) edits and follow-ups, channel messages, command
// registration, and a file host for attachment URLs. Every request is recorded; tests await the ones they expect.
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

export interface RecordedFile {
  field: string;
  name: string;
  contentType: string;
  data: Uint8Array;
}

export interface RecordedCall {
  index: number;
  method: string;
  /** Decoded path below /api/v10, e.g. "/webhooks/APP/TOKEN/messages/@original". */
  path: string;
  query: URLSearchParams;
  authorization?: string;
  /** The JSON body, or payload_json of a multipart body. */
  json?: any;
  files: RecordedFile[];
  status: number;
  /** Epoch ms when the request arrived. */
  at: number;
}

export interface FakeUser {
  id: string;
  username: string;
}

export interface FakeAttachment {
  name: string;
  data: Uint8Array;
  contentType?: string;
  /** Reported size; defaults to data.length (a test can lie to check the size check). */
  size?: number;
  /** The attachment's URL as the event carries it; default: the bytes hosted on this fake's file host. */
  url?: string;
}

export type OptionInput = string | number | boolean | { type: number; value: string | number | boolean };

export interface SlashCommandInput {
  name: string;
  subcommand?: string;
  options?: Record<string, OptionInput>;
  attachments?: Record<string, FakeAttachment>;
  user?: FakeUser;
  /** Omit for a guild interaction in the default guild; null for a DM. */
  guildId?: string | null;
  channelId?: string;
  /** Member permissions bitfield as a decimal string (e.g. "32" = Manage Server). */
  permissions?: string;
  /** The user's client language (interaction.locale); default en-US. */
  locale?: string;
}

export interface SentInteraction {
  id: string;
  token: string;
  channelId: string;
}

export interface StoredMessage {
  id: string;
  channelId: string;
  json: any;
  files: RecordedFile[];
  flags: number;
  deleted: boolean;
}

const DISCORD_EPOCH = 1420070400000n;
export const MANAGE_GUILD = '32';

export class FakeDiscordServer {
  private readonly redirects = new Map<string, string>();
  readonly applicationId = snowflake();
  readonly botUser: FakeUser = { id: this.applicationId, username: 'stylebot' };
  readonly guildId = snowflake();
  readonly channelId = snowflake();
  readonly calls: RecordedCall[] = [];
  /** Interaction reply messages by token (@original), follow-ups and channel posts by id. */
  readonly originals = new Map<string, StoredMessage>();
  readonly messages = new Map<string, StoredMessage>();
  identifies = 0;
  resumes = 0;
  /** attachment_size_limit sent with interactions, and enforced: a body with more bytes of files gets 413 (40005). */
  attachmentSizeLimit = 10 * 1024 * 1024;

  private readonly http: Server;
  private readonly wss: WebSocketServer;
  private readonly sockets = new Set<WebSocket>();
  private readonly files = new Map<string, { data: Uint8Array; contentType: string }>();
  private readonly waiters = new Set<{ from: number; match: (c: RecordedCall) => boolean; resolve: (c: RecordedCall) => void }>();
  private readonly expiredTokens = new Set<string>();
  private readonly rateLimits: { match: (method: string, path: string, call: RecordedCall) => boolean; retryAfterS: number }[] = [];
  private readonly outages: { match: (method: string, path: string, call: RecordedCall) => boolean; until: number }[] = [];
  private sequence = 0;
  private port = 0;

  private constructor() {
    this.http = createServer((req, res) => {
      this.handle(req, res).catch((error) => {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ message: String(error), code: 0 }));
      });
    });
    this.wss = new WebSocketServer({ server: this.http });
    this.wss.on('connection', (socket) => this.onGateway(socket));
  }

  static async start(): Promise<FakeDiscordServer> {
    const server = new FakeDiscordServer();
    await new Promise<void>((resolve) => server.http.listen(0, '127.0.0.1', resolve));
    server.port = (server.http.address() as AddressInfo).port;
    return server;
  }

  /** What to give discord.js as `rest.api`. */
  get apiBase(): string {
    return `http://127.0.0.1:${this.port}/api`;
  }

  get origin(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.terminate();
    this.wss.close();
    this.http.closeAllConnections();
    await new Promise<void>((resolve) => this.http.close(() => resolve()));
  }

  /** Serves bytes at a URL, as Discord's CDN serves attachments. */
  hostFile(name: string, data: Uint8Array, contentType = 'application/octet-stream'): string {
    const key = `${snowflake()}/${encodeURIComponent(name)}`;
    this.files.set(key, { data, contentType });
    return `${this.origin}/files/${key}`;
  }

  /** A URL on this fake's file host that answers 302 to `location` (a file host that redirects). */
  hostRedirect(location: string): string {
    const key = `redirect/${snowflake()}`;
    this.redirects.set(key, location);
    return `${this.origin}/files/${key}`;
  }

  /** The number of calls so far: pass it as `from` to wait only for later calls. */
  mark(): number {
    return this.calls.length;
  }

  /** Resolves with the first call (index >= from) that matches; rejects after timeoutMs. */
  waitFor(
    match: (call: RecordedCall) => boolean,
    options: { from?: number; timeoutMs?: number; what?: string } = {},
  ): Promise<RecordedCall> {
    const from = options.from ?? 0;
    const found = this.calls.slice(from).find(match);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const waiter = {
        from,
        match,
        resolve: (call: RecordedCall) => {
          clearTimeout(timer);
          this.waiters.delete(waiter);
          resolve(call);
        },
      };
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        const recent = this.calls.slice(-8).map((c) => `${c.method} ${c.path} ${c.status} ${JSON.stringify(c.json)?.slice(0, 160)}`);
        reject(new Error(`Timed out waiting for ${options.what ?? 'a matching call'}. Last calls:\n${recent.join('\n')}`));
      }, options.timeoutMs ?? 60_000);
      this.waiters.add(waiter);
    });
  }

  /** Calls that edit or create the visible reply of one interaction (PATCH @original, follow-ups, channel posts). */
  repliesTo(token: string): RecordedCall[] {
    return this.calls.filter((c) => c.path.includes(`/${token}`) && c.method !== 'GET');
  }

  /** Makes later uses of the token fail as an expired token does (401, code 50027). */
  expireToken(token: string): void {
    this.expiredTokens.add(token);
  }

  /** Answers the next request that matches with 429 Too Many Requests (retry after retryAfterS seconds). */
  rateLimitNext(match: (method: string, path: string, call: RecordedCall) => boolean, retryAfterS: number): void {
    this.rateLimits.push({ match, retryAfterS });
  }

  /** Answers every request that matches with 503 Service Unavailable for the next durationMs. */
  outage(match: (method: string, path: string, call: RecordedCall) => boolean, durationMs: number): void {
    this.outages.push({ match, until: Date.now() + durationMs });
  }

  /** Cuts every gateway connection abruptly, as a network failure would. */
  dropGatewayConnections(): void {
    for (const socket of this.sockets) socket.terminate();
  }

  get gatewayConnections(): number {
    return this.sockets.size;
  }

  /** Deletes an interaction's reply, as a user or moderator deleting the message would. */
  deleteOriginal(token: string): void {
    const message = this.originals.get(token);
    if (message) message.deleted = true;
  }

  /** When each interaction was dispatched (epoch ms), by interaction id. */
  readonly sentAt = new Map<string, number>();

  slashCommand(input: SlashCommandInput): SentInteraction {
    const attachments: Record<string, unknown> = {};
    const options: unknown[] = [];
    for (const [name, value] of Object.entries(input.options ?? {})) {
      options.push(typeof value === 'object' ? { name, ...value } : { name, type: optionType(value), value });
    }
    for (const [name, file] of Object.entries(input.attachments ?? {})) {
      const id = snowflake();
      attachments[id] = {
        id,
        filename: file.name,
        size: file.size ?? file.data.length,
        url: file.url ?? this.hostFile(file.name, file.data, file.contentType),
        proxy_url: file.url ?? this.hostFile(file.name, file.data, file.contentType),
        ...(file.contentType ? { content_type: file.contentType } : {}),
      };
      options.push({ name, type: 11, value: id });
    }
    const data = {
      id: snowflake(),
      name: input.name,
      type: 1,
      options: input.subcommand ? [{ name: input.subcommand, type: 1, options }] : options,
      resolved: Object.keys(attachments).length > 0 ? { attachments } : undefined,
    };
    return this.dispatchInteraction(2, data, input);
  }

  autocomplete(input: { name: string; option: string; value: string; user?: FakeUser }): SentInteraction {
    const data = {
      id: snowflake(),
      name: input.name,
      type: 1,
      options: [{ name: input.option, type: 3, value: input.value, focused: true }],
    };
    return this.dispatchInteraction(4, data, { name: input.name, user: input.user });
  }

  pressButton(input: { customId: string; messageId?: string; user?: FakeUser; permissions?: string }): SentInteraction {
    const data = { custom_id: input.customId, component_type: 2 };
    return this.dispatchInteraction(3, data, { name: '', user: input.user, permissions: input.permissions }, input.messageId);
  }

  /**
   * A message command (Apps menu on a message, type 3) on a message posted by `author` with these attachments; the
   * message travels in data.resolved.messages as Discord sends it.
   */
  messageCommand(input: {
    name: string;
    attachments?: FakeAttachment[];
    content?: string;
    author?: FakeUser;
    user?: FakeUser;
    guildId?: string | null;
    permissions?: string;
    locale?: string;
  }): SentInteraction & { messageId: string } {
    const messageId = snowflake();
    const channelId = this.channelId;
    const author = input.author ?? { id: '999', username: 'poster' };
    const attachments = (input.attachments ?? []).map((file) => ({
      id: snowflake(),
      filename: file.name,
      size: file.size ?? file.data.length,
      url: file.url ?? this.hostFile(file.name, file.data, file.contentType),
      proxy_url: file.url ?? this.hostFile(file.name, file.data, file.contentType),
      ...(file.contentType ? { content_type: file.contentType } : {}),
    }));
    const message = {
      ...(this.messageObject(messageId, channelId, { content: input.content ?? '' }, []) as Record<string, unknown>),
      author: { ...author, discriminator: '0', avatar: null, global_name: null },
      attachments,
    };
    const data = { id: snowflake(), name: input.name, type: 3, target_id: messageId, resolved: { messages: { [messageId]: message } } };
    return {
      ...this.dispatchInteraction(2, data, {
        name: input.name,
        user: input.user,
        guildId: input.guildId,
        permissions: input.permissions,
        locale: input.locale,
      }),
      messageId,
    };
  }

  /** A submitted modal (type 5): text inputs by custom_id, each in its own action row, as Discord sends them. */
  submitModal(input: { customId: string; fields: Record<string, string>; user?: FakeUser; guildId?: string | null }): SentInteraction {
    const components = Object.entries(input.fields).map(([id, value]) => ({ type: 1, components: [{ type: 4, custom_id: id, value }] }));
    return this.dispatchInteraction(5, { custom_id: input.customId, components }, { name: '', user: input.user, guildId: input.guildId });
  }

  private dispatchInteraction(type: number, data: unknown, input: SlashCommandInput, messageId?: string): SentInteraction {
    const id = snowflake();
    const token = `tok-${randomBytes(12).toString('hex')}`;
    const channelId = input.channelId ?? this.channelId;
    const user = {
      id: input.user?.id ?? '100',
      username: input.user?.username ?? 'painter',
      discriminator: '0',
      global_name: null,
      avatar: null,
    };
    const guildId = input.guildId === undefined ? this.guildId : input.guildId;
    const payload: Record<string, unknown> = {
      id,
      application_id: this.applicationId,
      type,
      token,
      version: 1,
      data,
      channel_id: channelId,
      channel: { id: channelId, type: guildId ? 0 : 1, ...(guildId ? { guild_id: guildId, name: 'art' } : {}) },
      app_permissions: '2248473465835073',
      locale: input.locale ?? 'en-US',
      entitlements: [],
      authorizing_integration_owners: guildId ? { '0': guildId } : { '1': user.id },
      context: guildId ? 0 : 1,
      attachment_size_limit: this.attachmentSizeLimit,
    };
    if (guildId) {
      payload.guild_id = guildId;
      payload.guild_locale = 'en-US';
      payload.member = {
        user,
        roles: [],
        permissions: input.permissions ?? '0',
        joined_at: new Date().toISOString(),
        deaf: false,
        mute: false,
        flags: 0,
      };
    } else {
      payload.user = user;
    }
    if (type === 3) payload.message = this.messageObject(messageId ?? snowflake(), channelId, { content: '' }, []);
    this.sentAt.set(id, Date.now());
    this.dispatch('INTERACTION_CREATE', payload);
    return { id, token, channelId };
  }

  private dispatch(event: string, data: unknown): void {
    const frame = JSON.stringify({ op: 0, t: event, s: ++this.sequence, d: data });
    for (const socket of this.sockets) socket.send(frame);
  }

  private onGateway(socket: WebSocket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.send(JSON.stringify({ op: 10, d: { heartbeat_interval: 30_000 } }));
    socket.on('message', (raw) => {
      const message = JSON.parse(String(raw)) as { op: number; d: any };
      if (message.op === 1) socket.send(JSON.stringify({ op: 11 }));
      if (message.op === 2) {
        this.identifies += 1;
        const ready = {
          v: 10,
          user: { ...this.botUser, discriminator: '0', bot: true, avatar: null, global_name: null },
          guilds: [],
          session_id: randomBytes(8).toString('hex'),
          resume_gateway_url: `ws://127.0.0.1:${this.port}`,
          shard: [0, 1],
          application: { id: this.applicationId, flags: 0 },
        };
        socket.send(JSON.stringify({ op: 0, t: 'READY', s: ++this.sequence, d: ready }));
      }
      if (message.op === 6) {
        this.resumes += 1;
        socket.send(JSON.stringify({ op: 0, t: 'RESUMED', s: ++this.sequence, d: {} }));
      }
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.origin);
    if (req.method === 'GET' && url.pathname.startsWith('/files/redirect/')) {
      const location = this.redirects.get(url.pathname.slice('/files/'.length));
      if (!location) return send(res, 404, { message: 'Not found' });
      res.writeHead(302, { location }).end();
      return;
    }
    if (req.method === 'GET' && url.pathname.startsWith('/files/')) {
      const file = this.files.get(url.pathname.slice('/files/'.length));
      if (!file) return send(res, 404, { message: 'Not found' });
      res.writeHead(200, { 'content-type': file.contentType, 'content-length': file.data.length });
      res.end(file.data);
      return;
    }
    const body = await readBody(req);
    const path = decodeURIComponent(url.pathname.replace(/^\/api(\/v\d+)?/, ''));
    const { json, files } = await parseBody(req, url, body);
    const call: RecordedCall = {
      index: this.calls.length,
      method: req.method ?? 'GET',
      path,
      query: url.searchParams,
      authorization: req.headers.authorization,
      json,
      files,
      status: 0,
      at: Date.now(),
    };
    const limit = this.rateLimits.findIndex((r) => r.match(call.method, path, call));
    const down = this.outages.some((o) => Date.now() < o.until && o.match(call.method, path, call));
    const tooLarge = files.reduce((sum, f) => sum + f.data.length, 0) > this.attachmentSizeLimit;
    const [status, answer] = down
      ? [503, { message: 'Service Unavailable', code: 0 }]
      : tooLarge
        ? [413, { message: 'Request entity too large', code: 40005 }]
        : limit >= 0
          ? this.rateLimited(limit, res)
          : this.route(call);
    call.status = status;
    this.calls.push(call);
    for (const waiter of [...this.waiters]) {
      if (call.index >= waiter.from && waiter.match(call)) waiter.resolve(call);
    }
    send(res, status, answer);
  }

  private rateLimited(index: number, res: ServerResponse): [number, unknown] {
    const { retryAfterS } = this.rateLimits.splice(index, 1)[0]!;
    res.setHeader('retry-after', String(retryAfterS));
    res.setHeader('x-ratelimit-scope', 'user');
    return [429, { message: 'You are being rate limited.', retry_after: retryAfterS, global: false }];
  }

  private route(call: RecordedCall): [number, unknown] {
    const { method, path, json, files } = call;
    let m: RegExpExecArray | null;
    if (method === 'GET' && path === '/gateway/bot') {
      return [
        200,
        {
          url: `ws://127.0.0.1:${this.port}`,
          shards: 1,
          session_start_limit: { total: 1000, remaining: 999, reset_after: 0, max_concurrency: 1 },
        },
      ];
    }
    if (method === 'GET' && path === '/users/@me') return [200, { ...this.botUser, discriminator: '0', bot: true }];
    if (method === 'PUT' && (m = /^\/applications\/(\d+)(\/guilds\/(\d+))?\/commands$/.exec(path))) {
      return [200, (json as any[]).map((c) => ({ ...c, id: snowflake(), application_id: m![1], version: snowflake() }))];
    }
    if (method === 'POST' && (m = /^\/interactions\/(\d+)\/([^/]+)\/callback$/.exec(path))) {
      const token = m[2]!;
      if (this.expiredTokens.has(token)) return unknownWebhook();
      const type = json?.type as number;
      if (type === 4 || type === 5) {
        const message = this.store(snowflake(), this.channelId, json.data ?? {}, files);
        this.originals.set(token, message);
      }
      if (call.query.get('with_response') === 'true') {
        return [200, { interaction: { id: m[1], type: 2 }, resource: { type } }];
      }
      return [204, undefined];
    }
    if ((m = /^\/webhooks\/(\d+)\/([^/]+)(\/messages\/([^/]+))?$/.exec(path))) {
      const [, , token = '', , messageId = ''] = m;
      if (this.expiredTokens.has(token)) return [401, { message: 'Invalid Webhook Token', code: 50027 }];
      if (!messageId && method === 'POST') {
        const message = this.store(snowflake(), this.channelId, json ?? {}, files);
        this.messages.set(message.id, message);
        return [200, this.messageObject(message.id, message.channelId, message.json, message.files)];
      }
      const message = messageId === '@original' ? this.originals.get(token) : this.messages.get(messageId);
      if (!message || message.deleted) return unknownMessage();
      if (method === 'DELETE') {
        message.deleted = true;
        return [204, undefined];
      }
      if (method === 'PATCH') this.edit(message, json ?? {}, files);
      return [200, this.messageObject(message.id, message.channelId, message.json, message.files)];
    }
    if ((m = /^\/channels\/(\d+)\/messages(\/(\d+))?$/.exec(path))) {
      const [, channelId = '', , messageId] = m;
      if (method === 'POST' && !messageId) {
        const message = this.store(snowflake(), channelId, json ?? {}, files);
        this.messages.set(message.id, message);
        return [200, this.messageObject(message.id, channelId, message.json, message.files)];
      }
      const message = messageId
        ? (this.messages.get(messageId) ?? [...this.originals.values()].find((o) => o.id === messageId))
        : undefined;
      if (!message || message.deleted) return unknownMessage();
      if (method === 'PATCH') this.edit(message, json ?? {}, files);
      if (method === 'DELETE') message.deleted = true;
      return [200, this.messageObject(message.id, channelId, message.json, message.files)];
    }
    return [404, { message: `Fake Discord has no route ${method} ${path}`, code: 0 }];
  }

  private store(id: string, channelId: string, json: any, files: RecordedFile[]): StoredMessage {
    return { id, channelId, json, files, flags: Number(json?.flags ?? 0), deleted: false };
  }

  private edit(message: StoredMessage, json: any, files: RecordedFile[]): void {
    message.json = { ...message.json, ...json };
    // Like Discord: without an attachments list the old files stay; new files are added.
    message.files = json.attachments ? [...files] : [...message.files, ...files];
  }

  private messageObject(id: string, channelId: string, json: any, files: RecordedFile[]): unknown {
    return {
      id,
      channel_id: channelId,
      type: 0,
      author: { ...this.botUser, discriminator: '0', bot: true, avatar: null, global_name: null },
      content: json?.content ?? '',
      timestamp: new Date().toISOString(),
      edited_timestamp: null,
      tts: false,
      mention_everyone: false,
      mentions: [],
      mention_roles: [],
      attachments: files.map((f) => ({
        id: snowflake(),
        filename: f.name,
        size: f.data.length,
        url: `${this.origin}/files/x`,
        proxy_url: `${this.origin}/files/x`,
      })),
      embeds: [],
      pinned: false,
      components: json?.components ?? [],
      flags: Number(json?.flags ?? 0),
    };
  }
}

function optionType(value: string | number | boolean): number {
  if (typeof value === 'boolean') return 5;
  if (typeof value === 'number') return Number.isInteger(value) ? 4 : 10;
  return 3;
}

function unknownMessage(): [number, unknown] {
  return [404, { message: 'Unknown Message', code: 10008 }];
}

function unknownWebhook(): [number, unknown] {
  return [404, { message: 'Unknown interaction', code: 10062 }];
}

let counter = 0n;
/** Discord-like ids: a timestamp in the high bits, a counter in the low bits. */
export function snowflake(): string {
  counter += 1n;
  return (((BigInt(Date.now()) - DISCORD_EPOCH) << 22n) | (counter & 0x3fffffn)).toString();
}

function send(res: ServerResponse, status: number, body: unknown): void {
  if (body === undefined) {
    res.writeHead(status);
    res.end();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function parseBody(req: IncomingMessage, url: URL, body: Buffer): Promise<{ json?: any; files: RecordedFile[] }> {
  const contentType = req.headers['content-type'] ?? '';
  if (body.length === 0) return { files: [] };
  if (contentType.startsWith('multipart/form-data')) {
    const form = await new Request(url, {
      method: req.method,
      headers: { 'content-type': contentType },
      body: new Uint8Array(body),
    }).formData();
    const files: RecordedFile[] = [];
    let json: any;
    for (const [field, value] of form.entries()) {
      if (typeof value === 'string') {
        if (field === 'payload_json') json = JSON.parse(value);
      } else {
        files.push({ field, name: value.name, contentType: value.type, data: new Uint8Array(await value.arrayBuffer()) });
      }
    }
    return { json, files };
  }
  if (contentType.includes('json')) return { json: JSON.parse(body.toString('utf8')), files: [] };
  return { json: body.toString('utf8'), files: [] };
}

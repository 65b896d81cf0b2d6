// A local stand-in for Slack on 127.0.0.1, speaking its wire protocols so the REAL Bolt app can be driven end to
// end: the Web API (form-urlencoded bodies, Bearer tokens), the upload host of filesUploadV2, a file host for
// url_private (checks the bot token), response_url for slash commands, and a Socket Mode WebSocket (hello,
// events_api envelopes, acks). It also signs and POSTs events to an app in HTTP mode. Only Slack is replaced.
import { createHmac, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

export interface FakeSlackOptions {
  botToken: string;
  appToken?: string;
  signingSecret?: string;
  botUserId?: string;
  botId?: string;
  teamId?: string;
}

export interface SlackCall {
  /** Position in the call log (0-based). */
  index: number;
  /** When the stand-in answered it (epoch ms). */
  at: number;
  /** Web API method ("chat.postMessage"), or "upload", "respond", "download" for the non-API hosts. */
  method: string;
  args: Record<string, unknown>;
  /** The bearer token the caller sent. */
  token?: string;
  /** Set on files.completeUploadExternal: the files with the bytes that were uploaded for them. */
  uploaded?: UploadedFile[];
}

export interface UploadedFile {
  id: string;
  filename: string;
  title?: string;
  bytes: Uint8Array;
}

export interface FakeUser {
  id: string;
  name: string;
  is_admin?: boolean;
  is_owner?: boolean;
}

/** What app_mention events carry for each file. */
export interface SlackFile {
  id: string;
  name: string;
  title: string;
  mimetype: string;
  filetype: string;
  size: number;
  url_private: string;
  url_private_download: string;
}

interface Waiter {
  predicate: (call: SlackCall) => boolean;
  resolve: (call: SlackCall) => void;
}

export class FakeSlack {
  readonly calls: SlackCall[] = [];
  readonly users = new Map<string, FakeUser>();
  /** Methods that answer { ok: false, error } once, e.g. failNext.set('chat.update', 'message_not_found'). */
  readonly failNext = new Map<string, string>();
  /** Methods that answer HTTP 429 with Retry-After (seconds) once; recorded as "METHOD (429)". */
  readonly rateLimitNext = new Map<string, number>();
  /** Methods that answer { ok: false, error: 'service_unavailable' } until the given time (epoch ms): an outage. */
  readonly downUntil = new Map<string, number>();
  readonly botUserId: string;
  readonly teamId: string;
  private readonly server: Server;
  private readonly wss: WebSocketServer;
  private readonly sockets = new Set<WebSocket>();
  private readonly hostedFiles = new Map<string, { bytes: Uint8Array; mimetype: string }>();
  private readonly uploads = new Map<string, { filename: string; length: number; bytes?: Uint8Array }>();
  private readonly acks = new Map<string, (payload: unknown) => void>();
  private readonly waiters = new Set<Waiter>();
  private tsCounter = 0;
  private idCounter = 0;
  private baseUrl = '';
  private readonly redirects = new Map<string, string>();

  private constructor(readonly options: FakeSlackOptions) {
    this.botUserId = options.botUserId ?? 'UBOT';
    this.teamId = options.teamId ?? 'T1';
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        res.statusCode = 500;
        res.end(String(error));
      });
    });
    this.wss = new WebSocketServer({ noServer: true });
    this.server.on('upgrade', (req, socket, head) => {
      if (!req.url?.startsWith('/socket')) {
        socket.destroy();
        return;
      }
      this.wss.handleUpgrade(req, socket, head, (ws) => this.onSocket(ws));
    });
  }

  static async start(options: FakeSlackOptions): Promise<FakeSlack> {
    const fake = new FakeSlack(options);
    await new Promise<void>((resolve) => fake.server.listen(0, '127.0.0.1', resolve));
    fake.baseUrl = `http://127.0.0.1:${(fake.server.address() as AddressInfo).port}`;
    return fake;
  }

  get url(): string {
    return this.baseUrl;
  }

  /** What to give the app as slackApiUrl. */
  get apiUrl(): string {
    return `${this.baseUrl}/api/`;
  }

  /** Number of open Socket Mode connections. */
  get socketCount(): number {
    return this.sockets.size;
  }

  addUser(user: FakeUser): void {
    this.users.set(user.id, user);
  }

  /** Hosts bytes at a url_private that needs the bot token; size defaults to the real length (override to lie). */
  addFile(name: string, bytes: Uint8Array, mimetype = 'image/jpeg', size = bytes.length): SlackFile {
    const id = `F${++this.idCounter}`;
    this.hostedFiles.set(id, { bytes, mimetype });
    const url = `${this.baseUrl}/files-pri/${this.teamId}-${id}/${encodeURIComponent(name)}`;
    return {
      id,
      name,
      title: name,
      mimetype,
      filetype: mimetype.split('/')[1] ?? 'binary',
      size,
      url_private: url,
      url_private_download: `${url}?download=1`,
    };
  }

  /** A URL on this fake that answers 302 to `location` (a file host that redirects). */
  addRedirect(location: string): string {
    const id = `R${++this.idCounter}`;
    this.redirects.set(id, location);
    return `${this.baseUrl}/redirect/${id}`;
  }

  /** An event_callback body as Slack POSTs it (HTTP mode) or wraps it (Socket Mode). */
  eventBody(event: Record<string, unknown>): Record<string, unknown> {
    return {
      token: 'verification-token',
      team_id: this.teamId,
      api_app_id: 'A1',
      event: { event_ts: event.ts, ...event },
      type: 'event_callback',
      event_id: `Ev${++this.idCounter}`,
      event_time: Math.floor(Date.now() / 1000),
      authorizations: [{ team_id: this.teamId, user_id: this.botUserId, is_bot: true, is_enterprise_install: false }],
      is_ext_shared_channel: false,
    };
  }

  /** An app_mention event as Slack sends it. */
  mention(fields: {
    user: string;
    text: string;
    channel?: string;
    ts?: string;
    threadTs?: string;
    files?: SlackFile[];
  }): Record<string, unknown> {
    const event: Record<string, unknown> = {
      type: 'app_mention',
      user: fields.user,
      text: fields.text,
      ts: fields.ts ?? this.nextTs(),
      channel: fields.channel ?? 'C1',
      team: this.teamId,
    };
    if (fields.threadTs) event.thread_ts = fields.threadTs;
    if (fields.files) event.files = fields.files;
    return this.eventBody(event);
  }

  /** A message in the direct conversation between a person and the bot (message.im), as Slack sends it. */
  directMessage(fields: {
    user: string;
    text: string;
    channel?: string;
    files?: SlackFile[];
    subtype?: string;
    botId?: string;
  }): Record<string, unknown> {
    const event: Record<string, unknown> = {
      type: 'message',
      channel_type: 'im',
      user: fields.user,
      text: fields.text,
      ts: this.nextTs(),
      channel: fields.channel ?? 'D1',
      team: this.teamId,
    };
    if (fields.files) event.files = fields.files;
    if (fields.subtype) event.subtype = fields.subtype;
    if (fields.botId) event.bot_id = fields.botId;
    return this.eventBody(event);
  }

  /** A block_actions payload for a button press on a message. */
  buttonPress(fields: {
    user: string;
    actionId: string;
    value: string;
    channel?: string;
    messageTs: string;
    threadTs?: string;
  }): Record<string, unknown> {
    return {
      type: 'block_actions',
      team: { id: this.teamId, domain: 'test' },
      user: { id: fields.user, username: fields.user, team_id: this.teamId },
      api_app_id: 'A1',
      token: 'verification-token',
      container: {
        type: 'message',
        message_ts: fields.messageTs,
        channel_id: fields.channel ?? 'C1',
        is_ephemeral: false,
        thread_ts: fields.threadTs,
      },
      trigger_id: 'trigger',
      channel: { id: fields.channel ?? 'C1', name: 'general' },
      message: { type: 'message', ts: fields.messageTs, thread_ts: fields.threadTs, text: '' },
      response_url: `${this.baseUrl}/respond/${randomUUID()}`,
      actions: [
        {
          action_id: fields.actionId,
          block_id: 'b',
          value: fields.value,
          type: 'button',
          action_ts: this.nextTs(),
          text: { type: 'plain_text', text: fields.actionId },
        },
      ],
    };
  }

  /** A message shortcut (type message_action) on a message, as Slack POSTs it (interactivity payload). */
  messageShortcut(fields: {
    user: string;
    callbackId: string;
    channel?: string;
    message: { ts: string; threadTs?: string; user?: string; text?: string; files?: SlackFile[] };
  }): Record<string, unknown> {
    const message: Record<string, unknown> = {
      type: 'message',
      ts: fields.message.ts,
      user: fields.message.user ?? fields.user,
      text: fields.message.text ?? '',
    };
    if (fields.message.threadTs) message.thread_ts = fields.message.threadTs;
    if (fields.message.files) message.files = fields.message.files;
    return {
      type: 'message_action',
      token: 'verification-token',
      action_ts: this.nextTs(),
      team: { id: this.teamId, domain: 'test' },
      user: { id: fields.user, username: fields.user, name: fields.user, team_id: this.teamId },
      channel: { id: fields.channel ?? 'C1', name: 'general' },
      is_enterprise_install: false,
      callback_id: fields.callbackId,
      trigger_id: `trigger-${++this.idCounter}`,
      message_ts: fields.message.ts,
      message,
      response_url: `${this.baseUrl}/respond/${randomUUID()}`,
    };
  }

  /** A modal's submission (view_submission) with the given state values, for a view the app opened. */
  viewSubmission(fields: {
    user: string;
    view: Record<string, unknown>;
    values: Record<string, Record<string, Record<string, unknown>>>;
  }): Record<string, unknown> {
    return {
      type: 'view_submission',
      token: 'verification-token',
      team: { id: this.teamId, domain: 'test' },
      user: { id: fields.user, username: fields.user, name: fields.user, team_id: this.teamId },
      api_app_id: 'A1',
      trigger_id: `trigger-${++this.idCounter}`,
      view: {
        id: `V${++this.idCounter}`,
        team_id: this.teamId,
        app_id: 'A1',
        bot_id: 'BBOT',
        hash: 'h',
        ...fields.view,
        state: { values: fields.values },
      },
      response_urls: [],
      is_enterprise_install: false,
    };
  }

  /** The app_home_opened event of a person opening the app's Home (or Messages) tab. */
  homeOpened(fields: { user: string; tab?: 'home' | 'messages' }): Record<string, unknown> {
    return this.eventBody({ type: 'app_home_opened', user: fields.user, channel: 'D1', tab: fields.tab ?? 'home', ts: this.nextTs() });
  }

  /** A slash command as Slack POSTs it (form fields). */
  slashCommand(fields: { user: string; text: string; channel?: string; command?: string }): Record<string, string> {
    return {
      token: 'verification-token',
      team_id: this.teamId,
      team_domain: 'test',
      channel_id: fields.channel ?? 'C1',
      channel_name: 'general',
      user_id: fields.user,
      user_name: fields.user,
      command: fields.command ?? '/stylize',
      text: fields.text,
      api_app_id: 'A1',
      response_url: `${this.baseUrl}/respond/${randomUUID()}`,
      trigger_id: 'trigger',
    };
  }

  /**
   * POSTs a body to an app's HTTP receiver, signed like Slack signs it (v0 HMAC-SHA256 of "v0:TS:BODY").
   * kind json: events; form: slash commands; payload: interactivity (payload=JSON). secret overrides the signing secret.
   */
  async postSigned(
    appUrl: string,
    body: Record<string, unknown>,
    opts: { kind?: 'json' | 'form' | 'payload'; secret?: string; timestamp?: number } = {},
  ): Promise<{ status: number; text: string }> {
    const kind = opts.kind ?? 'json';
    const raw =
      kind === 'json'
        ? JSON.stringify(body)
        : kind === 'payload'
          ? new URLSearchParams({ payload: JSON.stringify(body) }).toString()
          : new URLSearchParams(body as Record<string, string>).toString();
    const ts = opts.timestamp ?? Math.floor(Date.now() / 1000);
    const secret = opts.secret ?? this.options.signingSecret ?? '';
    const signature = `v0=${createHmac('sha256', secret).update(`v0:${ts}:${raw}`).digest('hex')}`;
    const response = await fetch(`${appUrl.replace(/\/$/, '')}/slack/events`, {
      method: 'POST',
      headers: {
        'content-type': kind === 'json' ? 'application/json' : 'application/x-www-form-urlencoded',
        'x-slack-request-timestamp': String(ts),
        'x-slack-signature': signature,
      },
      body: raw,
    });
    return { status: response.status, text: await response.text() };
  }

  /** Sends an envelope over every open Socket Mode connection and resolves with the app's ack payload. */
  async sendSocket(
    type: 'events_api' | 'slash_commands' | 'interactive',
    payload: Record<string, unknown>,
    timeoutMs = 10_000,
  ): Promise<unknown> {
    const socket = [...this.sockets].reverse().find((ws) => ws.readyState === ws.OPEN);
    if (!socket) throw new Error('no Socket Mode connection is open');
    const envelopeId = randomUUID();
    const acked = new Promise<unknown>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.acks.delete(envelopeId);
        reject(new Error(`no ack for envelope ${envelopeId} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.acks.set(envelopeId, (ackPayload) => {
        clearTimeout(timer);
        resolve(ackPayload);
      });
    });
    socket.send(
      JSON.stringify({
        envelope_id: envelopeId,
        type,
        payload,
        accepts_response_payload: type !== 'events_api',
        retry_attempt: 0,
        retry_reason: '',
      }),
    );
    return acked;
  }

  /** Asks every connected app to reconnect, as Slack does when it recycles a server ({type: 'disconnect'}). */
  requestReconnect(): void {
    for (const socket of this.sockets)
      socket.send(JSON.stringify({ type: 'disconnect', reason: 'refresh_requested', debug_info: { host: 'fake' } }));
  }

  /** Resolves once exactly `count` Socket Mode connections are open (after a reconnect, for example). */
  async waitForSockets(count: number, timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.openSockets() !== count) {
      if (Date.now() > deadline) throw new Error(`expected ${count} open Socket Mode connections, have ${this.openSockets()}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  private openSockets(): number {
    return [...this.sockets].filter((ws) => ws.readyState === ws.OPEN).length;
  }

  /** Sends raw text over the socket (to check that garbage does not crash the app). */
  sendSocketRaw(text: string): void {
    for (const socket of this.sockets) socket.send(text);
  }

  /** The first call at or after `from` (a call index) that matches; waits for it when none has come yet. */
  waitForCall(predicate: (call: SlackCall) => boolean, opts: { from?: number; timeoutMs?: number } = {}): Promise<SlackCall> {
    const from = opts.from ?? 0;
    const found = this.calls.slice(from).find(predicate);
    if (found) return Promise.resolve(found);
    const timeoutMs = opts.timeoutMs ?? 60_000;
    return new Promise<SlackCall>((resolve, reject) => {
      const waiter: Waiter = {
        predicate: (call) => call.index >= from && predicate(call),
        resolve: (call) => {
          clearTimeout(timer);
          this.waiters.delete(waiter);
          resolve(call);
        },
      };
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        const recent = this.calls.slice(from).map((c) => `${c.method} ${JSON.stringify(c.args).slice(0, 200)}`);
        reject(new Error(`no matching Slack call within ${timeoutMs} ms; calls since #${from}:\n${recent.join('\n')}`));
      }, timeoutMs);
      this.waiters.add(waiter);
    });
  }

  /** Calls of one method, from an index on. */
  callsOf(method: string, from = 0): SlackCall[] {
    return this.calls.slice(from).filter((c) => c.method === method);
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.terminate();
    this.wss.close();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  // ---- internals ----

  private nextTs(): string {
    this.tsCounter += 1;
    return `1700000000.${String(this.tsCounter).padStart(6, '0')}`;
  }

  private record(call: Omit<SlackCall, 'index' | 'at'>): SlackCall {
    const full: SlackCall = { ...call, index: this.calls.length, at: Date.now() };
    this.calls.push(full);
    for (const waiter of [...this.waiters]) if (waiter.predicate(full)) waiter.resolve(full);
    return full;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.baseUrl);
    const body = await readBody(req);
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];

    if (url.pathname.startsWith('/api/')) {
      const method = url.pathname.slice('/api/'.length);
      const args = parseApiArgs(body, req.headers['content-type']);
      this.answerApi(method, args, token ?? (typeof args.token === 'string' ? args.token : undefined), res);
      return;
    }
    if (url.pathname.startsWith('/upload/')) {
      const id = url.pathname.slice('/upload/'.length);
      const upload = this.uploads.get(id);
      if (!upload) {
        this.record({ method: 'upload', args: { id }, token });
        return sendText(res, 404, 'unknown upload');
      }
      upload.bytes = await uploadedBytes(body, req.headers['content-type']);
      this.record({ method: 'upload', args: { id, length: upload.bytes.length }, token });
      return sendText(res, 200, `OK - ${upload.bytes.length}`);
    }
    if (url.pathname.startsWith('/files-pri/')) {
      const id = url.pathname.split('/')[2]?.split('-')[1] ?? '';
      this.record({ method: 'download', args: { id, path: url.pathname }, token });
      const file = this.hostedFiles.get(id);
      // Slack answers a request without a valid token with its HTML login page, status 200.
      if (token !== this.options.botToken) return sendText(res, 200, '<!DOCTYPE html><html>login</html>', 'text/html');
      if (!file) return sendText(res, 404, 'not found');
      res.writeHead(200, { 'content-type': file.mimetype, 'content-length': file.bytes.length });
      res.end(Buffer.from(file.bytes));
      return;
    }
    if (url.pathname.startsWith('/redirect/')) {
      const location = this.redirects.get(url.pathname.slice('/redirect/'.length));
      this.record({ method: 'redirect', args: { path: url.pathname, location }, token });
      if (!location) return sendText(res, 404, 'not found');
      res.writeHead(302, { location }).end();
      return;
    }
    if (url.pathname.startsWith('/respond/')) {
      this.record({ method: 'respond', args: parseApiArgs(body, req.headers['content-type']), token });
      return sendJson(res, { ok: true });
    }
    sendText(res, 404, 'not found');
  }

  private answerApi(method: string, args: Record<string, unknown>, token: string | undefined, res: ServerResponse): void {
    const call = { method, args, token };
    const fail = (error: string) => {
      this.record(call);
      sendJson(res, { ok: false, error });
    };
    if (method === 'apps.connections.open') {
      if (token !== this.options.appToken) return fail('invalid_auth');
      this.record(call);
      return sendJson(res, { ok: true, url: `${this.baseUrl.replace('http', 'ws')}/socket?ticket=${randomUUID()}` });
    }
    if (token !== this.options.botToken) return fail('invalid_auth');
    const retryAfter = this.rateLimitNext.get(method);
    if (retryAfter !== undefined) {
      this.rateLimitNext.delete(method);
      this.record({ ...call, method: `${method} (429)` });
      res.writeHead(429, { 'content-type': 'application/json', 'retry-after': String(retryAfter) });
      res.end(JSON.stringify({ ok: false, error: 'ratelimited' }));
      return;
    }
    if (Date.now() < (this.downUntil.get(method) ?? 0)) {
      this.record({ ...call, method: `${method} (down)` });
      return fail('service_unavailable');
    }
    const failure = this.failNext.get(method);
    if (failure) {
      this.failNext.delete(method);
      return fail(failure);
    }
    switch (method) {
      case 'auth.test':
        this.record(call);
        return sendJson(res, {
          ok: true,
          url: 'https://test.slack.com/',
          team: 'Test',
          user: 'stylebot',
          team_id: this.teamId,
          user_id: this.botUserId,
          bot_id: this.options.botId ?? 'BBOT',
        });
      case 'chat.postMessage': {
        if (typeof args.channel !== 'string') return fail('channel_not_found');
        const ts = this.nextTs();
        this.record({ ...call, args: { ...args, ts } });
        return sendJson(res, { ok: true, channel: args.channel, ts, message: { text: args.text, ts, user: this.botUserId } });
      }
      case 'chat.update':
        if (typeof args.channel !== 'string' || typeof args.ts !== 'string') return fail('invalid_arguments');
        this.record(call);
        return sendJson(res, { ok: true, channel: args.channel, ts: args.ts, text: args.text });
      case 'chat.delete':
        this.record(call);
        return sendJson(res, { ok: true, channel: args.channel, ts: args.ts });
      case 'chat.postEphemeral':
        if (typeof args.channel !== 'string' || typeof args.user !== 'string') return fail('invalid_arguments');
        this.record(call);
        return sendJson(res, { ok: true, message_ts: this.nextTs() });
      case 'views.open':
      case 'views.publish': {
        const view = args.view as Record<string, unknown> | undefined;
        if (typeof view !== 'object' || view === null || !Array.isArray(view.blocks)) return fail('invalid_arguments');
        if (method === 'views.open' && typeof args.trigger_id !== 'string') return fail('invalid_trigger_id');
        if (method === 'views.publish' && (typeof args.user_id !== 'string' || view.type !== 'home')) return fail('invalid_arguments');
        this.record(call);
        return sendJson(res, { ok: true, view: { id: `V${++this.idCounter}`, ...view } });
      }
      case 'chat.getPermalink':
        if (typeof args.channel !== 'string' || typeof args.message_ts !== 'string') return fail('invalid_arguments');
        this.record(call);
        return sendJson(res, {
          ok: true,
          channel: args.channel,
          permalink: `https://test.slack.com/archives/${args.channel}/p${args.message_ts.replace('.', '')}`,
        });
      case 'users.info': {
        const user = this.users.get(String(args.user));
        if (!user) return fail('user_not_found');
        this.record(call);
        return sendJson(res, { ok: true, user: { is_admin: false, is_owner: false, team_id: this.teamId, ...user } });
      }
      case 'files.getUploadURLExternal': {
        const length = Number(args.length);
        if (typeof args.filename !== 'string' || !Number.isFinite(length)) return fail('invalid_arguments');
        const id = `F${++this.idCounter}`;
        this.uploads.set(id, { filename: args.filename, length });
        this.record(call);
        return sendJson(res, { ok: true, upload_url: `${this.baseUrl}/upload/${id}`, file_id: id });
      }
      case 'files.completeUploadExternal': {
        const files = Array.isArray(args.files) ? (args.files as { id: string; title?: string }[]) : [];
        const uploaded: UploadedFile[] = [];
        for (const file of files) {
          const upload = this.uploads.get(file.id);
          if (!upload?.bytes) return fail('file_not_found');
          uploaded.push({ id: file.id, filename: upload.filename, title: file.title, bytes: upload.bytes });
        }
        this.record({ ...call, uploaded });
        return sendJson(res, { ok: true, files: uploaded.map((f) => ({ id: f.id, title: f.title, name: f.filename })) });
      }
      default:
        return fail('unknown_method');
    }
  }

  private onSocket(ws: WebSocket): void {
    this.sockets.add(ws);
    ws.on('close', () => this.sockets.delete(ws));
    ws.on('message', (data) => {
      let message: { envelope_id?: string; payload?: unknown };
      try {
        message = JSON.parse(String(data));
      } catch {
        return;
      }
      this.record({ method: 'ack', args: message as Record<string, unknown> });
      const ack = message.envelope_id ? this.acks.get(message.envelope_id) : undefined;
      if (ack && message.envelope_id) {
        this.acks.delete(message.envelope_id);
        ack(message.payload);
      }
    });
    ws.send(
      JSON.stringify({
        type: 'hello',
        num_connections: this.sockets.size,
        debug_info: { host: 'fake', approximate_connection_time: 3600 },
        connection_info: { app_id: 'A1' },
      }),
    );
  }
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** The upload host takes the raw bytes, or (what @slack/web-api sends) a multipart form with the file in it. */
async function uploadedBytes(body: Buffer, contentType: string | undefined): Promise<Uint8Array> {
  if (!contentType?.startsWith('multipart/form-data')) return new Uint8Array(body);
  const form = await new Request('http://upload.local/', {
    method: 'POST',
    headers: { 'content-type': contentType },
    body: new Uint8Array(body),
  }).formData();
  for (const value of form.values()) {
    if (typeof value !== 'string') return new Uint8Array(await value.arrayBuffer());
  }
  throw new Error('multipart upload without a file');
}

/** Web API bodies are form-urlencoded with JSON-valued fields as JSON strings (or JSON for response_url). */
function parseApiArgs(body: Buffer, contentType: string | undefined): Record<string, unknown> {
  const text = body.toString('utf8');
  if (text === '') return {};
  if (contentType?.includes('application/json')) {
    try {
      return JSON.parse(text) as Record<string, unknown>;
    } catch {
      return { raw: text };
    }
  }
  const args: Record<string, unknown> = {};
  for (const [key, value] of new URLSearchParams(text)) {
    if (/^[[{]/.test(value)) {
      try {
        args[key] = JSON.parse(value);
        continue;
      } catch {
        // not JSON after all: keep the string
      }
    }
    args[key] = value;
  }
  return args;
}

function sendJson(res: ServerResponse, body: unknown): void {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function sendText(res: ServerResponse, status: number, text: string, contentType = 'text/plain'): void {
  res.writeHead(status, { 'content-type': contentType });
  res.end(text);
}

// Personal API tokens: the credential of a named studio user. A token is "sbt_" and 43 base64url characters (256
// random bits), shown once when made; the store keeps only its SHA-256, a name, a scope and the last time it was
// used. A token acts as its user (platform "web", workspace "studio"), with that user's role and quotas; scope
// "jobs" reaches the people's API, "admin" the admin API too (and only while its user is an admin).
import { createHash, randomBytes } from 'node:crypto';
import type { ApiTokenRecord, Store, TokenScope, UserKey } from '../../jobs/ports.js';
import type { Requester, Role } from '../../jobs/types.js';

export const TOKEN_PREFIX = 'sbt_';
export const TOKEN_SCOPES: readonly TokenScope[] = ['jobs', 'admin'];
/** The studio's users live in one workspace of platform "web". */
export const STUDIO_USER = { platform: 'web', workspaceId: 'studio' } as const;
/** The shape of a token as given out; anything else is refused without a store read. */
const TOKEN_PATTERN = /^sbt_[A-Za-z0-9_-]{43}$/;
/** Last-used times are written at most this often per token (a busy script would otherwise write on every call). */
const TOUCH_EVERY_MS = 60_000;
const NAME_MAX = 64;
/** A studio user's name: 1 to 32 lowercase letters, digits, dots, dashes or underscores. */
export const USER_NAME = /^[a-z0-9][a-z0-9_.-]{0,31}$/;

/** A refusal of a token operation: `status` is the HTTP status it answers with (400, 403 or 404). */
export class TokenError extends Error {
  constructor(
    readonly status: 400 | 403 | 404,
    readonly code: 'invalid' | 'forbidden' | 'not_found',
    message: string,
  ) {
    super(message);
  }
}

/** A token as its owner and the admins see it (never the secret, which exists only in the answer that made it). */
export interface TokenView {
  id: string;
  user: string;
  name: string;
  scope: TokenScope;
  createdBy: string;
  createdAt: number;
  lastUsedAt: number | null;
  revokedAt: number | null;
}

/** Hex SHA-256 of a token: what the store keeps and looks tokens up by. */
export function tokenHash(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** True when `text` has the shape of a personal token (so it is worth a store lookup). */
export function looksLikeToken(text: string): boolean {
  return TOKEN_PATTERN.test(text);
}

export function tokenView(record: ApiTokenRecord): TokenView {
  return {
    id: record.id,
    user: record.user.userId,
    name: record.name,
    scope: record.scope,
    createdBy: record.createdBy,
    createdAt: record.createdAt,
    lastUsedAt: record.lastUsedAt ?? null,
    revokedAt: record.revokedAt ?? null,
  };
}

export interface PersonalTokensOptions {
  /** Where tokens are kept (store.apiTokens) and their making and revoking is written (store.audit). */
  store: Pick<Store, 'apiTokens' | 'audit'>;
  /** The role of a requester (the job service's roleOf: STYLEBOT_ADMINS, stored roles). */
  roleOf(requester: Requester): Promise<Role>;
  now?: () => number;
}

/**
 * Who asks: a studio requester, or the CLI's. `scope` is the scope of the credential they came with ("jobs" for a
 * jobs token: it may manage its user's own jobs-scope tokens and nothing of anyone else's); absent means full rights.
 */
export type TokenActor = Requester & { scope?: TokenScope };

/** Making, checking, listing and revoking personal tokens, with the rights checked here (studio and CLI alike). */
export class PersonalTokens {
  private readonly now: () => number;
  private readonly touched = new Map<string, number>();

  constructor(private readonly options: PersonalTokensOptions) {
    this.now = options.now ?? Date.now;
  }

  /** The tokens of a job service's store, with its roles (STYLEBOT_ADMINS and stored roles). */
  static of(service: { readonly store: Pick<Store, 'apiTokens' | 'audit'>; roleOf(requester: Requester): Promise<Role> }): PersonalTokens {
    return new PersonalTokens({ store: service.store, roleOf: (requester) => service.roleOf(requester) });
  }

  /**
   * Makes a token for studio user `userId`, named `name` (1..64 characters), with `scope`. `actor` may make one for
   * themselves, an admin for anyone; an `admin` token only for a user who is an admin now. Returns the token (show
   * it once; it cannot be read back) and its record. Rejects with TokenError (400 or 403).
   */
  async create(actor: TokenActor, userId: string, name: string, scope: TokenScope): Promise<{ token: string; record: ApiTokenRecord }> {
    if (!USER_NAME.test(userId)) {
      throw new TokenError(
        400,
        'invalid',
        'A user name is 1 to 32 lowercase letters, digits, dots, dashes or underscores, starting with a letter or digit.',
      );
    }
    const owner: Requester = { ...STUDIO_USER, userId, userName: userId };
    const label = name.replace(/\s+/g, ' ').trim();
    if (label === '' || label.length > NAME_MAX || /\p{Cc}/u.test(label)) {
      throw new TokenError(400, 'invalid', `A token's name is 1 to ${NAME_MAX} characters of text (what it is for, e.g. "laptop script").`);
    }
    if (!TOKEN_SCOPES.includes(scope)) throw new TokenError(400, 'invalid', `scope must be one of ${TOKEN_SCOPES.join(', ')}.`);
    if (!(await this.mayManage(actor, owner))) throw new TokenError(403, 'forbidden', 'Only an admin can make a token for someone else.');
    if (scope === 'admin' && actor.scope === 'jobs')
      throw new TokenError(403, 'forbidden', 'A token with scope "jobs" cannot make one with scope "admin".');
    if (scope === 'admin' && (await this.options.roleOf(owner)) !== 'admin') {
      throw new TokenError(403, 'forbidden', `${userId} is not an admin, so their tokens can have scope "jobs" only.`);
    }
    const token = TOKEN_PREFIX + randomBytes(32).toString('base64url');
    const record: ApiTokenRecord = {
      id: `tok_${randomBytes(6).toString('hex')}`,
      user: { platform: owner.platform, workspaceId: owner.workspaceId, userId },
      name: label,
      scope,
      createdBy: who(actor),
      createdAt: this.now(),
    };
    await this.options.store.apiTokens.createToken(record, tokenHash(token));
    await this.options.store.audit(this.now(), actor, 'token.create', `${who(owner)} ${record.id}`, null, { name: label, scope });
    return { token, record };
  }

  /**
   * The live token `token` is, or undefined (unknown, revoked, or not a token's shape). Records the use (at most once
   * a minute per token; a failed write of that time is ignored: it must not refuse the request).
   */
  async resolve(token: string): Promise<ApiTokenRecord | undefined> {
    if (!looksLikeToken(token)) return undefined;
    const record = await this.options.store.apiTokens.tokenByHash(tokenHash(token));
    if (!record) return undefined;
    const now = this.now();
    if (now - (this.touched.get(record.id) ?? Number.NEGATIVE_INFINITY) >= TOUCH_EVERY_MS) {
      this.touched.set(record.id, now);
      await this.options.store.apiTokens.touchToken(record.id, now).catch(() => undefined);
    }
    return record;
  }

  /** The live token with this id (a session made with it is valid while the token is). */
  async live(id: string): Promise<ApiTokenRecord | undefined> {
    const record = await this.options.store.apiTokens.tokenById(id);
    return record && record.revokedAt === undefined ? record : undefined;
  }

  /** `userId`'s tokens (default: the actor's own); everyone's with `userId` null, for admins. Rejects with 403. */
  async list(actor: TokenActor, userId: string | null = actor.userId): Promise<ApiTokenRecord[]> {
    if (userId === null) {
      if (!(await this.isAdmin(actor))) throw new TokenError(403, 'forbidden', "Only an admin can list everyone's tokens.");
      return this.options.store.apiTokens.listTokens();
    }
    const owner: Requester = { ...STUDIO_USER, userId };
    if (!(await this.mayManage(actor, owner))) throw new TokenError(403, 'forbidden', "Only an admin can see someone else's tokens.");
    return this.options.store.apiTokens.listTokens(owner);
  }

  /** Revokes token `id` (the owner's own, or any for an admin); from then on it answers 401. Rejects with 404 or 403. */
  async revoke(actor: TokenActor, id: string): Promise<ApiTokenRecord> {
    const record = await this.options.store.apiTokens.tokenById(id);
    const owner: Requester | undefined = record ? { ...record.user, platform: STUDIO_USER.platform } : undefined;
    if (!record || !owner || !(await this.mayManage(actor, owner)))
      throw new TokenError(404, 'not_found', `There is no token ${id} of yours.`);
    if (record.revokedAt !== undefined) return record;
    const at = this.now();
    await this.options.store.apiTokens.revokeToken(id, at);
    this.touched.delete(id);
    await this.options.store.audit(at, actor, 'token.revoke', `${who(owner)} ${id}`, { name: record.name, scope: record.scope }, null);
    return { ...record, revokedAt: at };
  }

  private async mayManage(actor: TokenActor, owner: UserKey): Promise<boolean> {
    const self = actor.platform === owner.platform && actor.workspaceId === owner.workspaceId && actor.userId === owner.userId;
    return self || (await this.isAdmin(actor));
  }

  private async isAdmin(actor: TokenActor): Promise<boolean> {
    return actor.scope !== 'jobs' && (await this.options.roleOf(actor)) === 'admin';
  }
}

function who(user: UserKey): string {
  return `${user.platform}/${user.workspaceId}/${user.userId}`;
}

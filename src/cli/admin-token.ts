// `stylebot admin token ...`: personal API tokens of studio users (src/platforms/web/tokens.ts), made, listed and
// revoked from the machine that runs the bot (the CLI's user is an admin).
import type { StylebotJobService } from '../jobs/index.js';
import type { TokenScope } from '../jobs/ports.js';
import type { Requester } from '../jobs/types.js';
import { PersonalTokens, TOKEN_SCOPES, TokenError, tokenView, type TokenView } from '../platforms/web/tokens.js';

export const TOKEN_HELP = `  token create USER --name NAME [--scope jobs|admin]
                      a personal API token for studio user USER (printed once; only its hash is kept)
  token list [USER]   tokens of USER, or of everyone
  token revoke ID     revoke a token (tok_...): it answers 401 from then on`;

/** A mistake on the command line (the caller prints it with a hint to --help and exits 2). */
export class TokenUsageError extends Error {}

const time = (ms: number | null) => (ms ? new Date(ms).toISOString().replace('T', ' ').slice(0, 19) : '-');

function formatToken(t: TokenView): string {
  const state = t.revokedAt ? `revoked ${time(t.revokedAt)}` : `last used ${time(t.lastUsedAt)}`;
  return `${t.id}  ${t.user.padEnd(12)} ${t.scope.padEnd(5)} ${JSON.stringify(t.name)}  made ${time(t.createdAt)} by ${t.createdBy}  ${state}`;
}

/**
 * Runs `token create|list|revoke` (`action`, its words `rest`, flags --name and --scope). Prints to stdout; returns
 * the exit status: 0 done, 1 refused (the reason on stderr). Throws TokenUsageError for a malformed command line.
 */
export async function tokenCommand(
  service: StylebotJobService,
  by: Requester,
  action: string | undefined,
  rest: string[],
  flags: Map<string, string>,
): Promise<number> {
  const tokens = PersonalTokens.of(service);
  for (const name of flags.keys())
    if (name !== 'name' && name !== 'scope') throw new TokenUsageError(`unknown option --${name}; token options: --name, --scope`);
  try {
    switch (action) {
      case 'create': {
        const [user, ...extra] = rest;
        if (!user || extra.length) throw new TokenUsageError('give one USER: token create USER --name NAME [--scope jobs|admin]');
        const name = flags.get('name');
        if (!name) throw new TokenUsageError('give the token a --name (what it is for)');
        const scope = (flags.get('scope') ?? 'jobs') as TokenScope;
        if (!TOKEN_SCOPES.includes(scope)) throw new TokenUsageError(`--scope must be one of ${TOKEN_SCOPES.join(', ')}`);
        const made = await tokens.create(by, user.toLowerCase(), name, scope);
        console.log(made.token);
        console.error(`${made.record.id}: scope ${scope} for ${made.record.user.userId}. Copy the token now: it is not shown again.`);
        return 0;
      }
      case 'list': {
        const list = await tokens.list(by, rest[0]?.toLowerCase() ?? null);
        if (!list.length) console.log('no tokens');
        for (const record of list) console.log(formatToken(tokenView(record)));
        return 0;
      }
      case 'revoke': {
        const [id, ...extra] = rest;
        if (!id || extra.length) throw new TokenUsageError('give one token ID (tok_...) to revoke');
        const record = await tokens.revoke(by, id);
        console.log(`${record.id} of ${record.user.userId} revoked`);
        return 0;
      }
      default:
        throw new TokenUsageError('token takes create, list or revoke');
    }
  } catch (error) {
    if (error instanceof TokenError) {
      console.error(`stylebot admin: ${error.message}`);
      return 1;
    }
    throw error;
  }
}

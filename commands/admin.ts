// Shared checks for the admin commands.
import type { Platform, UserRef } from '../src/jobs/types.js';
import { stringArg } from './args.js';
import { say } from './reply.js';
import type { CommandContext, CommandReply, CommandRequest } from './types.js';

export async function isAdmin(request: CommandRequest, context: CommandContext): Promise<boolean> {
  return (await context.jobs.roleOf(request.requester)) === 'admin';
}

export function adminOnly(what: string): CommandReply {
  return {
    text: say`Only Stylebot admins can ${what}. Ask someone with the Manage Server / workspace admin role.`,
    private: true,
    code: 'forbidden',
  };
}

const PLATFORMS: readonly Platform[] = ['discord', 'slack', 'web', 'cli'];

/**
 * The workspace an admin command acts on: the requester's own, or the one named by the `platform` and `workspace`
 * arguments (the studio's admin pages manage every platform; the job core refuses a workspace admin elsewhere).
 * Throws RangeError for an unknown platform.
 */
export function workspaceRef(request: CommandRequest): { platform: Platform; workspaceId: string } {
  const platform = stringArg(request.args, 'platform');
  const workspaceId = stringArg(request.args, 'workspace', 'workspace_id');
  if (platform !== undefined && !(PLATFORMS as readonly string[]).includes(platform)) {
    throw new RangeError(`platform must be one of ${PLATFORMS.join(', ')} (got "${platform}").`);
  }
  return {
    platform: (platform as Platform | undefined) ?? request.requester.platform,
    workspaceId: workspaceId ?? request.requester.workspaceId,
  };
}

export function userRef(request: CommandRequest, userId: string): UserRef {
  return { ...workspaceRef(request), userId };
}

// Shared checks for the admin commands.
import type { UserRef } from '../src/jobs/types.js';
import type { CommandContext, CommandReply, CommandRequest } from './types.js';

export async function isAdmin(request: CommandRequest, context: CommandContext): Promise<boolean> {
  return (await context.jobs.roleOf(request.requester)) === 'admin';
}

export function adminOnly(what: string): CommandReply {
  return {
    text: `Only Stylebot admins can ${what}. Ask someone with the Manage Server / workspace admin role.`,
    private: true,
  };
}

export function userRef(request: CommandRequest, userId: string): UserRef {
  return { platform: request.requester.platform, workspaceId: request.requester.workspaceId, userId };
}

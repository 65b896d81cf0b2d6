// The audit log on PostgreSQL: who changed what, before and after as JSONB.
import type { AuditEntry, AuditLog, UserKey } from '../../src/jobs/ports.js';
import { auditFromRow, type AuditRow } from '../rows.js';
import { storableJson } from '../stored-values.js';
import { changesOf, type Queryable, rowsOf } from './database.js';
import { insertAudit } from './sql/insert-audit.js';
import { selectAudit } from './sql/select-audit.js';

export class PostgresAuditLog implements AuditLog {
  constructor(private readonly db: Queryable) {}

  async audit(at: number, actor: UserKey, action: string, target: string, before: unknown, after: unknown): Promise<void> {
    await changesOf(this.db, insertAudit, [
      at,
      actor.platform,
      actor.workspaceId,
      actor.userId,
      action,
      target,
      storableJson(before),
      storableJson(after),
    ]);
  }

  async auditLog(limit = 100): Promise<AuditEntry[]> {
    return (await rowsOf<AuditRow>(this.db, selectAudit, [limit])).map(auditFromRow);
  }
}

// The audit log on SQLite: who changed what, before and after as JSON text.
import type { AuditEntry, AuditLog, UserKey } from '../../src/jobs/ports.js';
import { auditFromRow } from '../rows.js';
import { storableJson } from '../stored-values.js';
import type { SqliteConnection } from './connection.js';
import { auditRowFromSqlite } from './rows.js';
import { insertAudit } from './sql/insert-audit.js';
import { selectAudit } from './sql/select-audit.js';

export class SqliteAuditLog implements AuditLog {
  constructor(private readonly c: SqliteConnection) {}

  async audit(at: number, actor: UserKey, action: string, target: string, before: unknown, after: unknown): Promise<void> {
    await this.c.write(() =>
      this.c.sql(insertAudit).run({
        at,
        actorPlatform: actor.platform,
        actorWorkspace: actor.workspaceId,
        actorUser: actor.userId,
        action,
        target,
        before: storableJson(before),
        after: storableJson(after),
      }),
    );
  }

  auditLog(limit = 100): Promise<AuditEntry[]> {
    return this.c.read(() =>
      (this.c.sql(selectAudit).all({ limit }) as Parameters<typeof auditRowFromSqlite>[0][]).map((r) =>
        auditFromRow(auditRowFromSqlite(r)),
      ),
    );
  }
}

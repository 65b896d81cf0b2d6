// The AuditLog contract: entries newest first, before and after as given (absent when there was none).
import { expect, it } from 'vitest';
import { ALICE, type StoreFixture } from './fixture.js';

export function auditLogContract(f: StoreFixture): void {
  it('keeps who changed what, newest first', async () => {
    await f.store.audit(1, ALICE, 'quota.set', 'discord/g1/bob', { a: 1 }, { a: 2 });
    await f.store.audit(2, ALICE, 'role.set', 'discord/g1/bob', undefined, { role: 'admin' });
    const log = await f.store.auditLog(10);
    expect(log.map((e) => e.action)).toEqual(['role.set', 'quota.set']);
    expect(log[1]).toMatchObject({ at: 1, actor: ALICE, target: 'discord/g1/bob', before: { a: 1 }, after: { a: 2 } });
    expect(log[0]!.before).toBeUndefined();
    expect(await f.store.auditLog(1)).toHaveLength(1);
  });
}

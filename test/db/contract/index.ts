// The Store contract: what the job core relies on from any store, one file per port. Run against SQLite
// (test/db/sqlite-store.test.ts) and PostgreSQL (test/db/postgres-store.test.ts) with describeStoreContract.
import { describe } from 'vitest';
import type { Store } from '../../../src/jobs/ports.js';
import { auditLogContract } from './audit.js';
import { storeFixture } from './fixture.js';
import { jobRepositoryContract } from './jobs.js';
import { leasesContract } from './leases.js';
import { maintenanceContract } from './maintenance.js';
import { outboxContract } from './outbox.js';
import { quotasContract } from './quotas.js';
import { serverSettingsContract } from './server-settings.js';
import { storedValuesContract } from './stored-values.js';

/** makeStore returns a fresh, empty, migrated store; cleanup (optional) runs after each test. */
export function describeStoreContract(name: string, makeStore: () => Promise<Store>, cleanup?: () => Promise<void>): void {
  describe(`Store contract: ${name}`, () => {
    const fixture = storeFixture(makeStore, cleanup);
    describe('JobRepository', () => jobRepositoryContract(fixture));
    describe('Leases', () => leasesContract(fixture));
    describe('Outbox', () => outboxContract(fixture));
    describe('Quotas', () => quotasContract(fixture));
    describe('AuditLog', () => auditLogContract(fixture));
    describe('Maintenance', () => maintenanceContract(fixture));
    describe('ServerSettings', () => serverSettingsContract(fixture));
    describe('values both stores hold', () => storedValuesContract(fixture));
  });
}

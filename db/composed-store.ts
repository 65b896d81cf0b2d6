// A Store put together from one implementation of each port: what SqliteStore and PostgresStore share. Each dialect
// implements the ports in files of its own (jobs.ts, leases.ts, outbox.ts, quotas.ts, audit.ts, maintenance.ts) and
// passes them here; this class forwards, checking on the way what comes from outside the store against what both
// stores hold (stored-values.ts), so that the two dialects answer the same. The optional leaseNext and watch are not
// forwarded: a dialect that has them defines them itself, since the job core tests for their presence.
import type { ApiTokens, AuditLog, JobRepository, Leases, Maintenance, Outbox, Quotas, ServerSettings, Store } from '../src/jobs/ports.js';
import { checkId, checkQuota, checkUser, storableId, storableJob } from './stored-values.js';

/** One implementation of every port of the job core (leaseNext, being optional, stays with the dialect). */
export interface StorePorts {
  jobs: JobRepository;
  leases: Omit<Leases, 'leaseNext'>;
  outbox: Outbox;
  quotas: Quotas;
  audit: AuditLog;
  maintenance: Maintenance;
  tokens: ApiTokens;
  serverSettings: ServerSettings;
}

type Args<K extends keyof Store> = Store[K] extends (...args: infer A) => unknown ? A : never;

/** The Store over its ports. Subclasses add the dialect's name, checkWritable and close. */
export abstract class ComposedStore implements Store {
  abstract readonly dialect: Store['dialect'];

  protected constructor(protected readonly ports: StorePorts) {}

  /** Personal API tokens, as they are (their ids and user keys come from the studio's own checks). */
  get apiTokens(): ApiTokens {
    return this.ports.tokens;
  }

  abstract checkWritable(): Promise<void>;
  abstract close(): Promise<void>;

  // ServerSettings
  async serverSettings(...a: Args<'serverSettings'>) {
    return storableId(a[0]) && storableId(a[1]) ? this.ports.serverSettings.serverSettings(...a) : undefined;
  }
  async saveServerSettings(...[platform, workspaceId, settings, at]: Args<'saveServerSettings'>) {
    checkId('platform', platform);
    checkId('workspace id', workspaceId);
    for (const channel of settings.allowedChannels) checkId('channel id', channel);
    return this.ports.serverSettings.saveServerSettings(platform, workspaceId, settings, at);
  }

  // JobRepository
  // A job id no store can hold names no job: not found, as the port promises for a missing one.
  async admitJob(...[job, ...rest]: Args<'admitJob'>) {
    return this.ports.jobs.admitJob(storableJob(job), ...rest);
  }
  async getJob(...a: Args<'getJob'>) {
    return storableId(a[0]) ? this.ports.jobs.getJob(...a) : undefined;
  }
  async listJobs(...a: Args<'listJobs'>) {
    const filter = a[0] ?? {};
    for (const [what, value] of [
      ['user id', filter.userId],
      ['platform', filter.platform],
      ['workspace id', filter.workspaceId],
    ] as const) {
      if (value) checkId(what, value);
    }
    return this.ports.jobs.listJobs(...a);
  }
  jobsInState(...a: Args<'jobsInState'>) {
    return this.ports.jobs.jobsInState(...a);
  }
  async getBlob(...a: Args<'getBlob'>) {
    return storableId(a[0]) && storableId(a[1]) ? this.ports.jobs.getBlob(...a) : undefined;
  }
  queuedJobs() {
    return this.ports.jobs.queuedJobs();
  }
  gpuMsByUserSince(...a: Args<'gpuMsByUserSince'>) {
    return this.ports.jobs.gpuMsByUserSince(...a);
  }
  async cancelJob(...a: Args<'cancelJob'>) {
    return storableId(a[0]) ? this.ports.jobs.cancelJob(...a) : false;
  }

  // Leases
  leaseJob(...a: Args<'leaseJob'>) {
    return this.ports.leases.leaseJob(...a);
  }
  heartbeat(...a: Args<'heartbeat'>) {
    return this.ports.leases.heartbeat(...a);
  }
  saveProgress(...a: Args<'saveProgress'>) {
    return this.ports.leases.saveProgress(...a);
  }
  completeJob(...a: Args<'completeJob'>) {
    return this.ports.leases.completeJob(...a);
  }
  failJob(...a: Args<'failJob'>) {
    return this.ports.leases.failJob(...a);
  }
  releaseLeases(...a: Args<'releaseLeases'>) {
    return this.ports.leases.releaseLeases(...a);
  }

  // Outbox
  claimDeliveries(...a: Args<'claimDeliveries'>) {
    return this.ports.outbox.claimDeliveries(...a);
  }
  markDelivered(...a: Args<'markDelivered'>) {
    return this.ports.outbox.markDelivered(...a);
  }
  deliveryFailed(...a: Args<'deliveryFailed'>) {
    return this.ports.outbox.deliveryFailed(...a);
  }
  abandonDelivery(...a: Args<'abandonDelivery'>) {
    return this.ports.outbox.abandonDelivery(...a);
  }
  releaseClaims(...a: Args<'releaseClaims'>) {
    return this.ports.outbox.releaseClaims(...a);
  }
  deliveriesOf(...a: Args<'deliveriesOf'>) {
    return this.ports.outbox.deliveriesOf(...a);
  }

  // Quotas
  // Settings are keyed by user or workspace: a key no store can hold is refused (StoreInputError), reads included.
  async countJobsSince(...a: Args<'countJobsSince'>) {
    checkUser(a[0]);
    return this.ports.quotas.countJobsSince(...a);
  }
  async gpuMsSince(...a: Args<'gpuMsSince'>) {
    checkUser(a[0]);
    return this.ports.quotas.gpuMsSince(...a);
  }
  async countQueued(...a: Args<'countQueued'>) {
    checkUser(a[0]);
    return this.ports.quotas.countQueued(...a);
  }
  async workspaceDefaults(...a: Args<'workspaceDefaults'>) {
    checkUser({ platform: a[0], workspaceId: a[1], userId: '-' });
    return this.ports.quotas.workspaceDefaults(...a);
  }
  async setWorkspaceDefaults(...a: Args<'setWorkspaceDefaults'>) {
    checkUser({ platform: a[0], workspaceId: a[1], userId: '-' });
    checkQuota(a[2]);
    return this.ports.quotas.setWorkspaceDefaults(...a);
  }
  async userSettings(...a: Args<'userSettings'>) {
    checkUser(a[0]);
    return this.ports.quotas.userSettings(...a);
  }
  async setUserQuota(...a: Args<'setUserQuota'>) {
    checkUser(a[0]);
    checkQuota(a[1]);
    return this.ports.quotas.setUserQuota(...a);
  }
  async setRole(...a: Args<'setRole'>) {
    checkUser(a[0]);
    return this.ports.quotas.setRole(...a);
  }
  async resetUsage(...a: Args<'resetUsage'>) {
    checkUser(a[0]);
    return this.ports.quotas.resetUsage(...a);
  }
  async stats(...a: Args<'stats'>) {
    if (a[1] !== undefined) checkId('workspace id', a[1]);
    return this.ports.quotas.stats(...a);
  }

  // AuditLog
  async audit(...a: Args<'audit'>) {
    checkUser(a[1]);
    return this.ports.audit.audit(...a);
  }
  auditLog(...a: Args<'auditLog'>) {
    return this.ports.audit.auditLog(...a);
  }

  // Maintenance
  recoverExpiredLeases(...a: Args<'recoverExpiredLeases'>) {
    return this.ports.maintenance.recoverExpiredLeases(...a);
  }
  purgeCandidates(...a: Args<'purgeCandidates'>) {
    return this.ports.maintenance.purgeCandidates(...a);
  }
  purgeJob(...a: Args<'purgeJob'>) {
    return this.ports.maintenance.purgeJob(...a);
  }
}

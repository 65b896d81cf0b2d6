// A Store put together from one implementation of each port: what SqliteStore and PostgresStore share. Each dialect
// implements the ports in files of its own (jobs.ts, leases.ts, outbox.ts, quotas.ts, audit.ts, maintenance.ts) and
// passes them here; this class only forwards. The optional leaseNext and watch are not forwarded: a dialect that
// has them defines them itself, since the job core tests for their presence.
import type { AuditLog, JobRepository, Leases, Maintenance, Outbox, Quotas, Store } from '../src/jobs/ports.js';

/** One implementation of every port of the job core (leaseNext, being optional, stays with the dialect). */
export interface StorePorts {
  jobs: JobRepository;
  leases: Omit<Leases, 'leaseNext'>;
  outbox: Outbox;
  quotas: Quotas;
  audit: AuditLog;
  maintenance: Maintenance;
}

type Args<K extends keyof Store> = Store[K] extends (...args: infer A) => unknown ? A : never;

/** The Store over its ports. Subclasses add the dialect's name, checkWritable and close. */
export abstract class ComposedStore implements Store {
  abstract readonly dialect: Store['dialect'];

  protected constructor(protected readonly ports: StorePorts) {}

  abstract checkWritable(): Promise<void>;
  abstract close(): Promise<void>;

  // JobRepository
  admitJob(...a: Args<'admitJob'>) {
    return this.ports.jobs.admitJob(...a);
  }
  getJob(...a: Args<'getJob'>) {
    return this.ports.jobs.getJob(...a);
  }
  listJobs(...a: Args<'listJobs'>) {
    return this.ports.jobs.listJobs(...a);
  }
  jobsInState(...a: Args<'jobsInState'>) {
    return this.ports.jobs.jobsInState(...a);
  }
  getBlob(...a: Args<'getBlob'>) {
    return this.ports.jobs.getBlob(...a);
  }
  queuedJobs() {
    return this.ports.jobs.queuedJobs();
  }
  gpuMsByUserSince(...a: Args<'gpuMsByUserSince'>) {
    return this.ports.jobs.gpuMsByUserSince(...a);
  }
  cancelJob(...a: Args<'cancelJob'>) {
    return this.ports.jobs.cancelJob(...a);
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
  countJobsSince(...a: Args<'countJobsSince'>) {
    return this.ports.quotas.countJobsSince(...a);
  }
  gpuMsSince(...a: Args<'gpuMsSince'>) {
    return this.ports.quotas.gpuMsSince(...a);
  }
  countQueued(...a: Args<'countQueued'>) {
    return this.ports.quotas.countQueued(...a);
  }
  workspaceDefaults(...a: Args<'workspaceDefaults'>) {
    return this.ports.quotas.workspaceDefaults(...a);
  }
  setWorkspaceDefaults(...a: Args<'setWorkspaceDefaults'>) {
    return this.ports.quotas.setWorkspaceDefaults(...a);
  }
  userSettings(...a: Args<'userSettings'>) {
    return this.ports.quotas.userSettings(...a);
  }
  setUserQuota(...a: Args<'setUserQuota'>) {
    return this.ports.quotas.setUserQuota(...a);
  }
  setRole(...a: Args<'setRole'>) {
    return this.ports.quotas.setRole(...a);
  }
  resetUsage(...a: Args<'resetUsage'>) {
    return this.ports.quotas.resetUsage(...a);
  }
  stats(...a: Args<'stats'>) {
    return this.ports.quotas.stats(...a);
  }

  // AuditLog
  audit(...a: Args<'audit'>) {
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

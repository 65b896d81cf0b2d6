// For operators, on the studio's port: /healthz (the database takes writes, the engine workers are alive and which
// backend they run), /readyz (each configured chat connection is up) and /metrics (Prometheus text format).
import type { FastifyInstance } from 'fastify';
import type { JobService } from '../../jobs/types.js';
import type { StylebotMetrics } from '../../metrics.js';

/** A chat connection /readyz reports on. */
export interface ChatConnection {
  name: string;
  ready(): boolean;
}

/**
 * /healthz: 200 { ok, database: { writable }, workers: [{ alive, busy, backend }] }, 503 when the database refuses
 * writes or a worker is down. /readyz: 200 when every chat connection is up, else 503. /metrics: Prometheus text 0.0.4.
 */
export function registerOps(app: FastifyInstance, jobs: JobService, metrics: StylebotMetrics, connections: () => ChatConnection[]): void {
  app.get('/healthz', async (_request, reply) => {
    const health = await jobs.health();
    // A front with STYLEBOT_WORKERS=0 has no engine of its own: its jobs run in worker processes.
    const workersOk = health.workers.every((w) => w.alive);
    const ok = health.database.writable && workersOk;
    return reply
      .code(ok ? 200 : 503)
      .header('cache-control', 'no-store')
      .send({ ok, ...health });
  });

  app.get('/readyz', async (_request, reply) => {
    const chats = connections().map((c) => ({ name: c.name, ready: c.ready() }));
    const ok = chats.every((c) => c.ready);
    return reply
      .code(ok ? 200 : 503)
      .header('cache-control', 'no-store')
      .send({ ok, connections: chats });
  });

  app.get('/metrics', async (_request, reply) => {
    const { contentType, body } = await metrics.text();
    return reply.type(contentType).header('cache-control', 'no-store').send(body);
  });
}

// Completion webhooks: a studio job may name a `callback_url`; when it ends (done, failed, cancelled) Stylebot POSTs
// { event, job, resultUrl } there, signed like Stripe's and Slack's: `Stylebot-Signature: t=UNIX_SECONDS,v1=HEX`,
// v1 = HMAC-SHA256(STYLEBOT_WEBHOOK_SECRET, `${t}.${body}`). The POST is made by the web platform's listener on
// final events, which the durable outbox (src/jobs/outbox.ts) hands over: a receiver that is down or answers other
// than 2xx makes the listener fail, and the outbox tries again with backoff, across restarts, up to its limit.
//
// Only hosts an admin listed (STYLEBOT_WEBHOOK_HOSTS) are called, and an address in a private, loopback or
// link-local range only when that address itself is listed: checked when the job is posted (the name) and again
// on every connection, on the address the name resolves to then (a name cannot be re-pointed inside afterwards).
import { createHmac, timingSafeEqual } from 'node:crypto';
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import type { Job, JobEvent, JobService } from '../../jobs/types.js';
import { apiJob } from './job-view.js';

export const SIGNATURE_HEADER = 'stylebot-signature';
const TIMEOUT_MS = 10_000;

/** Ranges no webhook reaches unless the address itself is listed. */
const PRIVATE = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const)
  PRIVATE.addSubnet(net, bits, 'ipv4');
for (const [net, bits] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const)
  PRIVATE.addSubnet(net, bits, 'ipv6');

/** A callback URL that may not be used; the message says why (it is shown to the sender). */
export class WebhookRefused extends Error {}

export interface WebhookOptions {
  /** Host names and addresses callbacks may go to (STYLEBOT_WEBHOOK_HOSTS); "*.example.org" for its subdomains. */
  hosts: readonly string[];
  /** The signing key (STYLEBOT_WEBHOOK_SECRET). */
  secret: string;
  /** Where the studio is reached from outside (STYLEBOT_WEB_ORIGIN or its own URL), for the result's URL. */
  baseUrl: () => string;
  now?: () => number;
}

/** True when `address` (IPv4 or IPv6 text) is in a private, loopback, link-local or reserved range. */
export function isPrivateAddress(address: string): boolean {
  const v4 = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  if (v4) return PRIVATE.check(v4, 'ipv4');
  const family = isIP(address);
  return family === 4 ? PRIVATE.check(address, 'ipv4') : family === 6 ? PRIVATE.check(address, 'ipv6') : true;
}

/** `t=...,v1=...` for `body` sent at `seconds` (epoch seconds). */
export function signature(secret: string, seconds: number, body: string): string {
  return `t=${seconds},v1=${createHmac('sha256', secret).update(`${seconds}.${body}`).digest('hex')}`;
}

/**
 * Checks a received webhook as a receiver should: the signature over the timestamp and the raw body, and a
 * timestamp within `toleranceS` of now (a replayed old delivery is refused). The README shows the same in a few lines.
 */
export function verifySignature(
  secret: string,
  header: string,
  body: string,
  nowSeconds = Math.floor(Date.now() / 1000),
  toleranceS = 300,
): boolean {
  const parts = Object.fromEntries(header.split(',').map((p) => p.split('=', 2) as [string, string]));
  const t = Number(parts.t);
  if (!Number.isInteger(t) || Math.abs(nowSeconds - t) > toleranceS || !parts.v1) return false;
  const expected = createHmac('sha256', secret).update(`${t}.${body}`).digest();
  const given = Buffer.from(parts.v1, 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

export class Webhooks {
  private readonly hosts: string[];
  private readonly now: () => number;

  constructor(private readonly options: WebhookOptions) {
    this.hosts = options.hosts
      .map((h) =>
        h
          .trim()
          .toLowerCase()
          .replace(/^\[|\]$/g, ''),
      )
      .filter(Boolean);
    this.now = options.now ?? Date.now;
  }

  /** Whether any host is allowed (without STYLEBOT_WEBHOOK_HOSTS a callback_url is refused). */
  get enabled(): boolean {
    return this.hosts.length > 0;
  }

  /**
   * The callback URL as it will be called, when it may be: http(s), a listed host, and not a private address
   * literal unless that address is listed. Throws WebhookRefused with the reason otherwise.
   */
  check(raw: string): string {
    if (!this.enabled)
      throw new WebhookRefused('This Stylebot sends no webhooks: an admin must list the hosts they may go to (STYLEBOT_WEBHOOK_HOSTS).');
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw new WebhookRefused(`callback_url must be an http or https URL (got "${raw.slice(0, 100)}").`);
    }
    if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.username || url.password) {
      throw new WebhookRefused('callback_url must be an http or https URL without a user name or password.');
    }
    const host = url.hostname.toLowerCase().replace(/^\[|\]$/g, '');
    if (!this.listed(host)) throw new WebhookRefused(`Webhooks may not go to ${host}: it is not among the hosts an admin allowed.`);
    if (isIP(host) && isPrivateAddress(host) && !this.hosts.includes(host)) {
      throw new WebhookRefused(`Webhooks may not go to the private address ${host}.`);
    }
    return url.toString();
  }

  private listed(host: string): boolean {
    return this.hosts.some((allowed) => allowed === host || (allowed.startsWith('*.') && host.endsWith(allowed.slice(1))));
  }

  /** The web platform's listener: POSTs a final event of a job that has a callback URL; rejects to be retried. */
  readonly listener = async (job: Job, event: JobEvent): Promise<void> => {
    if (event.type !== 'done' && event.type !== 'failed' && event.type !== 'cancelled') return;
    const target = typeof job.reply.callbackUrl === 'string' ? job.reply.callbackUrl : undefined;
    if (!target) return;
    const view = apiJob(job, undefined);
    const resultUrl = view.result ? new URL(view.result.url, this.options.baseUrl()).toString() : null;
    const body = JSON.stringify({ event: `job.${event.type}`, job: view, resultUrl });
    await this.post(this.check(target), body);
  };

  /** POSTs `body` to `target` with its signature; resolves on 2xx, rejects with the reason otherwise. */
  private post(target: string, body: string): Promise<void> {
    const url = new URL(target);
    const seconds = Math.floor(this.now() / 1000);
    const client = url.protocol === 'https:' ? https : http;
    return new Promise((resolve, reject) => {
      const request = client.request(
        url,
        {
          method: 'POST',
          timeout: TIMEOUT_MS,
          lookup: this.safeLookup,
          headers: {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
            'user-agent': 'Stylebot-Webhook/1',
            [SIGNATURE_HEADER]: signature(this.options.secret, seconds, body),
          },
        },
        (response) => {
          response.resume();
          const status = response.statusCode ?? 0;
          if (status >= 200 && status < 300) resolve();
          else reject(new Error(`webhook ${url.host} answered ${status}`));
        },
      );
      request.on('timeout', () => request.destroy(new Error(`webhook ${url.host}: no answer within ${TIMEOUT_MS / 1000} s`)));
      request.on('error', (error) => reject(new Error(`webhook ${url.host}: ${error.message}`)));
      request.end(body);
    });
  }

  /** dns.lookup that refuses a private address the name resolves to, unless the address itself is listed. */
  private readonly safeLookup: LookupFunction = (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
      if (error) return callback(error, '', 0);
      const allowed = addresses.filter((a) => !isPrivateAddress(a.address) || this.hosts.includes(a.address.toLowerCase()));
      if (!allowed.length)
        return callback(
          Object.assign(new Error(`${hostname} resolves to a private address that is not allowed`), { code: 'EACCES' }),
          '',
          0,
        );
      if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, allowed);
      return callback(null, allowed[0]!.address, allowed[0]!.family);
    });
  };

  /** Listens for final events of studio jobs on `jobs`; returns the function that stops. */
  attach(jobs: JobService): () => void {
    return jobs.onEvents('web', this.listener);
  }
}

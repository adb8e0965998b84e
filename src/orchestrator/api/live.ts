import type { ServerResponse } from 'node:http';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { EnvChange } from '../changes.js';
import type { Orchestrator } from '../service.js';
import { toEnvironmentDto, type EnvironmentDto, type UrlScheme } from './dto.js';

export interface LiveOptions {
  /** How often a comment line keeps idle connections (and the load balancer) from timing out. @default 15000 */
  heartbeatMs?: number;
  /**
   * Streams end after this long and the browser reconnects, which checks its session
   * again: a signed-out or revoked session stops receiving within this time. @default 600000
   */
  maxAgeMs?: number;
}

/** The `change` event's data: the environment as it is now, or which one is gone. */
export type LiveChange = { env: EnvironmentDto } | { removed: string; id: string };

/** How long the browser waits before reconnecting after the stream drops (ms). */
const RETRY_MS = 3000;

/**
 * `GET /api/v1/environments/watch`: server-sent events for the dashboard. The first
 * event (`snapshot`) is the caller's current list; each later `change` event is one
 * environment as stored after a change, or `{ removed, id }` once it is gone. Data
 * carries `version`, so a client keeps the newest copy when events and the snapshot
 * overlap.
 */
export function liveRoutes(orch: Orchestrator, urls: UrlScheme, opts: LiveOptions = {}): FastifyPluginAsyncZod {
  const heartbeatMs = opts.heartbeatMs ?? 15_000;
  const maxAgeMs = opts.maxAgeMs ?? 600_000;
  return async (app) => {
    const open = new Set<() => void>();
    // Streams are hijacked from Fastify, so closing the app must end them itself.
    app.addHook('onClose', async () => {
      for (const end of [...open]) end();
    });

    app.get('/environments/watch', {
      schema: {
        summary: 'Live environment updates as server-sent events: a `snapshot` of the list, then one `change` per update',
        produces: ['text/event-stream'],
      },
    }, async (req, reply) => {
      const user = req.user;
      const res = reply.raw;
      reply.hijack();
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      res.write(`retry: ${RETRY_MS}\n\n`);

      // Subscribe before reading the list so no change falls between the two;
      // changes that arrive meanwhile wait and follow the snapshot.
      let pending: EnvChange[] | undefined = [];
      const onChange = (change: EnvChange) => {
        if (pending) pending.push(change);
        else send(res, 'change', toLiveChange(change));
      };
      // Ids this caller has been shown: removals of anything else are not its business.
      const known = new Set<string>();
      const toLiveChange = (change: EnvChange): LiveChange | undefined => {
        if (!change.env) return known.delete(change.id) ? { removed: change.name, id: change.id } : undefined;
        if (!orch.visibleTo(user, change.env)) return undefined;
        known.add(change.id);
        return { env: toEnvironmentDto(change.env, urls) };
      };
      const unsubscribe = orch.changes.subscribe(onChange);
      const heartbeat = setInterval(() => res.write(': heartbeat\n\n'), heartbeatMs);
      heartbeat.unref();
      let ended = false;
      const end = () => {
        if (ended) return;
        ended = true;
        unsubscribe();
        clearInterval(heartbeat);
        clearTimeout(expiry);
        open.delete(end);
        if (!res.writableEnded) res.end();
      };
      const expiry = setTimeout(end, maxAgeMs);
      expiry.unref();
      open.add(end);
      res.on('close', end);
      res.on('error', end);

      try {
        const envs = await orch.list(user);
        if (ended) return;
        envs.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
        for (const e of envs) known.add(e.id);
        send(res, 'snapshot', { items: envs.map((e) => toEnvironmentDto(e, urls)) });
        const queued = pending;
        pending = undefined;
        for (const change of queued) send(res, 'change', toLiveChange(change));
      } catch (err) {
        req.log.warn({ err }, 'environment watch failed');
        send(res, 'failure', { message: 'could not read the environment list; retrying' });
        end();
      }
    });
  };
}

/** Writes one event; `undefined` data (a change the caller may not see) writes nothing. */
function send(res: ServerResponse, event: string, data: unknown): void {
  if (data === undefined || res.writableEnded) return;
  // JSON never contains a raw newline, so one `data:` line is enough.
  res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
}

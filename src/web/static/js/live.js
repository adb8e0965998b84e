// The environment list as the page sees it, kept current by server-sent events
// (GET /api/v1/environments/watch) or, when those fail, by polling the list.

import { api } from './api.js';

const POLL_MS = 4000;
/** After this long polling, try the event stream again (the runner may be back). */
const RETRY_STREAM_MS = 30_000;
/** Errors in a row, without the stream ever opening, before giving up on it. */
const MAX_STREAM_ERRORS = 3;

/**
 * One shared feed per signed-in page. Listeners get `(event)` with
 * `{ type: 'snapshot' }`, `{ type: 'change', env, previous }`,
 * `{ type: 'removed', env }` or `{ type: 'mode', mode }`; they read `feed.list()`.
 */
export class EnvironmentFeed {
  constructor() {
    this.envs = new Map();
    /** Ids of environments known to be gone. */
    this.removedIds = new Set();
    this.listeners = new Set();
    this.loaded = false;
    /** 'connecting' | 'live' | 'polling' | 'stopped' */
    this.mode = 'stopped';
    this.source = undefined;
    this.pollTimer = undefined;
    this.retryTimer = undefined;
    this.streamErrors = 0;
  }

  /** Starts receiving updates (idempotent). */
  start() {
    if (this.mode !== 'stopped') return;
    this.openStream();
  }

  /** Stops every connection and timer (sign-out). */
  stop() {
    this.closeStream();
    clearTimeout(this.pollTimer);
    clearTimeout(this.retryTimer);
    this.envs.clear();
    this.removedIds.clear();
    this.loaded = false;
    this.setMode('stopped');
  }

  subscribe(listener) {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The environments, by name. */
  list() {
    return [...this.envs.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  get(name) {
    return this.envs.get(name);
  }

  /** Applies an environment the page just got from an API call (no need to wait for the feed). */
  upsert(env) {
    // A response can arrive after the stream said the environment is gone (ids are never reused).
    if (this.removedIds.has(env.id)) return;
    const previous = this.envs.get(env.name);
    // Events and responses can cross: keep the newest copy of the same environment.
    if (previous && previous.id === env.id && previous.version > env.version) return;
    if (env.state === 'deleted') return this.remove(env.name, env.id);
    this.envs.set(env.name, env);
    this.emit({ type: 'change', env, previous });
  }

  remove(name, id) {
    if (id) this.removedIds.add(id);
    const previous = this.envs.get(name);
    if (!previous || (id && previous.id !== id)) return;
    this.envs.delete(name);
    this.emit({ type: 'removed', env: previous });
  }

  /** Replaces the whole list, emitting a change for each difference, then a snapshot. */
  replaceAll(items) {
    const seen = new Set();
    for (const env of items) {
      if (this.removedIds.has(env.id)) continue;
      seen.add(env.name);
      const previous = this.envs.get(env.name);
      if (!previous || previous.id !== env.id || previous.version !== env.version) {
        if (previous && previous.id === env.id && previous.version > env.version) continue;
        this.envs.set(env.name, env);
        if (this.loaded) this.emit({ type: 'change', env, previous });
      }
    }
    for (const [name, env] of [...this.envs]) {
      if (!seen.has(name)) {
        this.envs.delete(name);
        this.removedIds.add(env.id);
        if (this.loaded) this.emit({ type: 'removed', env });
      }
    }
    this.loaded = true;
    this.emit({ type: 'snapshot' });
  }

  emit(event) {
    for (const l of [...this.listeners]) {
      try {
        l(event);
      } catch (err) {
        console.error(err);
      }
    }
  }

  setMode(mode) {
    if (this.mode === mode) return;
    this.mode = mode;
    this.emit({ type: 'mode', mode });
  }

  openStream() {
    if (typeof EventSource === 'undefined') return this.startPolling();
    this.setMode('connecting');
    const source = new EventSource('/api/v1/environments/watch');
    this.source = source;
    source.addEventListener('open', () => {
      this.streamErrors = 0;
      this.setMode('live');
    });
    source.addEventListener('snapshot', (e) => this.replaceAll(JSON.parse(e.data).items));
    source.addEventListener('change', (e) => {
      const data = JSON.parse(e.data);
      if (data.env) this.upsert(data.env);
      else if (data.removed) this.remove(data.removed, data.id);
    });
    source.addEventListener('error', () => {
      // CLOSED: the server refused the stream (signed out, or an older runner without
      // it). CONNECTING: the connection dropped and the browser retries on its own.
      this.streamErrors++;
      if (source.readyState === EventSource.CLOSED || this.streamErrors >= MAX_STREAM_ERRORS) {
        this.closeStream();
        this.startPolling();
      } else {
        this.setMode('connecting');
      }
    });
  }

  closeStream() {
    if (this.source) {
      this.source.close();
      this.source = undefined;
    }
  }

  startPolling() {
    this.setMode('polling');
    this.streamErrors = 0;
    const poll = async () => {
      if (this.mode !== 'polling') return;
      try {
        const page = await api('GET', '/environments');
        if (this.mode !== 'polling') return;
        this.replaceAll(page.items);
      } catch {
        // the next poll tries again; a 401 has already sent the page to sign-in
      }
      if (this.mode === 'polling') this.pollTimer = setTimeout(poll, POLL_MS);
    };
    void poll();
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      if (this.mode !== 'polling') return;
      clearTimeout(this.pollTimer);
      this.openStream();
    }, RETRY_STREAM_MS);
  }
}

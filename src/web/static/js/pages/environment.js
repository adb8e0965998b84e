// One environment: its state, its ports through the proxy, its timeline and its log tail.

import { api, describeError } from '../api.js';
import { announce, errorBox, h, replace, stateBadge } from '../dom.js';
import { envActions } from '../env-actions.js';
import { ago, duration, idleTimeout, timeLeft, when } from '../format.js';

const SHARE_TEXT = {
  owner: 'Only the owner',
  org: 'Everyone signed in',
  public: 'Anyone with the link',
};

const EVENT_LABELS = {
  created: 'Created', queued: 'Queued', provisioning: 'Provisioning', image_pulled: 'Image pulled',
  started: 'Started', ready: 'Ready', stopping: 'Stopping', stopped: 'Stopped', idle_stop: 'Stopped for inactivity',
  failed: 'Failed', restarted: 'Restarted', deleting: 'Deleting', deleted: 'Deleted', adopted: 'Adopted', note: 'Note',
};

const LOG_LINES = 200;

export function mount(main, ctx) {
  const name = ctx.params[0];
  ctx.setTitle(name);
  const pageError = h('div', { id: 'page-error' });
  const showError = (message) => replace(pageError, errorBox(message));
  const body = h('div', {}, h('p', { class: 'loading', text: `Loading ${name}…` }));
  main.append(
    h('nav', { class: 'breadcrumb', attrs: { 'aria-label': 'Breadcrumb' } },
      h('a', { href: '/', dataset: { link: '' }, text: 'Environments' }), h('span', { attrs: { 'aria-hidden': 'true' }, text: ' / ' }), h('span', { text: name })),
    pageError, body);

  let view;
  let stopped = false;
  let refreshTimer;
  const abort = new AbortController();

  const build = (env) => {
    const badgeSlot = h('span', { class: 'title-badge' });
    const actions = envActions(env, { feed: ctx.feed, onError: showError, onDeleted: () => ctx.navigate('/') });
    const facts = h('dl', { class: 'facts' });
    const reasonSlot = h('div');
    const ports = h('div');
    const timeline = h('ol', { class: 'timeline', id: 'timeline' });
    const logs = h('pre', { class: 'logs', id: 'logs', tabIndex: 0, attrs: { 'aria-label': `Last ${LOG_LINES} log lines of ${name}` } });
    const logsNote = h('p', { class: 'hint', attrs: { role: 'status' } });
    const refreshLogs = h('button', { type: 'button', class: 'button button-small', text: 'Refresh', onclick: () => void loadLogs() });

    replace(body,
      h('div', { class: 'page-head page-head-row' },
        h('h1', {}, name, ' ', badgeSlot),
        h('div', { class: 'actions' }, actions.nodes)),
      reasonSlot,
      h('section', { class: 'card', attrs: { 'aria-labelledby': 'facts-title' } }, h('h2', { id: 'facts-title', text: 'Details' }), facts),
      h('section', { class: 'card', attrs: { 'aria-labelledby': 'ports-title' } }, h('h2', { id: 'ports-title', text: 'Ports' }), ports),
      h('div', { class: 'two-col' },
        h('section', { class: 'card', attrs: { 'aria-labelledby': 'timeline-title' } }, h('h2', { id: 'timeline-title', text: 'Timeline' }), timeline),
        h('section', { class: 'card', attrs: { 'aria-labelledby': 'logs-title' } },
          h('div', { class: 'card-head' }, h('h2', { id: 'logs-title', text: 'Logs' }), refreshLogs),
          logsNote, logs)));
    return { env, badgeSlot, actions, facts, reasonSlot, ports, timeline, logs, logsNote };
  };

  const fill = (env) => {
    view.env = env;
    replace(view.badgeSlot, stateBadge(env.state));
    view.actions.update(env);
    replace(view.reasonSlot, env.reason && env.state === 'failed'
      ? h('div', { class: 'notice notice-error', attrs: { role: 'alert' } }, h('strong', { text: 'Why it failed: ' }), env.reason)
      : null);
    tick();
    replace(view.ports, env.ports.length === 0 ? h('p', { class: 'hint', text: 'This environment declares no ports.' }) :
      h('div', { class: 'table-scroll' }, h('table', { class: 'table', id: 'ports-table' },
        h('thead', {}, h('tr', {}, ['Port', 'Name', 'Shared with', 'Address'].map((t) => h('th', { scope: 'col', text: t })))),
        h('tbody', {}, env.ports.map((p) => h('tr', {},
          h('td', { text: String(p.port) }),
          h('td', { text: p.name ?? '—' }),
          h('td', {}, h('span', { class: `share share-${p.share}`, text: SHARE_TEXT[p.share] ?? p.share }), h('span', { class: 'hint', text: ` (${p.share})` })),
          h('td', {}, env.state === 'running'
            ? h('a', { href: p.url, target: '_blank', rel: 'noopener', class: 'port-link', text: p.url })
            : h('span', { class: 'hint', text: `${p.url} (available while running)` }))))))));
  };

  // The facts are built once; the clock only rewrites the texts that move, so a
  // screen reader reading the list is not interrupted by new nodes every second.
  const tick = () => {
    if (!view) return;
    const env = view.env;
    if (!view.clock) {
      view.clock = { created: fact('Created', '', 'created'), activity: fact('Last activity', '', 'last-activity'), idle: fact('Idle stop', '', 'idle-stop') };
      replace(view.facts, fact('Template', env.template), fact('Owner', env.owner), view.clock.created, view.clock.activity, view.clock.idle,
        fact('Stops when idle for', idleTimeout(env.idleTimeoutSeconds)));
    }
    setText(view.clock.created, `${ago(env.createdAt)} (${when(env.createdAt)})`);
    setText(view.clock.activity, ago(env.lastActiveAt));
    setText(view.clock.idle, env.idleStopAt ? `in ${timeLeft(env.idleStopAt)}` : env.state === 'running' ? 'never' : '—');
  };

  const loadTimeline = async () => {
    try {
      const page = await api('GET', `/environments/${encodeURIComponent(name)}/events`, { signal: abort.signal });
      if (!view) return;
      replace(view.timeline, page.items.length === 0 ? h('li', { class: 'hint', text: 'No events yet.' }) : page.items.map((e, i) =>
        h('li', { class: `timeline-item timeline-${e.type}` },
          h('div', { class: 'timeline-head' },
            h('span', { class: 'timeline-type', text: EVENT_LABELS[e.type] ?? e.type }),
            i > 0 ? h('span', { class: 'timeline-took', title: 'Time since the previous event' }, `+${duration(e.sincePreviousMs)}`) : null),
          h('div', { class: 'timeline-message', text: e.message }),
          h('time', { class: 'timeline-at', dateTime: e.at, text: when(e.at) }))));
    } catch (err) {
      if (err.name !== 'AbortError' && view) replace(view.timeline, h('li', {}, errorBox(`Could not load the timeline: ${describeError(err)}`)));
    }
  };

  const loadLogs = async () => {
    try {
      const text = await api('GET', `/environments/${encodeURIComponent(name)}/logs?tail=${LOG_LINES}`, { as: 'text', signal: abort.signal });
      if (!view) return;
      const atBottom = view.logs.scrollHeight - view.logs.scrollTop - view.logs.clientHeight < 8;
      view.logs.textContent = text || '(no output yet)';
      if (atBottom) view.logs.scrollTop = view.logs.scrollHeight;
      view.logsNote.textContent = `Last ${LOG_LINES} lines, read ${new Date().toLocaleTimeString()}.`;
    } catch (err) {
      if (err.name !== 'AbortError' && view) view.logsNote.textContent = `Could not read the logs: ${describeError(err)}`;
    }
  };

  // Timeline and logs change with the state: reload them shortly after each change.
  const refreshSoon = () => {
    clearTimeout(refreshTimer);
    refreshTimer = setTimeout(() => { void loadTimeline(); void loadLogs(); }, 300);
  };

  const show = (env) => {
    if (stopped) return;
    if (!view) {
      view = build(env);
      fill(env);
      void loadTimeline();
      void loadLogs();
    } else if (view.env !== env) {
      if (view.env.state !== env.state) announce(`${name} is ${env.state}.`);
      fill(env);
      refreshSoon();
    }
  };

  const known = ctx.feed.get(name);
  if (known) show(known);
  api('GET', `/environments/${encodeURIComponent(name)}`, { signal: abort.signal }).then((env) => {
    const newest = ctx.feed.get(name);
    show(newest && newest.id === env.id && newest.version >= env.version ? newest : env);
  }).catch((err) => {
    if (err.name === 'AbortError') return;
    view = undefined;
    replace(body,
      h('h1', { text: name }),
      err.status === 404
        ? h('div', { class: 'notice notice-info' }, `There is no environment named ${name} that you can see. `, h('a', { href: '/', dataset: { link: '' }, text: 'Back to environments' }))
        : errorBox(`Could not load ${name}: ${describeError(err)}`));
  });

  const off = ctx.feed.subscribe((event) => {
    if (event.type === 'change' && event.env.name === name) show(event.env);
    if (event.type === 'removed' && event.env.name === name && view) {
      announce(`${name} was deleted.`);
      view = undefined;
      replace(body, h('h1', { text: name }),
        h('div', { class: 'notice notice-info', attrs: { role: 'status' } }, `${name} was deleted. `, h('a', { href: '/', dataset: { link: '' }, text: 'Back to environments' })));
    }
  });
  const ticker = setInterval(tick, 1000);

  return () => {
    stopped = true;
    off();
    abort.abort();
    clearInterval(ticker);
    clearTimeout(refreshTimer);
  };
}

function setText(factNode, text) {
  const dd = factNode.querySelector('dd');
  if (dd.textContent !== text) dd.textContent = text;
}

function fact(term, value, id) {
  return h('div', { class: 'fact' }, h('dt', { text: term }), h('dd', { text: value, id: id ? `fact-${id}` : undefined }));
}

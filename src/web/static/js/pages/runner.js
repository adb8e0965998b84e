// The runner: what runs here (version, mode, store, provider) and whether the
// network it needs is reachable (the netcheck report).

import { api, describeError, sentence } from '../api.js';
import { errorBox, h, replace, statusBadge } from '../dom.js';
import { ago, when } from '../format.js';

const ACCESS_TEXT = {
  vpc_endpoint: 'VPC endpoint',
  gateway_endpoint_or_nat: 'Gateway endpoint (or NAT)',
  nat_gateway: 'NAT gateway',
  internet_gateway: 'Internet gateway',
  local: 'Local',
  unreachable: 'Unreachable',
};

const REASON_TEXT = {
  nxdomain: 'name does not exist', no_answer: 'no DNS answer', dns_timeout: 'DNS timed out', dns_refused: 'DNS refused',
  dns_error: 'DNS error', dns_sinkhole: 'DNS sinkhole', timeout: 'connection timed out', refused: 'connection refused',
  reset: 'connection reset', no_route: 'no route', blocked: 'blocked', connect_error: 'connection error',
};

const REFRESH_MS = 30_000;

export function mount(main, ctx) {
  ctx.setTitle('Runner');
  const info = h('div', {}, h('p', { class: 'loading', text: 'Loading…' }));
  const network = h('div', {}, h('p', { class: 'loading', text: 'Loading…' }));
  const refresh = h('button', { type: 'button', class: 'button button-small', text: 'Refresh', onclick: () => void loadNetwork() });
  main.append(
    h('div', { class: 'page-head' }, h('h1', { text: 'Runner' })),
    h('section', { class: 'card', attrs: { 'aria-labelledby': 'runner-title' } }, h('h2', { id: 'runner-title', text: 'This runner' }), info),
    h('section', { class: 'card', attrs: { 'aria-labelledby': 'network-title' } },
      h('div', { class: 'card-head' }, h('h2', { id: 'network-title', text: 'Network readiness' }), refresh),
      network));

  const abort = new AbortController();

  api('GET', '/runner', { signal: abort.signal }).then((r) => {
    replace(info, h('dl', { class: 'facts', id: 'runner-facts' },
      fact('Version', r.version), fact('Mode', r.mode), fact('Store', r.store), fact('Compute provider', r.provider),
      fact('Domain', r.domain), fact('Runner id', r.runnerId), fact('Started', `${ago(r.startedAt)} (${when(r.startedAt)})`)));
  }).catch((err) => { if (err.name !== 'AbortError') replace(info, errorBox(`Could not read the runner's details: ${describeError(err)}`)); });

  const loadNetwork = async () => {
    try {
      const report = await api('GET', '/runner/network', { signal: abort.signal });
      replace(network, renderReport(report));
    } catch (err) {
      if (err.name !== 'AbortError') replace(network, errorBox(`Could not read the network report: ${describeError(err)}`));
    }
  };
  void loadNetwork();
  const timer = setInterval(() => void loadNetwork(), REFRESH_MS);

  return () => {
    abort.abort();
    clearInterval(timer);
  };
}

/** The report as an overall status and one row per endpoint; or the reason there is none. */
function renderReport(report) {
  if (report.status === 'disabled' || report.status === 'pending') {
    return h('div', { class: 'notice notice-info', id: 'network-status', dataset: { status: report.status } },
      h('strong', { text: report.status === 'disabled' ? 'Not checked. ' : 'Checking… ' }), sentence(report.message ?? ''));
  }
  const ready = report.status === 'ready';
  const s = report.summary ?? {};
  return h('div', {},
    h('div', { class: 'readiness', id: 'network-status', dataset: { status: report.status } },
      statusBadge(ready ? 'ready' : 'degraded', ready ? 'Ready' : 'Degraded'),
      h('p', {}, ready
        ? `Every required endpoint answered (${s.reachable ?? '?'} of ${s.endpoints ?? '?'} reachable).`
        : `${s.failedRequired ?? '?'} required endpoint${s.failedRequired === 1 ? '' : 's'} could not be reached. Environments may fail to start until this is fixed.`),
      h('p', { class: 'hint' }, `Checked ${ago(report.startedAt)} in ${Math.round(report.durationMs)} ms, for the ${report.mode} deployment mode in ${report.region}.`)),
    h('div', { class: 'table-scroll' }, h('table', { class: 'table', id: 'network-table' },
      h('caption', { class: 'visually-hidden', text: 'Endpoints the runner needs' }),
      h('thead', {}, h('tr', {}, ['Endpoint', 'Status', 'Access', 'Latency', 'Details'].map((t) => h('th', { scope: 'col', text: t })))),
      h('tbody', {}, (report.endpoints ?? []).map((e) => h('tr', { dataset: { endpoint: e.id } },
        h('th', { scope: 'row' }, h('div', { text: e.title }), h('div', { class: 'hint mono', text: e.hostname }),
          e.required ? null : h('div', { class: 'hint', text: 'optional' })),
        h('td', {}, statusBadge(e.status === 'ok' ? 'ok' : 'failed', e.status === 'ok' ? 'Reachable' : 'Failed')),
        h('td', {}, ACCESS_TEXT[e.access] ?? e.access, e.reason ? h('div', { class: 'hint', text: REASON_TEXT[e.reason] ?? e.reason }) : null),
        h('td', { class: 'num', text: latency(e) }),
        h('td', {},
          h('div', { text: e.detail }),
          e.note ? h('div', { class: 'hint', text: e.note }) : null,
          e.fix && e.status !== 'ok' ? h('div', { class: 'fix' }, h('strong', { text: 'Fix: ' }), e.fix) : null)))))));
}

function latency(e) {
  const parts = [];
  if (e.dnsMs !== null && e.dnsMs !== undefined) parts.push(`DNS ${Math.round(e.dnsMs)} ms`);
  if (e.connectMs !== null && e.connectMs !== undefined) parts.push(`TCP ${Math.round(e.connectMs)} ms`);
  return parts.join(' · ') || '—';
}

function fact(term, value) {
  return h('div', { class: 'fact' }, h('dt', { text: term }), h('dd', { text: value }));
}

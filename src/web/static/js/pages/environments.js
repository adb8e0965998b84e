// The environments list: a create form and a table that follows the live feed.
// Rows are updated in place (never rebuilt), so keyboard focus survives updates.

import { api, describeError } from '../api.js';
import { announce, errorBox, h, replace, stateBadge } from '../dom.js';
import { envActions } from '../env-actions.js';
import { age, ago, cpu, idleTimeout, memory, timeLeft, when } from '../format.js';
import { nameProblem } from '../validate.js';

export function mount(main, ctx) {
  ctx.setTitle('Environments');
  const admin = ctx.me.role === 'admin';
  const rows = new Map();
  const pageError = h('div', { id: 'page-error' });
  const showError = (message) => replace(pageError, errorBox(message));

  const form = createForm(ctx, showError);
  const tbody = h('tbody');
  const empty = h('div', { class: 'empty', id: 'empty-state', hidden: true },
    h('p', { class: 'empty-title' }, 'No environments yet — ',
      h('a', { href: '#env-name', onclick: (e) => { e.preventDefault(); form.focusName(); } }, 'create one')),
    h('p', { class: 'hint', text: 'An environment is a workspace with its own home folder. It starts in a few seconds and stops itself when idle.' }));
  const loading = h('p', { class: 'loading', text: 'Loading environments…' });
  const headers = ['Name', admin ? 'Owner' : null, 'Template', 'State', 'Age', 'Last activity', 'Idle stop', 'Actions'].filter(Boolean);
  const table = h('table', { class: 'table env-table', id: 'env-table', hidden: true },
    h('caption', { class: 'visually-hidden', text: admin ? 'Environments of every user' : 'Your environments' }),
    h('thead', {}, h('tr', {}, headers.map((t) => h('th', { scope: 'col', class: `col-${t.toLowerCase().replace(/ /g, '-')}`, text: t })))),
    tbody);

  main.append(
    h('div', { class: 'page-head' },
      h('h1', { text: 'Environments' }),
      admin ? h('p', { class: 'hint', text: 'As an admin you see every user\'s environments.' }) : null),
    pageError,
    form.node,
    h('section', { class: 'card', attrs: { 'aria-labelledby': 'list-title' } },
      h('h2', { id: 'list-title', class: 'visually-hidden', text: 'Environment list' }),
      loading, empty, h('div', { class: 'table-scroll' }, table)));

  const rowFor = (env) => {
    const nameLink = h('a', { href: `/environments/${encodeURIComponent(env.name)}`, dataset: { link: '' }, class: 'env-name', text: env.name });
    const cells = {
      state: h('td', { class: 'col-state' }),
      age: h('td', { class: 'col-age' }),
      activity: h('td', { class: 'col-last-activity' }),
      idle: h('td', { class: 'col-idle-stop' }),
    };
    const actions = envActions(env, { feed: ctx.feed, onError: showError, compact: true });
    const tr = h('tr', { dataset: { env: env.name } },
      h('th', { scope: 'row', class: 'col-name' }, nameLink),
      admin ? h('td', { class: 'col-owner', text: env.owner }) : null,
      h('td', { class: 'col-template', text: env.template }),
      cells.state, cells.age, cells.activity, cells.idle,
      h('td', { class: 'col-actions' }, h('div', { class: 'actions' }, actions.nodes)));
    const row = { tr, env, cells, actions };
    fillRow(row, env);
    return row;
  };

  const fillRow = (row, env) => {
    row.env = env;
    replace(row.cells.state, stateBadge(env.state),
      env.state === 'failed' && env.reason ? h('div', { class: 'reason', text: env.reason }) : null);
    row.actions.update(env);
    tickRow(row);
  };

  const tickRow = (row, now = Date.now()) => {
    const env = row.env;
    row.cells.age.textContent = age(env.createdAt, now);
    row.cells.age.title = `Created ${when(env.createdAt)}`;
    row.cells.activity.textContent = ago(env.lastActiveAt, now);
    row.cells.activity.title = when(env.lastActiveAt);
    if (env.idleStopAt) {
      row.cells.idle.textContent = `in ${timeLeft(env.idleStopAt, now)}`;
      row.cells.idle.title = `Stops at ${when(env.idleStopAt)} unless it is used`;
    } else {
      row.cells.idle.textContent = env.state === 'running' && env.idleTimeoutSeconds === 0 ? 'never' : '—';
      row.cells.idle.title = env.state === 'running' ? 'Idle stop is off for this environment' : 'Only running environments stop when idle';
    }
  };

  const sync = () => {
    if (!ctx.feed.loaded) return;
    loading.hidden = true;
    const envs = ctx.feed.list();
    for (const [name, row] of rows) {
      if (!ctx.feed.get(name) || ctx.feed.get(name).id !== row.env.id) {
        row.tr.remove();
        rows.delete(name);
      }
    }
    let before = null;
    for (const env of envs) {
      let row = rows.get(env.name);
      if (!row) {
        row = rowFor(env);
        rows.set(env.name, row);
      } else if (row.env !== env) fillRow(row, env);
      // Keep DOM order equal to name order without moving rows that are in place.
      const expected = before ? before.nextSibling : tbody.firstChild;
      if (expected !== row.tr) tbody.insertBefore(row.tr, expected);
      before = row.tr;
    }
    table.hidden = envs.length === 0;
    empty.hidden = envs.length !== 0;
  };

  const off = ctx.feed.subscribe((event) => {
    if (event.type === 'change' && event.previous && event.previous.state !== event.env.state) {
      announce(`${event.env.name} is ${event.env.state}${event.env.state === 'failed' && event.env.reason ? `: ${event.env.reason}` : ''}.`);
    } else if (event.type === 'removed') announce(`${event.env.name} was deleted.`);
    if (event.type !== 'mode') sync();
  });
  sync();
  const ticker = setInterval(() => { const now = Date.now(); for (const row of rows.values()) tickRow(row, now); }, 1000);

  return () => {
    off();
    clearInterval(ticker);
  };
}

/** The create form: templates with their parameters, and the name checked as it is typed. */
function createForm(ctx, showPageError) {
  const nameInput = h('input', {
    id: 'env-name', name: 'name', class: 'input', type: 'text', autocomplete: 'off', spellcheck: false,
    maxLength: 80, attrs: { 'aria-describedby': 'env-name-hint env-name-error', autocapitalize: 'off', placeholder: 'e.g. my-api' },
  });
  const nameError = h('p', { class: 'field-error', id: 'env-name-error', attrs: { 'aria-live': 'polite' } });
  const select = h('select', { id: 'env-template', name: 'template', class: 'input', attrs: { 'aria-describedby': 'template-details' } });
  const details = h('div', { class: 'template-details', id: 'template-details' });
  const formError = h('div', { id: 'create-error' });
  const submit = h('button', { type: 'submit', class: 'button button-primary', text: 'Create environment' });
  let templates = [];
  let touched = false;
  /** The API's objection to the name as last submitted; it stands until the name changes. */
  let refused;

  const checkName = () => {
    const problem = nameProblem(nameInput.value);
    const shown = (touched && problem) || (refused && refused.name === nameInput.value ? refused.message : '');
    nameError.textContent = shown;
    if (shown) nameInput.setAttribute('aria-invalid', 'true');
    else nameInput.removeAttribute('aria-invalid');
    return problem;
  };
  nameInput.addEventListener('input', () => { if (touched || refused) checkName(); });
  nameInput.addEventListener('blur', () => { if (nameInput.value) { touched = true; checkName(); } });

  const showTemplate = () => {
    const t = templates.find((x) => x.name === select.value);
    if (!t) return replace(details);
    const ports = t.ports.map((p) => `${p.port}${p.name ? ` (${p.name})` : ''}`).join(', ') || 'none';
    replace(details,
      t.description ? h('p', { class: 'template-description', text: t.description }) : null,
      h('dl', { class: 'facts facts-inline' },
        fact('CPU', cpu(t.cpu)), fact('Memory', memory(t.memory)), fact('Ports', ports),
        fact('Stops when idle for', idleTimeout(t.idleTimeoutSeconds)),
        t.image ? fact('Image', t.image, 'fact-wide') : null));
  };
  select.addEventListener('change', showTemplate);

  const onSubmit = async (e) => {
    e.preventDefault();
    touched = true;
    replace(formError);
    if (checkName()) {
      nameInput.focus();
      return;
    }
    if (!select.value) {
      replace(formError, errorBox('Choose a template.'));
      select.focus();
      return;
    }
    submit.disabled = true;
    submit.textContent = 'Creating…';
    const name = nameInput.value;
    try {
      const env = await api('POST', '/environments', { body: { name, template: select.value } });
      ctx.feed.upsert(env);
      announce(`Creating ${name}. Its state will change here as it starts.`);
      nameInput.value = '';
      touched = false;
      checkName();
    } catch (err) {
      if (err.field === 'body.name' || err.field === 'name' || err.code === 'already_exists') {
        refused = { name, message: describeError(err) };
        checkName();
        nameInput.focus();
      } else replace(formError, errorBox(describeError(err)));
    } finally {
      submit.disabled = false;
      submit.textContent = 'Create environment';
    }
  };

  const node = h('section', { class: 'card create-card', attrs: { 'aria-labelledby': 'create-title' } },
    h('h2', { id: 'create-title', text: 'New environment' }),
    h('form', { class: 'form create-form', onsubmit: onSubmit, attrs: { novalidate: true } },
      h('div', { class: 'form-row' },
        h('div', { class: 'field field-grow' },
          h('label', { for: 'env-name', text: 'Name' }),
          nameInput,
          h('p', { class: 'hint', id: 'env-name-hint', text: 'Lowercase letters, digits and single hyphens; starts with a letter; up to 40 characters. It becomes part of the address.' }),
          nameError),
        h('div', { class: 'field' },
          h('label', { for: 'env-template', text: 'Template' }),
          select),
        h('div', { class: 'field field-submit' }, submit)),
      details,
      formError));

  api('GET', '/templates').then((page) => {
    templates = page.items;
    replace(select, templates.map((t) => h('option', { value: t.name, text: t.name })));
    if (templates.length === 0) {
      submit.disabled = true;
      replace(details, h('p', { class: 'hint', text: 'This runner offers no templates yet: an operator adds them to the runner\'s configuration.' }));
    } else showTemplate();
  }).catch((err) => showPageError(`Could not load the templates: ${describeError(err)}`));

  return { node, focusName: () => nameInput.focus() };
}

function fact(term, value, extra = '') {
  return h('div', { class: `fact ${extra}` }, h('dt', { text: term }), h('dd', { text: value }));
}

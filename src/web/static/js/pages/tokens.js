// Tokens for everyone (create — the secret is shown once — and revoke); for
// admins also the users, each user's tokens, and creating users.

import { api, describeError } from '../api.js';
import { announce, confirmDialog, errorBox, h, replace, statusBadge } from '../dom.js';
import { ago, when } from '../format.js';
import { nameProblem } from '../validate.js';

const EXPIRY_CHOICES = [
  ['', 'Never'],
  ['1d', '1 day'],
  ['7d', '7 days'],
  ['30d', '30 days'],
  ['90d', '90 days'],
];

export function mount(main, ctx) {
  ctx.setTitle('Tokens');
  const admin = ctx.me.role === 'admin';
  const abort = new AbortController();
  main.append(h('div', { class: 'page-head' }, h('h1', { text: admin ? 'Tokens and users' : 'Tokens' }),
    h('p', { class: 'hint', text: 'Tokens let the command line and scripts act as you. Each is shown once when created; Airlock keeps only a hash.' })));

  const mine = tokenSection({ title: 'Your tokens', user: ctx.me.name, self: true, signal: abort.signal });
  main.append(mine.node);
  if (admin) main.append(usersSection(abort.signal));
  return () => abort.abort();
}

/** A token list for one user with a create form. */
function tokenSection({ title, user, self, signal }) {
  const id = `tokens-${user}`;
  const errorSlot = h('div');
  const secretSlot = h('div');
  const tbody = h('tbody');
  const table = h('table', { class: 'table', id: self ? 'my-tokens' : `tokens-of-${user}` },
    h('caption', { class: 'visually-hidden', text: `Tokens of ${user}` }),
    h('thead', {}, h('tr', {}, ['Label', 'Created', 'Expires', 'Last used', 'Status', 'Actions'].map((t) => h('th', { scope: 'col', text: t })))),
    tbody);

  const load = async () => {
    try {
      const page = await api('GET', `/tokens${self ? '' : `?user=${encodeURIComponent(user)}`}`, { signal });
      const items = page.items.filter((t) => t.user === user);
      replace(tbody, items.length === 0 ? h('tr', {}, h('td', { colSpan: 6, class: 'hint', text: 'No tokens.' })) : items.map((t) => row(t)));
    } catch (err) {
      if (err.name !== 'AbortError') replace(errorSlot, errorBox(`Could not list the tokens: ${describeError(err)}`));
    }
  };

  const row = (t) => {
    const revoked = Boolean(t.revokedAt);
    const expired = !revoked && t.expiresAt && Date.parse(t.expiresAt) < Date.now();
    return h('tr', { dataset: { token: t.id } },
      h('th', { scope: 'row' }, h('div', { text: t.label }), h('div', { class: 'hint mono', text: t.id })),
      h('td', { title: when(t.createdAt), text: ago(t.createdAt) }),
      h('td', { text: t.expiresAt ? when(t.expiresAt) : 'never' }),
      h('td', { text: t.lastUsedAt ? ago(t.lastUsedAt) : 'never' }),
      h('td', {}, revoked ? statusBadge('failed', 'Revoked') : expired ? statusBadge('degraded', 'Expired') : statusBadge('ok', 'Active')),
      h('td', {}, revoked ? null : h('button', {
        type: 'button', class: 'button button-small button-danger-quiet', text: 'Revoke',
        attrs: { 'aria-label': `Revoke token ${t.label} (${t.id})` },
        onclick: async () => {
          const ok = await confirmDialog({
            title: `Revoke "${t.label}"?`,
            body: `Anything using this token stops working at once${self ? ', including this browser if you signed in with it' : ''}.`,
            confirm: 'Revoke', danger: true,
          });
          if (!ok) return;
          try {
            await api('DELETE', `/tokens/${encodeURIComponent(t.id)}`);
            announce(`Token ${t.label} revoked.`);
            await load();
          } catch (err) {
            replace(errorSlot, errorBox(`Could not revoke the token: ${describeError(err)}`));
          }
        },
      })));
  };

  const labelInput = h('input', { id: `${id}-label`, class: 'input', type: 'text', maxLength: 100, value: '', attrs: { placeholder: 'e.g. laptop CLI', autocomplete: 'off' } });
  const expiry = h('select', { id: `${id}-expiry`, class: 'input' }, EXPIRY_CHOICES.map(([v, l]) => h('option', { value: v, text: l, selected: v === '90d' })));
  const create = h('button', { type: 'submit', class: 'button button-primary', text: 'Create token' });
  const onSubmit = async (e) => {
    e.preventDefault();
    replace(errorSlot);
    const label = labelInput.value.trim() || 'token';
    create.disabled = true;
    try {
      const res = await api('POST', '/tokens', { body: { label, ...(expiry.value ? { expiresIn: expiry.value } : {}), ...(self ? {} : { user }) } });
      labelInput.value = '';
      replace(secretSlot, secretNotice(`New token for ${user}`, res.secret));
      await load();
    } catch (err) {
      replace(errorSlot, errorBox(`Could not create the token: ${describeError(err)}`));
    } finally {
      create.disabled = false;
    }
  };

  const node = h('section', { class: 'card', attrs: { 'aria-labelledby': `${id}-title` } },
    h('h2', { id: `${id}-title`, text: title }),
    h('form', { class: 'form', onsubmit: onSubmit, attrs: { novalidate: true } },
      h('div', { class: 'form-row' },
        h('div', { class: 'field field-grow' }, h('label', { for: `${id}-label`, text: 'Label' }), labelInput),
        h('div', { class: 'field' }, h('label', { for: `${id}-expiry`, text: 'Expires after' }), expiry),
        h('div', { class: 'field field-submit' }, create))),
    secretSlot, errorSlot,
    h('div', { class: 'table-scroll' }, table));
  void load();
  return { node, load };
}

/** The secret, shown once, with a copy button. */
function secretNotice(title, secret) {
  const code = h('code', { class: 'secret', id: 'new-secret', text: secret });
  const copy = h('button', {
    type: 'button', class: 'button button-small', text: 'Copy',
    onclick: async () => {
      try {
        await navigator.clipboard.writeText(secret);
        copy.textContent = 'Copied';
        announce('Token copied to the clipboard.');
      } catch {
        // Clipboard access can be refused (plain http on another host): select it instead.
        getSelection()?.selectAllChildren(code);
        announce('Select and copy the token shown.');
      }
    },
  });
  return h('div', { class: 'notice notice-success', attrs: { role: 'status' } },
    h('strong', { text: `${title}. ` }), 'Copy it now: it will not be shown again.',
    h('div', { class: 'secret-row' }, code, copy));
}

/** Admins: the users, create a user, and each user's tokens on demand. */
function usersSection(signal) {
  const errorSlot = h('div');
  const secretSlot = h('div');
  const detail = h('div', { id: 'user-tokens' });
  const tbody = h('tbody');

  const load = async () => {
    try {
      const page = await api('GET', '/users', { signal });
      replace(tbody, page.items.map((u) => h('tr', { dataset: { user: u.name } },
        h('th', { scope: 'row', text: u.name }),
        h('td', { text: u.role }),
        h('td', { title: when(u.createdAt), text: ago(u.createdAt) }),
        h('td', {}, h('button', {
          type: 'button', class: 'button button-small', text: 'Tokens',
          attrs: { 'aria-label': `Show the tokens of ${u.name}` },
          onclick: () => {
            const section = tokenSection({ title: `Tokens of ${u.name}`, user: u.name, self: false, signal });
            replace(detail, section.node);
            section.node.querySelector('h2').tabIndex = -1;
            section.node.querySelector('h2').focus();
          },
        })))));
    } catch (err) {
      if (err.name !== 'AbortError') replace(errorSlot, errorBox(`Could not list the users: ${describeError(err)}`));
    }
  };

  const nameInput = h('input', { id: 'user-name', class: 'input', type: 'text', autocomplete: 'off', spellcheck: false, attrs: { 'aria-describedby': 'user-name-error', autocapitalize: 'off' } });
  const nameError = h('p', { class: 'field-error', id: 'user-name-error', attrs: { 'aria-live': 'polite' } });
  const role = h('select', { id: 'user-role', class: 'input' }, h('option', { value: 'member', text: 'member' }), h('option', { value: 'admin', text: 'admin' }));
  const onSubmit = async (e) => {
    e.preventDefault();
    replace(errorSlot);
    const problem = nameProblem(nameInput.value);
    nameError.textContent = problem;
    if (problem) {
      nameInput.setAttribute('aria-invalid', 'true');
      nameInput.focus();
      return;
    }
    nameInput.removeAttribute('aria-invalid');
    try {
      const res = await api('POST', '/users', { body: { name: nameInput.value, role: role.value } });
      replace(secretSlot, secretNotice(`${res.user.name} was created; their first token`, res.token));
      nameInput.value = '';
      await load();
    } catch (err) {
      if (err.field && err.field.endsWith('name') || err.code === 'already_exists') {
        nameError.textContent = describeError(err);
        nameInput.setAttribute('aria-invalid', 'true');
      } else replace(errorSlot, errorBox(`Could not create the user: ${describeError(err)}`));
    }
  };

  void load();
  return h('section', { class: 'card', attrs: { 'aria-labelledby': 'users-title' } },
    h('h2', { id: 'users-title', text: 'Users' }),
    h('form', { class: 'form', onsubmit: onSubmit, attrs: { novalidate: true } },
      h('div', { class: 'form-row' },
        h('div', { class: 'field field-grow' }, h('label', { for: 'user-name', text: 'New user name' }), nameInput, nameError),
        h('div', { class: 'field' }, h('label', { for: 'user-role', text: 'Role' }), role),
        h('div', { class: 'field field-submit' }, h('button', { type: 'submit', class: 'button button-primary', text: 'Create user' })))),
    secretSlot, errorSlot,
    h('div', { class: 'table-scroll' }, h('table', { class: 'table', id: 'users-table' },
      h('caption', { class: 'visually-hidden', text: 'Users' }),
      h('thead', {}, h('tr', {}, ['Name', 'Role', 'Created', 'Actions'].map((t) => h('th', { scope: 'col', text: t })))),
      tbody)),
    detail);
}

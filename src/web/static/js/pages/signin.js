// Sign-in with an API token. The runner turns it into an HttpOnly session cookie,
// so the token itself is never kept by the page.

import { api, describeError } from '../api.js';
import { errorBox, h, replace } from '../dom.js';
import { safeNext } from '../validate.js';

export function mount(main, ctx) {
  ctx.setTitle('Sign in');
  const next = safeNext(ctx.query.get('next'), location.origin);
  // Proxy sign-in goes on to the authorize route, which needs a full page load.
  const leave = (path) => (path.startsWith('/api/') ? location.assign(path) : ctx.navigate(path, { replace: true }));

  // Already signed in (for example a second tab): go straight on.
  let cancelled = false;
  void ctx.loadMe().then((me) => { if (me && !cancelled) leave(next); });

  const errorSlot = h('div', { id: 'signin-error' });
  const input = h('input', {
    id: 'token', name: 'token', type: 'password', required: true, spellcheck: false,
    autocomplete: 'current-password', class: 'input',
    attrs: { 'aria-describedby': 'token-hint', autocapitalize: 'off' },
  });
  const button = h('button', { type: 'submit', class: 'button button-primary button-wide', text: 'Sign in' });

  const submit = async (e) => {
    e.preventDefault();
    const token = input.value.trim();
    replace(errorSlot);
    if (!token) {
      input.setAttribute('aria-invalid', 'true');
      replace(errorSlot, errorBox('Paste a token to sign in.'));
      input.focus();
      return;
    }
    button.disabled = true;
    button.textContent = 'Signing in…';
    try {
      await api('POST', '/auth/session', { body: { token }, quiet401: true });
      input.value = '';
      await ctx.loadMe();
      leave(next);
    } catch (err) {
      input.setAttribute('aria-invalid', 'true');
      replace(errorSlot, errorBox(err.status === 401 ? 'That token was not accepted: it may be mistyped, expired or revoked.' : describeError(err)));
      input.focus();
      input.select();
    } finally {
      button.disabled = false;
      button.textContent = 'Sign in';
    }
  };

  const notices = [];
  if (ctx.query.get('signedout')) notices.push(h('div', { class: 'notice notice-info', attrs: { role: 'status' } }, 'You are signed out.'));
  if (ctx.query.get('expired')) notices.push(h('div', { class: 'notice notice-info', attrs: { role: 'status' } }, 'Your session ended. Sign in again to continue.'));
  if (next.startsWith('/api/v1/auth/authorize')) notices.push(h('div', { class: 'notice notice-info' }, 'Sign in to open the environment you asked for.'));

  main.append(h('div', { class: 'signin' },
    h('div', { class: 'signin-card card' },
      h('div', { class: 'signin-brand' }, h('img', { src: '/assets/icon.svg', alt: '', width: 40, height: 40 }), h('span', { text: 'Airlock' })),
      h('h1', { text: 'Sign in' }),
      notices,
      h('form', { class: 'form', onsubmit: submit, attrs: { novalidate: true, 'aria-describedby': 'signin-error' } },
        h('div', { class: 'field' },
          h('label', { for: 'token', text: 'API token' }),
          input,
          h('p', { class: 'hint', id: 'token-hint' },
            'On the first start, ', h('code', { text: 'airlock up' }), ' prints the admin token. Anyone signed in can create more with ',
            h('code', { text: 'airlock token create' }), ' or on the Tokens page.')),
        errorSlot,
        button))));
  input.focus();
  return () => { cancelled = true; };
}

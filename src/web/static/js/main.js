// The dashboard shell: who is signed in, the top bar, and a small router that
// swaps pages without reloading (the runner answers every page path with this file).

import { api, describeError, setUnauthorizedHandler } from './api.js';
import { announce, h, replace } from './dom.js';
import { EnvironmentFeed } from './live.js';
import * as signin from './pages/signin.js';
import * as environments from './pages/environments.js';
import * as environment from './pages/environment.js';
import * as runner from './pages/runner.js';
import * as tokens from './pages/tokens.js';

const ROUTES = [
  { match: /^\/$/, page: environments, nav: '/' },
  { match: /^\/environments\/([^/]+)\/?$/, page: environment, nav: '/' },
  { match: /^\/runner\/?$/, page: runner, nav: '/runner' },
  { match: /^\/tokens\/?$/, page: tokens, nav: '/tokens' },
  { match: /^\/signin\/?$/, page: signin, public: true },
];

const NAV = [
  { href: '/', label: 'Environments' },
  { href: '/tokens', label: 'Tokens' },
  { href: '/runner', label: 'Runner' },
];

const state = {
  /** The signed-in user ({ name, role }) or null. */
  me: null,
  feed: new EnvironmentFeed(),
  unmount: undefined,
  firstRender: true,
};

const main = document.getElementById('main');
const topbar = document.getElementById('topbar');

/** Goes to a path inside the dashboard without reloading. */
export function navigate(path, { replace: replaceEntry = false } = {}) {
  if (replaceEntry) history.replaceState(null, '', path);
  else history.pushState(null, '', path);
  void render();
}

async function loadMe() {
  try {
    state.me = await api('GET', '/me', { quiet401: true });
  } catch {
    state.me = null;
  }
  return state.me;
}

/** Signs the browser out and shows the sign-in page. */
async function signOut() {
  state.feed.stop();
  try {
    await api('DELETE', '/auth/session', { quiet401: true });
  } catch (err) {
    console.warn('sign-out:', describeError(err));
  }
  state.me = null;
  navigate('/signin?signedout=1');
  announce('Signed out.');
}

function renderTopbar(route) {
  if (!state.me || route.public) {
    topbar.hidden = true;
    topbar.replaceChildren();
    return;
  }
  topbar.hidden = false;
  const status = h('span', { class: 'live-status', id: 'live-status' });
  const showMode = () => {
    const labels = { live: 'Live', connecting: 'Connecting…', polling: 'Updating every few seconds', stopped: 'Offline' };
    replace(status, h('span', { class: `live-dot live-${state.feed.mode}`, attrs: { 'aria-hidden': 'true' } }), labels[state.feed.mode] ?? state.feed.mode);
    status.title = state.feed.mode === 'live' ? 'Changes appear as they happen' : 'The live stream is not available; the list is refreshed every few seconds';
  };
  showMode();
  if (state.topbarModeOff) state.topbarModeOff();
  state.topbarModeOff = state.feed.subscribe((e) => { if (e.type === 'mode') showMode(); });
  replace(topbar,
    h('a', { class: 'brand', href: '/', dataset: { link: '' } },
      h('img', { src: '/assets/icon.svg', alt: '', width: 24, height: 24 }), 'Airlock'),
    h('nav', { class: 'nav', attrs: { 'aria-label': 'Main' } },
      h('ul', {}, NAV.map((item) => h('li', {},
        h('a', { href: item.href, dataset: { link: '' }, attrs: { 'aria-current': route.nav === item.href ? 'page' : undefined } }, item.label))))),
    h('div', { class: 'topbar-right' },
      status,
      h('span', { class: 'whoami' }, h('span', { class: 'visually-hidden' }, 'Signed in as '), state.me.name,
        state.me.role === 'admin' ? h('span', { class: 'role-tag', text: 'admin' }) : null),
      h('button', { type: 'button', class: 'button button-quiet', id: 'sign-out', text: 'Sign out', onclick: () => void signOut() })));
}

async function render() {
  const path = location.pathname;
  const route = ROUTES.find((r) => r.match.test(path));
  if (state.unmount) {
    try { state.unmount(); } catch (err) { console.error(err); }
    state.unmount = undefined;
  }
  if (!route) {
    renderTopbar({});
    replace(main, h('h1', { text: 'Page not found' }), h('p', {}, 'There is no dashboard page at this address. ', h('a', { href: '/', dataset: { link: '' } }, 'Go to your environments')));
    return;
  }
  if (!route.public && !state.me) {
    if (!(await loadMe())) {
      navigate(`/signin?next=${encodeURIComponent(path + location.search)}`, { replace: true });
      return;
    }
  }
  if (!route.public) state.feed.start();
  renderTopbar(route);
  main.replaceChildren();
  const params = route.match.exec(path).slice(1).map(decodeURIComponent);
  const ctx = {
    me: state.me,
    feed: state.feed,
    params,
    query: new URLSearchParams(location.search),
    navigate,
    loadMe,
    setTitle: (title) => { document.title = `${title} · Airlock`; },
  };
  state.unmount = route.page.mount(main, ctx) || undefined;
  // After a page change, move focus to the new heading so screen readers announce it.
  if (!state.firstRender) {
    const heading = main.querySelector('h1');
    if (heading) {
      heading.tabIndex = -1;
      heading.focus({ preventScroll: false });
    }
  }
  state.firstRender = false;
}

setUnauthorizedHandler(() => {
  if (location.pathname === '/signin') return;
  const wasSignedIn = state.me !== null;
  state.me = null;
  state.feed.stop();
  navigate(`/signin?next=${encodeURIComponent(location.pathname + location.search)}${wasSignedIn ? '&expired=1' : ''}`, { replace: true });
});

// Same-origin links marked data-link change page without a reload; others behave normally.
document.addEventListener('click', (e) => {
  if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
  const a = e.target instanceof Element ? e.target.closest('a[data-link]') : null;
  if (!a || a.target || a.origin !== location.origin) return;
  e.preventDefault();
  if (a.pathname + a.search !== location.pathname + location.search) navigate(a.pathname + a.search);
});
window.addEventListener('popstate', () => void render());

void render();

// The actions on one environment (open, start/stop, delete), shared by the list
// and the environment page, so both behave the same.

import { api, describeError } from './api.js';
import { announce, confirmDialog, h } from './dom.js';

// A failed environment can be stopped too, but starting it again is what people want.
const STARTABLE = new Set(['stopped', 'failed']);
const BUSY = new Set(['stopping', 'deleting', 'deleted']);

/**
 * Builds the action controls for an environment and returns them with an
 * `update(env)` that relabels them in place (focus stays on a control that
 * changes meaning, for example Stop turning into Start).
 */
export function envActions(initial, { feed, onError, onDeleted, compact = false }) {
  let env = initial;
  const label = (verb) => (compact ? `${verb} ${env.name}` : undefined);

  const open = h('a', { class: 'button button-small', target: '_blank', rel: 'noopener', dataset: { action: 'open' } }, 'Open');
  const toggle = h('button', { type: 'button', class: 'button button-small', dataset: { action: 'toggle' } });
  const remove = h('button', { type: 'button', class: 'button button-small button-danger-quiet', dataset: { action: 'delete' }, text: 'Delete' });

  const run = async (verb, path, method = 'POST') => {
    try {
      const updated = await api(method, `/environments/${encodeURIComponent(env.name)}${path}`);
      feed.upsert(updated);
      return true;
    } catch (err) {
      onError(`Could not ${verb} ${env.name}: ${describeError(err)}`);
      return false;
    }
  };

  toggle.addEventListener('click', async () => {
    if (toggle.getAttribute('aria-disabled') === 'true') return;
    const verb = toggle.dataset.verb;
    if (verb === 'stop') {
      if (await run('stop', '/stop')) announce(`Stopping ${env.name}.`);
    } else if (await run('start', '/start')) announce(`Starting ${env.name}.`);
  });

  remove.addEventListener('click', async () => {
    if (remove.getAttribute('aria-disabled') === 'true') return;
    const ok = await confirmDialog({
      title: `Delete ${env.name}?`,
      body: `This stops ${env.name} and deletes its home folder. Files kept there are lost. This cannot be undone.`,
      confirm: 'Delete',
      danger: true,
    });
    if (!ok) return;
    if (await run('delete', '', 'DELETE')) {
      announce(`Deleting ${env.name}.`);
      onDeleted?.(env);
    }
  });

  const update = (next) => {
    env = next;
    const running = env.state === 'running';
    if (running) {
      open.href = env.url;
      open.removeAttribute('aria-disabled');
      open.removeAttribute('tabindex');
    } else {
      open.removeAttribute('href');
      open.setAttribute('aria-disabled', 'true');
    }
    open.title = running ? `Open ${env.url} in a new tab` : 'Available while running';
    setLabel(open, label('Open') && `Open ${env.name} (new tab)`);

    const verb = STARTABLE.has(env.state) ? 'start' : 'stop';
    toggle.dataset.verb = verb;
    toggle.textContent = verb === 'start' ? 'Start' : 'Stop';
    const busy = BUSY.has(env.state);
    toggle.setAttribute('aria-disabled', String(busy));
    setLabel(toggle, label(verb === 'start' ? 'Start' : 'Stop'));

    remove.setAttribute('aria-disabled', String(env.state === 'deleting' || env.state === 'deleted'));
    setLabel(remove, label('Delete'));
  };
  update(env);
  return { nodes: [open, toggle, remove], update };
}

function setLabel(el, text) {
  if (text) el.setAttribute('aria-label', text);
  else el.removeAttribute('aria-label');
}

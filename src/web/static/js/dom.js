// Building the page from data without innerHTML: every value goes in as text,
// so nothing an API returns can become markup.

/**
 * Creates an element. `props`: `class`, `text`, `for`, `on<event>` handlers, `dataset`,
 * `attrs` (set as attributes), anything else set as a property. Children may be
 * nodes, strings, or null/false (skipped), nested in arrays.
 */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') el.className = value;
    else if (key === 'text') el.textContent = value;
    else if (key === 'for') el.htmlFor = value;
    else if (key === 'dataset') Object.assign(el.dataset, value);
    else if (key === 'attrs') for (const [a, v] of Object.entries(value)) { if (v !== undefined && v !== null && v !== false) el.setAttribute(a, v === true ? '' : String(v)); }
    else if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2).toLowerCase(), value);
    else el[key] = value;
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else el.append(child instanceof Node ? child : String(child));
  }
}

/** Replaces the content of `el`. */
export function replace(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

/** Says `message` to screen readers (polite: it waits for a pause). */
export function announce(message) {
  const region = document.getElementById('announcer');
  if (!region) return;
  // Clearing first makes a repeated message be read again.
  region.textContent = '';
  setTimeout(() => { region.textContent = message; }, 50);
}

const STATE_LABELS = {
  pending: 'Pending',
  starting: 'Starting',
  running: 'Running',
  stopping: 'Stopping',
  stopped: 'Stopped',
  deleting: 'Deleting',
  deleted: 'Deleted',
  failed: 'Failed',
};

/** A state badge: colour for a glance, the word for everyone (colour is never the only cue). */
export function stateBadge(state) {
  return h('span', { class: `badge badge-${state}`, dataset: { state } },
    h('span', { class: 'badge-dot', attrs: { 'aria-hidden': 'true' } }),
    STATE_LABELS[state] ?? state);
}

/** A small status badge for ok/failed/ready/degraded values. */
export function statusBadge(kind, label) {
  return h('span', { class: `badge badge-${kind}` }, h('span', { class: 'badge-dot', attrs: { 'aria-hidden': 'true' } }), label);
}

/**
 * Asks a yes/no question in a modal dialog (focus stays inside; Escape cancels).
 * Resolves true when the user confirms.
 */
export function confirmDialog({ title, body, confirm, danger = false }) {
  return new Promise((resolve) => {
    const opener = document.activeElement;
    const titleId = `dlg-${Math.random().toString(36).slice(2)}`;
    const cancelButton = h('button', { type: 'button', class: 'button', text: 'Cancel', onclick: () => dialog.close('cancel') });
    const confirmButton = h('button', { type: 'submit', class: danger ? 'button button-danger' : 'button button-primary', text: confirm, value: 'confirm' });
    const dialog = h('dialog', { class: 'dialog', attrs: { 'aria-labelledby': titleId } },
      h('form', { method: 'dialog' },
        h('h2', { id: titleId, text: title }),
        h('p', { text: body }),
        h('div', { class: 'dialog-actions' }, cancelButton, confirmButton)));
    dialog.addEventListener('close', () => {
      const ok = dialog.returnValue === 'confirm';
      dialog.remove();
      if (opener instanceof HTMLElement && opener.isConnected) opener.focus();
      resolve(ok);
    });
    document.body.append(dialog);
    dialog.showModal();
    // The safe choice has the focus, so a stray Enter does not delete anything.
    cancelButton.focus();
  });
}

/** An inline error message block (role=alert reads it out when it appears). */
export function errorBox(message) {
  return h('div', { class: 'notice notice-error', attrs: { role: 'alert' } }, message);
}

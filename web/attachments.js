// Attachments to a case or a child (docs/attachments.md): police reports,
// forensic interview summaries, photos of documents. The list (name, kind,
// size, who added it and when, a download link), and a form that sends the
// file as it is, with its progress shown. The server decides the kind by
// the file's content and keeps the file sealed; a download always saves
// the file, it never opens in the page.
//
// The case page (cases.js) and the child's page (person.js) each place
// one section; this file keeps its state, so a redraw of the page keeps
// the list and an upload under way.

import { api, clearFieldErrors, csrfTokenValue as csrfToken, field, formatShortTime, getConfig, h, markFieldErrors, problemText } from './common.js';

const kept = {}; // owner kind -> { id, sec, gen, write }

const maxBytes = () => ((getConfig() || {}).attachments || {}).max_bytes || 25 * 1024 * 1024;

/** A size as people read it: "25 MB", "2.5 MB", "195 KB", "100 bytes" (as the server's 413 says it). */
export function sizeText(n) {
  const mb = 1024 * 1024;
  if (n >= mb) return `${n % mb === 0 ? n / mb : Math.floor((n * 10) / mb) / 10} MB`;
  if (n >= 1024) return `${Math.floor(n / 1024)} KB`;
  return `${n} ${n === 1 ? 'byte' : 'bytes'}`;
}

const person = (u) => (u ? u.display_name || u.username : 'someone');

/**
 * The attachments section of a case (kind 'cases') or a child ('persons')
 * with id: the same element while the page stays on that record. write:
 * the user may attach files here now. level: the heading's level (2 on the
 * case page, 3 on the child's).
 */
export function attachmentsSection(kind, id, { write = false, level = 2 } = {}) {
  const k = kept[kind];
  if (k && k.id === String(id)) {
    if (k.write !== Boolean(write)) {
      k.write = Boolean(write);
      k.sec.querySelector('.attach-form-box').hidden = !k.write;
    }
    return k.sec;
  }
  const p = `at-${kind}`;
  const state = { id: String(id), gen: 0, write: Boolean(write), kind, p };
  state.sec = h('section', { id: `${p}`, className: `panel ${kind === 'cases' ? 'case-panel' : 'person-section'} attachments`, 'aria-labelledby': `${p}-heading` },
    h(`h${level}`, { id: `${p}-heading`, className: level === 3 ? 'section-title' : '', tabindex: '-1' }, 'Attachments'),
    h('p', { id: `${p}-status`, className: 'notice', role: 'status' }),
    h('div', { id: `${p}-error`, className: 'alert', role: 'alert' }),
    uploadBox(state),
    h('div', { id: `${p}-list` }, h('p', { className: 'hint' }, 'Loading the attachments…')));
  kept[kind] = state;
  load(state);
  return state.sec;
}

/** Forget the section of kind (the page left the record). */
export function clearAttachments(kind) {
  delete kept[kind];
}

function sayIn(state, which, text) {
  const el = state.sec.querySelector(`#${state.p}-${which}`);
  if (el) el.textContent = text || '';
}

async function load(state) {
  const g = ++state.gen;
  const box = state.sec.querySelector(`#${state.p}-list`);
  // Every file, a page of 500 at a time, each after the one before.
  const items = [];
  let after = null;
  do {
    const q = new URLSearchParams({ limit: '500' });
    if (after) q.set('after', after);
    const r = await api('GET', `/api/v1/${state.kind}/${state.id}/attachments?${q}`);
    if (g !== state.gen) return;
    if (!r.ok) {
      box.replaceChildren();
      sayIn(state, 'error', problemText(r, 'The attachments could not be loaded'));
      return;
    }
    items.push(...(r.body.items || []));
    after = r.body.next;
  } while (after);
  box.replaceChildren(list(state, items));
}

function list(state, items) {
  if (!items.length) return h('p', { className: 'none' }, 'No file attached yet.');
  return h('div', { className: 'table-wrap' }, h('table', { className: 'table stack attachments-table', id: `${state.p}-table` },
    h('caption', { className: 'sr-only' }, 'Files attached'),
    h('thead', {}, h('tr', {}, ['Name', 'Kind', 'Size', 'Added by', 'Added'].map((t) => h('th', { scope: 'col' }, t)))),
    h('tbody', {}, items.map((a) => h('tr', { dataset: { id: String(a.id) } },
      h('th', { scope: 'row', dataset: { label: 'Name' } },
        h('a', { href: a.href, download: a.download_name || a.name, className: 'attach-link' }, a.name, h('span', { className: 'sr-only' }, ' (download)')),
        a.description ? h('span', { className: 'sub' }, a.description) : null),
      h('td', { dataset: { label: 'Kind' } }, a.kind),
      h('td', { dataset: { label: 'Size' } }, sizeText(a.size)),
      h('td', { dataset: { label: 'Added by' } }, person(a.added_by)),
      h('td', { dataset: { label: 'Added' } }, formatShortTime(a.added_at)))))));
}

function uploadBox(state) {
  const { p } = state;
  const form = h('form', { className: 'form attach-form', id: `${p}-form`, novalidate: true },
    h('p', { className: 'hint' }, `A PDF document, a photo or picture, or plain text, up to ${sizeText(maxBytes())}. The file is kept sealed. Opening it saves a copy to the computer; it never shows in the page.`),
    field({ id: `${p}-file`, label: 'File', type: 'file', path: 'file', required: true }),
    field({ id: `${p}-description`, label: 'What it is', path: 'description', optional: true, hint: 'For example: police report of 3 December, interview summary.', attrs: { maxlength: 1000 } }),
    h('div', { className: 'attach-progress', id: `${p}-progress-box`, hidden: true },
      h('label', { for: `${p}-progress` }, 'Sending the file'),
      h('progress', { id: `${p}-progress`, max: 100, value: 0 }),
      h('span', { id: `${p}-progress-text`, className: 'sub' })),
    h('div', { className: 'actions' }, h('button', { type: 'submit', className: 'btn btn-primary', id: `${p}-submit` }, 'Attach the file')));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    send(state, form);
  });
  const box = h('details', { className: 'form-box attach-form-box' }, h('summary', {}, 'Attach a file'), form);
  box.hidden = !state.write;
  return box;
}

/** The request, with its upload's progress: resolves { ok, status, body } as api() does. */
function post(path, file, onProgress) {
  return new Promise((resolve) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', path);
    xhr.setRequestHeader('Accept', 'application/json, application/problem+json');
    xhr.setRequestHeader('Content-Type', 'application/octet-stream');
    const token = csrfToken();
    if (token) xhr.setRequestHeader('X-CSRF-Token', token);
    xhr.upload.addEventListener('progress', (e) => {
      if (e.lengthComputable) onProgress(e.loaded, e.total);
    });
    xhr.addEventListener('load', () => {
      let body = null;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        body = null;
      }
      resolve({ ok: xhr.status >= 200 && xhr.status < 300, status: xhr.status, body });
    });
    xhr.addEventListener('error', () => resolve({ ok: false, status: 0, body: null }));
    xhr.addEventListener('abort', () => resolve({ ok: false, status: 0, body: null }));
    xhr.send(file);
  });
}

async function send(state, form) {
  const { p } = state;
  clearFieldErrors(form);
  sayIn(state, 'error', '');
  sayIn(state, 'status', '');
  const input = form.querySelector(`#${p}-file`);
  const fileError = form.querySelector(`#${p}-file-error`);
  const file = input.files && input.files[0];
  if (!file) {
    fileError.textContent = 'Choose the file to attach.';
    input.setAttribute('aria-invalid', 'true');
    input.focus();
    return;
  }
  if (file.size > maxBytes()) {
    fileError.textContent = `This file is ${sizeText(file.size)}: the largest that can be attached is ${sizeText(maxBytes())}. Attach a smaller file.`;
    input.setAttribute('aria-invalid', 'true');
    input.focus();
    return;
  }
  const q = new URLSearchParams({ name: file.name });
  const description = form.querySelector(`#${p}-description`).value.trim();
  if (description) q.set('description', description);
  const button = form.querySelector(`#${p}-submit`);
  const bar = form.querySelector(`#${p}-progress`);
  const barText = form.querySelector(`#${p}-progress-text`);
  form.querySelector(`#${p}-progress-box`).hidden = false;
  bar.value = 0;
  barText.textContent = `0 of ${sizeText(file.size)}`;
  button.disabled = true;
  const r = await post(`/api/v1/${state.kind}/${state.id}/attachments?${q}`, file, (loaded, total) => {
    bar.value = total ? Math.round((loaded * 100) / total) : 0;
    barText.textContent = `${sizeText(loaded)} of ${sizeText(total)}`;
  });
  button.disabled = false;
  form.querySelector(`#${p}-progress-box`).hidden = true;
  if (r.ok) {
    form.reset();
    form.closest('details').open = false;
    sayIn(state, 'status', `Attached ${r.body.name} (${r.body.kind}, ${sizeText(r.body.size)}).`);
    load(state);
    return;
  }
  if (r.status === 422) {
    // The file's name comes with the file: its refusal goes beside the file.
    for (const x of (r.body && r.body.errors) || []) {
      if (x.field === 'name') Object.assign(x, { field: 'file', reason: `the file's name: ${x.reason}` });
    }
    const { first, loose } = markFieldErrors(form, r);
    if (loose.length) sayIn(state, 'error', loose.join(' '));
    (first && !first.closest('[hidden]') ? first : input).focus();
    return;
  }
  sayIn(state, 'error', problemText(r, 'The file was not attached'));
}

// A dialog that asks for the time of a one-click change to the record
// ("Mark the child located", "Mark done") and, for a correction, why the
// earlier time was wrong; and the buttons of those changes, with the
// corrections already made (docs/cases.md, "Corrections"). A real <dialog> opened as modal: focus goes to
// the time, Tab stays inside, Escape or Cancel closes it without a change,
// and focus goes back to the button that opened it. The dialog sends the
// change itself and stays open on a refusal, saying why beside the field.

import { api, clearFieldErrors, field, formatShortTime, fromLocalInput, h, markFieldErrors, problemText, toLocalInput } from './common.js';

let seq = 0;

/**
 * Asks for a time, then calls send({ at, reason }) until the server takes it.
 * opts: { title, intro, label, path (the API's name of the time), value (an
 * RFC 3339 time; default now), min (RFC 3339: the time may not be earlier),
 * minText (why), reasonLabel (asks for a reason when given), confirm (the
 * button's words), send }. Resolves to the answer that was taken, or null
 * when the person cancelled.
 */
export function askTime(opts) {
  const n = ++seq;
  const opener = document.activeElement;
  const timeId = `cd-at-${n}`;
  const reasonId = `cd-reason-${n}`;
  const errorBox = h('div', { id: `cd-error-${n}`, className: 'alert', role: 'alert' });
  const confirmButton = h('button', { type: 'submit', className: 'btn btn-primary' }, opts.confirm || 'Confirm');
  const cancelButton = h('button', { type: 'button', className: 'btn btn-secondary' }, 'Cancel');
  const form = h('form', { className: 'form', novalidate: true },
    h('h2', { id: `cd-title-${n}` }, opts.title),
    opts.intro ? h('p', { id: `cd-intro-${n}`, className: 'hint' }, opts.intro) : null,
    field({ id: timeId, label: opts.label, type: 'datetime-local', path: opts.path, required: true,
      value: toLocalInput(opts.value ? new Date(opts.value).getTime() : Date.now()),
      hint: opts.value ? 'The time recorded is filled in: change it to the correct time.' : 'Now is filled in: change it if it happened earlier.' }),
    opts.reasonLabel ? field({ id: reasonId, label: opts.reasonLabel, type: 'textarea', path: 'reason', required: true, rows: 2 }) : null,
    errorBox,
    h('div', { className: 'actions' }, confirmButton, cancelButton));
  const dialog = h('dialog', { className: 'dialog confirm-dialog', 'aria-labelledby': `cd-title-${n}`,
    'aria-describedby': opts.intro ? `cd-intro-${n}` : undefined }, form);
  document.body.append(dialog);

  return new Promise((resolve) => {
    let answer = null;
    const close = () => dialog.close();
    dialog.addEventListener('close', () => {
      dialog.remove();
      if (opener && opener.isConnected && typeof opener.focus === 'function') opener.focus();
      resolve(answer);
    });
    // Escape is the dialog's own cancel: nothing changes.
    cancelButton.addEventListener('click', close);
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      if (confirmButton.disabled) return;
      clearFieldErrors(form);
      errorBox.textContent = '';
      const input = form.querySelector(`#${timeId}`);
      const at = fromLocalInput(input.value);
      const reasonEl = form.querySelector(`#${reasonId}`);
      const reason = reasonEl ? reasonEl.value.trim() : undefined;
      const local = [];
      if (!at) local.push([opts.path, 'Give the date and time.']);
      else if (Date.parse(at) > Date.now() + 60000) local.push([opts.path, 'The time cannot be in the future.']);
      else if (opts.min && Date.parse(at) < Date.parse(opts.min)) local.push([opts.path, opts.minText || 'The time is too early.']);
      if (reasonEl && !reason) local.push(['reason', 'Say why the time is corrected.']);
      if (local.length) {
        const { first } = markFieldErrors(form, { body: { errors: local.map(([f, r]) => ({ field: f, reason: r })) } });
        errorBox.textContent = 'Nothing was saved yet. Correct the fields marked above.';
        if (first) first.focus();
        return;
      }
      confirmButton.disabled = true;
      const label = confirmButton.textContent;
      confirmButton.textContent = 'Saving…';
      const r = await opts.send({ at, reason });
      confirmButton.disabled = false;
      confirmButton.textContent = label;
      if (r.ok) {
        answer = r;
        close();
        return;
      }
      if (r.status === 422) {
        const { first, loose } = markFieldErrors(form, r);
        errorBox.textContent = `Nothing was saved. ${loose.join(' ')}${loose.length ? '' : 'Correct the fields marked above.'}`;
        if (first) first.focus();
        return;
      }
      errorBox.textContent = problemText(r, 'Nothing was saved');
      confirmButton.focus();
    });
    dialog.showModal();
    form.querySelector(`#${timeId}`).focus();
  });
}

function who(u) {
  return u ? (u.display_name || u.username || 'someone') : 'someone';
}

/** The corrections of a time, earliest first: what it was, what it became, who, when and why. */
export function correctionsList(list, words) {
  if (!list || !list.length) return null;
  return h('div', { className: 'corrections' }, list.map((c) => h('div', { className: 'correction' },
    h('p', {}, h('span', { className: 'badge badge-corrected' }, 'Corrected'),
      ` ${words} was ${formatShortTime(c.earlier_at)}, corrected to ${formatShortTime(c.corrected_to)} by ${who(c.corrected_by)} on ${formatShortTime(c.corrected_at)}.`),
    c.reason ? h('p', {}, `Why: ${c.reason}`) : null)));
}

function button(text, label, onClick) {
  const b = h('button', { type: 'button', className: 'btn btn-secondary btn-small correct-open', 'aria-label': label || undefined }, text);
  b.addEventListener('click', onClick);
  return b;
}

const LAST_SEEN = 'The child cannot be located before they were last seen.';

/**
 * A missing episode's buttons: "Mark the child located" (asks for the time,
 * now by default), or once located "Correct the located time" (asks for
 * the time and why), and the corrections made. onChanged(text) reloads.
 */
export function locatedActions(e, { caseId, onChanged }) {
  const path = `/api/v1/cases/${caseId}/missing-episodes/${e.id}`;
  if (!e.located_at) {
    return h('p', { className: 'located-actions' }, button('Mark the child located', null, async () => {
      const r = await askTime({ title: 'Mark the child located', label: 'Located at', path: 'located_at', min: e.last_seen_at, minText: LAST_SEEN,
        intro: `Missing since ${formatShortTime(e.last_seen_at)}. The debrief and the re-screen fall due from the time you confirm.`,
        confirm: 'Confirm: the child is located',
        send: ({ at }) => api('PATCH', path, { located_at: at }) });
      if (r) await onChanged('cp-missing', 'The child is located. The debrief and the re-screen are now due.');
    }));
  }
  return h('div', { className: 'located-actions' },
    correctionsList(e.corrections, 'Located time'),
    button('Correct the located time', null, async () => {
      const r = await askTime({ title: 'Correct the located time', label: 'Located at', path: 'located_at', value: e.located_at, min: e.last_seen_at,
        minText: LAST_SEEN, reasonLabel: 'Why the time is corrected', confirm: 'Save the corrected time',
        intro: `Recorded as ${formatShortTime(e.located_at)}. The earlier time is kept and shown; the debrief and re-screen deadlines move with the new time.`,
        send: ({ at, reason }) => api('POST', `${path}/corrections`, { located_at: at, reason }) });
      if (r) await onChanged('cp-missing', 'The located time is corrected. The earlier time is kept.');
    }));
}

/**
 * An action item's buttons: "Mark done" (asks for the time, now by
 * default), or once done "Correct the done time", and the corrections
 * made. review: the item's review ({ id, held_at }); onChanged(text).
 */
export function doneActions(item, { teamId, review, onChanged }) {
  const path = `/api/v1/teams/${teamId}/reviews/${review.id}/action-items/${item.id}`;
  const held = review.held_at;
  const minText = 'It cannot be done before the review that set it was held.';
  if (!item.done_at) {
    return h('p', { className: 'done-actions' }, button('Mark done', `Mark done: ${item.text}`, async () => {
      const r = await askTime({ title: 'Mark the action item done', label: 'Done at', path: 'done_at', min: held, minText,
        intro: item.text, confirm: 'Confirm: it is done',
        send: ({ at }) => api('PATCH', path, { done_at: at }) });
      if (r) await onChanged('tp-items', 'Action item done.');
    }));
  }
  return h('div', { className: 'done-actions' },
    correctionsList(item.corrections, 'Done time'),
    button('Correct the done time', `Correct the done time: ${item.text}`, async () => {
      const r = await askTime({ title: 'Correct the done time', label: 'Done at', path: 'done_at', value: item.done_at, min: held, minText,
        reasonLabel: 'Why the time is corrected', confirm: 'Save the corrected time',
        intro: `${item.text} Recorded as done ${formatShortTime(item.done_at)}. The earlier time is kept and shown; whether it was on time follows the new time.`,
        send: ({ at, reason }) => api('POST', `${path}/corrections`, { done_at: at, reason }) });
      if (r) await onChanged('tp-items', 'The done time is corrected. The earlier time is kept.');
    }));
}

// Closing a case and reopening it, on the case page. Closing asks for the
// closure reason (the agency's list, from GET /api/v1/config); when the
// case still has open duties or active referrals the server lists them,
// and the case closes only when the worker says why it closes all the
// same. Reopening, for those who may, asks why. docs/cases.md, "Closing
// and reopening".

import { api, busy, clearFieldErrors, field, formatShortTime, getConfig, h, markFieldErrors, problemText } from './common.js';

const reasons = () => ((getConfig() || {}).case_closure_reasons || []).map((r) => [r.id, r.name]);

function errorsInto(form, box, r, what) {
  const { first, loose } = markFieldErrors(form, r);
  if (first) first.focus();
  if (r.status !== 422 || loose.length) box.textContent = loose.length ? loose.join(' ') : problemText(r, what);
}

/** The open work a refused closing listed, in words. */
function openWork(body) {
  const duties = Array.isArray(body.duties) ? body.duties : [];
  const refs = Array.isArray(body.referrals) ? body.referrals : [];
  return h('div', { className: 'open-work', id: 'close-open-work' },
    h('p', { className: 'open-work-lead' }, 'This case still has open work:'),
    h('ul', {},
      duties.map((d) => h('li', {}, `Duty: ${d.name || d.kind}, due ${formatShortTime(d.due_at)}`)),
      refs.map((x) => h('li', {}, `Referral ${x.number} to ${x.provider} (${x.status})`))),
    h('p', { className: 'hint' }, 'Meet or end them first, or say below why the case closes all the same.'));
}

/** The form that closes kase; cancel() puts the status buttons back. */
export function closeForm(kase, { reload, cancel }) {
  const err = h('div', { className: 'alert', role: 'alert', id: 'close-error' });
  const anyway = field({ id: 'close-anyway', label: 'Why it closes all the same', type: 'textarea', path: 'close_anyway', rows: 3,
    hint: 'Kept, sealed, on the case\'s timeline.' });
  anyway.hidden = true;
  const work = h('div', {});
  const form = h('form', { className: 'form close-form', id: 'case-close-form', novalidate: true, 'aria-labelledby': 'close-heading' },
    h('h3', { id: 'close-heading' }, `Close case ${kase.number}`),
    h('p', { className: 'hint' }, 'A closed case takes no change until it is reopened; a new episode is a new case.'),
    err,
    field({ id: 'close-reason', label: 'Closure reason', type: 'select', path: 'closure_reason', required: true,
      options: [['', 'Choose a reason'], ...reasons()] }),
    work, anyway,
    h('div', { className: 'actions' },
      h('button', { type: 'submit', className: 'btn btn-caution', id: 'close-go' }, 'Close the case'),
      h('button', { type: 'button', className: 'btn btn-secondary', id: 'close-cancel' }, 'Cancel')));
  form.querySelector('#close-cancel').addEventListener('click', cancel);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearFieldErrors(form);
    err.textContent = '';
    const reason = form.querySelector('#close-reason').value;
    const why = form.querySelector('#close-anyway').value.trim();
    if (!reason) {
      errorsInto(form, err, { status: 422, body: { errors: [{ field: 'closure_reason', reason: 'Choose why the case is closed.' }] } });
      return;
    }
    const body = { version: kase.version, status: 'closed', closure_reason: reason };
    if (!anyway.hidden) {
      if (!why) {
        errorsInto(form, err, { status: 422, body: { errors: [{ field: 'close_anyway', reason: 'Say why the case closes with work still open.' }] } });
        return;
      }
      body.close_anyway = why;
    }
    const done = busy(form.querySelector('#close-go'), 'Closing…');
    const r = await api('PATCH', `/api/v1/cases/${kase.id}`, body);
    done();
    if (r.ok) {
      await reload('The case is closed.');
      return;
    }
    if (r.status === 409 && r.body && r.body.type === 'urn:hartline:problem:open-work') {
      work.replaceChildren(openWork(r.body));
      anyway.hidden = false;
      form.querySelector('#close-go').textContent = 'Close it all the same';
      form.querySelector('#close-anyway').focus();
      return;
    }
    errorsInto(form, err, r, 'The case was not closed');
  });
  return form;
}

/** The form that reopens a closed case. */
export function reopenForm(kase, { reload }) {
  const err = h('div', { className: 'alert', role: 'alert', id: 'reopen-error' });
  const form = h('form', { className: 'form reopen-form', id: 'case-reopen-form', novalidate: true },
    err,
    field({ id: 'reopen-reason', label: 'Why the case opens again', type: 'textarea', path: 'reason', rows: 2, required: true }),
    h('div', { className: 'actions' }, h('button', { type: 'submit', className: 'btn btn-secondary', id: 'reopen-go' }, 'Reopen the case')));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearFieldErrors(form);
    err.textContent = '';
    const reason = form.querySelector('#reopen-reason').value.trim();
    if (!reason) {
      errorsInto(form, err, { status: 422, body: { errors: [{ field: 'reason', reason: 'Say why the case opens again.' }] } });
      return;
    }
    const done = busy(form.querySelector('#reopen-go'), 'Reopening…');
    const r = await api('POST', `/api/v1/cases/${kase.id}/reopen`, { version: kase.version, reason });
    done();
    if (r.ok) await reload('The case is open again.');
    else errorsInto(form, err, r, 'The case was not reopened');
  });
  return h('details', { className: 'form-box', id: 'case-reopen' }, h('summary', {}, 'Reopen the case'), form);
}

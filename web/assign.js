// Who works a case, on the case page: the lead and the workers, a form to
// set or change the lead and one to add a worker (the people offered are
// those the server says may work the case), a button to take a worker off,
// and the history of every assignment. docs/cases.md, "Assignment".

import { api, busy, clearFieldErrors, field, formatShortTime, h, markFieldErrors, problemText } from './common.js';

const who = (u) => (u ? u.display_name || u.username || `User ${u.id}` : '');

/** Everyone who may work case id, fetched page by page. */
async function assignable(id) {
  const out = [];
  let after = '';
  for (let i = 0; i < 20; i++) {
    const r = await api('GET', `/api/v1/cases/${id}/assignable?limit=500${after ? `&after=${encodeURIComponent(after)}` : ''}`);
    if (!r.ok || !r.body) return { error: r };
    out.push(...r.body.items);
    if (!r.body.next) break;
    after = r.body.next;
  }
  return { people: out };
}

const roleWords = { hart: 'HART', liaison: 'liaison', mdt: 'MDT member' };
const optionText = (p) => `${who(p)} (${roleWords[p.role] || p.role}${p.scope && p.role === 'liaison' ? ` ${p.scope}` : ''})`;

/**
 * The "Who works this case" section. kase: the case as read; write: the
 * reader may change it; reload(flash): read the case again and draw it,
 * then say flash in this section.
 */
export function assignPanel(kase, { write, reload }) {
  const current = (kase.assignments || []).filter((a) => a.current);
  const past = (kase.assignments || []).filter((a) => !a.current);
  const lead = current.find((a) => a.role === 'lead');
  const workers = current.filter((a) => a.role === 'worker');
  const open = write && kase.status !== 'closed';

  const workerItem = (a) => h('li', { className: 'assign-person' },
    h('span', {}, who(a.user), h('span', { className: 'sub' }, ` since ${formatShortTime(a.started_at)}`)),
    open ? h('button', { type: 'button', className: 'btn btn-secondary btn-small', dataset: { unassign: String(a.id) },
      'aria-label': `Take ${who(a.user)} off this case` }, 'Take off') : null);

  const leadForm = h('form', { className: 'form inline-form assign-form', dataset: { assign: 'lead' }, novalidate: true },
    field({ id: 'as-lead', label: lead ? 'New lead' : 'Lead', type: 'select', path: 'user_id', options: [['', 'Loading…']],
      hint: 'A HART coordinator or a liaison of the case\'s region. The case\'s duties go to the lead.' }),
    h('div', { className: 'actions' }, h('button', { type: 'submit', className: 'btn btn-primary btn-small' }, lead ? 'Change the lead' : 'Set the lead')));
  const workerForm = h('form', { className: 'form inline-form assign-form', dataset: { assign: 'worker' }, novalidate: true },
    field({ id: 'as-worker', label: 'Add a worker', type: 'select', path: 'user_id', options: [['', 'Loading…']],
      hint: 'Anyone who may read the case: HART, a liaison of its region, or a member of a team that reviews it.' }),
    h('div', { className: 'actions' }, h('button', { type: 'submit', className: 'btn btn-secondary btn-small' }, 'Add the worker')));

  const sec = h('section', { id: 'cp-assign', className: 'panel case-panel cp-assign', 'aria-labelledby': 'cp-assign-heading' },
    h('h2', { id: 'cp-assign-heading', tabindex: '-1' }, 'Who works this case'),
    h('p', { id: 'cp-assign-status', className: 'notice', role: 'status' }),
    h('div', { id: 'cp-assign-error', className: 'alert', role: 'alert' }),
    h('dl', { className: 'facts assign-facts' },
      h('div', {}, h('dt', {}, 'Lead'), h('dd', { id: 'assign-lead' }, lead ? h('span', {}, who(lead.user),
        h('span', { className: 'sub' }, `since ${formatShortTime(lead.started_at)}`)) : h('span', { className: 'none' }, 'No lead yet'))),
      h('div', {}, h('dt', {}, 'Workers'), h('dd', {}, workers.length
        ? h('ul', { className: 'assign-list', id: 'assign-workers' }, workers.map(workerItem))
        : h('span', { className: 'none' }, 'No workers yet')))),
    open ? h('details', { className: 'form-box', id: 'assign-change' },
      h('summary', {}, lead ? 'Change the lead or add a worker' : 'Set the lead or add a worker'), leadForm, workerForm) : null,
    past.length ? h('details', { className: 'form-box assign-history' },
      h('summary', {}, `Earlier assignments (${past.length})`),
      h('ul', { className: 'assign-list' }, past.map((a) => h('li', {},
        `${a.role === 'lead' ? 'Lead' : 'Worker'}: ${who(a.user)}, ${formatShortTime(a.started_at)} to ${formatShortTime(a.ended_at)}`,
        a.ended_by ? h('span', { className: 'sub' }, ` (changed by ${who(a.ended_by)})`) : null)))) : null);

  const say = (id, text) => { const el = sec.querySelector(`#${id}`); if (el) el.textContent = text; };
  let filled = false;
  async function fill() {
    if (filled) return;
    filled = true;
    const got = await assignable(kase.id);
    if (got.error) {
      say('cp-assign-error', problemText(got.error, 'The people who may work the case could not be loaded'));
      return;
    }
    const taken = new Set(current.map((a) => a.user.id));
    const opts = (sel, list) => sel.replaceChildren(h('option', { value: '' }, 'Choose a person'),
      ...list.map((p) => h('option', { value: String(p.id) }, optionText(p))));
    opts(leadForm.querySelector('select'), got.people.filter((p) => p.may_lead && (!lead || p.id !== lead.user.id)));
    opts(workerForm.querySelector('select'), got.people.filter((p) => !taken.has(p.id)));
  }
  sec.addEventListener('toggle', (e) => { if (e.target.id === 'assign-change' && e.target.open) fill(); }, true);

  sec.addEventListener('submit', async (e) => {
    const form = e.target.closest('form[data-assign]');
    if (!form) return;
    e.preventDefault();
    clearFieldErrors(form);
    say('cp-assign-error', '');
    const sel = form.querySelector('select');
    const role = form.dataset.assign;
    if (!sel.value) {
      markFieldErrors(form, { body: { errors: [{ field: 'user_id', reason: 'Choose a person from the list.' }] } });
      sel.focus();
      return;
    }
    const name = sel.selectedOptions[0].textContent.replace(/ \(.*$/, '');
    const done = busy(form.querySelector('button[type="submit"]'), 'Saving…');
    const r = await api('POST', `/api/v1/cases/${kase.id}/assignments`, { user_id: Number(sel.value), role });
    done();
    if (r.ok) {
      await reload(role === 'lead' ? `${name} now leads the case; its duties are theirs.` : `${name} now works the case.`);
      return;
    }
    const { first, loose } = markFieldErrors(form, r);
    if (first) first.focus();
    if (r.status !== 422 || loose.length) say('cp-assign-error', loose.length ? loose.join(' ') : problemText(r, 'The assignment was not saved'));
  });

  sec.addEventListener('click', async (e) => {
    const b = e.target.closest('button[data-unassign]');
    if (!b || b.disabled) return;
    say('cp-assign-error', '');
    const done = busy(b, 'Saving…');
    const r = await api('DELETE', `/api/v1/cases/${kase.id}/assignments/${b.dataset.unassign}`);
    done();
    if (r.ok) await reload('The worker was taken off the case.');
    else say('cp-assign-error', problemText(r, 'The worker was not taken off'));
  });
  return sec;
}

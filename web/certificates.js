// Training certificates and the train-the-trainer cascade.
//
// #certificate/ID: a certificate as a page to print (name, course, hours,
// date, expiry, the verification code, the public address to check it and
// its QR code); opening it is recorded in the audit trail as a print.
// Those who keep training (training.manage) may revoke it here, with a
// reason.
// #trainers: every certified trainer, the sessions they led and the people
// they reached; #trainer/ID: one trainer's cascade, two levels deep, as a
// list and as a picture.

import { $, api, busy, formatDate, getConfig, h, problemText, say } from './common.js';

const SVG = 'http://www.w3.org/2000/svg';

let ctx = { can: () => false };
let generation = 0;

const STATUS_WORDS = { valid: 'Valid', expired: 'Expired', revoked: 'Revoked' };

export function initCertificates(context) {
  ctx = { ...ctx, ...context };
  $('certificate-view').replaceChildren(
    h('section', { className: 'panel cert-controls', 'aria-labelledby': 'certificate-heading' },
      h('div', { className: 'panel-head' },
        h('h2', { id: 'certificate-heading', tabindex: '-1' }, 'Certificate'),
        h('a', { className: 'btn btn-secondary btn-small', href: '#training', id: 'certificate-back' }, 'Training')),
      h('p', { className: 'hint' }, 'Opening this page is recorded in the audit trail as a print of the certificate.'),
      h('div', { id: 'certificate-error', className: 'alert', role: 'alert' }),
      h('p', { id: 'certificate-status', className: 'notice', role: 'status' }),
      h('div', { className: 'actions' },
        h('button', { type: 'button', id: 'certificate-print', className: 'btn btn-primary' }, 'Print')),
      h('form', { id: 'certificate-revoke-form', className: 'form', novalidate: true, hidden: true },
        h('div', { className: 'field', dataset: { field: 'reason' } },
          h('label', { for: 'certificate-reason' }, 'Why revoke this certificate?'),
          h('p', { id: 'certificate-reason-hint', className: 'field-hint' },
            'Anyone who checks the code will then read "Not valid: this certificate was revoked". The reason stays here, sealed.'),
          h('textarea', { id: 'certificate-reason', name: 'reason', rows: '2', maxlength: '500',
            'aria-describedby': 'certificate-reason-hint certificate-reason-error' }),
          h('p', { id: 'certificate-reason-error', className: 'field-error' })),
        h('div', { className: 'actions' },
          h('button', { type: 'submit', id: 'certificate-revoke', className: 'btn btn-caution' }, 'Revoke the certificate')))),
    h('article', { id: 'certificate-doc', className: 'cert-doc', 'aria-labelledby': 'certificate-heading' }));
  $('certificate-print').addEventListener('click', () => window.print());
  $('certificate-revoke-form').addEventListener('submit', revoke);

  $('trainers-view').replaceChildren(
    h('section', { className: 'panel', 'aria-labelledby': 'trainers-heading' },
      h('div', { className: 'panel-head' }, h('h2', { id: 'trainers-heading', tabindex: '-1' }, 'Trainers')),
      h('p', { className: 'hint' },
        'Everyone who holds a valid train-the-trainer certificate, the sessions they led and the people who attended them.'),
      h('div', { id: 'trainers-error', className: 'alert', role: 'alert' }),
      h('p', { id: 'trainers-status', className: 'notice', role: 'status' }),
      h('div', { id: 'trainers-list' })));
  $('trainer-view').replaceChildren(
    h('section', { className: 'panel', 'aria-labelledby': 'trainer-heading' },
      h('div', { className: 'panel-head' },
        h('h2', { id: 'trainer-heading', tabindex: '-1' }, 'Trainer'),
        h('a', { className: 'btn btn-secondary btn-small', href: '#trainers' }, 'All trainers')),
      h('div', { id: 'trainer-error', className: 'alert', role: 'alert' }),
      h('div', { id: 'trainer-body' })));
}

export function clearCertificates() {
  generation++;
  for (const id of ['certificate-doc', 'trainers-list', 'trainer-body']) $(id)?.replaceChildren();
}

function placeSvg(target, svgText) {
  const doc = new DOMParser().parseFromString(svgText || '', 'image/svg+xml');
  const root = doc.documentElement;
  if (!root || root.nodeName !== 'svg' || doc.getElementsByTagName('parsererror').length) return false;
  target.replaceChildren(document.importNode(root, true));
  return true;
}

function hoursText(n) {
  if (typeof n !== 'number') return '';
  return `${n} hour${n === 1 ? '' : 's'}`;
}

/** The address to check a code: the server's, made absolute on this site when it is a path. */
function checkAddress(url) {
  return url && url.startsWith('/') ? `${location.origin}${url}` : (url || '');
}

function certificateDoc(c) {
  const qr = h('div', { className: 'cert-qr' });
  const url = checkAddress(c.verify_url);
  const doc = [
    h('p', { className: 'cert-kicker' }, 'Certificate of completion'),
    h('p', { className: 'cert-name', id: 'certificate-name' }, c.name || ''),
    h('p', null, 'completed'),
    h('p', { className: 'cert-course' }, c.course_name || c.course),
    h('dl', { className: 'facts cert-facts' },
      h('div', null, h('dt', null, 'Hours'), h('dd', null, hoursText(c.hours))),
      h('div', null, h('dt', null, 'Completed on'), h('dd', null, formatDate(c.completed_on))),
      h('div', null, h('dt', null, 'Valid until'), h('dd', null, c.expires_at ? formatDate(c.expires_at) : 'Does not expire')),
      c.organisation ? h('div', null, h('dt', null, 'Organisation'), h('dd', null, c.organisation)) : null,
      h('div', null, h('dt', null, 'Status'), h('dd', { id: 'certificate-state' }, STATUS_WORDS[c.status] || c.status))),
    h('div', { className: 'cert-check' },
      qr,
      h('div', null,
        h('p', null, 'Verification code'),
        h('p', { className: 'cert-code', id: 'certificate-code' }, c.code),
        h('p', null, 'Anyone can check this certificate at'),
        h('p', { className: 'cert-url', id: 'certificate-url' }, url))),
  ];
  $('certificate-doc').replaceChildren(...doc);
  // The server's QR code is of its own address; drawn here only when it is whole.
  if (!placeSvg(qr, c.qr_svg)) qr.remove();
}

export async function showCertificatePrint(id) {
  const gen = ++generation;
  say('certificate-error', '');
  say('certificate-status', '');
  $('certificate-doc').replaceChildren(h('p', { className: 'hint' }, 'Loading…'));
  $('certificate-revoke-form').hidden = true;
  const r = await api('GET', `/api/v1/training/certificates/${id}/print`);
  if (gen !== generation) return;
  if (!r.ok) {
    $('certificate-doc').replaceChildren();
    say('certificate-error', r.status === 404 ? 'There is no such certificate, or it is not yours to see.' : problemText(r, 'The certificate could not be opened'));
    return;
  }
  certificateDoc(r.body);
  $('certificate-heading').textContent = `Certificate ${r.body.code}`;
  $('certificate-back').href = `#training/trainee/${r.body.trainee_id}`;
  $('certificate-back').textContent = 'Back to the training record';
  $('certificate-revoke-form').dataset.id = String(r.body.id);
  $('certificate-revoke-form').hidden = !ctx.can('training.manage') || r.body.status === 'revoked';
  if (r.body.status === 'revoked') say('certificate-status', 'This certificate was revoked: it answers "not valid" to anyone who checks it.');
}

async function revoke(e) {
  e.preventDefault();
  const form = $('certificate-revoke-form');
  const reason = $('certificate-reason').value.trim();
  $('certificate-reason-error').textContent = '';
  $('certificate-reason').removeAttribute('aria-invalid');
  if (!reason) {
    $('certificate-reason-error').textContent = 'Say why this certificate is revoked.';
    $('certificate-reason').setAttribute('aria-invalid', 'true');
    $('certificate-reason').focus();
    return;
  }
  const gen = generation;
  const done = busy($('certificate-revoke'), 'Revoking…');
  const r = await api('POST', `/api/v1/training/certificates/${form.dataset.id}/revoke`, { reason });
  if (gen !== generation) return;
  done();
  if (!r.ok) {
    const field = r.status === 422 && r.body && Array.isArray(r.body.errors) && r.body.errors.find((x) => x.field === 'reason');
    if (field) {
      $('certificate-reason-error').textContent = field.message || 'Say why this certificate is revoked.';
      $('certificate-reason').setAttribute('aria-invalid', 'true');
      $('certificate-reason').focus();
    } else say('certificate-error', problemText(r, 'The certificate was not revoked'));
    return;
  }
  $('certificate-reason').value = '';
  form.hidden = true;
  $('certificate-state').textContent = STATUS_WORDS.revoked;
  say('certificate-status', 'Revoked: the certificate now answers "not valid" to anyone who checks it.');
}

// ---------------------------------------------------------------- trainers

/** A person trained, by name, else by number (a name never recorded). */
function personName(t) {
  return t.name || `Person trained no. ${t.trainee_id}`;
}

/** A course's name from the pack, else its id. */
function courseName(id) {
  const c = (getConfig()?.courses || []).find((x) => x.id === id);
  return c ? c.name : id;
}

function countText(n, one, many) {
  return `${n} ${n === 1 ? one : many}`;
}

export async function showTrainers() {
  const gen = ++generation;
  say('trainers-error', '');
  say('trainers-status', 'Loading…');
  // Every trainer, a page of 500 at a time, each after the one before.
  const list = [];
  let after = null;
  do {
    const q = new URLSearchParams({ limit: '500' });
    if (after) q.set('after', after);
    const r = await api('GET', `/api/v1/training/trainers?${q}`);
    if (gen !== generation) return;
    if (!r.ok) {
      say('trainers-status', '');
      say('trainers-error', problemText(r, 'The trainers could not be listed'));
      return;
    }
    list.push(...(r.body.items || []));
    after = r.body.next;
  } while (after);
  say('trainers-status', '');
  if (!list.length) {
    $('trainers-list').replaceChildren(h('p', { className: 'empty' }, 'No one holds a valid train-the-trainer certificate yet.'));
    return;
  }
  $('trainers-list').replaceChildren(h('div', { className: 'table-wrap' },
    h('table', { className: 'list', id: 'trainers-table' },
      h('caption', { className: 'sr-only' }, 'Certified trainers and their reach'),
      h('thead', null, h('tr', null, ['Trainer', 'Organisation', 'Sessions led', 'People reached', 'Trainers they trained',
        'Reached through them'].map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', null, list.map((t) => h('tr', null,
        h('th', { scope: 'row' }, h('a', { href: `#trainer/${t.trainee_id}` }, personName(t))),
        h('td', null, t.organisation || ''),
        h('td', null, String(t.sessions)),
        h('td', null, String(t.reached)),
        h('td', null, String((t.trainers_reached || []).length)),
        h('td', null, String(t.reached_second_level))))))));
}

function svgEl(tag, attrs, text) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  if (text !== undefined) el.textContent = text;
  return el;
}

/** The cascade as a picture: the trainer, the people reached, and the trainers among them with their own reach. */
export function cascadeSvg(t) {
  const next = t.trainers_reached || [];
  const rows = Math.max(1, next.length);
  const height = 40 + rows * 56;
  const svg = svgEl('svg', { xmlns: SVG, viewBox: `0 0 640 ${height}`, width: '100%', role: 'img', 'aria-labelledby': 'cascade-title', class: 'cascade-svg' });
  svg.append(svgEl('title', { id: 'cascade-title' },
    `${t.name || 'This trainer'} reached ${countText(t.reached, 'person', 'people')}; ${countText(next.length, 'of them became a trainer', 'of them became trainers')}, reaching ${countText(t.reached_second_level, 'more person', 'more people')}.`));
  const box = (x, y, w, label, sub, cls) => {
    const g = svgEl('g', { class: cls });
    g.append(svgEl('rect', { x, y, width: w, height: 44, rx: 8 }));
    g.append(svgEl('text', { x: x + 10, y: y + 18 }, label));
    g.append(svgEl('text', { x: x + 10, y: y + 36, class: 'cascade-sub' }, sub));
    return g;
  };
  const topY = 20 + ((rows - 1) * 56) / 2;
  svg.append(box(10, topY, 190, personName(t), `${countText(t.reached, 'person', 'people')} reached`, 'cascade-root'));
  next.forEach((n, i) => {
    const y = 20 + i * 56;
    svg.append(svgEl('line', { x1: 200, y1: topY + 22, x2: 240, y2: y + 22, class: 'cascade-edge' }));
    svg.append(box(240, y, 190, n.withheld ? 'A trainer elsewhere' : personName(n), `${countText(n.sessions, 'session', 'sessions')} led`, 'cascade-node'));
    svg.append(svgEl('line', { x1: 430, y1: y + 22, x2: 460, y2: y + 22, class: 'cascade-edge' }));
    svg.append(box(460, y, 170, countText(n.reached, 'person', 'people'), 'reached by them', 'cascade-leaf'));
  });
  if (!next.length) svg.append(svgEl('text', { x: 240, y: topY + 28, class: 'cascade-sub' }, 'No one they reached is a trainer yet.'));
  return svg;
}

export async function showTrainer(id) {
  const gen = ++generation;
  say('trainer-error', '');
  $('trainer-body').replaceChildren(h('p', { className: 'hint' }, 'Loading…'));
  const r = await api('GET', `/api/v1/training/trainers/${id}`);
  if (gen !== generation) return;
  if (!r.ok) {
    $('trainer-body').replaceChildren();
    say('trainer-error', r.status === 404 ? 'This person holds no valid train-the-trainer certificate, or is not yours to see.' : problemText(r, 'The trainer could not be opened'));
    return;
  }
  const t = r.body;
  $('trainer-heading').textContent = personName(t);
  const sessions = t.sessions || [];
  const next = t.trainers_reached || [];
  $('trainer-body').replaceChildren(
    h('p', { id: 'trainer-summary' },
      `Led ${countText(sessions.length, 'session', 'sessions')} and reached ${countText(t.reached, 'person', 'people')}. `
      + `${countText(next.length, 'of them is', 'of them are')} now a certified trainer, reaching ${countText(t.reached_second_level, 'more person', 'more people')}.`),
    h('figure', { className: 'cascade-figure' }, cascadeSvg(t)),
    h('h3', null, 'Sessions led'),
    sessions.length
      ? h('ul', { className: 'plain-list', id: 'trainer-sessions' }, sessions.map((s) =>
        h('li', null, `${s.number} · ${courseName(s.course)} · ${formatDate(s.starts_at)} · ${countText(s.attended, 'attended', 'attended')}`)))
      : h('p', { className: 'empty' }, 'No sessions led yet.'),
    h('h3', null, 'Trainers they trained'),
    next.length
      ? h('ul', { className: 'plain-list', id: 'trainer-next' }, next.map((n) => h('li', null,
        n.withheld ? 'A trainer of another organisation' : h('a', { href: `#trainer/${n.trainee_id}` }, personName(n)),
        ` · ${countText(n.sessions, 'session', 'sessions')} led · ${countText(n.reached, 'person', 'people')} reached`)))
      : h('p', { className: 'empty' }, 'None yet.'));
}

// The admin page's "Check a settings file": an administrator chooses a new
// jurisdiction settings file (or pastes its text) and sees, before any
// restart, either every problem with where it is, or what the file defines
// and how it differs from the settings the server runs: each change, and
// each value in use it would remove or rename, with its uses (a restart
// with such a file is refused). POST /api/v1/config/validate; it changes
// nothing on the server.

import { $, api, busy, h, problemText, say } from './common.js';

// What the file defines, in the order and the words of the page.
const COUNTS = [
  ['regions', 'region', 'regions'],
  ['offices', 'office', 'offices'],
  ['towns', 'town', 'towns'],
  ['referral_sources', 'referral source', 'referral sources'],
  ['vulnerabilities', 'concern', 'concerns'],
  ['trafficking_types', 'trafficking type', 'trafficking types'],
  ['services', 'service', 'services'],
  ['deadlines', 'deadline', 'deadlines'],
  ['instruments', 'screening instrument', 'screening instruments'],
  ['dispositions', 'decision', 'decisions'],
  ['mdt_roles', 'MDT role', 'MDT roles'],
  ['emergency_departments', 'emergency department', 'emergency departments'],
  ['training_audiences', 'training audience', 'training audiences'],
  ['courses', 'course', 'courses'],
];

let source = 'file'; // what the last change was: a chosen file or pasted text
let generation = 0;

export function initSettingsCheck() {
  $('scheck-form').addEventListener('submit', (e) => {
    e.preventDefault();
    check();
  });
  $('scheck-file').addEventListener('change', () => {
    source = 'file';
    if ($('scheck-file').files.length) check();
  });
  $('scheck-text').addEventListener('input', () => {
    source = 'text';
  });
  $('scheck-clear').addEventListener('click', () => {
    clearSettingsCheck();
    $('scheck-file').focus();
  });
}

/** Forgets the file and what its check showed (at logout, or "Start again"). */
export function clearSettingsCheck() {
  generation++;
  $('scheck-form').reset();
  source = 'file';
  say('scheck-error', '');
  say('scheck-status', '');
  $('scheck-status').className = 'notice';
  $('scheck-result').replaceChildren();
}

async function readInput() {
  const file = $('scheck-file').files[0];
  const text = $('scheck-text').value;
  if (file && (source === 'file' || !text.trim())) return { text: await file.text(), name: file.name };
  if (text.trim()) return { text, name: 'The pasted text' };
  return null;
}

async function check() {
  const gen = ++generation;
  say('scheck-error', '');
  say('scheck-status', '');
  $('scheck-result').replaceChildren();
  let input;
  try {
    input = await readInput();
  } catch {
    say('scheck-error', 'The file could not be read. Choose it again.');
    return;
  }
  if (!input) {
    say('scheck-error', 'Choose a jurisdiction settings file, or paste its text, then check it.');
    $('scheck-file').focus();
    return;
  }
  let doc;
  try {
    doc = JSON.parse(input.text);
  } catch {
    say('scheck-error', `${input.name} is not a jurisdiction settings file that can be read: look for a missing comma, quote mark or bracket, or choose the file again.`);
    return;
  }
  const done = busy($('scheck-go'), 'Checking…');
  const r = await api('POST', '/api/v1/config/validate', doc);
  done();
  if (gen !== generation) return;
  if (r.ok) showValid(input.name, r.body);
  else if (r.status === 422 && r.body && Array.isArray(r.body.errors)) showProblems(input.name, r.body.errors);
  else if (r.status === 413) say('scheck-error', `${input.name} is larger than the server takes.`);
  else if (r.status !== 401) say('scheck-error', problemText(r, 'The settings could not be checked'));
}

function plural(n, one, many) {
  return `${n} ${n === 1 ? one : many}`;
}

function status(text, ok) {
  $('scheck-status').className = ok ? 'notice' : 'alert';
  say('scheck-status', text);
}

function showProblems(name, errors) {
  status(`${name}: ${plural(errors.length, 'problem', 'problems')}. The server would not start with these settings: fix each one and check again.`, false);
  const rows = errors.map((e) => h('tr', {},
    h('td', { className: 'scheck-path', dataset: { label: 'Where' } }, h('code', {}, e.field || '(the whole file)')),
    h('td', { dataset: { label: 'Problem' } }, e.reason || '')));
  $('scheck-result').replaceChildren(
    h('h3', { id: 'scheck-problems-heading' }, 'Problems'),
    h('div', { className: 'table-wrap', tabindex: '0', role: 'region', 'aria-labelledby': 'scheck-problems-heading' },
      h('table', { id: 'scheck-problems', className: 'table stack' },
        h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Where'), h('th', { scope: 'col' }, 'Problem'))),
        h('tbody', {}, rows))));
}

function summaryList(b) {
  const items = COUNTS.filter(([k]) => typeof b[k] === 'number').map(([k, one, many]) => h('li', { className: 'tag' }, plural(b[k], one, many)));
  if (b.time_zone) items.push(h('li', { className: 'tag' }, `time zone ${b.time_zone.replace(/_/g, ' ')}`));
  return h('ul', { id: 'scheck-summary', className: 'tag-list', 'aria-labelledby': 'scheck-defines-heading' }, items);
}

function changeRow(c) {
  const verdict = c.refused
    ? h('td', { dataset: { label: 'At a restart' } }, h('span', { className: 'badge badge-overdue' }, 'Refused'), ' ', h('span', { className: 'scheck-uses' }, `used by ${c.used_by}`))
    : h('td', { dataset: { label: 'At a restart' } }, h('span', { className: 'badge badge-active' }, 'Allowed'));
  return h('tr', { className: c.refused ? 'scheck-refused' : '' }, h('td', { className: 'scheck-path', dataset: { label: 'Change' } }, c.text), verdict);
}

function comparison(c) {
  const out = [h('h3', { id: 'scheck-compare-heading' }, 'Compared with the settings the server runs')];
  if (!c.recorded) {
    out.push(h('p', {}, 'The server has not recorded its settings yet: it records them when it next starts.'));
    return out;
  }
  if (c.same) {
    out.push(h('p', { id: 'scheck-same' }, `The same as the settings the server runs now (${c.running_id} ${c.running_version}).`));
    return out;
  }
  const refused = c.changes.filter((x) => x.refused).length;
  out.push(h('p', { id: 'scheck-verdict', className: refused ? 'alert' : 'notice' }, refused
    ? `A restart with these settings would be refused: ${plural(refused, 'value that records use is', 'values that records use are')} removed or renamed. Keep ${refused === 1 ? 'it' : 'them'} in the file with ${refused === 1 ? 'its' : 'their'} id; a label may change.`
    : `A restart with these settings would be allowed: ${plural(c.changes.length, 'change', 'changes')} from the settings the server runs now (${c.running_id} ${c.running_version}).`));
  if (!c.changes.length) {
    out.push(h('p', {}, 'No value is added, removed or relabelled; only other parts of the file differ.'));
    return out;
  }
  // Refused changes first: they are what must be fixed.
  const sorted = [...c.changes].sort((a, b) => Number(b.refused) - Number(a.refused));
  out.push(h('div', { className: 'table-wrap', tabindex: '0', role: 'region', 'aria-labelledby': 'scheck-compare-heading' },
    h('table', { id: 'scheck-changes', className: 'table stack' },
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Change'), h('th', { scope: 'col' }, 'At a restart'))),
      h('tbody', {}, sorted.map(changeRow)))));
  return out;
}

function showValid(name, b) {
  const c = b.comparison || { recorded: false };
  const refused = c.refused === true;
  status(refused
    ? `${name} has no problems, but a restart with it would be refused: see below.`
    : `${name} has no problems: ok.`, !refused);
  $('scheck-result').replaceChildren(
    h('h3', { id: 'scheck-defines-heading' }, `What the file defines: ${b.name || b.id} (${b.id} ${b.version})`),
    summaryList(b),
    ...comparison(c));
}

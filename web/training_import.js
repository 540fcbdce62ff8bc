// A session's sign-in sheet brought in from a CSV file
// (#training/session/ID/import; docs/training.md, "Sign-in sheet import"):
// "Check the file" asks the server what would happen without writing
// (?dry_run=true) — the people matched and new, attended, completed, the
// certificates — or lists every bad line ("Line 4, email: ..."); "Import"
// then brings it in, all or nothing. A file imported before is refused,
// and the page says so plainly. For trainers (training.manage).

import { $, api, busy, formatShortTime, h, problemText, say } from './common.js';

// The server's default body limit; a larger sheet goes in on the server
// with `hartline training import FILE.csv --session ID`.
const MAX_BYTES = 1 << 20;
const T = '/api/v1/training';

let gen = 0;
let sessionId = null;
let file = null; // { name, text }
let checked = false; // the file picked passed "Check the file"

const n = (v) => Number(v || 0).toLocaleString('en-US');
const plural = (v, one, many = `${one}s`) => `${n(v)} ${Number(v) === 1 ? one : many}`;

export function initTrainingImport() {
  $('timport-file').addEventListener('change', pick);
  $('timport-check').addEventListener('click', () => send(true));
  $('timport-go').addEventListener('click', () => send(false));
}

export function clearTrainingImport() {
  gen++;
  sessionId = null;
  file = null;
  checked = false;
  $('timport-form').reset();
  $('timport-result').replaceChildren();
  $('timport-session').replaceChildren();
  $('timport-heading').textContent = 'Import a sign-in sheet';
  say('timport-error', '');
  setButtons();
}

export async function showTrainingImport(id) {
  const g = ++gen;
  if (sessionId !== Number(id)) {
    clearTrainingImport();
    gen = g;
  }
  sessionId = Number(id);
  $('timport-back').href = `#training/session/${sessionId}`;
  const r = await api('GET', `${T}/sessions/${sessionId}`);
  if (g !== gen) return;
  if (!r.ok || !r.body) {
    $('timport-session').replaceChildren(h('p', { className: 'alert', role: 'alert' },
      r.status === 404 ? 'There is no such session, or it is not yours to see.' : problemText(r, 'The session could not be read')));
    return;
  }
  const s = r.body;
  $('timport-heading').textContent = `Import a sign-in sheet: ${s.number}`;
  const when = s.starts_at ? formatShortTime(s.starts_at) : '';
  $('timport-session').replaceChildren(h('p', {}, [s.course_name, when].filter(Boolean).join(', '),
    s.status === 'cancelled' ? ' — this session is cancelled: it takes no attendance.' : ''));
}

function setButtons() {
  $('timport-check').disabled = !file;
  $('timport-go').disabled = !file || !checked;
}

async function pick() {
  const f = $('timport-file').files[0];
  file = null;
  checked = false;
  $('timport-result').replaceChildren();
  say('timport-error', '');
  setButtons();
  if (!f) return;
  if (f.size > MAX_BYTES) {
    say('timport-error', `${f.name} is ${Math.ceil(f.size / 1024)} KiB, more than the ${MAX_BYTES / 1024} KiB the server takes from a browser. Import it on the server with: hartline training import ${f.name} --session ${sessionId}`);
    return;
  }
  file = { name: f.name, text: await f.text() };
  const lines = file.text.split(/\r?\n/).filter((l) => l.trim() !== '').length;
  $('timport-result').replaceChildren(h('p', { className: 'hint' },
    `${f.name}: ${plural(Math.max(0, lines - 1), 'line')} after the header. Check it first; nothing is written until you import.`));
  setButtons();
}

async function send(dryRun) {
  if (!file || !sessionId) return;
  const g = ++gen;
  const button = dryRun ? $('timport-check') : $('timport-go');
  const done = busy(button, dryRun ? 'Checking…' : 'Importing…');
  const other = dryRun ? $('timport-go') : $('timport-check');
  other.disabled = true;
  $('timport-form').setAttribute('aria-busy', 'true');
  say('timport-error', '');
  const q = `dry_run=${dryRun ? 'true' : 'false'}&file_name=${encodeURIComponent(file.name.slice(0, 200))}`;
  const r = await api('POST', `${T}/sessions/${sessionId}/imports?${q}`, undefined, { rawBody: file.text, contentType: 'text/csv' });
  $('timport-form').removeAttribute('aria-busy');
  done();
  if (g !== gen) return;
  checked = false;
  if (r.status === 422 && r.body && Array.isArray(r.body.errors)) {
    showProblems(r.body);
  } else if (r.status === 409) {
    $('timport-result').replaceChildren(h('div', { className: 'alert', role: 'alert', id: 'timport-already' },
      `Already imported: ${r.body && r.body.detail ? r.body.detail : 'this file was imported before, so nothing was imported again'}.`));
  } else if (!r.ok || !r.body) {
    say('timport-error', problemText(r, dryRun ? 'The file could not be checked' : 'The file could not be imported'));
  } else {
    checked = dryRun;
    showReport(r.body, dryRun);
  }
  setButtons();
}

/** What the sheet does (or would do), as a short list of counts. */
function counts(rep, dryRun) {
  const rows = [
    ['Lines', n(rep.rows)],
    ['People already known', n(rep.matched)],
    [dryRun ? 'New people to add' : 'New people added', n(rep.created)],
    [dryRun ? 'To register for the session' : 'Registered for the session', n(rep.registered)],
    ['Attended', n(rep.attended)],
    ['Completed', n(rep.completed)],
    [dryRun ? 'Certificates to issue' : 'Certificates issued', n(rep.certificates)],
  ];
  return h('dl', { className: 'facts', id: 'timport-counts' },
    rows.map(([t, v]) => h('div', {}, h('dt', {}, t), h('dd', {}, v))));
}

function showReport(rep, dryRun) {
  const name = file.name;
  const out = [
    h('div', { className: 'notice', role: 'status' }, dryRun
      ? `${name}: all ${plural(rep.rows, 'line')} are good. Nothing was written: press Import to bring them in.`
      : `${name} is imported: ${plural(rep.attended, 'person', 'people')} attended, ${n(rep.completed)} completed, ${plural(rep.certificates, 'certificate')} issued.`),
    counts(rep, dryRun),
  ];
  if (!dryRun) {
    out.push(h('p', {}, h('a', { href: `#training/session/${sessionId}`, className: 'btn btn-secondary btn-small', id: 'timport-see' },
      'See the attendance on the session')));
    file = null;
    $('timport-form').reset();
  }
  $('timport-result').replaceChildren(...out);
}

/** "Line 4, email: ..." for each problem; line 0 is the file as a whole. */
function problemLine(e) {
  const where = Number(e.line) > 0 ? `Line ${e.line}` : 'The file';
  return `${where}${e.column ? `, ${e.column}` : ''}: ${e.reason}`;
}

function showProblems(rep) {
  const count = Number(rep.error_count || rep.errors.length);
  const listed = rep.errors.length;
  $('timport-result').replaceChildren(...[
    h('div', { className: 'alert', role: 'alert' },
      `${plural(count, 'problem')} in ${file.name}: nothing was imported. Mend the sheet and check it again.`),
    listed < count ? h('p', { className: 'hint' }, `The first ${n(listed)} are listed.`) : null,
    h('ul', { className: 'timport-problems', id: 'timport-problems', 'aria-label': 'Problems in the file' },
      rep.errors.map((e) => h('li', {}, problemLine(e))))].filter(Boolean)); // replaceChildren writes null as text
}

// Import of past years: an agency brings its history of referrals (like
// 2008 to 2015) from a CSV file (docs/import.md). The file is checked first
// ("Check the file": nothing is written) and then imported all or nothing;
// every bad line is listed with its line, column and reason. For HART and
// the administrator.

import { $, api, busy, h, problemText, say } from './common.js';

// The server's default body limit; a larger file goes in on the server with
// `hartline import referrals FILE.csv`.
const MAX_BYTES = 1 << 20;

let file = null; // { name, text }
let generation = 0;
let ctx = { can: () => false };

export function initImport(context) {
  ctx = { ...ctx, ...context };
  $('import-file').addEventListener('change', pick);
  $('import-check').addEventListener('click', () => send(true));
  $('import-go').addEventListener('click', () => send(false));
}

export function showImport() {
  generation++;
}

export function clearImport() {
  generation++;
  file = null;
  $('import-form').reset();
  $('import-result').replaceChildren();
  say('import-error', '');
  setReady(false);
}

function setReady(ready) {
  $('import-check').disabled = !ready;
  $('import-go').disabled = !ready;
}

async function pick() {
  const f = $('import-file').files[0];
  file = null;
  $('import-result').replaceChildren();
  say('import-error', '');
  setReady(false);
  if (!f) return;
  if (f.size > MAX_BYTES) {
    say('import-error', `${f.name} is ${Math.ceil(f.size / 1024)} KiB, more than the ${MAX_BYTES / 1024} KiB the server takes from a browser. Import it on the server with: hartline import referrals ${f.name}`);
    return;
  }
  const text = await f.text();
  file = { name: f.name, text };
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '').length;
  $('import-result').replaceChildren(h('p', { className: 'hint' },
    `${f.name}: ${Math.max(0, lines - 1).toLocaleString('en-US')} lines after the header. Check it first; nothing is written until you import.`));
  setReady(true);
}

async function send(dryRun) {
  if (!file) return;
  const mine = ++generation;
  const button = dryRun ? $('import-check') : $('import-go');
  const done = busy(button, dryRun ? 'Checking…' : 'Importing…');
  $('import-form').setAttribute('aria-busy', 'true');
  say('import-error', '');
  const q = `dry_run=${dryRun ? 'true' : 'false'}&file_name=${encodeURIComponent(file.name.slice(0, 200))}`;
  const r = await api('POST', `/api/v1/imports/referrals?${q}`, undefined, { rawBody: file.text, contentType: 'text/csv' });
  $('import-form').removeAttribute('aria-busy');
  done();
  if (mine !== generation) return;
  if (r.status === 422 && r.body && Array.isArray(r.body.errors)) {
    showProblems(r.body);
    return;
  }
  if (!r.ok || !r.body) {
    say('import-error', problemText(r, dryRun ? 'check the file' : 'import the file'));
    return;
  }
  showDone(r.body, dryRun);
}

function showDone(rep, dryRun) {
  const n = Number(rep.rows || 0).toLocaleString('en-US');
  $('import-result').replaceChildren(
    h('div', { className: 'notice', role: 'status' },
      dryRun
        ? `${file.name}: all ${n} lines are good. Nothing was written: press Import to bring them in.`
        : `${file.name}: ${Number(rep.imported || 0).toLocaleString('en-US')} referrals imported as batch ${rep.batch_id}. They count in the figures now.`),
    dryRun || !ctx.can('stats.read') ? null
      : h('p', {}, h('a', { href: '#figures', className: 'btn btn-secondary btn-small' }, 'See the figures')));
  if (!dryRun) {
    file = null;
    $('import-form').reset();
    setReady(false);
  }
}

function showProblems(rep) {
  const count = Number(rep.error_count || rep.errors.length);
  const listed = rep.errors.length;
  $('import-result').replaceChildren(
    h('div', { className: 'alert', role: 'alert' },
      `${count.toLocaleString('en-US')} ${count === 1 ? 'problem' : 'problems'} in ${file.name}: nothing was imported. Mend the file and try again.`),
    h('div', { className: 'table-wrap' },
      h('table', { className: 'table', id: 'import-problems' },
        h('caption', {}, listed < count ? `The first ${listed} problems` : 'Every problem, by line'),
        h('thead', {}, h('tr', {},
          h('th', { scope: 'col', className: 'num' }, 'Line'),
          h('th', { scope: 'col' }, 'Column'),
          h('th', { scope: 'col' }, 'Problem'))),
        h('tbody', {}, rep.errors.map((e) => h('tr', {},
          h('td', { className: 'num' }, String(e.line)),
          h('td', {}, e.column || '(the line)'),
          h('td', {}, e.reason)))))));
}

// The public page /verify?code=...: anyone holding a training
// certificate's code checks it here, without logging in. The server
// answers only the course, the date completed and whether it is valid.

import { $, api, formatDate, h, problemText, setLocale, setTimeZone, showBrand } from './common.js';

/** The answer in plain words. */
export function verdict(a) {
  if (!a || a.status === 'unknown') return { ok: false, text: 'No certificate has this code.' };
  const what = `${a.course_name}, completed ${formatDate(a.completed_on)}`;
  if (a.valid) return { ok: true, text: `Valid: ${what}.` };
  if (a.status === 'revoked') return { ok: false, text: `Not valid: this certificate was revoked (${what}).` };
  if (a.status === 'expired') return { ok: false, text: `Not valid: this certificate has expired (${what}).` };
  return { ok: false, text: 'Not valid.' };
}

async function check(code) {
  const out = $('verify-answer');
  out.replaceChildren();
  $('verify-code-error').textContent = '';
  const trimmed = code.trim();
  if (!trimmed) {
    $('verify-code-error').textContent = 'Type the code printed on the certificate.';
    $('verify-code').setAttribute('aria-invalid', 'true');
    $('verify-code').focus();
    return;
  }
  $('verify-code').removeAttribute('aria-invalid');
  const r = await api('GET', `/api/v1/verify/${encodeURIComponent(trimmed)}`, undefined, { session: false });
  if (!r.ok) {
    out.append(h('p', { className: 'alert' }, problemText(r, 'The certificate could not be checked')));
    return;
  }
  const v = verdict(r.body);
  out.append(h('p', { className: v.ok ? 'verdict verdict-valid' : 'verdict verdict-invalid', id: 'verify-verdict' },
    v.text));
}

async function start() {
  showBrand();
  // Dates as everywhere else in hartline: the agency's locale and time zone.
  const config = await api('GET', '/api/v1/config', undefined, { session: false });
  if (config.ok && config.body && config.body.pack) {
    setLocale(config.body.pack.locale);
    setTimeZone(config.body.pack.time_zone);
  }
  const code = new URLSearchParams(location.search).get('code');
  $('verify-form').addEventListener('submit', (e) => {
    e.preventDefault();
    check($('verify-code').value);
  });
  if (code) {
    $('verify-code').value = code;
    check(code);
  }
}

if (typeof document !== 'undefined' && document.getElementById('verify-form')) start();

// Logs in as a user whose role gives a second factor at every login,
// enrolling an authenticator on the first login, and prints the session's
// bearer token for wrk (bench/request).
//
//   node bench/wrk/login.mjs URL USERNAME SECRET_FILE   (password on stdin)
//
// SECRET_FILE keeps the enrolled authenticator secret, so that a later
// login on the same database gives a code instead of enrolling again.

import { createHmac } from 'node:crypto';
import fs from 'node:fs';

const [url, username, secretFile] = process.argv.slice(2);
if (!url || !username || !secretFile) {
  console.error('usage: node bench/wrk/login.mjs URL USERNAME SECRET_FILE < password');
  process.exit(2);
}
const password = fs.readFileSync(0, 'utf8').trim();

function base32Decode(text) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0;
  let value = 0;
  const out = [];
  for (const ch of text.replace(/=+$/, '').toUpperCase()) {
    value = (value << 5) | alphabet.indexOf(ch);
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

// RFC 6238: HMAC-SHA1, 6 digits, 30-second steps.
function totp(secret, ms = Date.now()) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(ms / 30000)));
  const mac = createHmac('sha1', base32Decode(secret)).update(counter).digest();
  const off = mac[mac.length - 1] & 0x0f;
  return String((mac.readUInt32BE(off) & 0x7fffffff) % 1_000_000).padStart(6, '0');
}

async function post(path, body, token) {
  const headers = { 'content-type': 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  const res = await fetch(`${url}${path}`, { method: 'POST', headers, body: JSON.stringify(body ?? {}) });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`POST ${path}: ${res.status} ${text}`);
  return JSON.parse(text);
}

let body = await post('/api/v1/session', { username, password });
if (body.mfa_required) {
  const partial = body.token;
  if (body.next === 'enrol') {
    const e = await post('/api/v1/session/second-factor/enrolment', {}, partial);
    fs.writeFileSync(secretFile, e.secret, { mode: 0o600 });
    body = await post('/api/v1/session/second-factor/enrolment/confirm', { code: totp(e.secret) }, partial);
  } else {
    // A code is taken once: wait for the next step if this one was used.
    const secret = fs.readFileSync(secretFile, 'utf8').trim();
    await new Promise((r) => setTimeout(r, 30000 - (Date.now() % 30000) + 200));
    body = await post('/api/v1/session/second-factor', { code: totp(secret) }, partial);
  }
}
if (!body.token) throw new Error(`no token in ${JSON.stringify(body)}`);
console.log(body.token);

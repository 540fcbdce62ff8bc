// The messages the server sends a person at a form, read from the sources:
// every reason given to field_error_add, every reason a schema rule gives,
// and every problem's title and detail. None may carry a type name, a
// format name or a code identifier (docs/architecture.md, "Messages").
// The unit test test_schema walks the route table and meets the checker's
// own messages; this is the second line, for the services' words.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';

import { SOURCE_ROOT } from '../lib/server.mjs';

/** Words a person at a form should never read. */
export const BANNED = [
  /\bstrings?\b/i, /\bintegers?\b/i, /\bbooleans?\b/i, /\bRFC\b/, /\bISO\b/, /\bJSON\b/i, /\bNUL\b/,
  /\bnull\b/, /\barrays?\b/i, /\bobjects?\b/i, /\bregex/i, /\bUTF-?8\b/i, /\benum\b/i, /\bpack\b/i,
  /\b[a-z0-9]+_[a-z0-9_]+\b/, /[{}]/, /\bids?\b/, /\b0-based\b/,
];

/** The files of src/, recursively. */
function sources(dir) {
  const out = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...sources(p));
    else if (/\.(c|h|inc)$/.test(e.name)) out.push(p);
  }
  return out;
}

/** The text of a call's arguments from the "(" at open, to its ")". */
function callArgs(text, open) {
  let depth = 0;
  let inStr = false;
  for (let i = open; i < text.length; i++) {
    const c = text[i];
    if (inStr) {
      if (c === '\\') i++;
      else if (c === '"') inStr = false;
    } else if (c === '"') inStr = true;
    else if (c === '(') depth++;
    else if (c === ')' && --depth === 0) return text.slice(open + 1, i);
  }
  return '';
}

/** The string literals of s, each run of adjacent ones joined. */
function literals(s) {
  const out = [];
  const re = /"((?:[^"\\]|\\.)*)"(\s*"((?:[^"\\]|\\.)*)")*/g;
  for (const m of s.matchAll(re)) out.push(m[0].replace(/"\s*"/g, '').slice(1, -1));
  return out;
}

/** [file, line, message] of every message in src/ given to a person. */
export function messages() {
  const out = [];
  const root = path.join(SOURCE_ROOT, 'src');
  for (const file of sources(root)) {
    const rel = path.relative(SOURCE_ROOT, file);
    // The configuration file's checker speaks of the file's own paths.
    if (rel.startsWith(path.join('src', 'model', 'pack'))) continue;
    const text = fs.readFileSync(file, 'utf8');
    const lineOf = (i) => text.slice(0, i).split('\n').length;
    for (const m of text.matchAll(/\b(field_error_add|http_problem|http_problem_ext|refuse)\s*\(/g)) {
      const args = callArgs(text, m.index + m[0].length - 1);
      // field_error_add(errs, field, fmt, ...): the field's key is no message.
      const parts = args.split(/,(?=(?:[^"]*"[^"]*")*[^"]*$)/);
      // http_problem(resp, status, slug, title, detail, ...): the slug is a
      // code for programs, the rest of _ext the problem's extra members.
      const said = m[1].startsWith('http_problem') ? parts.slice(3, 5) : parts.slice(2);
      for (const lit of literals(said.join(','))) out.push([rel, lineOf(m.index), lit]);
    }
    for (const m of text.matchAll(/\.reason\s*=\s*("(?:[^"\\]|\\.)*"(?:\s*"(?:[^"\\]|\\.)*")*)/g)) {
      for (const lit of literals(m[1])) out.push([rel, lineOf(m.index), lit]);
    }
    for (const m of text.matchAll(/#define\s+\w*REASON\w*\s+("(?:[^"\\]|\\.)*")/g)) {
      for (const lit of literals(m[1])) out.push([rel, lineOf(m.index), lit]);
    }
  }
  return out;
}

/**
 * Answers no form can draw, about how a program sends its request: the
 * media type of the body (415) names the one the server reads.
 */
const PROTOCOL = new Set(['send the body as application/json']);

/** The banned words of msg, printf conversions and quoted values aside. */
export function offences(msg) {
  const plain = msg.replace(/%[-+ #0-9.*]*(?:hh|h|ll|l|z|j|t)?[diouxXsScpf%]/g, ' ').replace(/\\"[^"\\]*\\"/g, ' ');
  return BANNED.filter((re) => re.test(plain)).map(String);
}

/** [file, line, action] of every audit action written with its name in the call. */
function auditActions() {
  const out = [];
  const root = path.join(SOURCE_ROOT, 'src');
  for (const file of sources(root)) {
    const text = fs.readFileSync(file, 'utf8');
    // The audit's own calls, and cases_written (a case's change, audited).
    for (const m of text.matchAll(/\b(?:svc_audit_(record|append|appendf)|(cases_written))\s*\(/g)) {
      const args = callArgs(text, m.index + m[0].length - 1).split(/,(?=(?:[^"]*"[^"]*")*[^"]*$)/);
      const arg = args[m[2] ? 3 : m[1] === 'record' ? 1 : 2] || '';
      for (const lit of literals(arg)) {
        out.push([path.relative(SOURCE_ROOT, file), text.slice(0, m.index).split('\n').length, lit]);
      }
    }
  }
  return out;
}

/** The actions src/model/audit_labels.c puts in words. */
function labelled() {
  const text = fs.readFileSync(path.join(SOURCE_ROOT, 'src', 'model', 'audit_labels.c'), 'utf8');
  return new Map([...text.matchAll(/\{"([a-z_.]+)", "([^"]+)"\}/g)].map((m) => [m[1], m[2]]));
}

describe('the server\'s messages', () => {
  test('the sources give reasons to find', () => {
    const all = messages();
    assert.ok(all.length > 300, `only ${all.length} messages found: the scan is broken`);
    assert.ok(all.some(([, , m]) => /at most/.test(m)));
  });

  test('no message carries a type name, a format name or a code identifier', () => {
    const bad = messages().filter(([, , m]) => !PROTOCOL.has(m)).map(([f, l, m]) => [f, l, m, offences(m)])
      .filter((x) => x[3].length);
    assert.deepEqual(bad.map(([f, l, m, o]) => `${f}:${l}: "${m}" (${o.join(' ')})`), []);
  });

  test('every audit action written has its words in the audit view, and the words are plain', () => {
    const words = labelled();
    const found = auditActions();
    assert.ok(found.length > 40, `only ${found.length} actions found: the scan is broken`);
    const missing = found.filter(([, , a]) => !words.has(a)).map(([f, l, a]) => `${f}:${l}: ${a}`);
    assert.deepEqual(missing, []);
    const bad = [...words].filter(([, w]) => offences(w).length).map(([a, w]) => `${a}: ${w}`);
    assert.deepEqual(bad, []);
  });

  test('the scan itself catches what it must', () => {
    for (const m of ['must be a string', 'an RFC 3339 time', 'at most 5 characters, no NUL', 'expected a JSON object',
      'the 0-based position', 'a reason is required to screened_out', 'not a region of the pack', '{text, owner}']) {
      assert.ok(offences(m).length, m);
    }
    for (const m of ['Date held: enter a date and a time', 'Narrative: at most %zu characters; shorten it by %zu',
      'Reason: say why the report is screened out']) {
      assert.deepEqual(offences(m), [], m);
    }
  });
});

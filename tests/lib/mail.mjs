// An SMTP server for the e-mail tests: Python's aiosmtpd, which writes each
// message it takes into a Maildir, where the tests read it back.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

import { until } from './server.mjs';

const PYTHON = '/usr/bin/python3';

/** Starts the sink on 127.0.0.1:port, delivering into dir; resolves with its process once it listens. */
export async function startSink(dir, port) {
  const proc = spawn(PYTHON, ['-m', 'aiosmtpd', '-n', '-l', `127.0.0.1:${port}`, '-c', 'aiosmtpd.handlers.Mailbox', dir],
    { stdio: ['ignore', 'ignore', 'pipe'] });
  await until(() => new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1', () => { s.end(); resolve(true); });
    s.on('error', () => resolve(false));
  }), 15_000, 'the SMTP sink');
  return proc;
}

/** The messages delivered into dir so far, each as its text. */
export function mailsIn(dir) {
  const d = path.join(dir, 'new');
  if (!fs.existsSync(d)) return [];
  return fs.readdirSync(d).map((f) => fs.readFileSync(path.join(d, f), 'utf8'));
}

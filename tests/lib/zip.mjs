// A small ZIP reader (central directory, stored and deflated entries) and
// an XLSX sheet reader on top of it, for checking the spreadsheets the
// server writes. Strict: a bad signature, a size that does not match or a
// CRC that does not match throws.

import assert from 'node:assert/strict';
import zlib from 'node:zlib';

import { findAll, parseXml, textOf } from './xml.mjs';

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/**
 * Reads a ZIP archive: resolves a Map of entry name -> Buffer (the
 * uncompressed bytes). Throws unless buf is a well-formed archive.
 */
export function readZip(buf) {
  assert.ok(Buffer.isBuffer(buf), 'readZip takes a Buffer');
  assert.ok(buf.length >= 22, `too short for a ZIP archive (${buf.length} bytes)`);
  assert.equal(buf.readUInt32LE(0), 0x04034b50, 'a ZIP archive starts with a local file header (PK\\3\\4)');
  // The end of central directory record: the last PK\5\6 within 64 KiB + 22 of the end.
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 22 - 0xffff); i--) {
    if (buf.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  assert.ok(eocd >= 0, 'no end of central directory record');
  const count = buf.readUInt16LE(eocd + 10);
  const cdSize = buf.readUInt32LE(eocd + 12);
  const cdOffset = buf.readUInt32LE(eocd + 16);
  assert.ok(cdOffset + cdSize <= eocd, 'the central directory lies inside the archive');
  const entries = new Map();
  let p = cdOffset;
  for (let n = 0; n < count; n++) {
    assert.equal(buf.readUInt32LE(p), 0x02014b50, `central directory entry ${n} signature`);
    const method = buf.readUInt16LE(p + 10);
    const crc = buf.readUInt32LE(p + 16);
    const csize = buf.readUInt32LE(p + 20);
    const usize = buf.readUInt32LE(p + 24);
    const nameLen = buf.readUInt16LE(p + 28);
    const extraLen = buf.readUInt16LE(p + 30);
    const commentLen = buf.readUInt16LE(p + 32);
    const local = buf.readUInt32LE(p + 42);
    const name = buf.subarray(p + 46, p + 46 + nameLen).toString('utf8');
    p += 46 + nameLen + extraLen + commentLen;
    assert.equal(buf.readUInt32LE(local), 0x04034b50, `local header of ${name}`);
    const lNameLen = buf.readUInt16LE(local + 26);
    const lExtraLen = buf.readUInt16LE(local + 28);
    const start = local + 30 + lNameLen + lExtraLen;
    assert.ok(start + csize <= buf.length, `${name}: data inside the archive`);
    const raw = buf.subarray(start, start + csize);
    let data;
    if (method === 0) data = Buffer.from(raw);
    else if (method === 8) data = zlib.inflateRawSync(raw);
    else assert.fail(`${name}: compression method ${method} (only stored and deflate are expected)`);
    assert.equal(data.length, usize, `${name}: uncompressed size`);
    assert.equal(crc32(data), crc, `${name}: CRC-32`);
    assert.ok(!entries.has(name), `${name} twice in the archive`);
    entries.set(name, data);
  }
  assert.equal(p, cdOffset + cdSize, 'the central directory size matches its entries');
  return entries;
}

/** "B12" -> { col: 1, row: 11 } (0-based). */
export function cellRef(ref) {
  const m = /^([A-Z]+)(\d+)$/.exec(ref);
  assert.ok(m, `a cell reference: ${ref}`);
  let col = 0;
  for (const ch of m[1]) col = col * 26 + (ch.charCodeAt(0) - 64);
  return { col: col - 1, row: Number(m[2]) - 1 };
}

/**
 * The first sheet of an XLSX file as a grid: rows of cells, each a number
 * (a numeric cell), a string (shared, inline or formula string) or
 * undefined (no cell). Checks the package parts a spreadsheet needs.
 * Resolves { grid, entries, sheetXml }.
 */
export function readXlsx(buf) {
  const entries = readZip(buf);
  for (const part of ['[Content_Types].xml', 'xl/workbook.xml', 'xl/worksheets/sheet1.xml']) {
    assert.ok(entries.has(part), `${part} in the XLSX (it has ${[...entries.keys()].join(', ')})`);
  }
  for (const [name, data] of entries) {
    if (/\.(xml|rels)$/.test(name)) parseXml(data.toString('utf8')); // each part is well-formed
  }
  const shared = [];
  if (entries.has('xl/sharedStrings.xml')) {
    const sst = parseXml(entries.get('xl/sharedStrings.xml').toString('utf8'));
    for (const si of sst.children) {
      if (typeof si === 'string' || si.name !== 'si') continue;
      shared.push(findAll(si, (e) => e.name === 't').map(textOf).join(''));
    }
  }
  const sheetXml = entries.get('xl/worksheets/sheet1.xml').toString('utf8');
  const sheet = parseXml(sheetXml);
  assert.equal(sheet.name, 'worksheet', 'the sheet root is <worksheet>');
  const grid = [];
  for (const c of findAll(sheet, (e) => e.name === 'c')) {
    const { row, col } = cellRef(c.attrs.r);
    const v = findAll(c, (e) => e.name === 'v')[0];
    let value;
    if (c.attrs.t === 's') value = shared[Number(textOf(v))];
    else if (c.attrs.t === 'inlineStr') value = findAll(c, (e) => e.name === 't').map(textOf).join('');
    else if (c.attrs.t === 'str' || c.attrs.t === 'e') value = v ? textOf(v) : '';
    else if (c.attrs.t === 'b') value = v ? textOf(v) === '1' : undefined;
    else value = v ? Number(textOf(v)) : undefined;
    (grid[row] ??= [])[col] = value;
  }
  for (let r = 0; r < grid.length; r++) grid[r] ??= [];
  return { grid, entries, sheetXml };
}

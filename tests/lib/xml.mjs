// A small, strict XML reader for the end-to-end tests: it refuses what is
// not well-formed (unclosed or crossed tags, unquoted or repeated
// attributes, a bare & or <, text or a second element beside the root) and
// gives back a tree to look into (the SVG charts, the sheets of an XLSX).
// No DTDs, no namespaces resolved: names are kept as written ("x:row").

const NAME = /^[A-Za-z_:][-A-Za-z0-9_.:]*$/;
const ENTITIES = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

function decode(text, where) {
  return text.replace(/&([^;&<]*);?/g, (whole, ref) => {
    if (!whole.endsWith(';')) throw new Error(`a bare & ${where}: ${JSON.stringify(whole)}`);
    if (ref in ENTITIES) return ENTITIES[ref];
    const m = /^#(?:x([0-9A-Fa-f]+)|([0-9]+))$/.exec(ref);
    if (!m) throw new Error(`unknown entity &${ref}; ${where}`);
    const cp = m[1] !== undefined ? parseInt(m[1], 16) : Number(m[2]);
    if (!(cp === 0x9 || cp === 0xa || cp === 0xd || (cp >= 0x20 && cp <= 0xd7ff) || (cp >= 0xe000 && cp <= 0x10ffff)) || (cp >= 0xfffe && cp <= 0xffff)) {
      throw new Error(`&${ref}; is not an XML character ${where}`);
    }
    return String.fromCodePoint(cp);
  });
}

function lineOf(text, i) {
  return text.slice(0, i).split('\n').length;
}

/**
 * Parses text as a well-formed XML document; throws an Error naming the
 * line of the first fault. Resolves { name, attrs, children, text } for the
 * root, where children holds elements and strings in order, and text is the
 * element's own character data joined.
 */
export function parseXml(text) {
  let i = 0;
  const stack = [];
  let root = null;
  const fail = (msg) => {
    throw new Error(`not well-formed XML at line ${lineOf(text, i)}: ${msg}`);
  };
  if (text.charCodeAt(0) === 0xfeff) i = 1;
  while (i < text.length) {
    const lt = text.indexOf('<', i);
    const chunk = lt < 0 ? text.slice(i) : text.slice(i, lt);
    if (chunk) {
      if (chunk.includes('>') && /]]>/.test(chunk)) fail('"]]>" in character data');
      const value = decode(chunk, `at line ${lineOf(text, i)}`);
      if (stack.length) {
        stack.at(-1).children.push(value);
        stack.at(-1).text += value;
      } else if (value.trim() !== '') {
        fail(`text outside the root element: ${JSON.stringify(value.slice(0, 40))}`);
      }
    }
    if (lt < 0) break;
    i = lt;
    if (text.startsWith('<?', i)) {
      const end = text.indexOf('?>', i);
      if (end < 0) fail('unterminated processing instruction');
      const target = /^<\?([^\s?]+)/.exec(text.slice(i))?.[1] || '';
      if (target.toLowerCase() === 'xml' && (i !== 0 && !(i === 1 && text.charCodeAt(0) === 0xfeff))) fail('the XML declaration is not at the very start');
      i = end + 2;
    } else if (text.startsWith('<!--', i)) {
      const end = text.indexOf('-->', i + 4);
      if (end < 0) fail('unterminated comment');
      if (text.slice(i + 4, end).includes('--')) fail('"--" inside a comment');
      i = end + 3;
    } else if (text.startsWith('<![CDATA[', i)) {
      if (!stack.length) fail('CDATA outside the root element');
      const end = text.indexOf(']]>', i);
      if (end < 0) fail('unterminated CDATA section');
      const value = text.slice(i + 9, end);
      stack.at(-1).children.push(value);
      stack.at(-1).text += value;
      i = end + 3;
    } else if (text.startsWith('<!DOCTYPE', i)) {
      if (root || stack.length) fail('DOCTYPE after the root element started');
      const end = text.indexOf('>', i);
      if (end < 0 || text.slice(i, end).includes('[')) fail('a DOCTYPE with an internal subset');
      i = end + 1;
    } else if (text.startsWith('</', i)) {
      const m = /^<\/([^\s>]+)\s*>/.exec(text.slice(i));
      if (!m) fail('a bad end tag');
      const open = stack.pop();
      if (!open) fail(`</${m[1]}> closes nothing`);
      if (open.name !== m[1]) fail(`</${m[1]}> closes <${open.name}>`);
      i += m[0].length;
    } else {
      // A start tag: name, attributes, > or />.
      let j = i + 1;
      const nameM = /^[^\s/>]+/.exec(text.slice(j));
      if (!nameM || !NAME.test(nameM[0])) fail(`a bad element name after <: ${JSON.stringify(text.slice(j, j + 20))}`);
      const el = { name: nameM[0], attrs: {}, children: [], text: '' };
      j += nameM[0].length;
      for (;;) {
        const ws = /^\s*/.exec(text.slice(j))[0];
        j += ws.length;
        if (text.startsWith('/>', j)) {
          j += 2;
          el.selfClosing = true;
          break;
        }
        if (text[j] === '>') {
          j += 1;
          break;
        }
        if (j >= text.length) fail(`unterminated start tag <${el.name}`);
        if (!ws) fail(`no space before an attribute of <${el.name}>`);
        const am = /^([^\s=/>]+)\s*=\s*("([^"<]*)"|'([^'<]*)')/.exec(text.slice(j));
        if (!am) fail(`a bad attribute in <${el.name}>: ${JSON.stringify(text.slice(j, j + 30))}`);
        if (!NAME.test(am[1])) fail(`a bad attribute name ${am[1]} in <${el.name}>`);
        if (am[1] in el.attrs) fail(`attribute ${am[1]} twice in <${el.name}>`);
        el.attrs[am[1]] = decode(am[3] ?? am[4], `in an attribute of <${el.name}>`);
        j += am[0].length;
      }
      if (stack.length) stack.at(-1).children.push(el);
      else if (root) fail(`a second root element <${el.name}>`);
      else root = el;
      if (!el.selfClosing) stack.push(el);
      i = j;
    }
  }
  if (stack.length) fail(`<${stack.at(-1).name}> is never closed`);
  if (!root) fail('no root element');
  return root;
}

/** Every element under (and including) el, depth first, for which pred holds. */
export function findAll(el, pred) {
  const out = [];
  const walk = (e) => {
    if (pred(e)) out.push(e);
    for (const c of e.children) if (typeof c !== 'string') walk(c);
  };
  walk(el);
  return out;
}

/** The element's text and all its descendants' text, in order. */
export function textOf(el) {
  return el.children.map((c) => (typeof c === 'string' ? c : textOf(c))).join('');
}

// A validator for the part of JSON Schema (draft 2020-12) that
// packs/schema.json uses. A keyword it does not know is an error, so the
// schema cannot use one that is silently skipped here.

const ANNOTATIONS = new Set(['$schema', '$id', '$defs', 'title', 'description', 'default', 'examples']);

function typeOf(v) {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (Number.isInteger(v)) return 'integer';
  return typeof v; // string, number, boolean, object
}

function typeMatches(v, t) {
  const actual = typeOf(v);
  return actual === t || (t === 'number' && actual === 'integer');
}

function join(at, key) {
  return typeof key === 'number' ? `${at}[${key}]` : at ? `${at}.${key}` : key;
}

// Every place v breaks node, as [{path, problem}].
export function validate(root, v, node = root, at = '') {
  const out = [];
  const fail = (problem) => out.push({ path: at, problem });
  for (const [kw, arg] of Object.entries(node)) {
    if (ANNOTATIONS.has(kw)) continue;
    switch (kw) {
      case '$ref': {
        const m = /^#\/\$defs\/(.+)$/.exec(arg);
        if (!m || !root.$defs?.[m[1]]) throw new Error(`schema: cannot follow ${arg}`);
        out.push(...validate(root, v, root.$defs[m[1]], at));
        break;
      }
      case 'type': {
        const types = Array.isArray(arg) ? arg : [arg];
        if (!types.some((t) => typeMatches(v, t))) fail(`is ${typeOf(v)}, not ${types.join(' or ')}`);
        break;
      }
      case 'properties':
        if (typeOf(v) === 'object')
          for (const [k, sub] of Object.entries(arg)) if (k in v) out.push(...validate(root, v[k], sub, join(at, k)));
        break;
      case 'required':
        if (typeOf(v) === 'object') for (const k of arg) if (!(k in v)) out.push({ path: join(at, k), problem: 'required' });
        break;
      case 'additionalProperties':
        if (arg !== false) throw new Error('schema: additionalProperties other than false');
        if (typeOf(v) === 'object')
          for (const k of Object.keys(v)) if (!(k in (node.properties ?? {}))) out.push({ path: join(at, k), problem: 'unknown key' });
        break;
      case 'items':
        if (Array.isArray(v)) v.forEach((e, i) => out.push(...validate(root, e, arg, join(at, i))));
        break;
      case 'minItems':
        if (Array.isArray(v) && v.length < arg) fail(`has fewer than ${arg} entries`);
        break;
      case 'uniqueItems':
        if (arg && Array.isArray(v) && new Set(v.map((e) => JSON.stringify(e))).size !== v.length) fail('repeats an entry');
        break;
      case 'enum':
        if (!arg.some((e) => JSON.stringify(e) === JSON.stringify(v))) fail(`is not one of ${JSON.stringify(arg)}`);
        break;
      case 'const':
        if (JSON.stringify(arg) !== JSON.stringify(v)) fail(`is not ${JSON.stringify(arg)}`);
        break;
      case 'minimum':
        if (typeof v === 'number' && v < arg) fail(`is below ${arg}`);
        break;
      case 'maximum':
        if (typeof v === 'number' && v > arg) fail(`is above ${arg}`);
        break;
      case 'exclusiveMinimum':
        if (typeof v === 'number' && v <= arg) fail(`is not above ${arg}`);
        break;
      case 'pattern':
        if (typeof v === 'string' && !new RegExp(arg, 'u').test(v)) fail(`does not match ${arg}`);
        break;
      case 'maxLength':
        if (typeof v === 'string' && [...v].length > arg) fail(`is longer than ${arg}`);
        break;
      case 'oneOf': {
        const passing = arg.filter((sub) => validate(root, v, sub, at).length === 0).length;
        if (passing !== 1) fail(`matches ${passing} of the ${arg.length} forms, not exactly one`);
        break;
      }
      default:
        throw new Error(`schema: keyword ${kw} at ${at || 'the top'} is not one this validator knows`);
    }
  }
  return out;
}

// Every key path the schema describes: "regions[].offices[].towns".
export function schemaPaths(root, node = root, at = '', out = new Set()) {
  if (node.$ref) return schemaPaths(root, root.$defs[node.$ref.slice('#/$defs/'.length)], at, out);
  for (const [k, sub] of Object.entries(node.properties ?? {})) {
    const p = at ? `${at}.${k}` : k;
    out.add(p);
    schemaPaths(root, sub, p, out);
  }
  if (node.items) schemaPaths(root, node.items, `${at}[]`, out);
  for (const sub of node.oneOf ?? []) schemaPaths(root, sub, at, out);
  return out;
}

// The browser UI shell: who this server belongs to, and whether it is well.

const $ = (id) => document.getElementById(id);

async function getJSON(path) {
  const res = await fetch(path, { headers: { Accept: 'application/json' }, credentials: 'same-origin' });
  const body = await res.json().catch(() => null);
  return { ok: res.ok, status: res.status, body };
}

function setHealth(state, text) {
  const el = $('health');
  el.dataset.state = state;
  $('health-text').textContent = text;
}

const ENGINE_NAMES = { sqlite: 'SQLite', postgresql: 'PostgreSQL' };

async function showHealth() {
  try {
    const { ok, body } = await getJSON('/healthz');
    if (body && body.db) $('db-engine').textContent = ENGINE_NAMES[body.db] || body.db;
    if (ok && body && body.status === 'ok') {
      setHealth('ok', 'Server ok, database answering');
      $('schema').textContent = String(body.schema);
    } else {
      setHealth('down', 'The database is not answering. Try again shortly, and tell your administrator.');
    }
  } catch {
    setHealth('down', 'The server cannot be reached.');
  }
}

async function showConfig() {
  const { ok, body } = await getJSON('/api/v1/config');
  if (!ok || !body || !body.pack) return;
  const pack = body.pack;
  $('jurisdiction').textContent = pack.name;
  document.title = `hartline · ${pack.short_name || pack.name}`;
  $('pack-id').textContent = `${pack.id} ${pack.version}`;
  $('time-zone').textContent = pack.time_zone;
  if (pack.hotline) {
    const h = $('hotline');
    h.textContent = `${pack.hotline.name}: ${pack.hotline.phone}`;
    h.hidden = false;
  }
  const list = $('regions');
  list.replaceChildren();
  for (const region of body.regions || []) {
    const li = document.createElement('li');
    const name = document.createElement('strong');
    name.textContent = region.name;
    const offices = document.createElement('span');
    offices.textContent = (region.offices || []).map((o) => o.name).join(', ');
    li.append(name, offices);
    list.append(li);
  }
}

showConfig().catch(() => {});
showHealth();

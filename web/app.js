// The browser UI shell: who this server belongs to and whether it is well,
// logging in and out, and the page for the person logged in.

import { initAccount, clearAccount, clearMfa, showAccount, showMfa } from './account.js';
import { initAdmin, clearAdmin, showAdmin } from './admin.js';
import { initCases, clearCases, showCase, showCases } from './cases.js';
import { initCaseload, clearCaseload, showCaseload } from './caseload.js';
import { initMyWork, clearMyWork, showMyWork } from './mywork.js';
import { initPrint, clearPrint, showCasePrint } from './print.js';
import { initContacts, clearContacts, showContacts } from './contacts.js';
import { initCertificates, clearCertificates, showCertificatePrint, showTrainer, showTrainers } from './certificates.js';
import { initImport, clearImport, showImport } from './import.js';
import { initDashboard, clearDashboard, showDashboard, stopDashboard } from './dashboard.js';
import { initFigures, clearFigures, showFigures, showReportPage } from './figures.js';
import { initPlans, clearPlans, showPlanPrint, wirePlanPrint } from './plans.js';
import { initFind, clearFind, showFind } from './find.js';
import {
  initIntake, clearIntake, discardServerDraft, hasUnsavedReport, removeAllDrafts, showIntake,
} from './intake.js';
import { initNotes, refreshNotes, showNotes, startNotes, stopNotes } from './notify.js';
import { initPerson, clearPerson, showPerson } from './person.js';
import { initQueue, clearQueue, showQueue } from './queue.js';
import { initProviders, clearProviders, showHomeAgency, showProvider, showProviderEdit, showProviders } from './providers.js';
import { initReport, clearReport, setReportMessage, showReport } from './report.js';
import { initReferrals, clearReferrals, showReferral, showReferrals } from './referrals.js';
import { initTraining, clearTraining, showTraining, showTrainingSession, showTrainee } from './training.js';
import { initTrainingImport, clearTrainingImport, showTrainingImport } from './training_import.js';
import { initTeams, clearTeams, showTeam, showTeams } from './teams.js';
import {
  $,
  api,
  busy,
  problemText,
  say,
  scopeText,
  setConfig, showBrand,
  setCsrfToken,
  setRegions,
  setSessionEndedHandler,
  setLocale, setTimeZone, submitButton,
} from './common.js';

// The person logged in: { user, permissions } or null.
let me = null;
let siteTitle = 'hartline';

const can = (perm) => !!me && me.permissions.includes(perm);

// ---------------------------------------------------------------- status

function setHealth(state, text) {
  const el = $('health');
  el.dataset.state = state;
  $('health-text').textContent = text;
}

const ENGINE_NAMES = { sqlite: 'SQLite', postgresql: 'PostgreSQL' };

async function showHealth() {
  const r = await api('GET', '/healthz', undefined, { session: false });
  const body = r.body;
  if (body && body.db) $('db-engine').textContent = ENGINE_NAMES[body.db] || body.db;
  if (r.ok && body && body.status === 'ok') {
    setHealth('ok', 'Server ok, database answering');
    $('schema').textContent = String(body.schema);
  } else if (r.status === 0) {
    setHealth('down', 'The server cannot be reached.');
  } else {
    setHealth('down', 'The database is not answering. Try again shortly, and tell your administrator.');
  }
}

async function showConfig() {
  const r = await api('GET', '/api/v1/config', undefined, { session: false });
  if (!r.ok || !r.body || !r.body.pack) return;
  const { pack } = r.body;
  setConfig(r.body);
  setRegions(r.body.regions);
  setLocale(pack.locale);
  setTimeZone(pack.time_zone);
  $('jurisdiction').textContent = pack.name;
  siteTitle = `hartline · ${pack.short_name || pack.name}`;
  $('pack-id').textContent = `${pack.id} ${pack.version}`;
  $('time-zone').textContent = pack.time_zone;
  if (pack.hotline) {
    const el = $('hotline');
    el.textContent = `${pack.hotline.name}: ${pack.hotline.phone}`;
    el.hidden = false;
  }
  const list = $('regions');
  list.replaceChildren();
  for (const region of r.body.regions || []) {
    const li = document.createElement('li');
    const name = document.createElement('strong');
    name.textContent = region.name;
    const offices = document.createElement('span');
    offices.textContent = (region.offices || []).map((o) => o.name).join(', ');
    li.append(name, offices);
    list.append(li);
  }
}

// ---------------------------------------------------------------- views

// The pages besides home, each with its title, the address it answers, the
// permission it needs, its heading and its navigation link (the bell for
// notifications).
const PAGES = [
  { view: 'intake', title: 'New report', hash: /^#intake\/new$/, perm: 'intakes.write', heading: 'intake-heading', nav: 'nav-intake' },
  { view: 'report', title: 'Report', hash: /^#intake\/(\d{1,15})$/, perm: 'intakes.read', heading: 'report-heading' },
  { view: 'queue', title: 'Queue', hash: /^#queue(?:\?[^#]*)?$/, perm: 'intakes.read', heading: 'queue-heading', nav: 'nav-queue' },
  { view: 'find', title: 'Find a child', hash: /^#find$/, perm: 'persons.match', heading: 'find-heading', nav: 'nav-find' },
  { view: 'users', title: 'Users and audit', hash: /^#users$/, perm: 'users.manage', heading: 'users-heading', nav: 'nav-users' },
  { view: 'notes', title: 'Notifications', hash: /^#notifications$/, perm: 'session', heading: 'notes-heading', nav: 'bell', inNav: false },
  { view: 'cases', title: 'Cases', hash: /^#cases(?:\?[^#]*)?$/, perm: 'cases.write', heading: 'cases-heading', nav: 'nav-cases' },
  { view: 'case', title: 'Case', hash: /^#case\/(\d{1,15})$/, perm: 'cases.read', heading: 'case-heading', nav: 'nav-cases', inNav: false },
  { view: 'caseprint', title: 'Case summary', hash: /^#case\/(\d{1,15})\/print(?:\?([^#]*))?$/, perm: 'cases.read', heading: 'case-print-heading', nav: 'nav-cases', inNav: false },
  { view: 'mywork', title: 'My work', hash: /^#mywork$/, perm: 'cases.read', heading: 'mywork-heading', nav: 'nav-mywork' },
  { view: 'caseload', title: 'Caseload', hash: /^#caseload$/, perm: 'caseload.read', heading: 'caseload-heading', nav: 'nav-caseload' },
  { view: 'planprint', title: 'Plan', hash: /^#case\/(\d{1,15})\/plans\/(safety|service)\/print(?:\/(\d{1,15}))?$/, perm: 'plans.read', heading: 'plan-print-heading', nav: 'nav-cases', inNav: false },
  { view: 'person', title: 'Child', hash: /^#persons\/(\d{1,15})$/, perm: 'persons.read', heading: 'person-heading', inNav: false },
  { view: 'teams', title: 'Teams', hash: /^#teams$/, perm: 'teams.read', heading: 'teams-heading', nav: 'nav-teams' },
  { view: 'team', title: 'Team', hash: /^#team\/(\d{1,15})$/, perm: 'teams.read', heading: 'team-heading', nav: 'nav-teams', inNav: false },
  { view: 'contacts', title: 'Contacts', hash: /^#contacts$/, perm: 'contacts.read', heading: 'contacts-heading', nav: 'nav-contacts' },
  // The figures keep their choices after a "?" (#figures?by=region).
  { view: 'figures', title: 'Figures', hash: /^#figures(?:\?[^#]*)?$/, perm: 'stats.read', heading: 'figures-heading', nav: 'nav-figures' },
  { view: 'taskforce', title: 'Task force report', hash: /^#figures\/report(?:\?[^#]*)?$/, perm: 'stats.read', heading: 'tf-heading', nav: 'nav-figures', inNav: false },
  { view: 'import', title: 'Import past years', hash: /^#import$/, perm: 'referrals.import', heading: 'import-heading', nav: 'nav-import' },
  // The provider directory keeps its search after a "?" (#providers?region=R1).
  { view: 'providers', title: 'Providers', hash: /^#providers(?:\?[^#]*)?$/, perm: 'providers.read', heading: 'providers-heading', nav: 'nav-providers' },
  { view: 'provider', title: 'Provider', hash: /^#provider\/(\d{1,15})$/, perm: 'providers.read', heading: 'provider-heading', nav: 'nav-providers', inNav: false },
  { view: 'provideredit', title: 'Provider details', hash: /^#provider\/(new|\d{1,15}\/edit)$/, perm: 'providers.manage', heading: 'provideredit-heading', nav: 'nav-providers', inNav: false },
  { view: 'referrals', title: 'Referrals', hash: /^#referrals$/, perm: 'referrals.read', heading: 'referrals-heading', nav: 'nav-referrals' },
  { view: 'referral', title: 'Referral', hash: /^#referral\/(\d{1,15})$/, perm: 'referrals.read', heading: 'referral-heading', nav: 'nav-referrals', inNav: false },
  { view: 'certificate', title: 'Certificate', hash: /^#certificate\/(\d{1,15})$/, perm: 'training.read', heading: 'certificate-heading', nav: 'nav-training', inNav: false },
  { view: 'trainers', title: 'Trainers', hash: /^#trainers$/, perm: 'training.read', heading: 'trainers-heading', nav: 'nav-trainers' },
  { view: 'trainer', title: 'Trainer', hash: /^#trainer\/(\d{1,15})$/, perm: 'training.read', heading: 'trainer-heading', nav: 'nav-trainers', inNav: false },
  { view: 'training', title: 'Training', hash: /^#training(?:\?[^#]*)?$/, perm: 'training.read', heading: 'training-heading', nav: 'nav-training' },
  { view: 'tsession', title: 'Training session', hash: /^#training\/session\/(\d{1,15})$/, perm: 'training.read', heading: 'tsession-heading', nav: 'nav-training', inNav: false },
  { view: 'timport', title: 'Import a sign-in sheet', hash: /^#training\/session\/(\d{1,15})\/import$/, perm: 'training.manage', heading: 'timport-heading', nav: 'nav-training', inNav: false },
  { view: 'trainee', title: 'Training record', hash: /^#training\/trainee\/(\d{1,15})$/, perm: 'training.read', heading: 'trainee-heading', nav: 'nav-training', inNav: false },
  { view: 'account', title: 'Your sessions', hash: /^#account$/, perm: 'session', heading: 'account-heading', inNav: false },
];
const VIEW_TITLES = {
  login: 'Log in',
  mfa: 'Second step of logging in',
  home: 'Home',
  ...Object.fromEntries(PAGES.map((p) => [p.view, p.title])),
};
const VIEWS = ['login', 'mfa', 'account', 'home', 'intake', 'report', 'queue', 'find', 'users', 'notes', 'cases', 'case', 'caseprint', 'mywork', 'caseload', 'planprint', 'person', 'teams', 'team', 'contacts', 'figures', 'taskforce', 'import', 'providers', 'provider', 'provideredit', 'referrals', 'referral', 'certificate', 'trainers', 'trainer', 'training', 'tsession', 'trainee', 'timport'];
const NAV_IDS = ['nav-home', ...new Set(PAGES.map((p) => p.nav).filter(Boolean))];

/** The navigation link of a view: an MDT member's cases are under its team. */
function navOf(view) {
  if (view === 'home') return 'nav-home';
  if ((view === 'case' || view === 'planprint' || view === 'caseprint') && !can('cases.write')) return 'nav-teams';
  return PAGES.find((p) => p.view === view)?.nav || null;
}

/** HART and liaisons have the dashboard as their home page. */
const hasDashboard = () => can('deadlines.read');

const pageFor = (hash) => PAGES.find((p) => p.hash.test(hash));

function setView(view) {
  if (document.body.dataset.view !== view) say('page-error', '');
  document.body.dataset.view = view;
  $('loading').hidden = true;
  for (const v of VIEWS) $(`${v}-view`).hidden = v !== view;
  const dashboard = view === 'home' && hasDashboard();
  $('dashboard').hidden = !dashboard;
  if (!dashboard) stopDashboard();
  document.body.classList.toggle('home-dashboard', dashboard);
  $('regions-panel').hidden = view !== 'home' || dashboard;
  // The server's status is not in the way of a call, a report or a case.
  $('status-panel').hidden = view !== 'home' && view !== 'login' && view !== 'find' && view !== 'users';
  // The navigation shows when there is more than one page to go to.
  const out = view === 'login' || view === 'mfa';
  $('nav').hidden = out || !PAGES.some((p) => p.inNav !== false && can(p.perm));
  $('account').hidden = out;
  const current = navOf(view);
  for (const id of NAV_IDS) {
    if (id === current) $(id).setAttribute('aria-current', 'page');
    else $(id).removeAttribute('aria-current');
  }
  document.title = `${VIEW_TITLES[view]} · ${siteTitle}`;
}

/** The view the address asks for, when the person may see it, and what the address holds. */
function routeView() {
  const page = pageFor(location.hash);
  // A provider lands on its queue of referrals (Home shows its agency).
  if (!location.hash && can('referrals.answer')) return { view: 'referrals', match: null };
  // A trainer lands on training (its Home leads there too).
  if (!location.hash && can('training.manage')) return { view: 'training', match: null };
  if (!page || !can(page.perm)) return { view: 'home', match: null };
  return { view: page.view, match: page.hash.exec(location.hash) };
}

function route({ focus }) {
  const { view, match } = routeView();
  setView(view);
  if (view === 'users') showAdmin();
  if (view === 'find') showFind();
  if (view === 'intake') showIntake();
  if (view === 'report') showReport(match[1]);
  if (view === 'queue') showQueue();
  if (view === 'notes') showNotes();
  if (view === 'home' && hasDashboard()) showDashboard();
  if (view === 'cases') showCases();
  if (view === 'case') showCase(match[1]);
  if (view === 'planprint') showPlanPrint(match[1], match[2], match[3]);
  if (view === 'caseprint') showCasePrint(match[1], match[2]);
  if (view === 'mywork') showMyWork();
  if (view === 'caseload') showCaseload();
  if (view === 'person') showPerson(match[1]);
  if (view === 'teams') showTeams();
  if (view === 'team') showTeam(match[1]);
  if (view === 'contacts') showContacts();
  if (view === 'figures') showFigures();
  if (view === 'taskforce') showReportPage();
  if (view === 'import') showImport();
  if (view === 'account') showAccount();
  if (view === 'providers') showProviders();
  if (view === 'provider') showProvider(match[1]);
  if (view === 'provideredit') showProviderEdit(match[1]);
  if (view === 'home') showHomeAgency(me && me.user);
  if (view === 'referrals') showReferrals();
  if (view === 'referral') showReferral(match[1]);
  if (view === 'certificate') showCertificatePrint(match[1]);
  if (view === 'trainers') showTrainers();
  if (view === 'trainer') showTrainer(match[1]);
  if (view === 'training') showTraining();
  if (view === 'tsession') showTrainingSession(match[1]);
  if (view === 'trainee') showTrainee(match[1]);
  if (view === 'timport') showTrainingImport(match[1]);
  if (focus) $(PAGES.find((p) => p.view === view)?.heading || 'home-heading').focus();
}

// ---------------------------------------------------------------- session

function enterSession(user, csrf, permissions) {
  setCsrfToken(csrf);
  me = { user, permissions: Array.isArray(permissions) ? permissions : [] };
  $('who-name').textContent = user.display_name || user.username;
  $('home-heading').textContent = user.display_name || user.username;
  const scope = scopeText(user);
  $('me-role').textContent = scope ? `${user.role_label} · ${scope}` : user.role_label;
  $('me-username').textContent = user.username;
  $('me-role-label').textContent = user.role_label;
  $('me-scope').textContent = scope;
  $('me-scope').parentElement.hidden = !scope;
  // Each permission shows its page in the navigation and in the account menu.
  for (const [perm, navItem, meLink] of [
    ['users.manage', 'nav-users-item', 'me-admin-link'],
    ['persons.match', 'nav-find-item', 'me-find-link'],
    ['intakes.write', 'nav-intake-item', 'me-intake-link'],
    ['intakes.read', 'nav-queue-item', 'me-queue-link'],
  ]) {
    const allowed = can(perm);
    $(navItem).hidden = !allowed;
    $(meLink).hidden = !allowed;
  }
  // HART and liaisons: the dashboard is home, then the cases; an MDT member
  // has its team; everyone has the contacts.
  $('nav-home').textContent = hasDashboard() ? 'Dashboard' : 'Home';
  $('nav-cases-item').hidden = !can('cases.write');
  $('nav-teams-item').hidden = !can('teams.read');
  $('nav-mywork-item').hidden = !can('cases.read');
  $('nav-caseload-item').hidden = !can('caseload.read');
  $('nav-teams').textContent = can('cases.write') ? 'Teams' : 'My team';
  $('nav-contacts-item').hidden = !can('contacts.read');
  $('nav-providers-item').hidden = !can('providers.read');
  // HART, liaisons and analysts: the figures; the analyst's home leads there.
  const stats = can('stats.read');
  $('nav-figures-item').hidden = !stats;
  $('me-figures-link').hidden = !stats;
  $('me-report-link').hidden = !stats;
  $('nav-import-item').hidden = !can('referrals.import');
  $('nav-referrals-item').hidden = !can('referrals.answer');
  $('nav-trainers-item').hidden = !can('training.read');
  $('nav-training-item').hidden = !can('training.read');
  $('home-training').hidden = !can('training.read');
  startNotes();
}

/** Forgets everything about the session and shows the login page. */
function leaveSession(message, { discardDrafts = false } = {}) {
  me = null;
  setCsrfToken(null);
  stopNotes();
  clearAdmin();
  clearFind();
  // A report being taken stays in this tab's draft when the session ended by
  // itself; logging out on purpose discards it.
  clearIntake({ discardDraft: discardDrafts });
  if (discardDrafts) removeAllDrafts();
  clearReport();
  clearQueue();
  clearDashboard();
  clearCases();
  clearPlans();
  clearPerson();
  clearTeams();
  clearContacts();
  clearProviders();
  clearFigures();
  clearImport();
  clearReferrals();
  clearCertificates();
  clearTraining();
  clearTrainingImport();
  clearMyWork();
  clearCaseload();
  clearPrint();
  clearAccount();
  clearMfa();
  for (const id of ['who-name', 'home-heading', 'me-role', 'me-username', 'me-role-label', 'me-scope'])
    $(id).textContent = '';
  for (const id of ['nav-users-item', 'nav-find-item', 'nav-intake-item', 'nav-queue-item', 'nav-cases-item', 'nav-teams-item',
    'nav-contacts-item', 'nav-providers-item', 'nav-figures-item', 'me-figures-link', 'me-report-link', 'nav-import-item', 'nav-referrals-item', 'nav-trainers-item', 'nav-training-item', 'home-training']) $(id).hidden = true;
  $('nav-home').textContent = 'Home';
  showLogin({ message });
}

function showLogin({ message = '', error = '' } = {}) {
  setView('login');
  say('login-message', message);
  say('login-error', error);
  $('login-password').value = '';
  const user = $('login-username');
  user.removeAttribute('aria-invalid');
  $('login-password').removeAttribute('aria-invalid');
  (user.value ? $('login-password') : user).focus();
}

setSessionEndedHandler(() => {
  if (!me) return;
  const kept = hasUnsavedReport();
  leaveSession(kept
    ? 'Your session has ended. Log in again to continue: the report you were taking is kept in this tab.'
    : 'Your session has ended. Log in again to continue.');
});

async function logIn(event) {
  const submit = submitButton(event, 'login-submit');
  if (!submit) return;
  const userEl = $('login-username');
  const passEl = $('login-password');
  const username = userEl.value.trim();
  const password = passEl.value;
  say('login-message', '');
  say('login-error', '');
  userEl.toggleAttribute('aria-invalid', !username);
  passEl.toggleAttribute('aria-invalid', !password);
  if (!username || !password) {
    say('login-error', !username && !password ? 'Enter your username and password.'
      : !username ? 'Enter your username.' : 'Enter your password.');
    (username ? passEl : userEl).focus();
    return;
  }
  const form = $('login-form');
  form.setAttribute('aria-busy', 'true');
  const done = busy(submit, 'Logging in…');
  const r = await api('POST', '/api/v1/session', { username, password }, { session: false });
  if (r.status === 200 && r.body && r.body.mfa_required) {
    form.removeAttribute('aria-busy');
    done();
    passEl.value = '';
    enterSecondStep(r.body.csrf_token, r.body.next);
    return;
  }
  if (r.status === 201 && r.body && r.body.user) {
    // The permissions come with /me; the login answer does not list them.
    const m = await api('GET', '/api/v1/me', undefined, { session: false });
    form.removeAttribute('aria-busy');
    done();
    passEl.value = '';
    if (m.ok && m.body && m.body.user) enterSession(m.body.user, m.body.csrf_token, m.body.permissions);
    else enterSession(r.body.user, r.body.csrf_token, ['session']);
    route({ focus: true });
    return;
  }
  form.removeAttribute('aria-busy');
  done();
  passEl.value = '';
  let text;
  if (r.status === 422) text = 'Enter your username and password.';
  else if (r.status === 401) text = problemText(r);
  else text = problemText(r, 'You could not be logged in');
  say('login-error', text);
  if (r.status === 401) passEl.setAttribute('aria-invalid', 'true');
  passEl.focus();
}

/** The password was right; the session waits for the second factor. */
function enterSecondStep(csrf, next) {
  setCsrfToken(csrf);
  me = null;
  setView('mfa');
  showMfa(next);
}

/** The second factor was given: the session is complete. */
async function secondStepDone() {
  const m = await api('GET', '/api/v1/me', undefined, { session: false });
  clearMfa();
  if (m.ok && m.body && m.body.user && !(m.body.second_factor && m.body.second_factor.next)) {
    enterSession(m.body.user, m.body.csrf_token, m.body.permissions);
    route({ focus: true });
  } else {
    showLogin({ error: problemText(m, 'You could not be logged in') });
  }
}

async function logOut() {
  if (hasUnsavedReport()) {
    if (!window.confirm('The report you are taking is not saved. Log out and discard it?')) return;
    await discardServerDraft();
  }
  const button = $('logout');
  const done = busy(button, 'Logging out…');
  const r = await api('DELETE', '/api/v1/session', undefined, { session: false });
  done();
  if (!r.ok && r.status !== 401) {
    say('page-error', problemText(r, 'You are still logged in'));
    return;
  }
  leaveSession('You have logged out.', { discardDrafts: true });
}

// ---------------------------------------------------------------- start

async function start() {
  showBrand();
  const configReady = showConfig().catch(() => {});
  showHealth();
  // The session's state: 200 whether or not there is one.
  const r = await api('GET', '/api/v1/session', undefined, { session: false });
  await configReady;
  if (r.ok && r.body && r.body.user && r.body.second_factor && r.body.second_factor.next) {
    enterSecondStep(r.body.csrf_token, r.body.second_factor.next);
  } else if (r.ok && r.body && r.body.user) {
    enterSession(r.body.user, r.body.csrf_token, r.body.permissions);
    route({ focus: false });
  } else if (r.ok || r.status === 401) {
    showLogin();
  } else {
    showLogin({ error: problemText(r, 'Your session could not be checked') });
  }
}

$('login-form').addEventListener('submit', logIn);
$('logout').addEventListener('click', logOut);
window.addEventListener('hashchange', () => {
  // Only #home and the PAGES are pages; other fragments are places on a page.
  if (me && (location.hash === '#home' || location.hash === '' || pageFor(location.hash))) route({ focus: true });
});
$('jump-add').addEventListener('click', (e) => {
  e.preventDefault();
  $('add-heading').focus();
  $('add-heading').scrollIntoView({ block: 'start' });
});
document.querySelector('.skip').addEventListener('click', (e) => {
  e.preventDefault();
  $('main').focus();
});

initAccount({
  done: secondStepDone,
  cancel: (message) => {
    clearMfa();
    setCsrfToken(null);
    showLogin({ message });
  },
});
initFind();
initIntake({
  user: () => (me ? me.user : null),
  can,
  saved: (created) => {
    setReportMessage(created.id, created.replayed
      ? `Report ${created.number} had already been saved: it is shown as it was first saved.`
      : `Report ${created.number} saved. Next: is each child known, the screen, and the decision.`);
    location.hash = `#intake/${created.id}`;
    refreshNotes();
  },
});
initReport({ can });
initDashboard({ can, user: () => (me ? me.user : null) });
initCases({ can, user: () => (me ? me.user : null) });
initPerson({ can });
initTeams({ can, user: () => (me ? me.user : null) });
initContacts({ can });
initCertificates({ can });
initProviders({ can, user: () => (me ? me.user : null) });
initImport({ can });
initReferrals({ can, user: () => (me ? me.user : null) });
initTraining({ can });
initTrainingImport();
initFigures({ can, user: () => (me ? me.user : null) });
initPlans({ can, user: () => (me ? me.user : null) });
initPrint({ can });
initMyWork();
initCaseload({ user: () => (me ? me.user : null) });
wirePlanPrint();
initQueue({ user: () => (me ? me.user : null) });
initNotes({ visible: () => document.body.dataset.view === 'notes' });
initAdmin({
  self: () => (me ? me.user : null),
  endSession: (message) => leaveSession(message),
});
start();

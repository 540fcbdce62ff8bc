// The jurisdiction pack the tests run on, and what the tests need from it
// by meaning: a region, one of its offices and a town in it, a second
// region, a town no office lists, a source, an instrument, a service, a
// course... A test names "a town of the second region", never a town of
// one state, so that the same suite runs on every pack.
//
// Environment:
//   HARTLINE_TEST_PACK  the pack file (default packs/connecticut.json, which
//                       is also the binary's built-in pack). When it is
//                       set, the harness gives it as --pack to every command
//                       that takes one (tests/lib/server.mjs).

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(process.env.HARTLINE_SOURCE_ROOT || path.join(here, '..', '..'));

/** The pack's file, absolute. */
export const PACK_PATH = process.env.HARTLINE_TEST_PACK
  ? path.resolve(root, process.env.HARTLINE_TEST_PACK)
  : path.join(root, 'packs', 'connecticut.json');

/** Whether HARTLINE_TEST_PACK names a pack the harness must pass as --pack. */
export const PACK_GIVEN = Boolean(process.env.HARTLINE_TEST_PACK);

let text;
try {
  text = fs.readFileSync(PACK_PATH, 'utf8');
} catch (e) {
  throw new Error(`HARTLINE_TEST_PACK=${PACK_PATH} cannot be read: ${e.message}`);
}

/** The pack as parsed JSON. */
export const PACK = JSON.parse(text);

/** The pack's id ("connecticut", ...). */
export const PACK_ID = PACK.pack.id;

/** Whether the tests run on the Connecticut pack (packs/connecticut.json, the built-in one). */
export const IS_CONNECTICUT = PACK_ID === 'connecticut';

/**
 * Options for a test about packs/connecticut.json itself (its towns, its
 * statutes): skipped, with the reason, on any other pack.
 */
export const CONNECTICUT_ONLY = IS_CONNECTICUT
  ? {}
  : { skip: `about packs/connecticut.json itself; the tests run on ${path.basename(PACK_PATH)}` };

function need(cond, what) {
  if (!cond) throw new Error(`the tests need a pack with ${what}; ${PACK_PATH} has none`);
}

function ids(list) {
  return (list || []).map((x) => x.id);
}

// ---- places ----

/** Every region, as in the pack ({ id, name, offices }). */
export const REGIONS = PACK.regions;
need(REGIONS.length >= 2, 'two regions');

/** The id of the i-th region (0: the first). */
export function region(i = 0) {
  need(i < REGIONS.length, `${i + 1} regions`);
  return REGIONS[i].id;
}

/** A region's name. */
export function regionName(id) {
  const r = REGIONS.find((x) => x.id === id);
  need(r, `region ${id}`);
  return r.name;
}

/** The offices of a region ({ id, name, towns }). */
export function officesOf(regionId) {
  const r = REGIONS.find((x) => x.id === regionId);
  need(r, `region ${regionId}`);
  return r.offices;
}

/** The i-th office of a region. */
export function officeOf(regionId, i = 0) {
  const offices = officesOf(regionId);
  need(i < offices.length, `${i + 1} offices in region ${regionId}`);
  return offices[i];
}

/** Every town a region's offices list, in order, without repeats. */
export function townsOf(regionId) {
  const towns = [];
  for (const o of officesOf(regionId)) for (const t of o.towns) if (!towns.includes(t)) towns.push(t);
  return towns;
}

/** The i-th town of a region that no other region lists (a report from it goes to that region). */
export function townOf(regionId, i = 0) {
  const own = townsOf(regionId).filter((t) => regionsOfTown(t).length === 1);
  need(i < own.length, `${i + 1} towns of region ${regionId} that no other region lists`);
  return own[i];
}

/** The ids of the regions whose offices list town. */
export function regionsOfTown(town) {
  return REGIONS.filter((r) => r.offices.some((o) => o.towns.includes(town))).map((r) => r.id);
}

/** The region a town is in (the first that lists it). */
export function regionOfTown(town) {
  const [r] = regionsOfTown(town);
  need(r, `a region that lists ${town}`);
  return r;
}

/** The office that lists town. */
export function officeOfTown(town) {
  for (const r of REGIONS) for (const o of r.offices) if (o.towns.includes(town)) return o;
  need(false, `an office that lists ${town}`);
  return null;
}

/** Every town of the pack, without repeats. */
export const TOWNS = [...new Set(REGIONS.flatMap((r) => r.offices.flatMap((o) => o.towns)))];

/** A town no office of the pack lists. */
export const UNLISTED_TOWN = ['Nowhere Junction', 'Nowhere Junction East', 'Xyzzy Falls'].find((t) => !TOWNS.includes(t));

/** Emergency departments ({ id, name, town, region }). */
export const EMERGENCY_DEPARTMENTS = PACK.emergency_departments || [];

// ---- intake ----

/** Referral source ids, in the pack's order. */
export const SOURCES = ids(PACK.referral_sources);
need(SOURCES.length >= 3, 'three referral sources');

/** The i-th referral source id (taken round when the pack has fewer). */
export function source(i = 0) {
  return SOURCES[i % SOURCES.length];
}

/** A source's name. */
export function nameOf(list, id) {
  const x = (PACK[list] || []).find((y) => y.id === id);
  need(x, `${id} in ${list}`);
  return x.name;
}

/** Vulnerability (concern) ids, in the pack's order. */
export const CONCERNS = ids(PACK.vulnerabilities);
need(CONCERNS.length >= 3, 'three vulnerabilities');

/** The concerns that say commercial sex (a report naming one is a suspicion of trafficking). */
export const COMMERCIAL_SEX_CONCERNS = PACK.commercial_sex_concerns || [];

/** The i-th concern that is not a commercial-sex concern. */
export function concern(i = 0) {
  const plain = CONCERNS.filter((c) => !COMMERCIAL_SEX_CONCERNS.includes(c));
  return plain[i % plain.length];
}

/** Trafficking type ids. */
export const TRAFFICKING_TYPES = ids(PACK.trafficking_types);

/** The hotline's name (Careline, ...). */
export const HOTLINE = PACK.pack.hotline.name;

/** The pack's time zone. */
export const TIME_ZONE = PACK.pack.time_zone;

/** Screening instruments ({ id, version, name, kind, items, positive_at }). */
export const INSTRUMENTS = PACK.screening_instruments;

/** The instrument a hotline screen uses unless told otherwise. */
export const DEFAULT_INSTRUMENT = PACK.pack.default_screening;

/** The instrument a return from missing is screened again with. */
export const RESCREEN_INSTRUMENT = PACK.pack.rescreen_instrument;

/** An instrument by id. */
export function instrument(id) {
  const x = INSTRUMENTS.find((i) => i.id === id);
  need(x, `screening instrument ${id}`);
  return x;
}

/** Disposition ids. */
export const DISPOSITIONS = ids(PACK.dispositions);

/** A deadline (duty) by id: { id, name, minutes, ... }. */
export function deadline(id) {
  const x = (PACK.deadlines || []).find((d) => d.id === id);
  need(x, `deadline ${id}`);
  return x;
}

// ---- people and teams ----

/** MDT role ids. */
export const MDT_ROLES = ids(PACK.mdt_roles);

/** Age groups ({ id, name, min, max }). */
export const AGE_GROUPS = PACK.age_groups;

/** The name of the age group an age falls in. */
export function ageGroupName(age) {
  const g = AGE_GROUPS.find((x) => age >= x.min && (x.max === undefined || x.max === null || age <= x.max));
  need(g, `an age group for age ${age}`);
  return g.name;
}

/** Gender identity ids. */
export const GENDERS = ids(PACK.gender_identities);

/** Population ids. */
export const POPULATIONS = ids(PACK.populations);

// ---- services and referrals ----

/** Service ids, in the pack's order. */
export const SERVICES = ids(PACK.services);
need(SERVICES.length >= 3, 'three services');

/** Services with a deadline for a provider's answer: [{ service, minutes }]. */
export const FAST_ANSWER_SERVICES = (PACK.referral_answer && PACK.referral_answer.services) || [];

/** The i-th service that has no answer deadline of its own. */
export function service(i = 0) {
  const plain = SERVICES.filter((s) => !FAST_ANSWER_SERVICES.some((f) => f.service === s));
  return plain[i % plain.length];
}

/** The i-th of a list (taken round when it is shorter). */
export function nth(list, i = 0) {
  need(list.length > 0, 'a list this test needs');
  return list[i % list.length];
}

/** Lists of reasons and outcomes, by the pack's key. */
export const DECLINE_REASONS = ids(PACK.referral_decline_reasons);
export const END_REASONS = ids(PACK.referral_end_reasons);
export const CLOSURE_REASONS = ids(PACK.case_closure_reasons);
export const OUTCOMES = ids(PACK.referral_outcomes);
export const RELIEF_OFFENCES = ids(PACK.relief_offences);

/** The first id of list other than 'other' (a reason that needs no words). */
export function plainReason(list, i = 0) {
  const plain = list.filter((x) => x !== 'other');
  need(i < plain.length, `${i + 1} reasons besides "other"`);
  return plain[i];
}

// ---- training ----

/** Training audience ids. */
export const AUDIENCES = ids(PACK.training_audiences);

/** Courses ({ id, name, hours, certifies, valid_months, audiences }). */
export const COURSES = PACK.courses || [];

/** The i-th course that gives a certificate. */
export function certifyingCourse(i = 0) {
  const c = COURSES.filter((x) => x.certifies);
  need(i < c.length, `${i + 1} courses that give a certificate`);
  return c[i];
}

/** The i-th course that gives no certificate. */
export function plainCourse(i = 0) {
  const c = COURSES.filter((x) => !x.certifies);
  need(i < c.length, `${i + 1} courses that give no certificate`);
  return c[i];
}

/** A course by id. */
export function course(id) {
  const x = COURSES.find((c) => c.id === id);
  need(x, `course ${id}`);
  return x;
}

/** What makes an agency trafficking-informed: { courses, within_months, min_staff, min_supervisors }. */
export const INFORMED = PACK.trafficking_informed;

// ---- time ----

/** The pack's zone's offset from UTC at instant (a Date or ms), in minutes (-300 for UTC-5). */
export function utcOffsetMinutes(instant) {
  const name = new Intl.DateTimeFormat('en-US', { timeZone: TIME_ZONE, timeZoneName: 'longOffset' })
    .formatToParts(new Date(instant)).find((p) => p.type === 'timeZoneName').value;
  const m = /GMT([+-])(\d{2}):(\d{2})/.exec(name);
  return m ? (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])) : 0;
}

/** The local time "YYYY-MM-DDTHH:MM:SS" in the pack's zone as RFC 3339 with its offset (e.g. -05:00). */
export function localTime(local) {
  // The offset at the instant the wall time names (taken twice, for a time near a change).
  let offset = utcOffsetMinutes(Date.parse(`${local}Z`));
  offset = utcOffsetMinutes(Date.parse(`${local}Z`) - offset * 60_000);
  const sign = offset < 0 ? '-' : '+';
  const a = Math.abs(offset);
  return `${local}${sign}${String(Math.floor(a / 60)).padStart(2, '0')}:${String(a % 60).padStart(2, '0')}`;
}

// ---- places by position ----

/**
 * The oi-th office of the ri-th region (taken round when the region has
 * fewer): tests name places by position, "the second office of the first
 * region", not by a state's names.
 */
export function office(ri, oi = 0) {
  const offices = officesOf(region(ri));
  return offices[oi % offices.length];
}

/**
 * The ti-th town of office(ri, oi) that no other region lists (taken round
 * when it has fewer).
 */
export function town(ri, oi = 0, ti = 0) {
  const own = office(ri, oi).towns.filter((t) => regionsOfTown(t).length === 1);
  need(own.length > 0, `a town of office ${office(ri, oi).id} that no other region lists`);
  return own[ti % own.length];
}

/** Age group ids, in the pack's order. */
export const AGE_GROUP_IDS = ids(PACK.age_groups);

/** Course ids, in the pack's order. */
export const COURSE_IDS = COURSES.map((c) => c.id);

/** Emergency department ids. */
export const EMERGENCY_DEPARTMENT_IDS = EMERGENCY_DEPARTMENTS.map((e) => e.id);

/** The wall time "YYYY-MM-DDTHH:MM:SS" in the pack's zone as UTC, "YYYY-MM-DDTHH:MM:SSZ". */
export function utcOf(local) {
  return new Date(localTime(local)).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

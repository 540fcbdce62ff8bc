-- 0015: restore and recovery (docs/recovery.md): the provider network,
-- service referrals and their history, safety and service plans, record
-- relief, and merging two records of one child.
--
-- Sealed: a referral's reason and notes, a plan's body, a relief record's
-- docket number, outcome and defence notes, a merge's reason (they speak
-- of the child), and a provider's staff contacts. In the clear: providers
-- (organisations and their public contacts), codes, statuses, times,
-- regions and services.

-- An agency of the provider network. code is the scope of its provider
-- users. staff holds the staff contacts (sealed JSON), left out of the public
-- export. informed_* is the trafficking-informed status and its basis.
CREATE TABLE provider (
	id @ID@,
	code TEXT NOT NULL UNIQUE,
	name TEXT NOT NULL,
	description TEXT,
	age_min BIGINT,
	age_max BIGINT,
	capacity BIGINT,
	openings BIGINT,
	phone TEXT,
	email TEXT,
	website TEXT,
	address TEXT,
	staff @BLOB@,
	informed_status TEXT NOT NULL DEFAULT 'not_informed',
	informed_basis TEXT,
	informed_until TEXT,
	active BIGINT NOT NULL DEFAULT 1,
	version BIGINT NOT NULL DEFAULT 1,
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL
);
CREATE INDEX provider_name ON provider (name, id);

-- What a provider offers, one row per value: kind is service, region,
-- population or language; value a pack id (a language is its name).
CREATE TABLE provider_offer (
	provider_id BIGINT NOT NULL REFERENCES provider (id),
	kind TEXT NOT NULL,
	value TEXT NOT NULL,
	PRIMARY KEY (provider_id, kind, value)
);
CREATE INDEX provider_offer_value ON provider_offer (kind, value, provider_id);

-- A referral of a child on a case to a provider for one service. status:
-- pending, accepted, declined, started, completed, ended (early),
-- withdrawn. reason_code is the decline or end reason (a pack id).
CREATE TABLE service_referral (
	id @ID@,
	number TEXT NOT NULL UNIQUE,
	case_id BIGINT NOT NULL REFERENCES child_case (id),
	person_id BIGINT NOT NULL REFERENCES person (id),
	provider_id BIGINT NOT NULL REFERENCES provider (id),
	service TEXT NOT NULL,
	region TEXT NOT NULL,
	urgency TEXT NOT NULL DEFAULT 'routine',
	reason @BLOB@,
	status TEXT NOT NULL DEFAULT 'pending',
	reason_code TEXT,
	outcome TEXT,
	note @BLOB@,
	referred_at TEXT NOT NULL,
	referred_by BIGINT REFERENCES app_user (id),
	answer_due_at TEXT NOT NULL,
	answered_at TEXT,
	started_at TEXT,
	ended_at TEXT,
	rereferral_of BIGINT REFERENCES service_referral (id),
	version BIGINT NOT NULL DEFAULT 1,
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL
);
CREATE INDEX service_referral_provider ON service_referral (provider_id, status, id);
CREATE INDEX service_referral_case ON service_referral (case_id, id);
CREATE INDEX service_referral_person ON service_referral (person_id);
CREATE INDEX service_referral_status ON service_referral (status, id);

-- Every status a referral passed through, with who and when.
CREATE TABLE service_referral_step (
	id @ID@,
	referral_id BIGINT NOT NULL REFERENCES service_referral (id),
	status TEXT NOT NULL,
	reason_code TEXT,
	note @BLOB@,
	at TEXT NOT NULL,
	by_user BIGINT REFERENCES app_user (id)
);
CREATE INDEX service_referral_step_referral ON service_referral_step (referral_id, id);

-- A safety or service plan: each save is a new version; the latest is the
-- plan. body is sealed JSON: goals, the services for each, who is
-- responsible. review_at is the next review (a duty).
CREATE TABLE case_plan (
	id @ID@,
	case_id BIGINT NOT NULL REFERENCES child_case (id),
	kind TEXT NOT NULL,
	version BIGINT NOT NULL,
	body @BLOB@,
	review_at TEXT,
	written_by BIGINT REFERENCES app_user (id),
	written_at TEXT NOT NULL,
	UNIQUE (case_id, kind, version)
);

-- A record about a child that may be vacated or erased. status:
-- identified, petition_filed, hearing_set, granted, denied. Once granted
-- the records it names (relief_link) are restricted.
CREATE TABLE relief_record (
	id @ID@,
	person_id BIGINT NOT NULL REFERENCES person (id),
	court TEXT NOT NULL,
	docket @BLOB@,
	offence TEXT NOT NULL,
	offence_date TEXT,
	relief_kind TEXT NOT NULL DEFAULT 'vacatur',
	status TEXT NOT NULL DEFAULT 'identified',
	petition_filed_on TEXT,
	hearing_on TEXT,
	decided_on TEXT,
	outcome @BLOB@,
	defence_notes @BLOB@,
	version BIGINT NOT NULL DEFAULT 1,
	created_by BIGINT REFERENCES app_user (id),
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL
);
CREATE INDEX relief_record_person ON relief_record (person_id);

-- The reports and cases a relief record is about (kind: intake or case).
CREATE TABLE relief_link (
	relief_id BIGINT NOT NULL REFERENCES relief_record (id),
	kind TEXT NOT NULL,
	object_id BIGINT NOT NULL,
	PRIMARY KEY (relief_id, kind, object_id)
);
CREATE INDEX relief_link_object ON relief_link (kind, object_id);

-- Two records found to be one child: merged into kept. moved lists every
-- row that was repointed (JSON: table, column, row id), so that undoing
-- the merge puts back exactly those.
CREATE TABLE person_merge (
	id @ID@,
	kept_id BIGINT NOT NULL REFERENCES person (id),
	merged_id BIGINT NOT NULL REFERENCES person (id),
	reason @BLOB@,
	moved TEXT NOT NULL,
	merged_by BIGINT REFERENCES app_user (id),
	merged_at TEXT NOT NULL,
	undone_by BIGINT REFERENCES app_user (id),
	undone_at TEXT
);
CREATE INDEX person_merge_kept ON person_merge (kept_id);
CREATE INDEX person_merge_merged ON person_merge (merged_id);
ALTER TABLE person ADD COLUMN merged_into BIGINT;

-- 0003: the children the agency knows, for identity resolution.
--
-- Names, aliases and the birth date are sealed; sex and town stay clear for
-- routing and figures. An estimated age keeps the date it was estimated on.
-- synthetic marks demo and test records, which no real person is in.
CREATE TABLE person (
	id @ID@,
	given_name @BLOB@,
	family_name @BLOB@,
	aliases @BLOB@,
	dob @BLOB@,
	estimated_age BIGINT,
	age_estimated_on TEXT,
	sex TEXT,
	town TEXT,
	synthetic BIGINT NOT NULL DEFAULT 0,
	version BIGINT NOT NULL DEFAULT 1,
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL
);

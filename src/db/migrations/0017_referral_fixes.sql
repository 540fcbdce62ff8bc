-- 0017: a declined referral is re-referred once (docs/recovery.md,
-- "Service referrals"): two re-referrals at once, the second meets this
-- key. Numbered 0017 because the runner applies migrations in an unbroken
-- run from 0001: with 0017 absent, 0018 (the providers' indexes) was never
-- applied.
CREATE UNIQUE INDEX service_referral_one_rereferral ON service_referral (rereferral_of)
	WHERE rereferral_of IS NOT NULL;

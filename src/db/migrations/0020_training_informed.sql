-- 0020: the lapse date a
-- provider's users and the trainers were last told of, so that the notice
-- that a trafficking-informed status will lapse goes once for each date
-- (docs/training.md, "Trafficking-informed providers").
ALTER TABLE provider ADD COLUMN informed_lapse_notified_for TEXT;

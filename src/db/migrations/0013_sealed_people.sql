-- 0013: seal what still identified a person or a case in clear
-- (docs/security.md, "What stays in clear"): a mandated report's officer
-- and reference number (and the NCMEC case number kept with a missing
-- episode), a rapid response's responder, MDT members' names, e-mails and
-- telephones, action items' owners, the contacts directory's names,
-- telephones and e-mails, and a child's gender identity as typed.
--
-- A migration has no key, so it only adds the sealed columns. The values
-- already in the old columns are sealed into the new ones, and the old
-- ones cleared, by hartline migrate (and by every start) with the key ring:
-- svc_upgrade_seal() in src/service/upgrade.c. Old columns declared NOT
-- NULL keep '' in place of the value.
--
-- gender_category is the pack's gender category the typed value falls in
-- (free text outside the pack's list: its "another identity"); figures
-- count by it and never by the words typed.
ALTER TABLE mandated_report ADD COLUMN officer_sealed @BLOB@;
ALTER TABLE mandated_report ADD COLUMN reference_sealed @BLOB@;
ALTER TABLE missing_episode ADD COLUMN ncmec_sealed @BLOB@;
ALTER TABLE rapid_response ADD COLUMN responder_sealed @BLOB@;
ALTER TABLE mdt_member ADD COLUMN name_sealed @BLOB@;
ALTER TABLE mdt_member ADD COLUMN email_sealed @BLOB@;
ALTER TABLE mdt_member ADD COLUMN phone_sealed @BLOB@;
ALTER TABLE action_item ADD COLUMN owner_sealed @BLOB@;
ALTER TABLE contact ADD COLUMN name_sealed @BLOB@;
ALTER TABLE contact ADD COLUMN phone_sealed @BLOB@;
ALTER TABLE contact ADD COLUMN email_sealed @BLOB@;
ALTER TABLE intake_child ADD COLUMN gender_sealed @BLOB@;
ALTER TABLE intake_child ADD COLUMN gender_category TEXT;

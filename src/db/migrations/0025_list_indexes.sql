-- Indexes for the lists' sorts (src/service/page.h): a page is read by
-- keyset, "(sort key, id) after the cursor's place ORDER BY sort key, id",
-- so each sort has an index on (key, id) and a page is a short walk of
-- one index however deep it is. The regional forms serve a liaison, whose
-- lists are always of one region.
CREATE INDEX child_case_opened ON child_case (opened_at, id);
CREATE INDEX child_case_status_page ON child_case (status, id);
CREATE INDEX child_case_region_page ON child_case (region, id);
CREATE INDEX child_case_region_opened ON child_case (region, opened_at, id);
CREATE INDEX child_case_lead ON child_case (lead_user_id, opened_at, id);
CREATE INDEX intake_received ON intake (received_at, id);
CREATE INDEX intake_open_page ON intake (disposition, received_at, id);
CREATE INDEX intake_region_page ON intake (region, received_at, id);
-- A list searched by a child's name reads the cases and reports of the
-- people the identity registry names, and of the records merged into them.
CREATE INDEX person_merged_into ON person (merged_into);

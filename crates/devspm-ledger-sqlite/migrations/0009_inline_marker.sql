-- devspm schema version 9: the inline marker (`gitleaks:allow`, `devspm:allow`) a detector saw
-- on a finding's line (`finding_recorded.inline_marker`): such a finding is recorded, counted and
-- listed as ignored by that marker, never gated on. Findings without a row carry none (every
-- finding recorded before this version).
CREATE TABLE IF NOT EXISTS finding_markers (
    finding_id TEXT NOT NULL PRIMARY KEY,
    marker     TEXT NOT NULL
);

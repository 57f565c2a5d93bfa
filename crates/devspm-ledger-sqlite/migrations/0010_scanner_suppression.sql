-- devspm schema version 10: a scanner's own suppression of a result it reported (a SARIF
-- `suppressions` entry that stands, semgrep's `nosemgrep`; `finding_recorded.scanner_suppression`):
-- such a finding is recorded, counted and listed as ignored by the scanner, never gated on.
-- Findings without a row carry none (every finding recorded before this version: importers
-- left suppressed results out then).
CREATE TABLE IF NOT EXISTS finding_suppressions (
    finding_id    TEXT NOT NULL PRIMARY KEY,
    kind          TEXT NOT NULL,
    justification TEXT
);

-- Verification workflow of the child information system (QĐ 3978/QĐ-BYT): the step each
-- record is at, and when and by whom it was last checked. Keep in step with
-- ../postgres/0004_verification.sql (schema.txt checks both).
ALTER TABLE children ADD COLUMN verification_status TEXT NOT NULL DEFAULT 'collected';
ALTER TABLE children ADD COLUMN checked_at TEXT;
ALTER TABLE children ADD COLUMN checked_by TEXT;

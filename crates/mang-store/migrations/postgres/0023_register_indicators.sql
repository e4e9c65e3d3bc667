-- Indicator 55 (communes with a children's play or culture venue): recorded with the
-- commune's child-friendly self-assessment (criterion 12, QĐ 06/2019/QĐ-TTg).
-- Keep in step with ../sqlite/0023_register_indicators.sql.
ALTER TABLE child_friendly_assessments ADD COLUMN play_venue INTEGER NOT NULL DEFAULT 0;

-- Period facts now include the five-year stage (2021-2025, 2026-2030): every child with
-- health records is queued so that `mang migrate` (or the first computation) adds them.
INSERT OR IGNORE INTO indicator_dirty (child_id)
SELECT child_id FROM child_doses UNION SELECT child_id FROM child_measurements
UNION SELECT child_id FROM child_health_checks UNION SELECT child_id FROM child_births;

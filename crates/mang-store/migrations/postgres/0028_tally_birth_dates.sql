-- Vitamin A and check-up facts keep the child's birth date (not its month), with an index
-- per kind: a reading counts the birth months its reference date splits from these
-- contiguous entries instead of looking up each child's fact. The facts are rebuilt: every
-- child with records is queued and the tallies they fed start from zero (the child tally
-- is untouched).
DELETE FROM indicator_facts;
ALTER TABLE indicator_facts RENAME COLUMN birth_month TO birth_date;
CREATE INDEX indicator_facts_vita ON indicator_facts (province_code, period, birth_date, commune_code, active, a)
    WHERE kind = 'vita';
CREATE INDEX indicator_facts_chk ON indicator_facts (province_code, period, birth_date, commune_code, active, a)
    WHERE kind = 'chk';
DELETE FROM indicator_tally WHERE kind <> 'child';
INSERT INTO indicator_dirty (child_id)
SELECT child_id FROM child_doses UNION SELECT child_id FROM child_measurements
UNION SELECT child_id FROM child_health_checks UNION SELECT child_id FROM child_births
ON CONFLICT DO NOTHING;

-- Vitamin A and check-up facts keep the child's birth date (not its month), with an index
-- per kind: a reading counts the birth months its reference date splits from these
-- contiguous entries instead of looking up each child's fact (0.8 s with a cold disk
-- cache on a 2.5-million-child province). The facts are rebuilt: every child with records
-- is queued and the tallies they fed start from zero (the child tally is untouched).
PRAGMA legacy_alter_table = ON;
CREATE TABLE indicator_facts_new (
    child_id      INTEGER NOT NULL,
    kind          TEXT NOT NULL,
    period        TEXT NOT NULL,
    province_code TEXT NOT NULL,
    commune_code  TEXT NOT NULL,
    birth_date    TEXT NOT NULL,
    active        INTEGER NOT NULL,
    a             INTEGER NOT NULL,
    b             INTEGER NOT NULL,
    c             INTEGER NOT NULL,
    d             INTEGER NOT NULL,
    e             INTEGER NOT NULL,
    PRIMARY KEY (child_id, kind, period)
) WITHOUT ROWID;
DROP TABLE indicator_facts;
ALTER TABLE indicator_facts_new RENAME TO indicator_facts;
PRAGMA legacy_alter_table = OFF;
CREATE INDEX indicator_facts_vita ON indicator_facts (province_code, period, birth_date, commune_code, active, a)
    WHERE kind = 'vita';
CREATE INDEX indicator_facts_chk ON indicator_facts (province_code, period, birth_date, commune_code, active, a)
    WHERE kind = 'chk';
DELETE FROM indicator_tally WHERE kind <> 'child';
INSERT OR IGNORE INTO indicator_dirty (child_id)
SELECT child_id FROM child_doses UNION SELECT child_id FROM child_measurements
UNION SELECT child_id FROM child_health_checks UNION SELECT child_id FROM child_births;

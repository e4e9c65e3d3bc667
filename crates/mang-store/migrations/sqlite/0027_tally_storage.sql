-- The tallies' tables keyed by their primary key alone (WITHOUT ROWID): a rowid table
-- stored every fact twice (the table and its key's index), 850 MB of a 2.5-million-child
-- province's 3.5 GB. The triggers of 0024 name the tables, not their storage: unchanged,
-- and the legacy rename leaves their text alone (a modern rename checks every trigger and
-- refuses while the old table is gone).
PRAGMA legacy_alter_table = ON;
CREATE TABLE indicator_facts_new (
    child_id      INTEGER NOT NULL,
    kind          TEXT NOT NULL,
    period        TEXT NOT NULL,
    province_code TEXT NOT NULL,
    commune_code  TEXT NOT NULL,
    birth_month   TEXT NOT NULL,
    active        INTEGER NOT NULL,
    a             INTEGER NOT NULL,
    b             INTEGER NOT NULL,
    c             INTEGER NOT NULL,
    d             INTEGER NOT NULL,
    e             INTEGER NOT NULL,
    PRIMARY KEY (child_id, kind, period)
) WITHOUT ROWID;
INSERT INTO indicator_facts_new SELECT child_id, kind, period, province_code, commune_code,
    birth_month, active, a, b, c, d, e FROM indicator_facts;
DROP TABLE indicator_facts;
ALTER TABLE indicator_facts_new RENAME TO indicator_facts;

CREATE TABLE indicator_tally_new (
    province_code TEXT NOT NULL,
    kind          TEXT NOT NULL,
    period        TEXT NOT NULL,
    commune_code  TEXT NOT NULL,
    birth_month   TEXT NOT NULL,
    active        INTEGER NOT NULL,
    x             TEXT NOT NULL,
    a             INTEGER NOT NULL,
    b             INTEGER NOT NULL,
    c             INTEGER NOT NULL,
    d             INTEGER NOT NULL,
    e             INTEGER NOT NULL,
    n             INTEGER NOT NULL,
    PRIMARY KEY (province_code, kind, period, commune_code, birth_month, active, x, a, b, c, d, e)
) WITHOUT ROWID;
INSERT INTO indicator_tally_new SELECT province_code, kind, period, commune_code, birth_month,
    active, x, a, b, c, d, e, n FROM indicator_tally WHERE n <> 0;
DROP TABLE indicator_tally;
ALTER TABLE indicator_tally_new RENAME TO indicator_tally;

CREATE TABLE indicator_dirty_new (child_id INTEGER PRIMARY KEY);
INSERT INTO indicator_dirty_new SELECT child_id FROM indicator_dirty;
DROP TABLE indicator_dirty;
ALTER TABLE indicator_dirty_new RENAME TO indicator_dirty;
PRAGMA legacy_alter_table = OFF;

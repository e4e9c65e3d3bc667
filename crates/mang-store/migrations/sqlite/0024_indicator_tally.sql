-- Indicator tallies (issue "Indicators": a 2.5-million-child province's scorecard in under
-- a second). Counts maintained at write time, so the scorecard sums a few thousand rows
-- instead of reading every child, dose and weighing (docs/indicator-tallies.md).
--
-- indicator_tally: per province, kind, period and commune, how many children have a given
--   combination of facts. Kind 'child' (period ''): every child not merged, by birth month,
--   active or not, insurance card's last month (x), birth registered (a), fully immunised
--   before the first birthday (b). Kept by the triggers below.
--   Kinds 'birth', 'nut', 'vita', 'chk' (period = a period code: 2026, 2026S1, 2026Q1,
--   202601): one per child and period, from the child's own records, written by Rust
--   (mang_store::tally::settle) from indicator_facts; the rules are the domain's (WHO
--   z-scores, EPI validity), so SQL cannot compute them.
-- indicator_facts: each child's current contribution to those kinds (the old side of a diff).
-- indicator_dirty: children whose records changed since their facts were computed; filled by
--   triggers on every table the facts read, emptied by settle (before every computation).

ALTER TABLE children ADD COLUMN full_by_one INTEGER NOT NULL DEFAULT 0;

CREATE TABLE indicator_tally (
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
);

CREATE TABLE indicator_facts (
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
);

CREATE TABLE indicator_dirty (child_id INTEGER PRIMARY KEY);

CREATE TRIGGER children_tally_insert AFTER INSERT ON children WHEN NEW.status <> 'merged' BEGIN
    INSERT INTO indicator_tally (province_code, kind, period, commune_code, birth_month, active, x, a, b, c, d, e, n) VALUES (NEW.province_code, 'child', '', NEW.commune_code, substr(NEW.birth_date, 1, 7), CASE WHEN NEW.status = 'active' THEN 1 ELSE 0 END, CASE WHEN NEW.insurance_card IS NULL OR NEW.insurance_card = '' OR NEW.insurance_valid_to IS NULL THEN '' ELSE substr(NEW.insurance_valid_to, 1, 7) END, NEW.birth_registered, NEW.full_by_one, 0, 0, 0, 1)
    ON CONFLICT (province_code, kind, period, commune_code, birth_month, active, x, a, b, c, d, e) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER children_tally_delete AFTER DELETE ON children WHEN OLD.status <> 'merged' BEGIN
    UPDATE indicator_tally SET n = n - 1 WHERE province_code = OLD.province_code AND kind = 'child' AND period = '' AND commune_code = OLD.commune_code AND birth_month = substr(OLD.birth_date, 1, 7) AND active = CASE WHEN OLD.status = 'active' THEN 1 ELSE 0 END AND x = CASE WHEN OLD.insurance_card IS NULL OR OLD.insurance_card = '' OR OLD.insurance_valid_to IS NULL THEN '' ELSE substr(OLD.insurance_valid_to, 1, 7) END AND a = OLD.birth_registered AND b = OLD.full_by_one AND c = 0 AND d = 0 AND e = 0;
END;
CREATE TRIGGER children_tally_update_old AFTER UPDATE OF birth_date, status, commune_code, province_code, insurance_card, insurance_valid_to, birth_registered, full_by_one ON children WHEN OLD.status <> 'merged' BEGIN
    UPDATE indicator_tally SET n = n - 1 WHERE province_code = OLD.province_code AND kind = 'child' AND period = '' AND commune_code = OLD.commune_code AND birth_month = substr(OLD.birth_date, 1, 7) AND active = CASE WHEN OLD.status = 'active' THEN 1 ELSE 0 END AND x = CASE WHEN OLD.insurance_card IS NULL OR OLD.insurance_card = '' OR OLD.insurance_valid_to IS NULL THEN '' ELSE substr(OLD.insurance_valid_to, 1, 7) END AND a = OLD.birth_registered AND b = OLD.full_by_one AND c = 0 AND d = 0 AND e = 0;
END;
CREATE TRIGGER children_tally_update_new AFTER UPDATE OF birth_date, status, commune_code, province_code, insurance_card, insurance_valid_to, birth_registered, full_by_one ON children WHEN NEW.status <> 'merged' BEGIN
    INSERT INTO indicator_tally (province_code, kind, period, commune_code, birth_month, active, x, a, b, c, d, e, n) VALUES (NEW.province_code, 'child', '', NEW.commune_code, substr(NEW.birth_date, 1, 7), CASE WHEN NEW.status = 'active' THEN 1 ELSE 0 END, CASE WHEN NEW.insurance_card IS NULL OR NEW.insurance_card = '' OR NEW.insurance_valid_to IS NULL THEN '' ELSE substr(NEW.insurance_valid_to, 1, 7) END, NEW.birth_registered, NEW.full_by_one, 0, 0, 0, 1)
    ON CONFLICT (province_code, kind, period, commune_code, birth_month, active, x, a, b, c, d, e) DO UPDATE SET n = n + 1;
END;

-- A child's facts change with its own row (birth date, status, commune) and its records.
CREATE TRIGGER children_dirty_update AFTER UPDATE OF birth_date, status, commune_code, province_code ON children BEGIN
    INSERT OR IGNORE INTO indicator_dirty (child_id) VALUES (OLD.id);
END;
CREATE TRIGGER children_dirty_delete AFTER DELETE ON children BEGIN
    INSERT OR IGNORE INTO indicator_dirty (child_id) VALUES (OLD.id);
END;
CREATE TRIGGER child_doses_dirty_insert AFTER INSERT ON child_doses BEGIN
    INSERT OR IGNORE INTO indicator_dirty (child_id) VALUES (NEW.child_id);
END;
CREATE TRIGGER child_doses_dirty_update AFTER UPDATE ON child_doses BEGIN
    INSERT OR IGNORE INTO indicator_dirty (child_id) VALUES (OLD.child_id);
    INSERT OR IGNORE INTO indicator_dirty (child_id) VALUES (NEW.child_id);
END;
CREATE TRIGGER child_doses_dirty_delete AFTER DELETE ON child_doses BEGIN
    INSERT OR IGNORE INTO indicator_dirty (child_id) VALUES (OLD.child_id);
END;
CREATE TRIGGER child_measurements_dirty_insert AFTER INSERT ON child_measurements BEGIN
    INSERT OR IGNORE INTO indicator_dirty (child_id) VALUES (NEW.child_id);
END;
CREATE TRIGGER child_measurements_dirty_update AFTER UPDATE ON child_measurements BEGIN
    INSERT OR IGNORE INTO indicator_dirty (child_id) VALUES (OLD.child_id);
    INSERT OR IGNORE INTO indicator_dirty (child_id) VALUES (NEW.child_id);
END;
CREATE TRIGGER child_measurements_dirty_delete AFTER DELETE ON child_measurements BEGIN
    INSERT OR IGNORE INTO indicator_dirty (child_id) VALUES (OLD.child_id);
END;
CREATE TRIGGER child_health_checks_dirty_insert AFTER INSERT ON child_health_checks BEGIN
    INSERT OR IGNORE INTO indicator_dirty (child_id) VALUES (NEW.child_id);
END;
CREATE TRIGGER child_health_checks_dirty_update AFTER UPDATE ON child_health_checks BEGIN
    INSERT OR IGNORE INTO indicator_dirty (child_id) VALUES (OLD.child_id);
    INSERT OR IGNORE INTO indicator_dirty (child_id) VALUES (NEW.child_id);
END;
CREATE TRIGGER child_health_checks_dirty_delete AFTER DELETE ON child_health_checks BEGIN
    INSERT OR IGNORE INTO indicator_dirty (child_id) VALUES (OLD.child_id);
END;
CREATE TRIGGER child_births_dirty_insert AFTER INSERT ON child_births BEGIN
    INSERT OR IGNORE INTO indicator_dirty (child_id) VALUES (NEW.child_id);
END;
CREATE TRIGGER child_births_dirty_update AFTER UPDATE ON child_births BEGIN
    INSERT OR IGNORE INTO indicator_dirty (child_id) VALUES (OLD.child_id);
    INSERT OR IGNORE INTO indicator_dirty (child_id) VALUES (NEW.child_id);
END;
CREATE TRIGGER child_births_dirty_delete AFTER DELETE ON child_births BEGIN
    INSERT OR IGNORE INTO indicator_dirty (child_id) VALUES (OLD.child_id);
END;

-- Existing databases: the child tally from the registry as it is; every child with health
-- records queued for its facts (computed by `mang migrate`, or by the first computation).
INSERT INTO indicator_tally (province_code, kind, period, commune_code, birth_month, active, x, a, b, c, d, e, n)
SELECT c.province_code, 'child', '', c.commune_code, substr(c.birth_date, 1, 7), CASE WHEN c.status = 'active' THEN 1 ELSE 0 END, CASE WHEN c.insurance_card IS NULL OR c.insurance_card = '' OR c.insurance_valid_to IS NULL THEN '' ELSE substr(c.insurance_valid_to, 1, 7) END, c.birth_registered, c.full_by_one, 0, 0, 0, COUNT(*) FROM children c WHERE c.status <> 'merged'
GROUP BY c.province_code, c.commune_code, substr(c.birth_date, 1, 7), CASE WHEN c.status = 'active' THEN 1 ELSE 0 END, CASE WHEN c.insurance_card IS NULL OR c.insurance_card = '' OR c.insurance_valid_to IS NULL THEN '' ELSE substr(c.insurance_valid_to, 1, 7) END, c.birth_registered, c.full_by_one;
INSERT INTO indicator_dirty (child_id)
SELECT child_id FROM child_doses UNION SELECT child_id FROM child_measurements
UNION SELECT child_id FROM child_health_checks UNION SELECT child_id FROM child_births;

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

ALTER TABLE children ADD COLUMN full_by_one BIGINT NOT NULL DEFAULT 0;

CREATE TABLE indicator_tally (
    province_code TEXT NOT NULL,
    kind          TEXT NOT NULL,
    period        TEXT NOT NULL,
    commune_code  TEXT NOT NULL,
    birth_month   TEXT NOT NULL,
    active        BIGINT NOT NULL,
    x             TEXT NOT NULL,
    a             BIGINT NOT NULL,
    b             BIGINT NOT NULL,
    c             BIGINT NOT NULL,
    d             BIGINT NOT NULL,
    e             BIGINT NOT NULL,
    n             BIGINT NOT NULL,
    PRIMARY KEY (province_code, kind, period, commune_code, birth_month, active, x, a, b, c, d, e)
);

CREATE TABLE indicator_facts (
    child_id      BIGINT NOT NULL,
    kind          TEXT NOT NULL,
    period        TEXT NOT NULL,
    province_code TEXT NOT NULL,
    commune_code  TEXT NOT NULL,
    birth_month   TEXT NOT NULL,
    active        BIGINT NOT NULL,
    a             BIGINT NOT NULL,
    b             BIGINT NOT NULL,
    c             BIGINT NOT NULL,
    d             BIGINT NOT NULL,
    e             BIGINT NOT NULL,
    PRIMARY KEY (child_id, kind, period)
);

CREATE TABLE indicator_dirty (child_id BIGINT PRIMARY KEY);

CREATE FUNCTION children_tally() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.status <> 'merged' THEN
        UPDATE indicator_tally SET n = n - 1 WHERE province_code = OLD.province_code AND kind = 'child' AND period = '' AND commune_code = OLD.commune_code AND birth_month = substr(OLD.birth_date, 1, 7) AND active = CASE WHEN OLD.status = 'active' THEN 1 ELSE 0 END AND x = CASE WHEN OLD.insurance_card IS NULL OR OLD.insurance_card = '' OR OLD.insurance_valid_to IS NULL THEN '' ELSE substr(OLD.insurance_valid_to, 1, 7) END AND a = OLD.birth_registered AND b = OLD.full_by_one AND c = 0 AND d = 0 AND e = 0;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.status <> 'merged' THEN
        INSERT INTO indicator_tally (province_code, kind, period, commune_code, birth_month, active, x, a, b, c, d, e, n) VALUES (NEW.province_code, 'child', '', NEW.commune_code, substr(NEW.birth_date, 1, 7), CASE WHEN NEW.status = 'active' THEN 1 ELSE 0 END, CASE WHEN NEW.insurance_card IS NULL OR NEW.insurance_card = '' OR NEW.insurance_valid_to IS NULL THEN '' ELSE substr(NEW.insurance_valid_to, 1, 7) END, NEW.birth_registered, NEW.full_by_one, 0, 0, 0, 1)
        ON CONFLICT (province_code, kind, period, commune_code, birth_month, active, x, a, b, c, d, e) DO UPDATE SET n = indicator_tally.n + 1;
    END IF;
    IF TG_OP = 'DELETE' OR (TG_OP = 'UPDATE' AND (OLD.birth_date, OLD.status, OLD.commune_code, OLD.province_code)
            IS DISTINCT FROM (NEW.birth_date, NEW.status, NEW.commune_code, NEW.province_code)) THEN
        INSERT INTO indicator_dirty (child_id) VALUES (OLD.id) ON CONFLICT DO NOTHING;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER children_tally_insert AFTER INSERT OR DELETE ON children FOR EACH ROW EXECUTE FUNCTION children_tally();
CREATE TRIGGER children_tally_update AFTER UPDATE OF birth_date, status, commune_code, province_code, insurance_card, insurance_valid_to, birth_registered, full_by_one ON children FOR EACH ROW EXECUTE FUNCTION children_tally();

-- A child's facts change with its own row (above) and its records.
CREATE FUNCTION child_record_dirty() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        INSERT INTO indicator_dirty (child_id) VALUES (OLD.child_id) ON CONFLICT DO NOTHING;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO indicator_dirty (child_id) VALUES (NEW.child_id) ON CONFLICT DO NOTHING;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER child_doses_dirty AFTER INSERT OR UPDATE OR DELETE ON child_doses FOR EACH ROW EXECUTE FUNCTION child_record_dirty();
CREATE TRIGGER child_measurements_dirty AFTER INSERT OR UPDATE OR DELETE ON child_measurements FOR EACH ROW EXECUTE FUNCTION child_record_dirty();
CREATE TRIGGER child_health_checks_dirty AFTER INSERT OR UPDATE OR DELETE ON child_health_checks FOR EACH ROW EXECUTE FUNCTION child_record_dirty();
CREATE TRIGGER child_births_dirty AFTER INSERT OR UPDATE OR DELETE ON child_births FOR EACH ROW EXECUTE FUNCTION child_record_dirty();

-- Existing databases: the child tally from the registry as it is; every child with health
-- records queued for its facts (computed by `mang migrate`, or by the first computation).
INSERT INTO indicator_tally (province_code, kind, period, commune_code, birth_month, active, x, a, b, c, d, e, n)
SELECT c.province_code, 'child', '', c.commune_code, substr(c.birth_date, 1, 7), CASE WHEN c.status = 'active' THEN 1 ELSE 0 END, CASE WHEN c.insurance_card IS NULL OR c.insurance_card = '' OR c.insurance_valid_to IS NULL THEN '' ELSE substr(c.insurance_valid_to, 1, 7) END, c.birth_registered, c.full_by_one, 0, 0, 0, COUNT(*) FROM children c WHERE c.status <> 'merged'
GROUP BY c.province_code, c.commune_code, substr(c.birth_date, 1, 7), CASE WHEN c.status = 'active' THEN 1 ELSE 0 END, CASE WHEN c.insurance_card IS NULL OR c.insurance_card = '' OR c.insurance_valid_to IS NULL THEN '' ELSE substr(c.insurance_valid_to, 1, 7) END, c.birth_registered, c.full_by_one;
INSERT INTO indicator_dirty (child_id)
SELECT child_id FROM child_doses UNION SELECT child_id FROM child_measurements
UNION SELECT child_id FROM child_health_checks UNION SELECT child_id FROM child_births;

-- Benefit payments (issue "Other registers"): who was paid what under which policy for
-- which month; eligibility is derived from the registry, never stored.
-- Keep in step with ../postgres/0019_benefits.sql.
CREATE TABLE benefit_payments (
    id            INTEGER PRIMARY KEY,
    child_id      INTEGER NOT NULL REFERENCES children (id),
    policy        TEXT NOT NULL,
    month         TEXT NOT NULL,
    amount        BIGINT NOT NULL,
    paid_on       TEXT NOT NULL,
    province_code TEXT NOT NULL,
    commune_code  TEXT NOT NULL,
    village_code  TEXT,
    recorded_by   TEXT NOT NULL,
    created_at    TEXT NOT NULL
);
CREATE INDEX benefit_payments_scope ON benefit_payments (province_code, commune_code, month);
CREATE INDEX benefit_payments_child ON benefit_payments (child_id);

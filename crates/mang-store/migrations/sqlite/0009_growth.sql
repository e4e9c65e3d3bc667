-- Growth measurements of children under five (issue "Child health"); z-scores are
-- computed on reading (mang_domain::anthro), never stored. Keep in step with
-- ../postgres/0009_growth.sql (schema.txt checks both).
CREATE TABLE child_measurements (
    id            INTEGER PRIMARY KEY,
    child_id      INTEGER NOT NULL REFERENCES children (id),
    measured_on   TEXT NOT NULL,
    weight_kg     REAL,
    lenhei_cm     REAL,
    measure       TEXT NOT NULL CHECK (measure IN ('l', 'h', '')),
    oedema        INTEGER NOT NULL DEFAULT 0,
    muac_cm       REAL,
    headc_cm      REAL,
    recorded_by   TEXT NOT NULL,
    province_code TEXT NOT NULL,
    commune_code  TEXT NOT NULL,
    village_code  TEXT,
    created_at    TEXT NOT NULL
);
CREATE INDEX child_measurements_child ON child_measurements (child_id);
CREATE INDEX child_measurements_scope ON child_measurements (province_code, commune_code, measured_on);

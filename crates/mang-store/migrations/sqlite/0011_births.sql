-- Births and newborn care (issue "Child health"), one per child record. Keep in step with
-- ../postgres/0011_births.sql (schema.txt checks both).
CREATE TABLE child_births (
    id                INTEGER PRIMARY KEY,
    child_id          INTEGER NOT NULL REFERENCES children (id),
    birth_place       TEXT NOT NULL,
    birth_weight_g    INTEGER,
    gestational_weeks INTEGER,
    eenc              INTEGER NOT NULL DEFAULT 0,
    breastfed_1h      INTEGER NOT NULL DEFAULT 0,
    vitamin_k1        INTEGER NOT NULL DEFAULT 0,
    hepb_24h          INTEGER NOT NULL DEFAULT 0,
    screening         TEXT NOT NULL DEFAULT '',
    recorded_by       TEXT NOT NULL,
    province_code     TEXT NOT NULL,
    commune_code      TEXT NOT NULL,
    village_code      TEXT,
    created_at        TEXT NOT NULL
);
CREATE UNIQUE INDEX child_births_child ON child_births (child_id);
CREATE INDEX child_births_scope ON child_births (province_code, commune_code);

-- Doses of the national immunisation schedule a child received (issue "Child health";
-- schedule in data/epi-schedule.csv). Keep in step with ../postgres/0007_immunization.sql
-- (schema.txt checks both).
CREATE TABLE child_doses (
    id            INTEGER PRIMARY KEY,
    child_id      INTEGER NOT NULL REFERENCES children (id),
    antigen       TEXT NOT NULL,
    dose          INTEGER NOT NULL,
    given_on      TEXT NOT NULL,
    place         TEXT,
    note          TEXT,
    recorded_by   TEXT NOT NULL,
    province_code TEXT NOT NULL,
    commune_code  TEXT NOT NULL,
    village_code  TEXT,
    created_at    TEXT NOT NULL
);
CREATE INDEX child_doses_child ON child_doses (child_id);
CREATE INDEX child_doses_scope ON child_doses (province_code, commune_code);

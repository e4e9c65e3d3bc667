-- Injuries and accidents of children (issue "Child health"); child_id is empty when the
-- child is not on the register (sex and age kept for counting). Keep in step with
-- ../postgres/0008_injuries.sql (schema.txt checks both).
CREATE TABLE child_injuries (
    id            INTEGER PRIMARY KEY,
    child_id      INTEGER REFERENCES children (id),
    injury_date   TEXT NOT NULL,
    kind          TEXT NOT NULL,
    place         TEXT NOT NULL,
    outcome       TEXT NOT NULL,
    sex           TEXT NOT NULL CHECK (sex IN ('male', 'female')),
    age_years     INTEGER NOT NULL,
    note          TEXT,
    recorded_by   TEXT NOT NULL,
    province_code TEXT NOT NULL,
    commune_code  TEXT NOT NULL,
    village_code  TEXT,
    created_at    TEXT NOT NULL
);
CREATE INDEX child_injuries_child ON child_injuries (child_id);
CREATE INDEX child_injuries_scope ON child_injuries (province_code, commune_code, injury_date);

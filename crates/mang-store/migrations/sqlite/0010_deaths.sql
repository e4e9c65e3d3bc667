-- Deaths of children (issue "Child health"); child_id is empty when the child was not on
-- the register (sex and birth date kept, age at death derived). Keep in step with
-- ../postgres/0010_deaths.sql (schema.txt checks both).
CREATE TABLE child_deaths (
    id            INTEGER PRIMARY KEY,
    child_id      INTEGER REFERENCES children (id),
    death_date    TEXT NOT NULL,
    birth_date    TEXT NOT NULL,
    age_days      INTEGER NOT NULL,
    sex           TEXT NOT NULL CHECK (sex IN ('male', 'female')),
    cause         TEXT NOT NULL,
    place         TEXT NOT NULL,
    note          TEXT,
    recorded_by   TEXT NOT NULL,
    province_code TEXT NOT NULL,
    commune_code  TEXT NOT NULL,
    village_code  TEXT,
    created_at    TEXT NOT NULL
);
CREATE INDEX child_deaths_child ON child_deaths (child_id);
CREATE INDEX child_deaths_scope ON child_deaths (province_code, commune_code, death_date);

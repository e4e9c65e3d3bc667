-- Special circumstances and risk factors of a child, each dated and sourced
-- (Luật Trẻ em 2016 Art. 10; list in data/circumstances.csv). Keep in step with
-- ../postgres/0003_circumstances.sql (schema.txt checks both).
CREATE TABLE child_circumstances (
    id            INTEGER PRIMARY KEY,
    child_id      INTEGER NOT NULL REFERENCES children (id),
    code          TEXT NOT NULL,
    kind          TEXT NOT NULL CHECK (kind IN ('special', 'risk')),
    start_date    TEXT NOT NULL,
    end_date      TEXT,
    source        TEXT NOT NULL,
    note          TEXT,
    province_code TEXT NOT NULL,
    commune_code  TEXT NOT NULL,
    village_code  TEXT,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);
CREATE INDEX child_circumstances_child ON child_circumstances (child_id);
CREATE INDEX child_circumstances_scope ON child_circumstances (province_code, commune_code, code);

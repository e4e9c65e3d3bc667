-- Child-friendly commune assessments (QĐ 06/2019/QĐ-TTg): one per commune and year, the
-- points per criterion (JSON), evidence, the outcome, and the province's appraisal.
-- Keep in step with ../postgres/0018_child_friendly.sql.
CREATE TABLE child_friendly_assessments (
    id            INTEGER PRIMARY KEY,
    province_code TEXT NOT NULL,
    commune_code  TEXT NOT NULL,
    year          INTEGER NOT NULL,
    commune_type  TEXT NOT NULL,
    points        TEXT NOT NULL,
    evidence      TEXT NOT NULL,
    total         INTEGER NOT NULL,
    recognised    INTEGER NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('self_assessed', 'appraised')),
    assessed_by   TEXT NOT NULL,
    assessed_at   TEXT NOT NULL,
    appraised_by  TEXT,
    appraised_at  TEXT,
    UNIQUE (commune_code, year)
);
CREATE INDEX child_friendly_province ON child_friendly_assessments (province_code, year);

-- Activities and child participation (issue "Other registers"): counts, no personal data.
-- Keep in step with ../postgres/0020_activities.sql.
CREATE TABLE activities (
    id                        INTEGER PRIMARY KEY,
    province_code             TEXT NOT NULL,
    commune_code              TEXT,
    kind                      TEXT NOT NULL,
    title                     TEXT NOT NULL,
    held_on                   TEXT NOT NULL,
    children                  INTEGER NOT NULL,
    children_7plus_consulted  INTEGER NOT NULL,
    children_11plus_in_models INTEGER NOT NULL,
    adults                    INTEGER NOT NULL,
    note                      TEXT NOT NULL,
    recorded_by               TEXT NOT NULL,
    created_at                TEXT NOT NULL
);
CREATE INDEX activities_scope ON activities (province_code, commune_code, held_on);

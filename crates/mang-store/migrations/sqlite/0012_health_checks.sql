-- Periodic health checks of children (khám sức khỏe định kỳ; TT 23/2017/TT-BYT for 0–59
-- months; issue "Child health"). Keep in step with ../postgres/0012_health_checks.sql
-- (schema.txt checks both).
CREATE TABLE child_health_checks (
    id            INTEGER PRIMARY KEY,
    child_id      INTEGER NOT NULL REFERENCES children (id),
    checked_on    TEXT NOT NULL,
    result        TEXT NOT NULL CHECK (result IN ('normal', 'follow_up', 'referred')),
    note          TEXT,
    recorded_by   TEXT NOT NULL,
    province_code TEXT NOT NULL,
    commune_code  TEXT NOT NULL,
    village_code  TEXT,
    created_at    TEXT NOT NULL
);
CREATE INDEX child_health_checks_child ON child_health_checks (child_id);
CREATE INDEX child_health_checks_scope ON child_health_checks (province_code, commune_code, checked_on);

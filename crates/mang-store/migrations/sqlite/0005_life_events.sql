-- Life events (biến động), caregivers, the police check of personal IDs and manual name
-- splits (issue "Child registry"). Keep in step with ../postgres/0005_life_events.sql
-- (schema.txt checks both).
-- children.status: active, moved_out, died, aged_out (merged: see the merge migration).
ALTER TABLE children ADD COLUMN name_parts TEXT;
ALTER TABLE children ADD COLUMN id_verified_at TEXT;
ALTER TABLE children ADD COLUMN id_verified_by TEXT;

CREATE TABLE child_events (
    id            INTEGER PRIMARY KEY,
    child_id      INTEGER NOT NULL REFERENCES children (id),
    kind          TEXT NOT NULL CHECK (kind IN ('moved_in', 'moved_out', 'died', 'aged_out')),
    event_date    TEXT NOT NULL,
    place         TEXT,
    note          TEXT,
    status_before TEXT NOT NULL,
    status_after  TEXT NOT NULL,
    recorded_by   TEXT NOT NULL,
    province_code TEXT NOT NULL,
    commune_code  TEXT NOT NULL,
    village_code  TEXT,
    created_at    TEXT NOT NULL
);
CREATE INDEX child_events_child ON child_events (child_id);
CREATE INDEX child_events_scope ON child_events (province_code, commune_code, kind, event_date);

CREATE TABLE child_caregivers (
    id            INTEGER PRIMARY KEY,
    child_id      INTEGER NOT NULL REFERENCES children (id),
    full_name     TEXT NOT NULL,
    relationship  TEXT NOT NULL,
    birth_year    INTEGER,
    phone         TEXT,
    lives_with    INTEGER NOT NULL DEFAULT 1,
    ended_at      TEXT,
    province_code TEXT NOT NULL,
    commune_code  TEXT NOT NULL,
    village_code  TEXT,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);
CREATE INDEX child_caregivers_child ON child_caregivers (child_id);

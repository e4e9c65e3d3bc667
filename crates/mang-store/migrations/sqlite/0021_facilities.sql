-- Care facilities, the registry children in their care, and inspections.
-- Keep in step with ../postgres/0021_facilities.sql.
CREATE TABLE care_facilities (
    id            INTEGER PRIMARY KEY,
    province_code TEXT NOT NULL,
    commune_code  TEXT NOT NULL,
    name          TEXT NOT NULL,
    kind          TEXT NOT NULL,
    licence       TEXT NOT NULL,
    capacity      INTEGER NOT NULL,
    address       TEXT NOT NULL,
    resolution    TEXT NOT NULL,
    created_by    TEXT NOT NULL,
    created_at    TEXT NOT NULL
);
CREATE INDEX care_facilities_scope ON care_facilities (province_code, commune_code);

CREATE TABLE facility_children (
    id          INTEGER PRIMARY KEY,
    facility_id INTEGER NOT NULL REFERENCES care_facilities (id),
    child_id    INTEGER NOT NULL REFERENCES children (id),
    from_date   TEXT NOT NULL,
    to_date     TEXT
);
CREATE INDEX facility_children_facility ON facility_children (facility_id);

CREATE TABLE facility_inspections (
    id           INTEGER PRIMARY KEY,
    facility_id  INTEGER NOT NULL REFERENCES care_facilities (id),
    inspected_on TEXT NOT NULL,
    findings     TEXT NOT NULL,
    fix_by       TEXT,
    resolved_on  TEXT,
    inspected_by TEXT NOT NULL,
    created_at   TEXT NOT NULL
);
CREATE INDEX facility_inspections_facility ON facility_inspections (facility_id);

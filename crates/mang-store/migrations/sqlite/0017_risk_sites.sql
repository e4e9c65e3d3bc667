-- Drowning- and injury-risk sites and their inspections (issue "Other registers").
-- measures: codes, comma-separated (the measures in place, from the latest record).
-- Keep in step with ../postgres/0017_risk_sites.sql.
CREATE TABLE risk_sites (
    id            INTEGER PRIMARY KEY,
    province_code TEXT NOT NULL,
    commune_code  TEXT NOT NULL,
    village_code  TEXT,
    name          TEXT NOT NULL,
    kind          TEXT NOT NULL,
    risk          TEXT NOT NULL,
    lat           REAL NOT NULL,
    lon           REAL NOT NULL,
    measures      TEXT NOT NULL,
    note          TEXT NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('active', 'removed')),
    version       INTEGER NOT NULL,
    created_by    TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);
CREATE INDEX risk_sites_scope ON risk_sites (province_code, commune_code, village_code);

CREATE TABLE risk_site_inspections (
    id           INTEGER PRIMARY KEY,
    site_id      INTEGER NOT NULL REFERENCES risk_sites (id),
    inspected_on TEXT NOT NULL,
    findings     TEXT NOT NULL,
    measures     TEXT NOT NULL,
    follow_up    TEXT NOT NULL,
    inspected_by TEXT NOT NULL,
    created_at   TEXT NOT NULL
);
CREATE INDEX risk_site_inspections_site ON risk_site_inspections (site_id, inspected_on);

-- Aggregate values entered per unit and period for indicators the registers cannot
-- compute (school statistics, surveys, facility checklists). One row per unit ×
-- indicator × period; every change is kept in the history; an approved value is locked.
-- Keep in step with ../postgres/0015_aggregates.sql.
CREATE TABLE aggregate_values (
    id            INTEGER PRIMARY KEY,
    unit_code     TEXT NOT NULL,
    province_code TEXT NOT NULL,
    commune_code  TEXT,
    indicator_id  TEXT NOT NULL,
    period        TEXT NOT NULL,
    numerator     REAL NOT NULL,
    denominator   REAL,
    note          TEXT NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('draft', 'approved')),
    version       INTEGER NOT NULL,
    entered_by    TEXT NOT NULL,
    entered_at    TEXT NOT NULL,
    approved_by   TEXT,
    approved_at   TEXT,
    UNIQUE (unit_code, indicator_id, period)
);
CREATE INDEX aggregate_values_scope ON aggregate_values (province_code, period);

CREATE TABLE aggregate_value_history (
    id          INTEGER PRIMARY KEY,
    value_id    INTEGER NOT NULL REFERENCES aggregate_values (id),
    action      TEXT NOT NULL,
    numerator   REAL NOT NULL,
    denominator REAL,
    note        TEXT NOT NULL,
    changed_by  TEXT NOT NULL,
    changed_at  TEXT NOT NULL
);
CREATE INDEX aggregate_value_history_value ON aggregate_value_history (value_id, id);

-- Plans (kế hoạch) with their tasks and reporting regime, and the periodic reports units
-- write under them (BRIEF §6). Keep in step with ../postgres/0022_plans_reports.sql.
CREATE TABLE plans (
    id            INTEGER PRIMARY KEY,
    -- "HP-SYT" for a shipped example plan; "KH-<unit>-<period>-<n>" for one made here.
    code          TEXT NOT NULL UNIQUE,
    unit_code     TEXT NOT NULL,
    province_code TEXT NOT NULL,
    -- '' for a plan of a province.
    commune_code  TEXT NOT NULL,
    -- The plan this one implements (a commune plan under its province's).
    parent_id     INTEGER REFERENCES plans (id),
    period        TEXT NOT NULL,
    title         TEXT NOT NULL,
    -- NULL while a draft; the date on the document once issued (ban hành).
    issued_on     TEXT,
    -- JSON: issuer, number, place, legal bases, purposes, funding, recipients, signature.
    doc           TEXT NOT NULL,
    -- Lower units must issue their own plan by this date ('communes', 'agencies'…).
    sub_plans_due TEXT,
    sub_plans_of  TEXT,
    created_by    TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);
CREATE INDEX plans_scope ON plans (province_code, commune_code);
CREATE INDEX plans_parent ON plans (parent_id);

CREATE TABLE plan_tasks (
    id         INTEGER PRIMARY KEY,
    plan_id    INTEGER NOT NULL REFERENCES plans (id),
    no         TEXT NOT NULL,
    section    TEXT NOT NULL,
    title      TEXT NOT NULL,
    detail     TEXT NOT NULL,
    -- Agency keys (data/agencies.csv): the lead (chủ trì) and the partners (phối hợp,
    -- comma-separated).
    lead_key   TEXT NOT NULL,
    partners   TEXT NOT NULL,
    due_on     TEXT,
    due_text   TEXT NOT NULL,
    status     TEXT NOT NULL,
    progress   INTEGER NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX plan_tasks_plan ON plan_tasks (plan_id);

-- Progress updates of a task: append-only.
CREATE TABLE task_updates (
    id         INTEGER PRIMARY KEY,
    task_id    INTEGER NOT NULL REFERENCES plan_tasks (id),
    at         TEXT NOT NULL,
    username   TEXT NOT NULL,
    agency_key TEXT NOT NULL,
    status     TEXT NOT NULL,
    progress   INTEGER NOT NULL,
    note       TEXT NOT NULL,
    evidence   TEXT NOT NULL
);
CREATE INDEX task_updates_task ON task_updates (task_id, id);

-- The reports a plan requires: kind, period of the data, due date, recipient.
CREATE TABLE report_schedules (
    id        INTEGER PRIMARY KEY,
    plan_id   INTEGER NOT NULL REFERENCES plans (id),
    kind      TEXT NOT NULL,
    period    TEXT NOT NULL,
    due_on    TEXT,
    recipient TEXT NOT NULL,
    text      TEXT NOT NULL
);
CREATE INDEX report_schedules_plan ON report_schedules (plan_id);

-- One unit's report under a schedule, one row per version.
CREATE TABLE reports (
    id                 INTEGER PRIMARY KEY,
    schedule_id        INTEGER NOT NULL REFERENCES report_schedules (id),
    unit_code          TEXT NOT NULL,
    province_code      TEXT NOT NULL,
    commune_code       TEXT NOT NULL,
    version            INTEGER NOT NULL,
    status             TEXT NOT NULL,
    results            TEXT NOT NULL,
    difficulties       TEXT NOT NULL,
    proposals          TEXT NOT NULL,
    -- JSON: the appendix figures, frozen when submitted (locked once approved).
    content            TEXT,
    first_submitted_at TEXT,
    submitted_at       TEXT,
    approved_at        TEXT,
    -- The document number (số) once the unit registers it; NULL prints "Số:    /BC-…".
    doc_number         INTEGER,
    -- Who signs (họ tên), printed under the signature block.
    signer             TEXT NOT NULL DEFAULT '',
    row_version        INTEGER NOT NULL DEFAULT 1,
    created_at         TEXT NOT NULL,
    updated_at         TEXT NOT NULL,
    UNIQUE (schedule_id, unit_code, version)
);
CREATE INDEX reports_scope ON reports (province_code, commune_code);

-- The review trail: append-only.
CREATE TABLE report_events (
    id          INTEGER PRIMARY KEY,
    report_id   INTEGER NOT NULL REFERENCES reports (id),
    at          TEXT NOT NULL,
    username    TEXT NOT NULL,
    role        TEXT NOT NULL,
    action      TEXT NOT NULL,
    from_status TEXT NOT NULL,
    to_status   TEXT NOT NULL,
    comment     TEXT NOT NULL
);
CREATE INDEX report_events_report ON report_events (report_id, id);

-- The agency a user works for (Sở Giáo dục và Đào tạo, Trạm Y tế…): its tasks.
ALTER TABLE users ADD COLUMN agency_key TEXT;

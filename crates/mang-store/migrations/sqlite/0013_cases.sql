-- Child-protection cases (issue "Case management"): the case, its children, every step
-- with its form (Mẫu 01–07, JSON), the plan's measures, referrals and transfers, and
-- the national settings the time limits use (public holidays, limits). Keep in step
-- with ../postgres/0013_cases.sql (schema.txt checks both).
CREATE TABLE cases (
    id              INTEGER PRIMARY KEY,
    code            TEXT NOT NULL UNIQUE,
    province_code   TEXT NOT NULL,
    commune_code    TEXT NOT NULL,
    village_code    TEXT,
    -- The legal clock: when the information was received (UTC, ISO 8601).
    received_at     TEXT NOT NULL,
    -- The start of the current cycle: the receipt, or the latest reopening.
    started_at      TEXT NOT NULL,
    channel         TEXT NOT NULL,
    -- Confidential: shown only to the assigned worker and the commune chairman.
    reporter_name   TEXT NOT NULL,
    reporter_phone  TEXT NOT NULL,
    reporter_note   TEXT NOT NULL,
    place           TEXT NOT NULL,
    -- Codes, comma-separated.
    harms           TEXT NOT NULL,
    description     TEXT NOT NULL,
    perpetrator     TEXT NOT NULL,
    stage           TEXT NOT NULL,
    confirmed       INTEGER,
    serious_risk    INTEGER,
    recommendation  TEXT,
    plan_no         INTEGER NOT NULL DEFAULT 0,
    plan_drafted_at TEXT,
    review_on       TEXT,
    -- The next deadline, kept current by every write (and recomputed when the holidays or
    -- limits change), so lists of overdue cases are one index range.
    next_due        TEXT,
    next_due_kind   TEXT,
    assigned_to     INTEGER REFERENCES users (id),
    reported_by     INTEGER NOT NULL REFERENCES users (id),
    closed_reason   TEXT,
    version         INTEGER NOT NULL DEFAULT 1,
    created_at      TEXT NOT NULL
);
CREATE INDEX cases_scope ON cases (province_code, commune_code, stage);
CREATE INDEX cases_due ON cases (next_due);
CREATE INDEX cases_received ON cases (province_code, commune_code, received_at);
CREATE INDEX cases_reported_by ON cases (reported_by);

CREATE TABLE case_children (
    id        INTEGER PRIMARY KEY,
    case_id   INTEGER NOT NULL REFERENCES cases (id),
    child_id  INTEGER REFERENCES children (id),
    name      TEXT NOT NULL,
    sex       TEXT,
    age_years INTEGER
);
CREATE INDEX case_children_case ON case_children (case_id);
CREATE INDEX case_children_child ON case_children (child_id);

-- The timeline: append-only.
CREATE TABLE case_steps (
    id         INTEGER PRIMARY KEY,
    case_id    INTEGER NOT NULL REFERENCES cases (id),
    step       TEXT NOT NULL,
    from_stage TEXT NOT NULL,
    to_stage   TEXT NOT NULL,
    at         TEXT NOT NULL,
    user_id    INTEGER,
    username   TEXT NOT NULL,
    role       TEXT NOT NULL,
    form       TEXT NOT NULL
);
CREATE INDEX case_steps_case ON case_steps (case_id, id);

CREATE TABLE case_measures (
    id          INTEGER PRIMARY KEY,
    case_id     INTEGER NOT NULL REFERENCES cases (id),
    plan_no     INTEGER NOT NULL,
    measure     TEXT NOT NULL,
    activity    TEXT NOT NULL,
    responsible TEXT NOT NULL,
    place       TEXT NOT NULL,
    start_on    TEXT NOT NULL,
    end_on      TEXT NOT NULL,
    resources   TEXT NOT NULL,
    status      TEXT NOT NULL,
    progress    TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
CREATE INDEX case_measures_case ON case_measures (case_id, plan_no);

CREATE TABLE case_referrals (
    id              INTEGER PRIMARY KEY,
    case_id         INTEGER NOT NULL REFERENCES cases (id),
    kind            TEXT NOT NULL CHECK (kind IN ('referral', 'transfer')),
    to_commune_code TEXT,
    to_agency       TEXT NOT NULL,
    reason          TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('pending', 'accepted', 'declined')),
    response        TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    created_by      INTEGER NOT NULL REFERENCES users (id),
    decided_at      TEXT,
    decided_by      INTEGER REFERENCES users (id)
);
CREATE INDEX case_referrals_case ON case_referrals (case_id);
CREATE INDEX case_referrals_to ON case_referrals (to_commune_code, status);

-- Public holidays and make-up working days (Bộ luật Lao động 2019 Điều 112), per year.
CREATE TABLE holidays (
    day        TEXT PRIMARY KEY,
    kind       TEXT NOT NULL CHECK (kind IN ('holiday', 'workday')),
    name       TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

-- Time limits that differ from the law's defaults (local procedures shorten them).
CREATE TABLE case_limits (
    key        TEXT PRIMARY KEY,
    value      INTEGER NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

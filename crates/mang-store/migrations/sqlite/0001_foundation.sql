-- Foundation schema (SQLite). Keep in step with ../postgres/0001_foundation.sql:
-- a test asserts both backends end up with the same tables and columns.
-- Dates are ISO text (YYYY-MM-DD), timestamps RFC 3339 UTC text, flags 0/1 integers,
-- so that one set of queries reads both backends through sqlx's Any driver.

CREATE TABLE admin_units (
    code          TEXT PRIMARY KEY,
    name          TEXT NOT NULL,
    name_folded   TEXT NOT NULL,
    level         TEXT NOT NULL CHECK (level IN ('national', 'province', 'commune', 'village')),
    parent_code   TEXT REFERENCES admin_units (code),
    kind          TEXT NOT NULL,
    province_code TEXT,
    commune_code  TEXT,
    is_reference  INTEGER NOT NULL DEFAULT 0,
    created_at    TEXT NOT NULL
);
CREATE INDEX admin_units_parent ON admin_units (parent_code);

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE,
    display_name  TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    role          TEXT NOT NULL,
    unit_code     TEXT NOT NULL REFERENCES admin_units (code),
    active        INTEGER NOT NULL DEFAULT 1,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);

CREATE TABLE sessions (
    token_hash  TEXT PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf_token  TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE households (
    id            INTEGER PRIMARY KEY,
    code          TEXT NOT NULL UNIQUE,
    province_code TEXT NOT NULL,
    commune_code  TEXT NOT NULL REFERENCES admin_units (code),
    village_code  TEXT REFERENCES admin_units (code),
    head_name     TEXT NOT NULL,
    address       TEXT NOT NULL,
    phone         TEXT,
    version       INTEGER NOT NULL DEFAULT 1,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);
CREATE INDEX households_path ON households (province_code, commune_code, village_code);

CREATE TABLE household_poverty (
    household_id INTEGER NOT NULL REFERENCES households (id) ON DELETE CASCADE,
    year         INTEGER NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('poor', 'near_poor', 'escaped')),
    PRIMARY KEY (household_id, year)
);

CREATE TABLE children (
    id            INTEGER PRIMARY KEY,
    household_id  INTEGER NOT NULL REFERENCES households (id),
    full_name     TEXT NOT NULL,
    name_folded   TEXT NOT NULL,
    sex           TEXT NOT NULL CHECK (sex IN ('male', 'female')),
    birth_date    TEXT NOT NULL,
    ethnicity     TEXT,
    personal_id   TEXT,
    province_code TEXT NOT NULL,
    commune_code  TEXT NOT NULL REFERENCES admin_units (code),
    village_code  TEXT REFERENCES admin_units (code),
    status        TEXT NOT NULL DEFAULT 'active',
    version       INTEGER NOT NULL DEFAULT 1,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);
CREATE INDEX children_path ON children (province_code, commune_code, village_code);
CREATE INDEX children_household ON children (household_id);

CREATE TABLE audit_log (
    seq           INTEGER PRIMARY KEY,
    at            TEXT NOT NULL,
    actor_id      INTEGER,
    actor         TEXT NOT NULL,
    actor_role    TEXT NOT NULL,
    unit_code     TEXT NOT NULL,
    province_code TEXT NOT NULL,
    commune_code  TEXT NOT NULL,
    action        TEXT NOT NULL,
    entity        TEXT NOT NULL,
    entity_id     TEXT NOT NULL,
    detail        TEXT NOT NULL,
    prev_hash     TEXT NOT NULL,
    hash          TEXT NOT NULL
);
CREATE INDEX audit_log_scope ON audit_log (province_code, commune_code);
CREATE INDEX audit_log_entity ON audit_log (entity, entity_id);

-- The newest entry, updated in the same transaction as each append: serialises appends
-- and lets `mang audit verify` notice deleted tail entries.
CREATE TABLE audit_head (
    id        INTEGER PRIMARY KEY CHECK (id = 1),
    last_seq  INTEGER NOT NULL,
    last_hash TEXT NOT NULL
);
INSERT INTO audit_head (id, last_seq, last_hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

-- Append-only: the application never updates or deletes audit rows.
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;

-- Progress of `mang demo`, written in the same transaction as each chunk, so that a killed
-- run resumes where it stopped.
CREATE TABLE demo_runs (
    id            INTEGER PRIMARY KEY CHECK (id = 1),
    province_code TEXT NOT NULL,
    seed          INTEGER NOT NULL,
    children      INTEGER NOT NULL,
    as_of         TEXT NOT NULL,
    chunks_total  INTEGER NOT NULL,
    chunks_done   INTEGER NOT NULL,
    finished      INTEGER NOT NULL DEFAULT 0
);

-- Reviewed, reversible merges of duplicate child records (issue "Duplicates"). Keep in
-- step with ../postgres/0006_merge.sql (schema.txt checks both).
--
-- A merge keeps one record (kept_id) and marks the other (merged_id) `status = 'merged'`;
-- the row here holds what an undo needs to put everything back exactly: the kept record's
-- values before the merge, its version right after it (an undo is refused once it changed),
-- the merged record as it was, and the linked rows moved to the kept record.
CREATE TABLE child_merges (
    id                 INTEGER PRIMARY KEY,
    kept_id            INTEGER NOT NULL REFERENCES children (id),
    merged_id          INTEGER NOT NULL REFERENCES children (id),
    kept_before        TEXT NOT NULL,
    kept_version_after INTEGER NOT NULL,
    merged_before      TEXT NOT NULL,
    moved_rows         TEXT NOT NULL,
    reason             TEXT NOT NULL,
    merged_by          TEXT NOT NULL,
    merged_at          TEXT NOT NULL,
    undone_by          TEXT,
    undone_at          TEXT,
    province_code      TEXT NOT NULL,
    commune_code       TEXT NOT NULL,
    village_code       TEXT
);
CREATE INDEX child_merges_kept ON child_merges (kept_id);
CREATE INDEX child_merges_merged ON child_merges (merged_id);
CREATE INDEX child_merges_scope ON child_merges (province_code, commune_code, village_code);
-- Lists and counts now take active records only (`status = 'active'`); with the status in
-- the path index, per-unit counts stay index-only scans.
DROP INDEX children_path;
CREATE INDEX children_path ON children (province_code, commune_code, village_code, status);

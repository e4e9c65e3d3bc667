-- Child registry fields (QĐ 3955/QĐ-BYT basic information list; issue "Child registry").
-- Keep in step with ../sqlite/0002_registry_fields.sql (schema.txt checks both).
ALTER TABLE children ADD COLUMN name_key TEXT NOT NULL DEFAULT '';
ALTER TABLE children ADD COLUMN nationality TEXT NOT NULL DEFAULT 'Việt Nam';
ALTER TABLE children ADD COLUMN birth_registered BIGINT NOT NULL DEFAULT 1;
ALTER TABLE children ADD COLUMN insurance_card TEXT;
ALTER TABLE children ADD COLUMN insurance_valid_to TEXT;
ALTER TABLE children ADD COLUMN disability_type TEXT;
ALTER TABLE children ADD COLUMN disability_severity TEXT;
ALTER TABLE children ADD COLUMN school_status TEXT;
ALTER TABLE children ADD COLUMN id_override_reason TEXT;
-- Register order inside a commune (given, middle, family; Vietnamese collation), paged by
-- (commune_code, name_key, id); province-wide lists go commune by commune on the same index.
-- A province-wide name index was measured to cut `mang demo` from 122k to 16k children/s
-- (random inserts into one big B-tree), so there is none.
CREATE INDEX children_commune_name ON children (province_code, commune_code, name_key, id);
CREATE INDEX children_personal_id ON children (personal_id);
-- Secondary indexes that a bulk load (`mang demo`) drops first and builds at the end,
-- with their DDL kept here so a killed load can still rebuild them (on resume, or when
-- the database is next opened).
CREATE TABLE deferred_indexes (
    name TEXT PRIMARY KEY,
    ddl  TEXT NOT NULL
);

-- Child registry fields (QĐ 3955/QĐ-BYT basic information list; issue "Child registry").
-- Keep in step with ../postgres/0002_registry_fields.sql (schema.txt checks both).
ALTER TABLE children ADD COLUMN name_key TEXT NOT NULL DEFAULT '';
ALTER TABLE children ADD COLUMN nationality TEXT NOT NULL DEFAULT 'Việt Nam';
ALTER TABLE children ADD COLUMN birth_registered INTEGER NOT NULL DEFAULT 1;
ALTER TABLE children ADD COLUMN insurance_card TEXT;
ALTER TABLE children ADD COLUMN insurance_valid_to TEXT;
ALTER TABLE children ADD COLUMN disability_type TEXT;
ALTER TABLE children ADD COLUMN disability_severity TEXT;
ALTER TABLE children ADD COLUMN school_status TEXT;
ALTER TABLE children ADD COLUMN id_override_reason TEXT;
-- Register order (given, middle, family; Vietnamese collation) inside a scope, paged by
-- (name_key, id): one index per scope level that lists sort.
CREATE INDEX children_province_name ON children (province_code, name_key, id);
CREATE INDEX children_commune_name ON children (province_code, commune_code, name_key, id);
CREATE INDEX children_personal_id ON children (personal_id);

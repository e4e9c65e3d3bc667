-- Children by birth date within a province (indicators: live births of a period, the
-- cohort turning one, age bands): a range of one index with the commune and status in it.
CREATE INDEX children_birth ON children (province_code, birth_date, commune_code, status);

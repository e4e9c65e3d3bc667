-- Indicators (issue "Indicators"): a change counter per province, bumped by every audited
-- write, so cached indicator values are thrown away at once ('*': a national change such
-- as the holiday calendar). Keep in step with ../postgres/0014_indicators.sql.
CREATE TABLE data_versions (
    province_code TEXT PRIMARY KEY,
    n             BIGINT NOT NULL
);

-- The indicator tallies count the birth months a reference date splits child by child
-- (mang_store::tally, docs/indicator-tallies.md): the birth-date index carries every
-- column those counts read, so they never touch the table.
DROP INDEX children_birth;
CREATE INDEX children_birth ON children (province_code, birth_date, commune_code, status,
    birth_registered, full_by_one, insurance_card, insurance_valid_to);

-- SQLite stores the tallies' tables WITHOUT ROWID from here (0027 there); PostgreSQL keeps
-- a heap and its primary key index, as it always does: nothing to change.
SELECT 1;

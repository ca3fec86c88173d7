-- Finding complaints by words (issue 33, ADR 0029). Keep in step with
-- migrations/postgres.
--
-- One row per complaint: its subject and body as stemmed words, and the
-- words of the complainant's name as keyed tags, all made in Rust
-- (domain::search, the vault) so both databases index exactly the same
-- words. Names of anonymous complaints are not indexed. Complaints from
-- before this migration are indexed by the service at start.
--
-- FTS5 keys its rows by integer: `complaint_search.n` (an INTEGER PRIMARY
-- KEY, which VACUUM never renumbers) is the rowid of `complaint_words`.
-- The FTS5 table keeps its own copy of the words (stems and tags, no
-- plain name): a contentless table would need `contentless_delete`, which
-- SQLite shells before 3.43 (Debian 12's) cannot open.
CREATE TABLE complaint_search (
    n             INTEGER PRIMARY KEY,
    complaint_id  TEXT NOT NULL UNIQUE
);
CREATE VIRTUAL TABLE complaint_words USING fts5(
    subject, body, names,
    tokenize = 'unicode61 remove_diacritics 0'
);

-- The search box finds a letter by its number exactly.
CREATE INDEX complaints_letter_number ON complaints (letter_number)
    WHERE letter_number IS NOT NULL;

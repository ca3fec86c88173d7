-- Finding complaints by words (issue 33, ADR 0029). Keep in step with
-- migrations/sqlite.
--
-- One row per complaint: its subject (weight A) and body (D) as stemmed
-- words, and the words of the complainant's name as keyed tags (B), all
-- made in Rust (domain::search, the vault) so both databases index exactly
-- the same words. Names of anonymous complaints are not indexed. Complaints
-- from before this migration are indexed by the service at start.
CREATE TABLE complaint_search (
    complaint_id  UUID PRIMARY KEY,
    doc           tsvector NOT NULL
);
CREATE INDEX complaint_search_doc ON complaint_search USING gin (doc);

-- The search box finds a letter by its number exactly.
CREATE INDEX complaints_letter_number ON complaints (letter_number)
    WHERE letter_number IS NOT NULL;

-- "Subject contains" on SQLite through an index (issue 38, item 4). The
-- console's list filter `q` is a substring of the subject (PostgreSQL has a
-- trigram index for it since 0001); SQLite scanned the complaints newest
-- first, and for a rare word read the whole table to fill a page and count
-- the selection (0.4 s at a million). FTS5's trigram tokenizer finds the
-- complaints holding a substring of three characters or more; the store
-- narrows the list to those when they are few (store::shared::search).
-- Keyed like complaint_words by complaint_search.n (which VACUUM never
-- renumbers); written with the search entry (write_entry), so a complaint
-- without an entry yet (the search backlog) is not in it either: the store
-- uses it once that backlog is done.
CREATE VIRTUAL TABLE complaint_subjects USING fts5(subject, tokenize = 'trigram');
INSERT INTO complaint_subjects (rowid, subject)
SELECT s.n, c.subject_lower FROM complaint_search s JOIN complaints c ON c.id = s.complaint_id;

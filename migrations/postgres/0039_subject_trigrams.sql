-- PostgreSQL has had its trigram index on the subject since 0001 (complaints_subject_trgm);
-- SQLite gains complaint_subjects here (migrations/sqlite/0039). Kept so both
-- stores carry the same migration numbers.
SELECT 1;

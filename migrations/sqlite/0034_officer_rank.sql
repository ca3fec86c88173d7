-- An officer's rank (pangkat/golongan, e.g. "Pembina Tingkat I (IV/b)"):
-- the answer letter's signature block gives name, rank and NIP (Tata
-- Naskah Dinas). Keep in step with migrations/postgres.
ALTER TABLE officers ADD COLUMN rank TEXT;

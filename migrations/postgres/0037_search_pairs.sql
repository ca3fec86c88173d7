-- Phrases found through the index (issue 33, ADR 0029). GIN keeps no word
-- positions, so "tiga bulan" used to recheck every complaint holding both
-- words on the heap (a sixth of a million in the bench: 80-110 ms, ten
-- times that at ten million). Each entry now also holds every pair of
-- adjacent words of its subject (weight A) and of its body (D) as one
-- lexeme with a space ('tiga bulan', which no single word can be), so a
-- two-word phrase is one GIN look-up and a longer one the AND of its pairs
-- before the positions are checked. The pairs are made from the entry's
-- own positions: the same function for new entries and old ones.
-- `v` = 2 for entries with their pairs; older ones are given theirs by
-- housekeeping (app::search::pair_backlog), page by page, and the search
-- uses the pairs once that is done ('search_pairs' in integration_state).
-- SQLite's FTS5 keeps positions: nothing to do there.
CREATE FUNCTION aduan_search_pairs(d tsvector) RETURNS tsvector
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  WITH t AS (
    SELECT u.lexeme, x.pos, x.w
    FROM unnest(d) AS u, unnest(u.positions, u.weights) AS x(pos, w)
    WHERE x.w IN ('A', 'D'))
  SELECT COALESCE(string_agg(format('''%s'':%s%s',
      replace(replace(a.lexeme || ' ' || b.lexeme, '\', '\\'), '''', ''''''),
      a.pos, a.w), ' '), '')::tsvector
  FROM t a JOIN t b ON b.pos = a.pos + 1 AND b.w = a.w
$$;

-- An entry as the service writes it: subject (A), body (D), name tags (B),
-- then the pairs.
CREATE FUNCTION aduan_search_doc(subject TEXT, body TEXT, names TEXT) RETURNS tsvector
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT d || aduan_search_pairs(d)
  FROM (SELECT setweight(to_tsvector('simple', subject), 'A') || to_tsvector('simple', body)
               || setweight(to_tsvector('simple', names), 'B') AS d) AS x
$$;

ALTER TABLE complaint_search ADD COLUMN v SMALLINT NOT NULL DEFAULT 1;

INSERT INTO integration_state (name, cursor, imported_total, updated_at)
SELECT 'search_pairs', 'done', 0, now()
WHERE NOT EXISTS (SELECT 1 FROM complaint_search);

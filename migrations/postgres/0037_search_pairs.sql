-- Phrases and recent matches found in the index itself (issue 33, ADR 0029;
-- issue 38). Keep in step with migrations/sqlite (nothing to do there).
--
-- GIN keeps no word positions, so "tiga bulan" used to recheck every
-- complaint holding both words on the heap (80-110 ms at a million, linear
-- in the table). Each entry now also holds every pair of adjacent words of
-- its subject (weight A) and of its body (D) as one lexeme with a space
-- ('tiga bulan', which no single word can be), made from the entry's own
-- positions: a two-word phrase is one GIN look-up, a longer one the AND of
-- its pairs before the positions are checked.
--
-- And the month the complaint was received, as the lexeme '@ 202612' (no
-- word has an '@'): a search whose words match too many complaints to rank
-- them all is first answered among the last months' ('tiga bulan' &
-- ('@ 202612' | '@ 202611')), which GIN intersects without reading a row.
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

-- The month (UTC) of `received` as its lexeme.
CREATE FUNCTION aduan_search_month(received TIMESTAMPTZ) RETURNS tsvector
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT array_to_tsvector(ARRAY['@ ' || (extract(year FROM received AT TIME ZONE 'UTC')::int * 100
                                           + extract(month FROM received AT TIME ZONE 'UTC')::int)::text])
$$;

-- An entry as the service writes it: subject (A), body (D), name tags (B),
-- the pairs, the month.
CREATE FUNCTION aduan_search_doc(subject TEXT, body TEXT, names TEXT, received TIMESTAMPTZ)
RETURNS tsvector LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT d || aduan_search_pairs(d) || COALESCE(aduan_search_month(received), '')
  FROM (SELECT setweight(to_tsvector('simple', subject), 'A') || to_tsvector('simple', body)
               || setweight(to_tsvector('simple', names), 'B') AS d) AS x
$$;

-- `v` = 2 for entries with their pairs and month; older ones are given
-- theirs by housekeeping (app::search::pair_backlog), page by page, and the
-- search uses them once that is done ('search_pairs' in integration_state).
ALTER TABLE complaint_search ADD COLUMN v SMALLINT NOT NULL DEFAULT 1;

INSERT INTO integration_state (name, cursor, imported_total, updated_at)
SELECT 'search_pairs', 'done', 0, now()
WHERE NOT EXISTS (SELECT 1 FROM complaint_search);

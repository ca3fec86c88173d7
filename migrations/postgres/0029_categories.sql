-- Categories as a managed list (issue 33; domain::category). `key` is the
-- folded name (lower case, single spaces). Complaints keep the category's
-- name in complaints.category, as before.
CREATE TABLE categories (
    key     TEXT PRIMARY KEY,
    name    TEXT NOT NULL,
    active  BOOLEAN NOT NULL DEFAULT TRUE
);

-- The free-text values written before become the list, once: one category
-- per folded spelling, named by its most used spelling.
INSERT INTO categories (key, name)
SELECT k, name FROM (
    SELECT k, name, ROW_NUMBER() OVER (PARTITION BY k ORDER BY n DESC, name) AS r
    FROM (
        SELECT lower(trim(replace(replace(category, '   ', ' '), '  ', ' '))) AS k,
               trim(replace(replace(category, '   ', ' '), '  ', ' ')) AS name,
               COUNT(*) AS n
        FROM complaints
        WHERE category IS NOT NULL AND trim(category) <> ''
        GROUP BY 1, 2
    ) spellings
) ranked
WHERE r = 1;

-- Each complaint whose spelling changed keeps the original here.
CREATE TABLE category_originals (
    complaint_id  UUID PRIMARY KEY,
    original      TEXT NOT NULL
);
INSERT INTO category_originals (complaint_id, original)
SELECT c.id, c.category FROM complaints c
JOIN categories g ON g.key = lower(trim(replace(replace(c.category, '   ', ' '), '  ', ' ')))
WHERE c.category <> g.name;

UPDATE complaints SET category = (
    SELECT g.name FROM categories g
    WHERE g.key = lower(trim(replace(replace(complaints.category, '   ', ' '), '  ', ' ')))
)
WHERE category IS NOT NULL AND trim(category) <> ''
  AND category <> (
    SELECT g.name FROM categories g
    WHERE g.key = lower(trim(replace(replace(complaints.category, '   ', ' '), '  ', ' ')))
  );

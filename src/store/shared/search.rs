//! The search index (ADR 0029): one entry per complaint, written with its
//! registration and rewritten by an erasure; read by `search`. PostgreSQL
//! keeps a weighted `tsvector` under a GIN index, SQLite an FTS5 table;
//! both index the words `domain::search` made, so they find the same rows.

use async_trait::async_trait;
use uuid::Uuid;

use super::{Backend, Db};
use crate::store::model::ComplaintRow;
use crate::store::sql::{COMPLAINT_COLUMNS, SearchEntry};
use crate::store::{Complaint, SearchBacklog, SearchQuery, SearchStore, StoreError};

const POSTGRES: bool = matches!(Backend::BACKEND.as_bytes(), b"postgres");

/// The `tsvector` of complaint `$1`'s entry from `$2` (subject, weight A),
/// `$3` (body, D) and `$4` (name tags, B), with its pairs of adjacent words
/// and the month it was received (migration 0037).
pub(crate) const PG_DOC: &str = "aduan_search_doc($2, $3, $4, \
     (SELECT received_at FROM complaints WHERE id = $1))";

/// Writes the entry of complaint `id` in `tx`; `replace` rewrites an
/// existing one (an erasure), otherwise an existing entry is kept (the
/// backlog must not undo an erasure that came first).
pub(crate) async fn write_entry(
    tx: &mut sqlx::Transaction<'_, Db>,
    id: Uuid,
    e: &SearchEntry,
    replace: bool,
) -> Result<(), sqlx::Error> {
    if POSTGRES {
        let conflict = if replace {
            "DO UPDATE SET doc = EXCLUDED.doc, v = EXCLUDED.v"
        } else {
            "DO NOTHING"
        };
        sqlx::query(&format!(
            "INSERT INTO complaint_search (complaint_id, doc, v) VALUES ($1, {PG_DOC}, 2) \
             ON CONFLICT (complaint_id) {conflict}"
        ))
        .bind(id)
        .bind(&e.subject)
        .bind(&e.body)
        .bind(&e.names)
        .execute(&mut **tx)
        .await?;
        return Ok(());
    }
    let conflict = if replace {
        "DO UPDATE SET complaint_id = excluded.complaint_id"
    } else {
        "DO NOTHING"
    };
    let n: Option<(i64,)> = sqlx::query_as(&format!(
        "INSERT INTO complaint_search (complaint_id) VALUES ($1) \
         ON CONFLICT (complaint_id) {conflict} RETURNING n"
    ))
    .bind(id)
    .fetch_optional(&mut **tx)
    .await?;
    let Some((n,)) = n else { return Ok(()) };
    // an erasure rewrites the entry; a row of the trigram table under a
    // number given again (search entries deleted by hand) is replaced
    let tables: &[&str] = if replace {
        &["complaint_words", "complaint_subjects"]
    } else {
        &["complaint_subjects"]
    };
    for table in tables {
        sqlx::query(&format!("DELETE FROM {table} WHERE rowid = $1"))
            .bind(n)
            .execute(&mut **tx)
            .await?;
    }
    sqlx::query(
        "INSERT INTO complaint_words (rowid, subject, body, names) VALUES ($1, $2, $3, $4)",
    )
    .bind(n)
    .bind(&e.subject)
    .bind(&e.body)
    .bind(&e.names)
    .execute(&mut **tx)
    .await?;
    // the subject as written (lower case), for "subject contains" (migration 0039)
    sqlx::query(
        "INSERT INTO complaint_subjects (rowid, subject) \
         SELECT $1, subject_lower FROM complaints WHERE id = $2",
    )
    .bind(n)
    .bind(id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// How many complaints "subject contains" narrows a list to through the
/// trigram index, at most; beyond, the substring is common and the newest
/// complaints hold a page of it (walking them finds it sooner).
pub(crate) const SUBJECT_NARROW: usize = 5000;

impl Backend {
    /// On SQLite, the complaints whose subject holds `text` — `None` when the
    /// trigram index cannot say (fewer than three characters, PostgreSQL,
    /// search entries not all written yet) or they are more than
    /// [`SUBJECT_NARROW`]: the caller then scans (migration 0039).
    pub(crate) async fn subject_candidates(
        &self,
        text: &str,
    ) -> Result<Option<Vec<Uuid>>, StoreError> {
        let text = text.to_lowercase();
        if POSTGRES
            || text.chars().count() < 3
            || !self.backlog_done(SearchBacklog::Entries).await?
        {
            return Ok(None);
        }
        // one FTS5 phrase: the trigram tokenizer matches it as a substring
        let phrase = format!("\"{}\"", text.replace('"', "\"\""));
        let ids: Vec<(Uuid,)> = sqlx::query_as(
            "SELECT s.complaint_id FROM complaint_subjects t \
             JOIN complaint_search s ON s.n = t.rowid \
             WHERE complaint_subjects MATCH $1 LIMIT $2",
        )
        .bind(phrase)
        .bind(i64::try_from(SUBJECT_NARROW + 1).unwrap_or(i64::MAX))
        .fetch_all(&self.pool)
        .await?;
        Ok((ids.len() <= SUBJECT_NARROW).then(|| ids.into_iter().map(|(id,)| id).collect()))
    }
}

/// A word of the index as a quoted lexeme of PostgreSQL's `tsquery`.
fn lexeme(w: &str, weights: &str) -> String {
    format!(
        "'{}':{weights}",
        w.replace('\\', "\\\\").replace('\'', "''")
    )
}

/// A phrase as PostgreSQL's `tsquery`: one word; with `pairs` (every entry
/// holds its pairs of adjacent words, migration 0037) two words are their
/// pair, found in the index without a recheck, and a longer phrase the AND
/// of its pairs with the positions checked on what those find; without, the
/// words in order, checked on every entry holding them all.
fn pg_phrase(phrase: &[String], pairs: bool) -> String {
    let words = phrase
        .iter()
        .map(|s| lexeme(s, "AD"))
        .collect::<Vec<_>>()
        .join(" <-> ");
    if !pairs || phrase.len() < 2 {
        return format!("({words})");
    }
    let joined = phrase
        .windows(2)
        .map(|w| lexeme(&format!("{} {}", w[0], w[1]), "AD"))
        .collect::<Vec<_>>()
        .join(" & ");
    if phrase.len() == 2 {
        format!("({joined})")
    } else {
        format!("({joined} & ({words}))")
    }
}

/// The query as PostgreSQL's `tsquery` input reads it (a cast: the stems
/// are taken as they are; `to_tsquery` would parse `'tiga bulan'` into two
/// words in order, not the one lexeme of a pair).
fn pg_query(q: &SearchQuery, pairs: bool) -> String {
    q.terms
        .iter()
        .map(|t| {
            let words = t
                .stems
                .iter()
                .map(|phrase| pg_phrase(phrase, pairs))
                .collect::<Vec<_>>()
                .join(" | ");
            if t.names.is_empty() {
                format!("({words})")
            } else {
                let names = t
                    .names
                    .iter()
                    .map(|n| lexeme(n, "B"))
                    .collect::<Vec<_>>()
                    .join(" & ");
                format!("(({words}) | ({names}))")
            }
        })
        .collect::<Vec<_>>()
        .join(" & ")
}

/// The query in SQLite FTS5's syntax.
fn fts_query(q: &SearchQuery) -> String {
    let quoted = |w: &str| format!("\"{}\"", w.replace('"', "\"\""));
    q.terms
        .iter()
        .map(|t| {
            let phrases = t
                .stems
                .iter()
                .map(|p| quoted(&p.join(" ")))
                .collect::<Vec<_>>()
                .join(" OR ");
            let words = format!("{{subject body}} : ({phrases})");
            if t.names.is_empty() {
                format!("({words})")
            } else {
                let names = t
                    .names
                    .iter()
                    .map(|n| quoted(n))
                    .collect::<Vec<_>>()
                    .join(" AND ");
                format!("({words} OR {{names}} : ({names}))")
            }
        })
        .collect::<Vec<_>>()
        .join(" AND ")
}

/// SQLite ranks the newest this-many matches.
const RANKED: u32 = 1000;
/// PostgreSQL: a query the planner expects to match more complaints than
/// this is ranked among the newest `WINDOW` complaints first.
const BROAD: f64 = 5000.0;
const WINDOW: u32 = 10_000;
/// PostgreSQL: a query expected to match more than this is ranked among the
/// matches of the last months first (`MONTHS`), fewer over all its matches.
const NARROW: f64 = 1000.0;
/// The windows, in months up to this one, tried before all matches.
const MONTHS: [u32; 2] = [2, 13];

impl Backend {
    /// Whether a search backlog's walk is done (`Entries`: every complaint
    /// has its entry; `Pairs`: every entry holds its word pairs, migration
    /// 0037): read until it is, remembered from then on.
    async fn backlog_done(&self, backlog: SearchBacklog) -> Result<bool, StoreError> {
        use std::sync::atomic::Ordering;
        let seen = match backlog {
            SearchBacklog::Entries => &self.search_entries,
            SearchBacklog::Pairs => &self.search_pairs,
        };
        if seen.load(Ordering::Relaxed) {
            return Ok(true);
        }
        let done = self.search_backlog_cursor(backlog).await?.as_deref() == Some("done");
        if done {
            seen.store(true, Ordering::Relaxed);
        }
        Ok(done)
    }

    /// PostgreSQL's search (ADR 0029): a query matching few complaints
    /// (by the planner's estimate) is ranked over all its matches through
    /// the GIN index; a broad one ("bantuan" in half the complaints) over
    /// its matches among the newest `WINDOW` complaints — ranking hundreds
    /// of thousands of matches would take longer than the desk can wait.
    /// When those are fewer than asked, and the query is not narrow, it is
    /// ranked among the last `MONTHS` windows' matches (the entries' month
    /// lexemes: GIN intersects them with the words, no row is read that
    /// does not match), and over all its matches last. `indexed`: every
    /// entry holds its pairs and month (migration 0037).
    async fn pg_search(
        &self,
        tsquery: &str,
        indexed: bool,
        limit: i64,
    ) -> Result<Vec<ComplaintRow>, StoreError> {
        // $1 is ranked; $3, when given, is what a match must also hold
        let ranked = |from: &str, within: bool| {
            format!(
                "SELECT {COMPLAINT_COLUMNS} FROM ( \
                     SELECT complaint_id, ts_rank(doc, q) AS r \
                     FROM {from}, CAST($1 AS tsquery) q \
                     WHERE doc @@ {} ORDER BY r DESC, complaint_id DESC LIMIT $2) m \
                 JOIN complaints ON complaints.id = m.complaint_id \
                 ORDER BY m.r DESC, m.complaint_id DESC",
                if within { "CAST($3 AS tsquery)" } else { "q" }
            )
        };
        let estimate = self.pg_estimate(tsquery).await?;
        let now = chrono::Utc::now();
        // the matches among the last months', when the entries hold them:
        // a query broad overall but not there (a word in 0.1 % of ten
        // million) goes to those windows at once; one broad there too
        // reads the newest WINDOW entries first
        let recent = if indexed && estimate > NARROW {
            let within = format!("({tsquery}) & ({})", month_lexemes(now, MONTHS[0]));
            Some(self.pg_estimate(&within).await?)
        } else {
            None
        };
        if estimate > BROAD && recent.is_none_or(|r| r > BROAD) {
            let newest = format!(
                "(SELECT complaint_id, doc FROM complaint_search \
                  ORDER BY complaint_id DESC LIMIT {WINDOW}) w"
            );
            let rows: Vec<ComplaintRow> = sqlx::query_as(&ranked(&newest, false))
                .bind(tsquery)
                .bind(limit)
                .fetch_all(&self.pool)
                .await?;
            if rows.len() as i64 >= limit {
                return Ok(rows);
            }
        }
        if recent.is_some() {
            for months in MONTHS {
                let within = format!("({tsquery}) & ({})", month_lexemes(now, months));
                let rows: Vec<ComplaintRow> = sqlx::query_as(&ranked("complaint_search", true))
                    .bind(tsquery)
                    .bind(limit)
                    .bind(&within)
                    .fetch_all(&self.pool)
                    .await?;
                if rows.len() as i64 >= limit {
                    return Ok(rows);
                }
            }
        }
        Ok(sqlx::query_as(&ranked("complaint_search", false))
            .bind(tsquery)
            .bind(limit)
            .fetch_all(&self.pool)
            .await?)
    }
}

impl Backend {
    /// The planner's estimate of the entries matching `tsquery` (~1 ms).
    async fn pg_estimate(&self, tsquery: &str) -> Result<f64, StoreError> {
        let plan: (serde_json::Value,) = sqlx::query_as(
            "EXPLAIN (FORMAT JSON) SELECT 1 FROM complaint_search \
             WHERE doc @@ CAST($1 AS tsquery)",
        )
        .bind(tsquery)
        .fetch_one(&self.pool)
        .await?;
        Ok(plan.0[0]["Plan"]["Plan Rows"].as_f64().unwrap_or(0.0))
    }
}

/// The month lexemes (`'@ 202612'`, UTC, as `aduan_search_month` writes
/// them) of the `n` months up to `now`'s, as a `tsquery` OR.
fn month_lexemes(now: chrono::DateTime<chrono::Utc>, n: u32) -> String {
    use chrono::Datelike;
    let at = now.year() * 12 + now.month0() as i32;
    (0..n as i32)
        .map(|i| {
            let m = at - i;
            format!("'@ {}{:02}'", m.div_euclid(12), m.rem_euclid(12) + 1)
        })
        .collect::<Vec<_>>()
        .join(" | ")
}

#[async_trait]
impl SearchStore for Backend {
    async fn search(&self, q: &SearchQuery) -> Result<Vec<Complaint>, StoreError> {
        if q.terms.is_empty()
            || q.terms
                .iter()
                .any(|t| t.stems.is_empty() || t.stems.iter().any(Vec::is_empty))
        {
            return Ok(Vec::new());
        }
        let limit = i64::from(q.limit.clamp(1, 200));
        let rows: Vec<ComplaintRow> = if POSTGRES {
            let indexed = self.backlog_done(SearchBacklog::Pairs).await?;
            self.pg_search(&pg_query(q, indexed), indexed, limit)
                .await?
        } else {
            // FTS5 walks its index newest first and stops: the newest
            // matches are ranked (bm25), whatever their number (ADR 0029)
            sqlx::query_as(&format!(
                "WITH w AS ( \
                     SELECT rowid AS n, bm25(complaint_words, 4.0, 1.0, 2.0) AS r \
                     FROM complaint_words WHERE complaint_words MATCH $1 \
                     ORDER BY rowid DESC LIMIT {RANKED}), \
                 m AS (SELECT n, r FROM w ORDER BY r, n DESC LIMIT $2) \
                 SELECT {COMPLAINT_COLUMNS} FROM m \
                 JOIN complaint_search s ON s.n = m.n \
                 JOIN complaints ON complaints.id = s.complaint_id \
                 ORDER BY m.r, m.n DESC"
            ))
            .bind(fts_query(q))
            .bind(limit)
            .fetch_all(&self.pool)
            .await?
        };
        rows.into_iter()
            .map(|r| r.into_complaint(&self.vault).map(|(c, _)| c))
            .collect()
    }

    async fn find_exact(&self, tracking: &str, raw: &str) -> Result<Vec<Complaint>, StoreError> {
        // one index look-up each (an OR with an ORDER BY lets SQLite walk
        // the whole received_at index instead); newest first in Rust
        let rows: Vec<ComplaintRow> = sqlx::query_as(&format!(
            "SELECT {COMPLAINT_COLUMNS} FROM complaints WHERE tracking_number = $1 \
             UNION SELECT {COMPLAINT_COLUMNS} FROM complaints WHERE lapor_tracking_id = $2 \
             UNION SELECT * FROM (SELECT {COMPLAINT_COLUMNS} FROM complaints \
                                  WHERE letter_number = $2 LIMIT 20) AS l"
        ))
        .bind(tracking)
        .bind(raw)
        .fetch_all(&self.pool)
        .await?;
        let mut found = rows
            .into_iter()
            .map(|r| r.into_complaint(&self.vault).map(|(c, _)| c))
            .collect::<Result<Vec<_>, _>>()?;
        found.sort_by_key(|c| std::cmp::Reverse((c.received_at, c.id)));
        found.truncate(20);
        Ok(found)
    }

    async fn index_backlog(
        &self,
        after: Option<Uuid>,
        limit: u32,
    ) -> Result<Option<Uuid>, StoreError> {
        let mut b = sqlx::QueryBuilder::<Db>::new(format!(
            "SELECT {COMPLAINT_COLUMNS} FROM complaints WHERE 1 = 1"
        ));
        if let Some(a) = after {
            b.push(" AND id > ").push_bind(a);
        }
        b.push(" ORDER BY id LIMIT ").push_bind(i64::from(limit));
        let rows: Vec<ComplaintRow> = b.build_query_as().fetch_all(&self.pool).await?;
        let Some(last) = rows.last().map(|r| r.id) else {
            return Ok(None);
        };
        let mut entries = Vec::with_capacity(rows.len());
        for r in rows {
            let (c, _) = r.into_complaint(&self.vault)?;
            let e = SearchEntry::new(
                &self.vault,
                &c.subject,
                &c.body,
                c.reporter.name.as_deref(),
                c.anonymous,
            );
            entries.push((c.id, e));
        }
        let _writer = self.lock_writes().await;
        let mut tx = self.begin_write().await?;
        for (id, e) in &entries {
            write_entry(&mut tx, *id, e, false).await?;
        }
        tx.commit().await?;
        Ok(Some(last))
    }

    async fn pair_backlog(
        &self,
        after: Option<Uuid>,
        limit: u32,
    ) -> Result<Option<Uuid>, StoreError> {
        if !POSTGRES {
            return Ok(None);
        }
        // the page's last id first, then one UPDATE over the range: the
        // pairs are made from the entry as it is now (an erasure that
        // rewrote it meanwhile is not undone)
        let last: Option<(Uuid,)> = sqlx::query_as(
            "SELECT complaint_id FROM (SELECT complaint_id FROM complaint_search \
             WHERE complaint_id > $1 ORDER BY complaint_id LIMIT $2) p \
             ORDER BY complaint_id DESC LIMIT 1",
        )
        .bind(after.unwrap_or(Uuid::nil()))
        .bind(i64::from(limit))
        .fetch_optional(&self.pool)
        .await?;
        let Some((last,)) = last else {
            return Ok(None);
        };
        sqlx::query(
            "UPDATE complaint_search s SET v = 2, doc = s.doc || aduan_search_pairs(s.doc) \
             || COALESCE(aduan_search_month(c.received_at), '') \
             FROM complaints c WHERE c.id = s.complaint_id \
             AND s.complaint_id > $1 AND s.complaint_id <= $2 AND s.v < 2",
        )
        .bind(after.unwrap_or(Uuid::nil()))
        .bind(last)
        .execute(&self.pool)
        .await?;
        Ok(Some(last))
    }

    async fn search_backlog_cursor(
        &self,
        backlog: SearchBacklog,
    ) -> Result<Option<String>, StoreError> {
        let row: Option<(Option<String>,)> =
            sqlx::query_as("SELECT cursor FROM integration_state WHERE name = $1")
                .bind(backlog.key())
                .fetch_optional(&self.pool)
                .await?;
        Ok(row.and_then(|(c,)| c))
    }

    async fn set_search_backlog_cursor(
        &self,
        backlog: SearchBacklog,
        cursor: &str,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO integration_state (name, cursor, imported_total, updated_at) \
             VALUES ($3, $1, 0, $2) \
             ON CONFLICT (name) DO UPDATE SET cursor = $1, updated_at = $2",
        )
        .bind(cursor)
        .bind(chrono::Utc::now())
        .bind(backlog.key())
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::SearchTerm;

    #[test]
    fn queries_read_the_same_in_both_syntaxes() {
        let q = SearchQuery {
            terms: vec![
                SearchTerm {
                    stems: vec![vec!["tunggu".into()], vec!["unggu".into()]],
                    names: vec!["nabc".into()],
                },
                SearchTerm {
                    stems: vec![vec!["tiga".into(), "bulan".into()]],
                    names: vec![],
                },
            ],
            limit: 10,
        };
        assert_eq!(
            pg_query(&q, false),
            "((('tunggu':AD) | ('unggu':AD)) | ('nabc':B)) & (('tiga':AD <-> 'bulan':AD))"
        );
        assert_eq!(
            pg_query(&q, true),
            "((('tunggu':AD) | ('unggu':AD)) | ('nabc':B)) & (('tiga bulan':AD))"
        );
        let three = ["sudah", "tiga", "bulan"].map(String::from);
        assert_eq!(
            pg_phrase(&three, true),
            "('sudah tiga':AD & 'tiga bulan':AD & ('sudah':AD <-> 'tiga':AD <-> 'bulan':AD))"
        );
        assert_eq!(pg_phrase(&three[..1], true), "('sudah':AD)");
        let at = chrono::DateTime::parse_from_rfc3339("2027-02-10T00:00:00Z")
            .unwrap()
            .with_timezone(&chrono::Utc);
        assert_eq!(month_lexemes(at, 3), "'@ 202702' | '@ 202701' | '@ 202612'");
        assert_eq!(
            fts_query(&q),
            "({subject body} : (\"tunggu\" OR \"unggu\") OR {names} : (\"nabc\")) AND \
             ({subject body} : (\"tiga bulan\"))"
        );
    }
}

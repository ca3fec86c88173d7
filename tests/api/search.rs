//! The search box over the API (issue 33, ADR 0029): numbers exactly,
//! words in any form, phrases, names for the roles that may look people up
//! (audited), nothing of a name after its erasure, and complaints from
//! before the index found once the backlog is indexed.

use aduan::domain::Role;
use serde_json::{Value, json};

use crate::helpers::*;
use crate::workflow::post;

both_backends!(
    words_phrases_names_and_numbers_find_complaints,
    complaints_from_before_the_index_are_found,
    phrases_are_found_before_and_after_the_entries_get_their_pairs,
);

async fn register(app: &TestApp, key: &str, body: Value) -> (String, String) {
    let r = post(app, key, "/api/v1/complaints", body).await;
    let status = r.status();
    let v: Value = r.json().await.unwrap();
    assert_eq!(status, 201, "{v}");
    (
        v["id"].as_str().unwrap().to_string(),
        v["tracking_number"].as_str().unwrap().to_string(),
    )
}

/// The ids a search returns, in order.
async fn found(app: &TestApp, key: &str, q: &str) -> Vec<String> {
    let r = post(app, key, "/api/v1/complaints/search", json!({"q": q})).await;
    assert_eq!(r.status(), 200, "search {q:?}");
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["next_cursor"], Value::Null);
    v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_string())
        .collect()
}

async fn audited_searches(app: &TestApp) -> usize {
    app.store
        .list_privacy_audit(1000)
        .await
        .unwrap()
        .iter()
        .filter(|a| a.action == "search")
        .count()
}

async fn words_phrases_names_and_numbers_find_complaints(b: Backend) {
    let Some(app) = spawn_app(b).await else {
        return;
    };
    let reception = app.key(Role::Reception).await;
    let manager = app.key(Role::Manager).await;
    let privacy = app.key(Role::Privacy).await;
    let (maria, maria_no) = register(
        &app,
        &reception,
        json!({"channel": "face_to_face", "kind": "complaint",
               "subject": "Kartu lansia hilang",
               "body": "Ibu kami sudah tiga bulan menunggu kartu pengganti.",
               "reporter": {"name": "Maria Goreti Bría", "phone": "081239990001",
                            "id_number": "5371014101900011"}}),
    )
    .await;
    let (yohanes, _) = register(
        &app,
        &reception,
        json!({"channel": "letter", "kind": "complaint",
               "subject": "Bantuan PKH belum diterima",
               "body": "Tiga kali kami datang; bulan lalu dijanjikan, belum juga dibantu.",
               "reporter": {"name": "Yohanes Bria", "phone": "081239990003"},
               "external_ref": {"letter_number": "045/RT-03/XI/2026"}}),
    )
    .await;
    let (hidden, _) = register(
        &app,
        &reception,
        json!({"channel": "face_to_face", "kind": "complaint", "anonymous": true,
               "subject": "Pungutan di kantor desa",
               "body": "Petugas meminta uang untuk surat keterangan tidak mampu.",
               "reporter": {"name": "Rambu Goreti", "phone": "081239990002",
                            "id_number": "5371014101900012"}}),
    )
    .await;

    // a word of the body in another form: "bantuan" finds "dibantu" too,
    // best first (the subject weighs more than the body)
    assert_eq!(
        found(&app, &manager, "bantuan").await,
        vec![yohanes.clone()]
    );
    assert_eq!(found(&app, &manager, "menunggu").await, vec![maria.clone()]);
    assert_eq!(
        found(&app, &manager, "TUNGGU kartu").await,
        vec![maria.clone()]
    );
    // a phrase: these words in this order only ("tiga … bulan" apart is not it)
    assert_eq!(
        found(&app, &manager, "\"sudah tiga bulan\"").await,
        vec![maria.clone()]
    );
    let both = found(&app, &manager, "tiga bulan").await;
    assert_eq!(both.len(), 2, "both hold the words");
    // every word must match
    assert!(found(&app, &manager, "kartu pungutan").await.is_empty());
    // numbers exactly, whatever the case
    assert_eq!(
        found(&app, &manager, &maria_no.to_lowercase()).await,
        vec![maria.clone()]
    );
    assert_eq!(
        found(&app, &manager, "045/RT-03/XI/2026").await,
        vec![yohanes.clone()]
    );

    // names: only for the roles that may look people up, and audited
    assert_eq!(audited_searches(&app).await, 0);
    assert!(found(&app, &manager, "goreti").await.is_empty());
    assert_eq!(audited_searches(&app).await, 0, "no name was searched");
    assert_eq!(found(&app, &reception, "goreti").await, vec![maria.clone()]);
    assert_eq!(audited_searches(&app).await, 1);
    let audit = &app.store.list_privacy_audit(10).await.unwrap()[0];
    assert!(audit.complaint_ids.contains(&maria));
    assert!(!audit.subject.to_lowercase().contains("goreti"));
    // accents and case do not matter; a name and a word together
    assert_eq!(found(&app, &reception, "BRIA").await.len(), 2);
    assert_eq!(
        found(&app, &reception, "bria kartu").await,
        vec![maria.clone()]
    );
    assert_eq!(
        found(&app, &reception, "\"maria goreti\"").await,
        vec![maria.clone()]
    );
    // an anonymous complainant is not found by name, the complaint by words
    assert!(!found(&app, &privacy, "rambu").await.contains(&hidden));
    assert_eq!(
        found(&app, &reception, "pungutan").await,
        vec![hidden.clone()]
    );

    // after the erasure of Maria's data her name finds nothing
    let r = post(
        &app,
        &privacy,
        "/api/v1/privacy/erase",
        json!({"identifiers": {"phone": "081239990001"}, "reason": "Permohonan 7/PDP/2026"}),
    )
    .await;
    assert_eq!(r.status(), 200);
    assert!(found(&app, &reception, "goreti").await.is_empty());
    assert_eq!(found(&app, &reception, "kartu").await, vec![maria.clone()]);

    // a query is in the body, never in the URL; bad ones change nothing
    for (body, field) in [
        (json!({}), "q"),
        (json!({"q": "  ?! "}), "q"),
        (json!({"q": "x".repeat(201)}), "q"),
        (json!({"q": "kartu", "limit": 0}), "limit"),
        (json!({"q": "kartu", "limit": 101}), "limit"),
    ] {
        let r = post(&app, &manager, "/api/v1/complaints/search", body).await;
        assert_eq!(problem_fields(&assert_problem(r, 422).await), vec![field]);
    }
    let r = post(
        &app,
        &manager,
        "/api/v1/complaints/search",
        json!({"q": "kartu", "limit": 1.0}),
    )
    .await;
    assert_eq!(r.status(), 200);
}

async fn complaints_from_before_the_index_are_found(b: Backend) {
    let Some(app) = spawn_app(b).await else {
        return;
    };
    let reception = app.key(Role::Reception).await;
    let mut ids = Vec::new();
    for i in 0..3 {
        let mut body = valid_complaint("face_to_face");
        body["subject"] = json!(format!("Pengaduan lama nomor {i}"));
        ids.push(register(&app, &reception, body).await.0);
    }
    // as if registered before the index existed
    let url = app.database_url.clone();
    match b {
        Backend::Sqlite => {
            let mut c = <sqlx::SqliteConnection as sqlx::Connection>::connect(&url)
                .await
                .unwrap();
            for q in [
                "DELETE FROM complaint_words",
                "DELETE FROM complaint_search",
                "DELETE FROM integration_state WHERE name = 'search_index'",
            ] {
                sqlx::query(q).execute(&mut c).await.unwrap();
            }
        }
        Backend::Postgres => {
            let mut c = <sqlx::PgConnection as sqlx::Connection>::connect(&url)
                .await
                .unwrap();
            for q in [
                "DELETE FROM complaint_search",
                "DELETE FROM integration_state WHERE name = 'search_index'",
            ] {
                sqlx::query(q).execute(&mut c).await.unwrap();
            }
        }
    }
    assert!(found(&app, &reception, "lama").await.is_empty());
    let pages = aduan::app::search::index_backlog(app.store.as_ref())
        .await
        .unwrap();
    assert_eq!(pages, 1);
    let mut got = found(&app, &reception, "lama").await;
    got.sort();
    ids.sort();
    assert_eq!(got, ids);
    assert_eq!(found(&app, &reception, "goreti").await.len(), 3);
    // once done, it is not done again
    assert_eq!(
        aduan::app::search::index_backlog(app.store.as_ref())
            .await
            .unwrap(),
        0
    );
}

/// PostgreSQL finds a phrase through the pairs of adjacent words each entry
/// holds (migration 0037); entries from before are searched as before (the
/// words in order) until housekeeping has given them their pairs, then
/// through the pairs. SQLite's FTS5 finds phrases by positions all along.
async fn phrases_are_found_before_and_after_the_entries_get_their_pairs(b: Backend) {
    let Some(app) = spawn_app(b).await else {
        return;
    };
    let reception = app.key(Role::Reception).await;
    let mut ids = Vec::new();
    for (subject, text) in [
        (
            "Kartu lansia",
            "Sudah tiga bulan kartu lansia ibu kami belum cair.",
        ),
        (
            "Beras",
            "Tiga kali petugas datang, bulan ini beras belum ada.",
        ),
        ("Bulan tiga", "Bantuan bulan tiga belum diterima."),
        ("Sudah tiga bulan menunggu", "Mohon segera ditindaklanjuti."),
    ] {
        let mut body = valid_complaint("face_to_face");
        body["subject"] = json!(subject);
        body["body"] = json!(text);
        ids.push(register(&app, &reception, body).await.0);
    }
    let pg = || async {
        <sqlx::PgConnection as sqlx::Connection>::connect(&app.database_url)
            .await
            .unwrap()
    };
    if b == Backend::Postgres {
        // the entries hold their pairs: the pair is in the index itself
        let mut c = pg().await;
        let (n,): (i64,) = sqlx::query_as(
            "SELECT count(*) FROM complaint_search WHERE v = 2 \
             AND doc @@ to_tsquery('simple', '''tiga bulan''')",
        )
        .fetch_one(&mut c)
        .await
        .unwrap();
        assert_eq!(n, 2, "the subject's pair and the body's, one entry each");
        // and the month it was received
        let (n,): (i64,) = sqlx::query_as(
            "SELECT count(*) FROM complaint_search s JOIN complaints c ON c.id = s.complaint_id \
             WHERE s.doc @@ CAST('''' || (tsvector_to_array(aduan_search_month(c.received_at)))[1] \
             || '''' AS tsquery)",
        )
        .fetch_one(&mut c)
        .await
        .unwrap();
        assert_eq!(n, 4);
        // as if written before migration 0037 (no search ran yet, so the
        // store has not seen the walk done)
        for q in [
            "UPDATE complaint_search SET v = 1, doc = ts_delete(doc, \
             ARRAY(SELECT lexeme FROM unnest(doc) WHERE lexeme LIKE '% %'))",
            "UPDATE integration_state SET cursor = NULL WHERE name = 'search_pairs'",
        ] {
            sqlx::query(q).execute(&mut c).await.unwrap();
        }
    }
    let mut want = vec![ids[0].clone(), ids[3].clone()];
    want.sort();
    let sorted = |mut v: Vec<String>| {
        v.sort();
        v
    };
    for how in ["the words in order, without the pairs", "through the pairs"] {
        assert_eq!(
            sorted(found(&app, &reception, "\"tiga bulan\"").await),
            want,
            "{how}"
        );
        assert_eq!(
            sorted(found(&app, &reception, "\"sudah tiga bulan\"").await),
            want,
            "{how}"
        );
        assert_eq!(
            found(&app, &reception, "\"bulan tiga belum\"").await,
            vec![ids[2].clone()],
            "{how}"
        );
        assert!(
            found(&app, &reception, "\"kali bulan\"").await.is_empty(),
            "{how}"
        );
        assert!(
            found(&app, &reception, "\"lansia tiga\"").await.is_empty(),
            "{how}"
        );
        aduan::app::search::index_backlog(app.store.as_ref())
            .await
            .unwrap();
        if b == Backend::Postgres {
            let mut c = pg().await;
            let (old, state): (i64, Option<String>) = sqlx::query_as(
                "SELECT (SELECT count(*) FROM complaint_search WHERE v < 2), \
                 (SELECT cursor FROM integration_state WHERE name = 'search_pairs')",
            )
            .fetch_one(&mut c)
            .await
            .unwrap();
            assert_eq!((old, state.as_deref()), (0, Some("done")));
        }
    }
    if b == Backend::Postgres {
        // the phrase was found through the pairs themselves: without them
        // (the walk being done) it is not found at all
        let mut c = pg().await;
        sqlx::query(
            "UPDATE complaint_search SET doc = ts_delete(doc, ARRAY(SELECT lexeme \
             FROM unnest(doc) WHERE lexeme LIKE '% %' AND lexeme NOT LIKE '@%'))",
        )
        .execute(&mut c)
        .await
        .unwrap();
        assert!(found(&app, &reception, "\"tiga bulan\"").await.is_empty());
        assert_eq!(
            found(&app, &reception, "tiga").await.len(),
            4,
            "the words are still there"
        );
    }
}

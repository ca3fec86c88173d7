//! The outgoing letters' agenda (issue 36): the answer letter's number from
//! the office's pattern, a sequence per year that two replicas never give
//! twice; a letter dispatched without a number takes the agenda's.

use chrono::Utc;
use serde_json::json;

use crate::helpers::{Backend, both_backends, spawn_app, spawn_replica};

both_backends!(
    two_replicas_never_give_a_letter_number_twice,
    the_head_approves_and_the_letter_is_numbered_and_dispatched_with_it,
);

async fn two_replicas_never_give_a_letter_number_twice(b: Backend) {
    let Some(app) = spawn_app(b).await else {
        return;
    };
    let other = spawn_replica(&app, |_| {}).await;
    let complaint = uuid::Uuid::now_v7();
    let number = |seq: i64| format!("460/{seq}/DINSOS/XII/2026");
    let mut tasks = Vec::new();
    for i in 0..24 {
        let store = if i % 2 == 0 {
            app.store.clone()
        } else {
            other.store.clone()
        };
        tasks.push(tokio::spawn(async move {
            let draft = uuid::Uuid::now_v7();
            let e = store
                .letter_for_draft(complaint, draft, 2026, &number, Utc::now())
                .await
                .unwrap();
            // asked again for the same draft: the same entry
            let again = store
                .letter_for_draft(complaint, draft, 2026, &number, Utc::now())
                .await
                .unwrap();
            assert_eq!(e, again);
            e
        }));
    }
    let mut seqs = Vec::new();
    for t in tasks {
        let e = t.await.unwrap();
        assert_eq!(e.number, format!("460/{}/DINSOS/XII/2026", e.seq));
        seqs.push(e.seq);
    }
    seqs.sort_unstable();
    assert_eq!(seqs, (1..=24).collect::<Vec<_>>(), "no gap, no repeat");
    // a new year starts again at 1
    let next_year = |seq: i64| format!("460/{seq}/DINSOS/I/2027");
    let e = app
        .store
        .letter_for_draft(
            complaint,
            uuid::Uuid::now_v7(),
            2027,
            &next_year,
            Utc::now(),
        )
        .await
        .unwrap();
    assert_eq!(e.seq, 1);
    assert_eq!(app.store.agenda_of_year(2026).await.unwrap().len(), 24);
}

async fn the_head_approves_and_the_letter_is_numbered_and_dispatched_with_it(b: Backend) {
    use crate::workflow::{dispose, ok, register};
    let Some(app) = spawn_app(b).await else {
        return;
    };
    let o = crate::workflow::office(&app).await;
    let id = register(&app, &o.reception, "letter").await;
    ok(&app, &o.reception, &id, "forward", json!({})).await;
    ok(&app, &o.k_head, &id, "dispositions", dispose(&o.kabid)).await;
    ok(
        &app,
        &o.k_kabid,
        &id,
        "answer/drafts",
        json!({"body": "Bantuan Bapak cair pada 15 Desember 2026."}),
    )
    .await;
    ok(&app, &o.k_kabid, &id, "answer/submit", json!({})).await;
    let core = aduan::app::App::new(app.store.clone(), app.settings.clone());
    let cid: uuid::Uuid = id.parse().unwrap();
    assert!(
        core.letter_of_latest_draft(cid, Utc::now())
            .await
            .unwrap()
            .is_none(),
        "not numbered before the head approves"
    );
    ok(&app, &o.k_head, &id, "answer/approve", json!({})).await;
    let entry = core
        .letter_of_latest_draft(cid, Utc::now())
        .await
        .unwrap()
        .expect("numbered on approval");
    let year = Utc::now()
        .with_timezone(&app.settings.office_timezone)
        .format("%Y")
        .to_string();
    assert!(entry.number.starts_with("1/PENGADUAN/") && entry.number.ends_with(&year));
    // dispatched as a letter without a number: the agenda's
    let c = ok(
        &app,
        &o.reception,
        &id,
        "dispatch",
        json!({"method": "letter"}),
    )
    .await;
    assert_eq!(c["status"], "answered", "{c}");
    let dispatches = app.store.dispatches(cid).await.unwrap();
    assert_eq!(
        dispatches[0].letter_number.as_deref(),
        Some(entry.number.as_str())
    );
    assert!(dispatches[0].letter_date.is_some());
}

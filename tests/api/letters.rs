//! The outgoing letters' agenda (issue 36): the answer letter's number from
//! the office's pattern, a sequence per year that two replicas never give
//! twice; a letter dispatched without a number takes the agenda's.

use chrono::Utc;
use serde_json::json;

use crate::helpers::{Backend, both_backends, spawn_app, spawn_app_with, spawn_replica};

both_backends!(
    two_replicas_never_give_a_letter_number_twice,
    the_head_approves_and_the_letter_is_numbered_and_dispatched_with_it,
    the_position_the_office_names_signs_on_the_heads_behalf,
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

/// `ADUAN_LETTER_SIGNER` names the Sekretaris: the head approves, the
/// Sekretaris signs "a.n. Kepala Dinas Sosial" with her name, rank (set
/// after a promotion) and NIP; the tembusan follows the signature.
async fn the_position_the_office_names_signs_on_the_heads_behalf(b: Backend) {
    use crate::workflow::{dispose, ok, register};
    let Some(app) = spawn_app_with(b, |s| {
        s.require_2fa = Vec::new();
        s.letter_signer = Some("sekretaris".into());
        s.letter_copies = vec!["Inspektorat Kabupaten Belu".into()];
    })
    .await
    else {
        return;
    };
    let o = crate::workflow::office(&app).await;
    let officers: serde_json::Value = app
        .get(&o.admin, "/api/v1/org/officers")
        .await
        .json()
        .await
        .unwrap();
    let sekretaris = officers["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["name"] == "Maria Sekretaris")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    // promoted: the admin writes her new rank (and a wrong one is refused)
    let patch = |body: serde_json::Value| {
        app.client
            .patch(app.url(&format!("/api/v1/org/officers/{sekretaris}")))
            .bearer_auth(&o.admin)
            .json(&body)
            .send()
    };
    let r = patch(json!({"rank": "x".repeat(101)})).await.unwrap();
    assert_eq!(r.status(), 422);
    let r = patch(json!({"rank": "Pembina Tingkat I (IV/b)"}))
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.json::<serde_json::Value>().await.unwrap()["rank"],
        "Pembina Tingkat I (IV/b)"
    );
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
    ok(&app, &o.k_head, &id, "answer/approve", json!({})).await;
    crate::accounts::account(&app, &o.admin, "kadis", "head", Some(&o.o_head)).await;
    let session = crate::accounts::browser(&app, "kadis", crate::accounts::PASSWORD, None).await;
    let page = app
        .client
        .get(app.url(&format!("/console/complaints/{id}/letter")))
        .header("Cookie", &session.cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let signature = page
        .split("<div class=\"signature\">")
        .nth(1)
        .and_then(|x| x.split("</div>").next())
        .unwrap_or_else(|| panic!("{page}"));
    let lines: Vec<&str> = signature
        .split("<p")
        .filter_map(|p| p.split_once('>'))
        .map(|(_, rest)| rest.trim_end_matches("</p>"))
        .filter(|t| !t.is_empty())
        .collect();
    assert_eq!(
        lines,
        [
            "a.n. Kepala Dinas Sosial",
            "Sekretaris",
            "Maria Sekretaris",
            "Pembina Tingkat I (IV/b)"
        ],
        "{signature}"
    );
    assert!(
        page.contains("<p>Tembusan:</p><ol><li>Inspektorat Kabupaten Belu</li></ol>"),
        "{page}"
    );
}

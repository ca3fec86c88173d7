//! Security round, findings 12 and 13: the database knows its keyring — a
//! replica with another keyring refuses to start, naming the file, and never
//! leaves a keyring of its own behind — and one outbox row no keyring here
//! can open is parked with its reason while every other message goes out.

use std::sync::Arc;

use aduan::domain::Role;
use aduan::notify::Dispatcher;
use aduan::startup::Application;
use serde_json::Value;

use crate::helpers::*;
use crate::outbox::app_with_sink;

both_backends!(
    a_replica_with_another_keyring_refuses_to_start,
    an_unreadable_outbox_row_is_parked_and_the_rest_are_delivered,
);

/// Starts the service on `app`'s database with the keyring at `key`: the
/// error's text, or `None` if it started (and was stopped again).
async fn start_with_keyring(app: &TestApp, key: std::path::PathBuf) -> Option<String> {
    let mut s = (*app.settings).clone();
    s.secret_key_file = key;
    s.data_dir = TempDir::new().0.clone();
    match Application::build(s).await {
        Ok(_) => None,
        Err(e) => Some(e.to_string()),
    }
}

async fn a_replica_with_another_keyring_refuses_to_start(b: Backend) {
    let Some(app) = spawn_app(b).await else {
        return;
    };
    let key = app.key(Role::Reception).await;
    let r = app.post_complaint(&key, &valid_complaint("letter")).await;
    assert_eq!(r.status(), 201);
    // a fresh pod whose volume was not mounted: it would generate its own
    let elsewhere = TempDir::new();
    let fresh = elsewhere.0.join("secret.key");
    let why = start_with_keyring(&app, fresh.clone())
        .await
        .expect("a replica with another keyring must not start");
    assert!(
        why.contains(&fresh.display().to_string()) && why.contains("ADUAN_SECRET_KEY_FILE"),
        "names the file and what to do: {why}"
    );
    assert!(
        !fresh.exists(),
        "no keyring is generated for a database that already has one"
    );
    // a database from before the check (no record of its keyring): the
    // sealed data itself tells that this keyring is not its own
    app.exec_sql("DELETE FROM keyring_checks", None).await;
    let why = start_with_keyring(&app, fresh.clone()).await;
    assert!(
        why.as_deref()
            .is_some_and(|w| w.contains("does not open the data")),
        "{why:?}"
    );
    assert!(!fresh.exists());
    // the right keyring starts (and records itself again); a key added to
    // it later is recorded too
    assert_eq!(
        start_with_keyring(&app, app.settings.secret_key_file.clone()).await,
        None
    );
    let copy = elsewhere.0.join("old.key");
    std::fs::copy(&app.settings.secret_key_file, &copy).unwrap();
    let (vault, _) = aduan::vault::Vault::load_or_create(&app.settings.secret_key_file).unwrap();
    vault.add_master_key().unwrap();
    assert_eq!(
        start_with_keyring(&app, app.settings.secret_key_file.clone()).await,
        None
    );
    // an old copy of the keyring, from before that key, is refused
    let why = start_with_keyring(&app, copy).await.expect("refused");
    assert!(why.contains("lacks key 2"), "{why}");
    // the service that was running all along still works
    let r = app.post_complaint(&key, &valid_complaint("letter")).await;
    assert_eq!(r.status(), 201);
}

async fn an_unreadable_outbox_row_is_parked_and_the_rest_are_delivered(b: Backend) {
    let Some((app, sink)) = app_with_sink(b, 8).await else {
        return;
    };
    let dispatcher = Dispatcher::new(app.store.clone(), Arc::clone(&app.settings)).unwrap();
    let key = app.key(Role::Reception).await;
    let admin = app.key(Role::Admin).await;
    for _ in 0..4 {
        let r = app.post_complaint(&key, &valid_complaint("email")).await;
        assert_eq!(r.status(), 201);
    }
    // one row sealed by a keyring this process does not have
    let foreign = aduan::vault::Vault::ephemeral().seal(b"{\"to\":\"x@example.id\"}");
    app.exec_sql(
        "UPDATE outbox SET payload = $1 WHERE id = (SELECT id FROM outbox ORDER BY id LIMIT 1)",
        Some(&foreign),
    )
    .await;
    let report = dispatcher
        .run_once(chrono::Utc::now() + chrono::Duration::seconds(1))
        .await
        .unwrap();
    assert_eq!(report.sent, 3, "{report:?}");
    assert_eq!(sink.messages().len(), 3);
    // parked with its reason, where the admin looks
    let parked: Value = app
        .get(&admin, "/api/v1/outbox?status=parked")
        .await
        .json()
        .await
        .unwrap();
    let items = parked["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{parked}");
    assert!(
        items[0]["last_error"]
            .as_str()
            .unwrap()
            .contains("cannot be opened"),
        "{parked}"
    );
    // and in /metrics
    let m = app
        .client
        .get(app.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        m.lines()
            .any(|l| l.starts_with("aduan_outbox_parked_total{reason=\"unreadable\"}")),
        "{m}"
    );
    // the next run is not stopped by it either
    let r = app.post_complaint(&key, &valid_complaint("email")).await;
    assert_eq!(r.status(), 201);
    let report = dispatcher
        .run_once(chrono::Utc::now() + chrono::Duration::seconds(2))
        .await
        .unwrap();
    assert_eq!(report.sent, 1);
}

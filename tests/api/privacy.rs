//! Personal data and secrets at rest (issue 12): findings of the security
//! review, each reproduced by a test that failed before its fix.

use std::sync::Arc;

use aduan::domain::Role;
use aduan::notify::Dispatcher;
use chrono::Utc;
use serde_json::{Value, json};

use crate::accounts::database_text;
use crate::helpers::*;
use crate::outbox::app_with_sink;

both_backends!(
    access_codes_are_never_kept_in_the_clear,
    a_late_replay_gets_no_access_code,
    behind_a_trusted_proxy_each_citizen_has_their_own_limit,
    the_data_folder_is_readable_by_the_service_alone,
    every_response_carries_security_headers,
    a_wrong_key_is_refused_before_the_request_is_validated,
    a_duplicate_lapor_id_names_the_complaint_only_to_who_may_read_it,
);

async fn register(app: &TestApp, key: &str, idem: &str, email: &str) -> reqwest::Response {
    let mut body = valid_complaint("letter");
    body["reporter"]["email"] = json!(email);
    app.client
        .post(app.url("/api/v1/complaints"))
        .bearer_auth(key)
        .header("Idempotency-Key", idem)
        .json(&body)
        .send()
        .await
        .unwrap()
}

/// Found: `idempotency_keys.access_code` and `outbox.payload` (kept after
/// sending) held access codes in plaintext.
async fn access_codes_are_never_kept_in_the_clear(b: Backend) {
    let Some((app, sink)) = app_with_sink(b, 8).await else {
        return;
    };
    let key = app.key(Role::Reception).await;
    let mut codes = Vec::new();
    for i in 0..3 {
        let r = register(
            &app,
            &key,
            &format!("loket-{i}"),
            &format!("warga{i}@example.id"),
        )
        .await;
        assert_eq!(r.status(), 201);
        let v: Value = r.json().await.unwrap();
        codes.push(v["access_code"].as_str().unwrap().to_string());
        // a retry within the window gets the same code back
        let again: Value = register(
            &app,
            &key,
            &format!("loket-{i}"),
            &format!("warga{i}@example.id"),
        )
        .await
        .json()
        .await
        .unwrap();
        assert_eq!(again["access_code"].as_str(), Some(codes[i].as_str()));
    }
    let dump = database_text(&app).await;
    for c in &codes {
        assert!(
            !dump.contains(c.as_str()),
            "access code {c} in the database before sending"
        );
    }
    // the acknowledgements carry the codes to the complainants …
    let d = Dispatcher::new(app.store.clone(), Arc::clone(&app.settings)).unwrap();
    let report = d
        .run_once(Utc::now() + chrono::Duration::seconds(1))
        .await
        .unwrap();
    assert_eq!(report.sent, 3);
    let mail: String = sink.messages().iter().map(|m| m.unfolded()).collect();
    for c in &codes {
        assert!(mail.contains(c.as_str()), "the email carries the code");
    }
    // … and once sent, and past the replay window, nothing of them is kept
    let jobs = aduan::jobs::Jobs::new(app.store.clone(), Arc::clone(&app.settings));
    let (replays, payloads) = jobs
        .housekeeping(Utc::now() + chrono::Duration::hours(2))
        .await
        .unwrap();
    assert_eq!((replays, payloads), (3, 3));
    assert_eq!(
        jobs.housekeeping(Utc::now() + chrono::Duration::hours(2))
            .await
            .unwrap(),
        (0, 0)
    );
    let dump = database_text(&app).await;
    for c in &codes {
        assert!(
            !dump.contains(c.as_str()),
            "access code {c} in the database after sending"
        );
    }
    // (the SQLite file may still hold old pages of the sealed text: encrypted)
    for item in app.store.list_outbox(Some("sent"), 100).await.unwrap() {
        assert!(!item.payload.contains("access_code"), "{}", item.payload);
    }
}

/// Found: an idempotent replay returned the access code with no time limit.
async fn a_late_replay_gets_no_access_code(b: Backend) {
    let Some(app) = spawn_app_with(b, |s| s.replay_code_window = chrono::Duration::zero()).await
    else {
        return;
    };
    let key = app.key(Role::Reception).await;
    let first: Value = register(&app, &key, "portal-9", "warga9@example.id")
        .await
        .json()
        .await
        .unwrap();
    assert!(first["access_code"].is_string());
    let r = register(&app, &key, "portal-9", "warga9@example.id").await;
    assert_eq!(r.status(), 201);
    assert_eq!(r.headers()["idempotent-replayed"], "true");
    let again: Value = r.json().await.unwrap();
    assert_eq!(again["id"], first["id"]);
    assert!(again["access_code"].is_null(), "{again}");
    assert!(
        again["access_code_note"]
            .as_str()
            .unwrap()
            .contains("not kept")
    );
}

async fn lookups(app: &TestApp, forwarded_for: &str, n: usize) -> Vec<u16> {
    let mut out = Vec::new();
    for _ in 0..n {
        let r = app
            .client
            .get(app.url("/api/v1/public/complaints/ADU-2026-000001?code=AAAA-BBBB-CCCC-DDDD"))
            .header("X-Forwarded-For", forwarded_for)
            .send()
            .await
            .unwrap();
        out.push(r.status().as_u16());
    }
    out
}

/// Found: the public rate limit counted per connection address with no
/// trusted-proxy setting, so behind nginx every citizen shared one limit.
async fn behind_a_trusted_proxy_each_citizen_has_their_own_limit(b: Backend) {
    let Some(app) = spawn_app_with(b, |s| {
        s.public_rate_limit_per_minute = 2;
        s.trusted_proxies = vec![aduan::config::IpNet::parse("127.0.0.0/8").unwrap()];
    })
    .await
    else {
        return;
    };
    assert_eq!(lookups(&app, "203.0.113.5", 3).await, [404, 404, 429]);
    // another citizen behind the same proxy is not limited by the first
    assert_eq!(
        lookups(&app, "198.51.100.7, 127.0.0.1", 2).await,
        [404, 404]
    );
    // a client cannot forge its way out: the right-most untrusted entry counts
    assert_eq!(lookups(&app, "1.2.3.4, 203.0.113.5", 1).await, [429]);

    // without trusted proxies the header is ignored: everyone is the peer
    let Some(plain) = spawn_app_with(b, |s| s.public_rate_limit_per_minute = 2).await else {
        return;
    };
    assert_eq!(lookups(&plain, "203.0.113.5", 1).await, [404]);
    assert_eq!(lookups(&plain, "198.51.100.7", 2).await, [404, 429]);
}

/// Found: the database, its WAL and attachment files were world-readable
/// (0644 files, 0755 folders).
async fn the_data_folder_is_readable_by_the_service_alone(b: Backend) {
    use std::os::unix::fs::PermissionsExt;
    let Some(app) = spawn_app(b).await else {
        return;
    };
    let key = app.key(Role::Reception).await;
    let r = app.post_complaint(&key, &valid_complaint("letter")).await;
    let id = r.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let part = reqwest::multipart::Part::bytes(b"%PDF-1.4 KTP".to_vec())
        .file_name("ktp.pdf")
        .mime_str("application/pdf")
        .unwrap();
    let r = app
        .client
        .post(app.url(&format!("/api/v1/complaints/{id}/attachments")))
        .bearer_auth(&key)
        .multipart(reqwest::multipart::Form::new().part("file", part))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let mut seen = 0;
    let mut stack = vec![app.data_dir.clone()];
    while let Some(p) = stack.pop() {
        let meta = std::fs::metadata(&p).unwrap();
        let mode = meta.permissions().mode() & 0o777;
        if meta.is_dir() {
            assert_eq!(mode, 0o700, "{}", p.display());
            for e in std::fs::read_dir(&p).unwrap() {
                stack.push(e.unwrap().path());
            }
        } else {
            assert_eq!(mode, 0o600, "{} is {mode:o}", p.display());
            seen += 1;
        }
    }
    // the attachment and the key file (and on SQLite the database and its WAL)
    assert!(seen >= 2, "{seen} files");
}

/// Found: no CSP or X-Frame-Options on HTML, no nosniff or
/// `Cache-Control: no-store` on JSON carrying personal data.
async fn every_response_carries_security_headers(b: Backend) {
    let Some(app) = spawn_app(b).await else {
        return;
    };
    let key = app.key(Role::Reception).await;
    let r = app
        .post_complaint(&key, &valid_complaint("face_to_face"))
        .await;
    let id = r.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    for r in [
        app.get(&key, &format!("/api/v1/complaints/{id}")).await,
        app.get(&key, "/api/v1/complaints").await,
        app.get(&key, "/api/v1/nothing-here").await,
        app.client
            .get(app.url("/api/v1/complaints"))
            .send()
            .await
            .unwrap(),
    ] {
        let h = r.headers();
        assert_eq!(h["x-content-type-options"], "nosniff", "{}", r.url());
        assert_eq!(h["x-frame-options"], "DENY");
        assert_eq!(h["cache-control"], "no-store");
        assert_eq!(
            h["content-security-policy"],
            "default-src 'none'; frame-ancestors 'none'"
        );
    }
    // Swagger UI still works, and cannot be framed
    let r = app
        .client
        .get(app.url("/swagger-ui/"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.headers()["content-security-policy"],
        "frame-ancestors 'none'"
    );
    // a page of ours keeps its own policy
    let r = app
        .client
        .get(app.url("/akun/sandi/abc"))
        .send()
        .await
        .unwrap();
    let csp = r.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        csp.contains("form-action 'self'") && csp.contains("default-src 'none'"),
        "{csp}"
    );
}

/// Found: with a wrong bearer, some paths validated before they
/// authenticated (404/422 instead of 401).
async fn a_wrong_key_is_refused_before_the_request_is_validated(b: Backend) {
    let Some(app) = spawn_app(b).await else {
        return;
    };
    let wrong = "adn_not-a-real-key";
    let c = &app.client;
    for r in [
        c.get(app.url("/api/v1/complaints/not-a-uuid"))
            .bearer_auth(wrong)
            .send()
            .await
            .unwrap(),
        c.get(app.url("/api/v1/complaints?limit=9999"))
            .bearer_auth(wrong)
            .send()
            .await
            .unwrap(),
        c.post(app.url("/api/v1/complaints"))
            .bearer_auth(wrong)
            .header("Content-Type", "application/json")
            .body("{not json")
            .send()
            .await
            .unwrap(),
        c.patch(app.url("/api/v1/org/officers/nope"))
            .bearer_auth(wrong)
            .json(&json!({"active": false}))
            .send()
            .await
            .unwrap(),
        c.post(app.url("/api/v1/complaints/not-a-uuid/forward"))
            .bearer_auth(wrong)
            .send()
            .await
            .unwrap(),
    ] {
        let url = r.url().to_string();
        let p = assert_problem(r, 401).await;
        assert!(
            p["type"].as_str().unwrap().ends_with("/unauthorized"),
            "{url}: {p}"
        );
    }
    // with a good key the same requests are validated as before
    let key = app.key(Role::Reception).await;
    assert_eq!(
        app.get(&key, "/api/v1/complaints/not-a-uuid")
            .await
            .status(),
        404
    );
}

/// Found: an integration key learned another complaint's tracking number
/// and id from the 409 of a duplicate LAPOR! id.
async fn a_duplicate_lapor_id_names_the_complaint_only_to_who_may_read_it(b: Backend) {
    let Some(app) = spawn_app(b).await else {
        return;
    };
    let liaison = app.key(Role::Liaison).await;
    let integration = app.key(Role::Integration).await;
    let mut body = valid_complaint("lapor");
    body["external_ref"] = json!({"lapor_tracking_id": "5550001"});
    let r = app.post_complaint(&liaison, &body).await;
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    let again = app.post_complaint(&integration, &body).await;
    let p = assert_problem(again, 409).await;
    let detail = p["detail"].as_str().unwrap();
    assert_eq!(
        detail, "a complaint with this LAPOR! tracking id is registered already",
        "no tracking number or id of a complaint the caller cannot read"
    );
    // the liaison officer, who may read it, is told which complaint it is
    let p = assert_problem(app.post_complaint(&liaison, &body).await, 409).await;
    assert!(p["detail"].as_str().unwrap().contains("DINSOS-"), "{p}");
}

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
    seeded_identities_are_nowhere_in_the_database_or_the_attachments,
    identity_documents_of_anonymous_complaints_follow_the_reporter,
    key_rotation_under_load_loses_nothing,
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

/// Everything the database holds, as a plain dump: on SQLite the files
/// themselves (database, WAL, shared memory); on PostgreSQL `pg_dump`
/// (from PATH or the server's binaries), else every row as text.
async fn plain_dump(app: &TestApp) -> Vec<u8> {
    if app.database_url.starts_with("sqlite:") {
        let mut out = Vec::new();
        for e in std::fs::read_dir(&app.data_dir).unwrap() {
            let p = e.unwrap().path();
            if p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("aduan.db")
            {
                out.extend(std::fs::read(&p).unwrap());
            }
        }
        return out;
    }
    let mut candidates = vec![std::path::PathBuf::from("pg_dump")];
    if let Ok(dirs) = std::fs::read_dir("/usr/lib/postgresql") {
        for d in dirs.flatten() {
            candidates.push(d.path().join("bin/pg_dump"));
        }
    }
    for bin in candidates {
        if let Ok(out) = std::process::Command::new(&bin)
            .arg("--no-owner")
            .arg(&app.database_url)
            .output()
            && out.status.success()
        {
            return out.stdout;
        }
    }
    database_text(app).await.into_bytes()
}

fn files_under(dir: &std::path::Path) -> Vec<(std::path::PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(p) = stack.pop() {
        if p.is_dir() {
            for e in std::fs::read_dir(&p).unwrap() {
                stack.push(e.unwrap().path());
            }
        } else {
            out.push((p.clone(), std::fs::read(&p).unwrap()));
        }
    }
    out
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
}

/// Acceptance: after identities are stored through the REST and email
/// channels (with attachments, an acknowledgement queued and sent), a byte
/// search of the database (a plain dump on PostgreSQL) and of the
/// attachment folder finds none of the names, NIKs, phones, emails or
/// access codes — while the API still shows them to who may see them.
async fn seeded_identities_are_nowhere_in_the_database_or_the_attachments(b: Backend) {
    let Some((app, sink)) = app_with_sink(b, 8).await else {
        return;
    };
    let reception = app.key(Role::Reception).await;
    let admin = app.key(Role::Admin).await;
    let mut body = valid_complaint("letter");
    body["reporter"] = json!({
        "name": "Sulastri Wibowati", "id_number": "3201019876540003",
        "phone": "0812-9876-5432", "email": "sulastri.wibowati@contoh.id",
        "address": "Jl. Melati Putih No. 9, Kupang"});
    let r = app
        .client
        .post(app.url("/api/v1/complaints"))
        .bearer_auth(&reception)
        .header("Idempotency-Key", "loket-ktp-1")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let v: Value = r.json().await.unwrap();
    let id = v["id"].as_str().unwrap().to_string();
    let code = v["access_code"].as_str().unwrap().to_string();
    let scan = b"KARTU TANDA PENDUDUK NIK 3201019876540003 Nama Sulastri Wibowati".to_vec();
    let part = reqwest::multipart::Part::bytes(scan.clone())
        .file_name("KTP Sulastri Wibowati.txt")
        .mime_str("text/plain")
        .unwrap();
    let r = app
        .client
        .post(app.url(&format!(
            "/api/v1/complaints/{id}/attachments?identity=true"
        )))
        .bearer_auth(&reception)
        .multipart(reqwest::multipart::Form::new().part("file", part))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let att: Value = r.json().await.unwrap();

    let mail = "From: Bambang Sutejoharjo <bambang.sutejoharjo@contoh.id>\r\n\
        To: pengaduan@dinsos.example.id\r\nSubject: Bantuan belum diterima\r\n\
        Message-ID: <seed-1@contoh.id>\r\nMIME-Version: 1.0\r\n\
        Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n\
        --b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n\
        Bantuan sosial untuk lansia belum kami terima sejak Agustus.\r\n\
        --b\r\nContent-Type: text/plain; name=\"ktp-bambang.txt\"\r\n\
        Content-Disposition: attachment; filename=\"ktp-bambang.txt\"\r\n\r\n\
        NIK 5371021208650007 Bambang Sutejoharjo\r\n--b--\r\n";
    let (status, v) = crate::email::pipe(&app, &reception, mail.as_bytes()).await;
    assert_eq!(status, 201, "{v}");
    let email_id = v["id"].as_str().unwrap().to_string();

    // an acknowledgement went out, with the code, and is purged afterwards
    let d = Dispatcher::new(app.store.clone(), Arc::clone(&app.settings)).unwrap();
    d.run_once(Utc::now() + chrono::Duration::seconds(1))
        .await
        .unwrap();
    assert!(
        sink.messages()
            .iter()
            .any(|m| m.unfolded().contains(code.as_str()))
    );

    // the API still gives everything back to who may see it
    let c: Value = app
        .get(&admin, &format!("/api/v1/complaints/{id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(c["reporter"]["name"], "Sulastri Wibowati");
    assert_eq!(c["reporter"]["id_number"], "3201019876540003");
    let got = app
        .client
        .get(app.url(att["download_url"].as_str().unwrap()))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(got.status(), 200);
    assert_eq!(got.bytes().await.unwrap().as_ref(), scan.as_slice());
    let e: Value = app
        .get(&admin, &format!("/api/v1/complaints/{email_id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(e["reporter"]["email"], "bambang.sutejoharjo@contoh.id");

    let seeds = [
        "Sulastri Wibowati",
        "3201019876540003",
        "0812-9876-5432",
        "081298765432",
        "sulastri.wibowati@contoh.id",
        "Melati Putih",
        "Bambang Sutejoharjo",
        "bambang.sutejoharjo@contoh.id",
        "5371021208650007",
        code.as_str(),
    ];
    let dump = plain_dump(&app).await;
    assert!(dump.len() > 10_000, "the dump holds the database");
    assert!(
        contains(&dump, "Bantuan belum diterima"),
        "the dump is readable text"
    );
    for s in seeds {
        assert!(!contains(&dump, s), "`{s}` is in the database");
    }
    let files = files_under(&app.data_dir.join("attachments"));
    assert_eq!(files.len(), 2, "two attachments on disk");
    for (path, bytes) in &files {
        for s in seeds {
            assert!(!contains(bytes, s), "`{s}` is in {}", path.display());
        }
        assert!(
            !path.to_string_lossy().contains("Sulastri"),
            "{}",
            path.display()
        );
    }
}

/// Found: anonymity covered the reporter fields only; a KTP scan of an
/// anonymous complaint reached every staff role.
async fn identity_documents_of_anonymous_complaints_follow_the_reporter(b: Backend) {
    let Some(app) = spawn_app(b).await else {
        return;
    };
    let reception = app.key(Role::Reception).await;
    let head = app.key(Role::Head).await;
    let admin = app.key(Role::Admin).await;
    let mut body = valid_complaint("letter");
    body["anonymous"] = json!(true);
    let v: Value = app
        .post_complaint(&reception, &body)
        .await
        .json()
        .await
        .unwrap();
    let id = v["id"].as_str().unwrap().to_string();
    let upload = |identity: bool, name: &'static str| {
        let part = reqwest::multipart::Part::bytes(b"scan".to_vec())
            .file_name(name)
            .mime_str("image/jpeg")
            .unwrap();
        app.client
            .post(app.url(&format!(
                "/api/v1/complaints/{id}/attachments?identity={identity}"
            )))
            .bearer_auth(&reception)
            .multipart(reqwest::multipart::Form::new().part("file", part))
            .send()
    };
    let ktp: Value = upload(true, "scan.jpg")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let photo: Value = upload(false, "jalan.jpg")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let names = |key: String| {
        let app = &app;
        let id = id.clone();
        async move {
            let v: Value = app
                .get(&key, &format!("/api/v1/complaints/{id}/attachments"))
                .await
                .json()
                .await
                .unwrap();
            v["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| a["file_name"].as_str().unwrap().to_string())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(names(head.clone()).await, ["jalan.jpg"]);
    assert_eq!(names(admin.clone()).await, ["scan.jpg", "jalan.jpg"]);
    let get = |key: &str, url: &Value| {
        app.client
            .get(app.url(url.as_str().unwrap()))
            .bearer_auth(key)
            .send()
    };
    assert_eq!(
        get(&head, &ktp["download_url"]).await.unwrap().status(),
        404
    );
    assert_eq!(
        get(&head, &photo["download_url"]).await.unwrap().status(),
        200
    );
    assert_eq!(
        get(&admin, &ktp["download_url"]).await.unwrap().status(),
        200
    );
}

/// Acceptance: a master key rotated (by another process, as `aduan keys
/// rotate` does) while complaints keep arriving loses nothing; the old key
/// can then be retired and every record still decrypts.
async fn key_rotation_under_load_loses_nothing(b: Backend) {
    let Some(app) = spawn_app(b).await else {
        return;
    };
    let reception = app.key(Role::Reception).await;
    let admin = app.key(Role::Admin).await;
    let register = |i: usize| {
        let mut body = valid_complaint("letter");
        body["reporter"]["name"] = json!(format!("Warga Rotasi {i}"));
        body["reporter"]["email"] = json!(format!("warga{i}@contoh.id"));
        let (app, key) = (&app, reception.clone());
        async move {
            let r = app.post_complaint(&key, &body).await;
            assert_eq!(r.status(), 201);
            let v: Value = r.json().await.unwrap();
            (i, v["id"].as_str().unwrap().to_string())
        }
    };
    let mut ids = Vec::new();
    for i in 0..30 {
        ids.push(register(i).await);
    }
    let part = reqwest::multipart::Part::bytes(vec![7u8; 100_000]).file_name("foto.jpg");
    let att: Value = app
        .client
        .post(app.url(&format!("/api/v1/complaints/{}/attachments", ids[0].1)))
        .bearer_auth(&reception)
        .multipart(reqwest::multipart::Form::new().part("file", part))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();

    // the operator's process: its own connection and keyring
    let (vault, created) =
        aduan::vault::Vault::load_or_create(&app.settings.secret_key_file).unwrap();
    assert!(!created);
    let vault = Arc::new(vault);
    let cli = aduan::store::connect(
        &app.database_url,
        2,
        std::time::Duration::from_secs(10),
        vault.clone(),
    )
    .await
    .unwrap();
    let load = async {
        let mut more = Vec::new();
        for i in 30..70 {
            more.push(register(i).await);
        }
        more
    };
    let rotate = async {
        assert_eq!(vault.add_master_key().unwrap(), 2);
        tokio::time::sleep(2 * aduan::vault::CHECK_EVERY).await;
        let mut calls = 0;
        let r = aduan::app::vault::reseal_all(cli.as_ref(), &mut |_, _| calls += 1)
            .await
            .unwrap();
        assert!(calls > 0, "progress is reported");
        r
    };
    let (more, report) = tokio::join!(load, rotate);
    ids.extend(more);
    assert_eq!(report.primary, 2);
    assert_eq!(report.failed, 0);
    assert!(report.resealed >= 30, "{report:?}");
    // whatever was sealed meanwhile by a process that had not seen key 2
    let again = aduan::app::vault::reseal_all(cli.as_ref(), &mut |_, _| {})
        .await
        .unwrap();
    assert_eq!(again.left_behind, 0, "{again:?}");
    assert_eq!(cli.count_sealed_by(1, true).await.unwrap(), 0);
    vault.remove_master_key(1).unwrap();
    tokio::time::sleep(2 * aduan::vault::CHECK_EVERY).await;

    // the service, on the rotated keyring only, reads every record
    assert_eq!(ids.len(), 70);
    for (i, id) in &ids {
        let c: Value = app
            .get(&admin, &format!("/api/v1/complaints/{id}"))
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(c["reporter"]["name"], format!("Warga Rotasi {i}"), "{c}");
        assert_eq!(c["reporter"]["email"], format!("warga{i}@contoh.id"));
    }
    let got = app
        .client
        .get(app.url(att["download_url"].as_str().unwrap()))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(got.status(), 200);
    assert_eq!(
        got.bytes().await.unwrap().as_ref(),
        vec![7u8; 100_000].as_slice()
    );
    let fresh = register(70).await;
    let c: Value = app
        .get(&admin, &format!("/api/v1/complaints/{}", fresh.1))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(c["reporter"]["name"], "Warga Rotasi 70");
}

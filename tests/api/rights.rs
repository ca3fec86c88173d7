//! The data subject's rights (UU 27/2022), retention and the breach
//! register (issue 12), through the API as the data-protection officer
//! uses them; and the request-body deadline.

use std::sync::Arc;

use aduan::domain::Role;
use chrono::Utc;
use serde_json::{Value, json};

use crate::helpers::*;
use crate::workflow::{office, ok};

both_backends!(
    a_persons_export_holds_their_complaints_and_nothing_of_anyone_else,
    erasure_removes_the_person_and_keeps_the_record,
    the_retention_job_anonymises_exactly_what_is_past_the_schedule,
    a_breach_lists_the_people_affected_and_drafts_the_notice,
    only_the_privacy_role_handles_personal_data_requests,
    a_body_that_trickles_in_is_refused_after_the_deadline,
);

async fn post(app: &TestApp, key: &str, path: &str, body: Value) -> reqwest::Response {
    app.client
        .post(app.url(path))
        .bearer_auth(key)
        .json(&body)
        .send()
        .await
        .unwrap()
}

async fn register(app: &TestApp, key: &str, reporter: Value) -> String {
    // a letter needs a phone or an identity document; email gives an address
    let channel = if reporter["phone"].is_string() {
        "letter"
    } else {
        "email"
    };
    let mut body = valid_complaint(channel);
    body["reporter"] = reporter;
    let r = app.post_complaint(key, &body).await;
    assert_eq!(r.status(), 201);
    r.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string()
}

fn tracking_numbers(v: &Value, path: &str) -> Vec<String> {
    let mut out: Vec<String> = v[path]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            c.get("complaint").unwrap_or(c)["tracking_number"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    out.sort();
    out
}

/// Acceptance: a data subject's export holds every complaint and event
/// about that person and nothing about anyone else; the look-up is audited
/// without the identifiers themselves.
async fn a_persons_export_holds_their_complaints_and_nothing_of_anyone_else(b: Backend) {
    let Some(app) = spawn_app(b).await else {
        return;
    };
    let reception = app.key(Role::Reception).await;
    let privacy = app.key(Role::Privacy).await;
    // Wulan wrote twice (email once, phone once, written differently)
    let w1 = register(
        &app,
        &reception,
        json!({"name": "Wulan Sari", "email": "Wulan.Sari@contoh.id"}),
    )
    .await;
    let w2 = register(
        &app,
        &reception,
        json!({"name": "Wulan Sari", "phone": "+62 813-1111-2222"}),
    )
    .await;
    let other = register(
        &app,
        &reception,
        json!({"name": "Hendrik Manafe", "phone": "081399998888", "email": "hendrik@contoh.id"}),
    )
    .await;
    let wanted = {
        let mut v = Vec::new();
        for id in [&w1, &w2] {
            let c: Value = app
                .get(&privacy, &format!("/api/v1/complaints/{id}"))
                .await
                .json()
                .await
                .unwrap();
            v.push(c["tracking_number"].as_str().unwrap().to_string());
        }
        v.sort();
        v
    };
    let person = json!({"email": "wulan.sari@contoh.id", "phone": "0813 1111 2222"});
    let r = post(
        &app,
        &privacy,
        "/api/v1/privacy/search",
        json!({"identifiers": person, "reason": "Permintaan akses data pribadi No. 12/PDP/2026"}),
    )
    .await;
    assert_eq!(r.status(), 200);
    let found: Value = r.json().await.unwrap();
    assert_eq!(tracking_numbers(&found, "items"), wanted);

    let r = post(
        &app,
        &privacy,
        "/api/v1/privacy/export",
        json!({"identifiers": person, "reason": "Permintaan akses data pribadi No. 12/PDP/2026"}),
    )
    .await;
    assert_eq!(r.status(), 200);
    let export: Value = r.json().await.unwrap();
    assert_eq!(tracking_numbers(&export, "complaints"), wanted);
    for c in export["complaints"].as_array().unwrap() {
        assert_eq!(c["complaint"]["reporter"]["name"], "Wulan Sari");
        let kinds: Vec<&str> = c["timeline"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["kind"].as_str().unwrap())
            .collect();
        assert_eq!(kinds.first(), Some(&"registered"), "the processing history");
    }
    let text = export.to_string();
    for s in [
        "Hendrik",
        "081399998888",
        "hendrik@contoh.id",
        other.as_str(),
    ] {
        assert!(!text.contains(s), "`{s}` of someone else is in the export");
    }
    // the readable page
    let r = post(
        &app,
        &privacy,
        "/api/v1/privacy/export",
        json!({"identifiers": person, "reason": "Salinan untuk pemohon", "format": "html"}),
    )
    .await;
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let page = r.text().await.unwrap();
    assert!(page.contains("Wulan Sari") && page.contains("Riwayat pemrosesan"));
    assert!(!page.contains("Hendrik"));

    // every look-up is in the audit, with the reason, without the identifiers
    let audit: Value = app
        .get(&privacy, "/api/v1/privacy/audit")
        .await
        .json()
        .await
        .unwrap();
    let actions: Vec<&str> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["export", "export", "search"]);
    assert_eq!(
        audit["items"][2]["reason"],
        "Permintaan akses data pribadi No. 12/PDP/2026"
    );
    assert_eq!(
        audit["items"][2]["identifier_kinds"],
        json!(["phone", "email"])
    );
    let dump = crate::accounts::database_text(&app).await;
    assert!(!dump.to_lowercase().contains("wulan.sari@contoh.id"));
}

async fn erasure_removes_the_person_and_keeps_the_record(b: Backend) {
    let Some(app) = spawn_app(b).await else {
        return;
    };
    let reception = app.key(Role::Reception).await;
    let privacy = app.key(Role::Privacy).await;
    let mut body = valid_complaint("letter");
    body["reporter"] = json!({"name": "Rambu Ana Kaka", "phone": "081211112222"});
    body["body"] = json!("Saya Rambu Ana Kaka (081211112222) belum menerima bantuan.");
    let id = app
        .post_complaint(&reception, &body)
        .await
        .json::<Value>()
        .await
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let part = reqwest::multipart::Part::bytes(b"KTP".to_vec()).file_name("ktp.jpg");
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
    let keep = register(
        &app,
        &reception,
        json!({"name": "Orang Lain", "phone": "081233334444"}),
    )
    .await;

    // nothing named, no reason: refused, nothing changed
    let r = post(
        &app,
        &privacy,
        "/api/v1/privacy/erase",
        json!({"reason": "x"}),
    )
    .await;
    assert_eq!(
        problem_fields(&assert_problem(r, 422).await),
        vec!["identifiers"]
    );
    let r = post(
        &app,
        &privacy,
        "/api/v1/privacy/erase",
        json!({"identifiers": {"phone": "0812-1111-2222"}}),
    )
    .await;
    assert_eq!(
        problem_fields(&assert_problem(r, 422).await),
        vec!["reason"]
    );
    let c: Value = app
        .get(&privacy, &format!("/api/v1/complaints/{id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(c["reporter"]["name"], "Rambu Ana Kaka");

    let r = post(
        &app,
        &privacy,
        "/api/v1/privacy/erase",
        json!({"identifiers": {"phone": "0812-1111-2222"}, "reason": "Permohonan penghapusan 3/PDP/2026"}),
    )
    .await;
    assert_eq!(r.status(), 200);
    let erased: Value = r.json().await.unwrap();
    assert_eq!(erased["items"].as_array().unwrap().len(), 1);
    assert_eq!(erased["items"][0]["id"], id.as_str());

    let c: Value = app
        .get(&privacy, &format!("/api/v1/complaints/{id}"))
        .await
        .json()
        .await
        .unwrap();
    assert!(
        c["reporter"]["name"].is_null() && c["reporter"]["phone"].is_null(),
        "{c}"
    );
    assert_eq!(
        c["subject"], "Bantuan PKH belum diterima",
        "the record stays"
    );
    assert_eq!(
        c["body"],
        "Saya [dihapus] ([dihapus]) belum menerima bantuan."
    );
    let atts: Value = app
        .get(&privacy, &format!("/api/v1/complaints/{id}/attachments"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(atts["items"], json!([]), "the identity scan is gone");
    let files: Vec<_> = std::fs::read_dir(app.data_dir.join("attachments").join(&id))
        .map(|d| d.flatten().collect())
        .unwrap_or_default();
    assert!(files.is_empty(), "its file is deleted");
    let tl: Value = app
        .get(&privacy, &format!("/api/v1/complaints/{id}/timeline"))
        .await
        .json()
        .await
        .unwrap();
    let last = tl["items"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["kind"], "personal_data_erased");
    assert_eq!(
        last["detail"]["reason"],
        "Permohonan penghapusan 3/PDP/2026"
    );
    // the person is no longer found; a second erasure changes nothing
    let found: Value = post(
        &app,
        &privacy,
        "/api/v1/privacy/search",
        json!({"identifiers": {"phone": "081211112222"}, "reason": "periksa"}),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(found["items"], json!([]));
    let again: Value = post(
        &app,
        &privacy,
        "/api/v1/privacy/erase",
        json!({"complaint_ids": [id], "reason": "ulang"}),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(again["items"], json!([]));
    let k: Value = app
        .get(&privacy, &format!("/api/v1/complaints/{keep}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(k["reporter"]["name"], "Orang Lain");
}

/// Acceptance: the dry run lists exactly the complaints past the schedule;
/// the real run anonymises exactly those; a second run changes nothing.
async fn the_retention_job_anonymises_exactly_what_is_past_the_schedule(b: Backend) {
    let Some(app) = spawn_app_with(b, |s| {
        s.retention =
            aduan::domain::retention::RetentionSchedule::parse("rejected=2,merged=5").unwrap()
    })
    .await
    else {
        return;
    };
    let o = office(&app).await;
    let privacy = app.key(Role::Privacy).await;
    let person = |n: usize| json!({"name": format!("Warga Retensi {n}"), "phone": format!("08120000{n:04}")});
    let rejected = register(&app, &o.reception, person(1)).await;
    ok(
        &app,
        &o.liaison,
        &rejected,
        "reject",
        json!({"reason": "Iklan"}),
    )
    .await;
    let target = register(&app, &o.reception, person(2)).await;
    let merged = register(&app, &o.reception, person(3)).await;
    ok(
        &app,
        &o.reception,
        &merged,
        "merge",
        json!({"into": target, "reason": "Surat sama"}),
    )
    .await;
    let open = register(&app, &o.reception, person(4)).await;

    let core = aduan::app::App::new(app.store.clone(), Arc::clone(&app.settings));
    let now = Utc::now();
    // nothing is due today
    assert!(core.retention(now, true).await.unwrap().due.is_empty());
    // in three years the rejected one is past its 2 years; the merged one (5) not
    let later = now + chrono::Duration::days(3 * 366);
    let dry = core.retention(later, true).await.unwrap();
    let due: Vec<String> = dry.due.iter().map(|d| d.0.to_string()).collect();
    assert_eq!(due, [rejected.as_str()]);
    let c: Value = crate::workflow::complaint(&app, &privacy, &rejected).await;
    assert_eq!(
        c["reporter"]["name"], "Warga Retensi 1",
        "a dry run changes nothing"
    );
    // the preview over the API says the same (as of today: nothing)
    let preview: Value = app
        .get(&privacy, "/api/v1/privacy/retention")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(preview["due"], json!([]));
    assert_eq!(preview["schedule"], json!(["rejected=2", "merged=5"]));

    let run = core.retention(later, false).await.unwrap();
    assert_eq!(run.anonymised, 1);
    let c: Value = crate::workflow::complaint(&app, &privacy, &rejected).await;
    assert!(c["reporter"]["name"].is_null(), "{c}");
    assert_eq!(c["status"], "rejected");
    for id in [&target, &merged, &open] {
        let c: Value = crate::workflow::complaint(&app, &privacy, id).await;
        assert!(
            c["reporter"]["name"]
                .as_str()
                .unwrap()
                .starts_with("Warga Retensi")
        );
    }
    let second = core.retention(later, false).await.unwrap();
    assert_eq!((second.due.len(), second.anonymised), (0, 0));
    // six years on, the merged one too, and only it
    let much_later = now + chrono::Duration::days(6 * 366);
    let run = core.retention(much_later, false).await.unwrap();
    let due: Vec<String> = run.due.iter().map(|d| d.0.to_string()).collect();
    assert_eq!(due, [merged.as_str()]);
    let c: Value = crate::workflow::complaint(&app, &privacy, &open).await;
    assert_eq!(
        c["reporter"]["name"], "Warga Retensi 4",
        "open complaints are kept"
    );
    let audit: Value = app
        .get(&privacy, "/api/v1/privacy/audit")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(audit["items"][0]["action"], "retention");
}

async fn a_breach_lists_the_people_affected_and_drafts_the_notice(b: Backend) {
    let Some(app) = spawn_app(b).await else {
        return;
    };
    let reception = app.key(Role::Reception).await;
    let privacy = app.key(Role::Privacy).await;
    let a = register(
        &app,
        &reception,
        json!({"name": "Yuliana Bano", "email": "yuli@contoh.id"}),
    )
    .await;
    let mut anon = valid_complaint("other");
    anon["reporter"] = json!({});
    let r = app.post_complaint(&reception, &anon).await;
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    let discovered = Utc::now();
    let r = post(
        &app,
        &privacy,
        "/api/v1/privacy/breaches",
        json!({"title": "Laptop loket hilang", "description": "Laptop berisi ekspor daftar pengaduan hilang dari loket.",
               "measures": "Kata sandi semua akun diganti; ekspor dari loket dihentikan.",
               "discovered_at": discovered, "occurred_from": discovered - chrono::Duration::days(1),
               "occurred_to": discovered}),
    )
    .await;
    assert_eq!(r.status(), 201);
    let breach: Value = r.json().await.unwrap();
    assert_eq!(
        breach["affected_count"], 1,
        "only complaints holding identity data"
    );
    assert_eq!(breach["affected"][0]["complaint_id"], a.as_str());
    assert_eq!(breach["affected"][0]["email"], "yuli@contoh.id");
    let notice = breach["notice"].as_str().unwrap();
    assert!(
        notice.contains("Pasal 46") && notice.contains("Laptop loket hilang"),
        "{notice}"
    );
    assert!(notice.contains("Kata sandi semua akun diganti"));
    let due = chrono::DateTime::parse_from_rfc3339(breach["notify_by"].as_str().unwrap()).unwrap();
    let gap = (due.with_timezone(&Utc) - discovered).num_seconds();
    assert!((72 * 3600 - 1..=72 * 3600).contains(&gap), "{gap}");
    let list: Value = app
        .get(&privacy, "/api/v1/privacy/breaches")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["items"][0]["title"], "Laptop loket hilang");
    let one: Value = app
        .get(
            &privacy,
            &format!(
                "/api/v1/privacy/breaches/{}",
                breach["id"].as_str().unwrap()
            ),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(one["affected_count"], 1);
    // invalid entries are refused, field by field
    let r = post(
        &app,
        &privacy,
        "/api/v1/privacy/breaches",
        json!({"title": "x", "occurred_from": discovered, "occurred_to": discovered - chrono::Duration::days(1),
               "channels": ["pigeon"]}),
    )
    .await;
    let mut fields = problem_fields(&assert_problem(r, 422).await);
    fields.sort();
    assert_eq!(
        fields,
        [
            "channels[0]",
            "description",
            "discovered_at",
            "measures",
            "occurred_to"
        ]
    );
}

async fn only_the_privacy_role_handles_personal_data_requests(b: Backend) {
    let Some(app) = spawn_app(b).await else {
        return;
    };
    let body = json!({"identifiers": {"email": "a@contoh.id"}, "reason": "ingin tahu"});
    for role in [Role::Admin, Role::Head, Role::Reception, Role::Integration] {
        let key = app.key(role).await;
        for path in [
            "/api/v1/privacy/search",
            "/api/v1/privacy/export",
            "/api/v1/privacy/erase",
        ] {
            let r = post(&app, &key, path, body.clone()).await;
            assert_problem(r, 403).await;
        }
        let r = app.get(&key, "/api/v1/privacy/audit").await;
        assert_problem(r, 403).await;
    }
    let privacy = app.key(Role::Privacy).await;
    let audit: Value = app
        .get(&privacy, "/api/v1/privacy/audit")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        audit["items"],
        json!([]),
        "refused requests looked nothing up"
    );
}

/// Found: no timeout on a slowly sent request body.
async fn a_body_that_trickles_in_is_refused_after_the_deadline(b: Backend) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let Some(app) = spawn_app_with(b, |s| s.body_timeout = std::time::Duration::from_secs(1)).await
    else {
        return;
    };
    let key = app.key(Role::Reception).await;
    let addr = app.address.trim_start_matches("http://").to_string();
    let mut s = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let head = format!(
        "POST /api/v1/complaints HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {key}\r\n\
         Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{{\"channel\""
    );
    s.write_all(head.as_bytes()).await.unwrap();
    let started = std::time::Instant::now();
    let mut buf = Vec::new();
    let read =
        tokio::time::timeout(std::time::Duration::from_secs(10), s.read_to_end(&mut buf)).await;
    assert!(read.is_ok(), "the server closes the connection");
    let text = String::from_utf8_lossy(&buf);
    assert!(text.starts_with("HTTP/1.1 408"), "{text}");
    assert!(text.contains("request-timeout"), "{text}");
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
    let all = app.list_all(&key, "", 100).await;
    assert!(all.is_empty(), "nothing was registered");
}

//! Security round (issue 31): the findings without a home of their own,
//! each reproduced by a test that failed before its fix.

use aduan::domain::Role;
use serde_json::{Value, json};

use crate::accounts::{PASSWORD, account, browser};
use crate::helpers::*;

both_backends!(
    a_person_search_is_for_the_desk_and_written_to_the_audit,
    attachments_that_could_run_are_served_inert,
    a_client_cannot_vouch_for_its_own_origin,
    metrics_need_the_token_or_a_local_client,
    an_erasure_leaves_no_byte_of_the_person_behind,
    acknowledgements_cannot_be_aimed_at_an_inbox,
    a_forged_sender_neither_joins_nor_reopens,
);

/// Posts a console form with the browser's session and CSRF token.
async fn console_form(
    app: &TestApp,
    b: &crate::accounts::Browser,
    path: &str,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    let mut form: Vec<(&str, &str)> = vec![("csrf", b.csrf.as_str())];
    form.extend_from_slice(fields);
    app.client
        .post(app.url(path))
        .header("Cookie", &b.cookie)
        .form(&form)
        .send()
        .await
        .unwrap()
}

/// Finding 6: the search by NIK, phone or email is for the desk (reception,
/// liaison, privacy, admin), needs a purpose, and each search is written to
/// the privacy audit (without the identifier).
async fn a_person_search_is_for_the_desk_and_written_to_the_audit(b: Backend) {
    let Some(app) = spawn_app(b).await else {
        return;
    };
    let admin = app.key(Role::Admin).await;
    let privacy = app.key(Role::Privacy).await;
    let reception_key = app.key(Role::Reception).await;
    let mut c = valid_complaint("letter");
    c["confidential"] = json!(true);
    let r = app.post_complaint(&reception_key, &c).await;
    assert_eq!(r.status(), 201);
    let number = r.json::<Value>().await.unwrap()["tracking_number"]
        .as_str()
        .unwrap()
        .to_string();
    account(&app, &admin, "ina@dinsos.example.go.id", "reception", None).await;
    account(&app, &admin, "kabid@dinsos.example.go.id", "official", None).await;
    account(
        &app,
        &admin,
        "pengawas@dinsos.example.go.id",
        "manager",
        None,
    )
    .await;
    let desk = browser(&app, "ina@dinsos.example.go.id", PASSWORD, None).await;
    let official = browser(&app, "kabid@dinsos.example.go.id", PASSWORD, None).await;
    let manager = browser(&app, "pengawas@dinsos.example.go.id", PASSWORD, None).await;
    let phone = "0812 3700 1234";
    let purpose = "Pelapor menanyakan perkembangan lewat telepon";
    // not for an official or a manager; nor offered on their list page
    for who in [&official, &manager] {
        let r = console_form(
            &app,
            who,
            "/console/complaints/person",
            &[("identifier", phone), ("purpose", purpose)],
        )
        .await;
        assert_eq!(r.status(), 403);
        let list = who
            .get(&app, "/console/complaints")
            .await
            .text()
            .await
            .unwrap();
        assert!(!list.contains("Cari menurut pelapor"), "not offered");
    }
    // the desk must say why
    let r = console_form(
        &app,
        &desk,
        "/console/complaints/person",
        &[("identifier", phone), ("purpose", "  ")],
    )
    .await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("Tuliskan keperluannya"));
    let audit: Value = app
        .get(&privacy, "/api/v1/privacy/audit")
        .await
        .json()
        .await
        .unwrap();
    assert!(audit["items"].as_array().unwrap().is_empty(), "{audit}");
    // and then finds the complaint; the search is in the audit
    let r = console_form(
        &app,
        &desk,
        "/console/complaints/person",
        &[("identifier", phone), ("purpose", purpose)],
    )
    .await;
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains(&number));
    let audit: Value = app
        .get(&privacy, "/api/v1/privacy/audit")
        .await
        .json()
        .await
        .unwrap();
    let items = audit["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{audit}");
    assert_eq!(items[0]["action"], "search");
    assert_eq!(items[0]["reason"], purpose);
    assert_eq!(
        items[0]["complaint_ids"].as_array().map(Vec::len),
        Some(1),
        "{audit}"
    );
    let text = audit.to_string();
    assert!(
        !text.contains("3700") && !text.contains("1234"),
        "no identifier in the audit: {text}"
    );
}

/// Finding 8: an HTML or SVG attachment is served as a neutral type in a
/// sandbox; a PDF or an image keeps its type, also in a sandbox.
async fn attachments_that_could_run_are_served_inert(b: Backend) {
    use reqwest::multipart::{Form, Part};
    let Some(app) = spawn_app(b).await else {
        return;
    };
    let key = app.key(Role::Reception).await;
    let c: Value = app
        .post_complaint(&key, &valid_complaint("letter"))
        .await
        .json()
        .await
        .unwrap();
    let id = c["id"].as_str().unwrap();
    for (name, mime, body, served) in [
        (
            "bukti.html",
            "text/html",
            &b"<script>fetch('/api/v1/complaints')</script>"[..],
            "application/octet-stream",
        ),
        (
            "foto.svg",
            "image/svg+xml",
            &b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>"[..],
            "application/octet-stream",
        ),
        (
            "foto.png",
            "image/png",
            &b"\x89PNG\r\n\x1a\n"[..],
            "image/png",
        ),
    ] {
        let form = Form::new().part(
            "file",
            Part::bytes(body.to_vec())
                .file_name(name.to_string())
                .mime_str(mime)
                .unwrap(),
        );
        let r = app
            .client
            .post(app.url(&format!("/api/v1/complaints/{id}/attachments")))
            .bearer_auth(&key)
            .multipart(form)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201, "{name}");
        let a: Value = r.json().await.unwrap();
        let d = app.get(&key, a["download_url"].as_str().unwrap()).await;
        assert_eq!(d.status(), 200);
        assert_eq!(d.headers()["content-type"], served, "{name}");
        let csp = d.headers()["content-security-policy"].to_str().unwrap();
        assert!(
            csp.contains("default-src 'none'") && csp.contains("sandbox"),
            "{name}: {csp}"
        );
        assert_eq!(d.headers()["x-content-type-options"], "nosniff");
        assert_eq!(d.bytes().await.unwrap().as_ref(), body, "{name} intact");
    }
}

/// Finding 9: the Origin check of a signed-in change believes forwarded host
/// headers only from a trusted proxy, never from the client itself.
async fn a_client_cannot_vouch_for_its_own_origin(b: Backend) {
    let Some(app) = spawn_app(b).await else {
        return;
    };
    let admin = app.key(Role::Admin).await;
    account(&app, &admin, "ina@dinsos.example.go.id", "reception", None).await;
    let me = browser(&app, "ina@dinsos.example.go.id", PASSWORD, None).await;
    let logout = |origin: &str, extra: (&'static str, &'static str)| {
        app.client
            .post(app.url("/api/v1/auth/logout"))
            .header("Cookie", &me.cookie)
            .header("X-CSRF-Token", &me.csrf)
            .header("Origin", origin)
            .header(extra.0, extra.1)
            .send()
    };
    for forged in [
        ("X-Forwarded-Host", "evil.example"),
        ("Forwarded", "host=evil.example;proto=http"),
    ] {
        let r = logout("http://evil.example", forged).await.unwrap();
        assert_eq!(r.status(), 403, "{forged:?}");
    }
    // the console's forms too
    let r = app
        .client
        .post(app.url("/console/logout"))
        .header("Cookie", &me.cookie)
        .header("Origin", "http://evil.example")
        .header("X-Forwarded-Host", "evil.example")
        .form(&[("csrf", me.csrf.as_str())])
        .send()
        .await
        .unwrap();
    let still = me.get(&app, "/api/v1/auth/me").await;
    assert_eq!(
        still.status(),
        200,
        "the forged sign-out did nothing ({})",
        r.status()
    );
    // from our own page it works
    let r = logout(&app.address, ("X-Nothing", "1")).await.unwrap();
    assert!(r.status().is_success(), "{}", r.status());
}

/// Finding 11: `/metrics` asks for `ADUAN_METRICS_TOKEN` when it is set, and
/// without one answers only a client on the machine itself.
async fn metrics_need_the_token_or_a_local_client(b: Backend) {
    let Some(open) = spawn_app(b).await else {
        return;
    };
    let get = |app: &TestApp, auth: Option<&str>, forwarded: bool| {
        let mut r = app.client.get(app.url("/metrics"));
        if let Some(a) = auth {
            r = r.header("Authorization", a);
        }
        if forwarded {
            r = r.header("X-Forwarded-For", "203.0.113.7");
        }
        r.send()
    };
    assert_eq!(get(&open, None, false).await.unwrap().status(), 200);
    assert_eq!(
        get(&open, None, true).await.unwrap().status(),
        403,
        "through a proxy is not local"
    );
    let Some(locked) = spawn_app_with(b, |s| {
        s.metrics_token = Some("token-metrik-rahasia-123".into());
    })
    .await
    else {
        return;
    };
    assert_eq!(get(&locked, None, false).await.unwrap().status(), 401);
    assert_eq!(
        get(&locked, Some("Bearer token-metrik-rahasia-124"), false)
            .await
            .unwrap()
            .status(),
        401
    );
    let r = get(&locked, Some("Bearer token-metrik-rahasia-123"), true)
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("aduan_"));
}

/// Every file under `dir` (recursively) with the needles found in it.
fn byte_search(dir: &std::path::Path, needles: &[String]) -> Vec<String> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
                continue;
            }
            let Ok(bytes) = std::fs::read(&p) else {
                continue;
            };
            // one pass: only positions whose byte starts some needle are compared
            let mut first = [false; 256];
            for n in needles {
                first[usize::from(n.as_bytes()[0])] = true;
            }
            let mut hit = vec![false; needles.len()];
            for (i, byte) in bytes.iter().enumerate() {
                if !first[usize::from(*byte)] {
                    continue;
                }
                for (k, n) in needles.iter().enumerate() {
                    if !hit[k] && bytes[i..].starts_with(n.as_bytes()) {
                        hit[k] = true;
                        found.push(format!("{} in {}", n, p.display()));
                    }
                }
            }
        }
    }
    found
}

/// Finding 5: after an erasure no byte of the person — in any spelling — nor
/// the complaint's text as it was is left in the SQLite file, its WAL or the
/// attachments; on PostgreSQL, after the documented step (`aduan privacy
/// scrub` with `wal_recycle = off`), in the cluster's data directory.
async fn an_erasure_leaves_no_byte_of_the_person_behind(b: Backend) {
    let Some(app) = spawn_app(b).await else {
        return;
    };
    let reception = app.key(Role::Reception).await;
    let privacy = app.key(Role::Privacy).await;
    // identifiers no other test (sharing the PostgreSQL cluster) writes
    let n = uuid::Uuid::now_v7().as_u128() % 90_000_000 + 10_000_000;
    let name = format!("Ursula Nggadas Wunu{n}");
    let phone = format!("0813{n}");
    let nik = format!("53710141{n}");
    let email = format!("ursula{n}@contoh.id");
    let spaced = |s: &str, sep: &str| {
        s.as_bytes()
            .chunks(4)
            .map(|c| std::str::from_utf8(c).unwrap())
            .collect::<Vec<_>>()
            .join(sep)
    };
    let phone_dashed = spaced(&phone, "-");
    let phone_intl = format!("+62 {}", spaced(&phone[1..], " "));
    let nik_spaced = spaced(&nik, " ");
    let text = format!(
        "Saya {name} (NIK {nik_spaced}), HP {phone_dashed} atau {phone_intl}, surel {email}. \
         Bantuan PKH untuk keluarga kami belum diterima sejak Agustus."
    );
    let mut body = valid_complaint("letter");
    body["reporter"] = json!({"name": name, "phone": phone, "id_number": nik, "email": email});
    body["body"] = json!(text);
    let r = app.post_complaint(&reception, &body).await;
    assert_eq!(r.status(), 201);
    let id = r.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let part = reqwest::multipart::Part::bytes(format!("KTP {nik} {name}").into_bytes())
        .file_name("ktp.jpg");
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
    let r = app
        .client
        .post(app.url("/api/v1/privacy/erase"))
        .bearer_auth(&privacy)
        .json(&json!({"identifiers": {"phone": phone_intl}, "reason": "Permintaan penghapusan No. 7/PDP/2026"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    let c: Value = app
        .get(&privacy, &format!("/api/v1/complaints/{id}"))
        .await
        .json()
        .await
        .unwrap();
    let now_text = c["body"].as_str().unwrap();
    assert!(
        now_text.starts_with(
            "Saya [dihapus] (NIK [dihapus]), HP [dihapus] atau [dihapus], surel [dihapus]."
        ),
        "every spelling redacted: {now_text}"
    );
    let needles: Vec<String> = vec![
        name.clone(),
        format!("Wunu{n}"),
        phone.clone(),
        phone_dashed.clone(),
        phone_intl.clone(),
        phone[1..].to_string(),
        nik.clone(),
        nik_spaced.clone(),
        email.clone(),
        format!("Saya {name}"),
    ];
    let dir = match b {
        Backend::Sqlite => app.data_dir.clone(),
        Backend::Postgres => {
            // the documented step: WAL segments removed, not recycled, then
            // `aduan privacy scrub`
            use sqlx::Connection;
            let mut c = sqlx::PgConnection::connect(&app.database_url)
                .await
                .unwrap();
            sqlx::raw_sql("ALTER SYSTEM SET wal_recycle = off")
                .execute(&mut c)
                .await
                .unwrap();
            sqlx::raw_sql("SELECT pg_reload_conf()")
                .execute(&mut c)
                .await
                .unwrap();
            let (data,): (String,) = sqlx::query_as("SHOW data_directory")
                .fetch_one(&mut c)
                .await
                .unwrap();
            let (oid,): (i64,) = sqlx::query_as(
                "SELECT oid::bigint FROM pg_database WHERE datname = current_database()",
            )
            .fetch_one(&mut c)
            .await
            .unwrap();
            app.store.scrub_full().await.unwrap();
            let data = std::path::PathBuf::from(data);
            // this database's files, the shared catalogs and the WAL (the
            // other tests' databases hold none of these random identifiers)
            for dir in [
                data.join("base").join(oid.to_string()),
                data.join("global"),
                data.join("pg_wal"),
            ] {
                if std::fs::read_dir(&dir).is_err() {
                    assert!(
                        std::env::var("CI").map_or(true, |v| v != "true"),
                        "CI must be able to read the PostgreSQL data directory"
                    );
                    eprintln!("cannot read {}: byte search skipped", dir.display());
                    return;
                }
                let found = byte_search(&dir, &needles);
                assert!(found.is_empty(), "left behind:\n{}", found.join("\n"));
            }
            return;
        }
    };
    let found = byte_search(&dir, &needles);
    assert!(found.is_empty(), "left behind:\n{}", found.join("\n"));
}

/// Finding 10: anyone may give any address; the office sends at most
/// `ADUAN_ACK_PER_ADDRESS_PER_DAY` acknowledgements to it a day, and none of
/// them quotes the sender's words (name, subject).
async fn acknowledgements_cannot_be_aimed_at_an_inbox(b: Backend) {
    let Some((app, sink)) = crate::outbox::app_with_sink_and(b, 8, |s| {
        s.ack_per_address_per_day = 2;
    })
    .await
    else {
        return;
    };
    let dispatcher =
        aduan::notify::Dispatcher::new(app.store.clone(), std::sync::Arc::clone(&app.settings))
            .unwrap();
    let agency = app.key(Role::Integration).await;
    for (i, to) in [
        "korban@contoh.id",
        "Korban@Contoh.ID ",
        "korban@contoh.id",
        "lain@contoh.id",
    ]
    .into_iter()
    .enumerate()
    {
        let mut c = valid_complaint("api");
        c["reporter"] = json!({"name": "Pemenang Undian Berhadiah", "email": to});
        c["subject"] = json!(format!("SELAMAT Anda menang, klik http://tipu.example/{i}"));
        let r = app.post_complaint(&agency, &c).await;
        assert_eq!(r.status(), 201, "registered either way");
    }
    let report = dispatcher
        .run_once(chrono::Utc::now() + chrono::Duration::seconds(1))
        .await
        .unwrap();
    assert_eq!(
        report.sent, 3,
        "two to the aimed-at address, one to the other"
    );
    let mails = sink.messages();
    let to_victim = mails
        .iter()
        .filter(|m| {
            m.rcpt
                .iter()
                .any(|r| r.to_lowercase().contains("korban@contoh.id"))
        })
        .count();
    assert_eq!(to_victim, 2);
    for m in &mails {
        let parsed = mail_parser::MessageParser::default()
            .parse(m.data.as_bytes())
            .unwrap();
        let text = format!(
            "{} {} {}",
            parsed.subject().unwrap_or(""),
            parsed.body_text(0).unwrap_or_default(),
            parsed.body_html(0).unwrap_or_default()
        );
        assert!(text.contains("DINSOS-"), "decoded: {text}");
        assert!(
            !text.contains("tipu.example") && !text.contains("SELAMAT") && !text.contains("Undian"),
            "no stranger's words in the office's message: {text}"
        );
    }
}

fn mail(from: &str, subject: &str, id: &str, headers: &str, text: &str) -> Vec<u8> {
    format!(
        "{headers}From: {from}\r\nTo: pengaduan@dinsos.example.go.id\r\nSubject: {subject}\r\n\
         Message-ID: <{id}>\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\n{text}\r\n"
    )
    .into_bytes()
}

/// Finding 7: a `From:` quoting a tracking number is only a claim. Without
/// the receiving server's verdict a message joins its complaint only when it
/// answers one of our messages or quotes the access code; a trusted failed
/// verdict (or an untrusted server's pass) joins nothing; and no reply
/// reopens a confidential complaint by itself.
async fn a_forged_sender_neither_joins_nor_reopens(b: Backend) {
    use crate::email::pipe;
    let Some(app) = spawn_app_with(b, |s| {
        s.email_trusted_authserv = vec!["mx.dinsos.example.go.id".into()];
    })
    .await
    else {
        return;
    };
    let key = app.key(Role::Reception).await;
    let mut c = valid_complaint("email");
    c["reporter"] = json!({"name": "Siti Aminah", "email": "siti.aminah@example.id"});
    c["confidential"] = json!(true);
    let r = app.post_complaint(&key, &c).await;
    assert_eq!(r.status(), 201);
    let v: Value = r.json().await.unwrap();
    let (id, tn) = (
        v["id"].as_str().unwrap().to_string(),
        v["tracking_number"].as_str().unwrap().to_string(),
    );
    let code = v["access_code"].as_str().unwrap().to_string();
    let from = "Siti Aminah <siti.aminah@example.id>";
    let subject = format!("Re: [{tn}] Pengaduan");
    let pass = "Authentication-Results: mx.dinsos.example.go.id; dkim=pass header.d=example.id; \
                spf=pass smtp.mailfrom=siti.aminah@example.id; dmarc=pass header.from=example.id\r\n";
    let fail = "Authentication-Results: mx.dinsos.example.go.id; dkim=none; \
                spf=fail smtp.mailfrom=siti.aminah@example.id; dmarc=fail header.from=example.id\r\n";
    let elsewhere =
        "Authentication-Results: mx.penipu.example; dmarc=pass header.from=example.id\r\n";
    // no verdict, no thread of ours, no code: a new complaint, not a join
    for (n, headers) in [("s1", ""), ("s2", fail), ("s3", elsewhere)] {
        let (status, v) = pipe(
            &app,
            &key,
            &mail(
                from,
                &subject,
                &format!("{n}@penipu.example"),
                headers,
                "Tolong buka lagi.",
            ),
        )
        .await;
        assert_eq!(status, 201, "{n}: not joined: {v}");
        assert_ne!(v["id"].as_str(), Some(id.as_str()));
    }
    // the access code quoted, or a trusted pass: joined
    let (status, v) = pipe(
        &app,
        &key,
        &mail(
            from,
            &subject,
            "c1@example.id",
            "",
            &format!("Kode akses saya {code}. Ada kabar?"),
        ),
    )
    .await;
    assert_eq!((status, v["id"].as_str()), (200, Some(id.as_str())), "{v}");
    // closed, then a reply that is believed: recorded, but not reopened
    let uid = uuid::Uuid::parse_str(&id).unwrap();
    assert!(
        app.store
            .change_from_outside(
                uid,
                &aduan::store::OutsideChange::Close,
                "closed",
                "{}",
                &aduan::store::Actor::cli(),
                chrono::Utc::now()
            )
            .await
            .unwrap()
    );
    let (status, v) = pipe(
        &app,
        &key,
        &mail(
            from,
            &subject,
            "c2@example.id",
            pass,
            "Masalah belum selesai.",
        ),
    )
    .await;
    assert_eq!((status, v["id"].as_str()), (200, Some(id.as_str())), "{v}");
    let now: Value = app
        .get(&key, &format!("/api/v1/complaints/{id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(now["status"], "closed", "held for staff, not reopened");
    let t: Value = app
        .get(&key, &format!("/api/v1/complaints/{id}/timeline"))
        .await
        .json()
        .await
        .unwrap();
    let replies = t["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "reporter_replied")
        .count();
    assert_eq!(replies, 2, "both believed replies are on the timeline");
}

//! The email channel through the pipe endpoint (`POST /api/v1/intake/email`):
//! fixtures in tests/fixtures/email, threading, noise, duplicates.

use std::sync::Arc;

use aduan::domain::Role;
use aduan::notify::Dispatcher;
use aduan::store::{Actor, OutsideChange};
use chrono::Utc;
use serde_json::{Value, json};

use crate::helpers::*;

both_backends!(
    every_fixture_gives_a_complaint_or_a_clear_answer,
    replies_join_their_complaint_and_reopen_or_resume_it,
    a_message_joins_only_from_the_complainant_or_for_its_own_integration,
);

pub fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/tests/fixtures/email/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .expect("fixture")
}

pub async fn pipe(app: &TestApp, key: &str, raw: &[u8]) -> (u16, Value) {
    let r = app
        .client
        .post(app.url("/api/v1/intake/email"))
        .bearer_auth(key)
        .header("Content-Type", "message/rfc822")
        .body(raw.to_vec())
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

async fn every_fixture_gives_a_complaint_or_a_clear_answer(b: Backend) {
    let Some(app) = spawn_app_with(b, |s| s.max_email_bytes = 64 * 1024).await else {
        return;
    };
    let key = app.key(Role::Reception).await;
    let cases = [
        (
            "utf8_qp.eml",
            201,
            "Bantuan PKH belum cair – Kel. Oebobo",
            "tiga bulan belum cair –",
        ),
        (
            "latin1_qp.eml",
            201,
            "Permohonan kursi roda – Atambua",
            "Anak saya José membutuhkan",
        ),
        ("base64.eml", 201, "Lansia terlantar", "Kelurahan Naikoten"),
        (
            "html_only.eml",
            201,
            "Beras BPNT berkutu",
            "Beras BPNT yang kami terima berkutu.",
        ),
        (
            "attachment_non_ascii.eml",
            201,
            "Foto rumah rusak",
            "Terlampir foto rumah",
        ),
    ];
    for (name, want, subject, text) in cases {
        let (code, v) = pipe(&app, &key, &fixture(name)).await;
        assert_eq!(code, want, "{name}: {v}");
        let c: Value = app
            .get(
                &key,
                &format!("/api/v1/complaints/{}", v["id"].as_str().unwrap()),
            )
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(c["channel"], "email", "{name}");
        assert_eq!(c["tracking_number"], v["tracking_number"]);
        assert_eq!(c["subject"], subject, "{name}");
        assert!(
            c["body"].as_str().unwrap().contains(text),
            "{name}: {}",
            c["body"]
        );
        assert!(
            !c["body"].as_str().unwrap().contains("<p>"),
            "{name}: HTML reduced to text"
        );
        assert!(
            c["reporter"]["email"]
                .as_str()
                .unwrap()
                .ends_with("@example.id")
        );
        assert!(c["due_at"].is_string(), "deadline from the email SLA");
        if name == "attachment_non_ascii.eml" {
            let a: Value = app
                .get(
                    &key,
                    &format!(
                        "/api/v1/complaints/{}/attachments",
                        c["id"].as_str().unwrap()
                    ),
                )
                .await
                .json()
                .await
                .unwrap();
            assert_eq!(a["items"][0]["file_name"], "Foto rumah — 照片.jpg");
            assert_eq!(a["items"][0]["content_type"], "image/jpeg");
        }
        if name == "latin1_qp.eml" {
            assert_eq!(c["reporter"]["name"], "José da Costa");
        }
    }
    // the same message again: ignored, nothing new
    let (code, v) = pipe(&app, &key, &fixture("utf8_qp.eml")).await;
    assert_eq!((code, v["reason"].as_str()), (202, Some("duplicate")));
    // noise never becomes a complaint
    for (name, reason) in [
        ("out_of_office.eml", "auto_reply"),
        ("bounce.eml", "bounce"),
    ] {
        let (code, v) = pipe(&app, &key, &fixture(name)).await;
        assert_eq!((code, v["reason"].as_str()), (202, Some(reason)), "{name}");
    }
    // unusable mail: a clear 422 naming the message, kept for inspection
    let (code, v) = pipe(&app, &key, &fixture("broken_headers.eml")).await;
    assert_eq!(code, 422, "{v}");
    assert_eq!(problem_fields(&v), vec!["message"]);
    let mut big = fixture("base64.eml");
    big.extend(std::iter::repeat_n(b'A', 100 * 1024));
    let (code, v) = pipe(&app, &key, &big).await;
    assert_eq!(code, 413, "{v}");
    assert_eq!(app.list_all(&key, "&channel=email", 50).await.len(), 5);

    let s: Value = app
        .get(&key, "/api/v1/integrations/email")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(s["counts"]["created"], 5, "{s}");
    assert_eq!(s["counts"]["duplicate"], 1);
    assert_eq!(s["counts"]["auto_reply"], 1);
    assert_eq!(s["counts"]["bounce"], 1);
    assert_eq!(s["counts"]["rejected"], 2);
    let reasons: Vec<&str> = s["quarantine"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["reason"].as_str().unwrap())
        .collect();
    assert_eq!(reasons.len(), 2, "{s}");
    assert!(reasons.iter().any(|r| r.contains("larger than")));
    assert_eq!(s["mailbox"]["enabled"], false);

    // wrong media type, wrong role
    let r = app
        .client
        .post(app.url("/api/v1/intake/email"))
        .bearer_auth(&key)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_problem(r, 415).await;
    let manager = app.key(Role::Manager).await;
    let (code, _) = pipe(&app, &manager, &fixture("base64.eml")).await;
    assert_eq!(code, 403);
}

fn reply(from: &str, subject: &str, in_reply_to: Option<&str>, id: &str, text: &str) -> Vec<u8> {
    let mut m = format!(
        "From: {from}\r\nTo: pengaduan@dinsos.example.go.id\r\nSubject: {subject}\r\nMessage-ID: <{id}>\r\n"
    );
    if let Some(r) = in_reply_to {
        m.push_str(&format!("In-Reply-To: <{r}>\r\nReferences: <{r}>\r\n"));
    }
    m.push_str(&format!("Content-Type: text/plain; charset=UTF-8\r\n\r\n{text}\r\n\r\nPada Senin, Dinsos menulis:\r\n> kutipan lama\r\n"));
    m.into_bytes()
}

async fn timeline_kinds(app: &TestApp, key: &str, id: &str) -> Vec<Value> {
    let t: Value = app
        .get(key, &format!("/api/v1/complaints/{id}/timeline"))
        .await
        .json()
        .await
        .unwrap();
    t["items"].as_array().unwrap().clone()
}

async fn replies_join_their_complaint_and_reopen_or_resume_it(b: Backend) {
    let Some((app, sink)) = crate::outbox::app_with_sink_and(b, 8, |s| {
        s.email_trusted_authserv = vec!["mx.dinsos.example.go.id".into()];
    })
    .await
    else {
        return;
    };
    let key = app.key(Role::Reception).await;
    let (code, v) = pipe(&app, &key, &fixture("utf8_qp.eml")).await;
    assert_eq!(code, 201);
    let id = v["id"].as_str().unwrap().to_string();
    let tn = v["tracking_number"].as_str().unwrap().to_string();

    // the acknowledgement is threaded to the complainant's message
    let dispatcher = Dispatcher::new(app.store.clone(), Arc::clone(&app.settings)).unwrap();
    dispatcher
        .run_once(Utc::now() + chrono::Duration::seconds(1))
        .await
        .unwrap();
    let ack = sink
        .messages()
        .into_iter()
        .find(|m| m.unfolded().contains(&tn))
        .expect("acknowledgement");
    let head = ack.unfolded();
    assert!(
        head.contains("In-Reply-To: <utf8qp-1@mail.example.id>"),
        "{head}"
    );
    let ack_id = head
        .lines()
        .find_map(|l| l.strip_prefix("Message-ID: <"))
        .unwrap()
        .trim_end_matches('>')
        .to_string();

    // a reply to the acknowledgement joins the complaint
    let (code, v) = pipe(
        &app,
        &key,
        &reply(
            "siti.aminah@example.id",
            &format!("Re: [{tn}] Pengaduan"),
            Some(&ack_id),
            "r1@mail.example.id",
            "Ini fotokopi KK kami.",
        ),
    )
    .await;
    assert_eq!((code, v["id"].as_str()), (200, Some(id.as_str())), "{v}");
    let t = timeline_kinds(&app, &key, &id).await;
    let last = t.last().unwrap();
    assert_eq!(last["kind"], "reporter_replied");
    assert_eq!(
        last["detail"]["text"], "Ini fotokopi KK kami.",
        "quoted lines dropped"
    );
    // a reply to the reply (References only to our received mail) joins too
    let (code, _) = pipe(
        &app,
        &key,
        &reply(
            "siti.aminah@example.id",
            "Re: Re: x",
            Some("r1@mail.example.id"),
            "r2@mail.example.id",
            "Tambahan.",
        ),
    )
    .await;
    assert_eq!(code, 200);

    // a tracking number in the subject threads only from the complainant's
    // address, as the office's receiving server vouched for it
    let mut authenticated = b"Authentication-Results: mx.dinsos.example.go.id; \
        dkim=pass header.d=example.id; dmarc=pass header.from=example.id\r\n"
        .to_vec();
    authenticated.extend(reply(
        "siti.aminah@example.id",
        &format!("Pertanyaan {tn}"),
        None,
        "r3@mail.example.id",
        "Bagaimana kabarnya?",
    ));
    let (code, v) = pipe(&app, &key, &authenticated).await;
    assert_eq!((code, v["id"].as_str()), (200, Some(id.as_str())));
    let (code, v) = pipe(
        &app,
        &key,
        &reply(
            "orang.lain@example.id",
            &format!("Soal {tn}"),
            None,
            "r4@mail.example.id",
            "Saya juga mengalami hal sama.",
        ),
    )
    .await;
    assert_eq!(code, 201, "someone else's mail is a new complaint: {v}");

    // a paused clock resumes; a closed complaint reopens
    let c: Value = app
        .get(&key, &format!("/api/v1/complaints/{id}"))
        .await
        .json()
        .await
        .unwrap();
    let r = app
        .client
        .post(app.url(&format!("/api/v1/complaints/{id}/clock/pause")))
        .bearer_auth(&key)
        .header("If-Match", format!("\"{}\"", c["version"]))
        .json(&json!({"reason": "Menunggu KK"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    pipe(
        &app,
        &key,
        &reply(
            "siti.aminah@example.id",
            "Re: KK",
            Some(&ack_id),
            "r5@mail.example.id",
            "KK terlampir.",
        ),
    )
    .await;
    let c: Value = app
        .get(&key, &format!("/api/v1/complaints/{id}"))
        .await
        .json()
        .await
        .unwrap();
    assert!(c["paused_at"].is_null(), "the reply resumed the clock: {c}");
    let uid = uuid::Uuid::parse_str(&id).unwrap();
    assert!(
        app.store
            .change_from_outside(
                uid,
                &OutsideChange::Close,
                "closed",
                "{}",
                &Actor::cli(),
                Utc::now()
            )
            .await
            .unwrap()
    );
    let (code, _) = pipe(
        &app,
        &key,
        &reply(
            "siti.aminah@example.id",
            "Re: selesai?",
            Some(&ack_id),
            "r6@mail.example.id",
            "Masalah belum selesai.",
        ),
    )
    .await;
    assert_eq!(code, 200);
    let c: Value = app
        .get(&key, &format!("/api/v1/complaints/{id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(c["status"], "reopened");
    // the same reply delivered twice is recorded once
    let (code, v) = pipe(
        &app,
        &key,
        &reply(
            "siti.aminah@example.id",
            "Re: selesai?",
            Some(&ack_id),
            "r6@mail.example.id",
            "Masalah belum selesai.",
        ),
    )
    .await;
    assert_eq!((code, v["reason"].as_str()), (202, Some("duplicate")));
    // the approved answer goes back in the same thread
    let o = crate::workflow::office(&app).await;
    crate::workflow::ok(&app, &o.reception, &id, "forward", json!({})).await;
    crate::workflow::ok(
        &app,
        &o.k_head,
        &id,
        "dispositions",
        crate::workflow::dispose(&o.kabid),
    )
    .await;
    crate::workflow::ok(
        &app,
        &o.k_kabid,
        &id,
        "answer/drafts",
        json!({"body": "KK Ibu sudah kami terima."}),
    )
    .await;
    crate::workflow::ok(&app, &o.k_kabid, &id, "answer/submit", json!({})).await;
    crate::workflow::ok(&app, &o.k_head, &id, "answer/approve", json!({})).await;
    crate::workflow::ok(&app, &o.reception, &id, "dispatch", json!({})).await;
    dispatcher
        .run_once(Utc::now() + chrono::Duration::seconds(2))
        .await
        .unwrap();
    let answer = sink
        .messages()
        .into_iter()
        .find(|m| m.unfolded().contains("Jawaban atas pengaduan"))
        .expect("answer email");
    assert!(
        answer
            .unfolded()
            .contains("In-Reply-To: <utf8qp-1@mail.example.id>"),
        "{}",
        answer.unfolded()
    );
    let replies = timeline_kinds(&app, &key, &id)
        .await
        .iter()
        .filter(|e| e["kind"] == "reporter_replied")
        .count();
    assert_eq!(replies, 5);
}

/// Security review, issue 12 (high): a piped message joined any complaint —
/// by a guessed address and a tracking number in the subject, or by
/// In-Reply-To the complainant's Message-ID with no sender check — and the
/// answer told a wrong guess (201) from a right one (200).
async fn a_message_joins_only_from_the_complainant_or_for_its_own_integration(b: Backend) {
    let Some(app) = spawn_app(b).await else {
        return;
    };
    let reception = app.key(Role::Reception).await;
    let integration = app.key(Role::Integration).await;
    // the complainant's own mail makes an anonymous complaint through reception's pipe
    let (code, v) = pipe(
        &app,
        &reception,
        &reply(
            "dewi.rahasia@example.id",
            "Bantuan PKH",
            None,
            "orig-1@mail.example.id",
            "PKH belum cair.",
        ),
    )
    .await;
    assert_eq!(code, 201);
    let id = v["id"].as_str().unwrap().to_string();
    let tn = v["tracking_number"].as_str().unwrap().to_string();
    let admin = app.key(Role::Admin).await;
    // reception registers a second, anonymous complaint by letter, with an email
    let mut letter = valid_complaint("letter");
    letter["anonymous"] = json!(true);
    letter["reporter"]["email"] = json!("yosef.anonim@example.id");
    let r = app.post_complaint(&reception, &letter).await;
    assert_eq!(r.status(), 201);
    let anon: Value = r.json().await.unwrap();
    let anon_id = anon["id"].as_str().unwrap().to_string();
    let anon_tn = anon["tracking_number"].as_str().unwrap().to_string();

    let replies = |id: &str| {
        let id = id.to_string();
        let app = &app;
        let admin = admin.clone();
        async move {
            timeline_kinds(app, &admin, &id)
                .await
                .iter()
                .filter(|e| e["kind"] == "reporter_replied")
                .count()
        }
    };

    // an integration key guessing the address with the number in the subject: a new complaint
    let (code, v) = pipe(
        &app,
        &integration,
        &reply(
            "dewi.rahasia@example.id",
            &format!("Re: [{tn}]"),
            None,
            "g1@evil.example",
            "Tolong tutup.",
        ),
    )
    .await;
    assert_eq!(code, 201, "{v}");
    assert_ne!(v["id"].as_str(), Some(id.as_str()));
    // … with In-Reply-To the complainant's Message-ID: a new complaint too, no attachment
    let with_file = "From: orang.lain@evil.example\r\nTo: pengaduan@dinsos.example.go.id\r\n\
        Subject: Re: Bantuan PKH\r\nMessage-ID: <g2@evil.example>\r\n\
        In-Reply-To: <orig-1@mail.example.id>\r\nReferences: <orig-1@mail.example.id>\r\n\
        MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n\
        --b1\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\nLampiran.\r\n\
        --b1\r\nContent-Type: text/html; name=\"surat.html\"\r\n\
        Content-Disposition: attachment; filename=\"surat.html\"\r\n\r\n\
        <script>alert(1)</script>\r\n--b1--\r\n"
        .as_bytes()
        .to_vec();
    let (code, v) = pipe(&app, &integration, &with_file).await;
    assert_eq!(code, 201, "{v}");
    assert_eq!(
        replies(&id).await,
        0,
        "nothing joined the complainant's complaint"
    );
    // a wrong and a right guess at the anonymous complainant's address look the same
    let (wrong, _) = pipe(
        &app,
        &reception,
        &reply(
            "tebakan@example.id",
            &format!("Re: [{anon_tn}]"),
            None,
            "g3@mail.example.id",
            "Halo.",
        ),
    )
    .await;
    let (right, _) = pipe(
        &app,
        &reception,
        &reply(
            "yosef.anonim@example.id",
            &format!("Re: [{anon_tn}]"),
            None,
            "g4@mail.example.id",
            "Halo.",
        ),
    )
    .await;
    assert_eq!((wrong, right), (201, 201));
    assert_eq!(replies(&anon_id).await, 0);

    // the complainant's own reply still joins (reception's pipe, their address)
    let (code, v) = pipe(
        &app,
        &reception,
        &reply(
            "Dewi.Rahasia@example.id",
            &format!("Re: [{tn}]"),
            Some("orig-1@mail.example.id"),
            "r1@mail.example.id",
            "Terima kasih.",
        ),
    )
    .await;
    assert_eq!((code, v["id"].as_str()), (200, Some(id.as_str())), "{v}");
    assert_eq!(replies(&id).await, 1);
    // an integration may thread mail on its own complaint
    let (code, v) = pipe(
        &app,
        &integration,
        &reply(
            "warga@example.id",
            "Aduan jalan",
            None,
            "i1@portal.example.go.id",
            "Jalan rusak.",
        ),
    )
    .await;
    assert_eq!(code, 201);
    let own = v["id"].as_str().unwrap().to_string();
    let (code, v) = pipe(
        &app,
        &integration,
        &reply(
            "warga@example.id",
            "Re: Aduan jalan",
            Some("i1@portal.example.go.id"),
            "i2@portal.example.go.id",
            "Sudah difoto.",
        ),
    )
    .await;
    assert_eq!((code, v["id"].as_str()), (200, Some(own.as_str())), "{v}");
}

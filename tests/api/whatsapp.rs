//! The WhatsApp channel against `wa-sim` (the Cloud API's wire format) over
//! real HTTP: the conversation rule, media, the answer inside and outside
//! the 24-hour window, statuses, signatures, two replicas.

use std::process::Child;
use std::time::Duration;

use aduan::config::WhatsappSettings;
use aduan::domain::Role;
use base64::Engine;
use serde_json::{Value, json};

use crate::helpers::{Backend, TestApp, both_backends, spawn_app_with, spawn_replica};
use crate::workflow::{complaint, office, ok, timeline, walk_through_secretary};

const TOKEN: &str = "token-wa-uji";
const SECRET: &str = "rahasia-aplikasi-meta";
const VERIFY: &str = "jabat-tangan-meta";
const NUMBER_ID: &str = "106540352242922";

both_backends!(
    a_conversation_from_greeting_to_the_answer,
    signatures_and_the_handshake,
    outside_the_window_the_answer_goes_as_the_template,
    two_replicas_register_once_and_reply_once,
    an_officer_who_opted_in_gets_reminders_on_whatsapp,
    media_that_cannot_be_fetched_is_said_on_the_timeline,
    an_answer_that_does_not_arrive_is_said_to_the_liaison_officer,
    a_long_answer_goes_in_parts_in_order,
    a_finished_visit_is_invited_to_the_survey_by_the_template,
);

/// The `wa-sim` binary, killed when dropped.
pub struct WaSim {
    child: Child,
    pub url: String,
    http: reqwest::Client,
}

impl Drop for WaSim {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl WaSim {
    pub fn start(args: &[&str]) -> WaSim {
        let all: Vec<&str> = [
            "--listen",
            "127.0.0.1:0",
            "--token",
            TOKEN,
            "--app-secret",
            SECRET,
            "--phone-number-id",
            NUMBER_ID,
        ]
        .into_iter()
        .chain(args.iter().copied())
        .collect();
        let (child, url) =
            crate::helpers::start_simulator(env!("CARGO_BIN_EXE_wa-sim"), "wa-sim", &all);
        WaSim {
            child,
            url,
            http: reqwest::Client::new(),
        }
    }

    pub async fn post(&self, path: &str, body: Value) -> Value {
        let r = self
            .http
            .post(format!("{}{path}", self.url))
            .json(&body)
            .send()
            .await
            .unwrap();
        r.json().await.unwrap_or(Value::Null)
    }

    /// A citizen writes; the webhook statuses of its deliveries.
    pub async fn says(&self, body: Value) -> Value {
        self.post("/sim/messages", body).await
    }

    /// What wa-sim holds: the messages the business sent and the read marks.
    async fn state(&self) -> Value {
        self.http
            .get(format!("{}/sim/sent", self.url))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    pub async fn sent(&self) -> Vec<Value> {
        self.state().await["messages"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    pub async fn reads(&self) -> Vec<String> {
        self.state().await["reads"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|x| x.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Waits until a message the business sent matches.
    pub async fn try_wait_sent(&self, f: impl Fn(&Value) -> bool) -> Option<Value> {
        for _ in 0..200 {
            if let Some(m) = self.sent().await.into_iter().find(|m| f(m)) {
                return Some(m);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        None
    }
}

/// Waits until wa-sim received a matching message; else fails with what
/// both sides hold (the outbox says why a message did not go).
async fn wait_sent(app: &TestApp, sim: &WaSim, what: &str, f: impl Fn(&Value) -> bool) -> Value {
    if let Some(m) = sim.try_wait_sent(f).await {
        return m;
    }
    let admin = app.key(Role::Admin).await;
    let outbox: Value = app
        .get(&admin, "/api/v1/outbox?limit=100")
        .await
        .json()
        .await
        .unwrap_or(Value::Null);
    panic!(
        "wa-sim never received {what}: {:?}\noutbox: {outbox}",
        sim.sent().await
    );
}

pub fn settings(sim: &WaSim) -> WhatsappSettings {
    WhatsappSettings {
        api_url: format!("{}/v21.0", sim.url),
        phone_number_id: NUMBER_ID.into(),
        token: TOKEN.into(),
        app_secret: SECRET.into(),
        verify_token: VERIFY.into(),
        template: "aduan_pembaruan".into(),
        staff_template: "aduan_pengingat".into(),
        visit_survey_template: Some("survei_kunjungan".into()),
        template_language: "id".into(),
    }
}

async fn setup(b: Backend, sim_args: &[&str]) -> Option<(TestApp, WaSim)> {
    let sim = WaSim::start(sim_args);
    let wa = settings(&sim);
    let app = spawn_app_with(b, move |s| s.whatsapp = Some(wa)).await?;
    sim.post(
        "/sim/webhook",
        json!({"url": app.url("/webhooks/whatsapp")}),
    )
    .await;
    Some((app, sim))
}

/// What our side knows of when everyone last wrote.
async fn set_last_inbound(app: &TestApp, at: chrono::DateTime<chrono::Utc>) {
    let at = at.to_rfc3339_opts(chrono::SecondsFormat::Micros, false);
    let sql = if app.database_url.starts_with("sqlite") {
        "UPDATE chat_contacts SET last_inbound_at = $1"
    } else {
        "UPDATE chat_contacts SET last_inbound_at = CAST($1 AS timestamptz)"
    };
    app.exec_sql(sql, Some(&at)).await;
}

async fn whatsapp_complaints(app: &TestApp, key: &str) -> Vec<Value> {
    app.list_all(key, "channel=whatsapp", 100).await
}

pub fn text_to(m: &Value, to: &str) -> bool {
    m["to"] == to && m["type"] == "text"
}

async fn wait_complaint<F: Fn(&Value) -> bool>(app: &TestApp, key: &str, id: &str, f: F) -> Value {
    for _ in 0..100 {
        let c = complaint(app, key, id).await;
        if f(&c) {
            return c;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    complaint(app, key, id).await
}

async fn wait_timeline(app: &TestApp, key: &str, id: &str, kind: &str) -> Vec<Value> {
    for _ in 0..100 {
        let t = timeline(app, key, id).await;
        if t.iter().any(|e| e["kind"] == kind) {
            return t;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!(
        "no `{kind}` on the timeline: {:?}",
        timeline(app, key, id).await
    );
}

async fn a_conversation_from_greeting_to_the_answer(b: Backend) {
    let Some((app, sim)) = setup(b, &[]).await else {
        return;
    };
    let o = office(&app).await;
    let maria = "6281234567890";

    // a greeting: the guide, no complaint
    let r = sim
        .says(json!({"from": maria, "name": "Maria Goreti", "text": "Assalamualaikum"}))
        .await;
    assert_eq!(r["webhook_statuses"], json!([200]));
    let guide = wait_sent(&app, &sim, "the guide", |m| text_to(m, maria)).await;
    assert!(
        guide["text"]
            .as_str()
            .unwrap()
            .contains("tuliskan pengaduan Anda"),
        "{guide}"
    );
    assert!(whatsapp_complaints(&app, &o.admin).await.is_empty());

    // the complaint, delivered three times by Meta: one complaint, one acknowledgement
    let r = sim
        .says(
            json!({"from": maria, "name": "Maria Goreti", "deliveries": 3,
            "text": "Bantuan PKH ibu saya belum cair sudah tiga bulan.\nMohon dibantu, Bu — terima kasih 🙏"}),
        )
        .await;
    assert_eq!(r["webhook_statuses"], json!([200, 200, 200]));
    let list = whatsapp_complaints(&app, &o.admin).await;
    assert_eq!(list.len(), 1, "{list:?}");
    let id = list[0]["id"].as_str().unwrap().to_string();
    let c = complaint(&app, &o.admin, &id).await;
    let tn = c["tracking_number"].as_str().unwrap().to_string();
    assert_eq!(c["channel"], "whatsapp");
    assert_eq!(
        c["subject"],
        "Bantuan PKH ibu saya belum cair sudah tiga bulan."
    );
    assert_eq!(c["reporter"]["phone"], "+6281234567890");
    assert_eq!(c["reporter"]["name"], "Maria Goreti");
    // Meta escapes non-ASCII as \uXXXX and signs those bytes
    assert!(
        c["body"].as_str().unwrap().contains("Bu — terima kasih 🙏"),
        "{c}"
    );
    let ack = wait_sent(&app, &sim, "the acknowledgement", |m| {
        text_to(m, maria) && m["text"].as_str().unwrap_or("").contains(&tn)
    })
    .await;
    let text = ack["text"].as_str().unwrap();
    assert!(text.contains(&format!("/lacak/{tn}#kode=")), "{text}");
    assert_eq!(
        ack["context"], r["id"],
        "the acknowledgement quotes the message"
    );

    // photos, a document and a voice note follow: attachments with their bytes
    let jpeg = vec![0xFFu8, 0xD8, 0xFF, 0xE0, 1, 2, 3, 4, 5];
    let pdf = b"%PDF-1.4 kartu PKH".to_vec();
    let ogg = b"OggS voice".to_vec();
    for (kind, bytes, mime, name) in [
        ("image", &jpeg, "image/jpeg", None),
        (
            "document",
            &pdf,
            "application/pdf",
            Some("surat-keterangan.pdf"),
        ),
        ("audio", &ogg, "audio/ogg; codecs=opus", None),
    ] {
        let r = sim
            .says(json!({"from": maria, "name": "Maria Goreti", "type": kind,
                "mime_type": mime, "filename": name, "caption": if kind == "image" { Some("foto kartu") } else { None },
                "data_base64": base64::engine::general_purpose::STANDARD.encode(bytes)}))
            .await;
        assert_eq!(r["webhook_statuses"], json!([200]));
    }
    sim.says(
        json!({"from": maria, "type": "location", "latitude": -10.1772,
        "longitude": 123.607, "address": "Jl. Timor Raya, Oesapa"}),
    )
    .await;
    let mut atts = Vec::new();
    for _ in 0..100 {
        let r = app
            .get(&o.admin, &format!("/api/v1/complaints/{id}/attachments"))
            .await;
        let v: Value = r.json().await.unwrap();
        atts = v["items"]
            .as_array()
            .or(v.as_array())
            .cloned()
            .unwrap_or_default();
        if atts.len() == 3 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(atts.len(), 3, "{atts:?}");
    for (bytes, name) in [
        (&jpeg, "foto-whatsapp.jpg"),
        (&pdf, "surat-keterangan.pdf"),
        (&ogg, "pesan-suara-whatsapp.ogg"),
    ] {
        let a = atts
            .iter()
            .find(|a| a["file_name"] == name)
            .unwrap_or_else(|| panic!("no {name}: {atts:?}"));
        let r = app
            .get(
                &o.admin,
                &format!(
                    "/api/v1/complaints/{id}/attachments/{}",
                    a["id"].as_str().unwrap()
                ),
            )
            .await;
        assert_eq!(r.status(), 200);
        assert_eq!(r.bytes().await.unwrap().to_vec(), *bytes, "{name}");
    }
    let c = complaint(&app, &o.admin, &id).await;
    assert!(
        c["location"]
            .as_str()
            .unwrap_or("")
            .contains("Jl. Timor Raya"),
        "{c}"
    );
    let t = timeline(&app, &o.admin, &id).await;
    assert!(
        t.iter().filter(|e| e["kind"] == "message_received").count() >= 4,
        "{t:?}"
    );
    assert_eq!(whatsapp_complaints(&app, &o.admin).await.len(), 1);

    // reception opens the complaint: Maria sees her newest message read;
    // then writes to her from the page
    crate::accounts::account(&app, &o.admin, "resepsionis", "reception", None).await;
    let desk = crate::accounts::browser(&app, "resepsionis", crate::accounts::PASSWORD, None).await;
    let r = desk.get(&app, &format!("/console/complaints/{id}")).await;
    assert_eq!(r.status(), 200);
    let page = r.text().await.unwrap();
    assert!(
        page.contains("WhatsApp pelapor") && page.contains("Tanda terima"),
        "the conversation box"
    );
    for _ in 0..100 {
        if !sim.reads().await.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        sim.reads().await.len(),
        1,
        "the newest message marked read once"
    );
    let r = app
        .client
        .post(app.url(&format!("/console/complaints/{id}/whatsapp")))
        .header("Cookie", &desk.cookie)
        .header("Origin", app.address.clone())
        .form(&[
            ("csrf", desk.csrf.as_str()),
            ("text", "Mohon kirim foto buku tabungan Ibu."),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    wait_sent(&app, &sim, "the staff message", |m| {
        text_to(m, maria)
            && m["text"]
                .as_str()
                .unwrap_or("")
                .contains("foto buku tabungan")
    })
    .await;
    let r = app
        .client
        .post(app.url(&format!("/console/complaints/{id}/whatsapp")))
        .header("Cookie", &desk.cookie)
        .header("Origin", app.address.clone())
        .form(&[("csrf", desk.csrf.as_str()), ("text", "   ")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("Tuliskan pesannya."));

    // the answer, inside the window: a text, and its statuses on the record
    walk_through_secretary(&app, &o, &id).await;
    let c = ok(&app, &o.reception, &id, "dispatch", json!({})).await;
    assert_eq!(c["status"], "answered");
    let answer = wait_sent(&app, &sim, "the answer", |m| {
        text_to(m, maria)
            && m["text"]
                .as_str()
                .unwrap_or("")
                .contains("Data penerima telah kami perbarui")
    })
    .await;
    assert!(answer["text"].as_str().unwrap().contains(&tn));
    wait_timeline(&app, &o.admin, &id, "answer_delivered").await;
    sim.post("/sim/status", json!({"id": answer["id"], "status": "read"}))
        .await;
    wait_timeline(&app, &o.admin, &id, "answer_read").await;
    let t = timeline(&app, &o.admin, &id).await;
    let sent = t
        .iter()
        .find(|e| e["kind"] == "answer_sent_whatsapp")
        .expect("the dispatch's proof");
    assert!(sent.to_string().contains(answer["id"].as_str().unwrap()));
    // the survey invitation follows as the template
    let survey = wait_sent(&app, &sim, "the survey invitation", |m| {
        m["to"] == maria && m["type"] == "template"
    })
    .await;
    assert_eq!(survey["template"]["name"], "aduan_pembaruan");

    // a message after the answer reopens it (thanks alone would not)
    sim.says(json!({"from": maria, "text": "terima kasih"}))
        .await;
    let c = complaint(&app, &o.admin, &id).await;
    assert_eq!(c["status"], "answered");
    sim.says(
        json!({"from": maria, "text": "Maaf, ternyata bulan ini juga belum masuk ke rekening."}),
    )
    .await;
    let c = wait_complaint(&app, &o.admin, &id, |c| c["status"] == "reopened").await;
    assert_eq!(c["status"], "reopened");
    assert_eq!(whatsapp_complaints(&app, &o.admin).await.len(), 1);
}

async fn signatures_and_the_handshake(b: Backend) {
    let Some((app, sim)) = setup(b, &[]).await else {
        return;
    };
    let admin = app.key(Role::Admin).await;
    for sig in ["wrong", "missing"] {
        let r = sim
            .says(json!({"from": "6281111111111", "signature": sig,
                "text": "Pengaduan palsu tanpa tanda tangan yang sah"}))
            .await;
        assert_eq!(r["webhook_statuses"], json!([401]), "{sig}");
    }
    assert!(whatsapp_complaints(&app, &admin).await.is_empty());
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(sim.sent().await.is_empty(), "nothing answered to a forgery");

    let get = |q: String| {
        let url = app.url(&format!("/webhooks/whatsapp?{q}"));
        let client = app.client.clone();
        async move { client.get(url).send().await.unwrap() }
    };
    let r = get(format!(
        "hub.mode=subscribe&hub.verify_token={VERIFY}&hub.challenge=1158201444"
    ))
    .await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.text().await.unwrap(), "1158201444");
    let r = get("hub.mode=subscribe&hub.verify_token=salah&hub.challenge=1158201444".into()).await;
    assert_eq!(r.status(), 403);
    assert!(!r.text().await.unwrap().contains("1158201444"));
}

async fn outside_the_window_the_answer_goes_as_the_template(b: Backend) {
    let Some((app, sim)) = setup(b, &[]).await else {
        return;
    };
    let o = office(&app).await;
    let (yosef, agnes) = ("6281299990001", "6281299990002");
    for (who, text) in [
        (yosef, "Rumah kami rusak karena banjir, belum ada bantuan"),
        (
            agnes,
            "Anak saya belum terdaftar di KIS walau sudah mengurus",
        ),
    ] {
        sim.says(json!({"from": who, "text": text})).await;
        wait_sent(&app, &sim, "an acknowledgement", |m| text_to(m, who)).await;
    }
    let list = whatsapp_complaints(&app, &o.admin).await;
    assert_eq!(list.len(), 2);
    let id_of = |phone: &str| {
        list.iter()
            .find(|c| c["reporter"]["phone"] == format!("+{phone}"))
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let (yosef_id, agnes_id) = (id_of(yosef), id_of(agnes));
    // 25 hours pass on WhatsApp's side
    sim.post("/sim/advance", json!({"hours": 25})).await;

    // Yosef: our records agree the window closed → the template at once
    set_last_inbound(&app, chrono::Utc::now() - chrono::Duration::hours(25)).await;
    walk_through_secretary(&app, &o, &yosef_id).await;
    ok(&app, &o.reception, &yosef_id, "dispatch", json!({})).await;
    let tn = complaint(&app, &o.admin, &yosef_id).await["tracking_number"]
        .as_str()
        .unwrap()
        .to_string();
    let m = wait_sent(&app, &sim, "the answer as the template", |m| {
        m["to"] == yosef && m["type"] == "template"
    })
    .await;
    assert_eq!(m["template"]["name"], "aduan_pembaruan");
    assert_eq!(m["template"]["language"]["code"], "id");
    let params = m["template"]["components"][0]["parameters"].to_string();
    assert!(
        params.contains(&tn) && params.contains(&format!("/lacak/{tn}")),
        "{params}"
    );
    assert!(
        !sim.sent().await.iter().any(
            |m| text_to(m, yosef) && m["text"].as_str().unwrap_or("").contains("Data penerima")
        ),
        "no free-form text Meta would refuse"
    );

    // Agnes: we believe the window open, Meta does not: the text fails with
    // 131047 and the same answer goes again as the template, once
    set_last_inbound(&app, chrono::Utc::now()).await;
    walk_through_secretary(&app, &o, &agnes_id).await;
    ok(&app, &o.reception, &agnes_id, "dispatch", json!({})).await;
    wait_sent(&app, &sim, "the refused text", |m| {
        text_to(m, agnes) && m["text"].as_str().unwrap_or("").contains("Data penerima")
    })
    .await;
    wait_sent(&app, &sim, "the answer again as the template", |m| {
        m["to"] == agnes && m["type"] == "template"
    })
    .await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let templates = sim
        .sent()
        .await
        .into_iter()
        .filter(|m| m["to"] == agnes && m["type"] == "template")
        .count();
    // the answer's template and the survey invitation: never the answer twice
    assert!(templates <= 2, "{templates}");
    wait_timeline(&app, &o.admin, &agnes_id, "answer_sent_whatsapp").await;
}

async fn two_replicas_register_once_and_reply_once(b: Backend) {
    let Some((app, sim)) = setup(b, &["--no-auto-status"]).await else {
        return;
    };
    let wa = settings(&sim);
    let replica = spawn_replica(&app, move |s| s.whatsapp = Some(wa)).await;
    let admin = app.key(Role::Admin).await;
    // each delivery goes to both replicas at once, twice (Meta's retries)
    let senders: Vec<String> = (0..6).map(|i| format!("62812777700{i:02}")).collect();
    let mut tasks = Vec::new();
    for (i, from) in senders.iter().enumerate() {
        for text in [
            "Penyaluran BPNT di desa kami tidak merata",
            "Foto dan daftar penerima menyusul",
        ] {
            let body = json!({"object": "whatsapp_business_account", "entry": [{"id": "1",
                "changes": [{"field": "messages", "value": {"messaging_product": "whatsapp",
                  "metadata": {"display_phone_number": "6285357559002", "phone_number_id": NUMBER_ID},
                  "contacts": [{"profile": {"name": format!("Warga {i}")}, "wa_id": from}],
                  "messages": [{"from": from, "id": format!("wamid.R{i}-{}", text.len()),
                    "timestamp": chrono::Utc::now().timestamp().to_string(), "type": "text",
                    "text": {"body": text}}]}}]}]})
            .to_string();
            let sig = aduan::intake::whatsapp::signature::sign(SECRET, body.as_bytes());
            for target in [&app, &replica, &app, &replica] {
                let (client, url, body, sig) = (
                    target.client.clone(),
                    target.url("/webhooks/whatsapp"),
                    body.clone(),
                    sig.clone(),
                );
                tasks.push(tokio::spawn(async move {
                    client
                        .post(url)
                        .header("content-type", "application/json")
                        .header("x-hub-signature-256", sig)
                        .body(body)
                        .send()
                        .await
                        .unwrap()
                        .status()
                        .as_u16()
                }));
            }
        }
    }
    for t in tasks {
        assert_eq!(t.await.unwrap(), 200);
    }
    let list = whatsapp_complaints(&app, &admin).await;
    assert_eq!(
        list.len(),
        senders.len(),
        "one complaint per sender: {list:?}"
    );
    for c in &list {
        let t = timeline(&app, &admin, c["id"].as_str().unwrap()).await;
        let joined = t.iter().filter(|e| e["kind"] == "message_received").count();
        assert_eq!(joined, 1, "the second message joined once: {t:?}");
    }
    // both couriers run: every acknowledgement sent once
    for from in &senders {
        wait_sent(&app, &sim, "an acknowledgement", |m| text_to(m, from)).await;
    }
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let sent = sim.sent().await;
    for from in &senders {
        let n = sent.iter().filter(|m| text_to(m, from)).count();
        assert_eq!(n, 1, "{from}: {sent:?}");
    }
}

async fn an_officer_who_opted_in_gets_reminders_on_whatsapp(b: Backend) {
    use crate::workflow::{dispose, post};
    let Some((app, sim)) = setup(b, &[]).await else {
        return;
    };
    let o = office(&app).await;
    let kasi = crate::workflow::officer_at(&app, &o.admin, &o.kasi).await;
    let patch = |body: Value| {
        let (client, url, key) = (
            app.client.clone(),
            app.url(&format!("/api/v1/org/officers/{kasi}")),
            o.admin.clone(),
        );
        async move {
            client
                .patch(url)
                .bearer_auth(key)
                .json(&body)
                .send()
                .await
                .unwrap()
        }
    };
    // alerts need a number, and a number must be one
    let r = patch(json!({"whatsapp_alerts": true})).await;
    let v = crate::helpers::assert_problem(r, 422).await;
    assert_eq!(crate::helpers::problem_fields(&v), vec!["whatsapp_alerts"]);
    let r = patch(json!({"whatsapp": "nomor saya", "whatsapp_alerts": true})).await;
    let v = crate::helpers::assert_problem(r, 422).await;
    assert!(crate::helpers::problem_fields(&v).contains(&"whatsapp".to_string()));
    let r = patch(json!({"whatsapp": "0812 7777 1234", "whatsapp_alerts": true})).await;
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(
        (v["whatsapp"].as_str(), v["whatsapp_alerts"].as_bool()),
        (Some("6281277771234"), Some(true))
    );

    // a letter due Wednesday 2025-04-16, held by the Kasi
    let mut body = crate::helpers::valid_complaint("letter");
    body["received_at"] = json!("2025-03-27T09:00:00+08:00");
    let c: Value = app
        .post_complaint(&o.reception, &body)
        .await
        .json()
        .await
        .unwrap();
    let id = c["id"].as_str().unwrap();
    ok(&app, &o.reception, id, "forward", json!({})).await;
    ok(&app, &o.k_head, id, "dispositions", dispose(&o.kabid)).await;
    ok(&app, &o.k_kabid, id, "dispositions", dispose(&o.kasi)).await;
    let _ = post;
    let jobs = aduan::jobs::Jobs::new(app.store.clone(), std::sync::Arc::clone(&app.settings));
    let at = aduan::jobs::at_local(
        chrono::NaiveDate::from_ymd_opt(2025, 4, 14).unwrap(),
        chrono::NaiveTime::from_hms_opt(9, 0, 0).unwrap(),
        app.settings.office_timezone,
    )
    .unwrap();
    let r = jobs.reminder_sweep(at).await.unwrap();
    assert!(r.reminders >= 1, "{r:?}");
    let m = wait_sent(&app, &sim, "the Kasi's alert", |m| {
        m["to"] == "6281277771234"
    })
    .await;
    assert_eq!(m["type"], "template");
    assert_eq!(m["template"]["name"], "aduan_pengingat");
    let params = m["template"]["components"][0]["parameters"].to_string();
    assert!(
        params.contains("1 pengaduan perlu tindakan Anda"),
        "{params}"
    );
    assert!(params.contains("/console/complaints"), "{params}");
    // the same sweep again: nothing new, no second alert
    jobs.reminder_sweep(at).await.unwrap();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let n = sim
        .sent()
        .await
        .iter()
        .filter(|m| m["to"] == "6281277771234")
        .count();
    assert_eq!(n, 1);
    // nobody else opted in: no other alert
    assert!(sim.sent().await.iter().all(|m| m["to"] == "6281277771234"));
}

async fn media_that_cannot_be_fetched_is_said_on_the_timeline(b: Backend) {
    let Some((app, sim)) = setup(b, &[]).await else {
        return;
    };
    let admin = app.key(Role::Admin).await;
    let from = "6281355550000";
    sim.says(json!({"from": from, "text": "Jembatan ke balai desa putus, warga lansia tidak bisa ambil bantuan"}))
        .await;
    // Meta no longer has the photo
    let r = sim
        .says(
            json!({"from": from, "type": "image", "mime_type": "image/jpeg",
            "data_base64": "AAEC", "media_missing": true}),
        )
        .await;
    assert_eq!(r["webhook_statuses"], json!([200]));
    let list = whatsapp_complaints(&app, &admin).await;
    assert_eq!(list.len(), 1);
    let id = list[0]["id"].as_str().unwrap();
    let t = wait_timeline(&app, &admin, id, "chat_media_failed").await;
    let e = t.iter().find(|e| e["kind"] == "chat_media_failed").unwrap();
    assert!(e.to_string().contains("image"), "{e}");
    let atts: Value = app
        .get(&admin, &format!("/api/v1/complaints/{id}/attachments"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        atts["items"].as_array().map(Vec::len).unwrap_or(0),
        0,
        "{atts}"
    );
}

async fn an_answer_that_does_not_arrive_is_said_to_the_liaison_officer(b: Backend) {
    let sim = WaSim::start(&[]);
    let wa = settings(&sim);
    let Some(app) = spawn_app_with(b, move |s| {
        s.whatsapp = Some(wa);
        s.liaison_email = Some("penghubung@dinsos.example.go.id".into());
    })
    .await
    else {
        return;
    };
    sim.post(
        "/sim/webhook",
        json!({"url": app.url("/webhooks/whatsapp")}),
    )
    .await;
    let o = office(&app).await;
    let from = "6281366660000";
    sim.says(
        json!({"from": from, "text": "Kartu lansia ayah saya hilang, bagaimana menggantinya?"}),
    )
    .await;
    let id = whatsapp_complaints(&app, &o.admin).await[0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    walk_through_secretary(&app, &o, &id).await;
    ok(&app, &o.reception, &id, "dispatch", json!({})).await;
    let answer = wait_sent(&app, &sim, "the answer", |m| {
        text_to(m, from) && m["text"].as_str().unwrap_or("").contains("Data penerima")
    })
    .await;
    // the number cannot receive it (131026): no retry helps
    sim.post(
        "/sim/status",
        json!({"id": answer["id"], "status": "failed", "code": 131_026}),
    )
    .await;
    let t = wait_timeline(&app, &o.admin, &id, "answer_delivery_failed").await;
    let e = t
        .iter()
        .find(|e| e["kind"] == "answer_delivery_failed")
        .unwrap();
    assert!(e.to_string().contains("131026"), "{e}");
    let outbox: Value = app
        .get(&o.admin, "/api/v1/outbox?limit=100")
        .await
        .json()
        .await
        .unwrap();
    let emails: Vec<&Value> = outbox["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["kind"] == "email" && i["complaint_id"] == id.as_str())
        .collect();
    assert_eq!(
        emails.len(),
        1,
        "one email to the liaison officer: {outbox}"
    );
    // no template retry for this refusal: the only template is the survey invitation
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let templates = sim
        .sent()
        .await
        .into_iter()
        .filter(|m| m["to"] == from && m["type"] == "template")
        .count();
    assert_eq!(templates, 1);
}

async fn a_long_answer_goes_in_parts_in_order(b: Backend) {
    use crate::workflow::dispose;
    let Some((app, sim)) = setup(b, &[]).await else {
        return;
    };
    let o = office(&app).await;
    let from = "6281377770000";
    sim.says(
        json!({"from": from, "text": "Mohon penjelasan lengkap syarat bantuan rehabilitasi rumah"}),
    )
    .await;
    let id = whatsapp_complaints(&app, &o.admin).await[0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    // an answer of about 6,000 characters in paragraphs
    let paragraph = |n: usize| {
        format!(
            "Syarat nomor {n}: {}",
            "dokumen pendukung lengkap ".repeat(20)
        )
    };
    let body: String = (1..=11).map(paragraph).collect::<Vec<_>>().join("\n\n");
    assert!(body.chars().count() > 5_000);
    ok(&app, &o.liaison, &id, "forward", json!({})).await;
    ok(&app, &o.k_head, &id, "dispositions", dispose(&o.kasubag)).await;
    ok(
        &app,
        &o.k_kasubag,
        &id,
        "answer/drafts",
        json!({"body": body}),
    )
    .await;
    ok(&app, &o.k_kasubag, &id, "answer/submit", json!({})).await;
    ok(&app, &o.k_sekretaris, &id, "answer/approve", json!({})).await;
    ok(&app, &o.k_head, &id, "answer/approve", json!({})).await;
    ok(&app, &o.reception, &id, "dispatch", json!({})).await;
    wait_sent(&app, &sim, "the answer's last part", |m| {
        text_to(m, from) && m["text"].as_str().unwrap_or("").contains("Syarat nomor 11")
    })
    .await;
    let parts: Vec<String> = sim
        .sent()
        .await
        .into_iter()
        .filter(|m| {
            text_to(m, from) && !m["text"].as_str().unwrap_or("").contains("Nomor pengaduan")
        })
        .map(|m| m["text"].as_str().unwrap_or("").to_string())
        .collect();
    assert_eq!(parts.len(), 2, "{parts:?}");
    assert!(parts.iter().all(|p| p.chars().count() <= 4096));
    assert!(
        parts[0].starts_with("*Jawaban atas pengaduan"),
        "{}",
        parts[0]
    );
    assert!(parts[0].contains("Syarat nomor 1:") && parts[1].contains("Syarat nomor 11"));
    // cut between paragraphs, nothing lost
    assert!(parts[1].starts_with("Syarat nomor"), "{}", &parts[1][..40]);
    for n in 1..=11 {
        assert_eq!(
            parts
                .iter()
                .filter(|p| p.contains(&format!("Syarat nomor {n}:")))
                .count(),
            1
        );
    }
    // the proof names both messages
    let t = wait_timeline(&app, &o.admin, &id, "answer_sent_whatsapp").await;
    let proof = t
        .iter()
        .find(|e| e["kind"] == "answer_sent_whatsapp")
        .unwrap();
    assert_eq!(
        proof["detail"]["message_ids"].as_array().map(Vec::len),
        Some(2),
        "{proof}"
    );
}

/// Issue 35: a visitor who left a number is invited to the survey after the
/// visit by the office's approved template (`{{1}}` the visit number,
/// `{{2}}` the survey's link); one who left none is not.
async fn a_finished_visit_is_invited_to_the_survey_by_the_template(b: Backend) {
    use aduan::app::visits::VisitAction;
    use aduan::domain::visit::{NewVisit, Purpose};
    let Some((app, sim)) = setup(
        b,
        &[
            "--templates",
            "aduan_pembaruan,aduan_pengingat,survei_kunjungan",
        ],
    )
    .await
    else {
        return;
    };
    let core = aduan::app::App::new(app.store.clone(), app.settings.clone());
    let actor = aduan::store::Actor::cli();
    let now = chrono::Utc::now();
    let mut numbers = Vec::new();
    for phone in [Some("0813 3900 1122"), None] {
        let v = NewVisit {
            name: "Maria Goreti".into(),
            phone: phone.map(str::to_string),
            email: None,
            origin: None,
            purpose: Purpose::Consultation,
            position_id: None,
            priority: None,
            assistance: None,
            note: None,
        };
        let visit = core
            .register_visit(&v, "tamu", None, now)
            .await
            .unwrap()
            .unwrap();
        let s = core
            .visit_act(visit.id, visit.version, VisitAction::Start, &actor, now)
            .await
            .unwrap()
            .unwrap();
        core.visit_act(s.id, s.version, VisitAction::Finish, &actor, now)
            .await
            .unwrap()
            .unwrap();
        numbers.push((visit.number(), core.visit_survey_url(visit.id)));
    }
    let m = wait_sent(&app, &sim, "the survey invitation", |m| {
        m["to"] == "6281339001122" && m["type"] == "template"
    })
    .await;
    assert_eq!(m["template"]["name"], "survei_kunjungan");
    let params = m["template"]["components"][0]["parameters"].to_string();
    assert!(params.contains(&numbers[0].0), "{params}");
    assert!(params.contains(&numbers[0].1), "{params}");
    let invited = app
        .store
        .list_outbox(None, 100)
        .await
        .unwrap()
        .into_iter()
        .filter(|m| m.dedup_key.starts_with("visit-survey"))
        .count();
    assert_eq!(invited, 1, "the visitor without a number is not invited");
}

//! The disposition chain end to end over HTTP: organisation, dispositions,
//! drafts climbing the hierarchy, dispatch through the channel, acting
//! officials, and refusals that change nothing.

use std::sync::Arc;

use aduan::domain::Role;
use aduan::notify::Dispatcher;
use chrono::{Duration, Utc};
use serde_json::{Value, json};

use crate::helpers::*;

both_backends!(
    a_letter_walks_the_whole_chain_with_a_return,
    a_lapor_report_ends_with_exactly_one_follow_up_entry,
    an_email_complaint_gets_one_answer_email_in_indonesian,
    an_acting_head_may_act_only_within_the_appointment,
    refused_actions_change_nothing,
    copies_withdrawal_and_the_inbox,
    the_organisation_keeps_its_rules,
    redirect_merge_reject_and_reopen,
);

/// A Dinas Sosial: Kepala Dinas; Sekretaris → Kasubag Umum; Kabid Linjamsos →
/// Kasi Bansos; Kabid Rehsos. One officer per position, each with a key.
pub struct Office {
    pub admin: String,
    pub reception: String,
    pub liaison: String,
    /// position ids
    pub head: String,
    pub sekretaris: String,
    pub kasubag: String,
    pub kabid: String,
    pub kasi: String,
    pub kabid2: String,
    /// officer keys
    pub k_head: String,
    pub k_sekretaris: String,
    pub k_kasubag: String,
    pub k_kabid: String,
    pub k_kasi: String,
    pub k_kabid2: String,
    /// officer ids
    pub o_head: String,
    pub o_kabid: String,
    pub o_kasi: String,
}

pub async fn post(app: &TestApp, key: &str, path: &str, body: Value) -> reqwest::Response {
    app.client
        .post(app.url(path))
        .bearer_auth(key)
        .json(&body)
        .send()
        .await
        .expect("request")
}

async fn created(app: &TestApp, key: &str, path: &str, body: Value) -> Value {
    let r = post(app, key, path, body.clone()).await;
    assert_eq!(r.status(), 201, "{path} {body}");
    r.json().await.unwrap()
}

pub async fn position(app: &TestApp, admin: &str, title: &str, sup: Option<&str>) -> String {
    let body = match sup {
        None => json!({"title": title, "is_head": true}),
        Some(s) => json!({"title": title, "superior_id": s}),
    };
    created(app, admin, "/api/v1/org/positions", body).await["id"]
        .as_str()
        .unwrap()
        .to_string()
}

/// An officer at `pos` and a key bound to them: `(officer id, key)`.
pub async fn officer(
    app: &TestApp,
    admin: &str,
    name: &str,
    pos: &str,
    role: &str,
) -> (String, String) {
    let o = created(
        app,
        admin,
        "/api/v1/org/officers",
        json!({"name": name, "position_id": pos, "email": format!("{}@dinsos.example.go.id", name.to_lowercase().replace(' ', "."))}),
    )
    .await;
    let id = o["id"].as_str().unwrap().to_string();
    let k = created(
        app,
        admin,
        &format!("/api/v1/org/officers/{id}/api-keys"),
        json!({"name": format!("kunci {name}"), "role": role}),
    )
    .await;
    (id, k["token"].as_str().unwrap().to_string())
}

pub async fn office(app: &TestApp) -> Office {
    let admin = app.key(Role::Admin).await;
    let unit = created(
        app,
        &admin,
        "/api/v1/org/units",
        json!({"name": "Bidang Linjamsos"}),
    )
    .await;
    assert!(unit["id"].is_string());
    let head = position(app, &admin, "Kepala Dinas", None).await;
    let sekretaris = position(app, &admin, "Sekretaris", Some(&head)).await;
    let kasubag = position(app, &admin, "Kasubag Umum", Some(&sekretaris)).await;
    let kabid = position(app, &admin, "Kabid Linjamsos", Some(&head)).await;
    let kasi = position(app, &admin, "Kasi Bansos", Some(&kabid)).await;
    let kabid2 = position(app, &admin, "Kabid Rehsos", Some(&head)).await;
    let (o_head, k_head) = officer(app, &admin, "Yosef Kadis", &head, "head").await;
    let (_, k_sekretaris) = officer(app, &admin, "Maria Sekretaris", &sekretaris, "official").await;
    let (_, k_kasubag) = officer(app, &admin, "Paulus Kasubag", &kasubag, "official").await;
    let (o_kabid, k_kabid) = officer(app, &admin, "Agnes Kabid", &kabid, "official").await;
    let (o_kasi, k_kasi) = officer(app, &admin, "Benny Kasi", &kasi, "official").await;
    let (_, k_kabid2) = officer(app, &admin, "Lukas Kabid", &kabid2, "official").await;
    Office {
        reception: app.key(Role::Reception).await,
        liaison: app.key(Role::Liaison).await,
        admin,
        head,
        sekretaris,
        kasubag,
        kabid,
        kasi,
        kabid2,
        k_head,
        k_sekretaris,
        k_kasubag,
        k_kabid,
        k_kasi,
        k_kabid2,
        o_head,
        o_kabid,
        o_kasi,
    }
}

/// The id of the officer who holds `position`.
pub async fn officer_at(app: &TestApp, admin: &str, position: &str) -> String {
    let officers: Value = app
        .get(admin, "/api/v1/org/officers")
        .await
        .json()
        .await
        .unwrap();
    officers["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["position_id"] == position)
        .and_then(|x| x["id"].as_str())
        .unwrap_or_else(|| panic!("nobody holds {position}: {officers}"))
        .to_string()
}

pub async fn complaint(app: &TestApp, key: &str, id: &str) -> Value {
    let r = app.get(key, &format!("/api/v1/complaints/{id}")).await;
    assert_eq!(r.status(), 200);
    r.json().await.unwrap()
}

/// Posts an action with the complaint's current version as `If-Match`.
async fn act_raw_body(
    app: &TestApp,
    key: &str,
    id: &str,
    version: i64,
    action: &str,
    body: Value,
) -> reqwest::Response {
    app.client
        .post(app.url(&format!("/api/v1/complaints/{id}/{action}")))
        .bearer_auth(key)
        .header("If-Match", format!("\"{version}\""))
        .json(&body)
        .send()
        .await
        .expect("request")
}

pub async fn act(
    app: &TestApp,
    key: &str,
    id: &str,
    action: &str,
    body: Value,
) -> reqwest::Response {
    let v = complaint(app, key, id).await["version"].as_i64().unwrap();
    app.client
        .post(app.url(&format!("/api/v1/complaints/{id}/{action}")))
        .bearer_auth(key)
        .header("If-Match", format!("\"{v}\""))
        .json(&body)
        .send()
        .await
        .expect("request")
}

/// An action that must succeed; returns the complaint after it.
pub async fn ok(app: &TestApp, key: &str, id: &str, action: &str, body: Value) -> Value {
    let r = act(app, key, id, action, body.clone()).await;
    let status = r.status();
    let v: Value = r.json().await.unwrap();
    assert_eq!(status, 200, "{action} {body}: {v}");
    v
}

pub async fn register(app: &TestApp, key: &str, channel: &str) -> String {
    let mut body = valid_complaint(channel);
    if channel == "lapor" {
        body["external_ref"] = json!({"lapor_tracking_id": "8123456"});
    }
    let r = app.post_complaint(key, &body).await;
    assert_eq!(r.status(), 201);
    let v: Value = r.json().await.unwrap();
    v["id"].as_str().unwrap().to_string()
}

pub fn dispose(to: &str) -> Value {
    json!({"to": to, "instruction": "siapkan jawaban", "note": "Mohon segera ditindaklanjuti"})
}

pub async fn timeline(app: &TestApp, key: &str, id: &str) -> Vec<Value> {
    let t: Value = app
        .get(key, &format!("/api/v1/complaints/{id}/timeline"))
        .await
        .json()
        .await
        .unwrap();
    t["items"].as_array().unwrap().clone()
}

async fn inbox_ids(app: &TestApp, key: &str) -> Vec<String> {
    let r = app.get(key, "/api/v1/inbox").await;
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["complaint"]["id"].as_str().unwrap().to_string())
        .collect()
}

async fn outbox_for(app: &TestApp, admin: &str, id: &str) -> Vec<Value> {
    let v: Value = app.get(admin, "/api/v1/outbox").await.json().await.unwrap();
    v["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["complaint_id"] == id)
        .cloned()
        .collect()
}

async fn a_letter_walks_the_whole_chain_with_a_return(b: Backend) {
    let Some(app) = spawn_app(b).await else {
        return;
    };
    let o = office(&app).await;
    let id = register(&app, &o.reception, "letter").await;
    assert_eq!(inbox_ids(&app, &o.reception).await, vec![id.clone()]);

    let c = ok(&app, &o.reception, &id, "forward", json!({})).await;
    assert_eq!(
        (c["status"].as_str(), c["holder_position_id"].as_str()),
        (Some("with_head"), Some(o.head.as_str()))
    );
    assert_eq!(inbox_ids(&app, &o.k_head).await, vec![id.clone()]);
    assert!(inbox_ids(&app, &o.k_kabid).await.is_empty());

    ok(&app, &o.k_head, &id, "dispositions", dispose(&o.kabid)).await;
    assert!(inbox_ids(&app, &o.k_head).await.is_empty());
    assert_eq!(inbox_ids(&app, &o.k_kabid).await, vec![id.clone()]);
    let c = ok(
        &app,
        &o.k_kabid,
        &id,
        "dispositions",
        json!({"to": o.kasi, "instruction": "Siapkan jawaban"}),
    )
    .await;
    assert_eq!(c["status"], "disposed");

    // the Kasi reads the disposition (read receipt), drafts and submits
    let tree: Value = app
        .get(&o.k_kasi, &format!("/api/v1/complaints/{id}/dispositions"))
        .await
        .json()
        .await
        .unwrap();
    let to_kasi = tree["items"][0]["children"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let c = ok(
        &app,
        &o.k_kasi,
        &id,
        &format!("dispositions/{to_kasi}/read"),
        json!({}),
    )
    .await;
    assert_eq!(c["status"], "in_progress");
    ok(
        &app,
        &o.k_kasi,
        &id,
        "answer/drafts",
        json!({"body": "Bantuan PKH Bapak akan cair pada tahap III."}),
    )
    .await;
    let c = ok(&app, &o.k_kasi, &id, "answer/submit", json!({})).await;
    assert_eq!(
        (c["status"].as_str(), c["holder_position_id"].as_str()),
        (Some("in_review"), Some(o.kabid.as_str()))
    );
    // the head cannot skip the Kabid
    let r = act(&app, &o.k_head, &id, "answer/approve", json!({})).await;
    assert_problem(r, 403).await;

    let c = ok(
        &app,
        &o.k_kabid,
        &id,
        "answer/return",
        json!({"note": "Cantumkan dasar hukum dan jadwal pencairan."}),
    )
    .await;
    assert_eq!(
        (c["status"].as_str(), c["holder_position_id"].as_str()),
        (Some("in_progress"), Some(o.kasi.as_str()))
    );
    ok(&app, &o.k_kasi, &id, "answer/drafts", json!({"body": "Sesuai Permensos 1/2018, bantuan PKH Bapak akan cair pada tahap III (Oktober)."})).await;
    ok(
        &app,
        &o.k_kasi,
        &id,
        "answer/submit",
        json!({"note": "Sudah diperbaiki"}),
    )
    .await;
    let c = ok(&app, &o.k_kabid, &id, "answer/approve", json!({})).await;
    assert_eq!(c["holder_position_id"].as_str(), Some(o.head.as_str()));
    let answer: Value = app
        .get(&o.liaison, &format!("/api/v1/complaints/{id}/answer"))
        .await
        .json()
        .await
        .unwrap();
    let states: Vec<(&str, &str)> = answer["approval_path"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["position"].as_str().unwrap(),
                s["state"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        states,
        vec![("Kabid Linjamsos", "approved"), ("Kepala Dinas", "waiting")]
    );
    let c = ok(
        &app,
        &o.k_head,
        &id,
        "answer/approve",
        json!({"note": "Setuju"}),
    )
    .await;
    assert_eq!(c["status"], "approved");
    assert!(c["holder_position_id"].is_null());
    assert_eq!(inbox_ids(&app, &o.reception).await, vec![id.clone()]);

    // a letter needs its number and date; then it is answered and closed
    let r = act(&app, &o.reception, &id, "dispatch", json!({})).await;
    assert_eq!(
        problem_fields(&assert_problem(r, 422).await),
        vec!["letter_number"]
    );
    let c = ok(
        &app,
        &o.reception,
        &id,
        "dispatch",
        json!({"letter_number": "460/1234/DINSOS/2026", "letter_date": "2026-03-10"}),
    )
    .await;
    assert_eq!(c["status"], "answered");
    let c = ok(&app, &o.reception, &id, "close", json!({})).await;
    assert_eq!(c["status"], "closed");
    assert!(
        outbox_for(&app, &o.admin, &id).await.is_empty(),
        "a letter sends nothing by itself"
    );

    // the timeline: every step, with officer, position and time
    let t = timeline(&app, &o.liaison, &id).await;
    let steps: Vec<(String, String, String)> = t
        .iter()
        .map(|e| {
            (
                e["kind"].as_str().unwrap().to_string(),
                e["actor"]["officer_name"]
                    .as_str()
                    .unwrap_or("-")
                    .to_string(),
                e["actor"]["position"].as_str().unwrap_or("-").to_string(),
            )
        })
        .collect();
    let expected = [
        ("registered", "-", "-"),
        ("forwarded_to_head", "-", "-"),
        ("disposed", "Yosef Kadis", "Kepala Dinas"),
        ("disposed", "Agnes Kabid", "Kabid Linjamsos"),
        ("disposition_read", "Benny Kasi", "Kasi Bansos"),
        ("draft_saved", "Benny Kasi", "Kasi Bansos"),
        ("draft_submitted", "Benny Kasi", "Kasi Bansos"),
        ("draft_returned", "Agnes Kabid", "Kabid Linjamsos"),
        ("draft_saved", "Benny Kasi", "Kasi Bansos"),
        ("draft_submitted", "Benny Kasi", "Kasi Bansos"),
        ("draft_approved", "Agnes Kabid", "Kabid Linjamsos"),
        ("answer_approved", "Yosef Kadis", "Kepala Dinas"),
        ("answered", "-", "-"),
        ("closed", "-", "-"),
    ];
    let expected: Vec<(String, String, String)> = expected
        .iter()
        .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
        .collect();
    assert_eq!(steps, expected);
    assert!(t.iter().all(|e| e["at"].is_string()));
    assert!(
        t.windows(2)
            .all(|w| w[0]["at"].as_str() <= w[1]["at"].as_str())
    );
    assert_eq!(
        t[7]["detail"]["note"],
        "Cantumkan dasar hukum dan jadwal pencairan."
    );
    assert_eq!(t[12]["detail"]["letter_number"], "460/1234/DINSOS/2026");

    // the tree: head → Kabid → Kasi, with read receipts
    let tree: Value = app
        .get(&o.liaison, &format!("/api/v1/complaints/{id}/dispositions"))
        .await
        .json()
        .await
        .unwrap();
    let top = &tree["items"].as_array().unwrap();
    assert_eq!(top.len(), 1);
    assert_eq!(top[0]["from_position"], "Kepala Dinas");
    assert_eq!(top[0]["recipients"][0]["position"], "Kabid Linjamsos");
    assert!(
        top[0]["recipients"][0]["read_at"].is_string(),
        "passing it on is a receipt"
    );
    let child = &top[0]["children"][0];
    assert_eq!(child["from_position"], "Kabid Linjamsos");
    assert_eq!(child["recipients"][0]["position"], "Kasi Bansos");
    assert_eq!(child["instruction"], "siapkan jawaban");

    // the answer: two versions, and the approval path level by level
    let answer: Value = app
        .get(&o.liaison, &format!("/api/v1/complaints/{id}/answer"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(answer["drafts"].as_array().unwrap().len(), 2);
    assert_eq!(answer["drafts"][1]["version"], 2);
    let reviews: Vec<(&str, &str)> = answer["reviews"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["decision"].as_str().unwrap(),
                r["position"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        reviews,
        vec![
            ("submitted", "Kasi Bansos"),
            ("returned", "Kabid Linjamsos"),
            ("submitted", "Kasi Bansos"),
            ("approved", "Kabid Linjamsos"),
            ("approved", "Kepala Dinas"),
        ]
    );
    assert_eq!(answer["dispatches"][0]["method"], "letter");
    assert_eq!(
        answer["dispatches"][0]["letter_number"],
        "460/1234/DINSOS/2026"
    );

    // the complainant sees the steps in Indonesian, without names
    let public_kinds: Vec<String> = t
        .iter()
        .map(|e| e["kind"].as_str().unwrap().to_string())
        .collect();
    assert!(public_kinds.contains(&"closed".to_string()));
}

/// Head → Kasubag Umum (under the Sekretaris): the draft climbs Sekretaris → head.
pub async fn walk_through_secretary(app: &TestApp, o: &Office, id: &str) {
    ok(app, &o.liaison, id, "forward", json!({})).await;
    ok(app, &o.k_head, id, "dispositions", dispose(&o.kasubag)).await;
    ok(
        app,
        &o.k_kasubag,
        id,
        "answer/drafts",
        json!({"body": "Terima kasih atas laporan Anda. Data penerima telah kami perbarui."}),
    )
    .await;
    let c = ok(app, &o.k_kasubag, id, "answer/submit", json!({})).await;
    assert_eq!(
        c["holder_position_id"].as_str(),
        Some(o.sekretaris.as_str())
    );
    let c = ok(app, &o.k_sekretaris, id, "answer/approve", json!({})).await;
    assert_eq!(c["holder_position_id"].as_str(), Some(o.head.as_str()));
    ok(app, &o.k_head, id, "answer/approve", json!({})).await;
}

async fn a_lapor_report_ends_with_exactly_one_follow_up_entry(b: Backend) {
    let Some(app) = spawn_app(b).await else {
        return;
    };
    let o = office(&app).await;
    let id = register(&app, &o.liaison, "lapor").await;
    walk_through_secretary(&app, &o, &id).await;
    // a letter is not how a LAPOR! report is answered
    let r = act(
        &app,
        &o.liaison,
        &id,
        "dispatch",
        json!({"method": "letter", "letter_number": "1", "letter_date": "2026-03-10"}),
    )
    .await;
    assert_eq!(
        problem_fields(&assert_problem(r, 422).await),
        vec!["method"]
    );
    let c = ok(&app, &o.liaison, &id, "dispatch", json!({})).await;
    assert_eq!(c["status"], "answered");
    // dispatching again is refused: still one entry
    let r = act(&app, &o.liaison, &id, "dispatch", json!({})).await;
    let p = assert_problem(r, 409).await;
    assert!(p["detail"].as_str().unwrap().contains("answered"), "{p}");
    let entries = outbox_for(&app, &o.admin, &id).await;
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert_eq!(entries[0]["kind"], "lapor_followup");
    assert_eq!(entries[0]["status"], "pending");
    let answer: Value = app
        .get(&o.liaison, &format!("/api/v1/complaints/{id}/answer"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(answer["dispatches"][0]["method"], "lapor");
    assert_eq!(answer["dispatches"][0]["outbox_id"], entries[0]["id"]);
    // the email dispatcher leaves LAPOR! entries to the LAPOR! integration
    let t = timeline(&app, &o.liaison, &id).await;
    assert_eq!(t.last().unwrap()["kind"], "answered");
}

async fn an_email_complaint_gets_one_answer_email_in_indonesian(b: Backend) {
    let Some((app, sink)) = crate::outbox::app_with_sink(b, 8).await else {
        return;
    };
    let o = office(&app).await;
    let id = register(&app, &o.reception, "email").await;
    walk_through_secretary(&app, &o, &id).await;
    ok(&app, &o.reception, &id, "dispatch", json!({})).await;
    let entries: Vec<Value> = outbox_for(&app, &o.admin, &id).await;
    let kinds: Vec<&str> = entries
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds.iter().filter(|k| **k == "answer_email").count(),
        1,
        "{kinds:?}"
    );

    let dispatcher = Dispatcher::new(app.store.clone(), Arc::clone(&app.settings)).unwrap();
    dispatcher
        .run_once(Utc::now() + Duration::seconds(1))
        .await
        .unwrap();
    dispatcher
        .run_once(Utc::now() + Duration::seconds(2))
        .await
        .unwrap();
    let c = complaint(&app, &o.reception, &id).await;
    let tn = c["tracking_number"].as_str().unwrap();
    let answers: Vec<_> = sink
        .messages()
        .into_iter()
        .filter(|m| m.unfolded().contains("Jawaban atas pengaduan Anda"))
        .collect();
    assert_eq!(answers.len(), 1);
    assert_eq!(answers[0].rcpt, vec!["<dewi@example.id>".to_string()]);
    // undo quoted-printable soft line breaks
    let text = answers[0]
        .unfolded()
        .replace("=\r\n", "")
        .replace("=\n", "")
        .replace("=3D", "=");
    assert!(text.contains(tn), "the tracking number is in the answer");
    assert!(
        text.contains("Data penerima telah kami perbarui"),
        "the approved text is sent"
    );
    // the survey's link opens her complaint: the code is in the fragment
    let from = text
        .find(&format!("/lacak/{tn}#kode="))
        .expect("the link carries the access code");
    let code: String = text[from..]
        .split_once("#kode=")
        .map(|(_, rest)| {
            rest.chars()
                .take_while(|ch| ch.is_ascii_alphanumeric() || *ch == '-')
                .collect()
        })
        .unwrap();
    assert_eq!(code.len(), 19, "{code}");
    let status = app
        .client
        .get(app.url(&format!("/api/v1/public/complaints/{tn}?code={code}")))
        .send()
        .await
        .unwrap();
    assert_eq!(status.status(), 200, "the code opens her complaint");
}

pub async fn acting(
    app: &TestApp,
    o: &Office,
    officer: &str,
    from: i64,
    to: i64,
) -> reqwest::Response {
    let today = Utc::now()
        .with_timezone(&app.settings.office_timezone)
        .date_naive();
    post(
        app,
        &o.admin,
        "/api/v1/org/acting",
        json!({
            "officer_id": officer, "position_id": o.head, "kind": "plh",
            "starts_on": (today + Duration::days(from)).to_string(),
            "ends_on": (today + Duration::days(to)).to_string(),
            "note": "Sprint Kadis 800/12/2026",
        }),
    )
    .await
}

async fn an_acting_head_may_act_only_within_the_appointment(b: Backend) {
    let Some(app) = spawn_app(b).await else {
        return;
    };
    let o = office(&app).await;
    // the Kabid is Plh Kepala Dinas from yesterday to tomorrow; the Kasi's appointment starts tomorrow
    assert_eq!(acting(&app, &o, &o.o_kabid, -1, 1).await.status(), 201);
    assert_eq!(acting(&app, &o, &o.o_kasi, 1, 3).await.status(), 201);
    let id = register(&app, &o.reception, "letter").await;
    ok(&app, &o.reception, &id, "forward", json!({})).await;
    assert_eq!(
        inbox_ids(&app, &o.k_kabid).await,
        vec![id.clone()],
        "the Plh sees the head's inbox"
    );
    let r = act(&app, &o.k_kasi, &id, "dispositions", dispose(&o.kabid2)).await;
    assert_problem(r, 403).await;
    let c = ok(&app, &o.k_kabid, &id, "dispositions", dispose(&o.kabid2)).await;
    assert_eq!(c["holder_position_id"].as_str(), Some(o.kabid2.as_str()));
    let t = timeline(&app, &o.liaison, &id).await;
    let last = t.last().unwrap();
    assert_eq!(last["actor"]["officer_name"], "Agnes Kabid");
    assert_eq!(last["actor"]["position"], "Kepala Dinas");
    assert_eq!(last["actor"]["acting"], "plh");
    let tree: Value = app
        .get(&o.liaison, &format!("/api/v1/complaints/{id}/dispositions"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(tree["items"][0]["acting"], "plh");

    // the Plh approves at the head's level
    ok(
        &app,
        &o.k_kabid2,
        &id,
        "answer/drafts",
        json!({"body": "Jawaban."}),
    )
    .await;
    ok(&app, &o.k_kabid2, &id, "answer/submit", json!({})).await;
    let r = act(&app, &o.k_kasi, &id, "answer/approve", json!({})).await;
    assert_problem(r, 403).await;
    let c = ok(&app, &o.k_kabid, &id, "answer/approve", json!({})).await;
    assert_eq!(c["status"], "approved");

    // once the appointment is revoked the Kabid is only the Kabid again
    let list: Value = app
        .get(&o.admin, "/api/v1/org/acting")
        .await
        .json()
        .await
        .unwrap();
    let mine = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["officer_id"] == o.o_kabid.as_str())
        .unwrap();
    let r = app
        .client
        .delete(app.url(&format!(
            "/api/v1/org/acting/{}",
            mine["id"].as_str().unwrap()
        )))
        .bearer_auth(&o.admin)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let id2 = register(&app, &o.reception, "letter").await;
    ok(&app, &o.reception, &id2, "forward", json!({})).await;
    let r = act(&app, &o.k_kabid, &id2, "dispositions", dispose(&o.kabid2)).await;
    assert_problem(r, 403).await;
    // an appointment in the past gives nothing either
    assert_eq!(acting(&app, &o, &o.o_kabid, -5, -1).await.status(), 201);
    let r = act(&app, &o.k_kabid, &id2, "dispositions", dispose(&o.kabid2)).await;
    assert_problem(r, 403).await;
}

async fn refused_actions_change_nothing(b: Backend) {
    let Some(app) = spawn_app(b).await else {
        return;
    };
    let o = office(&app).await;
    let id = register(&app, &o.reception, "letter").await;
    ok(&app, &o.reception, &id, "forward", json!({})).await;
    let before = complaint(&app, &o.liaison, &id).await;
    let events_before = timeline(&app, &o.liaison, &id).await.len();
    let v = before["version"].as_i64().unwrap();
    let unchanged = |label: &'static str| {
        let app = &app;
        let o = &o;
        let id = id.clone();
        let before = before.clone();
        async move {
            let now = complaint(app, &o.liaison, &id).await;
            assert_eq!(now["version"], before["version"], "{label}");
            assert_eq!(now["status"], before["status"], "{label}");
            assert_eq!(
                now["holder_position_id"], before["holder_position_id"],
                "{label}"
            );
            assert_eq!(
                timeline(app, &o.liaison, &id).await.len(),
                events_before,
                "{label}"
            );
            let tree: Value = app
                .get(&o.liaison, &format!("/api/v1/complaints/{id}/dispositions"))
                .await
                .json()
                .await
                .unwrap();
            assert!(tree["items"].as_array().unwrap().is_empty(), "{label}");
        }
    };

    // wrong actor: the Kabid cannot dispose what is with the head; reception cannot either
    for key in [&o.k_kabid, &o.reception] {
        let r = act(&app, key, &id, "dispositions", dispose(&o.kasi)).await;
        assert_problem(r, 403).await;
    }
    unchanged("wrong actor").await;

    // wrong state: nothing to approve while it is with the head
    let r = act(&app, &o.k_head, &id, "answer/approve", json!({})).await;
    let p = assert_problem(r, 409).await;
    assert!(p["detail"].as_str().unwrap().contains("`with_head`"), "{p}");
    unchanged("wrong state").await;

    // stale version: 412 with the current version; no version: 428
    let r = app
        .client
        .post(app.url(&format!("/api/v1/complaints/{id}/dispositions")))
        .bearer_auth(&o.k_head)
        .header("If-Match", format!("\"{}\"", v - 1))
        .json(&dispose(&o.kabid))
        .send()
        .await
        .unwrap();
    let p = assert_problem(r, 412).await;
    assert!(p["detail"].as_str().unwrap().contains(&v.to_string()));
    let mut stale = dispose(&o.kabid);
    stale["version"] = json!(v - 1);
    let r = post(
        &app,
        &o.k_head,
        &format!("/api/v1/complaints/{id}/dispositions"),
        stale,
    )
    .await;
    assert_problem(r, 412).await;
    let r = post(
        &app,
        &o.k_head,
        &format!("/api/v1/complaints/{id}/dispositions"),
        dispose(&o.kabid),
    )
    .await;
    assert_problem(r, 428).await;
    unchanged("stale").await;

    // invalid: upwards, unknown instruction, unknown position
    let r = act(
        &app,
        &o.k_head,
        &id,
        "dispositions",
        json!({"to": o.kabid, "instruction": "buang saja"}),
    )
    .await;
    assert_eq!(
        problem_fields(&assert_problem(r, 422).await),
        vec!["instruction"]
    );
    let r = act(
        &app,
        &o.k_head,
        &id,
        "dispositions",
        json!({"to": uuid::Uuid::now_v7(), "instruction": "tindak lanjuti"}),
    )
    .await;
    assert_eq!(problem_fields(&assert_problem(r, 422).await), vec!["to"]);
    let r = act(
        &app,
        &o.k_head,
        &id,
        "dispositions",
        json!({"to": o.kabid, "instruction": "tindak lanjuti", "due_at": "2099-01-01T00:00:00Z"}),
    )
    .await;
    assert_eq!(
        problem_fields(&assert_problem(r, 422).await),
        vec!["due_at"]
    );
    unchanged("invalid").await;

    // integrations do not act on the workflow; unknown complaints are 404
    let integration = app.key(Role::Integration).await;
    let r = act_raw(&app, &integration, &id, v).await;
    assert_problem(r, 403).await;
    let r = act_raw(&app, &o.k_head, &uuid::Uuid::now_v7().to_string(), v).await;
    assert_problem(r, 404).await;
    unchanged("others").await;

    // the timeline has no way to be edited
    let r = app
        .client
        .delete(app.url(&format!("/api/v1/complaints/{id}/timeline")))
        .bearer_auth(&o.admin)
        .send()
        .await
        .unwrap();
    assert_problem(r, 405).await;
    let r = app
        .client
        .put(app.url(&format!("/api/v1/complaints/{id}/timeline")))
        .bearer_auth(&o.admin)
        .json(&json!([]))
        .send()
        .await
        .unwrap();
    assert_problem(r, 405).await;
}

async fn act_raw(app: &TestApp, key: &str, id: &str, v: i64) -> reqwest::Response {
    app.client
        .post(app.url(&format!("/api/v1/complaints/{id}/forward")))
        .bearer_auth(key)
        .header("If-Match", format!("\"{v}\""))
        .json(&json!({}))
        .send()
        .await
        .unwrap()
}

async fn copies_withdrawal_and_the_inbox(b: Backend) {
    let Some(app) = spawn_app(b).await else {
        return;
    };
    let o = office(&app).await;
    let id = register(&app, &o.reception, "letter").await;
    ok(&app, &o.reception, &id, "forward", json!({})).await;

    // withdraw while unread: back with the head
    ok(&app, &o.k_head, &id, "dispositions", dispose(&o.kabid2)).await;
    let tree: Value = app
        .get(&o.k_head, &format!("/api/v1/complaints/{id}/dispositions"))
        .await
        .json()
        .await
        .unwrap();
    let d1 = tree["items"][0]["id"].as_str().unwrap().to_string();
    let r = act(
        &app,
        &o.k_kabid2,
        &id,
        &format!("dispositions/{d1}/withdraw"),
        json!({}),
    )
    .await;
    assert_problem(r, 403).await;
    let c = ok(
        &app,
        &o.k_head,
        &id,
        &format!("dispositions/{d1}/withdraw"),
        json!({}),
    )
    .await;
    assert_eq!(
        (c["status"].as_str(), c["holder_position_id"].as_str()),
        (Some("with_head"), Some(o.head.as_str()))
    );
    assert!(inbox_ids(&app, &o.k_kabid2).await.is_empty());

    // a disposition with a copy to the Sekretaris
    let mut body = dispose(&o.kabid);
    body["copies"] = json!([o.sekretaris]);
    body["instruction"] = json!("koordinasikan");
    ok(&app, &o.k_head, &id, "dispositions", body).await;
    let inbox: Value = app
        .get(&o.k_sekretaris, "/api/v1/inbox")
        .await
        .json()
        .await
        .unwrap();
    assert!(inbox["items"].as_array().unwrap().is_empty());
    assert_eq!(inbox["copies"].as_array().unwrap().len(), 1);
    let d2 = inbox["copies"][0]["disposition_id"]
        .as_str()
        .unwrap()
        .to_string();
    let c = ok(
        &app,
        &o.k_sekretaris,
        &id,
        &format!("dispositions/{d2}/read"),
        json!({}),
    )
    .await;
    assert_eq!(
        c["status"], "disposed",
        "a copy's receipt does not start the work"
    );
    let inbox: Value = app
        .get(&o.k_sekretaris, "/api/v1/inbox")
        .await
        .json()
        .await
        .unwrap();
    assert!(inbox["copies"].as_array().unwrap().is_empty());
    // read by a recipient: no longer withdrawable
    let r = act(
        &app,
        &o.k_head,
        &id,
        &format!("dispositions/{d2}/withdraw"),
        json!({}),
    )
    .await;
    assert_problem(r, 409).await;
    let r = act(
        &app,
        &o.k_sekretaris,
        &id,
        &format!("dispositions/{d2}/read"),
        json!({}),
    )
    .await;
    assert_problem(r, 409).await;

    // the tree keeps the withdrawn one, marked
    let tree: Value = app
        .get(&o.k_head, &format!("/api/v1/complaints/{id}/dispositions"))
        .await
        .json()
        .await
        .unwrap();
    let items = tree["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert!(items[0]["withdrawn_at"].is_string());
    assert_eq!(items[1]["recipients"].as_array().unwrap().len(), 2);
    assert_eq!(tree["holder_position"], "Kabid Linjamsos");

    // the inbox is ordered by deadline and paged
    let mut ids = vec![id.clone()];
    for _ in 0..4 {
        let x = register(&app, &o.reception, "letter").await;
        ok(&app, &o.reception, &x, "forward", json!({})).await;
        ok(&app, &o.k_head, &x, "dispositions", dispose(&o.kabid)).await;
        ids.push(x);
    }
    let all = app.list_all_at(&o.k_kabid, "/api/v1/inbox?x=1", 2).await;
    let got: Vec<&str> = all
        .iter()
        .map(|i| i["complaint"]["id"].as_str().unwrap())
        .collect();
    assert_eq!(got.len(), 5);
    let dues: Vec<&str> = all
        .iter()
        .map(|i| i["complaint"]["due_at"].as_str().unwrap())
        .collect();
    assert!(dues.windows(2).all(|w| w[0] <= w[1]));
    assert!(
        all.iter()
            .all(|i| i["waiting_for"] == "handle" && i["position"] == "Kabid Linjamsos")
    );
    for x in &ids {
        assert!(got.contains(&x.as_str()));
    }
}

async fn the_organisation_keeps_its_rules(b: Backend) {
    let Some(app) = spawn_app(b).await else {
        return;
    };
    let o = office(&app).await;
    let r = post(
        &app,
        &o.admin,
        "/api/v1/org/positions",
        json!({"title": "Kepala Dinas 2", "is_head": true}),
    )
    .await;
    assert_problem(r, 409).await;
    let r = post(
        &app,
        &o.admin,
        "/api/v1/org/positions",
        json!({"title": "Kepala Dinas", "superior_id": o.head}),
    )
    .await;
    assert_problem(r, 409).await;
    let r = post(
        &app,
        &o.admin,
        "/api/v1/org/positions",
        json!({"title": "Staf"}),
    )
    .await;
    assert_eq!(
        problem_fields(&assert_problem(r, 422).await),
        vec!["superior_id"]
    );
    let r = post(
        &app,
        &o.admin,
        "/api/v1/org/positions",
        json!({"title": "", "superior_id": uuid::Uuid::now_v7()}),
    )
    .await;
    assert_eq!(
        problem_fields(&assert_problem(r, 422).await),
        vec!["superior_id", "title"]
    );
    let r = post(
        &app,
        &o.k_head,
        "/api/v1/org/positions",
        json!({"title": "Staf", "superior_id": o.kasi}),
    )
    .await;
    assert_problem(r, 403).await;
    let r = post(
        &app,
        &o.admin,
        "/api/v1/org/officers",
        json!({"name": "A", "nip": "198001012005011001"}),
    )
    .await;
    assert_eq!(r.status(), 201);
    let r = post(
        &app,
        &o.admin,
        "/api/v1/org/officers",
        json!({"name": "B", "nip": "198001012005011001"}),
    )
    .await;
    assert_problem(r, 409).await;
    let r = post(
        &app,
        &o.admin,
        "/api/v1/org/officers",
        json!({"name": "C", "email": "bukan-email", "position_id": uuid::Uuid::now_v7()}),
    )
    .await;
    assert_eq!(
        problem_fields(&assert_problem(r, 422).await),
        vec!["email", "position_id"]
    );
    let r = post(&app, &o.admin, "/api/v1/org/acting", json!({"officer_id": o.o_kasi, "position_id": o.head, "kind": "plx", "starts_on": "2026-03-10", "ends_on": "2026-03-01"})).await;
    assert_eq!(
        problem_fields(&assert_problem(r, 422).await),
        vec!["ends_on", "kind"]
    );
    let r = post(
        &app,
        &o.admin,
        &format!("/api/v1/org/officers/{}/api-keys", o.o_kasi),
        json!({"name": "x", "role": "admin"}),
    )
    .await;
    assert_eq!(problem_fields(&assert_problem(r, 422).await), vec!["role"]);
    let integration = app.key(Role::Integration).await;
    assert_problem(app.get(&integration, "/api/v1/org/positions").await, 403).await;
    let positions: Value = app
        .get(&o.k_kasi, "/api/v1/org/positions")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(positions["items"].as_array().unwrap().len(), 6);
    let instructions: Value = app
        .get(&o.k_kasi, "/api/v1/org/instructions")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(instructions["items"][1], "siapkan jawaban");

    // a front-office officer's key: registration names the officer and position
    let (_, k_front) = officer(&app, &o.admin, "Rina Loket", &o.kasubag, "reception").await;
    let id = register(&app, &k_front, "letter").await;
    let t = timeline(&app, &o.liaison, &id).await;
    assert_eq!(t[0]["actor"]["officer_name"], "Rina Loket");
    assert_eq!(t[0]["actor"]["position"], "Kasubag Umum");

    // an officer who leaves: their key no longer holds the position
    let id = register(&app, &o.reception, "letter").await;
    ok(&app, &o.reception, &id, "forward", json!({})).await;
    ok(&app, &o.k_head, &id, "dispositions", dispose(&o.kabid)).await;
    let r = app
        .client
        .patch(app.url(&format!("/api/v1/org/officers/{}", o.o_kabid)))
        .bearer_auth(&o.admin)
        .json(&json!({"active": false}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    // their key was revoked with the change: it reads and acts for nobody
    let v = complaint(&app, &o.k_head, &id).await["version"]
        .as_i64()
        .unwrap();
    let r = act_raw_body(
        &app,
        &o.k_kabid,
        &id,
        v,
        "dispositions",
        json!({"to": o.kasi, "instruction": "tindak lanjuti"}),
    )
    .await;
    assert_problem(r, 401).await;
    assert_eq!(
        complaint(&app, &o.k_head, &id).await["version"].as_i64(),
        Some(v)
    );
    // moving another officer onto the position gives them the complaint
    let r = app
        .client
        .patch(app.url(&format!("/api/v1/org/officers/{}", o.o_kasi)))
        .bearer_auth(&o.admin)
        .json(&json!({"position_id": o.kabid}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(inbox_ids(&app, &o.k_kasi).await, vec![id.clone()]);
}

async fn redirect_merge_reject_and_reopen(b: Backend) {
    let Some(app) = spawn_app(b).await else {
        return;
    };
    let o = office(&app).await;
    // redirect a LAPOR! report: LAPOR! is asked to re-route it, once
    let lapor = register(&app, &o.liaison, "lapor").await;
    ok(&app, &o.liaison, &lapor, "forward", json!({})).await;
    let r = act(
        &app,
        &o.k_kabid,
        &lapor,
        "redirect",
        json!({"agency": "Dinas Kesehatan", "reason": "Bukan kewenangan"}),
    )
    .await;
    assert_problem(r, 403).await;
    let c = ok(
        &app,
        &o.k_head,
        &lapor,
        "redirect",
        json!({"agency": "Dinas Kesehatan", "reason": "Bukan kewenangan Dinas Sosial"}),
    )
    .await;
    assert_eq!(
        (c["status"].as_str(), c["redirected_to"].as_str()),
        (Some("redirected"), Some("Dinas Kesehatan"))
    );
    let entries = outbox_for(&app, &o.admin, &lapor).await;
    assert_eq!(
        entries
            .iter()
            .filter(|e| e["kind"] == "lapor_reroute")
            .count(),
        1
    );

    // merge a duplicate
    let a = register(&app, &o.reception, "letter").await;
    let dup = register(&app, &o.reception, "letter").await;
    let r = act(&app, &o.reception, &dup, "merge", json!({"into": dup})).await;
    assert_eq!(problem_fields(&assert_problem(r, 422).await), vec!["into"]);
    let c = ok(
        &app,
        &o.reception,
        &dup,
        "merge",
        json!({"into": a, "reason": "Surat yang sama dikirim dua kali"}),
    )
    .await;
    assert_eq!(
        (c["status"].as_str(), c["merged_into"].as_str()),
        (Some("merged"), Some(a.as_str()))
    );
    let r = act(&app, &o.reception, &a, "merge", json!({"into": dup})).await;
    assert_eq!(problem_fields(&assert_problem(r, 422).await), vec!["into"]);

    // reject spam (liaison), with a reason
    let spam = register(&app, &o.reception, "letter").await;
    let r = act(&app, &o.liaison, &spam, "reject", json!({})).await;
    assert_eq!(
        problem_fields(&assert_problem(r, 422).await),
        vec!["reason"]
    );
    let c = ok(
        &app,
        &o.liaison,
        &spam,
        "reject",
        json!({"reason": "Iklan"}),
    )
    .await;
    assert_eq!(c["status"], "rejected");
    let r = act(&app, &o.liaison, &spam, "forward", json!({})).await;
    assert_problem(r, 409).await;

    // reopen after close: forwarded to the head again, and a new draft version
    let id = register(&app, &o.reception, "letter").await;
    ok(&app, &o.reception, &id, "forward", json!({})).await;
    ok(&app, &o.k_head, &id, "dispositions", dispose(&o.kabid)).await;
    ok(
        &app,
        &o.k_kabid,
        &id,
        "answer/drafts",
        json!({"body": "Jawaban pertama."}),
    )
    .await;
    ok(&app, &o.k_kabid, &id, "answer/submit", json!({})).await;
    ok(&app, &o.k_head, &id, "answer/approve", json!({})).await;
    ok(
        &app,
        &o.reception,
        &id,
        "dispatch",
        json!({"method": "in_person", "given_by": "Petugas Front Office"}),
    )
    .await;
    ok(&app, &o.reception, &id, "close", json!({})).await;
    let c = ok(
        &app,
        &o.reception,
        &id,
        "reopen",
        json!({"reason": "Pelapor menyatakan bantuan belum diterima"}),
    )
    .await;
    assert_eq!(c["status"], "reopened");
    ok(&app, &o.reception, &id, "forward", json!({})).await;
    ok(&app, &o.k_head, &id, "dispositions", dispose(&o.kabid)).await;
    ok(
        &app,
        &o.k_kabid,
        &id,
        "answer/drafts",
        json!({"body": "Jawaban kedua."}),
    )
    .await;
    let answer: Value = app
        .get(&o.liaison, &format!("/api/v1/complaints/{id}/answer"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(answer["drafts"].as_array().unwrap().len(), 2);
    assert_eq!(answer["dispatches"][0]["method"], "in_person");
    assert_eq!(answer["dispatches"][0]["given_by"], "Petugas Front Office");
    assert!(
        answer["approval_path"].as_array().unwrap().is_empty(),
        "the new draft is not submitted"
    );
}

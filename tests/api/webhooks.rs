//! Integrators (issue 17): an agency's case id, the progress of what it
//! filed, and signed webhooks delivered once and in order per complaint —
//! through a receiver that fails first, and from two replicas at once.

use std::collections::{BTreeMap, HashSet};
use std::sync::{Arc, Mutex};

use aduan::domain::Role;
use aduan::webhooks::WebhookCourier;
use base64::Engine;
use chrono::Utc;
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};

use crate::helpers::*;
use crate::workflow::{dispose, office, ok};

both_backends!(
    an_agency_files_by_its_own_case_id_and_learns_the_answer_by_webhook_and_by_get,
    webhook_subscriptions_are_checked_and_belong_to_their_key,
    webhooks_never_reach_inside_the_network,
);

/// One request the receiver saw.
#[derive(Debug, Clone)]
struct Seen {
    id: String,
    timestamp: i64,
    signature: String,
    body: Vec<u8>,
    accepted: bool,
}

/// A webhook receiver over plain HTTP/1.1 that answers 500 to the first
/// `fail_first` requests, then 204.
struct Receiver {
    url: String,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl Receiver {
    async fn start(fail_first: usize) -> Receiver {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        let seen: Arc<Mutex<Vec<Seen>>> = Arc::default();
        let log = seen.clone();
        tokio::spawn(async move {
            loop {
                let Ok((sock, _)) = listener.accept().await else {
                    return;
                };
                let log = log.clone();
                tokio::spawn(async move {
                    let (r, mut w) = sock.into_split();
                    let mut r = BufReader::new(r);
                    loop {
                        let mut headers = BTreeMap::new();
                        let mut line = String::new();
                        if r.read_line(&mut line).await.unwrap_or(0) == 0 {
                            return;
                        }
                        loop {
                            line.clear();
                            r.read_line(&mut line).await.unwrap();
                            let l = line.trim_end();
                            if l.is_empty() {
                                break;
                            }
                            if let Some((k, v)) = l.split_once(':') {
                                headers.insert(k.trim().to_lowercase(), v.trim().to_string());
                            }
                        }
                        let n: usize = headers
                            .get("content-length")
                            .and_then(|v| v.parse().ok())
                            .unwrap_or(0);
                        let mut body = vec![0; n];
                        r.read_exact(&mut body).await.unwrap();
                        let accepted = {
                            let mut log = log.lock().unwrap();
                            let accepted = log.len() >= fail_first;
                            log.push(Seen {
                                id: headers.get("webhook-id").cloned().unwrap_or_default(),
                                timestamp: headers
                                    .get("webhook-timestamp")
                                    .and_then(|v| v.parse().ok())
                                    .unwrap_or(0),
                                signature: headers
                                    .get("webhook-signature")
                                    .cloned()
                                    .unwrap_or_default(),
                                body,
                                accepted,
                            });
                            accepted
                        };
                        let status = if accepted {
                            "204 No Content"
                        } else {
                            "500 Internal Server Error"
                        };
                        let resp = format!("HTTP/1.1 {status}\r\ncontent-length: 0\r\n\r\n");
                        if w.write_all(resp.as_bytes()).await.is_err() {
                            return;
                        }
                    }
                });
            }
        });
        Receiver { url, seen }
    }

    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

/// Verifies as a receiver would, following the Standard Webhooks scheme
/// written out (not our own signing code).
fn verify(secret: &str, s: &Seen, now: i64) -> bool {
    let b64 = base64::engine::general_purpose::STANDARD;
    let key = b64.decode(secret.strip_prefix("whsec_").unwrap()).unwrap();
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).unwrap();
    mac.update(format!("{}.{}.", s.id, s.timestamp).as_bytes());
    mac.update(&s.body);
    let want = format!("v1,{}", b64.encode(mac.finalize().into_bytes()));
    // a timestamp far off is a replay: refused (here: within a day of the
    // test's shifted clock)
    s.signature == want && (s.timestamp - now).abs() < 86_400 * 2
}

async fn post(app: &TestApp, key: &str, path: &str, body: Value) -> reqwest::Response {
    app.client
        .post(app.url(path))
        .bearer_auth(key)
        .json(&body)
        .send()
        .await
        .unwrap()
}

fn filed(agency_ref: &str) -> Value {
    let mut c = valid_complaint("api");
    c["reporter"] = json!({"name": "Yakobus Nalle", "phone": "081339001122"});
    c["external_ref"] = json!({"agency_ref": agency_ref});
    c
}

async fn an_agency_files_by_its_own_case_id_and_learns_the_answer_by_webhook_and_by_get(
    b: Backend,
) {
    // the receiver listens on loopback over plain http: an admin allowed it
    let quiet = |s: &mut aduan::config::Settings| {
        s.outbox_interval_secs = 3600;
        s.webhook_allow_hosts = vec!["127.0.0.1".into()];
    };
    let Some(app) = spawn_app_with(b, quiet).await else {
        return;
    };
    let replica = spawn_replica(&app, quiet).await;
    let agency = app.key(Role::Integration).await;
    let receiver = Receiver::start(3).await;
    let r = post(
        &app,
        &agency,
        "/api/v1/webhooks",
        json!({"url": receiver.url}),
    )
    .await;
    assert_eq!(r.status(), 201);
    let hook: Value = r.json().await.unwrap();
    let secret = hook["secret"].as_str().unwrap().to_string();
    assert!(secret.starts_with("whsec_"), "{hook}");
    assert_eq!(hook["events"].as_array().unwrap().len(), 5);

    // three cases filed under the agency's own numbers
    let mut ids = Vec::new();
    for n in 1..=3 {
        let r = app
            .post_complaint(&agency, &filed(&format!("SIPD/2026/{n:04}")))
            .await;
        assert_eq!(r.status(), 201);
        let v: Value = r.json().await.unwrap();
        assert_eq!(v["external_ref"]["agency_ref"], format!("SIPD/2026/{n:04}"));
        ids.push(v["id"].as_str().unwrap().to_string());
    }
    // the same case id again: refused, naming the field and the complaint
    let r = app.post_complaint(&agency, &filed("SIPD/2026/0002")).await;
    let p = assert_problem(r, 409).await;
    assert!(
        p["detail"]
            .as_str()
            .unwrap()
            .contains("external_ref.agency_ref")
            && p["detail"].as_str().unwrap().contains(&ids[1]),
        "{p}"
    );
    // another agency may use the same number for its own case
    let other = app.key(Role::Integration).await;
    assert_eq!(
        app.post_complaint(&other, &filed("SIPD/2026/0002"))
            .await
            .status(),
        201
    );
    let mut bad = filed("SIPD 2026\u{0}");
    bad["subject"] = json!("x");
    let p = assert_problem(app.post_complaint(&agency, &bad).await, 422).await;
    assert!(
        problem_fields(&p).contains(&"external_ref.agency_ref".to_string()),
        "{p}"
    );
    // found by its case id
    let found: Value = app
        .get(&agency, "/api/v1/complaints?agency_ref=SIPD/2026/0002")
        .await
        .json()
        .await
        .unwrap();
    let items = found["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{found}");
    assert_eq!(items[0]["id"], ids[1].as_str());
    let none: Value = app
        .get(&other, "/api/v1/complaints?agency_ref=SIPD/2026/0001")
        .await
        .json()
        .await
        .unwrap();
    assert!(none["items"].as_array().unwrap().is_empty(), "only its own");

    // the office answers the first and reopens it; the second is forwarded
    let o = office(&app).await;
    let answer = "Bantuan PKH Bapak telah dicairkan pada tanggal 5 Desember.";
    ok(&app, &o.liaison, &ids[0], "forward", json!({})).await;
    ok(&app, &o.k_head, &ids[0], "dispositions", dispose(&o.kabid)).await;
    ok(
        &app,
        &o.k_kabid,
        &ids[0],
        "answer/drafts",
        json!({"body": answer}),
    )
    .await;
    ok(&app, &o.k_kabid, &ids[0], "answer/submit", json!({})).await;
    ok(&app, &o.k_head, &ids[0], "answer/approve", json!({})).await;
    ok(&app, &o.liaison, &ids[0], "dispatch", json!({})).await;
    ok(
        &app,
        &o.liaison,
        &ids[0],
        "reopen",
        json!({"reason": "Pelapor menyatakan bantuan belum diterima"}),
    )
    .await;
    ok(&app, &o.liaison, &ids[1], "forward", json!({})).await;

    // two replicas deliver at once, each round an hour later (past backoff)
    let couriers = [
        WebhookCourier::new(app.store.clone(), allow_loopback()).unwrap(),
        WebhookCourier::new(replica.store.clone(), allow_loopback()).unwrap(),
    ];
    let mut now = Utc::now();
    for _ in 0..40 {
        let (a, b) = tokio::join!(
            couriers[0].deliver_due(now, 3),
            couriers[1].deliver_due(now, 3)
        );
        let (a, b) = (a.unwrap(), b.unwrap());
        if a.delivered + a.retried + b.delivered + b.retried == 0 {
            break;
        }
        now += chrono::Duration::hours(1);
    }

    let seen = receiver.seen();
    assert!(
        seen.iter().filter(|s| !s.accepted).count() == 3,
        "the receiver failed three first"
    );
    for s in &seen {
        assert!(
            verify(&secret, s, now.timestamp()),
            "signature verifies: {s:?}"
        );
    }
    let accepted: Vec<Value> = seen
        .iter()
        .filter(|s| s.accepted)
        .map(|s| {
            let v: Value = serde_json::from_slice(&s.body).unwrap();
            assert_eq!(v["id"], s.id.as_str(), "webhook-id is the event id");
            v
        })
        .collect();
    let unique: HashSet<&str> = accepted.iter().map(|v| v["id"].as_str().unwrap()).collect();
    assert_eq!(
        unique.len(),
        accepted.len(),
        "each event once: {accepted:?}"
    );
    let by_complaint = |id: &str| -> Vec<String> {
        accepted
            .iter()
            .filter(|v| v["complaint"]["id"] == id)
            .map(|v| v["type"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(
        by_complaint(&ids[0]),
        [
            "complaint.registered",
            "complaint.status_changed",
            "complaint.status_changed",
            "complaint.status_changed",
            "complaint.answered",
            "complaint.reopened",
        ],
        "in order"
    );
    assert_eq!(
        by_complaint(&ids[1]),
        ["complaint.registered", "complaint.status_changed"]
    );
    assert_eq!(by_complaint(&ids[2]), ["complaint.registered"]);
    assert_eq!(accepted.len(), 9, "nothing of the other agency's complaint");
    let answered = accepted
        .iter()
        .find(|v| v["type"] == "complaint.answered")
        .unwrap();
    assert_eq!(answered["answer"]["body"], answer);
    assert_eq!(answered["complaint"]["agency_ref"], "SIPD/2026/0001");
    assert_eq!(answered["complaint"]["status"], "answered");
    assert!(
        !String::from_utf8_lossy(&seen[0].body).contains("Yakobus"),
        "no personal data in a webhook"
    );

    // and by GET: the status changes and the answer, not the workflow
    let r = app
        .get(&agency, &format!("/api/v1/complaints/{}/progress", ids[0]))
        .await;
    assert_eq!(r.status(), 200);
    let p: Value = r.json().await.unwrap();
    assert_eq!(p["answer"]["body"], answer);
    assert_eq!(p["status"], "reopened");
    assert_eq!(p["agency_ref"], "SIPD/2026/0001");
    let kinds: Vec<&str> = p["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert!(
        kinds.contains(&"answered") && !kinds.contains(&"answer_drafted"),
        "{kinds:?}"
    );
    let r = app
        .get(&other, &format!("/api/v1/complaints/{}/progress", ids[0]))
        .await;
    assert_eq!(r.status(), 404, "another agency's complaint");

    // the delivery log, and a redelivery on request
    let hid = hook["id"].as_str().unwrap();
    let log: Value = app
        .get(&agency, &format!("/api/v1/webhooks/{hid}/deliveries"))
        .await
        .json()
        .await
        .unwrap();
    let items = log["items"].as_array().unwrap();
    assert_eq!(items.len(), 9);
    assert!(items.iter().all(|d| d["state"] == "delivered"), "{log}");
    assert!(
        items.iter().any(|d| d["attempts"].as_i64() > Some(1)),
        "{log}"
    );
    let event = items[0]["event_id"].as_str().unwrap();
    let r = post(
        &app,
        &agency,
        &format!("/api/v1/webhooks/{hid}/deliveries/{event}/redeliver"),
        json!({}),
    )
    .await;
    assert_eq!(r.status(), 202);
    let round = couriers[1].deliver_due(Utc::now(), 10).await.unwrap();
    assert_eq!(round.delivered, 1);
    assert_eq!(
        receiver.seen().last().map(|s| s.id.clone()).as_deref(),
        Some(event),
        "the same webhook-id again: the receiver can tell"
    );
}

async fn webhook_subscriptions_are_checked_and_belong_to_their_key(b: Backend) {
    let Some(app) = spawn_app(b).await else {
        return;
    };
    let agency = app.key(Role::Integration).await;
    let other = app.key(Role::Integration).await;
    let official = app.key(Role::Official).await;
    let p = assert_problem(
        post(
            &app,
            &agency,
            "/api/v1/webhooks",
            json!({"url": "ftp://x/y", "events": ["complaint.eaten"]}),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(problem_fields(&p), ["events[0]", "url"]);
    assert_problem(
        post(
            &app,
            &official,
            "/api/v1/webhooks",
            json!({"url": "https://a.example/h"}),
        )
        .await,
        403,
    )
    .await;
    let r = post(
        &app,
        &agency,
        "/api/v1/webhooks",
        json!({"url": "https://8.8.8.8/sipd/h", "events": ["complaint.answered"]}),
    )
    .await;
    assert_eq!(r.status(), 201);
    let hook: Value = r.json().await.unwrap();
    let id = hook["id"].as_str().unwrap();
    let mine: Value = app
        .get(&agency, "/api/v1/webhooks")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(mine["items"].as_array().unwrap().len(), 1);
    assert!(mine["items"][0].get("secret").is_none(), "shown once only");
    let theirs: Value = app
        .get(&other, "/api/v1/webhooks")
        .await
        .json()
        .await
        .unwrap();
    assert!(theirs["items"].as_array().unwrap().is_empty());
    assert_eq!(
        app.get(&other, &format!("/api/v1/webhooks/{id}"))
            .await
            .status(),
        404
    );
    let admin = app.key(Role::Admin).await;
    let all: Value = app
        .get(&admin, "/api/v1/webhooks")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(all["items"].as_array().unwrap().len(), 1);
    let del = |key: &str| {
        app.client
            .delete(app.url(&format!("/api/v1/webhooks/{id}")))
            .bearer_auth(key.to_string())
            .send()
    };
    assert_eq!(del(&other).await.unwrap().status(), 404);
    assert_eq!(del(&agency).await.unwrap().status(), 204);
    assert_eq!(del(&agency).await.unwrap().status(), 404);
    let p = assert_problem(
        app.get(
            &agency,
            &format!("/api/v1/webhooks/{id}/deliveries?state=lost&limit=0"),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(problem_fields(&p), ["limit", "state"]);
}

fn allow_loopback() -> aduan::webhooks::TargetGuard {
    aduan::webhooks::TargetGuard::new(&["127.0.0.1".to_string()])
}

/// Security round, finding 2: no subscription to an internal address (in
/// any spelling, or a name resolving to one), https only, the check made
/// again when delivering (through the resolver the connection uses), and a
/// generic reason in the subscriber's delivery log.
async fn webhooks_never_reach_inside_the_network(b: Backend) {
    let Some(app) = spawn_app_with(b, |s| {
        s.outbox_interval_secs = 3600;
        s.webhook_allow_hosts = vec!["localhost".into()];
    })
    .await
    else {
        return;
    };
    let agency = app.key(Role::Integration).await;
    // an internal service the attacker would like to reach
    let internal = Receiver::start(0).await;
    let port = internal
        .url
        .split(':')
        .nth(2)
        .unwrap()
        .split('/')
        .next()
        .unwrap()
        .to_string();
    for url in [
        internal.url.clone(),
        format!("https://127.0.0.1:{port}/hook"),
        "https://10.1.2.3/".into(),
        "https://172.20.0.5/".into(),
        "https://192.168.0.1/".into(),
        "https://169.254.169.254/latest/meta-data/".into(),
        "https://100.100.100.200/".into(),
        "https://[::1]/".into(),
        "https://[::ffff:127.0.0.1]/".into(),
        "https://[fd00:ec2::254]/".into(),
        "https://[fe80::1]/".into(),
        "https://0.0.0.0/".into(),
        "https://2130706433/".into(), // 127.0.0.1 as one number
        "https://ip6-localhost/".into(),
        "http://8.8.8.8/plain".into(),
    ] {
        let r = post(&app, &agency, "/api/v1/webhooks", json!({"url": url})).await;
        let p = assert_problem(r, 422).await;
        assert_eq!(problem_fields(&p), ["url"], "{url}: {p}");
    }
    // a public address over https is fine
    let r = post(
        &app,
        &agency,
        "/api/v1/webhooks",
        json!({"url": "https://8.8.8.8/h"}),
    )
    .await;
    assert_eq!(r.status(), 201);
    // a host the admin allowed (it resolves to loopback) is accepted ...
    let r = post(
        &app,
        &agency,
        "/api/v1/webhooks",
        json!({"url": format!("https://localhost:{port}/hook")}),
    )
    .await;
    assert_eq!(r.status(), 201);
    let hook: Value = r.json().await.unwrap();
    let hid = hook["id"].as_str().unwrap().to_string();
    let r = app.post_complaint(&agency, &filed("SIPD/2026/0099")).await;
    assert_eq!(r.status(), 201);
    // ... but when delivering, the guard in force decides (the allowance was
    // withdrawn, or the name now resolves inside): nothing reaches the host
    let courier =
        WebhookCourier::new(app.store.clone(), aduan::webhooks::TargetGuard::new(&[])).unwrap();
    let round = courier.deliver_due(Utc::now(), 10).await.unwrap();
    assert_eq!(round.delivered, 0);
    assert!(
        internal.seen().is_empty(),
        "no request reached the internal host"
    );
    let log: Value = app
        .get(&agency, &format!("/api/v1/webhooks/{hid}/deliveries"))
        .await
        .json()
        .await
        .unwrap();
    let items = log["items"].as_array().unwrap();
    assert!(!items.is_empty(), "{log}");
    for d in items {
        assert_eq!(d["last_status"], Value::Null, "{d}");
        assert_eq!(
            d["last_error"],
            aduan::webhooks::REFUSED_INTERNAL,
            "a generic reason: {d}"
        );
    }
}

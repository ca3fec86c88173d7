//! The SP4N-LAPOR! integration against the real `lapor-sim` binary over HTTP.

use std::collections::{BTreeMap, HashSet};
use std::process::{Child, Command};
use std::time::Duration;

use aduan::config::LaporSettings;
use aduan::domain::Role;
use aduan::intake::lapor::outbound::LaporCourier;
use chrono::{DateTime, SubsecRound, Utc};
use serde_json::{Value, json};

use crate::helpers::*;
use crate::workflow::{dispose, office, ok};

both_backends!(
    five_hundred_reports_are_imported_once_with_clocks_flags_and_categories,
    under_faults_and_a_restart_nothing_is_lost_or_doubled_and_followups_arrive_once,
    comments_closing_rerouting_and_redirects_travel_both_ways,
    a_wrong_token_or_a_dead_lapor_is_reported_not_hidden,
    odd_but_valid_reports_are_imported_in_full_with_notes_not_quarantined,
);

pub const TOKEN: &str = "token-dinsos-uji";

/// The `lapor-sim` binary, killed when dropped.
pub struct Sim {
    child: Child,
    pub url: String,
    http: reqwest::Client,
}

impl Sim {
    pub fn start(args: &[&str]) -> Sim {
        let all: Vec<&str> = ["--listen", "127.0.0.1:0", "--token", TOKEN]
            .into_iter()
            .chain(args.iter().copied())
            .collect();
        let (child, url) = start_simulator(env!("CARGO_BIN_EXE_lapor-sim"), "lapor-sim", &all);
        Sim {
            child,
            url,
            http: reqwest::Client::new(),
        }
    }

    pub async fn get(&self, path: &str) -> Value {
        self.http
            .get(format!("{}{path}", self.url))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    pub async fn delete(&self, path: &str) -> u16 {
        self.http
            .delete(format!("{}{path}", self.url))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    }

    pub async fn post(&self, path: &str, body: Value) -> u16 {
        self.http
            .post(format!("{}{path}", self.url))
            .json(&body)
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    }
}

impl Drop for Sim {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn with_lapor(url: &str, token: &str) -> impl FnOnce(&mut aduan::config::Settings) {
    let url = url.to_string();
    let token = token.to_string();
    move |s| {
        s.lapor = Some(LaporSettings {
            url,
            token,
            poll_secs: 86_400,
            timeout: Duration::from_millis(1000),
            listing_lag: Duration::from_secs(3),
        });
        s.outbox_interval_secs = 3600;
    }
}

pub async fn poll(app: &TestApp, key: &str) -> (u16, Value) {
    let r = app
        .client
        .post(app.url("/api/v1/integrations/lapor/poll"))
        .bearer_auth(key)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

pub async fn status(app: &TestApp, key: &str) -> Value {
    app.get(key, "/api/v1/integrations/lapor")
        .await
        .json()
        .await
        .unwrap()
}

/// Every lapor complaint by LAPOR! tracking id (admin view: identities shown).
pub async fn imported(app: &TestApp, admin: &str) -> BTreeMap<String, Value> {
    let all = app.list_all(admin, "&channel=lapor", 200).await;
    let mut out = BTreeMap::new();
    for c in all {
        let tid = c["external_ref"]["lapor_tracking_id"]
            .as_str()
            .unwrap()
            .to_string();
        assert!(out.insert(tid.clone(), c).is_none(), "{tid} imported twice");
    }
    out
}

fn micros(s: &str) -> DateTime<Utc> {
    s.parse::<DateTime<Utc>>().unwrap().trunc_subsecs(6)
}

async fn five_hundred_reports_are_imported_once_with_clocks_flags_and_categories(b: Backend) {
    let sim = Sim::start(&["--seed", "7", "--reports", "500"]);
    let Some(app) = spawn_app_with(b, with_lapor(&sim.url, TOKEN)).await else {
        return;
    };
    let liaison = app.key(Role::Liaison).await;
    let admin = app.key(Role::Admin).await;
    let (code, report) = poll(&app, &liaison).await;
    assert_eq!(code, 200, "{report}");
    assert_eq!(report["imported"], 500);
    assert_eq!(report["quarantined"], 0);
    let (_, again) = poll(&app, &liaison).await;
    assert_eq!(again["imported"], 0, "a second poll imports nothing");

    let got = imported(&app, &admin).await;
    assert_eq!(got.len(), 500);
    let reports: Vec<Value> = sim.get("/sim/reports").await.as_array().unwrap().clone();
    let topics: BTreeMap<i64, (Option<i64>, String)> = [
        (11, (Some(1), "Program Keluarga Harapan (PKH)")),
        (12, (Some(1), "Bantuan Pangan Non Tunai (BPNT)")),
    ]
    .into_iter()
    .map(|(k, (p, n))| (k, (p, n.to_string())))
    .collect();
    let mut anonymous = 0;
    let mut confidential = 0;
    let mut with_files = 0;
    for r in &reports {
        let tid = r["tracking_id"].as_u64().unwrap().to_string();
        let c = &got[&tid];
        assert_eq!(c["channel"], "lapor");
        assert_eq!(
            micros(c["received_at"].as_str().unwrap()),
            micros(r["disposed_at"].as_str().unwrap()),
            "the clock starts when LAPOR! disposed it to the office"
        );
        assert!(c["lapor_followup_due_at"].is_string());
        assert!(
            c["due_at"].as_str().unwrap() > c["lapor_followup_due_at"].as_str().unwrap(),
            "8 working days to answer, 5 to follow up on LAPOR!"
        );
        assert_eq!(c["confidential"], r["confidential"]);
        assert_eq!(c["anonymous"], r["anonymous"]);
        assert_eq!(c["subject"], r["title"]);
        if r["anonymous"] == true {
            anonymous += 1;
            // not even the admin sees an identity: none was stored
            assert!(
                c["reporter"]
                    .as_object()
                    .unwrap()
                    .values()
                    .all(Value::is_null),
                "{c}"
            );
        } else {
            assert_eq!(c["reporter"]["name"], r["reporter"]["name"]);
            assert_eq!(c["reporter"]["id_number"], r["reporter"]["nik"]);
        }
        confidential += usize::from(r["confidential"] == true);
        // the office's list names PKH; another topic leaves no category
        // (never refused), LAPOR!'s topic kept in the import notes
        if let Some((_, name)) = topics.get(&r["topic_id"].as_i64().unwrap()) {
            if name == "Program Keluarga Harapan (PKH)" {
                assert_eq!(c["category"], "Program Keluarga Harapan (PKH)");
            } else {
                assert!(c["category"].is_null(), "{c}");
            }
        }
        if let Some(a) = r["attachments"].as_array().and_then(|a| a.first()) {
            with_files += 1;
            let list: Value = app
                .get(
                    &admin,
                    &format!(
                        "/api/v1/complaints/{}/attachments",
                        c["id"].as_str().unwrap()
                    ),
                )
                .await
                .json()
                .await
                .unwrap();
            assert_eq!(list["items"].as_array().unwrap().len(), 1, "{tid}");
            assert_eq!(list["items"][0]["size_bytes"], a["size"]);
            assert_eq!(list["items"][0]["file_name"], a["file_name"]);
        }
    }
    assert!(
        anonymous > 10 && confidential > 10 && with_files > 30,
        "{anonymous} {confidential} {with_files}"
    );

    // the liaison officer's view
    let s = status(&app, &liaison).await;
    assert_eq!(s["enabled"], true);
    assert_eq!(s["imported_total"], 500);
    assert!(s["imported_total_as_of"].is_string(), "{s}");
    assert_eq!(s["quarantined"], 0);
    assert!(
        s["last_error"].is_null() && s["last_success_at"].is_string() && s["cursor"].is_string(),
        "{s}"
    );
    assert_eq!(s["circuit"], "closed");
    assert!(!s.to_string().contains(TOKEN), "the token is never shown");
    // a reception key may not poll; integrations may not look
    let reception = app.key(Role::Reception).await;
    assert_problem(
        app.client
            .post(app.url("/api/v1/integrations/lapor/poll"))
            .bearer_auth(&reception)
            .send()
            .await
            .unwrap(),
        403,
    )
    .await;
    let integration = app.key(Role::Integration).await;
    assert_problem(
        app.get(&integration, "/api/v1/integrations/lapor").await,
        403,
    )
    .await;
    // a LAPOR! report entered by hand a second time is refused, naming the first
    let mut body = valid_complaint("lapor");
    body["external_ref"] =
        json!({"lapor_tracking_id": reports[0]["tracking_id"].as_u64().unwrap().to_string()});
    let p = assert_problem(app.post_complaint(&liaison, &body).await, 409).await;
    assert!(
        p["detail"].as_str().unwrap().contains("registered already"),
        "{p}"
    );

    // a sweep after the first import: one backlog summary per person, not
    // one message per report
    let mut settings = (*app.settings).clone();
    settings.liaison_email = Some("penghubung@dinsos.example.go.id".into());
    settings.head_email = Some("kadis@dinsos.example.go.id".into());
    let jobs = aduan::jobs::Jobs::new(app.store.clone(), std::sync::Arc::new(settings));
    let latest = got
        .values()
        .map(|c| micros(c["due_at"].as_str().unwrap()))
        .max()
        .unwrap();
    let mut day = (latest + chrono::Duration::days(2))
        .with_timezone(&chrono_tz::Asia::Makassar)
        .date_naive();
    let mut report = aduan::jobs::SweepReport::default();
    for _ in 0..15 {
        let at = aduan::jobs::at_local(
            day,
            chrono::NaiveTime::from_hms_opt(9, 0, 0).unwrap(),
            chrono_tz::Asia::Makassar,
        )
        .unwrap();
        report = jobs.reminder_sweep(at).await.unwrap();
        if report.messages > 0 {
            break;
        }
        day = day.succ_opt().unwrap();
    }
    assert_eq!(
        report.messages, 2,
        "the head and the liaison officer: {report:?}"
    );
    assert_eq!(
        report.escalations, 1000,
        "every report, to both, recorded: {report:?}"
    );
    let items = app.store.list_outbox(Some("pending"), 1000).await.unwrap();
    let emails: Vec<&aduan::store::OutboxItem> = items
        .iter()
        .filter(|i| i.kind == aduan::notify::EMAIL)
        .collect();
    assert_eq!(emails.len(), 2);
    let claimed = app
        .store
        .claim_outbox(
            Utc::now(),
            Utc::now() + chrono::Duration::minutes(1),
            10,
            &[aduan::notify::EMAIL],
            "t",
        )
        .await
        .unwrap();
    for m in &claimed {
        let p: Value = serde_json::from_str(&m.payload).unwrap();
        let text = p["text"].as_str().unwrap();
        assert_eq!(
            p["subject"], "[Terlambat] 500 pengaduan terlambat",
            "{text}"
        );
        assert!(text.contains("Menurut keterlambatan:"), "{text}");
        assert!(text.contains("… dan 490 lainnya:"), "{text}");
        assert!(
            text.len() < 20_000,
            "a summary, not a list: {} bytes",
            text.len()
        );
    }
}

/// Polls until one succeeds with nothing new (at most `n` polls).
/// Polls until a poll brings nothing new: nothing imported, and nothing put
/// in quarantine that was not there already (a malformed report re-read in
/// the overlap window is quarantined again, as the same entry).
pub async fn poll_until_quiet(app: &TestApp, key: &str, n: usize) -> usize {
    let mut polls = 0;
    let mut in_quarantine = None;
    for _ in 0..n {
        polls += 1;
        let (code, r) = poll(app, key).await;
        let now_in_quarantine = status(app, key).await["quarantined"].as_i64();
        if code == 200
            && r["imported"] == 0
            && (r["quarantined"] == 0 || now_in_quarantine == in_quarantine)
        {
            return polls;
        }
        if code == 200 {
            in_quarantine = now_in_quarantine;
        }
    }
    panic!("LAPOR! never quiet after {n} polls");
}

async fn under_faults_and_a_restart_nothing_is_lost_or_doubled_and_followups_arrive_once(
    b: Backend,
) {
    let sim = Sim::start(&[
        "--seed",
        "11",
        "--reports",
        "500",
        "--page-size",
        "40",
        "--error-rate",
        "0.2",
        "--timeout-rate",
        "0.05",
        "--timeout-ms",
        "1500",
        // every 29th request 429 with `Retry-After: 1` (a second each)
        "--rate-limit-every",
        "29",
        "--duplicate-pages",
        "--out-of-order",
        "--malformed",
        "1",
    ]);
    let Some(first) = spawn_app_with(b, with_lapor(&sim.url, TOKEN)).await else {
        return;
    };
    let liaison = first.key(Role::Liaison).await;
    poll(&first, &liaison).await;
    poll(&first, &liaison).await;
    // a new service instance on the same database takes over from the
    // cursor (`first` stays idle: its directory holds the SQLite file)
    let app = spawn_replica(&first, with_lapor(&sim.url, TOKEN)).await;
    poll_until_quiet(&app, &liaison, 40).await;

    let admin = app.key(Role::Admin).await;
    let got = imported(&app, &admin).await;
    let reports: Vec<Value> = sim.get("/sim/reports").await.as_array().unwrap().clone();
    let malformed: Vec<&Value> = reports
        .iter()
        .filter(|r| r.get("title").is_none())
        .collect();
    assert_eq!(malformed.len(), 1);
    let bad_id = malformed[0]["tracking_id"].as_u64().unwrap().to_string();
    let good: HashSet<String> = reports
        .iter()
        .map(|r| r["tracking_id"].as_u64().unwrap().to_string())
        .filter(|t| *t != bad_id)
        .collect();
    assert_eq!(
        got.keys().cloned().collect::<HashSet<_>>(),
        good,
        "every well-formed report exactly once"
    );
    let q: Value = app
        .get(&liaison, "/api/v1/integrations/lapor/quarantine")
        .await
        .json()
        .await
        .unwrap();
    let items = q["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{q}");
    assert_eq!(items[0]["tracking_id"], bad_id.as_str());
    assert!(
        items[0]["reason"].as_str().unwrap().contains("disposed_at")
            || items[0]["reason"].as_str().unwrap().contains("title")
    );
    let s = status(&app, &liaison).await;
    assert_eq!(s["imported_total"], 499);
    assert_eq!(s["quarantined"], 1);
    // still malformed on LAPOR!: a retry leaves it in quarantine
    let mut retried = None;
    for _ in 0..10 {
        let r = app
            .client
            .post(app.url(&format!(
                "/api/v1/integrations/lapor/quarantine/{}/retry",
                items[0]["id"].as_str().unwrap()
            )))
            .bearer_auth(&liaison)
            .send()
            .await
            .unwrap();
        if r.status() == 200 {
            retried = Some(r.json::<Value>().await.unwrap());
            break;
        }
    }
    assert_eq!(retried.expect("a retry got through")["resolved"], false);

    // 100 answered complaints: each follow-up arrives at LAPOR! exactly once
    let o = office(&app).await;
    let ids: Vec<String> = got
        .values()
        .take(100)
        .map(|c| c["id"].as_str().unwrap().to_string())
        .collect();
    for id in &ids {
        ok(&app, &o.liaison, id, "forward", json!({})).await;
        ok(&app, &o.k_head, id, "dispositions", dispose(&o.kabid)).await;
        ok(
            &app,
            &o.k_kabid,
            id,
            "answer/drafts",
            json!({"body": "Terima kasih. Bantuan Bapak/Ibu telah kami proses."}),
        )
        .await;
        ok(&app, &o.k_kabid, id, "answer/submit", json!({})).await;
        ok(&app, &o.k_head, id, "answer/approve", json!({})).await;
        ok(&app, &o.liaison, id, "dispatch", json!({})).await;
    }
    let sync = aduan::intake::lapor::build(&aduan::app::App::new(
        app.store.clone(),
        app.settings.clone(),
    ))
    .unwrap()
    .unwrap();
    let courier = LaporCourier {
        sync,
        store: app.store.clone(),
    };
    let mut now = Utc::now();
    for _ in 0..30 {
        aduan::notify::deliver_due(app.store.as_ref(), &courier, 50, now)
            .await
            .unwrap();
        let s = status(&app, &liaison).await;
        if s["pending_followups"] == 0 {
            break;
        }
        now += chrono::Duration::hours(2);
    }
    let s = status(&app, &liaison).await;
    assert_eq!(
        (
            s["pending_followups"].as_i64(),
            s["sent_followups"].as_i64(),
            s["failed_followups"].as_i64()
        ),
        (Some(0), Some(100), Some(0)),
        "{s}"
    );
    let stats = sim.get("/sim/stats").await;
    let arrived = stats["followups"].as_object().unwrap();
    assert_eq!(arrived.len(), 100, "{stats}");
    assert!(
        arrived.values().all(|n| *n == 1),
        "each exactly once: {stats}"
    );
    assert!(
        stats["faults"].as_u64().unwrap() > 20,
        "the faults did happen: {stats}"
    );
    for id in &ids {
        let c = &got.values().find(|c| c["id"] == id.as_str()).unwrap();
        assert!(arrived.contains_key(c["external_ref"]["lapor_tracking_id"].as_str().unwrap()));
        let answer: Value = app
            .get(&o.liaison, &format!("/api/v1/complaints/{id}/answer"))
            .await
            .json()
            .await
            .unwrap();
        assert!(
            answer["dispatches"][0]["external_id"]
                .as_str()
                .unwrap()
                .starts_with("fu-"),
            "proof recorded: {answer}"
        );
    }
    let t: Value = app
        .get(
            &o.liaison,
            &format!("/api/v1/complaints/{}/timeline", ids[0]),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        t["items"].as_array().unwrap().last().unwrap()["kind"],
        "lapor_followup_posted"
    );
}

async fn comments_closing_rerouting_and_redirects_travel_both_ways(b: Backend) {
    let sim = Sim::start(&["--seed", "3", "--reports", "6"]);
    let Some(app) = spawn_app_with(b, with_lapor(&sim.url, TOKEN)).await else {
        return;
    };
    let liaison = app.key(Role::Liaison).await;
    assert_eq!(poll(&app, &liaison).await.1["imported"], 6);
    let got = imported(&app, &liaison).await;
    let tids: Vec<String> = got.keys().cloned().collect();
    let id_of = |t: &str| got[t]["id"].as_str().unwrap().to_string();

    // LAPOR! closes one; the reporter then comments on it: it is reopened
    assert_eq!(
        sim.post(&format!("/sim/reports/{}/close", tids[0]), json!({}))
            .await,
        204
    );
    assert_eq!(
        sim.post(&format!("/sim/reports/{}/reroute-away", tids[1]), json!({}))
            .await,
        204
    );
    assert_eq!(
        sim.post(
            &format!("/sim/reports/{}/comments", tids[2]),
            json!({"body": "Sampai hari ini belum ada kabar."})
        )
        .await,
        201
    );
    let (code, r) = poll(&app, &liaison).await;
    assert_eq!(code, 200, "{r}");
    assert_eq!(r["updates"], 3, "{r}");
    let c0 = crate::workflow::complaint(&app, &liaison, &id_of(&tids[0])).await;
    assert_eq!(c0["status"], "closed");
    let c1 = crate::workflow::complaint(&app, &liaison, &id_of(&tids[1])).await;
    assert_eq!(c1["status"], "redirected");
    let t: Value = app
        .get(
            &liaison,
            &format!("/api/v1/complaints/{}/timeline", id_of(&tids[2])),
        )
        .await
        .json()
        .await
        .unwrap();
    let last = t["items"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["kind"], "reporter_replied");
    assert_eq!(last["detail"]["text"], "Sampai hari ini belum ada kabar.");

    assert_eq!(
        sim.post(
            &format!("/sim/reports/{}/comments", tids[0]),
            json!({"body": "Masalah saya belum selesai."})
        )
        .await,
        201
    );
    poll(&app, &liaison).await;
    poll(&app, &liaison).await;
    let c0 = crate::workflow::complaint(&app, &liaison, &id_of(&tids[0])).await;
    assert_eq!(
        c0["status"], "reopened",
        "a comment on a closed report reopens it"
    );
    let t: Value = app
        .get(
            &liaison,
            &format!("/api/v1/complaints/{}/timeline", id_of(&tids[0])),
        )
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
    assert_eq!(replies, 1, "each comment once, however often it is seen");

    // new reports disposed later are picked up from the cursor
    assert_eq!(sim.post("/sim/reports", json!({"count": 3})).await, 204);
    assert_eq!(poll(&app, &liaison).await.1["imported"], 3);

    // our redirect of a LAPOR! report asks LAPOR! to re-route it, once
    let o = office(&app).await;
    let id = id_of(&tids[3]);
    ok(&app, &o.liaison, &id, "forward", json!({})).await;
    ok(
        &app,
        &o.k_head,
        &id,
        "redirect",
        json!({"agency": "Dinas Kesehatan", "reason": "Bukan kewenangan Dinas Sosial"}),
    )
    .await;
    let sync = aduan::intake::lapor::build(&aduan::app::App::new(
        app.store.clone(),
        app.settings.clone(),
    ))
    .unwrap()
    .unwrap();
    let courier = LaporCourier {
        sync,
        store: app.store.clone(),
    };
    let r = aduan::notify::deliver_due(app.store.as_ref(), &courier, 8, Utc::now())
        .await
        .unwrap();
    assert_eq!(r.sent, 1);
    let r = aduan::notify::deliver_due(app.store.as_ref(), &courier, 8, Utc::now())
        .await
        .unwrap();
    assert_eq!(r.sent, 0);
    let stats = sim.get("/sim/stats").await;
    assert_eq!(stats["reroutes"][&tids[3]], 1, "{stats}");
    // LAPOR! then lists it as re-routed: our complaint stays as we redirected it
    poll(&app, &liaison).await;
    let c3 = crate::workflow::complaint(&app, &liaison, &id).await;
    assert_eq!(
        (c3["status"].as_str(), c3["redirected_to"].as_str()),
        (Some("redirected"), Some("Dinas Kesehatan"))
    );
}

async fn a_wrong_token_or_a_dead_lapor_is_reported_not_hidden(b: Backend) {
    let sim = Sim::start(&["--seed", "5", "--reports", "3"]);
    let Some(app) = spawn_app_with(b, with_lapor(&sim.url, "salah")).await else {
        return;
    };
    let liaison = app.key(Role::Liaison).await;
    let (code, p) = poll(&app, &liaison).await;
    assert_eq!(code, 502, "{p}");
    assert!(p["detail"].as_str().unwrap().contains("401"), "{p}");
    let s = status(&app, &liaison).await;
    assert!(s["last_error"].as_str().unwrap().contains("401"), "{s}");
    assert!(s["last_success_at"].is_null());
    assert_eq!(s["imported_total"], 0);
    assert!(!s.to_string().contains("salah"), "the token is never shown");

    // LAPOR! gone: the poll fails, the status says so
    let url = sim.url.clone();
    drop(sim);
    let app2 = spawn_replica(&app, with_lapor(&url, TOKEN)).await;
    let (code, p) = poll(&app2, &liaison).await;
    assert!(code == 502 || code == 503, "{code} {p}");
    let s = status(&app2, &liaison).await;
    assert!(s["last_error"].is_string(), "{s}");
}

#[test]
fn the_simulator_contract_is_committed_and_it_insists_on_a_token() {
    let out = Command::new(env!("CARGO_BIN_EXE_lapor-sim"))
        .arg("--openapi")
        .output()
        .expect("run lapor-sim");
    let committed = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/openapi/lapor-sim.json"
    ))
    .expect("openapi/lapor-sim.json is committed");
    assert!(
        String::from_utf8_lossy(&out.stdout).trim() == committed.trim(),
        "openapi/lapor-sim.json is stale: run `cargo run --bin lapor-sim -- --openapi > openapi/lapor-sim.json`"
    );
    let out = Command::new(env!("CARGO_BIN_EXE_lapor-sim"))
        .args(["--listen", "127.0.0.1:0"])
        .env_remove("LAPOR_SIM_TOKEN")
        .output()
        .expect("run lapor-sim");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--token"));
}

/// What a platform plausibly sends oddly (PHP's zone-less local times, a
/// NUL in a 25,000-character text, a 10,000-character title, `attachments:
/// null`, a named reporter without an address, an email without a domain)
/// is imported, in full, with what had to be smoothed on the timeline.
async fn odd_but_valid_reports_are_imported_in_full_with_notes_not_quarantined(b: Backend) {
    let sim = Sim::start(&["--seed", "11", "--reports", "9", "--odd", "3"]);
    let Some(app) = spawn_app_with(b, with_lapor(&sim.url, TOKEN)).await else {
        return;
    };
    let liaison = app.key(Role::Liaison).await;
    let admin = app.key(Role::Admin).await;
    let (code, report) = poll(&app, &liaison).await;
    assert_eq!(code, 200, "{report}");
    assert_eq!(
        (report["imported"].as_u64(), report["quarantined"].as_u64()),
        (Some(9), Some(0)),
        "{report}"
    );
    let got = imported(&app, &admin).await;
    let served: Vec<Value> = sim.get("/sim/reports").await.as_array().unwrap().clone();
    let odd: Vec<&Value> = served
        .iter()
        .filter(|r| r["attachments"].is_null())
        .collect();
    assert_eq!(odd.len(), 3);
    for r in odd {
        let tid = r["tracking_id"].as_u64().unwrap().to_string();
        let c = &got[&tid];
        let title = r["title"].as_str().unwrap().trim();
        let subject = c["subject"].as_str().unwrap();
        assert_eq!(subject.chars().count(), 200);
        assert!(subject.ends_with('…') && title.starts_with(subject.trim_end_matches('…')));
        let id = c["id"].as_str().unwrap();
        let full: Value = app
            .get(&admin, &format!("/api/v1/complaints/{id}"))
            .await
            .json()
            .await
            .unwrap();
        let body = full["body"].as_str().unwrap();
        assert!(
            body.starts_with(&format!("Judul lengkap: {title}")),
            "the whole title kept"
        );
        assert!(
            body.ends_with("Mohon ditindaklanjuti."),
            "the whole text kept"
        );
        assert!(body.chars().count() > 25_000 && !body.contains('\u{0}'));
        // 2026-… 08:00:00 without a zone is WIB (UTC+7)
        let local = chrono::NaiveDateTime::parse_from_str(
            r["disposed_at"].as_str().unwrap(),
            "%Y-%m-%d %H:%M:%S",
        )
        .unwrap();
        let received: DateTime<Utc> = full["received_at"].as_str().unwrap().parse().unwrap();
        assert_eq!(received.naive_utc(), local - chrono::Duration::hours(7));
        assert_eq!(full["reporter"]["name"], "Dewi Lestari");
        assert!(full["reporter"]["email"].is_null(), "{}", full["reporter"]);
        // the notes on the timeline, for the liaison officer
        let t: Value = app
            .get(&admin, &format!("/api/v1/complaints/{id}/timeline"))
            .await
            .json()
            .await
            .unwrap();
        let registered = t["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["kind"] == "registered")
            .unwrap()
            .to_string();
        for want in [
            "tanpa zona waktu",
            "NUL",
            "judul lengkap ada di awal isi",
            "Alamat pelapor",
            "email",
        ] {
            assert!(registered.contains(want), "{want}: {registered}");
        }
        assert!(!registered.contains("dewi@gmail"), "no value quoted");
    }
    assert_eq!(status(&app, &liaison).await["quarantined"], 0);
}

//! SP4N-LAPOR! misbehaving (issue 18): each of lapor-sim's fault switches
//! on, with a restart (a new service instance on the same database) in the
//! middle, on both backends.

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use aduan::domain::Role;
use aduan::intake::lapor::outbound::LaporCourier;
use chrono::Utc;
use serde_json::{Value, json};

use crate::helpers::*;
use crate::lapor::{Sim, TOKEN, imported, poll, poll_until_quiet, status, with_lapor};
use crate::workflow::{act, dispose, office, ok, timeline};

both_backends!(
    reports_behind_the_cursor_moved_or_stale_are_imported_once_at_their_latest_status,
    the_sweep_imports_what_the_overlap_window_no_longer_covers,
    followups_and_rerouting_arrive_once_through_401s_and_cut_answers_when_keys_are_ignored,
    followups_arrive_once_with_proof_when_a_replayed_key_answers_409,
    comments_are_read_per_report_without_trusting_the_count_and_edits_show,
    attachments_are_checked_and_a_failed_one_is_on_the_timeline,
    a_crashed_poller_blocks_the_others_for_less_than_two_poll_intervals,
    workflow_actions_during_an_import_never_answer_500,
    each_outbound_fault_kind_is_retried_until_it_arrives_once,
    a_platform_that_ignores_keys_and_lists_late_gets_each_followup_once,
    a_killed_poller_is_taken_over_within_two_heartbeats_and_the_wait_is_named,
    under_thirty_percent_unreadable_answers_the_import_converges,
    late_and_missing_attachments_are_tried_on_schedule_and_shown_until_then,
    edits_on_lapor_reach_the_complaint_and_the_office_keeps_its_own,
);

fn tids(reports: &Value) -> Vec<String> {
    reports
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["tracking_id"].as_u64().unwrap().to_string())
        .collect()
}

async fn quarantine(app: &TestApp, key: &str) -> Vec<Value> {
    let q: Value = app
        .get(key, "/api/v1/integrations/lapor/quarantine")
        .await
        .json()
        .await
        .unwrap();
    q["items"].as_array().unwrap().clone()
}

/// The status endpoint's counts against what the database holds.
async fn status_tells_the_truth(app: &TestApp, key: &str, admin: &str) {
    let s = status(app, key).await;
    let got = imported(app, admin).await;
    let q = quarantine(app, key).await;
    assert_eq!(s["imported_total"].as_u64(), Some(got.len() as u64), "{s}");
    assert_eq!(s["quarantined"].as_u64(), Some(q.len() as u64), "{s}");
}

/// Late commits behind the cursor, page-number cursors that shift when a
/// report changes, and stale copies served after the current one: every
/// report once, at its newest status; a report re-routed away before we ever
/// saw it never becomes a complaint.
async fn reports_behind_the_cursor_moved_or_stale_are_imported_once_at_their_latest_status(
    b: Backend,
) {
    let sim = Sim::start(&[
        "--seed",
        "23",
        "--reports",
        "150",
        "--late",
        "8",
        "--stale-copies",
        "--offset-cursors",
        "--error-rate",
        "0.1",
        "--out-of-order",
    ]);
    let Some(first) = spawn_app_with(b, with_lapor(&sim.url, TOKEN)).await else {
        return;
    };
    let liaison = first.key(Role::Liaison).await;
    let admin = first.key(Role::Admin).await;
    let mut polls = 0;
    while polls < 10 && poll(&first, &liaison).await.0 != 200 {
        polls += 1;
    }
    let seen = imported(&first, &admin).await;
    let all = tids(&sim.get("/sim/reports").await);
    let unseen: Vec<&String> = all.iter().filter(|t| !seen.contains_key(*t)).collect();
    assert!(
        unseen.len() >= 8,
        "the late ones were not listed yet: {}",
        unseen.len()
    );
    let known: Vec<&String> = all.iter().filter(|t| seen.contains_key(*t)).collect();

    // on LAPOR!: three closed, two re-routed away, one commented on (each
    // moves to the end of the listing and is served again as its old copy),
    // and one we never saw re-routed away
    for t in &known[..3] {
        assert_eq!(
            sim.post(&format!("/sim/reports/{t}/close"), json!({}))
                .await,
            204
        );
    }
    for t in &known[3..5] {
        assert_eq!(
            sim.post(&format!("/sim/reports/{t}/reroute-away"), json!({}))
                .await,
            204
        );
    }
    assert_eq!(
        sim.post(
            &format!("/sim/reports/{}/comments", known[5]),
            json!({"body": "Mohon kabarnya."})
        )
        .await,
        201
    );
    let gone = unseen[0].clone();
    assert_eq!(
        sim.post(&format!("/sim/reports/{gone}/reroute-away"), json!({}))
            .await,
        204
    );

    // another instance takes over in the middle
    let app = spawn_replica(&first, with_lapor(&sim.url, TOKEN)).await;
    poll_until_quiet(&app, &liaison, 40).await;
    // the stale copies keep coming: nothing moves back
    poll(&app, &liaison).await;
    poll(&app, &liaison).await;

    let got = imported(&app, &admin).await;
    let want: HashSet<String> = all.iter().filter(|t| **t != gone).cloned().collect();
    assert_eq!(
        got.keys().cloned().collect::<HashSet<_>>(),
        want,
        "every report once, the one re-routed before we saw it not at all"
    );
    for t in &known[..3] {
        assert_eq!(got[*t]["status"], "closed", "{t}");
    }
    for t in &known[3..5] {
        assert_eq!(got[*t]["status"], "redirected", "{t}");
    }
    let replies = timeline(&app, &liaison, got[known[5]]["id"].as_str().unwrap())
        .await
        .iter()
        .filter(|e| e["kind"] == "reporter_replied")
        .count();
    assert_eq!(replies, 1);
    let untouched: HashSet<&str> = got
        .iter()
        .filter(|(t, _)| !known[..5].contains(t))
        .map(|(_, c)| c["status"].as_str().unwrap())
        .collect();
    assert_eq!(
        untouched.len(),
        1,
        "no stale copy moved one back: {untouched:?}"
    );
    assert!(quarantine(&app, &liaison).await.is_empty());
    status_tells_the_truth(&app, &liaison, &admin).await;

    // the sweep on demand finds nothing more, and says when it ran
    let r = app
        .client
        .post(app.url("/api/v1/integrations/lapor/reconcile"))
        .bearer_auth(&liaison)
        .send()
        .await
        .unwrap();
    let mut code = r.status().as_u16();
    let mut body: Value = r.json().await.unwrap_or(Value::Null);
    for _ in 0..10 {
        if code == 200 {
            break;
        }
        let r = app
            .client
            .post(app.url("/api/v1/integrations/lapor/reconcile"))
            .bearer_auth(&liaison)
            .send()
            .await
            .unwrap();
        code = r.status().as_u16();
        body = r.json().await.unwrap_or(Value::Null);
    }
    assert_eq!(code, 200, "{body}");
    assert_eq!(body["imported"], 0, "{body}");
    assert!(status(&app, &liaison).await["last_reconciled_at"].is_string());
    assert_eq!(imported(&app, &admin).await.len(), want.len());
}

/// Reports committed long behind the cursor (after two polls twenty
/// minutes apart): the overlap window no longer reaches them, the
/// reconciliation sweep imports them, once.
async fn the_sweep_imports_what_the_overlap_window_no_longer_covers(b: Backend) {
    let sim = Sim::start(&[
        "--seed",
        "29",
        "--reports",
        "40",
        "--late",
        "4",
        "--late-held",
    ]);
    let Some(app) = spawn_app_with(b, with_lapor(&sim.url, TOKEN)).await else {
        return;
    };
    let liaison = app.key(Role::Liaison).await;
    let admin = app.key(Role::Admin).await;
    let sync = aduan::intake::lapor::build(&aduan::app::App::new(
        app.store.clone(),
        app.settings.clone(),
    ))
    .unwrap()
    .unwrap();
    let t0 = Utc::now();
    let minutes = chrono::Duration::minutes;
    assert_eq!(sync.poll_once(t0).await.unwrap().imported, 36);
    assert_eq!(sync.poll_once(t0 + minutes(20)).await.unwrap().imported, 0);
    assert_eq!(sim.post("/sim/reveal-late", json!({})).await, 204);
    let r = sync.poll_once(t0 + minutes(40)).await.unwrap();
    assert_eq!(r.imported, 0, "behind the overlap window: {r:?}");
    assert_eq!(imported(&app, &admin).await.len(), 36);
    let r = sync.reconcile(t0 + minutes(40)).await.unwrap();
    assert_eq!(r.imported, 4, "{r:?}");
    assert_eq!(sync.reconcile(t0 + minutes(41)).await.unwrap().imported, 0);
    let got = imported(&app, &admin).await;
    assert_eq!(
        got.keys().cloned().collect::<HashSet<_>>(),
        tids(&sim.get("/sim/reports").await)
            .into_iter()
            .collect::<HashSet<_>>()
    );
    let s = status(&app, &liaison).await;
    assert_eq!(s["imported_total"], 40, "{s}");
    assert!(s["last_reconciled_at"].is_string(), "{s}");
}

/// Answers `n` imported complaints through the whole chain to dispatch.
async fn answer_all(app: &TestApp, o: &crate::workflow::Office, ids: &[String]) {
    for id in ids {
        ok(app, &o.liaison, id, "forward", json!({})).await;
        ok(app, &o.k_head, id, "dispositions", dispose(&o.kabid)).await;
        ok(
            app,
            &o.k_kabid,
            id,
            "answer/drafts",
            json!({"body": "Terima kasih. Bantuan Bapak/Ibu telah kami proses."}),
        )
        .await;
        ok(app, &o.k_kabid, id, "answer/submit", json!({})).await;
        ok(app, &o.k_head, id, "answer/approve", json!({})).await;
        ok(app, &o.liaison, id, "dispatch", json!({})).await;
    }
}

fn courier(app: &TestApp) -> LaporCourier {
    let sync = aduan::intake::lapor::build(&aduan::app::App::new(
        app.store.clone(),
        app.settings.clone(),
    ))
    .unwrap()
    .unwrap();
    LaporCourier {
        sync,
        store: app.store.clone(),
    }
}

/// Delivers the outbox in rounds two hours apart (past every backoff),
/// half of them from `first` and the rest from `then` (a restart).
async fn deliver(first: &TestApp, then: &TestApp, key: &str, rounds: usize) {
    let mut now = Utc::now();
    let couriers = [courier(first), courier(then)];
    for round in 0..rounds {
        let c = &couriers[usize::from(round >= 2)];
        aduan::notify::deliver_due(first.store.as_ref(), c, 50, now)
            .await
            .unwrap();
        if round >= 2 && status(then, key).await["pending_followups"] == 0 {
            break;
        }
        now += chrono::Duration::hours(2);
    }
}

/// `reroutes`: re-routing requests also counted as sent.
async fn each_followup_once_with_proof(
    app: &TestApp,
    sim: &Sim,
    key: &str,
    ids: &[String],
    reroutes: i64,
) {
    let s = status(app, key).await;
    assert_eq!(
        (
            s["pending_followups"].as_i64(),
            s["sent_followups"].as_i64(),
            s["failed_followups"].as_i64()
        ),
        (Some(0), Some(ids.len() as i64 + reroutes), Some(0)),
        "{s}"
    );
    let stats = sim.get("/sim/stats").await;
    let arrived = stats["followups"].as_object().unwrap();
    assert_eq!(arrived.len(), ids.len(), "{stats}");
    assert!(arrived.values().all(|n| *n == 1), "each once: {stats}");
    for id in ids {
        let answer: Value = app
            .get(key, &format!("/api/v1/complaints/{id}/answer"))
            .await
            .json()
            .await
            .unwrap();
        let proof = answer["dispatches"][0]["external_id"]
            .as_str()
            .unwrap_or("");
        assert!(proof.starts_with("fu-"), "proof recorded: {answer}");
    }
}

/// An expired token on the first posts, every new follow-up stored but its
/// 201 cut short, and a platform that ignores Idempotency-Key: each
/// follow-up and the re-routing arrive once, with proof.
async fn followups_and_rerouting_arrive_once_through_401s_and_cut_answers_when_keys_are_ignored(
    b: Backend,
) {
    let sim = Sim::start(&[
        "--seed",
        "41",
        "--reports",
        "12",
        "--unauthorized-posts",
        "4",
        "--cut-posts",
        "--ignore-idempotency",
    ]);
    let Some(first) = spawn_app_with(b, with_lapor(&sim.url, TOKEN)).await else {
        return;
    };
    let liaison = first.key(Role::Liaison).await;
    assert_eq!(poll(&first, &liaison).await.1["imported"], 12);
    let got = imported(&first, &liaison).await;
    let mut ids: Vec<String> = got
        .values()
        .map(|c| c["id"].as_str().unwrap().to_string())
        .collect();
    let redirected = ids.pop().unwrap();
    let o = office(&first).await;
    answer_all(&first, &o, &ids).await;
    ok(&first, &o.liaison, &redirected, "forward", json!({})).await;
    ok(
        &first,
        &o.k_head,
        &redirected,
        "redirect",
        json!({"agency": "Dinas Kesehatan", "reason": "Bukan kewenangan Dinas Sosial"}),
    )
    .await;
    let app = spawn_replica(&first, with_lapor(&sim.url, TOKEN)).await;
    deliver(&first, &app, &liaison, 30).await;
    each_followup_once_with_proof(&app, &sim, &liaison, &ids, 1).await;
    let stats = sim.get("/sim/stats").await;
    let tid = got
        .iter()
        .find(|(_, c)| c["id"] == redirected.as_str())
        .map(|(t, _)| t.clone())
        .unwrap();
    assert_eq!(stats["reroutes"][&tid], 1, "re-routed once: {stats}");
    assert_eq!(stats["reroutes"].as_object().unwrap().len(), 1, "{stats}");
    assert!(
        stats["faults"].as_u64().unwrap() >= 4,
        "the faults did happen: {stats}"
    );
}

/// The platform keeps each follow-up but cuts its 201, answers 409 to a
/// replayed key, and fails a third of all requests (look-ups included).
async fn followups_arrive_once_with_proof_when_a_replayed_key_answers_409(b: Backend) {
    let sim = Sim::start(&[
        "--seed",
        "43",
        "--reports",
        "10",
        "--cut-posts",
        "--conflict-on-replay",
        "--error-rate",
        "0.3",
        "--unauthorized-posts",
        "2",
    ]);
    let Some(first) = spawn_app_with(b, with_lapor(&sim.url, TOKEN)).await else {
        return;
    };
    let liaison = first.key(Role::Liaison).await;
    poll_until_quiet(&first, &liaison, 30).await;
    let got = imported(&first, &liaison).await;
    assert_eq!(got.len(), 10);
    let ids: Vec<String> = got
        .values()
        .map(|c| c["id"].as_str().unwrap().to_string())
        .collect();
    answer_all(&first, &office(&first).await, &ids).await;
    let app = spawn_replica(&first, with_lapor(&sim.url, TOKEN)).await;
    deliver(&first, &app, &liaison, 40).await;
    each_followup_once_with_proof(&app, &sim, &liaison, &ids, 0).await;
}

/// Comment ids that count per report, a listing whose `comment_count` is
/// always 0, one comment with an unreadable date, 404s on the first
/// fetches: each comment once on its own complaint, the bad one alone in
/// quarantine, edits and withdrawals marked, and the polls go on.
async fn comments_are_read_per_report_without_trusting_the_count_and_edits_show(b: Backend) {
    let sim = Sim::start(&[
        "--seed",
        "31",
        "--reports",
        "6",
        "--comment-ids-per-report",
        "--no-comment-count",
        "--bad-comments",
        "1",
        "--comments-404",
        "2",
    ]);
    let Some(first) = spawn_app_with(b, with_lapor(&sim.url, TOKEN)).await else {
        return;
    };
    let liaison = first.key(Role::Liaison).await;
    assert_eq!(poll(&first, &liaison).await.1["imported"], 6);
    let got = imported(&first, &liaison).await;
    let t: Vec<String> = got.keys().cloned().collect();
    let id = |i: usize| got[&t[i]]["id"].as_str().unwrap().to_string();
    let comment = |i: usize, body: &'static str| {
        let path = format!("/sim/reports/{}/comments", t[i]);
        let sim = &sim;
        async move { assert_eq!(sim.post(&path, json!({ "body": body })).await, 201) }
    };
    comment(0, "Komentar pertama yang rusak tanggalnya.").await;
    comment(0, "Sampai hari ini belum ada kabar.").await;
    comment(1, "Bantuan belum cair bulan ini.").await;
    comment(2, "Saya sudah ke kantor desa.").await;
    for _ in 0..3 {
        let (code, r) = poll(&first, &liaison).await;
        assert_eq!(
            code, 200,
            "a comment fetch failing never fails the poll: {r}"
        );
    }
    let app = spawn_replica(&first, with_lapor(&sim.url, TOKEN)).await;
    // the reporter edits one comment and withdraws another
    assert_eq!(
        sim.post(
            &format!("/sim/reports/{}/comments/1", t[1]),
            json!({"body": "Bantuan belum cair dua bulan."})
        )
        .await,
        200
    );
    assert_eq!(
        sim.delete(&format!("/sim/reports/{}/comments/1", t[2]))
            .await,
        200
    );
    assert_eq!(sim.post("/sim/reports", json!({"count": 2})).await, 204);
    let mut newly = 0;
    for _ in 0..3 {
        let (code, r) = poll(&app, &liaison).await;
        assert_eq!(code, 200, "{r}");
        newly += r["imported"].as_u64().unwrap();
    }
    assert_eq!(
        newly, 2,
        "reports disposed after a bad comment are imported"
    );

    let texts = |items: &[Value], kind: &str| -> Vec<String> {
        items
            .iter()
            .filter(|e| e["kind"] == kind)
            .map(|e| e["detail"]["text"].as_str().unwrap_or("").to_string())
            .collect()
    };
    let t0 = timeline(&app, &liaison, &id(0)).await;
    assert_eq!(
        texts(&t0, "reporter_replied"),
        vec!["Sampai hari ini belum ada kabar."]
    );
    let t1 = timeline(&app, &liaison, &id(1)).await;
    assert_eq!(
        texts(&t1, "reporter_replied"),
        vec!["Bantuan belum cair bulan ini."],
        "the first text is kept"
    );
    assert_eq!(
        texts(&t1, "lapor_comment_edited"),
        vec!["Bantuan belum cair dua bulan."]
    );
    let t2 = timeline(&app, &liaison, &id(2)).await;
    assert_eq!(
        texts(&t2, "reporter_replied"),
        vec!["Saya sudah ke kantor desa."],
        "withdrawn, never erased"
    );
    assert_eq!(
        t2.iter()
            .filter(|e| e["kind"] == "lapor_comment_deleted")
            .count(),
        1
    );
    for i in 3..6 {
        let t = timeline(&app, &liaison, &id(i)).await;
        assert!(texts(&t, "reporter_replied").is_empty());
    }
    let stats = sim.get("/sim/stats").await;
    assert_eq!(stats["bad_comments"][0], format!("{}/1", t[0]), "{stats}");
    let q = quarantine(&app, &liaison).await;
    assert_eq!(q.len(), 1, "{q:?}");
    assert_eq!(q[0]["tracking_id"], t[0].as_str());
    assert!(
        q[0]["reason"].as_str().unwrap().contains("comment 1"),
        "{q:?}"
    );
    let admin = app.key(Role::Admin).await;
    status_tells_the_truth(&app, &liaison, &admin).await;
}

/// An attachment cut short (with a matching Content-Length), one missing
/// and one of 50 MB: the good ones stored intact, each bad one absent and
/// said so on its complaint's timeline.
async fn attachments_are_checked_and_a_failed_one_is_on_the_timeline(b: Backend) {
    let sim = Sim::start(&[
        "--seed",
        "37",
        "--reports",
        "80",
        "--short-attachments",
        "1",
        "--missing-attachments",
        "1",
        "--huge-attachments",
        "1",
    ]);
    let Some(first) = spawn_app_with(b, with_lapor(&sim.url, TOKEN)).await else {
        return;
    };
    let liaison = first.key(Role::Liaison).await;
    let admin = first.key(Role::Admin).await;
    assert_eq!(poll(&first, &liaison).await.1["imported"], 80);
    let app = spawn_replica(&first, with_lapor(&sim.url, TOKEN)).await;
    for _ in 0..2 {
        assert_eq!(poll(&app, &liaison).await.0, 200);
    }
    let got = imported(&app, &admin).await;
    let stats = sim.get("/sim/stats").await;
    let faults = stats["attachment_faults"].as_object().unwrap().clone();
    assert_eq!(faults.len(), 3, "{stats}");
    let mut intact = 0;
    let mut reasons = BTreeMap::new();
    for r in sim.get("/sim/reports").await.as_array().unwrap() {
        let Some(a) = r["attachments"].as_array().and_then(|a| a.first()) else {
            continue;
        };
        let tid = r["tracking_id"].as_u64().unwrap().to_string();
        let cid = got[&tid]["id"].as_str().unwrap();
        let list: Value = app
            .get(&admin, &format!("/api/v1/complaints/{cid}/attachments"))
            .await
            .json()
            .await
            .unwrap();
        let items = list["items"].as_array().unwrap();
        let aid = a["id"].as_str().unwrap();
        let failed: Vec<Value> = timeline(&app, &liaison, cid)
            .await
            .into_iter()
            .filter(|e| e["kind"] == "lapor_attachment_failed")
            .collect();
        if let Some(fault) = faults.get(aid) {
            assert!(items.is_empty(), "{fault}: {list}");
            assert!(!failed.is_empty(), "{fault} attachment not on the timeline");
            assert_eq!(failed[0]["detail"]["lapor_attachment_id"], aid);
            assert_eq!(failed[0]["detail"]["file_name"], a["file_name"]);
            reasons.insert(
                fault.as_str().unwrap().to_string(),
                failed.last().unwrap().to_string(),
            );
        } else {
            assert_eq!(items.len(), 1, "{tid}");
            assert_eq!(items[0]["size_bytes"], a["size"]);
            assert_eq!(items[0]["sha256"], a["sha256"]);
            assert!(failed.is_empty());
            intact += 1;
        }
    }
    assert!(intact >= 3, "{intact}");
    assert!(reasons["short"].contains("tidak utuh"), "{reasons:?}");
    assert!(reasons["missing"].contains("404"), "{reasons:?}");
    assert!(reasons["huge"].contains("lebih besar"), "{reasons:?}");
}

/// A poller killed mid-poll (its task dropped: no release, no heartbeat)
/// leaves its lease behind; another instance polls within two intervals.
async fn a_crashed_poller_blocks_the_others_for_less_than_two_poll_intervals(b: Backend) {
    let sim = Sim::start(&["--seed", "47", "--reports", "5"]);
    let slow = Sim::start(&[
        "--seed",
        "47",
        "--reports",
        "5",
        "--timeout-rate",
        "1",
        "--timeout-ms",
        "30000",
    ]);
    let every = 10;
    let with = |url: String| {
        move |s: &mut aduan::config::Settings| {
            with_lapor(&url, TOKEN)(s);
            if let Some(l) = s.lapor.as_mut() {
                l.poll_secs = every;
            }
        }
    };
    let Some(app) = spawn_app_with(b, with(sim.url.clone())).await else {
        return;
    };
    let liaison = app.key(Role::Liaison).await;
    let mut crashed = (*app.settings).clone();
    with(slow.url.clone())(&mut crashed);
    let dying =
        aduan::intake::lapor::build(&aduan::app::App::new(app.store.clone(), Arc::new(crashed)))
            .unwrap()
            .unwrap();
    let task = tokio::spawn(async move { dying.poll_leased(Utc::now()).await });
    let mut held = Value::Null;
    for _ in 0..100 {
        held = status(&app, &liaison).await;
        if held["lease_holder"].is_string() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(
        held["lease_holder"].is_string() && held["lease_since"].is_string(),
        "the status says who polls and since when: {held}"
    );
    task.abort();
    let crash = Instant::now();
    let (code, p) = poll(&app, &liaison).await;
    assert_eq!(code, 409, "the dead holder's lease is still there: {p}");
    // the refusal names who holds the lease and until when
    let detail = p["detail"].as_str().unwrap_or("");
    assert!(
        detail.contains(held["lease_holder"].as_str().unwrap_or("?"))
            && detail.contains("lease runs out at"),
        "{p}"
    );
    let mut polled = false;
    while crash.elapsed() < Duration::from_secs(2 * every) {
        tokio::time::sleep(Duration::from_millis(500)).await;
        let (code, _) = poll(&app, &liaison).await;
        if code == 200 {
            polled = true;
            break;
        }
    }
    assert!(
        polled,
        "no poll within two intervals of the crash ({:?})",
        crash.elapsed()
    );
    assert_eq!(status(&app, &liaison).await["imported_total"], 5);
}

/// Workflow actions while the poller imports and the outbox delivers, on
/// one database: none answers 500 (SQLite's "database is locked").
async fn workflow_actions_during_an_import_never_answer_500(b: Backend) {
    let sim = Sim::start(&["--seed", "53", "--reports", "40"]);
    let Some(app) = spawn_app_with(b, with_lapor(&sim.url, TOKEN)).await else {
        return;
    };
    let app = Arc::new(app);
    let liaison = app.key(Role::Liaison).await;
    assert_eq!(poll(&app, &liaison).await.1["imported"], 40);
    let ids: Vec<String> = imported(&app, &liaison)
        .await
        .values()
        .map(|c| c["id"].as_str().unwrap().to_string())
        .collect();
    let o = Arc::new(office(&app).await);
    assert_eq!(sim.post("/sim/reports", json!({"count": 1500})).await, 204);

    let importer = {
        let (app, key) = (app.clone(), liaison.clone());
        tokio::spawn(async move {
            let mut codes = Vec::new();
            for _ in 0..60 {
                let (code, r) = poll(&app, &key).await;
                codes.push(code);
                if code == 200 && r["imported"] == 0 {
                    break;
                }
            }
            codes
        })
    };
    let courier = Arc::new(courier(&app));
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let outbox = {
        let (app, courier, stop) = (app.clone(), courier.clone(), stop.clone());
        tokio::spawn(async move {
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                aduan::notify::deliver_due(app.store.as_ref(), courier.as_ref(), 20, Utc::now())
                    .await
                    .unwrap();
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        })
    };
    let mut workers = Vec::new();
    for chunk in ids.chunks(10) {
        let (app, o, chunk) = (app.clone(), o.clone(), chunk.to_vec());
        workers.push(tokio::spawn(async move {
            let mut codes: BTreeMap<u16, usize> = BTreeMap::new();
            for id in &chunk {
                let steps = [
                    (&o.liaison, "forward", json!({})),
                    (&o.k_head, "dispositions", dispose(&o.kabid)),
                    (
                        &o.k_kabid,
                        "answer/drafts",
                        json!({"body": "Terima kasih. Bantuan Bapak/Ibu telah kami proses."}),
                    ),
                    (&o.k_kabid, "answer/submit", json!({})),
                    (&o.k_head, "answer/approve", json!({})),
                    (&o.liaison, "dispatch", json!({})),
                ];
                for (key, action, body) in steps {
                    let r = act(&app, key, id, action, body).await;
                    *codes.entry(r.status().as_u16()).or_default() += 1;
                }
            }
            codes
        }));
    }
    let mut codes: BTreeMap<u16, usize> = BTreeMap::new();
    for w in workers {
        for (k, n) in w.await.unwrap() {
            *codes.entry(k).or_default() += n;
        }
    }
    let polls = importer.await.unwrap();
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    outbox.await.unwrap();
    assert_eq!(
        codes,
        BTreeMap::from([(200, ids.len() * 6)]),
        "every action answered 200"
    );
    assert!(!polls.contains(&500), "{polls:?}");
    assert!(
        polls.iter().filter(|c| **c == 200).count() >= 2,
        "the import ran alongside: {polls:?}"
    );
    let admin = app.key(Role::Admin).await;
    assert_eq!(imported(&app, &admin).await.len(), 1540);
}

/// Issue 37, item 1: a re-routing request answered `503` with `Retry-After:
/// 1` (twice, nothing stored), then follow-ups that meet a proxy's 502 HTML
/// page, a connection reset in the middle of the answer and a timeout
/// (each after LAPOR! stored the post): each arrives, once, with proof.
async fn each_outbound_fault_kind_is_retried_until_it_arrives_once(b: Backend) {
    let sim = Sim::start(&[
        "--seed",
        "47",
        "--reports",
        "4",
        "--post-faults",
        "503,503,502-html,reset,timeout",
        "--timeout-ms",
        "1500",
    ]);
    let Some(app) = spawn_app_with(b, with_lapor(&sim.url, TOKEN)).await else {
        return;
    };
    let liaison = app.key(Role::Liaison).await;
    assert_eq!(poll(&app, &liaison).await.1["imported"], 4);
    let got = imported(&app, &liaison).await;
    let mut ids: Vec<String> = got
        .values()
        .map(|c| c["id"].as_str().unwrap().to_string())
        .collect();
    let o = office(&app).await;
    // the re-routing request first: it meets both 503s
    let redirected = ids.pop().unwrap();
    ok(&app, &o.liaison, &redirected, "forward", json!({})).await;
    ok(
        &app,
        &o.k_head,
        &redirected,
        "redirect",
        json!({"agency": "Dinas Kesehatan", "reason": "Bukan kewenangan Dinas Sosial"}),
    )
    .await;
    let started = Instant::now();
    aduan::notify::deliver_due(app.store.as_ref(), &courier(&app), 50, Utc::now())
        .await
        .unwrap();
    let stats = sim.get("/sim/stats").await;
    let tid = got
        .iter()
        .find(|(_, c)| c["id"] == redirected.as_str())
        .map(|(t, _)| t.clone())
        .unwrap();
    assert_eq!(
        stats["reroutes"][&tid], 1,
        "through two 503s in one delivery: {stats}"
    );
    assert!(
        started.elapsed() >= Duration::from_secs(2),
        "Retry-After (1 s) was waited each time"
    );
    // then the three follow-ups, through 502 HTML, a reset and a timeout
    answer_all(&app, &o, &ids).await;
    deliver(&app, &app, &liaison, 10).await;
    each_followup_once_with_proof(&app, &sim, &liaison, &ids, 1).await;
    let stats = sim.get("/sim/stats").await;
    assert_eq!(stats["faults"], 5, "every fault did happen: {stats}");
    // the follow-up ends with the line that finds it again
    for id in &ids {
        let c: Value = app
            .get(&liaison, &format!("/api/v1/complaints/{id}"))
            .await
            .json()
            .await
            .unwrap();
        let tid = c["external_ref"]["lapor_tracking_id"].as_str().unwrap();
        let posted: Value = reqwest::Client::new()
            .get(format!("{}/api/v1/reports/{tid}/followups", sim.url))
            .bearer_auth(TOKEN)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let text = posted[0]["content"].as_str().unwrap();
        let tn = c["tracking_number"].as_str().unwrap();
        assert!(
            text.starts_with("Terima kasih. Bantuan Bapak/Ibu telah kami proses.")
                && text.ends_with(&format!("Nomor pengaduan: {tn} (jawaban versi 1)")),
            "{text}"
        );
    }
}

/// Issue 37, item 6: LAPOR! ignores `Idempotency-Key` (and keeps none),
/// cuts every 201 short, and lists a follow-up only 1.5 s after storing
/// it: aduan looks over its listing-lag window (3 s here) before posting
/// again and finds its own line — each follow-up posted exactly once.
async fn a_platform_that_ignores_keys_and_lists_late_gets_each_followup_once(b: Backend) {
    let sim = Sim::start(&[
        "--seed",
        "53",
        "--reports",
        "3",
        "--ignore-idempotency",
        "--cut-posts",
        "--listing-lag-ms",
        "1500",
    ]);
    let Some(app) = spawn_app_with(b, with_lapor(&sim.url, TOKEN)).await else {
        return;
    };
    let liaison = app.key(Role::Liaison).await;
    assert_eq!(poll(&app, &liaison).await.1["imported"], 3);
    let ids: Vec<String> = imported(&app, &liaison)
        .await
        .values()
        .map(|c| c["id"].as_str().unwrap().to_string())
        .collect();
    answer_all(&app, &office(&app).await, &ids).await;
    deliver(&app, &app, &liaison, 6).await;
    each_followup_once_with_proof(&app, &sim, &liaison, &ids, 0).await;
    let stats = sim.get("/sim/stats").await;
    assert_eq!(
        stats["followup_posts"], 3,
        "one POST per follow-up, no second one: {stats}"
    );
}

/// The service process of the kill test, killed (SIGKILL) when dropped.
struct Process(std::process::Child);

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Issue 37, item 4: a real `aduan serve` polls a LAPOR! that never answers
/// and is killed with SIGKILL while it holds the poll lease. Meanwhile
/// another replica's poll is refused, and its status and LAPOR! page name
/// the holder and when its lease runs out; after the kill that replica
/// polls within two heartbeats (the lease is not renewed any more).
async fn a_killed_poller_is_taken_over_within_two_heartbeats_and_the_wait_is_named(b: Backend) {
    use aduan::intake::lapor::sync::{HEARTBEAT, LEASE};
    let sim = Sim::start(&["--seed", "59", "--reports", "5"]);
    let hanging = Sim::start(&[
        "--seed",
        "59",
        "--reports",
        "5",
        "--timeout-rate",
        "1",
        "--timeout-ms",
        "120000",
    ]);
    let Some((url, dir)) = fresh_database(b).await else {
        return;
    };
    let data_dir = dir.0.clone();
    let app = spawn_app_at(url.clone(), dir, with_lapor(&sim.url, TOKEN)).await;
    let liaison = app.key(Role::Liaison).await;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_aduan"))
        .arg("serve")
        .env_clear()
        .env("DATABASE_URL", &url)
        .env("ADUAN_DATA_DIR", data_dir.display().to_string())
        .env("ADUAN_TRACKING_PREFIX", "DINSOS")
        .env("ADUAN_LISTEN", format!("127.0.0.1:{port}"))
        .env("ADUAN_LOG", "warn")
        .env("ADUAN_LAPOR_URL", &hanging.url)
        .env("ADUAN_LAPOR_TOKEN", TOKEN)
        .env("ADUAN_LAPOR_TIMEOUT_SECONDS", "300")
        .env("ADUAN_LAPOR_POLL_SECONDS", "86400")
        .current_dir(&data_dir)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let pid = child.id();
    let mut child = Process(child);
    let base = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::new();
    let ready = Instant::now();
    while http
        .get(format!("{base}/readyz"))
        .send()
        .await
        .map_or(true, |r| r.status() != 200)
    {
        assert!(
            ready.elapsed() < Duration::from_secs(120),
            "aduan serve not ready"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // its poll hangs on LAPOR!, holding the lease
    let (k, b2) = (liaison.clone(), base.clone());
    let hung = tokio::spawn(async move {
        reqwest::Client::new()
            .post(format!("{b2}/api/v1/integrations/lapor/poll"))
            .bearer_auth(k)
            .send()
            .await
    });
    let holder = loop {
        if let Some(l) = app.store.lease(LEASE).await.unwrap()
            && l.until > Utc::now()
            && l.holder.contains(&format!("/{pid}/"))
        {
            break l.holder;
        }
        // a precondition, not the measure (that is the takeover below): a
        // debug build started beside five other tests once needed over 60 s
        assert!(
            ready.elapsed() < Duration::from_secs(180),
            "the process never held the lease (its poll {})",
            if hung.is_finished() {
                "had answered"
            } else {
                "was still waiting"
            }
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    // two beats later it still holds it (renewed, not expired)
    tokio::time::sleep(2 * HEARTBEAT + Duration::from_millis(500)).await;
    let (code, p) = poll(&app, &liaison).await;
    assert_eq!(code, 409, "the live holder polls: {p}");
    let s = status(&app, &liaison).await;
    assert_eq!(s["blocked_by"]["replica"], holder.as_str(), "{s}");
    assert!(
        s["blocked_by"]["expires_at"].is_string() && s["blocked_by"]["since"].is_string(),
        "{s}"
    );
    // the console's LAPOR! page says it in words
    crate::accounts::account(
        &app,
        &app.key(Role::Admin).await,
        "penghubung",
        "liaison",
        None,
    )
    .await;
    let session =
        crate::accounts::browser(&app, "penghubung", crate::accounts::PASSWORD, None).await;
    let page = app
        .client
        .get(app.url("/console/lapor"))
        .header("Cookie", &session.cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("Penarikan di server ini tertahan: server lain (")
            && page.contains(&holder)
            && page.contains("mengambil alih"),
        "{page}"
    );
    // SIGKILL: no release, no more beats
    let killed = std::process::Command::new("kill")
        .args(["-KILL", &pid.to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let kill = Instant::now();
    let _ = child.0.wait();
    hung.abort();
    let took = loop {
        let sent = kill.elapsed();
        let (code, p) = poll(&app, &liaison).await;
        if code == 200 {
            assert_eq!(p["imported"], 5, "{p}");
            break sent;
        }
        assert_eq!(code, 409, "{p}");
        assert!(kill.elapsed() < Duration::from_secs(30), "never taken over");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(
        took <= 2 * HEARTBEAT + Duration::from_millis(300),
        "taken over {took:?} after the kill (heartbeat {HEARTBEAT:?})"
    );
    let s = status(&app, &liaison).await;
    assert!(s["blocked_by"].is_null(), "no longer blocked: {s}");
}

/// Issue 37, item 3: 30 % of LAPOR!'s read answers are unreadable — a
/// proxy's 502 HTML page or a 200 whose JSON stops halfway. Each is asked
/// for again at once: the import converges within the bound, every report
/// once, nothing quarantined for a transport fault, and a poll that did
/// fail says how far it got.
async fn under_thirty_percent_unreadable_answers_the_import_converges(b: Backend) {
    let sim = Sim::start(&[
        "--seed",
        "61",
        "--reports",
        "300",
        "--unreadable-rate",
        "0.3",
    ]);
    let Some(app) = spawn_app_with(b, with_lapor(&sim.url, TOKEN)).await else {
        return;
    };
    let liaison = app.key(Role::Liaison).await;
    let started = Instant::now();
    let mut failed = Vec::new();
    loop {
        let (code, r) = poll(&app, &liaison).await;
        if code == 200 && r["imported"] == 0 && imported(&app, &liaison).await.len() == 300 {
            break;
        }
        if code != 200 {
            failed.push(status(&app, &liaison).await["last_error"].clone());
        }
        assert!(
            started.elapsed() < Duration::from_secs(45),
            "not converged in 45 s; failed polls: {failed:?}"
        );
    }
    // a bad answer is asked for again within the poll, not left to the next
    assert!(failed.len() <= 1, "polls failed: {failed:?}");
    let got = imported(&app, &liaison).await;
    assert_eq!(got.len(), 300, "every report once");
    status_tells_the_truth(&app, &liaison, &app.key(Role::Admin).await).await;
    assert!(
        quarantine(&app, &liaison).await.is_empty(),
        "a transport fault is not a bad report"
    );
    for e in &failed {
        let e = e.as_str().unwrap_or("");
        assert!(
            e.contains("the next poll goes on from there") || !e.contains("page"),
            "{e}"
        );
    }
    let stats = sim.get("/sim/stats").await;
    assert!(
        stats["faults"].as_u64().unwrap() > 10,
        "the faults did happen: {stats}"
    );
}

/// Issue 37, item 2: an attachment LAPOR! serves only on the third request
/// (stored after its report) and one it never serves. Both are shown on
/// their complaint's page and the liaison's until then; the late one
/// arrives on the schedule (1 min, 2 min, …) intact; the missing one is
/// parked when the three days are over, with its reason, on the timeline
/// once.
async fn late_and_missing_attachments_are_tried_on_schedule_and_shown_until_then(b: Backend) {
    let sim = Sim::start(&[
        "--seed",
        "67",
        "--reports",
        "30",
        "--late-attachments",
        "1",
        "--missing-attachments",
        "1",
    ]);
    let Some(app) = spawn_app_with(b, |s| {
        with_lapor(&sim.url, TOKEN)(s);
        s.require_2fa = Vec::new();
    })
    .await
    else {
        return;
    };
    let liaison = app.key(Role::Liaison).await;
    assert_eq!(poll(&app, &liaison).await.1["imported"], 30);
    let got = imported(&app, &liaison).await;
    let stats = sim.get("/sim/stats").await;
    let faults = stats["attachment_faults"].as_object().unwrap().clone();
    let mut of = BTreeMap::new();
    for r in sim.get("/sim/reports").await.as_array().unwrap() {
        for a in r["attachments"].as_array().into_iter().flatten() {
            if let Some(kind) = faults.get(a["id"].as_str().unwrap()) {
                let tid = r["tracking_id"].as_u64().unwrap().to_string();
                of.insert(
                    kind.as_str().unwrap().to_string(),
                    (got[&tid].clone(), a.clone()),
                );
            }
        }
    }
    let (late, late_file) = of["late"].clone();
    let (missing, _) = of["missing"].clone();
    let admin = app.key(Role::Admin).await;
    crate::accounts::account(&app, &admin, "penghubung", "liaison", None).await;
    let session =
        crate::accounts::browser(&app, "penghubung", crate::accounts::PASSWORD, None).await;
    let page = |path: String| {
        let (app, cookie) = (&app, session.cookie.clone());
        async move {
            app.client
                .get(app.url(&path))
                .header("Cookie", cookie)
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap()
        }
    };
    let late_id = late["id"].as_str().unwrap().to_string();
    let p = page(format!("/console/complaints/{late_id}")).await;
    assert!(
        p.contains("Lampiran LAPOR! belum dapat diambil:")
            && p.contains(late_file["file_name"].as_str().unwrap())
            && p.contains("belum tersedia di SP4N-LAPOR!; dicoba lagi"),
        "{p}"
    );
    let p = page("/console/lapor".into()).await;
    assert!(
        p.contains(late["tracking_number"].as_str().unwrap())
            && p.contains(missing["tracking_number"].as_str().unwrap()),
        "the liaison's page lists both: {p}"
    );
    let s = status(&app, &liaison).await;
    assert_eq!(
        (
            s["attachments_waiting"].as_i64(),
            s["attachments_parked"].as_i64()
        ),
        (Some(2), Some(0)),
        "{s}"
    );
    let sync = courier(&app).sync;
    let start = Utc::now();
    // not due yet: nothing asked
    sync.fetch_attachments(500, start).await.unwrap();
    let asked = |s: &Value| s["requests"].as_u64().unwrap();
    let before = asked(&sim.get("/sim/stats").await);
    sync.fetch_attachments(500, start + chrono::Duration::seconds(30))
        .await
        .unwrap();
    assert_eq!(
        asked(&sim.get("/sim/stats").await),
        before,
        "not due within the minute"
    );
    // 1 min: the second 404; then 2 min later it is there
    sync.fetch_attachments(500, start + chrono::Duration::minutes(2))
        .await
        .unwrap();
    let stored = sync
        .fetch_attachments(500, start + chrono::Duration::minutes(10))
        .await
        .unwrap();
    assert_eq!(stored, 1, "the late one arrived");
    let list: Value = app
        .get(&admin, &format!("/api/v1/complaints/{late_id}/attachments"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["items"][0]["sha256"], late_file["sha256"], "{list}");
    let p = page(format!("/console/complaints/{late_id}")).await;
    assert!(!p.contains("Lampiran LAPOR! belum dapat diambil"), "{p}");
    // the missing one: tried on the schedule until three days are over
    let mut at = start + chrono::Duration::minutes(10);
    while at < start + chrono::Duration::days(4) {
        at += chrono::Duration::hours(6);
        sync.fetch_attachments(500, at).await.unwrap();
    }
    let s = status(&app, &liaison).await;
    assert_eq!(
        (
            s["attachments_waiting"].as_i64(),
            s["attachments_parked"].as_i64()
        ),
        (Some(0), Some(1)),
        "{s}"
    );
    let missing_id = missing["id"].as_str().unwrap();
    let p = page(format!("/console/complaints/{missing_id}")).await;
    assert!(p.contains("tidak dicoba lagi"), "{p}");
    let finals: Vec<Value> = timeline(&app, &liaison, missing_id)
        .await
        .into_iter()
        .filter(|e| e["kind"] == "lapor_attachment_failed")
        .collect();
    assert_eq!(finals.len(), 2, "once failed, once given up: {finals:?}");
    assert_eq!(finals[1]["detail"]["final"], true);
    assert!(
        finals[1]["detail"]["reason"]
            .as_str()
            .unwrap()
            .contains("tidak dicoba lagi setelah"),
        "{finals:?}"
    );
}

/// Issue 37, item 5: LAPOR!'s admins correct a report's title and topic:
/// the complaint takes them (a `lapor_report_edited` event with before and
/// after); on another report whose category the office had set, LAPOR!'s
/// new topic does not overwrite the office's. A reporter comment edited
/// without an edit mark, and one that simply leaves LAPOR!'s list, are
/// marked on the timeline — once.
async fn edits_on_lapor_reach_the_complaint_and_the_office_keeps_its_own(b: Backend) {
    let sim = Sim::start(&["--seed", "71", "--reports", "4"]);
    let Some(app) = spawn_app_with(b, with_lapor(&sim.url, TOKEN)).await else {
        return;
    };
    let liaison = app.key(Role::Liaison).await;
    assert_eq!(poll(&app, &liaison).await.1["imported"], 4);
    let got = imported(&app, &liaison).await;
    let reports = sim.get("/sim/reports").await;
    let not_pkh: Vec<String> = reports
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["topic_id"] != 11)
        .map(|r| r["tracking_id"].as_u64().unwrap().to_string())
        .collect();
    assert!(not_pkh.len() >= 2, "{reports}");
    let (a, b2) = (&not_pkh[0], &not_pkh[1]);
    let a_id = got[a]["id"].as_str().unwrap().to_string();
    let b_id = got[b2]["id"].as_str().unwrap().to_string();
    let o = office(&app).await;
    // the office sets B's category itself
    let r = app
        .client
        .put(app.url(&format!("/api/v1/complaints/{b_id}/category")))
        .bearer_auth(&o.liaison)
        .json(&json!({"category": "Bantuan Sosial"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    // LAPOR!'s admins correct A's title and topic, and B's topic
    let edit = |tid: &str, body: Value| {
        let (url, tid) = (sim.url.clone(), tid.to_string());
        async move {
            let r = reqwest::Client::new()
                .post(format!("{url}/sim/reports/{tid}/edit"))
                .json(&body)
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 200);
        }
    };
    edit(
        a,
        json!({"title": "Bantuan PKH tahap IV belum diterima", "topic_id": 11}),
    )
    .await;
    edit(b2, json!({"topic_id": 11})).await;
    poll(&app, &liaison).await;
    let c: Value = app
        .get(&liaison, &format!("/api/v1/complaints/{a_id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(c["subject"], "Bantuan PKH tahap IV belum diterima", "{c}");
    assert_eq!(c["category"], "Program Keluarga Harapan (PKH)", "{c}");
    let edited: Vec<Value> = timeline(&app, &liaison, &a_id)
        .await
        .into_iter()
        .filter(|e| e["kind"] == "lapor_report_edited")
        .collect();
    assert_eq!(edited.len(), 1, "{edited:?}");
    assert_eq!(
        edited[0]["detail"]["changed"]["subject"]["after"],
        "Bantuan PKH tahap IV belum diterima"
    );
    assert_eq!(
        edited[0]["detail"]["changed"]["subject"]["before"],
        got[a]["subject"]
    );
    let c: Value = app
        .get(&liaison, &format!("/api/v1/complaints/{b_id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(c["category"], "Bantuan Sosial", "the office's stays: {c}");
    let kept: Vec<Value> = timeline(&app, &liaison, &b_id)
        .await
        .into_iter()
        .filter(|e| e["kind"] == "lapor_report_edited")
        .collect();
    assert_eq!(kept.len(), 1, "{kept:?}");
    assert_eq!(kept[0]["detail"]["kept_office_value"], json!(["category"]));
    // the reporter comments twice on A; one is edited without a mark, the
    // other simply leaves the list
    let mut ids = Vec::new();
    for text in ["Sudah tiga bulan menunggu.", "Mohon dikabari."] {
        let c: Value = reqwest::Client::new()
            .post(format!("{}/sim/reports/{a}/comments", sim.url))
            .json(&json!({"body": text}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        ids.push(c["id"].as_str().unwrap().to_string());
    }
    poll(&app, &liaison).await;
    let http = reqwest::Client::new();
    let r = http
        .post(format!(
            "{}/sim/reports/{a}/comments/{}?silent=true",
            sim.url, ids[0]
        ))
        .json(&json!({"body": "Sudah empat bulan menunggu."}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = http
        .delete(format!(
            "{}/sim/reports/{a}/comments/{}?silent=true",
            sim.url, ids[1]
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    for _ in 0..2 {
        poll(&app, &liaison).await;
    }
    let t = timeline(&app, &liaison, &a_id).await;
    let of = |kind: &str| {
        t.iter()
            .filter(|e| e["kind"] == kind)
            .cloned()
            .collect::<Vec<_>>()
    };
    assert_eq!(of("reporter_replied").len(), 2, "{t:?}");
    let edits = of("lapor_comment_edited");
    assert_eq!(edits.len(), 1, "{edits:?}");
    assert_eq!(edits[0]["detail"]["text"], "Sudah empat bulan menunggu.");
    let gone = of("lapor_comment_deleted");
    assert_eq!(gone.len(), 1, "{gone:?}");
    assert_eq!(gone[0]["detail"]["comment_id"], ids[1].as_str());
}

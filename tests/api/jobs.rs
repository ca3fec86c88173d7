use std::sync::Arc;

use aduan::config::Settings;
use aduan::domain::Role;
use aduan::jobs::{Jobs, at_local};
use aduan::notify::Dispatcher;
use chrono::{NaiveDate, NaiveTime};
use chrono_tz::Asia::Makassar;
use serde_json::{Value, json};

use crate::helpers::*;
use crate::outbox::app_with_sink;

both_backends!(
    reminders_and_escalation_go_out_once_each_in_office_hours,
    the_digest_goes_to_each_manager_on_working_mornings_only,
    two_replicas_send_every_reminder_exactly_once,
    reminders_go_to_the_holder_and_escalations_up_the_chain,
);

fn at(date: &str, time: &str) -> chrono::DateTime<chrono::Utc> {
    at_local(
        NaiveDate::parse_from_str(date, "%Y-%m-%d").unwrap(),
        NaiveTime::parse_from_str(time, "%H:%M").unwrap(),
        Makassar,
    )
    .unwrap()
}

async fn letter_received(app: &TestApp, key: &str, received: &str) -> Value {
    let mut body = valid_complaint("letter");
    body["received_at"] = json!(received);
    app.post_complaint(key, &body).await.json().await.unwrap()
}

async fn reminders_and_escalation_go_out_once_each_in_office_hours(b: Backend) {
    let Some((app, sink)) = app_with_sink(b, 8).await else {
        return;
    };
    let key = app.key(Role::Reception).await;
    // due Wednesday 2025-04-16, 23:59 WITA
    let c = letter_received(&app, &key, "2025-03-27T09:00:00+08:00").await;
    let jobs = Jobs::new(app.store.clone(), Arc::clone(&app.settings));
    let sweep = |date: &'static str, time: &'static str| {
        let jobs = &jobs;
        async move { jobs.reminder_sweep(at(date, time)).await.unwrap() }
    };
    assert_eq!(
        sweep("2025-04-11", "09:00").await.reminders,
        0,
        "3 working days left: not yet"
    );
    assert_eq!(
        sweep("2025-04-14", "09:00").await.reminders,
        2,
        "2 days left: liaison and head"
    );
    assert_eq!(
        sweep("2025-04-14", "11:00").await.reminders,
        0,
        "once per threshold"
    );
    assert_eq!(
        sweep("2025-04-14", "22:00").await.reminders,
        0,
        "never at night"
    );
    assert_eq!(sweep("2025-04-15", "09:00").await.reminders, 2);
    assert_eq!(
        sweep("2025-04-16", "09:00").await.reminders,
        2,
        "on the due day"
    );
    let r = sweep("2025-04-17", "09:00").await;
    assert_eq!(
        (r.reminders, r.escalations, r.messages),
        (0, 2, 2),
        "late at the front office: the head (nobody holds it yet) and the liaison officer"
    );
    assert_eq!(
        sweep("2025-04-18", "09:00").await.escalations,
        0,
        "Good Friday: a holiday"
    );
    assert_eq!(
        sweep("2025-04-21", "09:00").await.escalations,
        0,
        "told once: nothing above the head"
    );

    let dispatcher = Dispatcher::new(app.store.clone(), Arc::clone(&app.settings)).unwrap();
    let tn = c["tracking_number"].as_str().unwrap().to_string();
    assert_eq!(
        dispatcher.run_once(chrono::Utc::now()).await.unwrap().sent,
        8
    );
    let mut subjects: Vec<(String, String)> = sink
        .messages()
        .iter()
        .map(|m| {
            let data = m.unfolded();
            let subject = data
                .lines()
                .find(|l| l.starts_with("Subject: "))
                .unwrap_or("")
                .to_string();
            (m.rcpt.join(","), subject)
        })
        .collect();
    subjects.sort();
    let kadis = "<kadis@dinsos.example.go.id>".to_string();
    let liaison = "<penghubung@dinsos.example.go.id>".to_string();
    let mut expected = Vec::new();
    for who in [&kadis, &liaison] {
        for subject in [
            "[Pengingat] 1 jatuh tempo besok",
            "[Pengingat] 1 jatuh tempo dalam 2 hari kerja",
            "[Pengingat] 1 jatuh tempo hari ini",
            "[Terlambat] 1 pengaduan terlambat",
        ] {
            expected.push((who.clone(), format!("Subject: {subject}")));
        }
    }
    expected.sort();
    assert_eq!(subjects, expected);
    // the head's address from the settings, greeted by title; the number in the body
    for m in sink.messages() {
        let text = m.unfolded().replace("=\r\n", "");
        assert!(text.contains(&tn), "{text}");
        if m.rcpt.join(",") == kadis {
            assert!(text.contains("Yth. Kepala Dinas,"), "{text}");
        }
    }
    // every reminder links to the complaint's console page (issue 13)
    let link = format!("/console/complaints/{}", c["id"].as_str().unwrap());
    for m in sink.messages() {
        let text = m.unfolded().replace("=\r\n", "");
        assert!(text.contains(&link), "{text}");
        assert!(!text.contains("/api/v1/complaints/"), "{text}");
    }
    let body = &sink.messages()[0].data;
    assert!(
        body.contains("batas waktu") && body.contains("16 April 2025"),
        "{body}"
    );
    let t: Value = app
        .get(
            &key,
            &format!("/api/v1/complaints/{}/timeline", c["id"].as_str().unwrap()),
        )
        .await
        .json()
        .await
        .unwrap();
    let kinds: Vec<&str> = t["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "registered",
            "reminder_queued",
            "reminder_queued",
            "reminder_queued",
            "escalated"
        ]
    );
}

async fn the_digest_goes_to_each_manager_on_working_mornings_only(b: Backend) {
    let Some((app, sink)) = app_with_sink(b, 8).await else {
        return;
    };
    let key = app.key(Role::Reception).await;
    let overdue = letter_received(&app, &key, "2026-02-23T09:00:00+08:00").await; // due 2026-03-04
    let soon = letter_received(&app, &key, "2026-03-10T09:00:00+08:00").await; // due 2026-03-26
    letter_received(&app, &key, "2026-03-16T09:00:00+08:00").await; // due 2026-04-01: not yet
    let jobs = Jobs::new(app.store.clone(), Arc::clone(&app.settings));
    for (date, time, why) in [
        ("2026-03-28", "08:00", "Saturday"),
        ("2026-03-20", "08:00", "cuti bersama Idul Fitri"),
        ("2026-03-19", "08:00", "Nyepi"),
        ("2026-03-25", "07:00", "before ADUAN_DIGEST_TIME 07:30"),
        ("2026-03-25", "23:00", "at night"),
    ] {
        assert_eq!(jobs.digest(at(date, time)).await.unwrap(), 0, "{why}");
    }
    assert_eq!(
        jobs.digest(at("2026-03-25", "08:00")).await.unwrap(),
        2,
        "one per manager"
    );
    assert_eq!(
        jobs.digest(at("2026-03-25", "10:00")).await.unwrap(),
        0,
        "once a day"
    );
    let dispatcher = Dispatcher::new(app.store.clone(), Arc::clone(&app.settings)).unwrap();
    assert_eq!(
        dispatcher.run_once(chrono::Utc::now()).await.unwrap().sent,
        2
    );
    let msgs = sink.messages();
    let mut rcpts: Vec<String> = msgs.iter().flat_map(|m| m.rcpt.clone()).collect();
    rcpts.sort();
    assert_eq!(
        rcpts,
        [
            "<inspektorat@example.go.id>",
            "<sekretaris@dinsos.example.go.id>"
        ]
    );
    let m = &msgs[0].unfolded();
    assert!(
        m.contains("Subject: Ringkasan pengaduan 25 Maret 2026: 1 terlambat, 1 segera jatuh tempo"),
        "{m}"
    );
    assert!(
        m.contains(overdue["tracking_number"].as_str().unwrap())
            && m.contains(soon["tracking_number"].as_str().unwrap())
    );
}

async fn two_replicas_send_every_reminder_exactly_once(b: Backend) {
    let Some((app, sink)) = app_with_sink(b, 8).await else {
        return;
    };
    let key = app.key(Role::Reception).await;
    for _ in 0..5 {
        letter_received(&app, &key, "2025-03-27T09:00:00+08:00").await;
    }
    // a second service instance on the same database, same settings
    let settings = (*app.settings).clone();
    let replica = spawn_replica(&app, move |s| {
        *s = Settings {
            listen: s.listen,
            ..settings
        }
    })
    .await;
    let (j1, j2) = (
        Jobs::new(app.store.clone(), Arc::clone(&app.settings)),
        Jobs::new(replica.store.clone(), Arc::clone(&replica.settings)),
    );
    let now = at("2025-04-14", "09:00");
    let (a, b2) = tokio::join!(j1.reminder_sweep(now), j2.reminder_sweep(now));
    let (a, b2) = (a.unwrap(), b2.unwrap());
    assert_eq!(
        a.reminders + b2.reminders,
        10,
        "5 complaints × 2 recipients, once"
    );
    assert_eq!(a.messages + b2.messages, 2, "one message per person");
    let (d1, d2) = (
        Dispatcher::new(app.store.clone(), Arc::clone(&app.settings)).unwrap(),
        Dispatcher::new(replica.store.clone(), Arc::clone(&replica.settings)).unwrap(),
    );
    let t = chrono::Utc::now();
    let (r1, r2) = tokio::join!(d1.run_once(t), d2.run_once(t));
    assert_eq!(r1.unwrap().sent + r2.unwrap().sent, 2);
    assert_eq!(sink.messages().len(), 2);
    for m in sink.messages() {
        let text = m.unfolded();
        assert!(
            text.contains("Subject: [Pengingat] 5 jatuh tempo dalam 2 hari kerja"),
            "{text}"
        );
    }
    // both instances serve the same complaints
    let listed = replica.list_all(&key, "", 50).await;
    assert_eq!(listed.len(), 5);
}

async fn reminders_go_to_the_holder_and_escalations_up_the_chain(b: Backend) {
    use crate::workflow::{dispose, office, ok, post};
    let Some((app, sink)) = app_with_sink(b, 8).await else {
        return;
    };
    let o = office(&app).await;
    // due Wednesday 2025-04-16; disposed head → Kabid → Kasi
    let c = letter_received(&app, &o.reception, "2025-03-27T09:00:00+08:00").await;
    let id = c["id"].as_str().unwrap();
    ok(&app, &o.reception, id, "forward", json!({})).await;
    ok(&app, &o.k_head, id, "dispositions", dispose(&o.kabid)).await;
    ok(&app, &o.k_kabid, id, "dispositions", dispose(&o.kasi)).await;
    // the Kasubag is Plh Kepala Dinas on the day it climbs to the head
    let officers: Value = app
        .get(&o.admin, "/api/v1/org/officers")
        .await
        .json()
        .await
        .unwrap();
    let kasubag = officers["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["position_id"] == o.kasubag.as_str())
        .unwrap()["id"]
        .clone();
    let r = post(
        &app,
        &o.admin,
        "/api/v1/org/acting",
        json!({"officer_id": kasubag,
        "position_id": o.head, "kind": "plh", "starts_on": "2025-04-22", "ends_on": "2025-04-22"}),
    )
    .await;
    assert_eq!(r.status(), 201);

    let jobs = Jobs::new(app.store.clone(), Arc::clone(&app.settings));
    let sweep = |date: &'static str| {
        let jobs = &jobs;
        async move { jobs.reminder_sweep(at(date, "09:00")).await.unwrap() }
    };
    let r = sweep("2025-04-14").await;
    assert_eq!(
        (r.reminders, r.messages),
        (2, 2),
        "the Kasi who holds it, and the liaison officer"
    );
    // first late day: the Kasi, and one level up (the Kabid) — not the head yet
    let r = sweep("2025-04-17").await;
    assert_eq!((r.escalations, r.messages), (3, 3), "Kasi, Kabid, liaison");
    assert_eq!(
        sweep("2025-04-21").await.messages,
        0,
        "2 days late: no new level"
    );
    // 3 working days late (ADUAN_ESCALATION_STEP_DAYS 2): the head and the Plh
    let r = sweep("2025-04-22").await;
    assert_eq!((r.escalations, r.messages), (2, 2), "Kadis and Plh Kadis");

    let dispatcher = Dispatcher::new(app.store.clone(), Arc::clone(&app.settings)).unwrap();
    dispatcher.run_once(chrono::Utc::now()).await.unwrap();
    let mut rcpts: Vec<(String, bool)> = sink
        .messages()
        .iter()
        .map(|m| {
            let text = m.unfolded().replace("=\r\n", "");
            (m.rcpt.join(","), text.contains("Kasi Bansos"))
        })
        .collect();
    rcpts.sort();
    let expected: Vec<(String, bool)> = [
        "<agnes.kabid@dinsos.example.go.id>",
        "<benny.kasi@dinsos.example.go.id>",
        "<benny.kasi@dinsos.example.go.id>",
        "<paulus.kasubag@dinsos.example.go.id>",
        "<penghubung@dinsos.example.go.id>",
        "<penghubung@dinsos.example.go.id>",
        "<yosef.kadis@dinsos.example.go.id>",
    ]
    .iter()
    .map(|r| (r.to_string(), true))
    .collect();
    assert_eq!(rcpts, expected, "each message names the holder");
}

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
    three_hundred_complaints_make_one_message_per_person,
    a_late_complaint_disposed_further_reminds_its_new_holder,
    the_monthly_report_goes_once_on_the_first_working_day_with_its_workbook,
    each_person_is_reminded_of_what_waits_on_them_and_the_head_gets_a_summary,
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
    // totals at the top: per unit and per holder (nobody holds these yet)
    let text = m.replace("=\r\n", "");
    assert!(
        text.contains("Jumlah: 1 terlambat, 1 segera jatuh tempo"),
        "{text}"
    );
    assert!(
        text.contains("Menurut unit (terlambat / segera jatuh tempo):"),
        "{text}"
    );
    assert!(
        text.contains("Menurut pemegang (terlambat / segera jatuh tempo):"),
        "{text}"
    );
    assert!(
        text.contains("Tanpa unit (loket, Kepala Dinas): 1 / 1"),
        "{text}"
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
    let kasubag = crate::workflow::officer_at(&app, &o.admin, &o.kasubag).await;
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

/// Claims every pending email and returns (recipient, subject, text).
async fn pending_emails(app: &TestApp) -> Vec<(String, String, String)> {
    let items = app
        .store
        .claim_outbox(
            chrono::Utc::now() + chrono::Duration::days(3650),
            chrono::Utc::now() + chrono::Duration::days(3651),
            10_000,
            &[aduan::notify::EMAIL],
            "test",
        )
        .await
        .unwrap();
    let mut out: Vec<(String, String, String)> = items
        .iter()
        .map(|i| {
            let p: Value = serde_json::from_str(&i.payload).unwrap();
            (
                p["to"].as_str().unwrap().to_string(),
                p["subject"].as_str().unwrap().to_string(),
                p["text"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    // out of the queue: the next call sees only what is new
    for i in &items {
        app.store
            .outbox_sent(i.id, chrono::Utc::now())
            .await
            .unwrap();
    }
    out.sort();
    out
}

/// The tracking numbers a reminder message lists.
fn listed(text: &str) -> std::collections::BTreeSet<String> {
    text.lines()
        .filter_map(|l| l.strip_prefix("- "))
        .filter_map(|l| l.split(" — ").next())
        .map(str::to_string)
        .collect()
}

/// 300 late and due-soon complaints held by three positions (one of them
/// with a Plh that day): one sweep sends exactly one message to each person,
/// listing exactly their complaints with the right counts; a second sweep
/// that day sends nothing; the next working day only what crossed a
/// threshold.
async fn three_hundred_complaints_make_one_message_per_person(b: Backend) {
    use crate::workflow::{dispose, office, ok, post};
    use aduan::domain::calendar::WorkingCalendar;
    use aduan::domain::deadline::working_days_left;
    use std::collections::{BTreeMap, BTreeSet};
    let Some((app, _sink)) = app_with_sink(b, 8).await else {
        return;
    };
    let mut settings = (*app.settings).clone();
    settings.backlog_summary_over = 10_000; // every complaint listed here
    let o = office(&app).await;
    // the Kasubag is Plh of the Kabid Rehsos on the day of the sweep
    let kasubag = crate::workflow::officer_at(&app, &o.admin, &o.kasubag).await;
    let r = post(
        &app,
        &o.admin,
        "/api/v1/org/acting",
        json!({"officer_id": kasubag, "position_id": o.kabid2, "kind": "plh",
               "starts_on": "2025-04-14", "ends_on": "2025-04-14"}),
    )
    .await;
    assert_eq!(r.status(), 201);
    // received over ten days: some late on 14 April, some due within two days
    let days = [
        "2025-03-17",
        "2025-03-18",
        "2025-03-19",
        "2025-03-20",
        "2025-03-21",
        "2025-03-24",
        "2025-03-25",
        "2025-03-26",
        "2025-03-27",
    ];
    let holders = [o.kabid.clone(), o.kasi.clone(), o.kabid2.clone()];
    let mut all: Vec<(String, String, String, chrono::DateTime<chrono::Utc>)> = Vec::new();
    for chunk in (0..300).collect::<Vec<usize>>().chunks(10) {
        let made = futures_util::future::join_all(chunk.iter().map(|&i| {
            let app = &app;
            let o = &o;
            let holder = holders[i % 3].clone();
            let day = days[i % days.len()];
            async move {
                let c = letter_received(app, &o.reception, &format!("{day}T09:00:00+08:00")).await;
                let id = c["id"].as_str().unwrap().to_string();
                ok(app, &o.reception, &id, "forward", json!({})).await;
                if holder == o.kasi {
                    ok(app, &o.k_head, &id, "dispositions", dispose(&o.kabid)).await;
                    ok(app, &o.k_kabid, &id, "dispositions", dispose(&o.kasi)).await;
                } else {
                    ok(app, &o.k_head, &id, "dispositions", dispose(&holder)).await;
                }
                let due: chrono::DateTime<chrono::Utc> =
                    c["due_at"].as_str().unwrap().parse().unwrap();
                (
                    id,
                    c["tracking_number"].as_str().unwrap().to_string(),
                    holder,
                    due,
                )
            }
        }))
        .await;
        all.extend(made);
    }
    // what each person must be told, by the rules of the sweep
    let calendar = WorkingCalendar::decreed().unwrap();
    let expect = |now: chrono::DateTime<chrono::Utc>| {
        let mut out: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
        for (_, number, holder, due) in &all {
            let left = working_days_left(&calendar, *due, now, Makassar);
            let mut to: Vec<&str> = Vec::new();
            let people = |p: &str| -> Vec<&'static str> {
                if p == o.kabid {
                    vec!["agnes.kabid@dinsos.example.go.id"]
                } else if p == o.kasi {
                    vec!["benny.kasi@dinsos.example.go.id"]
                } else {
                    vec![
                        "lukas.kabid@dinsos.example.go.id",
                        "paulus.kasubag@dinsos.example.go.id",
                    ]
                }
            };
            if *due > now {
                if left > 2 {
                    continue;
                }
                to.extend(people(holder));
            } else {
                let late = (-left).max(1);
                let reach = 1 + (late - 1) / 2;
                to.extend(people(holder));
                // the head hears of it in the counts of late work under him
                // (issue 33), never in the list
                if *holder == o.kasi {
                    to.push("agnes.kabid@dinsos.example.go.id");
                    if reach >= 2 {
                        out.entry("yosef.kadis@dinsos.example.go.id").or_default();
                    }
                } else {
                    out.entry("yosef.kadis@dinsos.example.go.id").or_default();
                }
            }
            to.push("penghubung@dinsos.example.go.id");
            for t in to {
                out.entry(t).or_default().insert(number.clone());
            }
        }
        out
    };
    let jobs = Jobs::new(app.store.clone(), Arc::new(settings));
    let monday = at("2025-04-14", "09:00");
    let want = expect(monday);
    let late_count = all.iter().filter(|c| c.3 <= monday).count();
    let soon_count = all
        .iter()
        .filter(|c| c.3 > monday)
        .filter(|c| working_days_left(&calendar, c.3, monday, Makassar) <= 2)
        .count();
    assert!(
        late_count > 50 && soon_count > 50,
        "{late_count} late, {soon_count} due soon"
    );
    let r = jobs.reminder_sweep(monday).await.unwrap();
    assert_eq!(r.messages as usize, want.len(), "{r:?}");
    let got = pending_emails(&app).await;
    let people: Vec<&str> = got.iter().map(|m| m.0.as_str()).collect();
    let mut unique = people.clone();
    unique.dedup();
    assert_eq!(people, unique, "one message per person");
    for (to, subject, text) in &got {
        let expected = &want[to.as_str()];
        assert_eq!(&listed(text), expected, "{to}: {subject}");
        // the subject counts what the message lists
        let late = all
            .iter()
            .filter(|c| expected.contains(&c.1) && c.3 <= monday)
            .count();
        if to.starts_with("yosef") {
            // everything late is held below the head: all of it, per unit
            assert_eq!(
                subject,
                &format!("[Terlambat] {late_count} terlambat di bawah Anda"),
                "{text}"
            );
            assert!(
                text.contains(&format!("TERLAMBAT DI BAWAH ANDA ({late_count}):")),
                "{text}"
            );
            assert!(text.contains("/console/complaints?due=overdue"), "{text}");
        } else if late > 0 {
            assert!(
                subject.starts_with(&format!("[Terlambat] {late} pengaduan terlambat")),
                "{to}: {subject}"
            );
        } else {
            assert!(subject.starts_with("[Pengingat] "), "{to}: {subject}");
        }
        if to.starts_with("paulus") {
            assert!(text.starts_with("Yth. Bapak/Ibu Paulus Kasubag,"), "{text}");
        }
    }
    assert_eq!(
        jobs.reminder_sweep(at("2025-04-14", "11:00"))
            .await
            .unwrap()
            .messages,
        0,
        "nothing twice the same day"
    );
    // Tuesday: only what crossed a threshold (a reminder level, falling late, a level up)
    let tuesday = at("2025-04-15", "09:00");
    let r = jobs.reminder_sweep(tuesday).await.unwrap();
    let got = pending_emails(&app).await;
    assert_eq!(r.messages as usize, got.len());
    let threshold = |now: chrono::DateTime<chrono::Utc>, due: chrono::DateTime<chrono::Utc>| {
        let left = working_days_left(&calendar, due, now, Makassar);
        if due > now {
            format!("in {}", left.max(0))
        } else {
            format!("level {}", 1 + ((-left).max(1) - 1) / 2)
        }
    };
    for (to, subject, text) in &got {
        for number in listed(text) {
            let c = all.iter().find(|c| c.1 == number).unwrap();
            assert_ne!(
                threshold(monday, c.3),
                threshold(tuesday, c.3),
                "{to} told again of {number} without a threshold crossed ({subject})"
            );
        }
    }
}

/// A complaint that fell late with the head and was then disposed to a
/// Kabid: the next sweep tells the Kabid (the reminder follows the holder).
async fn a_late_complaint_disposed_further_reminds_its_new_holder(b: Backend) {
    use crate::workflow::{dispose, office, ok};
    let Some((app, _sink)) = app_with_sink(b, 8).await else {
        return;
    };
    let o = office(&app).await;
    let c = letter_received(&app, &o.reception, "2025-03-27T09:00:00+08:00").await; // due 16 April
    let id = c["id"].as_str().unwrap().to_string();
    ok(&app, &o.reception, &id, "forward", json!({})).await;
    let jobs = Jobs::new(app.store.clone(), Arc::clone(&app.settings));
    let r = jobs
        .reminder_sweep(at("2025-04-17", "09:00"))
        .await
        .unwrap();
    assert_eq!(
        r.messages, 2,
        "the head who holds it, the liaison officer: {r:?}"
    );
    let got = pending_emails(&app).await;
    assert!(
        got.iter()
            .any(|m| m.0 == "yosef.kadis@dinsos.example.go.id")
    );
    ok(&app, &o.k_head, &id, "dispositions", dispose(&o.kabid)).await;
    let r = jobs
        .reminder_sweep(at("2025-04-17", "10:00"))
        .await
        .unwrap();
    let got = pending_emails(&app).await;
    let to: Vec<&str> = got.iter().map(|m| m.0.as_str()).collect();
    assert!(
        to.contains(&"agnes.kabid@dinsos.example.go.id"),
        "{to:?} {r:?}"
    );
    let kabid = got.iter().find(|m| m.0.starts_with("agnes")).unwrap();
    assert!(
        kabid.1.starts_with("[Terlambat] 1 pengaduan terlambat"),
        "{}",
        kabid.1
    );
    assert!(kabid.2.contains(c["tracking_number"].as_str().unwrap()));
    assert!(kabid.2.contains("dipegang Kabid Linjamsos"), "{}", kabid.2);
}

async fn the_monthly_report_goes_once_on_the_first_working_day_with_its_workbook(b: Backend) {
    let Some((app, sink)) = app_with_sink(b, 8).await else {
        return;
    };
    let key = app.key(Role::Reception).await;
    // May 2026: two letters and an email; one letter in June (not counted)
    letter_received(&app, &key, "2026-05-11T09:00:00+08:00").await;
    letter_received(&app, &key, "2026-05-29T16:00:00+08:00").await;
    let mut email = valid_complaint("email");
    email["received_at"] = json!("2026-05-20T10:00:00+08:00");
    assert_eq!(app.post_complaint(&key, &email).await.status(), 201);
    letter_received(&app, &key, "2026-06-02T07:00:00+08:00").await;
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
    // 1 June 2026 is Hari Lahir Pancasila: the first working day is the 2nd
    for (date, time, why) in [
        ("2026-06-01", "08:00", "a holiday"),
        ("2026-06-02", "07:00", "before ADUAN_DIGEST_TIME 07:30"),
        ("2026-06-02", "19:00", "after office hours"),
        ("2026-06-03", "08:00", "not the first working day"),
        ("2026-05-29", "08:00", "the month itself"),
    ] {
        assert_eq!(j1.monthly_report(at(date, time)).await.unwrap(), 0, "{why}");
    }
    let now = at("2026-06-02", "08:00");
    let (a, b2) = tokio::join!(j1.monthly_report(now), j2.monthly_report(now));
    assert_eq!(
        a.unwrap() + b2.unwrap(),
        2,
        "one per manager, with two replicas"
    );
    assert_eq!(
        j2.monthly_report(at("2026-06-02", "10:00")).await.unwrap(),
        0,
        "once"
    );
    let (d1, d2) = (
        Dispatcher::new(app.store.clone(), Arc::clone(&app.settings)).unwrap(),
        Dispatcher::new(replica.store.clone(), Arc::clone(&replica.settings)).unwrap(),
    );
    let t = chrono::Utc::now();
    let (r1, r2) = tokio::join!(d1.run_once(t), d2.run_once(t));
    assert_eq!(
        r1.unwrap().sent + r2.unwrap().sent,
        3,
        "the two reports and the email's acknowledgement"
    );
    let msgs: Vec<_> = sink
        .messages()
        .into_iter()
        .filter(|m| m.data.contains("Laporan bulanan"))
        .collect();
    assert_eq!(msgs.len(), 2);
    let mut rcpts: Vec<String> = msgs.iter().flat_map(|m| m.rcpt.clone()).collect();
    rcpts.sort();
    assert_eq!(
        rcpts,
        [
            "<inspektorat@example.go.id>",
            "<sekretaris@dinsos.example.go.id>"
        ]
    );
    use mail_parser::{MessageParser, MimeHeaders};
    let m = MessageParser::default()
        .parse(msgs[0].data.as_bytes())
        .unwrap();
    assert_eq!(
        m.subject(),
        Some("Laporan bulanan pengaduan Mei 2026: 3 diterima, belum ada yang dijawab")
    );
    let text = m.body_text(0).unwrap();
    assert!(text.contains("Diterima: 3"), "{text}");
    assert!(text.contains("Surat: 2 / 0 / — / "), "{text}");
    let html = m.body_html(0).unwrap();
    // the four charts inline, each an image the HTML shows
    let images: Vec<_> = m
        .attachments()
        .filter(|p| p.content_type().is_some_and(|c| c.ctype() == "image"))
        .collect();
    assert_eq!(images.len(), 4);
    for p in &images {
        let cid = p.content_id().unwrap();
        assert!(html.contains(&format!("cid:{cid}")), "{cid} shown: {html}");
        assert_eq!(&p.contents()[..8], b"\x89PNG\r\n\x1a\n");
    }
    // the workbook attached, read back: May's letters by channel
    let xlsx = m
        .attachments()
        .find(|p| p.attachment_name() == Some("laporan-pengaduan-2026-05.xlsx"))
        .expect("the workbook");
    use calamine::{Data, Reader, Xlsx};
    let mut wb: Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(xlsx.contents().to_vec())).unwrap();
    assert_eq!(wb.sheet_names(), ["Saluran", "Unit", "Jenis", "Periode"]);
    let sheet = wb.worksheet_range("Saluran").unwrap();
    let rows: Vec<&[Data]> = sheet.rows().collect();
    let letter = rows
        .iter()
        .find(|r| r[0] == Data::String("letter".into()))
        .unwrap();
    assert_eq!(
        (letter[1].clone(), letter[2].clone()),
        (Data::String("Surat".into()), Data::Float(2.0))
    );
    let total = rows.last().unwrap();
    assert_eq!(total[2], Data::Float(3.0));
}

/// Issue 33: a day with work waiting on reception, the liaison officer, two
/// Kabid and the head. Each person's message lists exactly what waits on
/// their positions; the head's lists only what he can act on and sums up
/// the late work under him; each person's notification list in the console
/// shows the same complaints, with the count in the bar.
async fn each_person_is_reminded_of_what_waits_on_them_and_the_head_gets_a_summary(b: Backend) {
    use crate::accounts::{Browser, PASSWORD, account, browser};
    use crate::workflow::{dispose, office, officer_at, ok, post};
    let Some(app) = spawn_app_with(b, |s| {
        s.outbox_interval_secs = 3600;
        s.liaison_email = None;
        s.head_email = None;
        // two-factor sign-in is tested elsewhere
        s.require_2fa = Vec::new();
    })
    .await
    else {
        return;
    };
    let o = office(&app).await;
    // the front office signs in as people with an address
    let mut front = Vec::new();
    for (name, role) in [
        ("Rina Resepsionis", "reception"),
        ("Dedi Penghubung", "liaison"),
    ] {
        let r = post(
            &app,
            &o.admin,
            "/api/v1/org/officers",
            json!({"name": name, "email": format!("{}@dinsos.example.go.id", name.to_lowercase().replace(' ', "."))}),
        )
        .await;
        assert_eq!(r.status(), 201);
        let id = r.json::<Value>().await.unwrap()["id"]
            .as_str()
            .unwrap()
            .to_string();
        account(
            &app,
            &o.admin,
            &name.to_lowercase().replace(' ', "."),
            role,
            Some(&id),
        )
        .await;
        front.push(name.to_lowercase().replace(' ', "."));
    }
    let kabid2 = officer_at(&app, &o.admin, &o.kabid2).await;
    for (login, role, officer) in [
        ("yosef", "head", o.o_head.as_str()),
        ("agnes", "official", o.o_kabid.as_str()),
        ("lukas", "official", kabid2.as_str()),
    ] {
        account(&app, &o.admin, login, role, Some(officer)).await;
    }
    // late = received 24 March 2025 (due before Monday 14 April); soon = 27 March (due 16 April)
    let late = "2025-03-24T09:00:00+08:00";
    let soon = "2025-03-27T09:00:00+08:00";
    let mut made: Vec<(String, String)> = Vec::new();
    let new = |when: &'static str| {
        let app = &app;
        let o = &o;
        async move {
            let c = letter_received(app, &o.reception, when).await;
            (
                c["id"].as_str().unwrap().to_string(),
                c["tracking_number"].as_str().unwrap().to_string(),
            )
        }
    };
    let a = new(late).await; // at the front office, late
    let b2 = new(soon).await; // at the front office, due soon
    let c = new(soon).await; // with the head, due soon
    ok(&app, &o.reception, &c.0, "forward", json!({})).await;
    let d = new(soon).await; // Agnes, due soon
    let e = new(late).await; // Agnes, late
    let f = new(late).await; // Lukas, late
    for (x, to) in [(&d, &o.kabid), (&e, &o.kabid), (&f, &o.kabid2)] {
        ok(&app, &o.reception, &x.0, "forward", json!({})).await;
        ok(&app, &o.k_head, &x.0, "dispositions", dispose(to)).await;
    }
    made.extend([
        a.clone(),
        b2.clone(),
        c.clone(),
        d.clone(),
        e.clone(),
        f.clone(),
    ]);
    let monday = at("2025-04-14", "09:00");
    for (x, is_late) in [
        (&a, true),
        (&b2, false),
        (&e, true),
        (&f, true),
        (&d, false),
    ] {
        let v: Value = app
            .get(&o.admin, &format!("/api/v1/complaints/{}", x.0))
            .await
            .json()
            .await
            .unwrap();
        let due: chrono::DateTime<chrono::Utc> = v["due_at"].as_str().unwrap().parse().unwrap();
        assert_eq!(due <= monday, is_late, "{v}");
    }
    let jobs = Jobs::new(app.store.clone(), Arc::clone(&app.settings));
    jobs.reminder_sweep(monday).await.unwrap();
    let got = pending_emails(&app).await;
    let numbers = |xs: &[&(String, String)]| -> std::collections::BTreeSet<String> {
        xs.iter().map(|x| x.1.clone()).collect()
    };
    let want: Vec<(&str, std::collections::BTreeSet<String>)> = vec![
        ("rina.resepsionis@dinsos.example.go.id", numbers(&[&a, &b2])),
        ("dedi.penghubung@dinsos.example.go.id", numbers(&[&a, &b2])),
        ("agnes.kabid@dinsos.example.go.id", numbers(&[&d, &e])),
        ("lukas.kabid@dinsos.example.go.id", numbers(&[&f])),
        ("yosef.kadis@dinsos.example.go.id", numbers(&[&c])),
    ];
    let to: Vec<&str> = got.iter().map(|m| m.0.as_str()).collect();
    let mut want_to: Vec<&str> = want.iter().map(|w| w.0).collect();
    want_to.sort();
    assert_eq!(to, want_to, "one message to each of the five, nobody else");
    for (who, expected) in &want {
        let (_, subject, text) = got.iter().find(|m| m.0 == *who).unwrap();
        assert_eq!(&listed(text), expected, "{who}: {subject}\n{text}");
        if who.starts_with("yosef") {
            // his own: the one to dispose; the rest in counts, with a link
            assert!(text.contains("TERLAMBAT DI BAWAH ANDA (3):"), "{text}");
            assert!(text.contains("  Kabid Linjamsos: 1\n"), "{text}");
            assert!(text.contains("  Kabid Rehsos: 1\n"), "{text}");
            assert!(
                text.contains(
                    "Pejabat Penghubung / Resepsionis (belum diteruskan atau dikirim): 1"
                ),
                "{text}"
            );
            assert!(text.contains("/console/complaints?due=overdue"), "{text}");
            assert!(text.len() < 2500, "short: {} characters", text.len());
        }
    }
    // the notification list shows each person the same complaints
    let logins = [
        (front[0].as_str(), &want[0].1),
        (front[1].as_str(), &want[1].1),
        ("agnes", &want[2].1),
        ("lukas", &want[3].1),
        ("yosef", &want[4].1),
    ];
    for (login, expected) in logins {
        let br: Browser = browser(&app, login, PASSWORD, None).await;
        let page = br
            .get(&app, "/console/notifications")
            .await
            .text()
            .await
            .unwrap();
        let shown: std::collections::BTreeSet<String> = made
            .iter()
            .filter(|x| page.contains(&format!(">{}</a>", x.1)))
            .map(|x| x.1.clone())
            .collect();
        assert_eq!(&shown, expected, "{login}'s notifications:\n{page}");
        assert!(page.contains("belum dibaca"), "{page}");
        // opening one reads its notifications: the bar's count goes down
        let count = |p: &str| -> usize {
            p.split("class=\"bell\"")
                .nth(1)
                .and_then(|s| s.split("</a>").next())
                .and_then(|s| s.split("class=\"badge\"").nth(1))
                .and_then(|s| s.split('>').nth(1))
                .and_then(|s| s.split('<').next())
                .and_then(|s| s.trim().parse().ok())
                .unwrap_or(0)
        };
        let before = count(&page);
        assert!(before >= expected.len(), "{login}: {before}\n{page}");
        let first = made.iter().find(|x| expected.contains(&x.1)).unwrap();
        let opened = br
            .get(&app, &format!("/console/complaints/{}", first.0))
            .await
            .text()
            .await
            .unwrap();
        assert!(count(&opened) < before, "{login}: opened, still {before}");
        let page = br
            .get(&app, "/console/notifications")
            .await
            .text()
            .await
            .unwrap();
        assert!(page.contains("sudah dibaca"), "{page}");
        if login != "agnes" {
            continue;
        }
        // Agnes asks for her notifications by email too: the unread ones
        // come once, the one she opened does not
        let r = app
            .client
            .post(app.url("/console/account/notifications"))
            .header("Cookie", &br.cookie)
            .header("Origin", app.url(""))
            .form(&[("csrf", br.csrf.as_str()), ("email", "1")])
            .send()
            .await
            .unwrap();
        let page = r.text().await.unwrap();
        assert!(page.contains("juga akan dikirim ke email Anda"), "{page}");
        let later = at("2025-04-14", "10:00");
        assert_eq!(jobs.notification_mail(later).await.unwrap(), 1);
        assert_eq!(jobs.notification_mail(later).await.unwrap(), 0, "once");
        let mails = pending_emails(&app).await;
        assert_eq!(mails.len(), 1);
        let (to, subject, text) = &mails[0];
        assert_eq!(to, "agnes.kabid@dinsos.example.go.id");
        assert!(subject.starts_with("[Pemberitahuan] "), "{subject}");
        let other = made
            .iter()
            .find(|x| expected.contains(&x.1) && x.1 != first.1)
            .unwrap();
        assert!(text.contains(&other.1), "{text}");
        assert!(!text.contains(&first.1), "opened, so read: {text}");
    }
}

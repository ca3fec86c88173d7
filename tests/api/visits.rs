//! The guest book (issue 35): whom a visit calls, an unanswered alert
//! escalated to the front office after the configured minutes, once; the
//! visits report over a known set of visits; the survey after a visit.

use chrono::{Duration, Utc};
use serde_json::json;

use crate::helpers::{Backend, both_backends, spawn_app_with};

both_backends!(
    an_unanswered_alert_goes_to_the_front_office_after_the_minutes_set,
    the_visits_report_counts_and_a_finished_visit_is_rated_once,
    a_phone_is_limited_per_device_and_the_office_tablet_is_not,
);

async fn an_unanswered_alert_goes_to_the_front_office_after_the_minutes_set(b: Backend) {
    use aduan::domain::visit::{NewVisit, Priority, Purpose};
    let Some(app) = spawn_app_with(b, |s| s.visit_escalate_minutes = 3).await else {
        return;
    };
    let o = crate::workflow::office(&app).await;
    let front_pos =
        crate::workflow::position(&app, &o.admin, "Pengadministrasi Umum", Some(&o.kasubag)).await;
    let (rina, _) =
        crate::workflow::officer(&app, &o.admin, "Rina Loket", &front_pos, "reception").await;
    crate::accounts::account(&app, &o.admin, "loket.eskalasi", "reception", Some(&rina)).await;
    let core = aduan::app::App::new(app.store.clone(), app.settings.clone());
    let now = Utc::now();
    let v = NewVisit {
        name: "Maria Goreti".into(),
        phone: None,
        email: None,
        origin: None,
        purpose: Purpose::MeetOfficial,
        position_id: Some(o.kabid.parse().unwrap()),
        priority: Some(Priority::Elderly),
        assistance: None,
        note: None,
    };
    let visit = core
        .register_visit(&v, "tamu", None, now)
        .await
        .unwrap()
        .unwrap();
    let keys = |prefix: &'static str| {
        let store = app.store.clone();
        async move {
            store
                .list_outbox(None, 200)
                .await
                .unwrap()
                .into_iter()
                .filter(|m| m.dedup_key.starts_with(prefix))
                .map(|m| m.dedup_key)
                .collect::<Vec<_>>()
        }
    };
    let alerts = keys("visit-alert:").await;
    assert_eq!(alerts.len(), 1, "{alerts:?}");
    assert!(
        alerts[0].ends_with("agnes.kabid@dinsos.example.go.id"),
        "the Kabid is called"
    );
    // two minutes on: not yet; three: to the front office, once
    assert_eq!(
        core.escalate_visits(now + Duration::minutes(2))
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        core.escalate_visits(now + Duration::minutes(3))
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        core.escalate_visits(now + Duration::minutes(10))
            .await
            .unwrap(),
        0
    );
    let up = keys("visit-escalated:").await;
    assert_eq!(up.len(), 1, "{up:?}");
    assert!(up[0].ends_with("rina.loket@dinsos.example.go.id"), "{up:?}");
    let m = app
        .store
        .list_outbox(None, 200)
        .await
        .unwrap()
        .into_iter()
        .find(|m| m.dedup_key.starts_with("visit-escalated:"))
        .unwrap();
    assert!(m.payload.contains("belum dilayani"), "{}", m.payload);
    // reception's console says so, and the visit is marked
    let desk =
        crate::accounts::browser(&app, "loket.eskalasi", crate::accounts::PASSWORD, None).await;
    let page = desk.get(&app, "/console/tamu").await.text().await.unwrap();
    assert!(page.contains("1 tamu menunggu Anda"), "the banner");
    assert!(page.contains("diteruskan ke petugas pelayanan"), "{page}");
    // a visit someone came for is not escalated
    let served = core
        .register_visit(&v, "tamu", None, now)
        .await
        .unwrap()
        .unwrap();
    let actor = aduan::store::Actor::cli();
    core.visit_act(
        served.id,
        served.version,
        aduan::app::visits::VisitAction::Start,
        &actor,
        now + Duration::minutes(1),
    )
    .await
    .unwrap()
    .unwrap();
    assert_eq!(
        core.escalate_visits(now + Duration::minutes(20))
            .await
            .unwrap(),
        0
    );
    let _ = (visit, json!({}));
}

/// Seven visits on two known days with known waits; the report's figures
/// written out: 6 served waits 60, 120, 210, 300, 420, 600 s → median
/// 210 s (3rd of 6), P90 600 s (6th of 6, nearest rank); 2 priority, 1 of
/// them served within the 5 minutes. A finished visit's survey link opens
/// its form once; the rating counts for the visits' IKM, not the complaints'.
async fn the_visits_report_counts_and_a_finished_visit_is_rated_once(b: Backend) {
    use aduan::app::visits::VisitAction;
    use aduan::domain::visit::{NewVisit, Priority, Purpose};
    use chrono::TimeZone;
    let Some(app) = spawn_app_with(b, |s| s.visit_escalate_minutes = 5).await else {
        return;
    };
    let o = crate::workflow::office(&app).await;
    let core = aduan::app::App::new(app.store.clone(), app.settings.clone());
    let tz = app.settings.office_timezone;
    // yesterday and today (office time): the survey given today counts in
    // the same semester as the visits (but on the first day of a semester)
    let today = Utc::now().with_timezone(&tz).date_naive();
    let day = today - chrono::Days::new(1);
    let at = |d: u32, h: u32, m: u32, s: u32| {
        tz.from_local_datetime(
            &(day + chrono::Days::new(u64::from(d)))
                .and_hms_opt(h, m, s)
                .unwrap(),
        )
        .unwrap()
        .with_timezone(&Utc)
    };
    let kabid: uuid::Uuid = o.kabid.parse().unwrap();
    let actor = aduan::store::Actor::cli();
    // (purpose, position, priority, arrived, started)
    let plan = [
        (
            Purpose::MeetOfficial,
            Some(kabid),
            Some(Priority::Disability),
            at(0, 9, 0, 0),
            Some(at(0, 9, 2, 0)),
        ),
        (
            Purpose::Service,
            None,
            Some(Priority::Elderly),
            at(0, 9, 10, 0),
            Some(at(0, 9, 17, 0)),
        ),
        (
            Purpose::Consultation,
            None,
            None,
            at(0, 9, 20, 0),
            Some(at(0, 9, 21, 0)),
        ),
        (
            Purpose::Complaint,
            Some(kabid),
            None,
            at(0, 9, 30, 0),
            Some(at(0, 9, 40, 0)),
        ),
        (
            Purpose::Service,
            None,
            None,
            at(0, 9, 35, 0),
            Some(at(0, 9, 38, 30)),
        ),
        (Purpose::Other, None, None, at(0, 9, 50, 0), None),
        (
            Purpose::Consultation,
            None,
            None,
            at(1, 10, 0, 0),
            Some(at(1, 10, 5, 0)),
        ),
    ];
    let mut visits = Vec::new();
    for (i, (purpose, position_id, priority, arrived, started)) in plan.iter().enumerate() {
        let v = NewVisit {
            name: format!("Tamu {i}"),
            phone: Some("081339001122".into()),
            email: Some(format!("tamu{i}@contoh.example")),
            origin: Some("Kelurahan Oebobo".into()),
            purpose: *purpose,
            position_id: *position_id,
            priority: *priority,
            assistance: None,
            note: None,
        };
        let visit = core
            .register_visit(&v, "tamu", None, *arrived)
            .await
            .unwrap()
            .unwrap();
        let visit = match started {
            Some(t) => {
                let s = core
                    .visit_act(visit.id, visit.version, VisitAction::Start, &actor, *t)
                    .await
                    .unwrap()
                    .unwrap();
                core.visit_act(
                    s.id,
                    s.version,
                    VisitAction::Finish,
                    &actor,
                    *t + Duration::minutes(10),
                )
                .await
                .unwrap()
                .unwrap()
            }
            None => core
                .visit_act(
                    visit.id,
                    visit.version,
                    VisitAction::Cancel,
                    &actor,
                    *arrived + Duration::minutes(30),
                )
                .await
                .unwrap()
                .unwrap(),
        };
        visits.push(visit);
    }
    let (r, ikm) = core
        .visit_report(day, day + chrono::Days::new(1))
        .await
        .unwrap();
    assert_eq!((r.total, r.served, r.cancelled), (7, 6, 1));
    assert_eq!(r.waited, Some((210, 600)), "median 3 min 30 s, P90 10 min");
    assert_eq!(
        (r.priority, r.priority_in_standard, r.standard_minutes),
        (2, 1, 5)
    );
    assert_eq!(r.by_day, vec![(day, 6), (day + chrono::Days::new(1), 1)]);
    let purposes: Vec<(&str, u64)> = r.by_purpose.iter().map(|(p, n)| (p.as_str(), *n)).collect();
    assert_eq!(
        purposes,
        vec![
            ("complaint", 1),
            ("consultation", 2),
            ("service", 2),
            ("meet_official", 1),
            ("other", 1)
        ]
    );
    assert_eq!(r.by_unit[0], ("Petugas pelayanan".to_string(), 5));
    assert_eq!(r.by_unit.iter().map(|u| u.1).sum::<u64>(), 7);
    assert_eq!(ikm.respondents, 0);
    // a day outside counts nothing
    let (none, _) = core
        .visit_report(day - chrono::Days::new(1), day - chrono::Days::new(1))
        .await
        .unwrap();
    assert_eq!(none.total, 0);

    // every finished visit with an email was invited, once each; not the cancelled one
    let outbox = app.store.list_outbox(None, 500).await.unwrap();
    let invited: Vec<_> = outbox
        .iter()
        .filter(|m| m.dedup_key.starts_with("visit-survey:"))
        .collect();
    assert_eq!(
        invited.len(),
        6,
        "{:?}",
        invited.iter().map(|m| &m.dedup_key).collect::<Vec<_>>()
    );
    let mine = invited
        .iter()
        .find(|m| m.dedup_key.ends_with(&visits[2].id.to_string()))
        .expect("the consultation's invitation");
    let url = core.visit_survey_url(visits[2].id);
    assert!(mine.payload.contains(&url), "the link is in the email");
    assert!(mine.payload.contains("Survei kepuasan"), "{}", mine.payload);
    assert!(core.visit_of_survey_token("AAAA").await.unwrap().is_none());

    // the visitor opens the link and rates the visit, once
    let path = url
        .trim_start_matches(&app.settings.public_base_url)
        .to_string();
    let form = app.client.get(app.url(&path)).send().await.unwrap();
    assert_eq!(form.status(), 200);
    assert!(
        form.text()
            .await
            .unwrap()
            .contains("Bagaimana pelayanan kami?")
    );
    let mut tampered = path.clone();
    tampered.pop();
    tampered.push(if path.ends_with('A') { 'B' } else { 'A' });
    assert_eq!(
        app.client
            .get(app.url(&tampered))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    let answers: Vec<(String, String)> = (1..=9)
        .map(|n| (format!("u{n}"), "4".to_string()))
        .collect();
    let first = app
        .client
        .post(app.url(&path))
        .form(&answers)
        .send()
        .await
        .unwrap();
    assert_eq!(first.status(), 201);
    let again = app
        .client
        .post(app.url(&path))
        .form(&answers)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 409);
    // the index counts responses by the day they were given (as for complaints)
    let ikm = core
        .ikm(&aduan::store::SurveyQuery {
            service: aduan::store::SurveyService::Visits,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!((ikm.respondents, ikm.ikm), (1, Some(10000)));
    let api = |q: &'static str| {
        let app = &app;
        let key = o.admin.clone();
        async move {
            app.client
                .get(app.url(&format!("/api/v1/reports/ikm?{q}")))
                .bearer_auth(key)
                .send()
                .await
                .unwrap()
                .json::<serde_json::Value>()
                .await
                .unwrap()
        }
    };
    let visits_ikm = api("service=visits").await;
    assert_eq!(
        (
            visits_ikm["respondents"].as_u64(),
            visits_ikm["service"].as_str()
        ),
        (Some(1), Some("visits"))
    );
    assert_eq!(
        api("").await["respondents"],
        0,
        "the complaints' index is apart"
    );
    let ikm_page = app
        .client
        .get(app.url("/ikm"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        ikm_page.contains("Pelayanan tamu (kunjungan)"),
        "{ikm_page}"
    );
    use chrono::Datelike;
    if (day.month() <= 6) == (today.month() <= 6) {
        // one respondent of six served: no category is published
        assert!(
            ikm_page.contains("1 responden; minimal 6 dari 6 yang dilayani")
                && ikm_page.contains("belum cukup responden"),
            "{ikm_page}"
        );
    }

    // a visitor's details erased on request: the visit still counts
    assert!(
        core.erase_visit(visits[5].id, "permintaan tamu", &actor, Utc::now())
            .await
            .unwrap()
    );
    let erased = app.store.get_visit(visits[5].id).await.unwrap().unwrap();
    assert_eq!(erased.name, aduan::domain::visit::ERASED_NAME);
    assert_eq!(
        (erased.phone, erased.email, erased.origin),
        (None, None, None)
    );
    let (r, _) = core
        .visit_report(day, day + chrono::Days::new(1))
        .await
        .unwrap();
    assert_eq!(r.total, 7);

    // the front office erases one on the console: a reason is required
    let front_pos =
        crate::workflow::position(&app, &o.admin, "Pengadministrasi Umum", Some(&o.kasubag)).await;
    let (rina, _) =
        crate::workflow::officer(&app, &o.admin, "Rina Loket", &front_pos, "reception").await;
    crate::accounts::account(&app, &o.admin, "loket.hapus", "reception", Some(&rina)).await;
    let desk = crate::accounts::browser(&app, "loket.hapus", crate::accounts::PASSWORD, None).await;
    let erase = |reason: &'static str| {
        let app = &app;
        let desk = &desk;
        let id = visits[4].id;
        async move {
            app.client
                .post(app.url(&format!("/console/tamu/{id}")))
                .header("Cookie", &desk.cookie)
                .form(&[
                    ("csrf", desk.csrf.as_str()),
                    ("action", "erase"),
                    ("reason", reason),
                ])
                .send()
                .await
                .unwrap()
        }
    };
    let refused = erase("").await;
    assert_eq!(refused.status(), 422);
    assert!(
        refused
            .text()
            .await
            .unwrap()
            .contains("Tulis alasan penghapusan")
    );
    assert_eq!(
        app.store
            .get_visit(visits[4].id)
            .await
            .unwrap()
            .unwrap()
            .name,
        "Tamu 4"
    );
    let done = erase("permintaan tamu lewat telepon").await;
    assert_eq!(done.status(), 303);
    assert_eq!(
        app.store
            .get_visit(visits[4].id)
            .await
            .unwrap()
            .unwrap()
            .name,
        aduan::domain::visit::ERASED_NAME
    );
    let _ = json!({});
}

/// `/tamu` from a visitor's phone: a device cookie, six visits an hour; the
/// office's tablet (marked from the console) is not limited per device and
/// its thank-you page leaves the visitor's name out.
async fn a_phone_is_limited_per_device_and_the_office_tablet_is_not(b: Backend) {
    let Some(app) = crate::helpers::spawn_app(b).await else {
        return;
    };
    let core = aduan::app::App::new(app.store.clone(), app.settings.clone());
    let form = app.client.get(app.url("/tamu")).send().await.unwrap();
    let set = form.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(
        set.starts_with("aduan_tamu=") && set.contains("HttpOnly"),
        "{set}"
    );
    let device = set.split(';').next().unwrap().to_string();
    // a form filled some seconds ago (the guard refuses an instant one)
    let token = || {
        let issued = Utc::now().timestamp() - 10;
        let nonce = uuid::Uuid::new_v4().simple().to_string();
        let tag = core
            .vault
            .tag("adukan", format!("{issued}.{nonce}").as_bytes());
        format!("{issued}.{nonce}.{tag}")
    };
    let send = |cookie: String, token: String| {
        let app = &app;
        async move {
            app.client
                .post(app.url("/tamu"))
                .header("Cookie", cookie)
                .form(&[
                    ("name", "Yakobus Nenobais"),
                    ("purpose", "consultation"),
                    ("position_id", ""),
                    ("consent", "on"),
                    ("website", ""),
                    ("form_token", token.as_str()),
                ])
                .send()
                .await
                .unwrap()
        }
    };
    for i in 0..6 {
        let r = send(device.clone(), token()).await;
        assert_eq!(r.status(), 201, "visit {i}");
        assert!(
            r.text()
                .await
                .unwrap()
                .contains("Terima kasih, Yakobus Nenobais.")
        );
    }
    let r = send(device.clone(), token()).await;
    assert_eq!(r.status(), 429);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("Terlalu banyak pendaftaran tamu dari perangkat ini")
    );
    // the office's tablet: marked, not limited per device; back to the form
    let tablet = format!("aduan_tamu_kios={}", core.new_kiosk_mark());
    for _ in 0..7 {
        let r = send(tablet.clone(), token()).await;
        assert_eq!(r.status(), 201);
        let page = r.text().await.unwrap();
        assert!(
            page.contains("agar tablet siap untuk tamu lain") && !page.contains("Yakobus"),
            "{page}"
        );
    }
    // a forged mark is a device like any other
    assert!(!core.is_kiosk_mark("0123456789abcdef0123456789abcdef.00"));
    assert_eq!(
        app.store
            .visits_on(
                Utc::now()
                    .with_timezone(&app.settings.office_timezone)
                    .date_naive()
            )
            .await
            .unwrap()
            .len(),
        13
    );
}

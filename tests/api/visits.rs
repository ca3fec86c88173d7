//! The guest book's alerts (issue 35): whom a visit calls, and an
//! unanswered alert escalated to the front office after the configured
//! minutes, once.

use chrono::{Duration, Utc};
use serde_json::json;

use crate::helpers::{Backend, both_backends, spawn_app_with};

both_backends!(an_unanswered_alert_goes_to_the_front_office_after_the_minutes_set,);

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

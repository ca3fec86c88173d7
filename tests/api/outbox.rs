use std::sync::Arc;

use aduan::config::{SmtpSettings, SmtpTls};
use aduan::domain::Role;
use aduan::notify::Dispatcher;
use chrono::{Duration, Utc};
use serde_json::Value;

use crate::helpers::*;
use crate::smtp::SmtpSink;

both_backends!(
    acknowledgement_is_emailed_once_even_after_the_smtp_server_was_down,
    undeliverable_messages_are_parked_and_can_be_retried,
);

pub async fn app_with_sink(b: Backend, max_attempts: u32) -> Option<(TestApp, SmtpSink)> {
    let sink = SmtpSink::start().await;
    let port = sink.port;
    let app = spawn_app_with(b, move |s| {
        s.smtp = Some(SmtpSettings {
            host: "127.0.0.1".into(),
            port,
            tls: SmtpTls::None,
            username: None,
            password: None,
            from: "Dinas Sosial <pengaduan@dinsos.example.go.id>".into(),
        });
        s.outbox_interval_secs = 3600;
        s.outbox_max_attempts = max_attempts;
        s.public_base_url = "https://aduan.example.go.id".into();
        s.liaison_email = Some("penghubung@dinsos.example.go.id".into());
        s.head_email = Some("kadis@dinsos.example.go.id".into());
        s.manager_emails = vec![
            "sekretaris@dinsos.example.go.id".into(),
            "inspektorat@example.go.id".into(),
        ];
    })
    .await?;
    Some((app, sink))
}

async fn acknowledgement_is_emailed_once_even_after_the_smtp_server_was_down(b: Backend) {
    let Some((app, sink)) = app_with_sink(b, 8).await else {
        return;
    };
    let dispatcher = Dispatcher::new(app.store.clone(), Arc::clone(&app.settings)).unwrap();
    let key = app.key(Role::Reception).await;
    let admin = app.key(Role::Admin).await;
    sink.set_down(true);
    let c: Value = app
        .post_complaint(&key, &valid_complaint("email"))
        .await
        .json()
        .await
        .unwrap();
    // a complaint without an email address gets no acknowledgement
    app.post_complaint(&key, &valid_complaint("letter")).await;

    let t0 = Utc::now();
    let r = dispatcher.run_once(t0).await.unwrap();
    assert_eq!((r.sent, r.retried, r.parked), (0, 1, 0));
    let pending: Value = app
        .get(&admin, "/api/v1/outbox?status=pending")
        .await
        .json()
        .await
        .unwrap();
    let entry = &pending["items"][0];
    assert_eq!(
        (entry["attempts"].as_i64(), entry["kind"].as_str()),
        (Some(1), Some("acknowledgement_email"))
    );
    assert!(entry["last_error"].as_str().unwrap().len() > 3);
    assert_eq!(pending["items"].as_array().unwrap().len(), 1);
    // not due again before the backoff
    assert_eq!(
        dispatcher
            .run_once(t0 + Duration::seconds(5))
            .await
            .unwrap()
            .sent,
        0
    );

    sink.set_down(false);
    let r = dispatcher.run_once(t0 + Duration::hours(2)).await.unwrap();
    assert_eq!(r.sent, 1);
    assert_eq!(
        dispatcher
            .run_once(t0 + Duration::hours(4))
            .await
            .unwrap()
            .sent,
        0,
        "never twice"
    );
    let got = sink.messages();
    assert_eq!(got.len(), 1);
    let m = &got[0];
    assert_eq!(m.rcpt, ["<dewi@example.id>"]);
    let tn = c["tracking_number"].as_str().unwrap();
    let code = c["access_code"].as_str().unwrap();
    assert!(
        m.data
            .contains(&format!("Subject: [{tn}] Pengaduan Anda telah kami terima")),
        "{}",
        m.data
    );
    assert!(m.data.contains(tn) && m.data.contains(code));
    assert!(m.data.contains("Yth. Bapak/Ibu Dewi Lestari"));
    assert!(m.data.contains("text/html") && m.data.contains("text/plain"));
    assert!(m.data.contains("Auto-Submitted: auto-generated"));
    let sent: Value = app
        .get(&admin, "/api/v1/outbox?status=sent")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(sent["items"].as_array().unwrap().len(), 1);
    // the outbox list never shows recipients or contents
    assert!(!sent.to_string().contains("dewi@example.id") && !sent.to_string().contains(code));
    assert_problem(app.get(&key, "/api/v1/outbox").await, 403).await;
    assert_problem(app.get(&admin, "/api/v1/outbox?status=lost").await, 422).await;
}

async fn undeliverable_messages_are_parked_and_can_be_retried(b: Backend) {
    let Some((app, sink)) = app_with_sink(b, 2).await else {
        return;
    };
    let dispatcher = Dispatcher::new(app.store.clone(), Arc::clone(&app.settings)).unwrap();
    let key = app.key(Role::Reception).await;
    let admin = app.key(Role::Admin).await;
    sink.set_down(true);
    app.post_complaint(&key, &valid_complaint("email")).await;
    let t0 = Utc::now();
    assert_eq!(dispatcher.run_once(t0).await.unwrap().retried, 1);
    assert_eq!(
        dispatcher
            .run_once(t0 + Duration::hours(2))
            .await
            .unwrap()
            .parked,
        1
    );
    assert_eq!(
        dispatcher.run_once(t0 + Duration::hours(9)).await.unwrap(),
        Default::default(),
        "parked stays parked"
    );
    let parked: Value = app
        .get(&admin, "/api/v1/outbox?status=parked")
        .await
        .json()
        .await
        .unwrap();
    let id = parked["items"][0]["id"].as_str().unwrap().to_string();
    assert_eq!(parked["items"][0]["attempts"], 2);

    let retry = |id: String| {
        let app = &app;
        let admin = admin.clone();
        async move {
            app.client
                .post(app.url(&format!("/api/v1/outbox/{id}/retry")))
                .bearer_auth(admin)
                .send()
                .await
                .unwrap()
        }
    };
    assert_eq!(retry(id.clone()).await.status(), 200);
    assert_problem(retry(id.clone()).await, 404).await;
    sink.set_down(false);
    assert_eq!(
        dispatcher
            .run_once(Utc::now() + Duration::seconds(1))
            .await
            .unwrap()
            .sent,
        1
    );
    assert_eq!(sink.messages().len(), 1);
}

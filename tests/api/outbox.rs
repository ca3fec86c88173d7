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
    a_slow_server_and_two_replicas_send_each_message_once,
);

pub async fn app_with_sink(b: Backend, max_attempts: u32) -> Option<(TestApp, SmtpSink)> {
    app_with_sink_and(b, max_attempts, |_| {}).await
}

/// [`app_with_sink`] with more settings changed.
pub async fn app_with_sink_and(
    b: Backend,
    max_attempts: u32,
    adjust: impl FnOnce(&mut aduan::config::Settings) + Send + 'static,
) -> Option<(TestApp, SmtpSink)> {
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
        adjust(s);
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
            .retried,
        0
    );
    // due again 30 s (±20 %) after the first failure, as the README says
    assert_eq!(
        dispatcher
            .run_once(t0 + Duration::seconds(37))
            .await
            .unwrap()
            .retried,
        1
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

/// The Message-IDs of what the sink received, sorted.
fn message_ids(sink: &SmtpSink) -> Vec<String> {
    let mut ids: Vec<String> = sink
        .messages()
        .iter()
        .filter_map(|m| {
            m.unfolded()
                .lines()
                .find(|l| l.to_ascii_lowercase().starts_with("message-id:"))
                .map(str::to_string)
        })
        .collect();
    ids.sort();
    ids
}

/// A server taking its time over each message while two replicas deliver:
/// a worker renews its claim before each message, so the other never sends
/// one twice; a worker stopped in the middle of its batch loses nothing.
async fn a_slow_server_and_two_replicas_send_each_message_once(b: Backend) {
    let Some((app, sink)) = app_with_sink(b, 8).await else {
        return;
    };
    let settings = (*app.settings).clone();
    let replica = spawn_replica(&app, move |s| {
        *s = aduan::config::Settings {
            listen: s.listen,
            ..settings
        }
    })
    .await;
    let key = app.key(Role::Reception).await;
    const N: usize = 24;
    for i in 0..N {
        let mut body = valid_complaint("email");
        body["reporter"]["email"] = serde_json::json!(format!("warga{i}@example.id"));
        assert_eq!(app.post_complaint(&key, &body).await.status(), 201);
    }
    // 150 ms a message: a batch takes 3.6 s, the claims last 1 s unrenewed
    sink.delay_ms
        .store(150, std::sync::atomic::Ordering::SeqCst);
    let claim = Duration::seconds(1);
    let d1 = Dispatcher::new(app.store.clone(), Arc::clone(&app.settings))
        .unwrap()
        .with_claim(claim);
    let d2 = Dispatcher::new(replica.store.clone(), Arc::clone(&replica.settings))
        .unwrap()
        .with_claim(claim);
    let (r1, r2) = tokio::join!(d1.run_once(Utc::now()), async {
        tokio::time::sleep(std::time::Duration::from_millis(1300)).await;
        d2.run_once(Utc::now()).await
    });
    let (r1, r2) = (r1.unwrap(), r2.unwrap());
    assert_eq!(r1.sent + r2.sent, N as u32, "{r1:?} {r2:?}");
    assert!(
        r2.sent > 0 && r1.skipped > 0,
        "the second replica took over what the first had not reached: {r1:?} {r2:?}"
    );
    let ids = message_ids(&sink);
    assert_eq!(ids.len(), N);
    let mut unique = ids.clone();
    unique.dedup();
    assert_eq!(unique.len(), N, "no message twice");

    // a worker stopped in the middle of its batch: the rest is sent later
    for i in 0..N {
        let mut body = valid_complaint("email");
        body["reporter"]["email"] = serde_json::json!(format!("warga-b{i}@example.id"));
        assert_eq!(app.post_complaint(&key, &body).await.status(), 201);
    }
    let stopped = tokio::time::timeout(
        std::time::Duration::from_millis(700),
        d1.run_once(Utc::now()),
    )
    .await;
    assert!(stopped.is_err(), "stopped mid-batch");
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    sink.delay_ms.store(0, std::sync::atomic::Ordering::SeqCst);
    let r = d2.run_once(Utc::now()).await.unwrap();
    assert!(r.sent > 0, "{r:?}");
    let mut rcpts: Vec<String> = sink
        .messages()
        .iter()
        .flat_map(|m| m.rcpt.clone())
        .collect();
    rcpts.sort();
    rcpts.dedup();
    assert_eq!(rcpts.len(), 2 * N, "every acknowledgement delivered");
    let pending: Value = app
        .get(&app.key(Role::Admin).await, "/api/v1/outbox?status=pending")
        .await
        .json()
        .await
        .unwrap();
    assert!(pending["items"].as_array().unwrap().is_empty(), "{pending}");
}

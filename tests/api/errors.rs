use aduan::domain::Role;
use serde_json::{Value, json};

use crate::helpers::*;

both_backends!(
    http_errors_are_problem_json,
    malformed_and_misshapen_bodies_are_refused_and_change_nothing,
    an_integration_that_is_not_configured_is_a_409_not_an_outage,
);

/// Monitoring reads a 5xx as an outage and clients retry it for ever: an
/// integration this service does not have is a 409 saying so (issue 37).
async fn an_integration_that_is_not_configured_is_a_409_not_an_outage(b: Backend) {
    let Some(app) = spawn_app(b).await else {
        return;
    };
    let key = app.key(Role::Admin).await;
    for path in [
        "/api/v1/integrations/lapor/poll",
        "/api/v1/integrations/lapor/reconcile",
        "/api/v1/integrations/lapor/quarantine/01900000-0000-7000-8000-000000000000/retry",
        "/api/v1/integrations/email/poll",
    ] {
        let r = app
            .client
            .post(app.url(path))
            .bearer_auth(&key)
            .send()
            .await
            .unwrap();
        let p = assert_problem(r, 409).await;
        assert!(
            p["type"]
                .as_str()
                .unwrap_or("")
                .ends_with("/not-configured"),
            "{path}: {p}"
        );
        assert!(
            p["detail"]
                .as_str()
                .unwrap_or("")
                .contains("not configured"),
            "{path}: {p}"
        );
    }
}

async fn http_errors_are_problem_json(b: Backend) {
    let Some(app) = spawn_app(b).await else {
        return;
    };
    let key = app.key(Role::Reception).await;
    assert_problem(app.get(&key, "/no/such/path").await, 404).await;
    assert_problem(
        app.get(
            &key,
            "/api/v1/complaints/01900000-0000-7000-8000-000000000000",
        )
        .await,
        404,
    )
    .await;
    assert_problem(app.get(&key, "/api/v1/complaints/not-a-uuid").await, 404).await;
    let r = app
        .client
        .delete(app.url("/api/v1/complaints"))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["allow"], "GET, POST");
    assert_problem(r, 405).await;
    let r = app
        .client
        .post(app.url("/api/v1/complaints"))
        .bearer_auth(&key)
        .header("content-type", "text/plain")
        .body("tolong")
        .send()
        .await
        .unwrap();
    assert_problem(r, 415).await;
    let huge = json!({"channel": "api", "subject": "x", "body": "a".repeat(300 * 1024)});
    assert_problem(app.post_complaint(&key, &huge).await, 413).await;
    assert!(app.list_all(&key, "", 10).await.is_empty());
}

async fn malformed_and_misshapen_bodies_are_refused_and_change_nothing(b: Backend) {
    let Some(app) = spawn_app(b).await else {
        return;
    };
    let key = app.key(Role::Reception).await;
    // a text over its maxLength as sent is refused, even when trimming its
    // surrounding spaces would bring it under (schemathesis found the draft's)
    let mut body = valid_complaint("letter");
    body["subject"] = json!(format!(" {}", "a".repeat(200)));
    let p = assert_problem(app.post_complaint(&key, &body).await, 422).await;
    assert_eq!(problem_fields(&p), vec!["subject"], "{p}");
    let send = |raw: &'static str| {
        app.client
            .post(app.url("/api/v1/complaints"))
            .bearer_auth(&key)
            .header("content-type", "application/json")
            .body(raw)
            .send()
    };
    assert_problem(send("{\"channel\": ").await.unwrap(), 400).await;
    assert_problem(send("{} {}").await.unwrap(), 400).await;
    let p = assert_problem(
        send("{\"channel\":\"api\",\"subject\":\"s\",\"body\":\"b\",\"colour\":\"red\"}")
            .await
            .unwrap(),
        422,
    )
    .await;
    assert_eq!(problem_fields(&p), ["colour"]);
    let p = assert_problem(
        send(
            "{\"channel\":\"api\",\"subject\":\"s\",\"body\":\"b\",\"reporter\":{\"nama\":\"x\"}}",
        )
        .await
        .unwrap(),
        422,
    )
    .await;
    assert_eq!(problem_fields(&p), ["reporter.nama"]);
    let p = assert_problem(
        send("{\"channel\":\"api\",\"subject\":\"s\",\"body\":\"b\",\"anonymous\":\"yes\"}")
            .await
            .unwrap(),
        422,
    )
    .await;
    assert_eq!(problem_fields(&p), ["anonymous"]);
    // every invalid field at once
    let p = assert_problem(
        app.post_complaint(
            &key,
            &json!({"channel": "fax", "kind": "gripe", "subject": "", "received_at": "kemarin"}),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(
        problem_fields(&p),
        ["body", "channel", "kind", "received_at", "subject"]
    );
    let future = (chrono::Utc::now() + chrono::Duration::hours(2)).to_rfc3339();
    let mut body = valid_complaint("api");
    body["received_at"] = Value::String(future);
    assert_eq!(
        problem_fields(&assert_problem(app.post_complaint(&key, &body).await, 422).await),
        ["received_at"]
    );
    assert!(
        app.list_all(&key, "", 10).await.is_empty(),
        "nothing may be stored"
    );
}

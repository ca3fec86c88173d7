use aduan::domain::Role;
use serde_json::Value;

use crate::helpers::*;

both_backends!(
    health_and_readiness_answer,
    metrics_count_requests_and_complaints
);

async fn health_and_readiness_answer(b: Backend) {
    let Some(app) = spawn_app(b).await else {
        return;
    };
    let r = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers().contains_key("x-request-id"));
    let v: Value = app
        .client
        .get(app.url("/readyz"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let expected = if b == Backend::Sqlite {
        "sqlite"
    } else {
        "postgres"
    };
    assert_eq!(v["database"], expected);
    // a caller's request id is echoed, a hostile one replaced
    let r = app
        .client
        .get(app.url("/healthz"))
        .header("x-request-id", "lb-1234")
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["x-request-id"], "lb-1234");
    let r = app
        .client
        .get(app.url("/healthz"))
        .header("x-request-id", "a b\"c")
        .send()
        .await
        .unwrap();
    assert_ne!(r.headers()["x-request-id"], "a b\"c");
}

async fn metrics_count_requests_and_complaints(b: Backend) {
    let Some(app) = spawn_app(b).await else {
        return;
    };
    let key = app.key(Role::Reception).await;
    assert_eq!(
        app.post_complaint(&key, &valid_complaint("letter"))
            .await
            .status(),
        201
    );
    let text = app
        .client
        .get(app.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        text.lines().any(|l| l.starts_with("http_requests_total")
            && l.contains("route=\"/api/v1/complaints\"")
            && l.contains("status=\"201\"")),
        "{text}"
    );
    assert!(
        text.contains("http_request_duration_seconds_bucket"),
        "{text}"
    );
    // the group commit's figures an operator reads when registrations slow
    // down (the recorder is the process's: counts include other tests)
    for m in [
        "aduan_group_commit_size_count",
        "aduan_group_commit_wait_seconds_count",
        "aduan_group_commit_write_seconds_count",
    ] {
        assert!(
            text.lines().any(|l| l
                .strip_prefix(m)
                .and_then(|v| v.trim().parse::<f64>().ok())
                .is_some_and(|n| n >= 1.0)),
            "{m} missing: {text}"
        );
    }
    // this app's database holds exactly one complaint (the gauge is per scrape of this store)
    assert!(
        text.lines()
            .any(|l| l == "aduan_complaints{status=\"registered\"} 1"),
        "{text}"
    );
}

#[tokio::test]
async fn committed_openapi_matches_the_code_and_the_served_document() {
    let committed =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/openapi/openapi.json"))
            .expect("openapi/openapi.json is committed");
    assert!(
        committed == aduan::api::openapi_json(),
        "openapi/openapi.json is stale: run `cargo run -- openapi > openapi/openapi.json` and commit it"
    );
    let Some(app) = spawn_app(Backend::Sqlite).await else {
        return;
    };
    let served: Value = app
        .client
        .get(app.url("/api-docs/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let committed: Value = serde_json::from_str(&committed).unwrap();
    assert_eq!(served, committed);
    for path in [
        "/api/v1/complaints",
        "/api/v1/complaints/{id}",
        "/api/v1/public/complaints/{tracking_number}",
    ] {
        assert!(committed["paths"].get(path).is_some(), "{path} documented");
    }
}

#[tokio::test]
async fn swagger_ui_is_served_from_vendored_assets() {
    let Some(app) = spawn_app(Backend::Sqlite).await else {
        return;
    };
    let r = app.client.get(app.url("/swagger-ui")).send().await.unwrap();
    assert_eq!(r.status(), 308);
    assert_eq!(r.headers()["location"], "/swagger-ui/");
    let root: Value = app
        .client
        .get(app.url("/"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(root["documentation"], "/swagger-ui/");
    let r = app
        .client
        .get(app.url("/swagger-ui/"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(html.contains("swagger-ui"), "{html}");
    assert!(
        !html.contains("https://"),
        "the page must not load anything from the internet"
    );
    let js = app
        .client
        .get(app.url("/swagger-ui/swagger-ui-bundle.js"))
        .send()
        .await
        .unwrap();
    assert_eq!(js.status(), 200);
    let init = app
        .client
        .get(app.url("/swagger-ui/swagger-initializer.js"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(init.contains("/api-docs/openapi.json"), "{init}");
}

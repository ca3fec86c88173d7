use aduan::domain::Role;
use serde_json::{Value, json};

use crate::helpers::*;

both_backends!(
    complainant_sees_status_without_personal_data,
    wrong_code_looks_like_unknown_number,
    lookups_are_rate_limited_per_client,
);

async fn complainant_sees_status_without_personal_data(b: Backend) {
    let Some(app) = spawn_app(b).await else {
        return;
    };
    let key = app.key(Role::Reception).await;
    let mut body = valid_complaint("face_to_face");
    body["reporter"] = json!({"name": "Maria Goreti", "id_number": "5371014101900001",
        "phone": "081237009999", "email": "maria@example.id", "address": "Jl. Rambutan 10"});
    let c: Value = app.post_complaint(&key, &body).await.json().await.unwrap();
    let tn = c["tracking_number"].as_str().unwrap();
    let code = c["access_code"].as_str().unwrap();
    // the code may be typed in lower case, without dashes
    let typed = code.replace('-', "").to_lowercase();
    let r = app
        .client
        .get(app.url(&format!("/api/v1/public/complaints/{tn}?code={typed}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let text = r.text().await.unwrap();
    for secret in [
        "Maria",
        "5371014101900001",
        "081237009999",
        "maria@example.id",
        "Rambutan",
    ] {
        assert!(!text.contains(secret), "public status leaks {secret}");
    }
    let v: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["status"], "registered");
    assert_eq!(v["status_label"], "Pengaduan diterima dan dicatat");
    assert_eq!(v["subject"], body["subject"]);
    assert_eq!(
        v["timeline"][0]["description"],
        "Pengaduan diterima dan dicatat"
    );

    let mut secret = valid_complaint("letter");
    secret["confidential"] = json!(true);
    let c: Value = app
        .post_complaint(&key, &secret)
        .await
        .json()
        .await
        .unwrap();
    let url = format!(
        "/api/v1/public/complaints/{}?code={}",
        c["tracking_number"].as_str().unwrap(),
        c["access_code"].as_str().unwrap()
    );
    let v: Value = app
        .client
        .get(app.url(&url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v["status"], "registered");
    assert_eq!(
        (v["subject"].clone(), v["body"].clone()),
        (Value::Null, Value::Null)
    );
}

async fn wrong_code_looks_like_unknown_number(b: Backend) {
    let Some(app) = spawn_app(b).await else {
        return;
    };
    let key = app.key(Role::Reception).await;
    let c: Value = app
        .post_complaint(&key, &valid_complaint("letter"))
        .await
        .json()
        .await
        .unwrap();
    let tn = c["tracking_number"].as_str().unwrap();
    let get = |path: String| {
        let app = &app;
        async move {
            let r = app.client.get(app.url(&path)).send().await.unwrap();
            let status = r.status().as_u16();
            let v: Value = r.json().await.unwrap();
            (status, v)
        }
    };
    let wrong = get(format!(
        "/api/v1/public/complaints/{tn}?code=0000-0000-0000-0000"
    ))
    .await;
    let unknown =
        get("/api/v1/public/complaints/DINSOS-2026-999999?code=0000-0000-0000-0000".into()).await;
    let missing = get(format!("/api/v1/public/complaints/{tn}")).await;
    let garbage = get("/api/v1/public/complaints/%27%20OR%201=1?code=x".into()).await;
    assert_eq!(wrong.0, 404);
    assert_eq!(wrong, unknown);
    assert_eq!(wrong, missing);
    assert_eq!(wrong, garbage);
}

async fn lookups_are_rate_limited_per_client(b: Backend) {
    let Some(app) = spawn_app_with(b, |s| s.public_rate_limit_per_minute = 5).await else {
        return;
    };
    let url = app.url("/api/v1/public/complaints/DINSOS-2026-000001?code=0000-0000-0000-0000");
    for _ in 0..5 {
        assert_eq!(app.client.get(&url).send().await.unwrap().status(), 404);
    }
    let r = app.client.get(&url).send().await.unwrap();
    let wait: u64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=12).contains(&wait), "retry after {wait}");
    assert_problem(r, 429).await;
}

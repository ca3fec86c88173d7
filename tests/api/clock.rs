use aduan::domain::Role;
use serde_json::{Value, json};

use crate::helpers::*;

both_backends!(pause_resume_and_extension_over_http);

async fn pause_resume_and_extension_over_http(b: Backend) {
    let Some(app) = spawn_app(b).await else {
        return;
    };
    let key = app.key(Role::Liaison).await;
    let head = app.key(Role::Head).await;
    let c: Value = app
        .post_complaint(&key, &valid_complaint("letter"))
        .await
        .json()
        .await
        .unwrap();
    let id = c["id"].as_str().unwrap().to_string();
    let post = |key: String, path: &'static str, body: Value, version: Option<&'static str>| {
        let app = &app;
        let id = id.clone();
        async move {
            let mut r = app
                .client
                .post(app.url(&format!("/api/v1/complaints/{id}/{path}")))
                .bearer_auth(key)
                .json(&body);
            if let Some(v) = version {
                r = r.header("If-Match", v);
            }
            r.send().await.unwrap()
        }
    };
    let p = assert_problem(post(key.clone(), "clock/pause", json!({}), None).await, 422).await;
    assert_eq!(problem_fields(&p), ["reason"]);
    assert_problem(
        post(
            key.clone(),
            "clock/pause",
            json!({"reason": "x"}),
            Some("\"9\""),
        )
        .await,
        412,
    )
    .await;
    assert_problem(
        post(
            key.clone(),
            "clock/pause",
            json!({"reason": "x"}),
            Some("sembilan"),
        )
        .await,
        400,
    )
    .await;
    let r = post(
        key.clone(),
        "clock/pause",
        json!({"reason": "Meminta fotokopi KTP"}),
        Some("\"1\""),
    )
    .await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["etag"], "\"2\"");
    let v: Value = r.json().await.unwrap();
    assert!(v["paused_at"].is_string());
    assert_eq!(
        (v["working_days_left"].clone(), v["overdue"].clone()),
        (Value::Null, json!(false))
    );
    assert_problem(
        post(key.clone(), "clock/pause", json!({"reason": "lagi"}), None).await,
        409,
    )
    .await;
    let soon = app
        .list_all_at(
            &key,
            "/api/v1/complaints/due-soon?within_working_days=30",
            50,
        )
        .await;
    assert!(soon.is_empty(), "a paused complaint is in no deadline list");
    assert_problem(
        post(
            head.clone(),
            "extension",
            json!({"working_days": 3, "reason": "x"}),
            None,
        )
        .await,
        409,
    )
    .await;

    let public: Value = app
        .client
        .get(app.url(&format!(
            "/api/v1/public/complaints/{}?code={}",
            c["tracking_number"].as_str().unwrap(),
            c["access_code"].as_str().unwrap()
        )))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        public["timeline"][1]["description"],
        "Menunggu tanggapan atau kelengkapan dari pelapor"
    );

    let v: Value = post(
        key.clone(),
        "clock/resume",
        json!({"reason": "KTP diterima"}),
        None,
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(v["paused_at"], Value::Null);
    assert_eq!(
        v["due_at"], c["due_at"],
        "paused and resumed the same day: no working day lost"
    );
    assert_problem(
        post(key.clone(), "clock/resume", json!({}), None).await,
        409,
    )
    .await;

    // extensions: the head of office only, 1-30 working days, with a reason
    assert_problem(
        post(
            key.clone(),
            "extension",
            json!({"working_days": 3, "reason": "x"}),
            None,
        )
        .await,
        403,
    )
    .await;
    let p = assert_problem(
        post(head.clone(), "extension", json!({"working_days": 0}), None).await,
        422,
    )
    .await;
    assert_eq!(problem_fields(&p), ["reason", "working_days"]);
    let v: Value = post(
        head.clone(),
        "extension",
        json!({"working_days": 3, "reason": "Perlu rapat pembahasan"}),
        None,
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(v["extra_working_days"], 3);
    let received = c["received_at"].as_str().unwrap().replace('+', "%2B");
    let expected: Value = app
        .client
        .get(app.url(&format!(
            "/api/v1/calendar/deadline?received_at={received}&working_days=10"
        )))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v["due_at"], expected["due_at"], "7 + 3 working days");
    let t: Value = app
        .get(&key, &format!("/api/v1/complaints/{id}/timeline"))
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
            "clock_paused",
            "clock_resumed",
            "deadline_extended"
        ]
    );
    assert_eq!(t["items"][3]["actor"]["role"], "head");
    assert_eq!(t["items"][3]["detail"]["reason"], "Perlu rapat pembahasan");

    let desk: Value = app
        .post_complaint(&key, &valid_complaint("face_to_face"))
        .await
        .json()
        .await
        .unwrap();
    let r = app
        .client
        .post(app.url(&format!(
            "/api/v1/complaints/{}/clock/pause",
            desk["id"].as_str().unwrap()
        )))
        .bearer_auth(&key)
        .json(&json!({"reason": "x"}))
        .send()
        .await
        .unwrap();
    assert_problem(r, 409).await;
}

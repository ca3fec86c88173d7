use std::collections::HashSet;

use aduan::domain::Role;
use futures_util::future::join_all;
use serde_json::{Value, json};

use crate::helpers::*;

both_backends!(
    one_complaint_per_channel_is_registered_and_readable,
    each_channel_enforces_its_identity_rule_and_stores_nothing,
    tracking_numbers_are_sequential_and_unique_under_concurrency,
    idempotency_key_replays_the_same_complaint,
    listing_pages_through_a_thousand_complaints_without_gaps,
    list_filters_narrow_the_result,
    timeline_records_registration_with_the_actor,
    anonymous_reporter_is_visible_only_to_admins,
);

async fn one_complaint_per_channel_is_registered_and_readable(b: Backend) {
    let Some(app) = spawn_app(b).await else {
        return;
    };
    let key = app.key(Role::Reception).await;
    for channel in CHANNELS {
        let r = app.post_complaint(&key, &valid_complaint(channel)).await;
        assert_eq!(r.status(), 201, "{channel}");
        let location = r.headers()["location"].to_str().unwrap().to_string();
        let created: Value = r.json().await.unwrap();
        assert_eq!(created["channel"], channel);
        assert_eq!(created["status"], "registered");
        let tn = created["tracking_number"].as_str().unwrap();
        let year = chrono::Utc::now().format("%Y").to_string();
        assert!(
            tn.starts_with(&format!("DINSOS-{year}-")) && tn.len() == 18,
            "{tn}"
        );
        let code = created["access_code"].as_str().unwrap();
        assert_eq!(code.len(), 19, "access code {code}");
        assert_eq!(
            location,
            format!("/api/v1/complaints/{}", created["id"].as_str().unwrap())
        );

        let got = app.get(&key, &location).await;
        assert_eq!(got.status(), 200);
        assert_eq!(got.headers()["etag"], "\"1\"");
        let got: Value = got.json().await.unwrap();
        let mut expected = created.clone();
        expected.as_object_mut().unwrap().remove("access_code");
        assert_eq!(got, expected, "read-back of {channel}");
        assert!(got.get("access_code").is_none());
    }
}

async fn each_channel_enforces_its_identity_rule_and_stores_nothing(b: Backend) {
    let Some(app) = spawn_app(b).await else {
        return;
    };
    let key = app.key(Role::Reception).await;
    let cases: [(&str, Value, &[&str]); 6] = [
        (
            "face_to_face",
            json!({"name": "Maria"}),
            &["reporter.id_number"],
        ),
        (
            "suggestion_box",
            json!({"name": "Yohanes"}),
            &["reporter.address", "reporter.phone"],
        ),
        (
            "letter",
            json!({"address": "Kupang"}),
            &["reporter.id_number", "reporter.name", "reporter.phone"],
        ),
        ("lapor", json!({"name": "Fransiska"}), &["reporter.address"]),
        ("email", json!({"name": "Dewi"}), &["reporter.email"]),
        (
            "face_to_face",
            json!({"name": "Maria", "id_number": "12345"}),
            &["reporter.id_number"],
        ),
    ];
    for (channel, reporter, fields) in cases {
        let mut body = valid_complaint(channel);
        body["reporter"] = reporter;
        let p = assert_problem(app.post_complaint(&key, &body).await, 422).await;
        assert_eq!(problem_fields(&p), fields.to_vec(), "{channel}");
        assert!(p["errors"][0]["reason"].as_str().unwrap().len() > 5);
    }
    // anonymous LAPOR! reports need no identity
    let mut anon = valid_complaint("lapor");
    anon["reporter"] = json!({});
    anon["anonymous"] = json!(true);
    assert_eq!(app.post_complaint(&key, &anon).await.status(), 201);
    let all = app.list_all(&key, "", 50).await;
    assert_eq!(all.len(), 1, "refused complaints must not be stored");
}

async fn tracking_numbers_are_sequential_and_unique_under_concurrency(b: Backend) {
    let Some(app) = spawn_app(b).await else {
        return;
    };
    let key = app.key(Role::Integration).await;
    let body = valid_complaint("api");
    let responses = join_all((0..40).map(|_| app.post_complaint(&key, &body))).await;
    let mut numbers = Vec::new();
    for r in responses {
        assert_eq!(r.status(), 201);
        let v: Value = r.json().await.unwrap();
        numbers.push(v["tracking_number"].as_str().unwrap().to_string());
    }
    numbers.sort();
    let year = chrono::Utc::now().format("%Y").to_string();
    let expected: Vec<String> = (1..=40).map(|n| format!("DINSOS-{year}-{n:06}")).collect();
    assert_eq!(numbers, expected);
}

async fn idempotency_key_replays_the_same_complaint(b: Backend) {
    let Some(app) = spawn_app(b).await else {
        return;
    };
    let key = app.key(Role::Integration).await;
    let body = valid_complaint("api");
    let send = |k: &'static str, body: Value| {
        let app = &app;
        let key = key.clone();
        async move {
            app.client
                .post(app.url("/api/v1/complaints"))
                .bearer_auth(key)
                .header("Idempotency-Key", k)
                .json(&body)
                .send()
                .await
                .unwrap()
        }
    };
    // concurrent retries with one key: one complaint, every answer the same
    let first = join_all((0..6).map(|_| send("portal-req-1", body.clone()))).await;
    let mut ids = HashSet::new();
    let mut codes = HashSet::new();
    for r in first {
        assert_eq!(r.status(), 201);
        let v: Value = r.json().await.unwrap();
        ids.insert(v["id"].as_str().unwrap().to_string());
        codes.insert(v["access_code"].as_str().unwrap().to_string());
    }
    assert_eq!((ids.len(), codes.len()), (1, 1));
    let replay = send("portal-req-1", body.clone()).await;
    assert_eq!(replay.headers()["idempotent-replayed"], "true");

    let mut other = body.clone();
    other["subject"] = json!("Subjek lain");
    let p = assert_problem(send("portal-req-1", other).await, 422).await;
    assert!(
        p["type"]
            .as_str()
            .unwrap()
            .ends_with("idempotency-key-reused")
    );

    assert_eq!(send("portal-req-2", body.clone()).await.status(), 201);
    assert_eq!(app.list_all(&key, "", 50).await.len(), 2);

    // the key is scoped to the client: another key may use the same value
    let other_key = app.key(Role::Integration).await;
    let r = app
        .client
        .post(app.url("/api/v1/complaints"))
        .bearer_auth(&other_key)
        .header("Idempotency-Key", "portal-req-1")
        .json(&body)
        .send()
        .await
        .unwrap();
    let v: Value = r.json().await.unwrap();
    assert!(!ids.contains(v["id"].as_str().unwrap()));

    let bad = app
        .client
        .post(app.url("/api/v1/complaints"))
        .bearer_auth(&key)
        .header("Idempotency-Key", "has space")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(
        problem_fields(&assert_problem(bad, 422).await),
        ["Idempotency-Key"]
    );
}

async fn listing_pages_through_a_thousand_complaints_without_gaps(b: Backend) {
    let Some(app) = spawn_app(b).await else {
        return;
    };
    let key = app.key(Role::Reception).await;
    // 1,000 complaints over 100 distinct instants: ties exercise the id tie-break
    let base = chrono::Utc::now() - chrono::Duration::days(30);
    let bodies: Vec<Value> = (0..1000)
        .map(|i| {
            let mut b = valid_complaint("letter");
            b["received_at"] = json!((base + chrono::Duration::minutes(i % 100)).to_rfc3339());
            b["subject"] = json!(format!("Surat nomor {i}"));
            b
        })
        .collect();
    for chunk in bodies.chunks(50) {
        for r in join_all(chunk.iter().map(|b| app.post_complaint(&key, b))).await {
            assert_eq!(r.status(), 201);
        }
    }
    let items = app.list_all(&key, "", 200).await;
    assert_eq!(items.len(), 1000);
    let ids: HashSet<&str> = items.iter().map(|v| v["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), 1000, "no item may appear twice");
    let keys: Vec<(String, String)> = items
        .iter()
        .map(|v| {
            let t =
                chrono::DateTime::parse_from_rfc3339(v["received_at"].as_str().unwrap()).unwrap();
            (
                t.timestamp_micros().to_string(),
                v["id"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let mut sorted = keys.clone();
    sorted.sort_by(|a, b| {
        b.0.parse::<i64>()
            .unwrap()
            .cmp(&a.0.parse::<i64>().unwrap())
            .then(b.1.cmp(&a.1))
    });
    assert_eq!(keys, sorted, "newest received first, then by id");
    // a small page size gives the same sequence
    let small = app.list_all(&key, "&channel=letter", 37).await;
    assert_eq!(small.len(), 1000);
    assert_eq!(small[0]["id"], items[0]["id"]);
    assert_eq!(small[999]["id"], items[999]["id"]);
}

async fn list_filters_narrow_the_result(b: Backend) {
    let Some(app) = spawn_app(b).await else {
        return;
    };
    let key = app.key(Role::Admin).await;
    let mut a = valid_complaint("email");
    a["subject"] = json!("Diskon 100% untuk PKH? Penipuan!");
    a["kind"] = json!("information_request");
    a["received_at"] = json!("2026-01-05T09:00:00+08:00");
    let mut b2 = valid_complaint("letter");
    b2["subject"] = json!("Jalan rusak di Oebobo");
    b2["kind"] = json!("aspiration");
    b2["received_at"] = json!("2026-02-10T09:00:00+08:00");
    let c = valid_complaint("face_to_face");
    for body in [&a, &b2, &c] {
        assert_eq!(app.post_complaint(&key, body).await.status(), 201);
    }
    let subjects = |items: Vec<Value>| -> Vec<String> {
        let mut s: Vec<String> = items
            .iter()
            .map(|v| v["subject"].as_str().unwrap().to_string())
            .collect();
        s.sort();
        s
    };
    assert_eq!(
        subjects(app.list_all(&key, "&channel=email", 10).await),
        [a["subject"].as_str().unwrap()]
    );
    assert_eq!(
        subjects(app.list_all(&key, "&kind=aspiration", 10).await),
        [b2["subject"].as_str().unwrap()]
    );
    assert_eq!(app.list_all(&key, "&status=registered", 10).await.len(), 3);
    assert_eq!(app.list_all(&key, "&status=closed", 10).await.len(), 0);
    // case-insensitive, and % is a literal character, not a wildcard
    assert_eq!(
        subjects(app.list_all(&key, "&q=OEBOBO", 10).await),
        [b2["subject"].as_str().unwrap()]
    );
    assert_eq!(app.list_all(&key, "&q=100%25", 10).await.len(), 1);
    assert_eq!(app.list_all(&key, "&q=%25", 10).await.len(), 1);
    let range =
        "&received_from=2026-01-01T00:00:00%2B08:00&received_to=2026-02-01T00:00:00%2B08:00";
    assert_eq!(
        subjects(app.list_all(&key, range, 10).await),
        [a["subject"].as_str().unwrap()]
    );

    let bad = app
        .get(
            &key,
            "/api/v1/complaints?status=lost&limit=0&cursor=xyz&received_from=monday",
        )
        .await;
    let p = assert_problem(bad, 422).await;
    assert_eq!(
        problem_fields(&p),
        ["cursor", "limit", "received_from", "status"]
    );
}

async fn timeline_records_registration_with_the_actor(b: Backend) {
    let Some(app) = spawn_app(b).await else {
        return;
    };
    let (key, key_id) = create_key(&app.store, Role::Reception, "Loket depan").await;
    let v: Value = app
        .post_complaint(&key, &valid_complaint("letter"))
        .await
        .json()
        .await
        .unwrap();
    let r = app
        .get(
            &key,
            &format!("/api/v1/complaints/{}/timeline", v["id"].as_str().unwrap()),
        )
        .await;
    assert_eq!(r.status(), 200);
    let t: Value = r.json().await.unwrap();
    let items = t["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["kind"], "registered");
    assert_eq!(items[0]["status"], "registered");
    assert_eq!(
        items[0]["actor"],
        json!({"name": "Loket depan", "role": "reception", "officer_id": null,
            "officer_name": null, "position_id": null, "position": null, "acting": null}),
        "a key not bound to an officer names no officer or position"
    );
    assert_eq!(items[0]["detail"]["channel"], "letter");
    let _ = key_id;
}

async fn anonymous_reporter_is_visible_only_to_admins(b: Backend) {
    let Some(app) = spawn_app(b).await else {
        return;
    };
    let liaison = app.key(Role::Liaison).await;
    let admin = app.key(Role::Admin).await;
    let mut body = valid_complaint("lapor");
    body["anonymous"] = json!(true);
    let created: Value = app
        .post_complaint(&liaison, &body)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        created["reporter"],
        Value::Null,
        "not even the registering liaison sees it"
    );
    assert_eq!(created["reporter_hidden"], true);
    let path = format!("/api/v1/complaints/{}", created["id"].as_str().unwrap());
    for role in [Role::Reception, Role::Official, Role::Head, Role::Manager] {
        let k = app.key(role).await;
        let v: Value = app.get(&k, &path).await.json().await.unwrap();
        assert_eq!(v["reporter"], Value::Null, "{role}");
        let text = app
            .get(&k, "/api/v1/complaints")
            .await
            .text()
            .await
            .unwrap();
        assert!(!text.contains("Fransiska"), "{role} list leaks the name");
    }
    let v: Value = app.get(&admin, &path).await.json().await.unwrap();
    assert_eq!(v["reporter"]["name"], "Fransiska Ina");
    assert_eq!(v["reporter_hidden"], false);
}

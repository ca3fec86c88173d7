//! Categories as a managed list (issue 33): free text refused, any case
//! accepted as the list spells it, the admin keeps the list, a complaint's
//! category set one by one or in bulk with its event, inactive ones offered
//! no more.

use aduan::domain::Role;
use serde_json::{Value, json};

use crate::helpers::*;
use crate::workflow::{dispose, office, ok, post, timeline};

both_backends!(
    a_category_comes_from_the_list_and_free_text_is_refused,
    the_admin_keeps_the_list_and_an_inactive_category_is_offered_no_more,
    the_category_is_set_one_by_one_or_in_bulk_with_its_event,
);

async fn send(
    app: &TestApp,
    key: &str,
    method: reqwest::Method,
    path: &str,
    body: Value,
) -> reqwest::Response {
    app.client
        .request(method, app.url(path))
        .bearer_auth(key)
        .json(&body)
        .send()
        .await
        .unwrap()
}

async fn a_category_comes_from_the_list_and_free_text_is_refused(b: Backend) {
    let Some(app) = spawn_app(b).await else {
        return;
    };
    let key = app.key(Role::Reception).await;
    let mut body = valid_complaint("letter");
    body["category"] = json!("bansos yang lain");
    let r = app.post_complaint(&key, &body).await;
    assert_eq!(r.status(), 422);
    let p: Value = r.json().await.unwrap();
    assert_eq!(p["errors"][0]["field"], "category", "{p}");
    assert!(
        app.list_all(&key, "", 10).await.is_empty(),
        "nothing registered"
    );
    // any case and spacing: written as the list spells it
    body["category"] = json!("  BANTUAN   sosial ");
    let r = app.post_complaint(&key, &body).await;
    assert_eq!(r.status(), 201);
    let c: Value = r.json().await.unwrap();
    assert_eq!(c["category"], "Bantuan Sosial");
    // no category is fine
    body["category"] = Value::Null;
    assert_eq!(app.post_complaint(&key, &body).await.status(), 201);
    let list: Value = app
        .get(&key, "/api/v1/categories")
        .await
        .json()
        .await
        .unwrap();
    let names: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Bantuan Sosial", "Program Keluarga Harapan (PKH)"]);
}

async fn the_admin_keeps_the_list_and_an_inactive_category_is_offered_no_more(b: Backend) {
    let Some(app) = spawn_app(b).await else {
        return;
    };
    let admin = app.key(Role::Admin).await;
    let reception = app.key(Role::Reception).await;
    let add = |key: &str, name: &str| {
        let (app, key, name) = (&app, key.to_string(), name.to_string());
        async move {
            send(
                app,
                &key,
                reqwest::Method::POST,
                "/api/v1/categories",
                json!({"name": name}),
            )
            .await
        }
    };
    assert_eq!(add(&reception, "Kartu Lansia").await.status(), 403);
    let r = add(&admin, "  Kartu   Lansia ").await;
    assert_eq!(r.status(), 201);
    let c: Value = r.json().await.unwrap();
    assert_eq!(
        (c["name"].as_str(), c["key"].as_str()),
        (Some("Kartu Lansia"), Some("kartu lansia"))
    );
    assert_eq!(
        add(&admin, "kartu lansia").await.status(),
        409,
        "one spelling per category"
    );
    let r = add(&admin, "   ").await;
    assert_eq!(r.status(), 422);
    let p: Value = r.json().await.unwrap();
    assert_eq!(p["errors"][0]["field"], "name", "{p}");
    // used, then retired: the old complaint keeps it, a new one may not take it
    let mut body = valid_complaint("letter");
    body["category"] = json!("kartu lansia");
    let old: Value = app
        .post_complaint(&reception, &body)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(old["category"], "Kartu Lansia");
    let r = send(
        &app,
        &admin,
        reqwest::Method::PATCH,
        "/api/v1/categories/kartu%20lansia",
        json!({"active": false}),
    )
    .await;
    assert_eq!(r.status(), 204);
    assert_eq!(app.post_complaint(&reception, &body).await.status(), 422);
    let again: Value = app
        .get(
            &reception,
            &format!("/api/v1/complaints/{}", old["id"].as_str().unwrap()),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(again["category"], "Kartu Lansia");
    let r = send(
        &app,
        &admin,
        reqwest::Method::PATCH,
        "/api/v1/categories/tidak%20ada",
        json!({"active": true}),
    )
    .await;
    assert_eq!(r.status(), 404);
}

async fn the_category_is_set_one_by_one_or_in_bulk_with_its_event(b: Backend) {
    let Some(app) = spawn_app(b).await else {
        return;
    };
    let o = office(&app).await;
    let manager = app.key(Role::Manager).await;
    let mut ids = Vec::new();
    for _ in 0..4 {
        let mut body = valid_complaint("letter");
        body["category"] = Value::Null;
        let c: Value = app
            .post_complaint(&o.reception, &body)
            .await
            .json()
            .await
            .unwrap();
        ids.push(c["id"].as_str().unwrap().to_string());
    }
    let put = |key: &str, id: &str, body: Value, version: Option<i64>| {
        let (app, key, id) = (&app, key.to_string(), id.to_string());
        async move {
            let mut r = app
                .client
                .put(app.url(&format!("/api/v1/complaints/{id}/category")))
                .bearer_auth(&key)
                .json(&body);
            if let Some(v) = version {
                r = r.header("If-Match", format!("\"{v}\""));
            }
            r.send().await.unwrap()
        }
    };
    // one: the liaison officer, in any case; the event on the timeline
    let r = put(
        &o.liaison,
        &ids[0],
        json!({"category": "program keluarga harapan (pkh)"}),
        Some(1),
    )
    .await;
    assert_eq!(r.status(), 200);
    let c: Value = r.json().await.unwrap();
    assert_eq!(c["category"], "Program Keluarga Harapan (PKH)");
    assert_eq!(c["version"], 2);
    let t = timeline(&app, &o.reception, &ids[0]).await;
    assert!(t.iter().any(|e| e["kind"] == "category_set"), "{t:?}");
    // a stale version, free text, a manager: refused, nothing changed
    assert_eq!(
        put(
            &o.liaison,
            &ids[0],
            json!({"category": "Bantuan Sosial"}),
            Some(1)
        )
        .await
        .status(),
        412
    );
    assert_eq!(
        put(&o.liaison, &ids[0], json!({"category": "apa saja"}), None)
            .await
            .status(),
        422
    );
    assert_eq!(
        put(
            &manager,
            &ids[0],
            json!({"category": "Bantuan Sosial"}),
            None
        )
        .await
        .status(),
        403
    );
    // an official on a complaint their position does not hold: refused; on one it holds: done
    ok(&app, &o.reception, &ids[1], "forward", json!({})).await;
    ok(&app, &o.k_head, &ids[1], "dispositions", dispose(&o.kabid)).await;
    assert_eq!(
        put(
            &o.k_kasi,
            &ids[1],
            json!({"category": "Bantuan Sosial"}),
            None
        )
        .await
        .status(),
        403
    );
    assert_eq!(
        put(
            &o.k_kabid,
            &ids[1],
            json!({"category": "Bantuan Sosial"}),
            None
        )
        .await
        .status(),
        200
    );
    let c: Value = app
        .get(&o.reception, &format!("/api/v1/complaints/{}", ids[0]))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        c["category"], "Program Keluarga Harapan (PKH)",
        "unchanged by the refusals"
    );
    // many: two done, one stale
    let r = post(
        &app,
        &o.liaison,
        "/api/v1/complaints/bulk/category",
        json!({"complaints": [
            {"id": ids[2], "version": 1}, {"id": ids[3]}, {"id": ids[0], "version": 1}
        ], "category": "bantuan sosial"}),
    )
    .await;
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["done"].as_array().unwrap().len(), 2, "{v}");
    assert_eq!(v["refused"][0]["reason"], "stale", "{v}");
    for id in &ids[2..4] {
        let c: Value = app
            .get(&o.reception, &format!("/api/v1/complaints/{id}"))
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(c["category"], "Bantuan Sosial");
    }
    // free text in bulk is refused before anything changes
    let r = post(
        &app,
        &o.liaison,
        "/api/v1/complaints/bulk/category",
        json!({"complaints": [{"id": ids[2]}], "category": "lain-lain"}),
    )
    .await;
    assert_eq!(r.status(), 422);
}

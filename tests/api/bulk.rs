//! Bulk actions over the API (issue 33): each complaint as its single
//! action would be, the refused ones listed with their reasons.

use serde_json::{Value, json};

use crate::helpers::*;
use crate::workflow::{office, post, timeline};

both_backends!(twenty_five_are_forwarded_and_a_dispose_of_ten_does_eight);

async fn bulk(app: &TestApp, key: &str, what: &str, body: Value) -> Value {
    let r = post(app, key, &format!("/api/v1/complaints/bulk/{what}"), body).await;
    let status = r.status();
    let v: Value = r.json().await.unwrap();
    assert_eq!(status, 200, "{v}");
    v
}

async fn twenty_five_are_forwarded_and_a_dispose_of_ten_does_eight(b: Backend) {
    let Some(app) = spawn_app(b).await else {
        return;
    };
    let o = office(&app).await;
    let mut complaints = Vec::new();
    for i in 0..26 {
        let mut body = valid_complaint("letter");
        body["subject"] = json!(format!("Laporan nomor {i}"));
        let r = app.post_complaint(&o.reception, &body).await;
        assert_eq!(r.status(), 201);
        let v: Value = r.json().await.unwrap();
        complaints.push((v["id"].as_str().unwrap().to_string(), 1i64));
    }
    let (kept, rest) = complaints.split_last().unwrap();
    let selection: Vec<Value> = rest
        .iter()
        .map(|(id, v)| json!({"id": id, "version": v}))
        .collect();
    let r = bulk(
        &app,
        &o.reception,
        "forward",
        json!({"complaints": selection, "note": "Laporan LAPOR! hari ini"}),
    )
    .await;
    assert_eq!(r["done"].as_array().unwrap().len(), 25, "{r}");
    assert!(r["refused"].as_array().unwrap().is_empty(), "{r}");
    for (id, _) in rest {
        let kinds: Vec<String> = timeline(&app, &o.reception, id)
            .await
            .iter()
            .map(|e| e["kind"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(
            kinds.iter().filter(|k| *k == "forwarded_to_head").count(),
            1,
            "{kinds:?}"
        );
    }
    let versions: std::collections::HashMap<String, i64> = r["done"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["id"].as_str().unwrap().to_string(),
                d["version"].as_i64().unwrap(),
            )
        })
        .collect();

    // the head disposes ten: one was changed since they were listed (stale),
    // one is not theirs to dispose (never forwarded)
    let mut ten: Vec<Value> = rest[..9]
        .iter()
        .map(|(id, _)| json!({"id": id, "version": versions[id]}))
        .collect();
    ten[3]["version"] = json!(versions[&rest[3].0] - 1);
    ten.push(json!({"id": kept.0}));
    let r = bulk(
        &app,
        &o.k_head,
        "dispose",
        json!({"complaints": ten, "to": o.kabid, "instruction": "siapkan jawaban",
               "note": "Segera"}),
    )
    .await;
    assert_eq!(r["done"].as_array().unwrap().len(), 8, "{r}");
    let refused = r["refused"].as_array().unwrap();
    assert_eq!(refused.len(), 2, "{r}");
    assert_eq!(refused[0]["id"], rest[3].0.as_str());
    assert_eq!(refused[0]["reason"], "stale");
    assert_eq!(refused[1]["id"], kept.0.as_str());
    assert!(
        ["conflict", "forbidden"].contains(&refused[1]["reason"].as_str().unwrap()),
        "{r}"
    );
    assert!(refused[1]["tracking_number"].is_string());
    // the refused ones are untouched
    let k: Value = app
        .get(&o.reception, &format!("/api/v1/complaints/{}", kept.0))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(k["status"], "registered");
    assert_eq!(k["version"], 1);

    // the Kabid marks the eight read at once; twice is "nothing unread"
    let eight: Vec<Value> = r["done"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| json!({"id": d["id"]}))
        .collect();
    let r = bulk(&app, &o.k_kabid, "read", json!({"complaints": eight})).await;
    assert_eq!(r["done"].as_array().unwrap().len(), 8, "{r}");
    assert!(
        r["done"]
            .as_array()
            .unwrap()
            .iter()
            .all(|d| d["status"] == "in_progress"),
        "{r}"
    );
    let r = bulk(&app, &o.k_kabid, "read", json!({"complaints": eight})).await;
    assert_eq!(r["refused"].as_array().unwrap().len(), 8);
    assert_eq!(r["refused"][0]["reason"], "nothing-unread");

    // bad requests change nothing and name the field
    for (what, body, field) in [
        ("forward", json!({"complaints": []}), "complaints"),
        ("forward", json!({}), "complaints"),
        (
            "dispose",
            json!({"complaints": [{"id": kept.0}], "instruction": "siapkan jawaban"}),
            "to",
        ),
        (
            "dispose",
            json!({"complaints": [{"id": kept.0}], "to": o.kabid, "instruction": "  "}),
            "instruction",
        ),
    ] {
        let r = post(
            &app,
            &o.k_head,
            &format!("/api/v1/complaints/bulk/{what}"),
            body,
        )
        .await;
        assert_eq!(problem_fields(&assert_problem(r, 422).await), vec![field]);
    }
}

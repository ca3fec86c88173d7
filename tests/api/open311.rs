//! Open311 GeoReport v2 over the application core, driven by a published
//! client (georeport from PyPI; `ADUAN_TEST_OPEN311_PYTHON` names the
//! Python that has it — scripts/test makes one).

use std::process::Command;

use aduan::domain::Role;
use serde_json::{Value, json};

use crate::helpers::*;
use crate::workflow::{dispose, office, ok};

both_backends!(an_open311_client_files_a_request_and_follows_it_to_its_answer);

fn python() -> Option<String> {
    match std::env::var("ADUAN_TEST_OPEN311_PYTHON") {
        Ok(p) => Some(p),
        Err(_) if std::env::var("CI").is_ok_and(|v| v == "true") => {
            panic!("CI=true but ADUAN_TEST_OPEN311_PYTHON is not set")
        }
        Err(_) => {
            eprintln!("skipping: ADUAN_TEST_OPEN311_PYTHON is not set");
            None
        }
    }
}

fn client(py: &str, args: &[&str]) -> Value {
    let out = Command::new(py)
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/open311/client.py"
        ))
        .args(args)
        .output()
        .expect("run the Open311 client");
    assert!(
        out.status.success(),
        "client failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("the client prints JSON")
}

async fn an_open311_client_files_a_request_and_follows_it_to_its_answer(b: Backend) {
    let Some(py) = python() else {
        return;
    };
    let Some(app) = spawn_app(b).await else {
        return;
    };
    let base = app.url("/open311/v2");
    let agency = app.key(Role::Integration).await;

    let posted = client(&py, &[&base, "post", &agency]);
    assert_eq!(posted["status"], 200, "{posted}");
    let id = posted["body"][0]["service_request_id"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        posted["body"][0]["service_notice"]
            .as_str()
            .unwrap()
            .contains("Nomor pengaduan"),
        "{posted}"
    );
    // the same complaint as over the REST API, under the agency's key
    let c: Value = app
        .get(&agency, &format!("/api/v1/complaints/{id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(c["channel"], "api");
    assert_eq!(c["kind"], "complaint");
    assert_eq!(c["location"], "-10.1772, 123.6070");
    assert_eq!(c["subject"], "Bantuan PKH belum diterima sejak tiga bulan.");

    let seen = client(&py, &[&base, "get", &id]);
    let codes: Vec<&str> = seen["services"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["service_code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["complaint", "aspiration", "information_request"]);
    assert_eq!(seen["one"]["status"], "open");
    assert_eq!(seen["one"]["service_request_id"], id.as_str());
    assert_eq!(
        seen["one"]["status_notes"],
        "Pengaduan diterima dan dicatat"
    );
    assert!(
        seen["one"]["description"].is_null() && seen["one"]["address"].is_null(),
        "without a key, only what the status page shows: {seen}"
    );
    assert_eq!(seen["many"].as_array().unwrap().len(), 1);

    // answered: closed, with the note the complainant reads
    let o = office(&app).await;
    ok(&app, &o.liaison, &id, "forward", json!({})).await;
    ok(&app, &o.k_head, &id, "dispositions", dispose(&o.kabid)).await;
    ok(
        &app,
        &o.k_kabid,
        &id,
        "answer/drafts",
        json!({"body": "Sudah dicairkan."}),
    )
    .await;
    ok(&app, &o.k_kabid, &id, "answer/submit", json!({})).await;
    ok(&app, &o.k_head, &id, "answer/approve", json!({})).await;
    ok(&app, &o.liaison, &id, "dispatch", json!({})).await;
    let seen = client(&py, &[&base, "get", &id]);
    assert_eq!(seen["one"]["status"], "closed", "{seen}");
    assert_eq!(
        seen["one"]["status_notes"],
        "Jawaban telah disampaikan kepada pelapor"
    );

    // with its key, the agency lists what it filed, in full
    let mine: Value = app
        .client
        .get(app.url(&format!(
            "/open311/v2/requests.json?api_key={agency}&status=closed"
        )))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(mine.as_array().unwrap().len(), 1, "{mine}");
    assert!(
        mine[0]["description"]
            .as_str()
            .unwrap()
            .contains("tiga bulan")
    );
    assert_eq!(mine[0]["lat"], -10.1772);
    let nothing: Value = app
        .client
        .get(app.url("/open311/v2/requests.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(nothing, json!([]), "nothing is listed publicly");

    // errors in Open311's own shape
    let r = app
        .client
        .post(app.url("/open311/v2/requests.json"))
        .form(&[
            ("api_key", agency.as_str()),
            ("service_code", "complaint"),
            ("lat", "1"),
            ("long", "2"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let e: Value = r.json().await.unwrap();
    assert_eq!(e[0]["code"], 400);
    assert!(
        e[0]["description"]
            .as_str()
            .unwrap()
            .contains("description")
    );
    let r = app
        .client
        .post(app.url("/open311/v2/requests.json"))
        .form(&[("api_key", "salah"), ("service_code", "complaint")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let reception = app.key(Role::Official).await;
    let r = app
        .client
        .post(app.url("/open311/v2/requests.json"))
        .form(&[
            ("api_key", reception.as_str()),
            ("service_code", "complaint"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403, "a key that may not file");
}

use aduan::domain::Role;
use reqwest::multipart::{Form, Part};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::helpers::*;

both_backends!(
    an_attachment_is_stored_hashed_and_downloaded_intact,
    bad_uploads_are_refused_and_leave_nothing_behind,
);

fn form(name: &str, bytes: Vec<u8>, mime: &str) -> Form {
    Form::new().part(
        "file",
        Part::bytes(bytes)
            .file_name(name.to_string())
            .mime_str(mime)
            .unwrap(),
    )
}

async fn upload(app: &TestApp, key: &str, id: &str, form: Form) -> reqwest::Response {
    app.client
        .post(app.url(&format!("/api/v1/complaints/{id}/attachments")))
        .bearer_auth(key)
        .multipart(form)
        .send()
        .await
        .unwrap()
}

async fn an_attachment_is_stored_hashed_and_downloaded_intact(b: Backend) {
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
    let id = c["id"].as_str().unwrap();
    let bytes: Vec<u8> = (0..200_000u32).map(|i| (i * 7 % 251) as u8).collect();
    let name = "surat pengaduan – Oebobo ✉.pdf";
    let r = upload(&app, &key, id, form(name, bytes.clone(), "application/pdf")).await;
    assert_eq!(r.status(), 201);
    let a: Value = r.json().await.unwrap();
    assert_eq!(a["file_name"], name);
    assert_eq!(a["size_bytes"], 200_000);
    assert_eq!(a["sha256"], hex::encode(Sha256::digest(&bytes)));
    assert_eq!(a["content_type"], "application/pdf");

    let official = app.key(Role::Official).await;
    let d = app
        .get(&official, a["download_url"].as_str().unwrap())
        .await;
    assert_eq!(d.status(), 200);
    assert_eq!(d.headers()["content-type"], "application/pdf");
    let cd = d.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        cd.starts_with("attachment") && cd.contains("filename*=UTF-8''"),
        "{cd}"
    );
    assert_eq!(d.bytes().await.unwrap().to_vec(), bytes);

    let list: Value = app
        .get(&key, &format!("/api/v1/complaints/{id}/attachments"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
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
    assert_eq!(kinds, ["registered", "attachment_added"]);
    let v: Value = app
        .get(&key, &format!("/api/v1/complaints/{id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v["version"], 2);

    // downloads need a key, and integrations only reach their own complaints
    let r = app
        .client
        .get(app.url(a["download_url"].as_str().unwrap()))
        .send()
        .await
        .unwrap();
    assert_problem(r, 401).await;
    let stranger = app.key(Role::Integration).await;
    assert_problem(
        app.get(&stranger, a["download_url"].as_str().unwrap())
            .await,
        404,
    )
    .await;
}

async fn bad_uploads_are_refused_and_leave_nothing_behind(b: Backend) {
    let Some(app) = spawn_app_with(b, |s| s.max_attachment_bytes = 4096).await else {
        return;
    };
    let key = app.key(Role::Reception).await;
    let c: Value = app
        .post_complaint(&key, &valid_complaint("letter"))
        .await
        .json()
        .await
        .unwrap();
    let id = c["id"].as_str().unwrap();

    assert_problem(
        upload(
            &app,
            &key,
            id,
            form("big.jpg", vec![1u8; 5000], "image/jpeg"),
        )
        .await,
        413,
    )
    .await;
    let r = upload(&app, &key, id, Form::new().text("note", "no file")).await;
    assert_problem(r, 422).await;
    let r = upload(
        &app,
        &key,
        id,
        form("a.jpg", vec![1], "image/jpeg").part("file", Part::bytes(vec![2]).file_name("b.jpg")),
    )
    .await;
    assert_problem(r, 422).await;
    let r = app
        .client
        .post(app.url(&format!("/api/v1/complaints/{id}/attachments")))
        .bearer_auth(&key)
        .header("content-type", "application/json")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_problem(r, 415).await;
    let official = app.key(Role::Official).await;
    assert_problem(
        upload(&app, &official, id, form("a.jpg", vec![1], "image/jpeg")).await,
        403,
    )
    .await;
    assert_problem(
        upload(
            &app,
            &key,
            "01900000-0000-7000-8000-000000000000",
            form("a.jpg", vec![1], "image/jpeg"),
        )
        .await,
        404,
    )
    .await;

    let list: Value = app
        .get(&key, &format!("/api/v1/complaints/{id}/attachments"))
        .await
        .json()
        .await
        .unwrap();
    assert!(list["items"].as_array().unwrap().is_empty());
    let v: Value = app
        .get(&key, &format!("/api/v1/complaints/{id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v["version"], 1, "a refused upload changes nothing");
    let leftovers: Vec<_> = walk(&app.data_dir.join("attachments"));
    assert!(leftovers.is_empty(), "files left behind: {leftovers:?}");
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return vec![];
    };
    rd.flatten()
        .flat_map(|e| {
            let p = e.path();
            if p.is_dir() { walk(&p) } else { vec![p] }
        })
        .collect()
}

//! Security round (issue 31): the findings without a home of their own,
//! each reproduced by a test that failed before its fix.

use aduan::domain::Role;
use serde_json::{Value, json};

use crate::accounts::{PASSWORD, account, browser};
use crate::helpers::*;

both_backends!(a_person_search_is_for_the_desk_and_written_to_the_audit);

/// Posts a console form with the browser's session and CSRF token.
async fn console_form(
    app: &TestApp,
    b: &crate::accounts::Browser,
    path: &str,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    let mut form: Vec<(&str, &str)> = vec![("csrf", b.csrf.as_str())];
    form.extend_from_slice(fields);
    app.client
        .post(app.url(path))
        .header("Cookie", &b.cookie)
        .form(&form)
        .send()
        .await
        .unwrap()
}

/// Finding 6: the search by NIK, phone or email is for the desk (reception,
/// liaison, privacy, admin), needs a purpose, and each search is written to
/// the privacy audit (without the identifier).
async fn a_person_search_is_for_the_desk_and_written_to_the_audit(b: Backend) {
    let Some(app) = spawn_app(b).await else {
        return;
    };
    let admin = app.key(Role::Admin).await;
    let privacy = app.key(Role::Privacy).await;
    let reception_key = app.key(Role::Reception).await;
    let mut c = valid_complaint("letter");
    c["confidential"] = json!(true);
    let r = app.post_complaint(&reception_key, &c).await;
    assert_eq!(r.status(), 201);
    let number = r.json::<Value>().await.unwrap()["tracking_number"]
        .as_str()
        .unwrap()
        .to_string();
    account(&app, &admin, "ina@dinsos.example.go.id", "reception", None).await;
    account(&app, &admin, "kabid@dinsos.example.go.id", "official", None).await;
    account(&app, &admin, "pengawas@dinsos.example.go.id", "manager", None).await;
    let desk = browser(&app, "ina@dinsos.example.go.id", PASSWORD, None).await;
    let official = browser(&app, "kabid@dinsos.example.go.id", PASSWORD, None).await;
    let manager = browser(&app, "pengawas@dinsos.example.go.id", PASSWORD, None).await;
    let phone = "0812 3700 1234";
    let purpose = "Pelapor menanyakan perkembangan lewat telepon";
    // not for an official or a manager; nor offered on their list page
    for who in [&official, &manager] {
        let r = console_form(
            &app,
            who,
            "/console/complaints/person",
            &[("identifier", phone), ("purpose", purpose)],
        )
        .await;
        assert_eq!(r.status(), 403);
        let list = who.get(&app, "/console/complaints").await.text().await.unwrap();
        assert!(!list.contains("Cari menurut pelapor"), "not offered");
    }
    // the desk must say why
    let r = console_form(
        &app,
        &desk,
        "/console/complaints/person",
        &[("identifier", phone), ("purpose", "  ")],
    )
    .await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("Tuliskan keperluannya"));
    let audit: Value = app
        .get(&privacy, "/api/v1/privacy/audit")
        .await
        .json()
        .await
        .unwrap();
    assert!(audit["items"].as_array().unwrap().is_empty(), "{audit}");
    // and then finds the complaint; the search is in the audit
    let r = console_form(
        &app,
        &desk,
        "/console/complaints/person",
        &[("identifier", phone), ("purpose", purpose)],
    )
    .await;
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains(&number));
    let audit: Value = app
        .get(&privacy, "/api/v1/privacy/audit")
        .await
        .json()
        .await
        .unwrap();
    let items = audit["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{audit}");
    assert_eq!(items[0]["action"], "search");
    assert_eq!(items[0]["reason"], purpose);
    assert_eq!(items[0]["complaint_ids"].as_array().map(Vec::len), Some(1), "{audit}");
    let text = audit.to_string();
    assert!(
        !text.contains("3700") && !text.contains("1234"),
        "no identifier in the audit: {text}"
    );
}

use aduan::domain::Role;
use serde_json::Value;

use crate::helpers::*;

both_backends!(
    requests_without_a_valid_key_are_refused,
    roles_limit_what_a_key_may_do,
    integrations_read_only_what_they_created,
);

async fn requests_without_a_valid_key_are_refused(b: Backend) {
    let Some(app) = spawn_app(b).await else {
        return;
    };
    let r = app
        .client
        .get(app.url("/api/v1/complaints"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["www-authenticate"], "Bearer");
    assert_problem(r, 401).await;
    assert_problem(
        app.get("adn_not-a-real-key", "/api/v1/complaints").await,
        401,
    )
    .await;
    let r = app
        .client
        .get(app.url("/api/v1/complaints"))
        .header("authorization", "Basic dXNlcjpwYXNz")
        .send()
        .await
        .unwrap();
    assert_problem(r, 401).await;
    assert_problem(app.post_complaint("", &valid_complaint("api")).await, 401).await;

    let (key, id) = create_key(&app.store, Role::Reception, "front").await;
    assert_eq!(app.get(&key, "/api/v1/complaints").await.status(), 200);
    assert!(
        app.store
            .revoke_api_key(id, chrono::Utc::now())
            .await
            .unwrap()
    );
    assert_problem(app.get(&key, "/api/v1/complaints").await, 401).await;
}

async fn roles_limit_what_a_key_may_do(b: Backend) {
    let Some(app) = spawn_app(b).await else {
        return;
    };
    for role in [Role::Official, Role::Head, Role::Manager] {
        let k = app.key(role).await;
        assert_problem(app.post_complaint(&k, &valid_complaint("api")).await, 403).await;
        assert_eq!(
            app.get(&k, "/api/v1/complaints").await.status(),
            200,
            "{role} reads"
        );
    }
    for role in [
        Role::Admin,
        Role::Reception,
        Role::Liaison,
        Role::Integration,
    ] {
        let k = app.key(role).await;
        assert_eq!(
            app.post_complaint(&k, &valid_complaint("api"))
                .await
                .status(),
            201,
            "{role} creates"
        );
    }
}

async fn integrations_read_only_what_they_created(b: Backend) {
    let Some(app) = spawn_app(b).await else {
        return;
    };
    let portal = app.key(Role::Integration).await;
    let eoffice = app.key(Role::Integration).await;
    let reception = app.key(Role::Reception).await;
    let mine: Value = app
        .post_complaint(&portal, &valid_complaint("api"))
        .await
        .json()
        .await
        .unwrap();
    let theirs: Value = app
        .post_complaint(&eoffice, &valid_complaint("api"))
        .await
        .json()
        .await
        .unwrap();
    let desk: Value = app
        .post_complaint(&reception, &valid_complaint("letter"))
        .await
        .json()
        .await
        .unwrap();
    let id = |v: &Value| v["id"].as_str().unwrap().to_string();
    assert_eq!(
        app.get(&portal, &format!("/api/v1/complaints/{}", id(&mine)))
            .await
            .status(),
        200
    );
    for other in [&theirs, &desk] {
        assert_problem(
            app.get(&portal, &format!("/api/v1/complaints/{}", id(other)))
                .await,
            404,
        )
        .await;
        assert_problem(
            app.get(
                &portal,
                &format!("/api/v1/complaints/{}/timeline", id(other)),
            )
            .await,
            404,
        )
        .await;
    }
    let listed = app.list_all(&portal, "", 50).await;
    assert_eq!(listed.iter().map(id).collect::<Vec<_>>(), [id(&mine)]);
    assert_eq!(app.list_all(&reception, "", 50).await.len(), 3);
}

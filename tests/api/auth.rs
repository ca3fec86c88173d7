use aduan::domain::Role;
use serde_json::Value;

use crate::helpers::*;

both_backends!(
    requests_without_a_valid_key_are_refused,
    roles_limit_what_a_key_may_do,
    integrations_read_only_what_they_created,
    a_revoked_key_is_refused_by_every_replica_within_a_second,
    an_officer_who_left_is_refused_by_every_replica_within_a_second,
);

/// Polls `path` on `app` with `key` until it answers 401; how long that took.
async fn until_refused(app: &TestApp, key: &str, path: &str) -> std::time::Duration {
    let t = std::time::Instant::now();
    loop {
        let status = app.get(key, path).await.status().as_u16();
        if status == 401 {
            return t.elapsed();
        }
        assert_eq!(status, 200, "before it is refused the key works");
        assert!(
            t.elapsed() < std::time::Duration::from_secs(5),
            "still accepted after 5 s"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

async fn a_revoked_key_is_refused_by_every_replica_within_a_second(b: Backend) {
    let Some(app) = spawn_app(b).await else {
        return;
    };
    let other = spawn_replica(&app, |_| {}).await;
    let admin = app.key(Role::Admin).await;
    let (key, id) = create_key(&app.store, Role::Reception, "meja depan").await;
    // both replicas have resolved (and cached) the key
    for replica in [&app, &other] {
        for _ in 0..3 {
            assert_eq!(replica.get(&key, "/api/v1/complaints").await.status(), 200);
        }
    }
    let r = app
        .client
        .delete(app.url(&format!("/api/v1/api-keys/{id}")))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{}", r.status());
    assert_problem(app.get(&key, "/api/v1/complaints").await, 401).await;
    let took = until_refused(&other, &key, "/api/v1/complaints").await;
    assert!(
        took < std::time::Duration::from_secs(1),
        "the other replica took {took:?}"
    );
    // a new key works at once (misses are not cached)
    let (fresh, _) = create_key(&app.store, Role::Reception, "meja depan 2").await;
    assert_eq!(other.get(&fresh, "/api/v1/complaints").await.status(), 200);
}

async fn an_officer_who_left_is_refused_by_every_replica_within_a_second(b: Backend) {
    let Some(app) = spawn_app(b).await else {
        return;
    };
    let other = spawn_replica(&app, |_| {}).await;
    let o = crate::workflow::office(&app).await;
    for _ in 0..3 {
        assert_eq!(other.get(&o.k_kasi, "/api/v1/inbox").await.status(), 200);
    }
    let r = app
        .client
        .patch(app.url(&format!("/api/v1/org/officers/{}", o.o_kasi)))
        .bearer_auth(&o.admin)
        .json(&serde_json::json!({"active": false}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let took = until_refused(&other, &o.k_kasi, "/api/v1/inbox").await;
    assert!(
        took < std::time::Duration::from_secs(1),
        "the other replica took {took:?}"
    );
}

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
    // revoked behind the service's back (as `aduan apikey revoke` does from
    // another process): refused within a second
    let took = until_refused(&app, &key, "/api/v1/complaints").await;
    assert!(took < std::time::Duration::from_secs(1), "took {took:?}");
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

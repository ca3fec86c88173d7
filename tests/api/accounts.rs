//! Personal staff accounts over real HTTP on both backends: set-password
//! links, sign-in and sign-out, CSRF, two-factor with a TOTP the test
//! computes, recovery codes, growing delays and lockout, deactivation, a
//! session shared by replicas, and no secret in the clear anywhere.

use std::time::{Duration, Instant};

use aduan::domain::Role;
use serde_json::{Value, json};

use crate::helpers::*;

both_backends!(
    an_account_signs_in_and_out_with_a_password_set_through_its_link,
    a_change_with_a_session_needs_the_csrf_token,
    two_factor_with_a_computed_code_and_recovery_codes_that_work_once,
    failures_delay_then_lock_and_an_admin_unlocks,
    an_officer_who_leaves_is_locked_out_at_once,
    a_session_made_on_one_replica_works_on_another,
    no_password_secret_or_code_is_kept_or_shown_in_the_clear,
    the_link_can_be_sent_to_the_officer_through_the_outbox,
    one_set_password_link_lives_at_a_time,
    strangers_cannot_lock_a_person_out_and_counts_fade,
    a_burst_of_sign_ins_is_answered_in_turn,
);

pub const PASSWORD: &str = "kuda laut di teluk kupang";

/// A signed-in browser: the session cookie and the CSRF token.
pub struct Browser {
    pub cookie: String,
    pub csrf: String,
}

pub fn session_cookie(r: &reqwest::Response) -> Option<String> {
    r.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("aduan_session="))
        .map(|v| v.split(';').next().unwrap_or("").to_string())
}

pub async fn sign_in(
    app: &TestApp,
    login: &str,
    password: &str,
    totp: Option<&str>,
) -> reqwest::Response {
    let mut body = json!({"login": login, "password": password});
    if let Some(t) = totp {
        body["totp"] = json!(t);
    }
    app.client
        .post(app.url("/api/v1/auth/login"))
        .json(&body)
        .send()
        .await
        .unwrap()
}

pub async fn browser(app: &TestApp, login: &str, password: &str, totp: Option<&str>) -> Browser {
    let r = sign_in(app, login, password, totp).await;
    assert_eq!(r.status(), 200, "sign in");
    let cookie = session_cookie(&r).expect("session cookie");
    let set = r
        .headers()
        .get("set-cookie")
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        set.contains("HttpOnly") && set.contains("SameSite=Lax"),
        "{set}"
    );
    let v: Value = r.json().await.unwrap();
    Browser {
        cookie,
        csrf: v["csrf_token"].as_str().unwrap().to_string(),
    }
}

impl Browser {
    pub async fn get(&self, app: &TestApp, path: &str) -> reqwest::Response {
        app.client
            .get(app.url(path))
            .header("Cookie", &self.cookie)
            .send()
            .await
            .unwrap()
    }

    /// A state change, with or without the CSRF token.
    pub async fn send(
        &self,
        app: &TestApp,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
        csrf: bool,
    ) -> reqwest::Response {
        let mut r = app
            .client
            .request(method, app.url(path))
            .header("Cookie", &self.cookie);
        if csrf {
            r = r.header("X-CSRF-Token", &self.csrf);
        }
        if let Some(b) = body {
            r = r.json(&b);
        }
        r.send().await.unwrap()
    }
}

/// An admin creates an account; the person sets the password through the link.
pub async fn account(
    app: &TestApp,
    admin: &str,
    login: &str,
    role: &str,
    officer: Option<&str>,
) -> String {
    let r = app
        .client
        .post(app.url("/api/v1/accounts"))
        .bearer_auth(admin)
        .json(&json!({"login": login, "role": role, "officer_id": officer}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let v: Value = r.json().await.unwrap();
    let url = v["set_password_url"].as_str().unwrap();
    assert!(url.contains("/akun/sandi/"), "{url}");
    let token = url.rsplit('/').next().unwrap();
    let r = app
        .client
        .post(app.url("/api/v1/auth/password"))
        .json(&json!({"token": token, "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    v["account"]["id"].as_str().unwrap().to_string()
}

async fn officer(app: &TestApp, admin: &str, name: &str, position: Option<&str>) -> String {
    let r = app
        .client
        .post(app.url("/api/v1/org/officers"))
        .bearer_auth(admin)
        .json(&json!({"name": name, "position_id": position}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    r.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string()
}

async fn position(app: &TestApp, admin: &str, title: &str, head: bool) -> String {
    let r = app
        .client
        .post(app.url("/api/v1/org/positions"))
        .bearer_auth(admin)
        .json(&json!({"title": title, "is_head": head}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    r.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string()
}

/// The current TOTP code of a base32 secret, `skew` steps from now.
pub fn totp(secret_b32: &str, skew: i64) -> String {
    let secret = data_encoding::BASE32_NOPAD
        .decode(secret_b32.as_bytes())
        .unwrap();
    let step = aduan::domain::account::totp_step(chrono::Utc::now().timestamp()) + skew;
    format!("{:06}", aduan::domain::account::hotp(&secret, step as u64))
}

async fn an_account_signs_in_and_out_with_a_password_set_through_its_link(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let admin = app.key(Role::Admin).await;
    let r = app
        .client
        .post(app.url("/api/v1/accounts"))
        .bearer_auth(&admin)
        .json(&json!({"login": "Dewi@Dinsos.example.go.id", "role": "reception"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["account"]["login"], "dewi@dinsos.example.go.id");
    assert_eq!(v["account"]["password_set"], false);
    let token = v["set_password_url"]
        .as_str()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_string();
    // the same name again
    let r = app
        .client
        .post(app.url("/api/v1/accounts"))
        .bearer_auth(&admin)
        .json(&json!({"login": "dewi@dinsos.example.go.id", "role": "reception"}))
        .send()
        .await
        .unwrap();
    assert_problem(r, 409).await;
    // weak passwords are refused, naming the rule; the link stays valid
    for weak in ["pendek", "1234567890", "Password123"] {
        let r = app
            .client
            .post(app.url("/api/v1/auth/password"))
            .json(&json!({"token": token, "password": weak}))
            .send()
            .await
            .unwrap();
        let p = assert_problem(r, 422).await;
        assert_eq!(problem_fields(&p), ["password"]);
    }
    // the page behind the link, in Indonesian
    let page = app
        .client
        .get(app.url(&format!("/akun/sandi/{token}")))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    assert_eq!(page.headers()["cache-control"], "no-store");
    assert_eq!(page.headers()["referrer-policy"], "no-referrer");
    let html = page.text().await.unwrap();
    assert!(html.contains("<html lang=\"id\">") && html.contains("Kata sandi baru"));
    let r = app
        .client
        .post(app.url(&format!("/akun/sandi/{token}")))
        .form(&[
            ("password", PASSWORD),
            ("password_again", "kuda laut di teluk"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let body = r.text().await.unwrap();
    assert!(body.contains("Kedua kata sandi tidak sama"), "{body}");
    let r = app
        .client
        .post(app.url(&format!("/akun/sandi/{token}")))
        .form(&[("password", PASSWORD), ("password_again", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("Kata sandi Anda sudah tersimpan")
    );
    // a link works once
    let r = app
        .client
        .post(app.url("/api/v1/auth/password"))
        .json(&json!({"token": token, "password": "another long passphrase"}))
        .send()
        .await
        .unwrap();
    assert_problem(r, 404).await;

    // a wrong password and an unknown name look the same
    let wrong = sign_in(&app, "dewi@dinsos.example.go.id", "not the password", None).await;
    let wrong = assert_problem(wrong, 401).await;
    let unknown = sign_in(
        &app,
        "nobody@dinsos.example.go.id",
        "not the password",
        None,
    )
    .await;
    let unknown = assert_problem(unknown, 401).await;
    assert_eq!(wrong, unknown);
    assert!(
        wrong["type"]
            .as_str()
            .unwrap()
            .ends_with("/invalid-credentials")
    );

    let b = browser(&app, "DEWI@dinsos.example.go.id", PASSWORD, None).await;
    let me: Value = b.get(&app, "/api/v1/auth/me").await.json().await.unwrap();
    assert_eq!(me["account"]["login"], "dewi@dinsos.example.go.id");
    assert_eq!(me["role"], "reception");
    assert_eq!(me["csrf_token"], b.csrf.as_str());
    // the session works on the API like a key
    assert_eq!(b.get(&app, "/api/v1/complaints").await.status(), 200);
    let sessions: Value = b
        .get(&app, "/api/v1/auth/sessions")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(sessions["items"].as_array().unwrap().len(), 1);
    assert_eq!(sessions["items"][0]["current"], true);
    // sign-out without the token is refused and changes nothing
    let r = b
        .send(
            &app,
            reqwest::Method::POST,
            "/api/v1/auth/logout",
            None,
            false,
        )
        .await;
    assert_problem(r, 403).await;
    assert_eq!(b.get(&app, "/api/v1/auth/me").await.status(), 200);
    let r = b
        .send(
            &app,
            reqwest::Method::POST,
            "/api/v1/auth/logout",
            None,
            true,
        )
        .await;
    assert_eq!(r.status(), 204);
    assert!(
        r.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .contains("Max-Age=0")
    );
    assert_eq!(b.get(&app, "/api/v1/auth/me").await.status(), 401);
    assert_eq!(b.get(&app, "/api/v1/complaints").await.status(), 401);

    // the audit log, for admins
    let audit: Value = app
        .get(&admin, "/api/v1/auth/audit")
        .await
        .json()
        .await
        .unwrap();
    let kinds: Vec<&str> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    for k in [
        "account_created",
        "password_set",
        "sign_in_failed",
        "sign_in",
        "sign_out",
    ] {
        assert!(kinds.contains(&k), "{k} in {kinds:?}");
    }
    let reception = app.key(Role::Reception).await;
    assert_eq!(
        app.get(&reception, "/api/v1/auth/audit").await.status(),
        403
    );
}

async fn a_change_with_a_session_needs_the_csrf_token(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let admin = app.key(Role::Admin).await;
    let loket = position(&app, &admin, "Kepala Dinas", true).await;
    let o = officer(&app, &admin, "Maria Loket", Some(&loket)).await;
    account(
        &app,
        &admin,
        "maria@dinsos.example.go.id",
        "reception",
        Some(&o),
    )
    .await;
    let b = browser(&app, "maria@dinsos.example.go.id", PASSWORD, None).await;
    let complaint = valid_complaint("letter");
    let before = app.list_all(&admin, "", 200).await.len();
    // no token: refused, nothing registered
    let r = b
        .send(
            &app,
            reqwest::Method::POST,
            "/api/v1/complaints",
            Some(complaint.clone()),
            false,
        )
        .await;
    let p = assert_problem(r, 403).await;
    assert!(p["type"].as_str().unwrap().ends_with("/csrf"), "{p}");
    // a page of another site posting with the cookie: refused
    let r = app
        .client
        .post(app.url("/api/v1/complaints"))
        .header("Cookie", &b.cookie)
        .header("X-CSRF-Token", &b.csrf)
        .header("Origin", "https://evil.example")
        .json(&complaint)
        .send()
        .await
        .unwrap();
    assert_problem(r, 403).await;
    assert_eq!(app.list_all(&admin, "", 200).await.len(), before);
    // with the token: registered, and the timeline names the person and position
    let r = b
        .send(
            &app,
            reqwest::Method::POST,
            "/api/v1/complaints",
            Some(complaint),
            true,
        )
        .await;
    assert_eq!(r.status(), 201);
    let c: Value = r.json().await.unwrap();
    let tl: Value = app
        .get(
            &admin,
            &format!("/api/v1/complaints/{}/timeline", c["id"].as_str().unwrap()),
        )
        .await
        .json()
        .await
        .unwrap();
    let actor = &tl["items"][0]["actor"];
    assert_eq!(actor["name"], "Maria Loket", "{tl}");
    assert_eq!(actor["officer_name"], "Maria Loket", "{tl}");
    assert_eq!(actor["position"], "Kepala Dinas", "{tl}");
    // a bearer key is not affected by CSRF
    let key = app.key(Role::Reception).await;
    assert_eq!(
        app.post_complaint(&key, &valid_complaint("letter"))
            .await
            .status(),
        201
    );
}

async fn two_factor_with_a_computed_code_and_recovery_codes_that_work_once(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let admin = app.key(Role::Admin).await;
    account(&app, &admin, "kadis@dinsos.example.go.id", "head", None).await;
    // the head must enrol before working
    let b = browser(&app, "kadis@dinsos.example.go.id", PASSWORD, None).await;
    let r = b.get(&app, "/api/v1/inbox").await;
    let p = assert_problem(r, 403).await;
    assert!(
        p["type"]
            .as_str()
            .unwrap()
            .ends_with("/two-factor-required"),
        "{p}"
    );
    let r = b
        .send(&app, reqwest::Method::POST, "/api/v1/auth/totp", None, true)
        .await;
    assert_eq!(r.status(), 200);
    let t: Value = r.json().await.unwrap();
    let secret = t["secret"].as_str().unwrap().to_string();
    assert!(
        t["otpauth_uri"]
            .as_str()
            .unwrap()
            .starts_with("otpauth://totp/")
    );
    assert!(t["qr_svg"].as_str().unwrap().contains("<svg"));
    // a wrong code does not enable it
    let r = b
        .send(
            &app,
            reqwest::Method::POST,
            "/api/v1/auth/totp/confirm",
            Some(json!({"code": "000000"})),
            true,
        )
        .await;
    assert_problem(r, 422).await;
    let confirmed_at = aduan::domain::account::totp_step(chrono::Utc::now().timestamp());
    let used = totp(&secret, 0);
    let r = b
        .send(
            &app,
            reqwest::Method::POST,
            "/api/v1/auth/totp/confirm",
            Some(json!({"code": used})),
            true,
        )
        .await;
    assert_eq!(r.status(), 200);
    let codes: Vec<String> = r.json::<Value>().await.unwrap()["recovery_codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_string())
        .collect();
    assert_eq!(codes.len(), 10);
    assert_eq!(b.get(&app, "/api/v1/inbox").await.status(), 200);

    // now sign-in asks for the code
    let r = sign_in(&app, "kadis@dinsos.example.go.id", PASSWORD, None).await;
    let p = assert_problem(r, 401).await;
    assert!(p["type"].as_str().unwrap().ends_with("/totp-required"));
    // the code used at confirmation cannot be replayed (it stays valid for
    // a step either side, so only the stored step refuses it)
    let r = sign_in(&app, "kadis@dinsos.example.go.id", PASSWORD, Some(&used)).await;
    let now_step = aduan::domain::account::totp_step(chrono::Utc::now().timestamp());
    if now_step <= confirmed_at + 1 {
        let p = assert_problem(r, 401).await;
        assert!(
            p["type"]
                .as_str()
                .unwrap()
                .ends_with("/invalid-credentials"),
            "{p}"
        );
    }
    let r = sign_in(
        &app,
        "kadis@dinsos.example.go.id",
        PASSWORD,
        Some(&totp(&secret, 1)),
    )
    .await;
    assert_eq!(r.status(), 200);
    // a recovery code works once
    let r = sign_in(
        &app,
        "kadis@dinsos.example.go.id",
        PASSWORD,
        Some(&codes[3].to_lowercase()),
    )
    .await;
    assert_eq!(r.status(), 200);
    let r = sign_in(
        &app,
        "kadis@dinsos.example.go.id",
        PASSWORD,
        Some(&codes[3]),
    )
    .await;
    assert_problem(r, 401).await;
    let b2 = browser(
        &app,
        "kadis@dinsos.example.go.id",
        PASSWORD,
        Some(&codes[4]),
    )
    .await;
    let me: Value = b2.get(&app, "/api/v1/auth/me").await.json().await.unwrap();
    assert_eq!(me["recovery_codes_left"], 8);
    assert_eq!(me["account"]["totp_enabled"], true);
    // the head may not turn it off; an admin may reset it (a lost phone)
    let r = b2
        .send(
            &app,
            reqwest::Method::DELETE,
            "/api/v1/auth/totp",
            Some(json!({"code": totp(&secret, 1)})),
            true,
        )
        .await;
    assert_problem(r, 409).await;
    let audit: Value = app
        .get(&admin, "/api/v1/auth/audit?limit=200")
        .await
        .json()
        .await
        .unwrap();
    let kinds: Vec<&str> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert!(
        kinds.contains(&"totp_enabled") && kinds.contains(&"recovery_code_used"),
        "{kinds:?}"
    );
}

async fn failures_delay_then_lock_and_an_admin_unlocks(backend: Backend) {
    let Some(app) = spawn_app_with(backend, |s| {
        s.sign_in_first_delay = Duration::from_millis(200);
        s.sign_in_lockout_failures = 6;
    })
    .await
    else {
        return;
    };
    let admin = app.key(Role::Admin).await;
    let id = account(
        &app,
        &admin,
        "yohanes@dinsos.example.go.id",
        "official",
        None,
    )
    .await;
    // the same sequence for a known name and an unknown one
    for login in ["yohanes@dinsos.example.go.id", "siapa@dinsos.example.go.id"] {
        let mut seen = Vec::new();
        let started = Instant::now();
        loop {
            let r = sign_in(&app, login, "salah sekali", None).await;
            let status = r.status().as_u16();
            if status == 429 {
                let wait: u64 = r.headers()["retry-after"]
                    .to_str()
                    .unwrap()
                    .parse()
                    .unwrap();
                assert!(wait >= 1);
                tokio::time::sleep(Duration::from_millis(150)).await;
            }
            seen.push(status);
            if status == 423 {
                break;
            }
            assert!(started.elapsed() < Duration::from_secs(20), "{seen:?}");
        }
        let attempts: Vec<u16> = seen.iter().copied().filter(|s| *s != 429).collect();
        assert_eq!(
            attempts,
            [401, 401, 401, 401, 401, 423],
            "{login}: {seen:?}"
        );
        assert!(
            seen.contains(&429),
            "delays grow after the third failure: {seen:?}"
        );
    }
    // locked: even the right password
    assert_eq!(
        sign_in(&app, "yohanes@dinsos.example.go.id", PASSWORD, None)
            .await
            .status(),
        423
    );
    let r = app
        .client
        .post(app.url(&format!("/api/v1/accounts/{id}/unlock")))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    assert_eq!(
        sign_in(&app, "yohanes@dinsos.example.go.id", PASSWORD, None)
            .await
            .status(),
        200
    );
    let audit: Value = app
        .get(&admin, "/api/v1/auth/audit?limit=200")
        .await
        .json()
        .await
        .unwrap();
    let kinds: Vec<&str> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert!(
        kinds.contains(&"locked") && kinds.contains(&"unlocked"),
        "{kinds:?}"
    );
}

async fn an_officer_who_leaves_is_locked_out_at_once(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let admin = app.key(Role::Admin).await;
    let head = position(&app, &admin, "Kepala Dinas", true).await;
    let o = officer(&app, &admin, "Agus Pindah", Some(&head)).await;
    account(
        &app,
        &admin,
        "agus@dinsos.example.go.id",
        "reception",
        Some(&o),
    )
    .await;
    let r = app
        .client
        .post(app.url(&format!("/api/v1/org/officers/{o}/api-keys")))
        .bearer_auth(&admin)
        .json(&json!({"name": "Laptop Agus", "role": "reception"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let key = r.json::<Value>().await.unwrap()["token"]
        .as_str()
        .unwrap()
        .to_string();
    let b = browser(&app, "agus@dinsos.example.go.id", PASSWORD, None).await;
    assert_eq!(b.get(&app, "/api/v1/complaints").await.status(), 200);
    assert_eq!(app.get(&key, "/api/v1/complaints").await.status(), 200);
    // a person sees their own officer-bound keys
    let mine: Value = b.get(&app, "/api/v1/auth/keys").await.json().await.unwrap();
    assert_eq!(mine["items"].as_array().unwrap().len(), 1);
    assert_eq!(mine["items"][0]["name"], "Laptop Agus");

    let r = app
        .client
        .patch(app.url(&format!("/api/v1/org/officers/{o}")))
        .bearer_auth(&admin)
        .json(&json!({"active": false}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    // the very next requests
    assert_eq!(b.get(&app, "/api/v1/complaints").await.status(), 401);
    assert_eq!(app.get(&key, "/api/v1/complaints").await.status(), 401);
    assert_eq!(
        app.post_complaint(&key, &valid_complaint("letter"))
            .await
            .status(),
        401
    );
    assert_eq!(
        sign_in(&app, "agus@dinsos.example.go.id", PASSWORD, None)
            .await
            .status(),
        401
    );
    let keys: Value = app
        .get(&admin, "/api/v1/api-keys")
        .await
        .json()
        .await
        .unwrap();
    let k = keys["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["name"] == "Laptop Agus")
        .unwrap();
    assert!(k["revoked_at"].is_string(), "{k}");
    let audit: Value = app
        .get(&admin, "/api/v1/auth/audit")
        .await
        .json()
        .await
        .unwrap();
    let e = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "officer_deactivated")
        .unwrap();
    assert_eq!(e["detail"]["keys_revoked"], 1);
    assert_eq!(e["detail"]["sessions_ended"], 1);

    // admins revoke any key
    let (other, other_id) = create_key(&app.store, Role::Liaison, "Penghubung").await;
    assert_eq!(app.get(&other, "/api/v1/complaints").await.status(), 200);
    let r = app
        .client
        .delete(app.url(&format!("/api/v1/api-keys/{other_id}")))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    assert_eq!(app.get(&other, "/api/v1/complaints").await.status(), 401);
}

async fn a_session_made_on_one_replica_works_on_another(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let admin = app.key(Role::Admin).await;
    account(&app, &admin, "lina@dinsos.example.go.id", "liaison", None).await;
    let b = browser(&app, "lina@dinsos.example.go.id", PASSWORD, None).await;
    let other = spawn_replica(&app, |_| {}).await;
    let me = b.get(&other, "/api/v1/auth/me").await;
    assert_eq!(me.status(), 200);
    let r = b
        .send(
            &other,
            reqwest::Method::POST,
            "/api/v1/complaints",
            Some(valid_complaint("letter")),
            true,
        )
        .await;
    assert_eq!(r.status(), 201);
    // signed out on the second: gone on the first
    let r = b
        .send(
            &other,
            reqwest::Method::POST,
            "/api/v1/auth/logout",
            None,
            true,
        )
        .await;
    assert_eq!(r.status(), 204);
    assert_eq!(b.get(&app, "/api/v1/auth/me").await.status(), 401);
}

async fn no_password_secret_or_code_is_kept_or_shown_in_the_clear(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let admin = app.key(Role::Admin).await;
    account(
        &app,
        &admin,
        "rahasia@dinsos.example.go.id",
        "manager",
        None,
    )
    .await;
    let b = browser(&app, "rahasia@dinsos.example.go.id", PASSWORD, None).await;
    let t: Value = b
        .send(&app, reqwest::Method::POST, "/api/v1/auth/totp", None, true)
        .await
        .json()
        .await
        .unwrap();
    let secret = t["secret"].as_str().unwrap().to_string();
    let r = b
        .send(
            &app,
            reqwest::Method::POST,
            "/api/v1/auth/totp/confirm",
            Some(json!({"code": totp(&secret, 0)})),
            true,
        )
        .await;
    let codes: Vec<String> = r.json::<Value>().await.unwrap()["recovery_codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().replace('-', ""))
        .collect();
    let _ = sign_in(
        &app,
        "rahasia@dinsos.example.go.id",
        "salah sekali lagi",
        None,
    )
    .await;
    // the responses after enrolment never show them again
    let mut shown = String::new();
    for path in [
        "/api/v1/auth/me",
        "/api/v1/auth/sessions",
        "/api/v1/auth/keys",
    ] {
        shown.push_str(&b.get(&app, path).await.text().await.unwrap());
    }
    for path in [
        "/api/v1/accounts",
        "/api/v1/auth/audit?limit=200",
        "/api/v1/api-keys",
    ] {
        shown.push_str(&app.get(&admin, path).await.text().await.unwrap());
    }
    // the database: only argon2id hashes, no secret or code
    let dump = database_text(&app).await;
    assert!(dump.contains("$argon2id$v=19$"), "the hash is kept");
    for (what, s) in [
        ("password", PASSWORD.to_string()),
        ("TOTP secret", secret.clone()),
    ]
    .into_iter()
    .chain(codes.iter().map(|c| ("recovery code", c.clone())))
    {
        assert!(!dump.contains(&s), "{what} in the database");
        assert!(!dump.contains(&s.to_lowercase()), "{what} in the database");
        assert!(!shown.contains(&s), "{what} in a response");
    }
    let cookie_token = b.cookie.split_once('=').unwrap().1.to_string();
    assert!(
        !dump.contains(&cookie_token),
        "the session token in the database"
    );
}

/// Every byte the database holds, as text (SQLite: the files; PostgreSQL:
/// the rows of every table).
pub async fn database_text(app: &TestApp) -> String {
    if app.database_url.starts_with("sqlite:") {
        let mut out = String::new();
        for e in std::fs::read_dir(&app.data_dir).unwrap() {
            let p = e.unwrap().path();
            if p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("aduan.db")
            {
                out.push_str(&String::from_utf8_lossy(&std::fs::read(&p).unwrap()));
            }
        }
        out
    } else {
        use sqlx::Connection;
        let mut conn = sqlx::PgConnection::connect(&app.database_url)
            .await
            .unwrap();
        let tables: Vec<(String,)> =
            sqlx::query_as("SELECT tablename::text FROM pg_tables WHERE schemaname = 'public'")
                .fetch_all(&mut conn)
                .await
                .unwrap();
        let mut out = String::new();
        for (t,) in tables {
            let rows: Vec<(String,)> = sqlx::query_as(&format!("SELECT t::text FROM {t} t"))
                .fetch_all(&mut conn)
                .await
                .unwrap();
            for (r,) in rows {
                out.push_str(&r);
                out.push('\n');
            }
        }
        out
    }
}

async fn the_link_can_be_sent_to_the_officer_through_the_outbox(backend: Backend) {
    let Some((app, sink)) = crate::outbox::app_with_sink(backend, 8).await else {
        return;
    };
    let admin = app.key(Role::Admin).await;
    let r = app
        .client
        .post(app.url("/api/v1/org/officers"))
        .bearer_auth(&admin)
        .json(&json!({"name": "Ina Seksi", "email": "ina@dinsos.example.go.id"}))
        .send()
        .await
        .unwrap();
    let with_email = r.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let without = officer(&app, &admin, "Tanpa Surel", None).await;
    // no address to send to: refused, nothing created
    let r = app
        .client
        .post(app.url("/api/v1/accounts"))
        .bearer_auth(&admin)
        .json(&json!({"login": "tanpa@dinsos.example.go.id", "role": "official", "officer_id": without, "send_link": true}))
        .send()
        .await
        .unwrap();
    let p = assert_problem(r, 422).await;
    assert_eq!(problem_fields(&p), ["send_link"]);
    let list: Value = app
        .get(&admin, "/api/v1/accounts")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["items"].as_array().unwrap().len(), 0);
    let r = app
        .client
        .post(app.url("/api/v1/accounts"))
        .bearer_auth(&admin)
        .json(&json!({"login": "ina@dinsos.example.go.id", "role": "official", "officer_id": with_email, "send_link": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let link = r.json::<Value>().await.unwrap()["set_password_url"]
        .as_str()
        .unwrap()
        .to_string();
    let token = link.rsplit('/').next().unwrap().to_string();
    // the token waits sealed in the outbox, never in the clear
    assert!(!database_text(&app).await.contains(&token));
    let d = aduan::notify::Dispatcher::new(app.store.clone(), std::sync::Arc::clone(&app.settings))
        .unwrap();
    assert_eq!(
        d.run_once(chrono::Utc::now() + chrono::Duration::seconds(1))
            .await
            .unwrap()
            .sent,
        1
    );
    let mail = sink
        .messages()
        .into_iter()
        .find(|m| m.unfolded().contains("ina@dinsos.example.go.id"))
        .expect("the link email");
    // undo quoted-printable soft line breaks before looking for the link
    let text = mail.unfolded().replace("=\r\n", "").replace("=\n", "");
    assert!(text.contains("Akun layanan pengaduan"), "{text}");
    assert!(text.contains(&token), "the email carries the link: {text}");
    // once sent, the housekeeping job removes it from the payload
    let jobs = aduan::jobs::Jobs::new(app.store.clone(), std::sync::Arc::clone(&app.settings));
    let (_, payloads) = jobs.housekeeping(chrono::Utc::now()).await.unwrap();
    assert_eq!(payloads, 1);
    for item in app.store.list_outbox(Some("sent"), 10).await.unwrap() {
        assert!(!item.payload.contains("link_sealed"), "{}", item.payload);
    }
    // and the link works
    let r = app
        .client
        .post(app.url("/api/v1/auth/password"))
        .json(&json!({"token": token, "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    assert_eq!(
        sign_in(&app, "ina@dinsos.example.go.id", PASSWORD, None)
            .await
            .status(),
        200
    );
}

async fn new_link(app: &TestApp, admin: &str, id: &str) -> String {
    let r = app
        .client
        .post(app.url(&format!("/api/v1/accounts/{id}/password-link")))
        .bearer_auth(admin)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "new link");
    let v: Value = r.json().await.unwrap();
    v["set_password_url"]
        .as_str()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_string()
}

async fn use_link(app: &TestApp, token: &str, password: &str) -> u16 {
    app.client
        .post(app.url("/api/v1/auth/password"))
        .json(&json!({"token": token, "password": password}))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

/// Security round, finding 1: issuing a link, using one or any password
/// change revokes every other outstanding link of the account.
async fn one_set_password_link_lives_at_a_time(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let admin = app.key(Role::Admin).await;
    let login = "agus@dinsos.example.go.id";
    let id = account(&app, &admin, login, "official", None).await;
    // two links: the newer revokes the older at once
    let older = new_link(&app, &admin, &id).await;
    let newer = new_link(&app, &admin, &id).await;
    assert_eq!(use_link(&app, &older, "pengambil alih akun 1").await, 404);
    // a third, then the newer is used: the third dies with it
    let third = new_link(&app, &admin, &id).await;
    assert_eq!(use_link(&app, &newer, "sandi baru yang kedua").await, 404);
    assert_eq!(use_link(&app, &third, "sandi baru yang ketiga").await, 204);
    // an outstanding link dies when the owner changes the password
    let outstanding = new_link(&app, &admin, &id).await;
    let me = browser(&app, login, "sandi baru yang ketiga", None).await;
    let r = me
        .send(
            &app,
            reqwest::Method::PUT,
            "/api/v1/auth/me/password",
            Some(json!({"current_password": "sandi baru yang ketiga",
                        "new_password": "sandi pilihan pemilik"})),
            true,
        )
        .await;
    assert_eq!(r.status(), 204);
    assert_eq!(
        use_link(&app, &outstanding, "pengambil alih akun 2").await,
        404
    );
    // the owner's password is the one that works
    assert_eq!(
        sign_in(&app, login, "sandi pilihan pemilik", None)
            .await
            .status(),
        200
    );
    assert_eq!(
        sign_in(&app, login, "pengambil alih akun 2", None)
            .await
            .status(),
        401
    );
}

fn device_cookie(r: &reqwest::Response) -> Option<String> {
    r.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("aduan_device="))
        .map(|v| v.split(';').next().unwrap_or("").to_string())
}

async fn sign_in_from(
    app: &TestApp,
    address: &str,
    cookie: Option<&str>,
    login: &str,
    password: &str,
) -> reqwest::Response {
    let mut r = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .header("X-Forwarded-For", address)
        .json(&json!({"login": login, "password": password}));
    if let Some(c) = cookie {
        r = r.header("Cookie", c);
    }
    r.send().await.unwrap()
}

/// Security round, finding 3: failures from rotating addresses lock a name
/// only for a while and never for a browser that signed in to it before;
/// an address's count fades and a success clears it.
async fn strangers_cannot_lock_a_person_out_and_counts_fade(backend: Backend) {
    let Some(app) = spawn_app_with(backend, |s| {
        s.sign_in_first_delay = Duration::from_millis(400);
        s.sign_in_lockout_failures = 6;
        s.sign_in_lock_duration = Duration::from_secs(3);
        s.trusted_proxies = vec![aduan::config::IpNet::parse("127.0.0.1").unwrap()];
    })
    .await
    else {
        return;
    };
    let admin = app.key(Role::Admin).await;
    let login = "maria@dinsos.example.go.id";
    account(&app, &admin, login, "official", None).await;
    // Maria signs in at her desk once: her browser keeps a device cookie
    let r = sign_in_from(&app, "10.5.0.7", None, login, PASSWORD).await;
    assert_eq!(r.status(), 200);
    let device = device_cookie(&r).expect("device cookie");
    assert!(
        r.headers().get_all("set-cookie").iter().any(|v| v
            .to_str()
            .unwrap()
            .contains("aduan_device=")
            && v.to_str().unwrap().contains("HttpOnly")),
    );
    // a stranger guesses from six addresses
    let mut seen = Vec::new();
    for i in 1..=6 {
        if i == 6 {
            // the name's own delay after its fifth failure
            tokio::time::sleep(Duration::from_millis(450)).await;
        }
        let r = sign_in_from(
            &app,
            &format!("203.0.113.{i}"),
            None,
            login,
            "tebakan salah",
        )
        .await;
        seen.push(r.status().as_u16());
    }
    assert_eq!(seen, [401, 401, 401, 401, 401, 423]);
    // a new browser is held, even with the right password; the answer says when it lifts
    let r = sign_in_from(&app, "198.51.100.9", None, login, PASSWORD).await;
    assert_eq!(r.status(), 423);
    assert!(r.headers().contains_key("retry-after"));
    // Maria's own browser is not
    let r = sign_in_from(&app, "10.5.0.7", Some(&device), login, PASSWORD).await;
    assert_eq!(r.status(), 200, "a device that signed in before");
    // a forged or foreign device cookie is not
    let forged = device.replace("aduan_device=", "aduan_device=0");
    let r = sign_in_from(&app, "198.51.100.9", Some(&forged), login, PASSWORD).await;
    assert_eq!(r.status(), 423);
    // the admin sees it: the audit and the console's accounts page
    let audit: Value = app
        .get(&admin, "/api/v1/auth/audit?limit=50")
        .await
        .json()
        .await
        .unwrap();
    assert!(
        audit["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["kind"] == "locked"),
        "{audit}"
    );
    // the lock lifts by itself
    tokio::time::sleep(Duration::from_millis(3200)).await;
    let r = sign_in_from(&app, "198.51.100.9", None, login, PASSWORD).await;
    assert_eq!(r.status(), 200, "the lock lifted by itself");

    // one office behind one NAT: 25 failures of many names, then the count fades
    for i in 0..25 {
        let r = sign_in_from(
            &app,
            "192.0.2.50",
            None,
            &format!("orang{i}@dinsos.example.go.id"),
            "salah",
        )
        .await;
        assert!(matches!(r.status().as_u16(), 401 | 429), "{}", r.status());
    }
    let r = sign_in_from(&app, "192.0.2.50", None, login, PASSWORD).await;
    assert_eq!(r.status(), 429, "the address is slowed down");
    tokio::time::sleep(Duration::from_millis(3200)).await;
    let r = sign_in_from(&app, "192.0.2.50", None, login, PASSWORD).await;
    assert_eq!(r.status(), 200, "the address's count faded");
    // and the success cleared it: one more failure is not delayed
    let r = sign_in_from(
        &app,
        "192.0.2.50",
        None,
        "lain@dinsos.example.go.id",
        "salah",
    )
    .await;
    assert_eq!(r.status(), 401);
}

/// The high finding: a burst of sign-ins waits for a bounded number of
/// hashing slots — every one answered, none with an error.
async fn a_burst_of_sign_ins_is_answered_in_turn(backend: Backend) {
    let Some(app) = spawn_app_with(backend, |s| {
        s.trusted_proxies = vec![aduan::config::IpNet::parse("127.0.0.1").unwrap()];
    })
    .await
    else {
        return;
    };
    let admin = app.key(Role::Admin).await;
    account(&app, &admin, "ina@dinsos.example.go.id", "reception", None).await;
    let app = std::sync::Arc::new(app);
    let mut tasks = Vec::new();
    for i in 0..40 {
        let app = app.clone();
        tasks.push(tokio::spawn(async move {
            let (login, pw) = if i % 2 == 0 {
                ("ina@dinsos.example.go.id".to_string(), PASSWORD)
            } else {
                (format!("tidak.ada{i}@dinsos.example.go.id"), "apa saja")
            };
            app.client
                .post(app.url("/api/v1/auth/login"))
                .header("X-Forwarded-For", format!("10.9.0.{i}"))
                .json(&json!({"login": login, "password": pw}))
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }));
    }
    let mut statuses = Vec::new();
    for t in tasks {
        statuses.push(t.await.unwrap());
    }
    let ok = statuses.iter().filter(|s| **s == 200).count();
    let denied = statuses.iter().filter(|s| **s == 401).count();
    assert_eq!((ok, denied), (20, 20), "{statuses:?}");
}

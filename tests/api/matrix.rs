//! Security round, finding 4: who may do what to a complaint, role by role
//! and action by action. Every workflow action and every clock action is
//! tried by every actor that should only read (a manager, the privacy
//! officer, an admin, an official the complaint is not disposed to, an
//! integrating agency) in a state where the action is otherwise possible:
//! each is refused and the complaint does not change. The clock's own
//! matrix is tried both ways: the holder, the head and the front office
//! (while it waits on them) stop and restart it; nobody else does.

use aduan::domain::Role;
use serde_json::{Value, json};

use crate::helpers::*;
use crate::workflow::{Office, complaint, dispose, office, ok};

both_backends!(
    every_action_is_refused_to_those_who_only_read,
    the_clock_matrix,
    officials_read_a_confidential_complaint_only_where_they_are_involved,
);

async fn register(app: &TestApp, key: &str) -> String {
    let r = app.post_complaint(key, &valid_complaint("letter")).await;
    assert_eq!(r.status(), 201);
    let v: Value = r.json().await.unwrap();
    v["id"].as_str().unwrap().to_string()
}

/// A complaint disposed by the head to the Kabid: `(id, disposition id)`.
async fn disposed(app: &TestApp, o: &Office) -> (String, String) {
    let id = register(app, &o.reception).await;
    ok(app, &o.reception, &id, "forward", json!({})).await;
    ok(app, &o.k_head, &id, "dispositions", dispose(&o.kabid)).await;
    let tree: Value = app
        .get(&o.k_head, &format!("/api/v1/complaints/{id}/dispositions"))
        .await
        .json()
        .await
        .unwrap();
    let d = tree["items"][0]["id"].as_str().unwrap().to_string();
    (id, d)
}

/// A complaint disposed to the Kabid and taken through its answer up to and
/// including `last` (`submit`, `approve` or `dispatch`).
async fn answered_up_to(app: &TestApp, o: &Office, last: &str) -> String {
    let (id, _) = disposed(app, o).await;
    let body = json!({"body": "Jawaban: bantuan telah disalurkan."});
    ok(app, &o.k_kabid, &id, "answer/drafts", body).await;
    ok(app, &o.k_kabid, &id, "answer/submit", json!({})).await;
    if last == "submit" {
        return id;
    }
    ok(app, &o.k_head, &id, "answer/approve", json!({})).await;
    if last == "approve" {
        return id;
    }
    let letter = json!({"letter_number": "460/1/DINSOS/2026", "letter_date": "2026-03-10"});
    ok(app, &o.reception, &id, "dispatch", letter).await;
    id
}

/// Tries `path` with `key` and the complaint's current version; returns the status.
async fn try_action(app: &TestApp, key: &str, id: &str, path: &str, body: &Value) -> u16 {
    let v = complaint(app, &app.key(Role::Admin).await, id).await["version"]
        .as_i64()
        .unwrap();
    app.client
        .post(app.url(&format!("/api/v1/complaints/{id}/{path}")))
        .bearer_auth(key)
        .header("If-Match", format!("\"{v}\""))
        .json(body)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

async fn version(app: &TestApp, id: &str) -> i64 {
    complaint(app, &app.key(Role::Admin).await, id).await["version"]
        .as_i64()
        .unwrap()
}

async fn every_action_is_refused_to_those_who_only_read(b: Backend) {
    let Some(app) = spawn_app(b).await else {
        return;
    };
    let o = office(&app).await;
    let readers: Vec<(&str, String)> = vec![
        ("manager", app.key(Role::Manager).await),
        ("privacy", app.key(Role::Privacy).await),
        ("admin", o.admin.clone()),
        ("unrelated official", o.k_kabid2.clone()),
        ("integration", app.key(Role::Integration).await),
    ];
    let other = register(&app, &o.reception).await;
    // the states, each with the actions possible there
    let registered = register(&app, &o.reception).await;
    let (with_kabid, disposition) = disposed(&app, &o).await;
    let in_review = answered_up_to(&app, &o, "submit").await;
    let approved = answered_up_to(&app, &o, "approve").await;
    let answered = answered_up_to(&app, &o, "dispatch").await;

    let reason = json!({"reason": "alasan uji"});
    let decide = [
        (
            "redirect",
            json!({"agency": "Dinas Kesehatan", "reason": "kewenangan lain"}),
        ),
        ("merge", json!({"into": other, "reason": "sama"})),
        ("reject", json!({"reason": "spam"})),
    ];
    let clock = [
        ("clock/pause", reason.clone()),
        (
            "extension",
            json!({"working_days": 3, "reason": "butuh waktu"}),
        ),
    ];
    let mut cells: Vec<(String, String, Value)> = Vec::new();
    let mut add = |id: &str, path: String, body: Value| cells.push((id.to_string(), path, body));
    add(&registered, "forward".into(), json!({}));
    for (p, b) in decide.iter().chain(clock.iter()) {
        add(&registered, p.to_string(), b.clone());
        // spam is rejected before it is disposed; redirect and merge stay open
        if *p != "reject" {
            add(&with_kabid, p.to_string(), b.clone());
        }
    }
    add(&with_kabid, "dispositions".into(), dispose(&o.kasi));
    add(
        &with_kabid,
        format!("dispositions/{disposition}/read"),
        json!({}),
    );
    add(
        &with_kabid,
        format!("dispositions/{disposition}/withdraw"),
        json!({}),
    );
    add(
        &with_kabid,
        "answer/drafts".into(),
        json!({"body": "Jawaban orang lain"}),
    );
    add(&in_review, "answer/approve".into(), json!({}));
    add(
        &in_review,
        "answer/return".into(),
        json!({"note": "perbaiki"}),
    );
    for (p, b) in clock.iter() {
        add(&in_review, p.to_string(), b.clone());
        add(&approved, p.to_string(), b.clone());
    }
    add(
        &approved,
        "dispatch".into(),
        json!({"letter_number": "460/9/X/2026", "letter_date": "2026-03-10"}),
    );
    add(&answered, "close".into(), json!({}));
    add(&answered, "reopen".into(), reason.clone());

    let mut wrong = Vec::new();
    for (id, path, body) in &cells {
        let before = version(&app, id).await;
        for (who, key) in &readers {
            let status = try_action(&app, key, id, path, body).await;
            // an integration key does not see another's complaint at all
            let refused = status == 403 || (*who == "integration" && status == 404);
            if !refused {
                wrong.push(format!("{who} {path} on {id}: {status}"));
            }
        }
        assert_eq!(version(&app, id).await, before, "{path}: nothing changed");
    }
    assert!(wrong.is_empty(), "not refused:\n{}", wrong.join("\n"));
    // the positions that do hold these complaints are not refused (spot checks
    // that the cells above were possible at all)
    assert_eq!(
        try_action(&app, &o.k_head, &in_review, "answer/approve", &json!({})).await,
        200
    );
    assert_eq!(
        try_action(
            &app,
            &o.liaison,
            &registered,
            "reject",
            &json!({"reason": "spam"})
        )
        .await,
        200
    );
}

/// Pauses and, if that worked, resumes: the two statuses.
async fn pause_resume(app: &TestApp, key: String, id: String) -> (u16, u16) {
    let pause = json!({"reason": "menunggu dokumen dari pelapor"});
    let p = try_action(app, &key, &id, "clock/pause", &pause).await;
    if p != 200 {
        return (p, 0);
    }
    let resume = json!({"reason": "dokumen diterima"});
    (p, try_action(app, &key, &id, "clock/resume", &resume).await)
}

async fn the_clock_matrix(b: Backend) {
    let Some(app) = spawn_app(b).await else {
        return;
    };
    let o = office(&app).await;
    let manager = app.key(Role::Manager).await;
    let privacy = app.key(Role::Privacy).await;
    // registered, waiting on the front office
    let registered = register(&app, &o.reception).await;
    for (who, key, expected) in [
        ("reception", o.reception.clone(), 200),
        ("liaison", o.liaison.clone(), 200),
        ("head", o.k_head.clone(), 200),
        ("kabid", o.k_kabid.clone(), 403),
        ("manager", manager.clone(), 403),
        ("privacy", privacy.clone(), 403),
        ("admin", o.admin.clone(), 403),
    ] {
        let (p, r) = pause_resume(&app, key, registered.clone()).await;
        assert_eq!(p, expected, "{who} pauses a registered complaint");
        if p == 200 {
            assert_eq!(r, 200, "{who} resumes it");
        }
    }
    // disposed to the Kabid: his, the head's; not reception's nor a peer's
    let (with_kabid, _) = disposed(&app, &o).await;
    for (who, key, expected) in [
        ("kabid (holder)", o.k_kabid.clone(), 200),
        ("head", o.k_head.clone(), 200),
        ("reception", o.reception.clone(), 403),
        ("liaison", o.liaison.clone(), 403),
        ("other kabid", o.k_kabid2.clone(), 403),
        ("kasi below", o.k_kasi.clone(), 403),
        ("manager", manager.clone(), 403),
        ("privacy", privacy.clone(), 403),
        ("admin", o.admin.clone(), 403),
    ] {
        let (p, r) = pause_resume(&app, key, with_kabid.clone()).await;
        assert_eq!(p, expected, "{who} pauses a complaint held by the Kabid");
        if p == 200 {
            assert_eq!(r, 200, "{who} resumes it");
        }
    }
    // a Plh of the Kabid's position holds it for the day
    let r = crate::workflow::post(
        &app,
        &o.admin,
        "/api/v1/org/acting",
        json!({"officer_id": o.o_kasi, "position_id": o.kabid, "kind": "plh",
               "starts_on": chrono::Utc::now().format("%Y-%m-%d").to_string(),
               "ends_on": (chrono::Utc::now() + chrono::Duration::days(3)).format("%Y-%m-%d").to_string()}),
    )
    .await;
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    let (p, r) = pause_resume(&app, o.k_kasi.clone(), with_kabid.clone()).await;
    assert_eq!((p, r), (200, 200), "the Plh Kabid");
    // only the head extends
    let ext = json!({"working_days": 2, "reason": "perlu rapat pembahasan"});
    assert_eq!(
        try_action(&app, &o.k_kabid, &with_kabid, "extension", &ext).await,
        403
    );
    assert_eq!(
        try_action(&app, &o.reception, &registered, "extension", &ext).await,
        403
    );
    assert_eq!(
        try_action(&app, &o.k_head, &with_kabid, "extension", &ext).await,
        200
    );
    // the refused ones left no trace on the timeline
    let t = crate::workflow::timeline(&app, &o.liaison, &with_kabid).await;
    let pauses = t.iter().filter(|e| e["kind"] == "clock_paused").count();
    assert_eq!(pauses, 3, "kabid, head and the Plh paused; nobody else");
}

/// Finding 6 (the official's part): a confidential complaint is read by the
/// officials involved in it (holder, dispositions, drafts) and those above
/// them; to other officials it does not exist — in lists or by id.
async fn officials_read_a_confidential_complaint_only_where_they_are_involved(b: Backend) {
    let Some(app) = spawn_app(b).await else {
        return;
    };
    let o = office(&app).await;
    let mut c = valid_complaint("letter");
    c["confidential"] = json!(true);
    let r = app.post_complaint(&o.reception, &c).await;
    assert_eq!(r.status(), 201);
    let secret = r.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let open = register(&app, &o.reception).await;
    ok(&app, &o.reception, &secret, "forward", json!({})).await;
    ok(&app, &o.k_head, &secret, "dispositions", dispose(&o.kabid)).await;
    let reads = |key: String, path: String| {
        let app = &app;
        async move { app.get(&key, &path).await.status().as_u16() }
    };
    let listed = |key: String| {
        let app = &app;
        async move {
            app.list_all(&key, "", 100)
                .await
                .iter()
                .map(|c| c["id"].as_str().unwrap().to_string())
                .collect::<Vec<_>>()
        }
    };
    for path in [
        format!("/api/v1/complaints/{secret}"),
        format!("/api/v1/complaints/{secret}/timeline"),
    ] {
        assert_eq!(
            reads(o.k_kabid.clone(), path.clone()).await,
            200,
            "the holder"
        );
        assert_eq!(reads(o.k_head.clone(), path.clone()).await, 200, "the head");
        assert_eq!(
            reads(o.reception.clone(), path.clone()).await,
            200,
            "the desk"
        );
        for (who, key) in [
            ("another Kabid", o.k_kabid2.clone()),
            ("the Sekretaris", o.k_sekretaris.clone()),
            ("a Kasi not yet disposed to", o.k_kasi.clone()),
        ] {
            assert_eq!(reads(key, path.clone()).await, 404, "{who}: {path}");
        }
    }
    assert!(listed(o.k_kabid.clone()).await.contains(&secret));
    let theirs = listed(o.k_kabid2.clone()).await;
    assert!(!theirs.contains(&secret), "not in another official's list");
    assert!(theirs.contains(&open), "an ordinary complaint is");
    // disposed further down: the Kasi now reads it, the Kabid still does
    ok(&app, &o.k_kabid, &secret, "dispositions", dispose(&o.kasi)).await;
    assert_eq!(
        reads(o.k_kasi.clone(), format!("/api/v1/complaints/{secret}")).await,
        200
    );
    assert_eq!(
        reads(o.k_kabid.clone(), format!("/api/v1/complaints/{secret}")).await,
        200
    );
    assert_eq!(
        reads(o.k_kabid2.clone(), format!("/api/v1/complaints/{secret}")).await,
        404
    );
}

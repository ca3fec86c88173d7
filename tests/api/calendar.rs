use aduan::domain::Role;
use serde_json::{Value, json};

use crate::helpers::*;

both_backends!(
    deadline_api_follows_the_counting_rule,
    calendar_days_are_listed_and_exported_as_icalendar,
    complaints_carry_their_deadlines_from_intake,
    adding_a_day_off_moves_open_deadlines_only,
    calendar_amendments_are_for_admins_and_validated,
    sla_policy_changes_apply_to_new_complaints,
    overdue_and_due_soon_lists_order_by_deadline,
);

async fn get_json(app: &TestApp, path: &str) -> (u16, Value) {
    let r = app.client.get(app.url(path)).send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

async fn deadline_api_follows_the_counting_rule(b: Backend) {
    let Some(app) = spawn_app(b).await else {
        return;
    };
    for (received, expected) in [
        ("2025-03-27T10:00:00%2B08:00", "2025-04-16"),
        ("2026-08-15T10:00:00%2B08:00", "2026-08-27"),
        ("2024-12-24T10:00:00%2B08:00", "2025-01-07"),
    ] {
        let (s, v) = get_json(
            &app,
            &format!("/api/v1/calendar/deadline?received_at={received}&working_days=7"),
        )
        .await;
        assert_eq!(s, 200, "{v}");
        assert_eq!(v["due_date"], expected);
        assert_eq!(
            v["due_at"],
            format!("{expected}T15:59:59Z"),
            "23:59:59 WITA"
        );
        assert_eq!(v["timezone"], "Asia/Makassar");
    }
    // the receipt date is taken in the requested zone
    let (_, v) = get_json(&app, "/api/v1/calendar/deadline?received_at=2026-03-05T23:30:00%2B07:00&working_days=1&timezone=Asia/Jayapura").await;
    assert_eq!(
        (v["received_date"].as_str(), v["due_date"].as_str()),
        (Some("2026-03-06"), Some("2026-03-09"))
    );
    assert_eq!(v["due_at"], "2026-03-09T14:59:59Z");

    let (s, v) = get_json(
        &app,
        "/api/v1/calendar/deadline?received_at=kemarin&working_days=-1&timezone=Mars/Base",
    )
    .await;
    assert_eq!(s, 422);
    assert_eq!(
        problem_fields(&v),
        ["received_at", "timezone", "working_days"]
    );
    let (s, v) = get_json(&app, "/api/v1/calendar/deadline").await;
    assert_eq!(s, 422);
    assert_eq!(problem_fields(&v), ["received_at", "working_days"]);
    // beyond the years the calendar knows: refused, not "+10000-01-01"
    let (s, v) = get_json(
        &app,
        "/api/v1/calendar/deadline?received_at=9999-12-31T00:00:00Z&working_days=365",
    )
    .await;
    assert_eq!(s, 422, "{v}");
    assert_eq!(problem_fields(&v), ["received_at"]);

    let (s, v) = get_json(
        &app,
        "/api/v1/calendar/working-days?from=2025-03-27&to=2025-04-16",
    )
    .await;
    assert_eq!((s, v["working_days"].as_i64()), (200, Some(7)));
    let (s, v) = get_json(&app, "/api/v1/calendar/working-days?from=27-03-2025").await;
    assert_eq!(s, 422);
    assert_eq!(problem_fields(&v), ["from", "to"]);
}

async fn calendar_days_are_listed_and_exported_as_icalendar(b: Backend) {
    let Some(app) = spawn_app(b).await else {
        return;
    };
    let (_, v) = get_json(&app, "/api/v1/calendar/days?year=2026").await;
    let items = v["items"].as_array().unwrap();
    assert!(
        items
            .iter()
            .all(|d| d["date"].as_str().unwrap().starts_with("2026-"))
    );
    let cuti = items
        .iter()
        .find(|d| d["date"] == "2026-03-20")
        .expect("2026-03-20 listed");
    assert_eq!(cuti["kind"], "collective_leave");
    assert_eq!(cuti["source"], "decree");
    let r = app
        .client
        .get(app.url("/api/v1/calendar.ics?year=2026"))
        .send()
        .await
        .unwrap();
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/calendar")
    );
    let ics = r.text().await.unwrap();
    assert!(ics.starts_with("BEGIN:VCALENDAR\r\n") && ics.ends_with("END:VCALENDAR\r\n"));
    assert!(
        ics.contains("DTSTART;VALUE=DATE:20260320\r\nDTEND;VALUE=DATE:20260321\r\n"),
        "{ics}"
    );
    assert_eq!(ics.matches("BEGIN:VEVENT").count(), items.len());
    assert!(!ics.contains("DTSTART;VALUE=DATE:2025"));
}

async fn complaints_carry_their_deadlines_from_intake(b: Backend) {
    let Some(app) = spawn_app(b).await else {
        return;
    };
    let key = app.key(Role::Reception).await;
    let mut letter = valid_complaint("letter");
    letter["received_at"] = json!("2025-03-27T09:00:00+08:00");
    let v: Value = app
        .post_complaint(&key, &letter)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v["due_at"], "2025-04-16T15:59:59Z");
    assert_eq!(v["sla_working_days"], 7);
    assert_eq!(v["overdue"], true);
    assert!(v["working_days_left"].as_i64().unwrap() < -300);

    let mut lapor = valid_complaint("lapor");
    lapor["received_at"] = json!("2025-03-27T09:00:00+08:00");
    let v: Value = app.post_complaint(&key, &lapor).await.json().await.unwrap();
    assert_eq!(
        (v["sla_working_days"].as_i64(), v["due_at"].as_str()),
        (Some(8), Some("2025-04-17T15:59:59Z"))
    );
    assert_eq!(v["lapor_followup_due_at"], "2025-04-14T15:59:59Z");

    let desk: Value = app
        .post_complaint(&key, &valid_complaint("face_to_face"))
        .await
        .json()
        .await
        .unwrap();
    let received =
        chrono::DateTime::parse_from_rfc3339(desk["received_at"].as_str().unwrap()).unwrap();
    let due = chrono::DateTime::parse_from_rfc3339(desk["due_at"].as_str().unwrap()).unwrap();
    // nothing agreed: when the office closes (16:00 office-local, on this
    // working day or the next), never sooner than the standard's 15 minutes
    let local = due.with_timezone(&app.settings.office_timezone);
    assert!((due - received).num_minutes() >= 15, "{due} {received}");
    assert!(
        (
            chrono::Timelike::hour(&local),
            chrono::Timelike::minute(&local)
        ) == (16, 0)
            || (due - received).num_minutes() == 15,
        "{local}"
    );
    assert_eq!(desk["sla_working_days"], Value::Null);
    assert_eq!(desk["overdue"], false);

    let mut agreed = valid_complaint("face_to_face");
    let when = (chrono::Utc::now() + chrono::Duration::hours(3))
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string();
    agreed["agreed_due_at"] = json!(when);
    let v: Value = app
        .post_complaint(&key, &agreed)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v["due_at"], when);
    let mut wrong = valid_complaint("letter");
    wrong["agreed_due_at"] = json!(when);
    let p = assert_problem(app.post_complaint(&key, &wrong).await, 422).await;
    assert_eq!(problem_fields(&p), ["agreed_due_at"]);

    // the complainant sees the deadline too
    let v: Value = app
        .post_complaint(&key, &valid_complaint("letter"))
        .await
        .json()
        .await
        .unwrap();
    let (_, public) = get_json(
        &app,
        &format!(
            "/api/v1/public/complaints/{}?code={}",
            v["tracking_number"].as_str().unwrap(),
            v["access_code"].as_str().unwrap()
        ),
    )
    .await;
    assert_eq!(public["due_at"], v["due_at"]);
    assert!(v["working_days_left"].as_i64().unwrap() >= 6, "{v}");
}

/// The first weekday after `from` that is not a listed day off.
async fn next_working_day(app: &TestApp, from: chrono::NaiveDate) -> chrono::NaiveDate {
    let (_, v) = get_json(app, "/api/v1/calendar/days").await;
    let off: Vec<String> = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["date"].as_str().unwrap().to_string())
        .collect();
    let mut d = from.succ_opt().unwrap();
    loop {
        use chrono::Datelike;
        let weekend = matches!(d.weekday(), chrono::Weekday::Sat | chrono::Weekday::Sun);
        if !weekend && !off.contains(&d.to_string()) {
            return d;
        }
        d = d.succ_opt().unwrap();
    }
}

async fn adding_a_day_off_moves_open_deadlines_only(b: Backend) {
    let Some(app) = spawn_app(b).await else {
        return;
    };
    let key = app.key(Role::Reception).await;
    let admin = app.key(Role::Admin).await;
    let open: Value = app
        .post_complaint(&key, &valid_complaint("letter"))
        .await
        .json()
        .await
        .unwrap();
    let mut old = valid_complaint("letter");
    old["received_at"] = json!("2025-03-27T09:00:00+08:00");
    let breached: Value = app.post_complaint(&key, &old).await.json().await.unwrap();
    let desk: Value = app
        .post_complaint(&key, &valid_complaint("face_to_face"))
        .await
        .json()
        .await
        .unwrap();

    // a closed complaint whose window spans the date (closing arrives with the
    // disposition workflow; set here in the database directly)
    let closed: Value = app
        .post_complaint(&key, &valid_complaint("letter"))
        .await
        .json()
        .await
        .unwrap();
    app.exec_sql(
        "UPDATE complaints SET status = 'closed' WHERE tracking_number = $1",
        closed["tracking_number"].as_str(),
    )
    .await;
    let today = chrono::Utc::now()
        .with_timezone(&chrono_tz::Asia::Makassar)
        .date_naive();
    let closure = next_working_day(&app, today).await;
    let r = app
        .client
        .post(app.url("/api/v1/calendar/days"))
        .bearer_auth(&admin)
        .json(
            &json!({"date": closure.to_string(), "kind": "office_closure",
            "name": "Kantor tutup: banjir", "reason": "Surat Edaran Kepala Dinas 01/2026"}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let answer: Value = r.json().await.unwrap();
    assert_eq!(answer["complaints_moved"], 1);

    let path = |v: &Value| format!("/api/v1/complaints/{}", v["id"].as_str().unwrap());
    let moved: Value = app.get(&key, &path(&open)).await.json().await.unwrap();
    let old_due = chrono::DateTime::parse_from_rfc3339(open["due_at"].as_str().unwrap()).unwrap();
    let new_due = chrono::DateTime::parse_from_rfc3339(moved["due_at"].as_str().unwrap()).unwrap();
    let expected = next_working_day(
        &app,
        old_due
            .with_timezone(&chrono_tz::Asia::Makassar)
            .date_naive(),
    )
    .await;
    assert_eq!(
        new_due
            .with_timezone(&chrono_tz::Asia::Makassar)
            .date_naive(),
        expected
    );
    assert_eq!(moved["version"], 2);
    let t: Value = app
        .get(&key, &format!("{}/timeline", path(&open)))
        .await
        .json()
        .await
        .unwrap();
    let ev = t["items"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(ev["kind"], "deadline_changed");
    assert_eq!(ev["detail"]["reason"], "Surat Edaran Kepala Dinas 01/2026");
    assert_eq!(ev["detail"]["previous_due_at"], open["due_at"]);
    assert_eq!(ev["actor"]["role"], "admin");

    for untouched in [&breached, &desk, &closed] {
        let v: Value = app.get(&key, &path(untouched)).await.json().await.unwrap();
        assert_eq!(
            (v["due_at"].clone(), v["version"].clone()),
            (untouched["due_at"].clone(), json!(1))
        );
    }

    // removing the day again puts the deadline back
    let r = app
        .client
        .delete(app.url(&format!(
            "/api/v1/calendar/days/{closure}?reason=banjir%20surut"
        )))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let back: Value = app.get(&key, &path(&open)).await.json().await.unwrap();
    assert_eq!(back["due_at"], open["due_at"]);
    let audit: Value = app
        .get(&admin, "/api/v1/calendar/changes")
        .await
        .json()
        .await
        .unwrap();
    let actions: Vec<&str> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["removed", "added"]);
}

async fn calendar_amendments_are_for_admins_and_validated(b: Backend) {
    let Some(app) = spawn_app(b).await else {
        return;
    };
    let admin = app.key(Role::Admin).await;
    let reception = app.key(Role::Reception).await;
    let post = |key: String, body: Value| {
        let app = &app;
        async move {
            app.client
                .post(app.url("/api/v1/calendar/days"))
                .bearer_auth(key)
                .json(&body)
                .send()
                .await
                .unwrap()
        }
    };
    let good = json!({"date": "2027-06-02", "kind": "office_closure", "name": "HUT Kota", "reason": "Perda"});
    assert_problem(post(reception.clone(), good.clone()).await, 403).await;
    assert_problem(
        app.client
            .post(app.url("/api/v1/calendar/days"))
            .json(&good)
            .send()
            .await
            .unwrap(),
        401,
    )
    .await;
    let p = assert_problem(
        post(
            admin.clone(),
            json!({"date": "2027-06-31", "kind": "party", "name": ""}),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(problem_fields(&p), ["date", "kind", "name", "reason"]);
    let p = assert_problem(
        post(
            admin.clone(),
            json!({"date": "2027-06-02", "colour": "red"}),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(problem_fields(&p), ["colour"]);
    // a NUL would be written into calendar.ics as it is
    let p = assert_problem(
        post(
            admin.clone(),
            json!({"date": "2027-06-03", "kind": "office_closure", "name": "HUT\u{0}Kota", "reason": "Perda\u{7}"}),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(problem_fields(&p), ["name", "reason"]);
    // 2026-03-20 is decreed cuti bersama already
    let dup = json!({"date": "2026-03-20", "kind": "collective_leave", "name": "x", "reason": "y"});
    assert_problem(post(admin.clone(), dup).await, 409).await;
    let r = app
        .client
        .delete(app.url("/api/v1/calendar/days/2026-03-26?reason=x"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_problem(r, 404).await;
    let r = app
        .client
        .delete(app.url("/api/v1/calendar/days/2026-03-20"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(problem_fields(&assert_problem(r, 422).await), ["reason"]);
    let (_, v) = get_json(&app, "/api/v1/calendar/days?year=2026").await;
    assert!(
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["date"] == "2026-03-20"),
        "refused changes change nothing"
    );
    let audit: Value = app
        .get(&admin, "/api/v1/calendar/changes")
        .await
        .json()
        .await
        .unwrap();
    assert!(audit["items"].as_array().unwrap().is_empty());
    assert_problem(app.get(&reception, "/api/v1/calendar/changes").await, 403).await;
    // a decreed holiday on a Saturday is kept as decreed; it moves no deadline
    let r = post(
        admin.clone(),
        json!({"date": "2027-06-05", "kind": "national_holiday", "name": "Hari Lahir Pancasila (pengganti)", "reason": "SKB 3 Menteri"}),
    )
    .await;
    assert_eq!(r.status(), 201);
    let moved: Value = r.json().await.unwrap();
    assert_eq!(moved["complaints_moved"], 0);
}

async fn sla_policy_changes_apply_to_new_complaints(b: Backend) {
    let Some(app) = spawn_app(b).await else {
        return;
    };
    let admin = app.key(Role::Admin).await;
    let reception = app.key(Role::Reception).await;
    let before: Value = app
        .post_complaint(&reception, &valid_complaint("letter"))
        .await
        .json()
        .await
        .unwrap();
    let put = |key: String, channel: &'static str, body: Value| {
        let app = &app;
        async move {
            app.client
                .put(app.url(&format!("/api/v1/sla-policies/{channel}")))
                .bearer_auth(key)
                .json(&body)
                .send()
                .await
                .unwrap()
        }
    };
    assert_problem(
        put(reception.clone(), "letter", json!({"working_days": 10})).await,
        403,
    )
    .await;
    let p = assert_problem(
        put(
            admin.clone(),
            "letter",
            json!({"working_days": 10, "minutes": 5}),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(problem_fields(&p), ["minutes", "working_days"]);
    assert_problem(
        put(admin.clone(), "fax", json!({"working_days": 10})).await,
        404,
    )
    .await;
    let r = put(admin.clone(), "letter", json!({"working_days": 10})).await;
    assert_eq!(r.status(), 200);
    let policies: Value = app
        .get(&reception, "/api/v1/sla-policies")
        .await
        .json()
        .await
        .unwrap();
    let letter = policies["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["channel"] == "letter")
        .unwrap()
        .clone();
    assert_eq!(
        (letter["working_days"].as_i64(), letter["minutes"].clone()),
        (Some(10), Value::Null)
    );
    let after: Value = app
        .post_complaint(&reception, &valid_complaint("letter"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(after["sla_working_days"], 10);
    let again: Value = app
        .get(
            &reception,
            &format!("/api/v1/complaints/{}", before["id"].as_str().unwrap()),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        again["sla_working_days"], 7,
        "existing deadlines stay as fixed at intake"
    );
}

async fn overdue_and_due_soon_lists_order_by_deadline(b: Backend) {
    let Some(app) = spawn_app(b).await else {
        return;
    };
    let key = app.key(Role::Reception).await;
    let manager = app.key(Role::Manager).await;
    let mut ids = std::collections::HashMap::new();
    for (name, channel, received) in [
        ("older", "letter", Some("2025-03-27T09:00:00+08:00")),
        ("old", "letter", Some("2025-06-02T09:00:00+08:00")),
        ("fresh", "letter", None),
        ("desk", "face_to_face", None),
    ] {
        let mut body = valid_complaint(channel);
        if let Some(r) = received {
            body["received_at"] = json!(r);
        }
        let v: Value = app.post_complaint(&key, &body).await.json().await.unwrap();
        ids.insert(v["id"].as_str().unwrap().to_string(), name);
    }
    let names = |items: Vec<Value>| -> Vec<&str> {
        items
            .iter()
            .map(|v| ids[v["id"].as_str().unwrap()])
            .collect()
    };
    assert_eq!(
        names(
            app.list_all_at(&manager, "/api/v1/complaints/overdue?x=1", 1)
                .await
        ),
        ["older", "old"]
    );
    assert_eq!(
        names(
            app.list_all_at(
                &manager,
                // 1, not 0: the desk's 15 minutes cross midnight when the
                // test runs after 23.45 office time (it failed in CI so)
                "/api/v1/complaints/due-soon?within_working_days=1",
                10
            )
            .await
        ),
        ["desk"]
    );
    assert_eq!(
        names(
            app.list_all_at(
                &manager,
                "/api/v1/complaints/due-soon?within_working_days=10",
                10
            )
            .await
        ),
        ["desk", "fresh"]
    );
    assert!(
        app.list_all_at(&manager, "/api/v1/complaints/overdue?channel=email", 10)
            .await
            .is_empty()
    );
    let overdue: Value = app
        .get(&manager, "/api/v1/complaints/overdue")
        .await
        .json()
        .await
        .unwrap();
    assert!(
        overdue["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|v| v["overdue"] == true && v["working_days_left"].as_i64().unwrap() < 0)
    );
    let p = assert_problem(
        app.get(
            &manager,
            "/api/v1/complaints/due-soon?within_working_days=x&channel=fax&limit=0",
        )
        .await,
        422,
    )
    .await;
    assert_eq!(
        problem_fields(&p),
        ["channel", "limit", "within_working_days"]
    );
    let integration = app.key(Role::Integration).await;
    assert_problem(
        app.get(&integration, "/api/v1/complaints/overdue").await,
        403,
    )
    .await;
}

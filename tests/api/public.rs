use aduan::domain::Role;
use serde_json::{Value, json};

use crate::helpers::*;

both_backends!(
    complainant_sees_status_without_personal_data,
    wrong_code_looks_like_unknown_number,
    lookups_are_rate_limited_per_client,
    the_survey_opens_after_dispatch_once_and_the_index_adds_up,
    the_web_form_registers_acknowledges_and_holds_off_abuse,
);

/// Takes a registered letter through to its dispatched answer (in person).
pub async fn answered(app: &TestApp, o: &crate::workflow::Office, id: &str) {
    use crate::workflow::{dispose, ok};
    ok(app, &o.reception, id, "forward", json!({})).await;
    ok(app, &o.k_head, id, "dispositions", dispose(&o.kabid)).await;
    ok(
        app,
        &o.k_kabid,
        id,
        "answer/drafts",
        json!({"body": "Bantuan sudah cair."}),
    )
    .await;
    ok(app, &o.k_kabid, id, "answer/submit", json!({})).await;
    ok(app, &o.k_head, id, "answer/approve", json!({})).await;
    ok(
        app,
        &o.reception,
        id,
        "dispatch",
        json!({"method": "in_person", "given_by": "Petugas Front Office"}),
    )
    .await;
}

fn answers(v: [i64; 9]) -> Value {
    let mut m = serde_json::Map::new();
    for (i, x) in v.iter().enumerate() {
        m.insert(format!("u{}", i + 1), json!(x));
    }
    Value::Object(m)
}

async fn complainant_sees_status_without_personal_data(b: Backend) {
    let Some(app) = spawn_app(b).await else {
        return;
    };
    let key = app.key(Role::Reception).await;
    let mut body = valid_complaint("face_to_face");
    body["reporter"] = json!({"name": "Maria Goreti", "id_number": "5371014101900001",
        "phone": "081237009999", "email": "maria@example.id", "address": "Jl. Rambutan 10"});
    let c: Value = app.post_complaint(&key, &body).await.json().await.unwrap();
    let tn = c["tracking_number"].as_str().unwrap();
    let code = c["access_code"].as_str().unwrap();
    // the code may be typed in lower case, without dashes
    let typed = code.replace('-', "").to_lowercase();
    let r = app
        .client
        .get(app.url(&format!("/api/v1/public/complaints/{tn}?code={typed}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let text = r.text().await.unwrap();
    for secret in [
        "Maria",
        "5371014101900001",
        "081237009999",
        "maria@example.id",
        "Rambutan",
    ] {
        assert!(!text.contains(secret), "public status leaks {secret}");
    }
    let v: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["status"], "registered");
    assert_eq!(v["status_label"], "Pengaduan diterima dan dicatat");
    assert_eq!(v["subject"], body["subject"]);
    assert_eq!(
        v["timeline"][0]["description"],
        "Pengaduan diterima dan dicatat"
    );

    let mut secret = valid_complaint("letter");
    secret["confidential"] = json!(true);
    let c: Value = app
        .post_complaint(&key, &secret)
        .await
        .json()
        .await
        .unwrap();
    let url = format!(
        "/api/v1/public/complaints/{}?code={}",
        c["tracking_number"].as_str().unwrap(),
        c["access_code"].as_str().unwrap()
    );
    let v: Value = app
        .client
        .get(app.url(&url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v["status"], "registered");
    assert_eq!(
        (v["subject"].clone(), v["body"].clone()),
        (Value::Null, Value::Null)
    );
}

async fn wrong_code_looks_like_unknown_number(b: Backend) {
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
    let tn = c["tracking_number"].as_str().unwrap();
    let get = |path: String| {
        let app = &app;
        async move {
            let r = app.client.get(app.url(&path)).send().await.unwrap();
            let status = r.status().as_u16();
            let v: Value = r.json().await.unwrap();
            (status, v)
        }
    };
    let wrong = get(format!(
        "/api/v1/public/complaints/{tn}?code=0000-0000-0000-0000"
    ))
    .await;
    let unknown =
        get("/api/v1/public/complaints/DINSOS-2026-999999?code=0000-0000-0000-0000".into()).await;
    let missing = get(format!("/api/v1/public/complaints/{tn}")).await;
    let garbage = get("/api/v1/public/complaints/%27%20OR%201=1?code=x".into()).await;
    assert_eq!(wrong.0, 404);
    assert_eq!(wrong, unknown);
    assert_eq!(wrong, missing);
    assert_eq!(wrong, garbage);
}

async fn lookups_are_rate_limited_per_client(b: Backend) {
    let Some(app) = spawn_app_with(b, |s| s.public_rate_limit_per_minute = 5).await else {
        return;
    };
    let url = app.url("/api/v1/public/complaints/DINSOS-2026-000001?code=0000-0000-0000-0000");
    for _ in 0..5 {
        assert_eq!(app.client.get(&url).send().await.unwrap().status(), 404);
    }
    let r = app.client.get(&url).send().await.unwrap();
    let wait: u64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=12).contains(&wait), "retry after {wait}");
    assert_problem(r, 429).await;
}

/// The survey opens only once the answer is dispatched, takes one response
/// per complaint, refuses bad input naming the field and writing nothing,
/// and the index of three responses is the one written out here.
async fn the_survey_opens_after_dispatch_once_and_the_index_adds_up(b: Backend) {
    let Some(app) = spawn_app(b).await else {
        return;
    };
    let o = crate::workflow::office(&app).await;
    let survey = |tn: String, body: Value| {
        let app = &app;
        async move {
            app.client
                .post(app.url(&format!("/api/v1/public/complaints/{tn}/survey")))
                .json(&body)
                .send()
                .await
                .unwrap()
        }
    };
    let ikm = |q: &'static str| {
        let app = &app;
        let key = o.k_head.clone();
        async move {
            let r = app.get(&key, &format!("/api/v1/reports/ikm{q}")).await;
            assert_eq!(r.status(), 200);
            r.json::<Value>().await.unwrap()
        }
    };
    let empty = ikm("").await;
    assert_eq!(
        (empty["respondents"].as_u64(), empty["ikm"].is_null()),
        (Some(0), true)
    );
    let rows = [
        [4, 3, 3, 4, 3, 3, 4, 3, 3],
        [3, 3, 2, 4, 3, 3, 3, 2, 3],
        [4, 4, 3, 4, 3, 4, 4, 3, 3],
    ];
    let mut complaints = Vec::new();
    for _ in 0..3 {
        let c: Value = app
            .post_complaint(&o.reception, &valid_complaint("letter"))
            .await
            .json()
            .await
            .unwrap();
        complaints.push(c);
    }
    let tn = |c: &Value| c["tracking_number"].as_str().unwrap().to_string();
    let code = |c: &Value| c["access_code"].as_str().unwrap().to_string();
    // not answered yet: refused, nothing recorded
    let (t0, c0) = (tn(&complaints[0]), code(&complaints[0]));
    let r = survey(t0.clone(), json!({"code": c0, "answers": answers(rows[0])})).await;
    let p = assert_problem(r, 409).await;
    assert!(p["detail"].as_str().unwrap().contains("dispatched"), "{p}");
    for c in &complaints {
        answered(&app, &o, c["id"].as_str().unwrap()).await;
    }
    // a wrong code looks like an unknown number
    let r = survey(
        t0.clone(),
        json!({"code": "0000-0000-0000-0000", "answers": answers(rows[0])}),
    )
    .await;
    assert_problem(r, 404).await;
    // a missing element and a value outside 1–4: named, nothing written
    let mut bad = answers(rows[0]);
    bad.as_object_mut().unwrap().remove("u3");
    bad["u7"] = json!(5);
    let r = survey(
        t0.clone(),
        json!({"code": c0, "answers": bad, "respondent": {"sex": "x"}}),
    )
    .await;
    let p = assert_problem(r, 422).await;
    assert_eq!(
        problem_fields(&p),
        vec!["answers.u3", "answers.u7", "respondent.sex"]
    );
    assert_eq!(ikm("").await["respondents"], 0);
    for (c, row) in complaints.iter().zip(rows) {
        let (t, k) = (tn(c), code(c));
        let r = survey(
            t,
            json!({"code": k, "answers": answers(row),
                   "respondent": {"sex": "p", "age_group": "35-44", "education": "sma", "occupation": "irt"},
                   "suggestion": "Petugas ramah."}),
        )
        .await;
        assert_eq!(r.status(), 201);
    }
    // once per complaint
    let r = survey(t0, json!({"code": c0, "answers": answers([1; 9])})).await;
    let p = assert_problem(r, 409).await;
    assert!(
        p["detail"].as_str().unwrap().contains("rated already"),
        "{p}"
    );
    // U1: (4+3+4)/3 = 3.67, weighted 11/27 = 0.41; T = 88, IKM = 25·88/27 = 81.48 → B
    let i = ikm("").await;
    assert_eq!(i["respondents"], 3);
    assert_eq!(i["ikm"], 81.48);
    assert_eq!(i["category"], "B");
    assert_eq!(
        i["elements"][0],
        json!({"element": "U1", "average": 3.67, "weighted": 0.41})
    );
    assert_eq!(
        i["elements"][2],
        json!({"element": "U3", "average": 2.67, "weighted": 0.3})
    );
    // by channel and period
    assert_eq!(ikm("?channel=email").await["respondents"], 0);
    assert_eq!(ikm("?channel=letter").await["respondents"], 3);
    assert_eq!(
        ikm("?from=2000-01-01&to=2000-12-31").await["respondents"],
        0
    );
    let r = app.get(&o.k_head, "/api/v1/reports/ikm?from=kemarin").await;
    assert_eq!(problem_fields(&assert_problem(r, 422).await), vec!["from"]);
    // the response is kept without a way back to the complaint
    let integration = app.key(Role::Integration).await;
    assert_problem(app.get(&integration, "/api/v1/reports/ikm").await, 403).await;
}

/// The form's signed token, as the page serves it.
async fn form_token(app: &TestApp) -> String {
    let page = app
        .client
        .get(app.url("/adukan"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let needle = "name=\"form_token\" value=\"";
    let at = page.find(needle).expect("a form token") + needle.len();
    page[at..].split('"').next().unwrap().to_string()
}

fn web_form(token: &str, extra: &[(&str, &str)]) -> reqwest::multipart::Form {
    let mut f = reqwest::multipart::Form::new()
        .text("form_token", token.to_string())
        .text("kind", "complaint")
        .text("subject", "Bantuan PKH belum cair")
        .text(
            "body",
            "Sudah tiga bulan bantuan PKH keluarga kami belum cair.",
        )
        .text("reporter.name", "Ibu Yuliana")
        .text("reporter.email", "yuliana@example.id")
        .text("consent", "1");
    for (k, v) in extra {
        f = f.text(k.to_string(), v.to_string());
    }
    f
}

/// The web form: a complaint gets its number, the web channel's deadline
/// and the acknowledgement; a form sent at once, without consent or with a
/// filled honeypot is refused (the honeypot quietly, counted in /metrics);
/// a burst from one address is refused after the limit.
async fn the_web_form_registers_acknowledges_and_holds_off_abuse(b: Backend) {
    let Some((app, sink)) =
        crate::outbox::app_with_sink_and(b, 8, |s| s.web_form_per_hour = 4).await
    else {
        return;
    };
    let post = |form: reqwest::multipart::Form| {
        let app = &app;
        async move {
            app.client
                .post(app.url("/adukan"))
                .multipart(form)
                .send()
                .await
                .unwrap()
        }
    };
    // sent the moment it was served: refused, nothing registered
    let token = form_token(&app).await;
    let r = post(web_form(&token, &[])).await;
    assert_eq!(r.status(), 422);
    let page = r.text().await.unwrap();
    assert!(page.contains("terlalu cepat"), "{page}");
    tokio::time::sleep(std::time::Duration::from_millis(3100)).await;
    // the honeypot filled: thanked, nothing kept, counted
    let r = post(web_form(&token, &[("website", "http://spam.example")])).await;
    assert_eq!(r.status(), 200);
    assert!(!r.text().await.unwrap().contains("Kode akses"));
    let reception = app.key(Role::Reception).await;
    assert!(
        app.list_all(&reception, "&channel=web", 50)
            .await
            .is_empty()
    );
    let metrics = app
        .client
        .get(app.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics
            .lines()
            .any(|l| l.starts_with("aduan_web_form_refused_total")
                && l.contains("reason=\"honeypot\"")),
        "{metrics}"
    );
    // a real one
    let r = post(web_form(&token, &[])).await;
    assert_eq!(r.status(), 201);
    let page = r.text().await.unwrap();
    assert!(
        page.contains("Kode akses") && page.contains("Tanda terima"),
        "{page}"
    );
    let all = app.list_all(&reception, "&channel=web", 50).await;
    assert_eq!(all.len(), 1);
    let c = &all[0];
    assert!(page.contains(c["tracking_number"].as_str().unwrap()));
    // the web channel's deadline: 7 working days, as its policy says
    let policy: Value = app
        .get(&reception, "/api/v1/sla-policies")
        .await
        .json()
        .await
        .unwrap();
    let web = policy["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["channel"] == "web")
        .unwrap()
        .clone();
    assert_eq!(web["working_days"], 7);
    let due: Value = app
        .get(
            &reception,
            &format!(
                "/api/v1/calendar/deadline?working_days=7&received_at={}",
                urlencode(c["received_at"].as_str().unwrap())
            ),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(c["due_at"], due["due_at"], "{due}");
    // the same form again registers nothing new
    let r = post(web_form(&token, &[])).await;
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("sudah terkirim sebelumnya")
    );
    // the acknowledgement
    let d = aduan::notify::Dispatcher::new(app.store.clone(), std::sync::Arc::clone(&app.settings))
        .unwrap();
    assert_eq!(d.run_once(chrono::Utc::now()).await.unwrap().sent, 1);
    assert_eq!(sink.messages()[0].rcpt, ["<yuliana@example.id>"]);
    // the limit: 4 a hour from this address (5 forms sent so far)
    let token = form_token(&app).await;
    tokio::time::sleep(std::time::Duration::from_millis(3100)).await;
    let r = post(web_form(&token, &[])).await;
    assert_eq!(r.status(), 429);
    assert!(r.text().await.unwrap().contains("Coba lagi dalam"));
}

fn urlencode(s: &str) -> String {
    s.replace('+', "%2B").replace(':', "%3A")
}

//! The evaluation summary over a known history: every figure per group and
//! in total, on both backends; bad parameters named.

use aduan::domain::calendar::WorkingCalendar;
use chrono::{Duration, Utc};
use chrono_tz::Asia::Makassar;
use serde_json::{Value, json};

use crate::helpers::*;
use crate::workflow::{dispose, ok, post};

both_backends!(
    the_summary_counts_a_known_history,
    bad_report_parameters_are_named,
    the_complaint_list_and_the_ikm_export_as_csv_and_xlsx
);

async fn registered(app: &TestApp, key: &str, channel: &str, days_ago: i64) -> Value {
    let mut body = valid_complaint(channel);
    body["received_at"] = json!((Utc::now() - Duration::days(days_ago)).to_rfc3339());
    let r = app.post_complaint(key, &body).await;
    assert_eq!(r.status(), 201);
    r.json().await.unwrap()
}

/// Forward, dispose to `position`, draft and submit with `key`, the head
/// approves, reception gives it in person (now).
async fn answer(app: &TestApp, o: &crate::workflow::Office, id: &str, position: &str, key: &str) {
    ok(app, &o.reception, id, "forward", json!({})).await;
    ok(app, &o.k_head, id, "dispositions", dispose(position)).await;
    ok(app, key, id, "answer/drafts", json!({"body": "Jawaban."})).await;
    ok(app, key, id, "answer/submit", json!({})).await;
    ok(app, &o.k_head, id, "answer/approve", json!({})).await;
    ok(
        app,
        &o.reception,
        id,
        "dispatch",
        json!({"method": "in_person", "given_by": "Petugas"}),
    )
    .await;
}

fn group<'a>(s: &'a Value, key: &str) -> &'a Value {
    s["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["key"] == key)
        .unwrap_or_else(|| panic!("no group {key}: {s}"))
}

async fn the_summary_counts_a_known_history(b: Backend) {
    let Some(app) = spawn_app(b).await else {
        return;
    };
    let o = crate::workflow::office(&app).await;
    // a position of the Bidang Linjamsos unit, with its officer
    let units: Value = app
        .get(&o.admin, "/api/v1/org/units")
        .await
        .json()
        .await
        .unwrap();
    let unit = units["items"][0]["id"].as_str().unwrap().to_string();
    let r = post(
        &app,
        &o.admin,
        "/api/v1/org/positions",
        json!({"title": "Kabid Dayasos", "superior_id": o.head, "unit_id": unit}),
    )
    .await;
    assert_eq!(r.status(), 201);
    let dayasos = r.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (_, k_dayasos) =
        crate::workflow::officer(&app, &o.admin, "Rina Dayasos", &dayasos, "official").await;

    // the history: letters answered on time (2 days old), late (40 days
    // old) and on time after an extension (20 days old), an email open and overdue, one paused, API complaints
    // redirected, rejected and merged, and one outside the period
    let on_time = registered(&app, &o.reception, "letter", 2).await;
    let late = registered(&app, &o.reception, "letter", 40).await;
    // past its deadline too, but the head extended it first: on time
    let extended = registered(&app, &o.reception, "letter", 20).await;
    let overdue = registered(&app, &o.reception, "email", 30).await;
    let paused = registered(&app, &o.reception, "email", 30).await;
    let redirected = registered(&app, &o.reception, "api", 1).await;
    let rejected = registered(&app, &o.reception, "api", 1).await;
    let merged = registered(&app, &o.reception, "api", 1).await;
    registered(&app, &o.reception, "letter", 200).await;
    let id = |c: &Value| c["id"].as_str().unwrap().to_string();
    answer(&app, &o, &id(&on_time), &dayasos, &k_dayasos).await;
    answer(&app, &o, &id(&late), &o.kabid, &o.k_kabid).await;
    ok(
        &app,
        &o.k_head,
        &id(&extended),
        "extension",
        json!({"working_days": 30, "reason": "Perlu peninjauan lapangan"}),
    )
    .await;
    answer(&app, &o, &id(&extended), &o.kabid, &o.k_kabid).await;
    ok(
        &app,
        &o.reception,
        &id(&paused),
        "clock/pause",
        json!({"reason": "Menunggu KTP"}),
    )
    .await;
    ok(&app, &o.reception, &id(&redirected), "forward", json!({})).await;
    ok(
        &app,
        &o.k_head,
        &id(&redirected),
        "redirect",
        json!({"agency": "Dinas Kesehatan", "reason": "Bukan kewenangan"}),
    )
    .await;
    ok(
        &app,
        &o.liaison,
        &id(&rejected),
        "reject",
        json!({"reason": "Iklan"}),
    )
    .await;
    ok(
        &app,
        &o.reception,
        &id(&merged),
        "merge",
        json!({"into": id(&overdue), "reason": "Sama"}),
    )
    .await;

    let today = Utc::now().with_timezone(&Makassar).date_naive();
    let from = today - Duration::days(60);
    let q = |by: &str| format!("/api/v1/reports/summary?from={from}&to={today}&group_by={by}");
    let s: Value = app
        .get(&o.k_head, &q("channel"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(s["group_by"], "channel");
    // working days from receipt to the answer, as the calendar counts them
    let cal = WorkingCalendar::decreed().unwrap();
    let days = |c: &Value| {
        let r: chrono::DateTime<Utc> = c["received_at"].as_str().unwrap().parse().unwrap();
        cal.working_days_between(r.with_timezone(&Makassar).date_naive(), today) as f64
    };
    let (d_on_time, d_late, d_extended) = (days(&on_time), days(&late), days(&extended));
    assert!(d_on_time < d_extended && d_extended < d_late);
    let letter = group(&s, "letter");
    assert_eq!(letter["label"], "Surat");
    for (field, want) in [
        ("received", json!(3)),
        ("open", json!(0)),
        ("answered", json!(3)),
        ("answered_on_time", json!(2)),
        ("answered_late", json!(1)),
        ("on_time_ratio", json!(0.6667)),
        ("median_working_days", json!(d_extended)),
        ("p90_working_days", json!(d_late)),
        ("overdue_open", json!(0)),
        ("closed", json!(0)),
        ("redirected", json!(0)),
        ("lapor_received", Value::Null),
    ] {
        assert_eq!(letter[field], want, "letter.{field}: {letter}");
    }
    let email = group(&s, "email");
    for (field, want) in [
        ("received", json!(2)),
        ("open", json!(2)),
        ("answered", json!(0)),
        ("on_time_ratio", Value::Null),
        ("median_working_days", Value::Null),
        ("overdue_open", json!(1)),
    ] {
        assert_eq!(email[field], want, "email.{field}: {email}");
    }
    let api = group(&s, "api");
    for (field, want) in [
        ("received", json!(3)),
        ("open", json!(0)),
        ("redirected", json!(1)),
        ("rejected", json!(1)),
        ("merged", json!(1)),
    ] {
        assert_eq!(api[field], want, "api.{field}: {api}");
    }
    let t = &s["total"];
    for (field, want) in [
        ("received", json!(8)),
        ("open", json!(2)),
        ("answered", json!(3)),
        ("answered_on_time", json!(2)),
        ("answered_late", json!(1)),
        ("on_time_ratio", json!(0.6667)),
        ("overdue_open", json!(1)),
        ("redirected", json!(1)),
        ("merged", json!(1)),
        ("rejected", json!(1)),
    ] {
        assert_eq!(t[field], want, "total.{field}: {t}");
    }
    assert_eq!(
        s["groups"].as_array().unwrap().len(),
        3,
        "the 200-day-old letter is outside"
    );

    // by unit: the Dayasos answer under its unit, the rest without one
    let s: Value = app.get(&o.k_head, &q("unit")).await.json().await.unwrap();
    let u = group(&s, &unit);
    assert_eq!(
        (u["label"].as_str(), u["received"].as_u64()),
        (Some("Bidang Linjamsos"), Some(1))
    );
    assert_eq!(u["answered_on_time"], 1);
    let none = s["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["key"].is_null())
        .unwrap();
    assert!(
        none["label"].as_str().unwrap().starts_with("Tanpa unit"),
        "{none}"
    );
    assert_eq!(
        none["received"], 7,
        "the Kabid Linjamsos position has no unit: {s}"
    );
    // by month: the keys are office-local months and add up to the total
    let s: Value = app.get(&o.k_head, &q("month")).await.json().await.unwrap();
    let sum: u64 = s["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["received"].as_u64().unwrap())
        .sum();
    assert_eq!(sum, 8);
    assert!(
        s["groups"][0]["label"].as_str().unwrap().contains(' '),
        "{s}"
    );
    // the same as CSV: a BOM, the field names, Indonesian text intact
    let r = app
        .get(&o.k_head, &format!("{}&format=csv", q("month")))
        .await;
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let csv = r.text().await.unwrap();
    let csv = csv.strip_prefix('\u{feff}').expect("a BOM for Excel");
    let lines: Vec<Vec<String>> = csv
        .lines()
        .map(|l| {
            l.split(';')
                .map(|c| c.trim_matches('"').to_string())
                .collect()
        })
        .collect();
    assert_eq!(lines[0][..4], ["key", "label", "received", "open"]);
    for (g, line) in s["groups"].as_array().unwrap().iter().zip(&lines[1..]) {
        assert_eq!(
            line[1],
            g["label"].as_str().unwrap(),
            "the month's name survives"
        );
        assert_eq!(line[2], g["received"].to_string());
    }
    let last = lines.last().unwrap();
    assert_eq!(
        (last[0].as_str(), last[1].as_str(), last[2].as_str()),
        ("total", "Jumlah", "8")
    );
    // and as a workbook, read back: numbers as numbers, the dates as dates
    let r = app
        .get(&o.k_head, &format!("{}&format=xlsx", q("channel")))
        .await;
    assert_eq!(r.status(), 200);
    let bytes = r.bytes().await.unwrap().to_vec();
    let json: Value = app
        .get(&o.k_head, &q("channel"))
        .await
        .json()
        .await
        .unwrap();
    {
        use calamine::{Data, Reader, Xlsx};
        let mut wb: Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
        let sheet = wb.worksheet_range("Ringkasan").unwrap();
        let rows: Vec<&[Data]> = sheet.rows().collect();
        assert_eq!(rows[0][0], Data::String("key".into()));
        assert_eq!(rows[0][2], Data::String("received".into()));
        for (g, row) in json["groups"].as_array().unwrap().iter().zip(&rows[1..]) {
            assert_eq!(row[1], Data::String(g["label"].as_str().unwrap().into()));
            assert_eq!(
                row[2],
                Data::Float(g["received"].as_f64().unwrap()),
                "numbers as numbers"
            );
            match g["on_time_ratio"].as_f64() {
                Some(x) => assert_eq!(row[7], Data::Float(x)),
                None => assert_eq!(row[7], Data::Empty),
            }
        }
        let total = rows.last().unwrap();
        assert_eq!(
            (total[1].clone(), total[2].clone()),
            (Data::String("Jumlah".into()), Data::Float(8.0))
        );
        let period = wb.worksheet_range("Periode").unwrap();
        let from_cell = period.get((0, 1)).unwrap();
        assert!(
            matches!(from_cell, Data::DateTime(_)),
            "a date, not text: {from_cell:?}"
        );
        let Data::DateTime(d) = from_cell else {
            unreachable!()
        };
        let serial = (from - chrono::NaiveDate::from_ymd_opt(1899, 12, 30).unwrap()).num_days();
        assert_eq!(d.as_f64(), serial as f64, "the period's first day");
    }
    // by holder: the open email nobody holds yet, the paused one too
    let s: Value = app.get(&o.k_head, &q("holder")).await.json().await.unwrap();
    let none = s["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["key"].is_null())
        .unwrap();
    assert_eq!(none["open"], 2);

    // the charts, drawn on the server: each bar carries its value
    let chart = |name: &str, extra: &str| {
        format!("/api/v1/reports/charts/{name}?from={from}&to={today}{extra}")
    };
    let svg = |r: reqwest::Response| async move {
        assert_eq!(r.status(), 200);
        assert!(
            r.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("image/svg+xml")
        );
        r.text().await.unwrap()
    };
    let weekly = svg(app.get(&o.k_head, &chart("received-per-week", "")).await).await;
    assert!(
        weekly.contains(", Surel: 2</title>"),
        "the two emails of one week: {weekly}"
    );
    assert!(weekly.contains(", Sistem lain: 3</title>"), "{weekly}");
    assert_eq!(
        weekly.matches(", Surat: 1</title>").count(),
        3,
        "three letters, weeks apart"
    );
    let units = svg(app.get(&o.k_head, &chart("on-time-by-unit", "")).await).await;
    assert!(
        units.contains("Bidang Linjamsos (1 dijawab), Tepat waktu: 100 %</title>"),
        "{units}"
    );
    let ageing = svg(app.get(&o.k_head, &chart("overdue-ageing", "")).await).await;
    // what is late now, whenever received: the overdue email and the
    // 200-day-old letter (outside the period); the paused email is not late
    assert!(ageing.contains("Terlambat saat ini (2)"), "{ageing}");
    assert!(ageing.contains("&gt; 10, Terlambat: 2</title>"), "{ageing}");
    let ikm = svg(app.get(&o.k_head, &chart("ikm", "")).await).await;
    assert!(
        ikm.contains("belum ada responden") && ikm.contains("Tidak ada data"),
        "{ikm}"
    );
    let r = app
        .get(&o.k_head, &chart("on-time-by-unit", "&format=png"))
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "image/png");
    let png = r.bytes().await.unwrap();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    let integration = app.key(aduan::domain::Role::Integration).await;
    assert_eq!(app.get(&integration, &chart("ikm", "")).await.status(), 403);
    assert_eq!(app.get(&o.k_head, &chart("pie", "")).await.status(), 404);
    let r = app.get(&o.k_head, &chart("ikm", "&format=gif")).await;
    assert_eq!(r.status(), 422);
    assert_eq!(
        r.json::<Value>().await.unwrap()["errors"][0]["field"],
        "format"
    );

    // a replica that adds up day tallies instead (as for a large period):
    // counted live until the job first ran, then the same figures
    let tallies = spawn_replica(&app, |s| s.report_live_max = 0).await;
    let jobs = aduan::jobs::Jobs::new(
        tallies.store.clone(),
        std::sync::Arc::clone(&tallies.settings),
    );
    let strip = |mut v: Value| {
        let o = v.as_object_mut().unwrap();
        let counted = o.remove("counted").unwrap();
        o.remove("as_of");
        (counted, v)
    };
    let both = |by: &'static str| {
        let (app, tallies, q) = (&app, &tallies, q(by));
        let head = o.k_head.clone();
        async move {
            let live: Value = app.get(&head, &q).await.json().await.unwrap();
            let summed: Value = tallies.get(&head, &q).await.json().await.unwrap();
            (strip(live), strip(summed))
        }
    };
    let ((_, _), (counted, _)) = both("channel").await;
    assert_eq!(counted, "live", "no tallies yet");
    let done = jobs.refresh_reports(Utc::now()).await.unwrap();
    assert!(
        done.full && done.days >= 200,
        "every day from the oldest: {done:?}"
    );
    for by in ["channel", "kind", "category", "unit", "holder", "month"] {
        let ((c1, live), (c2, summed)) = both(by).await;
        assert_eq!(
            (c1.as_str(), c2.as_str()),
            (Some("live"), Some("daily_tallies"))
        );
        assert_eq!(live, summed, "by {by}");
    }
    // a change is in the tallies at the next refresh: only the days with
    // recent events are counted again
    ok(
        &app,
        &o.liaison,
        &id(&overdue),
        "reject",
        json!({"reason": "Bukan pengaduan"}),
    )
    .await;
    let done = jobs.refresh_reports(Utc::now()).await.unwrap();
    assert!(!done.full && done.days >= 1 && done.days < 10, "{done:?}");
    let ((_, live), (_, summed)) = both("channel").await;
    assert_eq!(live, summed);
    assert_eq!(group(&summed, "email")["rejected"], 1);
    assert_eq!(group(&summed, "email")["overdue_open"], 0);

    // the console's download is for people: Indonesian headings, "," decimals
    crate::accounts::account(&app, &o.admin, "pimpinan.rekap", "manager", None).await;
    let who =
        crate::accounts::browser(&app, "pimpinan.rekap", crate::accounts::PASSWORD, None).await;
    let csv = who
        .get(
            &app,
            &format!("/console/reports/export?from={from}&to={today}&group_by=channel&format=csv"),
        )
        .await;
    assert_eq!(csv.status(), 200);
    let text = csv.text().await.unwrap();
    let header = text.lines().next().unwrap();
    assert!(
        header.starts_with("\u{feff}Kode;Kelompok;Diterima;Terbuka;Dijawab;"),
        "{header}"
    );
    assert!(!header.contains("received"), "{header}");
    let total = text.lines().last().unwrap();
    assert!(total.contains(";\"Jumlah\";8;"), "{total}");
    assert!(
        text.contains(",6667") || text.contains(",5"),
        "decimal commas: {text}"
    );
    assert!(!text.contains("0.6667"), "{text}");
    let xlsx = who
        .get(
            &app,
            &format!("/console/reports/export?from={from}&to={today}&group_by=channel&format=xlsx"),
        )
        .await;
    assert_eq!(xlsx.status(), 200);
    assert!(xlsx.bytes().await.unwrap().starts_with(b"PK"));
}

async fn bad_report_parameters_are_named(b: Backend) {
    let Some(app) = spawn_app(b).await else {
        return;
    };
    let key = app.key(aduan::domain::Role::Head).await;
    for (q, field) in [
        ("from=2026-03-10&to=2026-03-01", "to"),
        ("from=2026-01-01&to=2026-01-31&group_by=desa", "group_by"),
        ("from=2015-01-01&to=2026-01-01", "to"),
        ("from=kemarin&to=2026-01-01", "from"),
        ("to=2026-01-01", "from"),
        ("from=2026-01-01&to=2026-01-31&format=pdf", "format"),
    ] {
        let r = app.get(&key, &format!("/api/v1/reports/summary?{q}")).await;
        let p = assert_problem(r, 422).await;
        assert_eq!(problem_fields(&p), vec![field], "{q}: {p}");
    }
    let integration = app.key(aduan::domain::Role::Integration).await;
    let r = app
        .get(
            &integration,
            "/api/v1/reports/summary?from=2026-01-01&to=2026-01-31",
        )
        .await;
    assert_problem(r, 403).await;
}

async fn the_complaint_list_and_the_ikm_export_as_csv_and_xlsx(b: Backend) {
    let Some(app) = spawn_app(b).await else {
        return;
    };
    let key = app.key(aduan::domain::Role::Reception).await;
    let subjects = [
        "Bantuan “PKH” belum cair – Kelurahan Oebobo",
        "=HYPERLINK(\"http://x\") jalan rusak",
        "Bantuan PKH belum diterima",
    ];
    for (i, subject) in subjects.iter().enumerate() {
        let mut c = valid_complaint(if i < 2 { "letter" } else { "email" });
        c["subject"] = json!(subject);
        assert_eq!(app.post_complaint(&key, &c).await.status(), 201);
    }
    let head = app.key(aduan::domain::Role::Head).await;
    // CSV of the letters only: a BOM, the fixed names, the text intact
    let r = app
        .get(&head, "/api/v1/complaints?channel=letter&format=csv")
        .await;
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .ends_with(".csv\"")
    );
    let csv = r.text().await.unwrap();
    let csv = csv.strip_prefix('\u{feff}').expect("a BOM");
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0],
        "tracking_number;received_at;status;channel;kind;category;subject;holder;due_at;working_days_left;overdue;lapor_tracking_id;letter_number"
    );
    assert_eq!(lines.len(), 3, "two letters: {csv}");
    assert!(
        csv.contains("\"Bantuan “PKH” belum cair – Kelurahan Oebobo\""),
        "{csv}"
    );
    assert!(
        csv.contains("\"'=HYPERLINK(\"\"http://x\"\") jalan rusak\""),
        "a formula stays text: {csv}"
    );
    assert!(!csv.contains("Agustinus"), "no identity fields: {csv}");
    // XLSX of all: numbers as numbers, instants as dates
    let r = app.get(&head, "/api/v1/complaints?format=xlsx").await;
    assert_eq!(r.status(), 200);
    use calamine::{Data, Reader, Xlsx};
    let mut wb: Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(r.bytes().await.unwrap().to_vec()))
            .unwrap();
    let sheet = wb.worksheet_range("Pengaduan").unwrap();
    let rows: Vec<&[Data]> = sheet.rows().collect();
    assert_eq!(rows.len(), 4);
    assert_eq!(rows[0][6], Data::String("subject".into()));
    for row in &rows[1..] {
        assert!(
            matches!(row[1], Data::DateTime(_)),
            "received_at a date: {:?}",
            row[1]
        );
        assert!(
            matches!(row[9], Data::Float(_)),
            "working days a number: {:?}",
            row[9]
        );
    }
    let texts: Vec<String> = rows[1..].iter().map(|r| r[6].to_string()).collect();
    for s in subjects {
        assert!(texts.contains(&s.to_string()), "{s} in {texts:?}");
    }
    assert_eq!(
        app.get(&head, "/api/v1/complaints?format=pdf")
            .await
            .status(),
        422
    );
    // the IKM as CSV: a row per element, then the index
    let csv = app
        .get(&head, "/api/v1/reports/ikm?format=csv")
        .await
        .text()
        .await
        .unwrap();
    let lines: Vec<&str> = csv.trim_start_matches('\u{feff}').lines().collect();
    assert_eq!(lines[0], "element;name;average;weighted;ikm;respondents");
    assert_eq!(lines.len(), 11);
    assert!(
        lines[1].starts_with("\"U1\";\"Persyaratan\""),
        "{}",
        lines[1]
    );
    assert_eq!(lines[10], "\"IKM\";\"Indeks Kepuasan Masyarakat\";;;;0");
}

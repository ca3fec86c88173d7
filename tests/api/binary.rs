//! Tests of the `aduan` binary itself: the CLI, start-up validation, and the
//! promise that personal data never reaches the logs.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::helpers::TempDir;

const BIN: &str = env!("CARGO_BIN_EXE_aduan");

fn aduan(dir: &TempDir, args: &[&str]) -> std::process::Output {
    Command::new(BIN)
        .args(args)
        .env_clear()
        .env(
            "DATABASE_URL",
            format!("sqlite://{}/aduan.db", dir.0.display()),
        )
        .env("ADUAN_DATA_DIR", dir.0.display().to_string())
        .current_dir(&dir.0)
        .output()
        .expect("run aduan")
}

fn stdout(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn apikey_create_list_revoke() {
    let dir = TempDir::new();
    let out = aduan(
        &dir,
        &[
            "apikey",
            "create",
            "--name",
            "Portal Pemprov",
            "--role",
            "integration",
        ],
    );
    assert!(out.status.success(), "{out:?}");
    let text = stdout(&out);
    let key = text.lines().last().unwrap().to_string();
    assert!(
        key.starts_with("adn_") && !key.contains(' '),
        "last line is the key alone: {text}"
    );
    let id = text.split_whitespace().nth(3).unwrap().to_string();

    let list = stdout(&aduan(&dir, &["apikey", "list"]));
    assert!(list.contains("Portal Pemprov") && list.contains(&id) && list.contains("integration"));
    assert!(!list.contains(&key), "the key is never shown again");

    let bad = aduan(
        &dir,
        &["apikey", "create", "--name", "x", "--role", "superuser"],
    );
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("unknown role"));

    assert!(aduan(&dir, &["apikey", "revoke", &id]).status.success());
    assert!(
        !aduan(&dir, &["apikey", "revoke", &id]).status.success(),
        "second revoke reports no live key"
    );
    let list = stdout(&aduan(&dir, &["apikey", "list"]));
    let row = list.lines().find(|l| l.contains(&id)).unwrap();
    assert_eq!(
        row.matches("UTC").count(),
        2,
        "created and revoked times: {row}"
    );
    assert!(aduan(&dir, &["migrate"]).status.success());
}

#[test]
fn openapi_subcommand_prints_the_committed_document() {
    let dir = TempDir::new();
    let out = aduan(&dir, &["openapi"]);
    let committed =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/openapi/openapi.json"))
            .unwrap();
    assert!(
        stdout(&out) == committed,
        "`aduan openapi` differs from openapi/openapi.json"
    );
}

#[test]
fn a_bad_setting_stops_start_up_naming_it() {
    let dir = TempDir::new();
    let out = Command::new(BIN)
        .env_clear()
        .env("ADUAN_DATA_DIR", dir.0.display().to_string())
        .env("ADUAN_OFFICE_TIMEZONE", "Mars/Olympus")
        .current_dir(&dir.0)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("ADUAN_OFFICE_TIMEZONE") && err.contains("Mars/Olympus"),
        "{err}"
    );
}

/// Posts complaints full of marker personal data to a real `aduan serve` at
/// debug level, in both log formats, and searches the captured output.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn personal_data_never_reaches_the_logs() {
    // LAPOR! reports with identities (and two malformed ones) are imported too
    let sim = crate::lapor::Sim::start(&["--seed", "9", "--reports", "30", "--malformed", "2"]);
    let mut lapor_markers = vec![crate::lapor::TOKEN.to_string()];
    for r in sim.get("/sim/reports").await.as_array().unwrap() {
        for f in ["name", "nik", "phone", "email"] {
            if let Some(v) = r["reporter"][f].as_str() {
                lapor_markers.push(v.to_string());
            }
        }
    }
    assert!(lapor_markers.len() > 40);
    for format in ["json", "text"] {
        let lines = run_server_and_post_markers(format, &sim.url).await;
        let all = lines.join("\n");
        assert!(
            lines
                .iter()
                .filter(|l| l.contains("request completed"))
                .count()
                >= 8,
            "the request log was captured ({format}):\n{all}"
        );
        for marker in [
            "Zakharia",
            "Penandarahasia",
            "5371019999999999",
            "081299988877",
            "penanda.rahasia",
            "Jl. Kenari Penanda",
            "KODEAKSES",
            "Bearer",
            "adn_",
        ] {
            assert!(
                !all.contains(marker),
                "log ({format}) contains {marker}:\n{all}"
            );
        }
        for marker in &lapor_markers {
            assert!(
                !all.contains(marker.as_str()),
                "log ({format}) contains LAPOR! data {marker}:\n{all}"
            );
        }
        assert!(
            all.contains("LAPOR! item quarantined"),
            "the import ran: {all}"
        );
    }
}

async fn run_server_and_post_markers(format: &str, lapor_url: &str) -> Vec<String> {
    let dir = TempDir::new();
    let key = stdout(&aduan(
        &dir,
        &["apikey", "create", "--name", "reception", "--role", "admin"],
    ))
    .lines()
    .last()
    .unwrap()
    .to_string();
    let (mut child, lines) = spawn_logged(
        Command::new(BIN)
            .arg("serve")
            .env_clear()
            .env(
                "DATABASE_URL",
                format!("sqlite://{}/aduan.db", dir.0.display()),
            )
            .env("ADUAN_DATA_DIR", dir.0.display().to_string())
            .env("ADUAN_LISTEN", "127.0.0.1:0")
            .env("ADUAN_LOG", "debug")
            .env("ADUAN_LOG_FORMAT", format)
            .env("ADUAN_LAPOR_URL", lapor_url)
            .env("ADUAN_LAPOR_TOKEN", crate::lapor::TOKEN)
            .current_dir(&dir.0),
    );
    let started = Instant::now();
    let port = loop {
        let found = lines
            .lock()
            .unwrap()
            .iter()
            .find(|l| l.contains("listening"))
            .map(|l| {
                if let Ok(v) = serde_json::from_str::<Value>(l) {
                    v["port"].as_u64().unwrap()
                } else {
                    l.split("port=")
                        .nth(1)
                        .unwrap()
                        .split_whitespace()
                        .next()
                        .unwrap()
                        .parse()
                        .unwrap()
                }
            });
        if let Some(p) = found {
            break p;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "server did not start: {:?}",
            lines.lock().unwrap()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    let reporter = json!({"name": "Zakharia Penandarahasia", "id_number": "5371019999999999",
        "phone": "081299988877", "email": "penanda.rahasia@example.id", "address": "Jl. Kenari Penanda 77"});
    let mut codes = vec![];
    for channel in ["face_to_face", "letter", "email", "lapor", "suggestion_box"] {
        let body = json!({"channel": channel, "subject": "Aduan Zakharia Penandarahasia",
            "body": "Saya Zakharia, NIK 5371019999999999, HP 081299988877", "reporter": reporter});
        let r = client
            .post(format!("{base}/api/v1/complaints"))
            .bearer_auth(&key)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201);
        let v: Value = r.json().await.unwrap();
        codes.push((
            v["tracking_number"].as_str().unwrap().to_string(),
            v["access_code"].as_str().unwrap().to_string(),
        ));
    }
    // refused input that echoes personal data must not be logged either
    let bad = json!({"channel": "email", "subject": "Zakharia", "body": "x",
        "reporter": {"name": "Zakharia Penandarahasia", "email": "penanda.rahasia@", "phone": "081299988877x"}});
    let r = client
        .post(format!("{base}/api/v1/complaints"))
        .bearer_auth(&key)
        .json(&bad)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let r = client
        .get(format!(
            "{base}/api/v1/complaints?q=Zakharia%20Penandarahasia"
        ))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let (tn, code) = &codes[0];
    let r = client
        .get(format!("{base}/api/v1/public/complaints/{tn}?code={code}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = client
        .get(format!(
            "{base}/api/v1/public/complaints/{tn}?code=KODEAKSES"
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    // an email through the pipe, and a reply to it, with the same markers
    for (id, refs) in [
        ("pii-1@example.id", ""),
        ("pii-2@example.id", "In-Reply-To: <pii-1@example.id>\r\n"),
    ] {
        let raw = format!(
            "From: Zakharia Penandarahasia <penanda.rahasia@example.id>\r\nSubject: Aduan Zakharia\r\n\
             Message-ID: <{id}>\r\n{refs}Content-Type: text/plain\r\n\r\nNIK 5371019999999999, HP 081299988877\r\n"
        );
        let r = client
            .post(format!("{base}/api/v1/intake/email"))
            .bearer_auth(&key)
            .header("Content-Type", "message/rfc822")
            .body(raw)
            .send()
            .await
            .unwrap();
        assert!(r.status() == 201 || r.status() == 200, "{}", r.status());
    }
    let r = client
        .post(format!("{base}/api/v1/integrations/lapor/poll"))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    // the access codes handed out are secrets too
    let secrets: Vec<String> = codes.iter().map(|(_, c)| c.clone()).collect();

    // graceful shutdown on SIGTERM
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let deadline = Instant::now() + Duration::from_secs(40);
    let exit = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(Instant::now() < deadline, "no exit after SIGTERM");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(exit.success(), "clean exit after SIGTERM: {exit:?}");
    tokio::time::sleep(Duration::from_millis(200)).await;
    let lines = lines.lock().unwrap().clone();
    let all = lines.join("\n");
    for s in &secrets {
        assert!(!all.contains(s.as_str()), "access code in the log");
    }
    assert!(all.contains("stopped"), "shutdown was logged: {all}");
    lines
}

#[test]
fn deadline_and_working_days_subcommands_print_the_answer_last() {
    let dir = TempDir::new();
    for (received, tz, expected) in [
        ("2025-03-27T09:00:00+08:00", None, "2025-04-16"),
        ("2026-08-15T10:00:00+08:00", None, "2026-08-27"),
        (
            "2024-12-24T10:00:00+07:00",
            Some("Asia/Jakarta"),
            "2025-01-07",
        ),
    ] {
        let mut args = vec!["deadline", "--received-at", received, "--working-days", "7"];
        if let Some(tz) = tz {
            args.extend(["--timezone", tz]);
        }
        let out = aduan(&dir, &args);
        assert!(out.status.success(), "{out:?}");
        assert_eq!(stdout(&out).lines().last(), Some(expected));
    }
    let out = aduan(
        &dir,
        &["working-days", "--from", "2025-03-27", "--to", "2025-04-16"],
    );
    assert_eq!(stdout(&out).lines().last(), Some("7"));
    let bad = aduan(
        &dir,
        &[
            "deadline",
            "--received-at",
            "kemarin",
            "--working-days",
            "7",
        ],
    );
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--received-at"));
    let bad = aduan(
        &dir,
        &[
            "deadline",
            "--received-at",
            "2025-03-27T09:00:00+08:00",
            "--working-days",
            "7",
            "--timezone",
            "WITA",
        ],
    );
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--timezone"));
}

/// An `aduan.toml` with every setting of the README table starts the
/// service, and the values take effect; an unknown `ADUAN_*` variable is
/// reported by name with the closest known one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_with_every_setting_starts_the_service() {
    let dir = TempDir::new();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let text = include_str!("../fixtures/aduan-every-setting.toml")
        .replace("/tmp/aduan-every-setting", &dir.0.display().to_string())
        .replace("127.0.0.1:18081", &format!("127.0.0.1:{port}"));
    let config = dir.0.join("aduan.toml");
    std::fs::write(&config, text).unwrap();
    let run = |args: &[&str]| {
        Command::new(BIN)
            .args(args)
            .env_clear()
            .env("ADUAN_CONFIG", &config)
            .current_dir(&dir.0)
            .output()
            .unwrap()
    };
    let key = stdout(&run(&[
        "apikey",
        "create",
        "--name",
        "loket",
        "--role",
        "reception",
    ]))
    .lines()
    .last()
    .unwrap()
    .to_string();
    let (mut child, lines) = spawn_logged(
        Command::new(BIN)
            .arg("serve")
            .env_clear()
            .env("ADUAN_CONFIG", &config)
            .env("ADUAN_OFICE_NAME", "typo")
            .current_dir(&dir.0),
    );
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    let started = Instant::now();
    while client.get(format!("{base}/healthz")).send().await.is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "server did not start on the configured port: {:?}",
            lines.lock().unwrap()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // tracking_prefix = "KPG"
    let r = client
        .post(format!("{base}/api/v1/complaints"))
        .bearer_auth(&key)
        .json(&{
            // a fresh office has no categories yet (ADR 0030)
            let mut body = crate::helpers::valid_complaint("letter");
            body["category"] = Value::Null;
            body
        })
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let v: Value = r.json().await.unwrap();
    let number = v["tracking_number"].as_str().unwrap().to_string();
    assert!(number.starts_with("KPG-"), "{number}");
    // office_timezone = "Asia/Jayapura": the deadline is the end of a WIT day
    assert!(v["due_at"].as_str().unwrap().ends_with("T14:59:59Z"), "{v}");
    // public_rate_limit = 7 look-ups a minute
    let code = v["access_code"].as_str().unwrap().to_string();
    // the complainant's page takes the code posted, never in the URL
    let r = client
        .post(format!("{base}/lacak"))
        .form(&[("number", number.as_str()), ("code", code.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains(&number));
    let mut statuses = vec![];
    for _ in 0..7 {
        let r = client
            .get(format!(
                "{base}/api/v1/public/complaints/{number}?code={code}"
            ))
            .send()
            .await
            .unwrap();
        statuses.push(r.status().as_u16());
    }
    assert_eq!(statuses, [200, 200, 200, 200, 200, 200, 429]);
    // max_attachment_bytes = 2048
    let id = v["id"].as_str().unwrap();
    let part = reqwest::multipart::Part::bytes(vec![b'x'; 4096])
        .file_name("surat.pdf")
        .mime_str("application/pdf")
        .unwrap();
    let r = client
        .post(format!("{base}/api/v1/complaints/{id}/attachments"))
        .bearer_auth(&key)
        .multipart(reqwest::multipart::Form::new().part("file", part))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 413);
    // log_format = "json", log = "debug"; the misspelt variable is named
    {
        let lines = lines.lock().unwrap();
        // at debug level, with the code in a query string and in a form:
        // no log line holds it
        assert!(
            lines
                .iter()
                .any(|l| l.contains("/lacak") || l.contains("public")),
            "requests are logged: {lines:?}"
        );
        assert!(
            !lines
                .iter()
                .any(|l| l.contains(&code) || l.contains(&code.replace('-', ""))),
            "the access code reached the log"
        );
        assert!(
            lines.iter().any(|l| l.contains(
                "unknown setting ADUAN_OFICE_NAME is ignored (did you mean ADUAN_OFFICE_NAME?)"
            )),
            "{lines:?}"
        );
        assert!(
            lines
                .iter()
                .any(|l| l.starts_with('{') && l.contains("\"level\":\"DEBUG\""))
        );
    }
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let deadline = Instant::now() + Duration::from_secs(30);
    let exit = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(Instant::now() < deadline, "no exit after SIGTERM");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(exit.success(), "clean exit after SIGTERM: {exit:?}");
    assert!(
        lines
            .lock()
            .unwrap()
            .iter()
            .any(|l| l.contains("stopping workers")),
        "workers stopped after the HTTP server"
    );
}

/// Starts the command with its stdout and stderr collected line by line.
fn spawn_logged(cmd: &mut Command) -> (std::process::Child, Arc<Mutex<Vec<String>>>) {
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let lines = Arc::new(Mutex::new(Vec::<String>::new()));
    for stream in [
        Box::new(child.stdout.take().unwrap()) as Box<dyn std::io::Read + Send>,
        Box::new(child.stderr.take().unwrap()),
    ] {
        let lines = lines.clone();
        std::thread::spawn(move || {
            for l in BufReader::new(stream).lines().map_while(Result::ok) {
                lines.lock().unwrap().push(l);
            }
        });
    }
    (child, lines)
}

/// Starts `aduan serve` on a free port over `dir`'s SQLite; the log lines are collected.
fn serve(dir: &TempDir) -> (std::process::Child, Arc<Mutex<Vec<String>>>, String) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let (child, lines) = spawn_logged(
        Command::new(BIN)
            .arg("serve")
            .env_clear()
            .env(
                "DATABASE_URL",
                format!("sqlite://{}/aduan.db", dir.0.display()),
            )
            .env("ADUAN_DATA_DIR", dir.0.display().to_string())
            .env("ADUAN_LISTEN", format!("127.0.0.1:{port}"))
            .env("ADUAN_LOG", "debug")
            .current_dir(&dir.0),
    );
    (child, lines, format!("http://127.0.0.1:{port}"))
}

/// The first admin on a fresh install: `aduan user create` prints the
/// one-time link alone on the last line (or takes the password on stdin);
/// the person signs in; no password, link token or code reaches the log.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_first_admin_comes_from_the_cli_and_signs_in() {
    use std::io::Write;
    let dir = TempDir::new();
    let out = aduan(
        &dir,
        &[
            "user",
            "create",
            "--login",
            "Admin@Dinsos.example.go.id",
            "--role",
            "admin",
        ],
    );
    assert!(out.status.success(), "{out:?}");
    let text = stdout(&out);
    let link = text.lines().last().unwrap().to_string();
    assert!(
        link.starts_with("http://127.0.0.1:8080/akun/sandi/") && !link.contains(' '),
        "{text}"
    );
    let token = link.rsplit('/').next().unwrap().to_string();

    let with_stdin = |login: &str, password: &str| {
        let mut child = Command::new(BIN)
            .args([
                "user",
                "create",
                "--login",
                login,
                "--role",
                "head",
                "--password-stdin",
            ])
            .env_clear()
            .env(
                "DATABASE_URL",
                format!("sqlite://{}/aduan.db", dir.0.display()),
            )
            .env("ADUAN_DATA_DIR", dir.0.display().to_string())
            .current_dir(&dir.0)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        writeln!(child.stdin.take().unwrap(), "{password}").unwrap();
        child.wait_with_output().unwrap()
    };
    let weak = with_stdin("kadis@dinsos.example.go.id", "password123");
    assert!(!weak.status.success());
    assert!(
        String::from_utf8_lossy(&weak.stderr)
            .contains("--password is one of the most common passwords")
    );
    let ok = with_stdin(
        "kadis@dinsos.example.go.id",
        "sembilan naga di pantai lasiana",
    );
    assert!(ok.status.success(), "{ok:?}");
    let taken = with_stdin(
        "kadis@dinsos.example.go.id",
        "sembilan naga di pantai lasiana",
    );
    assert!(String::from_utf8_lossy(&taken.stderr).contains("is taken"));
    let list = stdout(&aduan(&dir, &["user", "list"]));
    assert!(
        list.contains("admin@dinsos.example.go.id") && list.contains("kadis@dinsos.example.go.id")
    );

    let (mut child, lines, base) = serve(&dir);
    let client = reqwest::Client::new();
    let started = Instant::now();
    while client.get(format!("{base}/healthz")).send().await.is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "no start: {:?}",
            lines.lock().unwrap()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let admin_password = "tiga kapal layar di teluk kupang";
    let r = client
        .post(format!("{base}/api/v1/auth/password"))
        .json(&json!({"token": token, "password": admin_password}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let r = client
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"login": "admin@dinsos.example.go.id", "password": admin_password}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    // admins must enrol two-factor before they work (ADUAN_REQUIRE_2FA)
    assert_eq!(v["must_enrol_totp"], true);
    let r = client
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"login": "kadis@dinsos.example.go.id", "password": "sembilan naga di pantai lasiana"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let _ = client
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"login": "kadis@dinsos.example.go.id", "password": "salah kata sandi ini"}))
        .send()
        .await
        .unwrap();
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let _ = child.wait();
    let log = lines.lock().unwrap().join("\n");
    assert!(log.contains("signed in"), "{log}");
    for secret in [admin_password, "sembilan naga", "salah kata sandi", &token] {
        assert!(!log.contains(secret), "{secret} in the log");
    }
}

/// `aduan keys rotate` re-seals what the service stored under a new master
/// key, with progress on stderr; the old key can then be retired and the
/// data still reads.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_rotate_and_retire_from_the_cli() {
    use aduan::domain::{ComplaintInput, NewComplaint, Reporter, TrackingPrefix};
    use aduan::store::{Actor, CreateComplaint, CreateOutcome};
    let dir = TempDir::new();
    assert!(aduan(&dir, &["migrate"]).status.success());
    let key_file = dir.0.join("secret.key");
    let open = || async {
        let (vault, created) = aduan::vault::Vault::load_or_create(&key_file).unwrap();
        assert!(!created, "the first start made the keyring");
        aduan::store::connect(
            &format!("sqlite://{}/aduan.db", dir.0.display()),
            2,
            std::time::Duration::from_secs(5),
            std::sync::Arc::new(vault),
        )
        .await
        .unwrap()
    };
    let store = open().await;
    let mut c = NewComplaint::parse(
        ComplaintInput {
            channel: Some("api".into()),
            subject: Some("Bantuan".into()),
            body: Some("isi".into()),
            ..Default::default()
        },
        chrono::Utc::now(),
    )
    .unwrap();
    c.reporter = Reporter {
        name: Some("Rotasi Lewat CLI".into()),
        ..Default::default()
    };
    let CreateOutcome::Created(created) = store
        .create_complaint(CreateComplaint {
            id: uuid::Uuid::now_v7(),
            complaint: &c,
            replay_code: "",
            access_digest: "d",
            prefix: &TrackingPrefix::parse("ADU").unwrap(),
            year: 2026,
            actor: &Actor::cli(),
            idempotency: None,
            now: chrono::Utc::now(),
            deadline: aduan::domain::deadline::deadline_for(
                &c,
                &aduan::domain::deadline::SlaPolicies::default(),
                &aduan::domain::calendar::WorkingCalendar::default(),
                chrono_tz::Asia::Makassar,
                None,
            ),
            outbox: None,
            source_key: None,
            intake: None,
        })
        .await
        .unwrap()
    else {
        panic!("not created")
    };
    drop(store);

    let out = aduan(&dir, &["keys", "rotate"]);
    assert!(out.status.success(), "{out:?}");
    let text = stdout(&out);
    assert!(text.contains("under key 2"), "{text}");
    assert!(text.contains("key 1: seals 0 stored values"), "{text}");
    assert!(
        text.contains("key 2 (primary): seals 1 stored values"),
        "{text}"
    );
    let progress = String::from_utf8_lossy(&out.stderr);
    assert!(progress.contains("100%"), "progress bar: {progress}");
    let out = aduan(&dir, &["keys", "retire", "2"]);
    assert!(!out.status.success(), "the primary key cannot be retired");
    let out = aduan(&dir, &["keys", "retire", "1"]);
    assert!(out.status.success(), "{out:?}");
    let text = stdout(&aduan(&dir, &["keys", "status"]));
    assert_eq!(text.trim(), "key 2 (primary): seals 1 stored values");
    let store = open().await;
    let got = store.get_complaint(created.id).await.unwrap().unwrap();
    assert_eq!(got.reporter.name.as_deref(), Some("Rotasi Lewat CLI"));
}

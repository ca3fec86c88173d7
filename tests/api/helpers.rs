//! Test harness: a real server on port 0 over a fresh database per test
//! (a SQLite file in a temporary directory, or a new PostgreSQL database on
//! the server named by `ADUAN_TEST_POSTGRES_URL`).

use std::path::PathBuf;

use aduan::api::auth::new_token;
use aduan::config::Settings;
use aduan::domain::Role;
use aduan::startup::Application;
use aduan::store::{self, ApiKey, DynStore};
use chrono::Utc;
use serde_json::{Value, json};
use sqlx::Connection;
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Runs each listed `async fn name(backend: Backend)` once per backend.
macro_rules! both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $( #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
               async fn $name() { super::$name($crate::helpers::Backend::Sqlite).await } )*
        }
        mod postgres {
            $( #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
               async fn $name() { super::$name($crate::helpers::Backend::Postgres).await } )*
        }
    };
}
pub(crate) use both_backends;

/// A fresh database of the given backend: `(DATABASE_URL, data dir)`, or
/// `None` when PostgreSQL is not configured (a failure under `CI=true`).
pub async fn fresh_database(backend: Backend) -> Option<(String, TempDir)> {
    let dir = TempDir::new();
    match backend {
        Backend::Sqlite => Some((format!("sqlite://{}/aduan.db", dir.0.display()), dir)),
        Backend::Postgres => {
            let Ok(admin_url) = std::env::var("ADUAN_TEST_POSTGRES_URL") else {
                if std::env::var("CI").is_ok_and(|v| v == "true") {
                    panic!(
                        "CI=true but ADUAN_TEST_POSTGRES_URL is not set: the PostgreSQL leg must run"
                    );
                }
                eprintln!("skipping PostgreSQL leg: ADUAN_TEST_POSTGRES_URL is not set");
                return None;
            };
            let name = format!("aduan_t_{}", Uuid::now_v7().simple());
            let mut conn = sqlx::PgConnection::connect(&admin_url)
                .await
                .expect("connect to the PostgreSQL test server");
            sqlx::query(&format!("CREATE DATABASE {name}"))
                .execute(&mut conn)
                .await
                .expect("create test database");
            let base = admin_url
                .rsplit_once('/')
                .map(|(b, _)| b)
                .unwrap_or(&admin_url);
            Some((format!("{base}/{name}"), dir))
        }
    }
}

/// A migrated store on a fresh database.
pub async fn fresh_store(backend: Backend) -> Option<(DynStore, TempDir)> {
    let (url, dir) = fresh_database(backend).await?;
    let vault = std::sync::Arc::new(aduan::vault::Vault::ephemeral());
    let store = store::connect(&url, 4, std::time::Duration::from_secs(5), vault)
        .await
        .expect("connect store");
    store::prepare(store.as_ref())
        .await
        .expect("migrate and seed");
    Some((store, dir))
}

pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new() -> Self {
        let p = std::env::temp_dir().join(format!("aduan-test-{}", Uuid::now_v7().simple()));
        std::fs::create_dir_all(&p).expect("temp dir");
        TempDir(p)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub struct TestApp {
    pub database_url: String,
    pub address: String,
    pub settings: std::sync::Arc<Settings>,
    pub client: reqwest::Client,
    pub store: DynStore,
    pub data_dir: PathBuf,
    _dir: TempDir,
}

pub async fn spawn_app(backend: Backend) -> Option<TestApp> {
    spawn_app_with(backend, |_| {}).await
}

pub async fn spawn_app_with(
    backend: Backend,
    adjust: impl FnOnce(&mut Settings),
) -> Option<TestApp> {
    let (url, dir) = fresh_database(backend).await?;
    Some(spawn_app_at(url, dir, adjust).await)
}

/// A second service instance on the same database as `app` (another replica).
/// Replicas share the database and the server key (as they must in production).
pub async fn spawn_replica(app: &TestApp, adjust: impl FnOnce(&mut Settings)) -> TestApp {
    let key = app.settings.secret_key_file.clone();
    spawn_app_at(app.database_url.clone(), TempDir::new(), move |s| {
        s.secret_key_file = key;
        adjust(s)
    })
    .await
}

pub async fn spawn_app_at(
    url: String,
    dir: TempDir,
    adjust: impl FnOnce(&mut Settings),
) -> TestApp {
    let database_url = url.clone();
    let data_dir = dir.0.clone();
    let env: std::collections::BTreeMap<String, String> = [
        ("DATABASE_URL", url.clone()),
        ("ADUAN_LISTEN", "127.0.0.1:0".into()),
        ("ADUAN_DATA_DIR", data_dir.display().to_string()),
        ("ADUAN_TRACKING_PREFIX", "DINSOS".into()),
        ("ADUAN_DB_MAX_CONNECTIONS", "8".into()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    let mut settings = Settings::load(&env).expect("test settings");
    adjust(&mut settings);
    let kept = std::sync::Arc::new(settings.clone());
    let app = Application::build(settings).await.expect("build app");
    let port = app.port();
    let store = app.store();
    // the office's categories the tests' complaints use (a managed list, issue 33)
    for name in ["Bantuan Sosial", "Program Keluarga Harapan (PKH)"] {
        store
            .add_category(&aduan::domain::category::Category {
                key: aduan::domain::category::key(name),
                name: name.into(),
                active: true,
            })
            .await
            .expect("a category");
    }
    tokio::spawn(app.run_until_stopped());
    TestApp {
        database_url,
        settings: kept,
        address: format!("http://127.0.0.1:{port}"),
        client: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client"),
        store,
        data_dir,
        _dir: dir,
    }
}

/// Creates a key directly in the store (as `aduan apikey create` does).
pub async fn create_key(store: &DynStore, role: Role, name: &str) -> (String, Uuid) {
    let (token, digest, hint) = new_token();
    let key = ApiKey {
        id: Uuid::now_v7(),
        name: name.into(),
        role,
        hint,
        created_at: Utc::now(),
        revoked_at: None,
        officer: None,
    };
    store
        .insert_api_key(&key, &digest)
        .await
        .expect("insert key");
    (token, key.id)
}

impl TestApp {
    /// Runs one statement with one text parameter on the app's database.
    pub async fn exec_sql(&self, sql: &str, param: Option<&str>) {
        use sqlx::Connection;
        if self.database_url.starts_with("sqlite") {
            let mut c = sqlx::SqliteConnection::connect(&self.database_url)
                .await
                .unwrap();
            let mut q = sqlx::query(sql);
            if let Some(p) = param {
                q = q.bind(p);
            }
            q.execute(&mut c).await.unwrap();
        } else {
            let mut c = sqlx::PgConnection::connect(&self.database_url)
                .await
                .unwrap();
            let mut q = sqlx::query(sql);
            if let Some(p) = param {
                q = q.bind(p);
            }
            q.execute(&mut c).await.unwrap();
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub async fn key(&self, role: Role) -> String {
        create_key(&self.store, role, &format!("test {role}"))
            .await
            .0
    }

    pub async fn post_complaint(&self, key: &str, body: &Value) -> reqwest::Response {
        self.client
            .post(self.url("/api/v1/complaints"))
            .bearer_auth(key)
            .json(body)
            .send()
            .await
            .expect("request")
    }

    pub async fn get(&self, key: &str, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .bearer_auth(key)
            .send()
            .await
            .expect("request")
    }

    /// Every complaint visible to `key`, following cursors.
    pub async fn list_all(&self, key: &str, query: &str, limit: u32) -> Vec<Value> {
        self.list_all_at(key, &format!("/api/v1/complaints?x=1{query}"), limit)
            .await
    }

    /// Every item of a paged list at `base` (which has a query string), following cursors.
    pub async fn list_all_at(&self, key: &str, base: &str, limit: u32) -> Vec<Value> {
        let mut out = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let mut path = format!("{base}&limit={limit}");
            if let Some(c) = &cursor {
                path.push_str(&format!("&cursor={c}"));
            }
            let r = self.get(key, &path).await;
            assert_eq!(r.status(), 200, "list {path}");
            let page: Value = r.json().await.expect("json");
            out.extend(page["items"].as_array().expect("items").iter().cloned());
            match page["next_cursor"].as_str() {
                Some(c) => cursor = Some(c.to_string()),
                None => return out,
            }
        }
    }
}

/// The text of a PDF as a reader extracts it (`pdftotext -layout`), and
/// its page size and fonts (`pdfinfo`, `pdffonts`); `None` (a skipped check)
/// when poppler-utils is missing, which fails under CI=true.
pub fn pdf_text(bytes: &[u8]) -> Option<(String, String, String)> {
    let have = std::process::Command::new("pdftotext")
        .arg("-v")
        .output()
        .is_ok();
    if !have {
        assert!(
            std::env::var("CI").is_err(),
            "pdftotext (poppler-utils) is required under CI (scripts/test installs it)"
        );
        eprintln!("skipping the PDF's text: pdftotext not installed");
        return None;
    }
    let dir = TempDir::new();
    let file = dir.0.join("doc.pdf");
    std::fs::write(&file, bytes).unwrap();
    let run = |cmd: &str, args: &[&str]| {
        let out = std::process::Command::new(cmd)
            .args(args)
            .arg(&file)
            .args(if cmd == "pdftotext" {
                vec!["-"]
            } else {
                vec![]
            })
            .output()
            .unwrap();
        assert!(out.status.success(), "{cmd}: {out:?}");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    Some((
        run("pdftotext", &["-layout"]),
        run("pdfinfo", &[]),
        run("pdffonts", &[]),
    ))
}

/// A valid complaint for each channel, with the identity that channel requires.
pub fn valid_complaint(channel: &str) -> Value {
    let reporter = match channel {
        "face_to_face" => json!({"name": "Maria Goreti", "id_number": "5371014101900001"}),
        "suggestion_box" => json!({"name": "Yohanes Bria", "address": "Jl. Timor Raya, Oesapa"}),
        "letter" => json!({"name": "Agustinus Lay", "phone": "081237001234"}),
        "lapor" => json!({"name": "Fransiska Ina", "address": "Kel. Oebobo, Kupang"}),
        "email" => json!({"name": "Dewi Lestari", "email": "dewi@example.id"}),
        _ => json!({}),
    };
    json!({
        "channel": channel,
        "kind": "complaint",
        "subject": "Bantuan PKH belum diterima",
        "body": "Sudah tiga bulan bantuan PKH keluarga kami belum cair.",
        "category": "bantuan sosial",
        "reporter": reporter,
    })
}

pub const CHANNELS: [&str; 7] = [
    "face_to_face",
    "suggestion_box",
    "letter",
    "email",
    "lapor",
    "api",
    "other",
];

/// Asserts an RFC 7807 body with this status; returns it.
pub async fn assert_problem(r: reqwest::Response, status: u16) -> Value {
    assert_eq!(r.status().as_u16(), status, "status");
    let ct = r
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    assert_eq!(ct, "application/problem+json", "content type");
    let v: Value = r.json().await.expect("problem json");
    assert_eq!(v["status"], status);
    assert!(v["title"].is_string() && v["type"].is_string());
    v
}

/// The sorted list of fields named in a validation problem.
pub fn problem_fields(v: &Value) -> Vec<String> {
    let mut f: Vec<String> = v["errors"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|e| e["field"].as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default();
    f.sort();
    f
}

/// Starts one of our simulator binaries (`lapor-sim`, `wa-sim`) with `args`
/// and reads where it listens from its first line (`<name> listening on <url>`).
pub fn start_simulator(bin: &str, name: &str, args: &[&str]) -> (std::process::Child, String) {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};
    let mut child = Command::new(bin)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("start {name}: {e}"));
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .unwrap_or_else(|e| panic!("{name} says where it listens: {e}"));
    let url = line
        .trim()
        .strip_prefix(&format!("{name} listening on "))
        .unwrap_or_else(|| panic!("unexpected first line of {name}: {line}"))
        .to_string();
    (child, url)
}

//! Group commit (docs/adr/0027): registrations that arrive together share a
//! transaction, and keep every promise a registration alone makes —
//! gapless numbers, idempotent replays, nothing acknowledged ever lost,
//! nothing written twice, even when the process is killed mid-batch.

use std::collections::{BTreeMap, BTreeSet};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::helpers::*;

both_backends!(
    concurrent_registrations_keep_numbers_gapless_and_replays_exact,
    kill_9_during_group_commits_loses_no_acknowledged_complaint_and_duplicates_none,
);

fn numbers_are_gapless(numbers: &BTreeSet<String>, prefix: &str, count: usize) {
    let year = numbers
        .iter()
        .next()
        .and_then(|n| n.split('-').nth(1))
        .unwrap_or("")
        .to_string();
    let expected: BTreeSet<String> = (1..=count)
        .map(|i| format!("{prefix}-{year}-{i:06}"))
        .collect();
    assert_eq!(*numbers, expected, "tracking numbers 1..{count}, no gap");
}

/// Forty-eight registrations at once: 32 different ones, and 8 pairs of the
/// same request sent twice with one Idempotency-Key. Each pair is one
/// complaint; the 40 complaints are numbered 1..40 without a gap.
async fn concurrent_registrations_keep_numbers_gapless_and_replays_exact(b: Backend) {
    let Some(app) = spawn_app(b).await else {
        return;
    };
    let app = Arc::new(app);
    let key = app.key(aduan::domain::Role::Reception).await;
    let mut tasks = vec![];
    for i in 0..48usize {
        let (app, key) = (app.clone(), key.clone());
        tasks.push(tokio::spawn(async move {
            let (subject, idem) = if i < 32 {
                (format!("Serentak {i}"), format!("unik-{i}"))
            } else {
                let pair = (i - 32) / 2;
                (format!("Pasangan {pair}"), format!("pasangan-{pair}"))
            };
            let mut body = valid_complaint("letter");
            body["subject"] = json!(subject);
            let r = app
                .client
                .post(app.url("/api/v1/complaints"))
                .bearer_auth(&key)
                .header("Idempotency-Key", &idem)
                .json(&body)
                .send()
                .await
                .unwrap();
            let status = r.status().as_u16();
            let v: Value = r.json().await.unwrap();
            (idem, status, v)
        }));
    }
    let mut by_key: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut numbers = BTreeSet::new();
    for t in tasks {
        let (idem, status, v) = t.await.unwrap();
        assert!(status == 201 || status == 200, "{status}: {v}");
        by_key
            .entry(idem)
            .or_default()
            .insert(v["id"].as_str().unwrap().to_string());
        numbers.insert(v["tracking_number"].as_str().unwrap().to_string());
    }
    assert_eq!(by_key.len(), 40);
    for (k, ids) in &by_key {
        assert_eq!(ids.len(), 1, "one complaint for the key {k}: {ids:?}");
    }
    numbers_are_gapless(&numbers, "DINSOS", 40);
    let listed = app.list_all(&key, "", 100).await;
    assert_eq!(listed.len(), 40, "exactly the complaints acknowledged");
}

const BIN: &str = env!("CARGO_BIN_EXE_aduan");

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn aduan_env(cmd: &mut Command, url: &str, dir: &TempDir) {
    cmd.env_clear()
        .env("DATABASE_URL", url)
        .env("ADUAN_DATA_DIR", dir.0.display().to_string())
        .env("ADUAN_TRACKING_PREFIX", "DINSOS")
        .env("ADUAN_LOG", "warn")
        .current_dir(&dir.0);
}

/// The service process, killed when the test ends (a failed assertion too).
struct Service(Child);

impl Drop for Service {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

async fn start(url: &str, dir: &TempDir, port: u16) -> Service {
    let mut cmd = Command::new(BIN);
    cmd.arg("serve");
    aduan_env(&mut cmd, url, dir);
    let child = cmd
        .env("ADUAN_LISTEN", format!("127.0.0.1:{port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    let client = reqwest::Client::new();
    while Instant::now() < deadline {
        if client
            .get(format!("http://127.0.0.1:{port}/readyz"))
            .send()
            .await
            .is_ok_and(|r| r.status() == 200)
        {
            return Service(child);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    drop(Service(child));
    panic!("aduan did not become ready");
}

fn body_for(key: &str) -> Value {
    let mut body = valid_complaint("letter");
    body["subject"] = json!(format!("Kiriman {key}"));
    // the service binary starts with no categories (ADR 0030)
    body["category"] = Value::Null;
    body
}

/// Sixteen clients register as fast as they can, each request with its own
/// Idempotency-Key; the process is killed with SIGKILL in the middle. After
/// a restart every acknowledged complaint is there, with its number; every
/// request sent again with its key finds its complaint or makes it once; in
/// the end there is one complaint per key, numbered without a gap.
async fn kill_9_during_group_commits_loses_no_acknowledged_complaint_and_duplicates_none(
    b: Backend,
) {
    let Some((url, dir)) = fresh_database(b).await else {
        return;
    };
    let mut cmd = Command::new(BIN);
    cmd.args(["apikey", "create", "--name", "beban", "--role", "admin"]);
    aduan_env(&mut cmd, &url, &dir);
    let out = cmd.output().unwrap();
    assert!(out.status.success(), "{out:?}");
    let key = String::from_utf8_lossy(&out.stdout)
        .lines()
        .last()
        .unwrap()
        .trim()
        .to_string();
    let port = free_port();
    let mut service = start(&url, &dir, port).await;
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(32)
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();

    // key → (id, tracking number) of the 201s; every key sent
    let acked = Arc::new(std::sync::Mutex::new(
        BTreeMap::<String, (String, String)>::new(),
    ));
    let sent = Arc::new(std::sync::Mutex::new(BTreeSet::<String>::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let mut clients = vec![];
    for c in 0..16 {
        let (client, base, key) = (client.clone(), base.clone(), key.clone());
        let (acked, sent, stop) = (acked.clone(), sent.clone(), stop.clone());
        clients.push(tokio::spawn(async move {
            let mut i = 0;
            while !stop.load(Ordering::Relaxed) {
                let idem = format!("k-{c}-{i}");
                i += 1;
                sent.lock().unwrap().insert(idem.clone());
                let r = client
                    .post(format!("{base}/api/v1/complaints"))
                    .bearer_auth(&key)
                    .header("Idempotency-Key", &idem)
                    .json(&body_for(&idem))
                    .send()
                    .await;
                let Ok(r) = r else { break };
                if r.status() != 201 {
                    break;
                }
                let Ok(v) = r.json::<Value>().await else {
                    break;
                };
                acked.lock().unwrap().insert(
                    idem,
                    (
                        v["id"].as_str().unwrap().to_string(),
                        v["tracking_number"].as_str().unwrap().to_string(),
                    ),
                );
            }
        }));
    }
    // kill once a good number is acknowledged (writes in flight by then)
    let deadline = Instant::now() + Duration::from_secs(60);
    while acked.lock().unwrap().len() < 300 {
        assert!(Instant::now() < deadline, "registrations too slow");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let killed = Command::new("kill")
        .args(["-KILL", &service.0.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let _ = service.0.wait();
    stop.store(true, Ordering::Relaxed);
    for c in clients {
        c.await.unwrap();
    }
    let acked = acked.lock().unwrap().clone();
    let sent = sent.lock().unwrap().clone();
    assert!(
        sent.len() > acked.len(),
        "requests were in flight at the kill"
    );

    let _service = start(&url, &dir, port).await;
    // every acknowledged complaint is there, as acknowledged
    for (idem, (id, number)) in &acked {
        let r = client
            .get(format!("{base}/api/v1/complaints/{id}"))
            .bearer_auth(&key)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "acknowledged complaint {idem} lost");
        let v: Value = r.json().await.unwrap();
        assert_eq!(v["tracking_number"].as_str(), Some(number.as_str()));
    }
    // every request again, with its key: the same complaint, or made once now
    let mut ids = BTreeSet::new();
    for idem in &sent {
        let r = client
            .post(format!("{base}/api/v1/complaints"))
            .bearer_auth(&key)
            .header("Idempotency-Key", idem)
            .json(&body_for(idem))
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        let replayed = r.headers().contains_key("idempotent-replayed");
        let v: Value = r.json().await.unwrap();
        assert!(status == 200 || status == 201, "{idem}: {status} {v}");
        let id = v["id"].as_str().unwrap().to_string();
        if let Some((first, _)) = acked.get(idem) {
            assert_eq!(&id, first, "the replay of {idem} is its complaint");
            assert!(replayed, "an acknowledged request is replayed");
        }
        assert!(ids.insert(id), "two keys, one complaint?");
    }
    // one complaint per key, none twice, numbered 1..n
    let mut numbers = BTreeSet::new();
    let mut subjects = BTreeSet::new();
    let mut after: Option<String> = None;
    loop {
        let mut u = format!("{base}/api/v1/complaints?limit=200");
        if let Some(a) = &after {
            u.push_str(&format!("&cursor={a}"));
        }
        let v: Value = client
            .get(u)
            .bearer_auth(&key)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        for c in v["items"].as_array().unwrap() {
            assert!(
                subjects.insert(c["subject"].as_str().unwrap().to_string()),
                "a request registered twice: {}",
                c["subject"]
            );
            numbers.insert(c["tracking_number"].as_str().unwrap().to_string());
        }
        match v["next_cursor"].as_str() {
            Some(n) => after = Some(n.to_string()),
            None => break,
        }
    }
    assert_eq!(subjects.len(), sent.len(), "one complaint per request sent");
    numbers_are_gapless(&numbers, "DINSOS", sent.len());
}

//! The database goes away and comes back: requests get a quick 503 with
//! `Retry-After` (never a 500 after a long hang), /readyz says so within a
//! second, and intake works again without a restart.
//!
//! PostgreSQL is reached through a TCP relay the test can cut, so only this
//! test's connections break, not the shared test server.

use std::sync::Arc;
use std::time::{Duration, Instant};

use aduan::domain::Role;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Mutex;
use tokio::task::JoinHandle;

use crate::helpers::{Backend, assert_problem, fresh_database, spawn_app_at, valid_complaint};

/// A loopback relay to PostgreSQL that can be cut (the port stops
/// listening and every open connection is reset, as when the server is
/// down) and restored on the same port.
struct Relay {
    port: u16,
    target: String,
    accept: Mutex<Option<JoinHandle<()>>>,
    conns: Arc<Mutex<Vec<JoinHandle<()>>>>,
}

impl Relay {
    async fn start(target: String) -> Relay {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let relay = Relay {
            port,
            target,
            accept: Mutex::new(None),
            conns: Arc::default(),
        };
        relay.serve(listener).await;
        relay
    }

    async fn serve(&self, listener: TcpListener) {
        let (target, conns) = (self.target.clone(), self.conns.clone());
        let h = tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                let target = target.clone();
                let h = tokio::spawn(async move {
                    if let Ok(mut outbound) = TcpStream::connect(&target).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
                conns.lock().await.push(h);
            }
        });
        *self.accept.lock().await = Some(h);
    }

    async fn cut(&self) {
        if let Some(h) = self.accept.lock().await.take() {
            h.abort();
            let _ = h.await;
        }
        for h in self.conns.lock().await.drain(..) {
            h.abort();
        }
    }

    async fn restore(&self) {
        let listener = TcpListener::bind(("127.0.0.1", self.port)).await.unwrap();
        self.serve(listener).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_outage_is_a_quick_503_and_recovery_needs_no_restart() {
    let Some((url, dir)) = fresh_database(Backend::Postgres).await else {
        return;
    };
    // postgres://user@host:port/db → the relay in front of host:port
    let (scheme_user, rest) = url.split_once('@').unwrap();
    let (hostport, db) = rest.split_once('/').unwrap();
    let relay = Relay::start(hostport.to_string()).await;
    let relayed = format!("{scheme_user}@127.0.0.1:{}/{db}", relay.port);
    let app = spawn_app_at(relayed, dir, |_| {}).await;
    let key = app.key(Role::Reception).await;
    let r = app.post_complaint(&key, &valid_complaint("letter")).await;
    assert_eq!(r.status(), 201);

    relay.cut().await;
    for _ in 0..3 {
        let t = Instant::now();
        let r = app.post_complaint(&key, &valid_complaint("letter")).await;
        let took = t.elapsed();

        assert_eq!(
            r.headers().get("retry-after").and_then(|v| v.to_str().ok()),
            Some("5")
        );
        let p = assert_problem(r, 503).await;
        assert!(took < Duration::from_secs(1), "503 after {took:?}");
        assert!(p["type"].as_str().unwrap().ends_with("/unavailable"), "{p}");

        let t = Instant::now();
        let r = app.client.get(app.url("/readyz")).send().await.unwrap();
        assert_eq!(r.status(), 503);
        assert!(
            t.elapsed() < Duration::from_secs(1),
            "/readyz after {:?}",
            t.elapsed()
        );
    }

    relay.restore().await;
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let r = app.post_complaint(&key, &valid_complaint("letter")).await;
        if r.status() == 201 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "intake did not recover: {}",
            r.status()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let r = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(r.status(), 200);
}

//! The mailbox reader against a real IMAP server: Dovecot (Debian's
//! dovecot-imapd), started here on a loopback port with a throwaway maildir.

use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use aduan::config::{ImapSettings, ImapTls};
use aduan::domain::Role;
use aduan::notify::Dispatcher;
use chrono::Utc;
use serde_json::Value;

use crate::email::fixture;
use crate::helpers::*;
use crate::outbox::app_with_sink;

both_backends!(
    new_mail_becomes_complaints_once_across_polls_and_a_restart,
    an_unreachable_mailbox_is_reported_and_retried_later,
);

const USER: &str = "pengaduan";
const PASS: &str = "sandi-uji";

pub struct Dovecot {
    child: Child,
    pub port: u16,
    _dir: TempDir,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

impl Dovecot {
    /// `None` (skip) when Dovecot is not installed, unless CI=true.
    pub fn start() -> Option<Dovecot> {
        let bin = ["/usr/sbin/dovecot", "/usr/local/sbin/dovecot"]
            .into_iter()
            .find(|p| std::path::Path::new(p).exists());
        let Some(bin) = bin else {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "CI=true but Dovecot is not installed: scripts/test installs dovecot-imapd"
            );
            eprintln!("skipping IMAP test: Dovecot is not installed");
            return None;
        };
        let dir = TempDir::new();
        let d = dir.0.display().to_string();
        let mail = dir.0.join("mail");
        std::fs::create_dir_all(&mail).unwrap();
        // the mail processes run as the `dovecot` user
        for p in [&dir.0, &mail] {
            let _ = Command::new("chmod")
                .args(["777", &p.display().to_string()])
                .status();
        }
        let port = free_port();
        let conf = format!(
            "protocols = imap\nlisten = 127.0.0.1\nbase_dir = {d}/run\nstate_dir = {d}/state\n\
             log_path = {d}/dovecot.log\nssl = no\ndisable_plaintext_auth = no\n\
             auth_mechanisms = plain login\nmail_location = maildir:{d}/mail/%u\nfirst_valid_uid = 1\n\
             passdb {{\n driver = passwd-file\n args = scheme=PLAIN username_format=%u {d}/passwd\n}}\n\
             userdb {{\n driver = static\n args = uid=dovecot gid=dovecot home={d}/mail/%u\n}}\n\
             service imap-login {{\n chroot =\n inet_listener imap {{\n  address = 127.0.0.1\n  port = {port}\n }}\n \
             inet_listener imaps {{\n  port = 0\n }}\n}}\nservice anvil {{\n chroot =\n}}\n\
             namespace inbox {{\n inbox = yes\n mailbox Selesai {{\n  auto = create\n }}\n}}\n"
        );
        std::fs::write(dir.0.join("dovecot.conf"), conf).unwrap();
        std::fs::write(dir.0.join("passwd"), format!("{USER}:{{PLAIN}}{PASS}\n")).unwrap();
        let child = Command::new(bin)
            .args(["-F", "-c", &format!("{d}/dovecot.conf")])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start dovecot");
        let started = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(15),
                "dovecot did not start: {}",
                std::fs::read_to_string(dir.0.join("dovecot.log")).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        Some(Dovecot {
            child,
            port,
            _dir: dir,
        })
    }

    pub fn settings(&self, done_folder: Option<&str>) -> ImapSettings {
        ImapSettings {
            host: "127.0.0.1".into(),
            port: self.port,
            tls: ImapTls::None,
            username: USER.into(),
            password: PASS.into(),
            folder: "INBOX".into(),
            done_folder: done_folder.map(str::to_string),
            poll_secs: 86_400,
        }
    }

    async fn session(&self) -> async_imap::Session<tokio::net::TcpStream> {
        let tcp = tokio::net::TcpStream::connect(("127.0.0.1", self.port))
            .await
            .unwrap();
        let mut client = async_imap::Client::new(tcp);
        client.read_response().await.unwrap();
        client.login(USER, PASS).await.map_err(|e| e.0).unwrap()
    }

    /// Delivers a message into INBOX (IMAP APPEND, as a mail server would store it).
    pub async fn deliver(&self, raw: &[u8]) {
        let mut s = self.session().await;
        s.append("INBOX", None, None, raw).await.unwrap();
        s.logout().await.unwrap();
    }

    /// How many messages a folder holds, and how many of them are \Seen.
    pub async fn count(&self, folder: &str) -> (u32, usize) {
        let mut s = self.session().await;
        let m = s.select(folder).await.unwrap();
        let seen = s.search("SEEN").await.unwrap().len();
        let _ = s.logout().await;
        (m.exists, seen)
    }
}

impl Drop for Dovecot {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let _ = self.child.wait();
    }
}

async fn poll(app: &TestApp, key: &str) -> (u16, Value) {
    let r = app
        .client
        .post(app.url("/api/v1/integrations/email/poll"))
        .bearer_auth(key)
        .send()
        .await
        .unwrap();
    let code = r.status().as_u16();
    (code, r.json().await.unwrap_or(Value::Null))
}

async fn new_mail_becomes_complaints_once_across_polls_and_a_restart(b: Backend) {
    let Some(dove) = Dovecot::start() else {
        return;
    };
    let imap = dove.settings(None);
    let Some((app, sink)) = app_with_sink(b, 8).await else {
        return;
    };
    // app_with_sink has no mailbox: a replica on the same database reads it
    let imap2 = imap.clone();
    let reader = spawn_replica(&app, move |s| {
        s.imap = Some(imap2);
        s.outbox_interval_secs = 3600;
        s.max_email_bytes = 64 * 1024;
    })
    .await;
    let key = reader.key(Role::Reception).await;
    // the pipe's fixtures, with the same results, and one over the size limit
    let fixtures = [
        "utf8_qp.eml",
        "latin1_qp.eml",
        "base64.eml",
        "html_only.eml",
        "attachment_non_ascii.eml",
        "out_of_office.eml",
        "bounce.eml",
        "broken_headers.eml",
    ];
    for name in fixtures {
        dove.deliver(&fixture(name)).await;
    }
    let mut big =
        b"From: a@example.id\r\nSubject: besar\r\nMessage-ID: <big-1@example.id>\r\n\r\n".to_vec();
    big.extend(std::iter::repeat_n(b'A', 100 * 1024));
    dove.deliver(&big).await;
    let (code, r) = poll(&reader, &key).await;
    assert_eq!(code, 200, "{r}");
    assert_eq!(
        (
            r["fetched"].as_u64(),
            r["created"].as_u64(),
            r["ignored"].as_u64(),
            r["rejected"].as_u64()
        ),
        (Some(9), Some(5), Some(2), Some(2)),
        "{r}"
    );
    assert_eq!(
        dove.count("INBOX").await,
        (9, 9),
        "every message handled is flagged \\Seen"
    );
    let q: Value = reader
        .get(&key, "/api/v1/integrations/email")
        .await
        .json()
        .await
        .unwrap();
    let kept: Vec<&str> = q["quarantine"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["reason"].as_str().unwrap())
        .collect();
    assert!(kept.iter().any(|r| r.contains("larger than")), "{q}");
    let att = reader.list_all(&key, "&channel=email&q=Foto", 10).await;
    let a: Value = reader
        .get(
            &key,
            &format!(
                "/api/v1/complaints/{}/attachments",
                att[0]["id"].as_str().unwrap()
            ),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(a["items"][0]["file_name"], "Foto rumah — 照片.jpg");
    let (_, again) = poll(&reader, &key).await;
    assert_eq!(again["fetched"], 0, "nothing is read twice");

    // a restart: a new instance remembers UIDVALIDITY/UID from the database
    let imap3 = imap.clone();
    let restarted = spawn_replica(&app, move |s| {
        s.imap = Some(imap3);
        s.outbox_interval_secs = 3600;
    })
    .await;
    let (_, r) = poll(&restarted, &key).await;
    assert_eq!(r["fetched"], 0);
    let complaints = restarted.list_all(&key, "&channel=email", 50).await;
    assert_eq!(complaints.len(), 5);

    // the acknowledgement goes out; the complainant's reply to it joins the complaint
    let dispatcher = Dispatcher::new(app.store.clone(), Arc::clone(&app.settings)).unwrap();
    dispatcher
        .run_once(Utc::now() + chrono::Duration::seconds(1))
        .await
        .unwrap();
    let acks = sink.messages();
    let ack = acks
        .iter()
        .find(|m| {
            m.unfolded()
                .contains("In-Reply-To: <utf8qp-1@mail.example.id>")
        })
        .expect("ack");
    let ack_id = ack
        .unfolded()
        .lines()
        .find_map(|l| {
            l.strip_prefix("Message-ID: <")
                .map(|s| s.trim_end_matches('>').to_string())
        })
        .unwrap();
    let reply = format!(
        "From: Siti Aminah <siti.aminah@example.id>\r\nSubject: Re: Pengaduan Anda\r\n\
        Message-ID: <balas-1@mail.example.id>\r\nIn-Reply-To: <{ack_id}>\r\nContent-Type: text/plain\r\n\r\nTerima kasih, saya tunggu.\r\n"
    );
    dove.deliver(reply.as_bytes()).await;
    let (_, r) = poll(&restarted, &key).await;
    assert_eq!(
        (
            r["fetched"].as_u64(),
            r["joined"].as_u64(),
            r["created"].as_u64()
        ),
        (Some(1), Some(1), Some(0)),
        "{r}"
    );
    assert_eq!(
        restarted.list_all(&key, "&channel=email", 50).await.len(),
        5,
        "a reply is not a new complaint"
    );
    let s: Value = restarted
        .get(&key, "/api/v1/integrations/email")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(s["mailbox"]["enabled"], true);
    assert!(
        s["mailbox"]["last_error"].is_null()
            && s["mailbox"]["cursor"].as_str().unwrap().ends_with(":10"),
        "{s}"
    );
    assert_eq!(s["counts"]["joined"], 1);
    assert_eq!(s["counts"]["auto_reply"], 1);
    assert_eq!(s["counts"]["bounce"], 1);

    // with a done folder, handled mail is moved there
    let imap4 = dove.settings(Some("Selesai"));
    let mover = spawn_replica(&app, move |s| {
        s.imap = Some(imap4);
        s.outbox_interval_secs = 3600;
    })
    .await;
    dove.deliver(b"From: Agnes <agnes@example.id>\r\nSubject: Data DTKS\r\nMessage-ID: <dtks-1@example.id>\r\n\r\nData kami belum diperbarui.\r\n").await;
    let (_, r) = poll(&mover, &key).await;
    assert_eq!(r["created"], 1, "{r}");
    assert_eq!(dove.count("Selesai").await.0, 1);
    assert_eq!(dove.count("INBOX").await.0, 10);
}

async fn an_unreachable_mailbox_is_reported_and_retried_later(b: Backend) {
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let Some(app) = spawn_app_with(b, move |s| {
        s.imap = Some(ImapSettings {
            host: "127.0.0.1".into(),
            port: closed,
            tls: ImapTls::None,
            username: USER.into(),
            password: "salah-sandi".into(),
            folder: "INBOX".into(),
            done_folder: None,
            poll_secs: 86_400,
        });
    })
    .await
    else {
        return;
    };
    let key = app.key(Role::Liaison).await;
    let (code, p) = poll(&app, &key).await;
    assert_eq!(code, 502, "{p}");
    let s: Value = app
        .get(&key, "/api/v1/integrations/email")
        .await
        .json()
        .await
        .unwrap();
    assert!(
        s["mailbox"]["last_error"]
            .as_str()
            .unwrap()
            .contains("cannot reach"),
        "{s}"
    );
    assert!(
        !s.to_string().contains("salah-sandi"),
        "the password is never shown"
    );
    // backoff: the next poll waits instead of hammering the server
    let (code, _) = poll(&app, &key).await;
    assert_eq!(code, 409);
}

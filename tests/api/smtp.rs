//! A small SMTP server for tests: speaks enough of RFC 5321 for lettre
//! (EHLO, MAIL, RCPT, DATA, RSET, NOOP, QUIT), keeps what it receives, and can
//! be taken "down" (it then answers 421 and hangs up).

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

#[derive(Debug, Clone)]
pub struct Received {
    pub rcpt: Vec<String>,
    pub data: String,
}

impl Received {
    /// The message with folded header lines joined (RFC 5322 unfolding).
    pub fn unfolded(&self) -> String {
        self.data.replace("\r\n ", " ").replace("\n ", " ")
    }
}

#[derive(Clone)]
pub struct SmtpSink {
    pub port: u16,
    pub received: Arc<Mutex<Vec<Received>>>,
    pub down: Arc<AtomicBool>,
    /// Milliseconds the server takes to accept each message (a slow server).
    pub delay_ms: Arc<AtomicU64>,
}

impl SmtpSink {
    pub async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind smtp");
        let sink = SmtpSink {
            port: listener.local_addr().unwrap().port(),
            received: Arc::default(),
            down: Arc::default(),
            delay_ms: Arc::default(),
        };
        let s = sink.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let s = s.clone();
                tokio::spawn(async move {
                    let _ = s.session(stream).await;
                });
            }
        });
        sink
    }

    pub fn set_down(&self, down: bool) {
        self.down.store(down, Ordering::SeqCst);
    }

    pub fn messages(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }

    async fn session(&self, stream: tokio::net::TcpStream) -> std::io::Result<()> {
        let (r, mut w) = stream.into_split();
        let mut r = BufReader::new(r);
        if self.down.load(Ordering::SeqCst) {
            w.write_all(b"421 4.3.2 sink is down\r\n").await?;
            return Ok(());
        }
        w.write_all(b"220 sink ESMTP ready\r\n").await?;
        let mut rcpt = Vec::new();
        let mut line = String::new();
        loop {
            line.clear();
            if r.read_line(&mut line).await? == 0 {
                return Ok(());
            }
            if self.down.load(Ordering::SeqCst) {
                w.write_all(b"421 4.3.2 sink is down\r\n").await?;
                return Ok(());
            }
            let upper = line.to_ascii_uppercase();
            let reply: &[u8] = if upper.starts_with("EHLO") {
                b"250-sink\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n"
            } else if upper.starts_with("HELO") {
                b"250 sink\r\n"
            } else if upper.starts_with("MAIL FROM") {
                rcpt.clear();
                b"250 2.1.0 ok\r\n"
            } else if upper.starts_with("RCPT TO") {
                rcpt.push(line[8..].trim().to_string());
                b"250 2.1.5 ok\r\n"
            } else if upper.starts_with("DATA") {
                w.write_all(b"354 go ahead\r\n").await?;
                let mut data = String::new();
                loop {
                    let mut l = String::new();
                    if r.read_line(&mut l).await? == 0 {
                        return Ok(());
                    }
                    if l == ".\r\n" || l == ".\n" {
                        break;
                    }
                    data.push_str(&l);
                }
                let delay = self.delay_ms.load(Ordering::SeqCst);
                if delay > 0 {
                    tokio::time::sleep(std::time::Duration::from_millis(delay)).await;
                }
                self.received.lock().unwrap().push(Received {
                    rcpt: rcpt.clone(),
                    data,
                });
                b"250 2.0.0 queued\r\n"
            } else if upper.starts_with("RSET") || upper.starts_with("NOOP") {
                b"250 2.0.0 ok\r\n"
            } else if upper.starts_with("QUIT") {
                w.write_all(b"221 2.0.0 bye\r\n").await?;
                return Ok(());
            } else {
                b"502 5.5.2 not implemented\r\n"
            };
            w.write_all(reply).await?;
        }
    }
}

//! `wa-sim`: plays the WhatsApp Business Platform Cloud API (Meta's Graph
//! API) for development, tests and demos, in Meta's published wire format:
//! `POST /{version}/{phone-number-id}/messages` (text, template, read marks;
//! the bearer token required), `GET /{version}/{media-id}` (the media URL)
//! and the download behind it, and webhook deliveries signed with the app
//! secret (`X-Hub-Signature-256`) carrying `messages` and `statuses`. It
//! keeps WhatsApp's rules: a text outside the 24-hour customer-service
//! window fails with 131047 (as a `failed` status, or in the send's answer
//! with `--window-error-in-answer`), only approved templates are accepted.
//! `/sim/…` lets a test or a demo play the citizen:
//!
//! ```text
//! wa-sim --listen 127.0.0.1:8091 --token rahasia --app-secret s3cret \
//!        --webhook http://127.0.0.1:8080/webhooks/whatsapp
//! curl -X POST localhost:8091/sim/messages -H 'content-type: application/json' \
//!      -d '{"from":"6281234567890","name":"Maria","type":"text","text":"PKH belum cair"}'
//! curl localhost:8091/sim/sent
//! ```

use std::collections::HashMap;
use std::io::Write;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use chrono::{DateTime, Duration, Utc};
use clap::Parser;
use hmac::{Hmac, Mac};
use serde::Deserialize;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

#[derive(Debug, Clone, Parser)]
#[command(
    name = "wa-sim",
    about = "A simulator of the WhatsApp Business Cloud API"
)]
struct Config {
    /// Address to listen on (port 0 picks a free port; the address is printed).
    #[arg(long, default_value = "127.0.0.1:8091")]
    listen: SocketAddr,
    /// The bearer token clients must send.
    #[arg(long, env = "WA_SIM_TOKEN")]
    token: String,
    /// The app secret webhook deliveries are signed with.
    #[arg(long, env = "WA_SIM_APP_SECRET")]
    app_secret: String,
    /// The business number's id.
    #[arg(long, default_value = "106540352242922")]
    phone_number_id: String,
    /// The business number as shown (`display_phone_number`).
    #[arg(long, default_value = "6285357559002")]
    display_phone_number: String,
    /// Where webhook deliveries go (also settable with `POST /sim/webhook`).
    #[arg(long)]
    webhook: Option<String>,
    /// Approved templates (comma-separated).
    #[arg(long, default_value = "aduan_pembaruan,aduan_pengingat")]
    templates: String,
    /// A text outside the window is refused in the send's answer (HTTP 400,
    /// code 131047) instead of accepted and then reported `failed`.
    #[arg(long)]
    window_error_in_answer: bool,
    /// Statuses `sent` and `delivered` are not reported by themselves.
    #[arg(long)]
    no_auto_status: bool,
}

#[derive(Debug, Clone, serde::Serialize)]
struct Sent {
    id: String,
    to: String,
    #[serde(rename = "type")]
    kind: String,
    text: Option<String>,
    template: Option<Value>,
    context: Option<String>,
    status: String,
    at: DateTime<Utc>,
}

#[derive(Default)]
struct State {
    webhook: Option<String>,
    offset: Duration,
    last_inbound: HashMap<String, DateTime<Utc>>,
    sent: Vec<Sent>,
    reads: Vec<String>,
    media: HashMap<String, (Vec<u8>, String)>,
    counter: u64,
    deliveries: Vec<u16>,
}

struct Sim {
    cfg: Config,
    state: Mutex<State>,
    http: reqwest::Client,
    base: String,
}

impl Sim {
    fn now(&self) -> DateTime<Utc> {
        Utc::now() + self.lock().offset
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn next_id(&self, prefix: &str) -> String {
        let mut s = self.lock();
        s.counter += 1;
        format!("{prefix}{:016}", s.counter)
    }

    fn sign(&self, body: &[u8]) -> String {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(self.cfg.app_secret.as_bytes())
            .unwrap_or_else(|_| unreachable!());
        mac.update(body);
        format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
    }

    /// A webhook delivery of one `value`, in Meta's envelope.
    fn envelope(&self, value: Value) -> Value {
        json!({"object": "whatsapp_business_account", "entry": [{
            "id": "102290129340398",
            "changes": [{"field": "messages", "value": value}]}]})
    }

    fn metadata(&self) -> Value {
        json!({"display_phone_number": self.cfg.display_phone_number,
               "phone_number_id": self.cfg.phone_number_id})
    }

    /// Posts a delivery; the HTTP status (0: no answer).
    async fn post(&self, body: &Value, signature: Signature) -> u16 {
        let Some(url) = self.lock().webhook.clone() else {
            return 0;
        };
        let raw = meta_json(body);
        let mut req = self
            .http
            .post(url)
            .header("content-type", "application/json");
        match signature {
            Signature::Right => req = req.header("x-hub-signature-256", self.sign(&raw)),
            Signature::Wrong => {
                req = req.header(
                    "x-hub-signature-256",
                    format!("sha256={}", hex::encode([7u8; 32])),
                )
            }
            Signature::Missing => {}
        }
        let code = match req.body(raw).send().await {
            Ok(r) => r.status().as_u16(),
            Err(_) => 0,
        };
        self.lock().deliveries.push(code);
        code
    }

    async fn status(&self, id: &str, to: &str, status: &str, errors: Option<Value>) -> u16 {
        let mut st = json!({"id": id, "status": status,
            "timestamp": self.now().timestamp().to_string(), "recipient_id": to});
        if status != "failed" {
            st["conversation"] = json!({"id": "CONVERSATION_ID",
                "origin": {"type": "service"}});
            st["pricing"] = json!({"billable": true, "pricing_model": "PMP",
                "category": "service", "type": "regular"});
        }
        if let Some(e) = errors {
            st["errors"] = e;
        }
        if let Some(m) = self.lock().sent.iter_mut().find(|m| m.id == id) {
            m.status = status.to_string();
        }
        let body = self.envelope(json!({"messaging_product": "whatsapp",
            "metadata": self.metadata(), "statuses": [st]}));
        self.post(&body, Signature::Right).await
    }
}

/// JSON as Meta sends (and signs) it: every non-ASCII character escaped as
/// `\uXXXX` with lower-case hex digits (Graph API webhooks, "Validating
/// payloads"), so the signature is over exactly these bytes.
fn meta_json(v: &Value) -> Vec<u8> {
    let plain = serde_json::to_string(v).unwrap_or_default();
    let mut out = String::with_capacity(plain.len());
    for c in plain.chars() {
        if c.is_ascii() {
            out.push(c);
        } else {
            let mut units = [0u16; 2];
            for u in c.encode_utf16(&mut units) {
                out.push_str(&format!("\\u{u:04x}"));
            }
        }
    }
    out.into_bytes()
}

#[derive(Clone, Copy)]
enum Signature {
    Right,
    Wrong,
    Missing,
}

fn graph_error(status: u16, code: i64, message: &str) -> HttpResponse {
    HttpResponse::build(actix_web::http::StatusCode::from_u16(status).unwrap_or_default()).json(
        json!({"error": {"message": message, "type": "OAuthException", "code": code,
            "error_data": {"messaging_product": "whatsapp", "details": message},
            "fbtrace_id": "AbCdEfGhIjK"}}),
    )
}

fn authorised(sim: &Sim, req: &HttpRequest) -> bool {
    req.headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .is_some_and(|t| t == sim.cfg.token)
}

fn reengagement() -> Value {
    json!([{"code": 131047, "title": "Re-engagement message",
        "message": "Re-engagement message",
        "error_data": {"details": "Message failed to send because more than 24 hours have passed since the customer last replied to this number."},
        "href": "https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/"}])
}

async fn send(
    sim: web::Data<Arc<Sim>>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    body: web::Json<Value>,
) -> HttpResponse {
    if !authorised(&sim, &req) {
        return graph_error(
            401,
            190,
            "Invalid OAuth access token - Cannot parse access token",
        );
    }
    if path.1 != sim.cfg.phone_number_id {
        return graph_error(400, 100, "Unsupported post request. Object does not exist");
    }
    let b = body.into_inner();
    if b.get("messaging_product").and_then(Value::as_str) != Some("whatsapp") {
        return graph_error(
            400,
            100,
            "(#100) The parameter messaging_product is required.",
        );
    }
    if b.get("status").and_then(Value::as_str) == Some("read") {
        let Some(id) = b.get("message_id").and_then(Value::as_str) else {
            return graph_error(400, 100, "(#100) The parameter message_id is required.");
        };
        sim.lock().reads.push(id.to_string());
        return HttpResponse::Ok().json(json!({"success": true}));
    }
    let Some(to) = b.get("to").and_then(Value::as_str).map(str::to_string) else {
        return graph_error(400, 100, "(#100) The parameter to is required.");
    };
    let kind = b
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or("text")
        .to_string();
    let now = sim.now();
    let in_window = sim
        .lock()
        .last_inbound
        .get(&to)
        .is_some_and(|t| now - *t < Duration::hours(24));
    let mut text = None;
    let mut template = None;
    match kind.as_str() {
        "text" => {
            let Some(body) = b.pointer("/text/body").and_then(Value::as_str) else {
                return graph_error(400, 100, "(#100) The parameter text['body'] is required.");
            };
            if body.chars().count() > 4096 {
                return graph_error(
                    400,
                    100,
                    "(#100) Param text['body'] must be at most 4096 characters long.",
                );
            }
            if !in_window && sim.cfg.window_error_in_answer {
                return graph_error(400, 131_047, "(#131047) Re-engagement message");
            }
            text = Some(body.to_string());
        }
        "template" => {
            let name = b
                .pointer("/template/name")
                .and_then(Value::as_str)
                .unwrap_or("");
            let approved = sim.cfg.templates.split(',').any(|t| t.trim() == name);
            if !approved || b.pointer("/template/language/code").is_none() {
                return graph_error(
                    404,
                    132_001,
                    "(#132001) Template name does not exist in the translation",
                );
            }
            template = b.get("template").cloned();
        }
        other => {
            return graph_error(
                400,
                100,
                &format!("(#100) Unsupported type {other} in this simulator"),
            );
        }
    }
    let id = sim.next_id("wamid.SIM");
    let failed_window = kind == "text" && !in_window;
    sim.lock().sent.push(Sent {
        id: id.clone(),
        to: to.clone(),
        kind,
        text,
        template,
        context: b
            .pointer("/context/message_id")
            .and_then(Value::as_str)
            .map(str::to_string),
        status: "accepted".into(),
        at: now,
    });
    if failed_window || !sim.cfg.no_auto_status {
        let (sim2, id2, to2) = (sim.get_ref().clone(), id.clone(), to.clone());
        actix_web::rt::spawn(async move {
            actix_web::rt::time::sleep(std::time::Duration::from_millis(20)).await;
            if failed_window {
                sim2.status(&id2, &to2, "failed", Some(reengagement()))
                    .await;
            } else {
                sim2.status(&id2, &to2, "sent", None).await;
                sim2.status(&id2, &to2, "delivered", None).await;
            }
        });
    }
    HttpResponse::Ok().json(json!({"messaging_product": "whatsapp",
        "contacts": [{"input": to, "wa_id": to}],
        "messages": [{"id": id, "message_status": "accepted"}]}))
}

async fn media_info(
    sim: web::Data<Arc<Sim>>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
) -> HttpResponse {
    if !authorised(&sim, &req) {
        return graph_error(
            401,
            190,
            "Invalid OAuth access token - Cannot parse access token",
        );
    }
    let id = &path.1;
    let Some((bytes, mime)) = sim.lock().media.get(id).cloned() else {
        return graph_error(404, 100, "Unsupported get request. Object does not exist");
    };
    HttpResponse::Ok().json(json!({"messaging_product": "whatsapp",
        "url": format!("{}/sim/lookaside/{id}", sim.base),
        "mime_type": mime, "sha256": hex::encode(Sha256::digest(&bytes)),
        "file_size": bytes.len().to_string(), "id": id}))
}

async fn lookaside(
    sim: web::Data<Arc<Sim>>,
    req: HttpRequest,
    id: web::Path<String>,
) -> HttpResponse {
    if !authorised(&sim, &req) {
        return HttpResponse::Unauthorized().finish();
    }
    match sim.lock().media.get(id.as_str()).cloned() {
        Some((bytes, mime)) => HttpResponse::Ok().content_type(mime).body(bytes),
        None => HttpResponse::NotFound().finish(),
    }
}

/// A citizen's message, as a test or a demo writes it.
#[derive(Debug, Deserialize)]
struct Citizen {
    from: String,
    #[serde(default)]
    name: Option<String>,
    #[serde(rename = "type", default = "text_type")]
    kind: String,
    #[serde(default)]
    text: Option<String>,
    #[serde(default)]
    caption: Option<String>,
    #[serde(default)]
    filename: Option<String>,
    #[serde(default)]
    mime_type: Option<String>,
    /// The media's bytes, base64.
    #[serde(default)]
    data_base64: Option<String>,
    #[serde(default)]
    latitude: Option<f64>,
    #[serde(default)]
    longitude: Option<f64>,
    #[serde(default)]
    address: Option<String>,
    /// Deliver the same webhook this many times (Meta's retries).
    #[serde(default = "one")]
    deliveries: u32,
    /// right (default), wrong or missing
    #[serde(default)]
    signature: Option<String>,
    /// The media is announced but gone when fetched (Meta's 404).
    #[serde(default)]
    media_missing: bool,
}

fn text_type() -> String {
    "text".into()
}

fn one() -> u32 {
    1
}

async fn citizen(sim: web::Data<Arc<Sim>>, body: web::Json<Citizen>) -> HttpResponse {
    use base64::Engine;
    let c = body.into_inner();
    let id = sim.next_id("wamid.IN");
    let now = sim.now();
    let mut msg = json!({"from": c.from, "id": id, "timestamp": now.timestamp().to_string(),
        "type": c.kind});
    match c.kind.as_str() {
        "text" => msg["text"] = json!({"body": c.text.unwrap_or_default()}),
        "image" | "document" | "audio" | "video" | "sticker" => {
            let bytes = c
                .data_base64
                .as_deref()
                .and_then(|d| base64::engine::general_purpose::STANDARD.decode(d).ok())
                .unwrap_or_default();
            let mime = c
                .mime_type
                .unwrap_or_else(|| "application/octet-stream".into());
            let media_id = sim.next_id("");
            let digest = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(&bytes));
            if !c.media_missing {
                sim.lock()
                    .media
                    .insert(media_id.clone(), (bytes, mime.clone()));
            }
            let mut m = json!({"mime_type": mime, "sha256": digest, "id": media_id});
            if let Some(cap) = c.caption {
                m["caption"] = json!(cap);
            }
            if let Some(f) = c.filename {
                m["filename"] = json!(f);
            }
            if c.kind == "audio" {
                m["voice"] = json!(true);
            }
            msg[c.kind.as_str()] = m;
        }
        "location" => {
            msg["location"] = json!({"latitude": c.latitude.unwrap_or(-10.1772),
                "longitude": c.longitude.unwrap_or(123.607), "address": c.address});
        }
        _ => {}
    }
    sim.lock().last_inbound.insert(c.from.clone(), now);
    let body = sim.envelope(
        json!({"messaging_product": "whatsapp", "metadata": sim.metadata(),
        "contacts": [{"profile": {"name": c.name.unwrap_or_default()}, "wa_id": c.from}],
        "messages": [msg]}),
    );
    let signature = match c.signature.as_deref() {
        Some("wrong") => Signature::Wrong,
        Some("missing") => Signature::Missing,
        _ => Signature::Right,
    };
    let mut codes = Vec::new();
    for _ in 0..c.deliveries.max(1) {
        codes.push(sim.post(&body, signature).await);
    }
    HttpResponse::Ok().json(json!({"id": id, "webhook_statuses": codes}))
}

#[derive(Debug, Deserialize)]
struct StatusReq {
    id: String,
    status: String,
    /// A `failed` status's error code (e.g. 131026: undeliverable).
    #[serde(default)]
    code: Option<i64>,
}

async fn report_status(sim: web::Data<Arc<Sim>>, body: web::Json<StatusReq>) -> HttpResponse {
    let to = sim
        .lock()
        .sent
        .iter()
        .find(|m| m.id == body.id)
        .map(|m| m.to.clone());
    let Some(to) = to else {
        return HttpResponse::NotFound().finish();
    };
    let errors = body.code.map(|c| {
        json!([{"code": c, "title": "Message undeliverable", "message": "Message undeliverable",
            "error_data": {"details": "Message Undeliverable."}}])
    });
    let code = sim.status(&body.id, &to, &body.status, errors).await;
    HttpResponse::Ok().json(json!({"webhook_status": code}))
}

async fn sent(sim: web::Data<Arc<Sim>>) -> HttpResponse {
    let s = sim.lock();
    HttpResponse::Ok().json(json!({"messages": s.sent, "reads": s.reads,
        "webhook_statuses": s.deliveries}))
}

#[derive(Debug, Deserialize)]
struct Advance {
    hours: i64,
}

async fn advance(sim: web::Data<Arc<Sim>>, body: web::Json<Advance>) -> HttpResponse {
    let mut s = sim.lock();
    s.offset += Duration::hours(body.hours);
    HttpResponse::Ok().json(json!({"offset_hours": s.offset.num_hours()}))
}

#[derive(Debug, Deserialize)]
struct Hook {
    url: String,
}

async fn set_webhook(sim: web::Data<Arc<Sim>>, body: web::Json<Hook>) -> HttpResponse {
    sim.lock().webhook = Some(body.url.clone());
    HttpResponse::NoContent().finish()
}

fn main() -> std::io::Result<()> {
    let cfg = Config::parse();
    actix_web::rt::System::new().block_on(async move {
        let listener = std::net::TcpListener::bind(cfg.listen)?;
        let addr = listener.local_addr()?;
        let sim = Arc::new(Sim {
            state: Mutex::new(State {
                webhook: cfg.webhook.clone(),
                ..Default::default()
            }),
            cfg,
            http: reqwest::Client::new(),
            base: format!("http://{addr}"),
        });
        let data = web::Data::new(sim);
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .app_data(web::JsonConfig::default().limit(64 * 1024 * 1024))
                .route("/sim/messages", web::post().to(citizen))
                .route("/sim/status", web::post().to(report_status))
                .route("/sim/sent", web::get().to(sent))
                .route("/sim/advance", web::post().to(advance))
                .route("/sim/webhook", web::post().to(set_webhook))
                .route("/sim/lookaside/{id}", web::get().to(lookaside))
                .route("/{version}/{phone}/messages", web::post().to(send))
                .route("/{version}/{media}", web::get().to(media_info))
        })
        .workers(2)
        .listen(listener)?
        .run();
        println!("wa-sim listening on http://{addr}");
        std::io::stdout().flush()?;
        server.await
    })
}

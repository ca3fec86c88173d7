//! `tg-sim`: plays Telegram's Bot API for development, tests and demos, in
//! its published wire format (<https://core.telegram.org/bots/api>):
//! `/bot<token>/getUpdates` (long polling; an offset confirms the updates
//! before it; 409 while a webhook is set), `sendMessage`, `getFile` and
//! the download at `/file/bot<token>/<file_path>`, `setWebhook` (with
//! `secret_token`), `deleteWebhook`, `getMe`; webhook deliveries carry
//! `X-Telegram-Bot-Api-Secret-Token`. Parameters are read from JSON, a
//! form or the query string, as Telegram does. `/sim/…` lets a test or a
//! demo play the citizen:
//!
//! ```text
//! tg-sim --listen 127.0.0.1:8092 --token 123456:rahasia
//! curl -X POST localhost:8092/sim/messages -H 'content-type: application/json' \
//!      -d '{"chat_id": 5550001, "first_name": "Maria", "text": "PKH belum cair"}'
//! curl localhost:8092/sim/sent
//! ```

use std::collections::HashMap;
use std::io::Write;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use base64::Engine;
use chrono::Utc;
use clap::Parser;
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Debug, Clone, Parser)]
#[command(name = "tg-sim", about = "A simulator of Telegram's Bot API")]
struct Config {
    /// Address to listen on (port 0 picks a free port; the address is printed).
    #[arg(long, default_value = "127.0.0.1:8092")]
    listen: SocketAddr,
    /// The bot's token (`123456:ABC…`).
    #[arg(long, env = "TG_SIM_TOKEN")]
    token: String,
}

#[derive(Default)]
struct State {
    /// Updates not yet confirmed by an offset (oldest first).
    pending: Vec<Value>,
    /// Every update ever made, by id (to deliver one again).
    all: HashMap<i64, Value>,
    next_update: i64,
    next_message: i64,
    webhook: Option<(String, Option<String>)>,
    sent: Vec<Value>,
    files: HashMap<String, (String, Vec<u8>)>,
    blocked: Vec<i64>,
    deliveries: Vec<u16>,
}

struct Sim {
    cfg: Config,
    state: Mutex<State>,
    arrived: tokio::sync::Notify,
    http: reqwest::Client,
}

impl Sim {
    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Posts an update to the webhook; the HTTP status (0: no answer).
    async fn deliver(&self, update: &Value) -> u16 {
        let Some((url, secret)) = self.lock().webhook.clone() else {
            return 0;
        };
        let mut req = self.http.post(url).json(update);
        if let Some(s) = secret {
            req = req.header("X-Telegram-Bot-Api-Secret-Token", s);
        }
        let code = match req.send().await {
            Ok(r) => r.status().as_u16(),
            Err(_) => 0,
        };
        self.lock().deliveries.push(code);
        code
    }
}

fn ok(result: Value) -> HttpResponse {
    HttpResponse::Ok().json(json!({"ok": true, "result": result}))
}

fn fail(status: u16, description: &str) -> HttpResponse {
    HttpResponse::build(
        actix_web::http::StatusCode::from_u16(status)
            .unwrap_or(actix_web::http::StatusCode::BAD_REQUEST),
    )
    .json(json!({"ok": false, "error_code": status, "description": description}))
}

/// A method's parameters: JSON body, form body or query string.
fn params(req: &HttpRequest, body: &[u8]) -> Value {
    let ct = req
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if ct.starts_with("application/json") {
        return serde_json::from_slice(body).unwrap_or(Value::Null);
    }
    let mut m = serde_json::Map::new();
    let query = req.query_string().as_bytes().to_vec();
    for src in [query.as_slice(), body] {
        for (k, v) in form_urlencoded::parse(src) {
            let v = serde_json::from_str::<Value>(&v).unwrap_or(Value::String(v.into_owned()));
            m.insert(k.into_owned(), v);
        }
    }
    Value::Object(m)
}

fn int(v: &Value, k: &str) -> Option<i64> {
    match v.get(k)? {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

async fn method(
    sim: web::Data<Arc<Sim>>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    body: web::Bytes,
) -> HttpResponse {
    let (bot, name) = path.into_inner();
    if bot.strip_prefix("bot") != Some(sim.cfg.token.as_str()) {
        return fail(401, "Unauthorized");
    }
    let p = params(&req, &body);
    match name.as_str() {
        "getMe" => ok(
            json!({"id": 7000001, "is_bot": true, "first_name": "Layanan Pengaduan",
            "username": "aduan_sim_bot"}),
        ),
        "setWebhook" => {
            let url = p
                .get("url")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string();
            let secret = p
                .get("secret_token")
                .and_then(Value::as_str)
                .map(str::to_string);
            sim.lock().webhook = (!url.is_empty()).then_some((url, secret));
            ok(json!(true))
        }
        "deleteWebhook" => {
            sim.lock().webhook = None;
            ok(json!(true))
        }
        "getUpdates" => get_updates(&sim, &p).await,
        "sendMessage" => send_message(&sim, &p),
        "getFile" => {
            let id = p.get("file_id").and_then(Value::as_str).unwrap_or("");
            match sim.lock().files.get(id) {
                Some((path, bytes)) => {
                    ok(json!({"file_id": id, "file_unique_id": format!("u{id}"),
                    "file_size": bytes.len(), "file_path": path}))
                }
                None => fail(400, "Bad Request: invalid file_id"),
            }
        }
        _ => fail(404, "Not Found"),
    }
}

async fn get_updates(sim: &Sim, p: &Value) -> HttpResponse {
    if sim.lock().webhook.is_some() {
        return fail(
            409,
            "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first",
        );
    }
    let offset = int(p, "offset").unwrap_or(0);
    let limit = int(p, "limit").unwrap_or(100).clamp(1, 100) as usize;
    let timeout = int(p, "timeout").unwrap_or(0).clamp(0, 50) as u64;
    let until = tokio::time::Instant::now() + Duration::from_secs(timeout);
    loop {
        let notified = sim.arrived.notified();
        {
            let mut s = sim.lock();
            // an offset confirms every update before it
            s.pending
                .retain(|u| u.get("update_id").and_then(Value::as_i64).unwrap_or(0) >= offset);
            if !s.pending.is_empty() {
                let out: Vec<Value> = s.pending.iter().take(limit).cloned().collect();
                return ok(Value::Array(out));
            }
        }
        if tokio::time::timeout_at(until, notified).await.is_err() {
            return ok(json!([]));
        }
    }
}

fn send_message(sim: &Sim, p: &Value) -> HttpResponse {
    let Some(chat_id) = int(p, "chat_id") else {
        return fail(400, "Bad Request: chat_id is empty");
    };
    let text = p.get("text").and_then(Value::as_str).unwrap_or("");
    if text.is_empty() {
        return fail(400, "Bad Request: message text is empty");
    }
    if text.chars().count() > 4096 {
        return fail(400, "Bad Request: message is too long");
    }
    let mut s = sim.lock();
    if s.blocked.contains(&chat_id) {
        return fail(403, "Forbidden: bot was blocked by the user");
    }
    s.next_message += 1;
    let message_id = s.next_message;
    let date = Utc::now().timestamp();
    s.sent.push(
        json!({"chat_id": chat_id, "message_id": message_id, "text": text,
        "reply_parameters": p.get("reply_parameters"), "reply_markup": p.get("reply_markup"),
        "date": date}),
    );
    ok(json!({"message_id": message_id, "date": date, "text": text,
        "from": {"id": 7000001, "is_bot": true, "first_name": "Layanan Pengaduan"},
        "chat": {"id": chat_id, "type": "private"}}))
}

async fn download(sim: web::Data<Arc<Sim>>, path: web::Path<(String, String)>) -> HttpResponse {
    let (bot, file_path) = path.into_inner();
    if bot.strip_prefix("bot") != Some(sim.cfg.token.as_str()) {
        return fail(401, "Unauthorized");
    }
    let found = sim
        .lock()
        .files
        .values()
        .find(|(p, _)| *p == file_path)
        .map(|(_, b)| b.clone());
    match found {
        Some(b) => HttpResponse::Ok()
            .content_type("application/octet-stream")
            .body(b),
        None => fail(404, "Not Found: file not found"),
    }
}

/// A citizen's message: text, a photo, a document or their own contact.
#[derive(Debug, Deserialize)]
struct Citizen {
    chat_id: i64,
    #[serde(default = "default_name")]
    first_name: String,
    last_name: Option<String>,
    text: Option<String>,
    caption: Option<String>,
    /// A photo's bytes (base64).
    photo: Option<String>,
    /// A document: its name, type and bytes (base64).
    document: Option<Doc>,
    /// Share their own phone number (the contact button).
    contact_phone: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Doc {
    file_name: String,
    mime_type: String,
    data: String,
}

fn default_name() -> String {
    "Warga".into()
}

async fn citizen(sim: web::Data<Arc<Sim>>, body: web::Json<Citizen>) -> HttpResponse {
    let c = body.into_inner();
    let b64 = base64::engine::general_purpose::STANDARD;
    let (update, id) = {
        let mut s = sim.lock();
        s.next_update += 1;
        s.next_message += 1;
        let update_id = 800_000 + s.next_update;
        let message_id = s.next_message;
        let files = &mut s.files;
        let mut file = |kind: &str, bytes: Vec<u8>, ext: &str| {
            let id = format!("{kind}-{update_id}");
            let path = format!("{kind}s/file_{update_id}.{ext}");
            let size = bytes.len();
            files.insert(id.clone(), (path, bytes));
            (id, size)
        };
        let from = json!({"id": c.chat_id, "is_bot": false, "first_name": c.first_name,
            "last_name": c.last_name, "language_code": "id"});
        let mut m = json!({"message_id": message_id, "from": from,
            "chat": {"id": c.chat_id, "type": "private", "first_name": c.first_name},
            "date": Utc::now().timestamp()});
        if let Some(t) = &c.text {
            m["text"] = json!(t);
        }
        if let Some(p) = &c.photo {
            let bytes = b64.decode(p).unwrap_or_default();
            let (id, size) = file("photo", bytes, "jpg");
            m["photo"] = json!([
                {"file_id": format!("{id}-s"), "file_unique_id": "s", "width": 90, "height": 90},
                {"file_id": id, "file_unique_id": "l", "width": 1280, "height": 960, "file_size": size}
            ]);
        }
        if let Some(d) = &c.document {
            let bytes = b64.decode(&d.data).unwrap_or_default();
            let (id, size) = file("document", bytes, "bin");
            m["document"] = json!({"file_id": id, "file_unique_id": format!("u{id}"),
                "file_name": d.file_name, "mime_type": d.mime_type, "file_size": size});
        }
        if let Some(cap) = &c.caption {
            m["caption"] = json!(cap);
        }
        if let Some(phone) = &c.contact_phone {
            m["contact"] = json!({"phone_number": phone, "first_name": c.first_name,
                "user_id": c.chat_id});
        }
        let update = json!({"update_id": update_id, "message": m});
        s.pending.push(update.clone());
        s.all.insert(update_id, update.clone());
        (update, update_id)
    };
    sim.arrived.notify_waiters();
    let status = sim.deliver(&update).await;
    if status == 200 {
        // delivered by webhook: not kept for getUpdates
        sim.lock()
            .pending
            .retain(|u| u.get("update_id").and_then(Value::as_i64) != Some(id));
    }
    HttpResponse::Ok().json(json!({"update_id": id, "webhook_status": status}))
}

#[derive(Debug, Deserialize)]
struct Again {
    update_id: i64,
    /// Deliver with this secret instead of the registered one.
    secret: Option<String>,
}

/// Delivers an update to the webhook again (as Telegram does after a failure).
async fn redeliver(sim: web::Data<Arc<Sim>>, body: web::Json<Again>) -> HttpResponse {
    let Some(update) = sim.lock().all.get(&body.update_id).cloned() else {
        return HttpResponse::NotFound().finish();
    };
    if let Some(secret) = &body.secret {
        let url = sim.lock().webhook.clone().map(|(u, _)| u);
        let Some(url) = url else {
            return HttpResponse::Conflict().finish();
        };
        let code = match sim
            .http
            .post(url)
            .header("X-Telegram-Bot-Api-Secret-Token", secret)
            .json(&update)
            .send()
            .await
        {
            Ok(r) => r.status().as_u16(),
            Err(_) => 0,
        };
        return HttpResponse::Ok().json(json!({"webhook_status": code}));
    }
    let code = sim.deliver(&update).await;
    HttpResponse::Ok().json(json!({"webhook_status": code}))
}

async fn sent(sim: web::Data<Arc<Sim>>) -> HttpResponse {
    let s = sim.lock();
    HttpResponse::Ok().json(json!({"sent": s.sent, "pending": s.pending.len(),
        "deliveries": s.deliveries}))
}

#[derive(Debug, Deserialize)]
struct Block {
    chat_id: i64,
}

async fn block(sim: web::Data<Arc<Sim>>, body: web::Json<Block>) -> HttpResponse {
    sim.lock().blocked.push(body.chat_id);
    HttpResponse::NoContent().finish()
}

fn main() -> std::io::Result<()> {
    let cfg = Config::parse();
    actix_web::rt::System::new().block_on(async move {
        let listener = std::net::TcpListener::bind(cfg.listen)?;
        let addr = listener.local_addr()?;
        let sim = Arc::new(Sim {
            state: Mutex::new(State::default()),
            cfg,
            arrived: tokio::sync::Notify::new(),
            http: reqwest::Client::new(),
        });
        let data = web::Data::new(sim);
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .app_data(web::JsonConfig::default().limit(64 * 1024 * 1024))
                .route("/sim/messages", web::post().to(citizen))
                .route("/sim/redeliver", web::post().to(redeliver))
                .route("/sim/sent", web::get().to(sent))
                .route("/sim/block", web::post().to(block))
                .route("/file/{bot}/{path:.*}", web::get().to(download))
                .route("/{bot}/{method}", web::route().to(method))
        })
        .workers(2)
        .listen(listener)?
        .run();
        println!("tg-sim listening on http://{addr}");
        std::io::stdout().flush()?;
        server.await
    })
}

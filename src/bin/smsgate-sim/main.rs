//! `smsgate-sim`: plays SMS Gateway for Android (<https://docs.sms-gate.app>)
//! for development, tests and demos, in its published wire format: `POST
//! /message` (Basic authentication; `textMessage.text` and
//! `phoneNumbers`; 202 with the message's id and state), `POST|GET
//! /webhooks` and `DELETE /webhooks/{id}` (register a URL for an event),
//! and webhook deliveries of `sms:received` signed with the signing key
//! (`X-Signature`: hex HMAC-SHA256 of the body followed by `X-Timestamp`).
//! `/sim/…` lets a test or a demo play the citizen's phone:
//!
//! ```text
//! smsgate-sim --listen 127.0.0.1:8093 --username sms --password rahasia --signing-key kunci
//! curl -X POST localhost:8093/webhooks -u sms:rahasia -H 'content-type: application/json' \
//!      -d '{"url": "http://127.0.0.1:8080/webhooks/sms", "event": "sms:received"}'
//! curl -X POST localhost:8093/sim/receive -H 'content-type: application/json' \
//!      -d '{"phoneNumber": "+6281234567890", "message": "Bantuan PKH belum cair"}'
//! curl localhost:8093/sim/sent
//! ```

use std::io::Write;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use base64::Engine;
use chrono::Utc;
use clap::Parser;
use hmac::{Hmac, Mac};
use serde::Deserialize;
use serde_json::{Value, json};
use sha2::Sha256;

#[derive(Debug, Clone, Parser)]
#[command(name = "smsgate-sim", about = "A simulator of SMS Gateway for Android")]
struct Config {
    #[arg(long, default_value = "127.0.0.1:8093")]
    listen: SocketAddr,
    #[arg(long, env = "SMSGATE_SIM_USERNAME")]
    username: String,
    #[arg(long, env = "SMSGATE_SIM_PASSWORD")]
    password: String,
    /// The webhook signing key (the app's `webhooks.signing_key` setting).
    #[arg(long, env = "SMSGATE_SIM_SIGNING_KEY")]
    signing_key: String,
}

#[derive(Default)]
struct State {
    webhooks: Vec<Value>,
    events: Vec<Value>,
    sent: Vec<Value>,
    counter: u64,
    /// The next sends fail with this status.
    failing: Option<(u16, u32)>,
}

struct Sim {
    cfg: Config,
    state: Mutex<State>,
    http: reqwest::Client,
}

impl Sim {
    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn next_id(&self) -> String {
        let mut s = self.lock();
        s.counter += 1;
        format!("sim{:012}", s.counter)
    }

    fn authorised(&self, req: &HttpRequest) -> bool {
        let want = base64::engine::general_purpose::STANDARD
            .encode(format!("{}:{}", self.cfg.username, self.cfg.password));
        req.headers()
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v == format!("Basic {want}"))
    }

    /// Delivers an event to every webhook registered for it; the statuses.
    async fn deliver(&self, event: &Value, signing_key: &str) -> Vec<u16> {
        let kind = event.get("event").and_then(Value::as_str).unwrap_or("");
        let hooks: Vec<Value> = self
            .lock()
            .webhooks
            .iter()
            .filter(|h| h.get("event").and_then(Value::as_str) == Some(kind))
            .cloned()
            .collect();
        let mut out = Vec::new();
        for h in hooks {
            let mut e = event.clone();
            e["webhookId"] = h["id"].clone();
            let body = serde_json::to_vec(&e).unwrap_or_default();
            let ts = Utc::now().timestamp().to_string();
            let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(signing_key.as_bytes())
                .unwrap_or_else(|_| unreachable!());
            mac.update(&body);
            mac.update(ts.as_bytes());
            let sig = hex::encode(mac.finalize().into_bytes());
            let url = h
                .get("url")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string();
            let code = match self
                .http
                .post(url)
                .header("content-type", "application/json")
                .header("X-Signature", sig)
                .header("X-Timestamp", ts)
                .body(body)
                .send()
                .await
            {
                Ok(r) => r.status().as_u16(),
                Err(_) => 0,
            };
            out.push(code);
        }
        out
    }
}

fn error(status: u16, message: &str) -> HttpResponse {
    HttpResponse::build(
        actix_web::http::StatusCode::from_u16(status)
            .unwrap_or(actix_web::http::StatusCode::BAD_REQUEST),
    )
    .json(json!({"message": message}))
}

async fn send(sim: web::Data<Arc<Sim>>, req: HttpRequest, body: web::Json<Value>) -> HttpResponse {
    if !sim.authorised(&req) {
        return error(401, "Unauthorized");
    }
    {
        let mut s = sim.lock();
        if let Some((status, left)) = s.failing {
            s.failing = (left > 1).then_some((status, left - 1));
            return error(status, "simulated failure");
        }
    }
    let text = body
        .pointer("/textMessage/text")
        .or_else(|| body.get("message"))
        .and_then(Value::as_str)
        .unwrap_or("");
    let numbers: Vec<String> = body
        .get("phoneNumbers")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    if text.is_empty() || numbers.is_empty() {
        return error(400, "message and phoneNumbers are required");
    }
    let id = sim.next_id();
    sim.lock()
        .sent
        .push(json!({"id": id, "text": text, "phoneNumbers": numbers,
        "at": Utc::now()}));
    HttpResponse::Accepted().json(json!({"id": id, "state": "Pending",
        "isHashed": false, "isEncrypted": false,
        "recipients": numbers.iter().map(|n| json!({"phoneNumber": n, "state": "Pending"})).collect::<Vec<_>>()}))
}

async fn register(
    sim: web::Data<Arc<Sim>>,
    req: HttpRequest,
    body: web::Json<Value>,
) -> HttpResponse {
    if !sim.authorised(&req) {
        return error(401, "Unauthorized");
    }
    let url = body.get("url").and_then(Value::as_str).unwrap_or("");
    let event = body.get("event").and_then(Value::as_str).unwrap_or("");
    if url.is_empty() || event.is_empty() {
        return error(400, "url and event are required");
    }
    let id = body
        .get("id")
        .and_then(Value::as_str)
        .map_or_else(|| sim.next_id(), str::to_string);
    let hook = json!({"id": id, "url": url, "event": event});
    let mut s = sim.lock();
    s.webhooks.retain(|h| h.get("id") != hook.get("id"));
    s.webhooks.push(hook.clone());
    HttpResponse::Created().json(hook)
}

async fn list(sim: web::Data<Arc<Sim>>, req: HttpRequest) -> HttpResponse {
    if !sim.authorised(&req) {
        return error(401, "Unauthorized");
    }
    HttpResponse::Ok().json(sim.lock().webhooks.clone())
}

async fn unregister(
    sim: web::Data<Arc<Sim>>,
    req: HttpRequest,
    id: web::Path<String>,
) -> HttpResponse {
    if !sim.authorised(&req) {
        return error(401, "Unauthorized");
    }
    sim.lock()
        .webhooks
        .retain(|h| h.get("id").and_then(Value::as_str) != Some(id.as_str()));
    HttpResponse::NoContent().finish()
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Received {
    phone_number: String,
    message: String,
    /// Sign with another key (a forged delivery).
    #[serde(default)]
    signing_key: Option<String>,
}

async fn receive(sim: web::Data<Arc<Sim>>, body: web::Json<Received>) -> HttpResponse {
    let r = body.into_inner();
    let id = sim.next_id();
    let received_at = Utc::now()
        .with_timezone(&chrono::FixedOffset::east_opt(7 * 3600).unwrap_or_else(|| unreachable!()))
        .format("%Y-%m-%dT%H:%M:%S%.3f%:z")
        .to_string();
    let event = json!({"deviceId": "ffffffffceb0b1db00000193991c27e5", "event": "sms:received",
        "id": id, "payload": {"messageId": format!("{:08x}", r.message.len()), "message": r.message,
        "phoneNumber": r.phone_number, "simNumber": 1, "receivedAt": received_at}});
    sim.lock().events.push(event.clone());
    let key = r.signing_key.unwrap_or_else(|| sim.cfg.signing_key.clone());
    let statuses = sim.deliver(&event, &key).await;
    HttpResponse::Ok().json(json!({"id": id, "webhook_statuses": statuses}))
}

#[derive(Debug, Deserialize)]
struct Again {
    id: String,
}

async fn redeliver(sim: web::Data<Arc<Sim>>, body: web::Json<Again>) -> HttpResponse {
    let event = sim
        .lock()
        .events
        .iter()
        .find(|e| e.get("id").and_then(Value::as_str) == Some(body.id.as_str()))
        .cloned();
    let Some(event) = event else {
        return HttpResponse::NotFound().finish();
    };
    let key = sim.cfg.signing_key.clone();
    let statuses = sim.deliver(&event, &key).await;
    HttpResponse::Ok().json(json!({"webhook_statuses": statuses}))
}

#[derive(Debug, Deserialize)]
struct Fail {
    status: u16,
    count: u32,
}

async fn fail_next(sim: web::Data<Arc<Sim>>, body: web::Json<Fail>) -> HttpResponse {
    sim.lock().failing = (body.count > 0).then_some((body.status, body.count));
    HttpResponse::NoContent().finish()
}

async fn sent(sim: web::Data<Arc<Sim>>) -> HttpResponse {
    HttpResponse::Ok().json(json!({"sent": sim.lock().sent}))
}

fn main() -> std::io::Result<()> {
    let cfg = Config::parse();
    actix_web::rt::System::new().block_on(async move {
        let listener = std::net::TcpListener::bind(cfg.listen)?;
        let addr = listener.local_addr()?;
        let sim = Arc::new(Sim {
            state: Mutex::new(State::default()),
            cfg,
            http: reqwest::Client::new(),
        });
        let data = web::Data::new(sim);
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .route("/sim/receive", web::post().to(receive))
                .route("/sim/redeliver", web::post().to(redeliver))
                .route("/sim/fail", web::post().to(fail_next))
                .route("/sim/sent", web::get().to(sent))
                .route("/message", web::post().to(send))
                .route("/webhooks", web::post().to(register))
                .route("/webhooks", web::get().to(list))
                .route("/webhooks/{id}", web::delete().to(unregister))
        })
        .workers(2)
        .listen(listener)?
        .run();
        println!("smsgate-sim listening on http://{addr}");
        std::io::stdout().flush()?;
        server.await
    })
}

//! Telegram (against `tg-sim`, the Bot API's wire format) and SMS (Gammu's
//! `RunOnReceive` environment with a fake `gammu-smsd-inject`, and
//! `smsgate-sim`, SMS Gateway for Android's wire format) over real HTTP and
//! real processes: one complaint per conversation, acknowledgements and
//! answers on the channel, secrets and signatures, restarts.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use aduan::config::TelegramSettings;
use base64::Engine;
use serde_json::{Value, json};

use crate::helpers::{Backend, TempDir, TestApp, both_backends, spawn_app_with};
use crate::workflow::{complaint, office, ok, timeline, walk_through_secretary};

const TOKEN: &str = "7000001:rahasia-bot-uji";
const TG_SECRET: &str = "rahasia_webhook-tg";

both_backends!(
    telegram_by_polling_from_start_to_the_answer,
    the_telegram_webhook_takes_only_its_secret_and_each_update_once,
    a_restart_in_the_middle_of_polling_loses_and_repeats_nothing,
    an_sms_from_the_modem_becomes_a_complaint_answered_through_the_send_command,
    the_sms_gateway_is_signed_and_answers_go_back_through_it,
    an_answer_by_a_channel_this_server_cannot_send_on_is_refused,
);

/// A simulator binary, killed when dropped.
struct Sim {
    child: Child,
    url: String,
    http: reqwest::Client,
}

impl Drop for Sim {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Sim {
    fn start(bin: &str, name: &str, args: &[&str]) -> Sim {
        let all: Vec<&str> = ["--listen", "127.0.0.1:0"]
            .into_iter()
            .chain(args.iter().copied())
            .collect();
        let (child, url) = crate::helpers::start_simulator(bin, name, &all);
        Sim {
            child,
            url,
            http: reqwest::Client::new(),
        }
    }

    async fn post(&self, path: &str, body: Value) -> Value {
        let r = self
            .http
            .post(format!("{}{path}", self.url))
            .json(&body)
            .send()
            .await
            .unwrap();
        r.json().await.unwrap_or(Value::Null)
    }

    async fn sent(&self) -> Vec<Value> {
        let v: Value = self
            .http
            .get(format!("{}/sim/sent", self.url))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        v["sent"].as_array().cloned().unwrap_or_default()
    }

    /// Waits until a sent message matches; fails with what was sent.
    async fn wait_sent(&self, what: &str, f: impl Fn(&Value) -> bool) -> Value {
        for _ in 0..300 {
            if let Some(m) = self.sent().await.into_iter().find(|m| f(m)) {
                return m;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("never sent: {what}: {:?}", self.sent().await);
    }
}

fn tg_sim() -> Sim {
    Sim::start(env!("CARGO_BIN_EXE_tg-sim"), "tg-sim", &["--token", TOKEN])
}

fn tg_settings(sim: &Sim, secret: Option<&str>) -> TelegramSettings {
    TelegramSettings {
        api_url: sim.url.clone(),
        token: TOKEN.into(),
        webhook_secret: secret.map(str::to_string),
    }
}

fn text_of(m: &Value) -> &str {
    m["text"].as_str().unwrap_or("")
}

async fn of_channel(app: &TestApp, key: &str, channel: &str) -> Vec<Value> {
    app.list_all(key, &format!("&channel={channel}"), 100).await
}

async fn wait_count(app: &TestApp, key: &str, channel: &str, n: usize) -> Vec<Value> {
    for _ in 0..300 {
        let l = of_channel(app, key, channel).await;
        if l.len() >= n {
            return l;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    of_channel(app, key, channel).await
}

async fn telegram_by_polling_from_start_to_the_answer(b: Backend) {
    let sim = tg_sim();
    let tg = tg_settings(&sim, None);
    let Some(app) = spawn_app_with(b, move |s| s.telegram = Some(tg)).await else {
        return;
    };
    let o = office(&app).await;
    let chat = 5_550_001i64;
    let to_maria = |m: &Value| m["chat_id"] == chat;

    // /start: the guide and the button to share one's number
    sim.post(
        "/sim/messages",
        json!({"chat_id": chat, "first_name": "Maria", "last_name": "Goreti", "text": "/start"}),
    )
    .await;
    let welcome = sim.wait_sent("the welcome", to_maria).await;
    assert!(
        text_of(&welcome).contains("tuliskan pengaduan Anda"),
        "{welcome}"
    );
    assert_eq!(
        welcome["reply_markup"]["keyboard"][0][0]["request_contact"], true,
        "{welcome}"
    );
    // she shares her number: noted, not a complaint
    sim.post(
        "/sim/messages",
        json!({"chat_id": chat, "first_name": "Maria", "last_name": "Goreti",
        "contact_phone": "081234567890"}),
    )
    .await;
    sim.wait_sent("the number noted", |m| {
        to_maria(m) && text_of(m).contains("nomor telepon Anda dicatat")
    })
    .await;
    assert!(of_channel(&app, &o.admin, "telegram").await.is_empty());

    // her complaint: one complaint, acknowledged in the chat with its number
    let r = sim
        .post(
            "/sim/messages",
            json!({"chat_id": chat, "first_name": "Maria", "last_name": "Goreti",
            "text": "Bantuan PKH ibu saya belum cair sudah tiga bulan.\nMohon dibantu."}),
        )
        .await;
    let list = wait_count(&app, &o.admin, "telegram", 1).await;
    assert_eq!(list.len(), 1, "{list:?}");
    let id = list[0]["id"].as_str().unwrap().to_string();
    let c = complaint(&app, &o.admin, &id).await;
    let tn = c["tracking_number"].as_str().unwrap().to_string();
    assert_eq!(c["channel"], "telegram");
    assert_eq!(
        c["subject"],
        "Bantuan PKH ibu saya belum cair sudah tiga bulan."
    );
    assert_eq!(c["reporter"]["name"], "Maria Goreti");
    assert_eq!(
        c["reporter"]["phone"], "+6281234567890",
        "the number she shared"
    );
    let ack = sim
        .wait_sent("the acknowledgement", |m| {
            to_maria(m) && text_of(m).contains(&tn)
        })
        .await;
    assert!(
        text_of(&ack).contains(&format!("/lacak/{tn}#kode=")),
        "{ack}"
    );
    assert!(!text_of(&ack).contains('*'), "no WhatsApp markup: {ack}");
    let their_message = r["update_id"].as_i64().unwrap();
    assert!(
        ack["reply_parameters"]["message_id"].as_i64().is_some(),
        "{ack} {their_message}"
    );
    // the deadline of the channel (7 working days) counts from her message
    assert!(c["due_at"].is_string(), "{c}");

    // a photo with a caption joins it as an attachment with its bytes
    let jpeg = vec![0xFFu8, 0xD8, 0xFF, 0xE0, 9, 8, 7, 6];
    sim.post(
        "/sim/messages",
        json!({"chat_id": chat, "first_name": "Maria",
        "photo": base64::engine::general_purpose::STANDARD.encode(&jpeg), "caption": "kartu PKH"}),
    )
    .await;
    let mut atts = Vec::new();
    for _ in 0..200 {
        let v: Value = app
            .get(&o.admin, &format!("/api/v1/complaints/{id}/attachments"))
            .await
            .json()
            .await
            .unwrap();
        atts = v["items"]
            .as_array()
            .or(v.as_array())
            .cloned()
            .unwrap_or_default();
        if !atts.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(atts.len(), 1, "{atts:?}");
    assert_eq!(atts[0]["file_name"], "foto-telegram.jpg");
    let bytes = app
        .get(
            &o.admin,
            &format!(
                "/api/v1/complaints/{id}/attachments/{}",
                atts[0]["id"].as_str().unwrap()
            ),
        )
        .await
        .bytes()
        .await
        .unwrap();
    assert_eq!(bytes.to_vec(), jpeg);
    assert_eq!(
        of_channel(&app, &o.admin, "telegram").await.len(),
        1,
        "still one complaint"
    );

    // the answer goes to her chat (the default for Telegram), then the survey
    walk_through_secretary(&app, &o, &id).await;
    let c = ok(&app, &o.reception, &id, "dispatch", json!({})).await;
    assert_eq!(c["status"], "answered");
    let answer = sim
        .wait_sent("the answer", |m| {
            to_maria(m) && text_of(m).contains("Data penerima telah kami perbarui")
        })
        .await;
    assert!(text_of(&answer).contains(&tn));
    // its link opens her complaint's page with the code (in the fragment)
    assert!(
        text_of(&answer).contains(&format!("/lacak/{tn}#kode=")),
        "{}",
        text_of(&answer)
    );
    sim.wait_sent("the survey invitation", |m| {
        to_maria(m) && text_of(m).contains("survei")
    })
    .await;
    let mut sent_event = false;
    for _ in 0..100 {
        let t = timeline(&app, &o.admin, &id).await;
        if t.iter().any(|e| e["kind"] == "answer_sent_telegram") {
            sent_event = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(sent_event, "the answer's delivery is on the record");
    // one acknowledgement, one answer: nothing sent twice
    let all = sim.sent().await;
    assert_eq!(
        all.iter()
            .filter(|m| text_of(m).contains("sudah diterima dan dicatat"))
            .count(),
        1
    );
    assert_eq!(
        all.iter()
            .filter(|m| text_of(m).contains("Jawaban atas pengaduan"))
            .count(),
        1
    );
}

async fn the_telegram_webhook_takes_only_its_secret_and_each_update_once(b: Backend) {
    let sim = tg_sim();
    let tg = tg_settings(&sim, Some(TG_SECRET));
    let Some(app) = spawn_app_with(b, move |s| s.telegram = Some(tg)).await else {
        return;
    };
    let o = office(&app).await;
    let set = |secret: &str| json!({"url": app.url("/webhooks/telegram"), "secret_token": secret});
    let r = sim
        .post(&format!("/bot{TOKEN}/setWebhook"), set(TG_SECRET))
        .await;
    assert_eq!(r["ok"], true);

    let chat = 5_550_002i64;
    let r = sim
        .post(
            "/sim/messages",
            json!({"chat_id": chat, "first_name": "Yohanes",
            "text": "Jalan ke kantor desa rusak berat, mohon perhatian dinas terkait."}),
        )
        .await;
    assert_eq!(r["webhook_status"], 200, "{r}");
    let update = r["update_id"].as_i64().unwrap();
    let list = of_channel(&app, &o.admin, "telegram").await;
    assert_eq!(list.len(), 1, "applied before the 200");
    let tn = list[0]["tracking_number"].as_str().unwrap().to_string();
    sim.wait_sent("the acknowledgement", |m| {
        m["chat_id"] == chat && text_of(m).contains(&tn)
    })
    .await;

    // the same update again (Telegram retries): nothing new
    let again = sim
        .post("/sim/redeliver", json!({"update_id": update}))
        .await;
    assert_eq!(again["webhook_status"], 200);
    // with a wrong secret: 401, nothing stored
    let forged = sim
        .post(
            "/sim/redeliver",
            json!({"update_id": update, "secret": "bukan-rahasianya"}),
        )
        .await;
    assert_eq!(forged["webhook_status"], 401);
    sim.post(&format!("/bot{TOKEN}/setWebhook"), set("salah"))
        .await;
    let r = sim
        .post(
            "/sim/messages",
            json!({"chat_id": 5_550_003, "first_name": "Palsu",
            "text": "Pesan ini datang dengan rahasia yang salah dan tidak boleh tercatat."}),
        )
        .await;
    assert_eq!(r["webhook_status"], 401);
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(of_channel(&app, &o.admin, "telegram").await.len(), 1);
    let acks = sim
        .sent()
        .await
        .into_iter()
        .filter(|m| text_of(m).contains("sudah diterima dan dicatat"))
        .count();
    assert_eq!(acks, 1, "one acknowledgement");
    // without the header at all
    let r = app
        .client
        .post(app.url("/webhooks/telegram"))
        .json(&json!({"update_id": 1, "message": {"message_id": 1, "date": 0,
            "chat": {"id": 1, "type": "private"}, "from": {"id": 1, "first_name": "X"}, "text": "x"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
}

/// `aduan serve` on the test's database with Telegram polling, as a process.
fn serve(app: &TestApp, sim: &Sim, dir: &TempDir) -> Child {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    Command::new(env!("CARGO_BIN_EXE_aduan"))
        .arg("serve")
        .env_clear()
        .env("DATABASE_URL", &app.database_url)
        .env("ADUAN_DATA_DIR", dir.0.display().to_string())
        .env(
            "ADUAN_SECRET_KEY_FILE",
            app.settings.secret_key_file.display().to_string(),
        )
        .env("ADUAN_LISTEN", format!("127.0.0.1:{port}"))
        .env("ADUAN_TRACKING_PREFIX", "DINSOS")
        .env("ADUAN_TELEGRAM_BOT_TOKEN", TOKEN)
        .env("ADUAN_TELEGRAM_API_URL", &sim.url)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("aduan serve")
}

fn stop(mut child: Child) {
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    for _ in 0..300 {
        if child.try_wait().ok().flatten().is_some() {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let _ = child.kill();
    let _ = child.wait();
}

async fn a_restart_in_the_middle_of_polling_loses_and_repeats_nothing(b: Backend) {
    let sim = tg_sim();
    // this test's own service does not poll: the processes below do
    let Some(app) = spawn_app_with(b, |_| {}).await else {
        return;
    };
    let admin = app.key(aduan::domain::Role::Admin).await;
    let dir = TempDir::new();
    let first = serve(&app, &sim, &dir);
    let say = |chat: i64, n: usize| {
        json!({"chat_id": chat, "first_name": format!("Warga {n}"),
            "text": format!("Pengaduan nomor {n}: bantuan beras bulan ini belum diterima.")})
    };
    for n in 0..3 {
        sim.post("/sim/messages", say(5_560_000 + n as i64, n))
            .await;
    }
    assert_eq!(wait_count(&app, &admin, "telegram", 3).await.len(), 3);
    // stopped while it waits in getUpdates; two more arrive meanwhile
    tokio::time::sleep(Duration::from_millis(300)).await;
    stop(first);
    for n in 3..5 {
        sim.post("/sim/messages", say(5_560_000 + n as i64, n))
            .await;
    }
    let dir2 = TempDir::new();
    let second = serve(&app, &sim, &dir2);
    let list = wait_count(&app, &admin, "telegram", 5).await;
    // and one more after the restart
    sim.post("/sim/messages", say(5_560_005, 5)).await;
    let list6 = wait_count(&app, &admin, "telegram", 6).await;
    for n in 0..6i64 {
        sim.wait_sent("an acknowledgement", |m| {
            m["chat_id"] == 5_560_000 + n && text_of(m).contains("sudah diterima dan dicatat")
        })
        .await;
    }
    stop(second);
    assert_eq!(list.len(), 5, "{list:?}");
    assert_eq!(list6.len(), 6, "nothing lost, nothing twice: {list6:?}");
    let acks = sim
        .sent()
        .await
        .into_iter()
        .filter(|m| text_of(m).contains("sudah diterima dan dicatat"))
        .count();
    assert_eq!(acks, 6, "each acknowledged once");
}

fn inject_log(dir: &TempDir) -> std::path::PathBuf {
    dir.0.join("inject.log")
}

/// The calls the fake `gammu-smsd-inject` received: each its arguments.
fn injected(dir: &TempDir) -> Vec<Vec<String>> {
    let s = std::fs::read_to_string(inject_log(dir)).unwrap_or_default();
    s.split('\u{1e}')
        .filter(|c| !c.is_empty())
        .map(|c| {
            c.split('\u{1f}')
                .filter(|a| !a.is_empty())
                .map(str::to_string)
                .collect()
        })
        .collect()
}

async fn wait_injected(
    dir: &TempDir,
    what: &str,
    f: impl Fn(&[Vec<String>]) -> bool,
) -> Vec<Vec<String>> {
    for _ in 0..300 {
        let calls = injected(dir);
        if f(&calls) {
            return calls;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the send command never got {what}: {:?}", injected(dir));
}

/// The texts sent to `to`, in order.
fn texts_to(calls: &[Vec<String>], to: &str) -> Vec<String> {
    calls
        .iter()
        .filter(|c| c.get(1).map(String::as_str) == Some(to))
        .filter_map(|c| c.last().cloned())
        .collect()
}

/// Runs `aduan intake sms` as Gammu's RunOnReceive would.
fn gammu_receive(
    app: &TestApp,
    database_url: &str,
    env: &[(&str, &str)],
    ids: &[&str],
) -> std::process::Output {
    let dir = TempDir::new();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_aduan"));
    cmd.args(["intake", "sms"])
        .args(ids)
        .env_clear()
        .env("DATABASE_URL", database_url)
        .env("ADUAN_DATA_DIR", dir.0.display().to_string())
        .env(
            "ADUAN_SECRET_KEY_FILE",
            app.settings.secret_key_file.display().to_string(),
        )
        .env("ADUAN_TRACKING_PREFIX", "DINSOS");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("aduan intake sms")
}

async fn an_sms_from_the_modem_becomes_a_complaint_answered_through_the_send_command(b: Backend) {
    let log_dir = TempDir::new();
    let fake = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/fake-gammu-smsd-inject"
    );
    let log = inject_log(&log_dir).display().to_string();
    let command: Vec<String> = [
        fake,
        log.as_str(),
        "TEXT",
        "{to}",
        "-len",
        "{len}",
        "-text",
        "{text}",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let Some(app) = spawn_app_with(b, move |s| {
        s.sms.send_command = Some(command);
        s.sms.send_limit = 160;
    })
    .await
    else {
        return;
    };
    let o = office(&app).await;
    let number = "+6281339001122";
    // a three-part message as Gammu hands it over
    let whole = "Saya warga Kelurahan Oebobo. Bantuan sembako untuk lansia di RT 05 sudah tiga bulan \
                 tidak dibagikan, padahal nama ibu saya ada di daftar penerima. Mohon diperiksa dan \
                 dijelaskan kapan dibagikan. Terima kasih.";
    let (p1, rest) = whole.split_at(100);
    let (p2, p3) = rest.split_at(80);
    let env = [
        ("SMS_MESSAGES", "3"),
        ("SMS_1_NUMBER", number),
        ("SMS_1_TEXT", p1),
        ("SMS_2_NUMBER", number),
        ("SMS_2_TEXT", p2),
        ("SMS_3_NUMBER", number),
        ("SMS_3_TEXT", p3),
        ("DECODED_PARTS", "1"),
        ("DECODED_1_TEXT", whole),
    ];
    let ids = [
        "IN20261207_081500_00_+6281339001122_00.txt",
        "IN20261207_081500_00_+6281339001122_01.txt",
        "IN20261207_081500_00_+6281339001122_02.txt",
    ];
    let out = gammu_receive(&app, &app.database_url, &env, &ids);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let said = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(said.contains("registered DINSOS"), "{said}");
    let list = of_channel(&app, &o.admin, "sms").await;
    assert_eq!(list.len(), 1);
    let id = list[0]["id"].as_str().unwrap().to_string();
    let c = complaint(&app, &o.admin, &id).await;
    let tn = c["tracking_number"].as_str().unwrap().to_string();
    assert!(said.contains(&tn));
    assert_eq!(c["channel"], "sms");
    assert_eq!(c["body"], whole, "the whole text");
    assert_eq!(c["reporter"]["phone"], number);
    // Gammu runs it again for the same message (its two-minute limit): taken once
    let again = gammu_receive(&app, &app.database_url, &env, &ids);
    assert!(again.status.success());
    assert!(String::from_utf8_lossy(&again.stdout).contains("taken before"));
    assert_eq!(of_channel(&app, &o.admin, "sms").await.len(), 1);

    // the acknowledgement goes to the send command, in parts of at most 160
    // every part of it (the number comes in the first, the link after)
    let calls = wait_injected(&log_dir, "the acknowledgement", |c| {
        let all = texts_to(c, number).join(" ");
        all.contains(&tn) && all.contains("/lacak/")
    })
    .await;
    for c in &calls {
        assert_eq!(&c[..2], ["TEXT", number], "{c:?}");
        let text = c.last().unwrap();
        assert!(text.chars().count() <= 160, "{text}");
        assert_eq!(c[3], text.chars().count().to_string(), "-len {{len}}");
    }
    assert!(texts_to(&calls, number).concat().contains("/lacak/"));

    // a second SMS after the acknowledgement joins that complaint
    let more = [
        ("SMS_MESSAGES", "1"),
        ("SMS_1_NUMBER", number),
        (
            "SMS_1_TEXT",
            "Nama ibu saya Maria Bria, NIK sudah saya bawa ke kantor kelurahan.",
        ),
    ];
    let out = gammu_receive(
        &app,
        &app.database_url,
        &more,
        &["IN20261207_082000_00_x_00.txt"],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("added to the sender's complaint"));
    assert_eq!(of_channel(&app, &o.admin, "sms").await.len(), 1);
    let t = timeline(&app, &o.admin, &id).await;
    assert!(
        t.iter().any(
            |e| (e["kind"] == "message_received" || e["kind"] == "reporter_replied")
                && e["detail"].to_string().contains("Maria Bria")
        ),
        "{t:?}"
    );

    // a database that is down: non-zero, nothing written
    let missing = TempDir::new();
    let down = if app.database_url.starts_with("sqlite") {
        // not the service's database (a mistyped path): never a new one
        format!("sqlite://{}/aduan.db", missing.0.display())
    } else {
        "postgres://aduan@127.0.0.1:1/aduan".to_string()
    };
    let lost = [
        ("SMS_MESSAGES", "1"),
        ("SMS_1_NUMBER", "+6281339009999"),
        ("SMS_1_TEXT", "Pengaduan yang datang saat basis data mati."),
    ];
    let out = gammu_receive(&app, &down, &lost, &["IN_down_00.txt"]);
    assert!(!out.status.success(), "Gammu must keep it");
    assert_eq!(of_channel(&app, &o.admin, "sms").await.len(), 1);

    // the answer by SMS, split at words, in order
    walk_through_secretary(&app, &o, &id).await;
    let c = ok(&app, &o.reception, &id, "dispatch", json!({})).await;
    assert_eq!(c["status"], "answered");
    let calls = wait_injected(&log_dir, "the answer", |c| {
        // its last part carries the link: the acknowledgement's and the answer's
        let all = texts_to(c, number).join(" ");
        all.contains("perbarui.") && all.matches("/lacak/").count() >= 2
    })
    .await;
    let joined = texts_to(&calls, number).join(" ");
    assert!(joined.contains("Jawaban atas pengaduan"), "{joined}");
    assert!(
        joined.contains("Terima kasih atas laporan Anda. Data penerima telah kami perbarui."),
        "{joined}"
    );
}

async fn the_sms_gateway_is_signed_and_answers_go_back_through_it(b: Backend) {
    let sim = Sim::start(
        env!("CARGO_BIN_EXE_smsgate-sim"),
        "smsgate-sim",
        &[
            "--username",
            "sms",
            "--password",
            "rahasia-sms",
            "--signing-key",
            "kunci-tanda-tangan",
        ],
    );
    let url = sim.url.clone();
    let Some(app) = spawn_app_with(b, move |s| {
        s.sms.gateway_url = Some(url);
        s.sms.gateway_username = Some("sms".into());
        s.sms.gateway_password = Some("rahasia-sms".into());
        s.sms.webhook_secret = Some("kunci-tanda-tangan".into());
    })
    .await
    else {
        return;
    };
    let o = office(&app).await;
    let r = sim
        .http
        .post(format!("{}/webhooks", sim.url))
        .basic_auth("sms", Some("rahasia-sms"))
        .json(&json!({"url": app.url("/webhooks/sms"), "event": "sms:received"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);

    let number = "+6285239004455";
    let r = sim
        .post(
            "/sim/receive",
            json!({"phoneNumber": number,
            "message": "Kartu KIS saya ditolak di puskesmas padahal masih terdaftar PBI."}),
        )
        .await;
    assert_eq!(r["webhook_statuses"], json!([200]), "{r}");
    let list = of_channel(&app, &o.admin, "sms").await;
    assert_eq!(list.len(), 1);
    let tn = list[0]["tracking_number"].as_str().unwrap().to_string();
    let ack = sim
        .wait_sent("the acknowledgement", |m| {
            m["phoneNumbers"] == json!([number]) && text_of(m).contains(&tn)
        })
        .await;
    assert!(text_of(&ack).contains("/lacak/"));
    // the gateway delivers the same event again: once
    let again = sim.post("/sim/redeliver", json!({"id": r["id"]})).await;
    assert_eq!(again["webhook_statuses"], json!([200]));
    // a delivery signed with another key: 401, nothing stored
    let forged = sim
        .post("/sim/receive", json!({"phoneNumber": "+6285200000000",
            "message": "Pesan palsu yang tidak boleh menjadi pengaduan di kantor ini.", "signingKey": "kunci-lain"}))
        .await;
    assert_eq!(forged["webhook_statuses"], json!([401]));
    assert_eq!(of_channel(&app, &o.admin, "sms").await.len(), 1);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let acks = sim
        .sent()
        .await
        .into_iter()
        .filter(|m| text_of(m).contains(&tn))
        .count();
    assert_eq!(acks, 1);
}

/// SMS is not set up here: an answer by SMS would wait in the outbox for
/// ever, so it is refused naming the method; a letter goes.
async fn an_answer_by_a_channel_this_server_cannot_send_on_is_refused(b: Backend) {
    let Some(app) = crate::helpers::spawn_app(b).await else {
        return;
    };
    let o = office(&app).await;
    let r = app
        .post_complaint(&o.reception, &crate::helpers::valid_complaint("letter"))
        .await;
    assert_eq!(r.status(), 201);
    let id = r.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    walk_through_secretary(&app, &o, &id).await;
    for method in ["sms", "telegram", "whatsapp"] {
        let r = crate::workflow::act(
            &app,
            &o.reception,
            &id,
            "dispatch",
            json!({"method": method}),
        )
        .await;
        let p = crate::helpers::assert_problem(r, 422).await;
        assert_eq!(
            crate::helpers::problem_fields(&p),
            ["method"],
            "{method}: {p}"
        );
    }
    assert_eq!(
        complaint(&app, &o.admin, &id).await["status"],
        "approved",
        "nothing changed"
    );
    let c = ok(
        &app,
        &o.reception,
        &id,
        "dispatch",
        json!({"method": "letter", "letter_number": "460/77/Dinsos", "letter_date": "2026-12-01"}),
    )
    .await;
    assert_eq!(c["status"], "answered");
}

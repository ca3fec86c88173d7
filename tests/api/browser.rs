//! The staff console in a real browser: Debian's Chromium driven over
//! WebDriver (chromium-driver, installed by scripts/test as PostgreSQL is).
//! Every page visited is checked at 360×800 and 1366×768 (no horizontal
//! scrolling), run through axe-core when scripts/test fetched it (no
//! serious or critical violation), and saved as a screenshot under
//! `target/screenshots/`.

use std::process::{Child, Command, Stdio};

use aduan::domain::Role;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};

use crate::accounts::{PASSWORD, account};
use crate::helpers::*;

both_backends!(
    the_console_signs_in_and_shows_the_inbox_list_and_complaint,
    no_console_page_shows_an_anonymous_reporter_to_staff,
);

const CHROMIUM: &str = "/usr/bin/chromium";
const DRIVER: &str = "/usr/bin/chromedriver";

/// A browser session; the driver process goes with it.
pub struct Browser {
    pub client: Client,
    driver: Child,
    base: String,
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or(9515)
}

fn axe_source() -> Option<String> {
    let p =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/browser-tools/axe.min.js");
    std::fs::read_to_string(p).ok()
}

impl Browser {
    /// Starts the driver and a headless Chromium; `None` (a skipped test)
    /// when they are not installed, which fails under CI=true.
    pub async fn start(app: &TestApp) -> Option<Browser> {
        if !std::path::Path::new(DRIVER).exists() || !std::path::Path::new(CHROMIUM).exists() {
            assert!(
                std::env::var("CI").is_err(),
                "chromium and chromium-driver are required under CI (scripts/test installs them)"
            );
            eprintln!("skipping: chromium / chromium-driver not installed");
            return None;
        }
        let port = free_port();
        let driver = Command::new(DRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let profile = std::env::temp_dir().join(format!("aduan-chromium-{}", uuid::Uuid::now_v7()));
        let caps: serde_json::Map<String, Value> = serde_json::from_value(json!({
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": CHROMIUM,
                "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                         "--no-first-run", "--disable-background-networking", "--disable-sync",
                         "--disable-component-update", "--lang=id-ID", "--window-size=1366,768",
                         format!("--user-data-dir={}", profile.display())]
            }
        }))
        .unwrap();
        let mut client = None;
        for _ in 0..100 {
            let connector = hyper_util::client::legacy::connect::HttpConnector::new();
            match ClientBuilder::new(connector)
                .capabilities(caps.clone())
                .connect(&format!("http://127.0.0.1:{port}"))
                .await
            {
                Ok(c) => {
                    client = Some(c);
                    break;
                }
                Err(_) => tokio::time::sleep(std::time::Duration::from_millis(100)).await,
            }
        }
        Some(Browser {
            client: client.expect("connect to chromedriver"),
            driver,
            base: app.address.clone(),
        })
    }

    pub async fn goto(&self, path: &str) {
        self.client
            .goto(&format!("{}{path}", self.base))
            .await
            .unwrap();
    }

    pub async fn path(&self) -> String {
        let u = self.client.current_url().await.unwrap();
        match u.query() {
            Some(q) => format!("{}?{q}", u.path()),
            None => u.path().to_string(),
        }
    }

    pub async fn text(&self) -> String {
        self.client
            .find(Locator::Css("body"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    }

    pub async fn fill(&self, css: &str, value: &str) {
        let e = self.client.find(Locator::Css(css)).await.unwrap();
        e.clear().await.unwrap();
        e.send_keys(value).await.unwrap();
    }

    /// Clicks a link or button that loads a page, and waits for the new page.
    pub async fn click(&self, css: &str) {
        self.client
            .execute("window.__aduanOld = true;", vec![])
            .await
            .unwrap();
        self.client
            .find(Locator::Css(css))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        for _ in 0..200 {
            let loaded = self
                .client
                .execute(
                    "return window.__aduanOld === undefined && document.readyState === 'complete';",
                    vec![],
                )
                .await
                .unwrap_or(Value::Bool(false));
            if loaded == Value::Bool(true) {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(25)).await;
        }
        panic!("no new page after clicking {css}");
    }

    /// Signs in through the form and lands where it was asked to go.
    pub async fn sign_in(&self, login: &str) {
        self.goto("/console").await;
        assert!(
            self.path().await.starts_with("/console/login"),
            "{}",
            self.path().await
        );
        self.fill("#login", login).await;
        self.fill("#password", PASSWORD).await;
        self.click("button[type=submit]").await;
    }

    /// The checks every page gets: at both sizes no horizontal scrolling,
    /// no serious or critical axe-core violation, a screenshot each.
    pub async fn check_page(&self, name: &str) {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
        std::fs::create_dir_all(&dir).unwrap();
        for (w, h) in [(360u32, 800u32), (1366, 768)] {
            self.client.set_window_size(w, h).await.unwrap();
            let fits = self
                .client
                .execute(
                    "return document.documentElement.scrollWidth <= window.innerWidth + 1;",
                    vec![],
                )
                .await
                .unwrap();
            assert_eq!(fits, Value::Bool(true), "{name} scrolls sideways at {w}px");
            let png = self.client.screenshot().await.unwrap();
            std::fs::write(dir.join(format!("{name}-{w}.png")), png).unwrap();
        }
        match axe_source() {
            Some(axe) => {
                self.client.execute(&axe, vec![]).await.unwrap();
                let result = self
                    .client
                    .execute_async(
                        "const done = arguments[arguments.length - 1];\
                         axe.run(document, {resultTypes: ['violations']})\
                           .then(r => done(r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')\
                             .map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', '))))\
                           .catch(e => done(['axe failed: ' + e]));",
                        vec![],
                    )
                    .await
                    .unwrap();
                assert_eq!(result, json!([]), "axe-core on {name}");
            }
            None => assert!(
                std::env::var("CI").is_err(),
                "axe-core is required under CI (scripts/test fetches it from npm)"
            ),
        }
    }
}

async fn register(app: &TestApp, key: &str, body: Value) -> Value {
    let r = app.post_complaint(key, &body).await;
    assert_eq!(r.status(), 201);
    r.json().await.unwrap()
}

async fn the_console_signs_in_and_shows_the_inbox_list_and_complaint(b: Backend) {
    let Some(app) = spawn_app(b).await else {
        return;
    };
    let admin = app.key(Role::Admin).await;
    account(&app, &admin, "loket.satu", "reception", None).await;
    let key = app.key(Role::Reception).await;
    let mut body = valid_complaint("letter");
    body["subject"] = json!("Bantuan PKH belum diterima sejak Agustus");
    let c = register(&app, &key, body).await;
    let number = c["tracking_number"].as_str().unwrap().to_string();
    let Some(browser) = Browser::start(&app).await else {
        return;
    };
    browser.goto("/console/login").await;
    browser.check_page("login").await;
    // a wrong password says so next to the form, and keeps the name typed
    browser.goto("/console").await;
    browser.fill("#login", "loket.satu").await;
    browser
        .fill("#password", "salah sekali kata sandinya")
        .await;
    browser.click("button[type=submit]").await;
    let t = browser.text().await;
    assert!(t.contains("Nama pengguna atau kata sandi salah"), "{t}");
    let typed = browser
        .client
        .find(Locator::Css("#login"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap();
    assert_eq!(typed.as_deref(), Some("loket.satu"));

    browser.sign_in("loket.satu").await;
    assert_eq!(browser.path().await, "/console");
    let text = browser.text().await;
    assert!(
        text.contains("Kotak masuk") && text.contains(&number),
        "{text}"
    );
    assert!(text.contains("Menunggu diteruskan ke Kepala Dinas"));
    assert!(text.contains("7 hari kerja lagi"), "{text}");
    browser.check_page("inbox").await;

    browser
        .click(&format!(
            "a[href='/console/complaints/{}']",
            c["id"].as_str().unwrap()
        ))
        .await;
    let text = browser.text().await;
    assert!(text.contains("Bantuan PKH belum diterima sejak Agustus"));
    assert!(
        text.contains("Agustinus Lay"),
        "reception sees a named reporter"
    );
    assert!(text.contains("Didaftarkan"), "the timeline");
    assert!(text.contains("WITA"), "office-local times");
    browser.check_page("complaint").await;

    browser.goto("/console/complaints?status=registered").await;
    assert!(browser.text().await.contains(&number));
    browser.check_page("list").await;
    // a tracking number in the search box opens the complaint
    browser.fill("#q", &number.to_lowercase()).await;
    browser.click(".filters button[type=submit]").await;
    assert_eq!(
        browser.path().await,
        format!("/console/complaints/{}", c["id"].as_str().unwrap())
    );
    // signing out ends the session: the console asks to sign in again
    browser.click("header form button").await;
    browser.goto("/console").await;
    assert!(browser.path().await.starts_with("/console/login"));
    // and coming back through a link returns to it
    let link = format!("/console/complaints/{}", c["id"].as_str().unwrap());
    browser.goto(&link).await;
    browser.fill("#login", "loket.satu").await;
    browser.fill("#password", PASSWORD).await;
    browser.click("button[type=submit]").await;
    assert_eq!(browser.path().await, link);
}

async fn no_console_page_shows_an_anonymous_reporter_to_staff(b: Backend) {
    let Some(app) = spawn_app_with(b, |s| s.require_2fa = Vec::new()).await else {
        return;
    };
    let admin = app.key(Role::Admin).await;
    let key = app.key(Role::Reception).await;
    let mut body = valid_complaint("letter");
    body["anonymous"] = json!(true);
    body["reporter"] = json!({"name": "Theresia Rahasia", "phone": "081377778888"});
    let c = register(&app, &key, body).await;
    let id = c["id"].as_str().unwrap().to_string();
    let Some(browser) = Browser::start(&app).await else {
        return;
    };
    for (login, role, sees) in [
        ("loket.dua", "reception", false),
        ("kadis", "head", false),
        ("pimpinan", "manager", false),
        ("admin.satu", "admin", true),
    ] {
        account(&app, &admin, login, role, None).await;
        browser.client.delete_all_cookies().await.unwrap();
        browser.sign_in(login).await;
        for page in [
            "/console".to_string(),
            "/console/complaints".to_string(),
            format!("/console/complaints/{id}"),
        ] {
            browser.goto(&page).await;
            let source = browser.client.source().await.unwrap();
            let shown = source.contains("Theresia Rahasia") || source.contains("081377778888");
            // the identity is on the complaint's own page, for who may see it
            assert_eq!(shown, sees && page.ends_with(&id), "{role} on {page}");
            assert!(
                !browser.path().await.contains("0813"),
                "no personal data in URLs"
            );
        }
        if !sees {
            browser.goto(&format!("/console/complaints/{id}")).await;
            let t = browser.text().await;
            assert!(t.contains("dirahasiakan"), "{t}");
            browser.check_page(&format!("anonymous-{role}")).await;
        }
    }
}

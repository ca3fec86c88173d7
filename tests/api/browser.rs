//! The staff console in a real browser: Debian's Chromium driven over
//! WebDriver (chromium-driver, installed by scripts/test as PostgreSQL is).
//! Every page visited is checked at 360×800 and 1366×768 (no horizontal
//! scrolling); on the SQLite leg it is also run through axe-core when
//! scripts/test fetched it (no serious or critical violation) and saved as
//! a screenshot under `target/screenshots/` (the same templates render on
//! both stores: see `Browser::audits`).

use std::process::{Child, Command, Stdio};

use aduan::domain::Role;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};

use crate::accounts::{PASSWORD, account};
use crate::helpers::*;

both_backends!(
    the_console_signs_in_and_shows_the_inbox_list_and_complaint,
    no_console_page_shows_an_anonymous_reporter_to_staff,
    the_disposition_chain_is_walked_through_the_pages,
    a_role_that_needs_two_factor_enrols_on_its_account_page,
    reception_registers_at_the_desk_and_gets_a_receipt,
    a_suggestion_box_is_entered_slip_by_slip_and_a_form_sent_twice_registers_once,
    an_admin_creates_an_account_closes_the_office_for_a_day_and_retries_a_parked_message,
    the_console_works_with_the_keyboard_alone,
    a_lapor_report_is_answered_through_the_pages_and_the_followup_reaches_lapor,
    the_complainant_follows_the_emailed_link_rates_the_answer_and_replies,
    a_whatsapp_conversation_is_read_and_answered_in_the_pages,
    the_search_box_finds_by_name_word_and_phrase,
    lapor_reports_are_forwarded_and_disposed_in_bulk,
    the_desk_counts_deadlines_from_receipt_and_closing_time,
    a_draft_is_approved_from_the_inbox_on_a_phone,
    a_saved_view_is_pinned_to_the_menu_with_its_count,
    the_bell_counts_what_is_new_and_opening_reads_it,
    categories_are_kept_by_the_admin_and_set_in_bulk_or_on_the_page,
    a_phone_call_and_a_social_media_post_are_registered_and_answered_there,
    a_visitor_signs_the_guest_book_the_kabid_is_called_and_the_visit_becomes_a_complaint,
    a_plh_approves_and_the_records_say_plh,
);

const CHROMIUM: &str = "/usr/bin/chromium";
const DRIVER: &str = "/usr/bin/chromedriver";

/// A browser session; the driver process goes with it.
pub struct Browser {
    pub client: Client,
    driver: Child,
    base: String,
    profile: std::path::PathBuf,
    /// Screenshots and axe-core on every checked page: on the SQLite leg.
    /// The pages are the same templates over either store, so the
    /// PostgreSQL leg walks them for what its store answers and checks
    /// only that they fit, which keeps the suite within its quarter hour
    /// (issue 38: the api binary 537 -> 519 s at six tests at a time).
    audits: bool,
}

impl Drop for Browser {
    /// Ends the WebDriver session (chromedriver then quits Chromium), kills
    /// whatever is left of this browser (found by its profile folder), and
    /// removes the profile: a killed driver alone leaves Chromium running.
    fn drop(&mut self) {
        let client = self.client.clone();
        if let Ok(handle) = tokio::runtime::Handle::try_current() {
            tokio::task::block_in_place(|| {
                let _ = handle.block_on(async {
                    tokio::time::timeout(std::time::Duration::from_secs(5), client.close()).await
                });
            });
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
        let _ = Command::new("pkill")
            .args(["-9", "-f", &self.profile.display().to_string()])
            .status();
        let _ = std::fs::remove_dir_all(&self.profile);
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
            profile,
            audits: !app.database_url.starts_with("postgres"),
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

    /// The text of the first element `css` finds.
    pub async fn text_of(&self, css: &str) -> String {
        self.client
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("{css}: {e}"))
            .text()
            .await
            .unwrap()
    }

    /// Types into a field (a select: picks by value; a date or a hidden
    /// field: sets its value, since a date is typed in the browser's locale).
    pub async fn fill(&self, css: &str, value: &str) {
        let e = self.client.find(Locator::Css(css)).await.unwrap();
        let kind = e.attr("type").await.unwrap();
        if e.tag_name().await.unwrap() == "select" {
            e.select_by_value(value).await.unwrap();
        } else if matches!(kind.as_deref(), Some("date" | "hidden")) {
            let arg = serde_json::to_value(&e).unwrap();
            self.client
                .execute(
                    "arguments[0].value = arguments[1];",
                    vec![arg, json!(value)],
                )
                .await
                .unwrap();
        } else {
            e.clear().await.unwrap();
            e.send_keys(value).await.unwrap();
        }
    }

    /// Unfolds the `<details>` whose summary says `text`.
    pub async fn click_summary(&self, text: &str) {
        self.client
            .find(Locator::XPath(&format!("//summary[contains(., '{text}')]")))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
    }

    /// Presses a key in whatever has the focus (WebDriver key actions: the
    /// keyboard alone, no element targeted).
    pub async fn press(&self, key: fantoccini::key::Key) {
        self.keys(&[char::from(key)]).await;
    }

    async fn keys(&self, chars: &[char]) {
        use fantoccini::actions::{InputSource, KeyAction, KeyActions};
        let mut actions = KeyActions::new("keyboard".into());
        for c in chars {
            actions = actions
                .then(KeyAction::Down { value: *c })
                .then(KeyAction::Up { value: *c });
        }
        self.client.perform_actions(actions).await.unwrap();
    }

    /// Types into whatever has the focus.
    pub async fn type_text(&self, text: &str) {
        self.keys(&text.chars().collect::<Vec<_>>()).await;
    }

    /// Presses Tab until `css` has the focus (at most `max` times), the
    /// way someone without a mouse reaches it.
    pub async fn tab_to(&self, css: &str, max: usize) {
        let mut seen = Vec::new();
        for _ in 0..max {
            self.press(fantoccini::key::Key::Tab).await;
            let here = self
                .client
                .execute(
                    "return document.activeElement.matches(arguments[0]);",
                    vec![json!(css)],
                )
                .await
                .unwrap();
            if here == json!(true) {
                return;
            }
            seen.push(
                self.client
                    .execute(
                        "return document.activeElement.outerHTML.slice(0, 90);",
                        vec![],
                    )
                    .await
                    .unwrap(),
            );
        }
        panic!("`{css}` never got the focus with Tab; focus went to {seen:#?}");
    }

    /// Presses Enter on the focused element and waits for the new page.
    pub async fn enter_and_wait(&self) {
        self.mark_page().await;
        self.press(fantoccini::key::Key::Enter).await;
        self.wait_for_new_page("Enter").await;
    }

    /// Marks the page in the browser, so that a new one can be told apart.
    async fn mark_page(&self) {
        self.client
            .execute("window.__aduanOld = true;", vec![])
            .await
            .unwrap();
    }

    /// Waits until a page without the mark has loaded completely.
    async fn wait_for_new_page(&self, after: &str) {
        for _ in 0..200 {
            let loaded = self
                .client
                .execute(
                    "return window.__aduanOld === undefined && document.readyState === 'complete';",
                    vec![],
                )
                .await
                .unwrap_or(json!(false));
            if loaded == json!(true) {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(25)).await;
        }
        panic!("no new page after {after}");
    }

    /// The value of a field.
    /// A screenshot at both sizes with `css` scrolled to the top (to look at
    /// the part of a long page a person works in).
    pub async fn screenshot_at(&self, css: &str, name: &str) {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
        std::fs::create_dir_all(&dir).unwrap();
        for (w, h) in [(360u32, 800u32), (1366, 768)] {
            self.client.set_window_size(w, h).await.unwrap();
            self.client
                .execute(
                    "document.querySelector(arguments[0]).scrollIntoView();",
                    vec![json!(css)],
                )
                .await
                .unwrap();
            let png = self.client.screenshot().await.unwrap();
            std::fs::write(dir.join(format!("{name}-{w}.png")), png).unwrap();
        }
    }

    /// Ticks (or unticks) a checkbox: no page load follows.
    pub async fn tick(&self, css: &str) {
        self.client
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("{css}: {e}"))
            .click()
            .await
            .unwrap_or_else(|e| panic!("{css}: {e}"));
    }

    /// Chooses the option with this value of a `<select>`.
    pub async fn select(&self, css: &str, value: &str) {
        self.client
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("{css}: {e}"))
            .select_by_value(value)
            .await
            .unwrap_or_else(|e| panic!("{css} = {value}: {e}"));
    }

    pub async fn value(&self, css: &str) -> String {
        self.client
            .find(Locator::Css(css))
            .await
            .unwrap()
            .prop("value")
            .await
            .unwrap()
            .unwrap_or_default()
    }

    /// Clicks a link or button that loads a page, and waits for the new page.
    pub async fn click(&self, css: &str) {
        self.mark_page().await;
        self.client
            .find(Locator::Css(css))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        self.wait_for_new_page(&format!("clicking {css}")).await;
    }

    /// Takes a workflow action through its form on the complaint's page:
    /// unfolds it, fills `fields` (selects by value; `copies` ticks boxes),
    /// submits, and waits for the answer page.
    pub async fn act(&self, action: &str, fields: &[(&str, &str)]) {
        let details = format!("details:has(input[name=action][value={action}])");
        let form = format!("{details} form");
        let Ok(summary) = self
            .client
            .find(Locator::Css(&format!("{details} > summary")))
            .await
        else {
            panic!("no `{action}` offered here:\n{}", self.text().await);
        };
        let open = self
            .client
            .find(Locator::Css(&details))
            .await
            .unwrap()
            .attr("open")
            .await
            .unwrap();
        if open.is_none() {
            summary.click().await.unwrap();
        }
        for (name, value) in fields {
            if *name == "copies" {
                self.client
                    .find(Locator::Css(&format!(
                        "{form} input[name=copies][value='{value}']"
                    )))
                    .await
                    .unwrap()
                    .click()
                    .await
                    .unwrap();
                continue;
            }
            let e = self
                .client
                .find(Locator::Css(&format!("{form} [name={name}]")))
                .await
                .unwrap();
            if e.tag_name().await.unwrap() == "select" {
                e.select_by_value(value).await.unwrap();
            } else if e.attr("type").await.unwrap().as_deref() == Some("date") {
                // a date field is typed in the browser's locale; set its ISO value
                let arg = serde_json::to_value(&e).unwrap();
                self.client
                    .execute(
                        "arguments[0].value = arguments[1];",
                        vec![arg, json!(value)],
                    )
                    .await
                    .unwrap();
            } else {
                e.clear().await.unwrap();
                e.send_keys(value).await.unwrap();
            }
        }
        self.click(&format!("{form} button[type=submit]")).await;
    }

    /// Signs out (if signed in) and in as `login`, then opens `path`.
    pub async fn as_user(&self, login: &str, path: &str) {
        self.client.delete_all_cookies().await.unwrap();
        self.goto(path).await;
        self.fill("#login", login).await;
        self.fill("#password", PASSWORD).await;
        self.click("button[type=submit]").await;
        assert_eq!(self.path().await, path, "back to the page after signing in");
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
    /// and on the SQLite leg no serious or critical axe-core violation and
    /// a screenshot each (see `audits`).
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
            if !self.audits {
                continue;
            }
            let png = self.client.screenshot().await.unwrap();
            std::fs::write(dir.join(format!("{name}-{w}.png")), png).unwrap();
        }
        if !self.audits {
            return;
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
    // waiting for the complainant: the clock stops, then runs again
    for (op, reason) in [
        ("pause", "Menunggu salinan KK dari pelapor"),
        ("resume", "KK sudah diterima"),
    ] {
        let details = format!("details:has(input[name=op][value={op}])");
        browser
            .client
            .find(Locator::Css(&format!("{details} > summary")))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        browser.fill(&format!("{details} textarea"), reason).await;
        browser.click(&format!("{details} button")).await;
        let text = browser.text().await;
        assert!(
            text.contains("Waktu penanganan sudah diperbarui."),
            "{text}"
        );
        assert_eq!(
            text.contains("Menunggu pelapor\nsejak"),
            op == "pause",
            "{text}"
        );
    }
    assert!(
        browser.text().await.contains("Waktu berjalan lagi"),
        "on the timeline"
    );

    browser.goto("/console/complaints?status=registered").await;
    assert!(browser.text().await.contains(&number));
    browser.check_page("list").await;
    // by the reporter's phone, written another way (through the blind index)
    browser.fill("#identifier", "+62 812-3700-1234").await;
    browser
        .fill("#purpose", "Pelapor menanyakan perkembangan lewat telepon")
        .await;
    browser.click("form.person button").await;
    assert_eq!(browser.path().await, "/console/complaints/person");
    assert!(browser.text().await.contains(&number));
    browser.check_page("person-search").await;
    // a tracking number in the search box opens the complaint
    browser.fill("#q", &number.to_lowercase()).await;
    browser.click(".filters button[type=submit]").await;
    assert_eq!(
        browser.path().await,
        format!("/console/complaints/{}", c["id"].as_str().unwrap())
    );
    // signing out ends the session: the console asks to sign in again
    browser.click("header .who form button").await;
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
        ("kabid.satu", "official", false),
        ("penghubung.satu", "liaison", false),
        ("admin.satu", "admin", true),
        ("pdp.satu", "privacy", true),
    ] {
        account(&app, &admin, login, role, None).await;
        browser.client.delete_all_cookies().await.unwrap();
        browser.sign_in(login).await;
        for page in [
            "/console".to_string(),
            "/console/complaints".to_string(),
            format!("/console/complaints/{id}"),
            format!("/console/complaints/{id}/sheet"),
        ] {
            browser.goto(&page).await;
            let source = browser.client.source().await.unwrap();
            let shown = source.contains("Theresia Rahasia") || source.contains("081377778888");
            // the identity is on the complaint's own page and its lembar
            // disposisi, for who may see it
            let own = page.ends_with(&id) || page.ends_with("/sheet");
            assert_eq!(shown, sees && own, "{role} on {page}");
            assert!(
                !browser.path().await.contains("0813"),
                "no personal data in URLs"
            );
        }
        // a search by the reporter's phone does not tell who wrote it; it is
        // offered only to the desk, privacy and admins (issue 31)
        browser.goto("/console/complaints").await;
        let desk = matches!(role, "reception" | "liaison" | "admin" | "privacy");
        let offered = browser
            .client
            .source()
            .await
            .unwrap()
            .contains("id=\"identifier\"");
        assert_eq!(offered, desk, "{role}: the search by identity offered");
        if desk {
            browser.fill("#identifier", "0813-7777-8888").await;
            browser
                .fill("#purpose", "Pelapor menanyakan perkembangan lewat telepon")
                .await;
            browser.click("form.person button").await;
            assert!(
                !browser.path().await.contains("0813"),
                "no personal data in URLs"
            );
            let listed = browser
                .client
                .source()
                .await
                .unwrap()
                .contains(&format!("/console/complaints/{id}"));
            assert_eq!(listed, sees, "{role} searching by phone");
        }
        if !sees {
            browser.goto(&format!("/console/complaints/{id}")).await;
            let t = browser.text().await;
            assert!(t.contains("dirahasiakan"), "{t}");
            browser.check_page(&format!("anonymous-{role}")).await;
        }
    }
}

/// Acceptance: the disposition issue's whole chain through the pages —
/// reception forwards a letter with its scan; the head disposes to a Kabid;
/// the Kabid to a Kasi; the Kasi drafts and submits; the Kabid returns it
/// with a note; the Kasi revises; approvals up to the head; reception
/// dispatches with a letter number; the timeline shows each step with the
/// person.
async fn the_disposition_chain_is_walked_through_the_pages(b: Backend) {
    let Some(app) = spawn_app_with(b, |s| s.require_2fa = Vec::new()).await else {
        return;
    };
    let o = crate::workflow::office(&app).await;
    let reception = app.key(Role::Reception).await;
    account(&app, &o.admin, "loket", "reception", None).await;
    account(&app, &o.admin, "kadis", "head", Some(&o.o_head)).await;
    account(&app, &o.admin, "kabid", "official", Some(&o.o_kabid)).await;
    account(&app, &o.admin, "kasi", "official", Some(&o.o_kasi)).await;
    let Some(br) = Browser::start(&app).await else {
        return;
    };
    let expect =
        |text: String, want: &str| assert!(text.contains(want), "`{want}` not in:\n{text}");

    // reception registers the letter at the desk, its scan in the same form
    br.as_user("loket", "/console/register").await;
    br.fill("#channel", "letter").await;
    br.fill("#kind", "complaint").await;
    br.fill("#subject", "Bantuan PKH belum cair").await;
    br.fill(
        "#body",
        "Sudah tiga bulan bantuan PKH keluarga kami belum diterima.",
    )
    .await;
    br.fill("#reporter-name", "Yohanes Bria").await;
    br.fill("#reporter-phone", "081234567890").await;
    br.fill("#external_ref-letter_number", "005/RT03/XI/2026")
        .await;
    // dates are typed the Indonesian way, whatever the browser's language
    // (a text field: a native date field would follow the browser's)
    let label = br.text_of("label[for='external_ref-letter_date']").await;
    assert!(label.contains("(hh-bb-tttt)"), "{label}");
    br.fill("#external_ref-letter_date", "28-11-2026").await;
    let scan = std::env::temp_dir().join(format!("surat-pengaduan-{}.pdf", uuid::Uuid::now_v7()));
    std::fs::write(&scan, tiny_pdf("Surat pengaduan RT 03")).unwrap();
    // the file field speaks Indonesian: our button and the chosen name
    assert_eq!(
        br.text_of("form.register .pick-name").await,
        "Belum ada berkas dipilih."
    );
    assert_eq!(
        br.text_of("form.register label.pick-button").await,
        "Pilih berkas…"
    );
    br.client
        .find(Locator::Css("form.register input[type=file]"))
        .await
        .unwrap()
        .send_keys(&scan.display().to_string())
        .await
        .unwrap();
    let chosen = br.text_of("form.register .pick-name").await;
    assert!(chosen.starts_with("surat-pengaduan-"), "{chosen}");
    br.client
        .execute(
            "document.querySelector('form.register .pick').scrollIntoView({block: 'center'});",
            vec![],
        )
        .await
        .unwrap();
    br.check_page("register-file-chosen").await;
    br.click("form.register button[type=submit]").await;
    let _ = std::fs::remove_file(&scan);
    expect(br.text().await, "nomor agenda");
    br.check_page("chain-letter-receipt").await;
    let all = app.list_all(&reception, "", 10).await;
    assert_eq!(all.len(), 1, "one complaint registered");
    let c = &all[0];
    assert_eq!(c["channel"], "letter");
    assert_eq!(c["external_ref"]["letter_number"], "005/RT03/XI/2026");
    assert_eq!(c["external_ref"]["letter_date"], "2026-11-28");
    let id = c["id"].as_str().unwrap().to_string();
    let page = format!("/console/complaints/{id}");
    br.click(
        "a[href='/console/complaints/{id}']"
            .replace("{id}", &id)
            .as_str(),
    )
    .await;
    // the scan is on the page, shown inline
    expect(br.text().await, "surat-pengaduan-");
    assert!(
        br.client
            .find(Locator::Css(".attachments iframe, .attachments object"))
            .await
            .is_ok(),
        "the PDF is previewed on the page"
    );
    br.check_page("chain-reception").await;
    br.act("forward_to_head", &[("note", "Mohon arahan")]).await;
    expect(
        br.text().await,
        "Pengaduan sudah diteruskan ke Kepala Dinas.",
    );

    br.as_user("kadis", "/console").await;
    expect(br.text().await, "Menunggu disposisi Anda");
    br.goto(&page).await;
    br.check_page("chain-head").await;
    br.act(
        "dispose",
        &[
            ("to", &o.kabid),
            ("instruction", "siapkan jawaban"),
            ("note", "Segera dicek ke lapangan"),
        ],
    )
    .await;
    expect(br.text().await, "Disposisi sudah dikirim.");
    expect(br.text().await, "Kabid Linjamsos");
    // the list filtered by holder: with the Kabid, not with the Kasi
    let number = c["tracking_number"].as_str().unwrap().to_string();
    br.goto(&format!("/console/complaints?holder=p:{}", o.kabid))
        .await;
    expect(br.text().await, &number);
    assert_eq!(br.value("#holder").await, format!("p:{}", o.kabid));
    br.goto(&format!("/console/complaints?holder=p:{}", o.kasi))
        .await;
    assert!(!br.text().await.contains(&number), "not with the Kasi");
    // … and the CSV of the filter, for Excel (BOM, office-local time)
    // (fetched with the browser's session cookie: a download is not a page)
    let cookies = br
        .client
        .get_all_cookies()
        .await
        .unwrap()
        .iter()
        .map(|c| format!("{}={}", c.name(), c.value()))
        .collect::<Vec<_>>()
        .join("; ");
    let csv = app
        .client
        .get(app.url(&format!("/console/complaints.csv?holder=p:{}", o.kabid)))
        .header("cookie", cookies)
        .send()
        .await
        .unwrap();
    assert_eq!(csv.status(), 200);
    assert!(
        csv.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment; filename=\"pengaduan-")
    );
    let csv = csv.text().await.unwrap();
    assert!(csv.starts_with('\u{feff}'), "{csv}");
    assert!(csv.contains("Nomor pengaduan;Diterima;Status"), "{csv}");
    assert!(csv.contains(&format!("\"{number}\"")), "{csv}");
    assert!(csv.contains("\"Kabid Linjamsos\""), "{csv}");
    assert!(
        !csv.contains("Yohanes"),
        "no identity in the list export: {csv}"
    );

    br.as_user("kabid", "/console").await;
    expect(br.text().await, "Menunggu tindak lanjut Anda");
    expect(
        br.text().await,
        "Instruksi: siapkan jawaban — Segera dicek ke lapangan",
    );
    br.check_page("chain-kabid-inbox").await;
    br.goto(&page).await;
    br.act(
        "dispose",
        &[
            ("to", &o.kasi),
            ("instruction", "siapkan jawaban"),
            ("note", "Siapkan konsep"),
        ],
    )
    .await;
    expect(br.text().await, "Disposisi sudah dikirim.");

    // opening the complaint disposed to her marks it read: no extra click
    br.as_user("kasi", &page).await;
    let t = br.text().await;
    expect(t.clone(), "Disposisi kepada Anda tercatat sudah dibaca.");
    assert!(!t.contains("Tandai disposisi sudah dibaca"), "{t}");
    br.act(
        "save_draft",
        &[(
            "body",
            "Yth. Bapak Agustinus, bantuan PKH Bapak sedang kami periksa.",
        )],
    )
    .await;
    expect(br.text().await, "Konsep jawaban, versi 1");
    br.act("submit_draft", &[]).await;
    expect(br.text().await, "Konsep jawaban sudah diajukan.");
    br.check_page("chain-kasi").await;

    br.as_user("kabid", &page).await;
    expect(br.text().await, "Yth. Bapak Agustinus");
    br.act("return", &[("note", "Sebutkan tanggal pencairan")])
        .await;
    expect(br.text().await, "dikembalikan");

    br.as_user("kasi", &page).await;
    expect(br.text().await, "Sebutkan tanggal pencairan");
    br.act(
        "save_draft",
        &[(
            "body",
            "Yth. Bapak Agustinus, bantuan PKH Bapak cair pada 15 Desember 2026.",
        )],
    )
    .await;
    expect(br.text().await, "Konsep jawaban, versi 2");
    br.act("submit_draft", &[]).await;

    br.as_user("kabid", &page).await;
    // what changed from version 1, word by word
    br.click_summary("Perubahan dari versi 1").await;
    let del = br
        .client
        .find(Locator::Css(".diff del"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let ins = br
        .client
        .find(Locator::Css(".diff ins"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(del.contains("sedang kami periksa"), "{del}");
    assert!(ins.contains("cair pada 15 Desember 2026"), "{ins}");
    expect(br.text().await, "Kabid Linjamsos: belum disetujui");
    br.check_page("chain-kabid-changes").await;
    br.act("approve", &[]).await;
    expect(br.text().await, "Konsep jawaban sudah disetujui.");
    expect(br.text().await, "Kabid Linjamsos: disetujui");
    br.as_user("kadis", &page).await;
    br.act("approve", &[("note", "Setuju")]).await;
    expect(br.text().await, "Jawaban disetujui");

    br.as_user("loket", &page).await;
    // a letter given its own number needs its date: refused next to the
    // field, nothing changed (without a number it takes the agenda's)
    br.act(
        "dispatch",
        &[
            ("method", "letter"),
            ("letter_number", "460/123/DINSOS/XII/2026"),
        ],
    )
    .await;
    let text = br.text().await;
    expect(text.clone(), "Periksa isian yang ditandai.");
    br.act(
        "dispatch",
        &[
            ("method", "letter"),
            ("letter_number", "460/123/DINSOS/XII/2026"),
            ("letter_date", "2026-12-02"),
        ],
    )
    .await;
    let text = br.text().await;
    expect(text.clone(), "Pengiriman jawaban sudah dicatat.");
    expect(text.clone(), "Dijawab");
    for step in [
        "Didaftarkan",
        "Diteruskan ke Kepala Dinas",
        "Yosef Kadis, Kepala Dinas",
        "Agnes Kabid, Kabid Linjamsos",
        "Benny Kasi, Kasi Bansos",
        "Konsep jawaban dikembalikan",
        "Jawaban disampaikan",
        "nomor surat: 460/123/DINSOS/XII/2026",
    ] {
        expect(text.clone(), step);
    }
    br.check_page("chain-answered").await;
    // the letter signed with the BSrE application comes back as a PDF: the
    // dispatched letter's record
    let signed = std::env::temp_dir().join(format!("surat-ttd-{}.pdf", uuid::Uuid::now_v7()));
    std::fs::write(
        &signed,
        b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n",
    )
    .unwrap();
    br.client
        .find(Locator::Css("input[name=signed_letter]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    br.client
        .find(Locator::Css("#file"))
        .await
        .unwrap()
        .send_keys(&signed.display().to_string())
        .await
        .unwrap();
    br.click("form.upload button[type=submit]").await;
    let text = br.text().await;
    expect(text.clone(), "surat jawaban bertanda tangan");
    expect(text.clone(), "Surat jawaban bertanda tangan diarsipkan");
    let _ = std::fs::remove_file(&signed);
    // the answer letter, to print: letterhead, its number, the answer
    br.click("a[href$='/letter']").await;
    let text = br.text().await;
    for want in [
        "PEMERINTAH DAERAH",
        "DINAS SOSIAL",
        "460/123/DINSOS/XII/2026",
        "2 Desember 2026",
        "Yohanes Bria",
        "cair pada 15 Desember 2026",
        "Kepala Dinas Sosial",
    ] {
        expect(text.clone(), want);
    }
    assert!(!text.contains("belum disetujui"), "{text}");
    br.check_page("chain-letter").await;
    br.goto(&page).await;
    // the lembar disposisi, to print
    br.click("a[href$='/sheet']").await;
    let text = br.text().await;
    for want in [
        "LEMBAR DISPOSISI",
        "005/RT03/XI/2026",
        "Kepala Dinas (Yosef Kadis)",
        "Kabid Linjamsos (Agnes Kabid)",
        "Segera dicek ke lapangan",
    ] {
        expect(text.clone(), want);
    }
    br.check_page("chain-sheet").await;
    // … and as a PDF
    let sheet = br.path().await;
    let cookie = br.client.get_named_cookie("aduan_session").await.unwrap();
    let pdf = app
        .client
        .get(app.url(&format!("{sheet}.pdf")))
        .header("Cookie", format!("{}={}", cookie.name(), cookie.value()))
        .send()
        .await
        .unwrap();
    assert_eq!(pdf.status(), 200);
    let bytes = pdf.bytes().await.unwrap();
    if let Some((text, info, _)) = crate::helpers::pdf_text(&bytes) {
        for want in [
            "LEMBAR DISPOSISI",
            "005/RT03/XI/2026",
            "Kabid Linjamsos (Agnes Kabid)",
            "Segera dicek ke lapangan",
        ] {
            assert!(text.contains(want), "`{want}` in the sheet's PDF: {text}");
        }
        assert!(info.contains("842 x 595 pts (A4)"), "{info}");
    }

    // a letter received a month ago and never forwarded: overdue at reception
    let mut late = valid_complaint("letter");
    late["received_at"] = json!((chrono::Utc::now() - chrono::Duration::days(30)).to_rfc3339());
    late["subject"] = json!("Surat lama belum diteruskan");
    let late = register(&app, &reception, late).await;
    let late_number = late["tracking_number"].as_str().unwrap().to_string();

    // the head's dashboard: every number a link to what it counts
    br.as_user("kadis", "/console/dashboard").await;
    let text = br.text().await;
    expect(text.clone(), "Menurut status");
    expect(text.clone(), "Dijawab");
    expect(text.clone(), "Menurut unit");
    expect(text.clone(), "Belum diteruskan (loket)");
    assert!(
        !text.contains("Angka per"),
        "a small office counts live: {text}"
    );
    br.check_page("dashboard").await;
    // overdue at reception → the list of exactly those
    br.click("a[href='/console/complaints?due=overdue&holder=none']")
        .await;
    let text = br.text().await;
    expect(text.clone(), "Pengaduan terlambat");
    expect(text.clone(), &late_number);
    assert!(
        !text.contains(c["tracking_number"].as_str().unwrap()),
        "{text}"
    );
    br.goto("/console/dashboard").await;
    br.click("a[href='/console/complaints?status=answered']")
        .await;
    expect(br.text().await, c["tracking_number"].as_str().unwrap());
    br.goto("/console/complaints?due=open").await;
    expect(br.text().await, "Pengaduan terbuka");
    br.check_page("list-open").await;

    // the head's reports: this month's table, the charts the server drew,
    // the exports, a page to print and sign
    br.click("a[href='/console/reports']").await;
    let text = br.text().await;
    for want in [
        "Ringkasan",
        "menurut saluran",
        "Surat",
        "Jumlah",
        "% tepat waktu",
        "Grafik",
    ] {
        expect(text.clone(), want);
    }
    let loaded = br
        .client
        .execute(
            "return Array.from(document.querySelectorAll('figure.chart img'))\
               .map(i => i.complete && i.naturalWidth > 0);",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(loaded, json!([true, true, true, true]), "every chart drawn");
    br.check_page("reports").await;
    for (anchor, name) in [("ringkasan", "reports-table"), ("grafik", "reports-charts")] {
        br.client
            .execute(
                &format!("document.getElementById('{anchor}').scrollIntoView();"),
                vec![],
            )
            .await
            .unwrap();
        br.check_page(name).await;
    }
    // by unit, then a period that ends before it starts: said next to the field
    br.fill("#group_by", "unit").await;
    br.click("form.report-form button[type=submit]").await;
    expect(br.text().await, "menurut unit");
    br.fill("#from", "2026-12-10").await;
    br.fill("#to", "2026-12-01").await;
    br.click("form.report-form button[type=submit]").await;
    let text = br.text().await;
    expect(
        text.clone(),
        "Tanggal akhir tidak boleh sebelum tanggal awal.",
    );
    br.check_page("reports-bad-period").await;
    br.goto("/console/reports?group_by=channel").await;
    br.click("a[href^='/console/reports/print']").await;
    let text = br.text().await;
    for want in [
        "DINAS SOSIAL",
        "Laporan Pengelolaan Pengaduan",
        "Periode 1 ",
        "Surat",
        "Kepala Dinas Sosial",
        "NIP.",
    ] {
        expect(text.clone(), want);
    }
    br.check_page("report-print").await;
}

/// The head and admins must use two-factor sign-in: the console sends them
/// to their account page, where they enrol with the QR code; the recovery
/// codes are shown once; then the console opens, and sign-in asks the code.
async fn a_role_that_needs_two_factor_enrols_on_its_account_page(b: Backend) {
    let Some(app) = spawn_app(b).await else {
        return;
    };
    let admin = app.key(Role::Admin).await;
    account(&app, &admin, "kadis.baru", "head", None).await;
    let Some(br) = Browser::start(&app).await else {
        return;
    };
    br.sign_in("kadis.baru").await;
    assert_eq!(br.path().await, "/console/account");
    assert!(
        br.text()
            .await
            .contains("wajib memakai verifikasi dua langkah")
    );
    br.goto("/console/complaints").await;
    assert_eq!(
        br.path().await,
        "/console/account",
        "nothing else until enrolled"
    );
    br.check_page("account-enrol").await;
    br.click("form[action='/console/account/totp'] button")
        .await;
    let secret = br
        .client
        .find(Locator::Css(".hint code"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        br.client.find(Locator::Css(".qr svg")).await.is_ok(),
        "a QR code"
    );
    br.check_page("account-qr").await;
    br.fill("#code", "000000").await;
    br.click("form[action='/console/account/totp/confirm'] button")
        .await;
    assert!(br.text().await.contains("Kode tidak cocok"));
    br.click("form[action='/console/account/totp'] button")
        .await;
    let secret2 = br
        .client
        .find(Locator::Css(".hint code"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_ne!(secret, secret2, "a new secret each time");
    br.fill("#code", &crate::accounts::totp(&secret2, 0)).await;
    br.click("form[action='/console/account/totp/confirm'] button")
        .await;
    let text = br.text().await;
    assert!(
        text.contains("Verifikasi dua langkah sudah aktif"),
        "{text}"
    );
    let codes = br
        .client
        .find_all(Locator::Css("ul.codes li"))
        .await
        .unwrap();
    assert_eq!(codes.len(), 10, "recovery codes shown once");
    br.goto("/console").await;
    assert_eq!(br.path().await, "/console");
    // signing in again asks for the code
    br.client.delete_all_cookies().await.unwrap();
    br.goto("/console").await;
    br.fill("#login", "kadis.baru").await;
    br.fill("#password", PASSWORD).await;
    br.click("button[type=submit]").await;
    assert!(br.text().await.contains("Masukkan kode verifikasi"));
    br.fill("#password", PASSWORD).await;
    br.fill("#totp", &crate::accounts::totp(&secret2, 1)).await;
    br.click("button[type=submit]").await;
    assert_eq!(br.path().await, "/console");
}

async fn reception_registers_at_the_desk_and_gets_a_receipt(b: Backend) {
    let Some(app) = spawn_app(b).await else {
        return;
    };
    let admin = app.key(Role::Admin).await;
    account(&app, &admin, "loket.tiga", "reception", None).await;
    let Some(br) = Browser::start(&app).await else {
        return;
    };
    br.sign_in("loket.tiga").await;
    br.goto("/console/register").await;
    br.check_page("register").await;
    // face to face needs the identity document: refused next to the field,
    // what was typed stays
    br.fill("#subject", "Kursi roda untuk lansia").await;
    br.fill("#body", "Ibu saya (78 tahun) membutuhkan kursi roda.")
        .await;
    br.fill("#reporter-name", "Maria Goreti").await;
    br.click("form.register button[type=submit]").await;
    let text = br.text().await;
    assert!(text.contains("Pengaduan belum terdaftar"), "{text}");
    assert!(text.contains("nomor identitas (NIK) wajib diisi"), "{text}");
    let kept = br
        .client
        .find(Locator::Css("#subject"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap();
    assert_eq!(kept.as_deref(), Some("Kursi roda untuk lansia"));
    br.check_page("register-refused").await;
    assert!(
        app.list_all(&admin, "", 10).await.is_empty(),
        "nothing registered"
    );
    br.fill("#reporter-id_number", "5371014101900001").await;
    br.click("form.register button[type=submit]").await;
    let text = br.text().await;
    assert!(text.contains("Tanda terima pengaduan"), "{text}");
    let number = br
        .client
        .find(Locator::Css(".receipt dd.big"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        number.starts_with(app.settings.tracking_prefix.as_str()),
        "{number}"
    );
    assert!(text.contains("Kode akses"));
    // the slip: letterhead, the status page written out, who received it
    assert!(text.contains("PEMERINTAH DAERAH"), "{text}");
    assert!(
        text.contains(&format!("{}/lacak", app.settings.public_base_url)),
        "{text}"
    );
    assert!(
        text.contains("Yang menerima,") && text.contains("( loket.tiga )"),
        "{text}"
    );
    br.check_page("receipt").await;
    // … and as a PDF to print (the code goes in the form, never the address)
    let field = |css: &'static str| {
        let br = &br;
        async move {
            br.client
                .find(Locator::Css(css))
                .await
                .unwrap()
                .prop("value")
                .await
                .unwrap()
                .unwrap()
        }
    };
    let (csrf, code) = (
        field("form[action$='/receipt.pdf'] input[name=csrf]").await,
        field("form[action$='/receipt.pdf'] input[name=code]").await,
    );
    let action = br
        .client
        .find(Locator::Css("form[action$='/receipt.pdf']"))
        .await
        .unwrap()
        .attr("action")
        .await
        .unwrap()
        .unwrap();
    let cookie = br.client.get_named_cookie("aduan_session").await.unwrap();
    let post = |code: String| {
        let app = &app;
        let (csrf, number, action) = (csrf.clone(), number.clone(), action.clone());
        let cookie = format!("{}={}", cookie.name(), cookie.value());
        async move {
            app.client
                .post(app.url(&action))
                .header("Cookie", cookie)
                .form(&[("csrf", csrf), ("number", number), ("code", code)])
                .send()
                .await
                .unwrap()
        }
    };
    assert_eq!(post("WRONG-CODE".into()).await.status(), 404);
    let pdf = post(code.clone()).await;
    assert_eq!(pdf.status(), 200);
    let bytes = pdf.bytes().await.unwrap();
    if let Some((text, info, _)) = crate::helpers::pdf_text(&bytes) {
        for want in [
            "TANDA TERIMA PENGADUAN",
            number.as_str(),
            code.as_str(),
            "Kursi roda untuk lansia",
            "Tatap muka",
            "/lacak",
            "Yang menerima,",
            "( loket.tiga )",
        ] {
            assert!(text.contains(want), "`{want}` in the receipt: {text}");
        }
        assert!(info.contains("595 x 842 pts (A4)"), "{info}");
    }
    std::fs::write(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("target/screenshots/tanda-terima.pdf"),
        &bytes,
    )
    .unwrap();
    let all = app.list_all(&admin, "", 10).await;
    assert_eq!(all.len(), 1);
    assert_eq!(all[0]["tracking_number"], number.as_str());
    assert_eq!(all[0]["channel"], "face_to_face");
    assert_eq!(all[0]["reporter"]["id_number"], "5371014101900001");
}

/// Administration through the pages: the organisation tree with its
/// holders, a new account with its one-time link, an office closure that
/// moves an open complaint's deadline, a parked message put back in the queue.
async fn an_admin_creates_an_account_closes_the_office_for_a_day_and_retries_a_parked_message(
    b: Backend,
) {
    let Some(app) = spawn_app_with(b, |s| s.require_2fa = Vec::new()).await else {
        return;
    };
    let o = crate::workflow::office(&app).await;
    let reception = app.key(Role::Reception).await;
    account(&app, &o.admin, "admin.kantor", "admin", None).await;
    let c = register(&app, &reception, valid_complaint("email")).await;
    let id = c["id"].as_str().unwrap().to_string();
    let due_before = c["due_at"].as_str().unwrap().to_string();
    // the acknowledgement could not be delivered: parked
    let pending = app.store.list_outbox(Some("pending"), 10).await.unwrap();
    assert_eq!(pending.len(), 1, "{pending:?}");
    app.store
        .outbox_failed(pending[0].id, "550 5.1.1 mailbox unavailable", None)
        .await
        .unwrap();
    let Some(br) = Browser::start(&app).await else {
        return;
    };
    br.as_user("admin.kantor", "/console/admin/org").await;
    let text = br.text().await;
    assert!(text.contains("Kabid Linjamsos"), "{text}");
    assert!(text.contains("Agnes Kabid"), "{text}");
    br.check_page("admin-org").await;

    // the organisation changed in the pages: a position needs its superior
    let submit =
        |form: &str| format!("form[action='/console/admin/org/{form}'] button[type=submit]");
    br.fill("#pos-title", "Kasi Rehabilitasi Sosial").await;
    br.click(&submit("positions")).await;
    let text = br.text().await;
    assert!(text.contains("Pilih atasan"), "{text}");
    assert_eq!(br.value("#pos-title").await, "Kasi Rehabilitasi Sosial");
    br.fill("#pos-superior-id", &o.kabid).await;
    br.click(&submit("positions")).await;
    let text = br.text().await;
    assert!(
        text.contains("Jabatan Kasi Rehabilitasi Sosial ditambahkan"),
        "{text}"
    );
    // an officer with a wrong address is refused next to the field
    br.fill("#off-name", "Maria Goreti").await;
    br.fill("#off-email", "maria@dinsos").await;
    br.click(&submit("officers")).await;
    let text = br.text().await;
    assert!(text.contains("Alamat surel belum benar"), "{text}");
    assert!(
        br.client
            .find(Locator::Css("#off-email[aria-invalid=true]"))
            .await
            .is_ok()
    );
    // … and summed up at the top of the page, a link to the field
    let summary = br
        .client
        .find(Locator::Css(".error-summary a[href='#off-email']"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(summary.contains("Alamat surel belum benar"), "{summary}");
    br.check_page("admin-org-error-summary").await;
    br.fill("#off-email", "maria@dinsos.go.id").await;
    br.click(&submit("officers")).await;
    let text = br.text().await;
    assert!(text.contains("Pegawai Maria Goreti ditambahkan"), "{text}");
    let officers: Value = app
        .get(&o.admin, "/api/v1/org/officers")
        .await
        .json()
        .await
        .unwrap();
    let maria = officers["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["name"] == "Maria Goreti")
        .expect("the officer is stored")
        .clone();
    assert_eq!(maria["email"], "maria@dinsos.go.id");
    // she stands in for the Kabid from today (Plh), then the Kabid is back
    let today = chrono::Utc::now()
        .with_timezone(&app.settings.office_timezone)
        .date_naive();
    br.fill("#act-officer-id", maria["id"].as_str().unwrap())
        .await;
    br.fill("#act-position-id", &o.kabid).await;
    br.fill("#act-starts-on", &today.format("%Y-%m-%d").to_string())
        .await;
    br.fill(
        "#act-ends-on",
        &(today - chrono::Duration::days(1))
            .format("%Y-%m-%d")
            .to_string(),
    )
    .await;
    br.click(&submit("acting")).await;
    let text = br.text().await;
    assert!(
        text.contains("Tanggal selesai tidak boleh sebelum"),
        "{text}"
    );
    br.fill(
        "#act-ends-on",
        &(today + chrono::Duration::days(3))
            .format("%Y-%m-%d")
            .to_string(),
    )
    .await;
    br.fill("#act-note", "Sprint 800/45/2026").await;
    br.click(&submit("acting")).await;
    let text = br.text().await;
    assert!(text.contains("Plh. ditunjuk sampai"), "{text}");
    assert!(text.contains("hari ini: Plh. Maria Goreti"), "{text}");
    br.check_page("admin-org-acting").await;
    br.click("form[action$='/end'] button[type=submit]").await;
    let text = br.text().await;
    assert!(text.contains("Penunjukan Plh/Plt diakhiri"), "{text}");
    assert!(!text.contains("hari ini: Plh. Maria Goreti"), "{text}");

    br.goto("/console/admin/accounts").await;
    br.fill("#login", "Bukan Nama Sah!").await;
    br.click("form[action='/console/admin/accounts/new'] button[type=submit]")
        .await;
    assert!(
        br.text().await.contains("Nama masuk 3–64"),
        "{}",
        br.text().await
    );
    br.fill("#login", "kasi.baru").await;
    br.fill("#role", "official").await;
    br.fill("#officer", &o.o_kasi).await;
    br.click("form[action='/console/admin/accounts/new'] button[type=submit]")
        .await;
    let text = br.text().await;
    assert!(text.contains("Akun kasi.baru dibuat"), "{text}");
    let link = br
        .client
        .find(Locator::Css(".link-once"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(link.contains("/akun/sandi/"), "{link}");
    assert!(text.contains("menunggu kata sandi"), "{text}");
    br.check_page("admin-accounts").await;

    // an office closure on the next working day moves the open deadline
    br.goto("/console/admin/calendar").await;
    br.check_page("admin-calendar").await;
    let tz = app.settings.office_timezone;
    let mut day = chrono::Utc::now().with_timezone(&tz).date_naive();
    let mut moved = false;
    for _ in 0..15 {
        day = day.succ_opt().unwrap();
        if chrono::Datelike::weekday(&day).number_from_monday() > 5 {
            continue;
        }
        br.fill("#date", &day.format("%Y-%m-%d").to_string()).await;
        br.fill("#name", "Kantor tutup: banjir").await;
        br.fill("#reason", "Surat Edaran Kepala Dinas 005/12/2026")
            .await;
        br.click("form[action='/console/admin/calendar/days'] button[type=submit]")
            .await;
        let text = br.text().await;
        if text.contains("sudah hari libur") {
            continue;
        }
        assert!(
            text.contains("Batas waktu 1 pengaduan terbuka bergeser"),
            "{text}"
        );
        assert!(text.contains("Kantor tutup: banjir"), "{text}");
        // which deadline it moved, linked
        assert!(text.contains("Batas waktu yang bergeser"), "{text}");
        assert!(
            text.contains(c["tracking_number"].as_str().unwrap()),
            "{text}"
        );
        moved = true;
        break;
    }
    assert!(moved, "no working day found to close");
    let after: Value = app
        .get(&reception, &format!("/api/v1/complaints/{id}"))
        .await
        .json()
        .await
        .unwrap();
    assert!(
        after["due_at"].as_str().unwrap() > due_before.as_str(),
        "{} then {}",
        due_before,
        after["due_at"]
    );

    // the email channel's deadline changed for complaints from now on
    br.fill("#sla-channel", "email").await;
    br.fill("#sla-amount", "400").await;
    br.click("form[action='/console/admin/sla'] button[type=submit]")
        .await;
    assert!(br.text().await.contains("Isi 0–365 hari kerja"));
    br.fill("#sla-amount", "5").await;
    br.click("form[action='/console/admin/sla'] button[type=submit]")
        .await;
    assert!(
        br.text().await.contains("Batas waktu saluran Surel diubah"),
        "{}",
        br.text().await
    );
    let sla: Value = app
        .get(&o.admin, "/api/v1/sla-policies")
        .await
        .json()
        .await
        .unwrap();
    let email = sla["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["channel"] == "email")
        .unwrap()
        .clone();
    assert_eq!(email["working_days"], 5, "{sla}");

    // the parked acknowledgement, retried
    br.goto("/console/admin/outbox").await;
    let text = br.text().await;
    assert!(text.contains("550 5.1.1 mailbox unavailable"), "{text}");
    br.check_page("admin-outbox").await;
    br.click("form[action$='/retry'] button[type=submit]").await;
    let text = br.text().await;
    assert!(
        text.contains("Pesan dimasukkan lagi ke antrean kirim."),
        "{text}"
    );
    assert!(text.contains("Tidak ada pesan yang tertahan."), "{text}");
    assert_eq!(
        app.store
            .list_outbox(Some("pending"), 10)
            .await
            .unwrap()
            .len(),
        1
    );
}

/// Everything with the keyboard alone: signing in, finding a complaint,
/// unfolding an action, filling it and sending it — Tab, typing, Enter.
async fn the_console_works_with_the_keyboard_alone(b: Backend) {
    let Some(app) = spawn_app(b).await else {
        return;
    };
    let o = crate::workflow::office(&app).await;
    account(&app, &o.admin, "loket.papan", "reception", None).await;
    let key = app.key(Role::Reception).await;
    let c = register(&app, &key, valid_complaint("letter")).await;
    let number = c["tracking_number"].as_str().unwrap().to_string();
    let Some(br) = Browser::start(&app).await else {
        return;
    };
    use fantoccini::key::Key;
    br.goto("/console/login").await;
    br.tab_to("#login", 10).await;
    br.type_text("loket.papan").await;
    br.tab_to("#password", 3).await;
    br.type_text(PASSWORD).await;
    br.enter_and_wait().await;
    assert_eq!(br.path().await, "/console");
    // the skip link is the first stop and leads to the content
    br.tab_to("a.skip", 2).await;
    // search by the tracking number from the menu's list page
    br.goto("/console/complaints").await;
    br.tab_to("#q", 20).await;
    br.type_text(&number).await;
    br.enter_and_wait().await;
    assert!(
        br.path().await.starts_with("/console/complaints/"),
        "{}",
        br.path().await
    );
    // "actions for you" at the top jumps to them; unfold "forward to the
    // head" with Enter, fill the note, send with Enter
    br.tab_to("a[href='#tindakan']", 20).await;
    br.press(Key::Enter).await;
    br.tab_to("details:has(input[value=forward_to_head]) > summary", 6)
        .await;
    br.press(Key::Enter).await;
    br.tab_to("details:has(input[value=forward_to_head]) textarea", 3)
        .await;
    br.type_text("Diteruskan tanpa tetikus").await;
    br.tab_to(
        "details:has(input[value=forward_to_head]) button[type=submit]",
        3,
    )
    .await;
    br.enter_and_wait().await;
    let text = br.text().await;
    assert!(
        text.contains("Pengaduan sudah diteruskan ke Kepala Dinas."),
        "{text}"
    );
    assert!(text.contains("Diteruskan tanpa tetikus"), "{text}");
}

/// A one-page PDF showing `line` (a real document, so the viewer shows it).
fn tiny_pdf(line: &str) -> Vec<u8> {
    let content = format!("BT /F1 18 Tf 40 780 Td ({line}) Tj ET");
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_string(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R \
         /Resources << /Font << /F1 5 0 R >> >> >>"
            .to_string(),
        format!(
            "<< /Length {} >>\nstream\n{content}\nendstream",
            content.len()
        ),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_string(),
    ];
    let mut out = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (i, o) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n{o}\nendobj\n", i + 1).as_bytes());
    }
    let xref = out.len();
    out.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for o in offsets {
        out.extend_from_slice(format!("{o:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    out
}

/// A box-opening session: the opener and the witness are asked for, kept
/// from slip to slip and recorded on each complaint's timeline; the same
/// form sent twice (its one-time token) registers one complaint.
async fn a_suggestion_box_is_entered_slip_by_slip_and_a_form_sent_twice_registers_once(b: Backend) {
    let Some(app) = spawn_app(b).await else {
        return;
    };
    let admin = app.key(Role::Admin).await;
    account(&app, &admin, "loket.kotak", "reception", None).await;
    let Some(br) = Browser::start(&app).await else {
        return;
    };
    br.sign_in("loket.kotak").await;
    br.goto("/console/register").await;
    let page = &br;
    let slip = move |subject: &'static str| async move {
        page.fill("#channel", "suggestion_box").await;
        page.fill("#kind", "complaint").await;
        page.fill("#subject", subject).await;
        page.fill("#body", "Antrean di loket bantuan sosial terlalu lama.")
            .await;
        page.fill("#reporter-name", "Agus Ndun").await;
        page.fill("#reporter-address", "Jl. Soekarno No. 3, Oebobo")
            .await;
    };
    slip("Antrean loket lama").await;
    br.click("form.register button[type=submit]").await;
    let text = br.text().await;
    assert!(
        text.contains("Isi nama petugas yang membuka kotak saran."),
        "{text}"
    );
    assert!(
        text.contains("Isi nama saksi pembukaan kotak saran."),
        "{text}"
    );
    assert!(
        app.list_all(&admin, "", 10).await.is_empty(),
        "nothing registered"
    );
    br.fill("#box-opened_by", "Siti Loket").await;
    br.fill("#box-witness", "Benny Satpam").await;
    let first_token = br.value("input[name=form_token]").await;
    assert_eq!(first_token.len(), 32);
    br.click("form.register button[type=submit]").await;
    assert!(br.text().await.contains("Tanda terima pengaduan"));
    // the next slip of the same box: opener and witness already there
    br.click("form[action='/console/register/box'] button[type=submit]")
        .await;
    assert!(br.text().await.contains("1 lembar sudah terdaftar"));
    assert_eq!(br.value("#box-opened_by").await, "Siti Loket");
    assert_eq!(br.value("#box-witness").await, "Benny Satpam");
    assert_eq!(br.value("#channel").await, "suggestion_box");
    assert_ne!(br.value("input[name=form_token]").await, first_token);
    br.check_page("register-next-slip").await;
    slip("Toilet kantor rusak").await;
    br.click("form.register button[type=submit]").await;
    assert!(br.text().await.contains("Tanda terima pengaduan"));
    let all = app.list_all(&admin, "", 10).await;
    assert_eq!(all.len(), 2, "two slips registered");
    let first = all
        .iter()
        .find(|c| c["subject"] == "Antrean loket lama")
        .expect("the first slip");
    let first_id = first["id"].as_str().unwrap().to_string();

    // the first form sent again (its token): nothing new, the complaint it made
    br.goto("/console/register").await;
    slip("Antrean loket lama").await;
    br.fill("#box-opened_by", "Siti Loket").await;
    br.fill("#box-witness", "Benny Satpam").await;
    br.fill("input[name=form_token]", &first_token).await;
    br.click("form.register button[type=submit]").await;
    assert!(
        br.path()
            .await
            .starts_with(&format!("/console/complaints/{first_id}"))
    );
    let text = br.text().await;
    assert!(text.contains("sudah dikirim sebelumnya"), "{text}");
    assert!(
        text.contains("kotak saran dibuka oleh Siti Loket, disaksikan Benny Satpam"),
        "{text}"
    );
    assert_eq!(app.list_all(&admin, "", 10).await.len(), 2, "still two");
}

/// Acceptance: a LAPOR! complaint the same way, ending with the follow-up
/// at lapor-sim.
async fn a_lapor_report_is_answered_through_the_pages_and_the_followup_reaches_lapor(b: Backend) {
    use crate::lapor::{Sim, TOKEN, with_lapor};
    let sim = Sim::start(&["--seed", "7", "--reports", "1"]);
    let lapor = with_lapor(&sim.url, TOKEN);
    let Some(app) = spawn_app_with(b, move |s| {
        lapor(s);
        s.require_2fa = Vec::new();
    })
    .await
    else {
        return;
    };
    let o = crate::workflow::office(&app).await;
    account(&app, &o.admin, "penghubung", "liaison", None).await;
    account(&app, &o.admin, "kadis", "head", Some(&o.o_head)).await;
    account(&app, &o.admin, "kabid", "official", Some(&o.o_kabid)).await;
    let Some(br) = Browser::start(&app).await else {
        return;
    };
    // the liaison officer pulls the report in from the LAPOR! page
    br.as_user("penghubung", "/console/lapor").await;
    let text = br.text().await;
    assert!(text.contains("belum pernah"));
    // the mailbox's state on the same page (no IMAP configured here)
    assert!(text.contains("Kotak surat pengaduan (surel)"), "{text}");
    assert!(text.contains("Pembacaan kotak surat belum aktif"), "{text}");
    assert!(text.contains("menjadi pengaduan: 0"), "{text}");
    br.check_page("lapor-before").await;
    br.click("form[action='/console/lapor/poll'] button").await;
    let text = br.text().await;
    assert!(text.contains("1 laporan baru diimpor"), "{text}");
    br.check_page("lapor-after").await;
    let all = app.list_all(&o.admin, "&channel=lapor", 10).await;
    assert_eq!(all.len(), 1);
    let id = all[0]["id"].as_str().unwrap().to_string();
    let tid = all[0]["external_ref"]["lapor_tracking_id"]
        .as_str()
        .unwrap()
        .to_string();
    let page = format!("/console/complaints/{id}");
    let Some(br) = Browser::start(&app).await else {
        return;
    };
    let expect =
        |text: String, want: &str| assert!(text.contains(want), "`{want}` not in:\n{text}");

    br.as_user("penghubung", "/console").await;
    let text = br.text().await;
    expect(text.clone(), "Tindak lanjut LAPOR! paling lambat");
    br.goto(&page).await;
    expect(br.text().await, &tid);
    br.act("forward_to_head", &[]).await;
    br.as_user("kadis", &page).await;
    br.act(
        "dispose",
        &[("to", &o.kabid), ("instruction", "siapkan jawaban")],
    )
    .await;
    br.as_user("kabid", &page).await;
    br.act(
        "save_draft",
        &[(
            "body",
            "Terima kasih atas laporan Anda; bantuan sudah kami salurkan.",
        )],
    )
    .await;
    br.act("submit_draft", &[]).await;
    br.as_user("kadis", &page).await;
    br.act("approve", &[]).await;
    br.as_user("penghubung", &page).await;
    // the way back is LAPOR! itself
    let method = br
        .client
        .find(Locator::Css(
            "details:has(input[name=action][value=dispatch]) select[name=method]",
        ))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap();
    assert_eq!(method.as_deref(), Some("lapor"));
    br.act("dispatch", &[]).await;
    expect(br.text().await, "Pengiriman jawaban sudah dicatat.");
    br.check_page("lapor-dispatched").await;

    let sync = aduan::intake::lapor::build(&aduan::app::App::new(
        app.store.clone(),
        app.settings.clone(),
    ))
    .unwrap()
    .unwrap();
    let courier = aduan::intake::lapor::outbound::LaporCourier {
        sync,
        store: app.store.clone(),
    };
    let sent = aduan::notify::deliver_due(app.store.as_ref(), &courier, 8, chrono::Utc::now())
        .await
        .unwrap();
    assert_eq!(sent.sent, 1);
    let stats = sim.get("/sim/stats").await;
    assert_eq!(stats["followups"][&tid], 1, "{stats}");
}

/// The complainant's side in a browser: the link of a real acknowledgement
/// (from the SMTP sink) opens the status page (the code travels in the
/// fragment and leaves the address bar); a wrong code reads exactly like an
/// unknown number; once answered, the survey takes one complete response
/// (a missing answer is named next to its question); a reply reopens it;
/// the published results count the response.
async fn the_complainant_follows_the_emailed_link_rates_the_answer_and_replies(b: Backend) {
    let expect =
        |text: String, want: &str| assert!(text.contains(want), "expected {want:?} in:\n{text}");
    let Some((app, sink)) = crate::outbox::app_with_sink(b, 8).await else {
        return;
    };
    let o = crate::workflow::office(&app).await;
    let c = register(&app, &o.reception, valid_complaint("email")).await;
    let number = c["tracking_number"].as_str().unwrap().to_string();
    let code = c["access_code"].as_str().unwrap().to_string();
    let dispatcher =
        aduan::notify::Dispatcher::new(app.store.clone(), std::sync::Arc::clone(&app.settings))
            .unwrap();
    assert_eq!(
        dispatcher.run_once(chrono::Utc::now()).await.unwrap().sent,
        1
    );
    let mail = sink.messages()[0]
        .unfolded()
        .replace("=\r\n", "")
        .replace("=3D", "=");
    let start = mail
        .find("/lacak/")
        .expect("the acknowledgement links to /lacak");
    let link: String = mail[start..]
        .chars()
        .take_while(|ch| !ch.is_whitespace() && *ch != '"' && *ch != '<')
        .collect();
    assert_eq!(link, format!("/lacak/{number}#kode={code}"), "{mail}");
    assert!(
        !mail.contains("?code="),
        "no code in a query string: {mail}"
    );
    let Some(br) = Browser::start(&app).await else {
        return;
    };
    let wait_for = |want: &'static str| {
        let br = &br;
        async move {
            for _ in 0..100 {
                if br.text().await.contains(want) {
                    return;
                }
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            }
            panic!("never showed {want:?}: {}", br.text().await);
        }
    };
    br.goto(&link).await;
    wait_for("Status pengaduan").await;
    let text = br.text().await;
    expect(text.clone(), &number);
    expect(text.clone(), "Pengaduan diterima dan dicatat");
    expect(text.clone(), "WITA");
    let url = br.client.current_url().await.unwrap();
    assert!(
        !url.as_str().contains(&code),
        "the code left the address bar: {url}"
    );
    br.check_page("lacak-status").await;

    // a wrong code and an unknown number read the same
    let message = |number: String, code: &'static str| {
        let br = &br;
        async move {
            br.goto("/lacak").await;
            br.fill("#number", &number).await;
            br.fill("#code", code).await;
            br.click("#lacak-form button[type=submit]").await;
            br.client
                .find(Locator::Css("#lacak-error"))
                .await
                .unwrap()
                .text()
                .await
                .unwrap()
        }
    };
    let wrong = message(number.clone(), "0000-0000-0000-0000").await;
    let unknown = message(number.replace("-0", "-9"), "0000-0000-0000-0000").await;
    assert!(wrong.contains("tidak cocok"), "{wrong}");
    assert_eq!(wrong, unknown);
    br.check_page("lacak-form").await;

    // answered: the answer, and the survey
    crate::public::answered(&app, &o, c["id"].as_str().unwrap()).await;
    br.goto(&link).await;
    wait_for("Survei kepuasan masyarakat").await;
    expect(br.text().await, "Bantuan sudah cair.");
    for n in 1..=9 {
        if n == 3 {
            continue;
        }
        let choice = if n % 2 == 0 { 3 } else { 4 };
        br.client
            .find(Locator::Css(&format!("input[name=u{n}][value='{choice}']")))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
    }
    br.fill("#sex", "p").await;
    br.click("form[action^='/lacak/survei'] button[type=submit]")
        .await;
    let text = br.text().await;
    expect(text.clone(), "Pilih salah satu jawaban untuk U3.");
    assert!(
        br.client
            .find(Locator::Css("input[name=u1][value='4']:checked"))
            .await
            .is_ok(),
        "the answers given are kept"
    );
    assert_eq!(
        app.get(&o.k_head, "/api/v1/reports/ikm")
            .await
            .json::<Value>()
            .await
            .unwrap()["respondents"],
        0,
        "nothing recorded"
    );
    br.check_page("lacak-survey-refused").await;
    br.client
        .find(Locator::Css("input[name=u3][value='2']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    br.click("form[action^='/lacak/survei'] button[type=submit]")
        .await;
    expect(br.text().await, "Terima kasih atas penilaian Anda.");
    expect(
        br.text().await,
        "penilaian Anda atas pelayanan ini sudah kami terima",
    );
    // U1..U9 = 4,3,2,3,4,3,4,3,4: T = 30, IKM = 25·30/9 = 83.33
    let ikm: Value = app
        .get(&o.k_head, "/api/v1/reports/ikm")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (ikm["respondents"].as_u64(), ikm["ikm"].as_f64()),
        (Some(1), Some(83.33))
    );

    // a reply from the page reopens the answered complaint
    br.fill(
        "#message",
        "Bantuan sudah saya terima, tetapi jumlahnya kurang.",
    )
    .await;
    br.click("form[action^='/lacak/balas'] button[type=submit]")
        .await;
    expect(br.text().await, "pesan Anda sudah masuk");
    let after: Value = app
        .get(
            &o.reception,
            &format!("/api/v1/complaints/{}", c["id"].as_str().unwrap()),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(after["status"], "reopened", "{after}");

    // the web form: refused without consent (next to the box), then the receipt
    br.goto("/adukan").await;
    br.check_page("adukan-form").await;
    br.fill("#subject", "Jalan menuju panti rusak").await;
    br.fill(
        "#body",
        "Jalan menuju panti sosial berlubang sejak Oktober.",
    )
    .await;
    br.fill("#reporter-name", "Bapak Markus").await;
    br.fill("#reporter-phone", "081234567890").await;
    tokio::time::sleep(std::time::Duration::from_millis(3100)).await;
    br.click("form[action='/adukan'] button[type=submit]").await;
    expect(br.text().await, "Centang persetujuan ini");
    assert_eq!(
        br.value("#subject").await,
        "Jalan menuju panti rusak",
        "kept"
    );
    br.check_page("adukan-refused").await;
    br.client
        .find(Locator::Css("input[name=consent]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(3100)).await;
    br.click("form[action='/adukan'] button[type=submit]").await;
    let text = br.text().await;
    expect(text.clone(), "Tanda terima");
    expect(text.clone(), "Kode akses");
    expect(text.clone(), "WITA");
    br.check_page("adukan-receipt").await;

    // the published results
    br.goto("/ikm").await;
    let text = br.text().await;
    expect(text.clone(), "83,33");
    expect(text.clone(), "B (Baik)");
    br.check_page("ikm").await;
}

async fn a_whatsapp_conversation_is_read_and_answered_in_the_pages(b: Backend) {
    use crate::whatsapp::{WaSim, settings};
    let sim = WaSim::start(&[]);
    let wa = settings(&sim);
    let Some(app) = spawn_app_with(b, move |s| {
        s.whatsapp = Some(wa);
        s.require_2fa = Vec::new();
    })
    .await
    else {
        return;
    };
    sim.post(
        "/sim/webhook",
        json!({"url": app.url("/webhooks/whatsapp")}),
    )
    .await;
    let o = crate::workflow::office(&app).await;
    account(&app, &o.admin, "loket.wa", "reception", None).await;
    account(&app, &o.admin, "admin.wa", "admin", None).await;
    let maria = "6281234567890";
    sim.says(json!({"from": maria, "name": "Maria Goreti",
        "text": "Bantuan PKH ibu saya belum cair sudah tiga bulan"}))
        .await;
    sim.says(json!({"from": maria, "text": "Nomor KKS ibu saya 1234 5678"}))
        .await;
    // the acknowledgement has gone out (the page shows what was sent)
    assert!(
        sim.try_wait_sent(|m| crate::whatsapp::text_to(m, maria))
            .await
            .is_some(),
        "the acknowledgement"
    );
    let all = app.list_all(&o.admin, "&channel=whatsapp", 10).await;
    assert_eq!(all.len(), 1);
    let id = all[0]["id"].as_str().unwrap().to_string();
    let Some(br) = Browser::start(&app).await else {
        return;
    };
    // reception reads the conversation and writes back
    br.as_user("loket.wa", &format!("/console/complaints/{id}"))
        .await;
    let text = br.text().await;
    for want in [
        "WhatsApp",
        "WhatsApp pelapor",
        "Tanda terima",
        "Pesan lanjutan pelapor",
        "Nomor KKS ibu saya 1234 5678",
        "Kirim pesan kepada pelapor",
    ] {
        assert!(text.contains(want), "`{want}` not in:\n{text}");
    }
    br.check_page("whatsapp-complaint").await;
    br.fill(
        "#wa-text",
        "Mohon kirim foto buku tabungan Ibu, terima kasih.",
    )
    .await;
    br.click("form[action$='/whatsapp'] button[type=submit]")
        .await;
    let text = br.text().await;
    assert!(
        text.contains("Pesan WhatsApp masuk antrean kirim."),
        "{text}"
    );
    let m = sim
        .try_wait_sent(|m| {
            m["to"] == maria && m["text"].as_str().unwrap_or("").contains("buku tabungan")
        })
        .await;
    assert!(
        m.is_some(),
        "the message reached WhatsApp: {:?}",
        sim.sent().await
    );
    br.goto(&format!("/console/complaints/{id}")).await;
    let text = br.text().await;
    assert!(text.contains("Pesan petugas"), "{text}");
    br.check_page("whatsapp-complaint-after").await;
    // the conversation box itself, as the desk sees it on a phone and a desktop
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
    for (w, h) in [(360u32, 800u32), (1366, 768)] {
        br.client.set_window_size(w, h).await.unwrap();
        br.client
            .execute(
                "document.getElementById('percakapan').scrollIntoView();",
                vec![],
            )
            .await
            .unwrap();
        let png = br.client.screenshot().await.unwrap();
        std::fs::write(dir.join(format!("whatsapp-box-{w}.png")), png).unwrap();
    }

    // the admin gives the Kasi WhatsApp alerts on the organisation page
    br.as_user("admin.wa", "/console/admin/org").await;
    let kasi = crate::workflow::officer_at(&app, &o.admin, &o.kasi).await;
    br.click_summary("Ubah data Benny Kasi").await;
    br.fill(&format!("#o-{kasi}-whatsapp"), "0812-7777-1234")
        .await;
    br.client
        .find(Locator::Css(&format!(
            "form[action='/console/admin/org/officers/{kasi}'] input[name=whatsapp_alerts]"
        )))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    br.click(&format!(
        "form[action='/console/admin/org/officers/{kasi}'] button[type=submit]"
    ))
    .await;
    let text = br.text().await;
    assert!(text.contains("pengingat juga lewat WhatsApp"), "{text}");
    br.check_page("admin-org-whatsapp").await;
    // the channel's state on the LAPOR! page, in words
    br.goto("/console/lapor").await;
    let text = br.text().await;
    assert!(text.contains("WhatsApp pengaduan"), "{text}");
    assert!(text.contains("Pesan keluar terkirim"), "{text}");
}

/// Issue 33 item 1: the box in the bar finds by one word of the
/// complainant's name (reception; audited), by a word in another form, by a
/// phrase; a manager finds by words, never by name.
async fn the_search_box_finds_by_name_word_and_phrase(b: Backend) {
    let Some(app) = spawn_app(b).await else {
        return;
    };
    let admin = app.key(Role::Admin).await;
    account(&app, &admin, "loket.cari", "reception", None).await;
    account(&app, &admin, "manajer.cari", "manager", None).await;
    let key = app.key(Role::Reception).await;
    let maria = register(
        &app,
        &key,
        json!({"channel": "face_to_face", "kind": "complaint",
               "subject": "Kartu lansia ibu hilang",
               "body": "Ibu kami sudah tiga bulan menunggu kartu pengganti.",
               "reporter": {"name": "Maria Goreti Bría", "id_number": "5371014101900021"}}),
    )
    .await;
    let yohanes = register(
        &app,
        &key,
        json!({"channel": "face_to_face", "kind": "complaint",
               "subject": "PKH keluarga tidak cair",
               "body": "Tiga kali kami datang; bulan lalu dijanjikan, belum juga dibantu.",
               "reporter": {"name": "Yohanes Bria", "id_number": "5371014101900022"}}),
    )
    .await;
    let number = |c: &Value| c["tracking_number"].as_str().unwrap().to_string();
    let Some(browser) = Browser::start(&app).await else {
        return;
    };
    let search = |q: &'static str| {
        let browser = &browser;
        async move {
            browser.fill("#cari", q).await;
            browser.click("form.find button").await;
            assert_eq!(browser.path().await, "/console/search");
            browser.text().await
        }
    };
    browser.sign_in("loket.cari").await;
    // one word of the name, whatever its accents
    let t = search("bria").await;
    assert!(
        t.contains(&number(&maria)) && t.contains(&number(&yohanes)),
        "{t}"
    );
    let t = search("goreti").await;
    assert!(
        t.contains(&number(&maria)) && !t.contains(&number(&yohanes)),
        "{t}"
    );
    assert!(t.contains("Pelapor: Maria Goreti Bría"), "{t}");
    let marked = browser
        .client
        .find(Locator::Css("li.item mark"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(marked, "Goreti");
    browser.check_page("search-name").await;
    assert_eq!(
        app.store
            .list_privacy_audit(10)
            .await
            .unwrap()
            .iter()
            .filter(|a| a.action == "search")
            .count(),
        2,
        "each search by name is in the privacy audit"
    );
    // a word in another form: "bantuan" finds "dibantu", marked
    let t = search("bantuan").await;
    assert!(
        t.contains(&number(&yohanes)) && !t.contains(&number(&maria)),
        "{t}"
    );
    let marked = browser
        .client
        .find(Locator::Css("p.excerpt mark"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(marked, "dibantu");
    // a phrase: these words in this order
    let t = search("\"sudah tiga bulan\"").await;
    assert!(
        t.contains(&number(&maria)) && !t.contains(&number(&yohanes)),
        "{t}"
    );
    browser.check_page("search-phrase").await;
    let t = search("tidak ada kata ini").await;
    assert!(t.contains("Tidak ada pengaduan yang cocok"), "{t}");
    // the box repeats the query, which is nowhere in the address
    assert_eq!(browser.value("#cari").await, "tidak ada kata ini");

    // a manager: by words yes, by name no
    browser.client.delete_all_cookies().await.unwrap();
    browser.sign_in("manajer.cari").await;
    let t = search("goreti").await;
    assert!(t.contains("Tidak ada pengaduan yang cocok"), "{t}");
    let t = search("kartu").await;
    assert!(
        t.contains(&number(&maria)) && !t.contains("Pelapor:"),
        "{t}"
    );
    browser.check_page("search-manager").await;
}

/// Issue 33 item 3: reception forwards all 25 LAPOR! reports of a filter in
/// one action; the head disposes ten ticked on the list, one changed since
/// the page was opened and one not yet forwarded: the two are listed with
/// their reasons, the other eight done, each with its event.
async fn lapor_reports_are_forwarded_and_disposed_in_bulk(b: Backend) {
    let Some(app) = spawn_app_with(b, |s| s.require_2fa = Vec::new()).await else {
        return;
    };
    let o = crate::workflow::office(&app).await;
    account(&app, &o.admin, "loket.massal", "reception", None).await;
    account(&app, &o.admin, "kadis.massal", "head", Some(&o.o_head)).await;
    let mut ids = Vec::new();
    for i in 0..26 {
        let mut body = valid_complaint("lapor");
        body["subject"] = json!(format!("Laporan LAPOR! nomor {i}"));
        body["external_ref"] = json!({"lapor_tracking_id": format!("{}", 7_700_000 + i)});
        let c = register(&app, &o.reception, body).await;
        ids.push(c["id"].as_str().unwrap().to_string());
    }
    let Some(br) = Browser::start(&app).await else {
        return;
    };
    // the 26th is forwarded on its own first; the 25 still at the desk go
    // by the filter's "all"
    let kept = ids[25].clone();
    crate::workflow::post(
        &app,
        &o.reception,
        &format!("/api/v1/complaints/{kept}/forward"),
        json!({"version": 1}),
    )
    .await;
    br.as_user(
        "loket.massal",
        "/console/complaints?status=registered&channel=lapor",
    )
    .await;
    br.check_page("bulk-list").await;
    br.click_summary("Kerjakan sekaligus").await;
    let t = br.text().await;
    assert!(t.contains("Semua yang cocok dengan saringan (25)"), "{t}");
    br.screenshot_at("details.bulk", "bulk-list-table").await;
    br.tick("#bulk-all").await;
    br.click("details.bulk button[type=submit]").await;
    let t = br.text().await;
    assert!(t.contains("25 pengaduan dikerjakan"), "{t}");
    br.check_page("bulk-result").await;
    for id in &ids[..25] {
        let events = crate::workflow::timeline(&app, &o.reception, id).await;
        assert_eq!(
            events
                .iter()
                .filter(|e| e["kind"] == "forwarded_to_head")
                .count(),
            1
        );
    }
    // the head: a complaint registered after, so one ticked is not forwarded
    let mut body = valid_complaint("lapor");
    body["subject"] = json!("Laporan LAPOR! belum diteruskan");
    body["external_ref"] = json!({"lapor_tracking_id": "7799999"});
    let fresh = register(&app, &o.reception, body).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    br.as_user("kadis.massal", "/console/complaints?channel=lapor")
        .await;
    let mut ticked: Vec<String> = ids[..9].to_vec();
    ticked.push(fresh.clone());
    for id in &ticked {
        br.tick(&format!("#pick-{id}")).await;
    }
    // meanwhile the first is disposed elsewhere (another tab, the API)
    let r = crate::workflow::post(
        &app,
        &o.k_head,
        &format!("/api/v1/complaints/{}/dispositions", ids[0]),
        json!({"version": 2, "to": o.kabid, "instruction": "siapkan jawaban"}),
    )
    .await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    br.click_summary("Kerjakan sekaligus").await;
    br.select("#bulk-op", "dispose").await;
    br.select("#bulk-to", &o.kabid).await;
    br.select("#bulk-instruction", "siapkan jawaban").await;
    br.fill("#bulk-note", "Mohon segera").await;
    br.click("details.bulk button[type=submit]").await;
    let t = br.text().await;
    assert!(
        t.contains("8 pengaduan dikerjakan, 2 tidak dapat dikerjakan"),
        "{t}"
    );
    assert!(t.contains("Sudah berubah sejak daftar dibuka"), "{t}");
    br.check_page("bulk-refused").await;
    let refused = br
        .client
        .find_all(Locator::Css("ul.refused a.number"))
        .await
        .unwrap();
    assert_eq!(refused.len(), 2);
    let mut disposed = 0;
    for id in &ids[1..9] {
        let events = crate::workflow::timeline(&app, &o.reception, id).await;
        disposed += events.iter().filter(|e| e["kind"] == "disposed").count();
    }
    assert_eq!(disposed, 8);
    let f: Value = app
        .get(&o.reception, &format!("/api/v1/complaints/{fresh}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(f["status"], "registered", "the refused one is untouched");
}

/// Issue 33 item 5: a letter received three days before it is typed in
/// counts its deadline from that day (and says it was registered late); a
/// face-to-face complaint with no agreed time is due when the office
/// closes, not 15 minutes after typing.
async fn the_desk_counts_deadlines_from_receipt_and_closing_time(b: Backend) {
    use chrono::{Datelike, TimeZone, Timelike};
    let Some(app) = spawn_app(b).await else {
        return;
    };
    let o = crate::workflow::office(&app).await;
    let admin = o.admin.clone();
    account(&app, &admin, "loket.waktu", "reception", None).await;
    let Some(br) = Browser::start(&app).await else {
        return;
    };
    let tz = app.settings.office_timezone;
    let three_days_ago = (chrono::Utc::now().with_timezone(&tz) - chrono::Duration::days(3))
        .date_naive()
        .and_hms_opt(9, 30, 0)
        .unwrap();
    br.sign_in("loket.waktu").await;
    br.goto("/console/register").await;
    br.select("#channel", "letter").await;
    br.fill("#subject", "Surat permohonan bantuan rumah").await;
    br.fill("#body", "Rumah kami rusak karena angin kencang.")
        .await;
    br.fill("#reporter-name", "Yohanes Bria").await;
    br.fill("#reporter-phone", "081239990101").await;
    br.fill("#external_ref-letter_number", "12/RT-05/XII/2026")
        .await;
    // the browser's date-time picker, as a person would leave it
    br.client
        .execute(
            "document.querySelector('#received_at').value = arguments[0];",
            vec![json!(three_days_ago.format("%Y-%m-%dT%H:%M").to_string())],
        )
        .await
        .unwrap();
    br.check_page("register-received-on").await;
    // "register only": it stays at the desk
    br.click("form.register button.secondary").await;
    assert!(br.text().await.contains("Tanda terima pengaduan"));
    let all = app.list_all(&admin, "&channel=letter", 10).await;
    assert_eq!(all.len(), 1);
    let letter = &all[0];
    assert_eq!(letter["status"], "registered");
    let received = chrono::DateTime::parse_from_rfc3339(letter["received_at"].as_str().unwrap())
        .unwrap()
        .with_timezone(&tz);
    assert_eq!(received.naive_local(), three_days_ago);
    let (calendar, _) = aduan::store::load_policy(app.store.as_ref()).await.unwrap();
    let want = calendar.deadline(received.to_utc(), 7, tz).1;
    assert_eq!(
        chrono::DateTime::parse_from_rfc3339(letter["due_at"].as_str().unwrap()).unwrap(),
        want
    );
    br.goto(&format!(
        "/console/complaints/{}",
        letter["id"].as_str().unwrap()
    ))
    .await;
    let t = br.text().await;
    assert!(t.contains("3 hari setelah diterima"), "{t}");

    // face to face, nothing agreed: due at closing time, not in 15 minutes
    br.goto("/console/register").await;
    br.fill("#subject", "Kursi roda untuk lansia").await;
    br.fill("#body", "Ibu saya membutuhkan kursi roda.").await;
    br.fill("#reporter-name", "Maria Goreti").await;
    br.fill("#reporter-id_number", "5371014101900031").await;
    // the common case: registered and forwarded to the head in one step
    br.click("form.register button[name=then]").await;
    let t = br.text().await;
    assert!(t.contains("Tanda terima pengaduan"), "{t}");
    assert!(
        t.contains("terdaftar dan diteruskan ke Kepala Dinas"),
        "{t}"
    );
    let all = app.list_all(&admin, "&channel=face_to_face", 10).await;
    let desk = &all[0];
    assert_eq!(desk["status"], "with_head");
    let due = chrono::DateTime::parse_from_rfc3339(desk["due_at"].as_str().unwrap())
        .unwrap()
        .with_timezone(&tz);
    let now = chrono::Utc::now().with_timezone(&tz);
    assert!(
        due > now + chrono::Duration::minutes(15) || (due.hour(), due.minute()) == (16, 0),
        "due {due}"
    );
    assert_eq!(desk["overdue"], false);
    let closing = |d: chrono::NaiveDate| {
        tz.from_local_datetime(&d.and_hms_opt(16, 0, 0).unwrap())
            .unwrap()
    };
    let expected = if calendar.is_working_day(now.date_naive()) && now.hour() < 16 {
        closing(now.date_naive())
    } else {
        closing(calendar.add_working_days(now.date_naive(), 1))
    };
    let expected = expected.max(now + chrono::Duration::minutes(15));
    assert!(
        (due - expected).num_seconds().abs() <= 60,
        "due {due}, expected {expected} ({})",
        now.weekday()
    );
}

/// Issue 33 item 6: the Kabid reads the draft waiting for approval in the
/// inbox on a phone and approves it there; another is returned there.
async fn a_draft_is_approved_from_the_inbox_on_a_phone(b: Backend) {
    use crate::workflow::{office, ok, post};
    let Some(app) = spawn_app_with(b, |s| s.require_2fa = Vec::new()).await else {
        return;
    };
    let o = office(&app).await;
    account(&app, &o.admin, "kabid.hp", "official", Some(&o.o_kabid)).await;
    let mut ids = Vec::new();
    for text in [
        "Bantuan PKH Bapak akan cair pada tahap III (Oktober).",
        "Kartu lansia Ibu sudah dicetak dan dapat diambil.",
    ] {
        let c = register(&app, &o.reception, valid_complaint("letter")).await;
        let id = c["id"].as_str().unwrap().to_string();
        ok(&app, &o.reception, &id, "forward", json!({})).await;
        ok(
            &app,
            &o.k_head,
            &id,
            "dispositions",
            json!({"to": o.kabid, "instruction": "siapkan jawaban"}),
        )
        .await;
        ok(
            &app,
            &o.k_kabid,
            &id,
            "dispositions",
            json!({"to": o.kasi, "instruction": "siapkan jawaban"}),
        )
        .await;
        let r = post(
            &app,
            &o.k_kasi,
            "/api/v1/complaints/bulk/read",
            json!({"complaints": [{"id": id}]}),
        )
        .await;
        assert_eq!(r.status(), 200);
        ok(&app, &o.k_kasi, &id, "answer/drafts", json!({"body": text})).await;
        ok(&app, &o.k_kasi, &id, "answer/submit", json!({})).await;
        ids.push(id);
    }
    let Some(br) = Browser::start(&app).await else {
        return;
    };
    br.client.set_window_size(360, 800).await.unwrap();
    br.as_user("kabid.hp", "/console").await;
    let t = br.text().await;
    assert!(t.contains("menunggu persetujuan Anda"), "{t}");
    assert!(
        t.contains("Bantuan PKH Bapak akan cair pada tahap III (Oktober)."),
        "{t}"
    );
    br.check_page("inbox-approve").await;
    br.client.set_window_size(360, 800).await.unwrap();
    br.click(&format!("button[form='approve-{}']", ids[0]))
        .await;
    assert_eq!(br.path().await, "/console?done=approve");
    let t = br.text().await;
    assert!(t.contains("Konsep jawaban sudah disetujui."), "{t}");
    assert!(
        !t.contains("tahap III (Oktober)"),
        "no longer waiting on the Kabid: {t}"
    );
    // the other goes back with a note
    br.client
        .find(Locator::Css(&format!(
            "details.return:has(#return-note-{}) > summary",
            ids[1]
        )))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    br.fill(
        &format!("#return-note-{}", ids[1]),
        "Sebutkan tempat pengambilan kartu",
    )
    .await;
    br.click(&format!("button[form='return-{}']", ids[1])).await;
    assert!(
        br.text().await.contains("dikembalikan"),
        "{}",
        br.text().await
    );
    let kinds = |events: Vec<Value>| -> Vec<String> {
        events
            .iter()
            .map(|e| e["kind"].as_str().unwrap().to_string())
            .collect()
    };
    let first = kinds(crate::workflow::timeline(&app, &o.reception, &ids[0]).await);
    assert!(first.contains(&"draft_approved".to_string()), "{first:?}");
    let second = kinds(crate::workflow::timeline(&app, &o.reception, &ids[1]).await);
    assert!(second.contains(&"draft_returned".to_string()), "{second:?}");
}

/// Issue 33 item 2: a filter saved as a view, pinned to the menu with its
/// count on every page; an admin shares one with a role; deleting it.
async fn a_saved_view_is_pinned_to_the_menu_with_its_count(b: Backend) {
    let Some(app) = spawn_app_with(b, |s| s.require_2fa = Vec::new()).await else {
        return;
    };
    let admin = app.key(Role::Admin).await;
    account(&app, &admin, "loket.view", "reception", None).await;
    account(&app, &admin, "loket.lain", "reception", None).await;
    account(&app, &admin, "admin.view", "admin", None).await;
    let key = app.key(Role::Reception).await;
    for i in 0..3 {
        let mut body = valid_complaint("lapor");
        body["external_ref"] = json!({"lapor_tracking_id": format!("{}", 6_600_000 + i)});
        register(&app, &key, body).await;
    }
    register(&app, &key, valid_complaint("letter")).await;
    let Some(br) = Browser::start(&app).await else {
        return;
    };
    br.as_user(
        "loket.view",
        "/console/complaints?channel=lapor&status=registered",
    )
    .await;
    br.click_summary("Tampilan tersimpan").await;
    br.fill("#view-name", "LAPOR! belum diteruskan").await;
    br.click("form.save-view button").await;
    let t = br.text().await;
    assert!(t.contains("Tampilan tersimpan."), "{t}");
    // in the menu of every page, with its count
    br.goto("/console").await;
    let link = br
        .client
        .find(Locator::Css("header.bar nav a.view"))
        .await
        .unwrap();
    assert_eq!(link.text().await.unwrap(), "LAPOR! belum diteruskan 3");
    br.check_page("saved-view-menu").await;
    br.click("header.bar nav a.view").await;
    assert_eq!(
        br.client
            .find_all(Locator::Css("table.list tbody tr"))
            .await
            .unwrap()
            .len(),
        3
    );
    // nobody else sees it
    br.as_user("loket.lain", "/console").await;
    assert!(
        br.client
            .find_all(Locator::Css("header.bar nav a.view"))
            .await
            .unwrap()
            .is_empty()
    );
    // an admin shares one with every reception officer
    br.as_user("admin.view", "/console/complaints?channel=letter")
        .await;
    br.click_summary("Tampilan tersimpan").await;
    br.fill("#view-name", "Surat").await;
    br.select("#view-role", "reception").await;
    br.click("form.save-view button").await;
    br.as_user("loket.lain", "/console").await;
    let shared = br
        .client
        .find(Locator::Css("header.bar nav a.view"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(shared, "Surat 1");
    // the owner deletes hers
    br.as_user("loket.view", "/console/complaints").await;
    br.click("form.inline button").await;
    let names: Vec<String> = {
        let mut out = Vec::new();
        for a in br
            .client
            .find_all(Locator::Css("header.bar nav a.view"))
            .await
            .unwrap()
        {
            out.push(a.text().await.unwrap());
        }
        out
    };
    assert_eq!(names, vec!["Surat 1".to_string()]);
}

/// Issue 33: the bell in the bar counts what is new on the work waiting on
/// the person; the list names it; opening a complaint reads its
/// notifications; "mark all read" empties the count.
async fn the_bell_counts_what_is_new_and_opening_reads_it(b: Backend) {
    let Some(app) = spawn_app(b).await else {
        return;
    };
    let admin = app.key(Role::Admin).await;
    account(&app, &admin, "loket.lonceng", "reception", None).await;
    let key = app.key(Role::Reception).await;
    let mut made = Vec::new();
    for subject in [
        "Bantuan sembako belum diterima",
        "Kartu lansia belum jadi",
        "Pendamping PKH tidak datang",
    ] {
        let mut body = valid_complaint("letter");
        body["subject"] = json!(subject);
        made.push(register(&app, &key, body).await);
    }
    let Some(browser) = Browser::start(&app).await else {
        return;
    };
    browser.sign_in("loket.lonceng").await;
    assert_eq!(bell_badge(&browser).await, "3");
    browser.click("a.bell").await;
    assert_eq!(browser.path().await, "/console/notifications");
    let t = browser.text().await;
    assert!(t.contains("3 belum dibaca dari 3"), "{t}");
    for c in &made {
        assert!(t.contains(c["tracking_number"].as_str().unwrap()), "{t}");
    }
    assert!(t.contains("Pengaduan baru masuk"), "{t}");
    browser.check_page("notifications").await;
    // opening one reads it
    browser.click("ul.notes li a.number").await;
    assert!(browser.path().await.starts_with("/console/complaints/"));
    assert_eq!(bell_badge(&browser).await, "2");
    browser.goto("/console/notifications").await;
    assert!(browser.text().await.contains("2 belum dibaca dari 3"));
    browser
        .click("form[action='/console/notifications/read'] button")
        .await;
    let t = browser.text().await;
    assert!(
        t.contains("Semua pemberitahuan ditandai sudah dibaca"),
        "{t}"
    );
    assert!(t.contains("Semua sudah dibaca."), "{t}");
    assert_eq!(bell_badge(&browser).await, "", "no count left");
    browser.check_page("notifications-read").await;
}

/// The count beside the bell, or "" when there is none.
async fn bell_badge(browser: &Browser) -> String {
    match browser.client.find(Locator::Css("a.bell .badge")).await {
        Ok(e) => e.text().await.unwrap(),
        Err(_) => String::new(),
    }
}

/// Issue 33: the admin adds a category; the liaison officer sets it on two
/// complaints at once from the list, then changes one on its page.
async fn categories_are_kept_by_the_admin_and_set_in_bulk_or_on_the_page(b: Backend) {
    // two-factor sign-in has its own test
    let Some(app) = spawn_app_with(b, |s| s.require_2fa = Vec::new()).await else {
        return;
    };
    let admin = app.key(Role::Admin).await;
    account(&app, &admin, "admin.kategori", "admin", None).await;
    account(&app, &admin, "penghubung.kategori", "liaison", None).await;
    let key = app.key(Role::Reception).await;
    let mut ids = Vec::new();
    for subject in [
        "Kartu lansia hilang",
        "Kartu lansia belum dicetak",
        "Sembako terlambat",
    ] {
        let mut body = valid_complaint("letter");
        body["subject"] = json!(subject);
        body["category"] = Value::Null;
        ids.push(
            register(&app, &key, body).await["id"]
                .as_str()
                .unwrap()
                .to_string(),
        );
    }
    let Some(br) = Browser::start(&app).await else {
        return;
    };
    br.as_user("admin.kategori", "/console/admin/categories")
        .await;
    br.fill("#cat-name", "Kartu  Lansia").await;
    br.click("form[action='/console/admin/categories/new'] button[type=submit]")
        .await;
    let t = br.text().await;
    assert!(t.contains("Kategori Kartu Lansia ditambahkan."), "{t}");
    // the same again, in another case: refused next to the field
    br.fill("#cat-name", "kartu lansia").await;
    br.click("form[action='/console/admin/categories/new'] button[type=submit]")
        .await;
    let t = br.text().await;
    assert!(t.contains("sudah ada"), "{t}");
    br.check_page("admin-categories").await;

    br.as_user("penghubung.kategori", "/console/complaints")
        .await;
    for id in &ids[..2] {
        br.tick(&format!("input[name=c][value^='{id}']")).await;
    }
    br.click_summary("Kerjakan sekaligus").await;
    br.select("#bulk-op", "category").await;
    br.select("#bulk-category", "Kartu Lansia").await;
    br.click("details.bulk button[type=submit]").await;
    let t = br.text().await;
    assert!(t.contains("Hasil: kategori ditetapkan"), "{t}");
    assert!(t.contains("2 pengaduan dikerjakan"), "{t}");
    for (i, id) in ids.iter().enumerate() {
        let c: Value = app
            .get(&key, &format!("/api/v1/complaints/{id}"))
            .await
            .json()
            .await
            .unwrap();
        let want = if i < 2 {
            json!("Kartu Lansia")
        } else {
            Value::Null
        };
        assert_eq!(c["category"], want, "{c}");
    }
    // on the page: the third gets one
    br.goto(&format!("/console/complaints/{}", ids[2])).await;
    br.select("#kategori", "Bantuan Sosial").await;
    br.click("form.categorise button[type=submit]").await;
    let t = br.text().await;
    assert!(t.contains("Kategori tersimpan."), "{t}");
    assert!(t.contains("Bantuan Sosial"), "{t}");
    br.check_page("complaint-category").await;
}

/// Issue 34 items 3 and 4: reception logs a call (its time, who took it)
/// and a post on Instagram; each is due 7 working days after it came; the
/// answers go back by phone and as a reply on the platform, on the record.
async fn a_phone_call_and_a_social_media_post_are_registered_and_answered_there(b: Backend) {
    use chrono::Timelike;
    let Some(app) = spawn_app(b).await else {
        return;
    };
    let o = crate::workflow::office(&app).await;
    let admin = o.admin.clone();
    account(&app, &admin, "loket.telp", "reception", None).await;
    let Some(br) = Browser::start(&app).await else {
        return;
    };
    let tz = app.settings.office_timezone;
    let call_at = (chrono::Utc::now().with_timezone(&tz) - chrono::Duration::hours(2))
        .naive_local()
        .with_second(0)
        .unwrap()
        .with_nanosecond(0)
        .unwrap();
    br.sign_in("loket.telp").await;
    br.goto("/console/register").await;
    br.select("#channel", "phone").await;
    br.fill("#subject", "Bantuan lansia tidak diterima").await;
    br.fill(
        "#body",
        "Penelepon menyampaikan bantuan lansia untuk ayahnya tidak diterima bulan ini.",
    )
    .await;
    br.fill("#reporter-name", "Yakobus Nenobais").await;
    br.client
        .execute(
            "document.querySelector('#received_at').value = arguments[0];",
            vec![json!(call_at.format("%Y-%m-%dT%H:%M").to_string())],
        )
        .await
        .unwrap();
    // who took the call is the officer signed in, unless changed
    let taken = br
        .client
        .find(Locator::Css("#call-taken_by"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap()
        .unwrap_or_default();
    assert!(!taken.is_empty(), "who took the call is filled in");
    br.fill("#call-taken_by", "Agnes Loket").await;
    // without the caller's number: refused next to the field, nothing registered
    br.click("form.register button.secondary").await;
    let t = br.text().await;
    assert!(t.contains("Isi nomor yang menelepon"), "{t}");
    assert!(app.list_all(&admin, "&channel=phone", 10).await.is_empty());
    br.check_page("register-phone-refused").await;
    br.fill("#reporter-phone", "0813 3900 1122").await;
    br.client
        .execute(
            "document.querySelector('#received_at').value = arguments[0];",
            vec![json!(call_at.format("%Y-%m-%dT%H:%M").to_string())],
        )
        .await
        .unwrap();
    br.click("form.register button.secondary").await;
    assert!(br.text().await.contains("Tanda terima pengaduan"));
    let calls = app.list_all(&admin, "&channel=phone", 10).await;
    assert_eq!(calls.len(), 1);
    let call = &calls[0];
    let received = chrono::DateTime::parse_from_rfc3339(call["received_at"].as_str().unwrap())
        .unwrap()
        .with_timezone(&tz);
    assert_eq!(
        received.naive_local(),
        call_at,
        "the deadline counts from the call"
    );
    let (calendar, _) = aduan::store::load_policy(app.store.as_ref()).await.unwrap();
    let want = calendar.deadline(received.to_utc(), 7, tz).1;
    assert_eq!(
        chrono::DateTime::parse_from_rfc3339(call["due_at"].as_str().unwrap()).unwrap(),
        want
    );

    // a comment on the office's Instagram post
    br.goto("/console/register").await;
    br.select("#channel", "social_media").await;
    br.fill("#subject", "Antrean bantuan di kantor kelurahan")
        .await;
    br.fill(
        "#body",
        "Komentar: antrean pembagian bantuan di kelurahan Oebobo sampai sore, lansia menunggu di luar.",
    )
    .await;
    br.select("#social-platform", "instagram").await;
    br.fill("#social-account", "@warga_oebobo").await;
    br.fill("#social-url", "https://www.instagram.com/p/C0ffee123/")
        .await;
    br.check_page("register-social-media").await;
    br.click("form.register button.secondary").await;
    assert!(br.text().await.contains("Tanda terima pengaduan"));
    let posts = app.list_all(&admin, "&channel=social_media", 10).await;
    assert_eq!(posts.len(), 1);
    let post = &posts[0];
    let c = crate::workflow::complaint(&app, &admin, post["id"].as_str().unwrap()).await;
    assert_eq!(
        c["reporter"]["name"], "@warga_oebobo",
        "the account is who wrote"
    );
    let received = chrono::DateTime::parse_from_rfc3339(post["received_at"].as_str().unwrap())
        .unwrap()
        .to_utc();
    assert_eq!(
        chrono::DateTime::parse_from_rfc3339(post["due_at"].as_str().unwrap()).unwrap(),
        calendar.deadline(received, 7, tz).1
    );

    // both approved; the answers are given on the telephone and on Instagram
    let call_id = call["id"].as_str().unwrap().to_string();
    let post_id = post["id"].as_str().unwrap().to_string();
    for id in [&call_id, &post_id] {
        crate::workflow::walk_through_secretary(&app, &o, id).await;
    }
    br.goto(&format!("/console/complaints/{call_id}")).await;
    let t = br.text().await;
    assert!(t.contains("telepon diterima oleh Agnes Loket"), "{t}");
    let method = br
        .client
        .find(Locator::Css(
            "details:has(input[name=action][value=dispatch]) select[name=method]",
        ))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap();
    assert_eq!(
        method.as_deref(),
        Some("phone"),
        "a call is answered by phone"
    );
    br.act("dispatch", &[("method", "phone")]).await;
    let t = br.text().await;
    assert!(
        t.contains("isi nama petugas yang menyerahkan, menelepon"),
        "{t}"
    );
    br.act(
        "dispatch",
        &[("method", "phone"), ("given_by", "Agnes Loket")],
    )
    .await;
    let t = br.text().await;
    assert!(t.contains("Pengiriman jawaban sudah dicatat."), "{t}");
    assert!(t.contains("ditelepon oleh Agnes Loket"), "{t}");

    br.goto(&format!("/console/complaints/{post_id}")).await;
    let t = br.text().await;
    assert!(
        t.contains("Instagram: https://www.instagram.com/p/C0ffee123/"),
        "{t}"
    );
    // the post is a link in the summary: staff open it to answer there
    assert!(t.contains("Unggahan Instagram"), "{t}");
    br.client
        .find(Locator::Css(
            "a[href='https://www.instagram.com/p/C0ffee123/']",
        ))
        .await
        .expect("a link to the post");
    br.act(
        "dispatch",
        &[("method", "social_media"), ("given_by", "Agnes Loket")],
    )
    .await;
    let t = br.text().await;
    assert!(t.contains("alamat balasan di media sosial"), "{t}");
    br.act(
        "dispatch",
        &[
            ("method", "social_media"),
            ("given_by", "Agnes Loket"),
            (
                "reply_url",
                "https://www.instagram.com/p/C0ffee123/c/17990001/",
            ),
        ],
    )
    .await;
    let t = br.text().await;
    assert!(t.contains("Pengiriman jawaban sudah dicatat."), "{t}");
    assert!(
        t.contains("balasan: https://www.instagram.com/p/C0ffee123/c/17990001/"),
        "{t}"
    );
    br.check_page("social-media-answered").await;
    let answer: Value = app
        .get(&admin, &format!("/api/v1/complaints/{post_id}/answer"))
        .await
        .json()
        .await
        .unwrap();
    let d = &answer["dispatches"][0];
    assert_eq!(d["method"], "social_media");
    assert_eq!(
        d["reply_url"],
        "https://www.instagram.com/p/C0ffee123/c/17990001/"
    );
    assert_eq!(d["given_by"], "Agnes Loket");
    // the reports group the new channels by their Indonesian names
    let today = chrono::Utc::now().with_timezone(&tz).date_naive();
    let r: Value = app
        .get(
            &admin,
            &format!(
                "/api/v1/reports/summary?group_by=channel&from={}&to={today}",
                today - chrono::Duration::days(30)
            ),
        )
        .await
        .json()
        .await
        .unwrap_or(Value::Null);
    let text = r.to_string();
    assert!(
        text.contains("Telepon") && text.contains("Media sosial"),
        "{text}"
    );
}

/// Issue 35: a visitor in a wheelchair signs the guest book on the tablet at
/// the door asking for the Kabid; the Kabid is called (banner, email); the
/// front office sees the visit first, marked priority; the Kabid serves it;
/// reception makes it a face-to-face complaint; the day's book exports.
async fn a_visitor_signs_the_guest_book_the_kabid_is_called_and_the_visit_becomes_a_complaint(
    b: Backend,
) {
    let Some(app) = spawn_app(b).await else {
        return;
    };
    let o = crate::workflow::office(&app).await;
    let admin = o.admin.clone();
    account(&app, &admin, "kabid.tamu", "official", Some(&o.o_kabid)).await;
    let front_pos =
        crate::workflow::position(&app, &admin, "Pengadministrasi Umum", Some(&o.kasubag)).await;
    let (rina, _) =
        crate::workflow::officer(&app, &admin, "Rina Loket", &front_pos, "reception").await;
    account(&app, &admin, "loket.tamu", "reception", Some(&rina)).await;
    account(&app, &admin, "pimpinan.tamu", "manager", None).await;
    let Some(br) = Browser::start(&app).await else {
        return;
    };
    // someone came earlier without priority, registered by reception
    br.sign_in("loket.tamu").await;
    br.goto("/console/tamu").await;
    br.click_summary("Catat tamu").await;
    br.fill("#v-name", "Yohanes Bria").await;
    br.select("#v-purpose", "consultation").await;
    br.click("form[action='/console/tamu/new'] button[type=submit]")
        .await;
    assert!(
        br.text().await.contains("Tamu dicatat"),
        "{}",
        br.text().await
    );

    // reception marks the tablet at the door, then signs out of it
    br.click_summary("Tablet buku tamu").await;
    br.click("form[action='/console/tamu/kiosk'] button[type=submit]")
        .await;
    assert_eq!(br.path().await, "/tamu");
    br.client.delete_cookie("aduan_session").await.unwrap();
    // the tablet at the door
    br.client.set_window_size(800, 1280).await.unwrap();
    br.goto("/tamu").await;
    br.fill("#name", "Maria Goreti").await;
    br.fill("#phone", "0813 3900 1122").await;
    br.fill("#email", "maria.goreti@contoh.example").await;
    br.fill("#origin", "Kelurahan Oebobo").await;
    br.client
        .find(Locator::Css("input[name=purpose][value=meet_official]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    br.select("#position_id", &o.kabid).await;
    br.client
        .find(Locator::Css("input[name=priority][value=disability]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    br.fill("#assistance", "kursi roda").await;
    br.client
        .find(Locator::Css("input[name=consent]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("tamu-tablet-800.png"),
        br.client.screenshot().await.unwrap(),
    )
    .unwrap();
    br.check_page("tamu").await;
    // a person reads and types: the form is not sent the instant it is served
    tokio::time::sleep(std::time::Duration::from_secs(3)).await;
    br.click("form.tamu button[type=submit]").await;
    let t = br.text().await;
    assert!(t.contains("Nomor kunjungan"), "{t}");
    assert!(t.contains("ruang layanan prioritas"), "{t}");
    assert!(t.contains("Kabid Linjamsos"), "{t}");
    assert!(
        t.contains("agar tablet siap untuk tamu lain") && !t.contains("Maria Goreti"),
        "the tablet's page leaves the name out: {t}"
    );
    br.client.set_window_size(800, 1280).await.unwrap();
    std::fs::write(
        dir.join("tamu-done-800.png"),
        br.client.screenshot().await.unwrap(),
    )
    .unwrap();
    br.check_page("tamu-done").await;

    // the Kabid, signed in, sees the banner at once; the email is queued to her
    let called = std::time::Instant::now();
    br.as_user("kabid.tamu", "/console").await;
    let t = br.text().await;
    assert!(t.contains("Tamu prioritas menunggu"), "{t}");
    assert!(called.elapsed() < std::time::Duration::from_secs(5));
    let outbox = app.store.list_outbox(None, 200).await.unwrap();
    let mail = outbox
        .iter()
        .find(|m| {
            m.dedup_key.starts_with("visit-alert:")
                && m.dedup_key.ends_with("agnes.kabid@dinsos.example.go.id")
        })
        .unwrap_or_else(|| {
            panic!(
                "no alert to the Kabid: {:?}",
                outbox.iter().map(|m| &m.dedup_key).collect::<Vec<_>>()
            )
        });
    assert!(
        mail.payload.contains("PRIORITAS") && mail.payload.contains("kursi roda"),
        "{}",
        mail.payload
    );
    // … and in her notifications, first, with the bell counting it
    let bell = br
        .client
        .find(Locator::Css("a.bell .badge"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(bell, "1", "the waiting visitor rings the bell");
    br.goto("/console/notifications").await;
    let first = br
        .client
        .find(Locator::Css("ul.visitors li:first-child"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        first.contains("Tamu prioritas menunggu Anda") && first.contains("Maria Goreti"),
        "{first}"
    );
    assert!(called.elapsed() < std::time::Duration::from_secs(5));
    br.check_page("tamu-notifications").await;

    // the front office's list: the priority visit first, marked
    br.as_user("loket.tamu", "/console/tamu").await;
    let first = br
        .client
        .find(Locator::Css("table.visits tbody tr:first-child"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        first.contains("Maria Goreti")
            && first.contains("Prioritas: Penyandang disabilitas — kursi roda"),
        "{first}"
    );
    br.check_page("tamu-reception").await;
    br.screenshot_at("table.visits", "tamu-reception-table")
        .await;
    br.client.set_window_size(800, 1280).await.unwrap();
    std::fs::write(
        dir.join("tamu-reception-800.png"),
        br.client.screenshot().await.unwrap(),
    )
    .unwrap();

    // the Kabid serves her and finishes
    br.as_user("kabid.tamu", "/console/tamu").await;
    let t = br.text().await;
    assert!(
        t.contains("Maria Goreti") && !t.contains("Yohanes Bria"),
        "an official sees the visits for her: {t}"
    );
    br.click("table.visits button[aria-label^='Mulai layani']")
        .await;
    let t = br.text().await;
    assert!(
        t.contains("Kunjungan mulai dilayani.") && t.contains("Sedang dilayani"),
        "{t}"
    );
    br.click("table.visits button[aria-label^='Selesai']").await;
    assert!(br.text().await.contains("Kunjungan selesai."));
    assert!(
        !br.text().await.contains("Tamu prioritas menunggu"),
        "the banner is gone"
    );
    // the survey invitation goes to her email; the desk shows its QR
    let invitation = app
        .store
        .list_outbox(None, 300)
        .await
        .unwrap()
        .into_iter()
        .find(|m| m.dedup_key.starts_with("visit-survey:"))
        .expect("the survey invitation is queued");
    assert!(
        invitation.payload.contains("maria.goreti@contoh.example")
            && invitation.payload.contains("/skm/"),
        "{}",
        invitation.payload
    );
    br.click("table.visits a[href$='/survei']").await;
    let link = br
        .client
        .find(Locator::Css(".survey-qr a[href*='/skm/']"))
        .await
        .unwrap()
        .attr("href")
        .await
        .unwrap()
        .unwrap();
    assert!(
        invitation.payload.contains(&link),
        "the QR and the email carry one link"
    );
    assert!(
        br.client
            .find(Locator::Css(".survey-qr .qr svg"))
            .await
            .is_ok()
    );
    br.check_page("tamu-survei-qr").await;
    // she rates the visit on her phone
    br.client.set_window_size(360, 800).await.unwrap();
    let skm = &link[link.find("/skm/").unwrap()..];
    br.goto(skm).await;
    for n in 1..=9 {
        br.client
            .find(Locator::Css(&format!("input[name=u{n}][value='4']")))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
    }
    br.check_page("skm-kunjungan").await;
    br.click("form[action^='/skm/'] button[type=submit]").await;
    assert!(
        br.text()
            .await
            .contains("Terima kasih atas penilaian Anda."),
        "{}",
        br.text().await
    );
    br.goto("/ikm").await;
    assert!(br.text().await.contains("Pelayanan tamu (kunjungan)"));

    // reception makes the visit a face-to-face complaint
    br.as_user("loket.tamu", "/console/tamu").await;
    br.click("table.visits tbody tr:first-child a[href^='/console/register?visit=']")
        .await;
    let t = br.text().await;
    assert!(t.contains("Dari buku tamu"), "{t}");
    let name = br
        .client
        .find(Locator::Css("#reporter-name"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap();
    assert_eq!(name.as_deref(), Some("Maria Goreti"));
    br.fill("#reporter-id_number", "5371014101900031").await;
    br.fill("#subject", "Bantuan PKH ibu belum cair").await;
    br.fill(
        "#body",
        "Disampaikan langsung di kantor: bantuan PKH belum cair tiga bulan.",
    )
    .await;
    br.click("form.register button.secondary").await;
    assert!(br.text().await.contains("Tanda terima pengaduan"));
    let list = app.list_all(&admin, "&channel=face_to_face", 10).await;
    assert_eq!(list.len(), 1);
    let c = crate::workflow::complaint(&app, &admin, list[0]["id"].as_str().unwrap()).await;
    assert_eq!(c["reporter"]["name"], "Maria Goreti");
    assert_eq!(
        c["reporter"]["phone"],
        "0813 3900 1122".replace(' ', ""),
        "{c}"
    );
    br.goto("/console/tamu").await;
    let first = br
        .client
        .find(Locator::Css("table.visits tbody tr:first-child"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        first.contains("Pengaduannya"),
        "the visit links its complaint: {first}"
    );
    br.goto(&format!(
        "/console/complaints/{}",
        c["id"].as_str().unwrap()
    ))
    .await;
    assert!(
        br.text().await.contains("dari kunjungan T-"),
        "the complaint names its visit"
    );

    // the day's book: CSV and the page to print
    let cookie = br.client.get_named_cookie("aduan_session").await;
    let day = chrono::Utc::now()
        .with_timezone(&app.settings.office_timezone)
        .date_naive();
    br.goto(&format!("/console/tamu/cetak?day={day}")).await;
    let t = br.text().await;
    assert!(
        t.contains("Buku Tamu") && t.contains("Maria Goreti") && t.contains("Yohanes Bria"),
        "{t}"
    );
    br.check_page("tamu-cetak").await;
    if let Ok(c) = cookie {
        let csv = app
            .client
            .get(app.url(&format!("/console/tamu/csv?day={day}")))
            .header("Cookie", format!("{}={}", c.name(), c.value()))
            .send()
            .await
            .unwrap();
        assert_eq!(csv.status(), 200);
        let body = csv.text().await.unwrap();
        assert!(
            body.starts_with('\u{feff}') && body.contains("\"Maria Goreti\""),
            "{body}"
        );
        assert_eq!(body.lines().count(), 3, "a header and two visits");
        let pdf = app
            .client
            .get(app.url(&format!("/console/tamu/pdf?day={day}")))
            .header("Cookie", format!("{}={}", c.name(), c.value()))
            .send()
            .await
            .unwrap();
        assert_eq!(pdf.status(), 200);
        assert_eq!(
            pdf.headers()["content-type"].to_str().unwrap(),
            "application/pdf"
        );
        let bytes = pdf.bytes().await.unwrap();
        std::fs::write(dir.join("buku-tamu.pdf"), &bytes).unwrap();
        assert!(bytes.starts_with(b"%PDF-"));
        if let Some((text, info, fonts)) = crate::helpers::pdf_text(&bytes) {
            assert!(
                text.contains("Maria Goreti") && text.contains("Yohanes Bria"),
                "both visitors are in the PDF: {text}"
            );
            assert!(
                text.contains("BUKU TAMU") && text.contains("Halaman 1 dari 1"),
                "{text}"
            );
            assert!(text.contains("Penyandang disabilitas"), "{text}");
            assert!(info.contains("842 x 595 pts (A4)"), "{info}");
            // every font embedded (pdffonts' "emb" column)
            let embedded = fonts
                .lines()
                .skip(2)
                .all(|l| l.split_whitespace().rev().nth(4) == Some("yes"));
            assert!(embedded && fonts.contains("LiberationSans"), "{fonts}");
        }
    }
    // the month's report counts the visits
    br.as_user("pimpinan.tamu", "/console/reports").await;
    let t = br.text().await;
    assert!(t.contains("Buku tamu"), "{t}");
}

/// Issue 36: an officer is Plh Kepala Dinas today and approves an answer in
/// the browser; the inbox, the timeline, the approval path and the letter
/// say "Plh.", and the letter is signed with her name and NIP.
async fn a_plh_approves_and_the_records_say_plh(b: Backend) {
    use crate::workflow::{act, acting, ok, register};
    let Some(app) = spawn_app_with(b, |s| {
        s.letter_copies = vec![
            "Bupati Belu (sebagai laporan)".into(),
            "Inspektorat Kabupaten Belu".into(),
        ];
    })
    .await
    else {
        return;
    };
    let o = crate::workflow::office(&app).await;
    // the Sekretaris's colleague, appointed Plh Kepala Dinas for today
    let post = |path: String, body: Value| {
        let app = &app;
        let admin = o.admin.clone();
        async move {
            let r = app
                .client
                .post(app.url(&path))
                .bearer_auth(admin)
                .json(&body)
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 201);
            r.json::<Value>().await.unwrap()
        }
    };
    let maria = post(
        "/api/v1/org/officers".into(),
        json!({"name": "Maria Goreti Bria, S.Sos", "nip": "198005122006042015",
               "rank": "Pembina (IV/a)", "position_id": o.sekretaris, "email": "maria.bria@dinsos.example.go.id"}),
    )
    .await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let k_maria = post(
        format!("/api/v1/org/officers/{maria}/api-keys"),
        json!({"name": "kunci Maria", "role": "official"}),
    )
    .await["token"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(acting(&app, &o, &maria, 0, 2).await.status(), 201);
    account(&app, &o.admin, "maria.plh", "official", Some(&maria)).await;
    let id = register(&app, &o.reception, "letter").await;
    ok(&app, &o.reception, &id, "forward", json!({})).await;
    let Some(br) = Browser::start(&app).await else {
        return;
    };
    br.sign_in("maria.plh").await;
    br.goto("/console").await;
    let t = br.text().await;
    assert!(t.contains("sebagai Plh. Kepala Dinas"), "{t}");
    br.check_page("plh-inbox").await;
    // she disposes as Plh (API), the Kabid 2 drafts and submits
    ok(
        &app,
        &k_maria,
        &id,
        "dispositions",
        crate::workflow::dispose(&o.kabid2),
    )
    .await;
    ok(
        &app,
        &o.k_kabid2,
        &id,
        "answer/drafts",
        json!({"body": "Bantuan Bapak cair pada 15 Desember 2026 di kantor pos."}),
    )
    .await;
    ok(&app, &o.k_kabid2, &id, "answer/submit", json!({})).await;
    let _ = act;
    let page = format!("/console/complaints/{id}");
    br.goto(&page).await;
    br.act("approve", &[]).await;
    let t = br.text().await;
    assert!(
        t.contains("Kepala Dinas: disetujui (Plh.)"),
        "the approval path: {t}"
    );
    assert!(
        t.contains("Didisposisikan oleh Maria Goreti Bria, S.Sos, Plh. Kepala Dinas"),
        "the timeline: {t}"
    );
    assert!(
        t.contains("Riwayat utuh: 0 peristiwa tersegel;")
            && t.contains("disegel dalam beberapa menit"),
        "new events wait for the sealing job: {t}"
    );
    let core = aduan::app::App::new(app.store.clone(), app.settings.clone());
    core.seal_events(chrono::Utc::now() + chrono::Duration::minutes(3))
        .await
        .unwrap();
    br.goto(&page).await;
    let t = br.text().await;
    assert!(
        t.contains("Riwayat utuh:") && t.contains("peristiwa tersegel."),
        "{t}"
    );
    br.check_page("plh-complaint").await;
    br.goto(&format!("/console/complaints/{id}/letter")).await;
    let letter = br
        .client
        .find(Locator::Css(".signature"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(letter.contains("Plh. Kepala Dinas Sosial"), "{letter}");
    assert!(letter.contains("Maria Goreti Bria, S.Sos"), "{letter}");
    assert!(letter.contains("NIP. 198005122006042015"), "{letter}");
    assert!(
        letter.contains("Maria Goreti Bria, S.Sos\nPembina (IV/a)\nNIP."),
        "name, rank, NIP: {letter}"
    );
    let page_text = br.text().await;
    assert!(
        page_text.contains("Tembusan:\n1. Bupati Belu (sebagai laporan)")
            || page_text.contains("Tembusan:\nBupati Belu (sebagai laporan)"),
        "{page_text}"
    );
    let year = chrono::Utc::now()
        .with_timezone(&app.settings.office_timezone)
        .format("%Y")
        .to_string();
    let number = format!("1/PENGADUAN/XII/{year}");
    assert!(
        page_text.contains(&number),
        "numbered from the agenda: {page_text}"
    );
    assert_eq!(
        page_text.matches("Yth.").count(),
        1,
        "one salutation: {page_text}"
    );
    br.check_page("plh-letter").await;
    // the same letter as a PDF to sign electronically
    let cookie = br.client.get_named_cookie("aduan_session").await.unwrap();
    let pdf = app
        .client
        .get(app.url(&format!("/console/complaints/{id}/letter.pdf")))
        .header("Cookie", format!("{}={}", cookie.name(), cookie.value()))
        .send()
        .await
        .unwrap();
    assert_eq!(pdf.status(), 200);
    let bytes = pdf.bytes().await.unwrap();
    std::fs::write(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/screenshots/surat-plh.pdf"),
        &bytes,
    )
    .unwrap();
    if let Some((text, info, fonts)) = crate::helpers::pdf_text(&bytes) {
        for want in [
            number.as_str(),
            "Agustinus Lay",
            "Bantuan Bapak cair pada 15 Desember 2026 di kantor pos.",
            "Plh. Kepala Dinas Sosial",
            "Maria Goreti Bria, S.Sos",
            "NIP. 198005122006042015",
            "Pembina (IV/a)",
            "Tembusan:",
            "2. Inspektorat Kabupaten Belu",
            "Hal",
        ] {
            assert!(text.contains(want), "`{want}` in the PDF: {text}");
        }
        assert!(info.contains("595 x 842 pts (A4)"), "{info}");
        assert!(
            fonts
                .lines()
                .skip(2)
                .all(|l| l.split_whitespace().rev().nth(4) == Some("yes")),
            "{fonts}"
        );
    }
}

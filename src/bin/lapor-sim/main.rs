//! `lapor-sim`: plays SP4N-LAPOR!'s integration API for development, tests
//! and demos. Reports disposed to one agency, with incremental listing, detail,
//! comments, attachments and topics; accepts follow-ups and re-routing
//! requests (idempotent on `Idempotency-Key`); requires the token. Faults on
//! demand: errors, timeouts, 429, duplicated and out-of-order pages, malformed
//! and odd items, reports committed late behind the cursor, stale copies,
//! offset cursors, expired tokens, cut-short 201s, 409 on replays, ignored
//! idempotency keys, per-report comment ids, missing comment counts, bad
//! comments, 404s, short, missing and huge attachments. `/sim/…` lets tests
//! and demos play the reporter and LAPOR!'s admins.
//!
//! ```text
//! lapor-sim --listen 127.0.0.1:8090 --token rahasia --seed 7 --reports 500 \
//!           --error-rate 0.2 --timeout-rate 0.05 --duplicate-pages --out-of-order --malformed 1
//! ```

mod data;
mod server;

use std::io::Write;
use std::net::SocketAddr;

use clap::Parser;

#[derive(Debug, Clone, Parser)]
#[command(
    name = "lapor-sim",
    about = "A simulator of the SP4N-LAPOR! integration API"
)]
pub struct Config {
    /// Address to listen on (port 0 picks a free port; the address is logged).
    #[arg(long, default_value = "127.0.0.1:8090")]
    pub listen: SocketAddr,
    /// The agency token clients must send as `Authorization: Bearer <token>`.
    #[arg(long, env = "LAPOR_SIM_TOKEN")]
    pub token: Option<String>,
    /// Seed of the generated data (same seed, same reports).
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// How many reports are disposed to the agency at start.
    #[arg(long, default_value_t = 100)]
    pub reports: usize,
    /// Items per listing page.
    #[arg(long, default_value_t = 50)]
    pub page_size: usize,
    /// Share of API requests answered 500/503 (0.0–1.0). On POSTs half of them
    /// are ambiguous: the request is applied, then the error is returned.
    #[arg(long, default_value_t = 0.0)]
    pub error_rate: f64,
    /// Share of API reads answered unreadably (0.0–1.0): half a reverse
    /// proxy's 502 HTML page, half a 200 whose JSON stops in the middle.
    #[arg(long, default_value_t = 0.0)]
    pub unreadable_rate: f64,
    /// Share of API requests answered only after `--timeout-ms` (0.0–1.0).
    #[arg(long, default_value_t = 0.0)]
    pub timeout_rate: f64,
    #[arg(long, default_value_t = 3000)]
    pub timeout_ms: u64,
    /// Every N-th API request gets 429 with `Retry-After: 1` (0 = never).
    #[arg(long, default_value_t = 0)]
    pub rate_limit_every: u64,
    /// Each page repeats the last item of the previous page.
    #[arg(long)]
    pub duplicate_pages: bool,
    /// Items within a page come in random order.
    #[arg(long)]
    pub out_of_order: bool,
    /// This many reports are served malformed (a broken date, a missing title).
    #[arg(long, default_value_t = 0)]
    pub malformed: usize,
    /// This many reports are served valid but odd: zone-less local times,
    /// a NUL and 25,000 characters in the content, a 10,000-character title,
    /// `attachments: null`, a named reporter without an address and with an
    /// email lacking its domain.
    #[arg(long, default_value_t = 0)]
    pub odd: usize,
    /// This many reports are committed late: hidden until the listing has
    /// once been read to its end, then visible at a position the cursor
    /// already passed.
    #[arg(long, default_value_t = 0)]
    pub late: usize,
    /// The late reports stay hidden, however often the listing is read,
    /// until `POST /sim/reveal-late` (a commit long behind the cursor).
    #[arg(long)]
    pub late_held: bool,
    /// After a report changes, its previous copy (older `updated_at`) is
    /// served again right after the new one.
    #[arg(long)]
    pub stale_copies: bool,
    /// Cursors are offsets into the listing (page numbers): a report that
    /// changes moves to the end and shifts the others back.
    #[arg(long)]
    pub offset_cursors: bool,
    /// The first N follow-up and re-routing POSTs answer 401 (an expired token).
    #[arg(long, default_value_t = 0)]
    pub unauthorized_posts: u64,
    /// Each new follow-up or re-routing is stored, then answered 502 (a 201 cut short).
    #[arg(long)]
    pub cut_posts: bool,
    /// A replayed `Idempotency-Key` answers 409 instead of the stored result.
    #[arg(long)]
    pub conflict_on_replay: bool,
    /// `Idempotency-Key` is ignored: every POST adds another (the key is
    /// still kept with what it added).
    #[arg(long)]
    pub ignore_idempotency: bool,
    /// Comment ids count per report (`1`, `2`, …) instead of being unique.
    #[arg(long)]
    pub comment_ids_per_report: bool,
    /// The listing's `comment_count` is always 0.
    #[arg(long)]
    pub no_comment_count: bool,
    /// The first N reporter comments are served with an unreadable `created_at`.
    #[arg(long, default_value_t = 0)]
    pub bad_comments: usize,
    /// The first N requests for a report's comments answer 404.
    #[arg(long, default_value_t = 0)]
    pub comments_404: u64,
    /// This many attachments are served cut short (half their bytes, with a
    /// matching Content-Length).
    #[arg(long, default_value_t = 0)]
    pub short_attachments: usize,
    /// This many attachments answer 404.
    #[arg(long, default_value_t = 0)]
    pub missing_attachments: usize,
    /// This many attachments answer 404 to their first two requests, then
    /// are served (a platform that stores files after their report).
    #[arg(long, default_value_t = 0)]
    pub late_attachments: usize,
    /// This many attachments are 50 MB.
    #[arg(long, default_value_t = 0)]
    pub huge_attachments: usize,
    /// The first follow-up and re-routing POSTs meet these faults, one each
    /// in order (comma-separated): `503` (not applied, `Retry-After: 1`),
    /// `502-html` (applied, then a proxy's 502 HTML page), `reset` (applied,
    /// then the connection drops in the middle of the answer), `timeout`
    /// (applied, answered only after `--timeout-ms`).
    #[arg(long, value_delimiter = ',')]
    pub post_faults: Vec<String>,
    /// Follow-ups and re-routing requests show in their listings only this
    /// many ms after they were stored (a platform whose reads lag its writes).
    #[arg(long, default_value_t = 0)]
    pub listing_lag_ms: u64,
    /// Print the OpenAPI document of this simulator and exit.
    #[arg(long)]
    pub openapi: bool,
}

fn main() -> std::io::Result<()> {
    let cfg = Config::parse();
    if cfg.openapi {
        println!("{}", server::openapi_json());
        return Ok(());
    }
    let Some(token) = cfg.token.clone().filter(|t| !t.is_empty()) else {
        eprintln!("lapor-sim: --token is required (or LAPOR_SIM_TOKEN)");
        std::process::exit(2);
    };
    for (name, v) in [
        ("--error-rate", cfg.error_rate),
        ("--timeout-rate", cfg.timeout_rate),
        ("--unreadable-rate", cfg.unreadable_rate),
    ] {
        if !(0.0..=1.0).contains(&v) {
            eprintln!("lapor-sim: {name} must be between 0.0 and 1.0");
            std::process::exit(2);
        }
    }
    if let Some(bad) = cfg
        .post_faults
        .iter()
        .find(|f| !matches!(f.as_str(), "503" | "502-html" | "reset" | "timeout"))
    {
        eprintln!("lapor-sim: --post-faults knows 503, 502-html, reset, timeout (not `{bad}`)");
        std::process::exit(2);
    }
    actix_web::rt::System::new().block_on(async move {
        let (server, addr) = server::start(cfg, token)?;
        println!("lapor-sim listening on http://{addr}");
        std::io::stdout().flush()?;
        server.await
    })
}

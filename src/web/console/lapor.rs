//! For the liaison officer: where the SP4N-LAPOR! integration stands, a
//! poll now, and the quarantine with a retry per item.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;
use uuid::Uuid;

use super::{Layout, Section, render, staff};
use crate::domain::Role;
use crate::http::AppState;
use crate::words;

pub struct QuarantineRow {
    pub id: String,
    pub tracking: Option<String>,
    pub reason: String,
    pub times: i32,
    pub last: String,
}

/// LAPOR! attachments listed on the page at most.
const MISSING_SHOWN: u32 = 100;

#[derive(Template)]
#[template(path = "console/lapor.html")]
struct LaporPage {
    layout: Layout,
    enabled: bool,
    url: String,
    last_poll: String,
    last_success: String,
    last_error: Option<String>,
    circuit: String,
    imported: String,
    /// Who holds the poll lease, in words.
    lease: String,
    /// Why this server's last pull waited, in words (another server holds
    /// the turn), when it did.
    blocked: Option<String>,
    /// LAPOR! attachments not stored yet or given up: (complaint id,
    /// tracking number, what to say).
    missing: Vec<(String, String, String)>,
    /// More than shown.
    missing_more: bool,
    reconciled: String,
    pending: i64,
    sent: i64,
    failed: i64,
    quarantined: i64,
    items: Vec<QuarantineRow>,
    mail: MailView,
    /// The message channels (WhatsApp, Telegram, SMS): on or not, and their
    /// messages by outbox status in words.
    channels: Vec<ChannelCard>,
}

struct ChannelCard {
    id: &'static str,
    title: &'static str,
    on: bool,
    /// What is on, or what the admin must do.
    says: String,
    counts: Vec<(&'static str, i64)>,
    /// Telegram polling: when it last fetched, and its last error.
    last_poll: Option<String>,
    last_error: Option<String>,
}

/// The mailbox the email channel reads (IMAP), as the liaison officer sees it.
struct MailView {
    enabled: bool,
    host: String,
    last_poll: String,
    last_success: String,
    last_error: Option<String>,
    /// (label, count) of what mail became, in a fixed order.
    counts: Vec<(&'static str, i64)>,
    quarantined: usize,
}

pub fn for_role(r: Role) -> bool {
    matches!(r, Role::Liaison | Role::Admin)
}

#[derive(Debug, Deserialize)]
pub struct NoticeQuery {
    /// `ok`, `busy`, `fail` or `off` (codes, never text, in the URL).
    polled: Option<String>,
    imported: Option<u32>,
    updates: Option<u32>,
    quarantined: Option<u32>,
    retried: Option<String>,
}

pub async fn page(
    state: web::Data<AppState>,
    req: HttpRequest,
    q: web::Query<NoticeQuery>,
) -> HttpResponse {
    let who = match staff(&state, &req).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    if !for_role(who.caller.role()) {
        return super::message(
            &state,
            StatusCode::FORBIDDEN,
            "Bukan untuk peran ini",
            "Halaman ini untuk pejabat penghubung dan admin.",
        );
    }
    let (st, items, email, missing) = match tokio::try_join!(
        async {
            crate::http::status::lapor_status(&state)
                .await
                .map_err(|_| ())
        },
        async {
            state
                .store
                .list_quarantine(false, 200)
                .await
                .map_err(|_| ())
        },
        async {
            crate::http::status::email_status(&state)
                .await
                .map_err(|_| ())
        },
        async {
            state
                .store
                .lapor_attachments_missing(None, MISSING_SHOWN)
                .await
                .map_err(|_| ())
        },
    ) {
        Ok(x) => x,
        Err(()) => return super::unavailable(&state),
    };
    let tz = state.settings.office_timezone;
    let sees_identities = who.caller.role().sees_anonymous_identity();
    let when = |t: Option<chrono::DateTime<chrono::Utc>>| {
        t.map(|t| words::waktu(t, tz))
            .unwrap_or_else(|| "belum pernah".into())
    };
    let count = |k: &str| email.counts.get(k).copied().unwrap_or(0);
    let mail = MailView {
        enabled: email.mailbox.enabled,
        host: match (&email.mailbox.host, &email.mailbox.folder) {
            (Some(h), Some(f)) => format!("{h}, folder {f}"),
            (Some(h), None) => h.clone(),
            _ => String::new(),
        },
        last_poll: when(email.mailbox.last_poll_at),
        last_success: when(email.mailbox.last_success_at),
        last_error: email.mailbox.last_error.clone(),
        counts: vec![
            ("menjadi pengaduan", count("created")),
            ("balasan pelapor", count("joined")),
            ("balasan otomatis", count("auto_reply")),
            ("pantulan", count("bounce")),
            ("surel massal", count("bulk")),
            ("ganda", count("duplicate")),
            ("ditolak", count("rejected")),
        ],
        quarantined: email.quarantine.len(),
    };
    let counts_of = |kinds: &'static [&'static str]| {
        let store = state.store.clone();
        async move {
            let c = store.outbox_counts(kinds).await.unwrap_or_default();
            let n = |k: &str| c.iter().find(|(s, _)| s == k).map_or(0, |(_, n)| *n);
            vec![
                ("menunggu dikirim", n("pending")),
                ("terkirim", n("sent")),
                ("gagal, perlu diperiksa", n("parked")),
            ]
        }
    };
    let s = &state.settings;
    let tg_state = state
        .store
        .integration_state(crate::intake::telegram::poll::NAME)
        .await
        .unwrap_or_default();
    let channels = vec![
        ChannelCard {
            id: "whatsapp",
            title: "WhatsApp pengaduan",
            on: s.whatsapp.is_some(),
            says: if s.whatsapp.is_some() {
                "Aktif: pesan warga ke nomor WhatsApp kantor menjadi pengaduan, dan tanda terima, \
                 pesan petugas serta jawaban dikirim lewat WhatsApp."
                    .into()
            } else {
                "Saluran WhatsApp belum diaktifkan: pesan ke nomor WhatsApp kantor belum masuk ke \
                 aduan. Admin server perlu menghubungkan nomor WhatsApp Business kantor (lihat \
                 README, bagian WhatsApp)."
                    .into()
            },
            counts: counts_of(crate::intake::whatsapp::outbound::KINDS).await,
            last_poll: None,
            last_error: None,
        },
        ChannelCard {
            id: "telegram",
            title: "Telegram pengaduan",
            on: s.telegram.is_some(),
            says: match &s.telegram {
                None => "Saluran Telegram belum diaktifkan: admin server perlu memasang token bot \
                         kantor (lihat README, bagian Telegram)."
                    .into(),
                Some(t) if t.webhook_secret.is_some() => {
                    "Aktif (webhook): pesan warga kepada bot kantor menjadi pengaduan.".into()
                }
                Some(_) => "Aktif (aduan mengambil pesan sendiri dari Telegram): pesan warga \
                            kepada bot kantor menjadi pengaduan."
                    .into(),
            },
            counts: counts_of(crate::intake::telegram::outbound::KINDS).await,
            last_poll: s
                .telegram
                .as_ref()
                .filter(|t| t.webhook_secret.is_none())
                .map(|_| when(tg_state.as_ref().and_then(|t| t.last_poll_at))),
            last_error: tg_state.and_then(|t| t.last_error),
        },
        ChannelCard {
            id: "sms",
            title: "SMS pengaduan",
            on: s.sms.can_send() || s.sms.webhook_secret.is_some(),
            says: if s.sms.can_send() || s.sms.webhook_secret.is_some() {
                format!(
                    "Aktif: SMS warga ke nomor kantor menjadi pengaduan; balasan dikirim lewat {}.",
                    if s.sms.send_command.is_some() {
                        "modem (perintah kirim)"
                    } else if s.sms.gateway_url.is_some() {
                        "gateway SMS"
                    } else {
                        "— belum diatur: SMS keluar tidak terkirim"
                    }
                )
            } else {
                "Saluran SMS belum diaktifkan: admin server perlu menghubungkan modem (Gammu) \
                 atau gateway SMS (lihat README, bagian SMS)."
                    .into()
            },
            counts: counts_of(crate::intake::sms::outbound::KINDS).await,
            last_poll: None,
            last_error: None,
        },
    ];
    let mut layout = Layout::for_staff(&state, &who, "SP4N-LAPOR! dan surel", Section::Lapor);
    if let Some(p) = &q.polled {
        let (text, bad) = match p.as_str() {
            "ok" => (
                format!(
                    "Selesai: {} laporan baru diimpor, {} diperbarui, {} masuk karantina.",
                    q.imported.unwrap_or(0),
                    q.updates.unwrap_or(0),
                    q.quarantined.unwrap_or(0)
                ),
                false,
            ),
            "busy" => (
                "Replika lain sedang menarik laporan; coba lagi sebentar lagi.".into(),
                true,
            ),
            "off" => ("Integrasi belum aktif.".into(), true),
            _ => (
                "LAPOR! belum dapat dihubungi; lihat kesalahan terakhir di bawah.".into(),
                true,
            ),
        };
        layout.notices.push(super::Notice { text, bad });
    }
    if let Some(r) = &q.retried {
        layout.notices.push(super::Notice {
            text: if r == "1" {
                "Laporan itu sekarang menjadi pengaduan.".into()
            } else {
                "Laporan itu masih belum dapat diimpor; penyebabnya tertulis di bawah.".into()
            },
            bad: r != "1",
        });
    }
    render(
        StatusCode::OK,
        &LaporPage {
            layout,
            enabled: st.enabled,
            url: st.url.unwrap_or_default(),
            last_poll: when(st.last_poll_at),
            last_success: when(st.last_success_at),
            last_error: st.last_error,
            circuit: match st.circuit_retry_in_seconds {
                Some(s) => format!("terputus; dicoba lagi dalam {s} detik"),
                None => "baik".into(),
            },
            imported: if chrono::Utc::now() - st.imported_total_as_of > chrono::Duration::seconds(1) {
                format!(
                    "{} (dihitung {})",
                    words::angka(st.imported_total),
                    words::waktu(st.imported_total_as_of, tz)
                )
            } else {
                words::angka(st.imported_total)
            },
            lease: match (&st.lease_holder, st.lease_since) {
                (Some(h), Some(since)) => format!("{h}, sejak {}", words::waktu(since, tz)),
                (Some(h), None) => h.clone(),
                _ => "tidak ada (menunggu jadwal berikutnya)".into(),
            },
            missing_more: missing.len() >= MISSING_SHOWN as usize,
            missing: missing
                .iter()
                .map(|m| {
                    (
                        m.complaint_id.to_string(),
                        m.tracking_number.clone(),
                        // an identity document's name only to whoever may see
                        // a hidden reporter (this list does not know who is)
                        words::lapor_attachment_missing(
                            m,
                            !sees_identities
                                && crate::domain::identity::looks_like_identity_document(
                                    &m.file_name,
                                ),
                            tz,
                        ),
                    )
                })
                .collect(),
            blocked: st.blocked_by.as_ref().map(|b| {
                format!(
                    "Penarikan di server ini tertahan: server lain ({}) sedang memegang giliran menarik{}. \
                     Giliran itu habis {} bila server tersebut tidak memperbaruinya — bila server itu \
                     berhenti, server ini mengambil alih saat itu.",
                    b.replica,
                    b.since
                        .map(|s| format!(" sejak {}", words::waktu(s, tz)))
                        .unwrap_or_default(),
                    words::waktu(b.expires_at, tz)
                )
            }),
            reconciled: when(st.last_reconciled_at),
            pending: st.pending_followups,
            sent: st.sent_followups,
            failed: st.failed_followups,
            quarantined: st.quarantined,
            items: items
                .into_iter()
                .map(|i| QuarantineRow {
                    id: i.id.to_string(),
                    tracking: i.tracking_id,
                    reason: i.reason,
                    times: i.times_seen,
                    last: words::waktu(i.last_seen, tz),
                })
                .collect(),
            mail,
            channels,
        },
    )
}

#[derive(Debug, Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

fn back(query: String) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, format!("/console/lapor?{query}")))
        .finish()
}

pub async fn poll(
    state: web::Data<AppState>,
    req: HttpRequest,
    form: web::Form<CsrfForm>,
) -> HttpResponse {
    let who = match super::staff_form(&state, &req, &form.csrf, false).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    if !for_role(who.caller.role()) {
        return super::refused(&state);
    }
    let Some(sync) = state.lapor.as_ref() else {
        return back("polled=off".into());
    };
    match sync.poll_leased(chrono::Utc::now()).await {
        Ok(Some(r)) => back(format!(
            "polled=ok&imported={}&updates={}&quarantined={}",
            r.imported, r.updates, r.quarantined
        )),
        Ok(None) => back("polled=busy".into()),
        Err(e) => {
            tracing::warn!(error = %e, "console LAPOR! poll failed");
            back("polled=fail".into())
        }
    }
}

pub async fn retry(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<String>,
    form: web::Form<CsrfForm>,
) -> HttpResponse {
    let who = match super::staff_form(&state, &req, &form.csrf, false).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    if !for_role(who.caller.role()) {
        return super::refused(&state);
    }
    let (Some(sync), Ok(id)) = (state.lapor.as_ref(), id.parse::<Uuid>()) else {
        return back(String::new());
    };
    match sync.retry_quarantined(id).await {
        Ok(Some(true)) => back("retried=1".into()),
        Ok(_) => back("retried=0".into()),
        Err(e) => {
            tracing::warn!(error = %e, "console quarantine retry failed");
            back("retried=0".into())
        }
    }
}

//! Messages to complainants, in Bahasa Indonesia (plain text and HTML).

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

pub use crate::words::{MONTHS, tanggal, tanggal_jam};

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// A rendered email.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// What the acknowledgement says.
pub struct Acknowledgement<'a> {
    pub office_name: &'a str,
    pub reporter_name: Option<&'a str>,
    pub tracking_number: &'a str,
    pub access_code: &'a str,
    /// The complaint's subject; `None` when a stranger could have typed it
    /// (web form, API): the office's message then quotes none of their text.
    pub subject: Option<&'a str>,
    pub received_at: DateTime<Utc>,
    /// When it was registered: a deadline already past then is not named
    /// as if it were still to come.
    pub registered_at: DateTime<Utc>,
    pub due_at: Option<DateTime<Utc>>,
    pub status_url: &'a str,
    pub timezone: Tz,
}

/// The approved answer to a complaint, sent by email.
pub struct Answer<'a> {
    pub office_name: &'a str,
    pub reporter_name: Option<&'a str>,
    pub tracking_number: &'a str,
    pub subject: &'a str,
    pub received_at: DateTime<Utc>,
    /// The text approved by the head of office.
    pub body: &'a str,
    pub timezone: Tz,
    /// The status page, where the complainant rates the service (SKM).
    pub survey_url: &'a str,
}

pub fn answer(a: &Answer<'_>) -> Rendered {
    let salutation = salutation(a.reporter_name, "Bapak/Ibu Pelapor");
    let received = tanggal_jam(a.received_at, a.timezone);
    let text = format!(
        "{salutation},\n\n\
         Menindaklanjuti pengaduan Anda nomor {tn} perihal \"{subject}\" yang kami terima \
         pada {received}, dengan ini kami sampaikan jawaban sebagai berikut:\n\n\
         {body}\n\n\
         Bila Anda belum puas dengan jawaban ini, silakan membalas email ini dengan \
         menyebutkan nomor pengaduan {tn}.\n\n\
         Bantu kami memperbaiki layanan: nilailah penanganan pengaduan ini (survei kepuasan, \
         sekitar dua menit) di {survey} dengan nomor pengaduan dan kode akses Anda.\n\n\
         Hormat kami,\n{office}\n",
        survey = a.survey_url,
        tn = a.tracking_number,
        subject = a.subject,
        body = a.body,
        office = a.office_name,
    );
    let paragraphs: String = a
        .body
        .split("\n\n")
        .map(|p| format!("<p>{}</p>", html_escape(p).replace('\n', "<br>")))
        .collect();
    let html = format!(
        "<!DOCTYPE html><html lang=\"id\"><body style=\"font-family:sans-serif\">\
         <p>{salutation},</p>\
         <p>Menindaklanjuti pengaduan Anda nomor <b>{tn}</b> perihal &quot;{subject}&quot; \
         yang kami terima pada {received}, dengan ini kami sampaikan jawaban sebagai berikut:</p>\
         {paragraphs}\
         <p>Bila Anda belum puas dengan jawaban ini, silakan membalas email ini dengan \
         menyebutkan nomor pengaduan {tn}.</p>\
         <p>Bantu kami memperbaiki layanan: <a href=\"{survey}\">nilailah penanganan pengaduan ini</a> \
         (survei kepuasan, sekitar dua menit) dengan nomor pengaduan dan kode akses Anda.</p>\
         <p>Hormat kami,<br>{office}</p></body></html>",
        survey = html_escape(a.survey_url),
        salutation = html_escape(&salutation),
        tn = html_escape(a.tracking_number),
        subject = html_escape(a.subject),
        received = html_escape(&received),
        office = html_escape(a.office_name),
    );
    Rendered {
        subject: format!("[{}] Jawaban atas pengaduan Anda", a.tracking_number),
        text,
        html,
    }
}

/// To the liaison officer: an answer sent on WhatsApp did not arrive.
pub fn answer_undelivered(
    office: &str,
    tracking_number: &str,
    via: &str,
    reason: &str,
    link: &str,
) -> Rendered {
    let text = format!(
        "Yth. Pejabat Penghubung,\n\n\
         Jawaban atas pengaduan {tracking_number} yang dikirim lewat {via} tidak sampai \
         kepada pelapor ({reason}).\n\n\
         Mohon sampaikan jawaban dengan cara lain (surat, telepon atau diserahkan langsung) \
         dan catat penyampaiannya pada halaman pengaduan:\n{link}\n\n{office}\n"
    );
    let html = format!(
        "<p>Yth. Pejabat Penghubung,</p><p>Jawaban atas pengaduan <strong>{t}</strong> yang dikirim lewat \
         {v} tidak sampai kepada pelapor ({r}).</p><p>Mohon sampaikan jawaban dengan cara lain (surat, \
         telepon atau diserahkan langsung) dan catat penyampaiannya pada \
         <a href=\"{l}\">halaman pengaduan</a>.</p><p>{o}</p>",
        t = html_escape(tracking_number),
        v = html_escape(via),
        r = html_escape(reason),
        l = html_escape(link),
        o = html_escape(office),
    );
    Rendered {
        subject: format!("[{tracking_number}] Jawaban tidak sampai lewat {via}"),
        text,
        html,
    }
}

/// The one-time set-password link for a new or forgotten account.
pub fn account_link(
    office: &str,
    login: &str,
    link: &str,
    expires_at: DateTime<Utc>,
    tz: Tz,
) -> Rendered {
    let until = tanggal_jam(expires_at, tz);
    let text = format!(
        "Yth. Bapak/Ibu,\n\n\
         Akun Anda di layanan pengaduan {office} sudah dibuat dengan nama pengguna {login}.\n\n\
         Buka tautan berikut untuk membuat kata sandi. Tautan ini hanya dapat dipakai sekali\n\
         dan berlaku sampai {until}:\n\n{link}\n\n\
         Jika Anda tidak merasa meminta akun ini, abaikan email ini dan beri tahu admin.\n\n\
         Hormat kami,\n{office}\n"
    );
    let html = format!(
        "<p>Yth. Bapak/Ibu,</p><p>Akun Anda di layanan pengaduan {o} sudah dibuat dengan nama pengguna <strong>{l}</strong>.</p>\
         <p>Buka tautan berikut untuk membuat kata sandi. Tautan ini hanya dapat dipakai sekali dan berlaku sampai {u}:</p>\
         <p><a href=\"{k}\">Buat kata sandi</a></p>\
         <p>Jika Anda tidak merasa meminta akun ini, abaikan email ini dan beri tahu admin.</p><p>Hormat kami,<br>{o}</p>",
        o = html_escape(office),
        l = html_escape(login),
        u = html_escape(&until),
        k = html_escape(link),
    );
    Rendered {
        subject: format!("Akun layanan pengaduan {office}"),
        text,
        html,
    }
}

pub fn acknowledgement(a: &Acknowledgement<'_>) -> Rendered {
    let salutation = salutation(a.reporter_name, "Bapak/Ibu Pelapor");
    let due_words = a.due_at.map(|d| {
        if d <= a.registered_at {
            format!(
                "sudah lewat ketika pengaduan ini dicatat ({}); kami menanganinya segera",
                tanggal_jam(d, a.timezone)
            )
        } else {
            tanggal_jam(d, a.timezone)
        }
    });
    let due = due_words
        .as_ref()
        .map(|d| format!("Batas waktu jawaban : {d}\n"))
        .unwrap_or_default();
    let text = format!(
        "{salutation},\n\n\
         Terima kasih. Pengaduan Anda telah kami terima dan dicatat oleh {office}.\n\n\
         Nomor pengaduan     : {tn}\n\
         Kode akses          : {code}\n\
         {subject}\
         Diterima            : {received}\n\
         {due}\n\
         Status pengaduan dapat Anda pantau dengan nomor pengaduan dan kode akses di:\n\
         {url}\n\n\
         Simpan nomor pengaduan dan kode akses ini, dan jangan berikan kode akses kepada orang lain.\n\
         Bila Anda membalas email ini, sebutkan nomor pengaduan {tn}.\n\n\
         Hormat kami,\n{office}\n",
        office = a.office_name,
        tn = a.tracking_number,
        code = a.access_code,
        subject = a
            .subject
            .map(|s| format!("Perihal             : {s}\n"))
            .unwrap_or_default(),
        received = tanggal_jam(a.received_at, a.timezone),
        url = a.status_url,
    );
    let due_html = due_words
        .map(|d| {
            format!(
                "<tr><td>Batas waktu jawaban</td><td>{}</td></tr>",
                html_escape(&d)
            )
        })
        .unwrap_or_default();
    let html = format!(
        "<!DOCTYPE html><html lang=\"id\"><body style=\"font-family:sans-serif\">\
         <p>{salutation},</p>\
         <p>Terima kasih. Pengaduan Anda telah kami terima dan dicatat oleh {office}.</p>\
         <table cellpadding=\"4\">\
         <tr><td>Nomor pengaduan</td><td><b>{tn}</b></td></tr>\
         <tr><td>Kode akses</td><td><b>{code}</b></td></tr>\
         {subject}\
         <tr><td>Diterima</td><td>{received}</td></tr>{due_html}</table>\
         <p>Status pengaduan dapat Anda pantau di <a href=\"{url}\">{url}</a>.</p>\
         <p>Simpan nomor pengaduan dan kode akses ini, dan jangan berikan kode akses kepada orang lain.</p>\
         <p>Hormat kami,<br>{office}</p></body></html>",
        salutation = html_escape(&salutation),
        office = html_escape(a.office_name),
        tn = html_escape(a.tracking_number),
        code = html_escape(a.access_code),
        subject = a
            .subject
            .map(|s| format!("<tr><td>Perihal</td><td>{}</td></tr>", html_escape(s)))
            .unwrap_or_default(),
        received = html_escape(&tanggal_jam(a.received_at, a.timezone)),
        url = html_escape(a.status_url),
    );
    Rendered {
        subject: format!("[{}] Pengaduan Anda telah kami terima", a.tracking_number),
        text,
        html,
    }
}

/// One complaint as it appears in messages to officials.
pub struct ComplaintLine<'a> {
    pub tracking_number: &'a str,
    pub subject: &'a str,
    pub channel: &'a str,
    pub received_at: DateTime<Utc>,
    pub due_at: DateTime<Utc>,
    /// Working days left (negative: overdue by that many).
    pub working_days_left: i64,
    /// Who holds it now.
    pub holder: &'a str,
    pub link: String,
    /// LAPOR! reports: the follow-up deadline on LAPOR!.
    pub lapor_followup_due_at: Option<DateTime<Utc>>,
}

/// "Yth. Ibu Ani" from a name that already carries its honorific, else
/// "Yth. Bapak/Ibu Ani"; `fallback` (a title: "Kepala Dinas") without a name.
pub fn salutation(name: Option<&str>, fallback: &str) -> String {
    const HONORIFICS: [&str; 14] = [
        "bapak", "ibu", "bpk", "bpk.", "bu", "pak", "sdr", "sdr.", "sdri", "sdri.", "saudara",
        "saudari", "tuan", "nyonya",
    ];
    match name.map(str::trim).filter(|n| !n.is_empty()) {
        Some(n) => {
            let first = n.split_whitespace().next().unwrap_or("").to_lowercase();
            if HONORIFICS.contains(&first.as_str()) {
                format!("Yth. {n}")
            } else {
                format!("Yth. Bapak/Ibu {n}")
            }
        }
        None => format!("Yth. {fallback}"),
    }
}

/// Why a complaint is in a person's message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NoticeWhy {
    /// The person's position holds it (or they act for it).
    Holder,
    /// It is late and has climbed to the person's position, `levels` above
    /// the holder.
    Escalated { levels: usize },
    /// The liaison officer, who watches every deadline.
    Watch,
}

/// Late work under the head of office, in counts (issue 33): the head is
/// told what is late below him in one short summary, not complaint by
/// complaint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LateUnder {
    /// Late complaints held below the head, all of them.
    pub total: usize,
    /// Per unit (or "Loket" for what the front office has not passed on), most first.
    pub per_unit: Vec<(String, usize)>,
    /// The list of late complaints.
    pub link: String,
}

/// How a person's message sums up: beyond `summary_over` late complaints
/// it counts them (and links `list_link`); `under` is the head's summary.
#[derive(Clone, Copy)]
pub struct NoticeMore<'a> {
    pub summary_over: usize,
    pub list_link: &'a str,
    pub under: Option<&'a LateUnder>,
}

/// One complaint in a person's message.
pub struct NoticeEntry<'a> {
    pub line: ComplaintLine<'a>,
    pub why: NoticeWhy,
}

/// What a late complaint's lateness reads as (never "jatuh tempo hari ini":
/// it is already past its hour).
fn late(left: i64) -> String {
    if left >= 0 {
        "lewat batas waktu hari ini".to_string()
    } else {
        format!("terlambat {} hari kerja", -left)
    }
}

/// The first letter in capitals (a line starts with it).
fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// When a complaint not yet late is due, in words.
fn due_in(left: i64) -> String {
    match left {
        0 => "jatuh tempo hari ini".to_string(),
        1 => "jatuh tempo besok (1 hari kerja lagi)".to_string(),
        n => format!("jatuh tempo dalam {n} hari kerja"),
    }
}

/// One person's reminders of a sweep, in one message: totals at the top, the
/// late complaints first (latest-due first), then those due today, tomorrow,
/// in two working days; above `summary_over` late ones, a summary with the
/// `BACKLOG_LISTED` latest and a link to the whole list.
pub fn notices(
    office: &str,
    salutation: &str,
    entries: &[NoticeEntry<'_>],
    now: DateTime<Utc>,
    tz: Tz,
    more: &NoticeMore<'_>,
) -> Rendered {
    let NoticeMore {
        summary_over,
        list_link,
        under,
    } = *more;
    let mut overdue: Vec<&NoticeEntry<'_>> = Vec::new();
    let mut upcoming: Vec<&NoticeEntry<'_>> = Vec::new();
    for e in entries {
        if e.line.due_at <= now {
            overdue.push(e);
        } else {
            upcoming.push(e);
        }
    }
    overdue.sort_by_key(|e| (e.line.due_at, e.line.tracking_number));
    upcoming.sort_by_key(|e| (e.line.due_at, e.line.tracking_number));
    // the complaints not yet late, by working days left
    let mut by_left: std::collections::BTreeMap<i64, Vec<&NoticeEntry<'_>>> = Default::default();
    for e in &upcoming {
        by_left
            .entry(e.line.working_days_left.max(0))
            .or_default()
            .push(e);
    }
    let group_name = |n: i64| match n {
        0 => "jatuh tempo hari ini".to_string(),
        1 => "jatuh tempo besok".to_string(),
        n => format!("jatuh tempo dalam {n} hari kerja"),
    };
    let mut totals: Vec<String> = Vec::new();
    if !overdue.is_empty() {
        totals.push(format!("{} pengaduan terlambat", overdue.len()));
    }
    for (n, group) in &by_left {
        totals.push(format!("{} {}", group.len(), group_name(*n)));
    }
    if let Some(u) = under {
        totals.push(format!("{} terlambat di bawah Anda", u.total));
    }
    let subject = if totals.is_empty() {
        "Pengingat pengaduan".to_string()
    } else {
        totals.join(", ")
    };
    let summary = overdue.len() > summary_over;
    let mut text = format!(
        "{salutation},\n\nBerikut pengaduan yang perlu ditindaklanjuti per {}: {}.\n",
        tanggal_jam(now, tz),
        subject
    );
    let mut html = format!(
        "<!DOCTYPE html><html lang=\"id\"><body style=\"font-family:sans-serif\"><p>{},</p>\
         <p>Berikut pengaduan yang perlu ditindaklanjuti per {}: <b>{}</b>.</p>",
        html_escape(salutation),
        html_escape(&tanggal_jam(now, tz)),
        html_escape(&subject)
    );
    if !overdue.is_empty() {
        late_section(&mut text, &mut html, &overdue, summary, list_link, now, tz);
    }
    for (n, group) in &by_left {
        let name = group_name(*n);
        text.push_str(&format!("\n{} ({}):\n", name.to_uppercase(), group.len()));
        let mut heading = name.clone();
        if let Some(f) = heading.get_mut(0..1) {
            f.make_ascii_uppercase();
        }
        html.push_str(&format!(
            "<h3>{} ({})</h3><ul>",
            html_escape(&heading),
            group.len()
        ));
        for e in group {
            let (t, h) = notice_item(e, due_in(*n), now, tz);
            text.push_str(&t);
            html.push_str(&h);
        }
        html.push_str("</ul>");
    }
    if let Some(u) = under {
        text.push_str(&format!("\nTERLAMBAT DI BAWAH ANDA ({}):\n", u.total));
        html.push_str(&format!(
            "<h3>Terlambat di bawah Anda ({})</h3><ul>",
            u.total
        ));
        for (unit, n) in &u.per_unit {
            text.push_str(&format!("  {unit}: {n}\n"));
            html.push_str(&format!("<li>{}: {n}</li>", html_escape(unit)));
        }
        text.push_str(&format!("  Daftar lengkap: {}\n", u.link));
        html.push_str(&format!(
            "</ul><p><a href=\"{}\">Daftar lengkap pengaduan terlambat</a>.</p>",
            html_escape(&u.link)
        ));
    }
    if entries
        .iter()
        .any(|e| e.line.lapor_followup_due_at.is_some())
    {
        let note = "Catatan SP4N-LAPOR!: sesudah tindak lanjut dikirim, LAPOR! menutup laporan 10 hari kerja kemudian bila pelapor tidak menanggapi.";
        text.push_str(&format!("\n{note}\n"));
        html.push_str(&format!("<p>{}</p>", html_escape(note)));
    }
    text.push_str(&format!(
        "\nMohon segera ditindaklanjuti sesuai Standar Pelayanan Pengaduan Masyarakat. Pesan ini dikirim sekali untuk setiap batas: pengaduan yang sama disebut lagi hanya bila batas berikutnya tercapai atau pemegangnya berganti.\n\n{office}\n"
    ));
    html.push_str(&format!(
        "<p>Mohon segera ditindaklanjuti sesuai Standar Pelayanan Pengaduan Masyarakat. Pesan ini dikirim sekali untuk setiap batas: pengaduan yang sama disebut lagi hanya bila batas berikutnya tercapai atau pemegangnya berganti.</p><p>{}</p></body></html>",
        html_escape(office)
    ));
    let subject = if overdue.is_empty() && under.is_none() {
        format!("[Pengingat] {subject}")
    } else {
        format!("[Terlambat] {subject}")
    };
    Rendered {
        subject,
        text,
        html,
    }
}

/// One line of a person's notification email.
pub struct NotificationLine<'a> {
    pub says: &'a str,
    pub tracking_number: &'a str,
    pub subject: &'a str,
    pub at: DateTime<Utc>,
    pub link: String,
}

/// The console's notifications by email, for a person who asked for them.
pub fn notifications(
    office: &str,
    salutation: &str,
    lines: &[NotificationLine<'_>],
    tz: Tz,
    list_link: &str,
) -> Rendered {
    let subject = format!(
        "[Pemberitahuan] {} hal baru pada pengaduan yang menunggu Anda",
        lines.len()
    );
    let mut text = format!("{salutation},\n\nAda yang baru pada pengaduan yang menunggu Anda:\n\n");
    let mut html = format!(
        "<!DOCTYPE html><html lang=\"id\"><body style=\"font-family:sans-serif\"><p>{},</p>\
         <p>Ada yang baru pada pengaduan yang menunggu Anda:</p><ul>",
        html_escape(salutation)
    );
    for l in lines {
        text.push_str(&format!(
            "- {} — {}: {} ({})\n  {}\n",
            l.tracking_number,
            l.says,
            l.subject,
            tanggal_jam(l.at, tz),
            l.link
        ));
        html.push_str(&format!(
            "<li><a href=\"{}\">{}</a> — <b>{}</b>: {} ({})</li>",
            html_escape(&l.link),
            html_escape(l.tracking_number),
            html_escape(l.says),
            html_escape(l.subject),
            html_escape(&tanggal_jam(l.at, tz))
        ));
    }
    text.push_str(&format!(
        "\nSemua pemberitahuan Anda: {list_link}\nAnda menerima email ini karena memintanya di halaman Akun saya; matikan di sana bila tidak perlu lagi.\n\n{office}\n"
    ));
    html.push_str(&format!(
        "</ul><p><a href=\"{}\">Semua pemberitahuan Anda</a>. Anda menerima email ini karena memintanya di halaman Akun saya; matikan di sana bila tidak perlu lagi.</p><p>{}</p></body></html>",
        html_escape(list_link),
        html_escape(office)
    ));
    Rendered {
        subject,
        text,
        html,
    }
}

/// One complaint of a person's message, as text and as HTML.
fn notice_item(e: &NoticeEntry<'_>, when: String, now: DateTime<Utc>, tz: Tz) -> (String, String) {
    let c = &e.line;
    let why = match e.why {
        NoticeWhy::Holder | NoticeWhy::Watch => format!("dipegang {}", c.holder),
        NoticeWhy::Escalated { levels } if levels > 1 => format!(
            "dipegang {}; disampaikan kepada Anda sebagai atasan {levels} tingkat di atasnya",
            c.holder
        ),
        NoticeWhy::Escalated { .. } => {
            format!(
                "dipegang {}; disampaikan kepada Anda sebagai atasan langsungnya",
                c.holder
            )
        }
    };
    let lapor = c.lapor_followup_due_at.map(|t| {
        if t <= now {
            format!(
                "Batas tindak lanjut di SP4N-LAPOR! (5 hari kerja) sudah lewat pada {}: kirim tindak lanjut segera.",
                tanggal_jam(t, tz)
            )
        } else {
            format!(
                "Tindak lanjut di SP4N-LAPOR! paling lambat {} (5 hari kerja).",
                tanggal_jam(t, tz)
            )
        }
    });
    let when = capitalised(&when);
    let text = format!(
        "- {} — {} (saluran {})\n  {}; batas waktu {}; {}.\n{}  {}\n",
        c.tracking_number,
        c.subject,
        channel_label(c.channel),
        when,
        tanggal_jam(c.due_at, tz),
        why,
        lapor
            .as_ref()
            .map(|l| format!("  {l}\n"))
            .unwrap_or_default(),
        c.link
    );
    let html = format!(
        "<li><a href=\"{}\">{}</a> — {} (saluran {})<br><b>{}</b>; batas waktu {}; {}.{}</li>",
        html_escape(&c.link),
        html_escape(c.tracking_number),
        html_escape(c.subject),
        channel_label(c.channel),
        html_escape(&when),
        html_escape(&tanggal_jam(c.due_at, tz)),
        html_escape(&why),
        lapor
            .map(|l| format!("<br>{}", html_escape(&l)))
            .unwrap_or_default()
    );
    (text, html)
}

/// The late complaints of a message: all of them, or (`summary`) counted
/// by holder and by lateness with the longest late listed.
fn late_section(
    text: &mut String,
    html: &mut String,
    overdue: &[&NoticeEntry<'_>],
    summary: bool,
    list_link: &str,
    now: DateTime<Utc>,
    tz: Tz,
) {
    const BACKLOG_LISTED: usize = 10;
    text.push_str(&format!("\nTERLAMBAT ({}):\n", overdue.len()));
    html.push_str(&format!("<h3>Terlambat ({})</h3>", overdue.len()));
    if summary {
        // by holder and by lateness, then the latest-due few
        let mut by_holder: std::collections::BTreeMap<&str, usize> = Default::default();
        let mut buckets = [0usize; 4];
        for e in overdue {
            *by_holder.entry(e.line.holder).or_default() += 1;
            let d = (-e.line.working_days_left).max(0);
            buckets[match d {
                0..=2 => 0,
                3..=5 => 1,
                6..=10 => 2,
                _ => 3,
            }] += 1;
        }
        let ages = [
            "1–2 hari kerja",
            "3–5 hari kerja",
            "6–10 hari kerja",
            "lebih dari 10 hari kerja",
        ];
        text.push_str("  Menurut pemegang:\n");
        html.push_str("<p>Menurut pemegang:</p><ul>");
        for (h, n) in &by_holder {
            text.push_str(&format!("    {h}: {n}\n"));
            html.push_str(&format!("<li>{}: {n}</li>", html_escape(h)));
        }
        text.push_str("  Menurut keterlambatan:\n");
        html.push_str("</ul><p>Menurut keterlambatan:</p><ul>");
        for (label, n) in ages.iter().zip(buckets) {
            if n > 0 {
                text.push_str(&format!("    {label}: {n}\n"));
                html.push_str(&format!("<li>{label}: {n}</li>"));
            }
        }
        html.push_str("</ul>");
        text.push_str(&format!(
            "  {} yang paling lama terlambat:\n",
            BACKLOG_LISTED.min(overdue.len())
        ));
        html.push_str(&format!(
            "<p>{} yang paling lama terlambat:</p><ul>",
            BACKLOG_LISTED.min(overdue.len())
        ));
    } else {
        html.push_str("<ul>");
    }
    let shown = if summary {
        BACKLOG_LISTED
    } else {
        overdue.len()
    };
    for e in overdue.iter().take(shown) {
        let (t, h) = notice_item(e, late(e.line.working_days_left), now, tz);
        text.push_str(&t);
        html.push_str(&h);
    }
    html.push_str("</ul>");
    if summary {
        text.push_str(&format!(
            "  … dan {} lainnya: {list_link}\n",
            overdue.len() - shown.min(overdue.len())
        ));
        html.push_str(&format!(
            "<p>… dan {} lainnya: <a href=\"{}\">daftar lengkap</a>.</p>",
            overdue.len() - shown.min(overdue.len()),
            html_escape(list_link)
        ));
    }
}

fn sisa(left: i64) -> String {
    match left {
        0 => "jatuh tempo hari ini".to_string(),
        n if n > 0 => format!("{n} hari kerja lagi"),
        n => format!("terlambat {} hari kerja", -n),
    }
}

fn channel_label(c: &str) -> &str {
    match c {
        "face_to_face" => "tatap muka",
        "suggestion_box" => "kotak saran",
        "letter" => "surat",
        "email" => "email",
        "lapor" => "SP4N-LAPOR!",
        "api" => "sistem instansi lain",
        "web" => "formulir web",
        "whatsapp" => "WhatsApp",
        "telegram" => "Telegram",
        "sms" => "SMS",
        "phone" => "telepon",
        "social_media" => "media sosial",
        _ => "lainnya",
    }
}

/// The digest's totals over every open complaint.
pub struct DigestTotals {
    pub overdue: i64,
    pub soon: i64,
    /// LAPOR! reports past their 5-day follow-up deadline.
    pub lapor_late: i64,
    /// Unit, late, due soon; most late first.
    pub by_unit: Vec<(String, i64, i64)>,
    /// Holder, late, due soon; most late first.
    pub by_holder: Vec<(String, i64, i64)>,
    /// The console's dashboard.
    pub link: String,
}

/// The managers' daily digest: totals, by holder, then the most urgent
/// late and due-soon complaints (at most a few dozen each).
pub fn digest(
    office: &str,
    day: DateTime<Utc>,
    t: &DigestTotals,
    overdue: &[ComplaintLine<'_>],
    due_soon: &[ComplaintLine<'_>],
    tz: Tz,
) -> Rendered {
    let section = |title: &str, total: i64, items: &[ComplaintLine<'_>]| -> (String, String) {
        if items.is_empty() {
            return (
                format!("{title}: tidak ada.\n\n"),
                format!("<h3>{}</h3><p>Tidak ada.</p>", html_escape(title)),
            );
        }
        let shown = if (items.len() as i64) < total {
            format!("{} dari {total}, yang paling mendesak", items.len())
        } else {
            total.to_string()
        };
        let mut text = format!("{title} ({shown}):\n");
        let mut html = format!(
            "<h3>{} ({})</h3><ul>",
            html_escape(title),
            html_escape(&shown)
        );
        for c in items {
            text.push_str(&format!(
                "  - {} — {} — batas {} — {} — {}\n    {}\n",
                c.tracking_number,
                c.subject,
                tanggal(c.due_at, tz),
                sisa(c.working_days_left),
                c.holder,
                c.link
            ));
            html.push_str(&format!(
                "<li><a href=\"{}\">{}</a> — {} — batas {} — <b>{}</b> — {}</li>",
                html_escape(&c.link),
                html_escape(c.tracking_number),
                html_escape(c.subject),
                html_escape(&tanggal(c.due_at, tz)),
                html_escape(&sisa(c.working_days_left)),
                html_escape(c.holder)
            ));
        }
        html.push_str("</ul>");
        text.push('\n');
        (text, html)
    };
    let (t1, h1) = section("Terlambat", t.overdue, overdue);
    let (t2, h2) = section("Segera jatuh tempo (2 hari kerja)", t.soon, due_soon);
    let mut head_text = format!(
        "Jumlah: {} terlambat, {} segera jatuh tempo",
        t.overdue, t.soon
    );
    if t.lapor_late > 0 {
        head_text.push_str(&format!(
            ", {} laporan SP4N-LAPOR! melewati batas tindak lanjut 5 hari kerja",
            t.lapor_late
        ));
    }
    head_text.push_str(".\n");
    let mut head_html = format!("<p><b>{}</b></p>", html_escape(head_text.trim_end()));
    for (title, rows) in [("unit", &t.by_unit), ("pemegang", &t.by_holder)] {
        if rows.is_empty() {
            continue;
        }
        head_text.push_str(&format!(
            "\nMenurut {title} (terlambat / segera jatuh tempo):\n"
        ));
        head_html.push_str(&format!(
            "<p>Menurut {title}:</p><table cellpadding=\"4\"><tr><th align=\"left\">{}</th><th>Terlambat</th><th>Segera jatuh tempo</th></tr>",
            if title == "unit" { "Unit" } else { "Pemegang" }
        ));
        for (h, late, soon) in rows {
            head_text.push_str(&format!("  {h}: {late} / {soon}\n"));
            head_html.push_str(&format!(
                "<tr><td>{}</td><td align=\"right\">{late}</td><td align=\"right\">{soon}</td></tr>",
                html_escape(h)
            ));
        }
        head_html.push_str("</table>");
    }
    head_text.push_str(&format!("\nDasbor: {}\n\n", t.link));
    head_html.push_str(&format!(
        "<p><a href=\"{}\">Buka dasbor</a></p>",
        html_escape(&t.link)
    ));
    Rendered {
        subject: format!(
            "Ringkasan pengaduan {}: {} terlambat, {} segera jatuh tempo",
            tanggal(day, tz),
            t.overdue,
            t.soon
        ),
        text: format!(
            "Ringkasan harian pengaduan — {office} — {}\n\n{head_text}{t1}{t2}{office}\n",
            tanggal(day, tz)
        ),
        html: format!(
            "<!DOCTYPE html><html lang=\"id\"><body style=\"font-family:sans-serif\"><h2>Ringkasan harian pengaduan — {}</h2>{head_html}{h1}{h2}<p>{}</p></body></html>",
            html_escape(&tanggal(day, tz)),
            html_escape(office)
        ),
    }
}

/// The monthly report to the managers: the previous month's figures in
/// total, by channel and by unit, the charts (inline images `cid:<id>`),
/// the workbook attached.
pub struct MonthlyReport<'a> {
    pub office: &'a str,
    /// `November 2026`.
    pub month: &'a str,
    pub by_channel: &'a crate::reports::Summary,
    pub by_unit: &'a crate::reports::Summary,
    /// `(content id, description)` of each chart.
    pub charts: &'a [(String, String)],
    pub workbook: &'a str,
    pub link: &'a str,
    pub timezone: Tz,
    /// The guest book's month (issue 35), when visits were recorded.
    pub visits: Option<&'a crate::domain::visit::VisitReport>,
}

fn percent(v: Option<f64>) -> String {
    v.map_or("—".into(), |r| {
        format!("{:.1} %", r * 100.0).replace('.', ",")
    })
}

pub fn monthly_report(r: &MonthlyReport<'_>) -> Rendered {
    let t = &r.by_channel.total;
    let days = |v: Option<f64>| v.map_or("—".to_string(), |d| format!("{d:.0}"));
    let mut facts: Vec<(String, String)> = vec![
        ("Diterima".into(), t.received.to_string()),
        (
            "Dijawab".into(),
            format!(
                "{} ({} tepat waktu, {} terlambat)",
                t.answered, t.answered_on_time, t.answered_late
            ),
        ),
        ("Dijawab tepat waktu".into(), percent(t.on_time_ratio)),
        (
            "Hari kerja sampai jawaban (median / P90)".into(),
            format!(
                "{} / {}",
                days(t.median_working_days),
                days(t.p90_working_days)
            ),
        ),
        ("Masih terbuka".into(), t.open.to_string()),
        (
            "Terbuka dan melewati batas waktu".into(),
            t.overdue_open.to_string(),
        ),
        (
            "Ditutup / dialihkan / digabung / ditolak".into(),
            format!(
                "{} / {} / {} / {}",
                t.closed, t.redirected, t.merged, t.rejected
            ),
        ),
    ];
    if let Some(n) = t.lapor_received.filter(|n| *n > 0) {
        facts.push((
            "SP4N-LAPOR!".into(),
            format!(
                "{n} laporan, {} ditindaklanjuti dalam 5 hari kerja; {} ditindaklanjuti, {} selesai",
                t.lapor_followed_up_in_time.unwrap_or(0),
                percent(t.lapor_followed_up_ratio),
                percent(t.lapor_finished_ratio)
            ),
        ));
    }
    let mut text = format!(
        "Laporan bulanan pengelolaan pengaduan — {} — {}\n(pengaduan yang diterima pada bulan itu; angka per {})\n\n",
        r.office,
        r.month,
        tanggal_jam(r.by_channel.as_of, r.timezone)
    );
    let mut html = format!(
        "<!DOCTYPE html><html lang=\"id\"><body style=\"font-family:sans-serif\"><h2>Laporan bulanan pengelolaan pengaduan — {}</h2><p>Pengaduan yang diterima pada {} di {}.</p><table cellpadding=\"4\">",
        html_escape(r.month),
        html_escape(r.month),
        html_escape(r.office)
    );
    for (k, v) in &facts {
        text.push_str(&format!("{k}: {v}\n"));
        html.push_str(&format!(
            "<tr><th align=\"left\">{}</th><td>{}</td></tr>",
            html_escape(k),
            html_escape(v)
        ));
    }
    html.push_str("</table>");
    for (title, s) in [("saluran", r.by_channel), ("unit", r.by_unit)] {
        text.push_str(&format!(
            "\nMenurut {title} (diterima / dijawab / tepat waktu / terbuka & terlambat):\n"
        ));
        html.push_str(&format!(
            "<h3>Menurut {title}</h3><table cellpadding=\"4\" border=\"1\" style=\"border-collapse:collapse\"><tr><th align=\"left\">{}</th><th>Diterima</th><th>Dijawab</th><th>Tepat waktu</th><th>Terbuka &amp; terlambat</th></tr>",
            if title == "unit" { "Unit" } else { "Saluran" }
        ));
        for g in &s.groups {
            let f = &g.figures;
            text.push_str(&format!(
                "  {}: {} / {} / {} / {}\n",
                g.label,
                f.received,
                f.answered,
                percent(f.on_time_ratio),
                f.overdue_open
            ));
            html.push_str(&format!(
                "<tr><td>{}</td><td align=\"right\">{}</td><td align=\"right\">{}</td><td align=\"right\">{}</td><td align=\"right\">{}</td></tr>",
                html_escape(&g.label),
                f.received,
                f.answered,
                html_escape(&percent(f.on_time_ratio)),
                f.overdue_open
            ));
        }
        html.push_str("</table>");
    }
    if let Some(v) = r.visits.filter(|v| v.total > 0) {
        let lines = [
            (
                "Tamu".to_string(),
                format!(
                    "{} ({} dilayani, {} tidak jadi)",
                    v.total, v.served, v.cancelled
                ),
            ),
            (
                "Waktu tunggu sampai dilayani (median / P90)".to_string(),
                v.waited.map_or("—".into(), |(m, p)| {
                    format!(
                        "{} / {}",
                        crate::words::durasi_detik(m),
                        crate::words::durasi_detik(p)
                    )
                }),
            ),
            (
                "Tamu prioritas dilayani dalam standar".to_string(),
                format!(
                    "{} dari {} (paling lama {} menit)",
                    v.priority_in_standard, v.priority, v.standard_minutes
                ),
            ),
            (
                "Menurut keperluan".to_string(),
                v.by_purpose
                    .iter()
                    .filter(|(_, n)| *n > 0)
                    .map(|(p, n)| format!("{} {n}", p.label()))
                    .collect::<Vec<_>>()
                    .join(", "),
            ),
            (
                "Menurut unit yang dituju".to_string(),
                v.by_unit
                    .iter()
                    .map(|(u, n)| format!("{u} {n}"))
                    .collect::<Vec<_>>()
                    .join(", "),
            ),
        ];
        text.push_str("\nBuku tamu:\n");
        html.push_str("<h3>Buku tamu</h3><table cellpadding=\"4\">");
        for (k, val) in &lines {
            text.push_str(&format!("  {k}: {val}\n"));
            html.push_str(&format!(
                "<tr><th align=\"left\">{}</th><td>{}</td></tr>",
                html_escape(k),
                html_escape(val)
            ));
        }
        html.push_str("</table>");
    }
    for (cid, alt) in r.charts {
        html.push_str(&format!(
            "<p><img src=\"cid:{}\" alt=\"{}\" width=\"720\" style=\"max-width:100%;height:auto\"></p>",
            html_escape(cid),
            html_escape(alt)
        ));
    }
    text.push_str(&format!(
        "\nGrafik ada di versi HTML surel ini; angka lengkap di lampiran {}.\nLaporan di konsol: {}\n\n{}\n",
        r.workbook, r.link, r.office
    ));
    html.push_str(&format!(
        "<p>Angka lengkap di lampiran <b>{}</b>. <a href=\"{}\">Buka laporan di konsol</a>.</p><p>{}</p></body></html>",
        html_escape(r.workbook),
        html_escape(r.link),
        html_escape(r.office)
    ));
    Rendered {
        subject: match t.on_time_ratio {
            Some(_) => format!(
                "Laporan bulanan pengaduan {}: {} diterima, {} dijawab tepat waktu",
                r.month,
                t.received,
                percent(t.on_time_ratio)
            ),
            None => format!(
                "Laporan bulanan pengaduan {}: {} diterima, belum ada yang dijawab",
                r.month, t.received
            ),
        },
        text,
        html,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::Asia::Makassar;

    #[test]
    fn dates_read_in_indonesian_office_time() {
        let t = DateTime::parse_from_rfc3339("2025-04-16T15:59:59Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(tanggal(t, Makassar), "16 April 2025");
        assert_eq!(tanggal_jam(t, Makassar), "16 April 2025 pukul 23.59 WITA");
    }

    #[test]
    fn the_acknowledgement_carries_number_code_and_link_and_escapes_html() {
        let t = DateTime::parse_from_rfc3339("2025-03-27T01:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let r = acknowledgement(&Acknowledgement {
            office_name: "Dinas Sosial",
            reporter_name: Some("Dewi <script>"),
            tracking_number: "ADU-2025-000001",
            access_code: "ABCD-EFGH-JKMN-PQRS",
            subject: Some("Bantuan & PKH"),
            received_at: t,
            registered_at: t - chrono::Duration::hours(1),
            due_at: Some(t),
            status_url: "https://aduan.example/x?code=1",
            timezone: Makassar,
        });
        assert!(r.subject.contains("ADU-2025-000001"));
        for part in [&r.text, &r.html] {
            assert!(part.contains("ADU-2025-000001") && part.contains("ABCD-EFGH-JKMN-PQRS"));
        }
        assert!(
            r.text
                .contains("Batas waktu jawaban : 27 Maret 2025 pukul 09.00 WITA")
        );
        assert!(r.html.contains("Dewi &lt;script&gt;") && r.html.contains("Bantuan &amp; PKH"));
        assert!(!r.html.contains("<script>"));
    }

    #[test]
    fn salutations_never_double_an_honorific() {
        assert_eq!(salutation(Some("Ibu Ani"), "x"), "Yth. Ibu Ani");
        assert_eq!(
            salutation(Some("Bapak Yosef Kadis"), "x"),
            "Yth. Bapak Yosef Kadis"
        );
        assert_eq!(
            salutation(Some("Dra. Ani Lestari"), "x"),
            "Yth. Bapak/Ibu Dra. Ani Lestari"
        );
        assert_eq!(salutation(Some("  "), "Kepala Dinas"), "Yth. Kepala Dinas");
        assert_eq!(
            salutation(None, "Pejabat Penghubung"),
            "Yth. Pejabat Penghubung"
        );
    }

    #[test]
    fn an_acknowledgement_after_the_deadline_says_it_is_past() {
        let t = DateTime::parse_from_rfc3339("2025-03-27T01:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let r = acknowledgement(&Acknowledgement {
            office_name: "Dinas Sosial",
            reporter_name: Some("Ibu Dewi"),
            tracking_number: "ADU-2025-000001",
            access_code: "ABCD-EFGH-JKMN-PQRS",
            subject: Some("Bantuan"),
            received_at: t - chrono::Duration::days(30),
            registered_at: t,
            due_at: Some(t - chrono::Duration::days(10)),
            status_url: "https://aduan.example/x",
            timezone: Makassar,
        });
        assert!(r.text.starts_with("Yth. Ibu Dewi,"), "{}", r.text);
        assert!(
            r.text.contains(
                "Batas waktu jawaban : sudah lewat ketika pengaduan ini dicatat (17 Maret 2025"
            ),
            "{}",
            r.text
        );
    }

    fn line(n: &'static str, left: i64, due: DateTime<Utc>) -> ComplaintLine<'static> {
        ComplaintLine {
            tracking_number: n,
            subject: "Bantuan PKH",
            channel: "lapor",
            received_at: due - chrono::Duration::days(10),
            due_at: due,
            working_days_left: left,
            holder: "Kasi Bansos",
            link: format!("https://aduan.example/console/complaints/{n}"),
            lapor_followup_due_at: Some(due - chrono::Duration::days(3)),
        }
    }

    #[test]
    fn one_message_lists_a_persons_complaints_with_totals_and_no_contradiction() {
        let now = DateTime::parse_from_rfc3339("2025-04-17T01:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let day = chrono::Duration::days(1);
        let entries = vec![
            NoticeEntry {
                line: line("ADU-1", -2, now - day * 2),
                why: NoticeWhy::Holder,
            },
            NoticeEntry {
                line: line("ADU-2", 0, now - chrono::Duration::hours(1)),
                why: NoticeWhy::Escalated { levels: 1 },
            },
            NoticeEntry {
                line: line("ADU-3", 0, now + chrono::Duration::hours(8)),
                why: NoticeWhy::Holder,
            },
            NoticeEntry {
                line: line("ADU-4", 1, now + day),
                why: NoticeWhy::Holder,
            },
            NoticeEntry {
                line: line("ADU-5", 1, now + day),
                why: NoticeWhy::Watch,
            },
        ];
        let r = notices(
            "Dinas Sosial",
            "Yth. Ibu Ani",
            &entries,
            now,
            Makassar,
            &NoticeMore {
                summary_over: 25,
                list_link: "https://x/list",
                under: None,
            },
        );
        assert_eq!(
            r.subject,
            "[Terlambat] 2 pengaduan terlambat, 1 jatuh tempo hari ini, 2 jatuh tempo besok"
        );
        assert!(r.text.starts_with("Yth. Ibu Ani,"));
        // a late complaint due earlier today is "past its deadline today", never "due today"
        let late = r.text.split("TERLAMBAT (2):").nth(1).unwrap();
        let late = late.split("JATUH TEMPO HARI INI").next().unwrap();
        assert!(
            late.contains("ADU-2") && late.contains("Lewat batas waktu hari ini"),
            "{late}"
        );
        assert!(
            !late.to_lowercase().contains("jatuh tempo hari ini"),
            "{late}"
        );
        assert!(r.text.contains("Terlambat 2 hari kerja"));
        assert!(
            r.text
                .contains("disampaikan kepada Anda sebagai atasan langsungnya")
        );
        assert!(r.text.contains("Terlambat 2 hari kerja; batas waktu"));
        assert!(r.text.contains("Catatan SP4N-LAPOR!"));
        assert!(
            r.text
                .contains("Batas tindak lanjut di SP4N-LAPOR! (5 hari kerja) sudah lewat")
        );
        for n in ["ADU-1", "ADU-2", "ADU-3", "ADU-4", "ADU-5"] {
            assert_eq!(r.text.matches(&format!("- {n} ")).count(), 1, "{n}");
        }
        // above the threshold: a summary, not a list of every late complaint
        let many: Vec<NoticeEntry<'_>> = (0..40)
            .map(|i| NoticeEntry {
                line: line("ADU-X", -3 - i, now - day * (3 + i) as i32),
                why: NoticeWhy::Holder,
            })
            .collect();
        let r = notices(
            "Dinas Sosial",
            "Yth. Ibu Ani",
            &many,
            now,
            Makassar,
            &NoticeMore {
                summary_over: 25,
                list_link: "https://x/list",
                under: None,
            },
        );
        assert_eq!(r.subject, "[Terlambat] 40 pengaduan terlambat");
        assert_eq!(r.text.matches("- ADU-X ").count(), 10, "{}", r.text);
        assert!(r.text.contains("… dan 30 lainnya: https://x/list"));
        assert!(r.text.contains("Kasi Bansos: 40"));
    }
}

/// Messages to complainants on the message channels (plain text; WhatsApp
/// shows `*bold*`, Telegram and SMS show the text as written).
pub mod chat {
    use chrono::{DateTime, Utc};
    use chrono_tz::Tz;

    /// How a channel shows text.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum Style {
        /// `*bold*`.
        Whatsapp,
        /// Plain text, no markup.
        Plain,
        /// Plain and short: every 160 characters is a message paid for.
        Sms,
    }

    impl Style {
        fn bold(self, s: &str) -> String {
            match self {
                Style::Whatsapp => format!("*{s}*"),
                Style::Plain | Style::Sms => s.to_string(),
            }
        }
    }

    /// The acknowledgement, seconds after the first message.
    pub fn acknowledgement(
        office: &str,
        tracking_number: &str,
        due_at: Option<DateTime<Utc>>,
        status_url: &str,
        tz: Tz,
        style: Style,
    ) -> String {
        if style == Style::Sms {
            let due = due_at
                .map(|d| format!(" Batas jawaban: {}.", super::tanggal(d, tz)))
                .unwrap_or_default();
            return format!(
                "Pengaduan Anda diterima {office}. Nomor: {tracking_number}.{due} \
                 Pantau di {status_url} (simpan SMS ini). Keterangan tambahan cukup \
                 dibalas ke nomor ini."
            );
        }
        let due = due_at
            .map(|d| format!("\nBatas waktu jawaban: {}", super::tanggal(d, tz)))
            .unwrap_or_default();
        let number = style.bold(tracking_number);
        format!(
            "Terima kasih, pengaduan Anda sudah diterima dan dicatat oleh {office}.\n\n\
             Nomor pengaduan: {number}{due}\n\n\
             Ikuti perkembangannya di {status_url}\n\
             (simpan pesan ini: tautan itu memuat kode akses Anda)\n\n\
             Foto, dokumen atau keterangan tambahan cukup dikirim di percakapan ini."
        )
    }

    /// The short guide for a greeting (at most once a day).
    pub fn guide(office: &str, style: Style) -> String {
        if style == Style::Sms {
            return format!(
                "Layanan pengaduan {office}: tuliskan pengaduan Anda dalam satu SMS (apa, di \
                 mana, kapan). Kami membalas dengan nomor pengaduan."
            );
        }
        format!(
            "Halo, ini layanan pengaduan {office}.\n\n\
             Silakan tuliskan pengaduan Anda dalam satu pesan: apa yang terjadi, di mana, \
             kapan, dan siapa yang terlibat. Foto atau dokumen pendukung boleh dikirim \
             sesudahnya. Kami akan membalas dengan nomor pengaduan Anda.\n\n\
             Pesan ini dibalas otomatis; petugas kami bekerja pada hari dan jam kerja."
        )
    }

    /// Telegram's `/start`: the guide and the optional contact button.
    pub fn welcome(office: &str) -> String {
        format!(
            "{}\n\nBila bersedia, tekan tombol \"Bagikan nomor telepon saya\" di bawah: \
             petugas dapat menghubungi Anda bila perlu. Tanpa nomor pun pengaduan tetap \
             diterima dan dijawab di percakapan ini.",
            guide(office, Style::Plain)
        )
    }

    /// After a person shared their own number (Telegram's contact button).
    pub fn contact_noted(office: &str) -> String {
        format!(
            "Terima kasih, nomor telepon Anda dicatat oleh {office} untuk pengaduan Anda. \
             Silakan tuliskan pengaduan Anda."
        )
    }

    /// The survey invitation after the answer (channels without templates).
    pub fn survey(office: &str, tracking_number: &str, status_url: &str) -> String {
        format!(
            "Bagaimana pelayanan {office} atas pengaduan {tracking_number}? Mohon isi survei \
             kepuasan singkat (1 menit) di {status_url}. Terima kasih."
        )
    }

    /// The survey invitation after a visit (SMS, a WhatsApp conversation).
    pub fn visit_survey(office: &str, number: &str, url: &str) -> String {
        format!(
            "Terima kasih telah berkunjung ke {office} (kunjungan {number}). Bagaimana pelayanan \
             kami? Mohon isi survei kepuasan singkat (1 menit): {url}"
        )
    }

    /// A staff alert's `{{1}}` (one line: template parameters take no line breaks).
    pub fn alert(count: usize, late: usize) -> String {
        let late = if late > 0 {
            format!(", {late} di antaranya melewati batas waktu")
        } else {
            String::new()
        };
        format!("{count} pengaduan perlu tindakan Anda{late}. Rinciannya ada di surel Anda")
    }

    /// A message staff wrote on the complaint's page.
    pub fn staff(office: &str, tracking_number: &str, text: &str) -> String {
        format!(
            "{}\n\n— {office} (pengaduan {tracking_number})",
            text.trim()
        )
    }

    /// The approved answer.
    pub fn answer(
        office: &str,
        tracking_number: &str,
        subject: &str,
        body: &str,
        status_url: &str,
        style: Style,
    ) -> String {
        format!(
            "{}\n{subject}\n\n{}\n\n— {office}\n\n\
             Jawaban ini juga dapat dibaca di {status_url}",
            style.bold(&format!("Jawaban atas pengaduan {tracking_number}")),
            body.trim()
        )
    }
}

/// A visitor asks for an officer (the guest book, issue 35): who, why,
/// whether they are served first, where to go.
pub struct VisitAlert<'a> {
    pub office: &'a str,
    pub number: &'a str,
    pub name: &'a str,
    pub purpose: &'a str,
    /// "Penyandang disabilitas — kursi roda", when priority.
    pub priority: Option<String>,
    pub origin: Option<&'a str>,
    /// Whom they came to see ("Kepala Bidang Linjamsos", "Petugas pelayanan").
    pub whom: &'a str,
    /// Unanswered: it comes to reception after the officer did not come.
    pub escalated: bool,
    pub arrived: String,
    pub link: &'a str,
}

pub fn visit_alert(a: &VisitAlert<'_>) -> Rendered {
    let first = if a.priority.is_some() {
        "TAMU PRIORITAS — layani tanpa antre. "
    } else {
        ""
    };
    let why = if a.escalated {
        format!(
            "Tamu untuk {} belum dilayani: mohon bantu layani atau hubungi pejabatnya. ",
            a.whom
        )
    } else {
        format!("Tamu ingin bertemu {}. ", a.whom)
    };
    let mut lines = vec![
        format!("Nomor kunjungan: {}", a.number),
        format!("Nama: {}", a.name),
        format!("Keperluan: {}", a.purpose),
        format!("Datang: {}", a.arrived),
    ];
    if let Some(o) = a.origin {
        lines.insert(2, format!("Asal: {o}"));
    }
    if let Some(p) = &a.priority {
        lines.push(format!("Layanan prioritas: {p}"));
    }
    let text = format!(
        "{first}{why}\n\n{}\n\nTamu menunggu di ruang tunggu (tamu prioritas di ruang layanan \
         prioritas). Tandai \"Mulai layani\" saat menemui tamu:\n{}\n\n{}\n",
        lines.join("\n"),
        a.link,
        a.office
    );
    let html = format!(
        "<p><strong>{}</strong>{}</p><ul>{}</ul><p>Tamu menunggu di ruang tunggu (tamu prioritas \
         di ruang layanan prioritas). Tandai <a href=\"{}\">Mulai layani</a> saat menemui \
         tamu.</p><p>{}</p>",
        html_escape(first),
        html_escape(&why),
        lines
            .iter()
            .map(|l| format!("<li>{}</li>", html_escape(l)))
            .collect::<String>(),
        html_escape(a.link),
        html_escape(a.office)
    );
    let subject = format!(
        "{}Tamu {} menunggu: {} ({})",
        if a.priority.is_some() {
            "[PRIORITAS] "
        } else {
            ""
        },
        a.number,
        a.name,
        a.purpose
    );
    Rendered {
        subject,
        text,
        html,
    }
}

/// The survey invitation after a finished visit (issue 35): the link that
/// opens the visit's survey, once.
pub struct VisitSurvey<'a> {
    pub office: &'a str,
    pub name: &'a str,
    pub number: &'a str,
    pub day: String,
    pub url: &'a str,
}

pub fn visit_survey(v: &VisitSurvey<'_>) -> Rendered {
    let hello = salutation(Some(v.name), "Bapak/Ibu");
    let text = format!(
        "{hello},\n\nTerima kasih telah berkunjung ke {} pada {} (nomor kunjungan {}).\n\n\
         Bantu kami memperbaiki pelayanan: mohon isi survei kepuasan masyarakat (sembilan \
         pertanyaan, sekitar dua menit). Penilaian Anda tidak dihubungkan dengan nama Anda \
         dalam laporan apa pun.\n\n{}\n\n{}\n",
        v.office, v.day, v.number, v.url, v.office
    );
    let html = format!(
        "<p>{},</p><p>Terima kasih telah berkunjung ke {} pada {} (nomor kunjungan {}).</p>\
         <p>Bantu kami memperbaiki pelayanan: mohon isi <a href=\"{}\">survei kepuasan \
         masyarakat</a> (sembilan pertanyaan, sekitar dua menit). Penilaian Anda tidak \
         dihubungkan dengan nama Anda dalam laporan apa pun.</p><p>{}</p>",
        html_escape(&hello),
        html_escape(v.office),
        html_escape(&v.day),
        html_escape(v.number),
        html_escape(v.url),
        html_escape(v.office)
    );
    Rendered {
        subject: format!("Survei kepuasan atas kunjungan Anda ke {}", v.office),
        text,
        html,
    }
}

/// The timeline's daily checkpoint (docs/adr/0034): keep this email; a
/// chain rewritten in the database later will not match it.
pub fn audit_checkpoint(office: &str, seq: i64, hash: &str, at: String) -> Rendered {
    let text = format!(
        "Titik periksa riwayat pengaduan {office}\n\nPada {at} rantai segel riwayat pengaduan \
         berisi {seq} peristiwa; segel terakhirnya:\n\n{hash}\n\nSimpan surel ini. Bila kelak \
         riwayat diubah langsung di basis data, pemeriksaan `aduan audit verify` tidak lagi cocok \
         dengan angka ini.\n"
    );
    let html = format!(
        "<p>Pada {} rantai segel riwayat pengaduan {} berisi {seq} peristiwa; segel \
         terakhirnya:</p><p><code>{}</code></p><p>Simpan surel ini. Bila kelak riwayat diubah \
         langsung di basis data, pemeriksaan <code>aduan audit verify</code> tidak lagi cocok \
         dengan angka ini.</p>",
        html_escape(&at),
        html_escape(office),
        html_escape(hash)
    );
    Rendered {
        subject: format!("Titik periksa riwayat pengaduan {office}: {seq} peristiwa"),
        text,
        html,
    }
}

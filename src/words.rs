//! The product's words in Bahasa Indonesia, for every layer: what a
//! status, channel, role or event is called, dates and times as people
//! write them ("Senin, 7 Desember 2026 15.30 WITA"), months. Pages, emails,
//! reports and jobs all read them here (issue 33: no layer reaches into a
//! door for its words).

use chrono::{DateTime, Datelike, Utc};
use chrono_tz::Tz;

use crate::domain::{Channel, Kind, Role, Status};

const DAYS: [&str; 7] = [
    "Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu",
];

/// `Senin, 7 Desember 2026 15.30 WITA`.
pub fn waktu(t: DateTime<Utc>, tz: Tz) -> String {
    let d = t.with_timezone(&tz);
    let day = DAYS
        .get(d.weekday().num_days_from_monday() as usize)
        .copied()
        .unwrap_or("");
    format!("{day}, {} {}", tanggal(t, tz), d.format("%H.%M %Z"))
}

pub fn status(s: Status) -> &'static str {
    match s {
        Status::Registered => "Terdaftar",
        Status::WithHead => "Di Kepala Dinas",
        Status::Disposed => "Didisposisikan",
        Status::InProgress => "Ditindaklanjuti",
        Status::AnswerDrafted => "Konsep jawaban",
        Status::InReview => "Jawaban diperiksa",
        Status::Approved => "Jawaban disetujui",
        Status::Answered => "Dijawab",
        Status::Closed => "Selesai",
        Status::Reopened => "Dibuka kembali",
        Status::Redirected => "Dialihkan",
        Status::Merged => "Digabungkan",
        Status::Rejected => "Ditolak",
    }
}

pub fn channel(c: Channel) -> &'static str {
    match c {
        Channel::FaceToFace => "Tatap muka",
        Channel::SuggestionBox => "Kotak saran",
        Channel::Letter => "Surat",
        Channel::Email => "Surel",
        Channel::Lapor => "SP4N-LAPOR!",
        Channel::Api => "Sistem lain",
        Channel::Web => "Formulir web",
        Channel::Whatsapp => "WhatsApp",
        Channel::Telegram => "Telegram",
        Channel::Sms => "SMS",
        Channel::Phone => "Telepon",
        Channel::SocialMedia => "Media sosial",
        Channel::Other => "Lainnya",
    }
}

/// `2026-03` as "Maret 2026".
pub fn month(key: &str) -> String {
    match key.split_once('-') {
        Some((y, m)) => match m.parse::<usize>() {
            Ok(m @ 1..=12) => format!("{} {y}", MONTHS[m - 1]),
            _ => key.to_string(),
        },
        None => key.to_string(),
    }
}

pub fn kind(k: Kind) -> &'static str {
    match k {
        Kind::Complaint => "Pengaduan",
        Kind::Aspiration => "Aspirasi",
        Kind::InformationRequest => "Permintaan informasi",
    }
}

pub fn role(r: Role) -> &'static str {
    match r {
        Role::Admin => "administrator sistem",
        Role::Reception => "petugas loket",
        Role::Liaison => "pejabat penghubung",
        Role::Official => "pejabat",
        Role::Head => "kepala kantor",
        Role::Manager => "pimpinan",
        Role::Integration => "sistem lain (integrasi)",
        Role::Privacy => "petugas pelindungan data",
    }
}

/// Why something waits in an inbox.
pub fn waiting_for(w: &str) -> &'static str {
    match w {
        "dispose" => "Menunggu disposisi Anda",
        "review" => "Menunggu pemeriksaan jawaban",
        "handle" => "Menunggu tindak lanjut Anda",
        "dispatch" => "Jawaban siap dikirim",
        _ => "Menunggu diteruskan ke Kepala Dinas",
    }
}

/// The deadline in words and its colour class: `ok`, `soon` (0–2 working
/// days left), `late`, `none` (no deadline, or finished).
pub fn due(open: bool, working_days_left: Option<i64>, overdue: bool) -> (&'static str, String) {
    match (open, working_days_left) {
        (false, _) | (true, None) => ("none", "Tidak ada tenggat berjalan".to_string()),
        (true, Some(_)) if overdue => {
            let n = working_days_left.map(|d| -d).unwrap_or(0).max(0);
            if n == 0 {
                ("late", "Terlambat".to_string())
            } else {
                ("late", format!("Terlambat {n} hari kerja"))
            }
        }
        (true, Some(0)) => ("soon", "Jatuh tempo hari ini".to_string()),
        (true, Some(n)) if n <= 2 => ("soon", format!("{n} hari kerja lagi")),
        (true, Some(n)) => ("ok", format!("{n} hari kerja lagi")),
    }
}

/// An event kind as the timeline shows it to staff.
/// What a message sent on WhatsApp was.
pub fn chat_purpose(purpose: &str, template: bool) -> &'static str {
    match (purpose, template) {
        ("ack", _) => "Tanda terima",
        ("guide", _) => "Panduan",
        ("staff", false) => "Pesan petugas",
        ("staff", true) => "Pemberitahuan (templat)",
        ("answer", false) => "Jawaban",
        ("answer", true) => "Pemberitahuan jawaban (templat)",
        ("survey", _) => "Undangan survei kepuasan",
        ("alert", _) => "Pengingat petugas",
        _ => "Pesan",
    }
}

/// A WhatsApp delivery status in words.
pub fn chat_status(status: &str) -> &'static str {
    match status {
        "accepted" => "dikirim ke WhatsApp",
        "sent" => "terkirim",
        "delivered" => "sampai",
        "read" => "dibaca",
        "failed" => "gagal",
        _ => "tidak diketahui",
    }
}

/// What a notification says, in a few words.
pub fn notification(
    kind: crate::domain::notification::NotificationKind,
    event: &str,
) -> &'static str {
    use crate::domain::notification::NotificationKind as K;
    match (kind, event) {
        (K::NewWork, "disposed") => "Disposisi baru untuk Anda",
        (K::NewWork, "forwarded_to_head") => "Diteruskan kepada Anda untuk didisposisikan",
        (K::NewWork, "reopened") => "Dibuka kembali",
        (K::NewWork, "redirected" | "lapor_rerouted") => "Dialihkan ke meja Anda",
        (K::NewWork, _) => "Pengaduan baru masuk",
        (K::ToApprove, _) => "Konsep jawaban menunggu persetujuan Anda",
        (K::Returned, _) => "Konsep jawaban Anda dikembalikan",
        (K::ToSend, _) => "Jawaban disetujui, siap dikirim",
        (K::Reply, _) => "Pelapor menulis lagi",
        (K::DueSoon, _) => "Batas waktu sudah dekat",
        (K::Late, _) => "Terlambat",
    }
}

pub fn event(kind: &str) -> String {
    let known = match kind {
        "registered" => "Didaftarkan",
        "attachment_added" => "Lampiran ditambahkan",
        "signed_letter_recorded" => "Surat jawaban bertanda tangan diarsipkan",
        "forwarded_to_head" => "Diteruskan ke Kepala Dinas",
        "disposed" => "Didisposisikan",
        "disposition_read" => "Disposisi dibaca",
        "disposition_withdrawn" => "Disposisi ditarik",
        "draft_saved" => "Konsep jawaban disimpan",
        "draft_submitted" => "Konsep jawaban diajukan",
        "draft_approved" => "Konsep jawaban disetujui",
        "draft_returned" => "Konsep jawaban dikembalikan",
        "answer_approved" => "Jawaban disetujui Kepala Dinas",
        "answered" => "Jawaban disampaikan",
        "closed" => "Ditutup",
        "reopened" => "Dibuka kembali",
        "redirected" => "Dialihkan",
        "merged" => "Digabungkan",
        "rejected" => "Ditolak",
        "reporter_replied" => "Balasan pelapor",
        "clock_paused" => "Waktu dihentikan",
        "clock_resumed" => "Waktu berjalan lagi",
        "deadline_extended" => "Tenggat diperpanjang",
        "deadline_changed" => "Tenggat berubah (kalender)",
        "acknowledgement_queued" => "Tanda terima dikirim",
        "reminder_queued" => "Pengingat batas waktu dikirim",
        "escalated" => "Keterlambatan disampaikan ke pemegang dan atasan",
        "personal_data_erased" => "Data pribadi dihapus",
        "lapor_closed" => "Ditutup di SP4N-LAPOR!",
        "lapor_rerouted" => "Dialihkan oleh SP4N-LAPOR!",
        "lapor_followup_posted" => "Tindak lanjut terkirim ke SP4N-LAPOR!",
        "lapor_reroute_requested" => "Permintaan pengalihan terkirim ke SP4N-LAPOR!",
        "lapor_report_edited" => "Laporan dikoreksi di SP4N-LAPOR!",
        "lapor_comment_edited" => "Tanggapan pelapor diubah di SP4N-LAPOR!",
        "lapor_comment_deleted" => "Tanggapan pelapor dihapus di SP4N-LAPOR!",
        "lapor_attachment_failed" => "Lampiran dari SP4N-LAPOR! bermasalah",
        "message_received" => "Pesan lanjutan pelapor",
        "message_sent" => "Pesan petugas untuk pelapor",
        "message_failed" => "Pesan untuk pelapor gagal terkirim",
        "answer_sent_whatsapp" => "Jawaban terkirim lewat WhatsApp",
        "answer_sent_telegram" => "Jawaban terkirim lewat Telegram",
        "answer_sent_sms" => "Jawaban terkirim lewat SMS",
        "answer_delivered" => "Jawaban sampai di WhatsApp pelapor",
        "answer_read" => "Jawaban dibaca pelapor di WhatsApp",
        "answer_delivery_failed" => "Jawaban gagal terkirim lewat WhatsApp",
        "chat_media_failed" => "Lampiran kiriman pelapor tidak dapat diambil",
        _ => "",
    };
    if known.is_empty() {
        kind.replace('_', " ")
    } else {
        known.to_string()
    }
}

/// The months in Bahasa Indonesia.
pub const MONTHS: [&str; 12] = [
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
];

/// A whole number as Indonesian writes it: thousands apart by a dot
/// (`3.500.000`).
pub fn angka(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(c);
    }
    out
}

/// `16 April 2025`.
pub fn tanggal(t: DateTime<Utc>, tz: Tz) -> String {
    let d = t.with_timezone(&tz);
    let month = MONTHS.get(d.month0() as usize).copied().unwrap_or("");
    format!("{} {} {}", d.day(), month, d.year())
}

/// `09.15` in the office's zone.
pub fn jam(t: DateTime<Utc>, tz: Tz) -> String {
    t.with_timezone(&tz).format("%H.%M").to_string()
}

/// `Senin, 7 Desember 2026` (an office day).
pub fn tanggal_hari(d: chrono::NaiveDate) -> String {
    let day = DAYS
        .get(d.weekday().num_days_from_monday() as usize)
        .copied()
        .unwrap_or("");
    let month = MONTHS.get(d.month0() as usize).copied().unwrap_or("");
    format!("{day}, {} {month} {}", d.day(), d.year())
}

/// `16 April 2025 pukul 09.15 WITA`.
pub fn tanggal_jam(t: DateTime<Utc>, tz: Tz) -> String {
    let d = t.with_timezone(&tz);
    format!(
        "{} pukul {} {}",
        tanggal(t, tz),
        d.format("%H.%M"),
        d.format("%Z")
    )
}

/// Seconds as the office says them: "45 detik", "4 menit", "4 menit 30 detik".
pub fn durasi_detik(seconds: i64) -> String {
    let (m, s) = (seconds / 60, seconds % 60);
    match (m, s) {
        (0, s) => format!("{s} detik"),
        (m, 0) => format!("{m} menit"),
        (m, s) => format!("{m} menit {s} detik"),
    }
}

/// "Plh. " or "Plt. " before a position acted for (an event's or a
/// review's `acting`), else nothing: official records name the capacity.
pub fn acting_prefix(acting: Option<&str>) -> &'static str {
    match acting {
        Some("plh") => "Plh. ",
        Some("plt") => "Plt. ",
        _ => "",
    }
}

/// What went wrong with a LAPOR! attachment, in words (the stored error is
/// the technical one, in English).
pub fn lapor_attachment_problem(error: &str) -> &'static str {
    if error.contains("404") {
        "belum tersedia di SP4N-LAPOR!"
    } else if error.contains("bytes received") {
        "tidak utuh saat diunduh"
    } else if error.contains("SHA-256") {
        "isinya tidak cocok dengan checksum dari SP4N-LAPOR!"
    } else if error.contains("over the limit") || error.contains("413") {
        "lebih besar dari batas ukuran lampiran"
    } else {
        "SP4N-LAPOR! tidak menjawab dengan baik"
    }
}

/// One LAPOR! attachment not stored: its name (hidden: an identity
/// document of a hidden reporter), why, and the next try or that tries
/// ended.
pub fn lapor_attachment_missing(
    m: &crate::store::MissingLaporAttachment,
    hide_name: bool,
    tz: Tz,
) -> String {
    let name = if hide_name {
        "(nama berkas disembunyikan)"
    } else {
        m.file_name.as_str()
    };
    let why = lapor_attachment_problem(m.last_error.as_deref().unwrap_or_default());
    match m.next_attempt_at {
        Some(next) if !m.parked() => format!(
            "{name}: {why}; dicoba lagi {} (percobaan ke-{})",
            waktu(next, tz),
            m.attempts + 1
        ),
        _ => format!(
            "{name}: {why}; tidak dicoba lagi — minta berkasnya kepada pelapor atau admin SP4N-LAPOR!"
        ),
    }
}

/// A date as typed into a form: `07-12-2026` (hh-bb-tttt, also with `/`
/// or `.`), or `2026-12-07` (ISO: older links and saved views). The pages'
/// date fields are text fields, so the format is ours whatever the
/// browser's language (a native date field follows the browser's).
pub fn parse_tanggal(v: &str) -> Option<chrono::NaiveDate> {
    let v = v.trim();
    let parts: Vec<&str> = v.split(['-', '/', '.']).map(str::trim).collect();
    let [a, b, c] = parts.as_slice() else {
        return None;
    };
    let n = |s: &str| -> Option<u32> {
        (!s.is_empty() && s.len() <= 4 && s.chars().all(|c| c.is_ascii_digit()))
            .then(|| s.parse().ok())
            .flatten()
    };
    let (d, m, y) = if a.len() == 4 {
        (n(c)?, n(b)?, n(a)?)
    } else if c.len() == 4 {
        (n(a)?, n(b)?, n(c)?)
    } else {
        return None;
    };
    chrono::NaiveDate::from_ymd_opt(i32::try_from(y).ok()?, m, d)
}

/// A date as a form field shows it: `07-12-2026`.
pub fn isian_tanggal(d: chrono::NaiveDate) -> String {
    d.format("%d-%m-%Y").to_string()
}

/// A form's date value shown back: a readable date as `hh-bb-tttt`,
/// anything else as typed (so the person sees what they wrote).
pub fn isian_tanggal_str(v: &str) -> String {
    parse_tanggal(v).map_or_else(|| v.to_string(), isian_tanggal)
}

/// A date and time as typed: `07-12-2026 19.29` (or `19:29`), or ISO
/// `2026-12-07T19:29` (what a browser's own field sends).
pub fn parse_waktu_isian(v: &str) -> Option<chrono::NaiveDateTime> {
    let v = v.trim();
    let (date, time) = v.split_once(['T', ' '])?;
    let date = parse_tanggal(date)?;
    let time = time.trim().replace('.', ":");
    let t = chrono::NaiveTime::parse_from_str(&time, "%H:%M")
        .or_else(|_| chrono::NaiveTime::parse_from_str(&time, "%H:%M:%S"))
        .ok()?;
    Some(date.and_time(t))
}

/// A form's date-and-time value shown back: `07-12-2026 19.29`, or as typed.
pub fn isian_waktu_str(v: &str) -> String {
    parse_waktu_isian(v).map_or_else(|| v.to_string(), |t| t.format("%d-%m-%Y %H.%M").to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_have_dots_between_thousands() {
        assert_eq!(angka(0), "0");
        assert_eq!(angka(999), "999");
        assert_eq!(angka(1000), "1.000");
        assert_eq!(angka(3_500_000), "3.500.000");
        assert_eq!(angka(-12_345), "-12.345");
    }

    #[test]
    fn dates_are_typed_the_indonesian_way_and_iso_still_reads() {
        let d = chrono::NaiveDate::from_ymd_opt(2026, 11, 28).unwrap();
        for typed in [
            "28-11-2026",
            "28/11/2026",
            "28.11.2026",
            " 28-11-2026 ",
            "2026-11-28",
        ] {
            assert_eq!(parse_tanggal(typed), Some(d), "{typed}");
        }
        for bad in [
            "",
            "28-11",
            "31-02-2026",
            "28-13-2026",
            "2026-28-11-1",
            "aa-bb-cccc",
            "28-11-26",
        ] {
            assert_eq!(parse_tanggal(bad), None, "{bad}");
        }
        assert_eq!(isian_tanggal(d), "28-11-2026");
        assert_eq!(isian_tanggal_str("2026-11-28"), "28-11-2026");
        assert_eq!(isian_tanggal_str("kemarin"), "kemarin");
        let t = d.and_hms_opt(19, 29, 0).unwrap();
        for typed in [
            "28-11-2026 19.29",
            "28-11-2026 19:29",
            "2026-11-28T19:29",
            "2026-11-28T19:29:00",
        ] {
            assert_eq!(parse_waktu_isian(typed), Some(t), "{typed}");
        }
        assert_eq!(parse_waktu_isian("28-11-2026"), None);
        assert_eq!(parse_waktu_isian("28-11-2026 25.00"), None);
        assert_eq!(isian_waktu_str("2026-11-28T19:29"), "28-11-2026 19.29");
    }
    use chrono::TimeZone;

    #[test]
    fn times_read_as_people_write_them() {
        let t = Utc.with_ymd_and_hms(2026, 12, 7, 7, 30, 0).unwrap();
        assert_eq!(
            waktu(t, chrono_tz::Asia::Makassar),
            "Senin, 7 Desember 2026 15.30 WITA"
        );
        assert_eq!(
            waktu(t, chrono_tz::Asia::Jakarta),
            "Senin, 7 Desember 2026 14.30 WIB"
        );
    }

    #[test]
    fn deadlines_have_words_and_a_colour() {
        assert_eq!(due(true, Some(5), false).0, "ok");
        assert_eq!(
            due(true, Some(2), false),
            ("soon", "2 hari kerja lagi".into())
        );
        assert_eq!(due(true, Some(0), false).1, "Jatuh tempo hari ini");
        assert_eq!(
            due(true, Some(-3), true),
            ("late", "Terlambat 3 hari kerja".into())
        );
        assert_eq!(due(false, Some(-3), true).0, "none");
    }
}

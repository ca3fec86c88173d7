//! Messages to complainants, in Bahasa Indonesia (plain text and HTML).

use chrono::{DateTime, Datelike, Utc};
use chrono_tz::Tz;

const MONTHS: [&str; 12] = [
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

/// `16 April 2025`.
pub fn tanggal(t: DateTime<Utc>, tz: Tz) -> String {
    let d = t.with_timezone(&tz);
    let month = MONTHS.get(d.month0() as usize).copied().unwrap_or("");
    format!("{} {} {}", d.day(), month, d.year())
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
    pub subject: &'a str,
    pub received_at: DateTime<Utc>,
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
}

pub fn answer(a: &Answer<'_>) -> Rendered {
    let salutation = a
        .reporter_name
        .map_or("Bapak/Ibu Pelapor".to_string(), |n| {
            format!("Bapak/Ibu {n}")
        });
    let received = tanggal_jam(a.received_at, a.timezone);
    let text = format!(
        "Yth. {salutation},\n\n\
         Menindaklanjuti pengaduan Anda nomor {tn} perihal \"{subject}\" yang kami terima \
         pada {received}, dengan ini kami sampaikan jawaban sebagai berikut:\n\n\
         {body}\n\n\
         Bila Anda belum puas dengan jawaban ini, silakan membalas email ini dengan \
         menyebutkan nomor pengaduan {tn}.\n\n\
         Hormat kami,\n{office}\n",
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
         <p>Yth. {salutation},</p>\
         <p>Menindaklanjuti pengaduan Anda nomor <b>{tn}</b> perihal &quot;{subject}&quot; \
         yang kami terima pada {received}, dengan ini kami sampaikan jawaban sebagai berikut:</p>\
         {paragraphs}\
         <p>Bila Anda belum puas dengan jawaban ini, silakan membalas email ini dengan \
         menyebutkan nomor pengaduan {tn}.</p>\
         <p>Hormat kami,<br>{office}</p></body></html>",
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
    let salutation = a
        .reporter_name
        .map_or("Bapak/Ibu Pelapor".to_string(), |n| {
            format!("Bapak/Ibu {n}")
        });
    let due = a
        .due_at
        .map(|d| format!("Batas waktu jawaban : {}\n", tanggal_jam(d, a.timezone)))
        .unwrap_or_default();
    let text = format!(
        "Yth. {salutation},\n\n\
         Terima kasih. Pengaduan Anda telah kami terima dan dicatat oleh {office}.\n\n\
         Nomor pengaduan     : {tn}\n\
         Kode akses          : {code}\n\
         Perihal             : {subject}\n\
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
        subject = a.subject,
        received = tanggal_jam(a.received_at, a.timezone),
        url = a.status_url,
    );
    let due_html = a
        .due_at
        .map(|d| {
            format!(
                "<tr><td>Batas waktu jawaban</td><td>{}</td></tr>",
                html_escape(&tanggal_jam(d, a.timezone))
            )
        })
        .unwrap_or_default();
    let html = format!(
        "<!DOCTYPE html><html lang=\"id\"><body style=\"font-family:sans-serif\">\
         <p>Yth. {salutation},</p>\
         <p>Terima kasih. Pengaduan Anda telah kami terima dan dicatat oleh {office}.</p>\
         <table cellpadding=\"4\">\
         <tr><td>Nomor pengaduan</td><td><b>{tn}</b></td></tr>\
         <tr><td>Kode akses</td><td><b>{code}</b></td></tr>\
         <tr><td>Perihal</td><td>{subject}</td></tr>\
         <tr><td>Diterima</td><td>{received}</td></tr>{due_html}</table>\
         <p>Status pengaduan dapat Anda pantau di <a href=\"{url}\">{url}</a>.</p>\
         <p>Simpan nomor pengaduan dan kode akses ini, dan jangan berikan kode akses kepada orang lain.</p>\
         <p>Hormat kami,<br>{office}</p></body></html>",
        salutation = html_escape(&salutation),
        office = html_escape(a.office_name),
        tn = html_escape(a.tracking_number),
        code = html_escape(a.access_code),
        subject = html_escape(a.subject),
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
        _ => "lainnya",
    }
}

fn detail_text(c: &ComplaintLine<'_>, tz: Tz) -> String {
    format!(
        "Nomor pengaduan : {}\nPerihal         : {}\nSaluran         : {}\nDiterima        : {}\nBatas waktu     : {}\nSisa waktu      : {}\nPemegang        : {}\nTautan          : {}\n",
        c.tracking_number,
        c.subject,
        channel_label(c.channel),
        tanggal_jam(c.received_at, tz),
        tanggal_jam(c.due_at, tz),
        sisa(c.working_days_left),
        c.holder,
        c.link
    )
}

fn detail_html(c: &ComplaintLine<'_>, tz: Tz) -> String {
    format!(
        "<table cellpadding=\"4\"><tr><td>Nomor pengaduan</td><td><b>{}</b></td></tr><tr><td>Perihal</td><td>{}</td></tr>\
         <tr><td>Saluran</td><td>{}</td></tr><tr><td>Diterima</td><td>{}</td></tr><tr><td>Batas waktu</td><td>{}</td></tr>\
         <tr><td>Sisa waktu</td><td><b>{}</b></td></tr><tr><td>Pemegang</td><td>{}</td></tr></table><p><a href=\"{}\">{}</a></p>",
        html_escape(c.tracking_number),
        html_escape(c.subject),
        channel_label(c.channel),
        html_escape(&tanggal_jam(c.received_at, tz)),
        html_escape(&tanggal_jam(c.due_at, tz)),
        html_escape(&sisa(c.working_days_left)),
        html_escape(c.holder),
        html_escape(&c.link),
        html_escape(&c.link)
    )
}

/// A deadline reminder to the holder of a complaint.
pub fn reminder(office: &str, to_label: &str, c: &ComplaintLine<'_>, tz: Tz) -> Rendered {
    let when = sisa(c.working_days_left);
    Rendered {
        subject: format!("[Pengingat] {}: {}", c.tracking_number, when),
        text: format!(
            "Yth. {to_label},\n\nPengaduan berikut belum dijawab dan {when}.\n\n{}\nMohon segera ditindaklanjuti sesuai Standar Pelayanan Pengaduan Masyarakat.\n\n{office}\n",
            detail_text(c, tz)
        ),
        html: format!(
            "<!DOCTYPE html><html lang=\"id\"><body style=\"font-family:sans-serif\"><p>Yth. {},</p>\
             <p>Pengaduan berikut belum dijawab dan <b>{}</b>.</p>{}<p>Mohon segera ditindaklanjuti sesuai Standar Pelayanan Pengaduan Masyarakat.</p><p>{}</p></body></html>",
            html_escape(to_label),
            html_escape(&when),
            detail_html(c, tz),
            html_escape(office)
        ),
    }
}

/// An overdue complaint, escalated up the chain.
pub fn escalation(office: &str, to_label: &str, c: &ComplaintLine<'_>, tz: Tz) -> Rendered {
    let when = sisa(c.working_days_left);
    Rendered {
        subject: format!("[Terlambat] {}: {}", c.tracking_number, when),
        text: format!(
            "Yth. {to_label},\n\nPengaduan berikut telah melewati batas waktu jawaban ({when}) dan memerlukan perhatian Bapak/Ibu.\n\n{}\n{office}\n",
            detail_text(c, tz)
        ),
        html: format!(
            "<!DOCTYPE html><html lang=\"id\"><body style=\"font-family:sans-serif\"><p>Yth. {},</p>\
             <p>Pengaduan berikut telah melewati batas waktu jawaban (<b>{}</b>) dan memerlukan perhatian Bapak/Ibu.</p>{}<p>{}</p></body></html>",
            html_escape(to_label),
            html_escape(&when),
            detail_html(c, tz),
            html_escape(office)
        ),
    }
}

/// The managers' daily digest: overdue and due-soon complaints, grouped.
pub fn digest(
    office: &str,
    day: DateTime<Utc>,
    overdue: &[ComplaintLine<'_>],
    due_soon: &[ComplaintLine<'_>],
    tz: Tz,
) -> Rendered {
    let section = |title: &str, items: &[ComplaintLine<'_>]| -> (String, String) {
        if items.is_empty() {
            return (
                format!("{title}: tidak ada.\n\n"),
                format!("<h3>{}</h3><p>Tidak ada.</p>", html_escape(title)),
            );
        }
        let mut groups: std::collections::BTreeMap<&str, Vec<&ComplaintLine<'_>>> =
            Default::default();
        for c in items {
            groups.entry(channel_label(c.channel)).or_default().push(c);
        }
        let mut text = format!("{title} ({}):\n", items.len());
        let mut html = format!("<h3>{} ({})</h3>", html_escape(title), items.len());
        for (group, cs) in groups {
            text.push_str(&format!("\n  Saluran {group}:\n"));
            html.push_str(&format!("<h4>Saluran {}</h4><ul>", html_escape(group)));
            for c in cs {
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
        }
        text.push('\n');
        (text, html)
    };
    let (t1, h1) = section("Terlambat", overdue);
    let (t2, h2) = section("Segera jatuh tempo", due_soon);
    Rendered {
        subject: format!(
            "Ringkasan pengaduan {}: {} terlambat, {} segera jatuh tempo",
            tanggal(day, tz),
            overdue.len(),
            due_soon.len()
        ),
        text: format!(
            "Ringkasan harian pengaduan — {office} — {}\n\n{t1}{t2}{office}\n",
            tanggal(day, tz)
        ),
        html: format!(
            "<!DOCTYPE html><html lang=\"id\"><body style=\"font-family:sans-serif\"><h2>Ringkasan harian pengaduan — {}</h2>{h1}{h2}<p>{}</p></body></html>",
            html_escape(&tanggal(day, tz)),
            html_escape(office)
        ),
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
            subject: "Bantuan & PKH",
            received_at: t,
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
}

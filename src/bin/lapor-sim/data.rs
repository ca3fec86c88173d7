//! Realistic Indonesian reports, generated from a seed (same seed, same reports).

use aduan::intake::lapor::wire::{AttachmentRef, Report, Reporter, Topic};
use chrono::{DateTime, Duration, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

pub fn topics() -> Vec<Topic> {
    let t = |id, parent, name: &str| Topic {
        id,
        parent,
        topic_name: name.into(),
    };
    vec![
        t(1, None, "Sosial"),
        t(11, Some(1), "Program Keluarga Harapan (PKH)"),
        t(12, Some(1), "Bantuan Pangan Non Tunai (BPNT)"),
        t(13, Some(1), "Penyandang Disabilitas"),
        t(14, Some(1), "Rehabilitasi Sosial"),
        t(15, Some(1), "Penerima Bantuan Iuran JKN"),
        t(2, None, "Penanggulangan Bencana"),
        t(21, Some(2), "Bantuan Korban Bencana"),
        t(3, None, "Kependudukan"),
        t(31, Some(3), "Data Terpadu Kesejahteraan Sosial (DTKS)"),
    ]
}

const FIRST: &[&str] = &[
    "Yohanes",
    "Maria",
    "Agustinus",
    "Fransiska",
    "Dewi",
    "Siti",
    "Budi",
    "Yosef",
    "Agnes",
    "Benediktus",
    "Kristina",
    "Markus",
    "Theresia",
    "Ahmad",
    "Nur",
    "Paulus",
    "Elisabeth",
    "Stefanus",
    "Rosalia",
    "Imanuel",
];
const LAST: &[&str] = &[
    "Bria",
    "Lay",
    "Manafe",
    "Tefa",
    "Nenobais",
    "Pello",
    "Ndun",
    "Sabu",
    "Lado",
    "Kause",
    "Seran",
    "Fanggidae",
    "Saudale",
    "Tallo",
    "Lestari",
    "Rahman",
    "Dethan",
    "Ataupah",
];
const PLACES: &[&str] = &[
    "Kel. Oebobo, Kota Kupang",
    "Kel. Oesapa, Kota Kupang",
    "Kel. Naikoten, Kota Kupang",
    "Desa Baumata, Kab. Kupang",
    "Desa Oelnasi, Kab. Kupang",
    "Kel. Kefamenanu, Kab. TTU",
    "Desa Nule, Kab. TTS",
    "Kel. Atambua Kota, Kab. Belu",
    "Desa Lewoleba, Kab. Lembata",
    "Kel. Waingapu, Kab. Sumba Timur",
];

/// `(topic, title, content)` templates; `{place}` and `{months}` are filled in.
const TEMPLATES: &[(i64, &str, &str)] = &[
    (
        11,
        "Bantuan PKH belum cair",
        "Sudah {months} bulan bantuan PKH keluarga kami di {place} belum cair, padahal nama kami masih terdaftar. Mohon ditindaklanjuti.",
    ),
    (
        11,
        "Nama dicoret dari penerima PKH",
        "Nama ibu saya dicoret dari daftar penerima PKH tanpa pemberitahuan. Kami tinggal di {place} dan kondisi ekonomi belum berubah.",
    ),
    (
        12,
        "Kartu KKS tidak bisa dipakai",
        "Kartu KKS kami tidak bisa digunakan di e-warong sejak {months} bulan lalu. Mohon bantuan Dinas Sosial.",
    ),
    (
        12,
        "Beras BPNT tidak layak",
        "Beras BPNT yang diterima warga {place} berkutu dan berbau. Mohon diperiksa penyalurnya.",
    ),
    (
        13,
        "Kursi roda untuk anak disabilitas",
        "Anak kami penyandang disabilitas di {place} membutuhkan kursi roda. Sudah mengajukan {months} bulan lalu tetapi belum ada kabar.",
    ),
    (
        14,
        "Lansia terlantar di {place}",
        "Ada seorang lansia hidup sendiri tanpa keluarga di {place}. Mohon dinas menjangkau dan memberi pendampingan.",
    ),
    (
        15,
        "Kepesertaan PBI JKN nonaktif",
        "Kartu PBI JKN saya nonaktif saat berobat di puskesmas. Sudah {months} bulan saya membayar sendiri.",
    ),
    (
        21,
        "Bantuan korban banjir belum diterima",
        "Rumah kami di {place} terendam banjir. Bantuan logistik belum sampai ke warga di RT kami.",
    ),
    (
        31,
        "Data DTKS tidak diperbarui",
        "Keluarga kami di {place} sudah mengajukan perubahan data DTKS {months} bulan lalu tetapi belum diperbarui.",
    ),
];

pub struct Generated {
    pub report: Report,
    /// Attachment bytes by attachment id.
    pub files: Vec<(String, Vec<u8>)>,
}

/// `count` reports with tracking ids after `first_id`, disposed before `now`.
pub fn reports(seed: u64, count: usize, first_id: u64, now: DateTime<Utc>) -> Vec<Generated> {
    let mut rng = StdRng::seed_from_u64(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ first_id);
    let mut out: Vec<Generated> = (0..count)
        .map(|i| {
            let (topic, title, content) = TEMPLATES[rng.random_range(0..TEMPLATES.len())];
            let place = PLACES[rng.random_range(0..PLACES.len())];
            let months = rng.random_range(2..7).to_string();
            let fill = |s: &str| s.replace("{place}", place).replace("{months}", &months);
            let anonymous = rng.random_bool(0.1);
            let confidential = rng.random_bool(0.1);
            let first = FIRST[rng.random_range(0..FIRST.len())];
            let last = LAST[rng.random_range(0..LAST.len())];
            let reporter = (!anonymous).then(|| Reporter {
                name: Some(format!("{first} {last}")),
                nik: Some(format!(
                    "53{:014}",
                    rng.random_range(0..100_000_000_000_000u64)
                )),
                phone: Some(format!("0812{:08}", rng.random_range(0..100_000_000u64))),
                email: rng.random_bool(0.4).then(|| {
                    format!(
                        "{}.{}@example.id",
                        first.to_lowercase(),
                        last.to_lowercase()
                    )
                }),
                address: Some(place.to_string()),
            });
            let created_at = now - Duration::minutes(rng.random_range(60 * 24..60 * 24 * 30));
            let disposed_at = (created_at + Duration::minutes(rng.random_range(30..60 * 60)))
                .min(now - Duration::minutes(5));
            let tracking_id = first_id + (i as u64) * 3 + rng.random_range(0..3);
            let mut files = Vec::new();
            let attachments = if rng.random_bool(0.2) {
                let id = format!("att-{tracking_id}-1");
                let bytes: Vec<u8> = format!("%PDF-1.4\n% foto bukti laporan {tracking_id}\n")
                    .into_bytes()
                    .into_iter()
                    .chain((0..rng.random_range(200..2000)).map(|_| rng.random::<u8>()))
                    .collect();
                let r = AttachmentRef {
                    id: id.clone(),
                    file_name: format!("bukti_{tracking_id}.pdf"),
                    content_type: "application/pdf".into(),
                    size: bytes.len() as u64,
                    sha256: Some(hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&bytes))),
                };
                files.push((id, bytes));
                vec![r]
            } else {
                Vec::new()
            };
            Generated {
                report: Report {
                    tracking_id,
                    title: fill(title),
                    content: fill(content),
                    classification: [
                        "pengaduan",
                        "pengaduan",
                        "pengaduan",
                        "aspirasi",
                        "permintaan_informasi",
                    ][rng.random_range(0..5)]
                    .into(),
                    topic_id: Some(topic),
                    anonymous,
                    confidential,
                    reporter,
                    location: Some(place.to_string()),
                    source: Some(["web", "sms", "app"][rng.random_range(0..3)].into()),
                    created_at,
                    disposed_at,
                    status: "disposed".into(),
                    updated_at: disposed_at,
                    attachments,
                    comment_count: 0,
                },
                files,
            }
        })
        .collect();
    // LAPOR! disposes in time order
    out.sort_by_key(|g| (g.report.disposed_at, g.report.tracking_id));
    out
}

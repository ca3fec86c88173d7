//! The Survei Kepuasan Masyarakat (SKM) of PermenPANRB 14/2017: its nine
//! elements U1–U9 with the questionnaire's wording and 4-point scale, the
//! respondent profile its form asks, a response's validation, and the
//! index (IKM) with its category. Pure: no storage, no HTTP.
//!
//! The index: per element the average of the answers (NRR, 1–4) and its
//! weighted value (NRR × 1/9); IKM = Σ weighted × 25, on the 25–100 scale.
//! The regulation prints the weight as 0.111; we use the exact 1/9, so that
//! all 4s give 100.00 (0.111 would give 99.90) — see docs/adr/0020. The sums
//! are kept as integers and rounded once, half up, to 2 decimals, so a
//! boundary (88.30 / 88.31) never depends on floating point.

use serde::{Deserialize, Serialize};

use super::validation::ValidationErrors;

/// One element of the questionnaire.
#[derive(Debug, Clone, Copy)]
pub struct Element {
    /// `U1` … `U9`.
    pub code: &'static str,
    /// The element's name in the regulation.
    pub name: &'static str,
    /// The question as the regulation's form asks it.
    pub question: &'static str,
    /// The answers for 1, 2, 3 and 4.
    pub scale: [&'static str; 4],
}

pub const ELEMENTS: [Element; 9] = [
    Element {
        code: "U1",
        name: "Persyaratan",
        question: "Bagaimana pendapat Saudara tentang kesesuaian persyaratan pelayanan dengan jenis pelayanannya?",
        scale: ["Tidak sesuai", "Kurang sesuai", "Sesuai", "Sangat sesuai"],
    },
    Element {
        code: "U2",
        name: "Sistem, mekanisme, dan prosedur",
        question: "Bagaimana pemahaman Saudara tentang kemudahan prosedur pelayanan di unit ini?",
        scale: ["Tidak mudah", "Kurang mudah", "Mudah", "Sangat mudah"],
    },
    Element {
        code: "U3",
        name: "Waktu penyelesaian",
        question: "Bagaimana pendapat Saudara tentang kecepatan waktu dalam memberikan pelayanan?",
        scale: ["Tidak cepat", "Kurang cepat", "Cepat", "Sangat cepat"],
    },
    Element {
        code: "U4",
        name: "Biaya/tarif",
        question: "Bagaimana pendapat Saudara tentang kewajaran biaya/tarif dalam pelayanan?",
        scale: ["Sangat mahal", "Cukup mahal", "Murah", "Gratis"],
    },
    Element {
        code: "U5",
        name: "Produk spesifikasi jenis pelayanan",
        question: "Bagaimana pendapat Saudara tentang kesesuaian produk pelayanan antara yang tercantum dalam standar pelayanan dengan hasil yang diberikan?",
        scale: ["Tidak sesuai", "Kurang sesuai", "Sesuai", "Sangat sesuai"],
    },
    Element {
        code: "U6",
        name: "Kompetensi pelaksana",
        question: "Bagaimana pendapat Saudara tentang kompetensi/kemampuan petugas dalam pelayanan?",
        scale: [
            "Tidak kompeten",
            "Kurang kompeten",
            "Kompeten",
            "Sangat kompeten",
        ],
    },
    Element {
        code: "U7",
        name: "Perilaku pelaksana",
        question: "Bagaimana pendapat Saudara tentang perilaku petugas dalam pelayanan terkait kesopanan dan keramahan?",
        scale: [
            "Tidak sopan dan ramah",
            "Kurang sopan dan ramah",
            "Sopan dan ramah",
            "Sangat sopan dan ramah",
        ],
    },
    Element {
        code: "U8",
        name: "Penanganan pengaduan, saran dan masukan",
        question: "Bagaimana pendapat Saudara tentang penanganan pengaduan pengguna layanan?",
        scale: [
            "Tidak ada",
            "Ada tetapi tidak berfungsi",
            "Berfungsi kurang maksimal",
            "Dikelola dengan baik",
        ],
    },
    Element {
        code: "U9",
        name: "Sarana dan prasarana",
        question: "Bagaimana pendapat Saudara tentang kualitas sarana dan prasarana?",
        scale: ["Buruk", "Cukup", "Baik", "Sangat baik"],
    },
];

/// The respondent profile's choices (value, label), as the form asks them.
pub const SEXES: [(&str, &str); 2] = [("l", "Laki-laki"), ("p", "Perempuan")];
pub const AGE_GROUPS: [(&str, &str); 5] = [
    ("lt25", "Di bawah 25 tahun"),
    ("25-34", "25–34 tahun"),
    ("35-44", "35–44 tahun"),
    ("45-54", "45–54 tahun"),
    ("55+", "55 tahun ke atas"),
];
pub const EDUCATIONS: [(&str, &str); 6] = [
    ("sd", "SD ke bawah"),
    ("smp", "SMP"),
    ("sma", "SMA/SMK"),
    ("diploma", "D1–D4"),
    ("s1", "S1"),
    ("s2", "S2 ke atas"),
];
pub const OCCUPATIONS: [(&str, &str); 6] = [
    ("asn", "PNS/TNI/Polri"),
    ("swasta", "Pegawai swasta"),
    ("wirausaha", "Wiraswasta/usahawan"),
    ("pelajar", "Pelajar/mahasiswa"),
    ("irt", "Ibu rumah tangga"),
    ("lainnya", "Lainnya"),
];

/// A response as a door received it.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
pub struct SurveyInput {
    /// `u1` … `u9`: 1–4 each, all nine required.
    #[serde(default)]
    pub answers: std::collections::BTreeMap<String, i64>,
    #[serde(default)]
    pub respondent: RespondentInput,
    /// A free suggestion (at most 2,000 characters).
    pub suggestion: Option<String>,
}

/// The respondent profile (every field optional).
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
pub struct RespondentInput {
    /// `l` or `p`.
    pub sex: Option<String>,
    /// `lt25`, `25-34`, `35-44`, `45-54`, `55+`.
    pub age_group: Option<String>,
    /// `sd`, `smp`, `sma`, `diploma`, `s1`, `s2`.
    pub education: Option<String>,
    /// `asn`, `swasta`, `wirausaha`, `pelajar`, `irt`, `lainnya`.
    pub occupation: Option<String>,
}

/// A valid response: nine answers 1–4, the profile, the suggestion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Survey {
    pub answers: [u8; 9],
    pub sex: Option<String>,
    pub age_group: Option<String>,
    pub education: Option<String>,
    pub occupation: Option<String>,
    pub suggestion: Option<String>,
}

impl Survey {
    /// Checks a response; field names `answers.u1` …, `respondent.sex` ….
    pub fn parse(i: &SurveyInput) -> Result<Survey, ValidationErrors> {
        let mut e = ValidationErrors::default();
        let mut answers = [0u8; 9];
        for (n, slot) in answers.iter_mut().enumerate() {
            let key = format!("u{}", n + 1);
            match i.answers.get(&key) {
                Some(v) if (1..=4).contains(v) => *slot = *v as u8,
                Some(_) => e.push(format!("answers.{key}"), "must be 1, 2, 3 or 4"),
                None => e.push(format!("answers.{key}"), "is required"),
            }
        }
        for k in i.answers.keys() {
            if !(1..=9).any(|n| *k == format!("u{n}")) {
                e.push(format!("answers.{k}"), "is not an element (u1 to u9)");
            }
        }
        let choice = |e: &mut ValidationErrors,
                      field: &str,
                      v: &Option<String>,
                      allowed: &[(&str, &str)]| {
            // exactly one of the codes (the API's schema lists them as an
            // enumeration; the form sends nothing for an unanswered question)
            match v.as_deref() {
                None => None,
                Some(s) if allowed.iter().any(|(k, _)| *k == s) => Some(s.to_string()),
                Some(_) => {
                    let list: Vec<&str> = allowed.iter().map(|(k, _)| *k).collect();
                    e.push(field, format!("must be one of {}", list.join(", ")));
                    None
                }
            }
        };
        let r = &i.respondent;
        let sex = choice(&mut e, "respondent.sex", &r.sex, &SEXES);
        let age_group = choice(&mut e, "respondent.age_group", &r.age_group, &AGE_GROUPS);
        let education = choice(&mut e, "respondent.education", &r.education, &EDUCATIONS);
        let occupation = choice(&mut e, "respondent.occupation", &r.occupation, &OCCUPATIONS);
        let suggestion = i
            .suggestion
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string);
        if let Some(s) = &suggestion {
            if s.chars().count() > 2000 {
                e.push("suggestion", "must be at most 2000 characters");
            } else if s
                .chars()
                .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
            {
                e.push("suggestion", "must not contain control characters");
            }
        }
        if !e.is_empty() {
            return Err(e);
        }
        Ok(Survey {
            answers,
            sex,
            age_group,
            education,
            occupation,
            suggestion,
        })
    }
}

/// The index's category (the regulation's table).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub enum Category {
    A,
    B,
    C,
    D,
}

impl Category {
    /// From an IKM in hundredths (8831 = 88.31).
    pub fn of_hundredths(ikm: i64) -> Category {
        match ikm {
            8831.. => Category::A,
            7661.. => Category::B,
            6500.. => Category::C,
            _ => Category::D,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Category::A => "A",
            Category::B => "B",
            Category::C => "C",
            Category::D => "D",
        }
    }

    /// The quality of service the category means.
    pub fn label(self) -> &'static str {
        match self {
            Category::A => "Sangat Baik",
            Category::B => "Baik",
            Category::C => "Kurang Baik",
            Category::D => "Tidak Baik",
        }
    }
}

/// One element's figures, in hundredths.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ElementScore {
    pub code: &'static str,
    /// NRR: the average answer (331 = 3.31).
    pub average: i64,
    /// NRR × 1/9 (37 = 0.37).
    pub weighted: i64,
}

/// The index of a set of responses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Index {
    pub respondents: u64,
    /// In hundredths (8241 = 82.41); `None` without respondents.
    pub ikm: Option<i64>,
    pub category: Option<Category>,
    pub elements: Vec<ElementScore>,
}

/// `num / den` rounded half up to hundredths (`den > 0`, `num >= 0`).
fn hundredths(num: u64, den: u64) -> i64 {
    ((200 * num + den) / (2 * den)) as i64
}

/// The fewest respondents a survey of `population` people served needs
/// (PermenPANRB 14/2017 points to Krejcie and Morgan's table: χ² = 3.841
/// for 95 %, P = 0.5, d = 0.05): `χ²·N·P(1−P) / (d²(N−1) + χ²·P(1−P))`,
/// rounded up. 0 for nobody served.
pub fn minimum_sample(population: u64) -> u64 {
    if population == 0 {
        return 0;
    }
    let n = population as f64;
    let (chi, p, d) = (3.841_f64, 0.5_f64, 0.05_f64);
    let s = chi * n * p * (1.0 - p) / (d * d * (n - 1.0) + chi * p * (1.0 - p));
    // a hair under the exact value is the table's number, not one more
    (s - 1e-9).ceil().max(1.0) as u64
}

/// The index from the per-element sums of the answers of `n` respondents.
pub fn index(n: u64, sums: [u64; 9]) -> Index {
    if n == 0 {
        return Index {
            respondents: 0,
            ikm: None,
            category: None,
            elements: ELEMENTS
                .iter()
                .map(|e| ElementScore {
                    code: e.code,
                    average: 0,
                    weighted: 0,
                })
                .collect(),
        };
    }
    let total: u64 = sums.iter().sum();
    // IKM = 25 × Σ (S_i / n) / 9 = 25·T / (9n)
    let ikm = hundredths(25 * total, 9 * n);
    Index {
        respondents: n,
        ikm: Some(ikm),
        category: Some(Category::of_hundredths(ikm)),
        elements: ELEMENTS
            .iter()
            .zip(sums)
            .map(|(e, s)| ElementScore {
                code: e.code,
                average: hundredths(s, n),
                weighted: hundredths(s, 9 * n),
            })
            .collect(),
    }
}

/// Hundredths as a number with two decimals (8241 → 82.41) for JSON.
pub fn as_decimal(h: i64) -> f64 {
    h as f64 / 100.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_minimum_sample_follows_krejcie_and_morgan() {
        // their table: N 10 → 10, 100 → 80, 1000 → 278, 10000 → 370 (the formula gives
        // 383 for 100 000; the table's 384 is its value for 1 000 000)
        assert_eq!(minimum_sample(10), 10);
        assert_eq!(minimum_sample(100), 80);
        assert_eq!(minimum_sample(1000), 278);
        assert_eq!(minimum_sample(10_000), 370);
        assert_eq!(minimum_sample(100_000), 383);
        assert_eq!(minimum_sample(0), 0);
        assert_eq!(minimum_sample(1), 1);
    }

    fn input(v: [i64; 9]) -> SurveyInput {
        SurveyInput {
            answers: (1..=9).map(|n| (format!("u{n}"), v[n - 1])).collect(),
            ..Default::default()
        }
    }

    #[test]
    fn all_fours_give_one_hundred_and_all_ones_twenty_five() {
        let n = 7;
        assert_eq!(index(n, [4 * n; 9]).ikm, Some(10_000));
        assert_eq!(index(n, [4 * n; 9]).category, Some(Category::A));
        assert_eq!(index(n, [n; 9]).ikm, Some(2_500));
        assert_eq!(index(n, [n; 9]).category, Some(Category::D));
        assert_eq!(index(0, [0; 9]).ikm, None);
    }

    #[test]
    fn the_index_is_written_out_by_hand() {
        // three respondents
        let rows = [
            [4, 3, 3, 4, 3, 3, 4, 3, 3],
            [3, 3, 2, 4, 3, 3, 3, 2, 3],
            [4, 4, 3, 4, 3, 4, 4, 3, 3],
        ];
        let mut sums = [0u64; 9];
        for r in rows {
            for (s, v) in sums.iter_mut().zip(r) {
                *s += v;
            }
        }
        let i = index(3, sums);
        // U1: (4+3+4)/3 = 3.666… → 3.67; weighted 11/27 = 0.407… → 0.41
        assert_eq!((i.elements[0].average, i.elements[0].weighted), (367, 41));
        // T = 11+10+8+12+9+10+11+8+9 = 88; IKM = 25·88/27 = 81.481… → 81.48
        assert_eq!(i.ikm, Some(8148));
        assert_eq!(i.category, Some(Category::B));
    }

    #[test]
    fn the_category_boundaries_fall_right() {
        for (h, c) in [
            (10_000, Category::A),
            (8831, Category::A),
            (8830, Category::B),
            (7661, Category::B),
            (7660, Category::C),
            (6500, Category::C),
            (6499, Category::D),
            (2500, Category::D),
        ] {
            assert_eq!(Category::of_hundredths(h), c, "{h}");
        }
    }

    #[test]
    fn a_response_needs_all_nine_answers_between_one_and_four() {
        assert!(Survey::parse(&input([4; 9])).is_ok());
        let mut missing = input([3; 9]);
        missing.answers.remove("u5");
        let e = Survey::parse(&missing).unwrap_err();
        assert_eq!(e.0[0].field, "answers.u5");
        let e = Survey::parse(&input([3, 3, 3, 3, 5, 3, 3, 0, 3])).unwrap_err();
        let fields: Vec<&str> = e.0.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["answers.u5", "answers.u8"]);
        let mut odd = input([3; 9]);
        odd.respondent.sex = Some("x".into());
        odd.answers.insert("u10".into(), 4);
        let e = Survey::parse(&odd).unwrap_err();
        let fields: Vec<&str> = e.0.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["answers.u10", "respondent.sex"]);
        // one of the codes exactly, as the API's enumeration says
        let mut blank = input([3; 9]);
        blank.respondent.education = Some(" sma".into());
        let e = Survey::parse(&blank).unwrap_err();
        assert_eq!(e.0[0].field, "respondent.education");
        blank.respondent.education = Some("sma".into());
        assert!(Survey::parse(&blank).is_ok());
    }
}

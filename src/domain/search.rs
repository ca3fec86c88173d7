//! Finding complaints by words (ADR 0029): how text becomes search words,
//! the Indonesian stemmer, how a query is read, and which words of a text a
//! result highlights. Pure: both stores index and query what this module
//! produces, so SQLite and PostgreSQL find the same complaints.
//!
//! Text is folded (lower case, accents removed), cut into words of letters
//! and digits, and each word is stemmed with the Snowball Indonesian
//! algorithm (Tala 2003, as PostgreSQL's `indonesian` configuration does),
//! so "bantuan", "membantu" and "dibantu" are all `bantu`. Names are not
//! stemmed: their folded words are turned into keyed tags by the vault.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Longest word kept (longer "words" are noise: hashes, pasted links).
const MAX_WORD: usize = 40;
/// At most this many terms of a query are used.
pub const MAX_TERMS: usize = 8;
/// A query longer than this (characters) is refused.
pub const MAX_QUERY: usize = 200;

/// Lower case without accents or other combining marks ("Désa" → "desa").
pub fn fold(text: &str) -> String {
    text.nfd()
        .filter(|c| !is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .collect()
}

/// The folded words of a text, in order.
pub fn folded_words(text: &str) -> Vec<String> {
    fold(text)
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty() && w.chars().count() <= MAX_WORD)
        .map(str::to_string)
        .collect()
}

/// The stemmed words of a text, in order, space-separated: what the stores
/// index for the subject and the body.
pub fn index_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for w in folded_words(text) {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(&stem(&w));
    }
    out
}

fn is_vowel(c: u8) -> bool {
    matches!(c, b'a' | b'e' | b'i' | b'o' | b'u')
}

/// The Snowball Indonesian stemmer of a folded word. Words of other
/// alphabets, and words of two syllables or fewer, come back unchanged.
pub fn stem(word: &str) -> String {
    if !word
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    {
        return word.to_string();
    }
    let mut w = word.as_bytes().to_vec();
    let mut measure = w.iter().filter(|c| is_vowel(**c)).count();
    if measure <= 2 {
        return word.to_string();
    }
    let mut prefix = Prefix::None;
    // inflectional suffixes: a particle, then a possessive pronoun
    if strip_suffix(&mut w, &[b"kah", b"lah", b"pun"]) {
        measure -= 1;
    }
    if measure > 2 && strip_suffix(&mut w, &[b"nya", b"ku", b"mu"]) {
        measure -= 1;
    }
    if measure > 2 {
        if first_order_prefix(&mut w, &mut prefix, &mut measure) {
            if measure > 2 {
                derivational_suffix(&mut w, prefix, &mut measure);
            }
            if measure > 2 {
                second_order_prefix(&mut w, &mut prefix, &mut measure);
            }
        } else {
            second_order_prefix(&mut w, &mut prefix, &mut measure);
            if measure > 2 {
                derivational_suffix(&mut w, prefix, &mut measure);
            }
        }
    }
    String::from_utf8(w).unwrap_or_else(|_| word.to_string())
}

/// The kind of prefix removed, which decides the suffixes allowed after it.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Prefix {
    None,
    /// di-, meng- (me-, mem-, men-, meny-), ter-
    DiMengTer,
    /// per- (pe-)
    Per,
    /// ke-, peng- (pem-, pen-, peny-)
    KePeng,
    /// ber- (be-)
    Ber,
}

fn strip_suffix(w: &mut Vec<u8>, suffixes: &[&[u8]]) -> bool {
    for s in suffixes {
        if w.ends_with(s) {
            w.truncate(w.len() - s.len());
            return true;
        }
    }
    false
}

fn vowel_at(w: &[u8], i: usize) -> bool {
    w.get(i).is_some_and(|c| is_vowel(*c))
}

fn first_order_prefix(w: &mut Vec<u8>, prefix: &mut Prefix, measure: &mut usize) -> bool {
    let replace = |w: &mut Vec<u8>, n: usize, with: &[u8]| {
        w.splice(0..n, with.iter().copied());
    };
    let (n, kind, with): (usize, Prefix, &[u8]) = if w.starts_with(b"meny") && vowel_at(w, 4) {
        (4, Prefix::DiMengTer, b"s")
    } else if w.starts_with(b"peny") && vowel_at(w, 4) {
        (4, Prefix::KePeng, b"s")
    } else if w.starts_with(b"meng") {
        (4, Prefix::DiMengTer, b"")
    } else if w.starts_with(b"peng") {
        (4, Prefix::KePeng, b"")
    } else if w.starts_with(b"mem") {
        (
            3,
            Prefix::DiMengTer,
            if vowel_at(w, 3) { b"p" } else { b"" },
        )
    } else if w.starts_with(b"pem") {
        (3, Prefix::KePeng, if vowel_at(w, 3) { b"p" } else { b"" })
    } else if w.starts_with(b"men") {
        (3, Prefix::DiMengTer, b"")
    } else if w.starts_with(b"pen") {
        (3, Prefix::KePeng, b"")
    } else if w.starts_with(b"ter") {
        (3, Prefix::DiMengTer, b"")
    } else if w.starts_with(b"me") || w.starts_with(b"di") {
        (2, Prefix::DiMengTer, b"")
    } else if w.starts_with(b"ke") {
        (2, Prefix::KePeng, b"")
    } else {
        return false;
    };
    replace(w, n, with);
    *prefix = kind;
    *measure -= 1;
    true
}

fn second_order_prefix(w: &mut Vec<u8>, prefix: &mut Prefix, measure: &mut usize) -> bool {
    if w.starts_with(b"belajar") {
        w.splice(0..7, b"ajar".iter().copied());
        *prefix = Prefix::Ber;
    } else if w.starts_with(b"ber") {
        w.drain(0..3);
        *prefix = Prefix::Ber;
    } else if w.starts_with(b"be")
        && w.get(2).is_some_and(|c| !is_vowel(*c))
        && w.get(3..5) == Some(b"er".as_slice())
    {
        w.drain(0..2);
        *prefix = Prefix::Ber;
    } else if w.starts_with(b"pelajar") {
        w.splice(0..7, b"ajar".iter().copied());
    } else if w.starts_with(b"per") {
        w.drain(0..3);
        *prefix = Prefix::Per;
    } else if w.starts_with(b"pe") {
        w.drain(0..2);
        *prefix = Prefix::Per;
    } else {
        return false;
    }
    *measure -= 1;
    true
}

fn derivational_suffix(w: &mut Vec<u8>, prefix: Prefix, measure: &mut usize) -> bool {
    let kan_ok = !matches!(prefix, Prefix::KePeng | Prefix::Per);
    let an_ok = prefix != Prefix::DiMengTer;
    let i_ok = matches!(prefix, Prefix::None | Prefix::DiMengTer | Prefix::Per);
    let cut = if w.ends_with(b"kan") && kan_ok {
        3
    } else if w.ends_with(b"an") && an_ok {
        2
    } else if w.ends_with(b"i") && i_ok && !w.ends_with(b"si") {
        1
    } else {
        return false;
    };
    w.truncate(w.len() - cut);
    *measure -= 1;
    true
}

/// The stems a query word matches: its own, and the one its root would have
/// after a nasal prefix. Snowball keeps the root's first letter only for
/// meny-/mem- ("menyapu" → sapu, "memukul" → pukul), not for men-/meng-
/// ("menunggu" → unggu, "mengirim" → irim): so "tunggu" also matches
/// `unggu`, and "menunggu" also matches `tunggu` ("ditunggu").
pub fn stem_variants(word: &str) -> Vec<String> {
    let s = stem(word);
    let mut out = vec![s.clone()];
    let b = s.as_bytes();
    if b.len() > 3 && matches!(b[0], b't' | b'k') && is_vowel(b[1]) {
        out.push(s[1..].to_string());
    }
    let w = word.as_bytes();
    let nasal_vowel =
        |n: usize| w.len() > n && is_vowel(w[n]) && b.first().is_some_and(|c| is_vowel(*c));
    if (w.starts_with(b"meng") || w.starts_with(b"peng")) && nasal_vowel(4) {
        out.push(format!("k{s}"));
    } else if (w.starts_with(b"men") || w.starts_with(b"pen")) && nasal_vowel(3) {
        out.push(format!("t{s}"));
    }
    out
}

/// One term of a query: a word, or words in quotes (a phrase).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Term {
    /// Any of `stems` (see [`stem_variants`]) in the subject or body, or
    /// `name` (folded, not stemmed) as a word of the complainant's name.
    Word { stems: Vec<String>, name: String },
    /// The stems in this order in the subject or body, or all the names
    /// among the words of the complainant's name.
    Phrase {
        stems: Vec<String>,
        names: Vec<String>,
    },
}

/// A search box's query, read.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Query {
    /// The whole query, trimmed: tried as a tracking number, a LAPOR!
    /// tracking id, a letter number or an agency reference first.
    pub exact: String,
    /// Every term must match (AND).
    pub terms: Vec<Term>,
}

impl Query {
    /// Reads a query: words in double quotes are a phrase; other words each
    /// a term; at most [`MAX_TERMS`] terms.
    pub fn parse(q: &str) -> Query {
        let exact = q.trim().to_string();
        let mut terms = Vec::new();
        for (i, part) in q.split('"').enumerate() {
            let words = folded_words(part);
            if i % 2 == 1 && words.len() > 1 {
                terms.push(Term::Phrase {
                    stems: words.iter().map(|w| stem(w)).collect(),
                    names: words,
                });
            } else {
                terms.extend(words.into_iter().map(|w| Term::Word {
                    stems: stem_variants(&w),
                    name: w,
                }));
            }
        }
        let mut seen = std::collections::HashSet::new();
        terms.retain(|t| seen.insert(t.clone()));
        terms.truncate(MAX_TERMS);
        Query { exact, terms }
    }

    /// The stems a result's text highlights.
    pub fn stems(&self) -> Vec<&str> {
        let mut out = Vec::new();
        for t in &self.terms {
            match t {
                Term::Word { stems, .. } => out.extend(stems.iter().map(String::as_str)),
                Term::Phrase { stems, .. } => out.extend(stems.iter().map(String::as_str)),
            }
        }
        out
    }

    /// The folded name words a result's name highlights.
    pub fn names(&self) -> Vec<&str> {
        let mut out = Vec::new();
        for t in &self.terms {
            match t {
                Term::Word { name, .. } => out.push(name.as_str()),
                Term::Phrase { names, .. } => out.extend(names.iter().map(String::as_str)),
            }
        }
        out
    }
}

/// A piece of a text to show: marked when it is a matched word.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Piece {
    pub text: String,
    pub mark: bool,
}

/// `text` cut into pieces, the words whose stem (`stemmed`) or folded form
/// (otherwise) is in `wanted` marked. Joining the pieces gives `text` back.
pub fn highlight(text: &str, wanted: &[&str], stemmed: bool) -> Vec<Piece> {
    let mut out: Vec<Piece> = Vec::new();
    let mut push = |s: &str, mark: bool| match out.last_mut() {
        Some(last) if last.mark == mark => last.text.push_str(s),
        _ => out.push(Piece {
            text: s.to_string(),
            mark,
        }),
    };
    let mut word_start: Option<usize> = None;
    let flush = |start: usize, end: usize, push: &mut dyn FnMut(&str, bool)| {
        let w = &text[start..end];
        let f = fold(w);
        let key = if stemmed { stem(&f) } else { f };
        push(w, !wanted.is_empty() && wanted.contains(&key.as_str()));
    };
    for (i, c) in text.char_indices() {
        if c.is_alphanumeric() || is_combining_mark(c) {
            if word_start.is_none() {
                word_start = Some(i);
            }
        } else {
            if let Some(s) = word_start.take() {
                flush(s, i, &mut push);
            }
            push(&text[i..i + c.len_utf8()], false);
        }
    }
    if let Some(s) = word_start {
        flush(s, text.len(), &mut push);
    }
    out
}

/// Around the first marked word of a long text: about `width` characters,
/// with "…" where it was cut. `None` when no word is marked.
pub fn excerpt(pieces: &[Piece], width: usize) -> Option<Vec<Piece>> {
    let first = pieces.iter().position(|p| p.mark)?;
    let before: usize = pieces[..first].iter().map(|p| p.text.chars().count()).sum();
    let skip = before.saturating_sub(width / 3);
    let mut out = Vec::new();
    let mut pos = 0usize;
    let mut taken = 0usize;
    if skip > 0 {
        out.push(Piece {
            text: "…".into(),
            mark: false,
        });
    }
    for p in pieces {
        let n = p.text.chars().count();
        let end = pos + n;
        if end <= skip {
            pos = end;
            continue;
        }
        let from = skip.saturating_sub(pos);
        let room = width.saturating_sub(taken);
        if room == 0 {
            out.push(Piece {
                text: "…".into(),
                mark: false,
            });
            break;
        }
        let text: String = p.text.chars().skip(from).take(room).collect();
        taken += text.chars().count();
        let cut = from + text.chars().count() < n;
        out.push(Piece { text, mark: p.mark });
        pos = end;
        if cut {
            out.push(Piece {
                text: "…".into(),
                mark: false,
            });
            break;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_forms_of_a_word_share_its_stem() {
        for (word, want) in [
            ("bantuan", "bantu"),
            ("membantu", "bantu"),
            ("dibantu", "bantu"),
            ("bantuannya", "bantu"),
            ("pengaduan", "adu"),
            ("mengadukan", "adu"),
            ("diadukan", "adu"),
            ("aduan", "adu"),
            ("pertolongan", "tolong"),
            ("menyapu", "sapu"),
            ("memukul", "pukul"),
            ("bekerja", "kerja"),
            ("belajar", "ajar"),
            ("pelajaran", "ajar"),
            ("perbaikan", "baik"),
            ("bulan", "bulan"),
            ("sudah", "sudah"),
            ("tiga", "tiga"),
            // as PostgreSQL 15's `indonesian_stem` gives them
            ("menerima", "erima"),
            ("kesehatan", "sehat"),
            ("penyandang", "sandang"),
            ("disabilitas", "sabilitas"),
            ("sosialisasi", "sosialisasi"),
            ("ditanyakan", "tanya"),
            ("perumahan", "umah"),
            ("mempermainkan", "main"),
            ("pemberian", "beri"),
            ("terlambat", "lambat"),
            ("keluarganya", "luarga"),
            ("dipertanyakan", "tanya"),
        ] {
            assert_eq!(stem(word), want, "{word}");
        }
    }

    #[test]
    fn a_word_also_matches_its_root_after_a_nasal_prefix() {
        assert_eq!(stem_variants("tunggu"), ["tunggu", "unggu"]);
        assert_eq!(stem_variants("menunggu"), ["unggu", "tunggu"]);
        assert_eq!(stem_variants("mengirim"), ["irim", "kirim"]);
        assert_eq!(stem_variants("kirim"), ["kirim", "irim"]);
        assert_eq!(stem_variants("bantuan"), ["bantu"]);
        assert_eq!(stem_variants("memukul"), ["pukul"]);
        // short stems stay alone
        assert_eq!(stem_variants("tua"), ["tua"]);
    }

    #[test]
    fn folding_removes_case_and_accents_and_cuts_words() {
        assert_eq!(fold("Désa ÀRJOSARI"), "desa arjosari");
        assert_eq!(
            folded_words("Bu Maria-Goreti, e-KTP (3201)!"),
            ["bu", "maria", "goreti", "e", "ktp", "3201"]
        );
        assert_eq!(
            index_text("Bantuan PKH belum diterima"),
            "bantu pkh belum terima"
        );
    }

    #[test]
    fn a_query_has_words_and_phrases() {
        let q = Query::parse(r#" Maria "sudah tiga bulan" bantuan bantuan "#);
        assert_eq!(q.exact, r#"Maria "sudah tiga bulan" bantuan bantuan"#);
        assert_eq!(
            q.terms,
            vec![
                Term::Word {
                    stems: vec!["maria".into()],
                    name: "maria".into()
                },
                Term::Phrase {
                    stems: vec!["sudah".into(), "tiga".into(), "bulan".into()],
                    names: vec!["sudah".into(), "tiga".into(), "bulan".into()],
                },
                Term::Word {
                    stems: vec!["bantu".into()],
                    name: "bantuan".into()
                },
            ]
        );
        // a one-word "phrase" is a word; an unclosed quote still reads
        assert_eq!(Query::parse(r#""PKH"#).terms.len(), 1);
        assert!(Query::parse(" !? ").terms.is_empty());
        assert_eq!(Query::parse(&"kata ".repeat(20)).terms.len(), 1);
        let many: String = (0..20).map(|i| format!("w{i} ")).collect();
        assert_eq!(Query::parse(&many).terms.len(), MAX_TERMS);
    }

    #[test]
    fn highlighting_marks_the_forms_of_the_words_asked_for() {
        let p = highlight("Bantuan belum dibantu, sudah 3 bulan.", &["bantu"], true);
        let marked: Vec<&str> = p
            .iter()
            .filter(|p| p.mark)
            .map(|p| p.text.as_str())
            .collect();
        assert_eq!(marked, ["Bantuan", "dibantu"]);
        let whole: String = p.iter().map(|p| p.text.as_str()).collect();
        assert_eq!(whole, "Bantuan belum dibantu, sudah 3 bulan.");
        let names = highlight("Maria Goreti Bria", &["goreti"], false);
        assert_eq!(names[1].text, "Goreti");
        assert!(names[1].mark);
        assert!(highlight("apa", &[], true).iter().all(|p| !p.mark));
    }

    #[test]
    fn an_excerpt_shows_the_first_match_in_context() {
        let text = format!("{} bantuan {}", "awal ".repeat(40), "akhir ".repeat(40));
        let p = highlight(&text, &["bantu"], true);
        let e = excerpt(&p, 60).expect("a word is marked");
        let s: String = e.iter().map(|p| p.text.as_str()).collect();
        assert!(s.starts_with('…') && s.ends_with('…'), "{s}");
        assert!(s.contains("bantuan"));
        assert!(s.chars().count() <= 62, "{}", s.chars().count());
        assert!(excerpt(&highlight("tidak ada", &["bantu"], true), 60).is_none());
    }
}

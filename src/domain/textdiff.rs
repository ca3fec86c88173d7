//! What changed between two versions of a text (an answer's drafts), word
//! by word: the longest common subsequence of the words in between their
//! common beginning and end. Pure; bounded (a middle too long to compare
//! word by word is shown as replaced whole).

/// A run of words: kept, removed (only in the old text) or added.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    Same(String),
    Removed(String),
    Added(String),
}

/// Word pairs compared at most (a 2,000 × 2,000-word middle).
const MAX_CELLS: usize = 4_000_000;

/// Splits keeping the whitespace with the word before it, so joining the
/// pieces gives the text back.
fn words(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut in_space = false;
    for (i, c) in s.char_indices() {
        if c.is_whitespace() {
            in_space = true;
        } else if in_space {
            out.push(&s[start..i]);
            start = i;
            in_space = false;
        }
    }
    if start < s.len() {
        out.push(&s[start..]);
    }
    out
}

fn push(out: &mut Vec<Piece>, p: Piece) {
    match (out.last_mut(), p) {
        (Some(Piece::Same(a)), Piece::Same(b))
        | (Some(Piece::Removed(a)), Piece::Removed(b))
        | (Some(Piece::Added(a)), Piece::Added(b)) => a.push_str(&b),
        (_, p) => out.push(p),
    }
}

/// The pieces that turn `old` into `new`.
pub fn diff(old: &str, new: &str) -> Vec<Piece> {
    let a = words(old);
    let b = words(new);
    let prefix = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let suffix = a[prefix..]
        .iter()
        .rev()
        .zip(b[prefix..].iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let (am, bm) = (&a[prefix..a.len() - suffix], &b[prefix..b.len() - suffix]);
    let mut out = Vec::new();
    for w in &a[..prefix] {
        push(&mut out, Piece::Same((*w).to_string()));
    }
    if am.len().saturating_mul(bm.len()) > MAX_CELLS {
        for w in am {
            push(&mut out, Piece::Removed((*w).to_string()));
        }
        for w in bm {
            push(&mut out, Piece::Added((*w).to_string()));
        }
    } else {
        // lcs[i][j]: the longest common subsequence of am[i..] and bm[j..]
        let (n, m) = (am.len(), bm.len());
        let mut lcs = vec![0u32; (n + 1) * (m + 1)];
        let at = |i: usize, j: usize| i * (m + 1) + j;
        for i in (0..n).rev() {
            for j in (0..m).rev() {
                lcs[at(i, j)] = if am[i] == bm[j] {
                    lcs[at(i + 1, j + 1)] + 1
                } else {
                    lcs[at(i + 1, j)].max(lcs[at(i, j + 1)])
                };
            }
        }
        let (mut i, mut j) = (0, 0);
        while i < n || j < m {
            if i < n && j < m && am[i] == bm[j] {
                push(&mut out, Piece::Same(am[i].to_string()));
                i += 1;
                j += 1;
            } else if j < m && (i == n || lcs[at(i, j + 1)] >= lcs[at(i + 1, j)]) {
                push(&mut out, Piece::Added(bm[j].to_string()));
                j += 1;
            } else {
                push(&mut out, Piece::Removed(am[i].to_string()));
                i += 1;
            }
        }
    }
    for w in &a[a.len() - suffix..] {
        push(&mut out, Piece::Same((*w).to_string()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn join(p: &[Piece], keep: fn(&Piece) -> Option<&str>) -> String {
        p.iter().filter_map(keep).collect()
    }

    #[test]
    fn a_changed_word_is_removed_and_added_and_both_texts_come_back() {
        let old = "Bantuan akan cair bulan depan.\nTerima kasih.";
        let new = "Bantuan sudah cair minggu ini.\nTerima kasih.";
        let d = diff(old, new);
        assert_eq!(
            join(&d, |p| match p {
                Piece::Same(s) | Piece::Removed(s) => Some(s),
                Piece::Added(_) => None,
            }),
            old
        );
        assert_eq!(
            join(&d, |p| match p {
                Piece::Same(s) | Piece::Added(s) => Some(s),
                Piece::Removed(_) => None,
            }),
            new
        );
        assert!(d.contains(&Piece::Removed("akan ".into())));
        assert!(d.contains(&Piece::Added("sudah ".into())));
        assert_eq!(d.first(), Some(&Piece::Same("Bantuan ".into())));
    }

    #[test]
    fn the_same_text_is_one_piece_and_an_empty_old_text_is_all_added() {
        assert_eq!(
            diff("sama saja", "sama saja"),
            [Piece::Same("sama saja".into())]
        );
        assert_eq!(diff("", "baru"), [Piece::Added("baru".into())]);
    }

    #[test]
    fn a_huge_middle_is_replaced_whole_instead_of_compared() {
        let old: String = (0..3000).map(|i| format!("a{i} ")).collect();
        let new: String = (0..3000).map(|i| format!("b{i} ")).collect();
        let d = diff(&old, &new);
        assert_eq!(d.len(), 2);
    }
}

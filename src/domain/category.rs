//! The office's categories of complaints, a managed list (issue 33):
//! reports group by them, so one category is one spelling. People and API
//! clients choose from the list (free text is refused); a report imported
//! from SP4N-LAPOR! takes the category its topic names, or none, keeping
//! LAPOR!'s topic on its timeline — an import is never refused for it.

/// One category of the list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Category {
    /// The folded name (`key`): unique.
    pub key: String,
    /// As the office writes it.
    pub name: String,
    /// Inactive categories stay on old complaints, are offered no more.
    pub active: bool,
}

/// Maximum length of a category's name.
pub const MAX_NAME: usize = 80;

/// A name folded for comparison: lower case, single spaces, trimmed.
pub fn key(name: &str) -> String {
    name.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// A new category's name as written (spaces tidied), or why not.
pub fn clean_name(name: &str) -> Result<String, &'static str> {
    let n = name.split_whitespace().collect::<Vec<_>>().join(" ");
    if n.is_empty() {
        return Err("a category needs a name");
    }
    if n.chars().count() > MAX_NAME {
        return Err("a category's name is at most 80 characters");
    }
    if n.chars().any(char::is_control) {
        return Err("a category's name has no control characters");
    }
    Ok(n)
}

/// The active category `given` names (any case or spacing).
pub fn resolve<'a>(list: &'a [Category], given: &str) -> Option<&'a Category> {
    let k = key(given);
    list.iter().find(|c| c.active && c.key == k)
}

/// The category for an SP4N-LAPOR! topic path ("Sosial / PKH"): the one
/// named like the whole path, else like its last part ("PKH").
pub fn resolve_lapor<'a>(list: &'a [Category], topic: &str) -> Option<&'a Category> {
    resolve(list, topic).or_else(|| {
        topic
            .rsplit('/')
            .next()
            .map(str::trim)
            .filter(|last| !last.is_empty())
            .and_then(|last| resolve(list, last))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list() -> Vec<Category> {
        [("PKH", true), ("Bantuan Sosial", true), ("Lama", false)]
            .into_iter()
            .map(|(n, a)| Category {
                key: key(n),
                name: n.into(),
                active: a,
            })
            .collect()
    }

    #[test]
    fn any_case_or_spacing_names_the_same_category() {
        let l = list();
        assert_eq!(
            resolve(&l, "  bantuan   SOSIAL ").map(|c| c.name.as_str()),
            Some("Bantuan Sosial")
        );
        assert_eq!(resolve(&l, "bantuan"), None, "no prefix match");
        assert_eq!(resolve(&l, "lama"), None, "inactive: offered no more");
    }

    #[test]
    fn a_lapor_topic_maps_by_its_path_or_its_last_part() {
        let l = list();
        assert_eq!(
            resolve_lapor(&l, "Sosial / PKH").map(|c| c.name.as_str()),
            Some("PKH")
        );
        assert_eq!(resolve_lapor(&l, "Kesehatan / BPJS"), None);
    }

    #[test]
    fn names_are_tidied_and_bounded() {
        assert_eq!(
            clean_name("  Kartu   Lansia "),
            Ok("Kartu Lansia".to_string())
        );
        assert!(clean_name("   ").is_err());
        assert!(clean_name(&"x".repeat(81)).is_err());
    }
}

//! The rules of the house, checked on the source: every state change goes
//! through `app/`, handler modules never import each other, the store has no
//! macro longer than a screen, the domain stays pure.

use std::path::{Path, PathBuf};

fn src(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("src")
        .join(rel)
}

fn files(dir: &Path) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "rs") {
                let name = p.strip_prefix(dir).unwrap().display().to_string();
                out.push((name, std::fs::read_to_string(&p).unwrap()));
            }
        }
    }
    out
}

/// The code without `//` comments (rules are about code, not prose).
fn code(text: &str) -> String {
    text.lines()
        .map(|l| l.split("//").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n")
}

const HANDLERS: &[&str] = &[
    "accounts",
    "calendar",
    "clock",
    "complaints",
    "email",
    "integrations",
    "ops",
    "org",
    "public",
    "workflow",
];

#[test]
fn handler_modules_never_import_each_other() {
    for (name, text) in files(&src("api")) {
        let me = name.trim_end_matches(".rs");
        if me == "mod" {
            continue; // the router names every handler
        }
        let text = code(&text);
        for other in HANDLERS.iter().filter(|h| **h != me) {
            for pattern in [
                format!("super::{other}::"),
                format!("crate::api::{other}::"),
            ] {
                assert!(
                    !text.contains(&pattern),
                    "src/api/{name} reaches into the {other} handler module ({pattern}): shared plumbing belongs in api/extract.rs"
                );
            }
        }
    }
}

#[test]
fn handlers_change_nothing_except_through_the_app() {
    const WRITES: &[&str] = &[
        "create_complaint",
        "act",
        "adjust_clock",
        "change_calendar",
        "set_sla_policy",
        "create_unit",
        "create_position",
        "create_officer",
        "update_officer",
        "create_acting",
        "revoke_acting",
        "insert_api_key",
        "revoke_api_key",
        "add_attachment",
        "record_inbound",
        "retry_outbox",
        "enqueue_outbox",
        "change_from_outside",
        "outbox_delivered",
        "chat_claim",
        "chat_touch",
        "chat_record_sent",
        "chat_status",
        "chat_status_hold",
        "chat_status_take",
        "add_view",
        "delete_view",
    ];
    for dir in ["api", "intake", "web"] {
        for (name, text) in files(&src(dir)) {
            let flat: String = code(&text).split_whitespace().collect();
            for w in WRITES {
                assert!(
                    !flat.contains(&format!("store.{w}(")),
                    "src/{dir}/{name} calls store.{w} directly: state changes go through app::App"
                );
            }
        }
    }
}

#[test]
fn no_long_macros_in_the_store() {
    for (name, text) in files(&src("store")) {
        let lines: Vec<&str> = text.lines().collect();
        for (i, l) in lines.iter().enumerate() {
            if l.trim_start().starts_with("macro_rules!") {
                let len = lines[i..]
                    .iter()
                    .position(|l| *l == "}")
                    .map_or(lines.len() - i, |n| n + 1);
                assert!(
                    len <= 60,
                    "src/store/{name}:{}: a macro of {len} lines",
                    i + 1
                );
            }
        }
    }
}

#[test]
fn store_modules_import_by_path_without_circles() {
    // the shared SQL modules use the backend aliases and sql.rs, never each other
    let shared = files(&src("store/shared"));
    for (name, text) in &shared {
        let text = code(text);
        for (other, _) in &shared {
            let other = other.trim_end_matches(".rs");
            if other == "mod" || name.trim_end_matches(".rs") == other {
                continue;
            }
            assert!(
                !text.contains(&format!("super::{other}::")),
                "src/store/shared/{name} imports from its sibling {other}"
            );
        }
    }
    // the backend-independent pieces know no backend
    for f in ["sql.rs", "model.rs", "files.rs"] {
        let text = code(&std::fs::read_to_string(src("store").join(f)).unwrap());
        for b in ["sqlite::", "postgres::", "shared::"] {
            assert!(
                !text.contains(b),
                "src/store/{f} depends on a backend ({b})"
            );
        }
    }
}

#[test]
fn the_domain_is_pure() {
    for (name, text) in files(&src("domain")) {
        let text = code(&text);
        for dep in [
            "actix",
            "sqlx",
            "reqwest",
            "crate::store",
            "crate::api",
            "crate::app",
        ] {
            assert!(!text.contains(dep), "src/domain/{name} uses {dep}");
        }
    }
}

/// Nothing below the doors reaches into them: the application core, the
/// store, jobs, messages, reports and intake use `crate::words` for what
/// things are called, never the console's or the API's modules (issue 33).
#[test]
fn nothing_below_the_doors_imports_a_door() {
    let mut checked = 0;
    for dir in ["app", "domain", "store", "notify", "reports", "intake"] {
        for (name, text) in files(&src(dir)) {
            let text = code(&text);
            for door in ["crate::web::", "crate::api::"] {
                assert!(
                    !text.contains(door),
                    "src/{dir}/{name} imports from a door ({door})"
                );
            }
            checked += 1;
        }
    }
    for f in [
        "jobs.rs",
        "words.rs",
        "config.rs",
        "vault.rs",
        "webhooks.rs",
    ] {
        let text = code(&std::fs::read_to_string(src(f)).unwrap());
        for door in ["crate::web::", "crate::api::"] {
            assert!(!text.contains(door), "src/{f} imports from a door ({door})");
        }
        checked += 1;
    }
    assert!(checked > 80, "only {checked} files checked");
}

/// The two doors share `crate::http` (request state, session plumbing, how
/// a complaint is shown); the pages never reach into the JSON door, and
/// what both share reaches into neither (issue 33).
#[test]
fn the_pages_never_import_the_json_door() {
    let mut checked = 0;
    for (name, text) in files(&src("web")) {
        let text = code(&text);
        assert!(
            !text.contains("crate::api::"),
            "src/web/{name} imports from the JSON door (crate::api): shared plumbing belongs in src/http/"
        );
        checked += 1;
    }
    for (name, text) in files(&src("http")) {
        let text = code(&text);
        for door in ["crate::api::", "crate::web::"] {
            assert!(
                !text.contains(door),
                "src/http/{name} imports a door ({door})"
            );
        }
        checked += 1;
    }
    assert!(checked > 20, "only {checked} files checked");
}

//! The deploy kit builds what the code needs: every file the compiler reads
//! at build time (`include_str!`, `include_bytes!`, `sqlx::migrate!`, the
//! binaries' paths) lies inside a directory or file the Dockerfile copies.
//! Includes in `#[cfg(test)]` modules are not part of the release build.

use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// `(file, path)` of every build-time file reference under `src/`, resolved
/// against the repository root.
fn build_inputs() -> Vec<(PathBuf, PathBuf)> {
    let mut files = Vec::new();
    rust_files(&root().join("src"), &mut files);
    let mut out = Vec::new();
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        // unit-test modules (at the end of a file) are not part of the image
        let text = text.split("#[cfg(test)]").next().unwrap_or("");
        for (mac, relative_to_file) in [
            ("include_str!(\"", true),
            ("include_bytes!(\"", true),
            ("sqlx::migrate!(\"", false),
        ] {
            for part in text.split(mac).skip(1) {
                let Some(arg) = part.split('"').next() else {
                    continue;
                };
                let base = if relative_to_file {
                    f.parent().unwrap().to_path_buf()
                } else {
                    root()
                };
                out.push((f.clone(), normalize(&base.join(arg))));
            }
        }
        // askama reads its templates from templates/ at build time
        for part in text.split("#[template(path = \"").skip(1) {
            if let Some(arg) = part.split('"').next() {
                out.push((f.clone(), normalize(&root().join("templates").join(arg))));
            }
        }
    }
    // and cargo runs the build script
    if root().join("build.rs").exists() {
        out.push((root().join("Cargo.toml"), root().join("build.rs")));
    }
    out
}

fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            std::path::Component::ParentDir => {
                out.pop();
            }
            std::path::Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

/// The sources of the build stage's COPY lines, resolved against the root.
fn copied() -> Vec<PathBuf> {
    let docker = std::fs::read_to_string(root().join("deploy/Dockerfile")).unwrap();
    // the build stage: from the first FROM to the second
    let build_stage = docker.split("\nFROM ").nth(1).unwrap_or(&docker);
    build_stage
        .lines()
        .filter_map(|l| l.trim().strip_prefix("COPY "))
        .filter(|l| !l.starts_with("--from"))
        .flat_map(|l| {
            let words: Vec<&str> = l.split_whitespace().collect();
            words[..words.len() - 1]
                .iter()
                .map(|w| normalize(&root().join(w)))
                .collect::<Vec<_>>()
        })
        .collect()
}

#[test]
fn the_dockerfile_copies_everything_the_build_reads() {
    let copied = copied();
    assert!(!copied.is_empty());
    let inputs = build_inputs();
    assert!(
        inputs
            .iter()
            .any(|(_, p)| p.ends_with("calendar/id-holidays-2024-2027.csv")),
        "the calendar include was found"
    );
    for (file, input) in inputs {
        assert!(
            input.exists(),
            "{} names {} which does not exist",
            file.display(),
            input.display()
        );
        assert!(
            copied.iter().any(|c| input.starts_with(c)),
            "{} reads {} at build time, but deploy/Dockerfile does not COPY it",
            file.display(),
            input.display()
        );
    }
    let manifest = std::fs::read_to_string(root().join("Cargo.toml")).unwrap();
    for line in manifest.lines().filter(|l| l.starts_with("path = ")) {
        let p = normalize(&root().join(line.trim_start_matches("path = ").trim_matches('"')));
        assert!(
            copied.iter().any(|c| p.starts_with(c)),
            "Cargo.toml target {} not copied",
            p.display()
        );
    }
}

#[test]
fn the_kustomize_kit_is_complete() {
    for f in [
        "kustomization.yaml",
        "deployment.yaml",
        "service.yaml",
        "pdb.yaml",
        "postgres-cluster.yaml",
        "secret.yaml",
    ] {
        assert!(root().join("deploy/k8s").join(f).exists(), "deploy/k8s/{f}");
    }
    let k = std::fs::read_to_string(root().join("deploy/k8s/kustomization.yaml")).unwrap();
    assert!(
        k.contains("configMapGenerator"),
        "settings from a ConfigMap"
    );
    // the rendered output is validated by scripts/validate-k8s (run by scripts/test)
    let t = std::fs::read_to_string(root().join("scripts/test")).unwrap();
    assert!(t.contains("scripts/validate-k8s"));
}

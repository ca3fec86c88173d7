//! The API contract against the running service: schemathesis (from PyPI;
//! `ADUAN_TEST_SCHEMATHESIS` names it, scripts/test installs it) generates
//! requests from the served OpenAPI document — valid ones, invalid ones and
//! sequences along its links — with an admin, a reception and an integration
//! key, and runs every check it has (`--checks all`): no 5xx, every status,
//! content type and header documented, every response of its schema, valid
//! data accepted and invalid data refused. LAPOR! (lapor-sim) and the
//! mailbox (Dovecot) are on, as in an office. tests/contract/schemathesis.toml
//! names the ids it may use and the rules over several fields JSON Schema
//! cannot state. Each run's report is kept in target/contract/.

use std::process::Command;

use aduan::domain::Role;

use crate::helpers::*;
use crate::lapor::{Sim, TOKEN, with_lapor};
use crate::mailbox::Dovecot;
use crate::workflow::office;

both_backends!(schemathesis_finds_nothing_with_keys_of_three_roles);

fn schemathesis() -> Option<String> {
    match std::env::var("ADUAN_TEST_SCHEMATHESIS") {
        Ok(p) => Some(p),
        Err(_) if std::env::var("CI").is_ok_and(|v| v == "true") => {
            panic!("CI=true but ADUAN_TEST_SCHEMATHESIS is not set")
        }
        Err(_) => {
            eprintln!("skipping: ADUAN_TEST_SCHEMATHESIS is not set");
            None
        }
    }
}

async fn schemathesis_finds_nothing_with_keys_of_three_roles(b: Backend) {
    let Some(st) = schemathesis() else {
        return;
    };
    let Some(dovecot) = Dovecot::start() else {
        return;
    };
    let sim = Sim::start(&[]);
    let lapor = with_lapor(&sim.url, TOKEN);
    let imap = dovecot.settings(None);
    let Some(app) = spawn_app_with(b, move |s| {
        lapor(s);
        s.imap = Some(imap);
        s.public_rate_limit_per_minute = 100_000;
    })
    .await
    else {
        return;
    };
    let o = office(&app).await;
    let units = app.get(&o.admin, "/api/v1/org/units").await;
    let units: serde_json::Value = units.json().await.unwrap();
    let complaint = app
        .post_complaint(&o.reception, &valid_complaint("letter"))
        .await;
    assert_eq!(complaint.status(), 201);
    let complaint: serde_json::Value = complaint.json().await.unwrap();

    let reports = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/contract");
    std::fs::create_dir_all(&reports).unwrap();
    // the backends run side by side: one fixed seed each, so a failure replays
    let seed = match b {
        Backend::Sqlite => "1",
        Backend::Postgres => "2",
    };
    // PostgreSQL's leg is the admin's alone (the roles differ in what they
    // may do, not in how the store answers): the suite stays within its time
    let roles: &[Role] = match b {
        Backend::Sqlite => &[Role::Admin, Role::Reception, Role::Integration],
        Backend::Postgres => &[Role::Admin],
    };
    // the roles' runs side by side (each is a Python process against the
    // same service): one after the other they were the suite's longest test
    let mut runs = Vec::new();
    for &role in roles {
        let key = app.key(role).await;
        // the admin's run is the whole contract (every phase, 20 random
        // examples an operation); the other roles differ in what they are
        // refused, so their runs keep the examples, the boundary cases and
        // 10 random examples an operation, and leave out the stateful phase
        // (the admin's walks the links between operations once per backend)
        let (max_examples, phases) = match role {
            Role::Admin => ("20", "examples,coverage,fuzzing,stateful"),
            _ => ("10", "examples,coverage,fuzzing"),
        };
        let child = Command::new(&st)
            .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/contract"))
            .args([
                "run",
                &app.url("/api-docs/openapi.json"),
                "--url",
                &app.address,
                "-H",
                &format!("Authorization: Bearer {key}"),
                "--checks",
                "all",
                "--max-examples",
                max_examples,
                "--phases",
                phases,
                "--seed",
                seed,
                "--no-color",
            ])
            .env("SCHEMATHESIS_HOOKS", "hooks.py")
            .env("ADUAN_FUZZ_POSITION", &o.kasi)
            .env("ADUAN_FUZZ_SUPERIOR", &o.head)
            .env("ADUAN_FUZZ_SUBORDINATE", &o.kabid)
            .env("ADUAN_FUZZ_OFFICER", &o.o_kasi)
            .env("ADUAN_FUZZ_UNIT", units["items"][0]["id"].as_str().unwrap())
            .env("ADUAN_FUZZ_COMPLAINT", complaint["id"].as_str().unwrap())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("run schemathesis");
        // read at once, so that no run waits on a full pipe
        runs.push((
            role,
            tokio::task::spawn_blocking(move || child.wait_with_output()),
        ));
    }
    for (role, run) in runs {
        let out = run.await.unwrap().expect("schemathesis ran");
        let report = String::from_utf8_lossy(&out.stdout).to_string()
            + &String::from_utf8_lossy(&out.stderr);
        let name = format!(
            "{}-{role}.txt",
            if seed == "1" { "sqlite" } else { "postgres" }
        );
        std::fs::write(reports.join(&name), &report).unwrap();
        assert!(
            out.status.success(),
            "schemathesis with a {role} key found failures (target/contract/{name}):\n{report}"
        );
        assert!(
            report.contains("Tested:") && !report.contains("Tested: 0"),
            "schemathesis tested no operation:\n{report}"
        );
    }
    drop(sim);
    drop(dovecot);
}

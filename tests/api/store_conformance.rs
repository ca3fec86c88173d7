//! The store conformance suite: the same behaviour asserted directly on the
//! `Store` interface, for SQLite and PostgreSQL.

use aduan::domain::calendar::{DayKind, WorkingCalendar};
use aduan::domain::deadline::{Deadline, SlaPolicies, deadline_for};
use aduan::domain::{Channel, ComplaintInput, NewComplaint, Role, Status, TrackingPrefix};
use aduan::store::{
    Actor, Attachment, CreateComplaint, CreateOutcome, Cursor, DynStore, ListQuery,
};
use aduan::store::{CalendarAction, CalendarChange, CalendarChangeOutcome};
use chrono::{DateTime, Duration, Utc};
use chrono_tz::Asia::Makassar;
use uuid::Uuid;

use crate::helpers::*;

both_backends!(
    tracking_numbers_restart_each_year_and_per_prefix,
    a_failed_registration_leaves_no_trace_and_burns_no_number,
    a_group_commit_writes_all_in_order_or_nothing,
    batches_between_other_writers_stay_gapless,
    idempotent_create_replays_or_refuses,
    keyset_pages_are_complete_with_ties,
    attachments_bump_the_version_and_write_an_event,
    api_keys_are_found_by_digest_until_revoked,
    counts_by_status,
    calendar_changes_move_open_deadlines_in_the_same_transaction,
    a_job_lease_has_one_holder_until_it_expires,
    a_paused_clock_moves_the_deadline_by_the_working_days_it_stood_still,
    the_organisation_refuses_duplicates_and_knows_acting_officers,
    workflow_actions_are_versioned_and_all_or_nothing,
    concurrent_actions_on_one_version_have_one_winner,
    a_message_makes_one_complaint_and_each_reply_is_recorded_once,
    accounts_links_sessions_and_throttles,
    identities_are_stored_encrypted_and_found_by_their_blind_index,
    rows_from_before_encryption_are_read_and_sealed_once,
    erasure_happens_once_and_keeps_the_record,
    expired_records_are_purged_but_not_what_open_complaints_need,
    the_dashboard_counts_what_its_lists_list,
    survey_responses_are_one_per_key_and_summed_by_day_channel_and_unit,
    categories_are_one_per_key_and_setting_one_is_versioned_with_its_event,
    notification_reads_are_kept_per_account_and_pruned,
    a_conversation_keeps_its_address_and_shared_number_sealed_until_erased,
    a_conversations_sealed_values_follow_a_key_rotation,
    visits_are_numbered_per_day_move_forward_once_and_are_sealed,
    subject_contains_finds_any_substring_and_counts_it,
);

fn complaint(subject: &str, received_at: DateTime<Utc>) -> NewComplaint {
    NewComplaint::parse(
        ComplaintInput {
            channel: Some("api".into()),
            subject: Some(subject.into()),
            body: Some("isi".into()),
            received_at: Some(received_at.to_rfc3339()),
            ..Default::default()
        },
        Utc::now(),
    )
    .unwrap()
}

async fn create(
    store: &DynStore,
    c: &NewComplaint,
    prefix: &str,
    year: i32,
    actor: &Actor,
    idem: Option<(&str, &str)>,
) -> CreateOutcome {
    store
        .create_complaint(CreateComplaint {
            id: Uuid::now_v7(),
            complaint: c,
            replay_code: "x1:sealed",
            access_digest: "digest",
            prefix: &TrackingPrefix::parse(prefix).unwrap(),
            year,
            now: Utc::now(),
            actor,
            deadline: deadline(c),
            outbox: None,
            idempotency: idem,
            source_key: None,
            intake: None,
        })
        .await
        .unwrap()
}

fn deadline(c: &NewComplaint) -> Deadline {
    deadline_for(
        c,
        &SlaPolicies::default(),
        &WorkingCalendar::decreed().unwrap(),
        Makassar,
        None,
    )
}

fn created(o: CreateOutcome) -> aduan::store::Complaint {
    match o {
        CreateOutcome::Created(c) => c,
        other => panic!("expected Created, got {other:?}"),
    }
}

async fn tracking_numbers_restart_each_year_and_per_prefix(b: Backend) {
    let Some((store, _dir)) = fresh_store(b).await else {
        return;
    };
    let c = complaint("a", Utc::now());
    let cli = Actor::cli();
    let mut got = vec![];
    for (prefix, year) in [
        ("ADU", 2025),
        ("ADU", 2025),
        ("ADU", 2026),
        ("DINSOS", 2026),
        ("ADU", 2025),
    ] {
        got.push(created(create(&store, &c, prefix, year, &cli, None).await).tracking_number);
    }
    assert_eq!(
        got,
        [
            "ADU-2025-000001",
            "ADU-2025-000002",
            "ADU-2026-000001",
            "DINSOS-2026-000001",
            "ADU-2025-000003"
        ]
    );
    let found = store
        .find_by_tracking_number("ADU-2025-000002")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.1, "digest");
    assert!(
        store
            .find_by_tracking_number("ADU-2025-000009")
            .await
            .unwrap()
            .is_none()
    );
}

/// An actor whose API key was never stored: a foreign key refuses its
/// writes mid-transaction.
fn ghost_key() -> Actor {
    Actor {
        key_id: Some(Uuid::now_v7()),
        name: "ghost".into(),
        role: Role::Reception,
        officer: None,
    }
}

async fn a_failed_registration_leaves_no_trace_and_burns_no_number(b: Backend) {
    let Some((store, _dir)) = fresh_store(b).await else {
        return;
    };
    let ghost = ghost_key();
    let c = complaint("a", Utc::now());
    let r = store
        .create_complaint(CreateComplaint {
            id: Uuid::now_v7(),
            complaint: &c,
            replay_code: "",
            access_digest: "d",
            prefix: &TrackingPrefix::parse("ADU").unwrap(),
            year: 2026,
            now: Utc::now(),
            actor: &ghost,
            deadline: deadline(&c),
            outbox: None,
            idempotency: None,
            source_key: None,
            intake: None,
        })
        .await;
    assert!(r.is_err());
    assert!(
        store
            .list_complaints(&ListQuery {
                limit: 10,
                ..Default::default()
            })
            .await
            .unwrap()
            .is_empty()
    );
    let next = created(create(&store, &c, "ADU", 2026, &Actor::cli(), None).await);
    assert_eq!(
        next.tracking_number, "ADU-2026-000001",
        "the rolled-back number is not burnt"
    );
    let events = store.timeline(next.id).await.unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(
        (events[0].kind.as_str(), events[0].status.as_str()),
        ("registered", "registered")
    );
}

fn batch_request<'a>(
    c: &'a NewComplaint,
    actor: &'a Actor,
    prefix: &'a TrackingPrefix,
) -> CreateComplaint<'a> {
    CreateComplaint {
        id: Uuid::now_v7(),
        complaint: c,
        replay_code: "",
        access_digest: "d",
        prefix,
        year: 2026,
        now: Utc::now(),
        actor,
        deadline: deadline(c),
        outbox: None,
        idempotency: None,
        source_key: None,
        intake: None,
    }
}

/// `create_complaints` (the group commit): every registration of the batch
/// numbered in order in one transaction — or, when one of them fails, none
/// of them, and no number burnt.
async fn a_group_commit_writes_all_in_order_or_nothing(b: Backend) {
    let Some((store, _dir)) = fresh_store(b).await else {
        return;
    };
    let prefix = TrackingPrefix::parse("ADU").unwrap();
    let cli = Actor::cli();
    let ghost = ghost_key();
    let cs: Vec<NewComplaint> = (0..5)
        .map(|i| complaint(&format!("batch {i}"), Utc::now()))
        .collect();
    let req = |c, actor| batch_request(c, actor, &prefix);
    let mut reqs: Vec<_> = cs.iter().map(|c| req(c, &cli)).collect();
    // the fourth one's key does not exist: a foreign key refuses it mid-batch
    reqs[3] = req(&cs[3], &ghost);
    let r = store.create_complaints(&reqs).await;
    assert!(
        matches!(r, Err(aduan::store::BatchError::RolledBack(_))),
        "{r:?}"
    );
    let all = ListQuery {
        limit: 10,
        ..Default::default()
    };
    assert!(store.list_complaints(&all).await.unwrap().is_empty());
    reqs[3] = req(&cs[3], &cli);
    let written = store.create_complaints(&reqs).await.unwrap();
    let numbers: Vec<_> = written.iter().map(|c| c.tracking_number.as_str()).collect();
    assert_eq!(
        numbers,
        [
            "ADU-2026-000001",
            "ADU-2026-000002",
            "ADU-2026-000003",
            "ADU-2026-000004",
            "ADU-2026-000005"
        ],
        "in order, the rolled-back batch burnt nothing"
    );
    for (c, r) in written.iter().zip(&reqs) {
        assert_eq!(c.id, r.id);
        let read = store.get_complaint(c.id).await.unwrap().unwrap();
        assert_eq!(read.tracking_number, c.tracking_number);
        assert_eq!(read.subject, r.complaint.subject.as_str());
        assert_eq!(store.timeline(c.id).await.unwrap().len(), 1);
    }
    assert_eq!(store.list_complaints(&all).await.unwrap().len(), 5);
}

/// Group commits one after another, between registrations written alone
/// and a batch that fails, and from two writers at once beside a third
/// registering alone: every batch is written whole, in order, and the
/// numbers follow each other without a gap or a repeat.
async fn batches_between_other_writers_stay_gapless(b: Backend) {
    let Some((store, _dir)) = fresh_store(b).await else {
        return;
    };
    let prefix = TrackingPrefix::parse("ADU").unwrap();
    let cli = Actor::cli();
    let ghost = ghost_key();
    let cs: Vec<NewComplaint> = (0..4)
        .map(|i| complaint(&format!("urut {i}"), Utc::now()))
        .collect();
    let numbers_of = |w: &[aduan::store::Complaint]| -> Vec<u32> {
        w.iter()
            .map(|c| {
                c.tracking_number
                    .rsplit('-')
                    .next()
                    .unwrap()
                    .parse()
                    .unwrap()
            })
            .collect()
    };
    let batch = |n: usize| -> Vec<CreateComplaint<'_>> {
        cs[..n]
            .iter()
            .map(|c| batch_request(c, &cli, &prefix))
            .collect()
    };
    // the first batch, then one right behind it
    let w = store.create_complaints(&batch(3)).await.unwrap();
    assert_eq!(numbers_of(&w), [1, 2, 3]);
    let w = store.create_complaints(&batch(2)).await.unwrap();
    assert_eq!(numbers_of(&w), [4, 5]);
    // a registration alone moves the counter under the batches' feet
    let alone = created(create(&store, &cs[0], "ADU", 2026, &cli, None).await);
    assert_eq!(alone.tracking_number, "ADU-2026-000006");
    let w = store.create_complaints(&batch(3)).await.unwrap();
    assert_eq!(numbers_of(&w), [7, 8, 9]);
    let w = store.create_complaints(&batch(1)).await.unwrap();
    assert_eq!(numbers_of(&w), [10], "a batch of one");
    // a batch that fails burns nothing; the next one follows on
    let mut bad = batch(3);
    bad[1] = batch_request(&cs[1], &ghost, &prefix);
    assert!(matches!(
        store.create_complaints(&bad).await,
        Err(aduan::store::BatchError::RolledBack(_))
    ));
    let w = store.create_complaints(&batch(2)).await.unwrap();
    assert_eq!(numbers_of(&w), [11, 12]);
    // two writers at once, 10 batches of 4 each, and registrations alone
    let store = std::sync::Arc::new(store);
    let cs = std::sync::Arc::new(cs);
    let mut tasks = vec![];
    for t in 0..3 {
        let (store, cs) = (store.clone(), cs.clone());
        tasks.push(tokio::spawn(async move {
            let prefix = TrackingPrefix::parse("ADU").unwrap();
            let cli = Actor::cli();
            let mut got = vec![];
            for _ in 0..10 {
                if t == 2 {
                    got.push(created(
                        create(&store, &cs[0], "ADU", 2026, &cli, None).await,
                    ));
                    continue;
                }
                let reqs: Vec<_> = cs.iter().map(|c| batch_request(c, &cli, &prefix)).collect();
                let w = store.create_complaints(&reqs).await.unwrap();
                assert_eq!(w.len(), 4);
                got.extend(w);
            }
            got
        }));
    }
    let mut all = std::collections::BTreeSet::new();
    for task in tasks {
        let got = task.await.unwrap();
        for c in &got {
            let read = store.get_complaint(c.id).await.unwrap().unwrap();
            assert_eq!(read.tracking_number, c.tracking_number, "as answered");
        }
        let numbers = numbers_of(&got);
        assert!(numbers.windows(2).all(|p| p[0] < p[1]), "{numbers:?}");
        all.extend(numbers);
    }
    assert_eq!(all, (13..=102).collect(), "90 numbers, no gap, no repeat");
    let listed = store
        .list_complaints(&ListQuery {
            limit: 200,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(listed.len(), 102);
}

async fn idempotent_create_replays_or_refuses(b: Backend) {
    let Some((store, _dir)) = fresh_store(b).await else {
        return;
    };
    let (_, key_id) = create_key(&store, Role::Integration, "portal").await;
    let actor = Actor {
        key_id: Some(key_id),
        name: "portal".into(),
        role: Role::Integration,
        officer: None,
    };
    let c = complaint("a", Utc::now());
    let first = created(create(&store, &c, "ADU", 2026, &actor, Some(("k1", "h1"))).await);
    match create(&store, &c, "ADU", 2026, &actor, Some(("k1", "h1"))).await {
        CreateOutcome::Replayed(again, code, at) => {
            assert_eq!(again, first);
            assert_eq!(code, "x1:sealed", "the sealed code as kept");
            assert_eq!(at, first.registered_at);
        }
        other => panic!("expected replay, got {other:?}"),
    }
    assert!(matches!(
        create(&store, &c, "ADU", 2026, &actor, Some(("k1", "h2"))).await,
        CreateOutcome::KeyReused
    ));
    let all = store
        .list_complaints(&ListQuery {
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(all.len(), 1);
}

async fn keyset_pages_are_complete_with_ties(b: Backend) {
    let Some((store, _dir)) = fresh_store(b).await else {
        return;
    };
    let t0 = DateTime::parse_from_rfc3339("2026-03-02T08:00:00.123456+08:00")
        .unwrap()
        .with_timezone(&Utc);
    let cli = Actor::cli();
    let mut ids = vec![];
    for i in 0..25 {
        // five complaints share each instant; sub-second precision must survive
        let c = complaint(&format!("s{i}"), t0 + Duration::microseconds(i / 5));
        ids.push(created(create(&store, &c, "ADU", 2026, &cli, None).await).id);
    }
    let mut seen = vec![];
    let mut after: Option<Cursor> = None;
    loop {
        let page = store
            .list_complaints(&ListQuery {
                limit: 4,
                after,
                ..Default::default()
            })
            .await
            .unwrap();
        if page.is_empty() {
            break;
        }
        let last = page.last().unwrap();
        after = Some(Cursor {
            received_at: last.received_at,
            id: last.id,
        });
        seen.extend(page.into_iter().map(|c| (c.received_at, c.id)));
    }
    assert_eq!(seen.len(), 25);
    let mut expected = seen.clone();
    expected.sort_by(|a, b| b.cmp(a));
    assert_eq!(seen, expected);
    let mut got_ids: Vec<Uuid> = seen.iter().map(|s| s.1).collect();
    got_ids.sort();
    assert_eq!(got_ids, {
        let mut i = ids.clone();
        i.sort();
        i
    });
    ids.sort();
    let first = store.get_complaint(ids[0]).await.unwrap().unwrap();
    assert_eq!(first.received_at, t0, "microseconds survive the round trip");
    let narrowed = store
        .list_complaints(&ListQuery {
            limit: 100,
            channel: Some(Channel::Api),
            status: Some(Status::Registered),
            received_from: Some(t0 + Duration::microseconds(4)),
            subject_contains: Some("S2".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    let mut subjects: Vec<String> = narrowed.into_iter().map(|c| c.subject).collect();
    subjects.sort();
    assert_eq!(subjects, ["s20", "s21", "s22", "s23", "s24"]);
}

async fn attachments_bump_the_version_and_write_an_event(b: Backend) {
    let Some((store, _dir)) = fresh_store(b).await else {
        return;
    };
    let cli = Actor::cli();
    let c = created(create(&store, &complaint("a", Utc::now()), "ADU", 2026, &cli, None).await);
    let a = Attachment {
        id: Uuid::now_v7(),
        complaint_id: c.id,
        file_name: "surat.pdf".into(),
        content_type: "application/pdf".into(),
        size_bytes: 10,
        sha256: "ab".repeat(32),
        created_at: chrono::SubsecRound::trunc_subsecs(Utc::now(), 6),
        created_by: None,
        file_key: Some(store.vault().new_record_key().1),
        identity: true,
    };
    store.add_attachment(&a, &cli).await.unwrap();
    assert_eq!(store.get_complaint(c.id).await.unwrap().unwrap().version, 2);
    assert_eq!(store.list_attachments(c.id).await.unwrap(), vec![a.clone()]);
    assert_eq!(
        store.get_attachment(c.id, a.id).await.unwrap(),
        Some(a.clone())
    );
    assert_eq!(
        store.get_attachment(Uuid::now_v7(), a.id).await.unwrap(),
        None
    );
    let kinds: Vec<String> = store
        .timeline(c.id)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.kind)
        .collect();
    assert_eq!(kinds, ["registered", "attachment_added"]);

    let orphan = Attachment {
        id: Uuid::now_v7(),
        complaint_id: Uuid::now_v7(),
        ..a
    };
    assert!(store.add_attachment(&orphan, &cli).await.is_err());
    assert!(
        store
            .timeline(orphan.complaint_id)
            .await
            .unwrap()
            .is_empty()
    );
}

async fn api_keys_are_found_by_digest_until_revoked(b: Backend) {
    let Some((store, _dir)) = fresh_store(b).await else {
        return;
    };
    let (token, id) = create_key(&store, Role::Liaison, "liaison").await;
    let found = store
        .find_api_key(&aduan::api::auth::token_digest(&token))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (found.id, found.role, found.name.as_str()),
        (id, Role::Liaison, "liaison")
    );
    assert!(store.find_api_key("nope").await.unwrap().is_none());
    assert!(store.revoke_api_key(id, Utc::now()).await.unwrap());
    assert!(!store.revoke_api_key(id, Utc::now()).await.unwrap());
    assert!(
        store
            .find_api_key(&aduan::api::auth::token_digest(&token))
            .await
            .unwrap()
            .is_none()
    );
    let keys = store.list_api_keys().await.unwrap();
    assert_eq!(keys.len(), 1);
    assert!(keys[0].revoked_at.is_some());
}

async fn counts_by_status(b: Backend) {
    let Some((store, _dir)) = fresh_store(b).await else {
        return;
    };
    assert!(store.count_by_status().await.unwrap().is_empty());
    for _ in 0..3 {
        create(
            &store,
            &complaint("a", Utc::now()),
            "ADU",
            2026,
            &Actor::cli(),
            None,
        )
        .await;
    }
    assert_eq!(
        store.count_by_status().await.unwrap(),
        vec![("registered".to_string(), 3)]
    );
}

async fn calendar_changes_move_open_deadlines_in_the_same_transaction(b: Backend) {
    let Some((store, _dir)) = fresh_store(b).await else {
        return;
    };
    let cli = Actor::cli();
    // shipped decreed days are seeded once, idempotently
    let days = store.calendar_days().await.unwrap();
    assert!(
        days.iter()
            .any(|d| d.date.to_string() == "2026-03-20" && d.active && d.source == "decree")
    );
    let again =
        aduan::domain::calendar::parse_decreed(aduan::domain::calendar::DECREED_CSV).unwrap();
    assert_eq!(store.seed_calendar(&again, Utc::now()).await.unwrap(), 0);

    let now = DateTime::parse_from_rfc3339("2026-03-02T02:00:00Z")
        .unwrap()
        .with_timezone(&Utc);
    // received Monday 2026-03-02: 7 working days → Wednesday 2026-03-11
    let open = created(create(&store, &complaint("open", now), "ADU", 2026, &cli, None).await);
    assert_eq!(
        open.due_at.unwrap().to_rfc3339(),
        "2026-03-11T15:59:59+00:00"
    );
    // received a month earlier: already overdue at `now`, never rewritten
    let late = created(
        create(
            &store,
            &complaint("late", now - Duration::days(30)),
            "ADU",
            2026,
            &cli,
            None,
        )
        .await,
    );
    let date = chrono::NaiveDate::from_ymd_opt(2026, 3, 4).unwrap();
    let change = |action| CalendarChange {
        date,
        action,
        reason: "SE 1/2026",
        actor: &cli,
        now,
        timezone: Makassar,
    };
    let add = CalendarAction::Add {
        kind: DayKind::OfficeClosure,
        name: "Banjir".into(),
    };
    let CalendarChangeOutcome::Applied {
        complaints_moved,
        moved,
    } = store.change_calendar(change(add.clone())).await.unwrap()
    else {
        panic!("not applied")
    };
    assert_eq!((complaints_moved, moved.len()), (1, 1));
    assert_eq!(
        (moved[0].complaint_id, moved[0].previous_due_at),
        (open.id, open.due_at)
    );
    assert_eq!(
        store.change_calendar(change(add)).await.unwrap(),
        CalendarChangeOutcome::AlreadyOff
    );
    let moved = store.get_complaint(open.id).await.unwrap().unwrap();
    assert_eq!(
        moved.due_at.unwrap().to_rfc3339(),
        "2026-03-12T15:59:59+00:00"
    );
    assert_eq!(moved.version, 2);
    let events = store.timeline(open.id).await.unwrap();
    assert_eq!(events.last().unwrap().kind, "deadline_changed");
    assert_eq!(store.get_complaint(late.id).await.unwrap().unwrap(), late);
    assert!(matches!(
        store
            .change_calendar(change(CalendarAction::Remove))
            .await
            .unwrap(),
        CalendarChangeOutcome::Applied {
            complaints_moved: 1,
            ..
        }
    ));
    assert_eq!(
        store
            .change_calendar(change(CalendarAction::Remove))
            .await
            .unwrap(),
        CalendarChangeOutcome::NotOff
    );
    assert_eq!(
        store.get_complaint(open.id).await.unwrap().unwrap().due_at,
        open.due_at
    );
    let audit = store.calendar_changes(10).await.unwrap();
    assert_eq!(
        audit
            .iter()
            .map(|c| (c.action.as_str(), c.complaints_moved))
            .collect::<Vec<_>>(),
        [("removed", 1), ("added", 1)]
    );
}

async fn a_job_lease_has_one_holder_until_it_expires(b: Backend) {
    let Some((store, _dir)) = fresh_store(b).await else {
        return;
    };
    let t0 = Utc::now();
    let until = t0 + Duration::minutes(5);
    assert!(
        store
            .acquire_lease("sweep", "replica-a", t0, until)
            .await
            .unwrap()
    );
    assert!(
        !store
            .acquire_lease("sweep", "replica-b", t0 + Duration::minutes(1), until)
            .await
            .unwrap()
    );
    assert!(
        store
            .acquire_lease("digest", "replica-b", t0, until)
            .await
            .unwrap(),
        "leases are per job"
    );
    assert!(
        store
            .acquire_lease(
                "sweep",
                "replica-a",
                t0 + Duration::minutes(1),
                until + Duration::minutes(1)
            )
            .await
            .unwrap(),
        "the holder renews"
    );
    assert!(
        store
            .acquire_lease(
                "sweep",
                "replica-b",
                t0 + Duration::minutes(7),
                t0 + Duration::minutes(12)
            )
            .await
            .unwrap(),
        "an expired lease passes on"
    );
    assert!(
        !store
            .acquire_lease(
                "sweep",
                "replica-a",
                t0 + Duration::minutes(8),
                t0 + Duration::minutes(13)
            )
            .await
            .unwrap()
    );
}

async fn a_paused_clock_moves_the_deadline_by_the_working_days_it_stood_still(b: Backend) {
    use aduan::store::{ClockOp, ClockOutcome};
    let Some((store, _dir)) = fresh_store(b).await else {
        return;
    };
    let cli = Actor::cli();
    let at = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
    // received Monday 2026-03-02 → due Wednesday 2026-03-11
    let c = created(
        create(
            &store,
            &complaint("a", at("2026-03-02T01:00:00Z")),
            "ADU",
            2026,
            &cli,
            None,
        )
        .await,
    );
    let op = |op: ClockOp, when: &str| {
        let store = store.clone();
        let cli = cli.clone();
        let when = at(when);
        async move {
            store
                .adjust_clock(c.id, None, &op, &cli, when, Makassar)
                .await
                .unwrap()
        }
    };
    let pause = ClockOp::Pause {
        reason: "KTP".into(),
    };
    assert!(matches!(
        op(pause.clone(), "2026-03-02T02:00:00Z").await,
        ClockOutcome::Done(_)
    ));
    assert_eq!(
        op(pause, "2026-03-03T02:00:00Z").await,
        ClockOutcome::Conflict("the clock is already paused")
    );
    // a calendar change leaves a paused complaint alone
    let date = chrono::NaiveDate::from_ymd_opt(2026, 3, 9).unwrap();
    let change = CalendarChange {
        date,
        action: CalendarAction::Add {
            kind: DayKind::OfficeClosure,
            name: "x".into(),
        },
        reason: "y",
        actor: &cli,
        now: at("2026-03-03T02:00:00Z"),
        timezone: Makassar,
    };
    let CalendarChangeOutcome::Applied {
        complaints_moved,
        moved,
    } = store.change_calendar(change).await.unwrap()
    else {
        panic!("not applied")
    };
    assert_eq!((complaints_moved, moved.len()), (0, 0));
    // resumed Thursday: Tue, Wed, Thu stood still → 3 working days later; the
    // closure on Monday 9 March adds one more → due Tuesday 2026-03-17
    let ClockOutcome::Done(after) = op(
        ClockOp::Resume {
            reason: "diterima".into(),
        },
        "2026-03-05T02:00:00Z",
    )
    .await
    else {
        panic!("resume");
    };
    assert_eq!(after.extra_working_days, 3);
    assert_eq!(
        after.due_at.unwrap().to_rfc3339(),
        "2026-03-17T15:59:59+00:00"
    );
    assert_eq!(store.get_complaint(c.id).await.unwrap().unwrap(), *after);
    let stale = store
        .adjust_clock(
            c.id,
            Some(1),
            &ClockOp::Extend {
                working_days: 2,
                reason: "r".into(),
            },
            &cli,
            at("2026-03-05T03:00:00Z"),
            Makassar,
        )
        .await
        .unwrap();
    assert_eq!(stale, ClockOutcome::VersionMismatch(after.version));
    let kinds: Vec<String> = store
        .timeline(c.id)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.kind)
        .collect();
    assert_eq!(kinds, ["registered", "clock_paused", "clock_resumed"]);
}

mod org_fixture {
    use aduan::domain::Role;
    use aduan::domain::workflow::{Authority, Held};
    use aduan::store::{DynStore, Officer, OrgOutcome, Position};
    use chrono::Utc;
    use uuid::Uuid;

    pub async fn position(store: &DynStore, title: &str, superior: Option<Uuid>) -> Uuid {
        let p = Position {
            id: Uuid::now_v7(),
            unit_id: None,
            title: title.into(),
            superior_id: superior,
            is_head: superior.is_none(),
            created_at: Utc::now(),
        };
        assert_eq!(store.create_position(&p).await.unwrap(), OrgOutcome::Done);
        p.id
    }

    pub async fn officer(store: &DynStore, name: &str, pos: Uuid, email: &str) -> Uuid {
        let o = Officer {
            id: Uuid::now_v7(),
            name: name.into(),
            nip: None,
            email: Some(email.into()),
            position_id: Some(pos),
            active: true,
            created_at: Utc::now(),
            whatsapp: None,
            whatsapp_alerts: false,
            rank: Some("Penata (III/c)".into()),
        };
        assert_eq!(store.create_officer(&o).await.unwrap(), OrgOutcome::Done);
        // the rank (the letter's signature block) reads back as written
        let back = store.get_officer(o.id).await.unwrap().unwrap();
        assert_eq!(back.rank.as_deref(), Some("Penata (III/c)"));
        o.id
    }

    pub fn holding(officer: Uuid, p: Uuid) -> Authority {
        Authority {
            role: Role::Official,
            officer: Some(officer),
            positions: vec![Held {
                position: p,
                acting: None,
            }],
        }
    }

    pub fn front_office() -> Authority {
        Authority {
            role: Role::Reception,
            officer: None,
            positions: vec![],
        }
    }
}

async fn the_organisation_refuses_duplicates_and_knows_acting_officers(b: Backend) {
    use aduan::domain::workflow::{ActingKind, Held};
    use aduan::store::{ActingAppointment, OrgOutcome, OrgUnit, Position};
    let Some((store, _dir)) = fresh_store(b).await else {
        return;
    };
    let unit = OrgUnit {
        id: Uuid::now_v7(),
        name: "Sekretariat".into(),
        created_at: Utc::now(),
    };
    assert_eq!(store.create_unit(&unit).await.unwrap(), OrgOutcome::Done);
    let again = OrgUnit {
        id: Uuid::now_v7(),
        ..unit.clone()
    };
    assert!(matches!(
        store.create_unit(&again).await.unwrap(),
        OrgOutcome::Duplicate(_)
    ));
    let head = org_fixture::position(&store, "Kepala Dinas", None).await;
    let kabid = org_fixture::position(&store, "Kabid", Some(head)).await;
    let second_head = Position {
        id: Uuid::now_v7(),
        unit_id: None,
        title: "Kepala Dinas Kedua".into(),
        superior_id: None,
        is_head: true,
        created_at: Utc::now(),
    };
    assert_eq!(
        store.create_position(&second_head).await.unwrap(),
        OrgOutcome::Duplicate("the office already has a head position")
    );
    let kadis = org_fixture::officer(&store, "Kadis", head, "kadis@x.go.id").await;
    let plh = org_fixture::officer(&store, "Plh", kabid, "kabid@x.go.id").await;
    let day = chrono::NaiveDate::from_ymd_opt(2026, 3, 10).unwrap();
    store
        .create_acting(&ActingAppointment {
            id: Uuid::now_v7(),
            officer_id: plh,
            position_id: head,
            kind: "plh".into(),
            starts_on: day,
            ends_on: day + Duration::days(2),
            note: None,
            created_at: Utc::now(),
            revoked_at: None,
        })
        .await
        .unwrap();
    let own = Held {
        position: kabid,
        acting: None,
    };
    let acting = Held {
        position: head,
        acting: Some(ActingKind::Plh),
    };
    let on = |d: i64| store.officer_positions(plh, day + Duration::days(d));
    assert_eq!(on(-1).await.unwrap(), Some(vec![own]));
    assert_eq!(on(0).await.unwrap(), Some(vec![own, acting]));
    assert_eq!(on(2).await.unwrap(), Some(vec![own, acting]));
    assert_eq!(on(3).await.unwrap(), Some(vec![own]));
    assert_eq!(
        store
            .position_emails(head, day + Duration::days(1))
            .await
            .unwrap(),
        vec!["kabid@x.go.id".to_string(), "kadis@x.go.id".to_string()]
    );
    assert_eq!(
        store
            .position_emails(head, day + Duration::days(5))
            .await
            .unwrap(),
        vec!["kadis@x.go.id".to_string()]
    );
    // an officer who left holds nothing
    let patch = aduan::store::OfficerPatch {
        active: Some(false),
        ..Default::default()
    };
    let audit = aduan::store::AuthAudit::new("officer_deactivated", Utc::now());
    store
        .update_officer(kadis, &patch, &audit)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(store.officer_positions(kadis, day).await.unwrap(), None);
    assert!(
        store
            .position_emails(head, day + Duration::days(5))
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        store
            .list_acting(day + Duration::days(3))
            .await
            .unwrap()
            .len(),
        0
    );
    assert_eq!(store.list_acting(day).await.unwrap().len(), 1);
}

async fn workflow_actions_are_versioned_and_all_or_nothing(b: Backend) {
    use aduan::domain::workflow::{Command, WorkflowError};
    use aduan::store::{ActOutcome, InboxQuery, WorkflowRequest};
    let Some((store, _dir)) = fresh_store(b).await else {
        return;
    };
    let head = org_fixture::position(&store, "Kepala Dinas", None).await;
    let kabid = org_fixture::position(&store, "Kabid", Some(head)).await;
    let kasi = org_fixture::position(&store, "Kasi", Some(kabid)).await;
    let kadis = org_fixture::officer(&store, "Kadis", head, "kadis@x.go.id").await;
    let o_kabid = org_fixture::officer(&store, "Kabid", kabid, "kabid@x.go.id").await;
    let cli = Actor::cli();
    let c = created(create(&store, &complaint("a", Utc::now()), "ADU", 2026, &cli, None).await);
    let act = |version: i64, cmd: Command, who: aduan::domain::workflow::Authority| {
        let store = store.clone();
        let cli = cli.clone();
        async move {
            store
                .act(WorkflowRequest {
                    id: c.id,
                    expected_version: version,
                    command: &cmd,
                    authority: &who,
                    actor: &cli,
                    now: Utc::now(),
                })
                .await
                .unwrap()
        }
    };
    let forward = Command::ForwardToHead { note: None };
    assert_eq!(
        act(0, forward.clone(), org_fixture::front_office()).await,
        ActOutcome::VersionMismatch(1)
    );
    let ActOutcome::Done(after) = act(1, forward, org_fixture::front_office()).await else {
        panic!("forward")
    };
    assert_eq!(
        (after.status, after.holder_position_id, after.version),
        (Status::WithHead, Some(head), 2)
    );
    let dispose = |to| Command::Dispose {
        to,
        copies: vec![kasi],
        instruction: "siapkan jawaban".into(),
        note: None,
        due_at: None,
    };
    // the Kabid may not dispose what is with the head: nothing is written
    let r = act(2, dispose(kabid), org_fixture::holding(o_kabid, kabid)).await;
    assert!(
        matches!(r, ActOutcome::Refused(WorkflowError::Forbidden(_))),
        "{r:?}"
    );
    let events = store.timeline(c.id).await.unwrap().len();
    assert!(store.dispositions(c.id).await.unwrap().is_empty());
    let ActOutcome::Done(after) = act(2, dispose(kabid), org_fixture::holding(kadis, head)).await
    else {
        panic!("dispose")
    };
    assert_eq!(
        (after.status, after.holder_position_id),
        (Status::Disposed, Some(kabid))
    );
    assert_eq!(store.timeline(c.id).await.unwrap().len(), events + 1);
    let ds = store.dispositions(c.id).await.unwrap();
    assert_eq!(ds.len(), 1);
    assert_eq!(ds[0].recipients.len(), 2);
    assert!(ds[0].recipients[0].is_primary && ds[0].recipients[0].position_id == kabid);
    let stored = store.get_complaint(c.id).await.unwrap().unwrap();
    assert_eq!(stored, *after);
    // the inbox of the Kabid has it; the Kasi has an unread copy
    let q = |p: Uuid| InboxQuery {
        positions: vec![p],
        statuses: vec![],
        after: None,
        limit: 10,
    };
    assert_eq!(store.inbox(&q(kabid)).await.unwrap().len(), 1);
    assert!(store.inbox(&q(kasi)).await.unwrap().is_empty());
    let copies = store.unread_copies(&[kasi], 10).await.unwrap();
    assert_eq!((copies.len(), copies[0].complaint_id), (1, c.id));
    let fronts = InboxQuery {
        positions: vec![],
        statuses: vec![Status::Registered],
        after: None,
        limit: 10,
    };
    assert!(store.inbox(&fronts).await.unwrap().is_empty());
}

async fn concurrent_actions_on_one_version_have_one_winner(b: Backend) {
    use aduan::domain::workflow::Command;
    use aduan::store::{ActOutcome, WorkflowRequest};
    let Some((store, _dir)) = fresh_store(b).await else {
        return;
    };
    let head = org_fixture::position(&store, "Kepala Dinas", None).await;
    let cli = Actor::cli();
    let c = created(create(&store, &complaint("a", Utc::now()), "ADU", 2026, &cli, None).await);
    let tasks: Vec<_> = (0..6)
        .map(|i| {
            let store = store.clone();
            let cli = cli.clone();
            tokio::spawn(async move {
                let cmd = Command::ForwardToHead {
                    note: Some(format!("try {i}")),
                };
                store
                    .act(WorkflowRequest {
                        id: c.id,
                        expected_version: 1,
                        command: &cmd,
                        authority: &org_fixture::front_office(),
                        actor: &cli,
                        now: Utc::now(),
                    })
                    .await
                    .unwrap()
            })
        })
        .collect();
    let mut done = 0;
    for t in tasks {
        match t.await.unwrap() {
            ActOutcome::Done(c) => {
                done += 1;
                assert_eq!(c.holder_position_id, Some(head));
            }
            ActOutcome::VersionMismatch(v) => assert_eq!(v, 2),
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(done, 1);
    let kinds: Vec<String> = store
        .timeline(c.id)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.kind)
        .collect();
    assert_eq!(kinds, vec!["registered", "forwarded_to_head"]);
}

async fn a_message_makes_one_complaint_and_each_reply_is_recorded_once(b: Backend) {
    use aduan::store::InboundMessage;
    let Some((store, _dir)) = fresh_store(b).await else {
        return;
    };
    let cli = Actor::cli();
    let c = complaint("dari email", Utc::now());
    let register = |id: Uuid| {
        let store = store.clone();
        let c = c.clone();
        let cli = cli.clone();
        async move {
            store
                .create_complaint(CreateComplaint {
                    id,
                    complaint: &c,
                    replay_code: "x1:sealed",
                    access_digest: "digest",
                    prefix: &TrackingPrefix::parse("ADU").unwrap(),
                    year: 2026,
                    now: Utc::now(),
                    actor: &cli,
                    deadline: deadline(&c),
                    outbox: None,
                    idempotency: None,
                    source_key: Some("email:m1@example.id"),
                    intake: None,
                })
                .await
                .unwrap()
        }
    };
    let first = created(register(Uuid::now_v7()).await);
    match register(Uuid::now_v7()).await {
        CreateOutcome::DuplicateSource(id) => assert_eq!(id, first.id),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        store.find_inbound("email:m1@example.id").await.unwrap(),
        Some(first.id)
    );
    // the failed second registration burned no tracking number
    let next = created(
        create(
            &store,
            &complaint("lain", Utc::now()),
            "ADU",
            2026,
            &cli,
            None,
        )
        .await,
    );
    assert!(
        next.tracking_number.ends_with("000002"),
        "{}",
        next.tracking_number
    );
    let reply = |key: &'static str| {
        let store = store.clone();
        let cli = cli.clone();
        async move {
            store
                .record_inbound(InboundMessage {
                    source_key: key,
                    complaint_id: first.id,
                    event: "reporter_replied",
                    detail: "{}",
                    actor: &cli,
                    now: Utc::now(),
                    reopen: true,
                    location: None,
                })
                .await
                .unwrap()
        }
    };
    assert!(reply("email:r1@example.id").await.is_some());
    assert!(reply("email:r1@example.id").await.is_none());
    assert!(
        reply("email:m1@example.id").await.is_none(),
        "the original is not its own reply"
    );
    let kinds: Vec<String> = store
        .timeline(first.id)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.kind)
        .collect();
    assert_eq!(kinds, vec!["registered", "reporter_replied"]);
}

/// Accounts: a set-password link works once and ends the sessions; throttles
/// count and lock; a deactivated account's sessions end; a TOTP step and a
/// recovery code are accepted once.
async fn accounts_links_sessions_and_throttles(b: Backend) {
    use aduan::store::{AccountOutcome, AccountPatch, AuthAudit, NewAccount, Session};
    let Some((store, _dir)) = fresh_store(b).await else {
        return;
    };
    let now = chrono::SubsecRound::trunc_subsecs(Utc::now(), 6);
    let a = NewAccount {
        id: Uuid::now_v7(),
        login: "dewi@dinsos.example.go.id".into(),
        role: Role::Reception,
        officer_id: None,
        password_hash: None,
        created_at: now,
    };
    let audit = AuthAudit::new("account_created", now);
    let later = now + Duration::hours(24);
    assert_eq!(
        store
            .create_account(&a, Some(("d1", later)), None, &audit)
            .await
            .unwrap(),
        AccountOutcome::Done
    );
    let again = NewAccount {
        id: Uuid::now_v7(),
        ..a.clone()
    };
    assert_eq!(
        store
            .create_account(&again, None, None, &audit)
            .await
            .unwrap(),
        AccountOutcome::LoginTaken
    );
    let ghost = NewAccount {
        id: Uuid::now_v7(),
        login: "ghost@x.id".into(),
        officer_id: Some(Uuid::now_v7()),
        ..a.clone()
    };
    assert_eq!(
        store
            .create_account(&ghost, None, None, &audit)
            .await
            .unwrap(),
        AccountOutcome::UnknownOfficer
    );
    let session = |id: Uuid| Session {
        id,
        account_id: a.id,
        csrf_token: "csrf".into(),
        created_at: now,
        last_seen_at: now,
        expires_at: later,
        ended_at: None,
        address: Some("127.0.0.1".into()),
        user_agent: None,
    };
    let s1 = Uuid::now_v7();
    store
        .create_session(
            &session(s1),
            "sd1",
            &["login:dewi"],
            &AuthAudit::new("sign_in", now),
        )
        .await
        .unwrap();
    assert!(store.find_session("sd1").await.unwrap().is_some());
    // the link: expired → nothing; live → once, and the sessions end
    let set = AuthAudit::new("password_set", now);
    assert!(
        store
            .use_password_token("d1", "$argon2id$x", later + Duration::seconds(1), &set)
            .await
            .unwrap()
            .is_none()
    );
    let acc = store
        .use_password_token("d1", "$argon2id$x", now, &set)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(acc.password_hash.as_deref(), Some("$argon2id$x"));
    assert!(
        store
            .use_password_token("d1", "$argon2id$y", now, &set)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        store.find_session("sd1").await.unwrap().is_none(),
        "a new password ends sessions"
    );
    // throttles count both scopes and lock only the name
    for i in 1..=3 {
        let rows = store
            .throttle_failed(
                &["login:dewi", "addr:10.0.0.1"],
                "login:dewi",
                3,
                now - chrono::Duration::minutes(15),
                now,
            )
            .await
            .unwrap();
        let login = rows.iter().find(|r| r.scope == "login:dewi").unwrap();
        assert_eq!(login.failures, i);
        assert_eq!(login.locked_at.is_some(), i == 3);
        assert!(
            rows.iter()
                .find(|r| r.scope == "addr:10.0.0.1")
                .unwrap()
                .locked_at
                .is_none()
        );
    }
    // a failure after the window starts the count again and lifts the lock
    let later = now + chrono::Duration::minutes(16);
    let rows = store
        .throttle_failed(
            &["login:dewi", "addr:10.0.0.1"],
            "login:dewi",
            3,
            later - chrono::Duration::minutes(15),
            later,
        )
        .await
        .unwrap();
    for r in &rows {
        assert_eq!((r.failures, r.locked_at), (1, None), "{}", r.scope);
    }
    // an admin's unlock forgets the name and its per-address counts, not others'
    store
        .throttle_failed(
            &[
                "pair:dewi|10.0.0.1",
                "pair:dewian|10.0.0.1",
                "pair:dewi|10.0.0.2",
            ],
            "login:dewi",
            3,
            later - chrono::Duration::minutes(15),
            later,
        )
        .await
        .unwrap();
    assert!(
        store
            .throttle_clear(&["login:dewi"], Some("pair:dewi|"))
            .await
            .unwrap()
    );
    let left: Vec<String> = store
        .throttles(&[
            "login:dewi",
            "addr:10.0.0.1",
            "pair:dewi|10.0.0.1",
            "pair:dewian|10.0.0.1",
            "pair:dewi|10.0.0.2",
        ])
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.scope)
        .collect();
    assert_eq!(left.len(), 2, "{left:?}");
    assert!(left.contains(&"addr:10.0.0.1".to_string()));
    assert!(left.contains(&"pair:dewian|10.0.0.1".to_string()));
    // TOTP steps and recovery codes are accepted once
    store
        .enable_totp(
            a.id,
            100,
            &["r1".into(), "r2".into()],
            &AuthAudit::new("totp_enabled", now),
        )
        .await
        .unwrap();
    assert!(!store.use_totp_step(a.id, 100).await.unwrap());
    assert!(store.use_totp_step(a.id, 101).await.unwrap());
    assert!(store.use_recovery_code(a.id, "r1", now).await.unwrap());
    assert!(!store.use_recovery_code(a.id, "r1", now).await.unwrap());
    assert_eq!(store.count_recovery_codes(a.id).await.unwrap(), 1);
    // deactivation ends the sessions in the same change
    let s2 = Uuid::now_v7();
    store
        .create_session(&session(s2), "sd2", &[], &AuthAudit::new("sign_in", now))
        .await
        .unwrap();
    let patch = AccountPatch {
        active: Some(false),
        ..Default::default()
    };
    let off = store
        .update_account(a.id, &patch, &AuthAudit::new("account_changed", now))
        .await
        .unwrap()
        .unwrap();
    assert!(!off.active);
    assert!(store.find_session("sd2").await.unwrap().is_none());
    assert!(store.list_sessions(a.id).await.unwrap().is_empty());
    let kinds: Vec<String> = store
        .list_audit(None, 50)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.kind)
        .collect();
    assert!(
        kinds.contains(&"password_set".to_string())
            && kinds.contains(&"account_changed".to_string())
    );
}

/// The store of a fresh database, and its URL to look under it.
async fn store_and_raw(b: Backend) -> Option<(DynStore, String, TempDir)> {
    let (url, dir) = fresh_database(b).await?;
    let vault = std::sync::Arc::new(aduan::vault::Vault::ephemeral());
    let store = aduan::store::connect(&url, 4, std::time::Duration::from_secs(5), vault)
        .await
        .unwrap();
    aduan::store::prepare(store.as_ref()).await.unwrap();
    Some((store, url, dir))
}

/// Runs SQL on the database directly (to make a row look as it did before
/// a migration).
async fn raw_exec(url: &str, sql: &str) {
    if url.starts_with("sqlite:") {
        let pool = sqlx::SqlitePool::connect(url).await.unwrap();
        sqlx::query(sql).execute(&pool).await.unwrap();
    } else {
        let pool = sqlx::PgPool::connect(url).await.unwrap();
        sqlx::query(sql).execute(&pool).await.unwrap();
    }
}

fn with_reporter(r: aduan::domain::Reporter) -> NewComplaint {
    let mut c = complaint("Bantuan belum cair", Utc::now());
    c.reporter = r;
    c
}

fn dewi() -> aduan::domain::Reporter {
    aduan::domain::Reporter {
        name: Some("Dewi Lestari".into()),
        id_number: Some("5371014101900001".into()),
        phone: Some("0812-3456-7890".into()),
        email: Some("Dewi@Example.id".into()),
        address: Some("Jl. Timor Raya".into()),
    }
}

/// Two text columns of every row `sql` selects, as stored (bypassing the store).
async fn raw_pairs(url: &str, sql: &str) -> Vec<(Option<String>, Option<String>)> {
    if url.starts_with("sqlite:") {
        let pool = sqlx::SqlitePool::connect(url).await.unwrap();
        sqlx::query_as(sql).fetch_all(&pool).await.unwrap()
    } else {
        let pool = sqlx::PgPool::connect(url).await.unwrap();
        sqlx::query_as(sql).fetch_all(&pool).await.unwrap()
    }
}

/// The stored reporter name and email of the only complaint, as they are.
async fn raw_reporter(url: &str) -> (Option<String>, Option<String>) {
    raw_pairs(url, "SELECT reporter_name, reporter_email FROM complaints")
        .await
        .remove(0)
}

async fn identities_are_stored_encrypted_and_found_by_their_blind_index(b: Backend) {
    use aduan::domain::identity::IdentityKind::*;
    let Some((store, raw, _dir)) = store_and_raw(b).await else {
        return;
    };
    let cli = Actor::cli();
    let c = created(create(&store, &with_reporter(dewi()), "ADU", 2026, &cli, None).await);
    assert_eq!(
        c.reporter,
        dewi(),
        "the registration answers with the plaintext"
    );
    assert_eq!(
        store.get_complaint(c.id).await.unwrap().unwrap().reporter,
        dewi()
    );
    let (name, email) = raw_reporter(&raw).await;
    for v in [name.unwrap(), email.unwrap()] {
        assert!(v.starts_with("e1:") && !v.contains("Dewi"), "{v}");
    }
    for q in [
        vec![(Phone, "+62 812 3456 7890".to_string())],
        vec![(Email, "dewi@example.ID".to_string())],
        vec![(IdNumber, "5371 0141 0190 0001".to_string())],
        vec![
            (Email, "someone@else.id".to_string()),
            (Phone, "081234567890".to_string()),
        ],
    ] {
        let found = store.find_by_identity(&q, 10).await.unwrap();
        assert_eq!(found.len(), 1, "{q:?}");
        assert_eq!(found[0].id, c.id);
    }
    assert!(
        store
            .find_by_identity(&[(Email, "dewi@example.com".into())], 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(store.find_by_identity(&[], 10).await.unwrap().is_empty());
}

async fn rows_from_before_encryption_are_read_and_sealed_once(b: Backend) {
    use aduan::domain::identity::IdentityKind::*;
    let Some((store, raw, _dir)) = store_and_raw(b).await else {
        return;
    };
    let cli = Actor::cli();
    let c = created(create(&store, &with_reporter(dewi()), "ADU", 2026, &cli, None).await);
    // as a row written before migration 0011 looks
    raw_exec(
        &raw,
        "UPDATE complaints SET dek = NULL, reporter_name = 'Dewi Lama', \
         reporter_email = 'lama@example.id', reporter_id_number = NULL, reporter_phone = NULL, \
         reporter_address = NULL, id_number_bidx = NULL, phone_bidx = NULL, email_bidx = NULL",
    )
    .await;
    let got = store.get_complaint(c.id).await.unwrap().unwrap();
    assert_eq!(got.reporter.name.as_deref(), Some("Dewi Lama"));
    assert!(
        store
            .find_by_identity(&[(Email, "lama@example.id".into())], 10)
            .await
            .unwrap()
            .is_empty(),
        "not in the blind index yet"
    );
    assert_eq!(store.seal_legacy_complaints(100).await.unwrap(), 1);
    assert_eq!(store.seal_legacy_complaints(100).await.unwrap(), 0);
    let (name, _) = raw_reporter(&raw).await;
    assert!(name.unwrap().starts_with("e1:"));
    let got = store.get_complaint(c.id).await.unwrap().unwrap();
    assert_eq!(got.reporter.name.as_deref(), Some("Dewi Lama"));
    assert_eq!(got.reporter.email.as_deref(), Some("lama@example.id"));
    let found = store
        .find_by_identity(&[(Email, "LAMA@example.id".into())], 10)
        .await
        .unwrap();
    assert_eq!(found.len(), 1);
}

async fn erasure_happens_once_and_keeps_the_record(b: Backend) {
    use aduan::domain::identity::IdentityKind::*;
    let Some((store, _raw, _dir)) = store_and_raw(b).await else {
        return;
    };
    let cli = Actor::cli();
    let mut n = with_reporter(dewi());
    n.body = "Saya Dewi Lestari, telepon 081234567890.".into();
    let c = created(create(&store, &n, "ADU", 2026, &cli, None).await);
    let gone = store
        .anonymise(c.id, r#"{"reason":"test"}"#, &cli, Utc::now())
        .await
        .unwrap();
    assert_eq!(gone, Some(vec![]));
    assert_eq!(
        store.anonymise(c.id, "{}", &cli, Utc::now()).await.unwrap(),
        None,
        "a second erasure changes nothing"
    );
    assert_eq!(
        store
            .anonymise(Uuid::now_v7(), "{}", &cli, Utc::now())
            .await
            .unwrap(),
        None
    );
    let after = store.get_complaint(c.id).await.unwrap().unwrap();
    assert!(after.reporter.is_empty());
    assert_eq!(after.body, "Saya [dihapus], telepon [dihapus].");
    assert_eq!(after.version, c.version + 1);
    assert!(
        store
            .find_by_identity(&[(Phone, "081234567890".into())], 10)
            .await
            .unwrap()
            .is_empty()
    );
    let kinds: Vec<String> = store
        .timeline(c.id)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.kind)
        .collect();
    assert_eq!(kinds, ["registered", "personal_data_erased"]);
}

async fn expired_records_are_purged_but_not_what_open_complaints_need(b: Backend) {
    let Some((store, _raw, _dir)) = store_and_raw(b).await else {
        return;
    };
    let (_, key_id) = create_key(&store, Role::Reception, "loket").await;
    let loket = Actor {
        key_id: Some(key_id),
        name: "loket".into(),
        role: Role::Reception,
        officer: None,
    };
    let c = created(
        create(
            &store,
            &complaint("a", Utc::now()),
            "ADU",
            2026,
            &loket,
            Some(("k1", "h1")),
        )
        .await,
    );
    let long_ago = Utc::now() - Duration::days(400);
    let item = |dedup: &str, complaint_id: Option<Uuid>| aduan::store::NewOutbox {
        id: Uuid::now_v7(),
        kind: "digest_email".into(),
        dedup_key: dedup.into(),
        complaint_id,
        payload: r#"{"to":"kepala@dinsos.example.id"}"#.into(),
    };
    store
        .enqueue_outbox(
            &[item("digest:old", None), item("reminder:open", Some(c.id))],
            None,
            long_ago,
        )
        .await
        .unwrap();
    let claimed = store
        .claim_outbox(
            long_ago,
            long_ago + Duration::minutes(2),
            10,
            &["digest_email"],
            "worker-1",
        )
        .await
        .unwrap();
    assert_eq!(claimed.len(), 2);
    assert_eq!(
        claimed[0].payload, r#"{"to":"kepala@dinsos.example.id"}"#,
        "opened for the courier"
    );
    for i in &claimed {
        store.outbox_sent(i.id, long_ago).await.unwrap();
    }
    let (idem, sent) = store
        .purge_expired_records(Utc::now() + Duration::days(1))
        .await
        .unwrap();
    assert_eq!(
        (idem, sent),
        (1, 1),
        "the reminder of an open complaint stays (its natural key)"
    );
    let left: Vec<String> = store
        .list_outbox(None, 10)
        .await
        .unwrap()
        .into_iter()
        .map(|i| i.dedup_key)
        .collect();
    assert_eq!(left, ["reminder:open"]);
}

/// The dashboard's figures and the lists its numbers link to agree: overdue
/// by holder (and "not forwarded yet"), due this week, LAPOR! follow-ups at
/// risk; and the inbox's batched look-up finds the disposition that sent a
/// complaint to a position.
async fn the_dashboard_counts_what_its_lists_list(b: Backend) {
    use aduan::domain::workflow::Command;
    use aduan::store::{ActOutcome, DashboardQuery, DeadlineQuery, WorkflowRequest};
    let Some((store, _dir)) = fresh_store(b).await else {
        return;
    };
    let head = org_fixture::position(&store, "Kepala Dinas", None).await;
    let kabid = org_fixture::position(&store, "Kabid", Some(head)).await;
    let kadis = org_fixture::officer(&store, "Kadis", head, "kadis@x.go.id").await;
    let cli = Actor::cli();
    let now = Utc::now();
    let old = now - Duration::days(40);
    let mk = |subject: &str, at: DateTime<Utc>, lapor: bool| {
        NewComplaint::parse(
            ComplaintInput {
                channel: Some(if lapor { "lapor" } else { "api" }.into()),
                subject: Some(subject.into()),
                body: Some("isi".into()),
                received_at: Some(at.to_rfc3339()),
                anonymous: Some(lapor),
                external_ref: lapor.then(|| aduan::domain::ExternalRefInput {
                    lapor_tracking_id: Some("4410001".into()),
                    ..Default::default()
                }),
                ..Default::default()
            },
            now,
        )
        .unwrap()
    };
    // two overdue at reception, one overdue with the head then disposed to
    // the Kabid, one due within the week, one LAPOR! report late on LAPOR!
    let mut ids = Vec::new();
    for (subject, at, lapor) in [
        ("a", old, false),
        ("b", old, false),
        ("c", old, false),
        ("d", now - Duration::hours(1), false),
        ("e", old, true),
    ] {
        ids.push(created(
            create(&store, &mk(subject, at, lapor), "ADU", 2026, &cli, None).await,
        ));
    }
    let act = |c: &aduan::store::Complaint, version: i64, cmd: Command, who| {
        let store = store.clone();
        let cli = cli.clone();
        let id = c.id;
        async move {
            match store
                .act(WorkflowRequest {
                    id,
                    expected_version: version,
                    command: &cmd,
                    authority: &who,
                    actor: &cli,
                    now: Utc::now(),
                })
                .await
                .unwrap()
            {
                ActOutcome::Done(c) => c.version,
                other => panic!("{other:?}"),
            }
        }
    };
    let c = &ids[2];
    let v = act(
        c,
        c.version,
        Command::ForwardToHead { note: None },
        org_fixture::front_office(),
    )
    .await;
    act(
        c,
        v,
        Command::Dispose {
            to: kabid,
            copies: vec![],
            instruction: "segera tindak lanjuti".into(),
            note: Some("hubungi pelapor".into()),
            due_at: None,
        },
        org_fixture::holding(kadis, head),
    )
    .await;
    let due_d = ids[3].due_at.unwrap();
    let week = now + Duration::days(7);
    let q = DashboardQuery {
        now,
        soon_before: week,
        lapor_before: now + Duration::days(2),
    };
    let f = store.dashboard_figures(&q).await.unwrap();
    let mut overdue = f.overdue_by_holder.clone();
    overdue.sort();
    // a, b and the LAPOR! report at reception; c with the Kabid
    assert_eq!(overdue, vec![(None, 3), (Some(kabid), 1)], "{f:?}");
    let soon: i64 = f.soon_by_holder.iter().map(|r| r.1).sum();
    assert_eq!(soon, i64::from(due_d < week), "{f:?}");
    assert_eq!((f.lapor_at_risk, f.lapor_late), (1, 1));
    let total: i64 = f.by_status.iter().map(|r| r.1).sum();
    assert_eq!(total, 5);
    // the lists behind the numbers
    let list = |holders: Vec<Uuid>, lapor_followup: bool, before: DateTime<Utc>| {
        let store = store.clone();
        async move {
            let mut ids: Vec<Uuid> = store
                .list_by_deadline(&DeadlineQuery {
                    due_from: None,
                    due_before: before,
                    channel: None,
                    holders,
                    lapor_followup,
                    after: None,
                    limit: 10,
                })
                .await
                .unwrap()
                .into_iter()
                .map(|c| c.id)
                .collect();
            ids.sort();
            ids
        }
    };
    let sorted = |mut v: Vec<Uuid>| {
        v.sort();
        v
    };
    assert_eq!(
        list(vec![Uuid::nil()], false, now).await,
        sorted(vec![ids[0].id, ids[1].id, ids[4].id])
    );
    assert_eq!(list(vec![kabid], false, now).await, vec![ids[2].id]);
    assert_eq!(list(vec![Uuid::nil(), kabid], false, now).await.len(), 4);
    assert!(list(vec![head], false, now).await.is_empty());
    assert_eq!(list(vec![], true, q.lapor_before).await, vec![ids[4].id]);
    // the inbox's batched look-up
    let to = store
        .dispositions_to(&[(ids[2].id, kabid), (ids[2].id, head), (ids[0].id, kabid)])
        .await
        .unwrap();
    assert_eq!(to.len(), 1, "{to:?}");
    assert_eq!(
        (
            to[0].complaint_id,
            to[0].instruction.as_str(),
            to[0].note.as_deref()
        ),
        (ids[2].id, "segera tindak lanjuti", Some("hubungi pelapor"))
    );
    assert!(store.dispositions_to(&[]).await.unwrap().is_empty());
}

async fn survey_responses_are_one_per_key_and_summed_by_day_channel_and_unit(b: Backend) {
    use aduan::domain::skm::Survey;
    use aduan::store::{SurveyQuery, SurveyRecord};
    let Some((store, _dir)) = fresh_store(b).await else {
        return;
    };
    let unit = Uuid::now_v7();
    let day = |d: u32| chrono::NaiveDate::from_ymd_opt(2026, 3, d).unwrap();
    let record =
        |key: &str, d: u32, channel: &str, unit_id: Option<Uuid>, a: [u8; 9]| SurveyRecord {
            id: Uuid::now_v7(),
            complaint_key: key.into(),
            submitted_on: day(d),
            channel: channel.into(),
            unit_id,
            survey: Survey {
                answers: a,
                sex: Some("p".into()),
                age_group: None,
                education: None,
                occupation: None,
                suggestion: Some("Lebih cepat".into()),
            },
        };
    assert!(!store.survey_submitted("k1").await.unwrap());
    assert!(
        store
            .submit_survey(&record("k1", 2, "letter", Some(unit), [4; 9]))
            .await
            .unwrap()
    );
    assert!(store.survey_submitted("k1").await.unwrap());
    // the same complaint's key again: nothing written
    assert!(
        !store
            .submit_survey(&record("k1", 3, "letter", None, [1; 9]))
            .await
            .unwrap()
    );
    assert!(
        store
            .submit_survey(&record(
                "k2",
                20,
                "email",
                None,
                [2, 3, 3, 3, 3, 3, 3, 3, 3]
            ))
            .await
            .unwrap()
    );
    let all = store.survey_sums(&SurveyQuery::default()).await.unwrap();
    assert_eq!(all, (2, [6, 7, 7, 7, 7, 7, 7, 7, 7]));
    let q = |from: u32, to: u32| SurveyQuery {
        from: Some(day(from)),
        to: Some(day(to)),
        ..Default::default()
    };
    assert_eq!(
        store.survey_sums(&q(1, 2)).await.unwrap().0,
        1,
        "the days are inclusive"
    );
    assert_eq!(store.survey_sums(&q(3, 19)).await.unwrap().0, 0);
    let by = |channel: Option<&str>, unit_id: Option<Uuid>| SurveyQuery {
        channel: channel.map(str::to_string),
        unit_id,
        ..Default::default()
    };
    assert_eq!(
        store.survey_sums(&by(Some("email"), None)).await.unwrap(),
        (1, [2, 3, 3, 3, 3, 3, 3, 3, 3])
    );
    assert_eq!(store.survey_sums(&by(None, Some(unit))).await.unwrap().0, 1);
    assert_eq!(
        store.survey_sums(&by(Some("lapor"), None)).await.unwrap(),
        (0, [0; 9])
    );
}

async fn categories_are_one_per_key_and_setting_one_is_versioned_with_its_event(b: Backend) {
    use aduan::domain::category::{Category, key};
    use aduan::store::CategoryOutcome;
    let Some((store, _dir)) = fresh_store(b).await else {
        return;
    };
    let cat = |name: &str| Category {
        key: key(name),
        name: name.into(),
        active: true,
    };
    assert!(store.add_category(&cat("Kartu Lansia")).await.unwrap());
    assert!(
        !store.add_category(&cat("kartu   LANSIA")).await.unwrap(),
        "one per key"
    );
    assert!(store.add_category(&cat("Bantuan Sosial")).await.unwrap());
    assert!(
        store
            .set_category_active("kartu lansia", false)
            .await
            .unwrap()
    );
    assert!(!store.set_category_active("tidak ada", true).await.unwrap());
    let list = store.list_categories().await.unwrap();
    assert_eq!(
        list.iter()
            .map(|c| (c.name.as_str(), c.active))
            .collect::<Vec<_>>(),
        [("Bantuan Sosial", true), ("Kartu Lansia", false)]
    );
    let cli = Actor::cli();
    let c = created(create(&store, &complaint("a", Utc::now()), "ADU", 2026, &cli, None).await);
    let now = Utc::now();
    match store
        .set_complaint_category(c.id, Some(1), Some("Bantuan Sosial"), &cli, now)
        .await
        .unwrap()
    {
        CategoryOutcome::Done(d) => {
            assert_eq!(
                (d.category.as_deref(), d.version),
                (Some("Bantuan Sosial"), 2)
            )
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        store
            .set_complaint_category(c.id, Some(1), None, &cli, now)
            .await
            .unwrap(),
        CategoryOutcome::Stale(2)
    ));
    assert!(matches!(
        store
            .set_complaint_category(Uuid::now_v7(), None, None, &cli, now)
            .await
            .unwrap(),
        CategoryOutcome::NotFound
    ));
    let kinds: Vec<String> = store
        .timeline(c.id)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.kind)
        .collect();
    assert_eq!(
        kinds,
        ["registered", "category_set"],
        "one event, none for the refusals"
    );
    assert_eq!(store.category_original(c.id).await.unwrap(), None);
}

async fn notification_reads_are_kept_per_account_and_pruned(b: Backend) {
    let Some((store, _dir)) = fresh_store(b).await else {
        return;
    };
    let cli = Actor::cli();
    let c = created(create(&store, &complaint("a", Utc::now()), "ADU", 2026, &cli, None).await);
    let events = store
        .events_of(
            &[c.id],
            &["registered", "disposed"],
            Utc::now() - Duration::days(1),
        )
        .await
        .unwrap();
    assert_eq!(events.len(), 1);
    assert!(
        store
            .events_of(&[c.id], &["disposed"], Utc::now() - Duration::days(1))
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        store
            .events_of(&[c.id], &["registered"], Utc::now() + Duration::days(1))
            .await
            .unwrap()
            .is_empty(),
        "only since"
    );
    let (me, other) = (Uuid::now_v7(), Uuid::now_v7());
    let e = events[0].id;
    let old = Utc::now() - Duration::days(40);
    store.mark_notifications_read(me, &[e], old).await.unwrap();
    store
        .mark_notifications_read(me, &[e], Utc::now())
        .await
        .unwrap();
    assert_eq!(store.read_notifications(me, &[e]).await.unwrap(), vec![e]);
    assert!(
        store
            .read_notifications(other, &[e])
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        store
            .prune_notification_reads(Utc::now() - Duration::days(31))
            .await
            .unwrap(),
        1,
        "the first read is kept (again is harmless), then pruned"
    );
    assert!(store.read_notifications(me, &[e]).await.unwrap().is_empty());
}

/// Telegram: the chat a complaint's messages go back to is the claim's
/// address, and the number a sender shared is kept for their complaints;
/// both are sealed at rest, and an erasure takes both.
async fn a_conversation_keeps_its_address_and_shared_number_sealed_until_erased(b: Backend) {
    let Some((store, url, _dir)) = store_and_raw(b).await else {
        return;
    };
    let cli = Actor::cli();
    let c = created(
        create(
            &store,
            &complaint("lewat Telegram", Utc::now()),
            "ADU",
            2026,
            &cli,
            None,
        )
        .await,
    );
    let (channel, tag) = ("telegram", "tag-5550001");
    store.chat_touch(channel, tag, Utc::now()).await.unwrap();
    store
        .chat_set_phone(channel, tag, "+6281234567890")
        .await
        .unwrap();
    assert!(
        store
            .chat_claim(channel, tag, 1, c.id, Utc::now(), Some("5550001"))
            .await
            .unwrap()
    );
    assert!(
        !store
            .chat_claim(channel, tag, 1, Uuid::now_v7(), Utc::now(), Some("5550001"))
            .await
            .unwrap(),
        "one claim per conversation number"
    );
    assert_eq!(
        store.chat_address(c.id).await.unwrap().as_deref(),
        Some("5550001")
    );
    assert_eq!(store.chat_address(Uuid::now_v7()).await.unwrap(), None);
    let state = store.chat_state(channel, tag).await.unwrap();
    assert_eq!(state.phone.as_deref(), Some("+6281234567890"));
    assert_eq!(state.thread.map(|t| t.complaint_id), Some(c.id));
    // sealed at rest: neither the chat id nor the number is in the rows
    let raw = raw_pairs(
        &url,
        "SELECT t.address, k.phone FROM chat_threads t JOIN chat_contacts k \
         ON k.channel = t.channel AND k.sender_tag = t.sender_tag",
    )
    .await
    .remove(0);
    let (address, phone) = (raw.0.unwrap(), raw.1.unwrap());
    assert!(
        !address.contains("5550001") && !phone.contains("81234567890"),
        "{address} {phone}"
    );
    // erased: no way back to the chat, no number kept
    store.anonymise(c.id, "{}", &cli, Utc::now()).await.unwrap();
    assert_eq!(store.chat_address(c.id).await.unwrap(), None);
    assert_eq!(store.chat_state(channel, tag).await.unwrap().phone, None);
}

/// Rotating the master key re-seals a conversation's address and shared
/// number too: the old key can be retired and both still open.
async fn a_conversations_sealed_values_follow_a_key_rotation(b: Backend) {
    let Some((url, dir)) = fresh_database(b).await else {
        return;
    };
    let (vault, _) = aduan::vault::Vault::load_or_create(&dir.0.join("secret.key")).unwrap();
    let vault = std::sync::Arc::new(vault);
    let store = aduan::store::connect(&url, 4, std::time::Duration::from_secs(5), vault.clone())
        .await
        .unwrap();
    aduan::store::prepare(store.as_ref()).await.unwrap();
    let cli = Actor::cli();
    let c = created(
        create(
            &store,
            &complaint("lewat Telegram", Utc::now()),
            "ADU",
            2026,
            &cli,
            None,
        )
        .await,
    );
    let (channel, tag) = ("telegram", "tag-5550009");
    store.chat_touch(channel, tag, Utc::now()).await.unwrap();
    store
        .chat_set_phone(channel, tag, "+6281234567899")
        .await
        .unwrap();
    assert!(
        store
            .chat_claim(channel, tag, 1, c.id, Utc::now(), Some("5550009"))
            .await
            .unwrap()
    );
    assert_eq!(vault.add_master_key().unwrap(), 2);
    tokio::time::sleep(2 * aduan::vault::CHECK_EVERY).await;
    let r = aduan::app::vault::reseal_all(store.as_ref(), &mut |_, _| {})
        .await
        .unwrap();
    assert_eq!(r.failed, 0, "{r:?}");
    assert_eq!(
        store.count_sealed_by(1, true).await.unwrap(),
        0,
        "nothing left under key 1"
    );
    vault.remove_master_key(1).unwrap();
    tokio::time::sleep(2 * aduan::vault::CHECK_EVERY).await;
    assert_eq!(
        store.chat_address(c.id).await.unwrap().as_deref(),
        Some("5550009")
    );
    assert_eq!(
        store
            .chat_state(channel, tag)
            .await
            .unwrap()
            .phone
            .as_deref(),
        Some("+6281234567899")
    );
}

/// The guest book: numbers per office day, one visit per form token, a
/// visit moves forward only and from the version seen, priority first,
/// who came sealed at rest, escalated and linked once, purged by date.
async fn visits_are_numbered_per_day_move_forward_once_and_are_sealed(b: Backend) {
    use aduan::domain::visit::{NewVisit, Priority, Purpose, VisitState};
    use aduan::store::NewVisitRow;
    let Some((store, url, _dir)) = store_and_raw(b).await else {
        return;
    };
    let day = chrono::NaiveDate::from_ymd_opt(2026, 12, 7).unwrap();
    let visit = |name: &str, priority: Option<Priority>| NewVisit {
        name: name.into(),
        phone: Some("081339001122".into()),
        email: None,
        origin: Some("Kelurahan Oebobo".into()),
        purpose: Purpose::MeetOfficial,
        position_id: None,
        priority,
        assistance: priority.map(|_| "kursi roda".to_string()),
        note: None,
    };
    let at = |m: i64| Utc::now() - Duration::minutes(60 - m);
    let plain = visit("Yohanes Bria", None);
    let first = store
        .insert_visit(&NewVisitRow {
            id: Uuid::now_v7(),
            day,
            arrived_at: at(0),
            visit: &plain,
            created_by: "loket",
            form_key: None,
        })
        .await
        .unwrap();
    let prio = visit("Maria Goreti", Some(Priority::Disability));
    let row = NewVisitRow {
        id: Uuid::now_v7(),
        day,
        arrived_at: at(5),
        visit: &prio,
        created_by: "tamu",
        form_key: Some("tamu:abc"),
    };
    let second = store.insert_visit(&row).await.unwrap();
    let again = store
        .insert_visit(&NewVisitRow {
            id: Uuid::now_v7(),
            ..row
        })
        .await
        .unwrap();
    assert_eq!(again.id, second.id, "the same form records once");
    assert_eq!((first.seq, second.seq), (1, 2));
    assert_eq!(second.number(), "T-1207-002");
    let next_day = store
        .insert_visit(&NewVisitRow {
            id: Uuid::now_v7(),
            day: day.succ_opt().unwrap(),
            arrived_at: Utc::now(),
            visit: &plain,
            created_by: "loket",
            form_key: None,
        })
        .await
        .unwrap();
    assert_eq!(next_day.seq, 1, "numbers start again each day");
    let list = store.visits_on(day).await.unwrap();
    assert_eq!(
        list.iter().map(|v| v.name.as_str()).collect::<Vec<_>>(),
        ["Maria Goreti", "Yohanes Bria"],
        "priority first"
    );
    assert_eq!(list[0].assistance.as_deref(), Some("kursi roda"));
    // forward only, from the version seen
    let now = Utc::now();
    assert!(
        store
            .set_visit_state(second.id, second.version, VisitState::Done, None, now)
            .await
            .unwrap()
            .is_none(),
        "served before done"
    );
    let serving = store
        .set_visit_state(
            second.id,
            second.version,
            VisitState::Serving,
            Some("Agnes Kabid"),
            now,
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (serving.state, serving.served_by.as_deref()),
        (VisitState::Serving, Some("Agnes Kabid"))
    );
    assert!(serving.started_at.is_some());
    assert!(
        store
            .set_visit_state(second.id, second.version, VisitState::Cancelled, None, now)
            .await
            .unwrap()
            .is_none(),
        "a stale version changes nothing"
    );
    let done = store
        .set_visit_state(second.id, serving.version, VisitState::Done, None, now)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(done.state, VisitState::Done);
    assert_eq!(done.served_by.as_deref(), Some("Agnes Kabid"));
    // escalated and linked once
    assert!(store.mark_visit_escalated(first.id, now).await.unwrap());
    assert!(!store.mark_visit_escalated(first.id, now).await.unwrap());
    assert!(
        !store.mark_visit_escalated(second.id, now).await.unwrap(),
        "not waiting"
    );
    let c = created(
        create(
            &store,
            &complaint("dari tamu", Utc::now()),
            "ADU",
            2026,
            &Actor::cli(),
            None,
        )
        .await,
    );
    assert!(store.link_visit_complaint(second.id, c.id).await.unwrap());
    assert!(!store.link_visit_complaint(second.id, c.id).await.unwrap());
    assert_eq!(
        store
            .get_visit(second.id)
            .await
            .unwrap()
            .unwrap()
            .complaint_id,
        Some(c.id)
    );
    assert_eq!(
        store
            .waiting_visits(Utc::now() - Duration::days(1))
            .await
            .unwrap()
            .len(),
        2
    );
    // sealed at rest
    let raw = raw_pairs(&url, "SELECT name, assistance FROM visits").await;
    assert!(
        raw.iter().all(|(n, a)| n
            .as_deref()
            .is_some_and(|n| !n.contains("Maria") && !n.contains("Yohanes"))
            && a.as_deref().is_none_or(|a| !a.contains("kursi"))),
        "{raw:?}"
    );
    // the report's facts: plain columns only, the day's visits
    let facts = store.visit_facts(day, day).await.unwrap();
    assert_eq!(facts.len(), 2);
    assert!(facts.iter().all(|f| f.day == day));
    assert!(
        store
            .visit_facts(day + Duration::days(2), day + Duration::days(9))
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        store
            .visit_facts(day, day + Duration::days(1))
            .await
            .unwrap()
            .len(),
        3,
        "two that day and one the next"
    );
    // erasure on request: the details go, the visit stays (its name sealed still)
    assert!(store.erase_visit(second.id).await.unwrap());
    let erased = store.get_visit(second.id).await.unwrap().unwrap();
    assert_eq!(erased.name, aduan::domain::visit::ERASED_NAME);
    assert_eq!(
        (erased.phone, erased.email, erased.origin, erased.assistance),
        (None, None, None, None)
    );
    assert!(!store.erase_visit(uuid::Uuid::now_v7()).await.unwrap());
    let raw = raw_pairs(&url, "SELECT name, phone FROM visits").await;
    assert!(
        raw.iter()
            .all(|(n, _)| n.as_deref().is_some_and(|n| !n.contains("dihapus"))),
        "{raw:?}"
    );
    // retention
    assert_eq!(
        store
            .purge_visits(Utc::now() - Duration::minutes(30))
            .await
            .unwrap(),
        2
    );
    assert_eq!(store.visits_on(day).await.unwrap().len(), 0);
    assert_eq!(
        store
            .purge_visits(Utc::now() - Duration::minutes(30))
            .await
            .unwrap(),
        0
    );
}

/// "Subject contains" (the console's `q`): any substring, any case, the
/// characters of LIKE and of FTS5 taken literally — the same on both
/// stores, whether the trigram index (SQLite, migration 0039; PostgreSQL's
/// since 0001) or a scan answers.
async fn subject_contains_finds_any_substring_and_counts_it(b: Backend) {
    let Some((store, _dir)) = fresh_store(b).await else {
        return;
    };
    let cli = Actor::cli();
    let t0 = Utc::now() - Duration::hours(1);
    let subjects = [
        "Jalan rusak di Oebobo",
        "Rusaknya jembatan Liliba",
        "Bantuan PKH belum cair",
        "\"Rusak\" katanya, 100% parah",
        "Kartu lansia hilang",
    ];
    for (i, s) in subjects.iter().enumerate() {
        created(
            create(
                &store,
                &complaint(s, t0 + Duration::seconds(i as i64)),
                "ADU",
                2026,
                &cli,
                None,
            )
            .await,
        );
    }
    for (q, want) in [
        ("rusak", vec![3, 1, 0]),
        ("RUSAK", vec![3, 1, 0]),
        ("bobo", vec![0]),
        ("k\" kat", vec![3]),
        ("100%", vec![3]),
        ("0%", vec![3]),
        ("a_", vec![]),
        ("cair", vec![2]),
        ("xyz", vec![]),
        ("n", vec![4, 3, 2, 1, 0]),
    ] {
        let query = ListQuery {
            limit: 100,
            subject_contains: Some(q.into()),
            ..Default::default()
        };
        let got: Vec<String> = store
            .list_complaints(&query)
            .await
            .unwrap()
            .into_iter()
            .map(|c| c.subject)
            .collect();
        let want: Vec<String> = want.iter().map(|i| subjects[*i].to_string()).collect();
        assert_eq!(got, want, "{b:?}: subject contains {q:?}");
        assert_eq!(
            store.count_complaints(&query, 100).await.unwrap(),
            want.len() as u64,
            "{b:?}: count of subject contains {q:?}"
        );
    }
}

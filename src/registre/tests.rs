use super::*;
use crate::error::exit;

fn outcome(status: Status, message: &str, resend: bool) -> CallOutcome {
    CallOutcome {
        status,
        code_http: Some(200),
        message: message.into(),
        request_id: "req-1".into(),
        object_id: String::new(),
        attempts: 1,
        timestamp: "2026-12-06T10:00:00+01:00".into(),
        resend_on_resume: resend,
        already: false,
    }
}

fn sha(path: &Path) -> Vec<u8> {
    use sha2::{Digest, Sha256};
    Sha256::digest(std::fs::read(path).unwrap()).to_vec()
}

#[test]
fn a_new_registre_is_owner_only_in_wal_with_its_schema_version() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sous/dossier").join(FILE_NAME);
    let reg = Registre::open(&path, Lang::Fr).unwrap();
    let mode: String = reg.conn.query_row("PRAGMA journal_mode", [], |r| r.get(0)).unwrap();
    assert_eq!(mode, "wal");
    let version: i64 = reg.conn.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
    assert_eq!(version, schema::VERSION);
    let auto: i64 = reg.conn.query_row("PRAGMA wal_autocheckpoint", [], |r| r.get(0)).unwrap();
    assert_eq!(auto, 0, "checkpoints are the writer's own");
    let busy: i64 = reg.conn.query_row("PRAGMA busy_timeout", [], |r| r.get(0)).unwrap();
    assert!(busy >= 5000, "{busy}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        reg.attempt(1, 1, 1, Event::Reserved).unwrap_err(); // no such run: refused by the schema
        let meta = std::fs::metadata(&path).unwrap();
        assert_eq!(meta.permissions().mode() & 0o777, 0o600);
        let wal = std::fs::metadata(path.with_file_name(format!("{FILE_NAME}-wal"))).unwrap();
        assert_eq!(wal.permissions().mode() & 0o777, 0o600, "the WAL too");
        let folder = std::fs::metadata(path.parent().unwrap()).unwrap();
        assert_eq!(folder.permissions().mode() & 0o777, 0o700);
    }
    drop(reg);
    Registre::open(&path, Lang::Fr).expect("opens again");
}

#[test]
fn a_damaged_file_is_refused_named_with_the_command_that_moves_it_aside_and_left_as_it_is() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(FILE_NAME);
    let junk: Vec<u8> = (0..8192u32).map(|i| (i * 7 + 3) as u8).collect();
    std::fs::write(&path, &junk).unwrap();
    let Err(f) = Registre::open(&path, Lang::Fr) else { panic!("a damaged registre was opened") };
    assert_eq!(f.exit(), exit::UNUSABLE);
    assert!(
        f.to_string().contains("endommagé") && f.to_string().contains(&path.display().to_string()),
        "{}",
        f.to_string()
    );
    assert!(f.to_string().contains(&format!("\"{}.endommage\"", path.display())), "{}", f.to_string());
    assert_eq!(std::fs::read(&path).unwrap(), junk, "never replaced by an empty registre");
}

#[test]
fn a_registre_of_a_newer_schema_is_refused_and_not_changed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(FILE_NAME);
    {
        let reg = Registre::open(&path, Lang::Fr).unwrap();
        reg.conn.execute("UPDATE meta SET value = '9.4.0' WHERE key = 'version'", []).unwrap();
        reg.conn.execute_batch("PRAGMA user_version = 99").unwrap();
        reg.checkpoint(true);
    }
    let before = sha(&path);
    let Err(f) = Registre::open(&path, Lang::Fr) else { panic!("a newer registre was opened") };
    assert_eq!(f.exit(), exit::UNUSABLE);
    assert!(f.to_string().contains("créé par loopbatch 9.4.0, plus récent : mettez à jour"), "{}", f.to_string());
    assert_eq!(sha(&path), before, "the file is untouched");
}

#[test]
fn a_run_and_its_attempts_read_back_as_a_resume_needs_them() {
    let dir = tempfile::tempdir().unwrap();
    let mut reg = Registre::open(&dir.path().join(FILE_NAME), Lang::Fr).unwrap();
    let results = dir.path().join("r.csv");
    let body = r#"{"email":"ana@exemple.fr"}"#;
    let calls: Vec<PlannedCall> = (1..=5)
        .map(|id| PlannedCall {
            id,
            operation: "addClient",
            dossier: "C001",
            email: Some("ana@exemple.fr".into()),
            body,
        })
        .collect();
    let new = NewRun {
        sheet: "s.csv".into(),
        sheet_sha256: "abc".into(),
        plan_hash: "h".into(),
        tenant: Some(serde_json::json!({"endpoint": "http://127.0.0.1:1"})),
        results: results.clone(),
    };
    let run = reg.start_run(&new, &calls).unwrap();
    let again = reg.start_run(&new, &calls).unwrap();
    let (plans, bodies): (i64, i64) = reg
        .conn
        .query_row("SELECT (SELECT count(*) FROM plans), (SELECT count(*) FROM bodies)", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    assert_eq!((plans, bodies), (1, 1), "a plan once, a body once");
    assert_eq!(reg.run_for(&results).unwrap().map(|r| r.id), Some(again), "the last run of the file");
    reg.attempt(run, 1, 1, Event::Reserved).unwrap();
    reg.attempt(run, 1, 1, Event::Sending).unwrap();
    reg.answered(run, 1, &outcome(Status::Ok, "", false)).unwrap();
    reg.attempt(run, 2, 1, Event::Reserved).unwrap();
    reg.attempt(run, 3, 1, Event::Reserved).unwrap();
    reg.attempt(run, 3, 1, Event::Sending).unwrap();
    reg.attempt(run, 4, 1, Event::Reserved).unwrap();
    reg.attempt(run, 4, 1, Event::Sending).unwrap();
    reg.attempt(run, 4, 1, Event::Withdrawn).unwrap();
    reg.attempt(run, 5, 2, Event::Sending).unwrap();
    reg.answered(run, 5, &outcome(Status::Erreur, "clé refusée", true)).unwrap();
    let (prior, damaged) = reg.prior(run).unwrap();
    assert!(!damaged);
    assert!(matches!(prior.get(&1), Some(Prior::Done(o)) if o.status == Status::Ok && o.request_id == "req-1"));
    assert_eq!(prior.get(&2), Some(&Prior::InFlight { attempts: 1, sent: false }), "reserved is not sent");
    assert_eq!(prior.get(&3), Some(&Prior::InFlight { attempts: 1, sent: true }), "went out, never answered");
    assert_eq!(prior.get(&4), Some(&Prior::InFlight { attempts: 1, sent: false }), "withdrawn: never sent");
    assert_eq!(prior.get(&5), Some(&Prior::InFlight { attempts: 2, sent: false }), "to send again");
    reg.end_run(run, &serde_json::json!({"OK": 1}), true).unwrap();
    let row = reg.run_for(&results).unwrap().unwrap();
    assert_eq!(row.id, again);
    let ended: Option<String> =
        reg.conn.query_row("SELECT ended FROM runs WHERE id = ?1", [run], |r| r.get(0)).unwrap();
    assert!(ended.is_some());
}

#[test]
fn a_copy_is_whole_and_checks_sound_and_never_overwrites() {
    let dir = tempfile::tempdir().unwrap();
    let mut reg = Registre::open(&dir.path().join(FILE_NAME), Lang::Fr).unwrap();
    let new =
        NewRun { sheet: "s".into(), plan_hash: "h".into(), results: dir.path().join("r.csv"), ..NewRun::default() };
    let run = reg.start_run(&new, &[]).unwrap();
    reg.attempt(run, 1, 1, Event::Reserved).unwrap();
    assert!(reg.check(false).unwrap().is_empty());
    assert!(reg.check(true).unwrap().is_empty());
    let dest = dir.path().join("copie.sqlite3");
    reg.copy_to(&dest).unwrap();
    let copy = Registre::open(&dest, Lang::Fr).unwrap();
    assert_eq!(copy.sizes().unwrap(), (1, 1));
    assert!(reg.copy_to(&dest).is_err(), "an existing file is never overwritten");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&dest).unwrap().permissions().mode() & 0o777, 0o600);
    }
}

#[test]
fn too_little_room_refuses_a_run() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(FILE_NAME);
    enough_space(&path).expect("a test machine has 50 MB free");
    let f = space::at_least(&path, u64::MAX / 2).expect_err("refused");
    assert_eq!(f.exit(), exit::UNUSABLE);
    assert!(
        f.to_string().contains("Pas assez de place") && f.to_string().contains("Rien n'a été envoyé"),
        "{}",
        f.to_string()
    );
}

/// A journal of the previous format — torn by a kill, damaged mid-file, or
/// older than "sending" records — imported as its run's records.
#[test]
fn journals_of_the_previous_format_are_imported_as_their_runs_records() {
    use legacy::Entry;
    let line = |e: Entry| {
        let mut l = serde_json::to_vec(&e).unwrap();
        l.push(b'\n');
        l
    };
    let dir = tempfile::tempdir().unwrap();
    let results = dir.path().join("r.csv");
    let p = journal_beside(&results);
    let start =
        Entry::Start { plan_hash: "h".into(), source: "s".into(), timestamp: String::new(), sending: true, run: None };
    let sent = |call| Entry::Sent { call, attempt: 1, timestamp: String::new() };
    let mut text = line(start);
    text.extend(line(Entry::Tenant { tenant: serde_json::json!({"endpoint": "http://127.0.0.1:9"}) }));
    text.extend(line(sent(1)));
    text.extend(line(Entry::Sending { call: 1, attempt: 1 }));
    text.extend(line(Entry::Done { call: 1, outcome: outcome(Status::Ok, "", false) }));
    text.extend(line(sent(2)));
    text.extend(line(Entry::Done { call: 2, outcome: outcome(Status::Erreur, "", true) }));
    text.extend(line(sent(3)));
    text.extend(line(Entry::Sending { call: 3, attempt: 1 }));
    text.extend(line(sent(4)));
    text.extend(line(Entry::Sending { call: 4, attempt: 1 }));
    text.extend(line(Entry::Withdrawn { call: 4, attempt: 1 }));
    let mut torn = text.clone();
    torn.extend(b"{\"type\":\"done\",\"ca");
    let mut damaged = text.clone();
    damaged.extend(b"\xff not json\n");
    damaged.extend(line(sent(6)));
    let mut reg = Registre::open(&dir.path().join(FILE_NAME), Lang::Fr).unwrap();
    for (bytes, is_damaged) in [(torn, false), (damaged, true)] {
        std::fs::write(&p, &bytes).unwrap();
        let imported = reg.import_journal(&p, &results).unwrap().expect("imported");
        assert_eq!(imported.damaged, is_damaged);
        let (prior, damaged) = reg.prior(imported.run).unwrap();
        assert_eq!(damaged, is_damaged);
        assert!(matches!(prior.get(&1), Some(Prior::Done(o)) if o.status == Status::Ok));
        assert_eq!(prior.get(&2), Some(&Prior::InFlight { attempts: 1, sent: false }), "to send again");
        assert_eq!(prior.get(&3), Some(&Prior::InFlight { attempts: 1, sent: true }));
        assert_eq!(prior.get(&4), Some(&Prior::InFlight { attempts: 1, sent: false }));
        let run = reg.run_for(&results).unwrap().unwrap();
        assert_eq!((run.id, run.plan_hash.as_str()), (imported.run, "h"));
        assert_eq!(run.tenant, Some(serde_json::json!({"endpoint": "http://127.0.0.1:9"})));
        assert!(reg.import_journal(&p, &results).unwrap().is_none(), "imported once");
    }
    let legacy = b"{\"type\":\"start\",\"plan_hash\":\"h\",\"source\":\"s\",\"timestamp\":\"\"}\n".to_vec();
    std::fs::write(&p, [legacy, line(sent(1))].concat()).unwrap();
    let run = reg.import_journal(&p, &results).unwrap().unwrap().run;
    assert_eq!(
        reg.prior(run).unwrap().0.get(&1),
        Some(&Prior::InFlight { attempts: 1, sent: true }),
        "reserved counts as sent"
    );
}

/// The words a run's writer inserts without SQLite's checks
/// (`become_run_writer`) pass them: every event, every effect.
#[test]
fn every_word_a_runs_writer_inserts_passes_the_tables_checks() {
    let dir = tempfile::tempdir().unwrap();
    let mut reg = Registre::open(&dir.path().join(FILE_NAME), Lang::Fr).unwrap();
    let run = reg.start_run(&NewRun::default(), &[]).unwrap();
    for (i, event) in [Event::Reserved, Event::Sending, Event::Withdrawn].into_iter().enumerate() {
        reg.attempt(run, 1, i as u32 + 1, event).unwrap();
    }
    for (i, status) in Status::all().enumerate() {
        for (j, message) in ["", "déjà", "already"].into_iter().enumerate() {
            for resend in [false, true] {
                reg.answered(run, (i * 10 + j) as u32, &outcome(status, message, resend)).unwrap();
            }
        }
    }
    let bad = reg.conn.execute("INSERT INTO attempts(run, call, attempt, event) VALUES (?1, 1, 1, 'envoyé')", [run]);
    assert!(bad.is_err(), "the checks are on elsewhere");
}

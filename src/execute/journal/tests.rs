use super::*;
use crate::outcome::Status;

fn outcome(status: Status, resend: bool) -> CallOutcome {
    CallOutcome {
        status,
        code_http: None,
        message: String::new(),
        request_id: String::new(),
        object_id: String::new(),
        attempts: 1,
        timestamp: String::new(),
        resend_on_resume: resend,
        already: false,
    }
}

fn spec<'a>(results: &'a Path, rescue: &'a Path, plan_hash: &'a str) -> RunSpec<'a> {
    RunSpec { results, rescue, plan_hash, sheet: "s.csv", sheet_sha256: "x", calls: Vec::new() }
}

#[tokio::test]
async fn records_are_on_disk_when_acknowledged_and_read_back_by_the_resume() {
    let dir = tempfile::tempdir().unwrap();
    // Its name unique: its copy in the shared temporary folder is this test's.
    let unique = format!("k-{}.jsonl", dir.path().file_name().unwrap().to_string_lossy());
    let (reg, results, kept) = (dir.path().join("r.sqlite3"), dir.path().join("r.csv"), dir.path().join(unique));
    let (j, rec) = Journal::open(&reg, spec(&results, &kept, "h"), Take::New, Lang::Fr).unwrap();
    assert!(rec.prior.is_empty());
    j.tenant(serde_json::json!({"endpoint": "http://127.0.0.1:9"})).unwrap();
    let tickets: Vec<Ticket> = (1..=50).map(|c| j.sent(c, 1).unwrap()).collect();
    j.durable(tickets[49]).await.unwrap();
    for t in &tickets {
        j.durable(*t).await.unwrap();
    }
    assert!(j.syncs() <= 2, "one synced commit for a group, not one per record: {}", j.syncs());
    let t = j.done(7, &outcome(Status::Ok, false)).unwrap();
    j.written(t).await.unwrap();
    let t = j.sending(4, 1).unwrap();
    j.written(t).await.unwrap();
    j.sending(50, 1).unwrap();
    j.withdrawn(50, 1);
    j.done(2, &outcome(Status::Erreur, true)).unwrap();
    j.flush().await.unwrap();
    let run = j.run;
    // Committed: another connection reads it while the run goes on.
    let seen = Registre::open(&reg, Lang::Fr).unwrap().prior(run).unwrap().0;
    assert!(matches!(seen.get(&7), Some(Prior::Done(_))));
    assert!(Journal::open(&reg, spec(&results, &kept, "h"), Take::New, Lang::Fr).is_err(), "the results have a run");
    drop(j);
    // What the registre could not take, a rescue file keeps for the resume.
    let id = Registre::open(&reg, Lang::Fr).unwrap().rescue_id();
    // Another registre's rescue file of the same run number and plan, in
    // the temporary folder: never this run's outcome (review H3).
    let temp = std::env::temp_dir().join(kept.file_name().unwrap());
    rescue(&temp, (run, "registre /ailleurs 2020-01-01"), "h", &[(77, outcome(Status::Ok, false))]).unwrap();
    rescue(&kept, (run, &id), "h", &[(9, outcome(Status::Ok, false))]).unwrap();
    let (j, rec) = Journal::open(&reg, spec(&results, &kept, "h"), Take::Resume, Lang::Fr).unwrap();
    assert_eq!(j.run, run, "the same run goes on");
    assert!(matches!(rec.prior.get(&9), Some(Prior::Done(_))), "the rescued outcome is the run's own");
    assert!(matches!(rec.prior.get(&7), Some(Prior::Done(_))));
    assert_eq!(rec.prior.get(&3), Some(&Prior::InFlight { attempts: 1, sent: false }), "reserved, never sent");
    assert_eq!(rec.prior.get(&4), Some(&Prior::InFlight { attempts: 1, sent: true }), "went out, never answered");
    assert_eq!(rec.prior.get(&50), Some(&Prior::InFlight { attempts: 1, sent: false }), "withdrawn: never sent");
    assert_eq!(rec.prior.get(&2), Some(&Prior::InFlight { attempts: 1, sent: false }), "to send again");
    let row = crate::registre::Registre::open(&reg, Lang::Fr).unwrap().run_for(&results).unwrap().unwrap();
    assert!(row.tenant.is_some(), "where the run went is recorded");
    assert!(!kept.exists(), "taken in, then gone");
    assert!(!rec.prior.contains_key(&77), "another registre's rescue file is ignored");
    assert!(rec.warnings.iter().any(|w| w.contains("n'est pas de ce registre")), "{:?}", rec.warnings);
    assert!(temp.exists(), "left in place");
    let _ = std::fs::remove_file(&temp);
    drop(j);
    let refused = Journal::open(&reg, spec(&results, &kept, "other"), Take::Resume, Lang::Fr);
    assert!(refused.is_err(), "a run of another plan is not resumed");
    let (j, rec) = Journal::open(&reg, spec(&results, &kept, "h"), Take::NextGeneration, Lang::Fr).unwrap();
    assert!(j.run > run && rec.prior.is_empty(), "a new generation starts empty");
}

/// A failed registre fails every record from then on, and lists the
/// outcomes it may not hold.
#[tokio::test]
async fn a_registre_that_fails_stops_every_record_and_lists_the_outcomes() {
    let dir = tempfile::tempdir().unwrap();
    let (reg, results, kept) = (dir.path().join("r.sqlite3"), dir.path().join("r.csv"), dir.path().join("k.jsonl"));
    let (j, _) = Journal::open(&reg, spec(&results, &kept, "h"), Take::New, Lang::Fr).unwrap();
    lock(&j.shared.queue).fail(WriteError(SystemCause::other("disk full")), std::iter::once(3));
    assert!(j.sent(1, 1).is_err());
    assert!(j.done(5, &outcome(Status::Ok, false)).is_err());
    assert_eq!(j.unwritten(), vec![3, 5]);
    assert!(j.flush().await.is_err());
}

/// Another process holding the registre's write lock is waited for: never
/// taken for a write failure.
#[tokio::test]
async fn a_busy_registre_is_waited_for() {
    let dir = tempfile::tempdir().unwrap();
    let (reg, results, kept) = (dir.path().join("r.sqlite3"), dir.path().join("r.csv"), dir.path().join("k.jsonl"));
    let (j, _) = Journal::open(&reg, spec(&results, &kept, "h"), Take::New, Lang::Fr).unwrap();
    let other = rusqlite::Connection::open(&reg).unwrap();
    other.execute_batch("BEGIN IMMEDIATE").unwrap();
    let holder = std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_millis(300));
        other.execute_batch("COMMIT").unwrap();
    });
    let started = std::time::Instant::now();
    let t = j.sent(1, 1).unwrap();
    j.durable(t).await.expect("waited for, not failed");
    assert!(started.elapsed() >= std::time::Duration::from_millis(250), "it did wait");
    let t = j.done(1, &outcome(Status::Ok, false)).unwrap();
    j.written(t).await.unwrap();
    holder.join().unwrap();
    assert!(j.unwritten().is_empty());
}

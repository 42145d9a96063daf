//! The registre from the command line: where it lives (the per-user local
//! data folder, or `--registre`, LOOPBATCH_REGISTRE, the configuration),
//! `registre check|copy|import`, and the files it refuses to open.

use std::path::{Path, PathBuf};

use crate::util::Work;

fn stdout(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Where a hermetic binary keeps its registre by default.
fn default_registre(w: &Work) -> PathBuf {
    w.home().join(".local/share/loopbatch/registre.sqlite3")
}

fn sha(path: &Path) -> Vec<u8> {
    use sha2::{Digest, Sha256};
    Sha256::digest(std::fs::read(path).unwrap()).to_vec()
}

#[test]
fn the_registre_lives_in_the_local_data_folder_owner_only_unless_named() {
    let w = Work::new();
    let out = w.bin().args(["registre", "check"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let path = default_registre(&w);
    assert!(stdout(&out).contains("intact") && stdout(&out).contains(&path.display().to_string()), "{}", stdout(&out));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
    }
    // The flag, the environment, the configuration, in that order.
    let named = w.path("a.sqlite3");
    let by_env = w.path("b.sqlite3");
    let by_cfg = w.path("c.sqlite3");
    std::fs::write(w.path("loopbatch.toml"), "registre = \"c.sqlite3\"\n").unwrap();
    w.bin().args(["registre", "check"]).assert().code(0);
    assert!(by_cfg.exists());
    w.bin().env("LOOPBATCH_REGISTRE", &by_env).args(["registre", "check"]).assert().code(0);
    assert!(by_env.exists());
    w.bin().env("LOOPBATCH_REGISTRE", &by_env).args(["registre", "check", "--registre"]).arg(&named).assert().code(0);
    assert!(named.exists());
}

#[test]
fn a_damaged_registre_is_refused_with_the_command_that_moves_it_aside() {
    let w = Work::new();
    let path = w.file("abime.sqlite3", &[0x5a; 4096]);
    let out = w.bin().args(["registre", "check", "--registre"]).arg(&path).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("endommagé") && err.contains(&format!("mv \"{}\"", path.display())), "{err}");
    assert_eq!(std::fs::read(&path).unwrap(), vec![0x5a; 4096], "left as it is");
}

#[test]
fn a_registre_of_a_newer_loopbatch_is_refused_and_untouched() {
    let w = Work::new();
    let path = w.path("r.sqlite3");
    w.bin().args(["registre", "check", "--registre"]).arg(&path).assert().code(0);
    {
        let c = rusqlite::Connection::open(&path).unwrap();
        c.execute("UPDATE meta SET value = '7.2' WHERE key = 'version'", []).unwrap();
        c.execute_batch("PRAGMA user_version = 42; PRAGMA wal_checkpoint(TRUNCATE);").unwrap();
    }
    let before = sha(&path);
    let out = w.bin().args(["registre", "check", "--registre"]).arg(&path).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("créé par loopbatch 7.2, plus récent : mettez à jour"), "{}", stderr(&out));
    assert_eq!(sha(&path), before, "the file is untouched");
}

#[test]
fn a_registre_in_a_synced_folder_is_refused() {
    let w = Work::new();
    let path = w.path("OneDrive - Cabinet/loopbatch/registre.sqlite3");
    let out = w.bin().args(["registre", "check", "--registre"]).arg(&path).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("dossier synchronisé") && stderr(&out).contains("ne peut pas être gardé là"),
        "{}",
        stderr(&out)
    );
    assert!(!path.exists(), "nothing created there");
}

#[test]
fn a_copy_checks_sound_and_is_never_written_over() {
    let w = Work::new();
    w.bin().args(["registre", "check"]).assert().code(0);
    let dest = w.path("copie.sqlite3");
    w.bin().args(["registre", "copy"]).arg(&dest).assert().code(0);
    w.bin().args(["registre", "check", "--full", "--registre"]).arg(&dest).assert().code(0);
    let out = w.bin().args(["registre", "copy"]).arg(&dest).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("jamais écrasé"), "{}", stderr(&out));
}

/// A journal written by a run (the previous format), imported once, by its
/// own name or by its results' name.
#[test]
fn a_journal_of_the_previous_format_is_imported_once() {
    let w = Work::new();
    let sheet = w.csv_1252("s.csv", &["code_dossier;email;nom;prenom;offre", "D1;ana@exemple.fr;Vidal;Ana;start"]);
    let results = w.path("r.csv");
    let journal = w.path("r.csv.journal.jsonl");
    let torn = w.path("t.csv.journal.jsonl");
    let lines = [
        r#"{"type":"start","plan_hash":"h","source":"s.csv","timestamp":"","sending":true}"#,
        r#"{"type":"sent","call":1,"attempt":1,"timestamp":""}"#,
        r#"{"type":"sending","call":1,"attempt":1}"#,
        r#"{"type":"do"#,
    ];
    std::fs::write(&torn, lines.join("\n")).unwrap();
    std::fs::write(&journal, lines[..3].join("\n") + "\n").unwrap();
    let out = w.bin().args(["registre", "import"]).arg(&journal).arg(w.path("t.csv")).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out).matches("Importé").count(), 2, "{}", stdout(&out));
    let out = w.bin().args(["registre", "import"]).arg(&results).output().unwrap();
    assert!(stdout(&out).contains("Déjà importé"), "{}", stdout(&out));
    let reg = loopbatch::job::Registre::open(&default_registre(&w), loopbatch::job::Lang::Fr).unwrap();
    let run = reg.run_for(&results).unwrap().expect("the run of r.csv");
    let (prior, damaged) = reg.prior(run.id).unwrap();
    assert!(!damaged);
    assert_eq!(prior.get(&1), Some(&loopbatch::job::Prior::InFlight { attempts: 1, sent: true }));
    let run = reg.run_for(&w.path("t.csv")).unwrap().expect("the torn one too");
    assert_eq!(reg.prior(run.id).unwrap().0.len(), 1, "the torn line left out");
    let out = w.bin().args(["registre", "import"]).arg(&sheet).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "no journal beside it: {}", stdout(&out));
}

fn sheet(w: &Work, n: usize) -> (PathBuf, Vec<String>) {
    let codes: Vec<String> = (1..=n).map(|i| format!("G{i:03}")).collect();
    let mut lines = vec!["code_dossier;email;nom;prenom;offre".to_string()];
    lines.extend(codes.iter().enumerate().map(|(i, c)| format!("{c};g{i}@exemple.fr;Nom{i};Prenom{i};start")));
    let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
    (w.csv_1252("g.csv", &refs), codes)
}

fn sim(codes: &[String]) -> crate::util::TestSim {
    let refs: Vec<(&str, bool)> = codes.iter().map(|c| (c.as_str(), false)).collect();
    crate::util::TestSim::start(loopbatch::simulator::Options {
        model: crate::util::model(&refs),
        ..Default::default()
    })
}

fn sent(sim: &crate::util::TestSim) -> u64 {
    sim.stats()["total"].as_u64().unwrap()
}

/// A run refuses to start on a damaged registre, or with too little room
/// under it: exit 2, nothing sent.
#[test]
fn a_run_on_a_damaged_registre_or_a_full_disk_sends_nothing() {
    let w = Work::new();
    let (input, codes) = sheet(&w, 3);
    let sim = sim(&codes);
    let damaged = w.file("abime.sqlite3", &[0x33; 2048]);
    let out = w
        .bin_for(&sim)
        .args(["run", input.to_str().unwrap(), "--results", "r.csv", "--rate", "100/s", "--registre"])
        .arg(&damaged)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("endommagé") && stderr(&out).contains("mv "), "{}", stderr(&out));
    assert_eq!(sent(&sim), 0);
    let out = w
        .bin_for(&sim)
        .args(["run", input.to_str().unwrap(), "--results", "r.csv", "--rate", "100/s"])
        .env("LOOPBATCH_TEST_REGISTRE_MIN_FREE_MB", "999999999999")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("Pas assez de place pour le registre"), "{}", stderr(&out));
    assert_eq!(sent(&sim), 0);
    w.bin_for(&sim).args(["run", input.to_str().unwrap(), "--results", "r.csv", "--rate", "100/s"]).assert().code(0);
}

/// Results whose run this registre does not hold (another user, another
/// machine: here the same run's registre wiped) are never run afresh by
/// `--resume`: exit 2, naming who ran them from the note a kill left.
#[test]
fn resuming_a_run_this_registre_does_not_hold_names_who_ran_it() {
    let w = Work::new();
    let (input, codes) = sheet(&w, 6);
    let sim = sim(&codes);
    let run = |resume: bool| {
        let mut c = w.bin_for(&sim);
        c.args(["run", input.to_str().unwrap(), "--results", "r.csv", "--rate", "100/s", "--concurrency", "1"]);
        if resume {
            c.arg("--resume");
        } else {
            c.env("LOOPBATCH_TEST_KILL_AT", "sending:3");
        }
        c.output().unwrap()
    };
    assert_ne!(run(false).status.code(), Some(0), "killed");
    let before = sent(&sim);
    let note: serde_json::Value = serde_json::from_slice(&std::fs::read(w.path("r.csv.lock.owner")).unwrap()).unwrap();
    let (user, machine) = (note["user"].as_str().unwrap(), note["machine"].as_str().unwrap());
    crate::util::wipe_registre(&w);
    let out = run(true);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("ne connaît pas") && err.contains(user) && err.contains(machine), "{err}");
    assert_eq!(sent(&sim), before, "nothing sent");
}

/// A journal of the previous version beside results is their run's record:
/// a new run into them is refused as it was (nothing sent), `--resume`
/// continues it.
#[test]
fn a_new_run_into_results_with_a_journal_of_the_previous_version_is_refused() {
    let w = Work::new();
    let (input, codes) = sheet(&w, 2);
    let sim = sim(&codes);
    let journal =
        "{\"type\":\"start\",\"plan_hash\":\"autre\",\"source\":\"g.csv\",\"timestamp\":\"\",\"sending\":true}\n";
    std::fs::write(w.path("r.csv.journal.jsonl"), journal).unwrap();
    let out = w
        .bin_for(&sim)
        .args(["run", input.to_str().unwrap(), "--results", "r.csv", "--rate", "100/s"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("déjà notée") && stderr(&out).contains("--resume"), "{}", stderr(&out));
    assert_eq!(sent(&sim), 0);
}

/// `registre forget EMAIL`: the person's e-mail, names and bodies are gone
/// from every file of the registre (WAL included); the run's attempts stay.
#[test]
fn a_forgotten_email_is_gone_from_every_file_of_the_registre() {
    let w = Work::new();
    let (input, codes) = sheet(&w, 3);
    let sim = sim(&codes);
    w.bin_for(&sim).args(["run", input.to_str().unwrap(), "--results", "r.csv", "--rate", "100/s"]).assert().code(0);
    let path = crate::util::registre_path(&w);
    let files = || {
        ["", "-wal", "-shm"]
            .iter()
            .map(|s| std::fs::read(format!("{}{s}", path.display())).unwrap_or_default())
            .collect::<Vec<_>>()
    };
    let holds = |needle: &str| files().iter().any(|b| b.windows(needle.len()).any(|w| w == needle.as_bytes()));
    assert!(holds("g0@exemple.fr") && holds("Prenom0"), "the registre holds the person before");
    let before = crate::util::registre_events(&w, &w.path("r.csv")).unwrap().len();
    let out = w.bin().args(["registre", "forget", "g0@exemple.fr"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("Oublié g0@exemple.fr : 1 appel"), "{}", stdout(&out));
    assert!(!holds("g0@exemple.fr") && !holds("Prenom0"), "gone from the file and its WAL");
    assert!(holds("g1@exemple.fr"), "the others stay");
    assert_eq!(crate::util::registre_events(&w, &w.path("r.csv")).unwrap().len(), before, "the attempts stay");
}

/// A new run into results of an unfinished run this registre does not know
/// (killed: its holder's note beside them; another user, machine or
/// registre, or a registre wiped) is refused, naming who ran it: never
/// everything sent again. (A finished run leaves no note: a new run into
/// its results goes, as `faults::a_stale_results_file_is_no_proof` shows.)
#[test]
fn a_new_run_into_results_of_a_run_this_registre_does_not_know_sends_nothing() {
    let w = Work::new();
    let (input, codes) = sheet(&w, 4);
    let sim = sim(&codes);
    let run = |kill: bool| {
        let mut c = w.bin_for(&sim);
        c.args(["run", input.to_str().unwrap(), "--results", "r.csv", "--rate", "100/s", "--concurrency", "1"]);
        if kill {
            c.env("LOOPBATCH_TEST_KILL_AT", "answered:3");
        }
        c.output().unwrap()
    };
    assert_ne!(run(true).status.code(), Some(0), "killed");
    let before = sent(&sim);
    let note: serde_json::Value = serde_json::from_slice(&std::fs::read(w.path("r.csv.lock.owner")).unwrap()).unwrap();
    crate::util::wipe_registre(&w);
    let out = run(false);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("ne connaît pas") && err.contains("autre fichier de résultats"), "{err}");
    assert!(err.contains(note["user"].as_str().unwrap()), "who ran it is named: {err}");
    assert_eq!(sent(&sim), before, "nothing sent");
}

/// A file that is no registre (emptied to 0 bytes, another program's
/// SQLite database) is refused like a damaged one, and left as it is.
#[test]
fn an_empty_file_or_another_programs_database_is_no_registre() {
    let w = Work::new();
    let (input, codes) = sheet(&w, 2);
    let sim = sim(&codes);
    let empty = w.file("vide.sqlite3", b"");
    let other = w.path("autre.sqlite3");
    {
        let c = rusqlite::Connection::open(&other).unwrap();
        c.execute_batch("CREATE TABLE clients(nom TEXT); INSERT INTO clients VALUES ('Durand');").unwrap();
    }
    for path in [&empty, &other] {
        let before = sha(path);
        let out = w
            .bin_for(&sim)
            .args(["run", input.to_str().unwrap(), "--results", "r.csv", "--rate", "100/s", "--registre"])
            .arg(path)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        assert!(stderr(&out).contains("endommagé"), "{}", stderr(&out));
        assert_eq!(sha(path), before, "left as it is: {}", path.display());
        assert!(!Path::new(&format!("{}-wal", path.display())).exists());
    }
    assert_eq!(sent(&sim), 0);
    // No temporary file of the creation left beside a new registre.
    let fresh = w.path("neuf.sqlite3");
    w.bin().args(["registre", "check", "--registre"]).arg(&fresh).assert().code(0);
    let names: Vec<String> =
        std::fs::read_dir(w.path("")).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    assert!(!names.iter().any(|n| n.contains("nouveau")), "{names:?}");
}

/// `registre forget` while another program reads the registre: the WAL
/// cannot be emptied, said so with exit 1 (never « effacé » while a copy
/// stays); run again once the reader is gone, the e-mail is gone.
#[test]
fn forget_says_when_a_reader_keeps_a_copy_in_the_wal() {
    let w = Work::new();
    let (input, codes) = sheet(&w, 2);
    let sim = sim(&codes);
    w.bin_for(&sim).args(["run", input.to_str().unwrap(), "--results", "r.csv", "--rate", "100/s"]).assert().code(0);
    let path = crate::util::registre_path(&w);
    let reader = rusqlite::Connection::open(&path).unwrap();
    reader.execute_batch("BEGIN").unwrap();
    let _: i64 = reader.query_row("SELECT count(*) FROM runs", [], |r| r.get(0)).unwrap();
    let out = w.bin().args(["registre", "forget", "g0@exemple.fr"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stdout(&out).contains("un autre programme lit le registre"), "{}", stdout(&out));
    reader.execute_batch("COMMIT").unwrap();
    drop(reader);
    let out = w.bin().args(["registre", "forget", "g0@exemple.fr"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let holds = ["", "-wal"].iter().any(|s| {
        let b = std::fs::read(format!("{}{s}", path.display())).unwrap_or_default();
        b.windows(13).any(|x| x == b"g0@exemple.fr")
    });
    assert!(!holds, "gone from the file and its WAL");
}

/// A registre of schema 1, made by `loopbatch demo --registre` with this
/// version (tests/fixtures/registre-v1.sqlite3): every later version opens
/// it (after its migration), checks it sound and forgets in it.
#[test]
fn a_registre_of_schema_1_is_opened_checked_and_forgotten_in() {
    let w = Work::new();
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/registre-v1.sqlite3");
    let path = w.path("v1.sqlite3");
    std::fs::copy(&fixture, &path).unwrap();
    let email = b"anais.simon@traiteur-andre.fr";
    let before = std::fs::read(&path).unwrap();
    assert!(before.windows(email.len()).any(|b| b == email), "the fixture holds the e-mail");
    let version: i64 =
        rusqlite::Connection::open(&fixture).unwrap().query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
    assert_eq!(version, 1, "the fixture is of schema 1");
    let out = w.bin().args(["registre", "check", "--full", "--registre"]).arg(&path).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("intact") && stdout(&out).contains("416"), "{}", stdout(&out));
    // Migrated to schema 3 at its opening: the checks of `verify` and the
    // prints of forgotten calls added, every run and attempt kept, the copy
    // made first removed once done.
    let c = rusqlite::Connection::open(&path).unwrap();
    let version: i64 = c.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
    assert_eq!(version, 3, "migrated");
    let checks: i64 = c.query_row("SELECT count(*) FROM checks", [], |r| r.get(0)).unwrap();
    assert_eq!(checks, 0);
    let sealed: i64 = c.query_row("SELECT count(*) FROM sealed", [], |r| r.get(0)).unwrap();
    assert_eq!(sealed, 0);
    let migrated: String =
        c.query_row("SELECT value FROM meta WHERE key = 'migrated_from_1'", [], |r| r.get(0)).unwrap();
    assert!(migrated.contains('T'), "{migrated}");
    drop(c);
    assert!(!w.path("v1.sqlite3.v1-avant-migration").exists(), "the copy goes once the migration is done");
    let out = w
        .bin()
        .args(["registre", "forget", "anais.simon@traiteur-andre.fr", "--registre"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains(" 1 "), "one call forgotten: {}", stdout(&out));
    let left = std::fs::read(&path).unwrap();
    assert!(!left.windows(email.len()).any(|b| b == email), "the forgotten e-mail is gone from the file");
    let c = rusqlite::Connection::open(&path).unwrap();
    let sealed: i64 = c.query_row("SELECT count(*) FROM sealed", [], |r| r.get(0)).unwrap();
    assert_eq!(sealed, 1, "its prints kept");
}

/// A registre of schema 2 (tests/fixtures/registre-v2.sqlite3: `loopbatch
/// demo --registre`, then one e-mail forgotten, by the last version of
/// that schema) is migrated to schema 3 at its opening, from a copy made
/// first and removed once done; its call forgotten then keeps no prints
/// (they were not kept then: the memory has lost it, as the README says),
/// and a person forgotten now keeps hers.
#[test]
fn a_registre_of_schema_2_is_migrated_and_forgets_with_prints() {
    let w = Work::new();
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/registre-v2.sqlite3");
    let path = w.path("v2.sqlite3");
    std::fs::copy(&fixture, &path).unwrap();
    let count = |c: &rusqlite::Connection, sql: &str| c.query_row(sql, [], |r| r.get::<_, i64>(0)).unwrap();
    let c = rusqlite::Connection::open(&fixture).unwrap();
    assert_eq!(count(&c, "PRAGMA user_version"), 2, "the fixture is of schema 2");
    let (calls, attempts) = (count(&c, "SELECT count(*) FROM calls"), count(&c, "SELECT count(*) FROM attempts"));
    assert_eq!(count(&c, "SELECT count(*) FROM calls WHERE forgotten IS NOT NULL"), 1);
    drop(c);
    let out = w.bin().args(["registre", "check", "--full", "--registre"]).arg(&path).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let c = rusqlite::Connection::open(&path).unwrap();
    assert_eq!(count(&c, "PRAGMA user_version"), 3, "migrated");
    assert_eq!(count(&c, "SELECT count(*) FROM calls"), calls);
    assert_eq!(count(&c, "SELECT count(*) FROM attempts"), attempts);
    assert_eq!(count(&c, "SELECT count(*) FROM calls WHERE forgotten IS NOT NULL"), 1, "still forgotten");
    assert_eq!(count(&c, "SELECT count(*) FROM sealed"), 0, "no prints were kept before schema 3");
    assert_eq!(count(&c, "SELECT count(*) FROM meta WHERE key = 'migrated_from_2'"), 1);
    drop(c);
    assert!(!w.path("v2.sqlite3.v2-avant-migration").exists(), "the copy goes once the migration is done");
    let email = "arthur.girard@imprimerie-lambert.fr";
    let out = w.bin().args(["registre", "forget", email, "--registre"]).arg(&path).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let c = rusqlite::Connection::open(&path).unwrap();
    assert_eq!(count(&c, "SELECT count(*) FROM sealed WHERE email IS NOT NULL"), 1, "her prints kept");
    drop(c);
    let left = std::fs::read(&path).unwrap();
    assert!(!left.windows(email.len()).any(|b| b == email.as_bytes()), "her e-mail is gone from the file");
}

/// A registre that held no run (a profile wiped at logoff) while results
/// of an earlier run are there: the summary and `--format json` say since
/// when it knows of runs; a first run, or a registre that knows runs, not.
#[test]
fn a_new_registre_beside_earlier_results_says_it_knows_no_run_before_it() {
    let w = Work::new();
    let (input, codes) = sheet(&w, 2);
    let sim = sim(&codes);
    let run = |registre: &str, results: &str, json: bool| {
        let mut c = w.bin_for(&sim);
        c.args(["run", input.to_str().unwrap(), "--results", results, "--rate", "100/s", "--registre", registre]);
        if json {
            c.args(["--format", "json"]);
        }
        c.output().unwrap()
    };
    let said = "ce registre ne connaît aucune exécution avant le";
    let first = run("a.sqlite3", "r.csv", false);
    assert!(first.status.code().is_some_and(|c| c <= 1), "{}", stderr(&first));
    assert!(!stderr(&first).contains(said), "a first run, no earlier results: {}", stderr(&first));
    // The registre gone: a new one, and the results of the run before.
    let out = run("b.sqlite3", "r.csv", false);
    assert!(out.status.code().is_some_and(|c| c <= 1), "{}", stderr(&out));
    let err = stderr(&out);
    let today = {
        let c = rusqlite::Connection::open(w.path("b.sqlite3")).unwrap();
        let created: String = c.query_row("SELECT value FROM meta WHERE key = 'created'", [], |r| r.get(0)).unwrap();
        let d: Vec<&str> = created[..10].split('-').collect();
        format!("{}/{}/{}", d[2], d[1], d[0])
    };
    assert!(err.contains(&format!("{said} {today}")) && err.contains("--registre"), "{err}");
    // Another new registre, in JSON; then one that knows a run says nothing.
    let out = run("c.sqlite3", "r.csv", true);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(v["registre_new_since"].as_str().is_some_and(|s| s.len() >= 10), "{v}");
    let out = run("c.sqlite3", "r2.csv", true);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(v["registre_new_since"].is_null(), "{v}");
    std::fs::copy(w.path("r2.csv"), w.path("r3.csv")).unwrap();
    let out = run("c.sqlite3", "r3.csv", false);
    assert!(!stderr(&out).contains(said), "this registre knows runs: {}", stderr(&out));
}

/// The page's plan screen says the same when its registre holds no run
/// while runs are kept in the page's folder (here one a CLI run left there
/// with another registre), and nothing when no run is kept.
#[test]
fn the_plan_screen_says_a_new_registre_knows_no_kept_run() {
    use crate::page::{client, open, post_sheet, start};
    let w = Work::new();
    let (input, codes) = sheet(&w, 2);
    let sim = sim(&codes);
    let plan_screen = || {
        let p = start(&w, &crate::page::sim_keys(&sim));
        let cookie = open(&p);
        let r = post_sheet(&p, &cookie, "g.csv", std::fs::read(&input).unwrap());
        let sheet = r.headers()["location"].to_str().unwrap().to_string();
        client().get(format!("{}{sheet}/plan", p.base)).header("cookie", &cookie).send().unwrap().text().unwrap()
    };
    let page = plan_screen();
    assert!(page.contains("data-testid=\"plan-words\""), "{page}");
    assert!(!page.contains("data-testid=\"registre-new\""), "no kept run: {page}");
    let kept = w.path("donnees/loopbatch/executions/ancienne");
    std::fs::create_dir_all(&kept).unwrap();
    let results = kept.join("g-resultats.xlsx");
    w.bin_for(&sim)
        .args(["run", input.to_str().unwrap(), "--rate", "100/s", "--registre", "autre.sqlite3", "--results"])
        .arg(&results)
        .assert()
        .code(0);
    let page = plan_screen();
    let note = page.split("data-testid=\"registre-new\"").nth(1).expect("the note").split("</p>").next().unwrap();
    assert!(note.contains("ce registre ne connaît aucune exécution avant le") && note.contains("--registre"), "{note}");
    let created: String = rusqlite::Connection::open(w.path("donnees/loopbatch/registre.sqlite3"))
        .unwrap()
        .query_row("SELECT value FROM meta WHERE key = 'created'", [], |r| r.get(0))
        .unwrap();
    let d: Vec<&str> = created[..10].split('-').collect();
    assert!(note.contains(&format!("{}/{}/{}", d[2], d[1], d[0])), "{note}");
}

/// `registre_retention_months`: at the start of a run, the people of plans
/// last run longer ago are forgotten (file and WAL), the recent ones kept;
/// 0 keeps everything.
#[test]
fn people_of_runs_older_than_the_retention_are_forgotten_at_the_next_run() {
    let w = Work::new();
    let (input, mut codes) = sheet(&w, 2);
    let later = w.csv_1252("h.csv", &["code_dossier;email;nom;prenom;offre", "H001;h0@exemple.fr;Nh;Ph;start"]);
    let last = w.csv_1252("i.csv", &["code_dossier;email;nom;prenom;offre", "I001;i0@exemple.fr;Ni;Pi;start"]);
    codes.extend(["H001".into(), "I001".into()]);
    let sim = sim(&codes);
    let run = |sheet: &Path, results: &str| {
        w.bin_for(&sim)
            .args(["run", sheet.to_str().unwrap(), "--results", results, "--rate", "100/s"])
            .assert()
            .code(0);
    };
    run(&input, "r.csv");
    let path = crate::util::registre_path(&w);
    let holds = |needle: &str| {
        ["", "-wal"].iter().any(|s| {
            let b = std::fs::read(format!("{}{s}", path.display())).unwrap_or_default();
            b.windows(needle.len()).any(|x| x == needle.as_bytes())
        })
    };
    // The first run, four years ago (as the registre dates it).
    let age = |when: &str| {
        let c = rusqlite::Connection::open(&path).unwrap();
        c.execute("UPDATE runs SET started = ?1 WHERE results LIKE '%r.csv'", [when]).unwrap();
        c.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);").unwrap();
    };
    age("2022-12-01T09:00:00+01:00");
    // Kept at 0 months (retention off).
    std::fs::write(w.path("loopbatch.toml"), "registre_retention_months = 0\n").unwrap();
    run(&later, "r2.csv");
    assert!(holds("g0@exemple.fr"), "0 keeps everything");
    // The default (36 months): forgotten at the next run's start, the recent run kept.
    std::fs::remove_file(w.path("loopbatch.toml")).unwrap();
    run(&last, "r3.csv");
    assert!(!holds("g0@exemple.fr") && !holds("Prenom0"), "the old run's people forgotten");
    assert!(holds("h0@exemple.fr"), "the recent run's kept");
}

/// A migration from schema 1, or 2, that fails (here: a table of its name
/// already there) changes nothing: the registre stays of its schema, whole,
/// and the copy made before the migration is kept beside it.
#[test]
fn a_failed_migration_leaves_the_registre_whole_and_its_copy_beside_it() {
    for (found, clash) in [(1, "checks"), (2, "sealed")] {
        let w = Work::new();
        let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("tests/fixtures/registre-v{found}.sqlite3"));
        let path = w.path("old.sqlite3");
        std::fs::copy(&fixture, &path).unwrap();
        {
            let c = rusqlite::Connection::open(&path).unwrap();
            c.execute_batch(&format!("CREATE TABLE {clash}(x); PRAGMA wal_checkpoint(TRUNCATE);")).unwrap();
        }
        let out = w.bin().args(["registre", "check", "--registre"]).arg(&path).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        let c = rusqlite::Connection::open(&path).unwrap();
        let version: i64 = c.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
        assert_eq!(version, found, "not migrated");
        let runs: i64 = c.query_row("SELECT count(*) FROM runs", [], |r| r.get(0)).unwrap();
        assert!(runs > 0, "its runs kept");
        let copy = w.path(&format!("old.sqlite3.v{found}-avant-migration"));
        let kept = rusqlite::Connection::open(&copy).unwrap();
        let copied: i64 = kept.query_row("SELECT count(*) FROM runs", [], |r| r.get(0)).unwrap();
        assert_eq!(copied, runs, "the copy holds the registre as it was");
    }
}

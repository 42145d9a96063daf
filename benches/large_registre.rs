//! A registre of years of use, made once and kept under target/: 1,000,000
//! answered calls over some hundreds of runs of a cabinet of 150,000
//! dossiers and 300,000 contacts. Each run onboards a stretch of the
//! portfolio (a company, a contact with names and phone, an offer per
//! row); every fifth run resumes the plan of the one before (its plan and
//! calls not stored again); dossiers come back in later runs (their bodies
//! stored once). One call in ten needed a second attempt. Written through
//! the registre's own API, one transaction per run's records.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::time::Instant;

use loopbatch::job::{AttemptEvent as Event, CallOutcome, Lang, NewRun, PlannedCall, Record, Registre, Status};

/// Answered calls in the large registre.
pub(crate) const CALLS: usize = 1_000_000;
pub(crate) const DOSSIERS: usize = 150_000;
/// Bump when what is generated changes: the cached file is made again.
const GENERATION: u32 = 3;

/// The cached large registre, made if missing (its path, and whether it
/// was made now).
pub(crate) fn large_registre() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench-registre");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("registre-{CALLS}-g{GENERATION}-{}.sqlite3", env!("CARGO_PKG_VERSION")));
    if !path.exists() {
        let making = dir.join("en-cours.sqlite3");
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", making.display()));
        }
        let started = Instant::now();
        generate(&making, CALLS);
        std::fs::rename(&making, &path).unwrap();
        println!("  (generated {} in {:.1} s)", path.display(), started.elapsed().as_secs_f64());
    }
    path
}

/// A contact's e-mail: dossier `d`'s `k`-th.
pub(crate) fn email(d: usize, k: usize) -> String {
    format!("contact{k}.d{d:05}@client{}.fr", d % 997)
}

pub(crate) fn dossier(d: usize) -> String {
    format!("D{d:05}")
}

struct Call {
    operation: &'static str,
    dossier: String,
    email: Option<String>,
    body: String,
}

fn plan_calls(first: usize, rows: usize, variant: usize) -> Vec<Call> {
    let mut calls = Vec::with_capacity(rows * 3);
    for i in 0..rows {
        let d = (first + i) % DOSSIERS;
        let code = dossier(d);
        let e = email(d, (variant + i) % 2);
        calls.push(Call {
            operation: "provisionCompany",
            body: format!(r#"{{"code":"{code}","raisonSociale":"Société {d} SARL","statut":"Opérationnel"}}"#),
            dossier: code.clone(),
            email: None,
        });
        calls.push(Call {
            operation: "addClient",
            body: format!(
                r#"{{"code":"{code}","email":"{e}","nom":"Nom{d}","prenom":"Prénom{}","telephone":"+3361234{:04}"}}"#,
                variant % 7,
                d % 10_000
            ),
            dossier: code.clone(),
            email: Some(e),
        });
        let offer = ["start", "essentiel", "premium"][(variant + d) % 3];
        calls.push(Call {
            operation: "addOffer",
            body: format!(r#"{{"code":"{code}","offre":"{offer}"}}"#),
            dossier: code,
            email: None,
        });
    }
    calls
}

fn outcome(run: usize, call: usize, attempts: u32) -> CallOutcome {
    let (status, message, code) = match call % 40 {
        0 => (Status::Erreur, "Le dossier est verrouillé par un autre utilisateur.", 409),
        1 => (Status::Ok, "Offre déjà active sur ce dossier.", 200),
        _ => (Status::Ok, "", 200),
    };
    CallOutcome {
        status,
        code_http: Some(code),
        message: message.into(),
        request_id: format!("{:08x}-{:04x}-{call:06}", run * 7919, call % 65_536),
        object_id: if call.is_multiple_of(3) { format!("{:08x}-4a1b-9c2d-{call:012x}", run) } else { String::new() },
        attempts,
        timestamp: format!("2025-{:02}-{:02}T10:{:02}:{:02}+01:00", run % 12 + 1, run % 28 + 1, call % 60, call % 59),
        resend_on_resume: false,
        already: false,
    }
}

/// Writes `calls` answered calls into a new registre at `path`.
pub(crate) fn generate(path: &Path, calls: usize) {
    let mut reg = Registre::open(path, Lang::Fr).unwrap();
    let (mut done, mut run_no, mut previous): (usize, usize, Option<(String, usize, usize)>) = (0, 0, None);
    // Runs go through the portfolio in turn, and round it again.
    let mut next = 0;
    while done < calls {
        // Runs of 300 to 3,000 rows; every fifth one resumes the last plan.
        let resume = run_no % 5 == 4 && previous.is_some();
        let (hash, first, rows) = match (&previous, resume) {
            (Some(p), true) => p.clone(),
            _ => {
                let rows = 300 + (run_no * 613) % 2_700;
                let rows = rows.min((calls - done).div_ceil(3));
                (format!("{:064x}", run_no as u128 * 0x9e37_79b9_7f4a_7c15), next, rows)
            }
        };
        let plan = plan_calls(first, rows, run_no);
        let planned: Vec<PlannedCall<'_>> = plan
            .iter()
            .enumerate()
            .map(|(i, c)| PlannedCall {
                id: i as u32,
                operation: c.operation,
                dossier: &c.dossier,
                email: c.email.clone(),
                body: &c.body,
            })
            .collect();
        let new = NewRun {
            sheet: format!("onboarding-{run_no}.xlsx"),
            sheet_sha256: format!("{:064x}", run_no),
            plan_hash: hash.clone(),
            tenant: Some(serde_json::json!({"cle": "abcd…wxyz", "empreinte": "f00d"})),
            results: PathBuf::from(format!("/home/comptable/Documents/resultats-{run_no}.xlsx")),
        };
        let run = reg.start_run(&new, &planned).unwrap();
        let take = planned.len().min(calls - done);
        let mut records = Vec::with_capacity(take * 4);
        for call in 0..take as u32 {
            let tries = if call % 10 == 7 { 2 } else { 1 };
            for attempt in 1..=tries {
                records.push(Record::Attempt { call, attempt, event: Event::Reserved });
                records.push(Record::Attempt { call, attempt, event: Event::Sending });
            }
            records.push(Record::Answered { call, outcome: outcome(run_no, call as usize, tries) });
        }
        reg.write(run, &records, false, &|_| {}).unwrap();
        reg.end_run(run, &serde_json::json!({"OK": take}), true).unwrap();
        reg.checkpoint(false);
        done += take;
        if !resume {
            next = (first + rows) % DOSSIERS;
        }
        previous = Some((hash, first, rows));
        run_no += 1;
    }
    reg.checkpoint(true);
}

//! Forgetting a person or a dossier (`registre forget`, a kept run deleted
//! in the page, the runs older than `registre_retention_months`): the
//! personal fields of their calls (e-mail, names and phone in the bodies,
//! Loop's messages) are removed; each call keeps a tombstone — a keyed hash
//! of its operation and body, its attempts, their effects and order — and
//! the keyed hashes of the things it changed and of the state it left each
//! in (`sealed`), so that the memory of what was done, and the order undo
//! needs, still hold. The dossier code stays (a company's code in the
//! cabinet, not a person's data; the history and the memory find a
//! dossier's calls by it). The deleted content is overwritten
//! (`secure_delete`) and the WAL emptied.

use rusqlite::params;

use crate::error::Result;

use super::Registre;

/// What `forget` removed.
#[derive(Debug, Clone, PartialEq)]
pub struct Forgotten {
    /// Calls whose personal fields were removed.
    pub calls: usize,
    /// Whether the old pages were overwritten everywhere (false: another
    /// program was reading the registre, the WAL still holds them).
    pub emptied: bool,
}

impl Registre {
    /// Forgets every call for the e-mail or dossier code `who`; `key` keys
    /// the tombstones' hashes (the user's secret).
    pub fn forget(&mut self, who: &str, key: &[u8]) -> Result<Forgotten> {
        // The registre keeps addresses as `email_key` makes them (NFC, lower
        // case in full): SQLite's `lower` folds ASCII letters only, so an
        // accented capital (`…@CAFÉ.FR`) or a decomposed accent typed here
        // is made the same way first (issue 21 review).
        let email = crate::normalize::email_key(who);
        let mut done =
            self.forget_calls("c.email = ?1 OR lower(c.email) = ?1 OR c.dossier = ?2", &[&email, who.trim()], key)?;
        if done.calls == 0 {
            // Forgotten before, maybe while a reader held the WAL back (said
            // then, with « run it again »): the overwritten pages may still
            // be in the WAL only, the old ones in the file. Folded now, or
            // said again (issue 21 review).
            done.emptied = self.checkpoint(true);
        }
        Ok(done)
    }

    /// Forgets every call of the runs recorded for `results` (a kept run
    /// deleted in the page): the same tombstones as `forget`.
    pub fn forget_run(&mut self, results: &std::path::Path, key: &[u8]) -> Result<Forgotten> {
        let results = super::canonical(results);
        let plans = "c.plan IN (SELECT p.id FROM plans p JOIN runs r ON r.plan = p.hash WHERE r.results = ?1)";
        self.forget_calls(plans, &[&results], key)
    }

    /// Forgets the calls of plans last run more than `months` months ago
    /// (`registre_retention_months`); the registre's own dates, ISO 8601
    /// with their offset, compared as SQLite reads them.
    pub fn forget_older_than(&mut self, months: u32, key: &[u8]) -> Result<Forgotten> {
        let plans = "c.plan IN (SELECT p.id FROM plans p JOIN runs r ON r.plan = p.hash GROUP BY p.id
                     HAVING max(julianday(r.started)) < julianday('now', ?1))";
        self.forget_calls(plans, &[&format!("-{months} months")], key)
    }

    /// Forgets the calls `filter` (SQL on `calls c`, with `param` as its
    /// parameters) selects.
    fn forget_calls(&mut self, filter: &str, param: &[&str], key: &[u8]) -> Result<Forgotten> {
        let (path, lang) = (self.path.clone(), self.lang);
        let failed = |e: rusqlite::Error| super::open::failure(&path, &e, lang);
        let tx = self.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate).map_err(failed)?;
        let found: Vec<Found> = {
            let mut stmt = tx
                .prepare(&format!(
                    "SELECT c.plan, c.call, c.operation, c.dossier, b.body FROM calls c
                     LEFT JOIN bodies b ON b.hash = c.body WHERE c.forgotten IS NULL AND ({filter})"
                ))
                .map_err(failed)?;
            stmt.query_map(rusqlite::params_from_iter(param), |r| {
                Ok(Found {
                    plan: r.get(0)?,
                    call: r.get(1)?,
                    operation: r.get(2)?,
                    dossier: r.get(3)?,
                    body: r.get(4)?,
                })
            })
            .and_then(|rows| rows.collect())
            .map_err(failed)?
        };
        let sealer = super::sealed::Sealer::new(key);
        let mut insert = tx
            .prepare_cached("INSERT OR REPLACE INTO sealed(plan, call, email, things) VALUES (?1, ?2, ?3, ?4)")
            .map_err(failed)?;
        for f in &found {
            let (plan, call, operation) = (&f.plan, &f.call, &f.operation);
            let tombstone = keyed_hash(key, operation, f.body.as_deref().unwrap_or_default());
            // What it changed, as prints, before its body goes.
            if let Some((email, things)) = sealer.as_ref().and_then(|s| prints_of(s, f)) {
                insert.execute(params![plan, call, email.as_ref().map(|e| &e[..]), things]).map_err(failed)?;
            }
            tx.execute(
                "UPDATE calls SET email = NULL, body = NULL, forgotten = ?1 WHERE plan = ?2 AND call = ?3",
                params![tombstone, plan, call],
            )
            .map_err(failed)?;
            tx.execute(
                "UPDATE attempts SET message = NULL WHERE call = ?1
                 AND run IN (SELECT r.id FROM runs r JOIN plans p ON p.hash = r.plan WHERE p.id = ?2)",
                params![call, plan],
            )
            .map_err(failed)?;
        }
        drop(insert);
        if found.is_empty() {
            // Nothing forgotten: no body left without its call, and none in
            // the WAL. Each run's start asks (the retention): on a registre
            // of a million calls, the search for orphan bodies costs seconds.
            tx.commit().map_err(failed)?;
            return Ok(Forgotten { calls: 0, emptied: true });
        }
        tx.execute("DELETE FROM bodies WHERE hash NOT IN (SELECT body FROM calls WHERE body IS NOT NULL)", [])
            .map_err(failed)?;
        tx.commit().map_err(failed)?;
        // The WAL still holds the old pages until it is folded and emptied;
        // a reader of another process holds it back (said, not hidden).
        let emptied = self.checkpoint(true);
        Ok(Forgotten { calls: found.len(), emptied })
    }
}

/// A call to forget.
struct Found {
    plan: i64,
    call: u32,
    operation: String,
    dossier: String,
    body: Option<String>,
}

/// The prints of what a call changed (its body read as the memory reads
/// it), and of its e-mail; `None` when it changed nothing the memory keeps.
fn prints_of(sealer: &super::sealed::Sealer, f: &Found) -> Option<(Option<super::sealed::Print>, Vec<u8>)> {
    let value = serde_json::from_str::<serde_json::Value>(f.body.as_deref()?).ok()?;
    let things = super::state::things_of(&f.operation, &f.dossier, &value);
    (!things.is_empty()).then(|| super::state::seal(sealer, &things))
}

fn keyed_hash(key: &[u8], operation: &str, body: &str) -> String {
    use hmac::{Hmac, Mac};
    let Ok(mut mac) = <Hmac<sha2::Sha256> as Mac>::new_from_slice(key) else { return String::new() };
    mac.update(operation.as_bytes());
    mac.update(&[0]);
    mac.update(body.as_bytes());
    mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Lang;
    use crate::outcome::{CallOutcome, Status};
    use crate::registre::state::{Memory, Target, Thing};
    use crate::registre::{FILE_NAME, NewRun, PlannedCall};

    const ADD: &str =
        r#"{"email":"Ana@Exemple.fr","codeDossier":"C001","offre":"start","nom":"Durand","telephone":"0601"}"#;

    fn ok(reg: &Registre, run: i64, call: u32) {
        let o = CallOutcome {
            status: Status::Ok,
            code_http: Some(200),
            message: if call == 2 { "Ana Durand créée" } else { "dossier créé" }.into(),
            request_id: format!("req-{run}-{call}"),
            object_id: String::new(),
            attempts: 1,
            timestamp: "2026-12-06T10:00:00+01:00".into(),
            resend_on_resume: false,
            already: false,
        };
        reg.answered(run, call, &o).unwrap();
    }

    fn memory(reg: &mut Registre, secret: Option<&[u8]>) -> Memory {
        reg.memory(&["C001"], &["ana@exemple.fr".into()], &|_| true, Default::default(), secret).unwrap()
    }

    fn field(v: &str) -> (Thing, Target) {
        (Thing::Field("ana@exemple.fr".into(), "telephone".into()), Target::Value(format!("\"{v}\"")))
    }

    /// Forgotten by e-mail, by a deleted kept run, or by the retention: the
    /// memory still knows the person created, her offer given and her phone
    /// as sent, by the prints kept under the same secret (with another
    /// secret, or none, it does not), and nothing kept holds her e-mail or
    /// her name.
    #[test]
    fn a_forgotten_call_stays_in_the_memory_by_its_prints_only() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE_NAME);
        let calls = || {
            vec![
                PlannedCall {
                    id: 1,
                    operation: "provisionCompany",
                    dossier: "C001",
                    email: None,
                    body: r#"{"codeDossier":"C001"}"#,
                },
                PlannedCall {
                    id: 2,
                    operation: "addClient",
                    dossier: "C001",
                    email: Some("ana@exemple.fr".into()),
                    body: ADD,
                },
            ]
        };
        let results = dir.path().join("r.csv");
        std::fs::write(&results, "").unwrap();
        let new =
            NewRun { sheet: "s.csv".into(), plan_hash: "p1".into(), results: results.clone(), ..Default::default() };
        for forget in ["e-mail", "run", "retention"] {
            let _ = std::fs::remove_file(&path);
            let mut reg = Registre::open(&path, Lang::Fr).unwrap();
            let run = reg.start_run(&new, &calls()).unwrap();
            ok(&reg, run, 1);
            ok(&reg, run, 2);
            let forgotten = match forget {
                "e-mail" => reg.forget(" ANA@exemple.fr", b"secret").unwrap(),
                "run" => reg.forget_run(&results, b"secret").unwrap(),
                _ => {
                    reg.conn.execute("UPDATE runs SET started = '2020-01-01T09:00:00+01:00'", []).unwrap();
                    reg.forget_older_than(12, b"secret").unwrap()
                }
            };
            assert!(forgotten.calls >= 1 && forgotten.emptied, "{forget}: {forgotten:?}");
            let m = memory(&mut reg, Some(b"secret"));
            let created = Thing::Created("ana@exemple.fr".into());
            assert_eq!(m.state(&created).map(|s| (s.0, s.1.run)), Some((Target::On, run)), "{forget}");
            let person = Thing::Person("C001".into(), "ana@exemple.fr".into(), "start".into());
            assert!(m.left(&person, &Target::On).is_some(), "{forget}");
            let (phone, same) = field("0601");
            assert!(m.left(&phone, &same).is_some(), "{forget}: the same phone, compared as sent");
            assert!(m.left(&phone, &field("0602").1).is_none(), "{forget}: another phone");
            assert!(m.left(&Thing::Dossier("C001".into()), &Target::On).is_some(), "{forget}");
            for other in [Some(&b"another secret"[..]), None] {
                assert!(memory(&mut reg, other).state(&created).is_none(), "{forget}: no print without its secret");
            }
            let (sealed, emails): (i64, i64) = reg
                .conn
                .query_row("SELECT sum(length(things)), count(email) FROM sealed", [], |r| Ok((r.get(0)?, r.get(1)?)))
                .unwrap();
            assert!(emails >= 1 && sealed >= 32 * 4, "{forget}: {sealed}");
            drop(reg);
            let bytes: Vec<u8> = ["", "-wal"]
                .iter()
                .flat_map(|s| std::fs::read(format!("{}{s}", path.display())).unwrap_or_default())
                .collect();
            for needle in ["ana@exemple.fr", "Ana@Exemple.fr", "Durand", "0601"] {
                assert!(!bytes.windows(needle.len()).any(|w| w == needle.as_bytes()), "{forget}: {needle} kept");
            }
        }
    }

    /// A later run's calls forgotten (its kept run deleted): an undo of the
    /// earlier run still sees that the later one changed the person's phone
    /// and offer, by their prints.
    #[test]
    fn an_undo_still_sees_what_a_later_forgotten_run_changed() {
        let dir = tempfile::tempdir().unwrap();
        let mut reg = Registre::open(&dir.path().join(FILE_NAME), Lang::Fr).unwrap();
        let add = [PlannedCall {
            id: 1,
            operation: "addClient",
            dossier: "C001",
            email: Some("ana@exemple.fr".into()),
            body: ADD,
        }];
        let update = r#"{"email":"ana@exemple.fr","codeDossier":"C001","offre":"start","telephone":"0602"}"#;
        let change = [PlannedCall {
            id: 1,
            operation: "updateClient",
            dossier: "C001",
            email: Some("ana@exemple.fr".into()),
            body: update,
        }];
        let new = |plan: &str, results: &str| NewRun {
            sheet: "s.csv".into(),
            plan_hash: plan.into(),
            results: dir.path().join(results),
            ..Default::default()
        };
        let first = reg.start_run(&new("p1", "r1.csv"), &add).unwrap();
        ok(&reg, first, 1);
        let second = reg.start_run(&new("p2", "r2.csv"), &change).unwrap();
        ok(&reg, second, 1);
        reg.forget_run(&dir.path().join("r2.csv"), b"secret").unwrap();
        let undone = |reg: &Registre| reg.undone_run(crate::registre::undo::RunKey::Id(first)).unwrap().unwrap();
        let (phone, _) = field("0601");
        let person = Thing::Person("C001".into(), "ana@exemple.fr".into(), "start".into());
        let run = undone(&reg);
        let facts = reg.undo_facts(run, &|_| true, Some(b"secret")).unwrap();
        assert_eq!(facts.calls.len(), 1, "the undone run's own call is whole");
        assert_eq!((facts.changed_later(&phone), facts.changed_later(&person)), (Some(second), Some(second)));
        let run = undone(&reg);
        let blind = reg.undo_facts(run, &|_| true, None).unwrap();
        assert_eq!(blind.changed_later(&phone), None, "without the secret, nothing is found");
    }

    /// The send-time check: another run's call forgotten after its answer
    /// still makes the same call of this run « done meanwhile », by its
    /// prints (a forget between two overlapping runs).
    #[test]
    fn the_send_time_check_sees_a_forgotten_call_of_another_run() {
        use crate::registre::guard::{Guard, Refused};
        let dir = tempfile::tempdir().unwrap();
        let mut reg = Registre::open(&dir.path().join(FILE_NAME), Lang::Fr).unwrap();
        let add = [PlannedCall {
            id: 1,
            operation: "addClient",
            dossier: "C001",
            email: Some("ana@exemple.fr".into()),
            body: ADD,
        }];
        let new = |results: &str| NewRun {
            sheet: "s.csv".into(),
            plan_hash: "p1".into(),
            results: dir.path().join(results),
            ..Default::default()
        };
        let other = reg.start_run(&new("r1.csv"), &add).unwrap();
        let me = reg.start_run(&new("r2.csv"), &add).unwrap();
        ok(&reg, other, 1);
        reg.forget("ana@exemple.fr", b"secret").unwrap();
        for (secret, refused) in [(Some(&b"secret"[..]), true), (None, false)] {
            let calls = std::iter::once((1, "addClient", "C001", ADD));
            let mut guard = Guard::new(0, calls, Box::new(|_| true), secret);
            guard.read(&reg.conn, me).unwrap();
            let verdict = guard.verdict(1);
            assert_eq!(
                matches!(verdict, Some(Refused::DoneMeanwhile { run, .. }) if run == other),
                refused,
                "{verdict:?}"
            );
        }
    }

    /// The undone run's own calls forgotten: their effects stay, and their
    /// bodies come from the run's kept plan (the same calls by its hash).
    #[test]
    fn an_undo_of_a_run_whose_people_were_forgotten_takes_their_calls_from_its_plan() {
        let dir = tempfile::tempdir().unwrap();
        let mut reg = Registre::open(&dir.path().join(FILE_NAME), Lang::Fr).unwrap();
        let add = [PlannedCall {
            id: 1,
            operation: "addClient",
            dossier: "C001",
            email: Some("ana@exemple.fr".into()),
            body: ADD,
        }];
        let new = NewRun {
            sheet: "s.csv".into(),
            plan_hash: "p1".into(),
            results: dir.path().join("r1.csv"),
            ..Default::default()
        };
        let run = reg.start_run(&new, &add).unwrap();
        ok(&reg, run, 1);
        reg.forget("ana@exemple.fr", b"secret").unwrap();
        let undone = reg.undone_run(crate::registre::undo::RunKey::Id(run)).unwrap().unwrap();
        let mut facts = reg.undo_facts(undone, &|_| true, Some(b"secret")).unwrap();
        assert!(facts.calls.is_empty(), "no body in the registre");
        facts.with_bodies(std::iter::once((1, "updateClient", "C001", ADD)));
        assert!(facts.calls.is_empty(), "another operation is another call");
        facts.with_bodies(std::iter::once((1, "addClient", "C001", ADD)));
        let call = &facts.calls[&1];
        assert_eq!(
            (call.effect, call.body["email"].as_str()),
            (crate::registre::undo::Effect::Changed, Some("Ana@Exemple.fr"))
        );
    }
}

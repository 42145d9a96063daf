//! The sentences as the user reads them, kept as snapshots (`cargo insta
//! review` shows a wording change as a diff to accept), in both languages.

use std::path::Path;

use super::*;
use crate::error::{CallFault, CallRef, InputProblem, PlanProblem, ResultsProblem, WriteProblem};
use crate::headers::Field;
use crate::problems::{Absence, Needed, Person, Place, Repair};

fn place(line: u32) -> Place {
    Place { sheet: "clients".into(), line }
}

fn problems() -> Vec<Problem> {
    let invalid = |field: Field, value: &str, expected| Problem::Invalid {
        field,
        column: field.name().into(),
        value: value.into(),
        expected,
    };
    vec![
        invalid(Field::Email, "a@@x.fr", Expected::Email),
        invalid(Field::Telephone, "4412345678901", Expected::PhoneWithPlus),
        invalid(Field::Action, "supprimer", Expected::Action { actions: "onboarding, provisionner".into() }),
        invalid(Field::CodeDossier, "NOPE", Expected::LinkedDossier),
        Problem::ActionBlank { column: "action".into(), suggestion: "ajouter_offre", actions: "onboarding".into() },
        Problem::Missing {
            needed: Needed::Offer,
            column: "offre".into(),
            absence: Absence::NotInSheet,
            action: "onboarding",
        },
        Problem::SameOffer { offer: "start" },
        Problem::SharedEmail {
            email: "a@x.fr".into(),
            people: vec![
                Person { at: place(2), prenom: "Anne".into(), nom: "Alpha".into() },
                Person { at: place(3), prenom: "Bob".into(), nom: "Beta".into() },
            ],
        },
        Problem::Duplicate { of: place(2) },
    ]
}

fn warnings() -> Vec<Warning> {
    vec![
        Warning::Read { column: "nom".into(), repair: Repair::LineBreaks },
        Warning::PhoneZeroRestored { column: "telephone".into(), value: "612345678".into(), sent: "0612345678".into() },
        Warning::CodePadded { column: "code".into(), value: "42".into(), padded: "00042".into(), number: true },
        Warning::RemovesFromAll { offer: "start" },
        Warning::NotTheirDossier {
            me: "moi@cabinet.fr".into(),
            code: "D1".into(),
            master: "m@cabinet.fr".into(),
            manager: "g@cabinet.fr".into(),
        },
    ]
}

fn failures() -> Vec<Failure> {
    let file = Path::new("clients.xlsx");
    vec![
        Failure::input(file, InputProblem::NotFound),
        Failure::input(file, InputProblem::PasswordProtected),
        Failure::input(file, InputProblem::NoCodeDossierColumn { seen: vec!["nom".into(), "ville".into()] }),
        Failure::Internal { what: "task panicked".into() },
        Failure::results(Path::new("resultats.pdf"), ResultsProblem::Extension),
        Failure::results(Path::new("r.csv"), ResultsProblem::NotResults),
        Failure::write(Path::new("resultats"), WriteProblem::Folder),
        Failure::plan(Path::new("plan.json"), PlanProblem::OtherVersion { found: 0, expected: 1 }),
        Failure::plan(
            Path::new("plan.json"),
            PlanProblem::Call {
                call: CallRef { id: 7, operation: "addClient", dossier: "D1".into() },
                fault: CallFault::NotAnEarlierCall { depends_on: 9 },
            },
        ),
    ]
}

/// Every sentence of a list, one a line.
fn said<T: Text>(items: &[T], lang: Lang) -> String {
    items.iter().map(|i| i.text(lang)).collect::<Vec<_>>().join("\n")
}

#[test]
fn a_rows_problems_in_french_and_english() {
    insta::assert_snapshot!("problems_fr", said(&problems(), Lang::Fr));
    insta::assert_snapshot!("problems_en", said(&problems(), Lang::En));
}

#[test]
fn a_rows_warnings_in_french_and_english() {
    insta::assert_snapshot!("warnings_fr", said(&warnings(), Lang::Fr));
    insta::assert_snapshot!("warnings_en", said(&warnings(), Lang::En));
}

#[test]
fn failures_in_french_and_english() {
    insta::assert_snapshot!("failures_fr", said(&failures(), Lang::Fr));
    insta::assert_snapshot!("failures_en", said(&failures(), Lang::En));
}

#[test]
fn the_page_groups_a_value_problem_without_its_value() {
    let [a, b] = ["a@@x.fr", "b@"].map(|v| Problem::Invalid {
        field: Field::Email,
        column: "E-mail".into(),
        value: v.into(),
        expected: Expected::Email,
    });
    assert_eq!(kind(&a, Lang::Fr), kind(&b, Lang::Fr));
    insta::assert_snapshot!("kind_fr", kind(&a, Lang::Fr));
    assert_eq!(
        kind(&Problem::SameOffer { offer: "start" }, Lang::En),
        Problem::SameOffer { offer: "start" }.text(Lang::En)
    );
}

#[test]
fn the_checks_summary_on_the_command_line() {
    let at = place(4);
    let sheets = ["clients", "offres"];
    let said = |lang| {
        [
            Message::CheckedFile { path: Path::new("clients.xlsx"), sheets: &sheets },
            Message::CheckedRows { rows: 10, valid: 7, invalid: 2, ignored: 1, with_warnings: 3 },
            Message::InvalidRow { at: &at, problems: "…" },
            Message::MoreInvalidRows { n: 5 },
        ]
        .iter()
        .map(|m| m.text(lang))
        .collect::<Vec<_>>()
        .join("\n")
    };
    insta::assert_snapshot!("check_summary_fr", said(Lang::Fr));
    insta::assert_snapshot!("check_summary_en", said(Lang::En));
}

#[test]
fn a_command_line_that_cannot_be_understood() {
    let usage = Usage::InvalidValue {
        value: "xml".into(),
        arg: "--format <FORMAT>".into(),
        valid: "text, json".into(),
        form: None,
    };
    insta::assert_snapshot!("usage_fr", usage.text(Lang::Fr));
    insta::assert_snapshot!("usage_en", usage.text(Lang::En));
}

#[test]
fn the_pages_sentences() {
    let said = |lang| {
        let rerun = [3, 1].map(|calls| RunMessage::RerunCalls { calls, host: "api.cegid.com" }.text(lang));
        let refused =
            [Message::UploadEmpty { name: "clients.xlsx" }, Message::NoSuchColumn { column: "mail", sheet: "clients" }]
                .map(|m| m.text(lang));
        [rerun, refused].concat().join("\n")
    };
    insta::assert_snapshot!("page_fr", said(Lang::Fr));
    insta::assert_snapshot!("page_en", said(Lang::En));
}

#[test]
fn why_a_row_was_not_run_on_the_page_and_the_command_line() {
    let said = |lang| {
        [true, false]
            .into_iter()
            .flat_map(|on_page| {
                [
                    RunMessage::NotRun { stop: Some(Stop::WaitTooLong { secs: 120 }), on_page },
                    RunMessage::Unsettled { on_page },
                    RunMessage::Stopped { stop: Stop::Interrupted, on_page },
                ]
            })
            .map(|m| m.text(lang))
            .collect::<Vec<_>>()
            .join("\n")
    };
    insta::assert_snapshot!("not_run_fr", said(Lang::Fr));
    insta::assert_snapshot!("not_run_en", said(Lang::En));
}

/// A file the system will not open or read is said in the user's words
/// with what to do, never the system's English text.
#[test]
fn the_systems_errors_are_said_in_the_users_words() {
    let denied = || std::io::Error::from_raw_os_error(13);
    for problem in [InputProblem::CannotOpen, InputProblem::Unreadable] {
        let f = Failure::Input { file: "clients.xlsx".into(), problem: problem.clone(), cause: Some(denied()) };
        let fr = f.text(Lang::Fr);
        assert!(fr.contains(" : accès refusé. Fermez-le dans Excel"), "{fr}");
        assert!(!fr.contains("Permission denied") && !fr.contains("os error"), "{fr}");
        let en = f.text(Lang::En);
        assert!(en.contains(": access refused. Close it in Excel") && !en.contains("os error"), "{en}");
    }
}

/// A full disk, as the system says it on any platform.
fn full() -> std::io::Error {
    std::io::Error::from(std::io::ErrorKind::StorageFull)
}

fn refusals() -> Vec<Failure> {
    use crate::error::{Halt, Holder, LoopHubCall, LoopHubFault, Refusal};
    let registre = || Path::new("registre.sqlite").to_path_buf();
    let holder =
        Holder { user: "claire".into(), machine: "PC-12".into(), pid: 42, since: "2026-12-03T10:04:00+01:00".into() };
    vec![
        Failure::refused(Refusal::RegistreDamaged { file: registre() }),
        Failure::refused(Refusal::RegistreNewer { file: registre(), by: Some("0.9.0".into()) }),
        Failure::refused(Refusal::RegistreNoRoom { folder: "données".into(), free_mb: 12, needed_mb: 50 }),
        Failure::refused(Refusal::ConfigInvalid {
            file: "loopbatch.toml".into(),
            line: Some(3),
            fault: crate::error::ConfigFault::Syntax { detail: "expected `]`".into() },
        }),
        Failure::refused(Refusal::ConfigInvalid {
            file: "loopbatch.toml".into(),
            line: None,
            fault: crate::error::ConfigFault::of("unknown field `rythme`, expected one of `rate`, `burst`"),
        }),
        Failure::refused(Refusal::KeyMissing { api: true }),
        Failure::refused(Refusal::RunTaken { results: "resultats.xlsx".into(), holder: Some(holder) }),
        Failure::refused(Refusal::RunTaken { results: "resultats.xlsx".into(), holder: None }),
        Failure::refused(Refusal::OtherKey { recorded: "ab***yz".into(), now: "ab***yz".into(), look_alike: true }),
        Failure::refused(Refusal::Memory(crate::error::MemoryRefusal::VerifyNoLine {
            sheet: "Feuil1".into(),
            line: 7,
        })),
        Failure::refused(Refusal::History(crate::error::HistoryRefusal::BadDate { value: "31/13/2026".into() })),
        Failure::refused(Refusal::Undo(crate::error::UndoRefusal::NotEnded { run: 12 })),
        Failure::halted(Halt::RegistreUnwritable { file: registre(), error: (&full()).into() }),
        Failure::halted(Halt::LoopHub {
            call: LoopHubCall { method: "POST".into(), route: "/loophub/folders".into(), key: "ab***yz".into() },
            fault: LoopHubFault::Fatal {
                kind: crate::loop_api::FatalKind::RouteNotFound,
                status: 404,
                message: "Resource not found".into(),
            },
        }),
    ]
}

#[test]
fn what_keeps_a_command_from_starting_or_stops_it() {
    insta::assert_snapshot!("refusals_fr", said(&refusals(), Lang::Fr));
    insta::assert_snapshot!("refusals_en", said(&refusals(), Lang::En));
    for f in refusals() {
        assert_eq!(f.to_string(), f.text(Lang::Fr), "displayed in French, the default");
    }
}

#[test]
fn the_engines_words_about_one_call() {
    use crate::loop_api::FatalKind;
    use crate::loop_api::Operation;
    let route = RouteHint::Call { operation: Operation::AddOffer, route: "/collaborativeOffer/addOffer" };
    let said = |lang| {
        [
            CallText::FatalRow { kind: FatalKind::ApiKey, status: 401, message: "", route },
            CallText::Fatal { kind: FatalKind::RouteNotFound, status: 404, message: "Resource not found", route },
            CallText::Transport(TransportFault::Cut),
            CallText::DependencyFailed { dep: 3, operation: "provisionCompany", dossier: "D1" },
            CallText::LostTooOften {
                failures: 6,
                contact: Some(("Anne Alpha", "a@x.fr")),
                dossier: "D1",
                detail: "délai d'attente dépassé",
            },
            CallText::GaveUp { detail: "HTTP 503", attempts: 6 },
        ]
        .iter()
        .map(|m| m.text(lang))
        .collect::<Vec<_>>()
        .join("\n")
    };
    insta::assert_snapshot!("call_fr", said(Lang::Fr));
    insta::assert_snapshot!("call_en", said(Lang::En));
}

#[test]
fn what_commands_and_the_page_say_on_the_way() {
    let said = |lang| {
        [
            Notice::RegistreSound { file: Path::new("registre.sqlite"), runs: 3, attempts: 120 },
            Notice::Imported { journal: Path::new("r.xlsx.journal.jsonl"), records: 40, run: 2, damaged: true },
            Notice::Place { endpoint: "http://127.0.0.1:4001/api", domain: Some("CAB"), instance: Some("s1") },
            Notice::KeysSaid { kept: KeysKept::Typed, key: "ab***yz" },
            Notice::CallsDone { done: 1, total: 10 },
            Notice::PaceAllowed { rate: "2,5", per_second: 2.5 },
            Notice::Errors { n: 2 },
        ]
        .iter()
        .map(|m| m.text(lang))
        .collect::<Vec<_>>()
        .join("\n")
    };
    insta::assert_snapshot!("notices_fr", said(Lang::Fr));
    insta::assert_snapshot!("notices_en", said(Lang::En));
}

/// Issue 20's last fragments, whole sentences now: what is checked before
/// a run, its rescue, `--only-failed`'s words, the plan page's operations.
#[test]
fn what_is_checked_before_a_run_and_only_failed_words() {
    use crate::error::{NoProof, Refusal};
    let results = || Path::new("resultats.xlsx").to_path_buf();
    let refused = [
        Refusal::ResultsAreInput { results: results() },
        Refusal::ResultsOfARun { results: results() },
        Refusal::ResultsHaveTheirRun { results: results() },
        Refusal::NoRunStarted { results: results() },
        Refusal::RunOver { results: results() },
        Refusal::RunNotHeld {
            registre: "registre.sqlite".into(),
            results: results(),
            by: Some(("claire".into(), "PC-12".into())),
        },
        Refusal::RunNotHeld { registre: "registre.sqlite".into(), results: results(), by: None },
        Refusal::ResultsAreFolder { results: results() },
        Refusal::ResultsFolderUnwritable {
            folder: "partage".into(),
            error: (&std::io::Error::from(std::io::ErrorKind::PermissionDenied)).into(),
        },
        Refusal::NoProof(Box::new(NoProof::PlanMissing { plan: "resultats.xlsx.plan.json".into() })),
        Refusal::NoProof(Box::new(NoProof::RunUnknown { registre: "registre.sqlite".into(), results: results() })),
        Refusal::NoProof(Box::new(NoProof::OtherPlan { results: results(), plan: "p.json".into() })),
    ]
    .map(Failure::refused);
    let said_all = |lang| {
        let run = [
            RunMessage::ResultsNowhere { registre: Path::new("registre.sqlite"), on_page: true },
            RunMessage::ResultsNowhere { registre: Path::new("registre.sqlite"), on_page: false },
            RunMessage::RescueKept { n: 2, path: Path::new("r.rescue.jsonl") },
            RunMessage::RescueFailed { path: Path::new("r.rescue.jsonl"), error: &(&full()).into() },
            RunMessage::DoneInPreviousRun,
            RunMessage::NotRunAgain { on_page: true },
            RunMessage::NotRunAgain { on_page: false },
        ];
        let place = Notice::RunPlaceUnknown { results: "resultats.xlsx", place: "http://127.0.0.1:4001/api" };
        let ops = crate::loop_api::Operation::all().flat_map(|op| [1, 2].map(|n| op.done(n, lang)));
        [said(&refused, lang), said(&run, lang), place.text(lang), ops.collect::<Vec<_>>().join("\n")].join("\n")
    };
    insta::assert_snapshot!("before_run_fr", said_all(Lang::Fr));
    insta::assert_snapshot!("before_run_en", said_all(Lang::En));
}

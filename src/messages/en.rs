//! The English catalogue: every sentence whole, its values named.

use super::{Advice, MemoryMessage, Message, RunMessage, Stop, Text, WorkbookText};
use crate::error::{
    ArchiveFault, CallFault, CauseKind, Failure, Foreign, InputProblem, PlanProblem, ResultsProblem, SystemCause,
    WriteProblem,
};
use crate::loop_api::{KnownAnswer, Operation};
use crate::outcome::Status;
use crate::problems::{Absence, Expected, Needed, Person, Place, Problem, Repair, Warning};

fn place(p: &Place) -> String {
    format!("sheet « {} » row {}", p.sheet, p.line)
}

fn person(p: &Person) -> String {
    format!("{} ({} {})", place(&p.at), p.prenom, p.nom)
}

/// What is wrong with a value, after the value.
fn expected(e: &Expected) -> String {
    match e {
        Expected::Profile => "is not a Loop profile code (expected a number such as 2.0)".into(),
        Expected::Email => "is not a valid e-mail address (expected: first.last@domain.com)".into(),
        Expected::EmailWithoutInvisible => {
            "contains an invisible character (zero-width or direction mark, shown as �): retype the address".into()
        }
        Expected::NoControlCharacter => "contains a control character (shown as �) that nobody types: the file looks damaged; check this value in the original spreadsheet and save it again".into(),
        Expected::PhoneWithPlus => "is not a valid phone number: 11 digits or more without « + » (the spreadsheet probably took an international number for a number); type it with + and the country code, such as +33 6 12 34 56 78, in a cell formatted as Text".into(),
        Expected::Phone => "is not a valid phone number (expected 10 digits such as 06 12 34 56 78, or +33 6 12 34 56 78)".into(),
        Expected::CodeWithoutInvisible => "contains an invisible character (shown as �)".into(),
        Expected::Code => "is not a code dossier (letters, digits, - _ . without spaces, 50 characters at most)".into(),
        Expected::Offer => "is not a known offer (start, co-production or consultation)".into(),
        Expected::Boolean => "is not yes or no (yes/no, true/false, x, 1/0)".into(),
        Expected::Action { actions } => format!("is not a known action. Possible actions: {actions}"),
        Expected::LinkedDossier => "is not a dossier linked to this application key in LoopHub: link the dossier to the application in LoopHub first, this key cannot reach it".into(),
    }
}

pub(super) fn problem(p: &Problem) -> String {
    match p {
        Problem::Invalid { column, value, expected: e, .. } => {
            format!("column « {column} » : « {value} » {}", expected(e))
        }
        Problem::ActionBlank { column, suggestion, actions } => format!(
            "column « {column} » blank although the row asks for an offer: write the action to do, for example {suggestion} (possible actions: {actions})"
        ),
        Problem::Missing { needed, column, absence, action } => {
            let state = match absence {
                Absence::Blank => "blank",
                Absence::NotInSheet => "missing from this sheet",
                Absence::NotInFile => "missing from the file",
            };
            let what = match needed {
                Needed::CodeDossier => "needs a code dossier",
                Needed::Email => "needs the contact's e-mail",
                Needed::Offer => "needs an offer (start, co-production or consultation)",
                Needed::OldOffer => "needs the offer to replace",
            };
            format!("column « {column} » {state} : action « {action} » {what}")
        }
        Problem::SameOffer { offer } => {
            format!("offre and ancienne_offre are both « {offer} » : there is nothing to change")
        }
        Problem::SharedEmail { email, people } => format!(
            "e-mail {email} is given to different people in the file (one e-mail = one contact): {}",
            people.iter().map(person).collect::<Vec<_>>().join(", ")
        ),
        Problem::Duplicate { of } => format!("duplicate row: same as {}", place(of)),
    }
}

pub(super) fn warning(w: &Warning) -> String {
    match w {
        Warning::InvisibleSpaces { column } => {
            format!("column « {column} » : non-breaking or invisible spaces removed around the value")
        }
        Warning::Read { column, repair } => {
            let what = match repair {
                Repair::MixedEncoding => {
                    "text in another encoding than the rest of the file (mixed encodings, UTF-8 and Windows-1252): check the accents"
                }
                Repair::ControlCharacters => "control characters (NUL…) removed",
                Repair::LineBreaks => "line break (Alt+Enter) or tab replaced by a space",
            };
            format!("column « {column} » : {what}")
        }
        Warning::PhoneZeroRestored { column, value, sent } => format!(
            "column « {column} » : « {value} » was stored as a number by the spreadsheet (leading zero lost): repaired as {sent}"
        ),
        Warning::PhonePlusRestored { column, value, sent } => format!(
            "column « {column} » : « {value} » is a French number written with its country code whose « + » the spreadsheet lost (it took it for a number): sent as {sent}"
        ),
        Warning::PhoneForeign { column, value } => {
            format!("column « {column} » : « {value} » foreign number, sent in international form")
        }
        Warning::CodePadded { column, value, padded, number: true } => format!(
            "column « {column} » : « {value} » stored as a number by the spreadsheet : padded to {padded} (code_dossier_width in the configuration)"
        ),
        Warning::CodePadded { column, value, padded, number: false } => format!(
            "column « {column} » : « {value} » shorter than the configured width : padded to {padded} (code_dossier_width in the configuration)"
        ),
        Warning::CodeAsNumber { column, value } => format!(
            "column « {column} » : « {value} » stored as a number by the spreadsheet: leading zeros may have been lost. Format the column as Text in the sheet (or set code_dossier_width in the configuration)"
        ),
        Warning::RemovesFromAll { offer } => format!(
            "removeOffer will take offer {offer} away from every contact of the dossier, not only those in this file (give an e-mail to touch one contact only)"
        ),
        Warning::NoName => "first and last name blank: the contact will be created without a name".into(),
        Warning::CodePaddedFromPortfolio { code, padded } => format!(
            "code dossier « {code} » padded to {padded} from the LoopHub portfolio (leading zeros lost by the spreadsheet)"
        ),
        Warning::NotTheirDossier { me, code, master, manager } => format!(
            "{me} is neither dossier master nor engagement manager of {code} (master {master}, manager {manager}) : only they, administrators (profile 5.0 and above) and the LOOP-GESTION-DES-DROITS group may switch applications on there"
        ),
    }
}

pub(super) fn message(m: &Message) -> String {
    match m {
        Message::ProblemKind { column, expected: e } => format!("column « {column} » : … {}", expected(e)),
        Message::Warning { text } => format!("Warning: {text}"),
        Message::AddOfferDeprecated { calls, route, since } => format!(
            "Warning: the plan activates the offer at dossier level ({calls} addOffer call(s), {route}), a service Cegid declared deprecated since {since} (replaced by the offer given to each contact). If Cegid no longer accepts it, the run stops at its first call and nothing else is sent. To do without it: activate the offer of these dossiers in LoopHub, and ask whoever manages loopbatch to set onboarding_add_offer = false in loopbatch.toml."
        ),
        Message::NothingToDo => "nothing to do (blank action)".into(),
        Message::CheckedFile { path, sheets } => {
            format!("File: {} (sheets read : {})", path.display(), sheets.join(", "))
        }
        Message::CheckedRows { rows, valid, invalid, ignored, with_warnings } => format!(
            "Rows: {rows} — {valid} valid, {invalid} invalid, {ignored} ignored (nothing to do), {with_warnings} with warnings"
        ),
        Message::DossiersInvolved { n } => format!("Dossiers involved: {n}"),
        Message::CallsPlanned { n } => format!("Calls planned: {n}"),
        Message::InvalidRows => "Invalid rows:".into(),
        Message::InvalidRow { at, problems } => format!("{} : {problems}", place(at)),
        Message::MoreInvalidRows { n } => format!("… {n} more (see the results file)"),
        Message::ResultsWritten { path } => format!("Results: {}", path.display()),
        Message::PlanWritten { path } => format!("Plan written: {}", path.display()),
        Message::DossiersWritten { kept, total, path } => format!(
            "{kept} / {total} dossiers written to {} — fill in action, offre and ancienne_offre, then `loopbatch check --online`.",
            path.display()
        ),
        Message::DossiersShown { kept, total } => format!("{kept} / {total} dossiers"),
        Message::SimulatorReady { base_url, dossiers } => {
            format!("Cegid Loop simulator ready: {base_url} ({dossiers} dossiers). Ctrl-C to stop.")
        }
        Message::PageOpened { address, opened: true } => {
            format!("loopbatch's page opened in the browser; otherwise open within 2 minutes: {address}")
        }
        Message::PageOpened { address, opened: false } => {
            format!("Open this address in your browser within 2 minutes (the browser is not opened for you): {address}")
        }
        Message::TemplatesWritten => "Templates written:".into(),
        Message::SearchTooShort { search } => {
            format!("Search « {search} » too short: at least 3 characters of the code or the name, as in LoopHub.")
        }
        Message::ColumnRepeated { column } => format!(
            "Column « {column} » names a field already read from an earlier column: it is copied to the results but not used."
        ),
        Message::EncodingDetected1252 => "Encoding detected: Windows-1252 (CSV saved by French Excel).".into(),
        Message::SheetSkipped { sheet } => format!("Sheet « {sheet} » skipped: no code_dossier column."),
        Message::RowNotFound { at } => format!("{} not found in the checked file.", place(at)),
        Message::NoSuchColumn { column, sheet } => format!("Column « {column} » does not exist in sheet « {sheet} »."),
        Message::CellLabel { column, line } => format!("{column}, row {line}"),
        Message::Error { text } => format!("Error: {text}"),
        Message::Defect { what, at } => format!(
            "loopbatch internal error: {what} ({at}). This is a defect of the program, not of your file: report it with this message. What was already sent is in the journal: `run --resume` goes on without sending it again."
        ),
        Message::UploadTooBig { limit_mb } => format!(
            "The file is larger than allowed: {limit_mb} Mo. Split it into several sheets under {limit_mb} Mo, then choose them one by one."
        ),
        Message::UploadCut => "Sending the file was cut off or took too long. Choose the file again.".into(),
        Message::NoFileChosen => "No file chosen: choose a sheet.".into(),
        Message::NoCodeDossierColumnOnPage { file, seen } => {
            let seen = if seen.is_empty() { "no readable header".to_string() } else { seen.join(", ") };
            format!(
                "{}: no \"code_dossier\" column in the first 30 rows (headers seen: {seen}). Add a code_dossier column (or \"Code dossier\", \"codeDossier\", \"code IBS\") to the sheet, save it, then choose it again; the “Templates to fill in” on the home page show the expected format.",
                file.display()
            )
        }
        Message::UploadEmpty { name } => format!(
            "The file « {name} » is empty (0 bytes): open it in Excel, check that it holds your rows, save it, then choose it again."
        ),
    }
}

pub(super) fn run_message(m: &RunMessage) -> String {
    match m {
        RunMessage::RouteUnknownRow { route, operation, status, message } => format!("the gateway does not know the route {route} ({operation}, HTTP {status}): {message} — what to do is said with the run's stop"),
        RunMessage::NotRun { stop: None, .. } => "not run".into(),
        RunMessage::NotRun { stop: Some(Stop::Interrupted), on_page: true } => "not run: run stopped (Stop button) before this call".into(),
        RunMessage::NotRun { stop: Some(Stop::Interrupted), on_page: false } => "not run: run interrupted (Ctrl-C)".into(),
        RunMessage::NotRun { stop: Some(Stop::WaitTooLong { secs }), .. } => format!("not run: the gateway imposes too long a wait ({secs} s)"),
        RunMessage::NotRun { stop: Some(Stop::KeyRefused { .. }), .. } => "not run: run stopped, Cegid Loop refused a key; “Resume” sends it once the key is fixed".into(),
        RunMessage::NotRun { stop: Some(Stop::RouteUnknown { .. }), .. } => "not run: run stopped, Cegid Loop does not know a call's route (see why the run stopped)".into(),
        RunMessage::NotRun { stop: Some(Stop::RegistreUnwritable), .. } => "not run: run stopped, this computer's disk no longer accepts writing; “Resume” sends it once space is freed".into(),
        RunMessage::NotRun { stop: Some(Stop::Said(why)), .. } => format!("not run: run stopped, {why}"),
        RunMessage::Unsettled { on_page: true } => "unsettled: sent, the run stopped before its answer; click “Resume”, which settles it without a duplicate".into(),
        RunMessage::Unsettled { on_page: false } => "unsettled: sent, the run stopped before its answer; resume with --resume, which settles it without a duplicate".into(),
        RunMessage::Stopped { stop: Stop::Interrupted, on_page: true } => "stopped with the Stop button: calls in flight finished. “Resume” sends the rest, sending nothing done again.".into(),
        RunMessage::Stopped { stop: Stop::Interrupted, on_page: false } => "interrupted (Ctrl-C)".into(),
        RunMessage::Stopped { stop: Stop::WaitTooLong { secs }, on_page: true } => format!("Cegid Loop imposes a wait of {secs} s ; click “Resume” later: nothing done is sent again"),
        RunMessage::Stopped { stop: Stop::WaitTooLong { secs }, on_page: false } => format!("the gateway imposes a wait of {secs} s ; run again later with --resume, or raise max_retry_after_s"),
        RunMessage::Stopped { stop: Stop::KeyRefused { api, status }, .. } => {
            let key = if *api { "the API key" } else { "the subscription key" };
            format!("Cegid Loop refused {key} (HTTP {status}). Type the right key under “Keys”, on the home page, then come back here and click “Resume”: nothing done is sent again.")
        }
        RunMessage::Stopped { stop: Stop::RouteUnknown { operation: Operation::AddOffer, route, status }, .. } => format!(
            "Cegid Loop does not know the route {route} (HTTP {status}): it is addOffer, adding the offer at dossier level, which Cegid declared deprecated on {}; it has probably been withdrawn. Nothing else was sent. To go on without it: activate the offer of these dossiers in LoopHub, then ask whoever manages loopbatch on this computer to turn this call off (setting onboarding_add_offer = false) and to run the rows not done again; “Resume” would meet this route again. A dossier-level offer change (a row without e-mail) has no other route: do it in LoopHub.",
            crate::loop_api::ADD_OFFER_DEPRECATED_SINCE
        ),
        RunMessage::Stopped { stop: Stop::RouteUnknown { operation, route, status }, .. } => format!(
            "Cegid Loop does not know the route {route} ({}, HTTP {status}): it may have been withdrawn, or the API address set on this computer may be wrong. Nothing else was sent. Ask whoever manages loopbatch on this computer to check the API address and the routes, then click “Resume”: nothing done is sent again.",
            operation.name()
        ),
        RunMessage::Stopped { stop: Stop::RegistreUnwritable, .. } => "loopbatch could no longer record its calls on this computer's disk (disk full, or writing refused): no more calls are sent. Free some space on the disk, then click “Resume”: nothing recorded as done is sent again.".into(),
        RunMessage::Stopped { stop: Stop::Said(why), .. } => why.to_string(),
        RunMessage::NothingToSend => "nothing to send".into(),
        RunMessage::ResultsNowhere { registre, on_page } => {
            let then = if *on_page { "click “Resume”" } else { "resume with --resume" };
            format!("the results could be written nowhere (neither in their place, nor beside it, nor in the temporary folder). Each call's outcome is kept in the registre {}: free the file or the folder, then {then}: nothing will be sent again, the results will be written.", registre.display())
        }
        RunMessage::RescueKept { n, path } => format!("{n} call outcome(s) the registre could not record are kept in {}", path.display()),
        RunMessage::RescueFailed { path, error } => format!("cannot keep either {} ({}): the resume will check these calls with one deciding resend each", path.display(), super::cause::short(error, crate::i18n::Lang::En)),
        RunMessage::DoneInPreviousRun => "already done in the previous run".into(),
        RunMessage::NotRunAgain { on_page: true } => "not run again (done or to check)".into(),
        RunMessage::NotRunAgain { on_page: false } => "not run again (--only-failed)".into(),
        RunMessage::RerunCalls { calls, host } => {
            let calls = if *calls > 1 { format!("{calls} calls") } else { format!("{calls} call") };
            format!(
                "A new run will send {calls} to {host}, for the rows that did not succeed; what is done is not sent again."
            )
        }
        RunMessage::RerunAfterRoutes { command } => {
            format!("After changing [routes] or onboarding_add_offer, run the rows not done again: {command}")
        }
        RunMessage::Interrupted => {
            "Interrupted: calls in flight finish, then the results are written (Ctrl-C again to stop at once).".into()
        }
        RunMessage::StoppedAtOnce { resume } => format!("Stopped at once. To resume: {resume}"),
        RunMessage::Target { host } => format!("Target: {host}"),
        RunMessage::NoTerminalToConfirm => {
            "Cannot ask for confirmation without a terminal: add --yes for a scheduled run.".into()
        }
        RunMessage::SendTheseCalls { calls } => format!("Send these {calls} calls? [o/N]"),
        RunMessage::Aborted => "Aborted: nothing was sent.".into(),
        RunMessage::RunStopped { why } => format!("Run stopped: {why}"),
        RunMessage::ToResume { command, fix_base_url: true } => format!("To resume after fixing base_url: {command}"),
        RunMessage::ToResume { command, fix_base_url: false } => format!("To resume: {command}"),
        RunMessage::RunRows { statuses, sent, total, seconds } => {
            format!("Rows: {statuses} ({sent} requests for {total}, {seconds:.1} s)")
        }
        RunMessage::MostFrequentErrors => "Most frequent errors:".into(),
        RunMessage::RegistreNewSince { since } => format!(
            "Note: this registre knows of no run before {} — results of earlier runs exist, but what they sent to Loop is not recorded in it. If another registre knows them (another session, another machine), name it with --registre, or import their journals with “loopbatch registre import”.",
            since.get(..10).unwrap_or(since)
        ),
        RunMessage::DemoStarted { base_url } => format!(
            "Demo: embedded Cegid Loop simulator on {base_url}\n(rate limited to 10 calls/s, a few injected faults; the sample's mistakes are deliberate)"
        ),
        RunMessage::DemoResults { path } => format!(
            "Open the results file in Excel or LibreOffice: one line per sheet row, with its status and the API's exact message: {}",
            path.display()
        ),
        RunMessage::Rerunning { again, kept } => {
            format!("Re-running {again} row(s) that did not end OK ({kept} kept as they were)")
        }
        RunMessage::ResultsWrittenInstead { path } => format!("Results written instead to: {}", path.display()),
        RunMessage::Sending { base_url, calls, key, rate } => {
            format!("Sending to {base_url} — {calls} calls (key {key}, rate {rate})")
        }
        RunMessage::Pace { rate } => format!("pace {rate:.1}/s"),
        RunMessage::CallsBar { errors, pace } => format!("{errors} error(s), {pace}"),
        RunMessage::CallsLine { done, total, errors, pace } => {
            format!("calls: {done}/{total} ({errors} error(s), {pace})")
        }
        RunMessage::ProgressBar => "{bar:30} {pos}/{len} calls  {rate}  ETA {eta}  {msg}".into(),
    }
}

pub(super) fn failure(f: &Failure) -> String {
    let said = |c: &SystemCause| c.text(crate::i18n::Lang::En);
    let cause = |c: &Option<std::io::Error>| {
        c.as_ref().map(|e| super::cause::short(&SystemCause::from(e), crate::i18n::Lang::En)).unwrap_or_default()
    };
    match f {
        Failure::Input { file, problem, cause: c } => {
            let file = file.display();
            match problem {
                InputProblem::NotFound => format!("File not found: {file}. Check the path and the file name."),
                InputProblem::CannotOpen => format!("Cannot open {file}: {}. Close it in Excel if it is open there, check that you can open it, then try again.", cause(c)),
                InputProblem::Folder => format!("{file} is a folder, not a file: name the spreadsheet file (.xlsx, .csv, .ods, .xls)."),
                InputProblem::Empty => format!("{file} is empty (0 bytes): save the spreadsheet and try again."),
                InputProblem::PasswordProtected => format!("{file} is password-protected: open it in Excel, remove the password (File > Info > Protect Workbook), save it and try again."),
                InputProblem::ChangedWhileRead => format!("{file} changed while it was being read (still being saved?): wait for the save to end, close it in Excel, then try again."),
                InputProblem::Unreadable => format!("Cannot read {file}: {}. Close it in Excel if it is open there, save it again, then try again.", cause(c)),
                InputProblem::HeadersOnly => format!("{file} holds headers only, no data rows: add at least one row below the headers."),
                InputProblem::NotASheet(what) => {
                    let is = match what {
                        Foreign::Pdf => "is a PDF document, not a spreadsheet",
                        Foreign::Image => "is an image, not a spreadsheet",
                        Foreign::Word => "is a Word document, not a spreadsheet",
                        Foreign::PowerPoint => "is a PowerPoint presentation, not a spreadsheet",
                        Foreign::Archive => "is a zip archive that holds no workbook",
                        Foreign::Binary => "does not look like a spreadsheet (its content is no readable text)",
                    };
                    format!("{file} {is}. Open the dossiers' spreadsheet in Excel or LibreOffice, save it as .xlsx (or .csv), then pick that file.")
                }
                InputProblem::TooWide { line, columns } => format!("{file}, row {line} : {columns} columns, more than a spreadsheet allows (16,384). The file is probably damaged or is not a table."),
                InputProblem::CellTooLong { sheet, line, column } => format!("{file}, sheet « {sheet} », row {line}, column {column} : cell longer than 32,767 characters (Excel's limit). An unclosed quote in a CSV often does this: check that row."),
                InputProblem::SuspiciousArchive(fault) => {
                    let what = match fault {
                        ArchiveFault::TooManyEntries(n) => format!("{n} entries"),
                        ArchiveFault::Entry { name, mb } => format!("entry {name} ({mb} Mo)"),
                    };
                    format!("{file} {what} : this is not a normal workbook (damaged or booby-trapped file); it was not opened. Open the source in Excel again and save it again.")
                }
                InputProblem::OverBudget { mb, secs } => format!("{file} : this workbook needs more memory or time than one file is given to be read ({mb} Mo, {secs} s). It was not read. If it is genuine, split it into several workbooks or save it as CSV from Excel; otherwise (a file received from elsewhere, booby-trapped), delete it."),
                InputProblem::DamagedWorkbook => format!("{file} is a damaged or incomplete workbook (perhaps not fully copied or saved): open it again in Excel or LibreOffice, save it again (File > Save As, .xlsx), then pick that file."),
                InputProblem::NoSuchSheet { sheet, present } => format!("Sheet « {sheet} » does not exist in {file}. Sheets present: {}", present.join(", ")),
                InputProblem::BeyondLastRow { sheet } => format!("{file}, sheet « {sheet} » : a cell beyond Excel's last row (1,048,576)."),
                InputProblem::BeyondLastColumn { sheet, row } => format!("{file}, sheet « {sheet} », row {row} : a cell beyond Excel's last column (16,384)."),
                InputProblem::NoCodeDossierColumn { seen } => {
                    let seen = if seen.is_empty() { "no readable header".to_string() } else { seen.join(", ") };
                    format!("{file}: no \"code_dossier\" column in the first 30 rows. Headers seen: {seen}. Add a code_dossier column (or \"Code dossier\", \"codeDossier\", \"code IBS\"); the templates from `loopbatch template` show the expected format.")
                }
            }
        }
        Failure::Plan { file, problem } => {
            let file = file.display();
            match problem {
                PlanProblem::Unreadable(e) => format!("Unreadable plan: {file} : {}", said(&SystemCause::from(e))),
                PlanProblem::Invalid(e) => format!("Invalid plan: {file} : {e}. Generate it again with `loopbatch plan`."),
                PlanProblem::OtherVersion { found, expected } => {
                    format!("Plan from another loopbatch version: {file} : format_version {found} (expected {expected}).")
                }
                PlanProblem::Call { call, fault } => {
                    let what = format!("call {} ({} {})", call.id, call.operation, call.dossier);
                    let fault = match fault {
                        CallFault::IdTaken => "has an id another call already has".to_string(),
                        CallFault::NotAnEarlierCall { depends_on } => format!("depends on call {depends_on}, which is not an earlier call of the plan (missing, later, or itself)"),
                        CallFault::Route { route, configured } => format!("has route « {route} » where the configuration gives « {configured} »"),
                    };
                    format!("Invalid plan: {file} : {what} {fault}. Nothing was sent; generate it again with `loopbatch plan`.")
                }
            }
        }
        Failure::Results { file, problem } => {
            let file = file.display();
            match problem {
                ResultsProblem::Extension => format!("Results file {file} : the extension must be .xlsx or .csv"),
                ResultsProblem::Unreadable(e) => format!("Unreadable previous results: {file} : {}", said(e)),
                ResultsProblem::Missing { page } => super::checks::missing_results_en(&file.to_string(), *page),
                ResultsProblem::NotResults => format!("Unreadable previous results: {file} : not a loopbatch results file (columns feuille, ligne, statut missing)"),
            }
        }
        Failure::Write { file, problem } => {
            let file = file.display();
            let hint = "Check that the folder exists, that you may write there and that the file is not open in Excel.";
            match problem {
                WriteProblem::Io(e) => {
                    // Nothing found where a file is made: its folder is missing.
                    let said = match e.kind {
                        CauseKind::NotFound => "its folder does not exist".into(),
                        _ => super::cause::short(e, crate::i18n::Lang::En),
                    };
                    format!("Cannot write {file}: {said}. {hint}")
                }
                WriteProblem::Folder => format!("Cannot write {file}: it is a folder. {hint}"),
                WriteProblem::Workbook(e) => format!("Cannot write {file}: {}. {hint}", super::cause::short(e, crate::i18n::Lang::En)),
            }
        }
        Failure::Internal { .. } => "loopbatch internal error: a defect of the program, not of your file. Try again; if it happens again, report it.".into(),
        Failure::Refused(r) => super::setup::refusal(r, crate::i18n::Lang::En),
        Failure::Halted(h) => super::setup::halt(h, crate::i18n::Lang::En),
    }
}

pub(super) fn advice(a: Advice) -> &'static str {
    match a {
        Advice::Start => "Ready to go: start the run.",
        Advice::FixCell => "Fix the cell named in the message, then check the sheet again.",
        Advice::FixWhatItDependsOn => {
            "Nothing was sent: first fix the error of the call this row depends on (same dossier), then run the failures again."
        }
        Advice::Resume => "The run stopped before this row: resume it, nothing already done is sent again.",
        Advice::CheckInLoop => {
            "Loop's answer was lost: look in Loop whether it is done (a contact: Paramétrage > Clients > Interlocuteurs, by e-mail) before running this row again."
        }
        Advice::KeyRefused => {
            "Cegid Loop refused the key the message names: give the right key, then resume the run; nothing done is sent again."
        }
        Advice::Refused(Some(KnownAnswer::EmailTaken)) => {
            "This e-mail already belongs to a contact in Loop: if it is the same person, give them the offer with the action ajouter_offre and their e-mail; otherwise fix the e-mail in the sheet."
        }
        Advice::Refused(Some(KnownAnswer::NotInvited)) => {
            "First invite this contact on your tenant in Loop, then run the failures again."
        }
        Advice::Refused(Some(KnownAnswer::NoContact)) => {
            "No contact in Loop has this e-mail: check the e-mail, or create the person (action ajouter_interlocuteur or onboarding)."
        }
        Advice::Refused(Some(KnownAnswer::NoDossier)) => {
            "Loop does not know this dossier code: check it in the LoopHub portfolio, fix the code_dossier cell, then run the failures again."
        }
        Advice::Refused(Some(KnownAnswer::NotProvisioned)) => {
            "The dossier is not operational yet: provision it (action provisionner or onboarding), then run the failures again."
        }
        Advice::Refused(Some(KnownAnswer::OfferNotActive)) => {
            "The offer is not active on this dossier: activate it (action ajouter_offre without e-mail, or in LoopHub), then run the failures again."
        }
        Advice::Refused(Some(KnownAnswer::NotAssigned)) => {
            "The contact did not have this offer on this dossier: nothing to remove; check the offer and the e-mail."
        }
        Advice::Refused(None) => "Fix what Loop's message says (in Loop or in the sheet), then run the failures again.",
        Advice::Unavailable => {
            "Loop was unavailable or did not answer, nothing was applied: run the failures again a little later."
        }
    }
}

pub(super) fn status_said(s: Status) -> &'static str {
    match s {
        Status::Valide => "valid",
        Status::DejaFait => "already done",
        Status::Ok => "done",
        Status::Ignore => "nothing to do",
        Status::NonExecute => "not run",
        Status::AVerifier => "to check in Loop",
        Status::Erreur => "refused by Loop",
        Status::Invalide => "invalid, not sent",
    }
}

pub(super) fn status_meaning(s: Status) -> &'static str {
    match s {
        Status::Valide => {
            "The row is correct and ready to go; nothing was sent yet. Next: start the run (on the page: “Run”; on the command line: loopbatch run)."
        }
        Status::DejaFait => {
            "Nothing was sent: the registre knows loopbatch had already done everything the row asks (the message names the run and the date). The registre knows only what loopbatch did for this user on this machine. Next: nothing, unless it was undone in Loop since; to send everything again: --send-all."
        }
        Status::Ok => "Cegid Loop did what the row asked. Nothing to do.",
        Status::Ignore => {
            "Nothing was sent for this row: blank action, or a call it depends on failed (see the message). Next: fix the cause shown, then run the failures again (on the page: “Run the failures again”; on the command line: --only-failed)."
        }
        Status::NonExecute => {
            "Not sent, or sent without an answer before the stop (\"unsettled\": the message says so): the run stopped (interrupted, key refused, imposed wait too long, disk full). Next: resume the run (on the page: “Resume”; on the command line: --resume); nothing already done is sent again, and what went without an answer is settled."
        }
        Status::AVerifier => {
            "Sent without an answer received, and nothing proves whether Loop applied it (for instance \"e-mail already taken\" on resending). Next: check in Loop what the message names (contact, e-mail, dossier), then fix and run it again if needed (on the command line: --only-failed --include-a-verifier)."
        }
        Status::Erreur => {
            "Cegid Loop refused the call; the message is the API's, word for word. Next: fix what the message says (in Loop or in the sheet), then run the failures again (on the page: “Run the failures again”; on the command line: --only-failed)."
        }
        Status::Invalide => {
            "The row did not pass the check and was not sent. Next: fix the cell named in the message, then check again (on the page: in the check's grid; on the command line: loopbatch check)."
        }
    }
}

pub(super) fn workbook(t: WorkbookText) -> &'static str {
    match t {
        WorkbookText::PortfolioSheet => "Portfolio",
        WorkbookText::SummarySheet => "Summary",
        WorkbookText::Rows => "rows",
        WorkbookText::WhatItMeans => "what it means, and what next",
        WorkbookText::Total => "total",
        WorkbookText::RowsPerStatus => "Rows per status",
        WorkbookText::PrintSheet => "Print",
        WorkbookText::DossierCode => "dossier code",
        WorkbookText::Name => "name",
        WorkbookText::Advice => "advice",
        WorkbookText::PageFooter => "&CPage &P of &N",
        WorkbookText::UnknownValue => "Unknown value",
        WorkbookText::OperationsSheet => "Operations",
        WorkbookText::ResultsSheet => "Results",
    }
}

pub(super) fn memory(m: &MemoryMessage) -> String {
    match m {
        MemoryMessage::DoneBy { run, at } => format!(
            "already done by run no. {run} of {} (per the registre): nothing was sent",
            super::moment(at)
        ),
        MemoryMessage::DoneMeanwhile { run, at } => format!(
            "done meanwhile by run no. {run} of {} (per the registre): nothing was sent",
            super::moment(at)
        ),
        MemoryMessage::NotSentByAction { columns } => format!(
            "Note: the column(s) {columns} are not sent by this action (creating a contact); the action modifier_interlocuteur sends them."
        ),
        MemoryMessage::PartlyDone { operations, run } => {
            format!("(done before, not sent again: {operations}, by run no. {run})")
        }
        MemoryMessage::Guarded { run, page: true } => format!(
            "not sent again: this call's last attempt, in run no. {run}, is to check in Loop. Check it, then record it with this row's “Checked: done in Loop” or “Checked: not done in Loop” buttons (in run no. {run}), or tick “send again anyway” on the plan screen."
        ),
        MemoryMessage::Guarded { run, page: false } => format!(
            "not sent again: this call's last attempt, in run no. {run}, is to check in Loop. Check it, then record it with “loopbatch verify RESULTS --line N --done” (or --not-done to have it sent again), or send it again with --include-a-verifier."
        ),
        MemoryMessage::Pending { run, results, plan } => format!(
            "not sent: run no. {run}, unfinished (killed), reserved or sent this call without an answer. Resume it: loopbatch run \"{}\" --results \"{}\" --resume; or close it without resuming: loopbatch registre close {run}; then run again.",
            plan.display(),
            results.display()
        ),
        MemoryMessage::Going { run } => format!(
            "not sent: going in run no. {run}. Wait for its end, then run again."
        ),
        MemoryMessage::ClosedCall { run } => format!(
            "sent without an answer in run no. {run}, closed without resuming: check in Loop, then record it with loopbatch verify"
        ),
        MemoryMessage::Closed { run, never_sent, to_check } => format!(
            "Run no. {run} closed without resuming: {never_sent} call(s) never sent, {to_check} call(s) to check in Loop (then record them with loopbatch verify)."
        ),
        MemoryMessage::ClosedHoldingNothing { run } => format!(
            "Run no. {run} closed without resuming: it held no call; what it did not send can be sent by a new run."
        ),
        MemoryMessage::CloseNoRun { run } => format!(
            "The registre knows no unfinished run no. {run}: nothing was closed. The list of runs is in the page (“Kept runs”)."
        ),
        MemoryMessage::CloseGoing { run } => format!(
            "Run no. {run} is going (a program holds it): nothing was closed. Wait for its end, or stop it, then try again."
        ),
        MemoryMessage::ChangedInstead { run, at } => format!(
            "contact created on {} by run no. {run}: a change instead of a creation",
            super::moment(at)
        ),
        MemoryMessage::Limits => "The registre knows only what loopbatch did for this user on this machine: a colleague's runs, another machine, or a change made by hand in Loop are not in it.".to_string(),
        MemoryMessage::PlainLoopback { endpoint } => format!(
            "{endpoint} gives no instance id: a server restarted empty at this address would be taken for the same one, and what the registre knows done there would not be sent again (to send everything: --send-all)."
        ),
        MemoryMessage::Verified { done: true, calls, sheet, line } => format!(
            "Recorded: row {line} (sheet {sheet}) checked done in Loop; its {calls} call(s) count as applied and will not be sent again."
        ),
        MemoryMessage::Verified { done: false, calls, sheet, line } => format!(
            "Recorded: row {line} (sheet {sheet}) checked not done in Loop; its {calls} call(s) will be sent at the sheet's next run."
        ),
        MemoryMessage::VerifyNoRun { results } => format!(
            "The registre knows no run for {}: check the results file (or --registre). Nothing was recorded.",
            results.display()
        ),
        m @ (MemoryMessage::VerifyNotToCheck { .. }
        | MemoryMessage::VerifyNoLine { .. }
        | MemoryMessage::VerifySheetNeeded { .. }
        | MemoryMessage::VerifyGoing { .. }
        | MemoryMessage::Counts { .. }
        | MemoryMessage::CheckedDone { .. }
        | MemoryMessage::ResumeClosed { .. }
        | MemoryMessage::RescueForeign { .. }) => super::checks::en(m),
    }
}

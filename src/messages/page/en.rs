//! The page's words, in English.

use super::*;

pub(super) fn home(t: HomeText) -> &'static str {
    match t {
        HomeText::SimulationCallsGoToTheEmbedded => {
            "Simulation: calls go to the embedded simulator, not to Cegid Loop."
        }
        HomeText::Quit => "Quit",
        HomeText::QuitLoopbatch => "Quit loopbatch?",
        HomeText::ThePageClosesARunGoing => {
            "The page closes. A run going will be stopped: calls in flight finish and its results are written; you can resume it by starting loopbatch again, from “Kept runs”."
        }
        HomeText::Cancel => "Cancel",
        HomeText::OpenLoopbatchFromItsOwnWindow => "Open loopbatch from its own window",
        HomeText::ThisPageOnlyOpensFromLoopbatch => {
            "This page only opens from loopbatch: start loopbatch (or “loopbatch ui”) on this computer, it opens the page itself."
        }
        HomeText::BackToThePageBefore => "Back to the page before",
        HomeText::Home => "Home",
        HomeText::Sheet => "Sheet",
        HomeText::ARunIsGoing => "A run is going:",
        HomeText::FollowTheRun => "Follow the run",
        HomeText::CheckASheet => "Check a sheet",
        HomeText::SheetCSVXLSXXLSBXLSODS => "Sheet (CSV, XLSX, XLSB, XLS, ODS)",
        HomeText::ReadingOptions => "Reading options",
        HomeText::SheetElseEverySheetWithA => "Sheet (else every sheet with a code dossier column)",
        HomeText::ACSVSEncoding => "A CSV's encoding",
        HomeText::Detected => "detected",
        HomeText::ACSVSDelimiter => "A CSV's delimiter",
        HomeText::Tab => "tab",
        HomeText::Check => "Check",
        HomeText::LargestFile => "Largest file:",
        HomeText::TheFileStaysOnThisComputer => "The file stays on this computer.",
        HomeText::KeptRuns => "Kept runs",
        HomeText::TemplatesToFillIn => "Templates to fill in",
        HomeText::NewDossiersOnboarding => "New dossiers (onboarding):",
        HomeText::OperationsOnExistingDossiersOffersContacts => "Operations on existing dossiers (offers, contacts):",
        HomeText::LoopHubPortfolio => "LoopHub portfolio",
        HomeText::TheCabinetSDossiersAsA => {
            "The cabinet's dossiers as a sheet ready to fill in (action, offre, ancienne_offre) for a bulk change of offers. Filters are optional."
        }
        HomeText::SearchAtLeast3CharactersOf => "Search (at least 3 characters of the code or name)",
        HomeText::DossierMasterEMail => "Dossier master (e-mail)",
        HomeText::EngagementManagerEMail => "Engagement manager (e-mail)",
        HomeText::TheCabinetSDomainElseThe => "The cabinet's domain (else the configuration's)",
        HomeText::DownloadThePortfolio => "Download the portfolio",
        HomeText::Keys => "Keys",
        HomeText::Keys2 => "Keys:",
        HomeText::ToSendLoopbatchNeedsTheFirm => {
            "To send, loopbatch needs the firm's Cegid Loop keys. Type them here: you will then go back to the plan, with the sheet and its fixes."
        }
        HomeText::SubscriptionKeyFromYourCegidContact => "Subscription key (from your Cegid contact)",
        HomeText::APIKeyKEYIDSECRETGeneratedOn => "API key (KEYID:SECRET, generated on CegidLife)",
        HomeText::KeepTheKeys => "Keep the keys",
        HomeText::ForThisSessionOnlyInMemory => "for this session only (in memory)",
        HomeText::SavedForThisUserEveryCommand => "saved for this user (every command will read them)",
        HomeText::UseTheseKeys => "Use these keys",
        HomeText::NoResultsYet => "no results yet",
        HomeText::TheyHoldClientsPersonalDataDelete => {
            "They hold clients' personal data: delete those you no longer need."
        }
        HomeText::Date => "date",
        HomeText::Sheet2 => "sheet",
        HomeText::Rows => "rows",
        HomeText::SentTo => "sent to",
        HomeText::Actions => "actions",
        HomeText::Going => "going",
        HomeText::FollowTheRunGoing => "Follow the run going",
        HomeText::Open => "Open",
        HomeText::Resume => "Resume",
        HomeText::Delete => "Delete",
        HomeText::DeleteThisRun => "Delete this run?",
        HomeText::TheRunOf => "The run of",
        HomeText::AndItsFilesResultsJournalPlan => {
            "and its files (results, plan) will be erased from this computer, and the registre will forget the people of its calls (names, e-mails, phones, Loop's messages): of what was done, it keeps only unreadable fingerprints and their effect, so as not to do it again. This cannot be undone; what was done in Cegid Loop stays there."
        }
    }
}

pub(super) fn grid(t: GridText) -> &'static str {
    match t {
        GridText::Rows => "rows",
        GridText::WithWarnings => "with warnings",
        GridText::CallsPlanned => "calls planned",
        GridText::Problems => "Problems",
        GridText::PreviousPage => "Previous page",
        GridText::Page => "Page",
        GridText::NextPage => "Next page",
        GridText::CheckOf => "Check of",
        GridText::AlsoCheckedInTheLoopHubPortfolio => "Also checked in the LoopHub portfolio.",
        GridText::AlsoCheckInLoopHubDossiersExist => "Also check in LoopHub (dossiers exist, their status)",
        GridText::TheCabinetSDomainElseThe => "The cabinet's domain (else the configuration's)",
        GridText::WarnWhereThisPersonIsNeither => {
            "Warn where this person is neither dossier master nor manager (e-mail, optional)"
        }
        GridText::CheckOnline => "Check online",
        GridText::Pages => "Pages",
        GridText::AllRows => "All rows",
        GridText::OnlyRowsWithProblems => "Only rows with problems",
        GridText::DownloadTheFixedSheet => "Download the fixed sheet",
        GridText::SeeThePlanOfCallsAnd => "See the plan of calls and run",
        GridText::RowsOfTheSheetCellsCan => "Rows of the sheet; cells can be fixed here.",
        GridText::Sheet => "sheet",
        GridText::Row => "row",
        GridText::Status => "status",
        GridText::PagesBottom => "Pages (bottom)",
    }
}

pub(super) fn plan(t: PlanText) -> &'static str {
    match t {
        PlanText::Plan => "Plan",
        PlanText::PlanOfCallsOf => "Plan of calls of",
        PlanText::CallsTo => "calls to",
        PlanText::Dossiers => "dossiers",
        PlanText::ValidRows => "valid rows",
        PlanText::InvalidRowsNotSent => "invalid rows (not sent)",
        PlanText::WhatWillBeDoneInCegid => "What will be done in Cegid Loop",
        PlanText::DownloadTheReadablePlanPLANXlsx => "Download the readable plan (PLAN.xlsx)",
        PlanText::PerDossier => "Per dossier",
        PlanText::DossierCode => "dossier code",
        PlanText::WhatWillBeDone => "what will be done",
        PlanText::TheFirst => "The first",
        PlanText::DossiersTheReadablePlanPLANXlsx => "dossiers; the readable plan (PLAN.xlsx) details them all.",
        PlanText::BackToTheCheck => "Back to the check",
        PlanText::TheCegidLoopKeysAreMissing => "The Cegid Loop keys are missing",
        PlanText::ToSendLoopbatchNeedsTheFirm => {
            "To send, loopbatch needs the firm's subscription key and API key. Type them, then you will come back here, with the sheet and its fixes."
        }
        PlanText::TypeTheKeys => "Type the keys",
        PlanText::RegistreKnowsNoRunBefore => "Note: this registre knows of no run before",
        PlanText::RegistreNewNextStep => {
            "Earlier runs are kept on this machine, but what they sent to Loop is not recorded in this registre. If another registre knows them, start loopbatch with that one (--registre)."
        }
        PlanText::Run => "Run",
        PlanText::ConfirmSending => "Confirm sending",
        PlanText::Send => "Send",
        PlanText::CallsTo2 => "calls to",
        PlanText::Cancel => "Cancel",
        PlanText::ThisSheetWasRunAlready => "This sheet was run already",
        PlanText::TheSameSheetAsItIs => "The same sheet, as it is, was run on",
        PlanText::RunningItAgainWouldSendAgain => {
            "Resume it (nothing done is sent again) or run its failures again: the registre does not send again what it knows done, and what is to check in Loop waits for your check or your choice."
        }
        PlanText::SeeThatRun => "See that run",
        PlanText::Resume => "Resume",
        PlanText::RunTheFailuresAgain => "Run the failures again…",
    }
}

pub(super) fn run(t: RunText) -> &'static str {
    match t {
        RunText::Run => "Run",
        RunText::RunOf => "Run of",
        RunText::Stop => "Stop",
        RunText::CallsInFlightFinishResumeWill => "(calls in flight finish; “Resume” will send the rest)",
        RunText::Resume => "Resume",
        RunText::NothingDoneIsSentAgain => "(nothing done is sent again)",
        RunText::RunTheFailuresAgain => "Run the failures again",
        RunText::RunTheFailuresAgain2 => "Run the failures again?",
        RunText::RunAgain => "Run again",
        RunText::Cancel => "Cancel",
        RunText::Results => "Results",
        RunText::DownloadTheResultsXLSX => "Download the results (XLSX)",
        RunText::DownloadTheResultsCSV => "Download the results (CSV)",
        RunText::FilterByStatus => "Filter by status",
        RunText::All => "All",
        RunText::MostFrequentErrors => "Most frequent errors",
        RunText::TheFirst500RowsTheResults => "The first 500 rows; the results file has them all.",
        RunText::Row => "row",
        RunText::DossierCode => "dossier code",
        RunText::Name => "name",
        RunText::Status => "status",
        RunText::Advice => "advice",
        RunText::ThisRunWasMadeWithThe => "This run was made with the API key",
        RunText::ThisPageSKeyIs => "this page's key is",
        RunText::IfItIsTheSameFirm => {
            "If it is the same firm's new key (the old one was refused or replaced), resume with it: nothing done is sent again."
        }
        RunText::ResumeWithTheNewKey => "Resume with the new key",
        RunText::CloseWithoutResuming => "Close without resuming",
        RunText::CloseWithoutResumingQ => "Close this run without resuming it?",
        RunText::WhatClosingDoes => {
            "The calls it did not send will never be sent by it (a new run may send them); those sent without an answer become \"to check\" (A_VERIFIER): check them in Loop, then record it with \"Checked\" on its results. It can no longer be resumed."
        }
        RunText::Close => "Close",
        RunText::TheKeyChangedNothingWasSent => {
            "Nothing was sent: this page's API key is not the one the run started with."
        }
    }
}

pub(super) fn sheet(t: SheetText) -> &'static str {
    match t {
        SheetText::ChooseAnotherFile => "Choose another file",
        SheetText::SheetsLoaded => "Sheets loaded",
        SheetText::KeptOnThisComputerWhileThe => {
            "Kept on this computer while the page uses them (a day at most): delete those you no longer need."
        }
        SheetText::NoSheetLoaded => "No sheet loaded.",
        SheetText::Sheet => "sheet",
        SheetText::Rows => "rows",
        SheetText::Actions => "actions",
        SheetText::Open => "Open",
        SheetText::Delete => "Delete",
        SheetText::ThisSheetIsNoLongerLoaded => "This sheet is no longer loaded: choose it again.",
    }
}

pub(super) fn history(t: HistoryText) -> &'static str {
    match t {
        HistoryText::History => "History",
        HistoryText::WhatLoopbatchDidCallByCall => {
            "What loopbatch did for a dossier or a person, call by call, in the order it happened: from the registre of this user on this computer (Cegid Loop cannot be asked)."
        }
        HistoryText::DossierCodeOrEMail => "Dossier code or e-mail",
        HistoryText::SinceOptional => "Since (optional, YYYY-MM-DD or DD/MM/YYYY)",
        HistoryText::Search => "Search",
        HistoryText::Date => "date",
        HistoryText::Who => "who (user, computer)",
        HistoryText::Run => "run",
        HistoryText::SheetAndRow => "sheet and row",
        HistoryText::Operation => "operation",
        HistoryText::Status => "status",
        HistoryText::LoopSMessage => "Loop's message",
        HistoryText::RequestId => "request id",
        HistoryText::Check => "check",
        HistoryText::DownloadTheHistoryXLSX => "Download this history (XLSX)",
        HistoryText::RunsRecorded => "Runs recorded, newest first",
        HistoryText::SheetRun => "sheet",
        HistoryText::SentTo => "sent to",
        HistoryText::Rows => "rows per status",
        HistoryText::HistoryOfThisDossier => "History of this dossier",
        HistoryText::HistoryOfThisEMail => "History of this e-mail",
        HistoryText::Calls => "Calls recorded",
        HistoryText::Dossier => "dossier",
        HistoryText::EMail => "e-mail",
        HistoryText::CallSentTo => "sent to",
        HistoryText::SimulatorMark => "SIMULATOR — nothing went to Cegid Loop",
        HistoryText::SimulatorShort => "simulator",
    }
}

pub(super) fn answer(t: AnswerText) -> &'static str {
    match t {
        AnswerText::SimulatorKeys => "the embedded simulator's",
        AnswerText::NoKeys => {
            "none: type the firm's subscription key and API key below (your Cegid contact gives them)."
        }
        AnswerText::KeysUnchanged => "Keys unchanged",
        AnswerText::DemoKeysCannotChange => {
            "In the demo, the embedded simulator's keys are used and cannot be changed. To work with your own keys: Quit (top of the page), then open loopbatch again outside the demo (the usual shortcut, without --demo); your keys are then given on the home page."
        }
        AnswerText::KeysRefused => "Keys refused",
        AnswerText::GiveBothKeys => {
            "Give the subscription key and the API key as KEYID:SECRET (key id, colon, secret)."
        }
        AnswerText::KeysNotSaved => "Keys not saved",
        AnswerText::ThisCouldNotBeDone => "This could not be done",
        AnswerText::YouMayCloseThisTab => "You may close this tab.",
        AnswerText::LoopbatchHasStopped => "loopbatch has stopped",
        AnswerText::RunGoingStopItFirst => "This run is going: stop it first.",
        AnswerText::RunGoingElsewhere => {
            "This run is still going (elsewhere than in this page): nothing was deleted. Wait for its end, then try again."
        }
        AnswerText::KeptRuns => "Kept runs",
        AnswerText::RunDeletedRegistreHeld => {
            "Run deleted. Another program is reading the registre right now: a copy of its personal data stays there until it lets go. Close it (a copy, a backup): the next deletion or the next end of a run finishes the erasure."
        }
        AnswerText::ConfirmationNoLongerHolds => {
            "This confirmation no longer holds: it was used, a run started since, or the sheet changed. Show the plan again, then confirm."
        }
        AnswerText::RunAlreadyGoingInPage => {
            "A run is already going in this page: wait for its end, or stop it, before starting another."
        }
        AnswerText::KeyNoLongerShown => {
            "The API key is no longer the one the confirmation showed: nothing was sent. Open the run again to confirm again."
        }
        AnswerText::NothingToRunAgain => {
            "Nothing to run again: the rows that did not succeed are invalid (fix them in the sheet, then check it again) or to check in Loop. No run was created."
        }
        AnswerText::SeeTheRun => "See the run",
        AnswerText::RunUnknown => "This run is unknown to this page.",
        AnswerText::PortfolioFileName => "loophub-portfolio.xlsx",
        AnswerText::CallsDone => "Calls done",
        AnswerText::Running => "running",
        AnswerText::Done => "done",
        AnswerText::Stopped => "stopped",
        AnswerText::CouldNotStart => "could not start",
        AnswerText::EtaBeingWorkedOut => "estimated end: being worked out",
    }
}

pub(super) fn memory_counts(done: usize, to_send: usize, held: usize, tenant: &str) -> String {
    match held {
        0 => format!("{done} row(s) already done, {to_send} to send (per the registre's memory for {tenant})."),
        _ => format!(
            "{done} row(s) already done, {to_send} to send, {held} on hold: to check, or going elsewhere (per the registre's memory for {tenant})."
        ),
    }
}

pub(super) fn memory_calls(to_send: usize, planned: usize) -> String {
    match to_send {
        0 => format!(
            "The plan below describes its {planned} calls, but none will go: they are done already, or held (see above)."
        ),
        1 => format!(
            "The plan below describes its {planned} calls, but only one will go: the others are done already, or held (see above)."
        ),
        n => format!(
            "The plan below describes its {planned} calls, but only {n} will go: the others are done already, or held (see above)."
        ),
    }
}

pub(super) const MEMORY_LIMITS: &str = "The registre knows only what loopbatch did for this user on this machine: a colleague's runs, another machine, or a change made by hand in Loop are not in it.";

pub(super) fn verify(t: VerifyText) -> &'static str {
    match t {
        VerifyText::Column => "checked in Loop",
        VerifyText::Done => "Checked: done in Loop",
        VerifyText::NotDone => "Checked: not done in Loop",
        VerifyText::Recorded => "Check recorded in the registre: the sheet's next run will take it into account.",
    }
}

pub(super) const PLAIN_LOOPBACK: &str = "Note: this local address gives no instance id; a server restarted empty at this address would be taken for the same one, and what the registre knows done there would not be sent again.";
pub(super) const SEND_ALL: &str = "Send everything, even what the registre knows done already";

pub(super) fn held(t: HeldText) -> &'static str {
    match t {
        HeldText::Title => "Rows to check, held back",
        HeldText::Why => {
            "A call of each of these rows got no sure answer (A_VERIFIER) in an earlier run: it is not sent again, since it may have been applied in Loop. Unless ticked, these rows stay A_VERIFIER."
        }
        HeldText::Risk => {
            "Look in Loop first. Tick « send again anyway » only for a row you know was not done: if the call was in fact applied, sending it again may make a duplicate in Loop (or Loop will answer « already associated »). You may also record what you saw with the « Checked » buttons of the run's screen: the row is then handled without this question."
        }
        HeldText::Caption => "Rows held back because one of their calls is to check in Loop",
        HeldText::Sheet => "Sheet",
        HeldText::Line => "Row",
        HeldText::Dossier => "Dossier code",
        HeldText::Email => "E-mail",
        HeldText::Run => "To check since",
        HeldText::Choice => "Your choice",
        HeldText::SendAgainAnyway => "send again anyway",
        HeldText::TickedGoToo => {
            "The rows to check ticked « send again anyway » go too, their calls on top of this number."
        }
    }
}

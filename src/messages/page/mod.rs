//! The page's words (labels, headings, buttons, short notes), one enum per
//! screen, one variant each; their French and English in `fr.rs` and `en.rs`.

mod en;
mod fr;

use crate::i18n::Lang;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum HomeText {
    SimulationCallsGoToTheEmbedded,
    Quit,
    QuitLoopbatch,
    ThePageClosesARunGoing,
    Cancel,
    OpenLoopbatchFromItsOwnWindow,
    ThisPageOnlyOpensFromLoopbatch,
    BackToThePageBefore,
    Home,
    Sheet,
    ARunIsGoing,
    FollowTheRun,
    CheckASheet,
    SheetCSVXLSXXLSBXLSODS,
    ReadingOptions,
    SheetElseEverySheetWithA,
    ACSVSEncoding,
    Detected,
    ACSVSDelimiter,
    Tab,
    Check,
    LargestFile,
    TheFileStaysOnThisComputer,
    KeptRuns,
    TemplatesToFillIn,
    NewDossiersOnboarding,
    OperationsOnExistingDossiersOffersContacts,
    LoopHubPortfolio,
    TheCabinetSDossiersAsA,
    SearchAtLeast3CharactersOf,
    DossierMasterEMail,
    EngagementManagerEMail,
    TheCabinetSDomainElseThe,
    DownloadThePortfolio,
    Keys,
    Keys2,
    ToSendLoopbatchNeedsTheFirm,
    SubscriptionKeyFromYourCegidContact,
    APIKeyKEYIDSECRETGeneratedOn,
    KeepTheKeys,
    ForThisSessionOnlyInMemory,
    SavedForThisUserEveryCommand,
    UseTheseKeys,
    NoResultsYet,
    TheyHoldClientsPersonalDataDelete,
    Date,
    Sheet2,
    Rows,
    SentTo,
    Actions,
    Going,
    FollowTheRunGoing,
    Open,
    Resume,
    Delete,
    DeleteThisRun,
    TheRunOf,
    AndItsFilesResultsJournalPlan,
}

impl HomeText {
    /// The words in `lang`.
    pub(crate) fn say(self, lang: Lang) -> &'static str {
        match lang {
            Lang::Fr => fr::home(self),
            Lang::En => en::home(self),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum GridText {
    Rows,
    WithWarnings,
    CallsPlanned,
    Problems,
    PreviousPage,
    Page,
    NextPage,
    CheckOf,
    AlsoCheckedInTheLoopHubPortfolio,
    AlsoCheckInLoopHubDossiersExist,
    TheCabinetSDomainElseThe,
    WarnWhereThisPersonIsNeither,
    CheckOnline,
    Pages,
    AllRows,
    OnlyRowsWithProblems,
    DownloadTheFixedSheet,
    SeeThePlanOfCallsAnd,
    RowsOfTheSheetCellsCan,
    Sheet,
    Row,
    Status,
    PagesBottom,
}

impl GridText {
    /// The words in `lang`.
    pub(crate) fn say(self, lang: Lang) -> &'static str {
        match lang {
            Lang::Fr => fr::grid(self),
            Lang::En => en::grid(self),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PlanText {
    Plan,
    PlanOfCallsOf,
    CallsTo,
    Dossiers,
    ValidRows,
    InvalidRowsNotSent,
    WhatWillBeDoneInCegid,
    DownloadTheReadablePlanPLANXlsx,
    PerDossier,
    DossierCode,
    WhatWillBeDone,
    TheFirst,
    DossiersTheReadablePlanPLANXlsx,
    BackToTheCheck,
    TheCegidLoopKeysAreMissing,
    ToSendLoopbatchNeedsTheFirm,
    TypeTheKeys,
    /// Before the date the registre was made, when it holds no run while
    /// runs are kept on this machine.
    RegistreKnowsNoRunBefore,
    RegistreNewNextStep,
    Run,
    ConfirmSending,
    Send,
    CallsTo2,
    Cancel,
    ThisSheetWasRunAlready,
    TheSameSheetAsItIs,
    RunningItAgainWouldSendAgain,
    SeeThatRun,
    Resume,
    RunTheFailuresAgain,
}

impl PlanText {
    /// The words in `lang`.
    pub(crate) fn say(self, lang: Lang) -> &'static str {
        match lang {
            Lang::Fr => fr::plan(self),
            Lang::En => en::plan(self),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RunText {
    Run,
    RunOf,
    Stop,
    CallsInFlightFinishResumeWill,
    Resume,
    NothingDoneIsSentAgain,
    RunTheFailuresAgain,
    RunTheFailuresAgain2,
    RunAgain,
    Cancel,
    Results,
    DownloadTheResultsXLSX,
    DownloadTheResultsCSV,
    FilterByStatus,
    All,
    MostFrequentErrors,
    TheFirst500RowsTheResults,
    Row,
    DossierCode,
    Name,
    Status,
    Advice,
    ThisRunWasMadeWithThe,
    ThisPageSKeyIs,
    IfItIsTheSameFirm,
    ResumeWithTheNewKey,
    /// A resume refused because the page's key is another: what happened
    /// (the dialog beside it offers the way on).
    TheKeyChangedNothingWasSent,
    /// A stopped or unfinished run closed without a resume (`registre close`).
    CloseWithoutResuming,
    CloseWithoutResumingQ,
    WhatClosingDoes,
    Close,
}

impl RunText {
    /// The words in `lang`.
    pub(crate) fn say(self, lang: Lang) -> &'static str {
        match lang {
            Lang::Fr => fr::run(self),
            Lang::En => en::run(self),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SheetText {
    ChooseAnotherFile,
    SheetsLoaded,
    KeptOnThisComputerWhileThe,
    NoSheetLoaded,
    Sheet,
    Rows,
    Actions,
    Open,
    Delete,
    ThisSheetIsNoLongerLoaded,
}

impl SheetText {
    /// The words in `lang`.
    pub(crate) fn say(self, lang: Lang) -> &'static str {
        match lang {
            Lang::Fr => fr::sheet(self),
            Lang::En => en::sheet(self),
        }
    }
}

/// The « Historique » screen, and the links to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum HistoryText {
    History,
    WhatLoopbatchDidCallByCall,
    DossierCodeOrEMail,
    SinceOptional,
    Search,
    Date,
    Who,
    Run,
    SheetAndRow,
    Operation,
    Status,
    LoopSMessage,
    RequestId,
    Check,
    DownloadTheHistoryXLSX,
    RunsRecorded,
    SheetRun,
    SentTo,
    Rows,
    HistoryOfThisDossier,
    HistoryOfThisEMail,
    Calls,
    /// A call's column: its dossier.
    Dossier,
    /// A call's column: the person's e-mail.
    EMail,
    /// A call's column: where it went (Cegid Loop or the simulator).
    CallSentTo,
    /// The mark of a call the simulator answered (nothing went to Loop).
    SimulatorMark,
    /// A call's place when every call listed went to the simulator.
    SimulatorShort,
}

impl HistoryText {
    /// The words in `lang`.
    pub(crate) fn say(self, lang: Lang) -> &'static str {
        match lang {
            Lang::Fr => fr::history(self),
            Lang::En => en::history(self),
        }
    }
}

/// The page's answers to what was asked of it (keys, quit, a run to
/// delete, resume or start again), its progress block's fixed words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AnswerText {
    /// Which keys: in the demo.
    SimulatorKeys,
    /// Which keys: none yet.
    NoKeys,
    KeysUnchanged,
    DemoKeysCannotChange,
    KeysRefused,
    GiveBothKeys,
    KeysNotSaved,
    ThisCouldNotBeDone,
    YouMayCloseThisTab,
    LoopbatchHasStopped,
    RunGoingStopItFirst,
    RunGoingElsewhere,
    KeptRuns,
    RunDeletedRegistreHeld,
    ConfirmationNoLongerHolds,
    RunAlreadyGoingInPage,
    KeyNoLongerShown,
    NothingToRunAgain,
    SeeTheRun,
    RunUnknown,
    /// The name of the LoopHub portfolio downloaded.
    PortfolioFileName,
    CallsDone,
    Running,
    Done,
    Stopped,
    CouldNotStart,
    EtaBeingWorkedOut,
}

impl AnswerText {
    /// The words in `lang`.
    pub(crate) fn say(self, lang: Lang) -> &'static str {
        match lang {
            Lang::Fr => fr::answer(self),
            Lang::En => en::answer(self),
        }
    }
}

/// The registre's memory on the check and plan screens: rows done
/// already, rows to send, rows held (whole sentence), whose memory it is.
pub(crate) fn memory_counts(done: usize, to_send: usize, held: usize, tenant: &str, lang: Lang) -> String {
    match lang {
        Lang::Fr => fr::memory_counts(done, to_send, held, tenant),
        Lang::En => en::memory_counts(done, to_send, held, tenant),
    }
}

/// The plan screen: of the plan described, the calls the memory still
/// sends (the rest done before).
pub(crate) fn memory_calls(to_send: usize, planned: usize, lang: Lang) -> String {
    match lang {
        Lang::Fr => fr::memory_calls(to_send, planned),
        Lang::En => en::memory_calls(to_send, planned),
    }
}

/// A loopback address that sends no instance id, on the plan screen.
pub(crate) fn plain_loopback(lang: Lang) -> &'static str {
    match lang {
        Lang::Fr => fr::PLAIN_LOOPBACK,
        Lang::En => en::PLAIN_LOOPBACK,
    }
}

/// The plan screen's « send everything » choice (`--send-all`).
pub(crate) fn send_all_label(lang: Lang) -> &'static str {
    match lang {
        Lang::Fr => fr::SEND_ALL,
        Lang::En => en::SEND_ALL,
    }
}

/// What the registre cannot know, said once on the plan screen.
pub(crate) fn memory_limits(lang: Lang) -> &'static str {
    match lang {
        Lang::Fr => fr::MEMORY_LIMITS,
        Lang::En => en::MEMORY_LIMITS,
    }
}

/// The run screen's buttons of an A_VERIFIER row, and what they record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum VerifyText {
    Column,
    Done,
    NotDone,
    Recorded,
}

impl VerifyText {
    pub(crate) fn say(self, lang: Lang) -> &'static str {
        match lang {
            Lang::Fr => fr::verify(self),
            Lang::En => en::verify(self),
        }
    }
}

/// The plan screen's rows held because A_VERIFIER, with the choice per row
/// to send them again anyway.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum HeldText {
    Title,
    Why,
    Risk,
    Caption,
    Sheet,
    Line,
    Dossier,
    Email,
    Run,
    Choice,
    SendAgainAnyway,
    /// In the confirmation: the rows ticked go too.
    TickedGoToo,
}

impl HeldText {
    pub(crate) fn say(self, lang: Lang) -> &'static str {
        match lang {
            Lang::Fr => fr::held(self),
            Lang::En => en::held(self),
        }
    }
}

/// The run whose attempt is to check, in a held row's cell.
pub(crate) fn held_run(run: i64, lang: Lang) -> String {
    match lang {
        Lang::Fr => format!("exécution n° {run}"),
        Lang::En => format!("run no. {run}"),
    }
}

//! The history's sentences (`loopbatch history`, the page's
//! « Historique »): French in `fr.rs`, English in `en.rs`.

mod en;
mod fr;

use super::Text;
use crate::i18n::Lang;

/// The history's sentences (`loopbatch history`, the page's « Historique »).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum HistoryMessage<'a> {
    /// Nothing recorded for a dossier or an e-mail (`since`: AAAA-MM-JJ);
    /// the command line names `--registre`, the page does not.
    Nothing { sought: &'a str, email: bool, since: Option<&'a str>, on_page: bool },
    /// How many calls are listed, for whom.
    Calls { n: usize, sought: &'a str, email: bool },
    /// No run recorded (since that day).
    NoRun { since: Option<&'a str> },
    /// How many runs are listed.
    Runs { n: usize },
    /// The export written.
    Written { n: usize, path: &'a std::path::Path },
    /// A date that is neither AAAA-MM-JJ nor JJ/MM/AAAA.
    BadDate { value: &'a str },
    /// An export file that is neither .xlsx nor .csv.
    Extension { path: &'a std::path::Path, ext: &'a str },
    /// A forgotten call's message.
    Forgotten,
    /// A call sent whose answer was never recorded: its run, when that run
    /// started, and the command that settles it (none on the page).
    Unanswered { run: i64, started: &'a str, resume: Option<&'a str> },
    /// A call recorded in a run but never sent to Loop (kept from an
    /// earlier run, ignored, done already).
    NotSent,
    /// Calls sent and calls not sent (recorded all the same), for whom.
    SomeNotSent { sent: usize, not_sent: usize, sought: &'a str, email: bool },
    /// The dossier was found under another form than the one typed.
    FoundUnder { typed: &'a str, codes: &'a str },
    /// Where a call went: Cegid Loop (its address), or the simulator.
    SentTo { place: &'a str, simulator: bool },
    /// `--results` names an existing file loopbatch did not write as a history.
    NotAHistory { path: &'a std::path::Path },
    /// `--results` names the results of a run.
    RunResults { path: &'a std::path::Path },
    /// Nothing found: the export file is not written.
    NotWritten { path: &'a std::path::Path },
    /// `--registre` names a file that does not exist.
    NoSuchRegistre { path: &'a std::path::Path },
    /// An e-mail found nowhere, in a registre holding forgotten calls.
    MaybeForgotten,
    /// A run with no end recorded: going, or interrupted.
    NotEnded,
    /// An empty dossier code or e-mail.
    EmptySought,
    /// A value cut at Excel's limit of a cell: its length.
    Cut { chars: usize },
    /// The page shows the newest calls only.
    FirstCalls { shown: usize },
    /// A call whose effect is unknown, no check recorded yet.
    ToCheck,
    /// A person's check: done in Loop or not, who (user and machine), when.
    Checked { done: bool, who: &'a str, at: &'a str },
    /// The rows of a call whose plan is no longer kept: its number.
    CallOnly { call: u32 },
    /// A line of the sheet (its sheet's name, when it has several).
    Line { sheet: Option<&'a str>, line: &'a str },
    /// Every call listed went to the simulator (its address), said once.
    AllToSimulator { address: &'a str },
}

impl Text for HistoryMessage<'_> {
    fn text(&self, lang: Lang) -> String {
        match lang {
            Lang::Fr => fr::history(self),
            Lang::En => en::history(self),
        }
    }
}

/// The label of an operation's API name; an unknown name as it is.
pub(crate) fn operation_name_label(name: &str, lang: Lang) -> String {
    match crate::loop_api::Operation::from_name(name) {
        Some(op) => op.label(lang).to_string(),
        None => name.to_string(),
    }
}

//! The history's sentences, in English.

use super::HistoryMessage;

pub(super) fn history(m: &HistoryMessage) -> String {
    let whom = |sought: &str, email: bool| match email {
        true => format!("the e-mail {sought}"),
        false => format!("the dossier {sought}"),
    };
    match m {
        HistoryMessage::Nothing { sought, email, since, on_page } => {
            let since = since.map(|d| format!(" since {d}")).unwrap_or_default();
            let elsewhere = match on_page {
                true => "",
                false => " If another registre recorded them, name it with --registre FILE.",
            };
            format!(
                "Nothing is recorded for {}{since} in this registre. The registre only knows what loopbatch did for this user on this computer: runs of a colleague, of another computer or from before a new registre are not in it. Check the spelling of the code or e-mail.{elsewhere}",
                whom(sought, *email)
            )
        }
        HistoryMessage::Calls { n: 1, sought, email } => format!("1 call recorded for {}.", whom(sought, *email)),
        HistoryMessage::Calls { n, sought, email } => format!("{n} calls recorded for {}.", whom(sought, *email)),
        HistoryMessage::NoRun { since: Some(d) } => format!(
            "No run recorded since {d} in this registre (it only knows those of this user on this computer)."
        ),
        HistoryMessage::NoRun { since: None } => "No run recorded in this registre (it only knows those of this user on this computer).".into(),
        HistoryMessage::Runs { n: 1 } => "1 run recorded. For the detail of a dossier or a person: loopbatch history CODE_DOSSIER or loopbatch history EMAIL.".into(),
        HistoryMessage::Runs { n } => format!(
            "{n} runs recorded, newest first. For the detail of a dossier or a person: loopbatch history CODE_DOSSIER or loopbatch history EMAIL."
        ),
        HistoryMessage::Written { n: 1, path } => format!("History written (1 line): {}", path.display()),
        HistoryMessage::Written { n, path } => format!("History written ({n} lines): {}", path.display()),
        HistoryMessage::NotSent => "not sent to Loop (kept from an earlier run, ignored or done already): no call went out for it in this run".into(),
        HistoryMessage::SomeNotSent { sent, not_sent, sought, email } => {
            let sent = match sent { 1 => "1 call sent".to_string(), n => format!("{n} calls sent") };
            format!("{sent}, {not_sent} not sent (recorded without going to Loop) for {}.", whom(sought, *email))
        }
        HistoryMessage::FoundUnder { typed, codes } => format!("« {typed} » is not recorded as typed: found under {codes}."),
        HistoryMessage::SentTo { place, simulator: true } => format!("simulator, nothing went to Cegid Loop — {place}"),
        HistoryMessage::SentTo { place, simulator: false } => format!("Cegid Loop ({place})"),
        HistoryMessage::NotAHistory { path } => format!(
            "The file {} exists already and is not a history loopbatch wrote (an input sheet, results?): it is not replaced. Nothing was written. Give --results another name (for example history.xlsx).",
            path.display()
        ),
        HistoryMessage::RunResults { path } => format!(
            "The file {} holds the results of a run (recorded in the registre): the history would overwrite them. Nothing was written. Give --results another name (for example history.xlsx).",
            path.display()
        ),
        HistoryMessage::NotWritten { path } => format!("Nothing to write: {} was not written.", path.display()),
        HistoryMessage::NoSuchRegistre { path } => format!(
            "This registre does not exist: {}. Check the path given to --registre (without --registre, loopbatch reads this user's registre). Nothing was created.",
            path.display()
        ),
        HistoryMessage::MaybeForgotten => "This registre also holds forgotten calls (registre forget, retention): their e-mail is erased, they are no longer found by e-mail. Search by the person's dossier code: their calls are there, marked « forgotten ».".into(),
        HistoryMessage::NotEnded => "no end recorded: going, or interrupted (to resume with --resume)".into(),
        HistoryMessage::EmptySought => "No dossier code or e-mail is given: write one (for example loopbatch history CLI0001 or loopbatch history first.last@example.com); with nothing, loopbatch history lists the runs.".into(),
        HistoryMessage::Cut { chars } => format!(" … [cut at Excel's limit of a cell: {chars} characters in all, the registre keeps the whole message]"),
        HistoryMessage::BadDate { value } => format!(
            "Date « {value} » not understood: write it YYYY-MM-DD (for example 2026-12-01) or DD/MM/YYYY (01/12/2026)."
        ),
        HistoryMessage::Extension { path, ext } => format!(
            "History file {}: the extension « {ext} » does not fit; the history is written as .xlsx or .csv (for example --results history.xlsx).",
            path.display()
        ),
        HistoryMessage::Forgotten => "forgotten: personal data erased from the registre".into(),
        HistoryMessage::Unanswered { run, started, resume } => {
            let way = match resume {
                Some(cmd) => format!("to settle it, resume the run: {cmd}"),
                None => format!("to settle it, resume run no. {run} from its page (or loopbatch run … --resume with its results)"),
            };
            format!("sent, answer unknown (run no. {run} started on {started}, going or interrupted): Loop may have applied it; {way}")
        }
        HistoryMessage::FirstCalls { shown } => format!(
            "Only the {shown} newest calls are shown (in the order they happened): the downloaded history (XLSX) holds them all."
        ),
        HistoryMessage::Checked { done: true, who, at } => format!("done in Loop (checked by {who} on {at})"),
        HistoryMessage::Checked { done: false, who, at } => format!("not done in Loop (checked by {who} on {at})"),
        HistoryMessage::ToCheck => "to check in Loop (no check recorded)".into(),
        HistoryMessage::CallOnly { call } => format!("call no. {call} (plan not kept)"),
        HistoryMessage::Line { sheet: Some(s), line } => format!("sheet « {s} » line {line}"),
        HistoryMessage::Line { sheet: None, line } => format!("line {line}"),
        HistoryMessage::AllToSimulator { address } => {
            format!("All these calls went to the simulator ({address}).")
        }
    }
}

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
        HistoryMessage::Runs { n: 1 } => "1 run recorded. For the detail of a dossier or a person: loopbatch history DOSSIER_CODE or loopbatch history EMAIL.".into(),
        HistoryMessage::Runs { n } => format!(
            "{n} runs recorded, newest first. For the detail of a dossier or a person: loopbatch history DOSSIER_CODE or loopbatch history EMAIL."
        ),
        HistoryMessage::Written { n, path } => format!("History written ({n} lines): {}", path.display()),
        HistoryMessage::BadDate { value } => format!(
            "Date « {value} » not understood: write it YYYY-MM-DD (for example 2026-12-01) or DD/MM/YYYY (01/12/2026)."
        ),
        HistoryMessage::Extension { path, ext } => format!(
            "History file {}: the extension « {ext} » does not fit; the history is written as .xlsx or .csv (for example --results history.xlsx).",
            path.display()
        ),
        HistoryMessage::Forgotten => "forgotten: personal data erased from the registre".into(),
        HistoryMessage::Unanswered => "sent with no answer recorded (the run is going, or was interrupted): Loop may have applied it; resuming an interrupted run settles it".into(),
        HistoryMessage::FirstCalls { shown } => {
            format!("Only the first {shown} calls are shown: the downloaded history (XLSX) holds them all.")
        }
        HistoryMessage::Checked { done: true, who, at } => format!("done in Loop (checked by {who} on {at})"),
        HistoryMessage::Checked { done: false, who, at } => format!("not done in Loop (checked by {who} on {at})"),
        HistoryMessage::ToCheck => "to check in Loop (no check recorded)".into(),
        HistoryMessage::CallOnly { call } => format!("call no. {call} (plan not kept)"),
        HistoryMessage::Line { sheet: Some(s), line } => format!("sheet « {s} » line {line}"),
        HistoryMessage::Line { sheet: None, line } => format!("line {line}"),
    }
}

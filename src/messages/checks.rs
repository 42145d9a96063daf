//! The words of the memory's counts, a person's checks, closed runs,
//! rescue files and missing previous results, kept apart: fr.rs and en.rs
//! stay on a screen.

use super::MemoryMessage;

pub(super) fn fr(m: &MemoryMessage<'_>) -> String {
    match m {
        MemoryMessage::Counts { rows_done, rows_to_send, rows_held, tenant } => {
            let held = match rows_held {
                0 => String::new(),
                n => format!(", {n} en attente (à vérifier ou en cours ailleurs)"),
            };
            format!(
                "{rows_done} ligne(s) déjà faite(s), {rows_to_send} à envoyer{held} (mémoire du registre pour {tenant} ; tout renvoyer : --send-all)"
            )
        }
        MemoryMessage::VerifyNoLine { sheet, line } => format!(
            "Aucun appel de cette exécution ne sert la ligne {line} de la feuille {sheet} : vérifiez le numéro de ligne (colonne « ligne » des résultats) et --sheet. Rien n'a été noté."
        ),
        MemoryMessage::VerifySheetNeeded { sheets } => format!(
            "Les résultats ont plusieurs feuilles ({sheets}) : dites laquelle avec --sheet FEUILLE. Rien n'a été noté."
        ),
        MemoryMessage::VerifyNotToCheck { sheet, line } => format!(
            "La ligne {line} (feuille {sheet}) n'est pas à vérifier : aucun de ses appels n'est A_VERIFIER ni parti sans réponse dans cette exécution. Rien n'a été noté. Seules les lignes A_VERIFIER se notent avec verify ; pour le reste, relancez la feuille (le registre n'enverra pas ce qui est fait)."
        ),
        MemoryMessage::VerifyGoing { results } => format!(
            "L'exécution qui écrit {} est en cours : attendez sa fin (ou arrêtez-la), puis notez ses lignes A_VERIFIER avec loopbatch verify. Rien n'a été noté.",
            results.display()
        ),
        MemoryMessage::CheckedDone { who, at } => format!(
            "vérifié fait dans Loop par {who} le {} (loopbatch verify) : rien n'a été renvoyé",
            super::moment(at)
        ),
        MemoryMessage::ResumeClosed { run } => format!(
            "Exécution n° {run} close sans reprise (loopbatch registre close) : rien à reprendre. Relancez la feuille avec d'autres résultats (loopbatch run FEUILLE --results AUTRES-RESULTATS) : le registre n'enverra pas ce qui est fait, et ses appels à vérifier restent à noter avec loopbatch verify."
        ),
        MemoryMessage::RescueForeign { file } => format!(
            "Le fichier de secours {} n'est pas de ce registre (un autre registre, ou un ancien) : ignoré et laissé en place ; les appels qu'il dit faits seront vérifiés par la reprise. Supprimez-le s'il ne sert plus.",
            file.display()
        ),
        _ => String::new(),
    }
}

pub(super) fn en(m: &MemoryMessage<'_>) -> String {
    match m {
        MemoryMessage::Counts { rows_done, rows_to_send, rows_held, tenant } => {
            let held = match rows_held {
                0 => String::new(),
                n => format!(", {n} on hold (to check, or going elsewhere)"),
            };
            format!(
                "{rows_done} row(s) already done, {rows_to_send} to send{held} (the registre's memory for {tenant}; to send everything: --send-all)"
            )
        }
        MemoryMessage::VerifyNoLine { sheet, line } => format!(
            "No call of this run serves row {line} of sheet {sheet}: check the row number (the results' « ligne » column) and --sheet. Nothing was recorded."
        ),
        MemoryMessage::VerifySheetNeeded { sheets } => {
            format!("The results hold several sheets ({sheets}): say which with --sheet SHEET. Nothing was recorded.")
        }
        MemoryMessage::VerifyNotToCheck { sheet, line } => format!(
            "Row {line} (sheet {sheet}) is not to check: none of its calls is A_VERIFIER or went out without an answer in this run. Nothing was recorded. Only A_VERIFIER rows are recorded with verify; for the rest, run the sheet again (the registre will not send what is done)."
        ),
        MemoryMessage::VerifyGoing { results } => format!(
            "The run writing {} is going: wait for its end (or stop it), then record its A_VERIFIER rows with loopbatch verify. Nothing was recorded.",
            results.display()
        ),
        MemoryMessage::CheckedDone { who, at } => {
            format!("checked done in Loop by {who} on {} (loopbatch verify): nothing was sent again", super::moment(at))
        }
        MemoryMessage::ResumeClosed { run } => format!(
            "Run no. {run} was closed without resuming (loopbatch registre close): nothing to resume. Run the sheet again into other results (loopbatch run SHEET --results OTHER-RESULTS): the registre will not send what is done, and its calls to check are still to record with loopbatch verify."
        ),
        MemoryMessage::RescueForeign { file } => format!(
            "The rescue file {} is not this registre's (another registre, or an old one): ignored and left in place; the calls it says done will be checked by the resume. Delete it if it is of no more use.",
            file.display()
        ),
        _ => String::new(),
    }
}

/// `--only-failed` (or « Relancer les échecs ») whose previous results are
/// not there: which file, and what to do.
pub(super) fn missing_results_fr(file: &str, page: bool) -> String {
    match page {
        false => format!(
            "Les résultats précédents {file} sont introuvables (déplacés, renommés ou supprimés ?) : --only-failed les lit pour savoir quelles lignes renvoyer. Rien n'a été envoyé. Donnez à --only-failed le bon fichier de résultats, ou relancez le tableur sans --only-failed : le registre n'enverra que ce qui n'est pas déjà fait."
        ),
        true => format!(
            "Le fichier de résultats {file} de cette exécution est introuvable (déplacé ou supprimé ?) : « Relancer les échecs » le lit pour savoir quelles lignes renvoyer. Rien n'a été envoyé. Chargez de nouveau le tableur depuis l'accueil et lancez-le : le registre n'enverra que ce qui n'est pas déjà fait."
        ),
    }
}

pub(super) fn missing_results_en(file: &str, page: bool) -> String {
    match page {
        false => format!(
            "The previous results {file} cannot be found (moved, renamed or deleted?): --only-failed reads them to know which rows to send again. Nothing was sent. Give --only-failed the right results file, or run the sheet again without --only-failed: the registre will send only what is not done already."
        ),
        true => format!(
            "This run's results file {file} cannot be found (moved or deleted?): « Run the failures again » reads it to know which rows to send again. Nothing was sent. Load the sheet again from the home screen and run it: the registre will send only what is not done already."
        ),
    }
}

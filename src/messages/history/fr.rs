//! Les phrases de l'historique, en français.

use super::HistoryMessage;

pub(super) fn history(m: &HistoryMessage) -> String {
    let whom = |sought: &str, email: bool| match email {
        true => format!("l'e-mail {sought}"),
        false => format!("le dossier {sought}"),
    };
    match m {
        HistoryMessage::Nothing { sought, email, since, on_page } => {
            let since = since.map(|d| format!(" depuis le {d}")).unwrap_or_default();
            let elsewhere = match on_page {
                true => "",
                false => " Si un autre registre les a notées, nommez-le avec --registre FICHIER.",
            };
            format!(
                "Rien n'est noté pour {}{since} dans ce registre. Le registre ne connaît que ce que loopbatch a fait pour cet utilisateur sur cet ordinateur : les exécutions d'un collègue, d'un autre poste ou d'avant un registre neuf n'y sont pas. Vérifiez l'orthographe du code ou de l'e-mail.{elsewhere}",
                whom(sought, *email)
            )
        }
        HistoryMessage::Calls { n: 1, sought, email } => format!("1 appel noté pour {}.", whom(sought, *email)),
        HistoryMessage::Calls { n, sought, email } => format!("{n} appels notés pour {}.", whom(sought, *email)),
        HistoryMessage::NoRun { since: Some(d) } => format!(
            "Aucune exécution notée depuis le {d} dans ce registre (il ne connaît que celles de cet utilisateur sur cet ordinateur)."
        ),
        HistoryMessage::NoRun { since: None } => "Aucune exécution notée dans ce registre (il ne connaît que celles de cet utilisateur sur cet ordinateur).".into(),
        HistoryMessage::Runs { n: 1 } => "1 exécution notée. Pour le détail d'un dossier ou d'une personne : loopbatch history CODE_DOSSIER ou loopbatch history EMAIL.".into(),
        HistoryMessage::Runs { n } => format!(
            "{n} exécutions notées, de la plus récente à la plus ancienne. Pour le détail d'un dossier ou d'une personne : loopbatch history CODE_DOSSIER ou loopbatch history EMAIL."
        ),
        HistoryMessage::Written { n, path } => format!("Historique écrit ({n} lignes) : {}", path.display()),
        HistoryMessage::BadDate { value } => format!(
            "Date « {value} » non comprise : écrivez-la AAAA-MM-JJ (par exemple 2026-12-01) ou JJ/MM/AAAA (01/12/2026)."
        ),
        HistoryMessage::Extension { path, ext } => format!(
            "Fichier d'historique {} : l'extension « {ext} » ne convient pas ; l'historique s'écrit en .xlsx ou en .csv (par exemple --results historique.xlsx).",
            path.display()
        ),
        HistoryMessage::Forgotten => "oublié : données personnelles effacées du registre".into(),
        HistoryMessage::Unanswered => "parti sans réponse notée (l'exécution est en cours, ou a été interrompue) : Loop l'a peut-être appliqué ; la reprise d'une exécution interrompue le tranche".into(),
        HistoryMessage::FirstCalls { shown } => format!(
            "Seuls les {shown} premiers appels sont affichés : l'historique téléchargé (XLSX) les contient tous."
        ),
        HistoryMessage::Checked { done: true, who, at } => format!("fait dans Loop (vérifié par {who} le {at})"),
        HistoryMessage::Checked { done: false, who, at } => {
            format!("pas fait dans Loop (vérifié par {who} le {at})")
        }
        HistoryMessage::ToCheck => "à vérifier dans Loop (aucune vérification notée)".into(),
        HistoryMessage::CallOnly { call } => format!("appel n° {call} (plan non gardé)"),
        HistoryMessage::Line { sheet: Some(s), line } => format!("feuille « {s} » ligne {line}"),
        HistoryMessage::Line { sheet: None, line } => format!("ligne {line}"),
    }
}

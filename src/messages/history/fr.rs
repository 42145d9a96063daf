//! Les phrases de l'historique, en français.

use super::HistoryMessage;

pub(super) fn history(m: &HistoryMessage) -> String {
    let whom = |sought: &str, email: bool| match email {
        true => format!("l'e-mail {sought}"),
        false => format!("le dossier {sought}"),
    };
    match m {
        HistoryMessage::Nothing { sought, email, since, on_page } => {
            let since = since.map(|d| format!(" depuis le {}", jj_mm_aaaa(d))).unwrap_or_default();
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
            "Aucune exécution notée depuis le {} dans ce registre (il ne connaît que celles de cet utilisateur sur cet ordinateur).",
            jj_mm_aaaa(d)
        ),
        HistoryMessage::NoRun { since: None } => "Aucune exécution notée dans ce registre (il ne connaît que celles de cet utilisateur sur cet ordinateur).".into(),
        HistoryMessage::Runs { n: 1 } => "1 exécution notée. Pour le détail d'un dossier ou d'une personne : loopbatch history CODE_DOSSIER ou loopbatch history EMAIL.".into(),
        HistoryMessage::Runs { n } => format!(
            "{n} exécutions notées, de la plus récente à la plus ancienne. Pour le détail d'un dossier ou d'une personne : loopbatch history CODE_DOSSIER ou loopbatch history EMAIL."
        ),
        HistoryMessage::Written { n: 1, path } => format!("Historique écrit (1 ligne) : {}", path.display()),
        HistoryMessage::Written { n, path } => format!("Historique écrit ({n} lignes) : {}", path.display()),
        HistoryMessage::NotSent => "pas envoyé à Loop (gardé d'une exécution précédente, ignoré ou déjà fait) : aucun appel n'est parti pour lui dans cette exécution".into(),
        HistoryMessage::SomeNotSent { sent, not_sent, sought, email } => {
            let sent = match sent { 1 => "1 appel envoyé".to_string(), n => format!("{n} appels envoyés") };
            let not_sent = match not_sent { 1 => "1 non envoyé".to_string(), n => format!("{n} non envoyés") };
            format!("{sent}, {not_sent} (notés sans partir vers Loop) pour {}.", whom(sought, *email))
        }
        HistoryMessage::FoundUnder { typed, codes } => format!("« {typed} » n'est pas noté tel quel : trouvé sous {codes}."),
        HistoryMessage::SentTo { place, simulator: true } => format!("simulateur, rien n'est allé à Cegid Loop — {place}"),
        HistoryMessage::SentTo { place, simulator: false } => format!("Cegid Loop ({place})"),
        HistoryMessage::NotAHistory { path } => format!(
            "Le fichier {} existe déjà et n'est pas un historique écrit par loopbatch (un tableur d'entrée, des résultats ?) : il n'est pas remplacé. Rien n'a été écrit. Donnez un autre nom à --results (par exemple historique.xlsx).",
            path.display()
        ),
        HistoryMessage::RunResults { path } => format!(
            "Le fichier {} est le fichier de résultats d'une exécution (notée au registre) : l'historique l'écraserait. Rien n'a été écrit. Donnez un autre nom à --results (par exemple historique.xlsx).",
            path.display()
        ),
        HistoryMessage::NotWritten { path } => format!("Rien à écrire : {} n'a pas été écrit.", path.display()),
        HistoryMessage::NoSuchRegistre { path } => format!(
            "Ce registre n'existe pas : {}. Vérifiez le chemin donné à --registre (sans --registre, loopbatch lit le registre de cet utilisateur). Rien n'a été créé.",
            path.display()
        ),
        HistoryMessage::MaybeForgotten => "Ce registre contient aussi des appels oubliés (registre forget, durée de conservation) : leur e-mail est effacé, ils ne se retrouvent plus par l'e-mail. Cherchez par le code dossier de la personne : ses appels y sont, marqués « oublié ».".into(),
        HistoryMessage::NotEnded => "pas de fin notée : en cours, ou interrompue (à reprendre avec --resume)".into(),
        HistoryMessage::EmptySought => "Aucun code dossier ni e-mail n'est donné : écrivez-en un (par exemple loopbatch history CLI0001 ou loopbatch history prenom.nom@exemple.fr) ; sans rien, loopbatch history liste les exécutions.".into(),
        HistoryMessage::Cut { chars } => format!(" … [coupé à la limite d'une cellule d'Excel : {chars} caractères en tout, le registre garde le message entier]"),
        HistoryMessage::BadDate { value } => format!(
            "Date « {value} » non comprise : écrivez-la AAAA-MM-JJ (par exemple 2026-12-01) ou JJ/MM/AAAA (01/12/2026)."
        ),
        HistoryMessage::Extension { path, ext } => format!(
            "Fichier d'historique {} : l'extension « {ext} » ne convient pas ; l'historique s'écrit en .xlsx ou en .csv (par exemple --results historique.xlsx).",
            path.display()
        ),
        HistoryMessage::Forgotten => "oublié : données personnelles effacées du registre".into(),
        HistoryMessage::Unanswered { run, started, resume } => {
            let way = match resume {
                Some(cmd) => format!("pour le trancher, reprenez l'exécution : {cmd}"),
                None => format!("pour le trancher, reprenez l'exécution n° {run} depuis sa page (ou loopbatch run … --resume avec ses résultats)"),
            };
            format!("envoyé, réponse inconnue (exécution n° {run} commencée le {started}, en cours ou interrompue) : Loop l'a peut-être appliqué ; {way}")
        }
        HistoryMessage::FirstCalls { shown } => format!(
            "Seuls les {shown} appels les plus récents sont affichés (dans l'ordre où ils sont arrivés) : l'historique téléchargé (XLSX) les contient tous."
        ),
        HistoryMessage::Checked { done: true, who, at } => format!("fait dans Loop (vérifié par {who} le {at})"),
        HistoryMessage::Checked { done: false, who, at } => {
            format!("pas fait dans Loop (vérifié par {who} le {at})")
        }
        HistoryMessage::ToCheck => "à vérifier dans Loop (aucune vérification notée)".into(),
        HistoryMessage::CallOnly { call } => format!("appel n° {call} (plan non gardé)"),
        HistoryMessage::Line { sheet: Some(s), line } => format!("feuille « {s} » ligne {line}"),
        HistoryMessage::Line { sheet: None, line } => format!("ligne {line}"),
        HistoryMessage::AllToSimulator { address } => {
            format!("Tous ces appels sont allés au simulateur ({address}).")
        }
    }
}

/// A day AAAA-MM-JJ as a French reader writes it: JJ/MM/AAAA.
fn jj_mm_aaaa(d: &str) -> String {
    match d.split('-').collect::<Vec<_>>().as_slice() {
        [y, m, j] => format!("{j}/{m}/{y}"),
        _ => d.to_string(),
    }
}

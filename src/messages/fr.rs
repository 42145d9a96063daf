//! Le catalogue français : chaque phrase entière, ses valeurs nommées.

use super::{Advice, MemoryMessage, Message, RunMessage, Stop, Text, WorkbookText};
use crate::error::{
    ArchiveFault, CallFault, CauseKind, Failure, Foreign, InputProblem, PlanProblem, ResultsProblem, SystemCause,
    WriteProblem,
};
use crate::loop_api::{KnownAnswer, Operation};
use crate::outcome::Status;
use crate::problems::{Absence, Expected, Needed, Person, Place, Problem, Repair, Warning};

fn place(p: &Place) -> String {
    format!("feuille « {} » ligne {}", p.sheet, p.line)
}

fn person(p: &Person) -> String {
    format!("{} ({} {})", place(&p.at), p.prenom, p.nom)
}

/// What is wrong with a value, after the value.
fn expected(e: &Expected) -> String {
    match e {
        Expected::Profile => "n'est pas un code de profil Loop (attendu : un nombre comme 2.0)".into(),
        Expected::Email => "n'est pas une adresse e-mail valide (attendu : prenom.nom@domaine.fr)".into(),
        Expected::EmailWithoutInvisible => "contient un caractère invisible (espace de largeur nulle ou de sens d'écriture, marqué �) : retapez l'adresse".into(),
        Expected::NoControlCharacter => "contient un caractère de contrôle (marqué �) que personne ne tape : le fichier semble endommagé ; vérifiez cette valeur dans le tableur d'origine et enregistrez-le de nouveau".into(),
        Expected::PhoneWithPlus => "n'est pas un numéro de téléphone valide : 11 chiffres ou plus sans « + » (le tableur a sans doute pris un numéro international pour un nombre) ; tapez-le avec + et l'indicatif du pays, comme +33 6 12 34 56 78, dans une cellule au format Texte".into(),
        Expected::Phone => "n'est pas un numéro de téléphone valide (attendu : 10 chiffres comme 06 12 34 56 78, ou +33 6 12 34 56 78)".into(),
        Expected::CodeWithoutInvisible => "contient un caractère invisible (marqué �)".into(),
        Expected::Code => "n'est pas un code dossier (lettres, chiffres, - _ . sans espace, 50 caractères au plus)".into(),
        Expected::Offer => "n'est pas une offre connue (start, co-production ou consultation)".into(),
        Expected::Boolean => "n'est pas oui ou non (oui/non, vrai/faux, x, 1/0)".into(),
        Expected::Action { actions } => format!("n'est pas une action connue. Actions possibles : {actions}"),
        Expected::LinkedDossier => "n'est pas un dossier lié à cette clé d'application dans LoopHub : liez d'abord le dossier à l'application dans LoopHub, cette clé ne peut pas l'atteindre".into(),
    }
}

pub(super) fn problem(p: &Problem) -> String {
    match p {
        Problem::Invalid { column, value, expected: e, .. } => {
            format!("colonne « {column} » : « {value} » {}", expected(e))
        }
        Problem::ActionBlank { column, suggestion, actions } => format!(
            "colonne « {column} » vide alors que la ligne demande une offre : écrivez l'action à faire, par exemple {suggestion} (actions possibles : {actions})"
        ),
        Problem::Missing { needed, column, absence, action } => {
            let state = match absence {
                Absence::Blank => "vide",
                Absence::NotInSheet => "absente de cette feuille",
                Absence::NotInFile => "absente du fichier",
            };
            let what = match needed {
                Needed::CodeDossier => "demande un code dossier",
                Needed::Email => "demande l'e-mail de l'interlocuteur",
                Needed::Offer => "demande une offre (start, co-production ou consultation)",
                Needed::OldOffer => "demande l'offre à remplacer",
            };
            format!("colonne « {column} » {state} : l'action « {action} » {what}")
        }
        Problem::SameOffer { offer } => {
            format!("offre et ancienne_offre valent toutes deux « {offer} » : il n'y a rien à changer")
        }
        Problem::SharedEmail { email, people } => format!(
            "l'e-mail {email} est donné à des personnes différentes dans le fichier (un e-mail = un interlocuteur) : {}",
            people.iter().map(person).collect::<Vec<_>>().join(", ")
        ),
        Problem::Duplicate { of } => format!("ligne en double : identique à la {}", place(of)),
    }
}

pub(super) fn warning(w: &Warning) -> String {
    match w {
        Warning::InvisibleSpaces { column } => {
            format!("colonne « {column} » : espaces insécables ou invisibles retirés autour de la valeur")
        }
        Warning::Read { column, repair } => {
            let what = match repair {
                Repair::MixedEncoding => {
                    "texte dans un autre encodage que le reste du fichier (encodages mélangés, UTF-8 et Windows-1252) : vérifiez les accents"
                }
                Repair::ControlCharacters => "caractères de contrôle (NUL…) retirés",
                Repair::LineBreaks => "saut de ligne (Alt+Entrée) ou tabulation remplacé par une espace",
            };
            format!("colonne « {column} » : {what}")
        }
        Warning::PhoneZeroRestored { column, value, sent } => format!(
            "colonne « {column} » : « {value} » a été enregistré comme un nombre par le tableur (zéro initial perdu) : corrigé en {sent}"
        ),
        Warning::PhonePlusRestored { column, value, sent } => format!(
            "colonne « {column} » : « {value} » est un numéro français écrit avec son indicatif dont le tableur a perdu le « + » (il l'a pris pour un nombre) : envoyé comme {sent}"
        ),
        Warning::PhoneForeign { column, value } => {
            format!("colonne « {column} » : « {value} » numéro étranger, transmis au format international")
        }
        Warning::CodePadded { column, value, padded, number: true } => format!(
            "colonne « {column} » : « {value} » enregistré comme un nombre par le tableur : complété en {padded} (code_dossier_width de la configuration)"
        ),
        Warning::CodePadded { column, value, padded, number: false } => format!(
            "colonne « {column} » : « {value} » plus court que la largeur configurée : complété en {padded} (code_dossier_width de la configuration)"
        ),
        Warning::CodeAsNumber { column, value } => format!(
            "colonne « {column} » : « {value} » enregistré comme un nombre par le tableur : des zéros initiaux ont pu être perdus. Formatez la colonne en Texte dans le tableur (ou fixez code_dossier_width de la configuration)"
        ),
        Warning::RemovesFromAll { offer } => format!(
            "removeOffer retirera l'offre {offer} à tous les interlocuteurs du dossier, pas seulement à ceux de ce fichier (indiquez un e-mail pour ne toucher qu'un interlocuteur)"
        ),
        Warning::NoName => "nom et prénom vides : l'interlocuteur sera créé sans nom".into(),
        Warning::CodePaddedFromPortfolio { code, padded } => format!(
            "code dossier « {code} » complété en {padded} d'après le portefeuille LoopHub (zéros initiaux perdus par le tableur)"
        ),
        Warning::NotTheirDossier { me, code, master, manager } => format!(
            "{me} n'est ni maître de dossier ni engagement manager de {code} (maître {master}, manager {manager}) : seuls eux, les administrateurs (profil 5.0 et plus) et le groupe LOOP-GESTION-DES-DROITS peuvent y activer des applications"
        ),
    }
}

pub(super) fn message(m: &Message) -> String {
    match m {
        Message::ProblemKind { column, expected: e } => format!("colonne « {column} » : … {}", expected(e)),
        Message::Warning { text } => format!("Avertissement : {text}"),
        Message::AddOfferDeprecated { calls, route, since } => format!(
            "Attention : le plan active l'offre au niveau du dossier ({calls} appel(s) addOffer, {route}), un service que Cegid déclare obsolète depuis le {since} (remplacé par l'offre donnée à chaque interlocuteur). Si Cegid ne l'accepte plus, l'exécution s'arrête à son premier appel et rien d'autre n'est envoyé. Pour vous en passer : activez l'offre de ces dossiers dans LoopHub, et demandez à la personne qui gère loopbatch de mettre onboarding_add_offer = false dans loopbatch.toml."
        ),
        Message::NothingToDo => "rien à faire (action vide)".into(),
        Message::CheckedFile { path, sheets } => {
            format!("Fichier : {} (feuilles lues : {})", path.display(), sheets.join(", "))
        }
        Message::CheckedRows { rows, valid, invalid, ignored, with_warnings } => format!(
            "Lignes : {rows} — {valid} valides, {invalid} invalides, {ignored} ignorées (rien à faire), {with_warnings} avec avertissements"
        ),
        Message::DossiersInvolved { n } => format!("Dossiers concernés : {n}"),
        Message::CallsPlanned { n } => format!("Appels prévus : {n}"),
        Message::InvalidRows => "Lignes invalides :".into(),
        Message::InvalidRow { at, problems } => format!("{} : {problems}", place(at)),
        Message::MoreInvalidRows { n } => format!("… {n} autres (voir le fichier de résultats)"),
        Message::ResultsWritten { path } => format!("Résultats : {}", path.display()),
        Message::PlanWritten { path } => format!("Plan écrit : {}", path.display()),
        Message::DossiersWritten { kept, total, path } => format!(
            "{kept} / {total} dossiers écrits dans {} — remplissez action, offre et ancienne_offre, puis `loopbatch check --online`.",
            path.display()
        ),
        Message::DossiersShown { kept, total } => format!("{kept} / {total} dossiers"),
        Message::SimulatorReady { base_url, dossiers } => {
            let dossiers = if *dossiers == 1 { "1 dossier".to_string() } else { format!("{dossiers} dossiers") };
            format!("Simulateur Cegid Loop prêt : {base_url} ({dossiers}). Ctrl-C pour arrêter.")
        }
        Message::PageOpened { address, opened: true } => {
            format!("Page de loopbatch ouverte dans le navigateur ; sinon, ouvrez dans les 2 minutes : {address}")
        }
        Message::PageOpened { address, opened: false } => {
            format!(
                "Ouvrez cette adresse dans votre navigateur dans les 2 minutes (le navigateur n'est pas ouvert automatiquement) : {address}"
            )
        }
        Message::TemplatesWritten => "Modèles écrits :".into(),
        Message::SearchTooShort { search } => {
            format!("Recherche « {search} » trop courte : au moins 3 caractères du code ou du nom, comme dans LoopHub.")
        }
        Message::ColumnRepeated { column } => format!(
            "La colonne « {column} » désigne un champ déjà lu dans une colonne précédente : elle est recopiée dans les résultats mais pas utilisée."
        ),
        Message::EncodingDetected1252 => {
            "Encodage détecté : Windows-1252 (CSV enregistré par Excel en français).".into()
        }
        Message::SheetSkipped { sheet } => format!("Feuille « {sheet} » ignorée : aucune colonne code_dossier."),
        Message::RowNotFound { at } => format!("{} introuvable dans le fichier vérifié.", place(at)),
        Message::NoSuchColumn { column, sheet } => {
            format!("La colonne « {column} » n'existe pas dans la feuille « {sheet} ».")
        }
        Message::CellLabel { column, line } => format!("{column}, ligne {line}"),
        Message::Error { text } => format!("Erreur : {text}"),
        Message::Defect { what, at } => format!(
            "Erreur interne de loopbatch : {what} ({at}). C'est un défaut du programme, pas de votre fichier : signalez-le avec ce message. Ce qui a déjà été envoyé est noté dans le journal : `run --resume` reprend sans rien renvoyer."
        ),
        Message::UploadTooBig { limit_mb } => format!(
            "Le fichier dépasse la taille permise : {limit_mb} Mo. Découpez-le en plusieurs tableurs de moins de {limit_mb} Mo, puis choisissez-les un par un."
        ),
        Message::UploadCut => {
            "L'envoi du fichier a été interrompu ou a pris trop de temps. Choisissez le fichier de nouveau.".into()
        }
        Message::NoFileChosen => "Aucun fichier choisi : choisissez un tableur.".into(),
        Message::NoCodeDossierColumnOnPage { file, seen } => {
            let seen = if seen.is_empty() { "aucun en-tête lisible".to_string() } else { seen.join(", ") };
            format!(
                "{} : aucune colonne « code_dossier » trouvée dans les 30 premières lignes (en-têtes vus : {seen}). Ajoutez une colonne code_dossier (ou « Code dossier », « codeDossier », « code IBS ») dans le tableur, enregistrez-le, puis choisissez-le de nouveau ; les « Modèles à remplir » de la page d'accueil montrent le format attendu.",
                file.display()
            )
        }
        Message::UploadEmpty { name } => format!(
            "Le fichier « {name} » est vide (0 octet) : ouvrez-le dans Excel, vérifiez qu'il contient vos lignes, enregistrez-le, puis choisissez-le de nouveau."
        ),
    }
}

pub(super) fn run_message(m: &RunMessage) -> String {
    match m {
        RunMessage::RouteUnknownRow { route, operation, status, message } => format!("la passerelle ne connaît pas la route {route} ({operation}, HTTP {status}) : {message} — ce que faire est dit avec l'arrêt de l'exécution"),
        RunMessage::NotRun { stop: None, .. } => "non exécuté".into(),
        RunMessage::NotRun { stop: Some(Stop::Interrupted), on_page: true } => "non exécuté : exécution arrêtée (bouton Arrêter) avant cet appel".into(),
        RunMessage::NotRun { stop: Some(Stop::Interrupted), on_page: false } => "non exécuté : exécution interrompue (Ctrl-C)".into(),
        RunMessage::NotRun { stop: Some(Stop::WaitTooLong { secs }), .. } => format!("non exécuté : la passerelle impose une attente trop longue ({secs} s)"),
        RunMessage::NotRun { stop: Some(Stop::KeyRefused { .. }), .. } => "non exécuté : exécution arrêtée, Cegid Loop a refusé une clé ; « Reprendre » l'enverra une fois la clé corrigée".into(),
        RunMessage::NotRun { stop: Some(Stop::RouteUnknown { .. }), .. } => "non exécuté : exécution arrêtée, Cegid Loop ne connaît pas la route d'un appel (voir la raison de l'arrêt)".into(),
        RunMessage::NotRun { stop: Some(Stop::RegistreUnwritable), .. } => "non exécuté : exécution arrêtée, le disque de cet ordinateur n'accepte plus l'écriture ; « Reprendre » l'enverra une fois de la place libérée".into(),
        RunMessage::NotRun { stop: Some(Stop::Said(why)), .. } => format!("non exécuté : exécution arrêtée, {why}"),
        RunMessage::Unsettled { on_page: true } => "non réglé : envoyé, l'exécution s'est arrêtée avant sa réponse ; cliquez sur « Reprendre », qui le réglera sans doublon".into(),
        RunMessage::Unsettled { on_page: false } => "non réglé : envoyé, l'exécution s'est arrêtée avant sa réponse ; reprenez avec --resume, qui le réglera sans doublon".into(),
        RunMessage::Stopped { stop: Stop::Interrupted, on_page: true } => "arrêtée avec le bouton Arrêter : les appels en cours se sont terminés. « Reprendre » envoie le reste, sans rien renvoyer de ce qui est fait.".into(),
        RunMessage::Stopped { stop: Stop::Interrupted, on_page: false } => "interrompue (Ctrl-C)".into(),
        RunMessage::Stopped { stop: Stop::WaitTooLong { secs }, on_page: true } => format!("Cegid Loop impose une attente de {secs} s ; cliquez sur « Reprendre » plus tard : rien de ce qui est fait ne sera renvoyé"),
        RunMessage::Stopped { stop: Stop::WaitTooLong { secs }, on_page: false } => format!("la passerelle impose une attente de {secs} s ; relancez plus tard avec --resume, ou augmentez max_retry_after_s"),
        RunMessage::Stopped { stop: Stop::KeyRefused { api, status }, .. } => {
            let key = if *api { "la clé d'API" } else { "la clé d'abonnement" };
            format!("Cegid Loop a refusé {key} (HTTP {status}). Saisissez la bonne clé dans « Clés », sur la page d'accueil, puis revenez ici et cliquez sur « Reprendre » : rien de ce qui est fait ne sera renvoyé.")
        }
        RunMessage::Stopped { stop: Stop::RouteUnknown { operation: Operation::AddOffer, route, status }, .. } => format!(
            "Cegid Loop ne connaît pas la route {route} (HTTP {status}) : c'est addOffer, l'ajout de l'offre au niveau du dossier, que Cegid a déclaré obsolète le {} ; elle a sans doute été retirée. Rien d'autre n'a été envoyé. Pour continuer sans elle : activez l'offre de ces dossiers dans LoopHub, puis demandez à la personne qui gère loopbatch sur ce poste de désactiver cet appel (réglage onboarding_add_offer = false) et de relancer les lignes non faites ; « Reprendre » rencontrerait de nouveau cette route. Un changement d'offre au niveau du dossier (ligne sans e-mail) n'a pas d'autre route : faites-le dans LoopHub.",
            crate::loop_api::ADD_OFFER_DEPRECATED_SINCE
        ),
        RunMessage::Stopped { stop: Stop::RouteUnknown { operation, route, status }, .. } => format!(
            "Cegid Loop ne connaît pas la route {route} ({}, HTTP {status}) : elle a peut-être été retirée, ou l'adresse de l'API réglée sur ce poste n'est pas la bonne. Rien d'autre n'a été envoyé. Demandez à la personne qui gère loopbatch sur ce poste de vérifier l'adresse de l'API et les routes, puis cliquez sur « Reprendre » : rien de ce qui est fait ne sera renvoyé.",
            operation.name()
        ),
        RunMessage::Stopped { stop: Stop::RegistreUnwritable, .. } => "loopbatch n'a plus pu noter ses envois sur le disque de cet ordinateur (disque plein, ou écriture refusée) : aucun appel n'est plus envoyé. Libérez de la place sur le disque, puis cliquez sur « Reprendre » : rien de ce qui est noté comme fait ne sera renvoyé.".into(),
        RunMessage::Stopped { stop: Stop::Said(why), .. } => why.to_string(),
        RunMessage::NothingToSend => "rien à envoyer".into(),
        RunMessage::ResultsNowhere { registre, on_page } => {
            let then = if *on_page { "cliquez sur « Reprendre »" } else { "reprenez avec --resume" };
            format!("les résultats n'ont pu être écrits nulle part (ni à leur place, ni à côté, ni dans le dossier temporaire). Le résultat de chaque appel est gardé dans le registre {} : libérez le fichier ou le dossier, puis {then} : rien ne sera renvoyé, les résultats seront écrits.", registre.display())
        }
        RunMessage::RescueKept { n, path } => format!("{n} résultat(s) d'appel que le registre n'a pu noter sont gardés dans {}", path.display()),
        RunMessage::RescueFailed { path, error } => format!("impossible de garder aussi {} ({}) : la reprise vérifiera ces appels par un seul nouvel envoi chacun", path.display(), super::cause::short(error, crate::i18n::Lang::Fr)),
        RunMessage::DoneInPreviousRun => "déjà fait lors de l'exécution précédente".into(),
        RunMessage::NotRunAgain { on_page: true } => "non relancé (déjà fait ou à vérifier)".into(),
        RunMessage::NotRunAgain { on_page: false } => "non relancé (--only-failed)".into(),
        RunMessage::RerunCalls { calls, host } => {
            let calls = if *calls > 1 { format!("{calls} appels") } else { format!("{calls} appel") };
            format!("Une nouvelle exécution enverra {calls} à {host}, pour les lignes qui n'ont pas abouti ; ce qui est fait n'est pas renvoyé.")
        }
        RunMessage::RerunAfterRoutes { command } => format!("Après un changement de [routes] ou de onboarding_add_offer, relancez les lignes non faites : {command}"),
        RunMessage::Interrupted => "Interruption : les appels en cours se terminent, puis les résultats sont écrits (Ctrl-C encore pour arrêter tout de suite).".into(),
        RunMessage::StoppedAtOnce { resume } => format!("Arrêt immédiat. Pour reprendre : {resume}"),
        RunMessage::Target { host } => format!("Cible : {host}"),
        RunMessage::NoTerminalToConfirm => "Confirmation impossible sans terminal : ajoutez --yes pour une exécution planifiée.".into(),
        RunMessage::SendTheseCalls { calls } => format!("Envoyer ces {calls} appels ? [o/N]"),
        RunMessage::Aborted => "Abandon : rien n'a été envoyé.".into(),
        RunMessage::RunStopped { why } => format!("Exécution arrêtée : {why}"),
        RunMessage::ToResume { command, fix_base_url: true } => format!("Pour reprendre après avoir corrigé base_url : {command}"),
        RunMessage::ToResume { command, fix_base_url: false } => format!("Pour reprendre : {command}"),
        RunMessage::RunRows { statuses, sent, total, seconds } => {
            let sent = if *sent == 1 { "1 envoi".to_string() } else { format!("{sent} envois") };
            format!("Lignes : {statuses} ({sent} pour {total}, {seconds:.1} s)")
        }
        RunMessage::MostFrequentErrors => "Erreurs les plus fréquentes :".into(),
        RunMessage::RegistreNewSince { since } => {
            let day = since.get(..10).and_then(|d| {
                let mut p = d.split('-');
                Some(format!("{2}/{1}/{0}", p.next()?, p.next()?, p.next()?))
            });
            format!(
                "Attention : ce registre ne connaît aucune exécution avant le {} — des résultats d'exécutions antérieures existent, mais ce qu'elles ont envoyé à Loop n'y est pas noté. Si un autre registre les connaît (une autre session, un autre poste), indiquez-le avec --registre, ou importez leurs journaux avec « loopbatch registre import ».",
                day.as_deref().unwrap_or(since)
            )
        }
        RunMessage::DemoStarted { base_url } => format!("Démonstration : simulateur Cegid Loop intégré sur {base_url}\n(débit limité à 10 appels/s, quelques pannes injectées ; les erreurs de l'exemple sont volontaires)"),
        RunMessage::DemoResults { path } => format!("Ouvrez le fichier de résultats dans Excel ou LibreOffice : une ligne par ligne du tableur, avec son statut et le message exact de l'API : {}", path.display()),
        RunMessage::Rerunning { again, kept } => {
            format!("Relance de {again} ligne(s) qui n'ont pas fini OK ({kept} gardées telles quelles)")
        }
        RunMessage::ResultsWrittenInstead { path } => format!("Résultats écrits à la place dans : {}", path.display()),
        RunMessage::Sending { base_url, calls, key, rate } => {
            let calls = if *calls == 1 { "1 appel".to_string() } else { format!("{calls} appels") };
            format!("Envoi vers {base_url} — {calls} (clé {key}, débit {rate})")
        }
        RunMessage::Pace { rate } => format!("cadence {rate:.1}/s"),
        RunMessage::CallsBar { errors, pace } => format!("{errors} erreur(s), {pace}"),
        RunMessage::CallsLine { done, total, errors, pace } => {
            format!("appels : {done}/{total} ({errors} erreur(s), {pace})")
        }
        RunMessage::ProgressBar => "{bar:30} {pos}/{len} appels  {rate}  reste {eta}  {msg}".into(),
    }
}

pub(super) fn failure(f: &Failure) -> String {
    let said = |c: &SystemCause| c.text(crate::i18n::Lang::Fr);
    let cause = |c: &Option<std::io::Error>| {
        c.as_ref().map(|e| super::cause::short(&SystemCause::from(e), crate::i18n::Lang::Fr)).unwrap_or_default()
    };
    match f {
        Failure::Input { file, problem, cause: c } => {
            let file = file.display();
            match problem {
                InputProblem::NotFound => format!("Fichier introuvable : {file}. Vérifiez le chemin et le nom du fichier."),
                InputProblem::CannotOpen => format!("Impossible d'ouvrir {file} : {}. Fermez-le dans Excel s'il y est ouvert, vérifiez que vous pouvez l'ouvrir, puis recommencez.", cause(c)),
                InputProblem::Folder => format!("{file} est un dossier, pas un fichier : indiquez le fichier du tableur (.xlsx, .csv, .ods, .xls)."),
                InputProblem::Empty => format!("{file} est vide (0 octet) : enregistrez le tableur puis recommencez."),
                InputProblem::PasswordProtected => format!("{file} est protégé par un mot de passe : ouvrez-le dans Excel, retirez le mot de passe (Fichier > Informations > Protéger le classeur) et enregistrez-le, puis recommencez."),
                InputProblem::ChangedWhileRead => format!("{file} a changé pendant sa lecture (encore en cours d'enregistrement ?) : attendez la fin de l'enregistrement, fermez-le dans Excel, puis recommencez."),
                InputProblem::Unreadable => format!("Lecture impossible de {file} : {}. Fermez-le dans Excel s'il y est ouvert, enregistrez-le de nouveau, puis recommencez.", cause(c)),
                InputProblem::HeadersOnly => format!("{file} ne contient que des en-têtes, aucune ligne de données : ajoutez au moins une ligne sous les en-têtes."),
                InputProblem::NotASheet(what) => {
                    let is = match what {
                        Foreign::Pdf => "est un document PDF, pas un tableur",
                        Foreign::Image => "est une image, pas un tableur",
                        Foreign::Word => "est un document Word, pas un tableur",
                        Foreign::PowerPoint => "est une présentation PowerPoint, pas un tableur",
                        Foreign::Archive => "est une archive zip qui ne contient aucun classeur",
                        Foreign::Binary => "ne ressemble pas à un tableur (son contenu n'est pas du texte lisible)",
                    };
                    format!("{file} {is}. Ouvrez le tableur des dossiers dans Excel ou LibreOffice, enregistrez-le en .xlsx (ou .csv), puis choisissez ce fichier-là.")
                }
                InputProblem::TooWide { line, columns } => format!("{file}, ligne {line} : {columns} colonnes, plus qu'un tableur n'en permet (16 384). Le fichier est probablement endommagé ou n'est pas un tableau."),
                InputProblem::CellTooLong { sheet, line, column } => format!("{file}, feuille « {sheet} », ligne {line}, colonne {column} : cellule de plus de 32 767 caractères (la limite d'Excel). Un guillemet non refermé dans un CSV produit souvent cela : vérifiez cette ligne."),
                InputProblem::SuspiciousArchive(fault) => {
                    let what = match fault {
                        ArchiveFault::TooManyEntries(n) => format!("{n} éléments"),
                        ArchiveFault::Entry { name, mb } => format!("élément {name} ({mb} Mo)"),
                    };
                    format!("{file} {what} : ce n'est pas un classeur normal (fichier endommagé ou piégé) ; il n'a pas été ouvert. Rouvrez la source dans Excel et enregistrez-la à nouveau.")
                }
                InputProblem::OverBudget { mb, secs } => format!("{file} : ce classeur demande plus de mémoire ou de temps qu'un fichier n'en a pour être lu ({mb} Mo, {secs} s). Il n'a pas été lu. S'il est authentique, découpez-le en plusieurs classeurs ou enregistrez-le en CSV depuis Excel ; sinon (fichier reçu d'ailleurs, piégé), supprimez-le."),
                InputProblem::DamagedWorkbook => format!("{file} est un classeur endommagé ou incomplet (peut-être pas fini d'être copié ou enregistré) : rouvrez-le dans Excel ou LibreOffice, enregistrez-le à nouveau (Fichier > Enregistrer sous, .xlsx), puis choisissez ce fichier-là."),
                InputProblem::NoSuchSheet { sheet, present } => format!("La feuille « {sheet} » n'existe pas dans {file}. Feuilles présentes : {}", present.join(", ")),
                InputProblem::BeyondLastRow { sheet } => format!("{file}, feuille « {sheet} » : une cellule au-delà de la dernière ligne d'Excel (1 048 576)."),
                InputProblem::BeyondLastColumn { sheet, row } => format!("{file}, feuille « {sheet} », ligne {row} : une cellule au-delà de la dernière colonne d'Excel (16 384)."),
                InputProblem::NoCodeDossierColumn { seen } => {
                    let seen = if seen.is_empty() { "aucun en-tête lisible".to_string() } else { seen.join(", ") };
                    format!("{file} : aucune colonne « code_dossier » trouvée dans les 30 premières lignes. En-têtes vus : {seen}. Ajoutez une colonne code_dossier (ou « Code dossier », « codeDossier », « code IBS ») ; les modèles de `loopbatch template` montrent le format attendu.")
                }
            }
        }
        Failure::Plan { file, problem } => {
            let file = file.display();
            match problem {
                PlanProblem::Unreadable(e) => format!("Plan illisible : {file} : {}", said(&SystemCause::from(e))),
                PlanProblem::Invalid(e) => format!("Plan invalide : {file} : contenu illisible (ligne {}, colonne {}). Régénérez-le avec `loopbatch plan`.", e.line(), e.column()),
                PlanProblem::OtherVersion { found, expected } => {
                    format!("Plan d'une autre version de loopbatch : {file} : format_version {found} (attendu {expected}).")
                }
                PlanProblem::Call { call, fault } => {
                    let what = format!("l'appel {} ({} {})", call.id, call.operation, call.dossier);
                    let fault = match fault {
                        CallFault::IdTaken => "a un id déjà pris par un autre appel".to_string(),
                        CallFault::NotAnEarlierCall { depends_on } => format!("dépend de l'appel {depends_on}, qui n'est pas un appel précédent du plan (absent, plus loin, ou lui-même)"),
                        CallFault::Route { route, configured } => format!("a la route « {route} » alors que la configuration donne « {configured} »"),
                    };
                    format!("Plan invalide : {file} : {what} {fault}. Rien n'a été envoyé ; régénérez-le avec `loopbatch plan`.")
                }
            }
        }
        Failure::Results { file, problem } => {
            let file = file.display();
            match problem {
                ResultsProblem::Extension => format!("Fichier de résultats {file} : l'extension doit être .xlsx ou .csv"),
                ResultsProblem::Unreadable(e) => format!("Résultats précédents illisibles : {file} : {}", said(e)),
                ResultsProblem::Missing { page } => super::checks::missing_results_fr(&file.to_string(), *page),
                ResultsProblem::NotResults => format!("Résultats précédents illisibles : {file} : ce n'est pas un fichier de résultats de loopbatch (colonnes feuille, ligne, statut absentes)"),
            }
        }
        Failure::Write { file, problem } => {
            let file = file.display();
            let hint = "Vérifiez que le dossier existe, que vous avez le droit d'y écrire et que le fichier n'est pas ouvert dans Excel.";
            match problem {
                WriteProblem::Io(e) => {
                    // Nothing found where a file is made: its folder is missing.
                    let said = match e.kind {
                        CauseKind::NotFound => "son dossier n'existe pas".into(),
                        _ => super::cause::short(e, crate::i18n::Lang::Fr),
                    };
                    format!("Écriture impossible de {file} : {said}. {hint}")
                }
                WriteProblem::Folder => format!("Écriture impossible de {file} : c'est un dossier. {hint}"),
                WriteProblem::Workbook(e) => format!("Écriture impossible de {file} : {}. {hint}", super::cause::short(e, crate::i18n::Lang::Fr)),
            }
        }
        Failure::Internal { .. } => "Erreur interne de loopbatch : c'est un défaut du programme, pas de votre fichier. Recommencez ; si cela se reproduit, signalez-le.".into(),
        Failure::Refused(r) => super::setup::refusal(r, crate::i18n::Lang::Fr),
        Failure::Halted(h) => super::setup::halt(h, crate::i18n::Lang::Fr),
    }
}

pub(super) fn advice(a: Advice) -> &'static str {
    match a {
        Advice::Start => "Prête à partir : lancez l'exécution.",
        Advice::FixCell => "Corrigez la cellule nommée dans le message, puis vérifiez de nouveau le tableur.",
        Advice::FixWhatItDependsOn => {
            "Rien n'a été envoyé : corrigez d'abord l'erreur de l'appel dont la ligne dépend (même dossier), puis relancez les échecs."
        }
        Advice::Resume => {
            "L'exécution s'est arrêtée avant cette ligne : reprenez-la, rien de ce qui est fait ne sera renvoyé."
        }
        Advice::CheckInLoop => {
            "La réponse de Loop s'est perdue : regardez dans Loop si c'est fait (un interlocuteur : Paramétrage > Clients > Interlocuteurs, par son e-mail) avant de relancer cette ligne."
        }
        Advice::KeyRefused => {
            "Cegid Loop a refusé la clé nommée dans le message : donnez la bonne clé, puis reprenez l'exécution ; rien de ce qui est fait ne sera renvoyé."
        }
        Advice::Refused(Some(KnownAnswer::EmailTaken)) => {
            "Cet e-mail est déjà celui d'un interlocuteur de Loop : si c'est la même personne, donnez-lui l'offre par l'action ajouter_offre avec son e-mail ; sinon corrigez l'e-mail dans le tableur."
        }
        Advice::Refused(Some(KnownAnswer::NotInvited)) => {
            "Invitez d'abord cet interlocuteur sur votre tenant dans Loop, puis relancez les échecs."
        }
        Advice::Refused(Some(KnownAnswer::NoContact)) => {
            "Aucun interlocuteur de Loop n'a cet e-mail : vérifiez l'e-mail, ou créez la personne (action ajouter_interlocuteur ou onboarding)."
        }
        Advice::Refused(Some(KnownAnswer::NoDossier)) => {
            "Ce code dossier est inconnu de Loop : vérifiez-le dans le portefeuille LoopHub, corrigez la cellule code_dossier, puis relancez les échecs."
        }
        Advice::Refused(Some(KnownAnswer::NotProvisioned)) => {
            "Le dossier n'est pas encore opérationnel : provisionnez-le (action provisionner ou onboarding), puis relancez les échecs."
        }
        Advice::Refused(Some(KnownAnswer::OfferNotActive)) => {
            "L'offre n'est pas active sur ce dossier : activez-la (action ajouter_offre sans e-mail, ou dans LoopHub), puis relancez les échecs."
        }
        Advice::Refused(Some(KnownAnswer::NotAssigned)) => {
            "L'interlocuteur n'avait pas cette offre sur ce dossier : rien à retirer ; vérifiez l'offre et l'e-mail."
        }
        Advice::Refused(None) => {
            "Corrigez selon le message de Loop (dans Loop ou dans le tableur), puis relancez les échecs."
        }
        Advice::Unavailable => {
            "Loop était indisponible ou n'a pas répondu, rien n'a été appliqué : relancez les échecs un peu plus tard."
        }
    }
}

pub(super) fn status_said(s: Status) -> &'static str {
    match s {
        Status::Valide => "valide",
        Status::DejaFait => "déjà fait",
        Status::Ok => "fait",
        Status::Ignore => "rien à faire",
        Status::NonExecute => "non exécuté",
        Status::AVerifier => "à vérifier dans Loop",
        Status::Erreur => "refusé par Loop",
        Status::Invalide => "invalide, non envoyé",
    }
}

pub(super) fn status_meaning(s: Status) -> &'static str {
    match s {
        Status::Valide => {
            "La ligne est correcte et prête à partir ; rien n'a encore été envoyé. Suite : lancez l'exécution (sur la page : « Lancer » ; en ligne de commande : loopbatch run)."
        }
        Status::DejaFait => {
            "Rien n'a été envoyé : le registre sait que loopbatch avait déjà fait tout ce que demande la ligne (le message nomme l'exécution et la date). Le registre ne connaît que ce que loopbatch a fait pour cet utilisateur sur ce poste. Suite : rien, sauf si la chose a été défaite dans Loop depuis ; pour tout renvoyer : --send-all."
        }
        Status::Ok => "Cegid Loop a fait ce que la ligne demandait. Rien à faire.",
        Status::Ignore => {
            "Rien n'a été envoyé pour cette ligne : action vide, ou un appel dont elle dépend a échoué (voir le message). Suite : corrigez la cause indiquée, puis relancez les échecs (sur la page : « Relancer les échecs » ; en ligne de commande : --only-failed)."
        }
        Status::NonExecute => {
            "Pas envoyée, ou partie sans réponse avant l'arrêt (« non réglé » : le message le dit) : l'exécution s'est arrêtée (interruption, clé refusée, attente imposée trop longue, disque plein). Suite : reprenez l'exécution (sur la page : « Reprendre » ; en ligne de commande : --resume) ; rien de ce qui est fait ne sera renvoyé, et ce qui est parti sans réponse sera tranché."
        }
        Status::AVerifier => {
            "Partie sans réponse reçue, et rien ne prouve si Loop l'a appliquée (par exemple « e-mail déjà associé » au nouvel envoi). Suite : vérifiez dans Loop ce que nomme le message (interlocuteur, e-mail, dossier), puis corrigez et relancez si besoin (en ligne de commande : --only-failed --include-a-verifier)."
        }
        Status::Erreur => {
            "Cegid Loop a refusé l'appel ; le message est celui de l'API, mot pour mot. Suite : corrigez selon le message (dans Loop ou dans le tableur), puis relancez les échecs (sur la page : « Relancer les échecs » ; en ligne de commande : --only-failed)."
        }
        Status::Invalide => {
            "La ligne n'a pas passé la vérification et n'a pas été envoyée. Suite : corrigez la cellule nommée dans le message, puis vérifiez de nouveau (sur la page : dans la grille de la vérification ; en ligne de commande : loopbatch check)."
        }
    }
}

pub(super) fn workbook(t: WorkbookText) -> &'static str {
    match t {
        WorkbookText::PortfolioSheet => "Portefeuille",
        WorkbookText::SummarySheet => "Résumé",
        WorkbookText::Rows => "lignes",
        WorkbookText::WhatItMeans => "ce que cela veut dire, et la suite",
        WorkbookText::Total => "total",
        WorkbookText::RowsPerStatus => "Lignes par statut",
        WorkbookText::PrintSheet => "Impression",
        WorkbookText::DossierCode => "code dossier",
        WorkbookText::Name => "nom",
        WorkbookText::Advice => "conseil",
        WorkbookText::PageFooter => "&CPage &P / &N",
        WorkbookText::ResultsSheet => "Résultats",
        WorkbookText::UnknownValue => "Valeur inconnue",
        WorkbookText::OperationsSheet => "Opérations",
    }
}

pub(super) fn memory(m: &MemoryMessage) -> String {
    match m {
        MemoryMessage::DoneBy { run, at } => format!(
            "déjà fait par l'exécution n° {run} du {} (selon le registre) : rien n'a été envoyé",
            super::moment(at)
        ),
        MemoryMessage::DoneMeanwhile { run, at } => format!(
            "fait entre-temps par l'exécution n° {run} du {} (selon le registre) : rien n'a été envoyé",
            super::moment(at)
        ),
        MemoryMessage::NotSentByAction { columns } => format!(
            "Attention : la ou les colonnes {columns} ne sont pas envoyées par cette action (création d'interlocuteur) ; c'est l'action modifier_interlocuteur qui les envoie."
        ),
        MemoryMessage::PartlyDone { operations, run } => {
            format!("(déjà fait avant, non renvoyé : {operations}, par l'exécution n° {run})")
        }
        MemoryMessage::Guarded { run, page: true } => format!(
            "non renvoyé : le dernier envoi de cet appel, dans l'exécution n° {run}, est à vérifier dans Loop. Vérifiez-le, puis notez-le avec les boutons « Vérifié : fait dans Loop » ou « Vérifié : pas fait dans Loop » de cette ligne (dans l'exécution n° {run}), ou cochez « renvoyer quand même » sur l'écran du plan."
        ),
        MemoryMessage::Guarded { run, page: false } => format!(
            "non renvoyé : le dernier envoi de cet appel, dans l'exécution n° {run}, est à vérifier dans Loop. Vérifiez-le, puis notez-le avec « loopbatch verify RESULTATS --line N --done » (ou --not-done pour qu'il soit renvoyé), ou renvoyez-le avec --include-a-verifier."
        ),
        MemoryMessage::Pending { run, results, plan } => format!(
            "non envoyé : l'exécution n° {run}, inachevée (arrêtée brutalement), a réservé ou envoyé cet appel sans réponse. Reprenez-la : loopbatch run \"{}\" --results \"{}\" --resume ; ou closez-la sans la reprendre : loopbatch registre close {run} ; puis relancez.",
            plan.display(),
            results.display()
        ),
        MemoryMessage::Going { run } => format!(
            "non envoyé : en cours dans l'exécution n° {run}. Attendez sa fin, puis relancez."
        ),
        MemoryMessage::ClosedCall { run } => format!(
            "parti sans réponse dans l'exécution n° {run}, close sans reprise : à vérifier dans Loop, puis à noter avec loopbatch verify"
        ),
        MemoryMessage::Closed { run, never_sent, to_check } => format!(
            "Exécution n° {run} close sans reprise : {never_sent} appel(s) jamais envoyé(s), {to_check} appel(s) à vérifier dans Loop (notez-les ensuite avec loopbatch verify)."
        ),
        MemoryMessage::ClosedHoldingNothing { run } => format!(
            "Exécution n° {run} close sans reprise : elle ne tenait aucun appel ; ce qu'elle n'a pas envoyé pourra l'être par une nouvelle exécution."
        ),
        MemoryMessage::CloseNoRun { run } => format!(
            "Le registre ne connaît pas d'exécution n° {run} inachevée : rien n'a été clos. La liste des exécutions est dans la page (« Exécutions gardées »)."
        ),
        MemoryMessage::CloseGoing { run } => format!(
            "L'exécution n° {run} est en cours (un programme la tient) : rien n'a été clos. Attendez sa fin, ou arrêtez-la, puis recommencez."
        ),
        MemoryMessage::ChangedInstead { run, at } => format!(
            "interlocuteur créé le {} par l'exécution n° {run} : modification au lieu de création",
            super::moment(at)
        ),
        MemoryMessage::Limits => "Le registre ne connaît que ce que loopbatch a fait pour cet utilisateur sur ce poste : les exécutions d'un collègue, d'un autre poste, ou une modification faite à la main dans Loop n'y sont pas.".to_string(),
        MemoryMessage::PlainLoopback { endpoint } => format!(
            "{endpoint} ne donne pas d'identifiant d'instance : un serveur redémarré vide à cette adresse serait pris pour le même, et ce que le registre y sait fait ne serait pas renvoyé (tout renvoyer : --send-all)."
        ),
        MemoryMessage::Verified { done: true, calls, sheet, line } => format!(
            "Noté : ligne {line} (feuille {sheet}) vérifiée faite dans Loop ; ses {calls} appel(s) comptent comme appliqués et ne seront pas renvoyés."
        ),
        MemoryMessage::Verified { done: false, calls, sheet, line } => format!(
            "Noté : ligne {line} (feuille {sheet}) vérifiée non faite dans Loop ; ses {calls} appel(s) seront renvoyés à la prochaine exécution du tableur."
        ),
        MemoryMessage::VerifyNoRun { results } => format!(
            "Le registre ne connaît aucune exécution pour {} : vérifiez le fichier de résultats (ou --registre). Rien n'a été noté.",
            results.display()
        ),
        m @ (MemoryMessage::VerifyNotToCheck { .. }
        | MemoryMessage::VerifyNoLine { .. }
        | MemoryMessage::VerifySheetNeeded { .. }
        | MemoryMessage::VerifyGoing { .. }
        | MemoryMessage::Counts { .. }
        | MemoryMessage::CheckedDone { .. }
        | MemoryMessage::ResumeClosed { .. }
        | MemoryMessage::RescueForeign { .. }) => super::checks::fr(m),
    }
}

//! Le registre, la configuration, les clés, le verrou et le lieu d'une
//! exécution, en français.

use super::*;
use crate::config::{API_KEY_VAR, SUBSCRIPTION_KEY_VAR};

fn key(api: bool) -> (&'static str, &'static str) {
    if api { ("Clé d'API", API_KEY_VAR) } else { ("Clé d'abonnement", SUBSCRIPTION_KEY_VAR) }
}

fn place(t: &crate::error::RunPlace) -> String {
    notice(&Notice::Place { endpoint: &t.endpoint, domain: t.domain.as_deref(), instance: t.instance.as_deref() })
}

/// What `--only-failed` misses, the first half of its refusal.
fn no_proof(missing: &NoProof) -> String {
    match missing {
        NoProof::PlanMissing { plan } => format!("le plan de l'exécution précédente manque : {}.", plan.display()),
        NoProof::PlanUnreadable { why } => format!("{why}."),
        NoProof::RunUnknown { registre, results } => format!(
            "le registre {} ne connaît pas l'exécution précédente (ni de journal à côté de ses résultats) : {}.",
            registre.display(),
            results.display()
        ),
        NoProof::OtherPlan { results, plan } => {
            format!("l'exécution notée pour {} n'appartient pas au plan {}.", results.display(), plan.display())
        }
    }
}

pub(super) fn refusal(r: &Refusal) -> String {
    match r {
        Refusal::Memory(m) => m.text(Lang::Fr),
        Refusal::History(h) => h.text(Lang::Fr),
        Refusal::Undo(u) => u.text(Lang::Fr),
        Refusal::RegistreUnsafePlace { file, network } => {
            let what = if *network { "partage réseau" } else { "dossier synchronisé" };
            format!("Le registre ne peut pas être gardé là : {} ({what}). Sur un partage réseau ou dans un dossier synchronisé, le verrouillage de SQLite n'est pas sûr : le registre pourrait être abîmé. Gardez-le sur un disque de ce poste (par défaut, le dossier de données local de l'utilisateur) ; copiez-le ailleurs avec « loopbatch registre copy ». Rien n'a été envoyé.", file.display())
        }
        Refusal::RegistreDiskFull { file } => {
            format!("Le disque du registre est plein : {} — libérez de la place, puis relancez.", file.display())
        }
        Refusal::RegistreBusy { file } => format!("Le registre est occupé par un autre programme : {} — attendez qu'il le libère (une copie, une synchronisation ?), puis relancez.", file.display()),
        Refusal::RegistreCannotOpen { file, error } => format!("Registre impossible à ouvrir : {} ({}). Vérifiez le dossier et le droit d'y écrire, ou indiquez un autre registre avec --registre. Rien n'a été envoyé.", file.display(), crate::messages::cause::short(error, Lang::Fr)),
        Refusal::RegistreDamaged { file } => format!("Le registre est endommagé : {} — loopbatch ne le remplace pas par un registre vide, qui ne saurait plus ce qui a été envoyé. Rien n'a été envoyé. Mettez-le de côté avec : {} puis relancez (gardez la copie pour le support ; `loopbatch registre import` relit les journaux qui restent à côté des résultats).", file.display(), move_aside(file)),
        Refusal::RegistreNewer { file, by } => format!("Le registre {} a été créé par loopbatch {}, plus récent : mettez à jour loopbatch. Le registre n'a pas été modifié ; rien n'a été envoyé.", file.display(), by.as_deref().unwrap_or("?")),
        Refusal::RegistreNoRoom { folder, free_mb, needed_mb } => format!("Pas assez de place pour le registre : {} (libre {free_mb} Mo, il en faut {needed_mb} Mo). Libérez de la place sur ce disque (ou indiquez un autre registre avec --registre), puis relancez. Rien n'a été envoyé.", folder.display()),
        Refusal::RegistreProblems { file, count } => format!("Le registre {} : {count} problème(s) trouvé(s). Gardez-en une copie (loopbatch registre copy) et contactez le support.", file.display()),
        Refusal::RegistreCopy { dest, error } => {
            let why = error.as_ref().map_or_else(|| "ce fichier existe déjà (il n'est jamais écrasé)".into(), |e| e.text(Lang::Fr));
            format!("Copie du registre impossible vers {} : {why}", dest.display())
        }
        Refusal::NoPageFolder => "Dossier de données de l'utilisateur introuvable (HOME, APPDATA) : la page ne peut pas garder ses fichiers.".into(),
        Refusal::CannotListen { port, error } => format!("Impossible d'écouter sur 127.0.0.1:{port} : {}. Choisissez un autre port avec --port (0 = un port libre).", crate::messages::cause::short(error, Lang::Fr)),
        Refusal::CannotCreateFolder { folder, error } => format!("Impossible de créer le dossier {} : {}", folder.display(), error.text(Lang::Fr)),
        Refusal::PageFile { file, error } => format!("Fichier de travail de la page impossible à créer, écrire ou lire : {} : {}", file.display(), error.text(Lang::Fr)),
        Refusal::NoDataFolder => "Dossier de données de l'utilisateur introuvable : indiquez où garder le registre avec --registre FICHIER (ou LOOPBATCH_REGISTRE).".into(),
        Refusal::NoConfigFolder { deleting: false } => "Dossier de configuration de l'utilisateur introuvable : la clé des empreintes ne peut pas être lue. Rien n'a été effacé.".into(),
        Refusal::NoConfigFolder { deleting: true } => "Dossier de configuration de l'utilisateur introuvable : la clé des empreintes ne peut pas être lue. Rien n'a été supprimé.".into(),
        Refusal::JournalUnreadable { journal, error } => {
            let why = error.as_ref().map_or_else(|| "pas un journal de loopbatch (sans en-tête)".into(), |e| e.text(Lang::Fr));
            format!("Journal illisible : {} : {why}", journal.display())
        }
        Refusal::CannotStart { error } => format!("Démarrage impossible : {}", error.text(Lang::Fr)),
        Refusal::ConfigUnreadable { file, error } => format!("Configuration illisible : {} : {}", file.display(), error.text(Lang::Fr)),
        Refusal::ConfigInvalid { file, line, fault } => config_invalid(file, *line, fault),
        Refusal::ConfigRate { value } => format!("Configuration : clé rate = « {value} » : attendu N/s, N/min ou N/h"),
        Refusal::KeyMissing { api } => {
            let (what, var) = key(*api);
            format!("{what} manquante : définissez la variable d'environnement {var} ou indiquez un fichier de clé dans loopbatch.toml.")
        }
        Refusal::KeyFileUnreadable { api, file, error } => {
            let file = file.as_deref().map(|f| f.display().to_string()).unwrap_or_default();
            format!("{} : fichier de clé illisible {file} ({})", key(*api).0, error.text(Lang::Fr))
        }
        Refusal::ApiKeyMalformed => "La clé d'API (LOOP_API_KEY) doit être de la forme IDCLE:SECRET (identifiant de clé, deux-points, secret) ; sa valeur n'est pas affichée.".into(),
        Refusal::RunCannotPrepare { folder, error } => format!("Impossible de préparer l'exécution dans {} : {}. Vérifiez que le dossier existe et que vous avez le droit d'y écrire. Rien n'a été envoyé.", folder.display(), crate::messages::cause::short(error, Lang::Fr)),
        Refusal::RunCannotLock { folder, error } => format!("Impossible de verrouiller l'exécution dans {} : {}. Ce dossier ne permet pas d'empêcher deux exécutions à la fois : choisissez pour les résultats un dossier du poste ou un partage qui le permet. Rien n'a été envoyé.", folder.display(), crate::messages::cause::short(error, Lang::Fr)),
        Refusal::RunTaken { results, holder } => {
            let who = match holder {
                Some(h) => format!("utilisateur {}, poste {}, processus {}, depuis {}", h.user, h.machine, h.pid, h.since),
                None => "qui vient de la commencer".into(),
            };
            format!("Une autre exécution de loopbatch travaille déjà sur {results} ({who}). Rien n'a été envoyé. Attendez qu'elle se termine (ou arrêtez-la), puis relancez votre commande ; ou choisissez un autre fichier de résultats.")
        }
        Refusal::DemoGoing { folder } => format!("Une démonstration tourne déjà dans {} : attendez sa fin, ou choisissez un autre dossier avec --out. Rien n'a été envoyé.", folder.display()),
        Refusal::OtherPlace { recorded, now, gone } => {
            let gone = if *gone { " (ce simulateur n'est plus là)" } else { "" };
            format!("Cette exécution est allée vers {} ; la configuration vise maintenant {}{gone}. Rien n'a été envoyé. Une exécution ne se reprend que là où elle a commencé : ses résultats se lisent toujours ; pour envoyer ailleurs, lancez une nouvelle exécution avec un autre fichier de résultats.", place(recorded), place(now))
        }
        Refusal::OtherKey { recorded, now, look_alike } => {
            let unconfirmed = if *look_alike { " (qui se ressemblent, mais la clé ne peut être confirmée comme la même : exécution commencée par un autre utilisateur ou sur un autre poste ?)" } else { "" };
            format!("Cette exécution a été faite avec la clé d'API {recorded} ; la clé donnée maintenant est {now}{unconfirmed}. Rien n'a été envoyé. Si c'est la nouvelle clé du même cabinet (l'ancienne a été refusée ou remplacée), reprenez avec --new-key ; sinon remettez la clé d'origine. (Une exécution commencée par un autre utilisateur se reprend aussi avec --new-key.)")
        }
        Refusal::SameLookOtherPrint { key, endpoint } => format!("Le registre connaît des exécutions vers {endpoint} avec une clé d'API qui s'affiche aussi {key}, mais son empreinte ne correspond pas : le fichier secret qui les relie (empreintes-cles.secret, dans le dossier de configuration de l'utilisateur) n'est pas le même — nouveau profil Windows, autre utilisateur, ou registre copié d'un autre poste. Sans lui, loopbatch ne saurait pas ce qui est déjà fait et le renverrait (interlocuteurs créés deux fois). Rien n'a été envoyé. Remettez le fichier empreintes-cles.secret de l'ancien profil ; ou, si c'est bien la même clé ou la nouvelle clé du même cabinet, relancez une fois en ligne de commande avec --new-key (la personne qui gère loopbatch) : la mémoire de ces exécutions lui sera reliée."),
        Refusal::AddressRefused { host } => format!("Adresse refusée : http://{host} — les clés ne partent qu'en https (http n'est admis que vers 127.0.0.1)."),
        Refusal::InvalidAddress { url } => format!("Adresse de l'API invalide (base_url / LOOP_BASE_URL) : {url}"),
        Refusal::HttpClient { error } => format!("Client HTTP impossible à créer : {}", error.text(Lang::Fr)),
        Refusal::NoDomain => "Domaine du cabinet inconnu : indiquez --domain CODE ou domain = \"CODE\" dans loopbatch.toml (le code du cabinet dans LoopHub).".into(),
        Refusal::OtherPlan { results } => format!("{} : l'exécution notée pour ce fichier appartient à un autre plan (le fichier d'entrée ou la configuration a changé depuis) : impossible de la reprendre. Gardez le fichier d'origine, ou choisissez un autre --results.", results.display()),
        Refusal::NothingToResume { results } => format!("Rien à reprendre pour {} : le registre ne connaît aucune exécution de ce fichier. Rien n'a été envoyé.", results.display()),
        Refusal::ResultsAreInput { results } => format!("Le fichier de résultats {} est le fichier d'entrée lui-même : il serait écrasé. Rien n'a été envoyé. Donnez un autre nom à --results (par exemple resultats.xlsx).", results.display()),
        Refusal::ResultsOfARun { results } => format!("Le fichier {} est le fichier de résultats d'une exécution (notée au registre) : une vérification l'écraserait. Rien n'a été écrit. Donnez un autre nom à --results.", results.display()),
        Refusal::ResultsHaveTheirRun { results } => format!("Le fichier de résultats {} a déjà son exécution (notée au registre) : rien n'a été envoyé. Pour la continuer, ajoutez --resume ; pour relancer ses échecs, donnez-le à --only-failed avec un autre fichier de résultats.", results.display()),
        Refusal::NoRunStarted { results } => format!("Rien à reprendre pour {} : aucune exécution n'a commencé d'écrire dans ce fichier (pas de journal à côté). Rien n'a été envoyé. Pour une nouvelle exécution, relancez la commande sans --resume.", results.display()),
        Refusal::RunOver { results } => format!("Rien à reprendre pour {} : cette exécution est terminée (chaque appel a son résultat, les résultats sont écrits). Rien n'a été envoyé. Pour relancer les lignes en échec : --only-failed avec ce fichier, et un autre fichier de résultats.", results.display()),
        Refusal::RunNotHeld { registre, results, by } => {
            let by = match by {
                Some((user, machine)) => format!("par l'utilisateur {user} sur le poste {machine}"),
                None => "par un autre utilisateur ou sur un autre poste".into(),
            };
            format!("Le registre {} ne connaît pas l'exécution qui a écrit dans ce fichier : elle a été faite {by}. Une exécution se reprend avec le compte et le poste qui l'ont commencée (ou avec leur registre, --registre). Rien n'a été envoyé : {} — pour une nouvelle exécution, choisissez un autre fichier de résultats.", registre.display(), results.display())
        }
        Refusal::ResultsAreFolder { results } => format!("Le fichier de résultats {} est un dossier : donnez un nom de fichier .xlsx ou .csv.", results.display()),
        Refusal::ResultsFolderUnwritable { folder, error } => format!("Impossible d'écrire les résultats dans {} : {}. Rien n'a été envoyé.", folder.display(), error.text(Lang::Fr)),
        Refusal::NoProof(missing) => {
            let what = no_proof(missing);
            format!("--only-failed : {what} Sans lui, rien ne prouve ce que l'exécution précédente a fait : rien n'est envoyé. Remettez-le à côté de ses résultats (ou reprenez-la avec --resume) ; s'il est perdu, lancez une nouvelle exécution sur une copie du fichier ne gardant que les lignes à refaire.")
        }
        Refusal::RowNotFound { at } => Message::RowNotFound { at }.text(Lang::Fr),
        Refusal::NoSuchColumn { column, sheet } => Message::NoSuchColumn { column, sheet }.text(Lang::Fr),
        Refusal::SearchTooShort { search } => Message::SearchTooShort { search }.text(Lang::Fr),
        Refusal::NoTerminalToConfirm => RunMessage::NoTerminalToConfirm.text(Lang::Fr),
        Refusal::Aborted => RunMessage::Aborted.text(Lang::Fr),
        Refusal::RunRecorded { results } => format!("Une exécution est déjà notée pour ces résultats : {} — pour la continuer si elle n'est pas finie, ajoutez --resume (rien de ce qui est fait n'est renvoyé) ; pour une nouvelle exécution, choisissez un autre fichier --results. Rien n'a été envoyé.", results.display()),
    }
}

pub(super) fn halt(h: &Halt) -> String {
    match h {
        Halt::RegistreUnwritable { file, error } => format!(
            "registre impossible à écrire : {} ({}). Aucun appel n'est plus envoyé. Libérez de la place (ou corrigez le droit d'écrire), puis reprenez avec --resume : rien de ce qui est noté comme fait ne sera renvoyé.",
            file.display(),
            crate::messages::cause::short(error, Lang::Fr)
        ),
        Halt::LoopHub { call, fault } => {
            let what = format!("Liste LoopHub {} {} (clé {})", call.method, call.route, call.key);
            match fault {
                LoopHubFault::Unreadable => format!(
                    "{what} : réponse illisible (tableau JSON de dossiers attendu). Vérifiez [routes] loophub et loophub_method."
                ),
                LoopHubFault::Fatal { kind, status, message } => format!(
                    "{what} : {}",
                    CallText::Fatal { kind: *kind, status: *status, message, route: RouteHint::LoopHub }.text(Lang::Fr)
                ),
                LoopHubFault::Business { status, message } => format!("{what} : HTTP {status} : {message}"),
                LoopHubFault::Transient { detail } => format!("{what} : {detail}"),
                LoopHubFault::Throttled { status } => format!("{what} : HTTP {status}"),
            }
        }
    }
}

fn calls(n: f64) -> &'static str {
    if n >= 2.0 { "appels" } else { "appel" }
}

pub(super) fn notice(n: &Notice<'_>) -> String {
    match n {
        Notice::Warning { text } => format!("Avertissement : {text}"),
        Notice::RunPlaceUnknown { results, place } => format!("L'exécution notée pour {results} ne dit pas où cette exécution a été envoyée (version précédente de loopbatch) : elle continue vers {place}"),
        Notice::KeyFileReadableByOthers { file } => format!("le fichier de clé {} est lisible par d'autres utilisateurs ; restreignez-le (chmod 600).", file.display()),
        Notice::Place { endpoint, domain, instance } => {
            let domain = domain.map(|d| format!(" (domaine {d})")).unwrap_or_default();
            let instance = instance.map(|i| format!(" (simulateur, instance {i})")).unwrap_or_default();
            format!("{endpoint}{domain}{instance}")
        }
        Notice::RegistreSound { file, runs, attempts } => format!("Registre {} : intact ({runs} exécution(s), {attempts} événement(s) d'appel).", file.display()),
        Notice::RegistreCopied { dest } => format!("Registre copié dans {}", dest.display()),
        Notice::Imported { journal, records, run, damaged } => {
            let damaged = if *damaged { " (lignes illisibles : les appels sans résultat seront vérifiés)" } else { "" };
            format!("Importé {} : {records} événement(s), exécution n° {run}{damaged}", journal.display())
        }
        Notice::AlreadyImported { journal } => format!("Déjà importé : {}", journal.display()),
        Notice::Forgotten { who, calls } => format!("Oublié {who} : {calls} appel(s). Leurs e-mails, noms, téléphones, corps de requête et messages de Loop sont effacés du registre : l'historique ne les montre plus, et ce qui a été envoyé ne peut plus être relu. De ce qui a été fait, la mémoire du registre ne garde que des empreintes illisibles (calculées avec un secret propre à votre compte sur ce poste), avec les tentatives, leur effet et leur ordre : une prochaine exécution de la même feuille ne crée pas de nouveau la personne et ne renvoie pas ce qui est fait. Les codes dossier restent. Les fichiers de résultats et les plans gardés à côté ne sont pas touchés."),
        Notice::KeysSaid { kept: KeysKept::Saved, key } => format!("enregistrées pour cet utilisateur, clé d'API {key}"),
        Notice::KeysSaid { kept: KeysKept::Typed, key } => format!("saisies pour cette session, clé d'API {key}"),
        Notice::KeysSaid { kept: KeysKept::Configured, key } => format!("configurées, clé d'API {key}"),
        Notice::StoppedOnQuit { name } => format!("L'exécution de {name} a été arrêtée : les appels en cours se terminent et ses résultats sont écrits. Pour la reprendre, relancez loopbatch, ouvrez « Exécutions gardées » et cliquez sur « Reprendre » : rien de ce qui est fait ne sera renvoyé. Vous pouvez fermer cet onglet."),
        Notice::Paused { wait } => format!("en pause : Cegid Loop demande d'attendre {wait} (la suite repart seule)"),
        Notice::CallsDone { done, total } => format!("{done} {} sur {total}", calls(*done as f64)),
        Notice::PaceAllowed { rate, per_second } => format!("cadence permise : {rate} {} par seconde", calls(*per_second)),
        Notice::Speed { rate, per_second } => format!("vitesse : {rate} {} par seconde", calls(*per_second)),
        Notice::EtaIn { wait } => format!("fin estimée dans {wait}"),
        Notice::Errors { n: 0 } => "aucune erreur".into(),
        Notice::Errors { n: 1 } => "1 erreur".into(),
        Notice::PossibleValues { values } => format!("Valeurs possibles : {values}"),
        Notice::Errors { n } => format!("{n} erreurs"),
        Notice::ForgetNotEmptied => "Attention : un autre programme lit le registre en ce moment ; une copie de ces données reste dans son fichier -wal jusqu'à ce qu'il le relâche. Fermez-le (une copie, une sauvegarde, une autre fenêtre de loopbatch), puis relancez la même commande pour finir l'effacement.".into(),
    }
}

fn config_invalid(file: &Path, line: Option<usize>, fault: &ConfigFault) -> String {
    let what = match fault {
        ConfigFault::UnknownKey { key, known } => {
            format!("clé inconnue « {key} » (clés possibles : {})", known.join(", "))
        }
        ConfigFault::WrongValue { .. } => "valeur d'une autre sorte que celle que prend la clé (un nombre s'écrit sans guillemets, un texte entre guillemets, oui/non par true ou false)".to_string(),
        ConfigFault::Syntax { .. } => "ce n'est pas du TOML valide (chaque ligne : une clé, =, puis sa valeur ; un texte entre guillemets)".to_string(),
    };
    let keys = "Les clés d'API ne se mettent pas dans ce fichier : utilisez LOOP_SUBSCRIPTION_KEY / LOOP_API_KEY ou subscription_key_file / api_key_file.";
    match line {
        Some(l) => format!("Configuration invalide dans {}, ligne {l} : {what}. {keys}", file.display()),
        None => format!("Configuration invalide dans {} : {what}. {keys}", file.display()),
    }
}

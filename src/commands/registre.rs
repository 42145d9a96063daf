//! `loopbatch registre check|copy|import`: the registre's file looked
//! after from the command line.

use std::path::{Path, PathBuf};

use crate::cli::{RegistreAction, RegistreArgs};
use crate::config::Config;
use crate::error::{Failure, Result, exit};
use crate::registre::{self, Registre};

use super::print_line;

pub(super) fn registre(args: &RegistreArgs, cfg: &Config) -> Result<u8> {
    let lang = cfg.lang;
    // The flag is already in `cfg.registre` (see `dispatch`).
    let path = registre::location(cfg.registre.as_deref(), lang)?;
    let mut reg = Registre::open(&path, lang)?;
    match &args.action {
        RegistreAction::Check { full } => {
            let problems = reg.check(*full)?;
            let (runs, attempts) = reg.sizes()?;
            if problems.is_empty() {
                print_line(&format!(
                    "{} {} : {} ({runs} {}, {attempts} {}).",
                    lang.t("Registre", "Registre"),
                    path.display(),
                    lang.t("intact", "sound"),
                    lang.t("exécution(s)", "run(s)"),
                    lang.t("événement(s) d'appel", "call event(s)")
                ));
                return Ok(exit::OK);
            }
            for p in &problems {
                eprintln!("{p}");
            }
            Err(Failure::unusable(format!(
                "{} {} : {} {}",
                lang.t("Le registre", "The registre"),
                path.display(),
                problems.len(),
                lang.t(
                    "problème(s) trouvé(s). Gardez-en une copie (loopbatch registre copy) et contactez le support.",
                    "problem(s) found. Keep a copy of it (loopbatch registre copy) and contact support."
                )
            )))
        }
        RegistreAction::Copy { dest } => {
            reg.copy_to(dest)?;
            print_line(&format!("{} {}", lang.t("Registre copié dans", "Registre copied to"), dest.display()));
            Ok(exit::OK)
        }
        RegistreAction::Forget { who } => forget(&mut reg, who, cfg),
        RegistreAction::Close { run } => {
            drop(reg);
            let (never_sent, to_check) = crate::job::close_run(&path, *run, lang)?;
            let said = crate::messages::MemoryMessage::Closed { run: *run, never_sent, to_check };
            print_line(&crate::messages::Text::text(&said, lang));
            Ok(exit::OK)
        }
        RegistreAction::Import { paths } => {
            for p in paths {
                let (journal, results) = journal_and_results(p);
                let said = match reg.import_journal(&journal, &results)? {
                    Some(i) => format!(
                        "{} {} : {} {} {}{}",
                        lang.t("Importé", "Imported"),
                        journal.display(),
                        i.records,
                        lang.t("événement(s), exécution n°", "event(s), run no."),
                        i.run,
                        if i.damaged {
                            lang.t(
                                " (lignes illisibles : les appels sans résultat seront vérifiés)",
                                " (unreadable lines: calls without an outcome will be checked)",
                            )
                        } else {
                            ""
                        }
                    ),
                    None => format!("{} {}", lang.t("Déjà importé :", "Already imported:"), journal.display()),
                };
                print_line(&said);
            }
            Ok(exit::OK)
        }
    }
}

/// `registre forget`: the personal fields of a person's or a dossier's
/// calls removed, a tombstone kept; says what is lost.
fn forget(reg: &mut Registre, who: &str, cfg: &Config) -> Result<u8> {
    let lang = cfg.lang;
    let key = crate::job::user_secret(cfg).ok_or_else(|| {
        Failure::unusable(lang.t(
            "Dossier de configuration de l'utilisateur introuvable : la clé des empreintes ne peut pas être lue. Rien n'a été effacé.",
            "The user's configuration folder cannot be found: the key of the fingerprints cannot be read. Nothing was erased.",
        ))
    })?;
    let done = reg.forget(who, &key)?;
    print_line(&format!(
        "{} {} : {} {}",
        lang.t("Oublié", "Forgotten"),
        who.trim(),
        done.calls,
        lang.t(
            "appel(s). Leurs e-mails, noms, téléphones, corps de requête et messages de Loop sont effacés du registre ; il reste pour chacun une empreinte, ses tentatives, leur effet et leur ordre. Les fichiers de résultats et les plans gardés à côté ne sont pas touchés.",
            "call(s). Their e-mails, names, phones, request bodies and Loop's messages are erased from the registre; each keeps a fingerprint, its attempts, their effect and order. Results files and plans kept beside them are not touched."
        )
    ));
    if !done.emptied {
        print_line(lang.t(
            "Attention : un autre programme lit le registre en ce moment ; une copie de ces données reste dans son fichier -wal jusqu'à ce qu'il le relâche. Fermez-le (une copie, une sauvegarde, une autre fenêtre de loopbatch), puis relancez la même commande pour finir l'effacement.",
            "Warning: another program is reading the registre right now; a copy of these data stays in its -wal file until it lets go. Close it (a copy, a backup, another loopbatch window), then run the same command again to finish the erasure.",
        ));
        return Ok(exit::ROWS_FAILED);
    }
    Ok(exit::OK)
}

/// A journal given as itself, or as the results file it sits beside.
fn journal_and_results(p: &Path) -> (PathBuf, PathBuf) {
    let name = p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    for suffix in [".journal.jsonl", ".journal.jsonl.precedent"] {
        if let Some(results) = name.strip_suffix(suffix) {
            return (p.to_path_buf(), p.with_file_name(results));
        }
    }
    (registre::journal_beside(p), p.to_path_buf())
}

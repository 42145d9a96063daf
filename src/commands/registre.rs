//! `loopbatch registre check|copy|import`: the registre's file looked
//! after from the command line.

use std::path::{Path, PathBuf};

use crate::cli::{RegistreAction, RegistreArgs};
use crate::config::Config;
use crate::error::{Failure, Refusal, Result, exit};
use crate::messages::{Notice, Text};
use crate::registre::{self, Registre};

use super::print_line;

pub(super) fn registre(args: &RegistreArgs, cfg: &Config) -> Result<u8> {
    let lang = cfg.lang;
    // The flag is already in `cfg.registre` (see `dispatch`).
    let path = registre::location(cfg.registre.as_deref())?;
    let mut reg = Registre::open(&path, lang)?;
    match &args.action {
        RegistreAction::Check { full } => {
            let problems = reg.check(*full)?;
            let (runs, attempts) = reg.sizes()?;
            if problems.is_empty() {
                print_line(&Notice::RegistreSound { file: &path, runs, attempts }.text(lang));
                return Ok(exit::OK);
            }
            for p in &problems {
                eprintln!("{p}");
            }
            Err(Failure::refused(Refusal::RegistreProblems { file: path.clone(), count: problems.len() }))
        }
        RegistreAction::Copy { dest } => {
            reg.copy_to(dest)?;
            print_line(&Notice::RegistreCopied { dest }.text(lang));
            Ok(exit::OK)
        }
        RegistreAction::Forget { who } => forget(&mut reg, who, cfg),
        RegistreAction::Import { paths } => {
            for p in paths {
                let (journal, results) = journal_and_results(p);
                let said = match reg.import_journal(&journal, &results)? {
                    Some(i) => {
                        Notice::Imported { journal: &journal, records: i.records, run: i.run, damaged: i.damaged }
                    }
                    None => Notice::AlreadyImported { journal: &journal },
                };
                print_line(&said.text(lang));
            }
            Ok(exit::OK)
        }
    }
}

/// `registre forget`: the personal fields of a person's or a dossier's
/// calls removed, a tombstone kept; says what is lost.
fn forget(reg: &mut Registre, who: &str, cfg: &Config) -> Result<u8> {
    let lang = cfg.lang;
    let key = crate::job::user_secret(cfg).ok_or(Failure::refused(Refusal::NoConfigFolder { deleting: false }))?;
    let done = reg.forget(who, &key)?;
    print_line(&Notice::Forgotten { who: who.trim(), calls: done.calls }.text(lang));
    if !done.emptied {
        print_line(&Notice::ForgetNotEmptied.text(lang));
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

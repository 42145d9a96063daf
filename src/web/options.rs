//! What a run started from the page was asked to send beyond the memory's
//! rule: « Tout renvoyer » (`--send-all`) and the A_VERIFIER rows ticked
//! « renvoyer quand même » on the plan screen. Kept beside the run's files
//! (`options.json` in its folder), so that « Reprendre » asks the same,
//! after a restart of the page too, as the command line's resume command
//! keeps its flags.

use std::path::Path;

use serde::{Deserialize, Serialize};

/// The file, in the run's own folder.
const FILE: &str = "options.json";

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct RunOptions {
    /// « Tout renvoyer »: everything, even what the registre knows done.
    #[serde(default)]
    pub send_all: bool,
    /// The A_VERIFIER rows to send again anyway (sheet, line).
    #[serde(default)]
    pub a_verifier_rows: Vec<(String, u32)>,
}

impl RunOptions {
    /// The confirmation form's fields: its secret, « tout », and each row
    /// ticked (`renvoyer` = `LINE|SHEET`, as the plan screen wrote it).
    pub(super) fn from_form(fields: &[(String, String)]) -> (String, RunOptions) {
        let mut confirm = String::new();
        let mut options = RunOptions::default();
        for (name, value) in fields {
            match name.as_str() {
                "confirm" => confirm = value.clone(),
                "tout" => options.send_all = true,
                "renvoyer" => {
                    if let Some((line, sheet)) = value.split_once('|')
                        && let Ok(line) = line.parse()
                    {
                        options.a_verifier_rows.push((sheet.to_string(), line));
                    }
                }
                _ => {}
            }
        }
        options.a_verifier_rows.sort();
        options.a_verifier_rows.dedup();
        (confirm, options)
    }

    /// A row's value in the form.
    pub(super) fn row_value(sheet: &str, line: u32) -> String {
        format!("{line}|{sheet}")
    }

    /// Written beside the run's files, owner-only (nothing asked: nothing
    /// written); a failure said in the user's words.
    pub(super) fn save(&self, folder: &Path) -> crate::job::Result<()> {
        if *self == RunOptions::default() {
            return Ok(());
        }
        let path = folder.join(FILE);
        crate::job::owner_only_file(&path, &serde_json::to_vec(self).unwrap_or_default()).map_err(|e| {
            let problem = crate::job::WriteProblem::Io((&e).into());
            crate::job::Failure::write(&path, problem)
        })
    }

    /// What a kept run was asked (none: the memory's rule alone).
    pub(super) fn load(folder: &Path) -> RunOptions {
        std::fs::read(folder.join(FILE)).ok().and_then(|b| serde_json::from_slice(&b).ok()).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_form_gives_the_rows_ticked_and_send_all() {
        let f = |n: &str, v: &str| (n.to_string(), v.to_string());
        let fields = [f("confirm", "s"), f("renvoyer", "3|clients|2026"), f("renvoyer", "x|y"), f("tout", "1")];
        let (confirm, o) = RunOptions::from_form(&fields);
        assert_eq!(confirm, "s");
        assert!(o.send_all);
        assert_eq!(o.a_verifier_rows, vec![("clients|2026".to_string(), 3)]);
        let dir = tempfile::tempdir().unwrap();
        o.save(dir.path()).unwrap();
        assert_eq!(RunOptions::load(dir.path()), o);
        assert_eq!(RunOptions::load(&dir.path().join("none")), RunOptions::default());
    }
}

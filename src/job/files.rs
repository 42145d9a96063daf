//! The files of one run, all named after its results file: the copy of the
//! plan it executed, its lock, where the results go when the file itself
//! cannot be written, and the registre that records it. The one place that
//! names them.

use std::path::{Path, PathBuf};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunFiles {
    results: PathBuf,
    /// The registre asked for; `None`: the per-user local data folder's.
    registre: Option<PathBuf>,
}

impl RunFiles {
    pub fn new(results: impl Into<PathBuf>) -> RunFiles {
        RunFiles { results: results.into(), registre: None }
    }

    /// The same files, recorded in the registre at `registre` (`None`: the
    /// per-user local data folder's).
    pub fn with_registre(mut self, registre: Option<PathBuf>) -> RunFiles {
        self.registre = registre;
        self
    }

    /// The registre that records the run.
    pub fn registre(&self) -> PathBuf {
        self.registre
            .clone()
            .or_else(crate::registre::default_path)
            .unwrap_or_else(|| PathBuf::from(crate::registre::FILE_NAME))
    }

    /// The registre asked for, if any (to pass it on).
    pub fn registre_asked(&self) -> Option<PathBuf> {
        self.registre.clone()
    }

    pub fn results(&self) -> &Path {
        &self.results
    }

    /// `<results>.journal.jsonl`: the journal of the previous version
    /// (imported into the registre when a command names these results).
    pub fn journal(&self) -> PathBuf {
        self.beside("journal.jsonl")
    }

    /// `<results>.registre.secours.jsonl`: the outcomes the registre could
    /// not record when it failed, for the resume.
    pub fn journal_rescue(&self) -> PathBuf {
        self.beside("registre.secours.jsonl")
    }

    /// `<results>.plan.json`: the plan the registre's call ids refer to.
    pub fn plan(&self) -> PathBuf {
        self.beside("plan.json")
    }

    /// `<results>.lock`: locked by the process running into these results
    /// (kept, empty, between runs).
    pub fn lock(&self) -> PathBuf {
        self.beside("lock")
    }

    /// `<results>.lock.owner`: who holds the lock (user, machine, process).
    pub fn lock_note(&self) -> PathBuf {
        self.beside("lock.owner")
    }

    /// Other places for the results when their file cannot be written at
    /// the end of a run (open in Excel…): beside it, then the temp folder.
    pub fn fallbacks(&self, stamp: &str) -> [PathBuf; 2] {
        let stem =
            self.results.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "resultats".into());
        let ext = self.results.extension().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "xlsx".into());
        let name = format!("{stem}-{}.{ext}", stamp.replace([':', '+'], "-"));
        [self.results.with_file_name(&name), std::env::temp_dir().join(&name)]
    }

    fn beside(&self, suffix: &str) -> PathBuf {
        let name = self.results.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        self.results.with_file_name(format!("{name}.{suffix}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_results() {
        let f = RunFiles::new("/tmp/out/résultats juin.xlsx");
        assert_eq!(f.journal(), Path::new("/tmp/out/résultats juin.xlsx.journal.jsonl"));
        assert_eq!(f.plan(), Path::new("/tmp/out/résultats juin.xlsx.plan.json"));
        let [beside, _] = f.fallbacks("2026-12-03T10:00:00+01:00");
        assert_eq!(beside, Path::new("/tmp/out/résultats juin-2026-12-03T10-00-00-01-00.xlsx"));
    }
}

//! The files of one run, all named after its results file: the journal of
//! the calls, the copy of the plan it executed, and where the results go
//! when the file itself cannot be written. The one place that names them.

use std::path::{Path, PathBuf};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunFiles {
    results: PathBuf,
}

impl RunFiles {
    pub fn new(results: impl Into<PathBuf>) -> RunFiles {
        RunFiles { results: results.into() }
    }

    pub fn results(&self) -> &Path {
        &self.results
    }

    /// `<results>.journal.jsonl`: every call sent and its outcome.
    pub fn journal(&self) -> PathBuf {
        self.beside("journal.jsonl")
    }

    /// `<results>.journal.secours.jsonl`: the outcomes the journal could not
    /// record when it failed, for the resume.
    pub fn journal_rescue(&self) -> PathBuf {
        self.beside("journal.secours.jsonl")
    }

    /// `<results>.plan.json`: the plan the journal's call ids refer to.
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

    /// Where a journal goes when `--only-failed` starts a new generation.
    pub fn earlier_journal(&self) -> PathBuf {
        self.beside("journal.jsonl.precedent")
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
        assert_eq!(f.earlier_journal(), Path::new("/tmp/out/résultats juin.xlsx.journal.jsonl.precedent"));
        let [beside, _] = f.fallbacks("2026-12-03T10:00:00+01:00");
        assert_eq!(beside, Path::new("/tmp/out/résultats juin-2026-12-03T10-00-00-01-00.xlsx"));
    }
}

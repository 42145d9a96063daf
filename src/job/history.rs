//! « What did loopbatch do to dossier X, when, and who ran it? »: the
//! history of a dossier or a person from the registre (each answered call
//! in the registre's order, with its run, sheet and row, Loop's message
//! verbatim and its request id), and the list of runs; both exported as
//! XLSX or CSV through `report`. The command line and the page call these.
//!
//! The registre keeps no row of a sheet: the rows a call served come from
//! the plan kept beside the run's results (`RESULTS.plan.json`), used only
//! when it is still the plan the run ran (its hash); else the call's number
//! in its plan is said instead.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use serde::Serialize;

use crate::config::Config;
use crate::error::{Failure, HistoryRefusal, Refusal, Result};
use crate::i18n::Lang;
use crate::messages::{HistoryMessage, Text};
use crate::outcome::{Standing, Status};
use crate::plan::Plan;
use crate::registre::{AnswerEffect, CallCheck, HistoryCall, Registre, Sought};
use crate::report::history as export;

use super::RunFiles;
use super::tenant::Tenant;

/// A row of a sheet, as the spreadsheet shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SheetRow {
    pub feuille: String,
    pub ligne: u32,
}

/// One call of a history.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HistoryLine {
    /// When Loop's answer came (ISO 8601 with its offset); none when no
    /// answer came (see `run_started`).
    pub at: Option<String>,
    pub os_user: String,
    pub machine: String,
    pub run: i64,
    /// The sheet's file name.
    pub sheet: String,
    /// The rows it served (none known when the run's plan is not kept).
    pub rows: Vec<SheetRow>,
    /// Its number in its plan.
    pub call: u32,
    pub operation: String,
    pub dossier: String,
    pub email: Option<String>,
    pub status: String,
    pub code_http: Option<i64>,
    /// Loop's message, verbatim; none once forgotten.
    pub message: Option<String>,
    pub request_id: String,
    /// Its personal data erased from the registre.
    pub forgotten: bool,
    /// Went out and no answer is recorded (a run going, or killed): it may
    /// have been applied; the resume settles it (said as NON_EXECUTE, as
    /// the results say it).
    pub unanswered: bool,
    /// What Loop did is unknown (A_VERIFIER, or no answer): a person has to check.
    pub to_check: bool,
    /// A person's check of it, once recorded.
    pub check: Option<String>,
    /// Where it went, in words: Cegid Loop (its address) or the simulator.
    pub sent_to: String,
    /// The address alone (the page shows it under its mark).
    pub sent_to_address: String,
    /// Its run went to the simulator (`--demo`, `loopbatch simulate`):
    /// nothing went to Cegid Loop.
    pub simulator: bool,
    /// Recorded in its run without being sent to Loop (kept from an earlier
    /// run, ignored because a call it needed failed, done already).
    pub not_sent: bool,
    /// When its run started (ISO 8601): the sending's date when no answer came.
    pub run_started: String,
    /// The run's results file (the way on: its resume).
    pub results: String,
    /// The offer the call was about, when its body names one.
    pub offer: Option<String>,
}

/// The history of one dossier or e-mail.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct History {
    /// As sought: the dossier code or the e-mail, normalised as a sheet's.
    pub sought: String,
    pub email: bool,
    pub since: Option<String>,
    pub lines: Vec<HistoryLine>,
    /// The dossier codes found when none is the one sought as typed (« 42 »
    /// searched, « 00042 » recorded): said to the user.
    pub found_under: Vec<String>,
    /// Calls recorded without being sent to Loop (counted apart).
    pub not_sent: usize,
    /// An e-mail found nowhere while the registre holds forgotten calls:
    /// it may be one of them (their e-mail is erased, so it cannot be said).
    pub maybe_forgotten: bool,
}

/// One run of the list of runs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunLine {
    pub id: i64,
    pub started: String,
    pub ended: Option<String>,
    pub os_user: String,
    pub machine: String,
    pub sheet: String,
    /// Where it went, in words (no secret).
    pub tenant: Option<String>,
    /// Rows per status word, once ended.
    pub counts: BTreeMap<String, usize>,
    /// Its results file (the page links the runs it keeps).
    pub results: String,
}

/// `--since`, AAAA-MM-JJ or JJ/MM/AAAA, as AAAA-MM-JJ; a French (or
/// English) sentence naming the value and the form expected otherwise.
pub fn parse_since(value: &str) -> Result<String> {
    let v = value.trim();
    let parts: Vec<&str> = v.split(['-', '/']).collect();
    let (y, m, d) = match parts.as_slice() {
        [y, m, d] if v.contains('-') && y.len() == 4 => (*y, *m, *d),
        [d, m, y] if v.contains('/') && y.len() == 4 => (*y, *m, *d),
        _ => ("", "", ""),
    };
    let date = (|| {
        let month = time::Month::try_from(m.parse::<u8>().ok()?).ok()?;
        time::Date::from_calendar_date(y.parse().ok()?, month, d.parse().ok()?).ok()
    })();
    match date {
        Some(date) => Ok(format!("{:04}-{:02}-{:02}", date.year(), date.month() as u8, date.day())),
        None => Err(Failure::refused(Refusal::History(HistoryRefusal::BadDate { value: v.to_string() }))),
    }
}

/// Whom `who` names, as a sheet's cell would be read: an e-mail (it holds
/// @) trimmed and in lower case, as the registre keeps it; else a dossier
/// code trimmed and, when all digits, padded to `code_dossier_width`.
pub fn sought(who: &str, cfg: &Config) -> (String, bool) {
    let (t, _) = crate::normalize::trim_cell(who);
    // A pasted address (« Chloé Bernard <chloe@x.fr> », « <chloe@x.fr> »):
    // the one inside the angle brackets.
    let t = match (t.rfind('<'), t.rfind('>')) {
        (Some(a), Some(b)) if a < b && t[a + 1..b].contains('@') => t[a + 1..b].trim(),
        _ => t,
    };
    if t.contains('@') {
        let e = t.strip_prefix("mailto:").unwrap_or(t);
        return (crate::normalize::email_key(e).into_owned(), true);
    }
    let code = crate::normalize::pad_code(t, cfg.code_dossier_width).unwrap_or_else(|| t.to_string());
    (code, false)
}

/// The forms a dossier code may be recorded under: as typed and as
/// `sought` reads it, padded and unpadded when all digits (« 42 »,
/// « 00042 »), each in upper and lower case: one exact probe each.
fn dossier_forms(typed: &str, code: &str, cfg: &Config) -> Vec<String> {
    let mut bases = vec![typed.to_string(), code.to_string()];
    if !code.is_empty() && code.chars().all(|c| c.is_ascii_digit()) {
        let bare = code.trim_start_matches('0');
        let bare = if bare.is_empty() { "0" } else { bare };
        bases.push(bare.to_string());
        let widths = cfg.code_dossier_width.into_iter().chain(bare.len() + 1..=12);
        bases.extend(widths.filter(|w| *w > bare.len()).map(|w| format!("{bare:0>w$}")));
    }
    let mut forms: Vec<String> = Vec::new();
    for b in bases {
        for f in [b.clone(), b.to_uppercase(), b.to_lowercase()] {
            if !f.is_empty() && !forms.contains(&f) {
                forms.push(f);
            }
        }
    }
    forms
}

/// The registre of `cfg`, if there is one: asking never creates it; a
/// `--registre` that names no file is said (exit 2).
fn registre(cfg: &Config) -> Result<Option<Registre>> {
    let path = crate::registre::location(cfg.registre.as_deref())?;
    if !path.exists() {
        if cfg.registre.is_some() {
            return Err(Failure::refused(Refusal::History(HistoryRefusal::NoSuchRegistre {
                path: path.to_path_buf(),
            })));
        }
        return Ok(None);
    }
    Registre::open_to_read(&path, cfg.lang).map(Some)
}

/// Refuses a `--results` for a history that would replace what it must
/// not (before any work, nothing written, exit 2): a file of another
/// extension, the results of a run (its journal, the registre's run, a
/// run going), or any existing file that is not a history loopbatch wrote
/// (an input sheet, a results file).
pub fn history_target(path: &Path, cfg: &Config) -> Result<()> {
    export::history_format(path)?;
    let files = RunFiles::new(std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf()))
        .with_registre(cfg.registre.clone());
    // The registre is read only when it exists: asking never creates one.
    let recorded = files.registre().exists() && super::before::has_run(&files);
    if files.journal().exists() || recorded || super::before::is_running(&files) {
        return Err(Failure::refused(Refusal::History(HistoryRefusal::RunResults { path: path.to_path_buf() })));
    }
    if path.exists() && !export::is_history(path) {
        return Err(Failure::refused(Refusal::History(HistoryRefusal::NotAHistory { path: path.to_path_buf() })));
    }
    Ok(())
}

/// What the registre of `cfg` holds for a dossier code or an e-mail
/// (`since`: AAAA-MM-JJ), in its order; an empty history when nothing.
pub fn history(cfg: &Config, who: &str, since: Option<&str>) -> Result<History> {
    let (sought_as, email) = sought(who, cfg);
    if sought_as.is_empty() {
        return Err(Failure::refused(Refusal::History(HistoryRefusal::EmptySought)));
    }
    let typed = crate::normalize::trim_cell(who).0.to_string();
    let key = match email {
        true => Sought::Email(sought_as.clone()),
        false => Sought::Dossiers(dossier_forms(&typed, &sought_as, cfg)),
    };
    let mut maybe_forgotten = false;
    let (calls, checks) = match registre(cfg)? {
        Some(reg) if !sought_as.is_empty() => {
            let calls = reg.history(&key, since)?;
            let checks = checks(&reg, &calls, cfg.lang)?;
            maybe_forgotten = email && calls.is_empty() && reg.has_forgotten()?;
            (calls, checks)
        }
        _ => Default::default(),
    };
    let rows = rows_served(&calls);
    let lines: Vec<HistoryLine> = calls
        .into_iter()
        .map(|c| {
            let served = rows.get(&(c.results.clone(), c.plan_hash.clone())).and_then(|m| m.get(&c.call));
            let check = checks.get(&(c.run, c.call)).cloned();
            line(c, served.cloned().unwrap_or_default(), check, cfg.lang)
        })
        .collect();
    let mut found_under: Vec<String> = Vec::new();
    if !email && !lines.iter().any(|l| l.dossier == sought_as || l.dossier == typed) {
        for l in &lines {
            if !found_under.contains(&l.dossier) {
                found_under.push(l.dossier.clone());
            }
        }
    }
    let not_sent = lines.iter().filter(|l| l.not_sent).count();
    let since = since.map(str::to_string);
    Ok(History { sought: sought_as, email, since, lines, found_under, not_sent, maybe_forgotten })
}

/// Where a run went, in words, its address alone, and whether it was the
/// simulator.
fn sent_to(tenant: Option<&str>, lang: Lang) -> (String, String, bool) {
    match tenant.and_then(|t| serde_json::from_str::<Tenant>(t).ok()) {
        Some(t) => {
            let (simulator, place) = (t.instance.is_some(), t.place(lang));
            (HistoryMessage::SentTo { place: &place, simulator }.text(lang), place, simulator)
        }
        None => ("—".into(), "—".into(), false),
    }
}

/// The offer a call's body names (its `offre`, as the plan writes it), if any.
fn offer_of(body: Option<&str>) -> Option<String> {
    let v: serde_json::Value = serde_json::from_str(body?).ok()?;
    v.get("offre")?.as_str().map(str::to_string).filter(|s| !s.is_empty())
}

fn line(c: HistoryCall, rows: Vec<SheetRow>, check: Option<String>, lang: Lang) -> HistoryLine {
    let status = match c.unanswered {
        true => crate::outcome::Status::NonExecute.word().to_string(),
        false => c.status.unwrap_or_default(),
    };
    // « Unknown » is also the effect word of a call never sent (IGNORE after
    // a refused dependency, a row not valid): nothing to check for those.
    let word = Status::from_word(&status);
    let never_sent = word.is_some_and(|s| matches!(s.standing(), Standing::Skipped | Standing::Invalid));
    let unknown = AnswerEffect::from_word(c.effect.as_deref()) == Some(AnswerEffect::Unknown) && !never_sent;
    let to_check = c.unanswered || unknown || word == Some(Status::AVerifier);
    let (sent_to, sent_to_address, simulator) = sent_to(c.tenant.as_deref(), lang);
    // Attempts sent say it; without that count (an imported journal),
    // IGNORE and DEJA_FAIT are never sent — unless « Tout renvoyer » sent
    // it and Loop answered « déjà », which the count says.
    let not_sent = !c.unanswered
        && match c.sent_attempts {
            Some(n) => n == 0,
            None => [crate::outcome::Status::Ignore.word(), crate::outcome::Status::DejaFait.word()]
                .contains(&status.as_str()),
        };
    HistoryLine {
        sent_to,
        sent_to_address,
        simulator,
        not_sent,
        run_started: c.run_started,
        results: c.results.clone(),
        offer: offer_of(c.body.as_deref()),
        at: c.at.filter(|a| !a.is_empty()),
        os_user: c.os_user,
        machine: c.machine,
        run: c.run,
        sheet: c.sheet,
        rows,
        call: c.call,
        operation: c.operation,
        dossier: c.dossier,
        email: c.email.filter(|_| !c.forgotten),
        status,
        code_http: c.code_http,
        message: c.message.filter(|_| !c.forgotten),
        request_id: c.request_id.unwrap_or_default(),
        forgotten: c.forgotten,
        unanswered: c.unanswered,
        to_check,
        check,
    }
}

/// A person's check of each call, by (run, call), in words: what they
/// found in Loop, who, when (from `verify`'s table, when the registre has
/// one).
fn checks(reg: &Registre, calls: &[HistoryCall], lang: Lang) -> Result<HashMap<(i64, u32), String>> {
    let keys: Vec<(i64, u32)> = calls.iter().map(|c| (c.run, c.call)).collect();
    Ok(reg
        .checks_of(&keys)?
        .into_iter()
        .map(|(k, c): (_, CallCheck)| {
            let who = format!("{} ({})", c.os_user, c.machine);
            (k, HistoryMessage::Checked { done: c.done, who: &who, at: &when(&c.at) }.text(lang))
        })
        .collect())
}

/// The rows each call served, from the plan kept beside each run's results
/// when it is still the plan that run ran; by (results, plan hash), then
/// call number. Each plan is read once.
fn rows_served(calls: &[HistoryCall]) -> HashMap<(String, String), HashMap<u32, Vec<SheetRow>>> {
    let mut wanted: HashMap<(String, String), Vec<u32>> = HashMap::new();
    for c in calls {
        wanted.entry((c.results.clone(), c.plan_hash.clone())).or_default().push(c.call);
    }
    wanted
        .into_iter()
        .map(|((results, hash), ids)| {
            let plan = Plan::load_json(&RunFiles::new(&results).plan()).ok().filter(|p| p.hash() == hash);
            let found = plan
                .map(|p| {
                    p.calls
                        .iter()
                        .filter(|call| ids.contains(&call.id))
                        .map(|call| {
                            let rows = call
                                .rows
                                .iter()
                                .map(|r| SheetRow { feuille: r.feuille.to_string(), ligne: r.ligne })
                                .collect();
                            (call.id, rows)
                        })
                        .collect()
                })
                .unwrap_or_default();
            ((results, hash), found)
        })
        .collect()
}

/// The runs the registre of `cfg` holds, newest first (`since`: started
/// that day or later).
pub fn runs_history(cfg: &Config, since: Option<&str>) -> Result<Vec<RunLine>> {
    let Some(reg) = registre(cfg)? else { return Ok(Vec::new()) };
    let runs = reg.runs_listed(since)?;
    Ok(runs
        .into_iter()
        .map(|r| RunLine {
            id: r.id,
            started: r.started,
            ended: r.ended,
            os_user: r.os_user,
            machine: r.machine,
            sheet: r.sheet,
            tenant: r.tenant.and_then(|t| serde_json::from_str::<Tenant>(&t).ok()).map(|t| t.place(cfg.lang)),
            counts: r.counts.and_then(|c| serde_json::from_str(&c).ok()).unwrap_or_default(),
            results: r.results,
        })
        .collect())
}

/// A time of the registre as a person reads it: `2026-12-06 10:04:05`.
pub fn when(iso: &str) -> String {
    iso.replacen('T', " ", 1).chars().take(19).collect()
}

impl HistoryLine {
    /// Where it comes from: the rows it served (« ligne 2 », the sheet's
    /// name when it is not the file's), or its call number.
    pub fn place(&self, lang: Lang) -> String {
        if self.rows.is_empty() {
            return HistoryMessage::CallOnly { call: self.call }.text(lang);
        }
        let mut by_sheet: Vec<(&str, Vec<String>)> = Vec::new();
        for r in &self.rows {
            match by_sheet.iter_mut().find(|(s, _)| *s == r.feuille) {
                Some((_, lines)) => lines.push(r.ligne.to_string()),
                None => by_sheet.push((&r.feuille, vec![r.ligne.to_string()])),
            }
        }
        let said: Vec<String> = by_sheet
            .iter()
            .map(|(s, lines)| {
                let sheet = (*s != self.sheet).then_some(*s);
                HistoryMessage::Line { sheet, line: &lines.join(", ") }.text(lang)
            })
            .collect();
        said.join(" ; ")
    }

    /// Loop's message, or that it was forgotten, or that none came (with
    /// the way on: the resume command on the command line, the run's page
    /// on the page), or that it was never sent.
    pub fn message_said(&self, lang: Lang, on_page: bool) -> String {
        match (&self.message, self.forgotten) {
            (_, true) => HistoryMessage::Forgotten.text(lang),
            _ if self.unanswered => {
                let resume = (!on_page && !self.results.is_empty()).then(|| self.resume_command());
                let started = when(&self.run_started);
                HistoryMessage::Unanswered { run: self.run, started: &started, resume: resume.as_deref() }.text(lang)
            }
            (m, false) if self.not_sent => {
                let not_sent = HistoryMessage::NotSent.text(lang);
                match m.as_deref().filter(|m| !m.is_empty()) {
                    Some(m) => format!("{not_sent} — {m}"),
                    None => not_sent,
                }
            }
            (m, false) => m.clone().unwrap_or_default(),
        }
    }

    /// The command that resumes this call's run (its sheet's name, its
    /// results as the registre knows them).
    pub fn resume_command(&self) -> String {
        let quoted = |s: &str| if s.contains([' ', '\'', '"']) { format!("\"{s}\"") } else { s.to_string() };
        format!("loopbatch run {} --results {} --resume", quoted(&self.sheet), quoted(&self.results))
    }

    /// When it happened: its answer's time, else its run's start.
    pub fn when_said(&self) -> String {
        when(self.at.as_deref().unwrap_or(&self.run_started))
    }

    /// A person's check, or that one is needed.
    pub fn check_said(&self, lang: Lang) -> String {
        match (&self.check, self.to_check) {
            (Some(c), _) => c.clone(),
            (None, true) => HistoryMessage::ToCheck.text(lang),
            (None, false) => String::new(),
        }
    }

    /// The export's cells, in `CALL_COLUMNS`' order.
    fn cells(&self, lang: Lang) -> Vec<String> {
        let mut sheets: Vec<&str> = self.rows.iter().map(|r| r.feuille.as_str()).collect();
        sheets.dedup();
        let lines: Vec<String> = self.rows.iter().map(|r| r.ligne.to_string()).collect();
        vec![
            self.at.clone().unwrap_or_else(|| self.run_started.clone()),
            self.os_user.clone(),
            self.machine.clone(),
            self.run.to_string(),
            self.sheet.clone(),
            sheets.join(", "),
            lines.join(", "),
            self.call.to_string(),
            self.operation.clone(),
            self.dossier.clone(),
            self.email.clone().unwrap_or_default(),
            self.status.clone(),
            self.code_http.map(|c| c.to_string()).unwrap_or_default(),
            self.message_said(lang, false),
            self.request_id.clone(),
            self.check_said(lang),
            self.sent_to.clone(),
            self.offer.clone().unwrap_or_default(),
        ]
    }
}

impl RunLine {
    /// Rows per status in words beside their codes (`3 fait (OK), 1 échec
    /// (ERREUR)`), or that the run has no end recorded (going, or killed).
    pub fn counts_in_words(&self, lang: Lang) -> String {
        if self.ended.is_none() {
            return HistoryMessage::NotEnded.text(lang);
        }
        let said: Vec<String> = self
            .counts
            .iter()
            .map(|(w, n)| match crate::outcome::Status::from_word(w) {
                Some(s) => format!("{n} {} ({w})", super::status_said(s, lang)),
                None => format!("{n} {w}"),
            })
            .collect();
        said.join(", ")
    }

    /// Rows per status, as `OK 3 ERREUR 1` (the export's column).
    pub fn counts_said(&self) -> String {
        self.counts.iter().map(|(w, n)| format!("{w} {n}")).collect::<Vec<_>>().join(" ")
    }

    fn cells(&self) -> Vec<String> {
        vec![
            self.started.clone(),
            self.ended.clone().unwrap_or_default(),
            self.os_user.clone(),
            self.machine.clone(),
            self.id.to_string(),
            self.sheet.clone(),
            self.tenant.clone().unwrap_or_default(),
            self.counts_said(),
        ]
    }
}

/// Refuses an export file that is neither .xlsx nor .csv (before any work).
pub fn history_format(path: &Path) -> Result<()> {
    export::history_format(path).map(drop)
}

/// Writes a history, XLSX or CSV by the file's extension.
pub fn write_history(path: &Path, history: &History, lang: Lang) -> Result<()> {
    let lines: Vec<Vec<String>> = history.lines.iter().map(|l| l.cells(lang)).collect();
    export::write_history(path, &export::CALL_COLUMNS, &lines, lang)
}

/// Writes the list of runs, XLSX or CSV by the file's extension.
pub fn write_runs(path: &Path, runs: &[RunLine], lang: Lang) -> Result<()> {
    let lines: Vec<Vec<String>> = runs.iter().map(RunLine::cells).collect();
    export::write_history(path, &export::RUN_COLUMNS, &lines, lang)
}

/// A history as a workbook in memory (the page's download).
pub fn history_xlsx(history: &History, lang: Lang) -> Result<Vec<u8>> {
    let lines: Vec<Vec<String>> = history.lines.iter().map(|l| l.cells(lang)).collect();
    export::history_xlsx(&export::CALL_COLUMNS, &lines, lang).map_err(|e| Failure::Internal { what: e.to_string() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_date_in_either_form_and_a_wrong_one_named() {
        assert_eq!(parse_since("2026-12-01").unwrap(), "2026-12-01");
        assert_eq!(parse_since(" 1/12/2026 ").unwrap(), "2026-12-01");
        for bad in ["2026-13-01", "31/02/2026", "hier", "12/2026", "2026/12/01"] {
            let said = parse_since(bad).unwrap_err().to_string();
            assert!(said.contains(&format!("« {bad} »")) && said.contains("AAAA-MM-JJ"), "{said}");
        }
    }

    #[test]
    fn an_email_or_a_code_as_a_sheet_reads_it() {
        let mut cfg = Config::resolve(crate::config::FileConfig::default(), None, Lang::Fr).unwrap();
        assert_eq!(sought("  Ana.Martin@Exemple.FR\u{a0}", &cfg), ("ana.martin@exemple.fr".to_string(), true));
        assert_eq!(sought(" C001 ", &cfg), ("C001".to_string(), false));
        cfg.code_dossier_width = Some(6);
        assert_eq!(sought("42", &cfg), ("000042".to_string(), false));
    }
}

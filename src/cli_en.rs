//! The English help (`--lang en` or LOOPBATCH_LANG=en): the same command
//! line, its texts replaced before parsing. French stays the default.

use clap::Command;

/// (subcommand, "" for the top; argument id, "" for the command's about; text)
const TEXTS: &[(&str, &str, &str)] = &[
    ("", "", "Bulk provisioning of Cegid Loop from a spreadsheet"),
    ("", "config", "Configuration file (else ./loopbatch.toml when present)"),
    ("", "lang", "Language of messages: fr (default) or en"),
    ("", "help", "Print help"),
    ("", "version", "Print version"),
    ("check", "", "Check a spreadsheet row by row, sending nothing"),
    ("check", "file", "Spreadsheet to check (.xlsx, .xlsm, .xls, .ods, .csv, .tsv, .txt)"),
    ("check", "results", "Write the row-by-row results (.xlsx or .csv)"),
    ("check", "online", "Also check each dossier in the key's LoopHub portfolio"),
    ("check", "as_email", "With --online: warn where this person is neither dossier master nor manager"),
    ("plan", "", "Write the call plan (JSON and readable XLSX), sending nothing"),
    ("plan", "file", "Spreadsheet to plan"),
    ("plan", "out", "Plan JSON to write (a readable PLAN.xlsx is written beside it)"),
    ("run", "", "Run the plan against Cegid Loop and write the results"),
    ("run", "file", "Spreadsheet, or plan JSON written by `loopbatch plan`"),
    ("run", "results", "Results file (.xlsx or .csv); each call is recorded in the registre"),
    ("run", "rate", "Highest rate (e.g. 5/s, 300/min; default 5/s or the configuration)"),
    ("run", "burst", "Calls allowed at once above the rate (default 1)"),
    ("run", "concurrency", "Requests in flight at most (default 4)"),
    ("run", "retries", "Retries on a transient error (default 5)"),
    ("run", "resume", "Resume an interrupted run from the registre"),
    ("run", "dry_run", "Check and plan only, sending nothing (like check)"),
    ("run", "only_failed", "Re-run only the rows that did not end OK in these results"),
    (
        "run",
        "include_a_verifier",
        "Also send the calls whose last outcome is A_VERIFIER (with --only-failed: also re-run the A_VERIFIER rows)",
    ),
    ("run", "send_all", "Send everything, even what the registre knows done already"),
    ("undo", "", "Undo a run: the inverse calls of what the registre recorded, with a verdict per row"),
    ("undo", "run", "Run to undo: its results file, or its number (as loopbatch history shows it)"),
    ("undo", "results", "Results file of the undo (.xlsx or .csv), with the verdict column"),
    ("undo", "dry_run", "Write the verdicts, sending nothing"),
    ("undo", "partial", "Also undo the PARTIEL rows (what does not come back is said row by row)"),
    ("undo", "resume", "Resume an interrupted undo from the registre"),
    ("undo", "yes", "Do not ask for confirmation"),
    ("undo", "rate", "Highest rate (e.g. 5/s, 300/min; default 5/s or the configuration)"),
    ("undo", "quiet", "No progress bar nor summary"),
    ("verify", "", "Record the check in Loop of an A_VERIFIER row (done or not done)"),
    ("verify", "results", "Results file of the run"),
    ("verify", "sheet", "Sheet of the row (required when the results hold several)"),
    ("verify", "line", "Number of the row, as in the results"),
    ("verify", "done", "Checked in Loop: it is done (its calls count as applied)"),
    ("verify", "not_done", "Checked in Loop: it is not done (its calls may be sent again)"),
    (
        "run",
        "new_key",
        "With --resume or --only-failed: the API key was replaced; the new one is recorded for this firm. On a new run: links it to the keys recorded at this address (their memory becomes its own)",
    ),
    ("run", "yes", "Do not ask for confirmation (scheduled runs)"),
    ("run", "quiet", "No progress bar nor summary (cron)"),
    ("run", "online", "First refuse dossiers missing from the key's LoopHub portfolio"),
    ("demo", "", "Full demonstration on the embedded simulator (no account needed)"),
    ("demo", "out", "Folder for the demo's sample and results"),
    ("demo", "quiet", "No progress bar"),
    ("dossiers", "", "Export the LoopHub portfolio as a sheet ready to fill in"),
    ("dossiers", "search", "At least 3 characters of the code or name (accents and case ignored)"),
    ("dossiers", "maitre", "Only this dossier master's dossiers"),
    ("dossiers", "manager", "Only this engagement manager's dossiers"),
    ("dossiers", "results", "Sheet to write (.xlsx or .csv); without it, a table on screen"),
    ("template", "", "Write the spreadsheet templates (onboarding and operations)"),
    ("template", "out", "Folder for the templates (created if missing)"),
    ("simulate", "", "Start a local simulator of the Cegid Loop API (127.0.0.1)"),
    ("simulate", "port", "Port on 127.0.0.1 (0: a free port)"),
    ("simulate", "base_path", "Base path of the routes, as in production"),
    (
        "simulate",
        "dossiers",
        "Portfolio sheet (code_dossier, raison_sociale, statut, maitre_dossier, engagement_manager)",
    ),
    ("simulate", "contacts", "Existing contacts (email, code_dossier, offre)"),
    ("simulate", "generate", "Generate N dossiers SIM00001… (one in four \"A préparer\")"),
    ("simulate", "rate", "Gateway limit per subscription key (e.g. 20/s), per --throttle-model"),
    ("simulate", "burst", "Calls allowed in one window at the same average rate, or the bucket's size (default: N)"),
    ("simulate", "latency_ms", "Mean latency added to each answer"),
    ("simulate", "jitter_ms", "Latency variation (plus or minus)"),
    ("simulate", "fail_rate", "Share of calls answered 500/502/503 without being applied"),
    ("simulate", "reset_rate", "Share of connections closed before any answer"),
    ("simulate", "slow_rate", "Share of answers delayed by --slow-ms"),
    ("simulate", "slow_ms", "Delay of slow answers"),
    ("ui", "", "Open loopbatch's page in the browser (served on 127.0.0.1)"),
    ("ui", "port", "Port on 127.0.0.1 (0: a free port)"),
    ("ui", "no_open", "Do not open the browser (the address is printed)"),
    ("ui", "demo", "Simulation: the page talks to the embedded simulator, with the sample"),
    ("simulate", "lost_answer_rate", "Share of calls applied whose answer is lost (connection cut)"),
    ("simulate", "applied_504_rate", "Share of calls applied that the gateway answers with 504 (backend too late)"),
    (
        "simulate",
        "refused_504_rate",
        "Share of refusals (business answer, nothing applied) that the gateway answers with 504",
    ),
    (
        "simulate",
        "throttle_model",
        "Throttling: window (sliding window), lockout (every call refused during the Retry-After) or bucket (a bucket of --burst tokens refilled at the rate, every call refused during the Retry-After)",
    ),
    ("simulate", "uninvited_domains", "E-mail domains not invited on the tenant (comma-separated)"),
    ("simulate", "error_profile", "Shape of business errors: json-400, json-409, json-422, texte, 500"),
    ("registre", "", "The registre of runs: check, copy, import old journals"),
    ("history", "", "What loopbatch did for a dossier or a person (else: the runs), from the registre"),
    ("history", "who", "Dossier code, or a contact's e-mail (without it: the runs, newest first)"),
    ("history", "since", "Only since this day: YYYY-MM-DD or DD/MM/YYYY"),
    ("history", "results", "Sheet to write (.xlsx or .csv); without it, a table on screen"),
    (
        "history",
        "format",
        "Output: text (the table on standard output, the summary on standard error) or json (on standard output)",
    ),
    ("simulate", "seed", "Seed of the draws (latency, faults): same seed, same faults"),
];

/// Shared arguments present in several subcommands.
const SHARED: &[(&str, &str)] = &[
    ("sheet", "Sheet to read (default: every sheet with a code_dossier column)"),
    ("encoding", "CSV encoding (detected otherwise): utf-8, windows-1252, utf-16le, utf-16be"),
    ("delimiter", "CSV delimiter (detected otherwise): ';' ',' 'tab' or '|'"),
    ("format", "Summary format: text or json"),
    ("registre", "Registre of runs (else LOOPBATCH_REGISTRE, `registre` in loopbatch.toml, or the user's data folder)"),
    ("domain", "Cabinet domain for LoopHub (else `domain` in loopbatch.toml)"),
];

fn has(cmd: &Command, id: &str) -> bool {
    cmd.get_arguments().any(|a| a.get_id() == id)
}

fn translate(mut cmd: Command, sub: &str) -> Command {
    // The shared texts first: a command's own text of a shared argument
    // (history's --format) has the last word.
    for (id, text) in SHARED {
        if has(&cmd, id) {
            cmd = cmd.mut_arg(*id, |a| a.help(*text));
        }
    }
    for (s, id, text) in TEXTS.iter().filter(|(s, _, _)| *s == sub) {
        let _ = s;
        if id.is_empty() {
            cmd = cmd.about(*text);
        } else if has(&cmd, id) {
            cmd = cmd.mut_arg(*id, |a| a.help(*text));
        }
    }
    cmd
}

/// The command with its English texts.
pub(crate) fn english(cmd: Command) -> Command {
    let mut cmd = translate(cmd, "")
        .help_template("{before-help}{name} {version} — {about}\n\nUsage: {usage}\n\n{all-args}{after-help}")
        .subcommand_help_heading("Commands")
        .subcommand_value_name("COMMAND")
        .after_help(crate::messages::help_footer(crate::i18n::Lang::En));
    let names: Vec<String> = cmd.get_subcommands().map(|s| s.get_name().to_string()).collect();
    for name in names {
        cmd = cmd.mut_subcommand(&name, |sc| translate(sc, &name));
    }
    cmd
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    /// Every (subcommand, argument id) with a help in the French command
    /// line ("" for a command's about), with the French text.
    fn french() -> Vec<(String, String, String)> {
        let cmd = crate::cli::Cli::command();
        let mut all = Vec::new();
        let mut add = |sub: &str, c: &Command| {
            if let Some(about) = c.get_about() {
                all.push((sub.to_string(), String::new(), about.to_string()));
            }
            for a in c.get_arguments().filter(|a| !a.is_hide_set()) {
                if let Some(help) = a.get_help() {
                    all.push((sub.to_string(), a.get_id().to_string(), help.to_string()));
                }
            }
        };
        add("", &cmd);
        for sc in cmd.get_subcommands() {
            add(sc.get_name(), sc);
        }
        all
    }

    #[test]
    fn every_french_help_has_its_english_text_and_no_english_text_is_stale() {
        let known = |sub: &str, id: &str| {
            TEXTS.iter().any(|(s, i, _)| *s == sub && *i == id)
                || (!id.is_empty() && SHARED.iter().any(|(i, _)| *i == id))
        };
        let missing: Vec<String> =
            french().iter().filter(|(s, i, _)| !known(s, i)).map(|(s, i, t)| format!("{s} {i}: {t}")).collect();
        assert!(missing.is_empty(), "help without English: {missing:#?}");
        let french = french();
        let stale: Vec<String> = TEXTS
            .iter()
            .filter(|(s, i, _)| !french.iter().any(|(fs, fi, _)| fs == s && fi == i))
            .map(|(s, i, _)| format!("{s} {i}"))
            .collect();
        assert!(stale.is_empty(), "English texts of no argument: {stale:?}");
    }

    #[test]
    fn the_english_command_line_says_no_french_help() {
        let english = english(crate::cli::Cli::command());
        let french = french();
        let mut said = Vec::new();
        let mut add = |sub: &str, c: &Command| {
            for a in c.get_arguments().filter(|a| !a.is_hide_set()) {
                if let Some(help) = a.get_help() {
                    said.push((sub.to_string(), a.get_id().to_string(), help.to_string()));
                }
            }
        };
        add("", &english);
        for sc in english.get_subcommands() {
            add(sc.get_name(), sc);
        }
        let still: Vec<&(String, String, String)> = said.iter().filter(|h| french.contains(h)).collect();
        assert!(still.is_empty(), "still in French with --lang en: {still:#?}");
    }
}

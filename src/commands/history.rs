//! `loopbatch history [CODE_DOSSIER|EMAIL] [--since DATE] [--results FILE]`:
//! what loopbatch did for a dossier or a person, call by call, from the
//! registre; without one, the runs, newest first. A table on screen, JSON
//! (`--format json`), or an XLSX / CSV export.

use crate::cli::{HistoryArgs, OutputFormat};
use crate::config::Config;
use crate::error::{Result, exit};
use crate::job::{self, History, RunLine};
use crate::messages::{HistoryMessage, Text};

use super::print_line;

pub(super) fn history(args: &HistoryArgs, cfg: &Config) -> Result<u8> {
    let since = args.since.as_deref().map(job::parse_since).transpose()?;
    if let Some(out) = &args.results {
        job::history_target(out, cfg)?;
    }
    match args.who.as_deref() {
        Some(who) => calls(args, cfg, &job::history(cfg, who, since.as_deref())?),
        None => runs(args, cfg, &job::runs_history(cfg, since.as_deref())?, since.as_deref()),
    }
}

fn calls(args: &HistoryArgs, cfg: &Config, h: &History) -> Result<u8> {
    let lang = cfg.lang;
    let code = if h.lines.is_empty() { exit::ROWS_FAILED } else { exit::OK };
    if let Some(out) = &args.results {
        // Nothing found: nothing written (never an empty file over it).
        let written = !h.lines.is_empty();
        if written {
            job::write_history(out, h, lang)?;
            eprintln!("{}", HistoryMessage::Written { n: h.lines.len(), path: out }.text(lang));
        } else {
            eprintln!("{}", HistoryMessage::NotWritten { path: out }.text(lang));
        }
        if args.format == OutputFormat::Json {
            let json = serde_json::json!({
                "command": "history", "sought": h.sought, "email": h.email, "since": h.since,
                "results": out, "written": written, "lines": h.lines.len(),
                "not_sent": h.not_sent, "found_under": h.found_under, "exit_code": code,
            });
            print_line(&serde_json::to_string_pretty(&json).unwrap_or_default());
        }
    } else if args.format == OutputFormat::Json {
        // Each call with its operation in words beside its API name.
        let calls: Vec<serde_json::Value> = h
            .lines
            .iter()
            .map(|l| {
                let mut v = serde_json::to_value(l).unwrap_or_default();
                v["operation_label"] = crate::messages::operation_name_label(&l.operation, lang).into();
                v
            })
            .collect();
        let json = serde_json::json!({
            "command": "history", "sought": h.sought, "email": h.email, "since": h.since,
            "calls": calls, "not_sent": h.not_sent, "found_under": h.found_under, "exit_code": code,
        });
        print_line(&serde_json::to_string_pretty(&json).unwrap_or_default());
    } else if !h.lines.is_empty() {
        let header = [
            "horodatage",
            "utilisateur",
            "execution",
            "tableur",
            "ligne",
            "operation",
            "statut",
            "request_id",
            "verification",
            "dossier",
            "email",
            "offre",
            "envoye_a",
            "message",
        ];
        let rows: Vec<Vec<String>> = h
            .lines
            .iter()
            .map(|l| {
                vec![
                    l.when_said(),
                    format!("{} ({})", l.os_user, l.machine),
                    l.run.to_string(),
                    l.sheet.clone(),
                    l.place(lang),
                    // In words; the JSON and the exports keep the API name.
                    crate::messages::operation_name_label(&l.operation, lang),
                    l.status.clone(),
                    l.request_id.clone(),
                    l.check_said(lang),
                    l.dossier.clone(),
                    l.email.clone().unwrap_or_else(|| "—".into()),
                    l.offer.clone().unwrap_or_else(|| "—".into()),
                    l.sent_to.clone(),
                    l.message_said(lang, false),
                ]
            })
            .collect();
        table(&header, &rows);
    }
    if !h.found_under.is_empty() {
        let typed = args.who.as_deref().unwrap_or_default().trim();
        eprintln!("{}", HistoryMessage::FoundUnder { typed, codes: &h.found_under.join(", ") }.text(lang));
    }
    let said = match (h.lines.len(), h.not_sent) {
        (0, _) => {
            HistoryMessage::Nothing { sought: &h.sought, email: h.email, since: h.since.as_deref(), on_page: false }
        }
        (n, 0) => HistoryMessage::Calls { n, sought: &h.sought, email: h.email },
        (n, not_sent) => {
            HistoryMessage::SomeNotSent { sent: n - not_sent, not_sent, sought: &h.sought, email: h.email }
        }
    };
    eprintln!("{}", said.text(lang));
    if h.maybe_forgotten {
        eprintln!("{}", HistoryMessage::MaybeForgotten.text(lang));
    }
    Ok(code)
}

fn runs(args: &HistoryArgs, cfg: &Config, runs: &[RunLine], since: Option<&str>) -> Result<u8> {
    let lang = cfg.lang;
    if let Some(out) = &args.results {
        let written = !runs.is_empty();
        if written {
            job::write_runs(out, runs, lang)?;
            eprintln!("{}", HistoryMessage::Written { n: runs.len(), path: out }.text(lang));
        } else {
            eprintln!("{}", HistoryMessage::NotWritten { path: out }.text(lang));
        }
        if args.format == OutputFormat::Json {
            let json = serde_json::json!({
                "command": "history", "since": since, "results": out, "written": written,
                "lines": runs.len(), "exit_code": exit::OK,
            });
            print_line(&serde_json::to_string_pretty(&json).unwrap_or_default());
        }
    } else if args.format == OutputFormat::Json {
        let json = serde_json::json!({ "command": "history", "since": since, "runs": runs, "exit_code": exit::OK });
        print_line(&serde_json::to_string_pretty(&json).unwrap_or_default());
    } else if !runs.is_empty() {
        let header = ["debut", "utilisateur", "execution", "tableur", "envoyee_a", "lignes_par_statut"];
        let rows: Vec<Vec<String>> = runs
            .iter()
            .map(|r| {
                vec![
                    job::when(&r.started),
                    format!("{} ({})", r.os_user, r.machine),
                    r.id.to_string(),
                    r.sheet.clone(),
                    r.tenant.clone().unwrap_or_else(|| "—".into()),
                    r.counts_in_words(lang),
                ]
            })
            .collect();
        table(&header, &rows);
    }
    let said = match runs.len() {
        0 => HistoryMessage::NoRun { since },
        n => HistoryMessage::Runs { n },
    };
    eprintln!("{}", said.text(lang));
    Ok(exit::OK)
}

/// A table on standard output: each column as wide as its widest value
/// (the last one as it is).
fn table(header: &[&str], rows: &[Vec<String>]) {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for r in rows {
        for (w, v) in widths.iter_mut().zip(r) {
            *w = (*w).max(v.chars().count());
        }
    }
    // A cell on one line (a message of Loop may hold line breaks).
    let one_line = |v: &str| v.replace(['\r', '\n', '\t'], " ");
    let line = |cells: Vec<&str>| {
        let last = cells.len().saturating_sub(1);
        let padded: Vec<String> = cells
            .iter()
            .enumerate()
            .map(|(i, v)| if i == last { one_line(v) } else { format!("{:<w$}", one_line(v), w = widths[i]) })
            .collect();
        padded.join("  ").trim_end().to_string()
    };
    print_line(&line(header.to_vec()));
    for r in rows {
        print_line(&line(r.iter().map(String::as_str).collect()));
    }
}

//! The registre, the configuration, the keys, a run's lock and place, in
//! English.

use super::*;
use crate::config::{API_KEY_VAR, SUBSCRIPTION_KEY_VAR};

fn key(api: bool) -> (&'static str, &'static str) {
    if api { ("API key", API_KEY_VAR) } else { ("Subscription key", SUBSCRIPTION_KEY_VAR) }
}

fn place(t: &crate::error::RunPlace) -> String {
    notice(&Notice::Place { endpoint: &t.endpoint, domain: t.domain.as_deref(), instance: t.instance.as_deref() })
}

/// What `--only-failed` misses, the first half of its refusal.
fn no_proof(missing: &NoProof) -> String {
    match missing {
        NoProof::PlanMissing { plan } => format!("the previous run's plan is missing: {}.", plan.display()),
        NoProof::PlanUnreadable { why } => format!("{why}."),
        NoProof::RunUnknown { registre, results } => format!(
            "the registre {} does not know the previous run (nor is there a journal beside its results): {}.",
            registre.display(),
            results.display()
        ),
        NoProof::OtherPlan { results, plan } => {
            format!("the run recorded for {} does not belong to the plan {}.", results.display(), plan.display())
        }
    }
}

pub(super) fn refusal(r: &Refusal) -> String {
    match r {
        Refusal::Memory(m) => m.text(Lang::En),
        Refusal::History(h) => h.text(Lang::En),
        Refusal::Undo(u) => u.text(Lang::En),
        Refusal::RegistreUnsafePlace { file, network } => {
            let what = if *network { "network share" } else { "synced folder" };
            format!("The registre cannot be kept there: {} ({what}). On a network share or in a synced folder, SQLite's locking is not safe: the registre could be damaged. Keep it on a disk of this machine (by default, the user's local data folder); copy it elsewhere with “loopbatch registre copy”. Nothing was sent.", file.display())
        }
        Refusal::RegistreDiskFull { file } => {
            format!("The registre's disk is full: {} — free some space, then run again.", file.display())
        }
        Refusal::RegistreBusy { file } => format!("The registre is busy in another program: {} — wait until it lets go (a copy, a sync?), then run again.", file.display()),
        Refusal::RegistreCannotOpen { file, error } => format!("Cannot open the registre: {} ({}). Check the folder and the permission to write there, or name another registre with --registre. Nothing was sent.", file.display(), crate::messages::cause::short(error, Lang::En)),
        Refusal::RegistreDamaged { file } => format!("The registre is damaged: {} — loopbatch does not replace it with an empty registre, which would no longer know what was sent. Nothing was sent. Move it aside with: {} then run again (keep the copy for support; `loopbatch registre import` reads back the journals left beside results).", file.display(), move_aside(file)),
        Refusal::RegistreNewer { file, by } => format!("The registre {} was made by loopbatch {}, newer: update loopbatch. The registre was not changed; nothing was sent.", file.display(), by.as_deref().unwrap_or("?")),
        Refusal::RegistreNoRoom { folder, free_mb, needed_mb } => format!("Not enough room for the registre: {} (free {free_mb} MB, needed {needed_mb} MB). Free some space on this disk (or name another registre with --registre), then run again. Nothing was sent.", folder.display()),
        Refusal::RegistreProblems { file, count } => format!("The registre {}: {count} problem(s) found. Keep a copy of it (loopbatch registre copy) and contact support.", file.display()),
        Refusal::RegistreCopy { dest, error } => {
            let why = error.as_ref().map_or_else(|| "this file exists already (never overwritten)".into(), |e| e.text(Lang::En));
            format!("Cannot copy the registre to {}: {why}", dest.display())
        }
        Refusal::NoPageFolder => "The user's data folder cannot be found (HOME, APPDATA): the page cannot keep its files.".into(),
        Refusal::CannotListen { port, error } => format!("Cannot listen on 127.0.0.1:{port}: {}. Pick another port with --port (0 = a free port).", crate::messages::cause::short(error, Lang::En)),
        Refusal::CannotCreateFolder { folder, error } => format!("Cannot create folder {}: {}", folder.display(), error.text(Lang::En)),
        Refusal::PageFile { file, error } => format!("The page's working file cannot be made, written or read: {}: {}", file.display(), error.text(Lang::En)),
        Refusal::NoDataFolder => "The user's data folder cannot be found: say where to keep the registre with --registre FILE (or LOOPBATCH_REGISTRE).".into(),
        Refusal::NoConfigFolder { deleting: false } => "The user's configuration folder cannot be found: the key of the fingerprints cannot be read. Nothing was erased.".into(),
        Refusal::NoConfigFolder { deleting: true } => "The user's configuration folder cannot be found: the key of the fingerprints cannot be read. Nothing was deleted.".into(),
        Refusal::JournalUnreadable { journal, error } => {
            let why = error.as_ref().map_or_else(|| "not a loopbatch journal (no header)".into(), |e| e.text(Lang::En));
            format!("Unreadable journal: {}: {why}", journal.display())
        }
        Refusal::CannotStart { error } => format!("Cannot start: {}", error.text(Lang::En)),
        Refusal::ConfigUnreadable { file, error } => format!("Unreadable configuration: {}: {}", file.display(), error.text(Lang::En)),
        Refusal::ConfigInvalid { file, line, fault } => config_invalid(file, *line, fault),
        Refusal::ConfigRate { value } => format!("Configuration: key rate = « {value} »: expected N/s, N/min or N/h"),
        Refusal::KeyMissing { api } => {
            let (what, var) = key(*api);
            format!("{what} missing: set the environment variable {var} or name a key file in loopbatch.toml.")
        }
        Refusal::KeyFileUnreadable { api, file, error } => {
            let file = file.as_deref().map(|f| f.display().to_string()).unwrap_or_default();
            format!("{}: unreadable key file {file} ({})", key(*api).0, error.text(Lang::En))
        }
        Refusal::ApiKeyMalformed => "The API key (LOOP_API_KEY) must look like KEYID:SECRET (key id, colon, secret); its value is not shown.".into(),
        Refusal::RunCannotPrepare { folder, error } => format!("Cannot prepare the run in {}: {}. Check that the folder exists and that you may write there. Nothing was sent.", folder.display(), crate::messages::cause::short(error, Lang::En)),
        Refusal::RunCannotLock { folder, error } => format!("Cannot lock the run in {}: {}. This folder cannot keep two runs from going at once: put the results in a folder of this machine or on a share that can. Nothing was sent.", folder.display(), crate::messages::cause::short(error, Lang::En)),
        Refusal::RunTaken { results, holder } => {
            let who = match holder {
                Some(h) => format!("user {}, machine {}, process {}, since {}", h.user, h.machine, h.pid, h.since),
                None => "just started".into(),
            };
            format!("Another loopbatch run is already working on {results} ({who}). Nothing was sent. Wait until it ends (or stop it), then run your command again; or choose another results file.")
        }
        Refusal::DemoGoing { folder } => format!("A demo is already going in {}: wait for its end, or pick another folder with --out. Nothing was sent.", folder.display()),
        Refusal::OtherPlace { recorded, now, gone } => {
            let gone = if *gone { " (that simulator is gone)" } else { "" };
            format!("This run went to {}; the configuration now points at {}{gone}. Nothing was sent. A run is resumed only where it started: its results can still be read; to send elsewhere, start a new run with another results file.", place(recorded), place(now))
        }
        Refusal::OtherKey { recorded, now, look_alike } => {
            let unconfirmed = if *look_alike { " (which look alike, but the key cannot be confirmed as the same: a run started by another user or on another machine?)" } else { "" };
            format!("This run was made with the API key {recorded}; the key given now is {now}{unconfirmed}. Nothing was sent. If it is the same firm's new key (the old one was refused or replaced), resume with --new-key; otherwise put the original key back. (A run started by another user is resumed with --new-key too.)")
        }
        Refusal::SameLookOtherPrint { key, endpoint } => format!("The registre knows runs to {endpoint} with an API key also shown as {key}, but its fingerprint does not match: the secret file that links them (empreintes-cles.secret, in the user's configuration folder) is not the same one — a new Windows profile, another user, or a registre copied from another machine. Without it, loopbatch would not know what is done already and would send it again (contacts created twice). Nothing was sent. Put back the empreintes-cles.secret file of the old profile; or, if it is the same key or the same firm's new key, run once on the command line with --new-key (the person who manages loopbatch): the memory of those runs will be linked to it."),
        Refusal::AddressRefused { host } => format!("Address refused: http://{host} — keys only travel over https (http is allowed to 127.0.0.1 only)."),
        Refusal::InvalidAddress { url } => format!("Invalid API address (base_url / LOOP_BASE_URL): {url}"),
        Refusal::HttpClient { error } => format!("Cannot create the HTTP client: {}", error.text(Lang::En)),
        Refusal::NoDomain => "Unknown cabinet domain: give --domain CODE or domain = \"CODE\" in loopbatch.toml (the cabinet's code in LoopHub).".into(),
        Refusal::OtherPlan { results } => format!("{}: the run recorded for this file belongs to another plan (the input file or the configuration changed since): cannot resume it. Keep the original file, or choose another --results.", results.display()),
        Refusal::NothingToResume { results } => format!("Nothing to resume for {}: the registre knows no run of this file. Nothing was sent.", results.display()),
        Refusal::ResultsAreInput { results } => format!("The results file {} is the input file itself: it would be overwritten. Nothing was sent. Give --results another name (for example results.xlsx).", results.display()),
        Refusal::ResultsOfARun { results } => format!("The file {} holds the results of a run (recorded in the registre): a check would overwrite them. Nothing was written. Give --results another name.", results.display()),
        Refusal::ResultsHaveTheirRun { results } => format!("The results file {} already has its run (recorded in the registre): nothing was sent. To continue it, add --resume; to run its failures again, give it to --only-failed with another results file.", results.display()),
        Refusal::NoRunStarted { results } => format!("Nothing to resume for {}: no run has started writing into this file (no journal beside it). Nothing was sent. For a new run, run the command again without --resume.", results.display()),
        Refusal::RunOver { results } => format!("Nothing to resume for {}: that run is over (every call has its outcome, the results are written). Nothing was sent. To run the failed rows again: --only-failed with this file, and another results file.", results.display()),
        Refusal::RunNotHeld { registre, results, by } => {
            let by = match by {
                Some((user, machine)) => format!("by user {user} on machine {machine}"),
                None => "by another user or on another machine".into(),
            };
            format!("The registre {} does not know the run that wrote into this file: it was made {by}. A run is resumed by the user and machine that started it (or with their registre, --registre). Nothing was sent: {} — for a new run, choose another results file.", registre.display(), results.display())
        }
        Refusal::ResultsAreFolder { results } => format!("The results file {} is a folder: give a .xlsx or .csv file name.", results.display()),
        Refusal::ResultsFolderUnwritable { folder, error } => format!("Cannot write results in {}: {}. Nothing was sent.", folder.display(), error.text(Lang::En)),
        Refusal::NoProof(missing) => {
            let what = no_proof(missing);
            format!("--only-failed: {what} Without it nothing proves what the previous run did: nothing is sent. Put it back beside its results (or resume that run with --resume); if it is lost, run a copy of the sheet keeping only the rows to do again.")
        }
        Refusal::RowNotFound { at } => Message::RowNotFound { at }.text(Lang::En),
        Refusal::NoSuchColumn { column, sheet } => Message::NoSuchColumn { column, sheet }.text(Lang::En),
        Refusal::SearchTooShort { search } => Message::SearchTooShort { search }.text(Lang::En),
        Refusal::NoTerminalToConfirm => RunMessage::NoTerminalToConfirm.text(Lang::En),
        Refusal::Aborted => RunMessage::Aborted.text(Lang::En),
        Refusal::RunRecorded { results } => format!("A run is already recorded for these results: {} — to continue it if it is not over, add --resume (nothing done is sent again); for a new run, choose another --results file. Nothing was sent.", results.display()),
    }
}

pub(super) fn halt(h: &Halt) -> String {
    match h {
        Halt::RegistreUnwritable { file, error } => format!(
            "registre cannot be written: {} ({}). No more calls are sent. Free some space (or fix the permission to write), then resume with --resume: nothing recorded as done is sent again.",
            file.display(),
            crate::messages::cause::short(error, Lang::En)
        ),
        Halt::LoopHub { call, fault } => {
            let what = format!("LoopHub list {} {} (key {})", call.method, call.route, call.key);
            match fault {
                LoopHubFault::Unreadable => format!(
                    "{what}: unreadable answer (a JSON array of dossiers was expected). Check [routes] loophub and loophub_method."
                ),
                LoopHubFault::Fatal { kind, status, message } => format!(
                    "{what}: {}",
                    CallText::Fatal { kind: *kind, status: *status, message, route: RouteHint::LoopHub }.text(Lang::En)
                ),
                LoopHubFault::Business { status, message } => format!("{what}: HTTP {status}: {message}"),
                LoopHubFault::Transient { detail } => format!("{what}: {detail}"),
                LoopHubFault::Throttled { status } => format!("{what}: HTTP {status}"),
            }
        }
    }
}

fn calls(n: f64) -> &'static str {
    if n >= 2.0 { "calls" } else { "call" }
}

pub(super) fn notice(n: &Notice<'_>) -> String {
    match n {
        Notice::Warning { text } => format!("Warning: {text}"),
        Notice::RunPlaceUnknown { results, place } => format!("The run recorded for {results} does not say where this run was sent (an earlier version of loopbatch): it goes on to {place}"),
        Notice::KeyFileReadableByOthers { file } => format!("key file {} is readable by other users; restrict it (chmod 600).", file.display()),
        Notice::Place { endpoint, domain, instance } => {
            let domain = domain.map(|d| format!(" (domain {d})")).unwrap_or_default();
            let instance = instance.map(|i| format!(" (simulator, instance {i})")).unwrap_or_default();
            format!("{endpoint}{domain}{instance}")
        }
        Notice::RegistreSound { file, runs, attempts } => format!("Registre {}: sound ({runs} run(s), {attempts} call event(s)).", file.display()),
        Notice::RegistreCopied { dest } => format!("Registre copied to {}", dest.display()),
        Notice::Imported { journal, records, run, damaged } => {
            let damaged = if *damaged { " (unreadable lines: calls without an outcome will be checked)" } else { "" };
            format!("Imported {}: {records} event(s), run no. {run}{damaged}", journal.display())
        }
        Notice::AlreadyImported { journal } => format!("Already imported: {}", journal.display()),
        Notice::Forgotten { who, calls } => format!("Forgotten {who}: {calls} call(s). Their e-mails, names, phones, request bodies and Loop's messages are erased from the registre: the history no longer shows them, and what was sent can no longer be read back. Of what was done, the registre's memory keeps only unreadable fingerprints (computed with a secret of your account on this computer), with the attempts, their effect and order: a later run of the same sheet does not create the person again nor send again what is done. Dossier codes stay. Results files and plans kept beside them are not touched."),
        Notice::KeysSaid { kept: KeysKept::Saved, key } => format!("saved for this user, API key {key}"),
        Notice::KeysSaid { kept: KeysKept::Typed, key } => format!("typed for this session, API key {key}"),
        Notice::KeysSaid { kept: KeysKept::Configured, key } => format!("configured, API key {key}"),
        Notice::StoppedOnQuit { name } => format!("The run of {name} was stopped: calls in flight finish and its results are written. To resume it, start loopbatch again, open “Kept runs” and click “Resume”: nothing done is sent again. You may close this tab."),
        Notice::Paused { wait } => format!("paused: Cegid Loop asks to wait {wait} (the run goes on by itself)"),
        Notice::CallsDone { done, total } => format!("{done} {} of {total}", calls(*done as f64)),
        Notice::PaceAllowed { rate, per_second } => format!("pace allowed: {rate} {} per second", calls(*per_second)),
        Notice::Speed { rate, per_second } => format!("speed: {rate} {} per second", calls(*per_second)),
        Notice::EtaIn { wait } => format!("estimated end in {wait}"),
        Notice::Errors { n: 0 } => "no error".into(),
        Notice::Errors { n: 1 } => "1 error".into(),
        Notice::PossibleValues { values } => format!("Possible values: {values}"),
        Notice::Errors { n } => format!("{n} errors"),
        Notice::ForgetNotEmptied => "Warning: another program is reading the registre right now; a copy of these data stays in its -wal file until it lets go. Close it (a copy, a backup, another loopbatch window), then run the same command again to finish the erasure.".into(),
    }
}

fn config_invalid(file: &Path, line: Option<usize>, fault: &ConfigFault) -> String {
    let what = match fault {
        ConfigFault::UnknownKey { key, known } => {
            format!("unknown key « {key} » (known keys: {})", known.join(", "))
        }
        ConfigFault::WrongValue { detail } => format!("a value of another kind than its key takes ({detail})"),
        ConfigFault::Syntax { detail } => format!("not valid TOML ({detail})"),
    };
    let keys = "API keys do not go in this file: use LOOP_SUBSCRIPTION_KEY / LOOP_API_KEY or subscription_key_file / api_key_file.";
    match line {
        Some(l) => format!("Invalid configuration in {}, line {l}: {what}. {keys}", file.display()),
        None => format!("Invalid configuration in {}: {what}. {keys}", file.display()),
    }
}

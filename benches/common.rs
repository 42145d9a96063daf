//! Shared helpers of the benchmarks: running the release binary as a child
//! and reading its wall time, CPU time and peak memory (Linux: wait4).

#![allow(dead_code)]

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

pub(crate) struct Measure {
    pub wall: Duration,
    pub cpu: Duration,
    /// Peak resident memory in bytes, as loopbatch reports it (Linux).
    pub peak_rss: u64,
    pub code: i32,
}

/// Runs `cmd` to the end and measures it. loopbatch reports its own peak
/// memory on stderr: a parent's wait4 would count its own pages at fork.
pub(crate) fn measure(cmd: &mut Command) -> Measure {
    let stderr = tempfile::NamedTempFile::new().expect("temp file");
    cmd.env("LOOPBATCH_PEAK_MEMORY", "1").stderr(stderr.reopen().expect("reopen"));
    let started = Instant::now();
    let child = cmd.spawn().expect("spawn loopbatch");
    let mut m = wait(child, started);
    let text = std::fs::read_to_string(stderr.path()).unwrap_or_default();
    m.peak_rss = text
        .lines()
        .find_map(|l| l.strip_prefix("peak_memory_kb="))
        .and_then(|kb| kb.trim().parse::<u64>().ok())
        .map_or(0, |kb| kb * 1024);
    m
}

#[cfg(unix)]
fn wait(child: std::process::Child, started: Instant) -> Measure {
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: an all-zero rusage is a valid value for wait4 to fill.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: pid is our own child, status and usage are valid pointers.
    unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    let wall = started.elapsed();
    let tv = |t: libc::timeval| Duration::from_secs(t.tv_sec as u64) + Duration::from_micros(t.tv_usec as u64);
    std::mem::forget(child);
    Measure {
        wall,
        cpu: tv(usage.ru_utime) + tv(usage.ru_stime),
        peak_rss: 0,
        code: if libc::WIFEXITED(status) { libc::WEXITSTATUS(status) } else { -1 },
    }
}

#[cfg(not(unix))]
fn wait(mut child: std::process::Child, started: Instant) -> Measure {
    let status = child.wait().expect("wait");
    Measure { wall: started.elapsed(), cpu: Duration::ZERO, peak_rss: 0, code: status.code().unwrap_or(-1) }
}

pub(crate) fn loopbatch(dir: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_loopbatch"));
    c.current_dir(dir).stdout(std::process::Stdio::null()).stderr(std::process::Stdio::null());
    c.envs(home_vars(&dir.join(".home")));
    c
}

/// HOME and every per-user folder inside `home`: a bench never reads nor
/// writes the developer's own keys and settings.
pub(crate) fn home_vars(home: &Path) -> [(&'static str, std::path::PathBuf); 6] {
    [
        ("HOME", home.to_path_buf()),
        ("XDG_CONFIG_HOME", home.join(".config")),
        ("XDG_DATA_HOME", home.join(".local/share")),
        ("XDG_CACHE_HOME", home.join(".cache")),
        ("APPDATA", home.join("AppData/Roaming")),
        ("LOCALAPPDATA", home.join("AppData/Local")),
    ]
}

pub(crate) fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

pub(crate) fn mb(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

/// A portfolio of `n` dossiers B00000…, operational (offers only) or not
/// (provisionCompany first).
pub(crate) fn model(n: usize, operational: bool) -> loopbatch::simulator::Model {
    let mut m = loopbatch::simulator::Model::default();
    for i in 0..n {
        let code = format!("B{i:05}");
        m.dossiers.insert(
            code.clone(),
            loopbatch::simulator::Dossier {
                object_id: format!("id{i}"),
                code,
                raison_sociale: String::new(),
                nom_usuel: String::new(),
                statut: if operational { "Opérationnel" } else { "A préparer" }.into(),
                maitre_dossier: String::new(),
                engagement_manager: String::new(),
                offers: Default::default(),
            },
        );
    }
    m
}

//! The resolved configuration: `loopbatch.toml` merged under the environment
//! and the flags (flag > environment > `--config FILE` > `./loopbatch.toml`).
//!
//! Secrets come only from the environment or from key files, never from the
//! command line (other users see it in the process list). A `Secret`'s
//! Debug prints `Secret(***)`; its value goes only into the HTTP headers, the
//! owner-only key files the page saves, and the simulator's comparison:
//! never into an output, a log, another file or an event (its key id is
//! shown masked).

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use crate::error::{ConfigFault, Failure, Refusal, Result};
use crate::i18n::Lang;
pub(crate) use crate::loop_api::Routes;
use crate::loop_api::{DEFAULT_ALREADY_DONE, DEFAULT_BASE_URL};
use crate::messages::{Notice, Text};

pub(crate) const CONFIG_FILE: &str = "loopbatch.toml";

/// `loopbatch.toml`, every key optional.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub base_url: Option<String>,
    pub subscription_key_file: Option<PathBuf>,
    pub api_key_file: Option<PathBuf>,
    pub domain: Option<String>,
    pub rate: Option<String>,
    pub burst: Option<u32>,
    pub concurrency: Option<usize>,
    pub connect_timeout_s: Option<f64>,
    pub request_timeout_s: Option<f64>,
    pub retries: Option<u32>,
    pub max_retry_after_s: Option<u64>,
    pub onboarding_add_offer: Option<bool>,
    pub code_dossier_width: Option<usize>,
    pub already_done: Option<Vec<String>>,
    /// removeApplication's answers for an offer the contact does not have.
    pub not_assigned: Option<Vec<String>>,
    /// The registre's file (else the per-user local data folder).
    pub registre: Option<PathBuf>,
    /// Months after which the registre forgets the people of a plan's calls
    /// (36 when not set; 0 keeps them).
    pub registre_retention_months: Option<u32>,
    #[serde(default)]
    pub routes: Routes,
}

/// A request rate: `count` calls per `per`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rate {
    pub count: u32,
    pub per: Duration,
}

impl Rate {
    /// Reads `5/s`, `300/min`, `1000/h`, `20` (per second).
    pub fn parse(s: &str) -> Option<Rate> {
        let (n, unit) = s.trim().split_once('/').unwrap_or((s.trim(), "s"));
        let count: u32 = n.trim().parse().ok().filter(|c| *c > 0)?;
        let per = match unit.trim() {
            "s" | "sec" | "seconde" | "second" => Duration::from_secs(1),
            "min" | "m" | "minute" => Duration::from_secs(60),
            "h" | "heure" | "hour" => Duration::from_secs(3600),
            _ => return None,
        };
        Some(Rate { count, per })
    }

    pub fn per_second(&self) -> f64 {
        f64::from(self.count) / self.per.as_secs_f64()
    }
}

impl fmt::Display for Rate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.per.as_secs() {
            60 => write!(f, "{}/min", self.count),
            3600 => write!(f, "{}/h", self.count),
            _ => write!(f, "{}/s", self.count),
        }
    }
}

/// A secret value: its Debug and Display never show it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Secret {
        Secret(s.into())
    }
    /// Only for the HTTP header and the simulator's comparison.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// An API key's id, before the `:` of `KEYID:SECRET`: not secret, what
    /// LoopHub asks for and what is shown (masked) to tell keys apart.
    pub fn key_id(&self) -> &str {
        self.0.split(':').next().unwrap_or_default()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// Shows a key id with only its first and last two characters.
pub(crate) fn mask(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    if chars.len() <= 6 {
        return "***".into();
    }
    format!("{}{}***{}", chars[0], chars[1], chars[chars.len() - 2..].iter().collect::<String>())
}

/// The two keys a run sends, and what was noticed while finding them.
#[derive(Clone, Debug)]
pub struct Keys {
    pub subscription: Secret,
    pub api: Secret,
    /// E.g. a key file readable by other users; for the front end to show.
    pub warnings: Vec<String>,
}

impl Keys {
    /// The API key's id (see `Secret::key_id`).
    pub fn key_id(&self) -> &str {
        self.api.key_id()
    }

    /// The API key's id as it may be shown (`mask`).
    pub fn masked_id(&self) -> String {
        mask(self.key_id())
    }
}

/// The per-user configuration folder (`~/.config/loopbatch`,
/// `%APPDATA%\\loopbatch`, `~/Library/Application Support/loopbatch`), where
/// the page can save the keys for every command to read.
pub(crate) fn user_config_dir() -> Option<PathBuf> {
    dirs::config_dir().map(|d| d.join("loopbatch"))
}

/// The key files of the per-user folder.
pub(crate) const USER_SUBSCRIPTION_KEY_FILE: &str = "cle-abonnement.txt";
pub(crate) const USER_API_KEY_FILE: &str = "cle-api.txt";

/// Saves the keys in the per-user folder, readable by their owner only.
pub(crate) fn save_user_keys(keys: &Keys) -> std::io::Result<PathBuf> {
    let dir = user_config_dir().ok_or_else(|| std::io::Error::other("no configuration folder"))?;
    crate::files::owner_only_folder(&dir)?;
    for (name, secret) in [(USER_SUBSCRIPTION_KEY_FILE, &keys.subscription), (USER_API_KEY_FILE, &keys.api)] {
        crate::files::owner_only_file(&dir.join(name), secret.expose().as_bytes())?;
    }
    Ok(dir)
}

/// Whether an API key reads `KEYID:SECRET`.
pub(crate) fn well_formed_api_key(api: &str) -> bool {
    api.split_once(':').is_some_and(|(id, secret)| !id.is_empty() && !secret.is_empty())
}

pub(crate) const SUBSCRIPTION_KEY_VAR: &str = "LOOP_SUBSCRIPTION_KEY";
pub(crate) const API_KEY_VAR: &str = "LOOP_API_KEY";

/// A key from the environment, else from its key file; `Ok(None)` when
/// neither holds one.
fn find_key(var: &str, file: Option<&Path>) -> std::io::Result<Option<String>> {
    if let Ok(v) = std::env::var(var)
        && !v.trim().is_empty()
    {
        return Ok(Some(v.trim().to_string()));
    }
    match file {
        Some(path) => Ok(Some(std::fs::read_to_string(path)?.trim().to_string()).filter(|v| !v.is_empty())),
        None => Ok(None),
    }
}

fn user_key(name: &str) -> Option<PathBuf> {
    user_config_dir().map(|d| d.join(name)).filter(|p| p.is_file())
}

#[cfg(unix)]
fn readable_by_others(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.permissions().mode() & 0o077 != 0)
}

#[cfg(not(unix))]
fn readable_by_others(_path: &Path) -> bool {
    // Windows protects files with ACLs, which std cannot inspect.
    false
}

/// The resolved configuration every command sees.
#[derive(Debug, Clone)]
pub struct Config {
    pub lang: Lang,
    pub base_url: String,
    pub domain: Option<String>,
    pub rate: Rate,
    pub burst: u32,
    pub concurrency: usize,
    pub connect_timeout: Duration,
    pub request_timeout: Duration,
    pub retries: u32,
    pub max_retry_after: Duration,
    pub onboarding_add_offer: bool,
    pub code_dossier_width: Option<usize>,
    pub already_done: Vec<String>,
    pub not_assigned: Vec<String>,
    pub routes: Routes,
    pub registre_retention_months: u32,
    pub subscription_key_file: Option<PathBuf>,
    pub api_key_file: Option<PathBuf>,
    /// Where the configuration came from, for messages.
    pub file: Option<PathBuf>,
    /// Warnings met while loading (key file readable by others…).
    pub warnings: Vec<String>,
    /// The per-user configuration folder (`user_config_dir`), where the
    /// secret keying the key ids' fingerprints lives; a test points it at
    /// a folder of its own.
    pub user_dir: Option<PathBuf>,
    /// The registre asked for (`--registre`, LOOPBATCH_REGISTRE, the file's
    /// `registre`); `None`: the per-user local data folder's.
    pub registre: Option<PathBuf>,
}

impl Config {
    /// Loads `explicit` or `./loopbatch.toml` when present, then the
    /// environment (LOOP_BASE_URL). Flags are applied by the caller.
    pub fn load(explicit: Option<&Path>, lang: Lang) -> Result<Config> {
        let path = match explicit {
            Some(p) => Some(p.to_path_buf()),
            None => Some(PathBuf::from(CONFIG_FILE)).filter(|p| p.is_file()),
        };
        let file = match &path {
            Some(p) => {
                let text = std::fs::read_to_string(p)
                    .map_err(|e| Failure::refused(Refusal::ConfigUnreadable { file: p.clone(), error: (&e).into() }))?;
                toml::from_str::<FileConfig>(&text).map_err(|e| {
                    // Never echo the file's text: a key may have been pasted in it.
                    let line = e.span().map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1);
                    let fault = ConfigFault::of(e.message());
                    Failure::refused(Refusal::ConfigInvalid { file: p.clone(), line, fault })
                })?
            }
            None => FileConfig::default(),
        };
        Config::resolve(file, path, lang)
    }

    /// The keys a run needs: environment first, then the key files. Both
    /// must be there, and the API key must read `KEYID:SECRET`.
    pub fn keys(&self) -> Result<Keys> {
        let lang = self.lang;
        let mut warnings = Vec::new();
        let mut read = |api: bool, file: &Option<PathBuf>| -> Result<Secret> {
            let var = if api { API_KEY_VAR } else { SUBSCRIPTION_KEY_VAR };
            if std::env::var(var).map_or(true, |v| v.trim().is_empty())
                && let Some(path) = file
                && readable_by_others(path)
            {
                warnings.push(Notice::KeyFileReadableByOthers { file: path }.text(lang));
            }
            match find_key(var, file.as_deref()) {
                Ok(Some(v)) => Ok(Secret::new(v)),
                Ok(None) => Err(Failure::refused(Refusal::KeyMissing { api })),
                Err(e) => {
                    Err(Failure::refused(Refusal::KeyFileUnreadable { api, file: file.clone(), error: (&e).into() }))
                }
            }
        };
        let subscription = read(false, &self.subscription_key_file)?;
        let api = read(true, &self.api_key_file)?;
        if !well_formed_api_key(api.expose()) {
            return Err(Failure::refused(Refusal::ApiKeyMalformed));
        }
        Ok(Keys { subscription, api, warnings })
    }

    /// The keys the simulator expects, found as a run finds its own, else
    /// the given defaults (the demo's fixed keys).
    pub fn keys_or(&self, subscription: &str, api: &str) -> (Secret, Secret) {
        let get = |var: &str, file: &Option<PathBuf>, default: &str| {
            Secret::new(find_key(var, file.as_deref()).ok().flatten().unwrap_or_else(|| default.to_string()))
        };
        (
            get(SUBSCRIPTION_KEY_VAR, &self.subscription_key_file, subscription),
            get(API_KEY_VAR, &self.api_key_file, api),
        )
    }

    pub fn resolve(file: FileConfig, path: Option<PathBuf>, lang: Lang) -> Result<Config> {
        let rate_text = file.rate.clone().unwrap_or_else(|| "5/s".into());
        let rate = Rate::parse(&rate_text)
            .ok_or_else(|| Failure::refused(Refusal::ConfigRate { value: rate_text.clone() }))?;
        let base = path.as_ref().and_then(|p| p.parent()).map(Path::to_path_buf).unwrap_or_default();
        let relative = |p: Option<PathBuf>| p.map(|p| if p.is_relative() { base.join(p) } else { p });
        let mut cfg = Config {
            lang,
            base_url: file.base_url.unwrap_or_else(|| DEFAULT_BASE_URL.into()),
            domain: file.domain,
            rate,
            burst: file.burst.unwrap_or(1).max(1),
            concurrency: file.concurrency.unwrap_or(4).max(1),
            connect_timeout: Duration::from_secs_f64(file.connect_timeout_s.unwrap_or(10.0).max(0.1)),
            request_timeout: Duration::from_secs_f64(file.request_timeout_s.unwrap_or(60.0).max(0.1)),
            retries: file.retries.unwrap_or(5),
            max_retry_after: Duration::from_secs(file.max_retry_after_s.unwrap_or(300)),
            onboarding_add_offer: file.onboarding_add_offer.unwrap_or(true),
            registre_retention_months: file.registre_retention_months.unwrap_or(36),
            code_dossier_width: file.code_dossier_width.filter(|w| *w > 0),
            already_done: file
                .already_done
                .unwrap_or_else(|| DEFAULT_ALREADY_DONE.iter().map(|s| s.to_string()).collect()),
            not_assigned: file
                .not_assigned
                .unwrap_or_else(|| crate::loop_api::DEFAULT_NOT_ASSIGNED.iter().map(|s| s.to_string()).collect()),
            routes: file.routes,
            // The configuration's key files, else those the page saved.
            subscription_key_file: relative(file.subscription_key_file)
                .or_else(|| user_key(USER_SUBSCRIPTION_KEY_FILE)),
            api_key_file: relative(file.api_key_file).or_else(|| user_key(USER_API_KEY_FILE)),
            file: path,
            warnings: Vec::new(),
            user_dir: user_config_dir(),
            registre: std::env::var_os(crate::registre::ENV_VAR)
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
                .or_else(|| relative(file.registre)),
        };
        if let Ok(url) = std::env::var("LOOP_BASE_URL")
            && !url.trim().is_empty()
        {
            cfg.base_url = url.trim().to_string();
        }
        Ok(cfg)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates() {
        assert_eq!(Rate::parse("5/s").unwrap().per_second(), 5.0);
        assert_eq!(Rate::parse("300/min").unwrap().per_second(), 5.0);
        assert_eq!(Rate::parse("20").unwrap().per_second(), 20.0);
        assert!(Rate::parse("0/s").is_none());
        assert!(Rate::parse("abc").is_none());
    }

    #[test]
    fn masking() {
        assert_eq!(mask("ABCDEFGH12"), "AB***12");
        assert_eq!(mask("abc"), "***");
        assert_eq!(format!("{:?}", Secret::new("topsecret")), "Secret(***)");
    }

    #[test]
    fn a_bad_config_never_echoes_its_text() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("loopbatch.toml");
        std::fs::write(&p, "rate = \"5/s\"\nsubscription_key = \"SUPERSECRET-42\"\n").unwrap();
        let e = Config::load(Some(&p), Lang::Fr).unwrap_err();
        assert!(!e.to_string().contains("SUPERSECRET"), "{}", e.to_string());
        assert!(e.to_string().contains("ligne 2"), "{}", e.to_string());
    }

    #[test]
    fn routes_from_toml() {
        let f: FileConfig = toml::from_str("[routes]\nloophub = \"x/y\"\nloophub_method = \"get\"\n").unwrap();
        let c = Config::resolve(f, None, Lang::Fr).unwrap();
        assert_eq!(&*c.routes.loophub, "/x/y");
        assert_eq!(c.routes.loophub_method, "GET");
        assert_eq!(c.routes.of(crate::loop_api::Operation::AddClient), "/provisionningCollab/addClient");
        let unknown = toml::from_str::<FileConfig>("[routes]\nadd_klient = \"/x\"\n");
        assert!(unknown.is_err(), "an unknown route is refused");
    }
}

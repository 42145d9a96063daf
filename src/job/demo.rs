//! The demo: the sample sheet against the embedded simulator, with a
//! visible rate limit and a few injected faults. No account, no network.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::config::{Config, Keys, Rate, Secret};
use crate::error::Result;
use crate::files::write_atomic;
use crate::simulator::{self, DEMO_API_KEY, DEMO_SUBSCRIPTION_KEY, Faults, Handle, Seed};

use super::{RunFiles, RunRequest, RunSource, SheetInput};

const DEMO_SHEET: &[u8] = include_bytes!("../../samples/onboarding-clients.csv");
const DEMO_DOSSIERS: &[u8] = include_bytes!("../../samples/dossiers-simulateur.csv");

/// A demo ready to run: the simulator serving, the configuration pointing
/// at it, the sample sheet and where its results go.
pub struct Demo {
    pub simulator: Handle,
    pub cfg: Config,
    pub sheet: PathBuf,
    pub results: PathBuf,
}

impl Demo {
    /// The run of the sample sheet, with the simulator's keys.
    pub fn request(&self) -> RunRequest {
        let mut req =
            RunRequest::new(RunSource::Sheet { input: SheetInput::new(&self.sheet), online: None }, &self.results);
        req.keys = Some(Keys {
            subscription: Secret::new(DEMO_SUBSCRIPTION_KEY),
            api: Secret::new(DEMO_API_KEY),
            warnings: Vec::new(),
        });
        req
    }
}

/// Writes the samples in `out` and starts the simulator on a free port.
/// Each demo starts afresh: the record of a previous demo is detached.
pub async fn start_demo(cfg: &Config, out: &Path) -> Result<Demo> {
    let lang = cfg.lang;
    std::fs::create_dir_all(out).map_err(|e| {
        crate::error::Failure::refused(crate::error::Refusal::CannotCreateFolder {
            folder: out.to_path_buf(),
            error: crate::error::SystemCause::from(&e),
        })
    })?;
    let sheet = out.join("onboarding-clients.csv");
    let dossiers = out.join("dossiers-simulateur.csv");
    let results = out.join("resultats-demo.xlsx");
    // A demo going in this folder keeps its journal and its samples.
    if super::before::is_running(&RunFiles::new(&results)) {
        return Err(crate::error::Failure::refused(crate::error::Refusal::DemoGoing { folder: out.to_path_buf() }));
    }
    write_atomic(&sheet, DEMO_SHEET)?;
    write_atomic(&dossiers, DEMO_DOSSIERS)?;
    // Its earlier runs stay in the registre's history, detached from the file.
    let files = RunFiles::new(&results).with_registre(cfg.registre.clone());
    crate::registre::Registre::open(&files.registre(), lang)?.detach(files.results())?;
    let _ = std::fs::remove_file(files.journal());
    let seed =
        Seed { dossiers: Some(dossiers), uninvited_domains: vec!["boucherie-robert.fr".into()], ..Default::default() };
    let model = simulator::build_model(&seed, 7, lang)?;
    let mut cfg = cfg.clone();
    cfg.rate = Rate { count: 10, per: Duration::from_secs(1) };
    cfg.burst = 1;
    cfg.concurrency = 4;
    cfg.request_timeout = Duration::from_secs(5);
    let sim_opts = simulator::Options {
        model,
        rate: Some(Rate { count: 20, per: Duration::from_secs(1) }),
        faults: Faults {
            latency: Duration::from_millis(25),
            jitter: Duration::from_millis(15),
            fail_rate: 0.03,
            lost_answer_rate: 0.02,
            // A lost addClient answer ends A_VERIFIER: not for a Loop that
            // does not exist.
            spared_routes: vec![cfg.routes.of(crate::loop_api::Operation::AddClient).to_string()],
            ..Default::default()
        },
        seed: 7,
        routes: cfg.routes.clone(),
        // Nobody else reads or resets the demo's data: the secret stays here.
        admin_secret: Some(Secret::new(admin_secret())),
        ..Default::default()
    };
    let handle = simulator::start(sim_opts, 0).await.map_err(|e| simulator::bind_failure(0, &e))?;
    cfg.base_url = handle.base_url.clone();
    Ok(Demo { simulator: handle, cfg, sheet, results })
}

/// A random secret for the demo simulator's admin routes.
fn admin_secret() -> String {
    use rand::Rng;
    let bytes: [u8; 24] = rand::rng().random();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

//! `loopbatch simulate`: the simulator as a foreground server.

use std::time::Duration;

use crate::cli::SimulateArgs;
use crate::config::Config;
use crate::error::{Result, exit};
use crate::messages::{Message, Text};
use crate::simulator::{self, Faults, Options, Seed};

pub(super) fn simulate(args: &SimulateArgs, cfg: &Config) -> Result<u8> {
    let lang = cfg.lang;
    let seed = Seed {
        dossiers: args.dossiers.clone(),
        contacts: args.contacts.clone(),
        generate: args.generate,
        uninvited_domains: args.uninvited_domains.clone(),
    };
    let model = simulator::build_model(&seed, args.seed, lang)?;
    let (subscription_key, api_key) = cfg.keys_or(simulator::DEMO_SUBSCRIPTION_KEY, simulator::DEMO_API_KEY);
    let opts = Options {
        base_path: format!("/{}", args.base_path.trim_matches('/')),
        subscription_key,
        api_key,
        model,
        rate: args.rate,
        burst: args.burst,
        faults: Faults {
            latency: Duration::from_millis(args.latency_ms),
            jitter: Duration::from_millis(args.jitter_ms),
            fail_rate: args.fail_rate,
            reset_rate: args.reset_rate,
            slow_rate: args.slow_rate,
            slow: Duration::from_millis(args.slow_ms),
            lost_answer_rate: args.lost_answer_rate,
            applied_then_504_rate: args.applied_504_rate,
            refused_then_504_rate: args.refused_504_rate,
            spared_routes: Vec::new(),
        },
        throttle: args.throttle_model,
        error_profile: args.error_profile,
        seed: args.seed,
        routes: cfg.routes.clone(),
        log: true,
        // Documented open: tests and scripts read and reset it.
        admin_secret: None,
    };
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let _ = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(ansi)
        .with_target(false)
        .without_time()
        .try_init();
    let dossiers = opts.model.dossiers.len();
    let rt = super::runtime()?;
    rt.block_on(async {
        let handle = simulator::start(opts, args.port).await.map_err(|e| simulator::bind_failure(args.port, &e))?;
        super::print_line(&format!("listening on {}", handle.addr));
        eprintln!("{}", Message::SimulatorReady { base_url: &handle.base_url, dossiers }.text(lang));
        let _ = tokio::signal::ctrl_c().await;
        handle.stop().await;
        Ok(exit::OK)
    })
}

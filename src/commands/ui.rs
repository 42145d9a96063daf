//! `loopbatch ui`: the page, on a runtime of the front end's own.

use crate::cli::UiArgs;
use crate::config::Config;
use crate::error::{Result, exit};
use crate::messages::{Message, Text};
use crate::web::{UiOptions, serve};

pub(super) fn ui(args: &UiArgs, cfg: &Config) -> Result<u8> {
    let lang = cfg.lang;
    // The page writes only in the per-user folders: all of it owner-only.
    crate::files::owner_only_from_now();
    let rt = super::runtime()?;
    rt.block_on(async {
        // --demo: the page talks to the embedded simulator, with the sample.
        let demo = match args.demo {
            true => Some(crate::job::start_demo(cfg, &crate::web::user_folder()?.join("demo")).await?),
            false => None,
        };
        let cfg = demo.as_ref().map_or_else(|| cfg.clone(), |d| d.cfg.clone());
        let keys = demo.as_ref().and_then(|d| d.request().keys);
        let opts = UiOptions { port: args.port, open_browser: !args.no_open, demo: args.demo, keys };
        let opened = !args.no_open;
        serve(&cfg, opts, |address| {
            // Alone on its line: scripts read it.
            super::print_line(address);
            eprintln!("{}", Message::PageOpened { address, opened }.text(lang));
        })
        .await?;
        if let Some(d) = demo {
            d.simulator.stop().await;
        }
        Ok(exit::OK)
    })
}

//! `loopbatch template --out DIR`.

use crate::cli::TemplateArgs;
use crate::config::Config;
use crate::error::{Result, exit};
use crate::messages::{Message, Text};

pub(super) fn template(args: &TemplateArgs, cfg: &Config) -> Result<u8> {
    let lang = cfg.lang;
    let written = crate::job::write_templates(cfg, &args.out)?;
    eprintln!("{}", Message::TemplatesWritten.text(lang));
    for p in written {
        eprintln!("  {}", p.display());
    }
    Ok(exit::OK)
}

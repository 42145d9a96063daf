//! `loopbatch check` and `loopbatch plan`: read, type, validate, plan, and
//! report without sending anything.

use crate::cli::{CheckArgs, PlanArgs};
use crate::config::Config;
use crate::error::{Result, exit};
use crate::job;

use super::checked::{SheetCheck, check_and_say, print_summary};

pub(super) fn check(args: &CheckArgs, cfg: &Config) -> Result<u8> {
    let c = SheetCheck {
        file: &args.file,
        input: &args.input,
        results: args.results.as_deref(),
        format: args.format,
        online: args.online,
        domain: args.domain.as_deref(),
        as_email: args.as_email.as_deref(),
    };
    check_and_say(cfg, &c)
}

pub(super) fn plan(args: &PlanArgs, cfg: &Config) -> Result<u8> {
    let p = job::plan_sheet(cfg, &super::sheet_input(&args.file, &args.input), None)?;
    let counts = p.plan.counts();
    let written = job::write_plan(&p.plan, &args.out)?;
    let code = if counts.invalid > 0 { exit::ROWS_FAILED } else { exit::OK };
    let memory = super::checked::memory_of(cfg, &p.plan);
    print_summary("plan", &p, &counts, None, Some(&written), memory.as_ref(), args.format, cfg.lang, code);
    Ok(code)
}

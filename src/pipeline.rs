//! Stages 1 to 4 for one file, overlapped: the reader parses the file on its
//! own thread and hands rows over in batches; this thread types, validates
//! (and, for `check`, counts the plan of) each batch while the rest of the
//! file is still being parsed. Only the checks across rows and the plan wait
//! for the last row.

use std::path::Path;

use rayon::prelude::*;

use crate::config::Config;
use crate::error::Result;
use crate::plan::{Bodies, Counter, Plan};
use crate::read::{Chunk, RawRow, ReadOptions, SheetHeader, Source, Table};
use crate::rows::{Row, RowOptions};
use crate::validate::{CrossRows, Online};

/// Batches the reader may get ahead by: bounds the memory in flight.
const QUEUE_BATCHES: usize = 32;

/// A file taken through every offline stage.
pub struct Prepared {
    pub source: Source,
    /// File-level remarks of the reader (sheets skipped, encoding…).
    pub remarks: Vec<String>,
    pub plan: Plan,
}

/// Read -> rows -> validate -> plan. With `Bodies::No` the plan holds its
/// rows and counts (`summary`) but no calls.
pub(crate) fn prepare(
    file: &Path,
    opts: &ReadOptions,
    cfg: &Config,
    bodies: Bodies,
    online: Option<&Online>,
) -> Result<Prepared> {
    let checked = check_rows(file, opts, cfg, bodies == Bodies::No, online)?;
    let Checked { table, mut rows, cross, counter } = checked;
    let spoiled = cross.finish(&table, &mut rows);
    // Rows found invalid across rows were counted as valid: count again.
    let summary = counter.map(|c| if spoiled { crate::plan::count(&rows, cfg) } else { c.finish(cfg) });
    let (source, mut remarks) = (table.source.clone(), table.remarks.clone());
    let mut plan = crate::plan::build(table, rows, cfg, bodies);
    plan.summary = summary;
    remarks.extend(plan.deprecation_remarks(cfg));
    Ok(Prepared { source, remarks, plan })
}

/// A file read, its rows typed and validated one by one; the checks across
/// rows gathered but not yet written onto the rows (`CrossRows::finish`).
pub(crate) struct Checked {
    pub table: Table,
    pub rows: Vec<Row>,
    pub cross: CrossRows,
    /// The plan's counts, fed row by row (when asked for).
    pub counter: Option<Counter>,
}

/// Read -> rows -> validate, overlapped: the reader on its own thread,
/// typing and validation here as batches come.
pub(crate) fn check_rows(
    file: &Path,
    opts: &ReadOptions,
    cfg: &Config,
    count: bool,
    online: Option<&Online>,
) -> Result<Checked> {
    let lang = cfg.lang;
    let mut stages = Stages {
        row_opts: RowOptions { code_dossier_width: cfg.code_dossier_width },
        cfg,
        online,
        header: None,
        raws: Vec::new(),
        typed: Vec::new(),
        cross: CrossRows::default(),
        counter: count.then(Counter::default),
    };
    let (send, receive) = std::sync::mpsc::sync_channel::<Chunk>(QUEUE_BATCHES);
    let layout = std::thread::scope(|scope| {
        let reader = scope.spawn(move || {
            crate::read::read_streamed(file, opts, &mut |chunk| {
                // The receiver outlives the reader: a send cannot fail.
                let _ = send.send(chunk);
            })
        });
        while let Ok(chunk) = receive.recv() {
            // Batches already waiting mean the reader is ahead: type them
            // on every core; otherwise this core keeps pace alone.
            let behind = receive.try_recv().ok();
            let parallel = behind.is_some();
            stages.take(chunk, parallel);
            if let Some(next) = behind {
                stages.take(next, parallel);
            }
        }
        // A defect in the reader is the process's (said by the panic hook).
        reader.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    })?;
    let Stages { raws, typed, cross, counter, .. } = stages;
    let table = crate::read::assemble(layout, raws, lang)?;
    Ok(Checked { table, rows: typed, cross, counter })
}

/// Types and validates one row on its own (the checks across rows aside).
pub(crate) fn check_row(
    header: &SheetHeader,
    raw: &RawRow,
    index: usize,
    opts: &RowOptions,
    online: Option<&Online>,
) -> Row {
    let mut row = crate::rows::type_row(header, raw, index, opts);
    crate::validate::per_action(header, &raw.cells, &mut row);
    if let Some(o) = online {
        crate::validate::online_row(header, &mut row, o);
    }
    row
}

/// What the consuming thread holds while rows come in.
struct Stages<'a> {
    row_opts: RowOptions,
    cfg: &'a Config,
    online: Option<&'a Online<'a>>,
    /// The header of the sheet whose rows are coming.
    header: Option<std::sync::Arc<SheetHeader>>,
    raws: Vec<RawRow>,
    typed: Vec<Row>,
    cross: CrossRows,
    counter: Option<Counter>,
}

impl Stages<'_> {
    fn take(&mut self, chunk: Chunk, parallel: bool) {
        let batch = match chunk {
            Chunk::Sheet(header) => {
                self.header = Some(header);
                return;
            }
            Chunk::Rows(batch) => batch,
        };
        let Some(header) = self.header.clone() else { return };
        let (opts, online, first) = (&self.row_opts, self.online, self.typed.len());
        // Rows stand alone until the checks across rows.
        let one = |(k, raw): (usize, &RawRow)| check_row(&header, raw, first + k, opts, online);
        let typed: Vec<Row> = match parallel {
            true => batch.par_iter().enumerate().map(one).collect(),
            false => batch.iter().enumerate().map(one).collect(),
        };
        for row in typed {
            if let Some(c) = &mut self.counter {
                c.add(&row, self.cfg);
            }
            self.typed.push(row);
            self.cross.add(&self.typed, self.typed.len() - 1);
        }
        self.raws.extend(batch);
    }
}

//! Integration tests: the real binary on sheets the tests create.

mod check;
mod dossiers;
mod fuzz_corpus;
mod hostile;
mod properties;
mod run;
mod security;
mod simulator;
mod util;

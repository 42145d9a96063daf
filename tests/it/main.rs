//! Integration tests: the real binary on sheets the tests create.

mod check;
mod dossiers;
mod hostile;
mod run;
mod security;
mod simulator;
mod util;

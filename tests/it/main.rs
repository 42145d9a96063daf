//! Integration tests: the real binary on sheets the tests create.

mod check;
mod simulator;
mod util;

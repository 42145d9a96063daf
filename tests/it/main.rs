//! Integration tests: the real binary on sheets the tests create.

mod architecture;
mod browser;
mod check;
mod dossiers;
mod excel;
mod fuzz_corpus;
mod hostile;
mod library;
mod page;
mod page_loophub;
mod page_security;
mod properties;
mod reliable;
mod run;
mod security;
mod simulator;
mod util;
mod xlsb;

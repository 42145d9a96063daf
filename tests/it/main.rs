//! Integration tests: the real binary on sheets the tests create.

mod architecture;
mod browser;
mod check;
mod dossiers;
mod excel;
mod exits;
mod faults;
mod fuzz_corpus;
mod hostile;
mod library;
mod not_a_sheet;
mod only_failed;
mod page;
mod page_loophub;
mod page_security;
mod pipes;
mod print;
mod process;
mod properties;
mod reliable;
mod run;
mod security;
mod simulator;
mod util;
mod withdrawn;
mod xlsb;

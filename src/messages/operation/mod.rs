//! An operation's words for people, one table per language: what it is
//! called (the history) and what it did (the plan's counts). A new Loop
//! operation adds its line to each.

pub(super) mod en;
pub(super) mod fr;

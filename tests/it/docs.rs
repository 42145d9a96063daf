//! What the documents say of the code stays true: every test SECURITY.md
//! and ARCHITECTURE.md name exists (a renamed or removed test fails here,
//! not silently in a promise).

use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn read(p: &Path) -> Option<String> {
    std::fs::read_to_string(p).ok()
}

/// The names a document gives in backquotes that point at tests: a path
/// with `::` (`check::name`, `config::tests::name`, `web::handover::tests`),
/// a file of `tests/`, or a bare test name (three underscores or more).
fn named_tests(doc: &str) -> Vec<String> {
    let ident = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    doc.split('`')
        .skip(1)
        .step_by(2)
        .filter(|t| {
            (t.contains("::") && t.split("::").all(ident))
                || (t.starts_with("tests/") && t.ends_with(".rs"))
                || (ident(t) && t.matches('_').count() >= 3)
        })
        .map(str::to_string)
        .collect()
}

/// Whether `text` defines the function `name`.
fn defines(text: &str, name: &str) -> bool {
    text.contains(&format!("fn {name}("))
}

/// Every `.rs` file under `dir`.
fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(files(&p));
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
    out
}

fn exists(reference: &str) -> bool {
    let root = root();
    if reference.starts_with("tests/") {
        return root.join(reference).is_file();
    }
    let parts: Vec<&str> = reference.split("::").collect();
    if parts.len() == 1 {
        return [root.join("src"), root.join("tests")]
            .iter()
            .flat_map(|d| files(d))
            .any(|f| read(&f).is_some_and(|t| defines(&t, reference)));
    }
    // An integration test: `tests/it/<module>.rs`, `fn <name>`.
    if parts.len() == 2
        && let Some(text) = read(&root.join(format!("tests/it/{}.rs", parts[0])))
    {
        return defines(&text, parts[1]);
    }
    // A unit test: the module's file, its `mod tests`, and the function.
    let at = parts.iter().position(|p| *p == "tests").unwrap_or(parts.len());
    let module = parts[..at].join("/");
    let candidates = [root.join(format!("src/{module}.rs")), root.join(format!("src/{module}/mod.rs"))];
    let Some(text) = candidates.iter().find_map(|p| read(p)) else { return false };
    let Some(tests) = text.split("mod tests").nth(1) else { return false };
    parts.get(at + 1).is_none_or(|name| defines(tests, name))
}

#[test]
fn every_test_the_documents_name_exists() {
    for doc in ["SECURITY.md", "ARCHITECTURE.md"] {
        let text = read(&root().join(doc)).unwrap();
        let named = named_tests(&text);
        assert!(named.len() > 5, "{doc} names its tests: {named:?}");
        let missing: Vec<&String> = named.iter().filter(|r| !exists(r)).collect();
        assert!(missing.is_empty(), "{doc} names tests that do not exist: {missing:?}");
    }
}

#[test]
fn a_missing_test_is_seen() {
    assert!(exists("check::json_summary_and_english"));
    assert!(exists("report::tests::formula_guard_round_trips"));
    assert!(exists("web::handover::tests"));
    assert!(!exists("check::a_test_that_was_never_written"));
    assert!(!exists("report::tests::a_test_that_was_never_written"));
    assert!(!exists("a_test_that_was_never_written"));
    assert_eq!(named_tests("`a::b` and `not a test` and `x_y` and `tests/it/run.rs`"), ["a::b", "tests/it/run.rs"]);
}

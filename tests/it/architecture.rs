//! The shape of the code, checked on its text: no import cycle among the
//! files of `src/`, stages importing only earlier stages, the engine never
//! importing the simulator, clap only at the command line, and files and
//! functions short enough to read. The graph is built from every `crate::`
//! and `super::` path, `use` groups and paths inside expressions alike.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// Every `.rs` file under `src/`, by its module path (`["execute", "client"]`),
/// with its code (its own tests left out).
fn modules() -> BTreeMap<Vec<String>, String> {
    sources()
        .into_iter()
        .map(|(m, text)| {
            // A file's own tests (`mod tests { use super::*; }`) are not part
            // of its imports.
            let code = text.split("#[cfg(test)]\nmod tests").next().unwrap_or_default().to_string();
            (m, code)
        })
        .collect()
}

/// Every `.rs` file under `src/` and its whole text.
fn sources() -> BTreeMap<Vec<String>, String> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
    }
    let mut files = Vec::new();
    walk(&src(), &mut files);
    files
        .into_iter()
        .filter(|p| p.file_name().is_some_and(|n| n != "main.rs"))
        .map(|p| {
            let rel = p.strip_prefix(src()).unwrap().with_extension("");
            let mut parts: Vec<String> = rel.iter().map(|s| s.to_string_lossy().into_owned()).collect();
            if matches!(parts.last().map(String::as_str), Some("mod" | "lib")) {
                parts.pop();
            }
            (parts, std::fs::read_to_string(&p).unwrap())
        })
        .collect()
}

fn name(module: &[String]) -> String {
    if module.is_empty() { "lib".into() } else { module.join("::") }
}

/// Paths written after `crate::` / `super::` (groups expanded), each with
/// the module it starts from.
fn paths_in(module: &[String], text: &str) -> Vec<Vec<String>> {
    let bytes: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let starts_word = i == 0 || !(bytes[i - 1].is_alphanumeric() || bytes[i - 1] == '_');
        let rest: String = bytes[i..bytes.len().min(i + 7)].iter().collect();
        let (mut base, skip) = if starts_word && rest.starts_with("crate::") {
            (Vec::new(), 7)
        } else if starts_word && rest.starts_with("super::") {
            (module[..module.len().saturating_sub(1)].to_vec(), 7)
        } else {
            i += 1;
            continue;
        };
        i += skip;
        while bytes[i..].iter().collect::<String>().starts_with("super::") {
            base.pop();
            i += 7;
        }
        let (paths, end) = tree(&bytes, i);
        for p in paths {
            out.push([base.clone(), p].concat());
        }
        i = end.max(i + 1);
    }
    out
}

/// Parses `a::b::{c, d::{e}}` at `i`: the paths it names, and where it ends.
fn tree(s: &[char], mut i: usize) -> (Vec<Vec<String>>, usize) {
    let mut prefix = Vec::new();
    if s.get(i) == Some(&'{') {
        return group(s, i, &prefix);
    }
    loop {
        let start = i;
        while i < s.len() && (s[i].is_alphanumeric() || s[i] == '_') {
            i += 1;
        }
        if i > start {
            prefix.push(s[start..i].iter().collect::<String>());
        }
        if s[i..].iter().take(2).collect::<String>() == "::" {
            i += 2;
            if s.get(i) == Some(&'{') {
                return group(s, i, &prefix);
            }
            continue;
        }
        return (vec![prefix], i);
    }
}

/// Parses `{c, d::{e}}` at `i`, each item under `prefix`.
fn group(s: &[char], mut i: usize, prefix: &[String]) -> (Vec<Vec<String>>, usize) {
    let mut all = Vec::new();
    i += 1;
    loop {
        while i < s.len() && (s[i].is_whitespace() || s[i] == ',') {
            i += 1;
        }
        if i >= s.len() || s[i] == '}' {
            break;
        }
        let (inner, end) = tree(s, i);
        all.extend(inner.into_iter().map(|p| [prefix.to_vec(), p].concat()));
        // Skip `as x` and anything else up to the next item.
        i = end;
        while i < s.len() && s[i] != ',' && s[i] != '}' {
            i += 1;
        }
    }
    (if all.is_empty() { vec![prefix.to_vec()] } else { all }, i + 1)
}

/// The file a path lands in: its longest prefix that is a module.
fn resolve(path: &[String], known: &BTreeSet<Vec<String>>) -> Vec<String> {
    (0..=path.len()).rev().map(|n| path[..n].to_vec()).find(|p| known.contains(p)).unwrap_or_default()
}

fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let mods = modules();
    let known: BTreeSet<Vec<String>> = mods.keys().cloned().collect();
    mods.iter()
        .map(|(m, text)| {
            let to: BTreeSet<String> = paths_in(m, text)
                .iter()
                .map(|p| resolve(p, &known))
                .filter(|target| target != m)
                .map(|t| name(&t))
                .collect();
            (name(m), to)
        })
        .collect()
}

/// The cycles of the graph (one path per strongly connected group).
fn cycles(g: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    fn reach(g: &BTreeMap<String, BTreeSet<String>>, from: &str, to: &str) -> Option<Vec<String>> {
        let mut seen = BTreeSet::new();
        let mut stack = vec![vec![from.to_string()]];
        while let Some(path) = stack.pop() {
            let last = path.last().unwrap().clone();
            for next in g.get(&last).into_iter().flatten() {
                if next == to {
                    return Some([path.clone(), vec![to.to_string()]].concat());
                }
                if seen.insert(next.clone()) {
                    stack.push([path.clone(), vec![next.clone()]].concat());
                }
            }
        }
        None
    }
    let mut found: Vec<Vec<String>> = Vec::new();
    for node in g.keys() {
        if found.iter().any(|c| c.contains(node)) {
            continue;
        }
        if let Some(c) = reach(g, node, node) {
            found.push(c);
        }
    }
    found
}

#[test]
fn the_parser_sees_groups_inline_paths_and_super() {
    let m = vec!["execute".to_string(), "client".to_string()];
    let text =
        "use crate::{a::B, c::{d, e::F as G}};\nlet x = crate::simulator::MSG_X.len(); use super::{journal, Shared};";
    let paths: Vec<String> = paths_in(&m, text).iter().map(|p| p.join("::")).collect();
    assert_eq!(paths, ["a::B", "c::d", "c::e::F", "simulator::MSG_X", "execute::journal", "execute::Shared"]);
    let mut g = BTreeMap::new();
    g.insert("a".to_string(), BTreeSet::from(["b".to_string()]));
    g.insert("b".to_string(), BTreeSet::from(["a".to_string()]));
    assert_eq!(cycles(&g).len(), 1, "a cycle is seen");
}

#[test]
fn no_import_cycle_among_the_files_of_src() {
    let g = graph();
    let found = cycles(&g);
    assert!(found.is_empty(), "import cycles: {:?}", found.iter().map(|c| c.join(" -> ")).collect::<Vec<_>>());
}

/// The pipeline's stages in order; the library layer and the front ends
/// after them. A module may import only modules of its rank or below
/// (shared leaves have rank 0).
fn rank(module: &str) -> u8 {
    let top = module.split("::").next().unwrap_or_default();
    match top {
        "read" => 1,
        "rows" => 2,
        "validate" => 3,
        "plan" | "pipeline" => 4,
        "execute" => 5,
        "report" | "templates" => 6,
        "job" => 7,
        "commands" | "cli" | "cli_en" | "lib" | "web" => 8,
        // The simulator and the fuzz targets stand apart (checked below).
        "simulator" | "fuzzing" => 9,
        _ => 0,
    }
}

#[test]
fn stages_import_only_earlier_stages_and_the_engine_never_the_simulator() {
    let g = graph();
    let mut wrong = Vec::new();
    for (from, tos) in &g {
        for to in tos {
            // The simulator stands apart: the library (its demo) and the
            // front ends may start it; it uses the reader and shared leaves.
            let simulator_used = rank(to) == 9 && rank(from) >= 7;
            let backwards = rank(to) > rank(from) && rank(from) != 9 && !simulator_used;
            let simulator_in_engine = to.starts_with("simulator") && (1..=6).contains(&rank(from));
            let simulator_leans = from.starts_with("simulator") && (2..=8).contains(&rank(to));
            if backwards || simulator_in_engine || simulator_leans {
                wrong.push(format!("{from} -> {to}"));
            }
        }
    }
    assert!(wrong.is_empty(), "imports against the pipeline's order: {wrong:?}");
}

#[test]
fn clap_lives_at_the_command_line_only() {
    for (m, text) in modules() {
        let front = matches!(m.first().map(String::as_str), None | Some("cli" | "cli_en" | "commands"));
        assert!(front || !text.contains("clap::") && !text.contains("clap::ValueEnum"), "{} uses clap", name(&m));
    }
}

#[test]
fn files_and_functions_fit_on_a_screen() {
    for (m, text) in sources() {
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines.len() <= 600, "{} has {} lines (600 at most)", name(&m), lines.len());
        for (i, line) in lines.iter().enumerate() {
            let t = line.trim_start();
            let head = t
                .trim_start_matches("pub(crate) ")
                .trim_start_matches("pub(super) ")
                .trim_start_matches("pub ")
                .trim_start_matches("async ")
                .trim_start_matches("const ");
            if !head.starts_with("fn ") || line.trim_end().ends_with(';') {
                continue;
            }
            let indent = &line[..line.len() - t.len()];
            let end = lines[i..].iter().position(|l| *l == format!("{indent}}}")).map_or(0, |n| n + 1);
            assert!(end <= 100, "{} line {}: a function of {end} lines (100 at most)", name(&m), i + 1);
        }
    }
}

#[test]
fn a_command_never_calls_another_commands_module() {
    let commands = ["check", "dossiers", "run", "simulate", "template"];
    let is_command = |m: &str| m.strip_prefix("commands::").is_some_and(|c| commands.contains(&c));
    let wrong: Vec<String> = graph()
        .iter()
        .flat_map(|(from, tos)| tos.iter().map(move |to| (from.clone(), to.clone())))
        .filter(|(from, to)| is_command(from) && is_command(to))
        .map(|(from, to)| format!("{from} -> {to}"))
        .collect();
    assert!(wrong.is_empty(), "shared front-end code goes to its own module: {wrong:?}");
}

#[test]
fn the_page_goes_through_the_library_only() {
    let g = graph();
    let wrong: Vec<String> = g
        .iter()
        .filter(|(from, _)| from.starts_with("web"))
        .flat_map(|(from, tos)| tos.iter().map(move |to| (from, to)))
        // `messages`: the catalogue the page puts its words from.
        .filter(|(_, to)| !(to.starts_with("web") || to.starts_with("job") || to.starts_with("messages")))
        .map(|(from, to)| format!("{from} -> {to}"))
        .collect();
    assert!(wrong.is_empty(), "the page reaches past job: {wrong:?}");
}

#[test]
fn the_public_surface_is_job_simulator_and_a_hidden_fuzzing() {
    let lib = std::fs::read_to_string(src().join("lib.rs")).unwrap();
    let public: Vec<&str> =
        lib.lines().filter_map(|l| l.strip_prefix("pub mod ")).map(|l| l.trim_end_matches(';')).collect();
    assert_eq!(public, ["fuzzing", "job", "simulator"], "every other module is pub(crate)");
    assert!(lib.contains("#[doc(hidden)]\npub mod fuzzing;"), "fuzzing is hidden from the docs");
    let cargo = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml")).unwrap();
    assert!(cargo.contains("[lints.rust]\n") && cargo.contains("unreachable_pub = \"warn\""), "the compiler keeps it");
}

#[test]
fn no_sentence_is_assembled_from_fragments_beside_its_use() {
    // Issue 20: every sentence whole in the catalogue (`messages`), never
    // `lang.t(fr, en)` pieces joined where it is said.
    for (m, text) in sources() {
        let compact: String = text.split_whitespace().collect();
        assert!(
            !compact.contains(".t(\"") && !compact.contains("fnt<'a>(self,fr:"),
            "{}: a `.t(fr, en)` fragment; put the sentence in the catalogue",
            name(&m)
        );
    }
}

//! Replays the committed fuzz corpus (and every crash found, kept there as a
//! regression) through the fuzz targets' entry points, as an ordinary test.

use std::path::Path;

fn replay(target: &str, run: &dyn Fn(&[u8])) -> usize {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus").join(target);
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())).flatten() {
        let data = std::fs::read(entry.path()).unwrap();
        run(&data);
        n += 1;
    }
    n
}

#[test]
fn fuzz_corpus_replays_without_a_panic() {
    assert!(replay("read_csv", &|d| loopbatch::fuzzing::sheet(d, "csv")) >= 5);
    assert!(replay("read_xlsx", &|d| loopbatch::fuzzing::sheet(d, "xlsx")) >= 2);
    assert!(replay("values", &loopbatch::fuzzing::values) >= 5);
    assert!(replay("answer", &loopbatch::fuzzing::answer) >= 5);
}

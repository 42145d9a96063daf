//! Test harness: a temp folder, sheets written the way cabinets write them,
//! the real binary run with a clean environment, and results read back.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use assert_cmd::Command;

pub(crate) struct Work {
    pub dir: tempfile::TempDir,
}

impl Work {
    pub(crate) fn new() -> Work {
        Work { dir: tempfile::tempdir().expect("temp dir") }
    }

    pub(crate) fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// The binary, run inside the temp folder with no LOOP_* variables and
    /// per-user folders of its own (`home`).
    pub(crate) fn bin(&self) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_loopbatch"));
        c.current_dir(self.dir.path());
        for (k, _) in std::env::vars() {
            if k.starts_with("LOOP") {
                c.env_remove(k);
            }
        }
        c.envs(home_vars(&self.home()));
        c
    }

    /// The per-user folders' root of the binaries this test runs.
    pub(crate) fn home(&self) -> PathBuf {
        self.path(".home")
    }

    /// A CSV as French Excel writes it: Windows-1252, `;`, CRLF.
    pub(crate) fn csv_1252(&self, name: &str, lines: &[&str]) -> PathBuf {
        let text = lines.join("\r\n") + "\r\n";
        let (bytes, _, unmappable) = encoding_rs::WINDOWS_1252.encode(&text);
        assert!(!unmappable, "test text must fit Windows-1252");
        let p = self.path(name);
        std::fs::write(&p, &bytes).unwrap();
        p
    }

    pub(crate) fn file(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let p = self.path(name);
        std::fs::write(&p, bytes).unwrap();
        p
    }
}

/// HOME and every per-user folder (configuration, data, cache; Windows'
/// too) inside `home`: a spawned binary never reads nor writes the
/// developer's own keys and settings.
pub(crate) fn home_vars(home: &Path) -> [(&'static str, PathBuf); 6] {
    [
        ("HOME", home.to_path_buf()),
        ("XDG_CONFIG_HOME", home.join(".config")),
        ("XDG_DATA_HOME", home.join(".local/share")),
        ("XDG_CACHE_HOME", home.join(".cache")),
        ("APPDATA", home.join("AppData/Roaming")),
        ("LOCALAPPDATA", home.join("AppData/Local")),
    ]
}

/// A spawned binary made hermetic: its own home and per-user folders, and
/// none of the developer's LOOP*/LOOPBATCH* variables (keys, language,
/// address), which a test sets itself when it needs one (after this call).
pub(crate) trait Hermetic {
    fn hermetic(&mut self, home: &Path) -> &mut Self;
}

impl Hermetic for std::process::Command {
    fn hermetic(&mut self, home: &Path) -> &mut Self {
        for (k, _) in std::env::vars().filter(|(k, _)| k.starts_with("LOOP")) {
            self.env_remove(k);
        }
        self.envs(home_vars(home))
    }
}

/// A cell for `xlsx`: text or number, as a user would have typed it.
#[derive(Clone)]
pub(crate) enum X {
    T(&'static str),
    N(f64),
}

/// An XLSX with one sheet per entry; each sheet is a list of rows.
pub(crate) fn xlsx(path: &Path, sheets: &[(&str, Vec<Vec<X>>)]) {
    let mut book = rust_xlsxwriter::Workbook::new();
    for (name, rows) in sheets {
        let s = book.add_worksheet();
        s.set_name(*name).unwrap();
        for (r, row) in rows.iter().enumerate() {
            for (c, cell) in row.iter().enumerate() {
                match cell {
                    X::T("") => {}
                    X::T(t) => {
                        s.write_string(r as u32, c as u16, *t).unwrap();
                    }
                    X::N(n) => {
                        s.write_number(r as u32, c as u16, *n).unwrap();
                    }
                }
            }
        }
    }
    book.save(path).unwrap();
}

/// A minimal ODS spreadsheet (what LibreOffice saves), one sheet, text cells.
pub(crate) fn ods(path: &Path, sheet: &str, rows: &[Vec<&str>]) {
    let mut table = String::new();
    for row in rows {
        table.push_str("<table:table-row>");
        for cell in row {
            if cell.is_empty() {
                table.push_str("<table:table-cell/>");
            } else {
                table.push_str(&format!(
                    "<table:table-cell office:value-type=\"string\"><text:p>{}</text:p></table:table-cell>",
                    cell.replace('&', "&amp;").replace('<', "&lt;")
                ));
            }
        }
        table.push_str("</table:table-row>");
    }
    let content = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2"><office:body><office:spreadsheet><table:table table:name="{sheet}">{table}</table:table></office:spreadsheet></office:body></office:document-content>"#
    );
    let manifest = r#"<?xml version="1.0" encoding="UTF-8"?>
<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2"><manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>"#;
    let f = std::fs::File::create(path).unwrap();
    let mut z = zip::ZipWriter::new(f);
    let stored = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    z.start_file("mimetype", stored).unwrap();
    z.write_all(b"application/vnd.oasis.opendocument.spreadsheet").unwrap();
    z.start_file("content.xml", stored).unwrap();
    z.write_all(content.as_bytes()).unwrap();
    z.start_file("META-INF/manifest.xml", stored).unwrap();
    z.write_all(manifest.as_bytes()).unwrap();
    z.finish().unwrap();
}

/// One results line: column name -> value.
pub(crate) type Line = HashMap<String, String>;

/// Reads a results CSV: checks the BOM and `;`; cells stay as written (the
/// formula guard kept).
pub(crate) fn results_csv(path: &Path) -> Vec<Line> {
    let bytes = std::fs::read(path).unwrap();
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "results CSV must start with a UTF-8 BOM");
    let mut r = csv::ReaderBuilder::new().delimiter(b';').from_reader(&bytes[3..]);
    let headers = r.headers().unwrap().clone();
    r.records()
        .map(|rec| {
            let rec = rec.unwrap();
            headers.iter().zip(rec.iter()).map(|(h, v)| (h.to_string(), v.to_string())).collect()
        })
        .collect()
}

/// Reads the first sheet of a results XLSX.
pub(crate) fn results_xlsx(path: &Path) -> Vec<Line> {
    use calamine::{Data, Reader};
    let mut book: calamine::Xlsx<_> = calamine::open_workbook(path).unwrap();
    let name = book.sheet_names()[0].clone();
    let range = book.worksheet_range(&name).unwrap();
    let mut rows = range.rows();
    let headers: Vec<String> = rows.next().unwrap().iter().map(|c| c.to_string()).collect();
    rows.map(|r| {
        headers
            .iter()
            .zip(r.iter())
            .map(|(h, c)| {
                let v = match c {
                    Data::Float(f) if f.fract() == 0.0 => format!("{}", *f as i64),
                    other => other.to_string(),
                };
                (h.clone(), v)
            })
            .collect()
    })
    .collect()
}

/// The names of the files inside a zip (xlsx) and one entry's text.
pub(crate) fn zip_entry(path: &Path, name: &str) -> String {
    let f = std::fs::File::open(path).unwrap();
    let mut z = zip::ZipArchive::new(f).unwrap();
    let mut e = z.by_name(name).unwrap();
    let mut s = String::new();
    std::io::Read::read_to_string(&mut e, &mut s).unwrap();
    s
}

/// An in-process simulator on 127.0.0.1, with its own runtime.
pub(crate) struct TestSim {
    pub rt: tokio::runtime::Runtime,
    pub handle: Option<loopbatch::simulator::Handle>,
    pub base_url: String,
    pub root: String,
}

impl TestSim {
    pub(crate) fn start(opts: loopbatch::simulator::Options) -> TestSim {
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        let handle = rt.block_on(loopbatch::simulator::start(opts, 0)).unwrap();
        let base_url = handle.base_url.clone();
        let root = format!("http://{}", handle.addr);
        TestSim { rt, handle: Some(handle), base_url, root }
    }

    pub(crate) fn stats(&self) -> serde_json::Value {
        self.rt.block_on(async { reqwest::get(format!("{}/__stats", self.root)).await.unwrap().json().await.unwrap() })
    }

    pub(crate) fn state(&self) -> serde_json::Value {
        self.rt.block_on(async { reqwest::get(format!("{}/__state", self.root)).await.unwrap().json().await.unwrap() })
    }

    /// One POST with the demo secrets (or those given); returns status,
    /// headers and body text.
    pub(crate) fn post(
        &self,
        route: &str,
        body: serde_json::Value,
        keys: Option<(&str, &str)>,
    ) -> (u16, reqwest::header::HeaderMap, String) {
        let (sub, api) =
            keys.unwrap_or((loopbatch::simulator::DEMO_SUBSCRIPTION_KEY, loopbatch::simulator::DEMO_API_KEY));
        let url = format!("{}{route}", self.base_url);
        self.rt.block_on(async {
            let r = reqwest::Client::new()
                .post(url)
                .header("Ocp-Apim-Subscription-Key", sub)
                .header("x-apikey", api)
                .json(&body)
                .send()
                .await
                .unwrap();
            let status = r.status().as_u16();
            let headers = r.headers().clone();
            (status, headers, r.text().await.unwrap())
        })
    }
}

impl Drop for TestSim {
    fn drop(&mut self) {
        if let Some(h) = self.handle.take() {
            self.rt.block_on(h.stop());
        }
    }
}

/// A model with `n` dossiers `D001…`, operational or not, no offers.
pub(crate) fn model(codes: &[(&str, bool)]) -> loopbatch::simulator::Model {
    let mut m = loopbatch::simulator::Model::default();
    for (code, operational) in codes {
        m.dossiers.insert(
            code.to_string(),
            loopbatch::simulator::Dossier {
                object_id: format!("id-{code}"),
                code: code.to_string(),
                raison_sociale: format!("Société {code}"),
                nom_usuel: String::new(),
                statut: if *operational { "Opérationnel" } else { "A préparer" }.into(),
                maitre_dossier: "claire.masson@cabinet-exemple.fr".into(),
                engagement_manager: "olivier.renaud@cabinet-exemple.fr".into(),
                offers: Default::default(),
            },
        );
    }
    m
}

impl Work {
    /// The binary pointed at a simulator, with the demo secrets.
    pub(crate) fn bin_for(&self, sim: &TestSim) -> Command {
        let mut c = self.bin();
        c.env("LOOP_BASE_URL", &sim.base_url)
            .env("LOOP_SUBSCRIPTION_KEY", loopbatch::simulator::DEMO_SUBSCRIPTION_KEY)
            .env("LOOP_API_KEY", loopbatch::simulator::DEMO_API_KEY);
        c
    }
}

/// `loopbatch simulate` as a child process: waits for its
/// `listening on 127.0.0.1:PORT` line and returns the child and the port.
/// `configure` sets its folder and environment (LOOP_* are removed first).
pub(crate) fn spawn_simulate(
    args: &[&str],
    configure: impl FnOnce(&mut std::process::Command),
) -> (std::process::Child, u16) {
    use std::io::{BufRead, BufReader};
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_loopbatch"));
    cmd.arg("simulate")
        .args(args)
        .hermetic(&Path::new(env!("CARGO_TARGET_TMPDIR")).join("home-simulate"))
        .env_remove("LOOP_SUBSCRIPTION_KEY")
        .env_remove("LOOP_API_KEY")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null());
    configure(&mut cmd);
    let mut child = cmd.spawn().unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    assert!(line.starts_with("listening on 127.0.0.1:"), "{line}");
    let port = line.trim().rsplit(':').next().unwrap().parse().unwrap();
    (child, port)
}

/// Where the binaries `w` runs keep their registre (the per-user local
/// data folder of their own home).
pub(crate) fn registre_path(w: &Work) -> PathBuf {
    w.home().join(".local/share/loopbatch/registre.sqlite3")
}

/// The attempt events (call, attempt, event) of the last run of `results`
/// in `w`'s registre; `None` when it holds no run for them.
pub(crate) fn registre_events(w: &Work, results: &Path) -> Option<Vec<(u32, u32, String)>> {
    let reg = loopbatch::job::Registre::open(&registre_path(w), loopbatch::job::Lang::Fr).unwrap();
    let run = reg.run_for(results).unwrap()?;
    Some(reg.events(run.id).unwrap())
}

/// `w`'s registre wiped, as a profile erased at logoff: every run it knew
/// is forgotten.
pub(crate) fn wipe_registre(w: &Work) {
    let path = registre_path(w);
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
}

/// The calls of one operation the simulator received, every answer counted.
pub(crate) fn received(sim: &TestSim, op: loopbatch::simulator::Operation) -> u64 {
    let route = loopbatch::simulator::Routes::default().of(op).to_string();
    sim.stats()["calls"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(r, _)| r.ends_with(&route))
        .flat_map(|(_, by)| by.as_object().unwrap().values())
        .map(|n| n.as_u64().unwrap())
        .sum()
}

/// Every call the simulator received.
pub(crate) fn total(sim: &TestSim) -> u64 {
    sim.stats()["total"].as_u64().unwrap_or(0)
}

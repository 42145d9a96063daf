//! Secrets never leak; results cannot run formulas; hostile values survive.

use std::io::Read;
use std::path::Path;

use loopbatch::simulator::Secret;
use loopbatch::simulator::{self, Options};

use crate::util::{TestSim, Work, model, results_csv};

const SUB: &str = "SUBKEY-7c1e9a-DISTINCT";
const KEY_ID: &str = "KEYID-5f3b";
const SECRET: &str = "SECRET-9d2e-DISTINCT";

fn api_key() -> String {
    format!("{KEY_ID}:{SECRET}")
}

/// Every readable byte under `dir`, XLSX entries decompressed.
fn everything_written(dir: &Path) -> String {
    let mut all = String::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
                continue;
            }
            let bytes = std::fs::read(&p).unwrap_or_default();
            if bytes.starts_with(b"PK")
                && let Ok(mut z) = zip::ZipArchive::new(std::io::Cursor::new(bytes.clone()))
            {
                for i in 0..z.len() {
                    let mut s = Vec::new();
                    let _ = z.by_index(i).unwrap().read_to_end(&mut s);
                    all.push_str(&String::from_utf8_lossy(&s));
                }
            }
            all.push_str(&String::from_utf8_lossy(&bytes));
        }
    }
    all
}

fn assert_clean(what: &str, text: &str) {
    assert!(!text.contains(SUB), "{what}: subscription key leaked");
    assert!(!text.contains(SECRET), "{what}: API secret leaked");
    assert!(!text.contains(&api_key()), "{what}: whole x-apikey leaked");
    assert!(!text.contains(KEY_ID), "{what}: key id shown unmasked");
}

#[test]
fn no_command_writes_a_secret_anywhere() {
    let mut m = model(&[("S1", false), ("S2", false)]);
    m.uninvited_domains.insert("pas-invite.fr".into());
    let sim = TestSim::start(Options {
        model: m,
        subscription_key: Secret::new(SUB),
        api_key: Secret::new(api_key()),
        ..Default::default()
    });
    let w = Work::new();
    w.csv_1252(
        "s.csv",
        &["code_dossier;email;nom;prenom;offre", "S1;a@ok.fr;A;A;start", "S2;b@pas-invite.fr;B;B;start", "S3;;;;start"],
    );
    let mut outputs = String::new();
    let mut run = |args: &[&str], keys: (&str, &str)| {
        let out = w
            .bin()
            .env("LOOP_BASE_URL", &sim.base_url)
            .env("LOOP_SUBSCRIPTION_KEY", keys.0)
            .env("LOOP_API_KEY", keys.1)
            .env("RUST_LOG", "trace")
            .args(args)
            .output()
            .unwrap();
        outputs.push_str(&String::from_utf8_lossy(&out.stdout));
        outputs.push_str(&String::from_utf8_lossy(&out.stderr));
        out.status.code()
    };
    let key = api_key();
    let good = (SUB, key.as_str());
    assert_eq!(
        run(&["check", "s.csv", "--results", "c.xlsx", "--online", "--domain", "CAB", "--format", "json"], good),
        Some(1)
    );
    assert_eq!(run(&["plan", "s.csv", "--out", "p.json"], good), Some(0));
    assert_eq!(run(&["run", "s.csv", "--results", "r.csv", "--rate", "100/s"], good), Some(1));
    assert_eq!(run(&["run", "p.json", "--results", "r2.xlsx", "--rate", "100/s", "--format", "json"], good), Some(1));
    assert_eq!(run(&["dossiers", "--domain", "CAB", "--results", "d.xlsx"], good), Some(0));
    assert_eq!(run(&["dossiers", "--domain", "CAB"], good), Some(0));
    assert_eq!(run(&["demo", "--quiet"], good), Some(0));
    // Wrong keys: the message says which key, never its value.
    let wrong = format!("{KEY_ID}:{SECRET}-WRONG");
    assert_eq!(run(&["run", "s.csv", "--results", "w.csv"], (SUB, wrong.as_str())), Some(3));
    assert_eq!(run(&["run", "s.csv", "--results", "w2.csv"], (&format!("{SUB}-WRONG"), key.as_str())), Some(3));
    assert_eq!(run(&["run", "s.csv", "--results", "w3.csv"], (SUB, SECRET)), Some(2), "malformed API key");
    assert!(outputs.contains("LOOP_API_KEY") && outputs.contains("LOOP_SUBSCRIPTION_KEY"));
    assert!(outputs.contains("KE***3b"), "the key id appears masked");
    assert_clean("stdout/stderr", &outputs);
    assert_clean("files", &everything_written(w.dir.path()));
    let state_and_stats = format!("{}{}", sim.state(), sim.stats());
    assert_clean("simulator admin routes", &state_and_stats);
}

#[test]
fn simulate_logs_hold_no_secret() {
    let (mut child, port) = crate::util::spawn_simulate(&["--port", "0", "--generate", "3"], |c| {
        c.env("LOOP_SUBSCRIPTION_KEY", SUB)
            .env("LOOP_API_KEY", api_key())
            .env("RUST_LOG", "trace")
            .stderr(std::process::Stdio::piped());
    });
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let c = reqwest::Client::new();
        for (sub, api) in [(SUB, api_key()), ("faux", api_key()), (SUB, "x:y".to_string())] {
            let _ = c
                .post(format!("http://127.0.0.1:{port}/loop-api-publiques/companyProvisioning/provisionCompany"))
                .header("Ocp-Apim-Subscription-Key", sub)
                .header("x-apikey", api)
                .body(r#"{"codeDossier":"SIM00001"}"#)
                .send()
                .await;
        }
    });
    let _ = child.kill();
    let mut err = String::new();
    let _ = child.stderr.take().unwrap().read_to_string(&mut err);
    let _ = child.wait();
    assert!(err.contains("provisionCompany"), "one log line per request: {err}");
    assert_clean("simulator log", &err);
}

#[test]
fn key_files_readable_by_others_are_warned() {
    let sim = TestSim::start(Options { model: model(&[("K1", false)]), ..Default::default() });
    let w = Work::new();
    w.csv_1252("k.csv", &["action;code_dossier", "provisionner;K1"]);
    std::fs::write(w.path("sub.key"), simulator::DEMO_SUBSCRIPTION_KEY).unwrap();
    std::fs::write(w.path("api.key"), simulator::DEMO_API_KEY).unwrap();
    std::fs::write(w.path("loopbatch.toml"), "subscription_key_file = \"sub.key\"\napi_key_file = \"api.key\"\n")
        .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(w.path("sub.key"), std::fs::Permissions::from_mode(0o644)).unwrap();
        std::fs::set_permissions(w.path("api.key"), std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    let out = w.bin().env("LOOP_BASE_URL", &sim.base_url).args(["run", "k.csv", "--results", "r.csv"]).assert().code(0);
    let err = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    #[cfg(unix)]
    {
        assert!(err.contains("sub.key") && err.contains("lisible par d'autres"), "{err}");
        assert!(!err.contains("api.key"), "a 600 key file gets no warning: {err}");
    }
    assert!(!err.contains(simulator::DEMO_SUBSCRIPTION_KEY));
    assert_eq!(results_csv(&w.path("r.csv"))[0]["statut"], "OK");
}

#[test]
fn values_from_api_answers_cannot_run_as_formulas() {
    let mut m = model(&[("F1", true)]);
    let d = m.dossiers.get_mut("F1").unwrap();
    d.raison_sociale = "=HYPERLINK(\"http://evil\",\"x\")".into();
    d.nom_usuel = "@SUM(1+1)".into();
    d.maitre_dossier = "+33 6 12 34 56 78".into();
    let sim = TestSim::start(Options { model: m, ..Default::default() });
    let w = Work::new();
    w.bin_for(&sim).args(["dossiers", "--domain", "C", "--results", "d.csv"]).assert().code(0);
    let raw = String::from_utf8(std::fs::read(w.path("d.csv")).unwrap()).unwrap();
    assert!(raw.contains("'=HYPERLINK") && raw.contains("'@SUM") && raw.contains("'+33"), "{raw}");
    w.bin_for(&sim).args(["dossiers", "--domain", "C", "--results", "d.xlsx"]).assert().code(0);
    let sheet = crate::util::zip_entry(&w.path("d.xlsx"), "xl/worksheets/sheet1.xml");
    assert!(!sheet.contains("<f>"), "no formula in the export");
    let l = crate::util::results_xlsx(&w.path("d.xlsx"));
    assert_eq!(l[0]["raison_sociale"], "=HYPERLINK(\"http://evil\",\"x\")", "kept exactly");
}

#[test]
fn a_plus_33_phone_survives_the_csv_round_trip() {
    let sim = TestSim::start(Options { model: model(&[("P1", false)]), ..Default::default() });
    let w = Work::new();
    w.csv_1252("p.csv", &["code_dossier;email;nom;telephone;offre", "P1;p@ok.fr;P;+33 6 12 34 56 78;start"]);
    w.bin_for(&sim).args(["run", "p.csv", "--results", "r1.csv"]).assert().code(0);
    assert!(String::from_utf8(std::fs::read(w.path("r1.csv")).unwrap()).unwrap().contains("'+33 6 12 34 56 78"));
    // Read back by --only-failed: the guarded value matches the sheet's, so
    // the row is recognised as done and nothing is sent.
    let before = sim.stats()["total"].as_u64().unwrap();
    w.bin_for(&sim).args(["run", "p.csv", "--results", "r2.csv", "--only-failed", "r1.csv"]).assert().code(0);
    assert_eq!(sim.stats()["total"].as_u64().unwrap(), before);
    let r2 = results_csv(&w.path("r2.csv"));
    assert_eq!(r2[0]["statut"], "OK");
    assert_eq!(r2[0]["telephone"], "'+33 6 12 34 56 78", "guarded again when written again");
}

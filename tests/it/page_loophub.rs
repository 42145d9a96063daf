//! The page's templates, LoopHub portfolio export and online check: the
//! same files and counts as `loopbatch template`, `dossiers` and
//! `check --online`, against the in-process simulator.

use crate::page::{Page, attr, client, open, post_sheet, sim_keys, start};
use crate::util::{Work, results_xlsx};

fn get(p: &Page, cookie: &str, path: &str) -> reqwest::blocking::Response {
    client().get(format!("{}{path}", p.base)).header("cookie", cookie).send().unwrap()
}

fn post(p: &Page, cookie: &str, path: &str, form: &[(&str, &str)]) -> reqwest::blocking::Response {
    client()
        .post(format!("{}{path}", p.base))
        .header("cookie", cookie)
        .header("origin", &p.base)
        .form(form)
        .send()
        .unwrap()
}

/// Every cell of a workbook's first sheet, as text.
fn cells(path: &std::path::Path) -> Vec<Vec<String>> {
    use calamine::Reader;
    let mut book: calamine::Xlsx<_> = calamine::open_workbook(path).unwrap();
    let range = book.worksheet_range_at(0).unwrap().unwrap();
    range.rows().map(|r| r.iter().map(|c| c.to_string()).collect()).collect()
}

#[test]
fn templates_come_as_the_cli_writes_them_and_only_by_their_names() {
    let w = Work::new();
    let p = start(&w, &[]);
    let cookie = open(&p);
    w.bin().args(["template", "--out", "modeles"]).assert().code(0);
    for name in loopbatch::job::TEMPLATE_FILES {
        let r = get(&p, &cookie, &format!("/modeles/{name}"));
        assert_eq!(r.status(), 200, "{name}");
        assert!(r.headers()["content-disposition"].to_str().unwrap().contains(name));
        let bytes = r.bytes().unwrap();
        let cli = w.path(&format!("modeles/{name}"));
        if name.ends_with(".csv") {
            assert_eq!(bytes.as_ref(), std::fs::read(&cli).unwrap(), "{name}");
        } else {
            std::fs::write(w.path("page.xlsx"), &bytes).unwrap();
            assert_eq!(cells(&w.path("page.xlsx")), cells(&cli), "{name}");
        }
    }
    let home = get(&p, &cookie, "/").text().unwrap();
    assert!(home.contains("data-testid=\"template-onboarding\""));
    for other in ["loopbatch.toml", "..%2F..%2Floopbatch.toml", "modele-onboarding.json", "modele-onboarding"] {
        assert_eq!(get(&p, &cookie, &format!("/modeles/{other}")).status(), 404, "{other}");
    }
}

#[test]
fn the_portfolio_and_the_online_check_in_the_page_are_the_clis() {
    let (sim, _) = crate::dossiers::portfolio(4);
    let w = Work::new();
    std::fs::write(w.path("loopbatch.toml"), "domain = \"CABINET\"\n").unwrap();
    let p = start(&w, &sim_keys(&sim));
    let cookie = open(&p);
    // The portfolio, filtered as `dossiers --maitre` filters it.
    let maitre = "Sophie.Blanc@cabinet-exemple.fr";
    let r = post(&p, &cookie, "/portefeuille", &[("maitre", maitre), ("recherche", ""), ("manager", "")]);
    assert_eq!(r.status(), 200);
    std::fs::write(w.path("page.xlsx"), r.bytes().unwrap()).unwrap();
    w.bin_for(&sim).args(["dossiers", "--maitre", maitre, "--results", "cli.xlsx"]).assert().code(0);
    let page_rows = results_xlsx(&w.path("page.xlsx"));
    assert_eq!(page_rows.len(), 2);
    assert_eq!(page_rows, results_xlsx(&w.path("cli.xlsx")));
    let short = post(&p, &cookie, "/portefeuille", &[("recherche", "él")]);
    assert_eq!(short.status(), 400);
    assert!(short.text().unwrap().contains("3 caractères"));
    assert!(!std::fs::read_dir(p.data().join("loopbatch/portefeuilles")).unwrap().any(|_| true), "no copy kept");
    // A sheet checked online: an unknown dossier turns its row INVALIDE.
    let sheet =
        "action;code_dossier;offre;ancienne_offre\nchanger_offre;M0001;consultation;start\nprovisionner;INCONNU;;\n";
    std::fs::write(w.path("o.csv"), sheet).unwrap();
    let r = post_sheet(&p, &cookie, "o.csv", sheet.as_bytes().to_vec());
    let at = r.headers()["location"].to_str().unwrap().to_string();
    let before = get(&p, &cookie, &at).text().unwrap();
    assert_eq!(attr(&before, "data-invalid"), "0", "offline, nothing is unknown");
    assert!(before.contains("data-testid=\"check-online\""));
    let r =
        post(&p, &cookie, &format!("{at}/en-ligne"), &[("domaine", ""), ("email", "sophie.blanc@cabinet-exemple.fr")]);
    assert_eq!(r.status(), 303);
    let after = get(&p, &cookie, &at).text().unwrap();
    assert!(after.contains("data-testid=\"online\""));
    let out = w
        .bin_for(&sim)
        .args(["check", "o.csv", "--online", "--as", "sophie.blanc@cabinet-exemple.fr", "--format", "json"])
        .output()
        .unwrap();
    let cli: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for (attribute, key) in [("data-rows", "total"), ("data-valid", "valid"), ("data-invalid", "invalid")] {
        assert_eq!(attr(&after, attribute), cli["rows"][key].to_string(), "{attribute}: {after}");
    }
    assert_eq!(attr(&after, "data-invalid"), "1");
    assert!(after.contains("INCONNU") && after.contains("LoopHub"));
    assert!(after.contains("ni maître de dossier ni engagement manager"), "the --as warning on its row");
}

//! The LoopHub portfolio: export, `check --online`, `--as`, and a monthly
//! offer change of 200 dossiers from end to end, over real HTTP.

use loopbatch::simulator::{self, Options};

use crate::util::{TestSim, Work, X, model, results_csv, results_xlsx, xlsx, zip_entry};

pub(crate) fn portfolio(n: usize) -> (TestSim, Vec<String>) {
    let codes: Vec<String> = (1..=n).map(|i| format!("M{i:04}")).collect();
    let refs: Vec<(&str, bool)> = codes.iter().map(|c| (c.as_str(), true)).collect();
    let mut m = model(&refs);
    for (i, d) in m.dossiers.values_mut().enumerate() {
        d.offers.insert("start".into());
        d.raison_sociale = if i == 0 { "Boulangerie Élodie".into() } else { format!("Société {i}") };
        if i % 2 == 1 {
            d.maitre_dossier = "sophie.blanc@cabinet-exemple.fr".into();
        }
    }
    m.dossiers.insert(
        "00042".into(),
        simulator::Dossier {
            object_id: "x".into(),
            code: "00042".into(),
            raison_sociale: "Numérique".into(),
            nom_usuel: String::new(),
            statut: "Opérationnel".into(),
            maitre_dossier: "claire.masson@cabinet-exemple.fr".into(),
            engagement_manager: "olivier.renaud@cabinet-exemple.fr".into(),
            offers: ["start".to_string()].into_iter().collect(),
        },
    );
    (TestSim::start(Options { model: m, ..Default::default() }), codes)
}

#[test]
fn export_with_and_without_search() {
    let (sim, codes) = portfolio(12);
    let w = Work::new();
    w.bin_for(&sim).args(["dossiers", "--domain", "CABINET", "--results", "tout.xlsx"]).assert().code(0);
    let all = results_xlsx(&w.path("tout.xlsx"));
    assert_eq!(all.len(), 13);
    assert_eq!(all[0]["action"], "");
    assert!(all.iter().any(|l| l["code_dossier"] == codes[0]));
    assert!(all.iter().any(|l| l["code_dossier"] == "00042"), "leading zeros kept as text");
    for col in ["raison_sociale", "nom_usuel", "maitre_dossier", "engagement_manager", "offre", "ancienne_offre"] {
        assert!(all[0].contains_key(col), "{col}");
    }
    // Drop-downs and text columns, as in the templates (calamine cannot see them).
    let sheet = zip_entry(&w.path("tout.xlsx"), "xl/worksheets/sheet1.xml");
    assert!(sheet.contains("<dataValidation") && sheet.contains("changer_offre") && sheet.contains("consultation"));
    assert!(zip_entry(&w.path("tout.xlsx"), "xl/styles.xml").contains("numFmtId=\"49\""));
    // Search: accents and case ignored, on the name or the code.
    w.bin_for(&sim)
        .args(["dossiers", "--domain", "CABINET", "--search", "ELOD", "--results", "e.csv"])
        .assert()
        .code(0);
    let found = results_csv(&w.path("e.csv"));
    assert_eq!(found.len(), 1);
    assert_eq!(found[0]["raison_sociale"], "Boulangerie Élodie");
    w.bin_for(&sim).args(["dossiers", "--domain", "CABINET", "--search", "M00", "--results", "m.csv"]).assert().code(0);
    assert_eq!(results_csv(&w.path("m.csv")).len(), 12);
    w.bin_for(&sim)
        .args(["dossiers", "--domain", "CABINET", "--maitre", "Sophie.Blanc@cabinet-exemple.fr", "--results", "s.csv"])
        .assert()
        .code(0);
    assert_eq!(results_csv(&w.path("s.csv")).len(), 6);
    // Three characters at least, as LoopHub asks; a domain is needed.
    let out = w.bin_for(&sim).args(["dossiers", "--domain", "CABINET", "--search", "él"]).assert().code(2);
    assert!(String::from_utf8_lossy(&out.get_output().stderr).contains("3 caractères"));
    w.bin_for(&sim).args(["dossiers"]).assert().code(2);
    // On a terminal-less stdout: a table; the key id is never shown whole.
    let out = w.bin_for(&sim).args(["dossiers", "--domain", "CABINET"]).assert().code(0);
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    assert!(stdout.contains("M0001") && stdout.contains("code_dossier"));
    let all_output = format!("{stdout}{}", String::from_utf8_lossy(&out.get_output().stderr));
    assert!(!all_output.contains("demo-secret"));
}

#[test]
fn check_online_catches_unknown_dossiers_and_warns_as() {
    let (sim, _) = portfolio(4);
    let w = Work::new();
    let input = w.path("o.xlsx");
    xlsx(
        &input,
        &[(
            "Ops",
            vec![
                vec![X::T("action"), X::T("code_dossier"), X::T("offre"), X::T("ancienne_offre")],
                vec![X::T("changer_offre"), X::T("M0001"), X::T("consultation"), X::T("start")],
                vec![X::T("changer_offre"), X::T("M0002"), X::T("consultation"), X::T("start")],
                vec![X::T("provisionner"), X::T("INCONNU"), X::T(""), X::T("")],
                vec![X::T("ajouter_offre"), X::N(42.0), X::T("start"), X::T("")],
            ],
        )],
    );
    w.bin_for(&sim)
        .args([
            "check",
            "o.xlsx",
            "--online",
            "--domain",
            "CABINET",
            "--as",
            "sophie.blanc@cabinet-exemple.fr",
            "--results",
            "r.csv",
        ])
        .assert()
        .code(1);
    let l = results_csv(&w.path("r.csv"));
    assert_eq!(l[0]["statut"], "VALIDE");
    assert!(l[0]["message"].contains("ni maître de dossier ni engagement manager"), "{}", l[0]["message"]);
    assert!(!l[1]["message"].contains("ni maître"), "sophie is the master of M0002: {}", l[1]["message"]);
    assert_eq!(l[2]["statut"], "INVALIDE");
    assert!(l[2]["message"].contains("INCONNU") && l[2]["message"].contains("LoopHub"));
    assert_eq!(l[3]["statut"], "VALIDE");
    assert!(l[3]["message"].contains("00042"), "number matched to the zero-padded code: {}", l[3]["message"]);
    // Offline, the same sheet has no unknown dossier.
    w.bin().args(["check", "o.xlsx", "--results", "off.csv"]).assert().code(0);
}

#[test]
fn monthly_change_of_200_dossiers_end_to_end() {
    let (sim, codes) = portfolio(200);
    let w = Work::new();
    // 1. Export the portfolio.
    w.bin_for(&sim).args(["dossiers", "--domain", "CABINET", "--results", "portefeuille.xlsx"]).assert().code(0);
    let exported = results_xlsx(&w.path("portefeuille.xlsx"));
    assert_eq!(exported.len(), 201);
    // 2. Fill action, offre, ancienne_offre as a user would in Excel.
    let mut rows = vec![vec![
        X::T("action"),
        X::T("code_dossier"),
        X::T("raison_sociale"),
        X::T("maitre_dossier"),
        X::T("offre"),
        X::T("ancienne_offre"),
    ]];
    let leak = |s: &str| -> &'static str { Box::leak(s.to_string().into_boxed_str()) };
    for l in &exported {
        rows.push(vec![
            X::T("changer_offre"),
            X::T(leak(&l["code_dossier"])),
            X::T(leak(&l["raison_sociale"])),
            X::T(leak(&l["maitre_dossier"])),
            X::T("consultation"),
            X::T("start"),
        ]);
    }
    xlsx(&w.path("changement.xlsx"), &[("Portefeuille", rows)]);
    // 3. check --online, 4. plan, 5. run.
    w.bin_for(&sim).args(["check", "changement.xlsx", "--online", "--domain", "CABINET"]).assert().code(0);
    w.bin().args(["plan", "changement.xlsx", "--out", "plan.json"]).assert().code(0);
    w.bin_for(&sim)
        .args(["run", "plan.json", "--results", "r.xlsx", "--rate", "1000/s", "--concurrency", "8"])
        .assert()
        .code(0);
    let results = results_xlsx(&w.path("r.xlsx"));
    assert_eq!(results.len(), 201);
    assert!(results.iter().all(|l| l["statut"] == "OK"), "{:?}", results.iter().find(|l| l["statut"] != "OK"));
    let state = sim.state();
    for c in codes.iter().map(String::as_str).chain(["00042"]) {
        assert_eq!(state["dossiers"][c]["offers"], serde_json::json!(["consultation"]), "{c}");
    }
    // 6. Nothing failed: --only-failed has nothing left to send.
    let before = sim.stats()["total"].as_u64().unwrap();
    let again =
        w.bin_for(&sim).args(["run", "plan.json", "--results", "r2.xlsx", "--only-failed", "r.xlsx"]).output().unwrap();
    assert_eq!(again.status.code(), Some(0), "{}", String::from_utf8_lossy(&again.stderr));
    assert_eq!(sim.stats()["total"].as_u64().unwrap(), before);
}

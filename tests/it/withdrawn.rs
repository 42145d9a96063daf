//! A route Cegid has withdrawn: the dossier-level addOffer (deprecated since
//! 2024-07-01) answered « 404 Resource not found ». `check` warns before any
//! run; the run stops naming the operation, the route and the way out; the
//! way out (onboarding_add_offer = false, the offer activated in LoopHub,
//! --only-failed) then ends every row OK without addOffer.

use loopbatch::simulator::Operation;
use loopbatch::simulator::Options;

use crate::util::{TestSim, Work, model, results_csv};

const ADD_OFFER: &str = "/collaborativeOffer/addOffer";

fn add_offer_calls(sim: &TestSim) -> u64 {
    let stats = sim.stats();
    let calls = stats["calls"].as_object().unwrap();
    calls
        .iter()
        .filter(|(route, _)| route.ends_with(ADD_OFFER))
        .flat_map(|(_, by_status)| by_status.as_object().unwrap().values())
        .map(|n| n.as_u64().unwrap())
        .sum()
}

#[test]
fn a_withdrawn_add_offer_is_named_with_its_way_out_and_the_way_out_works() {
    let mut opts = Options { model: model(&[("W001", false), ("W002", false)]), ..Default::default() };
    // The gateway no longer serves the deprecated route (LoopHub still can:
    // the test activates offers through the route moved elsewhere).
    opts.routes.set(Operation::AddOffer, "/loophub-activation/addOffer");
    let sim = TestSim::start(opts);
    let w = Work::new();
    w.csv_1252("s.csv", &["code_dossier;email;nom;prenom;offre", "W001;a@ok.fr;A;A;start", "W002;b@ok.fr;B;B;start"]);

    // Before any run: check says the plan uses a deprecated route.
    let out = w.bin().args(["check", "s.csv"]).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("2 appel(s) addOffer") && stderr.contains("obsolète depuis le 01/07/2024"), "{stderr}");
    assert!(stderr.contains("onboarding_add_offer = false"), "{stderr}");

    // The run stops at the first addOffer, saying what and how to go on.
    let out = w.bin_for(&sim).args(["run", "s.csv", "--results", "r1.csv", "--rate", "200/s"]).output().unwrap();
    assert_eq!(out.status.code(), Some(3), "a withdrawn route stops the run");
    let stderr = String::from_utf8_lossy(&out.stderr);
    for said in
        [ADD_OFFER, "addOffer", "01/07/2024", "onboarding_add_offer = false", "LoopHub", "--only-failed", "HTTP 404"]
    {
        assert!(stderr.contains(said), "« {said} » not said: {stderr}");
    }
    assert!(
        !stderr.contains("route inconnue de la passerelle : vérifiez base_url"),
        "the generic advice only: {stderr}"
    );
    // The commands printed: a resume only for a wrong address, and the
    // rows not done from the sheet (a new plan) into results of their own.
    assert!(stderr.contains("Pour reprendre après avoir corrigé base_url :"), "{stderr}");
    let rerun = stderr.lines().find(|l| l.starts_with("Après un changement de [routes]")).expect(&stderr);
    assert!(rerun.contains("s.csv\" --results") && rerun.contains("r1-relance.csv\" --only-failed"), "{rerun}");
    let r1 = results_csv(&w.path("r1.csv"));
    assert!(r1.iter().all(|l| l["statut"] != "OK"), "no row is done: {r1:?}");

    // The way out: the offer activated in LoopHub, addOffer switched off,
    // the rows not done run again.
    for code in ["W001", "W002"] {
        let body = serde_json::json!({"codeDossier": code});
        assert!(sim.post("/companyProvisioning/provisionCompany", body, None).0 < 300);
        let body = serde_json::json!({"codeDossier": code, "offre": "start"});
        assert_eq!(sim.post("/loophub-activation/addOffer", body, None).0, 200);
    }
    std::fs::write(w.path("loopbatch.toml"), "onboarding_add_offer = false\n").unwrap();
    let before = add_offer_calls(&sim);
    let out = w
        .bin_for(&sim)
        .args(["run", "s.csv", "--results", "r2.csv", "--only-failed", "r1.csv", "--rate", "200/s"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(add_offer_calls(&sim), before, "no addOffer sent on the way out");
    let r2 = results_csv(&w.path("r2.csv"));
    assert!(r2.iter().all(|l| l["statut"] == "OK"), "{r2:?}");
    let state = sim.state().to_string();
    assert!(state.contains("a@ok.fr") && state.contains("b@ok.fr"), "both contacts created: {state}");
}

#[test]
fn another_missing_route_names_its_operation_and_the_settings() {
    let mut opts = Options { model: model(&[("W001", true)]), ..Default::default() };
    opts.routes.set(Operation::AddClient, "/elsewhere/addClient");
    let sim = TestSim::start(opts);
    let w = Work::new();
    std::fs::write(w.path("loopbatch.toml"), "onboarding_add_offer = false\n").unwrap();
    w.csv_1252("s.csv", &["code_dossier;email;nom;prenom;offre", "W001;a@ok.fr;A;A;start"]);
    let out = w.bin_for(&sim).args(["run", "s.csv", "--results", "r.csv", "--rate", "200/s"]).output().unwrap();
    assert_eq!(out.status.code(), Some(3));
    let stderr = String::from_utf8_lossy(&out.stderr);
    for said in ["/provisionningCollab/addClient", "(addClient)", "retirée", "base_url", "[routes]"] {
        assert!(stderr.contains(said), "« {said} » not said: {stderr}");
    }
    assert!(!stderr.contains("01/07/2024"), "the deprecation is addOffer's only: {stderr}");
}

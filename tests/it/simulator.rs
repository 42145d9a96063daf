//! The simulator through real HTTP: every route, business error and
//! gateway answer, with the documented bodies and headers.

use std::time::Duration;

use loopbatch::simulator::{self, ErrorProfile, Faults, Options, ThrottleModel};
use loopbatch::simulator::{Rate, Secret};
use serde_json::json;

use crate::util::{TestSim, model};

fn sim(opts: Options) -> TestSim {
    TestSim::start(opts)
}

fn base() -> Options {
    let mut m = model(&[("D1", false), ("D2", true)]);
    m.uninvited_domains.insert("pas-invite.fr".into());
    Options { model: m, ..Default::default() }
}

#[test]
fn every_route_and_business_rule() {
    let s = sim(base());
    let p = |route: &str, body| s.post(route, body, None);
    // provisionCompany: "A préparer" -> "Opérationnel".
    let (st, h, body) = p("/companyProvisioning/provisionCompany", json!({"codeDossier": "D1"}));
    assert_eq!(st, 200, "{body}");
    assert!(h.contains_key("requestid") && h.contains_key("x-request-id"));
    assert_eq!(s.state()["dossiers"]["D1"]["statut"], "Opérationnel");
    // Unknown dossier.
    let (st, _, body) = p("/companyProvisioning/provisionCompany", json!({"codeDossier": "NOPE"}));
    assert_eq!(st, 400);
    assert!(body.contains("Le dossier client NOPE n'existe pas"), "{body}");
    // addOffer with the seed's message; an unknown offer.
    let (st, _, body) = p("/collaborativeOffer/addOffer", json!({"codeDossier": "D1", "offre": "consultation"}));
    assert_eq!(st, 200);
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&body).unwrap()["message"],
        "L'offre consultation a été ajoutée au dossier client D1"
    );
    let (st, _, body) = p("/collaborativeOffer/addOffer", json!({"codeDossier": "D1", "offre": "premium"}));
    assert_eq!(st, 400);
    assert!(body.contains("L'offre premium n'existe pas"));
    // Not yet provisioned.
    let mut o = base();
    o.model.dossiers.get_mut("D2").unwrap().statut = "A préparer".into();
    let s2 = sim(o);
    let (_, _, body) = s2.post("/collaborativeOffer/addOffer", json!({"codeDossier": "D2", "offre": "start"}), None);
    assert!(body.contains("n'est pas encore provisionné"), "{body}");
    // addClient: offer not active on the dossier, then OK, then e-mail taken.
    let client = json!({"email": "a@exemple.fr", "codeDossier": "D1", "offre": "start", "nom": "A", "prenom": "B", "telephone": "0705060302", "profile": "2.0", "social": false});
    let (_, _, body) = p("/provisionningCollab/addClient", client.clone());
    assert!(body.contains("L'offre start n'est pas active sur le dossier client D1"), "{body}");
    p("/collaborativeOffer/addOffer", json!({"codeDossier": "D1", "offre": "start"}));
    let (st, _, body) = p("/provisionningCollab/addClient", client.clone());
    assert_eq!(st, 200);
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["interloc"]["className"], "interlocuteur");
    assert!(v["interloc"]["data"]["objectId"].as_str().unwrap().len() == 36);
    let (st, _, body) = p("/provisionningCollab/addClient", client);
    assert_eq!(st, 400);
    assert!(body.contains(simulator::MSG_EMAIL_TAKEN));
    // Tenant invitation.
    let (_, _, body) =
        p("/provisionningCollab/addClient", json!({"email": "x@pas-invite.fr", "codeDossier": "D1", "offre": "start"}));
    assert!(body.contains(simulator::MSG_INVITE));
    // addCollaborativeOffer: already assigned answers 200 plain text.
    let (st, h, body) = p(
        "/collaborativeOffer/addCollaborativeOffer",
        json!({"email": "A@exemple.fr", "codeDossier": "D1", "offre": "start"}),
    );
    assert_eq!(st, 200);
    assert_eq!(body, simulator::MSG_ALREADY_ASSIGNED);
    assert!(h["content-type"].to_str().unwrap().starts_with("text/plain"));
    let (_, _, body) = p(
        "/collaborativeOffer/addCollaborativeOffer",
        json!({"email": "inconnu@exemple.fr", "codeDossier": "D1", "offre": "start"}),
    );
    assert!(body.contains(simulator::MSG_NO_CONTACT));
    // updateClient changes fields; a blank field is left alone.
    let (st, _, _) = p(
        "/provisionningCollab/updateClient",
        json!({"email": "a@exemple.fr", "codeDossier": "D1", "telephone": "0600000000", "actif": false}),
    );
    assert_eq!(st, 200);
    let state = s.state();
    assert_eq!(state["contacts"]["a@exemple.fr"]["fields"]["telephone"], "0600000000");
    assert_eq!(state["contacts"]["a@exemple.fr"]["fields"]["nom"], "A");
    let (_, _, body) =
        p("/provisionningCollab/updateClient", json!({"email": "nobody@exemple.fr", "codeDossier": "D1"}));
    assert!(body.contains(simulator::MSG_NO_CONTACT));
    // removeApplication answers interloc + user; then it is not assigned.
    let (st, _, body) = p(
        "/provisionningCollab/removeApplication",
        json!({"email": "a@exemple.fr", "codeDossier": "D1", "offre": "start"}),
    );
    assert_eq!(st, 200);
    assert_eq!(serde_json::from_str::<serde_json::Value>(&body).unwrap()["user"]["className"], "utilisateurClient");
    let (st, _, _) = p(
        "/provisionningCollab/removeApplication",
        json!({"email": "a@exemple.fr", "codeDossier": "D1", "offre": "start"}),
    );
    assert_eq!(st, 400);
    // removeOffer takes the offer from the dossier and from every contact.
    p(
        "/collaborativeOffer/addCollaborativeOffer",
        json!({"email": "a@exemple.fr", "codeDossier": "D1", "offre": "start"}),
    );
    let (st, _, body) = p("/collaborativeOffer/removeOffer", json!({"codeDossier": "D1", "offre": "start"}));
    assert_eq!(st, 200, "{body}");
    assert!(body.contains("L'offre start a été retirée du dossier client D1"));
    assert!(s.state()["contacts"]["a@exemple.fr"]["dossiers"]["D1"].as_array().unwrap().is_empty());
    let (_, _, body) = p("/collaborativeOffer/removeOffer", json!({"codeDossier": "D1", "offre": "start"}));
    assert!(body.contains("n'est pas active"));
    // LoopHub: the documented array, for the key id.
    let (st, _, body) = p("/loophub/dossiers", json!({"apiKey": "demo-key-id", "domain": "CABINET"}));
    assert_eq!(st, 200);
    let list: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(list.as_array().unwrap().len(), 2);
    assert_eq!(list[0]["codeIbs"], "D1");
    for k in ["objectId", "raisonSociale", "nomUsuel", "maitreDossier", "engagementManager", "maitreDossierId"] {
        assert!(list[0].get(k).is_some(), "{k}");
    }
    // Missing field.
    let (st, _, body) = p("/provisionningCollab/addClient", json!({"codeDossier": "D1"}));
    assert_eq!(st, 400);
    assert!(body.contains("email"));
}

#[test]
fn gateway_answers_like_apim() {
    let s = sim(base());
    let body = json!({"codeDossier": "D1"});
    let (st, _, b) =
        s.post("/companyProvisioning/provisionCompany", body.clone(), Some(("mauvaise", simulator::DEMO_API_KEY)));
    assert_eq!(st, 401);
    assert!(b.contains("invalid subscription key"));
    let (st, _, b) =
        s.post("/companyProvisioning/provisionCompany", body.clone(), Some((simulator::DEMO_SUBSCRIPTION_KEY, "x:y")));
    assert_eq!(st, 401);
    assert!(b.contains("x-apikey"));
    let (st, _, b) = s.post("/route/inconnue", body.clone(), None);
    assert_eq!(st, 404);
    assert_eq!(b, r#"{"statusCode":404,"message":"Resource not found"}"#);
    // Wrong method: 404, not 405, as APIM does.
    let st = s.rt.block_on(async {
        reqwest::Client::new()
            .get(format!("{}/companyProvisioning/provisionCompany", s.base_url))
            .header("Ocp-Apim-Subscription-Key", simulator::DEMO_SUBSCRIPTION_KEY)
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    });
    assert_eq!(st, 404);
    // Missing subscription key.
    let (st, b) = s.rt.block_on(async {
        let r = reqwest::Client::new()
            .post(format!("{}/companyProvisioning/provisionCompany", s.base_url))
            .json(&body)
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), r.text().await.unwrap())
    });
    assert_eq!(st, 401);
    assert!(b.contains("missing subscription key"));
    // Routes live under the base path only.
    let (st, _, _) = s.rt.block_on(async {
        let r = reqwest::Client::new()
            .post(format!("{}/companyProvisioning/provisionCompany", s.root))
            .header("Ocp-Apim-Subscription-Key", simulator::DEMO_SUBSCRIPTION_KEY)
            .header("x-apikey", simulator::DEMO_API_KEY)
            .json(&body)
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), (), ())
    });
    assert_eq!(st, 404);
    let stats = s.stats();
    assert!(stats["calls"]["/route/inconnue"]["404"].as_u64().unwrap() >= 1);
}

#[test]
fn throttling_answers_429_with_retry_after() {
    let mut o = base();
    o.rate = Some(Rate { count: 3, per: Duration::from_secs(1) });
    let s = sim(o);
    let mut statuses = Vec::new();
    let mut retry_after = None;
    for _ in 0..6 {
        let (st, h, b) = s.post("/companyProvisioning/provisionCompany", json!({"codeDossier": "D2"}), None);
        if st == 429 {
            retry_after = h.get("retry-after").map(|v| v.to_str().unwrap().to_string());
            assert!(b.contains("Rate limit is exceeded"), "{b}");
        }
        statuses.push(st);
    }
    assert_eq!(&statuses[..3], &[200, 200, 200]);
    assert!(statuses[3..].iter().all(|s| *s == 429), "{statuses:?}");
    assert_eq!(retry_after.as_deref(), Some("1"));
    let stats = s.stats();
    assert!(stats["throttled"].as_u64().unwrap() >= 3);
    assert!(stats["calls_during_retry_after"].as_u64().unwrap() >= 2, "calls made despite Retry-After are counted");
}

#[test]
fn the_bucket_model_gives_its_burst_then_refuses_every_call_during_the_retry_after() {
    let mut o = base();
    o.rate = Some(Rate { count: 2, per: Duration::from_secs(1) });
    o.burst = Some(5);
    o.throttle = ThrottleModel::Bucket;
    let s = sim(o);
    let call = || s.post("/companyProvisioning/provisionCompany", json!({"codeDossier": "D2"}), None);
    let first: Vec<u16> = (0..5).map(|_| call().0).collect();
    assert_eq!(first, [200; 5], "the burst");
    let (st, h, _) = call();
    assert_eq!(st, 429);
    assert_eq!(h.get("retry-after").unwrap(), "1", "a token in 0.5 s at most, rounded up to whole seconds");
    // A token is back after 0.6 s at 2/s, yet every call is refused while the Retry-After is in force.
    std::thread::sleep(Duration::from_millis(600));
    assert_eq!(call().0, 429);
    assert_eq!(call().0, 429);
    let stats = s.stats();
    assert_eq!(stats["most_calls_during_one_retry_after"], 2, "{stats}");
    std::thread::sleep(Duration::from_millis(2600));
    let after: Vec<u16> = (0..5).map(|_| call().0).collect();
    assert_eq!(after, [200; 5], "refilled to the burst, not above: {after:?}");
    assert_eq!(call().0, 429);
}

#[test]
fn error_profiles_shape_business_errors() {
    for (profile, status) in [
        (ErrorProfile::Json400, 400),
        (ErrorProfile::Json409, 409),
        (ErrorProfile::Json422, 422),
        (ErrorProfile::Text, 400),
        (ErrorProfile::Server500, 500),
    ] {
        let s = sim(Options { error_profile: profile, ..base() });
        let (st, _, b) = s.post("/companyProvisioning/provisionCompany", json!({"codeDossier": "ZZ"}), None);
        assert_eq!(st, status, "{profile:?}");
        assert!(b.contains("Le dossier client ZZ n'existe pas"), "{profile:?}: {b}");
        if profile == ErrorProfile::Text {
            assert!(!b.starts_with('{'));
        }
    }
}

#[test]
fn faults_are_seeded_and_lost_answers_are_applied() {
    let run = |seed| {
        let s = sim(Options { faults: Faults { fail_rate: 0.5, ..Default::default() }, seed, ..base() });
        (0..20)
            .map(|_| s.post("/companyProvisioning/provisionCompany", json!({"codeDossier": "D2"}), None).0)
            .collect::<Vec<_>>()
    };
    let a = run(9);
    assert_eq!(a, run(9), "same seed, same faults");
    assert!(a.iter().any(|s| *s >= 500) && a.contains(&200));
    // Answer lost: the change is made, the connection drops.
    let s = sim(Options { faults: Faults { lost_answer_rate: 1.0, ..Default::default() }, ..base() });
    let err = s.rt.block_on(async {
        reqwest::Client::new()
            .post(format!("{}/companyProvisioning/provisionCompany", s.base_url))
            .header("Ocp-Apim-Subscription-Key", simulator::DEMO_SUBSCRIPTION_KEY)
            .header("x-apikey", simulator::DEMO_API_KEY)
            .json(&json!({"codeDossier": "D1"}))
            .send()
            .await
    });
    assert!(err.is_err(), "no answer");
    assert_eq!(s.state()["dossiers"]["D1"]["statut"], "Opérationnel", "but applied");
    assert_eq!(s.stats()["lost_applied"]["provisionCompany D1"], 1);
}

#[test]
fn secrets_from_environment_never_in_state_or_stats() {
    let o = Options {
        subscription_key: Secret::new("SUBSCRIPTION-SECRET-123"),
        api_key: Secret::new("KEYID77:API-SECRET-456"),
        ..base()
    };
    let s = sim(o);
    let (st, _, _) = s.post(
        "/companyProvisioning/provisionCompany",
        json!({"codeDossier": "D1"}),
        Some(("SUBSCRIPTION-SECRET-123", "KEYID77:API-SECRET-456")),
    );
    assert_eq!(st, 200);
    let dump = format!("{}{}", s.state(), s.stats());
    assert!(!dump.contains("SUBSCRIPTION-SECRET") && !dump.contains("API-SECRET"));
}

#[test]
fn simulate_command_prints_its_address() {
    let (mut child, port) = crate::util::spawn_simulate(&["--port", "0", "--generate", "5", "--seed", "3"], |_| {});
    let _ = child.kill();
    let _ = child.wait();
    assert!(port > 0);
}

#[test]
fn dossiers_and_contacts_load_from_sheets() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().join("d.csv");
    std::fs::write(&d, "codeDossier;raisonSociale;statut;maitreDossier;engagementManager;offres\nA1;Alpha;Opérationnel;m@c.fr;e@c.fr;start,consultation\nB2;Beta;A préparer;m@c.fr;e@c.fr;\n").unwrap();
    let c = dir.path().join("c.csv");
    std::fs::write(&c, "email;code_dossier;offre\nx@ok.fr;A1;start\n").unwrap();
    let seed = simulator::Seed {
        dossiers: Some(d),
        contacts: Some(c),
        uninvited_domains: vec!["NON.fr".into()],
        ..Default::default()
    };
    let m = simulator::build_model(&seed, 1, loopbatch::job::Lang::Fr).unwrap();
    assert_eq!(m.dossiers.len(), 2);
    assert!(m.dossiers["A1"].operational() && !m.dossiers["B2"].operational());
    assert_eq!(m.dossiers["A1"].offers.len(), 2);
    assert_eq!(m.dossiers["A1"].maitre_dossier, "m@c.fr");
    assert!(m.contacts["x@ok.fr"].dossiers["A1"].contains("start"));
    assert!(m.uninvited_domains.contains("non.fr"));
    let s = sim(Options { model: m, ..Default::default() });
    let (_, _, body) = s.post(
        "/provisionningCollab/addClient",
        json!({"email": "x@ok.fr", "codeDossier": "A1", "offre": "start"}),
        None,
    );
    assert!(body.contains(simulator::MSG_EMAIL_TAKEN), "a loaded contact exists: {body}");
}

#[test]
fn simulate_takes_its_secrets_from_key_files_too() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("sub.key"), "FILE-SUB-KEY\n").unwrap();
    std::fs::write(dir.path().join("api.key"), "file-id:FILE-SECRET\n").unwrap();
    std::fs::write(
        dir.path().join("loopbatch.toml"),
        "subscription_key_file = \"sub.key\"\napi_key_file = \"api.key\"\n",
    )
    .unwrap();
    let (mut child, port) = crate::util::spawn_simulate(&["--port", "0", "--generate", "2"], |c| {
        c.current_dir(dir.path());
    });
    let rt = tokio::runtime::Runtime::new().unwrap();
    let status = |sub: &'static str, api: &'static str| {
        let url = format!("http://127.0.0.1:{port}/loop-api-publiques/companyProvisioning/provisionCompany");
        rt.block_on(async move {
            reqwest::Client::new()
                .post(url)
                .header("Ocp-Apim-Subscription-Key", sub)
                .header("x-apikey", api)
                .body(r#"{"codeDossier":"SIM00001"}"#)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        })
    };
    let with_files = status("FILE-SUB-KEY", "file-id:FILE-SECRET");
    let with_demo = status(simulator::DEMO_SUBSCRIPTION_KEY, simulator::DEMO_API_KEY);
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(with_files, 200);
    assert_eq!(with_demo, 401);
}

/// « Refused, then 504 »: the refusal is decided (nothing applied) and the
/// client gets a 504; a spared route keeps its answers whatever the rate of
/// lost answers (the demo spares addClient).
#[test]
fn refusals_can_end_504_and_spared_routes_keep_their_answers() {
    let mut o = base();
    o.faults = Faults {
        refused_then_504_rate: 1.0,
        lost_answer_rate: 1.0,
        spared_routes: vec!["/companyProvisioning/provisionCompany".into()],
        ..Default::default()
    };
    let s = sim(o);
    let route = "/companyProvisioning/provisionCompany";
    let (st, _, body) = s.post(route, json!({"codeDossier": "NOPE"}), None);
    assert_eq!(st, 504, "{body}");
    assert!(s.state()["dossiers"].get("NOPE").is_none(), "nothing applied");
    let (st, _, body) = s.post(route, json!({"codeDossier": "D1"}), None);
    assert_eq!(st, 200, "spared: answered despite lost_answer_rate 1.0: {body}");
    assert_eq!(s.state()["dossiers"]["D1"]["statut"], "Opérationnel");
    assert!(s.stats()["lost_applied"].as_object().unwrap().is_empty());
}

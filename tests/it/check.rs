//! `check`, `plan` and `template`: reading, validation, plan and results.

use crate::util::{Work, X, ods, results_csv, results_xlsx, xlsx, zip_entry};

fn status(lines: &[crate::util::Line], i: usize) -> &str {
    &lines[i]["statut"]
}

#[test]
fn windows_1252_csv_is_checked_row_by_row() {
    let w = Work::new();
    let input = w.csv_1252(
        "clients.csv",
        &[
            "Code dossier;Raison sociale;E-mail;Nom;Prénom;Téléphone;Offre;Commentaire",
            "MANON001;Boulangerie Manon;manon.dupont@exemple.fr;Dupont;Manon;07 05 06 03 02;Consultation;café crème",
            "MANON002;Garage Éric;eric@exemple;Martin;Éric;06 12;premium;",
            "MANON003;Fleurs Hélène;helene@exemple.fr;Petit;Hélène;+33 6 11 22 33 44;Collaboratif TPE - Offre Co-production;",
            ";Sans code;x@exemple.fr;A;B;;start;",
        ],
    );
    let out = w.path("resultats.csv");
    w.bin().args(["check", input.to_str().unwrap(), "--results", out.to_str().unwrap()]).assert().code(1);
    let lines = results_csv(&out);
    assert_eq!(lines.len(), 4);
    // Original columns kept, accents intact, unknown column carried.
    assert_eq!(lines[0]["Prénom"], "Manon");
    assert_eq!(lines[0]["Commentaire"], "café crème");
    assert_eq!(lines[1]["Raison sociale"], "Garage Éric");
    assert_eq!(status(&lines, 0), "VALIDE");
    assert_eq!(lines[0]["feuille"], "clients.csv");
    assert_eq!(lines[0]["ligne"], "2");
    assert_eq!(status(&lines, 1), "INVALIDE");
    let m = &lines[1]["message"];
    assert!(m.contains("« E-mail »") && m.contains("eric@exemple"), "{m}");
    assert!(m.contains("« Téléphone »") && m.contains("06 12"), "{m}");
    assert!(m.contains("« Offre »") && m.contains("premium"), "{m}");
    assert_eq!(status(&lines, 2), "VALIDE");
    assert_eq!(status(&lines, 3), "INVALIDE");
    assert!(lines[3]["message"].contains("code dossier"), "{}", lines[3]["message"]);
    assert_eq!(lines[3]["ligne"], "5");
}

#[test]
fn xlsx_numbers_are_repaired_with_warnings_and_rows_numbered_as_excel_shows() {
    let w = Work::new();
    let input = w.path("portefeuille.xlsx");
    xlsx(
        &input,
        &[
            ("Notes", vec![vec![X::T("Rien ici")]]),
            (
                "Clients",
                vec![
                    vec![X::T("Portefeuille du cabinet — novembre")],
                    vec![],
                    vec![
                        X::T("codeDossier"),
                        X::T("mail"),
                        X::T("nom"),
                        X::T("prenom"),
                        X::T("portable"),
                        X::T("offer"),
                    ],
                    vec![
                        X::N(1234.0),
                        X::T("a@exemple.fr"),
                        X::T("Durand"),
                        X::T("Alice"),
                        X::N(705060302.0),
                        X::T("start"),
                    ],
                    vec![
                        X::T("00987"),
                        X::T("b@exemple.fr"),
                        X::T("Bernard"),
                        X::T("Bob"),
                        X::T("7.05060302E+08"),
                        X::T("start"),
                    ],
                    vec![
                        X::T("\u{a0}MANON9 "),
                        X::T("c@exemple.fr"),
                        X::T("Caron"),
                        X::T("Chloé"),
                        X::T(""),
                        X::T("consultation"),
                    ],
                ],
            ),
        ],
    );
    std::fs::write(w.path("loopbatch.toml"), "code_dossier_width = 5\n").unwrap();
    let out = w.path("r.xlsx");
    w.bin().args(["check", "portefeuille.xlsx", "--results", "r.xlsx"]).assert().code(0);
    let lines = results_xlsx(&out);
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[0]["feuille"], "Clients");
    assert_eq!(lines[0]["ligne"], "4");
    assert_eq!(lines[2]["ligne"], "6");
    let m0 = &lines[0]["message"];
    assert!(m0.contains("01234"), "code padded to the configured width: {m0}");
    assert!(m0.contains("0705060302"), "phone repaired: {m0}");
    assert!(lines[1]["message"].contains("0705060302"), "scientific notation repaired");
    assert!(lines[2]["message"].contains("espaces"), "non-breaking space reported: {}", lines[2]["message"]);
    // The number stays a number in the results, exactly as it was.
    assert_eq!(lines[0]["codeDossier"], "1234");

    // The plan sends the repaired values.
    w.bin().args(["plan", "portefeuille.xlsx", "--out", "plan.json"]).assert().code(0);
    let plan: serde_json::Value = serde_json::from_slice(&std::fs::read(w.path("plan.json")).unwrap()).unwrap();
    let calls = plan["calls"].as_array().unwrap();
    let add_client = calls.iter().find(|c| c["body"]["email"] == "a@exemple.fr").unwrap();
    assert_eq!(add_client["body"]["codeDossier"], "01234");
    assert_eq!(add_client["body"]["telephone"], "0705060302");
    assert!(w.path("plan.xlsx").exists(), "readable plan written beside the JSON");
}

#[test]
fn numeric_code_without_width_is_kept_and_warned() {
    let w = Work::new();
    let input = w.path("a.xlsx");
    xlsx(&input, &[("S", vec![vec![X::T("code_dossier"), X::T("offre")], vec![X::N(42.0), X::T("start")]])]);
    let out = w.path("r.csv");
    w.bin().args(["check", "a.xlsx", "--results", "r.csv"]).assert().code(0);
    let lines = results_csv(&out);
    assert_eq!(lines[0]["statut"], "VALIDE");
    assert!(lines[0]["message"].contains("zéros initiaux"), "{}", lines[0]["message"]);
}

#[test]
fn ods_is_read() {
    let w = Work::new();
    let input = w.path("liste.ods");
    ods(
        &input,
        "Dossiers",
        &[
            vec!["Code dossier", "Offre", "E-mail"],
            vec!["ODS001", "start", "o@exemple.fr"],
            vec!["ODS002", "inconnue", ""],
        ],
    );
    let out = w.path("r.csv");
    w.bin().args(["check", "liste.ods", "--results", "r.csv"]).assert().code(1);
    let lines = results_csv(&out);
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["feuille"], "Dossiers");
    assert_eq!(lines[0]["statut"], "VALIDE");
    assert_eq!(lines[1]["statut"], "INVALIDE");
}

#[test]
fn actions_blank_unknown_and_cross_row_checks() {
    let w = Work::new();
    let input = w.csv_1252(
        "ops.csv",
        &[
            "action;code_dossier;email;nom;prenom;offre;ancienne_offre",
            ";D1;;;;;",
            ";D2;;;;consultation;start",
            "tout casser;D3;;;;start;",
            "changer_offre;D4;;;;start;start",
            "ajouter_interlocuteur;D5;p@exemple.fr;Dupont;Paul;start;",
            "ajouter_interlocuteur;D6;P@Exemple.fr;Durand;Pierre;start;",
            "retirer_offre;D7;;;;consultation;",
            "retirer_offre;D7;;;;consultation;",
            "modifier_interlocuteur;D8;;;;;",
        ],
    );
    let out = w.path("r.csv");
    w.bin().args(["check", input.to_str().unwrap(), "--results", out.to_str().unwrap()]).assert().code(1);
    let l = results_csv(&out);
    assert_eq!(l[0]["statut"], "IGNORE");
    assert!(l[0]["message"].contains("rien à faire"));
    assert_eq!(l[1]["statut"], "INVALIDE");
    assert!(l[1]["message"].contains("changer_offre"), "suggests the action: {}", l[1]["message"]);
    assert_eq!(l[2]["statut"], "INVALIDE");
    assert!(l[2]["message"].contains("tout casser") && l[2]["message"].contains("onboarding"));
    assert!(l[3]["message"].contains("rien à changer"));
    assert_eq!(l[4]["statut"], "INVALIDE", "same e-mail, two people");
    assert!(l[4]["message"].contains("ligne 6"), "{}", l[4]["message"]);
    assert_eq!(l[5]["statut"], "INVALIDE");
    assert_eq!(l[6]["statut"], "VALIDE");
    assert!(l[6]["message"].contains("tous les interlocuteurs"), "dossier-wide removal warned");
    assert_eq!(l[7]["statut"], "INVALIDE");
    assert!(l[7]["message"].contains("double"), "{}", l[7]["message"]);
    assert!(l[8]["message"].contains("e-mail"), "{}", l[8]["message"]);
}

#[test]
fn plan_orders_calls_and_shares_one_person_across_dossiers() {
    let w = Work::new();
    let input = w.csv_1252(
        "o.csv",
        &[
            "action;code_dossier;email;nom;prenom;offre;ancienne_offre;social",
            "onboarding;B1;jean@exemple.fr;Dupont;Jean;start;;",
            "onboarding;B2;jean@exemple.fr;Dupont;Jean;start;;oui",
            "onboarding;B2;anne@exemple.fr;Roux;Anne;start;;",
            "changer_offre;C1;;;;consultation;start;",
            "changer_offre;C2;luc@exemple.fr;;;consultation;start;",
            "modifier_interlocuteur;B1;jean@exemple.fr;;;;;",
        ],
    );
    w.bin().args(["plan", input.to_str().unwrap(), "--out", "p.json"]).assert().code(0);
    let plan: serde_json::Value = serde_json::from_slice(&std::fs::read(w.path("p.json")).unwrap()).unwrap();
    assert_eq!(plan["format_version"], 1);
    assert_eq!(plan["source"]["file"], "o.csv");
    assert_eq!(plan["source"]["sha256"].as_str().unwrap().len(), 64);
    assert_eq!(plan["rows"].as_array().unwrap().len(), 6);
    let calls = plan["calls"].as_array().unwrap();
    let find = |op: &str, pred: &dyn Fn(&serde_json::Value) -> bool| -> Vec<serde_json::Value> {
        calls.iter().filter(|c| c["operation"] == op && pred(&c["body"])).cloned().collect()
    };
    let id = |c: &serde_json::Value| c["id"].as_u64().unwrap();
    let deps = |c: &serde_json::Value| {
        c["depends_on"].as_array().unwrap().iter().map(|d| d.as_u64().unwrap()).collect::<Vec<_>>()
    };
    // One provisionCompany per dossier, even with two rows on B2.
    assert_eq!(find("provisionCompany", &|_| true).len(), 2);
    let prov_b2 = &find("provisionCompany", &|b| b["codeDossier"] == "B2")[0];
    assert_eq!(prov_b2["rows"].as_array().unwrap().len(), 2);
    assert_eq!(prov_b2["route"], "/companyProvisioning/provisionCompany");
    // One addClient for Jean, then addCollaborativeOffer on B2 after it.
    let jean_add = find("addClient", &|b| b["email"] == "jean@exemple.fr");
    assert_eq!(jean_add.len(), 1);
    assert_eq!(jean_add[0]["body"]["social"], false, "blank social is false in addClient");
    let jean_collab =
        &find("addCollaborativeOffer", &|b| b["email"] == "jean@exemple.fr" && b["codeDossier"] == "B2")[0];
    assert!(deps(jean_collab).contains(&id(&jean_add[0])));
    assert!(deps(jean_collab).contains(&id(prov_b2)));
    // Dossier-wide change: removeOffer waits for the add of the new offer.
    let add_c1 = &find("addOffer", &|b| b["codeDossier"] == "C1" && b["offre"] == "consultation")[0];
    let rm_c1 = &find("removeOffer", &|b| b["codeDossier"] == "C1")[0];
    assert_eq!(rm_c1["body"]["offre"], "start");
    assert!(deps(rm_c1).contains(&id(add_c1)));
    // One contact: collab of the new offer, then removeApplication of the old.
    let collab_c2 = &find("addCollaborativeOffer", &|b| b["codeDossier"] == "C2")[0];
    let rm_c2 = &find("removeApplication", &|b| b["codeDossier"] == "C2")[0];
    assert!(deps(rm_c2).contains(&id(collab_c2)));
    assert!(find("removeOffer", &|b| b["codeDossier"] == "C2").is_empty(), "dossier offers left alone");
    // updateClient leaves blank fields out of the body.
    let upd = &find("updateClient", &|_| true)[0];
    assert!(upd["body"].get("actif").is_none() && upd["body"].get("nom").is_none());
    // Execution order respects every dependency.
    for c in calls {
        for d in deps(c) {
            assert!(d < id(c), "call {} listed before its dependency {d}", id(c));
        }
    }
}

#[test]
fn unusable_files_exit_2_with_a_french_message() {
    let w = Work::new();
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("vide.csv", vec![], "vide"),
        ("entetes.csv", b"code_dossier;offre\r\n".to_vec(), "en-têtes"),
        ("sans_code.csv", b"nom;offre\r\nA;start\r\n".to_vec(), "code_dossier"),
        ("faux.xlsx", b"PK\x03\x04garbage that is not a zip at all".to_vec(), "classeur"),
        ("binaire.xls", vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0, 0, 1, 2], "classeur"),
    ];
    for (name, bytes, expected) in cases {
        w.file(name, &bytes);
        let out = w.bin().args(["check", name]).assert().code(2).get_output().stderr.clone();
        let err = String::from_utf8_lossy(&out);
        assert!(err.contains(name) && err.contains(expected), "{name}: {err}");
        assert!(
            !err.contains("panicked") && !err.contains("Erreur interne") && !err.contains("RUST_BACKTRACE"),
            "{err}"
        );
    }
    // Missing file, a directory.
    let err = w.bin().args(["check", "absent.xlsx"]).assert().code(2).get_output().stderr.clone();
    assert!(String::from_utf8_lossy(&err).contains("introuvable"));
    std::fs::create_dir(w.path("dossier.csv")).unwrap();
    let err = w.bin().args(["check", "dossier.csv"]).assert().code(2).get_output().stderr.clone();
    assert!(String::from_utf8_lossy(&err).contains("est un dossier"));
    // A truncated workbook.
    let good = w.path("bon.xlsx");
    xlsx(&good, &[("S", vec![vec![X::T("code_dossier")], vec![X::T("A1")]])]);
    let bytes = std::fs::read(&good).unwrap();
    w.file("tronque.xlsx", &bytes[..bytes.len() / 2]);
    w.bin().args(["check", "tronque.xlsx"]).assert().code(2);
    // A 5 MB cell.
    let mut big = b"code_dossier;offre\r\nA1;".to_vec();
    big.extend(std::iter::repeat_n(b'x', 5 << 20));
    w.file("gros.csv", &big);
    let err = w.bin().args(["check", "gros.csv"]).assert().code(2).get_output().stderr.clone();
    assert!(String::from_utf8_lossy(&err).contains("32 767"));
    // A password-protected workbook is a compound file with an EncryptedPackage.
    let mut enc = vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    enc.extend(vec![0u8; 500]);
    enc.extend("EncryptedPackage".encode_utf16().flat_map(u16::to_le_bytes));
    w.file("secret.xlsx", &enc);
    let err = w.bin().args(["check", "secret.xlsx"]).assert().code(2).get_output().stderr.clone();
    assert!(String::from_utf8_lossy(&err).contains("mot de passe"));
}

#[test]
fn json_summary_and_english() {
    let w = Work::new();
    let input = w.csv_1252("j.csv", &["code_dossier;offre", "A1;start", "A2;nope"]);
    let out = w
        .bin()
        .args(["check", input.to_str().unwrap(), "--format", "json"])
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(v["command"], "check");
    assert_eq!(v["rows"]["total"], 2);
    assert_eq!(v["rows"]["valid"], 1);
    assert_eq!(v["rows"]["invalid"], 1);
    assert_eq!(v["dossiers"], 1);
    assert_eq!(v["calls"]["per_route"]["/companyProvisioning/provisionCompany"], 1);
    assert_eq!(v["exit_code"], 1);
    let r = w.path("en.csv");
    w.bin().args(["--lang", "en", "check", input.to_str().unwrap(), "--results", r.to_str().unwrap()]).assert().code(1);
    let l = results_csv(&r);
    assert!(l[1]["message"].contains("is not a known offer"), "{}", l[1]["message"]);
    assert_eq!(l[1]["statut"], "INVALIDE", "status words never change with the language");
}

#[test]
fn results_never_hold_a_runnable_formula() {
    let w = Work::new();
    w.csv_1252(
        "f.csv",
        &[
            "code_dossier;offre;note;telephone",
            "A1;start;\"=HYPERLINK(\"\"http://x\"\";\"\"y\"\")\";+33 6 12 34 56 78",
            "A2;start;@SUM(1);",
            "A3;start;-1;",
        ],
    );
    let out = w.path("f_out.csv");
    w.bin().args(["check", "f.csv", "--results", "f_out.csv"]).assert().code(0);
    let raw = String::from_utf8(std::fs::read(&out).unwrap()).unwrap();
    assert!(raw.contains("'=HYPERLINK"), "{raw}");
    assert!(raw.contains("'@SUM"));
    assert!(raw.contains("'+33 6"));
    assert!(!raw.contains(";=") && !raw.contains(";+") && !raw.contains(";@"));
    let xl = w.path("f_out.xlsx");
    w.bin().args(["check", "f.csv", "--results", "f_out.xlsx"]).assert().code(0);
    let sheet = zip_entry(&xl, "xl/worksheets/sheet1.xml");
    assert!(!sheet.contains("<f>"), "no formula element in the results sheet");
    let lines = results_xlsx(&xl);
    assert_eq!(lines[0]["note"], "=HYPERLINK(\"http://x\";\"y\")", "value kept exactly");
    assert_eq!(lines[0]["telephone"], "+33 6 12 34 56 78");
}

#[test]
fn results_xlsx_has_summary_filter_and_text_cells() {
    let w = Work::new();
    w.csv_1252("s.csv", &["code_dossier;offre", "A1;start", "A2;bad"]);
    w.bin().args(["check", "s.csv", "--results", "s.xlsx"]).assert().code(1);
    let xl = w.path("s.xlsx");
    let book = zip_entry(&xl, "xl/workbook.xml");
    assert!(book.contains("Résultats") && book.contains("Résumé"), "{book}");
    let sheet = zip_entry(&xl, "xl/worksheets/sheet1.xml");
    assert!(sheet.contains("<autoFilter"), "autofilter");
    assert!(sheet.contains("ySplit=\"1\""), "header frozen");
    let styles = zip_entry(&xl, "xl/styles.xml");
    assert!(styles.contains("numFmtId=\"49\""), "text format on cells");
    let chart = zip_entry(&xl, "xl/charts/chart1.xml");
    assert!(chart.contains("pieChart"));
    // Slices in the statuses' colours, as the rows (VALIDE green, INVALIDE orange).
    assert!(chart.contains("E2F0D9") && chart.contains("F8CBAD"), "{chart}");
}

#[test]
fn templates_have_text_columns_and_drop_downs() {
    let w = Work::new();
    w.bin().args(["template", "--out", "modeles"]).assert().code(0);
    for f in ["modele-onboarding.xlsx", "modele-onboarding.csv", "modele-operations.xlsx", "modele-operations.csv"] {
        assert!(w.path("modeles").join(f).exists(), "{f}");
    }
    let ops = w.path("modeles").join("modele-operations.xlsx");
    let sheet = zip_entry(&ops, "xl/worksheets/sheet1.xml");
    assert!(sheet.contains("<dataValidation"), "drop-downs");
    assert!(sheet.contains("changer_offre") && sheet.contains("co-production"));
    let notes = zip_entry(&ops, "xl/comments1.xml");
    assert!(notes.contains("MANON001"), "example in a cell note");
    assert!(zip_entry(&ops, "xl/styles.xml").contains("numFmtId=\"49\""));
    // The template is itself a valid input once filled: headers only -> exit 2.
    w.bin().args(["check", "modeles/modele-operations.csv"]).assert().code(2);
    // The committed templates are what the command writes.
    let committed = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("templates/modele-operations.csv");
    assert_eq!(std::fs::read(committed).unwrap(), std::fs::read(w.path("modeles/modele-operations.csv")).unwrap());
}

#[test]
fn help_in_french_by_default_and_in_english_on_request() {
    let w = Work::new();
    for sub in ["check", "plan", "run", "demo", "dossiers", "template", "simulate"] {
        let fr = w.bin().args([sub, "--help"]).assert().code(0).get_output().stdout.clone();
        let en = w.bin().args(["--lang", "en", sub, "--help"]).assert().code(0).get_output().stdout.clone();
        let (fr, en) = (String::from_utf8_lossy(&fr).to_string(), String::from_utf8_lossy(&en).to_string());
        assert!(fr.contains("Affiche l'aide"), "{sub}: {fr}");
        assert!(en.contains("Print help"), "{sub}: {en}");
        assert_ne!(fr, en);
    }
    let en = w.bin().env("LOOPBATCH_LANG", "en").arg("--help").assert().code(0).get_output().stdout.clone();
    assert!(String::from_utf8_lossy(&en).contains("Bulk provisioning"));
    let err = w.bin().args(["--lang", "en", "chek"]).assert().code(2).get_output().stderr.clone();
    assert!(String::from_utf8_lossy(&err).contains("unknown command"));
    let err = w.bin().arg("chek").assert().code(2).get_output().stderr.clone();
    assert!(String::from_utf8_lossy(&err).contains("commande inconnue"));
}

#[test]
fn each_sheet_is_read_with_its_own_columns() {
    let w = Work::new();
    let input = w.path("mixte.xlsx");
    let t = X::T;
    xlsx(
        &input,
        &[
            (
                "Nouveaux",
                vec![
                    vec![t("code_dossier"), t("email"), t("nom"), t("prenom"), t("offre")],
                    vec![t("N001"), t("ana@exemple.fr"), t("Vidal"), t("Ana"), t("start")],
                    vec![t("N002"), t(""), t(""), t(""), t("consultation")],
                ],
            ),
            (
                "Changements",
                vec![
                    vec![t("Action"), t("Code dossier"), t("Offre"), t("Ancienne offre"), t("Commentaire")],
                    vec![t("changer_offre"), t("C001"), t("co-production"), t("start"), t("mensuel")],
                    vec![t(""), t("C002"), t(""), t(""), t("rien ce mois-ci")],
                    vec![t("ajouter_interlocuteur"), t("C003"), t("start"), t(""), t("")],
                ],
            ),
        ],
    );
    let out = w.path("r.csv");
    w.bin().args(["check", input.to_str().unwrap(), "--results", out.to_str().unwrap()]).assert().code(1);
    let l = results_csv(&out);
    assert_eq!(l.len(), 5);
    // A sheet without an action column is onboarding, whatever other sheets hold.
    assert_eq!((l[0]["feuille"].as_str(), l[0]["statut"].as_str()), ("Nouveaux", "VALIDE"), "{:?}", l[0]);
    assert_eq!(l[1]["statut"], "VALIDE", "{}", l[1]["message"]);
    assert_eq!((l[2]["feuille"].as_str(), l[2]["statut"].as_str()), ("Changements", "VALIDE"));
    assert!(l[2]["message"].contains("tous les interlocuteurs"), "{}", l[2]["message"]);
    assert_eq!(l[3]["statut"], "IGNORE");
    // The union of the columns, each row's cells under its own header.
    assert_eq!(l[0]["Action"], "");
    assert_eq!(l[0]["Commentaire"], "");
    assert_eq!(l[0]["email"], "ana@exemple.fr");
    assert_eq!(l[2]["code_dossier"], "C001");
    assert_eq!(l[2]["Commentaire"], "mensuel");
    assert_eq!(l[3]["ligne"], "3");
    // The e-mail column of another sheet is not this sheet's.
    assert_eq!(l[4]["statut"], "INVALIDE");
    assert!(l[4]["message"].contains("« email » absente de cette feuille"), "{}", l[4]["message"]);
}

#[test]
fn a_field_named_twice_uses_the_first_column_and_carries_the_second() {
    let w = Work::new();
    let input = w.csv_1252(
        "double.csv",
        &["code_dossier;email;nom;offre;E-mail", "D1;premier@exemple.fr;Roux;start;second@exemple.fr"],
    );
    let out = w.path("r.csv");
    let plan = w.path("plan.json");
    let check = w.bin().args(["check", input.to_str().unwrap(), "--results", out.to_str().unwrap()]).assert().code(0);
    let err = String::from_utf8_lossy(&check.get_output().stderr).to_string();
    assert!(err.contains("« E-mail »") && err.contains("déjà lu"), "{err}");
    let l = results_csv(&out);
    assert_eq!(l[0]["email"], "premier@exemple.fr");
    assert_eq!(l[0]["E-mail"], "second@exemple.fr");
    w.bin().args(["plan", input.to_str().unwrap(), "--out", plan.to_str().unwrap()]).assert().code(0);
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&plan).unwrap()).unwrap();
    let add_client =
        v["calls"].as_array().unwrap().iter().find(|c| c["route"].as_str().unwrap().ends_with("addClient"));
    assert_eq!(add_client.unwrap()["body"]["email"], "premier@exemple.fr");
}

#[test]
fn checks_across_rows_span_the_whole_file_and_the_counts_follow() {
    let w = Work::new();
    let mut lines = vec!["code_dossier;email;nom;prenom;offre".to_string()];
    for i in 0..3000 {
        lines.push(format!("D{i:05};p{i}@exemple.fr;Nom{i};Prenom{i};start"));
    }
    // Rows far apart (in different batches of the reader): one e-mail for two
    // people, and a row repeated.
    lines[2501] = "D02500;p10@exemple.fr;Autre;Personne;start".to_string();
    lines[3000] = lines[6].clone();
    let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
    let input = w.csv_1252("grand.csv", &refs);
    let out = w.path("r.csv");
    let json = w
        .bin()
        .args(["check", input.to_str().unwrap(), "--results", out.to_str().unwrap(), "--format", "json"])
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let l = results_csv(&out);
    assert_eq!(l.len(), 3000);
    for i in [10, 2500] {
        assert_eq!(l[i]["statut"], "INVALIDE", "row {i}");
        assert!(
            l[i]["message"].contains("p10@exemple.fr") && l[i]["message"].contains("ligne 2502"),
            "{}",
            l[i]["message"]
        );
    }
    assert_eq!(l[2999]["statut"], "INVALIDE");
    assert!(l[2999]["message"].contains("double") && l[2999]["message"].contains("ligne 7"), "{}", l[2999]["message"]);
    assert_eq!(l[5]["statut"], "VALIDE", "the first of two equal rows stays valid");
    // The counts are those of the valid rows only: provisionCompany, addOffer
    // and addClient for each of the 2,997.
    let v: serde_json::Value = serde_json::from_slice(&json).unwrap();
    assert_eq!(v["rows"]["valid"], 2997);
    assert_eq!(v["rows"]["invalid"], 3);
    assert_eq!(v["dossiers"], 2997);
    assert_eq!(v["calls"]["total"], 3 * 2997);
}

#[test]
fn xls_97_2003_is_read_like_the_other_workbooks() {
    // No Rust crate writes .xls: see tests/fixtures/make_xls.py.
    for fixture in ["portefeuille-97.xls", "portefeuille-97-libreoffice.xls"] {
        xls_fixture_is_checked_row_by_row(fixture);
    }
}

fn xls_fixture_is_checked_row_by_row(fixture: &str) {
    println!("fixture: {fixture}");
    let w = Work::new();
    let fixture = format!("{}/tests/fixtures/{fixture}", env!("CARGO_MANIFEST_DIR"));
    std::fs::copy(&fixture, w.path("portefeuille.xls")).unwrap();
    w.file("loopbatch.toml", b"code_dossier_width = 6\n");
    let check = w.bin().args(["check", "portefeuille.xls", "--results", "r.csv"]).assert().code(1);
    let err = String::from_utf8_lossy(&check.get_output().stderr).to_string();
    assert!(err.contains("« Notes » ignorée"), "{err}");
    let l = results_csv(&w.path("r.csv"));
    assert_eq!(l.len(), 3);
    // Row numbers as Excel shows them: a title row, a blank row, the header.
    assert_eq!((l[0]["feuille"].as_str(), l[0]["ligne"].as_str()), ("Clients 2026", "4"));
    assert_eq!(l[0]["statut"], "VALIDE", "{}", l[0]["message"]);
    assert_eq!(l[0]["Prénom"], "Hélène");
    assert_eq!(l[0]["Entrée"], "2026-11-02", "a date cell as ISO 8601");
    assert!(l[0]["message"].contains("complété en 000042"), "{}", l[0]["message"]);
    assert!(l[0]["message"].contains("corrigé en 0612345678"), "{}", l[0]["message"]);
    assert_eq!(l[1]["statut"], "VALIDE");
    assert_eq!(l[1]["Nom"], "Núñez");
    assert_eq!(l[2]["Nom"], "Œuvre", "BIFF8 text beyond Latin-1");
    assert_eq!(l[2]["statut"], "INVALIDE");
    for what in ["pas-un-email", "06 12", "premium"] {
        assert!(l[2]["message"].contains(what), "{what}: {}", l[2]["message"]);
    }
    assert_eq!(l[2]["Commentaire"], "'=1+1", "carried as text, guarded in the CSV");
}

#[test]
fn the_space_warning_is_only_for_spaces_a_person_cannot_see() {
    let w = Work::new();
    w.file(
        "espaces.csv",
        "code dossier;email;nom;prenom;offre\n\
         ESP001; ordinaire@exemple.fr ;Dupont;Ana;start\n\
         ESP002;\u{a0}insecable@exemple.fr;Durand;Léo;start\n\
         ESP003;\u{200b}invisible@exemple.fr;Martin;Lou;start\n"
            .as_bytes(),
    );
    let out = w.path("r.csv");
    w.bin().args(["check", "espaces.csv", "--results", out.to_str().unwrap()]).output().unwrap();
    let lines = results_csv(&out);
    let said = |i: usize| lines[i]["message"].contains("insécables ou invisibles");
    assert!(!said(0), "an ordinary space is not named a non-breaking one: {}", lines[0]["message"]);
    assert!(said(1), "{}", lines[1]["message"]);
    assert!(said(2), "{}", lines[2]["message"]);
}

#[test]
fn a_french_number_that_lost_its_plus_gets_a_french_example() {
    let w = Work::new();
    w.file(
        "tel.csv",
        b"code dossier;email;nom;telephone;offre\nTEL001;a@exemple.fr;Dupont;33612345678;start\nTEL002;b@exemple.fr;Durand;412234567890;start\n",
    );
    let out = w.path("r.csv");
    w.bin().args(["check", "tel.csv", "--results", out.to_str().unwrap()]).output().unwrap();
    let lines = results_csv(&out);
    assert!(lines[0]["message"].contains("envoyé comme 0612345678"), "read as French: {}", lines[0]["message"]);
    let lost = &lines[1]["message"];
    assert!(lost.contains("comme +33 6 12 34 56 78") && !lost.contains("+41 22"), "a French example: {lost}");
}

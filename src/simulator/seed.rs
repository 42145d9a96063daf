//! The simulator's starting model: dossiers and contacts read from sheets
//! (with the engine's own reader), or generated.

use std::path::{Path, PathBuf};

use rand::SeedableRng;
use rand::rngs::StdRng;

use crate::error::Result;
use crate::headers::Field;
use crate::i18n::Lang;
use crate::normalize::fold_key;
use crate::read::{ReadOptions, Table, read_table};

use super::state::{self, Contact, Dossier, Model};

/// Where the simulator's dossiers and contacts come from.
#[derive(Debug, Clone, Default)]
pub struct Seed {
    pub dossiers: Option<PathBuf>,
    pub contacts: Option<PathBuf>,
    pub generate: Option<usize>,
    pub uninvited_domains: Vec<String>,
}

/// Builds the model from sheets or generates `n` dossiers; `seed_value`
/// makes the ids the same from one run to the next.
pub fn build_model(seed: &Seed, seed_value: u64, lang: Lang) -> Result<Model> {
    let mut rng = StdRng::seed_from_u64(seed_value);
    let mut model = Model::default();
    if let Some(path) = &seed.dossiers {
        load_dossiers(&mut model, path, &mut rng, lang)?;
    }
    if let Some(n) = seed.generate {
        generate_dossiers(&mut model, n, &mut rng);
    }
    if let Some(path) = &seed.contacts {
        load_contacts(&mut model, path, &mut rng, lang)?;
    }
    model.uninvited_domains = seed.uninvited_domains.iter().map(|d| d.trim().to_lowercase()).collect();
    Ok(model)
}

fn read(path: &Path, lang: Lang) -> Result<Table> {
    read_table(path, &ReadOptions { lang, ..Default::default() })
}

fn cell(table: &Table, row: usize, column: Option<usize>) -> String {
    column.and_then(|i| table.rows[row].get(i)).map(|c| c.text.trim().to_string()).unwrap_or_default()
}

fn load_dossiers(model: &mut Model, path: &Path, rng: &mut StdRng, lang: Lang) -> Result<()> {
    let table = read(path, lang)?;
    let col = |names: &[&str]| table.columns.iter().position(|c| names.contains(&fold_key(c).as_str()));
    let code = table.map.get(Field::CodeDossier);
    let raison = col(&["raisonsociale"]);
    let nom_usuel = col(&["nomusuel"]);
    let statut = col(&["statut", "status"]);
    let maitre = col(&["maitredossier"]);
    let manager = col(&["engagementmanager"]);
    let offers = table.map.get(Field::Offre).or(col(&["offres", "offers"]));
    for r in 0..table.rows.len() {
        let get = |i: Option<usize>| cell(&table, r, i);
        let code = get(code);
        if code.is_empty() {
            continue;
        }
        let operational = fold_key(&get(statut)).starts_with("oper");
        let d = Dossier {
            object_id: state::uuid(rng),
            code: code.clone(),
            raison_sociale: get(raison),
            nom_usuel: get(nom_usuel),
            statut: if operational { "Opérationnel" } else { "A préparer" }.into(),
            maitre_dossier: get(maitre),
            engagement_manager: get(manager),
            offers: get(offers).split([',', ' ', '|']).filter_map(crate::normalize::offer).map(String::from).collect(),
        };
        model.dossiers.insert(code, d);
    }
    Ok(())
}

fn generate_dossiers(model: &mut Model, n: usize, rng: &mut StdRng) {
    let managers = ["claire.masson@cabinet-exemple.fr", "olivier.renaud@cabinet-exemple.fr"];
    for i in 1..=n {
        let code = format!("SIM{i:05}");
        let d = Dossier {
            object_id: state::uuid(rng),
            code: code.clone(),
            raison_sociale: format!("Société {i} SAS"),
            nom_usuel: format!("Société {i}"),
            statut: if i % 4 == 0 { "A préparer" } else { "Opérationnel" }.into(),
            maitre_dossier: managers[i % 2].into(),
            engagement_manager: managers[(i + 1) % 2].into(),
            offers: Default::default(),
        };
        model.dossiers.insert(code, d);
    }
}

fn load_contacts(model: &mut Model, path: &Path, rng: &mut StdRng, lang: Lang) -> Result<()> {
    let table = read(path, lang)?;
    let email = table.map.get(Field::Email);
    for r in 0..table.rows.len() {
        let get = |i: Option<usize>| cell(&table, r, i);
        let e = get(email);
        let code = get(table.map.get(Field::CodeDossier));
        if e.is_empty() || code.is_empty() {
            continue;
        }
        let offre = crate::normalize::offer(&get(table.map.get(Field::Offre))).map(String::from);
        let key = crate::normalize::email_key(&e).into_owned();
        let c = model.contacts.entry(key).or_insert_with(|| Contact {
            object_id: state::uuid(rng),
            user_id: state::uuid(rng),
            email: e.clone(),
            fields: Default::default(),
            dossiers: Default::default(),
        });
        c.dossiers.entry(code).or_default().extend(offre);
    }
    Ok(())
}

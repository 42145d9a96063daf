//! Stage 4, plan: valid rows become the Cegid Loop calls to send, each with
//! the input rows it serves and the calls it waits for.
//!
//! One provisionCompany per dossier, one dossier-level addOffer per
//! (dossier, offre), one addClient per person (further dossiers get
//! addCollaborativeOffer). Per dossier: provision, add offers, add then
//! update interlocuteurs, remove applications, remove offers. `depends_on`
//! holds real dependencies only: when one fails, the calls waiting on it are
//! not sent. The calls are listed in an order that respects them.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use crate::config::{Config, Routes};
use crate::error::{Failure, Result};
use crate::i18n::Lang;
use crate::normalize::email_key;
use crate::read::Table;
use crate::rows::{Action, Row};

pub const FORMAT_VERSION: u32 = 1;

/// The Cegid Loop operations a plan can hold, in per-dossier order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Operation {
    ProvisionCompany,
    AddOffer,
    AddClient,
    AddCollaborativeOffer,
    UpdateClient,
    RemoveApplication,
    RemoveOffer,
}

impl Operation {
    pub const ALL: [Operation; 7] = [
        Operation::ProvisionCompany,
        Operation::AddOffer,
        Operation::AddClient,
        Operation::AddCollaborativeOffer,
        Operation::UpdateClient,
        Operation::RemoveApplication,
        Operation::RemoveOffer,
    ];

    /// The API's name for it, also the `etape` column of the results.
    pub fn name(self) -> &'static str {
        match self {
            Operation::ProvisionCompany => "provisionCompany",
            Operation::AddOffer => "addOffer",
            Operation::AddClient => "addClient",
            Operation::AddCollaborativeOffer => "addCollaborativeOffer",
            Operation::UpdateClient => "updateClient",
            Operation::RemoveApplication => "removeApplication",
            Operation::RemoveOffer => "removeOffer",
        }
    }

    pub fn route(self, r: &Routes) -> &str {
        match self {
            Operation::ProvisionCompany => &r.provision_company,
            Operation::AddOffer => &r.add_offer,
            Operation::AddClient => &r.add_client,
            Operation::AddCollaborativeOffer => &r.add_collaborative_offer,
            Operation::UpdateClient => &r.update_client,
            Operation::RemoveApplication => &r.remove_application,
            Operation::RemoveOffer => &r.remove_offer,
        }
    }

    /// Whether sending it twice cannot create a duplicate. addClient is the
    /// one that can (a second contact, or an error that hides the first).
    pub fn idempotent(self) -> bool {
        !matches!(self, Operation::AddClient)
    }
}

/// A row as {feuille, ligne}: how calls name the rows they serve.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct RowRef {
    pub feuille: String,
    pub ligne: u32,
}

/// What validation said of a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum RowCheck {
    Valide,
    Invalide,
    Ignore,
}

/// An input row as the plan keeps it: enough to write results from the plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanRow {
    pub feuille: String,
    pub ligne: u32,
    /// The original cells, aligned on `Plan::columns`.
    pub values: Vec<String>,
    /// Indexes of the cells the spreadsheet held as numbers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub numbers: Vec<usize>,
    pub check: RowCheck,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

impl PlanRow {
    pub fn row_ref(&self) -> RowRef {
        RowRef { feuille: self.feuille.clone(), ligne: self.ligne }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Call {
    pub id: u32,
    pub operation: Operation,
    pub route: String,
    pub dossier: String,
    /// Exactly the JSON that will be sent.
    pub body: Value,
    pub rows: Vec<RowRef>,
    pub depends_on: Vec<u32>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanSource {
    pub file: String,
    pub sha256: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    pub format_version: u32,
    pub source: PlanSource,
    pub columns: Vec<String>,
    pub rows: Vec<PlanRow>,
    pub calls: Vec<Call>,
}

/// A dependency named by what it is, resolved once every call exists.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Need {
    Provision(String),
    DossierOffer(String, &'static str),
    Person(String),
    PersonOnDossier(String, String),
    NewOfferAdds(String, &'static str),
}

struct Draft {
    op: Operation,
    dossier: String,
    body: Value,
    rows: BTreeSet<usize>,
    needs: BTreeSet<Need>,
    seq: usize,
}

#[derive(Default)]
struct Builder {
    drafts: Vec<Draft>,
    by_body: HashMap<(Operation, String), usize>,
    /// Person key -> the addClient draft that creates the person.
    creates: HashMap<String, usize>,
    dossier_order: HashMap<String, usize>,
}

impl Builder {
    fn add(&mut self, op: Operation, dossier: &str, body: Value, row: usize, needs: Vec<Need>) -> usize {
        let n = self.dossier_order.len();
        self.dossier_order.entry(dossier.to_string()).or_insert(n);
        let key = (op, body.to_string());
        let i = match self.by_body.get(&key) {
            Some(&i) => i,
            None => {
                let seq = self.drafts.len();
                self.drafts.push(Draft {
                    op,
                    dossier: dossier.to_string(),
                    body,
                    rows: BTreeSet::new(),
                    needs: BTreeSet::new(),
                    seq,
                });
                self.by_body.insert(key, seq);
                seq
            }
        };
        self.drafts[i].rows.insert(row);
        self.drafts[i].needs.extend(needs);
        i
    }

    /// Gives `offre` on dossier `d` to the row's person: addClient the first
    /// time the person is met, addCollaborativeOffer afterwards.
    fn give_person(&mut self, r: &Row, d: &str, offre: &'static str) -> usize {
        let email = r.email.clone().unwrap_or_default();
        let key = email_key(&email);
        let needs = vec![Need::Provision(d.into()), Need::DossierOffer(d.into(), offre)];
        if self.creates.contains_key(&key) {
            return self.collab(r, d, offre);
        }
        let mut body = Map::new();
        body.insert("email".into(), json!(email));
        body.insert("codeDossier".into(), json!(d));
        body.insert("offre".into(), json!(offre));
        insert_opt(&mut body, "nom", r.nom.as_deref());
        insert_opt(&mut body, "prenom", r.prenom.as_deref());
        insert_opt(&mut body, "telephone", r.telephone.as_deref());
        insert_opt(&mut body, "profile", r.profil.as_deref());
        // Blank `social` is false, as the seed's example implies.
        body.insert("social".into(), json!(r.social.unwrap_or(false)));
        let i = self.add(Operation::AddClient, d, Value::Object(body), r.index, needs);
        self.creates.insert(key, i);
        i
    }

    fn collab(&mut self, r: &Row, d: &str, offre: &'static str) -> usize {
        let email = r.email.clone().unwrap_or_default();
        let needs =
            vec![Need::Provision(d.into()), Need::DossierOffer(d.into(), offre), Need::Person(email_key(&email))];
        let body = json!({"email": email, "codeDossier": d, "offre": offre});
        self.add(Operation::AddCollaborativeOffer, d, body, r.index, needs)
    }

    fn row(&mut self, r: &Row, cfg: &Config) {
        let (Some(action), Some(d)) = (r.action, r.code_dossier.as_deref()) else { return };
        let provision = |b: &mut Builder| {
            b.add(Operation::ProvisionCompany, d, json!({"codeDossier": d}), r.index, vec![]);
        };
        let dossier_offer = |b: &mut Builder, o: &'static str| {
            b.add(
                Operation::AddOffer,
                d,
                json!({"codeDossier": d, "offre": o}),
                r.index,
                vec![Need::Provision(d.into())],
            );
        };
        match action {
            Action::Onboarding => {
                let offre = r.offre.unwrap_or_default();
                provision(self);
                if cfg.onboarding_add_offer {
                    dossier_offer(self, offre);
                }
                if r.email.is_some() {
                    self.give_person(r, d, offre);
                }
            }
            Action::Provisionner => provision(self),
            Action::AjouterOffre => {
                let offre = r.offre.unwrap_or_default();
                if r.email.is_some() {
                    self.collab(r, d, offre);
                } else {
                    dossier_offer(self, offre);
                }
            }
            Action::AjouterInterlocuteur => {
                self.give_person(r, d, r.offre.unwrap_or_default());
            }
            Action::ModifierInterlocuteur => {
                let email = r.email.clone().unwrap_or_default();
                let mut body = Map::new();
                body.insert("email".into(), json!(email));
                body.insert("codeDossier".into(), json!(d));
                // A blank cell leaves the field out: it never resets anything.
                insert_opt(&mut body, "offre", r.offre);
                insert_opt(&mut body, "nom", r.nom.as_deref());
                insert_opt(&mut body, "prenom", r.prenom.as_deref());
                insert_opt(&mut body, "telephone", r.telephone.as_deref());
                insert_opt(&mut body, "profile", r.profil.as_deref());
                insert_bool(&mut body, "social", r.social);
                insert_bool(&mut body, "actif", r.actif);
                insert_bool(&mut body, "defaultIssuer", r.emetteur_par_defaut);
                let needs = vec![Need::Provision(d.into()), Need::PersonOnDossier(email_key(&email), d.into())];
                self.add(Operation::UpdateClient, d, Value::Object(body), r.index, needs);
            }
            Action::RetirerApplication => {
                let email = r.email.clone().unwrap_or_default();
                let body = json!({"email": email, "codeDossier": d, "offre": r.offre.unwrap_or_default()});
                let needs = vec![Need::Provision(d.into()), Need::PersonOnDossier(email_key(&email), d.into())];
                self.add(Operation::RemoveApplication, d, body, r.index, needs);
            }
            Action::RetirerOffre => {
                let body = json!({"codeDossier": d, "offre": r.offre.unwrap_or_default()});
                self.add(Operation::RemoveOffer, d, body, r.index, vec![Need::Provision(d.into())]);
            }
            Action::ChangerOffre => {
                let (new, old) = (r.offre.unwrap_or_default(), r.ancienne_offre.unwrap_or_default());
                match &r.email {
                    // One contact: give the new offer, then take the old one.
                    Some(email) => {
                        self.collab(r, d, new);
                        let body = json!({"email": email, "codeDossier": d, "offre": old});
                        let needs = vec![Need::PersonOnDossier(email_key(email), d.into())];
                        self.add(Operation::RemoveApplication, d, body, r.index, needs);
                    }
                    // The whole dossier: the old offer goes only once every add
                    // of the new one on this dossier succeeded.
                    None => {
                        dossier_offer(self, new);
                        let body = json!({"codeDossier": d, "offre": old});
                        let needs = vec![Need::NewOfferAdds(d.into(), new)];
                        self.add(Operation::RemoveOffer, d, body, r.index, needs);
                    }
                }
            }
        }
    }

    /// Turns named needs into draft indexes.
    fn resolve(&self) -> Vec<BTreeSet<usize>> {
        let mut provides: HashMap<Need, Vec<usize>> = HashMap::new();
        for (i, c) in self.drafts.iter().enumerate() {
            let email = c.body.get("email").and_then(Value::as_str).map(email_key);
            let offre = c.body.get("offre").and_then(Value::as_str).and_then(crate::normalize::offer);
            let d = c.dossier.clone();
            let mut give = |n: Need| provides.entry(n).or_default().push(i);
            match c.op {
                Operation::ProvisionCompany => give(Need::Provision(d)),
                Operation::AddOffer => {
                    if let Some(o) = offre {
                        give(Need::DossierOffer(d.clone(), o));
                        give(Need::NewOfferAdds(d, o));
                    }
                }
                Operation::AddClient | Operation::AddCollaborativeOffer => {
                    if let Some(e) = email {
                        if c.op == Operation::AddClient {
                            give(Need::Person(e.clone()));
                        }
                        give(Need::PersonOnDossier(e, d.clone()));
                    }
                    if let Some(o) = offre {
                        give(Need::NewOfferAdds(d, o));
                    }
                }
                _ => {}
            }
        }
        self.drafts
            .iter()
            .enumerate()
            .map(|(i, c)| {
                c.needs
                    .iter()
                    .flat_map(|n| provides.get(n).into_iter().flatten().copied())
                    .filter(|&j| j != i)
                    .collect()
            })
            .collect()
    }
}

fn insert_opt(body: &mut Map<String, Value>, key: &str, v: Option<&str>) {
    if let Some(v) = v {
        body.insert(key.into(), json!(v));
    }
}

fn insert_bool(body: &mut Map<String, Value>, key: &str, v: Option<bool>) {
    if let Some(v) = v {
        body.insert(key.into(), json!(v));
    }
}

/// Builds the plan from the typed, validated rows. The table is consumed:
/// its cells move into the plan's rows rather than being copied.
pub fn build(table: Table, rows: &[Row], cfg: &Config) -> Plan {
    let mut b = Builder::default();
    for r in rows.iter().filter(|r| r.is_valid()) {
        b.row(r, cfg);
    }
    let deps = b.resolve();
    // Default order: dossiers as first met, then per-dossier phase, then
    // creation; then a depth-first pass puts every dependency first.
    let mut order: Vec<usize> = (0..b.drafts.len()).collect();
    order.sort_by_key(|&i| {
        let c = &b.drafts[i];
        (b.dossier_order[&c.dossier], c.op, c.seq)
    });
    let mut placed = vec![false; b.drafts.len()];
    let mut sequence = Vec::with_capacity(order.len());
    for &i in &order {
        place(i, &deps, &mut placed, &mut sequence);
    }
    let mut id_of = vec![0u32; b.drafts.len()];
    for (n, &i) in sequence.iter().enumerate() {
        id_of[i] = n as u32 + 1;
    }
    let row_ref = |i: usize| RowRef { feuille: table.rows[i].sheet.clone(), ligne: table.rows[i].line };
    let source = PlanSource { file: table.source.name.clone(), sha256: table.source.sha256.clone() };
    let calls = sequence
        .iter()
        .map(|&i| {
            let c = &b.drafts[i];
            Call {
                id: id_of[i],
                operation: c.op,
                route: c.op.route(&cfg.routes).to_string(),
                dossier: c.dossier.clone(),
                body: c.body.clone(),
                rows: c.rows.iter().map(|&r| row_ref(rows[r].index)).collect(),
                depends_on: deps[i].iter().map(|&j| id_of[j]).collect::<BTreeSet<_>>().into_iter().collect(),
            }
        })
        .collect();
    let columns = table.columns;
    let mut raws: Vec<Option<crate::read::RawRow>> = table.rows.into_iter().map(Some).collect();
    let plan_rows = rows
        .iter()
        .map(|r| {
            let raw = raws[r.index].take().unwrap_or_else(|| crate::read::RawRow {
                sheet: String::new(),
                line: 0,
                cells: Vec::new(),
                notes: Vec::new(),
            });
            PlanRow {
                feuille: raw.sheet,
                ligne: raw.line,
                numbers: raw.cells.iter().enumerate().filter(|(_, c)| c.number).map(|(i, _)| i).collect(),
                values: raw.cells.into_iter().map(|c| c.text).collect(),
                check: if r.ignored {
                    RowCheck::Ignore
                } else if r.problems.is_empty() {
                    RowCheck::Valide
                } else {
                    RowCheck::Invalide
                },
                problems: r.problems.clone(),
                warnings: r.warnings.clone(),
            }
        })
        .collect();
    Plan { format_version: FORMAT_VERSION, source, columns, rows: plan_rows, calls }
}

fn place(i: usize, deps: &[BTreeSet<usize>], placed: &mut [bool], out: &mut Vec<usize>) {
    if placed[i] {
        return;
    }
    placed[i] = true;
    for &d in &deps[i] {
        place(d, deps, placed, out);
    }
    out.push(i);
}

/// Counts for the summary: dossiers, calls per operation, rows per check.
#[derive(Debug, Clone, Default, Serialize)]
pub struct PlanCounts {
    pub rows: usize,
    pub valid: usize,
    pub invalid: usize,
    pub ignored: usize,
    pub with_warnings: usize,
    pub dossiers: usize,
    pub calls: usize,
    pub calls_per_route: BTreeMap<String, usize>,
}

impl Plan {
    pub fn counts(&self) -> PlanCounts {
        let mut c = PlanCounts { rows: self.rows.len(), calls: self.calls.len(), ..Default::default() };
        for r in &self.rows {
            match r.check {
                RowCheck::Valide => c.valid += 1,
                RowCheck::Invalide => c.invalid += 1,
                RowCheck::Ignore => c.ignored += 1,
            }
            if !r.warnings.is_empty() {
                c.with_warnings += 1;
            }
        }
        let dossiers: BTreeSet<&str> = self.calls.iter().map(|c| c.dossier.as_str()).collect();
        c.dossiers = dossiers.len();
        for call in &self.calls {
            *c.calls_per_route.entry(call.route.clone()).or_default() += 1;
        }
        c
    }

    /// The plan's identity: a journal belongs to exactly one plan.
    pub fn hash(&self) -> String {
        let calls = serde_json::to_vec(&self.calls).unwrap_or_default();
        let mut h = Sha256::new();
        h.update(self.source.sha256.as_bytes());
        h.update(&calls);
        format!("{:x}", h.finalize())
    }

    pub fn save_json(&self, path: &Path, lang: Lang) -> Result<()> {
        let text = serde_json::to_string_pretty(self).map_err(|e| Failure::unusable(e.to_string()))?;
        crate::report::write_atomic(path, text.as_bytes(), lang)
    }

    pub fn load_json(path: &Path, lang: Lang) -> Result<Plan> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            Failure::unusable(format!("{} {} : {e}", lang.t("Plan illisible :", "Unreadable plan:"), path.display()))
        })?;
        let plan: Plan = serde_json::from_str(&text).map_err(|e| {
            Failure::unusable(format!(
                "{} {} : {e}. {}",
                lang.t("Plan invalide :", "Invalid plan:"),
                path.display(),
                lang.t("Régénérez-le avec `loopbatch plan`.", "Generate it again with `loopbatch plan`.")
            ))
        })?;
        if plan.format_version != FORMAT_VERSION {
            return Err(Failure::unusable(format!(
                "{} {} : format_version {} ({} {FORMAT_VERSION}).",
                lang.t("Plan d'une autre version de loopbatch :", "Plan from another loopbatch version:"),
                path.display(),
                plan.format_version,
                lang.t("attendu", "expected")
            )));
        }
        Ok(plan)
    }
}

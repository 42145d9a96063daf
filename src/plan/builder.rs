//! Building the plan: named needs resolved into dependencies, then calls
//! ordered so that every dependency comes first.

use std::collections::BTreeMap;
use std::sync::Arc;

use rayon::prelude::*;
use rustc_hash::{FxHashMap, FxHashSet};
use serde::Serialize;
use serde_json::value::RawValue;

use crate::config::Config;
use crate::loop_api::Operation;
use crate::normalize::email_key;
use crate::read::Table;
use crate::rows::{Action, Row};

use super::{Call, FORMAT_VERSION, Kept, Plan, PlanRow, PlanSource, RowCheck, RowRef};

/// A dependency named by what it is, resolved once every call exists.
/// Dossiers and people are interned: ids, not strings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Need {
    Provision(u32),
    DossierOffer(u32, u8),
    Person(u32),
    PersonOnDossier(u32, u32),
    NewOfferAdds(u32, u8),
}

/// What makes two calls one call, served once for all their rows.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Key {
    Target {
        op: Operation,
        dossier: u32,
        person: u32,
        offer: u8,
    },
    /// updateClient: rows asking for different changes are different calls.
    Body(String),
}

const NONE: u32 = u32::MAX;

/// The JSON body of a call, fields in the order the seed shows; absent
/// fields are left out (a blank cell never resets anything).
#[derive(Serialize, Default)]
struct Body<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    email: Option<&'a str>,
    #[serde(rename = "codeDossier")]
    code_dossier: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    offre: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    nom: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    prenom: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    telephone: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    profile: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    social: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    actif: Option<bool>,
    #[serde(rename = "defaultIssuer", skip_serializing_if = "Option::is_none")]
    default_issuer: Option<bool>,
}

impl Body<'_> {
    fn json(&self) -> Box<RawValue> {
        // Strings and booleans always serialise.
        serde_json::value::to_raw_value(self).unwrap_or_default()
    }
}

struct Draft {
    op: Operation,
    dossier: u32,
    person: u32,
    offer: u8,
    body: Box<RawValue>,
    /// Indexes of the typed rows served, in input order.
    rows: Vec<u32>,
    needs: Vec<Need>,
}

/// Strings met once, then named by their index.
#[derive(Default)]
struct Interner {
    ids: FxHashMap<Arc<str>, u32>,
    names: Vec<Arc<str>>,
}

impl Interner {
    fn id(&mut self, s: &str) -> u32 {
        if let Some(&i) = self.ids.get(s) {
            return i;
        }
        let i = self.names.len() as u32;
        let name: Arc<str> = Arc::from(s);
        self.names.push(name.clone());
        self.ids.insert(name, i);
        i
    }
}

fn offer_index(o: &str) -> u8 {
    crate::normalize::OFFERS.iter().position(|x| *x == o).unwrap_or(0) as u8
}

#[derive(Default)]
struct Builder {
    /// `check` needs only the counts: it records (operation, dossier) per
    /// call in `counted` instead of drafts with bodies, rows and needs.
    bodies: bool,
    counted: Vec<(Operation, u32)>,
    drafts: Vec<Draft>,
    by_key: FxHashMap<Key, u32>,
    /// Per dossier id: its calls that are one per dossier or per (dossier,
    /// offer), found by index rather than hashed.
    per_dossier: Vec<DossierCalls>,
    /// Person id -> the addClient draft that creates the person.
    creates: FxHashMap<u32, u32>,
    dossiers: Interner,
    people: Interner,
}

/// A dossier's provisionCompany and dossier-level offer calls (`NONE`: not
/// planned yet), by offer index.
#[derive(Clone, Copy)]
struct DossierCalls {
    provision: u32,
    add_offer: [u32; 3],
    remove_offer: [u32; 3],
}

impl DossierCalls {
    const EMPTY: DossierCalls = DossierCalls { provision: NONE, add_offer: [NONE; 3], remove_offer: [NONE; 3] };
}

impl Builder {
    /// The index of the call `key` names, given `next` as its index if it
    /// is new.
    fn call_index(&mut self, key: Key, next: u32) -> u32 {
        if let Key::Target { op, dossier, person: NONE, offer } = key
            && matches!(op, Operation::ProvisionCompany | Operation::AddOffer | Operation::RemoveOffer)
        {
            let d = dossier as usize;
            if self.per_dossier.len() <= d {
                self.per_dossier.resize(d + 1, DossierCalls::EMPTY);
            }
            let calls = &mut self.per_dossier[d];
            let slot = match op {
                Operation::ProvisionCompany => Some(&mut calls.provision),
                Operation::AddOffer => calls.add_offer.get_mut(offer as usize),
                _ => calls.remove_offer.get_mut(offer as usize),
            };
            if let Some(slot) = slot {
                if *slot == NONE {
                    *slot = next;
                }
                return *slot;
            }
        }
        *self.by_key.entry(key).or_insert(next)
    }

    /// Adds a call, or adds the row to the same call met before.
    fn add(
        &mut self,
        key: Key,
        op: Operation,
        at: (u32, u32, u8),
        body: impl FnOnce() -> Box<RawValue>,
        row: u32,
        needs: &[Need],
    ) -> u32 {
        if !self.bodies {
            let n = self.counted.len() as u32;
            let i = self.call_index(key, n);
            if i == n {
                self.counted.push((op, at.0));
            }
            return i;
        }
        let n = self.drafts.len() as u32;
        let i = match self.call_index(key, n) {
            i if i != n => i,
            i => {
                self.drafts.push(Draft {
                    op,
                    dossier: at.0,
                    person: at.1,
                    offer: at.2,
                    body: body(),
                    rows: Vec::new(),
                    needs: Vec::new(),
                });
                i
            }
        };
        let d = &mut self.drafts[i as usize];
        if d.rows.last() != Some(&row) {
            d.rows.push(row);
        }
        for n in needs {
            if !d.needs.contains(n) {
                d.needs.push(*n);
            }
        }
        i
    }

    #[allow(clippy::too_many_arguments)]
    fn target(
        &mut self,
        op: Operation,
        dossier: u32,
        person: u32,
        offre: Option<&'static str>,
        row: u32,
        needs: &[Need],
        body: Body,
    ) -> u32 {
        let offer = offre.map_or(u8::MAX, offer_index);
        let key = Key::Target { op, dossier, person, offer };
        self.add(key, op, (dossier, person, offer), || body.json(), row, needs)
    }

    /// Gives `offre` on dossier `d` to the row's person: addClient the first
    /// time the person is met, addCollaborativeOffer afterwards.
    fn give_person(&mut self, r: &Row, person: u32, (d, di): (&str, u32), offre: &'static str) {
        let email = r.email.as_deref().unwrap_or_default();
        if self.creates.contains_key(&person) {
            return self.collab(r, person, (d, di), offre);
        }
        let oi = offer_index(offre);
        let body = Body {
            email: Some(email),
            code_dossier: d,
            offre: Some(offre),
            nom: r.nom.as_deref(),
            prenom: r.prenom.as_deref(),
            telephone: r.telephone.as_deref(),
            profile: r.profil.as_deref(),
            // Blank `social` is false, as the seed's example implies.
            social: Some(r.social.unwrap_or(false)),
            ..Body::default()
        };
        let needs = [Need::Provision(di), Need::DossierOffer(di, oi)];
        let i = self.target(Operation::AddClient, di, person, Some(offre), r.index as u32, &needs, body);
        self.creates.insert(person, i);
    }

    fn collab(&mut self, r: &Row, pi: u32, (d, di): (&str, u32), offre: &'static str) {
        let email = r.email.as_deref().unwrap_or_default();
        let oi = offer_index(offre);
        let needs = [Need::Provision(di), Need::DossierOffer(di, oi), Need::Person(pi)];
        let body = Body { email: Some(email), code_dossier: d, offre: Some(offre), ..Body::default() };
        self.target(Operation::AddCollaborativeOffer, di, pi, Some(offre), r.index as u32, &needs, body);
    }

    fn dossier_offer(&mut self, row: u32, (d, di): (&str, u32), offre: &'static str) {
        let body = Body { code_dossier: d, offre: Some(offre), ..Body::default() };
        self.target(Operation::AddOffer, di, NONE, Some(offre), row, &[Need::Provision(di)], body);
    }

    fn update_client(&mut self, r: &Row, pi: u32, (d, di): (&str, u32)) {
        let email = r.email.as_deref().unwrap_or_default();
        let body = Body {
            email: Some(email),
            code_dossier: d,
            offre: r.offre,
            nom: r.nom.as_deref(),
            prenom: r.prenom.as_deref(),
            telephone: r.telephone.as_deref(),
            profile: r.profil.as_deref(),
            social: r.social,
            actif: r.actif,
            default_issuer: r.emetteur_par_defaut,
        }
        .json();
        let needs = [Need::Provision(di), Need::PersonOnDossier(pi, di)];
        let op = Operation::UpdateClient;
        self.add(Key::Body(body.get().to_string()), op, (di, pi, u8::MAX), || body, r.index as u32, &needs);
    }

    fn change_offer(&mut self, r: &Row, pi: u32, (d, di): (&str, u32), offre: &'static str) {
        let row = r.index as u32;
        let old = r.ancienne_offre.unwrap_or_default();
        match r.email.as_deref() {
            // One contact: give the new offer, then take the old one.
            Some(email) => {
                self.collab(r, pi, (d, di), offre);
                let body = Body { email: Some(email), code_dossier: d, offre: Some(old), ..Body::default() };
                let needs = [Need::PersonOnDossier(pi, di)];
                self.target(Operation::RemoveApplication, di, pi, Some(old), row, &needs, body);
            }
            // The whole dossier: the old offer goes only once every add
            // of the new one on this dossier succeeded.
            None => {
                self.dossier_offer(row, (d, di), offre);
                let body = Body { code_dossier: d, offre: Some(old), ..Body::default() };
                let needs = [Need::NewOfferAdds(di, offer_index(offre))];
                self.target(Operation::RemoveOffer, di, NONE, Some(old), row, &needs, body);
            }
        }
    }

    fn row(&mut self, r: &Row, cfg: &Config) {
        let (Some(action), Some(d)) = (r.action, r.code_dossier.as_deref()) else { return };
        let row = r.index as u32;
        let di = self.dossiers.id(d);
        let pi = match r.email.as_deref() {
            Some(e) => self.people.id(&email_key(e)),
            None => NONE,
        };
        let provision = |b: &mut Builder| {
            b.target(
                Operation::ProvisionCompany,
                di,
                NONE,
                None,
                row,
                &[],
                Body { code_dossier: d, ..Body::default() },
            );
        };
        let offre = r.offre.unwrap_or_default();
        match action {
            Action::Onboarding => {
                provision(self);
                if cfg.onboarding_add_offer {
                    self.dossier_offer(row, (d, di), offre);
                }
                if r.email.is_some() {
                    self.give_person(r, pi, (d, di), offre);
                }
            }
            Action::Provisionner => provision(self),
            Action::AjouterOffre if r.email.is_some() => self.collab(r, pi, (d, di), offre),
            Action::AjouterOffre => self.dossier_offer(row, (d, di), offre),
            Action::AjouterInterlocuteur => self.give_person(r, pi, (d, di), offre),
            Action::ModifierInterlocuteur => self.update_client(r, pi, (d, di)),
            Action::RetirerApplication => {
                let email = r.email.as_deref().unwrap_or_default();
                let needs = [Need::Provision(di), Need::PersonOnDossier(pi, di)];
                let body = Body { email: Some(email), code_dossier: d, offre: Some(offre), ..Body::default() };
                self.target(Operation::RemoveApplication, di, pi, Some(offre), row, &needs, body);
            }
            Action::RetirerOffre => {
                let body = Body { code_dossier: d, offre: Some(offre), ..Body::default() };
                self.target(Operation::RemoveOffer, di, NONE, Some(offre), row, &[Need::Provision(di)], body);
            }
            Action::ChangerOffre => self.change_offer(r, pi, (d, di), offre),
        }
    }

    /// Turns named needs into draft indexes.
    /// Each draft's dependencies, and the order to send them in: dossiers
    /// as first met, then per-dossier phase, then creation; a depth-first
    /// pass then puts every dependency first.
    fn order(&self) -> (Vec<Vec<u32>>, Vec<u32>) {
        let deps = self.resolve();
        let mut order: Vec<u32> = (0..self.drafts.len() as u32).collect();
        order.sort_by_key(|&i| {
            let c = &self.drafts[i as usize];
            (c.dossier, c.op, i)
        });
        let mut placed = vec![false; self.drafts.len()];
        let mut sequence = Vec::with_capacity(order.len());
        for &i in &order {
            place(i, &deps, &mut placed, &mut sequence);
        }
        (deps, sequence)
    }

    fn resolve(&self) -> Vec<Vec<u32>> {
        let asked: FxHashSet<Need> = self.drafts.iter().flat_map(|d| d.needs.iter().copied()).collect();
        let mut provides: FxHashMap<Need, Vec<u32>> = FxHashMap::default();
        for (i, c) in self.drafts.iter().enumerate() {
            let i = i as u32;
            let mut give = |n: Need| {
                if asked.contains(&n) {
                    provides.entry(n).or_default().push(i);
                }
            };
            match c.op {
                Operation::ProvisionCompany => give(Need::Provision(c.dossier)),
                Operation::AddOffer => {
                    give(Need::DossierOffer(c.dossier, c.offer));
                    give(Need::NewOfferAdds(c.dossier, c.offer));
                }
                Operation::AddClient | Operation::AddCollaborativeOffer => {
                    if c.op == Operation::AddClient {
                        give(Need::Person(c.person));
                    }
                    give(Need::PersonOnDossier(c.person, c.dossier));
                    give(Need::NewOfferAdds(c.dossier, c.offer));
                }
                // What a call provides for others, by operation: each one
                // named, so that a new operation is asked for here too.
                Operation::UpdateClient | Operation::RemoveApplication | Operation::RemoveOffer => {}
            }
        }
        self.drafts
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let mut deps: Vec<u32> = c
                    .needs
                    .iter()
                    .flat_map(|n| provides.get(n).into_iter().flatten().copied())
                    .filter(|&j| j != i as u32)
                    .collect();
                deps.sort_unstable();
                deps.dedup();
                deps
            })
            .collect()
    }
}

/// The counts of the plan the rows make (calls, dossiers, calls per route),
/// without building its calls: what `check` reports. Runs on the rows alone,
/// so `check` computes it while the results are being written.
pub(crate) fn count(rows: &[Row], cfg: &Config) -> Summary {
    let mut counter = Counter::default();
    for r in rows {
        counter.add(r, cfg);
    }
    counter.finish(cfg)
}

/// A counts-only plan's figures: calls, dossiers, calls per route.
pub(crate) type Summary = (usize, usize, BTreeMap<String, usize>);

/// The plan's counts, gathered row by row as the rows come in.
#[derive(Default)]
pub(crate) struct Counter {
    b: Builder,
}

impl Counter {
    /// Counts the row's calls if the row is valid.
    pub(crate) fn add(&mut self, r: &Row, cfg: &Config) {
        if r.is_valid() {
            self.b.row(r, cfg);
        }
    }

    pub(crate) fn finish(self, cfg: &Config) -> Summary {
        let mut per_operation = [0usize; <Operation as strum::EnumCount>::COUNT];
        let mut dossiers = vec![false; self.b.dossiers.names.len()];
        for &(op, d) in &self.b.counted {
            per_operation[op as usize] += 1;
            dossiers[d as usize] = true;
        }
        let mut per_route: BTreeMap<String, usize> = BTreeMap::new();
        for op in Operation::all() {
            let n = per_operation[op as usize];
            if n > 0 {
                *per_route.entry(cfg.routes.of(op).to_string()).or_default() += n;
            }
        }
        (self.b.counted.len(), dossiers.iter().filter(|&&d| d).count(), per_route)
    }
}

/// How much of the plan to build: `check` needs only the rows (its counts
/// come from `count`), not the calls, their bodies, dependencies and order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bodies {
    Yes,
    No,
}

/// Builds the plan from the typed, validated rows. The table is consumed:
/// its cells move into the plan's rows rather than being copied.
pub(crate) fn build(table: Table, rows: Vec<Row>, cfg: &Config, bodies: Bodies) -> Plan {
    let mut b = Builder { bodies: bodies == Bodies::Yes, ..Builder::default() };
    if b.bodies {
        for r in rows.iter().filter(|r| r.is_valid()) {
            b.row(r, cfg);
        }
    }
    let (deps, sequence) = if b.bodies { b.order() } else { (Vec::new(), Vec::new()) };
    let mut id_of = vec![0u32; b.drafts.len()];
    for (n, &i) in sequence.iter().enumerate() {
        id_of[i as usize] = n as u32 + 1;
    }
    let row_ref = |i: u32| {
        let raw = &table.rows[rows[i as usize].index];
        RowRef { feuille: raw.sheet.clone(), ligne: raw.line }
    };
    let route_of: FxHashMap<Operation, Arc<str>> =
        Operation::all().map(|op| (op, Arc::from(cfg.routes.of(op)))).collect();
    let mut drafts: Vec<Option<Draft>> = std::mem::take(&mut b.drafts).into_iter().map(Some).collect();
    let calls = sequence
        .iter()
        .filter_map(|&i| {
            let c = drafts[i as usize].take()?;
            Some(Call {
                id: id_of[i as usize],
                operation: c.op,
                route: route_of[&c.op].clone(),
                dossier: b.dossiers.names[c.dossier as usize].clone(),
                body: c.body,
                rows: c.rows.iter().map(|&r| row_ref(r)).collect(),
                depends_on: {
                    let mut d: Vec<u32> = deps[i as usize].iter().map(|&j| id_of[j as usize]).collect();
                    d.sort_unstable();
                    d
                },
            })
        })
        .collect();
    let source = PlanSource { file: table.source.name.clone(), sha256: table.source.sha256.clone() };
    let columns = table.columns;
    // `rows[i]` types `table.rows[i]`: the pipeline keeps them in step.
    debug_assert!(rows.iter().enumerate().all(|(i, r)| r.index == i));
    let plan_rows = table
        .rows
        .into_par_iter()
        .zip(rows)
        .map(|(raw, r)| PlanRow {
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
            // The plan file is an edge: its rows' messages are said there.
            problems: r.problems.iter().cloned().map(Kept::Value).collect(),
            warnings: r.warnings.iter().cloned().map(Kept::Value).collect(),
        })
        .collect();
    Plan { format_version: FORMAT_VERSION, source, columns, rows: plan_rows, calls, summary: None }
}

fn place(i: u32, deps: &[Vec<u32>], placed: &mut [bool], out: &mut Vec<u32>) {
    if placed[i as usize] {
        return;
    }
    placed[i as usize] = true;
    for &d in &deps[i as usize] {
        place(d, deps, placed, out);
    }
    out.push(i);
}

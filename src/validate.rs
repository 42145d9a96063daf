//! Stage 3, validate: the rules that depend on the action and on other rows.
//!
//! Every problem of a row is reported, not only the first. No IO here. Rows
//! are validated one by one as they are read (`per_action`, `online_row`);
//! `CrossRows` gathers, row by row, what the checks across rows need (one
//! e-mail for two people, the same row twice) and reports once every row is
//! in. The fields each action needs are in `needs`.

use std::borrow::Cow;
use std::hash::{Hash, Hasher};

use rustc_hash::{FxHashMap, FxHasher};

use crate::headers::Field;
use crate::normalize::{email_key, fold_key};
use crate::problems::{Absence, Expected, Needed, Person, Place, Problem, Warning};
use crate::read::{Cell, SheetHeader, Table};
use crate::rows::{Action, Row};

/// What an action needs.
struct Needs {
    email: bool,
    offre: bool,
    ancienne_offre: bool,
}

fn needs(a: Action) -> Needs {
    let n = |email, offre, ancienne_offre| Needs { email, offre, ancienne_offre };
    match a {
        Action::Onboarding | Action::AjouterOffre | Action::RetirerOffre => n(false, true, false),
        Action::Provisionner => n(false, false, false),
        Action::AjouterInterlocuteur | Action::RetirerApplication => n(true, true, false),
        Action::ModifierInterlocuteur => n(true, false, false),
        Action::ChangerOffre => n(false, true, true),
    }
}

/// The rules of the row's action: required fields, offers, warnings.
pub(crate) fn per_action(header: &SheetHeader, cells: &[Cell], row: &mut Row) {
    let Some(action) = row.action else { return };
    // The offer to remove may be written in either offer column.
    if matches!(action, Action::RetirerOffre | Action::RetirerApplication) && row.offre.is_none() {
        row.offre = row.ancienne_offre.take();
    }
    let problems = missing_fields(header, cells, row, action);
    row.problems.extend(problems);
    consistency(row, action);
}

/// The fields the action needs that the row lacks (a value present but
/// invalid has its problem already).
fn missing_fields(header: &SheetHeader, cells: &[Cell], row: &Row, action: Action) -> Vec<Problem> {
    let need = needs(action);
    let raw_present = |f: Field| {
        header.map.get(f).and_then(|i| cells.get(i)).is_some_and(|c| !crate::normalize::trim_cell(&c.text).0.is_empty())
    };
    let removal = matches!(action, Action::RetirerOffre | Action::RetirerApplication);
    let missing = |needed: Needed, have: bool| -> Option<Problem> {
        let f = needed.field();
        // A value that was present but invalid has its problem already.
        let reported = raw_present(f) || (f == Field::Offre && removal && raw_present(Field::AncienneOffre));
        if have || reported {
            return None;
        }
        let absence = if header.map.has(f) {
            Absence::Blank
        } else if header.in_workbook {
            Absence::NotInSheet
        } else {
            Absence::NotInFile
        };
        let column = header.map.get(f).map_or(f.name(), |i| header.columns[i].as_str()).to_string();
        Some(Problem::Missing { needed, column, absence, action: action.name() })
    };
    let checks = [
        missing(Needed::CodeDossier, row.code_dossier.is_some()),
        need.email.then(|| missing(Needed::Email, row.email.is_some())).flatten(),
        need.offre.then(|| missing(Needed::Offer, row.offre.is_some())).flatten(),
        need.ancienne_offre.then(|| missing(Needed::OldOffer, row.ancienne_offre.is_some())).flatten(),
    ];
    checks.into_iter().flatten().collect()
}

/// What the row asks against itself, and what it will do beyond the file.
fn consistency(row: &mut Row, action: Action) {
    if action == Action::ChangerOffre
        && let (Some(new), Some(old)) = (row.offre, row.ancienne_offre)
        && new == old
    {
        row.problems.push(Problem::SameOffer { offer: new });
    }
    let dossier_wide_removal = action == Action::RetirerOffre || action == Action::ChangerOffre && row.email.is_none();
    if dossier_wide_removal && row.problems.is_empty() {
        let old = if action == Action::RetirerOffre { row.offre } else { row.ancienne_offre };
        row.warnings.push(Warning::RemovesFromAll { offer: old.unwrap_or_default() });
    }
    let creates_contact = matches!(action, Action::Onboarding | Action::AjouterInterlocuteur) && row.email.is_some();
    if creates_contact && row.nom.is_none() && row.prenom.is_none() {
        row.warnings.push(Warning::NoName);
    }
}

/// Where a row is, as the user finds it.
pub(crate) fn place(table: &Table, index: usize) -> Place {
    let r = &table.rows[index];
    Place { sheet: r.sheet.clone(), line: r.line }
}

/// Who a row names, to tell two people apart under one e-mail.
fn who(r: &Row) -> (String, String) {
    (fold_key(r.nom.as_deref().unwrap_or_default()), fold_key(r.prenom.as_deref().unwrap_or_default()))
}

/// The row's meaning, normalised: two rows equal here ask the same thing.
/// Built from every known field (`Row::key_of`), so a new column is part
/// of it.
#[derive(PartialEq, Eq, Hash)]
struct Meaning<'a> {
    values: [Option<Cow<'a, str>>; Field::COUNT],
}

fn meaning(r: &Row) -> Option<Meaning<'_>> {
    r.action?;
    Some(Meaning { values: std::array::from_fn(|i| Field::from_repr(i).and_then(|f| r.key_of(f))) })
}

/// The checks across rows (one e-mail for two people, the same row twice),
/// gathered row by row as rows come, reported by `finish`.
#[derive(Default)]
pub(crate) struct CrossRows {
    /// E-mail key -> the first row naming a person with it, and whether
    /// another person came with the same e-mail.
    people: FxHashMap<String, (u32, bool)>,
    /// Hash of a row's meaning -> the first row with it; rows whose meaning
    /// only shares the hash (never seen in practice) go to `collided`.
    meanings: FxHashMap<u64, u32>,
    collided: FxHashMap<u64, Vec<u32>>,
    /// (row, the earlier row it repeats).
    duplicates: Vec<(u32, u32)>,
}

impl CrossRows {
    /// Takes in `rows[i]`, the last row so far.
    pub(crate) fn add(&mut self, rows: &[Row], i: usize) {
        let r = &rows[i];
        if r.ignored {
            return;
        }
        if let (Some(e), true) = (&r.email, r.nom.is_some() || r.prenom.is_some()) {
            let key = email_key(e);
            match self.people.get_mut(&*key) {
                Some((first, mixed)) => *mixed = *mixed || who(&rows[*first as usize]) != who(r),
                None => {
                    self.people.insert(key.into_owned(), (i as u32, false));
                }
            }
        }
        let Some(key) = meaning(r) else { return };
        let mut h = FxHasher::default();
        key.hash(&mut h);
        let h = h.finish();
        let same = |j: &u32| meaning(&rows[*j as usize]).as_ref() == Some(&key);
        match self.meanings.get(&h) {
            None => {
                self.meanings.insert(h, i as u32);
            }
            Some(first) if same(first) => self.duplicates.push((i as u32, *first)),
            Some(_) => {
                let others = self.collided.entry(h).or_default();
                match others.iter().find(|j| same(j)) {
                    Some(first) => self.duplicates.push((i as u32, *first)),
                    None => others.push(i as u32),
                }
            }
        }
    }

    /// Writes the problems found across rows onto them. Returns whether a
    /// row that was valid became invalid.
    pub(crate) fn finish(self, table: &Table, rows: &mut [Row]) -> bool {
        let mut spoiled = false;
        let mut flag = |row: &mut Row, problem: Problem| {
            spoiled |= row.is_valid();
            row.problems.push(problem);
        };
        let mixed: FxHashMap<&str, ()> =
            self.people.iter().filter(|(_, (_, m))| *m).map(|(e, _)| (e.as_str(), ())).collect();
        if !mixed.is_empty() {
            let mut groups: FxHashMap<String, Vec<usize>> = FxHashMap::default();
            for (i, r) in rows.iter().enumerate() {
                if let (false, Some(e), true) = (r.ignored, &r.email, r.nom.is_some() || r.prenom.is_some())
                    && mixed.contains_key(&*email_key(e))
                {
                    groups.entry(email_key(e).into_owned()).or_default().push(i);
                }
            }
            for (email, group) in groups {
                let people: Vec<Person> = group
                    .iter()
                    .map(|i| {
                        let r = &rows[*i];
                        let name = |n: &Option<String>| n.clone().unwrap_or_default();
                        Person { at: place(table, r.index), prenom: name(&r.prenom), nom: name(&r.nom) }
                    })
                    .collect();
                let problem = Problem::SharedEmail { email, people };
                for i in group {
                    flag(&mut rows[i], problem.clone());
                }
            }
        }
        for (i, first) in self.duplicates {
            let of = place(table, rows[first as usize].index);
            flag(&mut rows[i as usize], Problem::Duplicate { of });
        }
        spoiled
    }
}

/// What `--online` knows: the LoopHub portfolio, and who runs the batch.
pub(crate) struct Online<'a> {
    pub portfolio: &'a crate::portfolio::Portfolio,
    /// `--as EMAIL`: warn where this person may not switch applications on.
    pub as_email: Option<&'a str>,
}

/// With the portfolio: a row whose dossier this key cannot reach is
/// INVALIDE, whatever its action; a code that lost its zeros is matched.
pub(crate) fn online_row(header: &SheetHeader, row: &mut Row, online: &Online) {
    if row.ignored {
        return;
    }
    let Some(code) = row.code_dossier.clone() else { return };
    if online.portfolio.get(&code).is_none() {
        if let Some(padded) = online.portfolio.zero_padded(&code) {
            row.warnings.push(Warning::CodePaddedFromPortfolio { code: code.clone(), padded: padded.to_string() });
            row.code_dossier = Some(padded.to_string());
        } else {
            let field = Field::CodeDossier;
            let column = header.map.get(field).map_or(field.name(), |i| header.columns[i].as_str()).to_string();
            row.problems.push(Problem::Invalid { field, column, value: code, expected: Expected::LinkedDossier });
            return;
        }
    }
    if let (Some(me), Some(folder)) =
        (online.as_email, row.code_dossier.as_deref().and_then(|c| online.portfolio.get(c)))
    {
        let mine = [&folder.maitre_dossier, &folder.engagement_manager]
            .iter()
            .any(|p| p.trim().eq_ignore_ascii_case(me.trim()));
        if !mine {
            row.warnings.push(Warning::NotTheirDossier {
                me: me.to_string(),
                code: folder.code.clone(),
                master: folder.maitre_dossier.clone(),
                manager: folder.engagement_manager.clone(),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn full() -> Row {
        Row {
            action: Some(Action::AjouterInterlocuteur),
            code_dossier: Some("D1".into()),
            email: Some("a@ex.fr".into()),
            nom: Some("Nom".into()),
            prenom: Some("Prénom".into()),
            telephone: Some("0612345678".into()),
            offre: Some("start"),
            ancienne_offre: Some("consultation"),
            profil: Some("2.0".into()),
            social: Some(true),
            actif: Some(true),
            emetteur_par_defaut: Some(false),
            ..Row::default()
        }
    }

    #[test]
    fn the_duplicate_row_key_is_made_of_every_field() {
        let row = full();
        // Every typed field is part of it (raison_sociale is read, never sent).
        for f in Field::all().filter(|f| *f != Field::RaisonSociale) {
            assert!(row.key_of(f).is_some(), "{f:?} is part of the key");
        }
        let mut other = full();
        other.nom = Some("NOM".into());
        other.email = Some("A@EX.FR".into());
        assert!(meaning(&row) == meaning(&other), "names folded, e-mails by their key");
        other.emetteur_par_defaut = Some(true);
        assert!(meaning(&row) != meaning(&other), "another value, another row");
        assert!(meaning(&Row { action: None, ..full() }).is_none(), "no action, no key");
    }
}

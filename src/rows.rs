//! Stage 2, rows: a raw row becomes a typed `Row` with normalised values.
//!
//! Every repair (spaces, a phone or a code dossier that Excel stored as a
//! number) is recorded as a warning on the row, never done silently. Values
//! that cannot be understood become problems; `validate` adds the rules that
//! depend on the action and on other rows.
//!
//! A new sheet column's typed value goes in `Row`, its part of the
//! duplicate-row key in `Row::key_of`. A new action is a variant of `Action`
//! here, the fields it needs in `validate`, its calls in `plan::builder`.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use crate::headers::Field;
use crate::normalize::{self, EmailError};
use crate::problems::{Expected, Problem, Repair, Warning};
use crate::read::{Cell, RawRow, ReadNote, SheetHeader};

/// What a row asks for (column `action`; French names, English synonyms).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, strum::EnumIter, strum::IntoStaticStr)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Action {
    Onboarding,
    Provisionner,
    AjouterOffre,
    RetirerOffre,
    AjouterInterlocuteur,
    ModifierInterlocuteur,
    RetirerApplication,
    ChangerOffre,
}

impl Action {
    /// Every action, in the templates' order.
    pub fn all() -> impl Iterator<Item = Action> {
        <Action as strum::IntoEnumIterator>::iter()
    }

    /// The word to write in the sheet.
    pub fn name(self) -> &'static str {
        self.into()
    }

    /// Reads an action cell; folds case, accents, spaces and separators.
    pub fn parse(s: &str) -> Option<Action> {
        Some(match normalize::fold_key(s).as_str() {
            "onboarding" | "onboard" | "integration" | "creation" | "nouveaudossier" => Action::Onboarding,
            "provisionner" | "provision" | "provisioning" | "provisioncompany" | "provisionnement" => {
                Action::Provisionner
            }
            "ajouteroffre" | "addoffer" | "ajoutoffre" => Action::AjouterOffre,
            "retireroffre" | "removeoffer" | "retraitoffre" | "supprimeroffre" => Action::RetirerOffre,
            "ajouterinterlocuteur" | "addclient" | "addcontact" | "ajoutinterlocuteur" => Action::AjouterInterlocuteur,
            "modifierinterlocuteur" | "updateclient" | "updatecontact" | "modificationinterlocuteur" => {
                Action::ModifierInterlocuteur
            }
            "retirerapplication" | "removeapplication" | "retraitapplication" => Action::RetirerApplication,
            "changeroffre" | "changeoffer" | "changementoffre" | "switchoffer" => Action::ChangerOffre,
            _ => return None,
        })
    }

    pub fn list() -> String {
        Action::all().map(Action::name).collect::<Vec<_>>().join(", ")
    }
}

/// A typed, normalised input row. `index` is its place in the table.
#[derive(Debug, Clone, Default)]
pub struct Row {
    pub index: usize,
    /// `None`: blank action (see `ignored` and `problems`).
    pub action: Option<Action>,
    pub code_dossier: Option<String>,
    pub email: Option<String>,
    pub nom: Option<String>,
    pub prenom: Option<String>,
    pub telephone: Option<String>,
    pub offre: Option<&'static str>,
    pub ancienne_offre: Option<&'static str>,
    pub profil: Option<String>,
    pub social: Option<bool>,
    pub actif: Option<bool>,
    pub emetteur_par_defaut: Option<bool>,
    /// Blank action and nothing asked: reported IGNORE ("rien à faire").
    pub ignored: bool,
    pub problems: Vec<Problem>,
    pub warnings: Vec<Warning>,
}

impl Row {
    pub fn is_valid(&self) -> bool {
        !self.ignored && self.problems.is_empty()
    }

    /// A field's value as two rows asking the same thing share it (names
    /// folded, e-mail by its key), `None` when blank: the duplicate-row key
    /// is made of every field's.
    pub fn key_of(&self, f: Field) -> Option<Cow<'_, str>> {
        fn text(v: &Option<String>) -> Option<Cow<'_, str>> {
            v.as_deref().map(Cow::Borrowed)
        }
        let folded = |v: &Option<String>| v.as_deref().map(|v| Cow::Owned(normalize::fold_key(v)));
        let flag = |v: Option<bool>| v.map(|b| Cow::Borrowed(if b { "1" } else { "0" }));
        match f {
            Field::Action => self.action.map(|a| Cow::Borrowed(a.name())),
            Field::CodeDossier => text(&self.code_dossier),
            Field::Email => self.email.as_deref().map(normalize::email_key),
            Field::Nom => folded(&self.nom),
            Field::Prenom => folded(&self.prenom),
            Field::Telephone => text(&self.telephone),
            Field::Offre => self.offre.map(Cow::Borrowed),
            Field::AncienneOffre => self.ancienne_offre.map(Cow::Borrowed),
            Field::Profil => text(&self.profil),
            Field::Social => flag(self.social),
            Field::Actif => flag(self.actif),
            Field::EmetteurParDefaut => flag(self.emetteur_par_defaut),
            // Read for the portfolio's export, never sent: no part of a call.
            Field::RaisonSociale => None,
        }
    }
}

/// Options of the typing stage, from the configuration.
#[derive(Debug, Clone, Default)]
pub(crate) struct RowOptions {
    /// Pad all-digit codes dossier to this width (never guessed).
    pub code_dossier_width: Option<usize>,
}

/// Types one raw row of a sheet; `index` is its place among all rows read.
pub(crate) fn type_row(header: &SheetHeader, raw: &RawRow, index: usize, opts: &RowOptions) -> Row {
    let mut t = Typer { header, cells: &raw.cells, opts, row: Row { index, ..Row::default() } };
    for note in &raw.notes {
        t.read_note(note);
    }
    t.fill(header.map.has(Field::Action));
    t.row
}

struct Typer<'a> {
    header: &'a SheetHeader,
    cells: &'a [Cell],
    opts: &'a RowOptions,
    row: Row,
}

impl Typer<'_> {
    /// The header the user wrote for this field.
    fn column(&self, f: Field) -> String {
        self.header.map.get(f).map_or_else(|| f.name().to_string(), |i| self.header.columns[i].clone())
    }

    /// The trimmed cell of a field, `None` when blank; warns when trimming
    /// removed non-breaking or invisible characters.
    fn value(&mut self, f: Field) -> Option<(String, bool)> {
        let cell = self.header.map.get(f).and_then(|i| self.cells.get(i))?;
        let (t, trimmed) = normalize::trim_cell(&cell.text);
        if t.is_empty() {
            return None;
        }
        // Only what a person cannot see: not ordinary spaces, tabs or line ends.
        let unseen =
            |c: char| (c.is_whitespace() && !matches!(c, ' ' | '\t' | '\n' | '\r')) || normalize::is_invisible(c);
        let removed = cell.text.len()
            - cell.text.trim_start_matches(|c: char| c.is_whitespace() || normalize::is_invisible(c)).len();
        let around = cell.text[..removed].chars().chain(cell.text[removed + t.len()..].chars());
        if trimmed && { around }.any(unseen) {
            self.row.warnings.push(Warning::InvisibleSpaces { column: self.column(f) });
        }
        Some((t.to_string(), cell.number))
    }

    /// Whether the field's cell holds anything (no warning, no typing).
    fn present(&self, f: Field) -> bool {
        self.header
            .map
            .get(f)
            .and_then(|i| self.cells.get(i))
            .is_some_and(|c| !normalize::trim_cell(&c.text).0.is_empty())
    }

    fn problem(&mut self, field: Field, value: &str, expected: Expected) {
        let column = self.column(field);
        self.row.problems.push(Problem::Invalid { field, column, value: value.to_string(), expected });
    }

    fn read_note(&mut self, note: &ReadNote) {
        let repair = match note {
            ReadNote::MixedEncoding { .. } => Repair::MixedEncoding,
            ReadNote::ControlCharacters { .. } => Repair::ControlCharacters,
            ReadNote::LineBreaks { .. } => Repair::LineBreaks,
        };
        self.row.warnings.push(Warning::Read { column: note.column().to_string(), repair });
    }

    fn fill(&mut self, has_action: bool) {
        self.code_dossier();
        self.email();
        self.row.nom = self.value(Field::Nom).map(|v| v.0);
        self.row.prenom = self.value(Field::Prenom).map(|v| v.0);
        self.telephone();
        self.row.offre = self.offer(Field::Offre);
        self.row.ancienne_offre = self.offer(Field::AncienneOffre);
        if let Some((v, _)) = self.value(Field::Profil) {
            match normalize::profile(&v) {
                Some(p) => self.row.profil = Some(p),
                None => self.problem(Field::Profil, &v, Expected::Profile),
            }
        }
        self.row.social = self.boolean(Field::Social);
        self.row.actif = self.boolean(Field::Actif);
        self.row.emetteur_par_defaut = self.boolean(Field::EmetteurParDefaut);
        self.action(has_action);
    }

    /// A control character left inside a key (code dossier, e-mail) after
    /// trimming: nobody types one, the file looks damaged. Refused.
    fn damaged(&mut self, f: Field, v: &str) -> bool {
        if !v.contains(char::is_control) {
            return false;
        }
        self.problem(f, &v.replace(char::is_control, "�"), Expected::NoControlCharacter);
        true
    }

    fn email(&mut self) {
        if let Some((v, _)) = self.value(Field::Email)
            && !self.damaged(Field::Email, &v)
        {
            match normalize::email(&v) {
                Ok(e) => self.row.email = Some(e),
                Err(EmailError::Syntax) => self.problem(Field::Email, &v, Expected::Email),
                Err(EmailError::InvisibleCharacter) => self.problem(
                    Field::Email,
                    &v.replace(normalize::is_invisible, "�"),
                    Expected::EmailWithoutInvisible,
                ),
            }
        }
    }

    fn telephone(&mut self) {
        let Some((v, number)) = self.value(Field::Telephone) else { return };
        let column = self.column(Field::Telephone);
        match normalize::phone(&v, number) {
            Ok(p) => {
                let (value, sent) = (v.clone(), p.value.clone());
                if p.repaired_excel {
                    let column = column.clone();
                    self.row.warnings.push(Warning::PhoneZeroRestored {
                        column,
                        value: value.clone(),
                        sent: sent.clone(),
                    });
                }
                if p.lost_plus {
                    let column = column.clone();
                    self.row.warnings.push(Warning::PhonePlusRestored { column, value: value.clone(), sent });
                }
                if p.international {
                    self.row.warnings.push(Warning::PhoneForeign { column, value });
                }
                self.row.telephone = Some(p.value);
            }
            // A French example in the message: the cabinets are French (a
            // number read as French never gets here).
            Err(normalize::PhoneError::MissingPlus) => self.problem(Field::Telephone, &v, Expected::PhoneWithPlus),
            Err(normalize::PhoneError::Invalid) => self.problem(Field::Telephone, &v, Expected::Phone),
        }
    }

    fn code_dossier(&mut self) {
        let Some((v, number)) = self.value(Field::CodeDossier) else { return };
        if self.damaged(Field::CodeDossier, &v) {
            return;
        }
        if v.chars().any(normalize::is_invisible) {
            self.problem(
                Field::CodeDossier,
                &v.replace(|c: char| normalize::is_invisible(c) || c.is_control(), "�"),
                Expected::CodeWithoutInvisible,
            );
            return;
        }
        if v.chars().count() > 50
            || v.chars().any(|c| {
                c.is_whitespace() || matches!(c, '"' | '\'' | '<' | '>' | '{' | '}' | '[' | ']' | '\\' | '/' | ';')
            })
        {
            self.problem(Field::CodeDossier, &v, Expected::Code);
            return;
        }
        let all_digits = v.chars().all(|c| c.is_ascii_digit());
        match normalize::pad_code(&v, self.opts.code_dossier_width) {
            Some(padded) => {
                let column = self.column(Field::CodeDossier);
                self.row.warnings.push(Warning::CodePadded { column, value: v, padded: padded.clone(), number });
                self.row.code_dossier = Some(padded);
                return;
            }
            None if number && all_digits => {
                let column = self.column(Field::CodeDossier);
                self.row.warnings.push(Warning::CodeAsNumber { column, value: v.clone() });
            }
            None => {}
        }
        self.row.code_dossier = Some(v);
    }

    fn offer(&mut self, f: Field) -> Option<&'static str> {
        let (v, _) = self.value(f)?;
        let o = normalize::offer(&v);
        if o.is_none() {
            self.problem(f, &v, Expected::Offer);
        }
        o
    }

    fn boolean(&mut self, f: Field) -> Option<bool> {
        let (v, _) = self.value(f)?;
        match normalize::boolean(&v) {
            Ok(b) => b,
            Err(normalize::NotABoolean) => {
                self.problem(f, &v, Expected::Boolean);
                None
            }
        }
    }

    fn action(&mut self, has_action: bool) {
        if !has_action {
            self.row.action = Some(Action::Onboarding);
            return;
        }
        match self.value(Field::Action) {
            Some((v, _)) => match Action::parse(&v) {
                Some(a) => self.row.action = Some(a),
                None => self.problem(Field::Action, &v, Expected::Action { actions: Action::list() }),
            },
            None => {
                let (offre, ancienne) = (self.present(Field::Offre), self.present(Field::AncienneOffre));
                if !offre && !ancienne {
                    self.row.ignored = true;
                    return;
                }
                let suggestion = if offre && ancienne {
                    "changer_offre"
                } else if ancienne {
                    "retirer_offre"
                } else if self.row.email.is_some() {
                    "ajouter_interlocuteur"
                } else {
                    "ajouter_offre"
                };
                let column = self.column(Field::Action);
                self.row.problems.push(Problem::ActionBlank { column, suggestion, actions: Action::list() });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn action_synonyms() {
        assert_eq!(Action::parse("Onboarding"), Some(Action::Onboarding));
        assert_eq!(Action::parse("changer offre"), Some(Action::ChangerOffre));
        assert_eq!(Action::parse("Change-Offer"), Some(Action::ChangerOffre));
        assert_eq!(Action::parse("addClient"), Some(Action::AjouterInterlocuteur));
        assert_eq!(Action::parse("retirer_application"), Some(Action::RetirerApplication));
        assert_eq!(Action::parse("supprimer tout"), None);
        for a in Action::all() {
            assert_eq!(Action::parse(a.name()), Some(a));
        }
    }
}

//! A row's problems and warnings as values: what is wrong, in which column,
//! the value seen and the form expected. They are put into words only at
//! the edges (command line, page, results), by `messages`; the page groups
//! them and puts them on cells from these fields, never from their text.

use std::sync::Arc;

use serde::{Deserialize, Deserializer, Serialize};

use crate::headers::Field;

/// An alias, not `&'static str`: serde would else borrow it from the
/// plan's text (`'de: 'static`).
pub(crate) type Name = &'static str;

/// A name the code holds as `&'static str` (an action, an offer), read
/// back from a plan: each distinct name kept once for the process.
fn name<'de, D: Deserializer<'de>>(d: D) -> Result<&'static str, D::Error> {
    static NAMES: std::sync::Mutex<Vec<&'static str>> = std::sync::Mutex::new(Vec::new());
    let s = String::deserialize(d)?;
    let mut names = NAMES.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(n) = names.iter().find(|n| **n == s) {
        return Ok(n);
    }
    let n: &'static str = Box::leak(s.into_boxed_str());
    names.push(n);
    Ok(n)
}

/// What makes a row INVALIDE.
/// Kept in PLAN.json as data (kind and fields), said in the reader's language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind")]
pub enum Problem {
    /// A value that is not of the form its column expects.
    Invalid { field: Field, column: String, value: String, expected: Expected },
    /// The action is blank although the row asks for an offer.
    ActionBlank {
        column: String,
        #[serde(deserialize_with = "name")]
        suggestion: Name,
        actions: String,
    },
    /// A field the action needs is not there.
    Missing {
        needed: Needed,
        column: String,
        absence: Absence,
        #[serde(deserialize_with = "name")]
        action: Name,
    },
    /// `changer_offre` from an offer to the same offer.
    SameOffer {
        #[serde(deserialize_with = "name")]
        offer: Name,
    },
    /// One e-mail given to different people.
    SharedEmail { email: String, people: Vec<Person> },
    /// The same row twice: this one repeats `of`.
    Duplicate { of: Place },
}

/// The form a value should have had.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Expected {
    /// A Loop profile code such as 2.0.
    Profile,
    /// An e-mail address.
    Email,
    /// An e-mail address without invisible characters.
    EmailWithoutInvisible,
    /// A key (code dossier, e-mail) without control characters.
    NoControlCharacter,
    /// A phone number of 11 digits or more written with its « + ».
    PhoneWithPlus,
    /// A phone number.
    Phone,
    /// A code dossier without invisible characters.
    CodeWithoutInvisible,
    /// A code dossier: letters, digits, - _ . and 50 characters at most.
    Code,
    /// start, co-production or consultation.
    Offer,
    /// Yes or no.
    Boolean,
    /// One of the actions (`actions`, the list of their names).
    Action { actions: String },
    /// A dossier linked to the application key in LoopHub.
    LinkedDossier,
}

/// A field an action needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Needed {
    CodeDossier,
    Email,
    Offer,
    OldOffer,
}

impl Needed {
    pub fn field(self) -> Field {
        match self {
            Needed::CodeDossier => Field::CodeDossier,
            Needed::Email => Field::Email,
            Needed::Offer => Field::Offre,
            Needed::OldOffer => Field::AncienneOffre,
        }
    }
}

/// Why a needed field is not there.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Absence {
    /// The column is there, the cell blank.
    Blank,
    /// The column is missing from this sheet of a workbook.
    NotInSheet,
    /// The column is missing from the (text) file.
    NotInFile,
}

/// A row as the user finds it: its sheet and line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Place {
    pub sheet: Arc<str>,
    pub line: u32,
}

/// A person named on a row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    pub at: Place,
    pub prenom: String,
    pub nom: String,
}

/// What was repaired or is worth knowing; the row stays valid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind")]
pub enum Warning {
    /// Non-breaking or invisible spaces removed around a value.
    InvisibleSpaces { column: String },
    /// A repair made while reading the file.
    Read { column: String, repair: Repair },
    /// A phone number whose leading zero the spreadsheet lost, repaired.
    PhoneZeroRestored { column: String, value: String, sent: String },
    /// A French number whose « + » the spreadsheet lost, repaired.
    PhonePlusRestored { column: String, value: String, sent: String },
    /// A foreign number, sent in international form.
    PhoneForeign { column: String, value: String },
    /// A code dossier padded to `code_dossier_width`; `number`: the
    /// spreadsheet held it as a number (else it was only shorter).
    CodePadded { column: String, value: String, padded: String, number: bool },
    /// A code dossier held as a number: leading zeros may be lost.
    CodeAsNumber { column: String, value: String },
    /// removeOffer takes the offer from every contact of the dossier.
    RemovesFromAll {
        #[serde(deserialize_with = "name")]
        offer: Name,
    },
    /// A contact created without a name.
    NoName,
    /// A code dossier padded after the LoopHub portfolio.
    CodePaddedFromPortfolio { code: String, padded: String },
    /// `--as` names someone who may not switch applications on there.
    NotTheirDossier { me: String, code: String, master: String, manager: String },
}

/// A repair made while reading the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Repair {
    MixedEncoding,
    ControlCharacters,
    LineBreaks,
}

impl Problem {
    /// The column it is about, as the user wrote its header (the cell it
    /// goes on); `None` when it is about the row.
    pub fn column(&self) -> Option<&str> {
        match self {
            Problem::Invalid { column, .. } | Problem::ActionBlank { column, .. } | Problem::Missing { column, .. } => {
                Some(column)
            }
            Problem::SameOffer { .. } | Problem::SharedEmail { .. } | Problem::Duplicate { .. } => None,
        }
    }

    /// The field it is about, if any.
    pub fn field(&self) -> Option<Field> {
        match self {
            Problem::Invalid { field, .. } => Some(*field),
            Problem::Missing { needed, .. } => Some(needed.field()),
            Problem::ActionBlank { .. } => Some(Field::Action),
            Problem::SameOffer { .. } | Problem::SharedEmail { .. } | Problem::Duplicate { .. } => None,
        }
    }
}

impl Warning {
    /// The column it is about, as the user wrote its header; `None` when it
    /// is about the row.
    pub fn column(&self) -> Option<&str> {
        match self {
            Warning::InvisibleSpaces { column }
            | Warning::Read { column, .. }
            | Warning::PhoneZeroRestored { column, .. }
            | Warning::PhonePlusRestored { column, .. }
            | Warning::PhoneForeign { column, .. }
            | Warning::CodePadded { column, .. }
            | Warning::CodeAsNumber { column, .. } => Some(column),
            Warning::RemovesFromAll { .. }
            | Warning::NoName
            | Warning::CodePaddedFromPortfolio { .. }
            | Warning::NotTheirDossier { .. } => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Config, FileConfig};
    use crate::i18n::Lang;
    use crate::job::{CheckedSheet, SheetInput};

    /// The rows of a CSV as checked, each with its line.
    fn checked(csv: &str) -> CheckedSheet {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("feuille.csv");
        std::fs::write(&file, csv).unwrap();
        let cfg = Config::resolve(FileConfig::default(), None, Lang::Fr).unwrap();
        CheckedSheet::open(&cfg, &SheetInput::new(&file), None, None).unwrap()
    }

    fn problems_at(sheet: &CheckedSheet, line: u32) -> Vec<Problem> {
        let i = sheet.table().rows.iter().position(|r| r.line == line).unwrap();
        sheet.rows()[i].problems.clone()
    }

    fn invalid(field: Field, value: &str, expected: Expected) -> Problem {
        Problem::Invalid { field, column: field.name().into(), value: value.into(), expected }
    }

    #[test]
    fn values_that_cannot_be_understood_are_problems_with_their_column_value_and_form() {
        let sheet = checked(
            "action;code_dossier;email;nom;telephone;offre;profil;social\n\
             onboarding;D001;a@@x.fr;N;;start;;\n\
             onboarding;D002;b@x.fr;N;12345;startup;abc;peut-être\n\
             onboarding;D 003;c@x.fr;N;;start;;\n\
             supprimer;D004;d@x.fr;N;;start;;\n",
        );
        assert_eq!(problems_at(&sheet, 2), [invalid(Field::Email, "a@@x.fr", Expected::Email)]);
        assert_eq!(
            problems_at(&sheet, 3),
            [
                invalid(Field::Telephone, "12345", Expected::Phone),
                invalid(Field::Offre, "startup", Expected::Offer),
                invalid(Field::Profil, "abc", Expected::Profile),
                invalid(Field::Social, "peut-être", Expected::Boolean),
            ]
        );
        assert_eq!(problems_at(&sheet, 4), [invalid(Field::CodeDossier, "D 003", Expected::Code)]);
        let [Problem::Invalid { field: Field::Action, value, expected: Expected::Action { actions }, .. }] =
            &problems_at(&sheet, 5)[..]
        else {
            panic!("{:?}", problems_at(&sheet, 5))
        };
        assert_eq!(value, "supprimer");
        assert!(actions.starts_with("onboarding, provisionner"), "{actions}");
    }

    #[test]
    fn what_an_action_needs_and_the_checks_across_rows_are_problems_too() {
        let sheet = checked(
            "action;Code Dossier;email;nom;prenom;offre;ancienne_offre\n\
             ajouter_interlocuteur;D1;;Durand;Jean;start;\n\
             changer_offre;D2;;;;start;start\n\
             onboarding;D3;same@x.fr;Alpha;Anne;start;\n\
             onboarding;D4;same@x.fr;Beta;Bob;start;\n\
             ;D5;;;;;start\n\
             ajouter_offre;D6;;;;start;\n\
             ajouter_offre;D6;;;;start;\n",
        );
        let missing = Problem::Missing {
            needed: Needed::Email,
            column: "email".into(),
            absence: Absence::Blank,
            action: "ajouter_interlocuteur",
        };
        assert_eq!(problems_at(&sheet, 2), [missing]);
        assert_eq!(problems_at(&sheet, 3), [Problem::SameOffer { offer: "start" }]);
        let [Problem::SharedEmail { email, people }] = &problems_at(&sheet, 4)[..] else { panic!() };
        assert_eq!(email, "same@x.fr");
        let lines: Vec<(u32, &str)> = people.iter().map(|p| (p.at.line, p.nom.as_str())).collect();
        assert_eq!(lines, [(4, "Alpha"), (5, "Beta")]);
        assert_eq!(problems_at(&sheet, 4), problems_at(&sheet, 5));
        let [Problem::ActionBlank { column, suggestion: "retirer_offre", .. }] = &problems_at(&sheet, 6)[..] else {
            panic!("{:?}", problems_at(&sheet, 6))
        };
        assert_eq!(column, "action");
        assert_eq!(problems_at(&sheet, 7), []);
        assert_eq!(problems_at(&sheet, 8), [Problem::Duplicate { of: Place { sheet: "feuille.csv".into(), line: 7 } }]);
    }

    #[test]
    fn a_problem_names_the_column_as_the_user_wrote_it() {
        let sheet = checked("action;Code Dossier;E-mail;offre\najouter_offre;;x@;start\n");
        let p = problems_at(&sheet, 2);
        assert_eq!(p[0].column(), Some("E-mail"));
        assert_eq!(p[0].field(), Some(Field::Email));
        assert_eq!(p[1].column(), Some("Code Dossier"));
        assert_eq!(p[1].field(), Some(Field::CodeDossier));
        let absent = checked("code_dossier;email\nD1;x@y.fr\n");
        let [Problem::Missing { needed: Needed::Offer, absence: Absence::NotInFile, column, .. }] =
            &problems_at(&absent, 2)[..]
        else {
            panic!("{:?}", problems_at(&absent, 2))
        };
        assert_eq!(column, "offre");
    }

    #[test]
    fn repairs_are_warnings_with_their_column() {
        let sheet = checked("code_dossier;email;nom;telephone;offre\n\u{a0}D1\u{a0};a@x.fr;;33612345678;start\n");
        let w = &sheet.rows()[0].warnings;
        assert_eq!(
            w,
            &[
                Warning::InvisibleSpaces { column: "code_dossier".into() },
                Warning::PhonePlusRestored {
                    column: "telephone".into(),
                    value: "33612345678".into(),
                    sent: "0612345678".into()
                },
                Warning::NoName,
            ]
        );
        assert_eq!(w[0].column(), Some("code_dossier"));
        assert_eq!(w[2].column(), None);
    }
}

//! Header matching: which known field a column of the cabinet's sheet holds.
//!
//! Matching folds case, accents, spaces, dashes and underscores, and knows the
//! aliases cabinets use. Unknown columns are not an error: they are carried to
//! the results untouched.
//!
//! A new column is a variant of `Field` with its aliases here; its value in
//! `rows`, the body that sends it in `plan::builder`; the templates list
//! their columns apart (`templates`), when it belongs in them.

use crate::normalize::fold_key;

/// The sheet's known columns. Adding one: a variant here (its name is the
/// variant's in snake_case, its aliases below), its typed value in
/// `rows::Row` (and its part of the duplicate-row key, `Row::key_of`), and
/// the body that sends it in `plan::builder`.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    strum::EnumIter,
    strum::EnumCount,
    strum::IntoStaticStr,
    strum::FromRepr,
    serde::Serialize,
    serde::Deserialize,
)]
#[strum(serialize_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum Field {
    CodeDossier,
    Email,
    Nom,
    Prenom,
    Telephone,
    Offre,
    AncienneOffre,
    Profil,
    Social,
    Actif,
    EmetteurParDefaut,
    Action,
    RaisonSociale,
}

impl Field {
    /// How many known columns there are.
    pub const COUNT: usize = <Field as strum::EnumCount>::COUNT;

    /// Every known column, in the templates' order.
    pub fn all() -> impl Iterator<Item = Field> {
        <Field as strum::IntoEnumIterator>::iter()
    }

    /// The canonical column name, as in the templates.
    pub fn name(self) -> &'static str {
        self.into()
    }

    /// Folded spellings (see `fold_key`) that name this field.
    fn aliases(self) -> &'static [&'static str] {
        match self {
            Field::CodeDossier => &[
                "codedossier",
                "dossier",
                "codeibs",
                "ibs",
                "coddossier",
                "numerodossier",
                "codeclient",
                "codedossierclient",
            ],
            Field::Email => {
                &["email", "mail", "courriel", "adressemail", "adresseemail", "emailinterlocuteur", "adressecourriel"]
            }
            Field::Nom => &["nom", "name", "lastname", "nomdefamille", "nominterlocuteur"],
            Field::Prenom => &["prenom", "firstname", "givenname"],
            Field::Telephone => {
                &["telephone", "tel", "portable", "mobile", "phone", "numerotelephone", "gsm", "telephoneportable"]
            }
            Field::Offre => &["offre", "offer", "application", "nouvelleoffre", "newoffer"],
            Field::AncienneOffre => &["ancienneoffre", "oldoffer", "offreactuelle", "previousoffer"],
            Field::Profil => &["profil", "profile"],
            Field::Social => &["social"],
            Field::Actif => &["actif", "active", "enabled"],
            Field::EmetteurParDefaut => &["emetteurpardefaut", "defaultissuer", "emetteur"],
            Field::Action => &["action", "operation"],
            Field::RaisonSociale => &["raisonsociale", "company", "societe", "companyname"],
        }
    }

    /// The field a header names, if any.
    pub fn from_header(header: &str) -> Option<Field> {
        let k = fold_key(header.trim_start_matches('\u{FEFF}'));
        if k.is_empty() {
            return None;
        }
        Field::all().find(|f| f.aliases().contains(&k.as_str()))
    }
}

/// For each known field, the index of the column that holds it.
#[derive(Debug, Clone, Default)]
pub struct ColumnMap {
    index: [Option<usize>; Field::COUNT],
}

impl ColumnMap {
    /// Maps headers to fields; the first column wins when two name one field.
    /// Returns the map and the headers that named a field already taken.
    pub fn new<S: AsRef<str>>(headers: &[S]) -> (ColumnMap, Vec<String>) {
        let mut map = ColumnMap::default();
        let mut duplicates = Vec::new();
        for (i, h) in headers.iter().enumerate() {
            if let Some(f) = Field::from_header(h.as_ref()) {
                let slot = &mut map.index[f as usize];
                if slot.is_some() {
                    duplicates.push(h.as_ref().to_string());
                } else {
                    *slot = Some(i);
                }
            }
        }
        (map, duplicates)
    }

    pub fn get(&self, f: Field) -> Option<usize> {
        self.index[f as usize]
    }

    pub fn has(&self, f: Field) -> bool {
        self.get(f).is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aliases_match_loosely() {
        assert_eq!(Field::from_header("Code dossier"), Some(Field::CodeDossier));
        assert_eq!(Field::from_header("codeDossier"), Some(Field::CodeDossier));
        assert_eq!(Field::from_header("CODE_IBS"), Some(Field::CodeDossier));
        assert_eq!(Field::from_header("\u{FEFF}code-dossier"), Some(Field::CodeDossier));
        assert_eq!(Field::from_header("E-mail"), Some(Field::Email));
        assert_eq!(Field::from_header("Prénom"), Some(Field::Prenom));
        assert_eq!(Field::from_header("Téléphone"), Some(Field::Telephone));
        assert_eq!(Field::from_header("defaultIssuer"), Some(Field::EmetteurParDefaut));
        assert_eq!(Field::from_header("Ancienne offre"), Some(Field::AncienneOffre));
        assert_eq!(Field::from_header("Commentaire"), None);
    }

    #[test]
    fn names_are_the_templates_columns() {
        let names: Vec<&str> = Field::all().map(Field::name).collect();
        assert_eq!(names[..3], ["code_dossier", "email", "nom"]);
        assert!(names.contains(&"emetteur_par_defaut") && names.contains(&"ancienne_offre"));
        assert_eq!(names.len(), Field::COUNT);
        assert!(Field::all().all(|f| Field::from_header(f.name()) == Some(f)), "each name reads back");
    }
}

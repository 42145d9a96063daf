//! The cabinet's portfolio from LoopHub: the dossiers linked to the
//! application key, with their maître de dossier and engagement manager.
//! Used by `loopbatch dossiers` (export) and `--online` (unknown dossiers).
//! Data and filters only: `execute::loophub` fetches it.

use std::collections::HashMap;

use serde_json::Value;

use crate::error::{Failure, Refusal, Result};
use crate::normalize::fold_key;

/// One dossier of the LoopHub list.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Folder {
    pub code: String,
    pub raison_sociale: String,
    pub nom_usuel: String,
    pub maitre_dossier: String,
    pub engagement_manager: String,
}

#[derive(Debug, Clone, Default)]
pub struct Portfolio {
    pub folders: Vec<Folder>,
    by_code: HashMap<String, usize>,
}

impl Portfolio {
    pub fn new(folders: Vec<Folder>) -> Portfolio {
        let by_code = folders.iter().enumerate().map(|(i, f)| (f.code.clone(), i)).collect();
        Portfolio { folders, by_code }
    }

    pub fn get(&self, code: &str) -> Option<&Folder> {
        self.by_code.get(code).map(|&i| &self.folders[i])
    }

    /// The portfolio's code for a code that lost its leading zeros (a number
    /// cell): the only all-digit code with the same value.
    pub fn zero_padded(&self, code: &str) -> Option<&str> {
        if code.is_empty() || !code.chars().all(|c| c.is_ascii_digit()) {
            return None;
        }
        let value = code.trim_start_matches('0');
        let mut found = self
            .folders
            .iter()
            .filter(|f| f.code.len() > code.len() && f.code.chars().all(|c| c.is_ascii_digit()))
            .filter(|f| f.code.trim_start_matches('0') == value);
        let first = found.next()?;
        found.next().is_none().then_some(first.code.as_str())
    }
}

/// Reads the LoopHub answer: the documented bare array, or `{"data": [...]}`
/// as some Cegid list routes answer. Unknown fields are ignored.
pub(crate) fn parse(body: &[u8]) -> Option<Vec<Folder>> {
    let v: Value = serde_json::from_slice(body).ok()?;
    let list = match &v {
        Value::Array(a) => a,
        Value::Object(o) => o.get("data").or_else(|| o.get("value")).and_then(Value::as_array)?,
        _ => return None,
    };
    let text = |o: &Value, k: &str| o.get(k).and_then(Value::as_str).unwrap_or_default().trim().to_string();
    Some(
        list.iter()
            .filter_map(|o| {
                let code = text(o, "codeIbs");
                let code = if code.is_empty() { text(o, "codeDossier") } else { code };
                (!code.is_empty()).then(|| Folder {
                    code,
                    raison_sociale: text(o, "raisonSociale"),
                    nom_usuel: text(o, "nomUsuel"),
                    maitre_dossier: text(o, "maitreDossier"),
                    engagement_manager: text(o, "engagementManager"),
                })
            })
            .collect(),
    )
}

/// LoopHub's own filters: a search of at least 3 characters on the code or
/// the name (accents and case ignored); the maître de dossier; the manager.
pub struct Filter {
    pub search: Option<String>,
    pub maitre: Option<String>,
    pub manager: Option<String>,
}

impl Filter {
    /// Checks the search's length (LoopHub needs the first 3 characters).
    pub fn new(search: Option<String>, maitre: Option<String>, manager: Option<String>) -> Result<Filter> {
        if let Some(s) = &search
            && fold_key(s).chars().count() < 3
        {
            return Err(Failure::refused(Refusal::SearchTooShort { search: s.to_string() }));
        }
        Ok(Filter { search, maitre, manager })
    }

    pub fn keeps(&self, f: &Folder) -> bool {
        let same = |a: &str, b: &str| a.trim().eq_ignore_ascii_case(b.trim());
        let search_ok = self.search.as_ref().is_none_or(|s| {
            let s = fold_key(s);
            [&f.code, &f.raison_sociale, &f.nom_usuel].iter().any(|v| fold_key(v).contains(&s))
        });
        search_ok
            && self.maitre.as_ref().is_none_or(|m| same(m, &f.maitre_dossier))
            && self.manager.as_ref().is_none_or(|m| same(m, &f.engagement_manager))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parsing_and_filters() {
        let body = r#"[{"objectId":"1","codeIbs":"00123","raisonSociale":"Boulangerie Élodie","nomUsuel":"","maitreDossier":"a@c.fr","engagementManager":"b@c.fr"},{"codeIbs":"MANON001","raisonSociale":"Manon"}]"#;
        let p = Portfolio::new(parse(body.as_bytes()).unwrap());
        assert_eq!(p.folders.len(), 2);
        assert_eq!(p.zero_padded("123"), Some("00123"));
        assert_eq!(p.zero_padded("124"), None);
        assert!(parse(br#"{"data":[{"codeIbs":"X"}]}"#).unwrap().len() == 1);
        assert!(parse(b"<html>").is_none());
        let f = Filter::new(Some("elod".into()), None, None).unwrap();
        assert!(f.keeps(&p.folders[0]) && !f.keeps(&p.folders[1]));
        let f = Filter::new(Some("man".into()), None, None).unwrap();
        assert!(f.keeps(&p.folders[1]));
        assert!(Filter::new(Some("ab".into()), None, None).is_err());
        let f = Filter::new(None, Some("A@C.FR".into()), None).unwrap();
        assert!(f.keeps(&p.folders[0]) && !f.keeps(&p.folders[1]));
    }
}

//! The command line's words in French.

use super::{Usage, ValueForm};

pub(super) fn usage(u: &Usage) -> String {
    let what = match u {
        Usage::UnknownOption { arg } => format!("option inconnue : {arg}"),
        Usage::UnknownCommand { command, commands } => {
            format!("commande inconnue : {command}. Commandes : {commands}")
        }
        Usage::MissingArgument { arg } => format!("argument obligatoire manquant : {arg}"),
        Usage::InvalidValue { value, arg, valid, form: Some(form) } if valid.is_empty() => {
            format!("valeur invalide « {value} » pour {arg} : {}", value_form(*form))
        }
        Usage::InvalidValue { value, arg, valid, .. } if valid.is_empty() => {
            format!("valeur invalide « {value} » pour {arg}")
        }
        Usage::InvalidValue { value, arg, valid, .. } => {
            format!("valeur invalide « {value} » pour {arg} (valeurs possibles : {valid})")
        }
        Usage::MissingCommand { commands } => format!("commande manquante : {commands}"),
        Usage::ConflictingOptions { arg } => format!("options incompatibles : {arg}"),
        Usage::Other { said } => said.clone(),
    };
    format!("Erreur d'utilisation : {what}\nAide : loopbatch --help")
}

/// What a command-line value should look like.
pub(super) fn value_form(form: ValueForm) -> &'static str {
    match form {
        ValueForm::Delimiter => "séparateur attendu : ';' ',' 'tab' ou '|'",
        ValueForm::Rate => "débit attendu : N/s, N/min ou N/h (ex. 20/s)",
        ValueForm::Fraction => "part attendue entre 0 et 1 (ex. 0.05) ou en pourcentage (5%)",
    }
}

pub(super) fn help_footer() -> String {
    use crate::error::exit::{DEFECT, OK, ROWS_FAILED, STOPPED, UNUSABLE};
    format!(
        "Codes de sortie : {OK} tout est bon, {ROWS_FAILED} des lignes en échec (résultats écrits), {UNUSABLE} fichier ou configuration inutilisable, {STOPPED} exécution arrêtée, {DEFECT} erreur interne de loopbatch (à signaler).\nAide d'une commande : loopbatch COMMANDE --help"
    )
}

/// The help's own words clap writes (headings, defaults, possible values),
/// each with what it becomes in this language.
pub(super) fn help_words() -> &'static [(&'static str, &'static str)] {
    &[
        ("Usage: ", "Utilisation : "),
        ("Arguments:", "Arguments :"),
        ("Options:", "Options :"),
        ("Commands:", "Commandes :"),
        ("Commandes:", "Commandes :"),
        ("Possible values:", "Valeurs possibles :"),
        ("[possible values: ", "[valeurs possibles : "),
        ("[default: ", "[par défaut : "),
        ("[aliases: ", "[autres noms : "),
    ]
}

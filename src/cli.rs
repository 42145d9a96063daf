//! The command line: commands, flags and their French help.
//!
//! Secrets are deliberately absent: they come from the environment or from
//! key files, never from arguments that other users see in the process list.

use std::path::PathBuf;

use clap::{ArgAction, Args, Parser, Subcommand, ValueEnum};

use crate::i18n::Lang;
use crate::read::Encoding;

const TEMPLATE: &str = "\
{before-help}{name} {version} — {about}

Utilisation : {usage}

{all-args}{after-help}";

#[derive(Debug, Parser)]
#[command(
    name = "loopbatch",
    version,
    about = "Provisionnement en masse de Cegid Loop depuis un tableur",
    help_template = TEMPLATE,
    disable_help_flag = true,
    disable_version_flag = true,
    disable_help_subcommand = true,
    next_help_heading = "Options",
    subcommand_help_heading = "Commandes",
    subcommand_value_name = "COMMANDE",
    after_help = "Codes de sortie : 0 tout est bon, 1 des lignes en échec (résultats écrits), 2 fichier ou configuration inutilisable, 3 exécution arrêtée.\nAide d'une commande : loopbatch COMMANDE --help"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    #[command(flatten)]
    pub global: Global,
}

#[derive(Debug, Args)]
pub struct Global {
    /// Fichier de configuration (sinon ./loopbatch.toml s'il existe)
    #[arg(long, global = true, value_name = "FICHIER")]
    pub config: Option<PathBuf>,
    /// Langue des messages : fr (défaut) ou en
    #[arg(
        long,
        global = true,
        value_enum,
        env = "LOOPBATCH_LANG",
        default_value = "fr",
        hide_env = true,
        hide_default_value = true,
        hide_possible_values = true
    )]
    pub lang: Lang,
    /// Affiche l'aide
    #[arg(short = 'h', long, global = true, action = ArgAction::Help)]
    pub help: Option<bool>,
    /// Affiche la version
    #[arg(short = 'V', long, action = ArgAction::Version)]
    pub version: Option<bool>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum OutputFormat {
    /// Résumé lisible sur la sortie d'erreur
    #[default]
    Text,
    /// Résumé JSON sur la sortie standard
    Json,
}

/// How to read the input sheet.
#[derive(Debug, Clone, Args)]
pub struct InputArgs {
    /// Feuille à lire (par défaut : toutes celles qui ont une colonne code_dossier)
    #[arg(long, value_name = "NOM")]
    pub sheet: Option<String>,
    /// Encodage d'un CSV (détecté sinon) : utf-8, windows-1252, utf-16le, utf-16be
    #[arg(long, value_enum, value_name = "ENCODAGE")]
    pub encoding: Option<Encoding>,
    /// Séparateur d'un CSV (détecté sinon) : ';' ',' 'tab' ou '|'
    #[arg(long, value_parser = parse_delimiter, value_name = "SEP")]
    pub delimiter: Option<u8>,
}

fn parse_delimiter(s: &str) -> Result<u8, String> {
    match s {
        ";" => Ok(b';'),
        "," => Ok(b','),
        "tab" | "\\t" | "\t" | "tabulation" => Ok(b'\t'),
        "|" => Ok(b'|'),
        _ => Err("séparateur attendu : ';' ',' 'tab' ou '|'".into()),
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Vérifie un tableur ligne à ligne, sans rien envoyer
    Check(CheckArgs),
    /// Écrit le plan d'appels (JSON et XLSX lisible) sans rien envoyer
    Plan(PlanArgs),
    /// Écrit les modèles de tableur (onboarding et opérations)
    Template(TemplateArgs),
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Tableur à vérifier (.xlsx, .xlsm, .xls, .ods, .csv, .tsv, .txt)
    #[arg(value_name = "FICHIER")]
    pub file: PathBuf,
    /// Écrit le résultat ligne à ligne (.xlsx ou .csv)
    #[arg(long, value_name = "SORTIE")]
    pub results: Option<PathBuf>,
    #[command(flatten)]
    pub input: InputArgs,
    /// Format du résumé : text ou json
    #[arg(long, value_enum, default_value = "text")]
    pub format: OutputFormat,
}

#[derive(Debug, Args)]
pub struct PlanArgs {
    /// Tableur à planifier
    #[arg(value_name = "FICHIER")]
    pub file: PathBuf,
    /// Plan JSON à écrire (un PLAN.xlsx lisible est écrit à côté)
    #[arg(long, value_name = "PLAN.json")]
    pub out: PathBuf,
    #[command(flatten)]
    pub input: InputArgs,
    /// Format du résumé : text ou json
    #[arg(long, value_enum, default_value = "text")]
    pub format: OutputFormat,
}

#[derive(Debug, Args)]
pub struct TemplateArgs {
    /// Dossier où écrire les modèles (créé s'il n'existe pas)
    #[arg(long, value_name = "DOSSIER")]
    pub out: PathBuf,
}

//! The command line: commands, flags and their French help.
//!
//! Secrets are deliberately absent: they come from the environment or from
//! key files, never from arguments that other users see in the process list.

use std::path::PathBuf;

use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};
use clap::{ArgAction, Args, Parser, Subcommand, ValueEnum};

use crate::i18n::Lang;
use crate::messages::ValueForm;
use crate::read::Encoding;
use crate::simulator::{ErrorProfile, ThrottleModel};

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
    subcommand_value_name = "COMMANDE"
)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub command: Command,
    #[command(flatten)]
    pub global: Global,
}

#[derive(Debug, Args)]
pub(crate) struct Global {
    /// Fichier de configuration (sinon ./loopbatch.toml s'il existe)
    #[arg(long, global = true, value_name = "FICHIER")]
    pub config: Option<PathBuf>,
    /// Langue des messages : fr (défaut) ou en
    #[arg(
        long,
        global = true,
        value_parser = lang_parser(),
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
pub(crate) enum OutputFormat {
    /// Résumé lisible sur la sortie d'erreur
    #[default]
    Text,
    /// Résumé JSON sur la sortie standard
    Json,
}

/// How to read the input sheet.
#[derive(Debug, Clone, Args)]
pub(crate) struct InputArgs {
    /// Feuille à lire (par défaut : toutes celles qui ont une colonne code_dossier)
    #[arg(long, value_name = "NOM")]
    pub sheet: Option<String>,
    /// Encodage d'un CSV (détecté sinon) : utf-8, windows-1252, utf-16le, utf-16be
    #[arg(long, value_parser = encoding_parser(), value_name = "ENCODAGE")]
    pub encoding: Option<Encoding>,
    /// Séparateur d'un CSV (détecté sinon) : ';' ',' 'tab' ou '|'
    #[arg(long, value_parser = parse_delimiter, value_name = "SEP")]
    pub delimiter: Option<u8>,
}

// The domain's enums know nothing of clap: their names on the command line
// are given here.

/// Every command's options under one heading, the global ones with them
/// (clap lists a named heading apart from its default one).
pub(crate) fn one_options_heading(cmd: clap::Command) -> clap::Command {
    let names: Vec<String> = cmd.get_subcommands().map(|s| s.get_name().to_string()).collect();
    names.iter().fold(cmd, |cmd, name| {
        cmd.mut_subcommand(name, |sc| sc.mut_args(|a| if a.is_positional() { a } else { a.help_heading("Options") }))
    })
}

fn lang_parser() -> impl TypedValueParser<Value = Lang> {
    PossibleValuesParser::new(["fr", "en"]).map(|s| if s == "en" { Lang::En } else { Lang::Fr })
}

fn encoding_parser() -> impl TypedValueParser<Value = Encoding> {
    let values = [
        PossibleValue::new("utf-8").alias("utf8"),
        PossibleValue::new("windows-1252").aliases(["cp1252", "latin1", "iso-8859-1", "ansi"]),
        PossibleValue::new("utf-16le").alias("utf-16"),
        PossibleValue::new("utf-16be"),
    ];
    PossibleValuesParser::new(values).map(|s| match s.as_str() {
        "windows-1252" => Encoding::Windows1252,
        "utf-16le" => Encoding::Utf16Le,
        "utf-16be" => Encoding::Utf16Be,
        _ => Encoding::Utf8,
    })
}

fn error_profile_parser() -> impl TypedValueParser<Value = ErrorProfile> {
    let values = [
        PossibleValue::new("json-400").help("400 avec `{\"message\": …}`"),
        PossibleValue::new("json-409").help("409 avec `{\"message\": …}`"),
        PossibleValue::new("json-422").help("422 avec `{\"message\": …}`"),
        PossibleValue::new("texte").help("400 avec la phrase en texte brut"),
        PossibleValue::new("500").help("500 portant le message métier dans `{\"message\": …}`"),
    ];
    PossibleValuesParser::new(values).map(|s| match s.as_str() {
        "json-409" => ErrorProfile::Json409,
        "json-422" => ErrorProfile::Json422,
        "texte" => ErrorProfile::Text,
        "500" => ErrorProfile::Server500,
        _ => ErrorProfile::Json400,
    })
}

fn throttle_parser() -> impl TypedValueParser<Value = ThrottleModel> {
    PossibleValuesParser::new(["window", "lockout", "bucket"]).map(|s| match s.as_str() {
        "lockout" => ThrottleModel::Lockout,
        "bucket" => ThrottleModel::Bucket,
        _ => ThrottleModel::Window,
    })
}

fn parse_delimiter(s: &str) -> Result<u8, ValueForm> {
    match s {
        ";" => Ok(b';'),
        "," => Ok(b','),
        "tab" | "\\t" | "\t" | "tabulation" => Ok(b'\t'),
        "|" => Ok(b'|'),
        _ => Err(ValueForm::Delimiter),
    }
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Vérifie un tableur ligne à ligne, sans rien envoyer
    Check(CheckArgs),
    /// Écrit le plan d'appels (JSON et XLSX lisible) sans rien envoyer
    Plan(PlanArgs),
    /// Écrit les modèles de tableur (onboarding et opérations)
    Template(TemplateArgs),
    /// Exécute le plan contre Cegid Loop et écrit les résultats
    Run(RunArgs),
    /// Démonstration complète sur le simulateur intégré (aucun compte nécessaire)
    Demo(DemoArgs),
    /// Exporte le portefeuille LoopHub en tableur prêt à remplir
    Dossiers(DossiersArgs),
    /// Démarre un simulateur local de l'API Cegid Loop (127.0.0.1)
    Simulate(SimulateArgs),
    /// Ouvre la page de loopbatch dans le navigateur (servie sur 127.0.0.1)
    Ui(UiArgs),
    /// Le registre des exécutions : vérifier, copier, importer d'anciens journaux
    Registre(RegistreArgs),
    /// Note la vérification d'une ligne A_VERIFIER faite dans Loop (fait ou pas fait)
    Verify(VerifyArgs),
    /// Ce que loopbatch a fait pour un dossier ou une personne (sinon : les exécutions), d'après le registre
    History(HistoryArgs),
    /// Annule une exécution : les appels inverses de ce que le registre a noté, avec un verdict par ligne
    Undo(UndoArgs),
}

#[derive(Debug, Args)]
pub(crate) struct UndoArgs {
    /// Exécution à annuler : son fichier de résultats, ou son numéro (comme loopbatch history l'affiche)
    #[arg(value_name = "EXECUTION")]
    pub run: String,
    /// Fichier de résultats de l'annulation (.xlsx ou .csv), avec la colonne verdict
    #[arg(long, value_name = "SORTIE")]
    pub results: PathBuf,
    /// Écrit les verdicts sans rien envoyer
    #[arg(long)]
    pub dry_run: bool,
    /// Annule aussi les lignes PARTIEL (ce qui ne revient pas est dit ligne par ligne)
    #[arg(long)]
    pub partial: bool,
    /// Reprend une annulation interrompue grâce au registre
    #[arg(long)]
    pub resume: bool,
    /// Ne demande pas de confirmation
    #[arg(long)]
    pub yes: bool,
    /// Débit maximal (ex. 5/s, 300/min ; défaut 5/s ou la configuration)
    #[arg(long, value_parser = parse_rate, value_name = "N/s")]
    pub rate: Option<crate::config::Rate>,
    /// Pas de barre de progression ni de résumé
    #[arg(long)]
    pub quiet: bool,
    /// Format du résumé : text ou json
    #[arg(long, value_enum, default_value = "text")]
    pub format: OutputFormat,
    #[command(flatten)]
    pub place: RegistreOpt,
}

#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("checked").args(["done", "not_done"]).required(true).multiple(false)))]
pub(crate) struct VerifyArgs {
    /// Fichier de résultats de l'exécution
    #[arg(value_name = "RESULTATS")]
    pub results: PathBuf,
    /// Feuille de la ligne (obligatoire quand les résultats en ont plusieurs)
    #[arg(long, value_name = "FEUILLE")]
    pub sheet: Option<String>,
    /// Numéro de la ligne, comme dans les résultats
    #[arg(long, value_name = "N")]
    pub line: u32,
    /// Vérifié dans Loop : c'est fait (ses appels comptent comme appliqués)
    #[arg(long)]
    pub done: bool,
    /// Vérifié dans Loop : ce n'est pas fait (ses appels pourront être renvoyés)
    #[arg(long)]
    pub not_done: bool,
    #[command(flatten)]
    pub place: RegistreOpt,
}

#[derive(Debug, Args)]
pub(crate) struct HistoryArgs {
    /// Code dossier, ou e-mail d'un interlocuteur (sans lui : les exécutions, de la plus récente à la plus ancienne)
    #[arg(value_name = "CODE_DOSSIER|EMAIL")]
    pub who: Option<String>,
    /// Seulement depuis ce jour : AAAA-MM-JJ ou JJ/MM/AAAA
    #[arg(long, value_name = "DATE")]
    pub since: Option<String>,
    /// Tableur à écrire (.xlsx ou .csv) ; sans lui, un tableau à l'écran
    #[arg(long, value_name = "SORTIE")]
    pub results: Option<PathBuf>,
    /// Sortie : text (le tableau sur la sortie standard, le résumé sur la sortie d'erreur) ou json (sur la sortie standard)
    #[arg(long, value_enum, default_value = "text", hide_possible_values = true)]
    pub format: OutputFormat,
    #[command(flatten)]
    pub place: RegistreOpt,
}

/// Where the registre is, for the commands that use it.
#[derive(Debug, Clone, Args)]
pub(crate) struct RegistreOpt {
    /// Registre des exécutions (sinon LOOPBATCH_REGISTRE, `registre` de loopbatch.toml, ou le dossier de données de l'utilisateur)
    #[arg(long = "registre", value_name = "FICHIER", global = true)]
    pub registre: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub(crate) struct RegistreArgs {
    #[command(subcommand)]
    pub action: RegistreAction,
    #[command(flatten)]
    pub place: RegistreOpt,
}

#[derive(Debug, Subcommand)]
pub(crate) enum RegistreAction {
    /// Vérifie que le fichier du registre est intact
    Check {
        /// Vérification complète (plus lente) au lieu de la rapide
        #[arg(long)]
        full: bool,
    },
    /// Copie le registre, cohérent même pendant une exécution, vers un nouveau fichier
    Copy {
        /// Fichier à créer (jamais écrasé)
        #[arg(value_name = "DESTINATION")]
        dest: PathBuf,
    },
    /// Importe des journaux de la version précédente (.journal.jsonl, ou les résultats à côté desquels ils sont)
    Import {
        #[arg(value_name = "FICHIER", required = true)]
        paths: Vec<PathBuf>,
    },
    /// Oublie une personne (e-mail) ou un dossier (code) : efface ses données personnelles du registre
    Forget {
        #[arg(value_name = "EMAIL|DOSSIER")]
        who: String,
    },
    /// Clôt sans la reprendre une exécution inachevée : ses appels non partis ne le seront jamais, ceux partis sans réponse sont à vérifier
    Close {
        /// Numéro de l'exécution (dans les messages)
        #[arg(value_name = "EXECUTION")]
        run: i64,
    },
}

#[derive(Debug, Args)]
pub(crate) struct UiArgs {
    /// Port d'écoute sur 127.0.0.1 (0 : un port libre)
    #[arg(long, default_value_t = 0)]
    pub port: u16,
    /// N'ouvre pas le navigateur (l'adresse est affichée)
    #[arg(long)]
    pub no_open: bool,
    /// Simulation : la page s'adresse au simulateur intégré, avec l'exemple
    #[arg(long)]
    pub demo: bool,
    #[command(flatten)]
    pub place: RegistreOpt,
}

#[derive(Debug, Args)]
pub(crate) struct DossiersArgs {
    /// Au moins 3 caractères du code ou du nom (accents et casse ignorés)
    #[arg(long, value_name = "TEXTE")]
    pub search: Option<String>,
    /// Seulement les dossiers de ce maître de dossier
    #[arg(long, value_name = "EMAIL")]
    pub maitre: Option<String>,
    /// Seulement les dossiers de cet engagement manager
    #[arg(long, value_name = "EMAIL")]
    pub manager: Option<String>,
    /// Domaine du cabinet (sinon `domain` de loopbatch.toml)
    #[arg(long, value_name = "D")]
    pub domain: Option<String>,
    /// Tableur à écrire (.xlsx ou .csv) ; sans lui, un tableau à l'écran
    #[arg(long, value_name = "SORTIE")]
    pub results: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub(crate) struct RunArgs {
    /// Tableur, ou plan JSON écrit par `loopbatch plan`
    #[arg(value_name = "FICHIER|PLAN.json")]
    pub file: PathBuf,
    /// Fichier de résultats (.xlsx ou .csv) ; chaque appel est noté dans le registre
    #[arg(long, value_name = "SORTIE")]
    pub results: PathBuf,
    /// Débit maximal (ex. 5/s, 300/min ; défaut 5/s ou la configuration)
    #[arg(long, value_parser = parse_rate, value_name = "N/s")]
    pub rate: Option<crate::config::Rate>,
    /// Appels permis d'un coup au-delà du débit (défaut 1)
    #[arg(long, value_name = "B")]
    pub burst: Option<u32>,
    /// Requêtes simultanées au plus (défaut 4)
    #[arg(long, value_name = "C")]
    pub concurrency: Option<usize>,
    /// Nouvelles tentatives sur erreur passagère (défaut 5)
    #[arg(long, value_name = "K")]
    pub retries: Option<u32>,
    /// Reprend une exécution interrompue grâce au registre
    #[arg(long)]
    pub resume: bool,
    /// Vérifie et planifie seulement, sans rien envoyer (comme check)
    #[arg(long)]
    pub dry_run: bool,
    /// Relance seulement les lignes qui n'ont pas fini OK dans ces résultats
    #[arg(long, value_name = "RESULTATS_PRECEDENTS")]
    pub only_failed: Option<PathBuf>,
    /// Renvoie aussi les appels dont la dernière issue est A_VERIFIER (avec --only-failed : relance aussi les lignes A_VERIFIER)
    #[arg(long)]
    pub include_a_verifier: bool,
    /// Envoie tout, même ce que le registre sait déjà fait
    #[arg(long)]
    pub send_all: bool,
    /// Ne demande pas de confirmation (exécutions planifiées)
    #[arg(long)]
    pub yes: bool,
    /// Avec --resume ou --only-failed : la clé d'API a été remplacée ; la nouvelle est notée pour ce cabinet. Sur une nouvelle exécution : la lie aux clés déjà notées à cette adresse (leur mémoire devient la sienne)
    #[arg(long)]
    pub new_key: bool,
    /// Refuse d'abord les dossiers absents du portefeuille LoopHub de la clé
    #[arg(long)]
    pub online: bool,
    /// Domaine du cabinet pour LoopHub (sinon `domain` de loopbatch.toml)
    #[arg(long, value_name = "D")]
    pub domain: Option<String>,
    /// Pas de barre de progression ni de résumé (cron)
    #[arg(long)]
    pub quiet: bool,
    /// Format du résumé : text ou json
    #[arg(long, value_enum, default_value = "text")]
    pub format: OutputFormat,
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub place: RegistreOpt,
}

#[derive(Debug, Args)]
pub(crate) struct DemoArgs {
    /// Dossier où écrire l'exemple et les résultats de la démonstration
    #[arg(long, default_value = "loopbatch-demo", value_name = "DOSSIER")]
    pub out: PathBuf,
    /// Pas de barre de progression
    #[arg(long)]
    pub quiet: bool,
    #[command(flatten)]
    pub place: RegistreOpt,
}

#[derive(Debug, Args)]
pub(crate) struct SimulateArgs {
    /// Port d'écoute sur 127.0.0.1 (0 : un port libre)
    #[arg(long, default_value_t = 0)]
    pub port: u16,
    /// Chemin de base des routes, comme en production
    #[arg(long, default_value = crate::simulator::DEFAULT_BASE_PATH, value_name = "CHEMIN")]
    pub base_path: String,
    /// Portefeuille de dossiers (code_dossier, raison_sociale, statut, maitre_dossier, engagement_manager)
    #[arg(long, value_name = "FICHIER")]
    pub dossiers: Option<PathBuf>,
    /// Interlocuteurs existants (email, code_dossier, offre)
    #[arg(long, value_name = "FICHIER")]
    pub contacts: Option<PathBuf>,
    /// Génère N dossiers SIM00001… (un sur quatre « A préparer »)
    #[arg(long, value_name = "N")]
    pub generate: Option<usize>,
    /// Limite de la passerelle par clé d'abonnement (ex. 20/s), selon --throttle-model
    #[arg(long, value_parser = parse_rate, value_name = "N/s")]
    pub rate: Option<crate::config::Rate>,
    /// Appels admis dans une fenêtre au même débit moyen, ou taille du seau (défaut : N)
    #[arg(long, value_name = "B")]
    pub burst: Option<u32>,
    /// Latence moyenne ajoutée à chaque réponse
    #[arg(long, default_value_t = 0, value_name = "MS")]
    pub latency_ms: u64,
    /// Variation de la latence (plus ou moins)
    #[arg(long, default_value_t = 0, value_name = "MS")]
    pub jitter_ms: u64,
    /// Part des appels qui reçoivent 500/502/503 sans être appliqués
    #[arg(long, default_value_t = 0.0, value_parser = parse_fraction, value_name = "P")]
    pub fail_rate: f64,
    /// Part des connexions fermées avant toute réponse
    #[arg(long, default_value_t = 0.0, value_parser = parse_fraction, value_name = "P")]
    pub reset_rate: f64,
    /// Part des réponses retardées de --slow-ms
    #[arg(long, default_value_t = 0.0, value_parser = parse_fraction, value_name = "P")]
    pub slow_rate: f64,
    /// Retard des réponses lentes
    #[arg(long, default_value_t = 30_000, value_name = "MS")]
    pub slow_ms: u64,
    /// Part des appels appliqués dont la réponse est perdue (connexion coupée)
    #[arg(long, default_value_t = 0.0, value_parser = parse_fraction, value_name = "P")]
    pub lost_answer_rate: f64,
    /// Part des appels appliqués auxquels la passerelle répond 504 (réponse du serveur trop tardive)
    #[arg(long, default_value_t = 0.0, value_parser = parse_fraction, value_name = "P")]
    pub applied_504_rate: f64,
    /// Part des refus (réponse métier, rien d'appliqué) auxquels la passerelle répond 504
    #[arg(long, default_value_t = 0.0, value_parser = parse_fraction, value_name = "P")]
    pub refused_504_rate: f64,
    /// Limitation : window (fenêtre glissante), lockout (tout appel refusé pendant le Retry-After) ou bucket (seau de --burst jetons rempli au débit, tout appel refusé pendant le Retry-After)
    #[arg(long, value_parser = throttle_parser(), default_value = "window", value_name = "MODELE")]
    pub throttle_model: ThrottleModel,
    /// Domaines d'e-mail non invités sur le tenant (séparés par des virgules)
    #[arg(long, value_delimiter = ',', value_name = "D,...")]
    pub uninvited_domains: Vec<String>,
    /// Forme des erreurs métier : json-400, json-409, json-422, texte, 500
    #[arg(long, value_parser = error_profile_parser(), default_value = "json-400", value_name = "PROFIL")]
    pub error_profile: ErrorProfile,
    /// Graine des tirages (latence, pannes) : même graine, mêmes pannes
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
}

fn parse_rate(s: &str) -> Result<crate::config::Rate, ValueForm> {
    crate::config::Rate::parse(s).ok_or(ValueForm::Rate)
}

fn parse_fraction(s: &str) -> Result<f64, ValueForm> {
    match s.trim().trim_end_matches('%').replace(',', ".").parse::<f64>() {
        Ok(v) if s.trim().ends_with('%') && (0.0..=100.0).contains(&v) => Ok(v / 100.0),
        Ok(v) if (0.0..=1.0).contains(&v) => Ok(v),
        _ => Err(ValueForm::Fraction),
    }
}

#[derive(Debug, Args)]
pub(crate) struct CheckArgs {
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
    /// Vérifie aussi chaque dossier dans le portefeuille LoopHub de la clé
    #[arg(long)]
    pub online: bool,
    /// Avec --online : avertit là où cette personne n'est ni maître de dossier ni manager
    #[arg(long = "as", value_name = "EMAIL", requires = "online")]
    pub as_email: Option<String>,
    /// Domaine du cabinet pour LoopHub (sinon `domain` de loopbatch.toml)
    #[arg(long, value_name = "D")]
    pub domain: Option<String>,
}

#[derive(Debug, Args)]
pub(crate) struct PlanArgs {
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
pub(crate) struct TemplateArgs {
    /// Dossier où écrire les modèles (créé s'il n'existe pas)
    #[arg(long, value_name = "DOSSIER")]
    pub out: PathBuf,
}

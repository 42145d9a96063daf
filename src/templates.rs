//! The sheets loopbatch hands to users: the onboarding and operations
//! templates (and, later, the portfolio export), formatted so that Excel
//! keeps leading zeros (text columns) and offers drop-down lists.

use std::path::Path;

use rust_xlsxwriter::{DataValidation, Note, XlsxError};

use crate::error::Result;
use crate::i18n::Lang;
use crate::messages::{Notice, Text, WorkbookText};
use crate::normalize::OFFERS;
use crate::report::book;
use crate::rows::Action;

/// How far down the drop-downs and the text format reach.
const FORMATTED_ROWS: u32 = 5_000;

/// A column of a template: its header and the example shown in its note.
pub(crate) struct TemplateColumn {
    pub name: &'static str,
    pub note_fr: &'static str,
    pub note_en: &'static str,
    pub width: f64,
}

impl TemplateColumn {
    /// The header's note in `lang` (the column's table holds both, whole).
    fn note(&self, lang: Lang) -> &'static str {
        match lang {
            Lang::Fr => self.note_fr,
            Lang::En => self.note_en,
        }
    }
}

const fn col(name: &'static str, note_fr: &'static str, note_en: &'static str, width: f64) -> TemplateColumn {
    TemplateColumn { name, note_fr, note_en, width }
}

pub(crate) const ACTION: TemplateColumn = col(
    "action",
    "Action à faire sur la ligne : onboarding, provisionner, ajouter_offre, retirer_offre, ajouter_interlocuteur, modifier_interlocuteur, retirer_application, changer_offre. Vide : ligne ignorée si elle ne demande rien.",
    "Action for the row: onboarding, provisionner, ajouter_offre, retirer_offre, ajouter_interlocuteur, modifier_interlocuteur, retirer_application, changer_offre. Blank: row ignored when it asks for nothing.",
    24.0,
);
pub(crate) const CODE_DOSSIER: TemplateColumn = col(
    "code_dossier",
    "Code du dossier client dans Loop. Exemple : MANON001 (colonne au format Texte : les zéros initiaux sont gardés).",
    "Client dossier code in Loop. Example: MANON001 (Text column: leading zeros are kept).",
    16.0,
);
pub(crate) const RAISON_SOCIALE: TemplateColumn = col(
    "raison_sociale",
    "Pour vous repérer ; non envoyé. Exemple : Boulangerie Manon SARL",
    "For your reference; not sent. Example: Boulangerie Manon SARL",
    28.0,
);
pub(crate) const OFFRE: TemplateColumn = col(
    "offre",
    "start, co-production ou consultation. Exemple : consultation",
    "start, co-production or consultation. Example: consultation",
    16.0,
);
pub(crate) const ANCIENNE_OFFRE: TemplateColumn = col(
    "ancienne_offre",
    "Pour changer_offre : l'offre à remplacer. Exemple : start",
    "For changer_offre: the offer to replace. Example: start",
    16.0,
);
pub(crate) const EMAIL: TemplateColumn = col(
    "email",
    "E-mail de l'interlocuteur (invité au préalable sur votre tenant). Exemple : manon.dupont@boulangerie-manon.fr",
    "Contact's e-mail (invited on your tenant first). Example: manon.dupont@boulangerie-manon.fr",
    32.0,
);
pub(crate) const NOM: TemplateColumn = col("nom", "Exemple : DUPONT", "Example: DUPONT", 16.0);
pub(crate) const PRENOM: TemplateColumn = col("prenom", "Exemple : Manon", "Example: Manon", 16.0);
pub(crate) const TELEPHONE: TemplateColumn = col(
    "telephone",
    "10 chiffres ; +33 accepté. Exemple : 07 05 06 03 02",
    "10 digits; +33 accepted. Example: 07 05 06 03 02",
    16.0,
);
pub(crate) const PROFIL: TemplateColumn =
    col("profil", "Code de profil Loop. Exemple : 2.0", "Loop profile code. Example: 2.0", 10.0);
pub(crate) const SOCIAL: TemplateColumn =
    col("social", "oui / non (vide : non). Exemple : non", "yes / no (blank: no). Example: no", 10.0);
pub(crate) const ACTIF: TemplateColumn = col(
    "actif",
    "modifier_interlocuteur : oui / non ; vide = inchangé",
    "modifier_interlocuteur: yes / no; blank = unchanged",
    10.0,
);
pub(crate) const EMETTEUR: TemplateColumn = col(
    "emetteur_par_defaut",
    "modifier_interlocuteur : oui / non ; vide = inchangé",
    "modifier_interlocuteur: yes / no; blank = unchanged",
    20.0,
);

pub(crate) const NOM_USUEL: TemplateColumn =
    col("nom_usuel", "Nom usuel du dossier (LoopHub) ; non envoyé.", "Dossier's usual name (LoopHub); not sent.", 22.0);
pub(crate) const MAITRE: TemplateColumn =
    col("maitre_dossier", "Maître de dossier (LoopHub) ; non envoyé.", "Dossier master (LoopHub); not sent.", 30.0);
pub(crate) const MANAGER: TemplateColumn = col(
    "engagement_manager",
    "Engagement manager (LoopHub) ; non envoyé.",
    "Engagement manager (LoopHub); not sent.",
    30.0,
);

/// The portfolio export: a monthly change sheet ready to fill in.
pub(crate) const PORTFOLIO: [&TemplateColumn; 8] =
    [&ACTION, &CODE_DOSSIER, &RAISON_SOCIALE, &NOM_USUEL, &MAITRE, &MANAGER, &OFFRE, &ANCIENNE_OFFRE];

pub(crate) const ONBOARDING: [&TemplateColumn; 9] =
    [&CODE_DOSSIER, &RAISON_SOCIALE, &OFFRE, &EMAIL, &NOM, &PRENOM, &TELEPHONE, &PROFIL, &SOCIAL];
pub(crate) const OPERATIONS: [&TemplateColumn; 12] = [
    &ACTION,
    &CODE_DOSSIER,
    &EMAIL,
    &NOM,
    &PRENOM,
    &TELEPHONE,
    &OFFRE,
    &ANCIENNE_OFFRE,
    &PROFIL,
    &SOCIAL,
    &ACTIF,
    &EMETTEUR,
];

/// A formatted sheet: text columns, drop-downs for action / offre / yes-no,
/// a note with an example on each header, then the given data rows.
pub(crate) fn template_xlsx(
    sheet_name: &str,
    columns: &[&TemplateColumn],
    rows: &[Vec<String>],
    lang: Lang,
) -> Result<Vec<u8>, XlsxError> {
    let mut book = book::workbook();
    let sheet = book.add_worksheet();
    sheet.set_name(sheet_name)?;
    let text = book::text();
    let header = book::header().set_num_format_index(49);
    let last = FORMATTED_ROWS.max(rows.len() as u32 + 1);
    let actions: Vec<&str> = Action::all().map(Action::name).collect();
    let yes_no = ["oui", "non"];
    for (c, column) in columns.iter().enumerate() {
        let c = c as u16;
        sheet.set_column_format(c, &text)?;
        sheet.set_column_width(c, column.width)?;
        sheet.write_string_with_format(0, c, column.name, &header)?;
        sheet.insert_note(0, c, &Note::new(column.note(lang)).set_author("loopbatch").set_width(320).set_height(90))?;
        let list: Option<&[&str]> = match column.name {
            "action" => Some(&actions),
            "offre" | "ancienne_offre" => Some(&OFFERS),
            "social" | "actif" | "emetteur_par_defaut" => Some(&yes_no),
            _ => None,
        };
        if let Some(list) = list {
            let v = DataValidation::new()
                .allow_list_strings(list)?
                .set_error_title(WorkbookText::UnknownValue.say(lang))?
                .set_error_message(Notice::PossibleValues { values: &list.join(", ") }.text(lang))?;
            sheet.add_data_validation(1, c, last, c, &v)?;
        }
        for (r, row) in rows.iter().enumerate() {
            if let Some(v) = row.get(c as usize).filter(|v| !v.is_empty()) {
                sheet.write_string_with_format(r as u32 + 1, c, v, &text)?;
            }
        }
    }
    sheet.set_freeze_panes(1, 0)?;
    book.save_to_buffer()
}

/// Header-only CSV in the results' dialect (UTF-8 BOM, `;`).
pub(crate) fn template_csv(columns: &[&TemplateColumn]) -> Vec<u8> {
    let mut out = b"\xEF\xBB\xBF".to_vec();
    out.extend(columns.iter().map(|c| c.name).collect::<Vec<_>>().join(";").as_bytes());
    out.extend(b"\r\n");
    out
}

/// The templates handed to users: file name, sheet name, columns.
fn templates(lang: Lang) -> [(&'static str, &'static str, &'static [&'static TemplateColumn]); 2] {
    [
        ("modele-onboarding", "Onboarding", &ONBOARDING[..]),
        ("modele-operations", WorkbookText::OperationsSheet.say(lang), &OPERATIONS[..]),
    ]
}

/// One template's bytes by its file name (`modele-onboarding.xlsx`…), as
/// the page serves them; `None` for any other name.
pub(crate) fn template_file(name: &str, lang: Lang) -> Option<Vec<u8>> {
    let (stem, ext) = name.rsplit_once('.')?;
    let (_, sheet, columns) = templates(lang).into_iter().find(|t| t.0 == stem)?;
    match ext {
        "xlsx" => template_xlsx(sheet, columns, &[], lang).ok(),
        "csv" => Some(template_csv(columns)),
        _ => None,
    }
}

/// The names `template_file` serves.
pub const TEMPLATE_FILES: [&str; 4] =
    ["modele-onboarding.xlsx", "modele-onboarding.csv", "modele-operations.xlsx", "modele-operations.csv"];

/// Writes both templates in both formats into `dir`.
pub(crate) fn write_templates(dir: &Path, lang: Lang) -> Result<Vec<std::path::PathBuf>> {
    std::fs::create_dir_all(dir).map_err(|e| {
        crate::error::Failure::refused(crate::error::Refusal::CannotCreateFolder {
            folder: dir.to_path_buf(),
            error: crate::error::SystemCause::from(&e),
        })
    })?;
    let mut written = Vec::new();
    for (stem, sheet, columns) in templates(lang) {
        let xlsx = dir.join(format!("{stem}.xlsx"));
        let bytes = template_xlsx(sheet, columns, &[], lang)
            .map_err(|e| crate::error::Failure::write(&xlsx, crate::error::WriteProblem::Workbook((&e).into())))?;
        crate::files::write_atomic(&xlsx, &bytes)?;
        let csv = dir.join(format!("{stem}.csv"));
        crate::files::write_atomic(&csv, &template_csv(columns))?;
        written.push(xlsx);
        written.push(csv);
    }
    Ok(written)
}

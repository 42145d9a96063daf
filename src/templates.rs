//! The sheets loopbatch hands to users: the onboarding and operations
//! templates (and, later, the portfolio export), formatted so that Excel
//! keeps leading zeros (text columns) and offers drop-down lists.

use std::path::Path;

use rust_xlsxwriter::{DataValidation, Note, XlsxError};

use crate::error::Result;
use crate::i18n::Lang;
use crate::messages::{Notice, TemplateNote, Text, WorkbookText};
use crate::normalize::OFFERS;
use crate::report::book;
use crate::rows::Action;

/// How far down the drop-downs and the text format reach.
const FORMATTED_ROWS: u32 = 5_000;

/// A column of a template: its header, the note shown on it (in
/// `messages::template`) and its width.
pub(crate) struct TemplateColumn {
    pub name: &'static str,
    pub note: TemplateNote,
    pub width: f64,
}

const fn col(name: &'static str, note: TemplateNote, width: f64) -> TemplateColumn {
    TemplateColumn { name, note, width }
}

pub(crate) const ACTION: TemplateColumn = col("action", TemplateNote::Action, 24.0);
pub(crate) const CODE_DOSSIER: TemplateColumn = col("code_dossier", TemplateNote::CodeDossier, 16.0);
pub(crate) const RAISON_SOCIALE: TemplateColumn = col("raison_sociale", TemplateNote::RaisonSociale, 28.0);
pub(crate) const OFFRE: TemplateColumn = col("offre", TemplateNote::Offre, 16.0);
pub(crate) const ANCIENNE_OFFRE: TemplateColumn = col("ancienne_offre", TemplateNote::AncienneOffre, 16.0);
pub(crate) const EMAIL: TemplateColumn = col("email", TemplateNote::Email, 32.0);
pub(crate) const NOM: TemplateColumn = col("nom", TemplateNote::Nom, 16.0);
pub(crate) const PRENOM: TemplateColumn = col("prenom", TemplateNote::Prenom, 16.0);
pub(crate) const TELEPHONE: TemplateColumn = col("telephone", TemplateNote::Telephone, 16.0);
pub(crate) const PROFIL: TemplateColumn = col("profil", TemplateNote::Profil, 10.0);
pub(crate) const SOCIAL: TemplateColumn = col("social", TemplateNote::Social, 10.0);
pub(crate) const ACTIF: TemplateColumn = col("actif", TemplateNote::Actif, 10.0);
pub(crate) const EMETTEUR: TemplateColumn = col("emetteur_par_defaut", TemplateNote::Emetteur, 20.0);
pub(crate) const NOM_USUEL: TemplateColumn = col("nom_usuel", TemplateNote::NomUsuel, 22.0);
pub(crate) const MAITRE: TemplateColumn = col("maitre_dossier", TemplateNote::Maitre, 30.0);
pub(crate) const MANAGER: TemplateColumn = col("engagement_manager", TemplateNote::Manager, 30.0);

/// The portfolio export: a monthly change sheet ready to fill in.
pub(crate) const PORTFOLIO: &[&TemplateColumn] =
    &[&ACTION, &CODE_DOSSIER, &RAISON_SOCIALE, &NOM_USUEL, &MAITRE, &MANAGER, &OFFRE, &ANCIENNE_OFFRE];

pub(crate) const ONBOARDING: &[&TemplateColumn] =
    &[&CODE_DOSSIER, &RAISON_SOCIALE, &OFFRE, &EMAIL, &NOM, &PRENOM, &TELEPHONE, &PROFIL, &SOCIAL];
pub(crate) const OPERATIONS: &[&TemplateColumn] = &[
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
        sheet.insert_note(
            0,
            c,
            &Note::new(column.note.text(lang)).set_author("loopbatch").set_width(320).set_height(90),
        )?;
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
        ("modele-onboarding", "Onboarding", ONBOARDING),
        ("modele-operations", WorkbookText::OperationsSheet.say(lang), OPERATIONS),
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

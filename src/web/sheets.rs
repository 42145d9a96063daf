//! A sheet in the page: uploaded, checked with the library's
//! `CheckedSheet`, its cells fixed and checked again, the fixed sheet
//! downloaded. Files live in the per-user folder under names the server
//! makes; downloads go by the sheet's id, never by a path from the request.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::{Form, Multipart, Path as UrlPath, Query, State};
use axum::http::{HeaderValue, Response, StatusCode, header};
use axum::response::{IntoResponse, Redirect};
use serde::Deserialize;

use super::{Shared, UPLOAD_LIMIT_MB, failed, failure, html, internal, owner_only_folder};
use crate::job::{CheckedSheet, Edit, Failure, SheetInput, WriteProblem};
use crate::messages::{Message, SheetText, Text};

pub(super) struct Loaded {
    /// The upload's own name, for display and the fixed sheet's name only.
    pub name: String,
    pub sheet: CheckedSheet,
    /// Its folder in the per-user folder, removed with it.
    folder: PathBuf,
    /// Last asked for: a sheet left this long is dropped (`sweep`).
    touched: Instant,
    /// One more at each change (a cell, the online check): a plan made
    /// from an earlier version is not the sheet's any more.
    pub version: u64,
    /// The registre's memory of the sheet (`memory_counts`) and the
    /// version it was counted for.
    pub memory: Option<(u64, Option<crate::job::MemoryCounts>)>,
}

/// A sheet nobody asked for this long is dropped, its upload removed.
pub(super) const SHEET_TTL: Duration = Duration::from_secs(24 * 3600);

/// A file name the server can use: the last part of the upload's name,
/// letters, digits, spaces, `.-_()` kept, anything else replaced; never a
/// path, never hidden, never empty.
fn safe_name(uploaded: &str) -> String {
    let last = uploaded.rsplit(['/', '\\']).next().unwrap_or_default();
    let kept: String = last
        .chars()
        .map(|c| if c.is_alphanumeric() || matches!(c, ' ' | '.' | '-' | '_' | '(' | ')') { c } else { '_' })
        .take(120)
        .collect();
    let kept = kept.trim_start_matches('.').trim();
    if kept.is_empty() { "tableur".into() } else { kept.to_string() }
}

pub(super) async fn upload(State(app): State<Shared>, mut form: Multipart) -> Response<Body> {
    let lang = app.lang();
    let too_big = || {
        failure(&app, StatusCode::PAYLOAD_TOO_LARGE, &Message::UploadTooBig { limit_mb: UPLOAD_LIMIT_MB }.text(lang))
    };
    let (mut name, mut bytes, mut sheet_name) = (String::new(), Vec::new(), None);
    let (mut encoding, mut delimiter) = (None, None);
    loop {
        match form.next_field().await {
            Ok(Some(field)) => match field.name() {
                Some("sheet") => {
                    name = field.file_name().unwrap_or_default().to_string();
                    match field.bytes().await {
                        Ok(b) if b.len() as u64 <= UPLOAD_LIMIT_MB << 20 => bytes = b.to_vec(),
                        _ => return too_big(),
                    }
                }
                Some("feuille") => sheet_name = field.text().await.ok().filter(|s| !s.trim().is_empty()),
                Some("encodage") => encoding = field.text().await.ok().and_then(|e| encoding_of(&e)),
                Some("separateur") => delimiter = field.text().await.ok().and_then(|d| delimiter_of(&d)),
                _ => {}
            },
            Ok(None) => break,
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => return too_big(),
            // Cut, malformed, or too slow (see `server::body_deadline`).
            Err(_) => {
                return failure(&app, StatusCode::BAD_REQUEST, &Message::UploadCut.text(lang));
            }
        }
    }
    let another = Some((SheetText::ChooseAnotherFile.say(lang), "/"));
    if bytes.is_empty() && name.is_empty() {
        return super::failure_then(&app, StatusCode::BAD_REQUEST, &Message::NoFileChosen.text(lang), another);
    }
    if bytes.is_empty() {
        let text = Message::UploadEmpty { name: &safe_name(&name) }.text(lang);
        return super::failure_then(&app, StatusCode::BAD_REQUEST, &text, another);
    }
    let id = super::guard::secret();
    let folder = app.folder.join("televersements").join(&id);
    let path = folder.join(safe_name(&name));
    let saved = owner_only_folder(&folder).and_then(|()| super::owner_only_file(&path, &bytes));
    if let Err(e) = saved {
        return super::page_file_failed(&app, &path, &e);
    }
    let input = SheetInput { sheet: sheet_name, encoding, delimiter, ..SheetInput::new(&path) };
    let cfg = app.config();
    let checked = tokio::task::spawn_blocking(move || CheckedSheet::open(&cfg, &input, None, None)).await;
    match checked {
        Ok(Ok(sheet)) => {
            let loaded =
                Loaded { name: safe_name(&name), sheet, folder, touched: Instant::now(), version: 0, memory: None };
            app.sheets.lock().unwrap_or_else(|e| e.into_inner()).insert(id.clone(), Arc::new(Mutex::new(loaded)));
            Redirect::to(&format!("/feuille/{id}")).into_response()
        }
        // A sheet refused is not kept.
        Ok(Err(f)) => {
            let _ = std::fs::remove_dir_all(&folder);
            failed(&app, &f, another)
        }
        Err(e) => {
            let _ = std::fs::remove_dir_all(&folder);
            failed(&app, &internal(e), None)
        }
    }
}

/// Drops the sheets left longer than `SHEET_TTL` (with their upload and
/// their plan shown); `all` drops every one.
pub(super) fn sweep(app: &Shared, all: bool) {
    let gone: Vec<String> = {
        let sheets = app.sheets.lock().unwrap_or_else(|e| e.into_inner());
        sheets
            .iter()
            // A sheet busy (its lock held: a check, a plan) is in use.
            .filter(|(_, l)| all || l.try_lock().is_ok_and(|l| l.touched.elapsed() > SHEET_TTL))
            .map(|(id, _)| id.clone())
            .collect()
    };
    for id in gone {
        forget(app, &id);
    }
}

/// A sheet no longer loaded: its upload and its plan shown go with it.
fn forget(app: &Shared, id: &str) -> bool {
    let Some(l) = app.sheets.lock().unwrap_or_else(|e| e.into_inner()).remove(id) else { return false };
    app.confirmations.lock().unwrap_or_else(|e| e.into_inner()).remove(id);
    let _ = std::fs::remove_dir_all(&l.lock().unwrap_or_else(|e| e.into_inner()).folder);
    true
}

/// What a server that ended uncleanly left: uploads and portfolio copies
/// older than `SHEET_TTL` (a server running beside, the demo's, keeps its
/// own younger ones; each server removes its own when it ends).
pub(super) fn remove_unreachable(folder: &std::path::Path) {
    for kind in ["televersements", "portefeuilles"] {
        let Ok(entries) = std::fs::read_dir(folder.join(kind)) else { continue };
        for e in entries.flatten() {
            let old = e.metadata().and_then(|m| m.modified()).ok().and_then(|t| t.elapsed().ok());
            if old.is_some_and(|age| age > SHEET_TTL) {
                let _ = std::fs::remove_dir_all(e.path()).or_else(|_| std::fs::remove_file(e.path()));
            }
        }
    }
}

/// "Supprimer" on a loaded sheet: its upload and plan are removed now.
pub(super) async fn delete(State(app): State<Shared>, UrlPath(id): UrlPath<String>) -> Response<Body> {
    if !forget(&app, &id) {
        return not_found(&app);
    }
    Redirect::to("/executions").into_response()
}

/// The sheets loaded, for the kept-runs screen: name, rows, open, delete.
pub(super) fn listed(app: &Shared) -> maud::Markup {
    let lang = app.lang();
    let mut sheets: Vec<(String, String, usize, Instant)> = {
        let all = app.sheets.lock().unwrap_or_else(|e| e.into_inner());
        all.iter()
            .map(|(id, l)| {
                let l = l.lock().unwrap_or_else(|e| e.into_inner());
                (id.clone(), l.name.clone(), l.sheet.rows().len(), l.touched)
            })
            .collect()
    };
    sheets.sort_by_key(|s| std::cmp::Reverse(s.3));
    maud::html! {
        h2 { (SheetText::SheetsLoaded.say(lang)) }
        p { (SheetText::KeptOnThisComputerWhileThe.say(lang)) }
        @if sheets.is_empty() {
            p data-testid="no-uploads" { (SheetText::NoSheetLoaded.say(lang)) }
        } @else {
            table data-testid="uploads" {
                thead { tr {
                    th scope="col" { (SheetText::Sheet.say(lang)) } th scope="col" { (SheetText::Rows.say(lang)) }
                    th scope="col" { (SheetText::Actions.say(lang)) }
                } }
                tbody { @for (id, name, rows, _) in &sheets {
                    tr data-testid="upload" data-sheet=(id) {
                        td { (name) } td { (rows) }
                        td {
                            a href=(format!("/feuille/{id}")) { (SheetText::Open.say(lang)) }
                            form.inline method="post" action=(format!("/feuille/{id}/suppression")) {
                                button type="submit" data-testid="delete-upload" { (SheetText::Delete.say(lang)) }
                            }
                        }
                    }
                } }
            }
        }
    }
}

/// The encodings a CSV may be read in, as the page offers them ("": detect).
fn encoding_of(value: &str) -> Option<crate::job::Encoding> {
    use crate::job::Encoding;
    match value {
        "utf-8" => Some(Encoding::Utf8),
        "windows-1252" => Some(Encoding::Windows1252),
        "utf-16le" => Some(Encoding::Utf16Le),
        "utf-16be" => Some(Encoding::Utf16Be),
        _ => None,
    }
}

/// A CSV's delimiter, as the page offers them ("": detect).
fn delimiter_of(value: &str) -> Option<u8> {
    match value {
        ";" => Some(b';'),
        "," => Some(b','),
        "tab" => Some(b'\t'),
        "|" => Some(b'|'),
        _ => None,
    }
}

pub(super) fn loaded(app: &Shared, id: &str) -> Option<Arc<Mutex<Loaded>>> {
    let l = app.sheets.lock().unwrap_or_else(|e| e.into_inner()).get(id).cloned()?;
    {
        let mut loaded = l.lock().unwrap_or_else(|e| e.into_inner());
        loaded.touched = Instant::now();
        // The page switched language: its checks said again (a new plan).
        if loaded.sheet.speak(app.lang()) {
            loaded.version += 1;
        }
    }
    Some(l)
}

pub(super) fn not_found(app: &Shared) -> Response<Body> {
    let lang = app.lang();
    failure(app, StatusCode::NOT_FOUND, SheetText::ThisSheetIsNoLongerLoaded.say(lang))
}

pub(super) async fn view(
    State(app): State<Shared>,
    UrlPath(id): UrlPath<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response<Body> {
    let Some(l) = loaded(&app, &id) else { return not_found(&app) };
    let memory = sheet_memory(&app, &l).await;
    let l = l.lock().unwrap_or_else(|e| e.into_inner());
    let view = super::grid::SheetView {
        id: &id,
        name: &l.name,
        sheet: &l.sheet,
        memory: memory.as_ref(),
        page: q.get("page").and_then(|p| p.parse().ok()).unwrap_or(0),
        only_problems: q.get("problemes").is_some_and(|v| v == "1"),
        lang: app.lang(),
        simulation: app.simulation,
    };
    html(super::grid::sheet_page(&view))
}

#[derive(Deserialize)]
pub(super) struct CellForm {
    sheet: String,
    row: u32,
    field: String,
    value: String,
}

/// A changed cell: the row and the checks across rows again; answers the
/// new summary and every row whose problems changed, as HTML to put in place.
pub(super) async fn edit(
    State(app): State<Shared>,
    UrlPath(id): UrlPath<String>,
    Form(f): Form<CellForm>,
) -> Response<Body> {
    let Some(l) = loaded(&app, &id) else { return not_found(&app) };
    let lang = app.lang();
    let edit = Edit { sheet: f.sheet, line: f.row, field: f.field, value: f.value };
    let edited = l.clone();
    let done = tokio::task::spawn_blocking(move || {
        let mut l = edited.lock().unwrap_or_else(|e| e.into_inner());
        let changed = l.sheet.edit(&edit)?;
        l.version += 1;
        let rows: Vec<serde_json::Value> = changed
            .iter()
            .map(|i| serde_json::json!({"index": i, "html": super::grid::row(&l.sheet, *i, lang).into_string()}))
            .collect();
        Ok::<_, crate::job::Failure>(serde_json::json!({ "rows": rows }))
    })
    .await;
    match done {
        Ok(Ok(mut v)) => {
            // The summary as the sheet now stands, the memory's counts too.
            let memory = sheet_memory(&app, &l).await;
            let summary =
                super::grid::summary(&l.lock().unwrap_or_else(|e| e.into_inner()).sheet, memory.as_ref(), lang);
            v["summary"] = summary.into_string().into();
            // The plan shown before this change is no longer the sheet's.
            app.confirmations.lock().unwrap_or_else(|e| e.into_inner()).remove(&id);
            let mut r = Response::new(Body::from(v.to_string()));
            r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
            r
        }
        Ok(Err(f)) => failed(&app, &f, None),
        Err(e) => failed(&app, &internal(e), None),
    }
}

/// The sheet as fixed in the page, as a new workbook (`<name>-corrige.xlsx`):
/// every sheet read, every column kept, text cells; the original untouched.
pub(super) async fn fixed(State(app): State<Shared>, UrlPath(id): UrlPath<String>) -> Response<Body> {
    let Some(l) = loaded(&app, &id) else { return not_found(&app) };
    let built = tokio::task::spawn_blocking(move || {
        let l = l.lock().unwrap_or_else(|e| e.into_inner());
        let stem = PathBuf::from(&l.name).file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
        (format!("{stem}-corrige.xlsx"), l.sheet.fixed_xlsx().map_err(|e| WriteProblem::Workbook((&e).into())))
    })
    .await;
    built_download(&app, built)
}

/// The readable plan of the sheet as it stands (PLAN.xlsx).
pub(super) async fn plan_workbook(State(app): State<Shared>, UrlPath(id): UrlPath<String>) -> Response<Body> {
    let Some(l) = loaded(&app, &id) else { return not_found(&app) };
    let built = tokio::task::spawn_blocking(move || {
        let l = l.lock().unwrap_or_else(|e| e.into_inner());
        let stem = PathBuf::from(&l.name).file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
        let bytes = crate::job::plan_xlsx(&l.sheet.plan(crate::job::Bodies::Yes));
        (format!("{stem}-plan.xlsx"), bytes.map_err(|e| WriteProblem::Workbook((&e).into())))
    })
    .await;
    built_download(&app, built)
}

/// A workbook made for download, or why not, in the page's words.
fn built_download(
    app: &Shared,
    built: std::result::Result<(String, std::result::Result<Vec<u8>, WriteProblem>), tokio::task::JoinError>,
) -> Response<Body> {
    match built {
        Ok((file, Ok(bytes))) => download(bytes, XLSX, &file),
        Ok((file, Err(problem))) => failed(app, &Failure::write(std::path::Path::new(&file), problem), None),
        Err(e) => failed(app, &internal(e), None),
    }
}

pub(super) const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// A file to download, under its own name.
pub(super) fn download(bytes: Vec<u8>, mime: &'static str, file: &str) -> Response<Body> {
    let mut r = Response::new(Body::from(bytes));
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(mime));
    if let Ok(v) = HeaderValue::from_str(&attachment(file)) {
        r.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    r
}

/// A download's Content-Disposition: an ASCII name for old browsers, the
/// real one (accents) encoded as RFC 6266 says.
fn attachment(file: &str) -> String {
    let encoded: String = file
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._".contains(&b) { (b as char).to_string() } else { format!("%{b:02X}") }
        })
        .collect();
    let ascii: String =
        file.chars().map(|c| if c.is_ascii_alphanumeric() || "-._".contains(c) { c } else { '_' }).collect();
    format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

/// A results file's name for the download, with the date and time its
/// run wrote it: two runs of one sheet never download under one name.
pub(super) fn dated_name(path: &std::path::Path) -> String {
    let stem = path.file_stem().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let ext = path.extension().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let written = std::fs::metadata(path).and_then(|m| m.modified()).unwrap_or_else(|_| std::time::SystemTime::now());
    // 2026-12-03 10:04 → 2026-12-03-10h04
    let when = crate::job::format_local(written).replace(' ', "-").replacen(':', "h", 1);
    format!("{stem}-{when}.{ext}")
}

/// What the registre's memory makes of the sheet as it stands (rows done
/// already, to send, held), as the plan screen says it: when keys are set
/// (the memory is a tenant's) and a registre exists; counted once per
/// version of the sheet.
pub(super) async fn sheet_memory(app: &Shared, l: &Arc<Mutex<Loaded>>) -> Option<crate::job::MemoryCounts> {
    let keys = app.send_keys().ok()?;
    let files = super::plan_page::registre_files(app);
    if !files.registre().exists() {
        return None;
    }
    let (version, kept) = {
        let l = l.lock().unwrap_or_else(|e| e.into_inner());
        (l.version, l.memory.clone())
    };
    if let Some((_, m)) = kept.filter(|(v, _)| *v == version) {
        return m;
    }
    let sheet = l.clone();
    let plan = tokio::task::spawn_blocking(move || {
        sheet.lock().unwrap_or_else(|e| e.into_inner()).sheet.plan(crate::job::Bodies::Yes)
    })
    .await
    .ok()?;
    let memory = crate::job::memory_counts(&app.config(), &keys, &plan, &files).await;
    let mut l = l.lock().unwrap_or_else(|e| e.into_inner());
    if l.version == version {
        l.memory = Some((version, memory.clone()));
    }
    memory
}

#[cfg(test)]
mod tests {
    use super::safe_name;

    #[test]
    fn an_uploads_name_is_never_a_path() {
        assert_eq!(safe_name("..\\..\\x.csv"), "x.csv");
        assert_eq!(safe_name("../../etc/passwd"), "passwd");
        assert_eq!(safe_name(".cache"), "cache");
        assert_eq!(safe_name("..."), "tableur");
        assert_eq!(safe_name("clients décembre (v2).xlsx"), "clients décembre (v2).xlsx");
        assert_eq!(safe_name("a<b>:c|d?.csv"), "a_b__c_d_.csv");
    }
}

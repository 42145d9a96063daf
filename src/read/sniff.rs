//! What kind of file the input is, from its content rather than its name,
//! and the checks made on a zip before any reader opens it.

use std::fs::File;
use std::io::Read;
use std::path::Path;

use crate::error::{ArchiveFault, Failure, InputProblem, Result};

/// What a workbook may hold once decompressed, and how much one entry may
/// grow: above a full 1,048,576-row results sheet written by loopbatch (text
/// inline, about 1.1 GB), far below a decompression bomb, which the ratio
/// catches anyway.
const MAX_UNPACKED: u64 = 4 << 30;
const MAX_ENTRY: u64 = 2 << 30;
const MAX_RATIO: u64 = 200;
const MAX_ENTRIES: usize = 10_000;
/// The kind of file, from its first bytes (then its extension).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Text,
    Xlsx,
    /// Excel's binary workbook (.xlsb): a zip like XLSX, with binary parts.
    Xlsb,
    Ods,
    Xls,
    EncryptedOoxml,
    /// A file that is no spreadsheet at all: what it is, for the message.
    NotASheet(Foreign),
}

pub(super) use crate::error::Foreign;

/// Share of control bytes (other than tab, line breaks and NUL, which
/// UTF-16 text is full of) above which a file is no text: none in a CSV,
/// about one byte in nine in random or compressed data.
const MAX_CONTROL_SHARE: f64 = 0.02;

/// What a file starting with these bytes is, if it is a well-known
/// format that is not a spreadsheet.
fn foreign(head: &[u8]) -> Option<Foreign> {
    let image: [&[u8]; 6] = [b"\x89PNG\r\n\x1a\n", b"\xFF\xD8\xFF", b"GIF87a", b"GIF89a", b"II*\x00", b"MM\x00*"];
    if head.starts_with(b"%PDF-") {
        Some(Foreign::Pdf)
    } else if image.iter().any(|m| head.starts_with(m))
        || (head.starts_with(b"RIFF") && head.get(8..12) == Some(b"WEBP"))
    {
        Some(Foreign::Image)
    } else if head.starts_with(b"{\\rtf") {
        Some(Foreign::Word)
    } else {
        None
    }
}

/// Text files have (almost) no control bytes; random bytes, compressed or
/// binary data have many.
fn binary(head: &[u8]) -> bool {
    if head.starts_with(&[0xFF, 0xFE]) || head.starts_with(&[0xFE, 0xFF]) || head.is_empty() {
        return false;
    }
    let control = head.iter().filter(|b| matches!(b, 0x01..=0x08 | 0x0B | 0x0C | 0x0E..=0x1F | 0x7F)).count();
    control as f64 / head.len() as f64 > MAX_CONTROL_SHARE
}

/// Refuses a zip (XLSX, ODS) whose entries claim to decompress to absurd
/// sizes, before any of it is decompressed.
pub(super) fn check_archive(path: &Path) -> Result<()> {
    let Ok(file) = File::open(path) else { return Ok(()) };
    // A zip that cannot even be listed is left to calamine's own message.
    let Ok(mut zip) = zip::ZipArchive::new(std::io::BufReader::new(file)) else { return Ok(()) };
    let refuse = |fault| Err(Failure::input(path, InputProblem::SuspiciousArchive(fault)));
    if zip.len() > MAX_ENTRIES {
        return refuse(ArchiveFault::TooManyEntries(zip.len()));
    }
    let mut total = 0u64;
    for i in 0..zip.len() {
        let Ok(entry) = zip.by_index_raw(i) else { continue };
        let (size, packed) = (entry.size(), entry.compressed_size().max(1));
        total = total.saturating_add(size);
        if size > MAX_ENTRY || (size > 20 << 20 && size / packed > MAX_RATIO) || total > MAX_UNPACKED {
            let mb = size >> 20;
            let name = entry.name().map(|n| n.into_owned()).unwrap_or_default();
            return refuse(ArchiveFault::Entry { name, mb });
        }
    }
    Ok(())
}

pub(super) fn sniff_kind(path: &Path) -> std::io::Result<Kind> {
    let mut buffer = vec![0u8; 8192];
    let mut f = File::open(path)?;
    let mut n = 0;
    while n < buffer.len() {
        match f.read(&mut buffer[n..])? {
            0 => break,
            read => n += read,
        }
    }
    let head = &buffer[..n];
    if let Some(what) = foreign(head) {
        return Ok(Kind::NotASheet(what));
    }
    if head.starts_with(b"PK\x03\x04") {
        if let Some(what) = zip_without_workbook(path) {
            return Ok(Kind::NotASheet(what));
        }
        // ODS stores an uncompressed "mimetype" entry first.
        let is_ods = head.windows(8).any(|w| w == b"mimetype") && head.windows(11).any(|w| w == b"opendocumen");
        return Ok(if is_ods {
            Kind::Ods
        } else if is_xlsb(path) {
            Kind::Xlsb
        } else {
            Kind::Xlsx
        });
    }
    if head.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
        // An encrypted xlsx is a compound file holding an "EncryptedPackage".
        let mut all = Vec::new();
        File::open(path)?.take(64 << 20).read_to_end(&mut all)?;
        let marker: Vec<u8> = "EncryptedPackage".encode_utf16().flat_map(u16::to_le_bytes).collect();
        if all.windows(marker.len()).any(|w| w == marker.as_slice()) {
            return Ok(Kind::EncryptedOoxml);
        }
        let utf16 = |name: &str| -> Vec<u8> { name.encode_utf16().flat_map(u16::to_le_bytes).collect() };
        for (stream, what) in [("WordDocument", Foreign::Word), ("PowerPoint Document", Foreign::PowerPoint)] {
            let marker = utf16(stream);
            if all.windows(marker.len()).any(|w| w == marker.as_slice()) {
                return Ok(Kind::NotASheet(what));
            }
        }
        return Ok(Kind::Xls);
    }
    if binary(head) {
        return Ok(Kind::NotASheet(Foreign::Binary));
    }
    Ok(Kind::Text)
}

/// A zip that is a Word or PowerPoint document, or holds no workbook at
/// all; `None` for a workbook, or a zip too damaged to list (the reader
/// then says it is damaged).
fn zip_without_workbook(path: &Path) -> Option<Foreign> {
    let file = File::open(path).ok()?;
    let zip = zip::ZipArchive::new(std::io::BufReader::new(file)).ok()?;
    let names: Vec<String> = zip.file_names().filter_map(|n| n.ok().map(|n| n.to_ascii_lowercase())).collect();
    let has = |prefix: &str| names.iter().any(|n| n.starts_with(prefix));
    if has("xl/") || names.iter().any(|n| n == "content.xml" || n == "mimetype") {
        None
    } else if has("word/") {
        Some(Foreign::Word)
    } else if has("ppt/") {
        Some(Foreign::PowerPoint)
    } else {
        Some(Foreign::Archive)
    }
}

/// A zip whose workbook part is binary (`xl/workbook.bin`), whatever the
/// file's extension.
fn is_xlsb(path: &Path) -> bool {
    let Ok(file) = File::open(path) else { return false };
    zip::ZipArchive::new(std::io::BufReader::new(file))
        .is_ok_and(|z| z.file_names().any(|n| n.is_ok_and(|n| n.eq_ignore_ascii_case("xl/workbook.bin"))))
}

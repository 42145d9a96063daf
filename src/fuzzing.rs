//! Entry points for the fuzz targets (`fuzz/`) and for the test that replays
//! their corpus. Each takes arbitrary bytes and must never panic; the
//! normalisers' entry also asserts their promises (idempotence, digits kept).

use std::io::Write;

use crate::config::{Config, FileConfig};
use crate::i18n::Lang;
/// The normalisers, for the property tests.
pub use crate::normalize::{email, offer, phone};

/// Bytes as a sheet file (by extension), through every offline stage.
pub fn sheet(data: &[u8], extension: &str) {
    let Ok(mut file) = tempfile::Builder::new().suffix(&format!(".{extension}")).tempfile() else { return };
    if file.write_all(data).is_err() || file.flush().is_err() {
        return;
    }
    let opts = crate::read::ReadOptions { lang: Lang::Fr, ..Default::default() };
    let Ok(cfg) = Config::resolve(FileConfig { code_dossier_width: Some(6), ..FileConfig::default() }, None, Lang::Fr)
    else {
        return;
    };
    let Ok(p) = crate::pipeline::prepare(file.path(), &opts, &cfg, crate::plan::Bodies::Yes, None) else { return };
    let plan = p.plan;
    let results = crate::report::check_results(&plan.rows, Lang::Fr);
    assert_eq!(results.len(), plan.rows.len(), "one result per row");
    for c in &plan.calls {
        assert!(c.depends_on.iter().all(|d| *d < c.id), "dependencies come first");
    }
}

/// A cell's text through every normaliser; asserts their promises.
pub fn values(data: &[u8]) {
    use crate::normalize::*;
    let s = String::from_utf8_lossy(data);
    let s = s.as_ref();
    let folded = fold_key(s);
    assert_eq!(fold_key(&folded), folded, "fold_key is idempotent");
    let _ = crate::headers::Field::from_header(s);
    let _ = crate::rows::Action::parse(s);
    for number in [false, true] {
        if let Ok(p) = phone(s, number) {
            let again = phone(&p.value, false).expect("a normalised phone is a phone");
            assert_eq!(again.value, p.value, "phone is idempotent");
            let digits = |x: &str| x.chars().filter(char::is_ascii_digit).collect::<String>();
            // The national digits are kept (a +33 prefix becomes a 0).
            let kept = digits(&p.value);
            assert!(kept.len() >= 8 && kept.len() <= 15, "{kept}");
        }
    }
    if let Ok(e) = email(s) {
        assert_eq!(email(&e), Ok(e.clone()), "email is idempotent");
    }
    if let Some(o) = offer(s) {
        assert_eq!(offer(o), Some(o), "offer is idempotent");
    }
    if let Some(p) = profile(s) {
        assert_eq!(profile(&p), Some(p.clone()), "profile is idempotent");
    }
    if let Ok(Some(b)) = boolean(s) {
        assert_eq!(boolean(if b { "oui" } else { "non" }), Ok(Some(b)));
    }
    let (t, _) = trim_cell(s);
    assert_eq!(trim_cell(t).0, t, "trim is idempotent");
}

/// An HTTP answer (two bytes of status, then the body) through the client's
/// classification and the LoopHub list parser.
pub fn answer(data: &[u8]) {
    let (status, body) = match data {
        [a, b, rest @ ..] => (100 + (u16::from_le_bytes([*a, *b]) % 500), rest),
        _ => (200, data),
    };
    let mut headers = reqwest::header::HeaderMap::new();
    if let Some(ra) = body.get(..3).and_then(|b| std::str::from_utf8(b).ok())
        && let Ok(v) = reqwest::header::HeaderValue::from_str(ra)
    {
        headers.insert("retry-after", v);
    }
    let _ = crate::execute::client::classify(
        status,
        &headers,
        body,
        &["L'application est déjà affectée à l'interlocuteur.".into()],
    );
    let _ = crate::execute::client::message_of(body);
    let _ = crate::execute::client::object_id_of(body);
    let _ = crate::portfolio::parse(body);
}

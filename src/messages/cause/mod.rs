//! Why the system refused (`SystemCause`), in the user's words: French in
//! `fr.rs`, English in `en.rs`. The system's own text is English: French
//! never says it, it keeps the code for IT.

mod en;
mod fr;

use super::Text;
use crate::error::{CauseKind, Code, SystemCause};
use crate::i18n::Lang;

/// What went wrong, then what to do when there is something to do.
impl Text for SystemCause {
    fn text(&self, lang: Lang) -> String {
        match lang {
            Lang::Fr => fr::cause(self),
            Lang::En => en::cause(self),
        }
    }
}

/// What went wrong, short: for a sentence that says the next step itself.
pub(super) fn short(c: &SystemCause, lang: Lang) -> String {
    match lang {
        Lang::Fr => fr::what(c),
        Lang::En => en::what(c),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn french_never_says_the_systems_english_and_keeps_the_code_of_the_unknown() {
        for code in [1, 2, 5, 11, 12, 13, 16, 17, 19, 20, 21, 24, 28, 30, 98, 110] {
            let c = SystemCause::from(&std::io::Error::from_raw_os_error(code));
            let fr = c.text(Lang::Fr);
            for english in ["No such", "os error", "Permission", "denied", "file exists"] {
                assert!(!fr.contains(english), "{code}: {fr}");
            }
            if c.kind == CauseKind::Other {
                assert!(fr.contains(&format!("n° {code}")), "{code}: {fr}");
                assert!(c.text(Lang::En).contains(&format!("{code}")), "{code}: {}", c.text(Lang::En));
            }
        }
        let sql = SystemCause { kind: CauseKind::Other, code: Some(Code::Sqlite(14)), detail: "unable to open".into() };
        assert_eq!(sql.text(Lang::Fr), "erreur SQLite n° 14");
        assert_eq!(SystemCause::other("thread gone").text(Lang::Fr), "erreur imprévue (sans code du système)");
    }
}

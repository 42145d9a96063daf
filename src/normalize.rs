//! Pure value normalisers: phone, email, offre, booleans, profil, code dossier.
//!
//! No IO, no language: each returns the normalised value or a small error
//! kind that the `rows` stage turns into a French (or English) message.
//! They are idempotent: normalising an already normalised value returns it.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// The three Collaboratif TPE offers, as the API spells them.
pub(crate) const OFFERS: [&str; 3] = ["start", "co-production", "consultation"];

/// Lowercase, strip accents, keep only ASCII letters and digits.
/// Used for header matching and catalogue names.
pub(crate) fn fold_key(s: &str) -> String {
    // Fast path for what French sheets hold: ASCII and Latin-1 letters.
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            'a'..='z' | '0'..='9' => out.push(c),
            'A'..='Z' => out.push(c.to_ascii_lowercase()),
            '\u{0}'..='\u{7F}' => {}
            '\u{80}'..='\u{FF}' => match latin1_base(c) {
                Some(b) => out.push_str(b),
                None if c.is_alphanumeric() => out.extend(c.to_lowercase()),
                None => {}
            },
            _ => return fold_key_unicode(s),
        }
    }
    out
}

/// The unaccented letters of a Latin-1 letter (`é` -> `e`, `Œ` is not Latin-1).
fn latin1_base(c: char) -> Option<&'static str> {
    Some(match c {
        'À'..='Å' | 'à'..='å' => "a",
        'Æ' | 'æ' => "ae",
        'Ç' | 'ç' => "c",
        'È'..='Ë' | 'è'..='ë' => "e",
        'Ì'..='Ï' | 'ì'..='ï' => "i",
        'Ð' | 'ð' => "d",
        'Ñ' | 'ñ' => "n",
        'Ò'..='Ö' | 'Ø' | 'ò'..='ö' | 'ø' => "o",
        'Ù'..='Ü' | 'ù'..='ü' => "u",
        'Ý' | 'ý' | 'ÿ' => "y",
        'ß' => "ss",
        _ => return None,
    })
}

fn fold_key_unicode(s: &str) -> String {
    s.nfd()
        .filter(|c| !is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .filter(char::is_ascii_alphanumeric)
        .collect()
}

/// Trim ordinary and non-breaking spaces (and zero-width ones Excel users
/// paste from web pages). Returns whether anything was removed.
pub(crate) fn trim_cell(s: &str) -> (&str, bool) {
    let t = s.trim_matches(|c: char| c.is_whitespace() || is_invisible(c));
    (t, t.len() != s.len())
}

/// Zero-width and bidirectional control characters: invisible in Excel,
/// but they make an email or a code differ from what the user sees.
pub(crate) fn is_invisible(c: char) -> bool {
    matches!(c,
        '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2064}'
        | '\u{2066}'..='\u{2069}' | '\u{FEFF}' | '\u{00AD}')
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PhoneError {
    /// Not a phone number at all (letters, too few or too many digits).
    Invalid,
    /// 11 digits or more with neither `+` nor `00`: an international number
    /// whose `+` was lost (Excel took it for a sign), whose country cannot be
    /// told for sure.
    MissingPlus,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Phone {
    pub value: String,
    /// The cell held `7.05060302E+08` or a number that lost its leading 0.
    pub repaired_excel: bool,
    /// A foreign number, kept in international form.
    pub international: bool,
    /// A French number (metropolitan or overseas) written internationally
    /// whose `+` was lost: `33612345678` or `262692123456`.
    pub lost_plus: bool,
}

/// The country codes of France and of its overseas departments that share
/// the national 0 + 9 digits numbering: metropolitan France; La Réunion and
/// Mayotte; Guadeloupe, Saint-Martin and Saint-Barthélemy; Guyane;
/// Martinique. Longest first, so that `262…` is not read as `26…`.
const FRENCH_CODES: [&str; 5] = ["262", "590", "594", "596", "33"];

/// The national number (0 + 9 digits) of a French number written
/// internationally without its `+` or `00`, e.g. `33612345678`.
fn french_national(intl: &str) -> Option<(&'static str, &str)> {
    FRENCH_CODES.iter().find_map(|code| intl.strip_prefix(code).map(|rest| (*code, rest)))
}

/// Whether `+{code}{national}` is a valid number of that territory, by
/// libphonenumber's metadata.
fn valid_in_territory(code: &str, national: &str) -> bool {
    phonenumber::parse(None, format!("+{code}{national}")).is_ok_and(|n| phonenumber::is_valid(&n))
}

/// French numbers become 10 digits (`0705060302`); `+33`, `0033` (and the
/// overseas codes `+262`, `+590`, `+594`, `+596`) and the separators space,
/// dot, dash, slash and parentheses are accepted. A number that Excel stored
/// as a number (9 digits, or scientific notation) gets its leading 0 back and
/// says so; one that lost its `+` (`33612345678`, `262692123456`) becomes
/// national when it is a valid number of that territory. Other countries are
/// kept as `+CC…`; 11 digits or more without `+` or `00` are refused.
pub fn phone(input: &str, stored_as_number: bool) -> Result<Phone, PhoneError> {
    let s = input.trim();
    let mut repaired = stored_as_number;
    let mut digits = String::new();
    let mut plus = false;
    let mut exact = true;
    if let Some((d, whole)) = scientific_to_digits(s) {
        digits = d;
        exact = whole;
        repaired = true;
    } else {
        for (i, c) in s.chars().enumerate() {
            match c {
                '0'..='9' => digits.push(c),
                '+' if i == 0 => plus = true,
                ' ' | '.' | '-' | '/' | '(' | ')' | '\u{A0}' | '\u{202F}' => {}
                _ => return Err(PhoneError::Invalid),
            }
        }
    }
    let phone =
        |value: String, repaired_excel: bool| Phone { value, repaired_excel, international: false, lost_plus: false };
    if plus || digits.starts_with("00") {
        let intl = if plus { digits.as_str() } else { &digits[2..] };
        if let Some((_, national)) = french_national(intl) {
            // +33 (0)6… is a common mistake: drop the bracketed 0.
            let national = if national.len() == 10 && national.starts_with('0') { &national[1..] } else { national };
            if national.len() == 9 && !national.starts_with('0') {
                return Ok(phone(format!("0{national}"), repaired));
            }
            return Err(PhoneError::Invalid);
        }
        if (8..=15).contains(&intl.len()) && !intl.starts_with('0') {
            return Ok(Phone {
                value: format!("+{intl}"),
                repaired_excel: repaired,
                international: true,
                lost_plus: false,
            });
        }
        return Err(PhoneError::Invalid);
    }
    match digits.len() {
        10 if digits.starts_with('0') => Ok(phone(digits, false)),
        // Excel dropped the leading zero of a number it took for a number.
        9 if !digits.starts_with('0') && (repaired || s.chars().all(|c| c.is_ascii_digit())) => {
            Ok(phone(format!("0{digits}"), true))
        }
        // Excel read the + of +33 6… (or +262 692…) as a sign and dropped it.
        11.. => match french_national(&digits) {
            Some((code, national))
                if exact && national.len() == 9 && !national.starts_with('0') && valid_in_territory(code, national) =>
            {
                Ok(Phone { lost_plus: true, ..phone(format!("0{national}"), false) })
            }
            _ => Err(PhoneError::MissingPlus),
        },
        _ => Err(PhoneError::Invalid),
    }
}

/// `7.05060302E+08` or `7,05060302E+08` as Excel shows a large number.
/// Also says whether the digits are all there: `3.36E+10` shows only the
/// first digits of 33612345678, the rest come back as zeros.
fn scientific_to_digits(s: &str) -> Option<(String, bool)> {
    let (mantissa, exp) = s.split_once(['e', 'E'])?;
    let exp: i32 = exp.trim_start_matches('+').parse().ok()?;
    let mantissa = mantissa.replace(',', ".");
    let (int_part, frac_part) = mantissa.split_once('.').unwrap_or((&mantissa, ""));
    let frac_part = frac_part.trim_end_matches('0');
    if int_part.is_empty()
        || !int_part.chars().all(|c| c.is_ascii_digit())
        || !frac_part.chars().all(|c| c.is_ascii_digit())
        || !(0..=15).contains(&exp)
    {
        return None;
    }
    let exp = exp as usize;
    if frac_part.len() > exp {
        return None; // not a whole number: not a phone
    }
    let mut d = format!("{int_part}{frac_part}");
    d.extend(std::iter::repeat_n('0', exp - frac_part.len()));
    Some((d.trim_start_matches('0').to_string(), frac_part.len() == exp))
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EmailError {
    Syntax,
    InvisibleCharacter,
}

/// Checks the syntax an address must have to be sent: one `@`, a local part,
/// a domain with a dot, no spaces, no invisible characters. The address is
/// returned trimmed, its case kept (comparisons use `email_key`).
pub fn email(input: &str) -> Result<String, EmailError> {
    let s = input.trim();
    if s.chars().any(is_invisible) {
        return Err(EmailError::InvisibleCharacter);
    }
    // A decomposed accent (« e » then U+0301, as some Mac tools write it)
    // is the precomposed one: checked and sent in NFC.
    let composed: String;
    let s = if s.is_ascii() {
        s
    } else {
        use unicode_normalization::UnicodeNormalization;
        composed = s.nfc().collect();
        composed.as_str()
    };
    let s = s.strip_prefix("mailto:").unwrap_or(s);
    let (local, domain) = s.split_once('@').ok_or(EmailError::Syntax)?;
    let local_ok = !local.is_empty()
        && local.len() <= 64
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && local.bytes().all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-/=?^_`{|}~.".contains(&b));
    let labels: Vec<&str> = domain.split('.').collect();
    let domain_ok = labels.len() >= 2
        && domain.len() <= 253
        && labels.iter().all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_alphanumeric() || c == '-')
        })
        && labels.last().is_some_and(|tld| tld.len() >= 2 && tld.chars().all(char::is_alphabetic));
    if local_ok && domain_ok { Ok(s.to_string()) } else { Err(EmailError::Syntax) }
}

/// The key two addresses are compared by (the sheet's duplicate check, the
/// memory across runs, the simulator): trimmed, NFC (a decomposed « é » is
/// the precomposed one), lower-cased.
pub(crate) fn email_key(email: &str) -> std::borrow::Cow<'_, str> {
    use unicode_normalization::UnicodeNormalization;
    let t = email.trim();
    if !t.is_ascii() {
        return t.nfc().collect::<String>().to_lowercase().into();
    }
    // Most addresses are ASCII and already lower case: no copy then.
    if t.bytes().any(|b| b.is_ascii_uppercase()) { t.to_ascii_lowercase().into() } else { t.into() }
}

/// `start`, `co-production` or `consultation`, from any spelling a cabinet
/// uses: case, spaces, accents and the catalogue names
/// ("Collaboratif TPE - Offre Co-production").
pub fn offer(input: &str) -> Option<&'static str> {
    let mut k = fold_key(input);
    for prefix in ["collaboratiftpe", "collaboratif", "offre", "offer"] {
        if let Some(rest) = k.strip_prefix(prefix) {
            k = rest.to_string();
        }
    }
    match k.as_str() {
        "start" => Some("start"),
        "coproduction" => Some("co-production"),
        "consultation" => Some("consultation"),
        _ => None,
    }
}

/// A cell that is neither yes nor no.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct NotABoolean;

/// oui/non, vrai/faux, x, 1/0, yes/no, true/false; blank is `None`.
pub(crate) fn boolean(input: &str) -> Result<Option<bool>, NotABoolean> {
    match fold_key(input).as_str() {
        "" if input.trim().is_empty() => Ok(None),
        "oui" | "o" | "vrai" | "x" | "1" | "yes" | "y" | "true" => Ok(Some(true)),
        "non" | "n" | "faux" | "0" | "no" | "false" => Ok(Some(false)),
        _ => Err(NotABoolean),
    }
}

/// A Loop profile code such as `2.0`; `2`, `2,0` and ` 2.0 ` are accepted.
pub(crate) fn profile(input: &str) -> Option<String> {
    let s = input.trim().replace(',', ".");
    let (major, minor) = s.split_once('.').unwrap_or((&s, "0"));
    let minor = if minor.is_empty() { "0" } else { minor };
    let digits = |p: &str| !p.is_empty() && p.len() <= 3 && p.chars().all(|c| c.is_ascii_digit());
    if digits(major) && digits(minor) {
        // A float cell 2.5 must stay 2.5; 2 becomes 2.0.
        Some(format!("{}.{}", major.trim_start_matches('0').parse::<u32>().ok()?, minor))
    } else {
        None
    }
}

/// Pads an all-digit code dossier to `width` with leading zeros when it is
/// shorter. Returns `None` when nothing was padded.
pub(crate) fn pad_code(code: &str, width: Option<usize>) -> Option<String> {
    let width = width?;
    if !code.is_empty() && code.len() < width && code.chars().all(|c| c.is_ascii_digit()) {
        Some(format!("{code:0>width$}"))
    } else {
        None
    }
}

/// A number cell as a spreadsheet shows it: `1234.0` becomes `1234`.
pub(crate) fn number_text(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 1e15 {
        format!("{}", f as i64)
    } else {
        // Shortest representation that reads back to the same float.
        format!("{f}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones() {
        let ok = |s: &str| phone(s, false).map(|p| p.value);
        assert_eq!(ok("07 05 06 03 02").unwrap(), "0705060302");
        assert_eq!(ok("07.05.06.03.02").unwrap(), "0705060302");
        assert_eq!(ok("+33 7 05 06 03 02").unwrap(), "0705060302");
        assert_eq!(ok("+33 (0)7 05 06 03 02").unwrap(), "0705060302");
        assert_eq!(ok("0033705060302").unwrap(), "0705060302");
        assert_eq!(ok("+32 470 12 34 56").unwrap(), "+32470123456");
        assert!(ok("06 12").is_err());
        assert!(ok("abc").is_err());
        let p = phone("705060302", true).unwrap();
        assert_eq!(p.value, "0705060302");
        assert!(p.repaired_excel);
        let p = phone("7.05060302E+08", false).unwrap();
        assert_eq!(p.value, "0705060302");
        assert!(p.repaired_excel);
        assert_eq!(ok("7,05060302E+08").unwrap(), "0705060302");
    }

    #[test]
    fn french_numbers_that_lost_their_plus() {
        let lost = |s: &str, number: bool| {
            let p = phone(s, number).unwrap_or_else(|e| panic!("{s}: {e:?}"));
            assert!(p.lost_plus && !p.international, "{s}: {p:?}");
            p.value
        };
        // Metropolitan France, as Excel keeps +33 6 12 34 56 78 typed in a number cell.
        assert_eq!(lost("33612345678", true), "0612345678");
        assert_eq!(lost("33 6 12 34 56 78", false), "0612345678");
        assert_eq!(lost("33123456789", true), "0123456789");
        // La Réunion and Mayotte (+262), Guadeloupe, Saint-Martin and
        // Saint-Barthélemy (+590), Guyane (+594), Martinique (+596).
        assert_eq!(lost("262692123456", true), "0692123456");
        assert_eq!(lost("262 262 16 12 34", false), "0262161234");
        assert_eq!(lost("262639012345", true), "0639012345");
        assert_eq!(lost("590690001234", true), "0690001234");
        assert_eq!(lost("590590201234", true), "0590201234");
        assert_eq!(lost("594694201234", true), "0694201234");
        assert_eq!(lost("596696201234", true), "0696201234");
        assert_eq!(lost("3.36123456780E+10", false), "0612345678");
        // Typed with + or 00: national too, never "foreign".
        for typed in ["+262 692 12 34 56", "00262 692 12 34 56", "+262 (0)692 12 34 56", "00262692123456"] {
            let p = phone(typed, false).unwrap();
            assert_eq!((p.value.as_str(), p.international, p.lost_plus), ("0692123456", false, false), "{typed}");
        }
        assert_eq!(phone("+590 690 00 12 34", false).unwrap().value, "0690001234");
        assert_eq!(phone("+596 696 20 12 34", false).unwrap().value, "0696201234");
        assert_eq!(phone("0033 6 12 34 56 78", false).unwrap().value, "0612345678");
        // Not a valid number of the territory its digits name, another
        // country's number, an 11-digit typo, or digits lost to scientific
        // notation: refused, with the advice to type + and the country code.
        for bad in ["33692123456", "41223456789", "06123456789", "3.36E+10", "262123456789", "4915112345678"] {
            assert_eq!(phone(bad, true), Err(PhoneError::MissingPlus), "{bad}");
        }
        // Foreign numbers typed with + keep their international form.
        let p = phone("+41 22 345 67 89", false).unwrap();
        assert_eq!((p.value.as_str(), p.international), ("+41223456789", true));
        assert_eq!(phone("+1 418 555 0199", false).unwrap().value, "+14185550199");
    }

    #[test]
    fn emails() {
        assert_eq!(email(" Jean.Dupont@Exemple.fr ").unwrap(), "Jean.Dupont@Exemple.fr");
        assert!(email("jean@exemple").is_err());
        assert!(email("jean dupont@exemple.fr").is_err());
        assert!(email("jean@@exemple.fr").is_err());
        assert_eq!(email("je\u{200B}an@exemple.fr"), Err(EmailError::InvisibleCharacter));
        assert_eq!(email("jean@exemple.fr\u{202E}"), Err(EmailError::InvisibleCharacter));
    }

    #[test]
    fn offers() {
        assert_eq!(offer("Collaboratif TPE - Offre Co-production"), Some("co-production"));
        assert_eq!(offer("coproduction"), Some("co-production"));
        assert_eq!(offer(" START "), Some("start"));
        assert_eq!(offer("Offre Consultation"), Some("consultation"));
        assert_eq!(offer("premium"), None);
    }

    #[test]
    fn folding() {
        assert_eq!(fold_key("Prénom"), "prenom");
        assert_eq!(fold_key("Code_Dossier"), "codedossier");
        assert_eq!(fold_key("ÉLODIE Çà"), "elodieca");
        for s in ["Prénom", "Téléphone", "ŒUVRE", "Ärger", "naïve café"] {
            assert_eq!(fold_key(s), fold_key_unicode(s), "{s}");
        }
    }

    #[test]
    fn booleans_and_profiles() {
        assert_eq!(boolean("Oui"), Ok(Some(true)));
        assert_eq!(boolean("x"), Ok(Some(true)));
        assert_eq!(boolean("FAUX"), Ok(Some(false)));
        assert_eq!(boolean(""), Ok(None));
        assert!(boolean("peut-être").is_err());
        assert_eq!(profile("2").as_deref(), Some("2.0"));
        assert_eq!(profile("2,5").as_deref(), Some("2.5"));
        assert_eq!(profile("2.0").as_deref(), Some("2.0"));
        assert_eq!(profile("abc"), None);
        assert_eq!(pad_code("1234", Some(6)).as_deref(), Some("001234"));
        assert_eq!(pad_code("MANON1", Some(8)), None);
        assert_eq!(number_text(705060302.0), "705060302");
        assert_eq!(number_text(2.5), "2.5");
    }
}

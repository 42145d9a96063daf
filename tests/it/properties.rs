//! Property tests of the normalisers: never panic, idempotent, digits kept.

use loopbatch::fuzzing::{email, offer, phone};
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn any_text_keeps_every_promise(s in "\\PC{0,40}") {
        loopbatch::fuzzing::values(s.as_bytes());
    }

    #[test]
    fn any_bytes_keep_every_promise(b in proptest::collection::vec(any::<u8>(), 0..60)) {
        loopbatch::fuzzing::values(&b);
        loopbatch::fuzzing::answer(&b);
    }

    #[test]
    fn french_phones_become_ten_digits_and_keep_theirs(
        prefix in prop_oneof![Just("0"), Just("+33 "), Just("0033"), Just("+33 (0)")],
        first in 1u8..=9,
        pairs in proptest::collection::vec(0u8..100, 4),
        sep in prop_oneof![Just(""), Just(" "), Just("."), Just("-")],
    ) {
        let national: String = format!("{first}{}", pairs.iter().map(|p| format!("{p:02}")).collect::<String>());
        let written = format!("{prefix}{first}{sep}{}", pairs.iter().map(|p| format!("{p:02}")).collect::<Vec<_>>().join(sep));
        let p = phone(&written, false).unwrap();
        prop_assert_eq!(&p.value, &format!("0{national}"));
        prop_assert_eq!(phone(&p.value, false).unwrap().value, p.value.clone());
    }

    #[test]
    fn phones_excel_stored_as_numbers_get_their_zero_back(first in 1u8..=9, rest in 0u64..100_000_000) {
        let n = format!("{first}{rest:08}");
        let p = phone(&n, true).unwrap();
        prop_assert_eq!(p.value, format!("0{n}"));
        prop_assert!(p.repaired_excel);
    }

    #[test]
    fn emails_and_offers_are_stable(local in "[a-z][a-z0-9.]{0,10}[a-z]", domain in "[a-z]{2,10}", tld in "(fr|com|eu)") {
        let e = format!("{local}@{domain}.{tld}");
        if !local.contains("..") {
            prop_assert_eq!(email(&e), Ok(e.clone()));
        }
        for o in ["start", "co-production", "consultation"] {
            prop_assert_eq!(offer(&o.to_uppercase()), Some(o));
        }
    }
}

//! What to do next about a row, one sentence: the `conseil` column of the
//! results and of the « Impression » sheet. From the row's data only (its
//! status's standing, its step, its HTTP status and, for a refusal, the kind
//! of Loop's answer, `loop_api::known_answer`), never from our sentences;
//! Loop's own words stay in `message`.

use crate::i18n::Lang;
use crate::loop_api::{Operation, known_answer};
use crate::messages::{self, Advice};
use crate::outcome::{Standing, Status};

use super::RowResult;

/// The advice for a row's result, from its data: its status, the step it
/// stopped at, the HTTP status of Loop's answer and, for a refusal, the
/// kind of Loop's own words (`loop_api`); never from the engine's sentences.
/// Empty when there is nothing to do.
pub fn advice_for(r: &RowResult, lang: Lang) -> &'static str {
    let kind = match r.status.standing() {
        Standing::Done => return "",
        Standing::Ready => Advice::Start,
        Standing::Invalid => Advice::FixCell,
        // Not sent at a call's step: what it depends on failed (a row with
        // nothing to do has no call's step).
        Standing::Skipped if Operation::all().any(|o| o.name() == r.etape) => Advice::FixWhatItDependsOn,
        Standing::Skipped => return "",
        Standing::NotRun => Advice::Resume,
        Standing::ToCheck => Advice::CheckInLoop,
        // The gateway answers a refused key, and only that, with 401.
        Standing::Refused if r.code_http == Some(401) => Advice::KeyRefused,
        // Given up on passing errors (no answer, a gateway's 5xx): no word
        // of Loop to fix anything by.
        Standing::Refused
            if matches!(r.code_http, None | Some(408 | 429 | 500 | 502 | 503 | 504))
                && known_answer(&r.message).is_none() =>
        {
            Advice::Unavailable
        }
        Standing::Refused => Advice::Refused(known_answer(&r.message)),
    };
    messages::advice(kind, lang)
}

/// A status in words, for the page (the results file keeps the codes).
pub fn status_said(status: Status, lang: Lang) -> &'static str {
    messages::status_said(status, lang)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::loop_api::KnownAnswer;
    use crate::loop_api::{MSG_EMAIL_TAKEN, MSG_INVITE, MSG_NO_CONTACT};

    #[test]
    fn each_known_answer_has_its_own_advice_in_both_languages() {
        let answers = [
            MSG_EMAIL_TAKEN,
            MSG_INVITE,
            MSG_NO_CONTACT,
            "Le dossier client X n'existe pas.",
            "Le dossier client X n'est pas encore provisionné (statut « A préparer »).",
            "L'offre start n'est pas active sur le dossier client X.",
            "L'application n'est pas affectée à l'interlocuteur.",
            "quelque chose d'inattendu",
        ];
        for lang in [Lang::Fr, Lang::En] {
            let said: std::collections::HashSet<&str> =
                answers.iter().map(|m| advice_for(&RowResult::new(Status::Erreur, *m), lang)).collect();
            assert_eq!(said.len(), answers.len(), "one advice per kind of answer ({lang:?})");
        }
        assert_eq!(
            known_answer("interlocuteur n'existe pas"),
            Some(KnownAnswer::NoContact),
            "the contact, not the dossier"
        );
        assert_eq!(advice_for(&RowResult::new(Status::Ok, ""), Lang::Fr), "");
        assert!(advice_for(&RowResult::new(Status::AVerifier, ""), Lang::Fr).contains("Loop"));
    }

    #[test]
    fn the_advice_is_chosen_from_the_rows_data_not_its_words() {
        let row = |status, etape: &str, code_http| RowResult {
            etape: etape.into(),
            code_http,
            ..RowResult::new(status, "n'importe quel texte")
        };
        let said = |r: &RowResult| advice_for(r, Lang::Fr);
        assert_eq!(said(&row(Status::Erreur, "addClient", Some(401))), messages::advice(Advice::KeyRefused, Lang::Fr));
        assert_eq!(
            said(&row(Status::Erreur, "addClient", Some(403))),
            messages::advice(Advice::Refused(None), Lang::Fr)
        );
        assert_eq!(
            said(&row(Status::Ignore, "addClient", None)),
            messages::advice(Advice::FixWhatItDependsOn, Lang::Fr)
        );
        assert_eq!(said(&row(Status::Ignore, "validation", None)), "");
        assert_eq!(said(&row(Status::Ignore, "", None)), "");
    }
}

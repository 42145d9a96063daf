//! What to do next about a row, one sentence: the `conseil` column of the
//! results and of the « Impression » sheet. From the row's status and, for a
//! refusal, the kind of Loop's answer (`loop_api::known_answer`); Loop's own
//! words stay in `message`.

use crate::i18n::Lang;
use crate::loop_api::known_answer;
use crate::messages::{self, Advice};
use crate::outcome::Status;

/// The advice for a row's result; empty when there is nothing to do.
pub fn advice(status: Status, message: &str, lang: Lang) -> &'static str {
    let kind = match status {
        Status::Ok | Status::DejaFait => return "",
        Status::Valide => Advice::Start,
        Status::Invalide => Advice::FixCell,
        Status::Ignore if message.contains("dont il dépend") || message.contains("it depends on") => {
            Advice::FixWhatItDependsOn
        }
        Status::Ignore => return "",
        Status::NonExecute => Advice::Resume,
        Status::AVerifier => Advice::CheckInLoop,
        Status::Erreur if crate::execute::client::says_key_refused(message) => Advice::KeyRefused,
        Status::Erreur => Advice::Refused(known_answer(message)),
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
                answers.iter().map(|m| advice(Status::Erreur, m, lang)).collect();
            assert_eq!(said.len(), answers.len(), "one advice per kind of answer ({lang:?})");
        }
        assert_eq!(
            known_answer("interlocuteur n'existe pas"),
            Some(KnownAnswer::NoContact),
            "the contact, not the dossier"
        );
        assert_eq!(advice(Status::Ok, "", Lang::Fr), "");
        assert!(advice(Status::AVerifier, "", Lang::Fr).contains("Loop"));
    }
}

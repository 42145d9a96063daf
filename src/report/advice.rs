//! What to do next about a row, one sentence: the `conseil` column of the
//! results and of the « Impression » sheet. From the row's status and, for a
//! refusal, the kind of Loop's answer (`loop_api::known_answer`); Loop's own
//! words stay in `message`.

use crate::i18n::Lang;
use crate::loop_api::{KnownAnswer, known_answer};
use crate::outcome::Status;

/// The advice for a row's result; empty when there is nothing to do.
pub fn advice(status: Status, message: &str, lang: Lang) -> &'static str {
    match status {
        Status::Ok => "",
        Status::Valide => lang.t("Prête à partir : lancez l'exécution.", "Ready to go: start the run."),
        Status::Invalide => lang.t(
            "Corrigez la cellule nommée dans le message, puis vérifiez de nouveau le tableur.",
            "Fix the cell named in the message, then check the sheet again.",
        ),
        Status::Ignore if message.contains("dont il dépend") || message.contains("it depends on") => lang.t(
            "Rien n'a été envoyé : corrigez d'abord l'erreur de l'appel dont la ligne dépend (même dossier), puis relancez les échecs.",
            "Nothing was sent: first fix the error of the call this row depends on (same dossier), then run the failures again.",
        ),
        Status::Ignore => "",
        Status::NonExecute => lang.t(
            "L'exécution s'est arrêtée avant cette ligne : reprenez-la, rien de ce qui est fait ne sera renvoyé.",
            "The run stopped before this row: resume it, nothing already done is sent again.",
        ),
        Status::AVerifier => lang.t(
            "La réponse de Loop s'est perdue : regardez dans Loop si c'est fait (un interlocuteur : Paramétrage > Clients > Interlocuteurs, par son e-mail) avant de relancer cette ligne.",
            "Loop's answer was lost: look in Loop whether it is done (a contact: Paramétrage > Clients > Interlocuteurs, by e-mail) before running this row again.",
        ),
        Status::Erreur => refusal(message, lang),
    }
}

/// A status in words, for the page (the results file keeps the codes).
pub fn status_said(status: Status, lang: Lang) -> &'static str {
    match status {
        Status::Valide => lang.t("valide", "valid"),
        Status::Ok => lang.t("fait", "done"),
        Status::Ignore => lang.t("rien à faire", "nothing to do"),
        Status::NonExecute => lang.t("non exécuté", "not run"),
        Status::AVerifier => lang.t("à vérifier dans Loop", "to check in Loop"),
        Status::Erreur => lang.t("refusé par Loop", "refused by Loop"),
        Status::Invalide => lang.t("invalide, non envoyé", "invalid, not sent"),
    }
}

fn refusal(message: &str, lang: Lang) -> &'static str {
    match known_answer(message) {
        Some(KnownAnswer::EmailTaken) => lang.t(
            "Cet e-mail est déjà celui d'un interlocuteur de Loop : si c'est la même personne, donnez-lui l'offre par l'action ajouter_offre avec son e-mail ; sinon corrigez l'e-mail dans le tableur.",
            "This e-mail already belongs to a contact in Loop: if it is the same person, give them the offer with the action ajouter_offre and their e-mail; otherwise fix the e-mail in the sheet.",
        ),
        Some(KnownAnswer::NotInvited) => lang.t(
            "Invitez d'abord cet interlocuteur sur votre tenant dans Loop, puis relancez les échecs.",
            "First invite this contact on your tenant in Loop, then run the failures again.",
        ),
        Some(KnownAnswer::NoContact) => lang.t(
            "Aucun interlocuteur de Loop n'a cet e-mail : vérifiez l'e-mail, ou créez la personne (action ajouter_interlocuteur ou onboarding).",
            "No contact in Loop has this e-mail: check the e-mail, or create the person (action ajouter_interlocuteur or onboarding).",
        ),
        Some(KnownAnswer::NoDossier) => lang.t(
            "Ce code dossier est inconnu de Loop : vérifiez-le dans le portefeuille LoopHub, corrigez la cellule code_dossier, puis relancez les échecs.",
            "Loop does not know this dossier code: check it in the LoopHub portfolio, fix the code_dossier cell, then run the failures again.",
        ),
        Some(KnownAnswer::NotProvisioned) => lang.t(
            "Le dossier n'est pas encore opérationnel : provisionnez-le (action provisionner ou onboarding), puis relancez les échecs.",
            "The dossier is not operational yet: provision it (action provisionner or onboarding), then run the failures again.",
        ),
        Some(KnownAnswer::OfferNotActive) => lang.t(
            "L'offre n'est pas active sur ce dossier : activez-la (action ajouter_offre sans e-mail, ou dans LoopHub), puis relancez les échecs.",
            "The offer is not active on this dossier: activate it (action ajouter_offre without e-mail, or in LoopHub), then run the failures again.",
        ),
        Some(KnownAnswer::NotAssigned) => lang.t(
            "L'interlocuteur n'avait pas cette offre sur ce dossier : rien à retirer ; vérifiez l'offre et l'e-mail.",
            "The contact did not have this offer on this dossier: nothing to remove; check the offer and the e-mail.",
        ),
        None => lang.t(
            "Corrigez selon le message de Loop (dans Loop ou dans le tableur), puis relancez les échecs.",
            "Fix what Loop's message says (in Loop or in the sheet), then run the failures again.",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
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

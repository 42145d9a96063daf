//! An operation's words in French: named (the history) and done (the plan's counts).

use crate::loop_api::Operation;

/// An operation named for people (the history's tables).
pub(crate) fn operation_label(op: Operation) -> &'static str {
    use Operation as O;
    match op {
        O::ProvisionCompany => "approvisionnement du dossier",
        O::AddOffer => "activation d'une offre sur le dossier",
        O::AddClient => "création d'interlocuteur",
        O::AddCollaborativeOffer => "offre donnée à un interlocuteur",
        O::UpdateClient => "modification d'interlocuteur",
        O::RemoveApplication => "retrait d'une application",
        O::RemoveOffer => "retrait d'une offre du dossier",
    }
}

pub(crate) fn operation_done(op: Operation, one: bool) -> &'static str {
    let (singular, plural) = match op {
        Operation::ProvisionCompany => ("dossier approvisionné", "dossiers approvisionnés"),
        Operation::AddOffer => ("offre activée sur un dossier", "offres activées sur un dossier"),
        Operation::AddClient => ("interlocuteur créé", "interlocuteurs créés"),
        Operation::AddCollaborativeOffer => ("offre donnée à un interlocuteur", "offres données à un interlocuteur"),
        Operation::UpdateClient => ("interlocuteur modifié", "interlocuteurs modifiés"),
        Operation::RemoveApplication => ("application retirée", "applications retirées"),
        Operation::RemoveOffer => ("offre retirée", "offres retirées"),
    };
    if one { singular } else { plural }
}

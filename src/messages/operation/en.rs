//! An operation's words in English: named (the history) and done (the plan's counts).

use crate::loop_api::Operation;

/// An operation named for people (the history's tables).
pub(crate) fn operation_label(op: Operation) -> &'static str {
    use Operation as O;
    match op {
        O::ProvisionCompany => "dossier provisioning",
        O::AddOffer => "offer activated on the dossier",
        O::AddClient => "contact creation",
        O::AddCollaborativeOffer => "offer given to a contact",
        O::UpdateClient => "contact update",
        O::RemoveApplication => "application removal",
        O::RemoveOffer => "offer removed from the dossier",
    }
}

pub(crate) fn operation_done(op: Operation, one: bool) -> &'static str {
    let (singular, plural) = match op {
        Operation::ProvisionCompany => ("dossier provisioned", "dossiers provisioned"),
        Operation::AddOffer => ("offer activated on a dossier", "offers activated on a dossier"),
        Operation::AddClient => ("contact created", "contacts created"),
        Operation::AddCollaborativeOffer => ("offer given to a contact", "offers given to a contact"),
        Operation::UpdateClient => ("contact updated", "contacts updated"),
        Operation::RemoveApplication => ("application removed", "applications removed"),
        Operation::RemoveOffer => ("offer removed", "offers removed"),
    };
    if one { singular } else { plural }
}

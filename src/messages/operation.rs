//! An operation's words for people, both languages side by side in one
//! exhaustive match: a new Loop operation adds one arm here, and a language
//! it lacks fails the build. Named: the history's tables; done: the plan's
//! counts.

use crate::i18n::Lang;
use crate::loop_api::Operation;

/// An operation in one language.
struct Words {
    /// Named (the history).
    label: &'static str,
    /// Done once, done several times (the plan's counts).
    one: &'static str,
    many: &'static str,
}

struct Table {
    fr: Words,
    en: Words,
}

const fn w(label: &'static str, one: &'static str, many: &'static str) -> Words {
    Words { label, one, many }
}

fn table(op: Operation) -> Table {
    match op {
        Operation::ProvisionCompany => Table {
            fr: w("approvisionnement du dossier", "dossier approvisionné", "dossiers approvisionnés"),
            en: w("dossier provisioning", "dossier provisioned", "dossiers provisioned"),
        },
        Operation::AddOffer => Table {
            fr: w(
                "activation d'une offre sur le dossier",
                "offre activée sur un dossier",
                "offres activées sur un dossier",
            ),
            en: w("offer activated on the dossier", "offer activated on a dossier", "offers activated on a dossier"),
        },
        Operation::AddClient => Table {
            fr: w("création d'interlocuteur", "interlocuteur créé", "interlocuteurs créés"),
            en: w("contact creation", "contact created", "contacts created"),
        },
        Operation::AddCollaborativeOffer => Table {
            fr: w(
                "offre donnée à un interlocuteur",
                "offre donnée à un interlocuteur",
                "offres données à un interlocuteur",
            ),
            en: w("offer given to a contact", "offer given to a contact", "offers given to a contact"),
        },
        Operation::UpdateClient => Table {
            fr: w("modification d'interlocuteur", "interlocuteur modifié", "interlocuteurs modifiés"),
            en: w("contact update", "contact updated", "contacts updated"),
        },
        Operation::RemoveApplication => Table {
            fr: w("retrait d'une application", "application retirée", "applications retirées"),
            en: w("application removal", "application removed", "applications removed"),
        },
        Operation::RemoveOffer => Table {
            fr: w("retrait d'une offre du dossier", "offre retirée", "offres retirées"),
            en: w("offer removed from the dossier", "offer removed", "offers removed"),
        },
    }
}

fn words(op: Operation, lang: Lang) -> Words {
    let t = table(op);
    match lang {
        Lang::Fr => t.fr,
        Lang::En => t.en,
    }
}

/// An operation named for people (the history's tables; the API name stays
/// in the column `operation` of the exports and the JSON).
pub(crate) fn operation_label(op: Operation, lang: Lang) -> &'static str {
    words(op, lang).label
}

/// An operation as a person says what it did (`n` of them): the plan's page.
pub(crate) fn operation_done(op: Operation, n: usize, lang: Lang) -> &'static str {
    let w = words(op, lang);
    if n == 1 { w.one } else { w.many }
}

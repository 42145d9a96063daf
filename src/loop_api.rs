//! What loopbatch knows of the Cegid Loop API, in one place for the engine
//! and the simulator alike: the address, the routes, the headers that carry
//! the keys, and the answers the engine recognises (see docs/loop-api.md for
//! where each fact comes from and which are assumptions). A leaf module.

/// The public API's address (the base path is part of it).
pub const DEFAULT_BASE_URL: &str = "https://api.cegid.com/loop-api-publiques";
/// The base path under which the gateway serves every route.
pub const DEFAULT_BASE_PATH: &str = "/loop-api-publiques";

/// The gateway's (APIM) subscription key header.
pub const SUBSCRIPTION_KEY_HEADER: &str = "Ocp-Apim-Subscription-Key";
/// The backend's application key header, `KEYID:SECRET`.
pub const API_KEY_HEADER: &str = "x-apikey";

/// addClient: the e-mail already belongs to a contact (also what a resend of
/// an applied addClient answers).
pub const MSG_EMAIL_TAKEN: &str = "L'e-mail de cet interlocuteur est déjà associé à un autre interlocuteur";
/// addOffer / addCollaborativeOffer to a contact not invited on the tenant.
pub const MSG_INVITE: &str =
    "Pour proposer un service à un interlocuteur vous devez d'abord l'inviter sur votre tenant";
/// updateClient / removeApplication on an unknown contact.
pub const MSG_NO_CONTACT: &str = "interlocuteur n'existe pas";
/// The offer is already the contact's: the call's goal is met.
pub const MSG_ALREADY_ASSIGNED: &str = "L'application est déjà affectée à l'interlocuteur.";

/// The kinds of refusal the engine recognises in Loop's answers, to say
/// what to do next (the `conseil` column). Loop's own words stay verbatim in
/// the `message` column; only these fragments are matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KnownAnswer {
    EmailTaken,
    NotInvited,
    NoContact,
    NoDossier,
    NotProvisioned,
    OfferNotActive,
    NotAssigned,
}

/// Fragments of the answers, in the order they are tried (the first that
/// matches wins). Those Cegid does not document are the simulator's texts.
const KNOWN_ANSWERS: [(&str, KnownAnswer); 7] = [
    (MSG_EMAIL_TAKEN, KnownAnswer::EmailTaken),
    (MSG_INVITE, KnownAnswer::NotInvited),
    (MSG_NO_CONTACT, KnownAnswer::NoContact),
    ("n'est pas encore provisionné", KnownAnswer::NotProvisioned),
    ("n'est pas active sur le dossier", KnownAnswer::OfferNotActive),
    ("n'est pas affectée à l'interlocuteur", KnownAnswer::NotAssigned),
    ("n'existe pas", KnownAnswer::NoDossier),
];

/// Which known refusal an answer's message is, if any (case and a final
/// full stop ignored).
pub fn known_answer(message: &str) -> Option<KnownAnswer> {
    let m = message.to_lowercase();
    KNOWN_ANSWERS
        .iter()
        .find(|(fragment, _)| m.contains(&fragment.trim_end_matches('.').to_lowercase()))
        .map(|(_, k)| *k)
}

/// Cegid declared the dossier-level addOffer deprecated on this date
/// (replaced by addCollaborativeOffer, per contact): the gateway may stop
/// answering it.
pub const ADD_OFFER_DEPRECATED_SINCE: &str = "01/07/2024";

/// Answers that mean "already done": such a call ends OK (configurable).
pub const DEFAULT_ALREADY_DONE: [&str; 1] = [MSG_ALREADY_ASSIGNED];

/// The API routes, relative to the base URL's path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Routes {
    pub provision_company: String,
    pub add_offer: String,
    pub add_collaborative_offer: String,
    pub remove_offer: String,
    pub add_client: String,
    pub update_client: String,
    pub remove_application: String,
    pub loophub: String,
    pub loophub_method: String,
}

impl Default for Routes {
    fn default() -> Routes {
        Routes {
            provision_company: "/companyProvisioning/provisionCompany".into(),
            add_offer: "/collaborativeOffer/addOffer".into(),
            add_collaborative_offer: "/collaborativeOffer/addCollaborativeOffer".into(),
            remove_offer: "/collaborativeOffer/removeOffer".into(),
            add_client: "/provisionningCollab/addClient".into(),
            update_client: "/provisionningCollab/updateClient".into(),
            remove_application: "/provisionningCollab/removeApplication".into(),
            // Not documented by Cegid: configurable on both sides.
            loophub: "/loophub/dossiers".into(),
            loophub_method: "POST".into(),
        }
    }
}

/// The header by which a simulator (embedded or `loopbatch simulate`) names
/// its instance, renewed at each start, on every answer: a run made against
/// one is resumed against that one only. Cegid Loop does not send it.
pub const SIMULATOR_INSTANCE_HEADER: &str = "x-loopbatch-simulator-instance";

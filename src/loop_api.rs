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

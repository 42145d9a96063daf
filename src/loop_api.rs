//! What loopbatch knows of the Cegid Loop API, in one place for the engine
//! and the simulator alike: the address, the operations (their routes, the
//! `[routes]` of `loopbatch.toml`; their idempotency, what each changes,
//! what undoes it, what it is called for people), the headers that carry the keys, and the answers the
//! engine recognises, Loop's own words kept verbatim (see docs/loop-api.md
//! for where each fact comes from and which are assumptions). A leaf module.

use serde::{Deserialize, Serialize};

use crate::i18n::Lang;

/// The public API's address (the base path is part of it).
pub(crate) const DEFAULT_BASE_URL: &str = "https://api.cegid.com/loop-api-publiques";
/// The base path under which the gateway serves every route.
pub const DEFAULT_BASE_PATH: &str = "/loop-api-publiques";

/// The gateway's (APIM) subscription key header.
pub(crate) const SUBSCRIPTION_KEY_HEADER: &str = "Ocp-Apim-Subscription-Key";
/// The backend's application key header, `KEYID:SECRET`.
pub(crate) const API_KEY_HEADER: &str = "x-apikey";

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

/// An answer saying what the call asks for is there already (the e-mail
/// taken, the offer assigned, the dossier provisioned): with the registre
/// knowing the call applied, the row is DEJA_FAIT.
pub(crate) fn says_already(message: &str) -> bool {
    message.contains(MSG_EMAIL_TAKEN) || message.contains(MSG_ALREADY_ASSIGNED) || message.contains("déjà")
}

/// provisionCompany refused « déjà approvisionné / opérationnel »: the
/// state it asks for, whoever made it (a dossier is provisioned once).
fn says_provisioned(message: &str) -> bool {
    let m = message.to_lowercase();
    m.contains("déjà approvisionné") || m.contains("déjà opérationnel")
}

/// The kinds of refusal the engine recognises in Loop's answers, to say
/// what to do next (the `conseil` column). Loop's own words stay verbatim in
/// the `message` column; only these fragments are matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum KnownAnswer {
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
const KNOWN_ANSWERS: &[(&str, KnownAnswer)] = &[
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
pub(crate) fn known_answer(message: &str) -> Option<KnownAnswer> {
    let m = message.to_lowercase();
    KNOWN_ANSWERS
        .iter()
        .find(|(fragment, _)| m.contains(&fragment.trim_end_matches('.').to_lowercase()))
        .map(|(_, k)| *k)
}

/// A server's generic text (empty, or the gateway's « internal server
/// error », « service unavailable », « bad gateway »): nothing of the
/// business, so a 5xx carrying it is a passing fault, not an answer.
pub(crate) fn says_nothing_of_the_business(message: &str) -> bool {
    let m = message.to_lowercase();
    m.is_empty()
        || m.contains("internal server error")
        || m.contains("service unavailable")
        || m.contains("bad gateway")
}

/// A 401 that names the gateway's subscription key (APIM), not the
/// backend's application key.
pub(crate) fn names_the_subscription_key(message: &str) -> bool {
    message.to_lowercase().contains("subscription key")
}

/// A 404 from the gateway (no body, or APIM's « resource not found »): the
/// route is unknown, not a dossier or a contact.
pub(crate) fn says_route_unknown(message: &str) -> bool {
    message.is_empty() || message.eq_ignore_ascii_case("resource not found")
}

/// What a gateway's refusal to serve means: nothing more should be sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FatalKind {
    SubscriptionKey,
    ApiKey,
    Forbidden,
    RouteNotFound,
}

/// Cegid declared the dossier-level addOffer deprecated on this date
/// (replaced by addCollaborativeOffer, per contact): the gateway may stop
/// answering it.
pub(crate) const ADD_OFFER_DEPRECATED_SINCE: &str = "01/07/2024";

/// What removeApplication answers for an offer the contact does not have
/// (the simulator's text: Loop's is not documented); an undo's inverse
/// removeApplication so answered has nothing to undo (`not_assigned` of
/// loopbatch.toml replaces the list).
pub(crate) const DEFAULT_NOT_ASSIGNED: &[&str] = &["n'est pas affectée à l'interlocuteur"];

/// Whether an answer is one of the « not assigned » answers (case and a
/// final full stop ignored).
pub(crate) fn says_not_assigned(message: &str, list: &[String]) -> bool {
    let m = message.to_lowercase();
    list.iter().any(|f| !f.trim().is_empty() && m.contains(&f.trim().trim_end_matches('.').to_lowercase()))
}

/// Answers that mean "already done": such a call ends OK (configurable).
pub(crate) const DEFAULT_ALREADY_DONE: &[&str] = &[MSG_ALREADY_ASSIGNED];

/// The Cegid Loop operations a plan can hold, in per-dossier order. Adding
/// one: a variant here (its route, idempotency, what it changes, what
/// undoes it and its words for people in both languages below; the
/// compiler asks for each), the calls that need it in `plan::builder`, its
/// behaviour in `simulator::state`.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    strum::EnumIter,
    strum::EnumCount,
    strum::IntoStaticStr,
    strum::EnumString,
)]
#[serde(rename_all = "camelCase")]
#[strum(serialize_all = "camelCase")]
pub enum Operation {
    ProvisionCompany,
    AddOffer,
    AddClient,
    AddCollaborativeOffer,
    UpdateClient,
    RemoveApplication,
    RemoveOffer,
}

impl Operation {
    /// Every operation, in per-dossier order.
    pub fn all() -> impl Iterator<Item = Operation> {
        <Operation as strum::IntoEnumIterator>::iter()
    }

    /// The API's name for it, also the `etape` column of the results.
    pub fn name(self) -> &'static str {
        self.into()
    }

    /// The operation an API name names (as the registre and the plans keep
    /// it); none for a name this version does not know.
    pub fn from_name(name: &str) -> Option<Operation> {
        name.parse().ok()
    }

    /// Its route when the configuration names none.
    fn default_route(self) -> &'static str {
        match self {
            Operation::ProvisionCompany => "/companyProvisioning/provisionCompany",
            Operation::AddOffer => "/collaborativeOffer/addOffer",
            Operation::AddCollaborativeOffer => "/collaborativeOffer/addCollaborativeOffer",
            Operation::RemoveOffer => "/collaborativeOffer/removeOffer",
            Operation::AddClient => "/provisionningCollab/addClient",
            Operation::UpdateClient => "/provisionningCollab/updateClient",
            Operation::RemoveApplication => "/provisionningCollab/removeApplication",
        }
    }

    /// Whether sending it twice cannot create a duplicate. addClient can (a
    /// second contact, or an error that hides the first); what a second
    /// provisionCompany does is not documented. Those two are settled (one
    /// deciding resend), never sent again blindly.
    pub fn idempotent(self) -> bool {
        match self {
            Operation::AddClient | Operation::ProvisionCompany => false,
            Operation::AddOffer
            | Operation::AddCollaborativeOffer
            | Operation::UpdateClient
            | Operation::RemoveApplication
            | Operation::RemoveOffer => true,
        }
    }

    /// What an applied call changes in Loop, as the memory keeps it.
    pub(crate) fn changes(self) -> Changes {
        match self {
            Operation::ProvisionCompany => Changes::Dossier,
            Operation::AddOffer => Changes::DossierOffer { on: true },
            Operation::RemoveOffer => Changes::DossierOffer { on: false },
            Operation::AddClient => Changes::Person { on: true, created: true, fields: true },
            Operation::AddCollaborativeOffer => Changes::Person { on: true, created: false, fields: false },
            Operation::UpdateClient => Changes::Person { on: true, created: false, fields: true },
            Operation::RemoveApplication => Changes::Person { on: false, created: false, fields: false },
        }
    }

    /// Whether a refusal's message says what the call asks for is so
    /// already. « déjà associé » to addClient may be someone else's
    /// contact: never the goal.
    pub(crate) fn goal_met_in(self, message: &str) -> bool {
        match self {
            Operation::RemoveApplication => known_answer(message) == Some(KnownAnswer::NotAssigned),
            Operation::RemoveOffer => known_answer(message) == Some(KnownAnswer::OfferNotActive),
            Operation::AddClient => false,
            Operation::ProvisionCompany
            | Operation::AddOffer
            | Operation::AddCollaborativeOffer
            | Operation::UpdateClient => says_already(message),
        }
    }

    /// Whether a refusal ends the call done (OK, not an error): what it asks
    /// for is there, and could be there only one way.
    pub(crate) fn refusal_means_done(self, message: &str) -> bool {
        match self.changes() {
            Changes::Dossier => says_provisioned(message),
            Changes::DossierOffer { .. } | Changes::Person { .. } => false,
        }
    }

    /// What call, if any, undoes an applied call.
    pub(crate) fn inverse(self) -> Inverse {
        match self {
            Operation::ProvisionCompany | Operation::AddOffer | Operation::RemoveOffer => Inverse::None,
            Operation::AddClient => Inverse::WithdrawOffer { person_stays: true },
            Operation::AddCollaborativeOffer => Inverse::WithdrawOffer { person_stays: false },
            Operation::RemoveApplication => Inverse::GiveOfferBack,
            Operation::UpdateClient => Inverse::RestoreFields,
        }
    }
}

/// What an operation changes in Loop, by the fields of its body
/// (`codeDossier`, `offre`, `email`, the contact's fields).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Changes {
    /// The dossier: provisioned.
    Dossier,
    /// The (dossier, offre): on or off. Off takes the offer from every
    /// contact of the dossier too (Loop's removeOffer).
    DossierOffer { on: bool },
    /// The (dossier, e-mail, offre): on or off; `created`: the person is
    /// created; `fields`: the contact fields it sends are set.
    Person { on: bool, created: bool, fields: bool },
}

impl Changes {
    /// Whether it takes something off (an offer off a dossier or a person):
    /// a refusal saying it is not there may be a lost attempt's doing.
    pub(crate) fn takes_off(self) -> bool {
        matches!(self, Changes::DossierOffer { on: false } | Changes::Person { on: false, .. })
    }

    /// Whether it sets fields of a person that exists: an answer « already »
    /// may still have changed them.
    pub(crate) fn updates_fields(self) -> bool {
        matches!(self, Changes::Person { created: false, fields: true, .. })
    }
}

/// What undoes an applied call (`loopbatch undo`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Inverse {
    /// No call of the API undoes it.
    None,
    /// removeApplication of the (dossier, e-mail, offre); `person_stays`:
    /// the person it created stays (the API deletes no contact).
    WithdrawOffer { person_stays: bool },
    /// addCollaborativeOffer of the (dossier, e-mail, offre), unless the
    /// dossier's offer was removed since.
    GiveOfferBack,
    /// updateClient with the values an earlier call sent.
    RestoreFields,
}

/// The API routes, relative to the base URL's path: `[routes]` of
/// `loopbatch.toml` (keys in snake_case, each optional), the engine's
/// calls and the simulator's routing alike.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Routes {
    provision_company: Route,
    add_offer: Route,
    add_collaborative_offer: Route,
    remove_offer: Route,
    add_client: Route,
    update_client: Route,
    remove_application: Route,
    /// The LoopHub folder list; not documented by Cegid: configurable on
    /// both sides.
    pub loophub: Route,
    #[serde(deserialize_with = "upper_case")]
    pub loophub_method: String,
}

impl Default for Routes {
    fn default() -> Routes {
        let of = |op: Operation| Route::from(op.default_route().to_string());
        Routes {
            provision_company: of(Operation::ProvisionCompany),
            add_offer: of(Operation::AddOffer),
            add_collaborative_offer: of(Operation::AddCollaborativeOffer),
            remove_offer: of(Operation::RemoveOffer),
            add_client: of(Operation::AddClient),
            update_client: of(Operation::UpdateClient),
            remove_application: of(Operation::RemoveApplication),
            loophub: Route::from("/loophub/dossiers".to_string()),
            loophub_method: "POST".into(),
        }
    }
}

impl Routes {
    /// An operation's route.
    pub fn of(&self, op: Operation) -> &str {
        match op {
            Operation::ProvisionCompany => &self.provision_company,
            Operation::AddOffer => &self.add_offer,
            Operation::AddCollaborativeOffer => &self.add_collaborative_offer,
            Operation::RemoveOffer => &self.remove_offer,
            Operation::AddClient => &self.add_client,
            Operation::UpdateClient => &self.update_client,
            Operation::RemoveApplication => &self.remove_application,
        }
    }

    /// Sets an operation's route (a leading `/` added when missing).
    pub fn set(&mut self, op: Operation, route: &str) {
        let slot = match op {
            Operation::ProvisionCompany => &mut self.provision_company,
            Operation::AddOffer => &mut self.add_offer,
            Operation::AddCollaborativeOffer => &mut self.add_collaborative_offer,
            Operation::RemoveOffer => &mut self.remove_offer,
            Operation::AddClient => &mut self.add_client,
            Operation::UpdateClient => &mut self.update_client,
            Operation::RemoveApplication => &mut self.remove_application,
        };
        *slot = Route::from(route.to_string());
    }
}

/// A route as a configuration writes it, made whole: it starts with `/`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(from = "String")]
pub struct Route(String);

impl From<String> for Route {
    fn from(s: String) -> Route {
        Route(if s.starts_with('/') { s } else { format!("/{s}") })
    }
}

impl std::ops::Deref for Route {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

fn upper_case<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    String::deserialize(d).map(|s| s.to_uppercase())
}

/// The header by which a simulator (embedded or `loopbatch simulate`) names
/// its instance, renewed at each start, on every answer: a run made against
/// one is resumed against that one only. Cegid Loop does not send it.
pub(crate) const SIMULATOR_INSTANCE_HEADER: &str = "x-loopbatch-simulator-instance";

// An operation's words for people, both languages side by side in one
// exhaustive match: part of the vocabulary, so a new operation says its
// name where it is defined, and a language it lacks fails the build.

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

fn words_of(op: Operation) -> Table {
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
    let t = words_of(op);
    match lang {
        Lang::Fr => t.fr,
        Lang::En => t.en,
    }
}

impl Operation {
    /// Named for people (the history's tables; the API name stays in the
    /// column `operation` of the exports and the JSON).
    pub(crate) fn label(self, lang: Lang) -> &'static str {
        words(self, lang).label
    }

    /// What it did, said by a person (`n` of them): the plan's page.
    pub(crate) fn done(self, n: usize, lang: Lang) -> &'static str {
        let w = words(self, lang);
        if n == 1 { w.one } else { w.many }
    }
}

//! The simulator's model of a cabinet: dossiers, interlocuteurs, offers, and
//! the business rules with the seed's French messages (or, where Cegid
//! documents none, clear French messages listed in the README).

use std::collections::{BTreeMap, BTreeSet};

use rand::{Rng, rngs::StdRng};
use serde::Serialize;
use serde_json::{Value, json};

use crate::loop_api::{MSG_ALREADY_ASSIGNED, MSG_EMAIL_TAKEN, MSG_INVITE, MSG_NO_CONTACT, Operation};
use crate::normalize::{OFFERS, email_key};

#[derive(Debug, Clone, Serialize)]
pub struct Dossier {
    pub object_id: String,
    pub code: String,
    pub raison_sociale: String,
    pub nom_usuel: String,
    /// "A préparer" or "Opérationnel".
    pub statut: String,
    pub maitre_dossier: String,
    pub engagement_manager: String,
    pub offers: BTreeSet<String>,
}

impl Dossier {
    pub fn operational(&self) -> bool {
        self.statut == "Opérationnel"
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Contact {
    pub object_id: String,
    pub user_id: String,
    pub email: String,
    pub fields: BTreeMap<String, Value>,
    /// Dossier code -> offers given to this contact there.
    pub dossiers: BTreeMap<String, BTreeSet<String>>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Model {
    pub dossiers: BTreeMap<String, Dossier>,
    /// Keyed by the folded e-mail: one e-mail, one contact, cabinet-wide.
    pub contacts: BTreeMap<String, Contact>,
    pub uninvited_domains: BTreeSet<String>,
}

/// What a business call answers before the gateway wraps it.
#[derive(Debug, Clone, PartialEq)]
pub enum Answer {
    Json(Value),
    /// A 200 with a plain sentence, as the seed shows for "already assigned".
    Text(String),
    /// A business error: the error profile decides its status and shape.
    Business(String),
    /// A malformed request (missing field, bad JSON): 400 whatever the profile.
    BadRequest(String),
}

pub(super) fn uuid(rng: &mut StdRng) -> String {
    let b: [u8; 16] = rng.random();
    let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!("{}-{}-4{}-a{}-{}", &h[0..8], &h[8..12], &h[13..16], &h[17..20], &h[20..32])
}

fn revision(rng: &mut StdRng) -> String {
    format!("0x{:016x}", rng.random::<u64>())
}

fn str_field<'a>(body: &'a Value, key: &str) -> Result<&'a str, Answer> {
    match body.get(key).and_then(Value::as_str).map(str::trim) {
        Some(s) if !s.is_empty() => Ok(s),
        _ => Err(Answer::BadRequest(format!("Le champ {key} est obligatoire."))),
    }
}

impl Model {
    fn dossier(&mut self, code: &str) -> Result<&mut Dossier, Answer> {
        self.dossiers.get_mut(code).ok_or_else(|| Answer::Business(format!("Le dossier client {code} n'existe pas.")))
    }

    fn operational_dossier(&mut self, code: &str) -> Result<&mut Dossier, Answer> {
        let d = self.dossier(code)?;
        if !d.operational() {
            return Err(Answer::Business(format!(
                "Le dossier client {code} n'est pas encore provisionné (statut « A préparer »)."
            )));
        }
        Ok(d)
    }

    fn offer(body: &Value) -> Result<String, Answer> {
        let o = str_field(body, "offre")?;
        if OFFERS.contains(&o) {
            Ok(o.to_string())
        } else {
            Err(Answer::Business(format!(
                "L'offre {o} n'existe pas. Offres possibles : start, co-production, consultation."
            )))
        }
    }

    fn active_offer(&mut self, code: &str, offre: &str) -> Result<(), Answer> {
        let d = self.operational_dossier(code)?;
        if d.offers.contains(offre) {
            Ok(())
        } else {
            Err(Answer::Business(format!("L'offre {offre} n'est pas active sur le dossier client {code}.")))
        }
    }

    fn invited(&self, email: &str) -> Result<(), Answer> {
        let domain = email.rsplit_once('@').map(|(_, d)| d.to_lowercase()).unwrap_or_default();
        if self.uninvited_domains.contains(&domain) { Err(Answer::Business(MSG_INVITE.into())) } else { Ok(()) }
    }

    fn interloc(c: &Contact, rng: &mut StdRng) -> Value {
        json!({"interloc": {"module": "cabinet", "className": "interlocuteur",
            "data": {"objectId": c.object_id, "$status": "none", "revisionId": revision(rng)}}})
    }

    /// One of the engine's operations, as Loop answers it.
    pub fn answer(&mut self, op: Operation, body: &Value, rng: &mut StdRng) -> Result<Answer, Answer> {
        match op {
            Operation::ProvisionCompany => self.provision_company(body),
            Operation::AddOffer => self.add_offer(body),
            Operation::AddCollaborativeOffer => self.add_collaborative_offer(body, rng),
            Operation::RemoveOffer => self.remove_offer(body),
            Operation::AddClient => self.add_client(body, rng),
            Operation::UpdateClient => self.update_client(body, rng),
            Operation::RemoveApplication => self.remove_application(body, rng),
        }
    }

    fn provision_company(&mut self, body: &Value) -> Result<Answer, Answer> {
        let code = str_field(body, "codeDossier")?;
        let d = self.dossier(code)?;
        if d.operational() {
            return Ok(Answer::Json(json!({"message": format!("Le dossier client {code} est déjà opérationnel.")})));
        }
        d.statut = "Opérationnel".into();
        Ok(Answer::Json(json!({"message": format!("Le dossier client {code} a été provisionné.")})))
    }

    fn add_offer(&mut self, body: &Value) -> Result<Answer, Answer> {
        let code = str_field(body, "codeDossier")?;
        let offre = Model::offer(body)?;
        let d = self.operational_dossier(code)?;
        d.offers.insert(offre.clone());
        Ok(Answer::Json(json!({"message": format!("L'offre {offre} a été ajoutée au dossier client {code}")})))
    }

    fn remove_offer(&mut self, body: &Value) -> Result<Answer, Answer> {
        let code = str_field(body, "codeDossier")?.to_string();
        let offre = Model::offer(body)?;
        self.active_offer(&code, &offre)?;
        self.dossier(&code)?.offers.remove(&offre);
        // Removing a dossier's offer takes it from all its contacts.
        for c in self.contacts.values_mut() {
            if let Some(o) = c.dossiers.get_mut(&code) {
                o.remove(&offre);
            }
        }
        Ok(Answer::Json(json!({"message": format!("L'offre {offre} a été retirée du dossier client {code}")})))
    }

    fn add_client(&mut self, body: &Value, rng: &mut StdRng) -> Result<Answer, Answer> {
        let email = str_field(body, "email")?.to_string();
        let code = str_field(body, "codeDossier")?.to_string();
        let offre = Model::offer(body)?;
        self.active_offer(&code, &offre)?;
        self.invited(&email)?;
        let key = email_key(&email).into_owned();
        if self.contacts.contains_key(&key) {
            return Err(Answer::Business(MSG_EMAIL_TAKEN.into()));
        }
        let mut fields = BTreeMap::new();
        for k in ["nom", "prenom", "telephone", "profile", "social"] {
            if let Some(v) = body.get(k) {
                fields.insert(k.to_string(), v.clone());
            }
        }
        let contact = Contact {
            object_id: uuid(rng),
            user_id: uuid(rng),
            email,
            fields,
            dossiers: BTreeMap::from([(code, BTreeSet::from([offre]))]),
        };
        let answer = Model::interloc(&contact, rng);
        self.contacts.insert(key, contact);
        Ok(Answer::Json(answer))
    }

    fn existing(&mut self, email: &str) -> Result<&mut Contact, Answer> {
        self.contacts.get_mut(&*email_key(email)).ok_or_else(|| Answer::Business(MSG_NO_CONTACT.into()))
    }

    fn add_collaborative_offer(&mut self, body: &Value, rng: &mut StdRng) -> Result<Answer, Answer> {
        let email = str_field(body, "email")?.to_string();
        let code = str_field(body, "codeDossier")?.to_string();
        let offre = Model::offer(body)?;
        self.existing(&email)?;
        self.active_offer(&code, &offre)?;
        self.invited(&email)?;
        let c = self.existing(&email)?;
        let offers = c.dossiers.entry(code).or_default();
        if !offers.insert(offre) {
            return Ok(Answer::Text(MSG_ALREADY_ASSIGNED.into()));
        }
        Ok(Answer::Json(Model::interloc(c, rng)))
    }

    fn update_client(&mut self, body: &Value, rng: &mut StdRng) -> Result<Answer, Answer> {
        let email = str_field(body, "email")?.to_string();
        let code = str_field(body, "codeDossier")?.to_string();
        self.existing(&email)?;
        self.operational_dossier(&code)?;
        let offre = match body.get("offre") {
            Some(_) => Some(Model::offer(body)?),
            None => None,
        };
        if let Some(o) = &offre {
            self.active_offer(&code, o)?;
            self.invited(&email)?;
        }
        let c = self.existing(&email)?;
        for k in ["nom", "prenom", "telephone", "profile", "social", "actif", "defaultIssuer"] {
            if let Some(v) = body.get(k) {
                c.fields.insert(k.to_string(), v.clone());
            }
        }
        let offers = c.dossiers.entry(code).or_default();
        if let Some(o) = offre
            && !offers.insert(o)
        {
            return Ok(Answer::Text(MSG_ALREADY_ASSIGNED.into()));
        }
        Ok(Answer::Json(Model::interloc(c, rng)))
    }

    fn remove_application(&mut self, body: &Value, rng: &mut StdRng) -> Result<Answer, Answer> {
        let email = str_field(body, "email")?.to_string();
        let code = str_field(body, "codeDossier")?.to_string();
        let offre = Model::offer(body)?;
        self.dossier(&code)?;
        let c = self.existing(&email)?;
        let removed = c.dossiers.get_mut(&code).is_some_and(|o| o.remove(&offre));
        if !removed {
            return Err(Answer::Business("L'application n'est pas affectée à l'interlocuteur.".into()));
        }
        let mut v = Model::interloc(c, rng);
        v["user"] = json!({"module": "cabinet", "className": "utilisateurClient",
            "data": {"objectId": c.user_id, "$status": "none", "revisionId": revision(rng)}});
        Ok(Answer::Json(v))
    }

    /// The LoopHub folder list: the whole portfolio, as the documented array.
    pub fn loophub(&self, body: &Value, key_id: &str) -> Result<Answer, Answer> {
        let api_key = str_field(body, "apiKey")?;
        str_field(body, "domain")?;
        if api_key != key_id {
            return Err(Answer::Business("Aucun dossier n'est associé à cette clé d'application.".into()));
        }
        let list: Vec<Value> = self
            .dossiers
            .values()
            .map(|d| {
                json!({"objectId": d.object_id, "codeIbs": d.code, "nom": "", "prenom": "", "nomUsuel": d.nom_usuel,
                    "raisonSociale": d.raison_sociale, "maitreDossier": d.maitre_dossier, "maitreDossierId": "",
                    "engagementManager": d.engagement_manager, "engagementManagerId": ""})
            })
            .collect();
        Ok(Answer::Json(Value::Array(list)))
    }
}

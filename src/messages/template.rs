//! The notes on a template's headers, both languages side by side in one
//! exhaustive match: a new column adds one arm here, and a language it
//! lacks fails the build.

use crate::i18n::Lang;

/// The note on a template's column header: what to write, an example.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TemplateNote {
    Action,
    CodeDossier,
    RaisonSociale,
    Offre,
    AncienneOffre,
    Email,
    Nom,
    Prenom,
    Telephone,
    Profil,
    Social,
    Actif,
    Emetteur,
    NomUsuel,
    Maitre,
    Manager,
}

impl TemplateNote {
    pub(crate) fn text(self, lang: Lang) -> &'static str {
        let (fr, en) = match self {
            TemplateNote::Action => (
                "Action à faire sur la ligne : onboarding, provisionner, ajouter_offre, retirer_offre, ajouter_interlocuteur, modifier_interlocuteur, retirer_application, changer_offre. Vide : ligne ignorée si elle ne demande rien.",
                "Action for the row: onboarding, provisionner, ajouter_offre, retirer_offre, ajouter_interlocuteur, modifier_interlocuteur, retirer_application, changer_offre. Blank: row ignored when it asks for nothing.",
            ),
            TemplateNote::CodeDossier => (
                "Code du dossier client dans Loop. Exemple : MANON001 (colonne au format Texte : les zéros initiaux sont gardés).",
                "Client dossier code in Loop. Example: MANON001 (Text column: leading zeros are kept).",
            ),
            TemplateNote::RaisonSociale => (
                "Pour vous repérer ; non envoyé. Exemple : Boulangerie Manon SARL",
                "For your reference; not sent. Example: Boulangerie Manon SARL",
            ),
            TemplateNote::Offre => (
                "start, co-production ou consultation. Exemple : consultation",
                "start, co-production or consultation. Example: consultation",
            ),
            TemplateNote::AncienneOffre => (
                "Pour changer_offre : l'offre à remplacer. Exemple : start",
                "For changer_offre: the offer to replace. Example: start",
            ),
            TemplateNote::Email => (
                "E-mail de l'interlocuteur (invité au préalable sur votre tenant). Exemple : manon.dupont@boulangerie-manon.fr",
                "Contact's e-mail (invited on your tenant first). Example: manon.dupont@boulangerie-manon.fr",
            ),
            TemplateNote::Nom => ("Exemple : DUPONT", "Example: DUPONT"),
            TemplateNote::Prenom => ("Exemple : Manon", "Example: Manon"),
            TemplateNote::Telephone => (
                "10 chiffres ; +33 accepté. Exemple : 07 05 06 03 02",
                "10 digits; +33 accepted. Example: 07 05 06 03 02",
            ),
            TemplateNote::Profil => ("Code de profil Loop. Exemple : 2.0", "Loop profile code. Example: 2.0"),
            TemplateNote::Social => ("oui / non (vide : non). Exemple : non", "yes / no (blank: no). Example: no"),
            TemplateNote::Actif => (
                "modifier_interlocuteur : oui / non ; vide = inchangé",
                "modifier_interlocuteur: yes / no; blank = unchanged",
            ),
            TemplateNote::Emetteur => (
                "modifier_interlocuteur : oui / non ; vide = inchangé",
                "modifier_interlocuteur: yes / no; blank = unchanged",
            ),
            TemplateNote::NomUsuel => {
                ("Nom usuel du dossier (LoopHub) ; non envoyé.", "Dossier's usual name (LoopHub); not sent.")
            }
            TemplateNote::Maitre => {
                ("Maître de dossier (LoopHub) ; non envoyé.", "Dossier master (LoopHub); not sent.")
            }
            TemplateNote::Manager => {
                ("Engagement manager (LoopHub) ; non envoyé.", "Engagement manager (LoopHub); not sent.")
            }
        };
        match lang {
            Lang::Fr => fr,
            Lang::En => en,
        }
    }
}

//! The words of an undo (issue 24), whole, in French and in English: what
//! each inverse call gives back and what it cannot, and why a row makes no
//! call. The verdict words themselves never change with the language.

use crate::error::UndoRefusal;
use crate::i18n::Lang;
use crate::outcome::Verdict;

use super::Text;

/// What one call of the undone run becomes.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum UndoText<'a> {
    /// addCollaborativeOffer undone by removeApplication.
    OfferWithdrawn {
        offre: &'a str,
        email: &'a str,
        dossier: &'a str,
        future: bool,
    },
    /// addClient undone by removeApplication.
    ClientStays {
        offre: &'a str,
        email: &'a str,
        dossier: &'a str,
        future: bool,
    },
    /// removeApplication undone by addCollaborativeOffer.
    OfferGivenBack {
        offre: &'a str,
        email: &'a str,
        dossier: &'a str,
        future: bool,
    },
    /// A dossier's offer added or removed.
    DossierOffer {
        operation: &'a str,
        offre: &'a str,
        dossier: &'a str,
    },
    Provisioned {
        dossier: &'a str,
    },
    Updated {
        email: &'a str,
    },
    /// A contact's call no call of the API undoes.
    NoInverse {
        operation: &'a str,
        email: &'a str,
        dossier: &'a str,
    },
    /// updateClient undone by updateClient: the fields given back.
    FieldsRestored {
        email: &'a str,
        fields: &'a str,
        offer: bool,
        future: bool,
    },
    /// removeApplication whose dossier offer was removed since.
    OfferRemovedSince {
        offre: &'a str,
        email: &'a str,
        dossier: &'a str,
    },
    /// A call whose outcome is to check.
    ToCheck {
        operation: &'a str,
        dossier: &'a str,
    },
    /// Changed since by a later run.
    ChangedSince {
        operation: &'a str,
        dossier: &'a str,
        run: i64,
    },
    /// Undone already by an earlier undo.
    UndoneBefore {
        run: i64,
    },
    // Row leads.
    LeadAnnulable,
    /// An ANNULABLE row the page's form left unticked.
    LeadAnnulableLeft,
    LeadPartialTicked {
        future: bool,
    },
    /// A PARTIEL row left: `page` says how to tick it there.
    LeadPartialLeft {
        page: bool,
    },
    LeadIrreversible,
    NothingToUndo,
    LeadToCheck,
    LeadRefused,
    Linked {
        feuille: &'a str,
        ligne: u32,
    },
    /// The command line's summary of the verdicts.
    Verdicts {
        run: i64,
        verdicts: &'a str,
        calls: usize,
    },
    // After the inverse calls.
    NotAssigned {
        answer: &'a str,
    },
    OfferNotActive {
        answer: &'a str,
    },
    /// An undo's source, as the history lists it.
    SourceName {
        run: i64,
        sheet: &'a str,
        date: &'a str,
    },
    /// An inverse removeApplication whose answer was lost, resent and
    /// answered « not assigned »: the offer is withdrawn either way;
    /// `said`: the call's message (the lost attempt, Loop's answer).
    WithdrawnLost {
        said: &'a str,
    },
}

impl Text for UndoText<'_> {
    fn text(&self, lang: Lang) -> String {
        match lang {
            Lang::Fr => fr(self),
            Lang::En => en(self),
        }
    }
}

fn fr(t: &UndoText<'_>) -> String {
    use UndoText::*;
    match t {
        OfferWithdrawn { offre, email, dossier, future: true } => format!(
            "l'offre {offre} de {email} sur {dossier} sera retirée ; le lien dossier–interlocuteur créé par l'ajout peut rester (Loop ne documente pas ce que removeApplication en fait)"
        ),
        OfferWithdrawn { offre, email, dossier, future: false } => format!(
            "l'offre {offre} de {email} sur {dossier} est retirée ; le lien dossier–interlocuteur créé par l'ajout peut rester (Loop ne documente pas ce que removeApplication en fait)"
        ),
        ClientStays { offre, email, dossier, future: true } => format!(
            "l'offre {offre} de {email} sur {dossier} sera retirée ; l'interlocuteur et son utilisateur client resteront dans Loop ; s'ils ont été créés par erreur, supprimez-les à la main (Paramétrage > Clients > Interlocuteurs)"
        ),
        ClientStays { offre, email, dossier, future: false } => format!(
            "l'offre {offre} de {email} sur {dossier} est retirée ; l'interlocuteur et son utilisateur client restent dans Loop ; s'ils ont été créés par erreur, supprimez-les à la main (Paramétrage > Clients > Interlocuteurs)"
        ),
        OfferGivenBack { offre, email, dossier, future: true } => format!(
            "l'offre {offre} sera rendue à {email} sur {dossier} (profil et social non rétablis : Loop ne les fait pas connaître)"
        ),
        OfferGivenBack { offre, email, dossier, future: false } => format!(
            "l'offre {offre} est rendue à {email} sur {dossier} (profil et social non rétablis : Loop ne les fait pas connaître)"
        ),
        DossierOffer { operation, offre, dossier } => format!(
            "{operation} de l'offre {offre} sur {dossier} ne se défait pas : retirer une offre du dossier la retire à tous ses interlocuteurs ; Loop ne dit pas qui l'avait"
        ),
        Provisioned { dossier } => {
            format!("le provisionnement de {dossier} ne se défait pas : le dossier reste opérationnel")
        }
        NoInverse { operation, email, dossier } => {
            format!(
                "{operation} pour {email} sur {dossier} ne se défait pas : l'API de Loop n'a pas d'appel qui l'annule"
            )
        }
        Updated { email } => format!(
            "la modification de {email} (updateClient) ne se défait pas : loopbatch ne connaît pas avec certitude les valeurs d'avant (aucun appel loopbatch antérieur ne les a envoyées, ou un appel suivant les a changées)"
        ),
        FieldsRestored { email, fields, offer, future: true } => format!(
            "{email} retrouvera ses valeurs d'avant pour : {fields} (celles qu'un appel loopbatch antérieur avait envoyées){}",
            if *offer { " ; l'offre donnée par la modification restera" } else { "" }
        ),
        FieldsRestored { email, fields, offer, future: false } => format!(
            "{email} retrouve ses valeurs d'avant pour : {fields} (celles qu'un appel loopbatch antérieur avait envoyées){}",
            if *offer { " ; l'offre donnée par la modification reste" } else { "" }
        ),
        OfferRemovedSince { offre, email, dossier } => format!(
            "l'offre {offre} ne peut être rendue à {email} : l'offre du dossier {dossier} a été retirée depuis (par cette exécution ou une suivante)"
        ),
        ToCheck { operation, dossier } => format!(
            "l'issue de {operation} sur {dossier} est inconnue : vérifiez dans Loop et notez-le (loopbatch verify : « fait » si cette exécution l'a fait, « pas fait » si rien n'a changé ou si c'était déjà ainsi avant elle), puis relancez l'annulation"
        ),
        ChangedSince { operation, dossier, run } => format!(
            "ce que {operation} a changé sur {dossier} a été modifié depuis par l'exécution n° {run} : annulez d'abord celle-ci"
        ),
        UndoneBefore { run } => format!("ligne déjà annulée par l'exécution n° {run}"),
        LeadAnnulable => "Annulable :".into(),
        LeadAnnulableLeft => {
            "Non annulée : décochée (ANNULABLE ; cochez-la dans une nouvelle annulation pour l'annuler) :".into()
        }
        LeadPartialTicked { future: false } => "Annulée en partie :".into(),
        LeadPartialTicked { future: true } => "Sera annulée en partie :".into(),
        LeadPartialLeft { page: true } => "Non annulée tant qu'elle n'est pas cochée (PARTIEL) :".into(),
        LeadPartialLeft { page: false } => {
            "Non annulée (PARTIEL : relancez l'annulation avec --partial pour l'annuler) :".into()
        }
        LeadIrreversible => "Irréversible, aucun appel :".into(),
        NothingToUndo => {
            "Rien à défaire : aucun appel de cette ligne n'a changé Loop (déjà fait, refusé ou jamais envoyé).".into()
        }
        LeadToCheck => "À vérifier, aucun appel :".into(),
        LeadRefused => "Refusée, aucun appel :".into(),
        Linked { feuille, ligne } => format!(
            "Non annulée : elle partage un appel avec la ligne {ligne} de {feuille}, qui n'est pas annulée ; annulez-les ensemble."
        ),
        Verdicts { run, verdicts, calls } => format!(
            "Annulation de l'exécution n° {run} : lignes par verdict : {verdicts} ; {calls} appel(s) inverse(s) à envoyer. Chaque ligne dit dans les résultats ce qui revient et ce qui ne revient pas."
        ),
        NotAssigned { answer } => {
            format!(
                "Rien à défaire : l'offre n'était plus affectée à l'interlocuteur (réponse de Loop : « {answer} »)."
            )
        }
        OfferNotActive { answer } => format!(
            "offre non rétablie : activez d'abord l'offre du dossier (LoopHub), puis relancez l'annulation (réponse de Loop : « {answer} »)"
        ),
        SourceName { run, sheet, date } => format!("Annulation de l'exécution n° {run} ({sheet}, {date})"),
        WithdrawnLost { said } => {
            format!("offre retirée : une tentative restée sans réponse l'a peut-être fait ({said})")
        }
    }
}

fn en(t: &UndoText<'_>) -> String {
    use UndoText::*;
    match t {
        OfferWithdrawn { offre, email, dossier, future: true } => format!(
            "the offer {offre} of {email} on {dossier} will be withdrawn; the dossier–contact link the add made may stay (Loop does not document what removeApplication does with it)"
        ),
        OfferWithdrawn { offre, email, dossier, future: false } => format!(
            "the offer {offre} of {email} on {dossier} is withdrawn; the dossier–contact link the add made may stay (Loop does not document what removeApplication does with it)"
        ),
        ClientStays { offre, email, dossier, future: true } => format!(
            "the offer {offre} of {email} on {dossier} will be withdrawn; the contact and their client user will stay in Loop; if they were created by mistake, delete them by hand (Paramétrage > Clients > Interlocuteurs)"
        ),
        ClientStays { offre, email, dossier, future: false } => format!(
            "the offer {offre} of {email} on {dossier} is withdrawn; the contact and their client user stay in Loop; if they were created by mistake, delete them by hand (Paramétrage > Clients > Interlocuteurs)"
        ),
        OfferGivenBack { offre, email, dossier, future: true } => format!(
            "the offer {offre} will be given back to {email} on {dossier} (profile and social not restored: Loop does not tell them)"
        ),
        OfferGivenBack { offre, email, dossier, future: false } => format!(
            "the offer {offre} is given back to {email} on {dossier} (profile and social not restored: Loop does not tell them)"
        ),
        DossierOffer { operation, offre, dossier } => format!(
            "{operation} of the offer {offre} on {dossier} cannot be undone: removing an offer from the dossier removes it from all its contacts; Loop does not say who had it"
        ),
        Provisioned { dossier } => {
            format!("the provisioning of {dossier} cannot be undone: the dossier stays operational")
        }
        NoInverse { operation, email, dossier } => {
            format!("{operation} for {email} on {dossier} cannot be undone: Loop's API has no call that reverses it")
        }
        Updated { email } => {
            format!(
                "the change of {email} (updateClient) cannot be undone: loopbatch does not know the earlier values for sure"
            )
        }
        FieldsRestored { email, fields, offer, future: true } => format!(
            "{email} will get back their earlier values for: {fields} (those an earlier loopbatch call sent){}",
            if *offer { "; the offer the change gave will stay" } else { "" }
        ),
        FieldsRestored { email, fields, offer, future: false } => format!(
            "{email} gets back their earlier values for: {fields} (those an earlier loopbatch call sent){}",
            if *offer { "; the offer the change gave stays" } else { "" }
        ),
        OfferRemovedSince { offre, email, dossier } => format!(
            "the offer {offre} cannot be given back to {email}: the dossier {dossier}'s offer was removed since (by this run or a later one)"
        ),
        ToCheck { operation, dossier } => format!(
            "the outcome of {operation} on {dossier} is unknown: check in Loop and record it (loopbatch verify: « done » if this run did it, « not done » if nothing changed or it was so before the run), then undo again"
        ),
        ChangedSince { operation, dossier, run } => {
            format!("what {operation} changed on {dossier} was changed since by run no. {run}: undo that run first")
        }
        UndoneBefore { run } => format!("row already undone by run no. {run}"),
        LeadAnnulable => "Undoable:".into(),
        LeadAnnulableLeft => "Not undone: unticked (ANNULABLE; tick it in a new undo to undo it):".into(),
        LeadPartialTicked { future: false } => "Partly undone:".into(),
        LeadPartialTicked { future: true } => "Will be partly undone:".into(),
        LeadPartialLeft { page: true } => "Not undone unless ticked (PARTIEL):".into(),
        LeadPartialLeft { page: false } => "Not undone (PARTIEL: undo again with --partial to undo it):".into(),
        LeadIrreversible => "Irreversible, no call:".into(),
        NothingToUndo => {
            "Nothing to undo: no call of this row changed Loop (done already, refused or never sent).".into()
        }
        LeadToCheck => "To check, no call:".into(),
        LeadRefused => "Refused, no call:".into(),
        Linked { feuille, ligne } => format!(
            "Not undone: it shares a call with row {ligne} of {feuille}, which is not undone; undo them together."
        ),
        Verdicts { run, verdicts, calls } => format!(
            "Undo of run no. {run}: rows per verdict: {verdicts}; {calls} inverse call(s) to send. Each row says in the results what comes back and what does not."
        ),
        NotAssigned { answer } => {
            format!("Nothing to undo: the offer was no longer the contact's (Loop's answer: “{answer}”).")
        }
        OfferNotActive { answer } => format!(
            "offer not restored: first activate the dossier's offer (LoopHub), then undo again (Loop's answer: “{answer}”)"
        ),
        SourceName { run, sheet, date } => format!("Undo of run no. {run} ({sheet}, {date})"),
        WithdrawnLost { said } => {
            format!("offer withdrawn: an attempt left without an answer may have done it ({said})")
        }
    }
}

impl Text for UndoRefusal {
    fn text(&self, lang: Lang) -> String {
        use UndoRefusal::*;
        match (lang, self) {
            (Lang::Fr, NoRun { run, registre }) => format!(
                "Aucune exécution « {run} » dans le registre {registre} : donnez le fichier de résultats de l'exécution, ou son numéro tel que « loopbatch history » l'affiche. Rien n'a été envoyé."
            ),
            (Lang::En, NoRun { run, registre }) => format!(
                "No run “{run}” in the registre {registre}: give the run's results file, or its number as “loopbatch history” shows it. Nothing was sent."
            ),
            (Lang::Fr, NotEnded { run }) => format!(
                "L'exécution n° {run} n'est pas terminée : reprenez-la (--resume) ou fermez-la (loopbatch registre close {run}), puis annulez-la. Rien n'a été envoyé."
            ),
            (Lang::En, NotEnded { run }) => format!(
                "Run no. {run} has not ended: resume it (--resume) or close it (loopbatch registre close {run}), then undo it. Nothing was sent."
            ),
            (Lang::Fr, NoPlan { run, plan }) => format!(
                "Le plan de l'exécution n° {run} n'est plus à côté de ses résultats ({plan} manque ou est celui d'une autre exécution) : sans lui, loopbatch ne sait pas quelles lignes ses appels servaient. Remettez-le à sa place. Rien n'a été envoyé."
            ),
            (Lang::En, NoPlan { run, plan }) => format!(
                "The plan of run no. {run} is no longer beside its results ({plan} is missing or belongs to another run): without it, loopbatch does not know which rows its calls served. Put it back. Nothing was sent."
            ),
            (Lang::Fr, SameResults) => {
                "Les résultats de l'annulation doivent être un autre fichier que ceux de l'exécution annulée : donnez un autre nom à --results. Rien n'a été envoyé.".into()
            }
            (Lang::En, SameResults) => {
                "The undo's results must be another file than the undone run's: give --results another name. Nothing was sent.".into()
            }
            (Lang::Fr, RunResults { file }) => format!(
                "Le fichier {file} est le fichier de résultats d'une exécution (notée au registre) : l'annulation l'écraserait, et avec lui ce que cette exécution a fait. Rien n'a été écrit ni envoyé. Donnez un autre nom à --results (par exemple annulation.xlsx)."
            ),
            (Lang::En, RunResults { file }) => format!(
                "The file {file} holds the results of a run (recorded in the registre): the undo would overwrite them, and with them what that run did. Nothing was written or sent. Give --results another name (for example undo.xlsx)."
            ),
            (Lang::Fr, InputSheet { file }) => format!(
                "Le fichier {file} est la feuille d'entrée d'une exécution (notée au registre) : l'annulation l'écraserait. Rien n'a été écrit ni envoyé. Donnez un autre nom à --results (par exemple annulation.xlsx)."
            ),
            (Lang::En, InputSheet { file }) => format!(
                "The file {file} is the input sheet of a run (recorded in the registre): the undo would overwrite it. Nothing was written or sent. Give --results another name (for example undo.xlsx)."
            ),
            (Lang::Fr, OtherTenant { run, place, key }) => format!(
                "L'exécution n° {run} a été faite sur {place}{} : son annulation ne peut aller que là. Rien n'a été envoyé. Annulez-la avec l'adresse (base_url, domaine) et les clés d'API de ce tenant (la configuration ou les variables d'environnement de ce cabinet).",
                key.as_ref().map(|k| format!(", avec la clé d'API {k}")).unwrap_or_default()
            ),
            (Lang::En, OtherTenant { run, place, key }) => format!(
                "Run no. {run} was made on {place}{}: its undo can only go there. Nothing was sent. Undo it with that tenant's address (base_url, domain) and API keys (that firm's configuration or environment variables).",
                key.as_ref().map(|k| format!(", with the API key {k}")).unwrap_or_default()
            ),
            (Lang::Fr, ResumeNotUndo { results, run }) => format!(
                "Les résultats {results} sont ceux de l'exécution n° {run}, qui n'est pas une annulation : « loopbatch undo --resume » ne reprend qu'une annulation. Pour reprendre cette exécution, lancez « loopbatch run » avec --resume et ces résultats. Rien n'a été envoyé."
            ),
            (Lang::En, ResumeNotUndo { results, run }) => format!(
                "The results {results} are those of run no. {run}, which is no undo: “loopbatch undo --resume” only resumes an undo. To resume that run, use “loopbatch run” with --resume and these results. Nothing was sent."
            ),
            (Lang::Fr, ResumeOtherUndo { results, run, undoes, named }) => format!(
                "Les résultats {results} sont ceux de l'exécution n° {run}, qui annule l'exécution n° {undoes}{} : reprenez-la avec « loopbatch undo {undoes} --results {results} --resume ». Rien n'a été envoyé.",
                named.as_ref().map(|n| format!(", pas l'exécution n° {n}")).unwrap_or_default()
            ),
            (Lang::En, ResumeOtherUndo { results, run, undoes, named }) => format!(
                "The results {results} are those of run no. {run}, which undoes run no. {undoes}{}: resume it with “loopbatch undo {undoes} --results {results} --resume”. Nothing was sent.",
                named.as_ref().map(|n| format!(", not run no. {n}")).unwrap_or_default()
            ),
        }
    }
}

/// The page's words for an undo (buttons, titles, hints).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum UndoPageText {
    UndoThisRun,
    UndoThisRunHint,
    Title,
    Intro,
    Verdict,
    Why,
    Tick,
    TickHint,
    Continue,
    ConfirmTitle,
    Confirm,
    Back,
    NothingToSend,
    RowsPerVerdict,
    /// An undo's row that sent nothing though something is left to undo.
    NotUndone,
    /// Above an undo's results: what is left to undo later.
    LeftLater,
}

impl UndoPageText {
    pub(crate) fn say(self, lang: Lang) -> &'static str {
        use UndoPageText::*;
        match (lang, self) {
            (Lang::Fr, UndoThisRun) => "Annuler cette exécution",
            (Lang::En, UndoThisRun) => "Undo this run",
            (Lang::Fr, UndoThisRunHint) => {
                "Rien n'est envoyé avant d'avoir vu, ligne par ligne, ce qui peut revenir et ce qui ne le peut pas."
            }
            (Lang::En, UndoThisRunHint) => {
                "Nothing is sent before you have seen, row by row, what can come back and what cannot."
            }
            (Lang::Fr, Title) => "Annuler l'exécution",
            (Lang::En, Title) => "Undo the run",
            (Lang::Fr, Intro) => {
                "Cegid Loop ne se relit pas et ne supprime pas un interlocuteur : l'annulation part de ce que le registre a noté de cette exécution. Une ligne est annulée en entier ou pas du tout ; les lignes ANNULABLE partent, les lignes PARTIEL seulement si vous les cochez, les autres n'envoient rien."
            }
            (Lang::En, Intro) => {
                "Cegid Loop cannot be read back and cannot delete a contact: the undo starts from what the registre recorded of this run. A row is undone whole or not at all; ANNULABLE rows go, PARTIEL rows only if you tick them, the others send nothing."
            }
            (Lang::Fr, Verdict) => "verdict",
            (Lang::En, Verdict) => "verdict",
            (Lang::Fr, Why) => "ce qui revient, ce qui ne revient pas",
            (Lang::En, Why) => "what comes back, what does not",
            (Lang::Fr, Tick) => "annuler",
            (Lang::En, Tick) => "undo",
            (Lang::Fr, TickHint) => {
                "Cochez les lignes PARTIEL à annuler malgré ce qui ne revient pas ; décochez une ligne ANNULABLE pour la laisser telle quelle."
            }
            (Lang::En, TickHint) => {
                "Tick the PARTIEL rows to undo despite what does not come back; untick an ANNULABLE row to leave it as it is."
            }
            (Lang::Fr, Continue) => "Continuer",
            (Lang::En, Continue) => "Continue",
            (Lang::Fr, ConfirmTitle) => "Confirmer l'annulation",
            (Lang::En, ConfirmTitle) => "Confirm the undo",
            (Lang::Fr, Confirm) => "Lancer l'annulation",
            (Lang::En, Confirm) => "Start the undo",
            (Lang::Fr, Back) => "Revenir aux verdicts",
            (Lang::En, Back) => "Back to the verdicts",
            (Lang::Fr, NothingToSend) => {
                "Aucun appel à envoyer : aucune ligne ANNULABLE ni PARTIEL cochée. Rien ne sera lancé."
            }
            (Lang::En, NothingToSend) => {
                "No call to send: no ANNULABLE row nor ticked PARTIEL row. Nothing will be started."
            }
            (Lang::Fr, RowsPerVerdict) => "Lignes par verdict :",
            (Lang::En, RowsPerVerdict) => "Rows per verdict:",
            (Lang::Fr, NotUndone) => "non annulée",
            (Lang::En, NotUndone) => "not undone",
            (Lang::Fr, LeftLater) => {
                "Les lignes « non annulée » restent à annuler plus tard : PARTIEL ou ANNULABLE laissée, cochez-la dans une nouvelle annulation (Annuler cette exécution, depuis l'exécution annulée) ; A_VERIFIER, vérifiez dans Loop et notez-le, puis annulez à nouveau ; REFUSE, la raison dit quoi faire d'abord."
            }
            (Lang::En, LeftLater) => {
                "The rows “not undone” are left to undo later: PARTIEL or ANNULABLE left out, tick it in a new undo (Undo this run, from the undone run); A_VERIFIER, check in Loop and record it, then undo again; REFUSE, the reason says what to do first."
            }
        }
    }
}

/// A verdict in words, beside its code (as statuses are shown).
pub(crate) fn verdict_said(verdict: Verdict, lang: Lang) -> &'static str {
    use Verdict as V;
    match (lang, verdict) {
        (Lang::Fr, V::Annulable) => "annulable",
        (Lang::En, V::Annulable) => "undoable",
        (Lang::Fr, V::Partiel) => "annulable en partie",
        (Lang::En, V::Partiel) => "partly undoable",
        (Lang::Fr, V::Irreversible) => "ne se défait pas",
        (Lang::En, V::Irreversible) => "cannot be undone",
        (Lang::Fr, V::RienADefaire) => "rien à défaire",
        (Lang::En, V::RienADefaire) => "nothing to undo",
        (Lang::Fr, V::AVerifier) => "à vérifier d'abord",
        (Lang::En, V::AVerifier) => "to check first",
        (Lang::Fr, V::Refuse) => "refusée",
        (Lang::En, V::Refuse) => "refused",
    }
}

/// The page's sentence before the go-ahead: how many inverse calls, where.
pub(crate) fn undo_calls(calls: usize, rows: usize, host: &str, lang: Lang) -> String {
    match lang {
        Lang::Fr => format!("{calls} appel(s) inverse(s) pour {rows} ligne(s), envoyés à {host}."),
        Lang::En => format!("{calls} inverse call(s) for {rows} row(s), sent to {host}."),
    }
}

//! Les mots de la page, en français.

use super::*;

pub(super) fn home(t: HomeText) -> &'static str {
    match t {
        HomeText::SimulationCallsGoToTheEmbedded => {
            "Simulation : les appels vont au simulateur intégré, pas à Cegid Loop."
        }
        HomeText::Quit => "Quitter",
        HomeText::QuitLoopbatch => "Quitter loopbatch ?",
        HomeText::ThePageClosesARunGoing => {
            "La page se ferme. Une exécution en cours sera arrêtée : les appels en cours se terminent et ses résultats sont écrits ; vous pourrez la reprendre en relançant loopbatch, depuis « Exécutions gardées »."
        }
        HomeText::Cancel => "Annuler",
        HomeText::OpenLoopbatchFromItsOwnWindow => "Ouvrez loopbatch depuis sa propre fenêtre",
        HomeText::ThisPageOnlyOpensFromLoopbatch => {
            "Cette page ne s'ouvre que depuis loopbatch : lancez loopbatch (ou « loopbatch ui ») sur cet ordinateur, il ouvre la page lui-même."
        }
        HomeText::BackToThePageBefore => "Revenir à la page précédente",
        HomeText::Home => "Accueil",
        HomeText::Sheet => "Tableur",
        HomeText::ARunIsGoing => "Une exécution est en cours :",
        HomeText::FollowTheRun => "Suivre l'exécution",
        HomeText::CheckASheet => "Vérifier un tableur",
        HomeText::SheetCSVXLSXXLSBXLSODS => "Tableur (CSV, XLSX, XLSB, XLS, ODS)",
        HomeText::ReadingOptions => "Options de lecture",
        HomeText::SheetElseEverySheetWithA => "Feuille (sinon toutes celles qui ont une colonne code dossier)",
        HomeText::ACSVSEncoding => "Encodage d'un CSV",
        HomeText::Detected => "détecté",
        HomeText::ACSVSDelimiter => "Séparateur d'un CSV",
        HomeText::Tab => "tabulation",
        HomeText::Check => "Vérifier",
        HomeText::LargestFile => "Taille maximale :",
        HomeText::TheFileStaysOnThisComputer => "Le fichier reste sur cet ordinateur.",
        HomeText::KeptRuns => "Exécutions gardées",
        HomeText::TemplatesToFillIn => "Modèles à remplir",
        HomeText::NewDossiersOnboarding => "Arrivée de nouveaux dossiers (onboarding) :",
        HomeText::OperationsOnExistingDossiersOffersContacts => {
            "Opérations sur des dossiers existants (offres, interlocuteurs) :"
        }
        HomeText::LoopHubPortfolio => "Portefeuille LoopHub",
        HomeText::TheCabinetSDossiersAsA => {
            "Les dossiers du cabinet en tableur prêt à remplir (action, offre, ancienne_offre) pour un changement d'offres en masse. Filtres facultatifs."
        }
        HomeText::SearchAtLeast3CharactersOf => "Recherche (au moins 3 caractères du code ou du nom)",
        HomeText::DossierMasterEMail => "Maître de dossier (e-mail)",
        HomeText::EngagementManagerEMail => "Engagement manager (e-mail)",
        HomeText::TheCabinetSDomainElseThe => "Domaine du cabinet (sinon celui de la configuration)",
        HomeText::DownloadThePortfolio => "Télécharger le portefeuille",
        HomeText::Keys => "Clés",
        HomeText::Keys2 => "Clés :",
        HomeText::ToSendLoopbatchNeedsTheFirm => {
            "Pour envoyer, loopbatch a besoin des clés Cegid Loop du cabinet. Saisissez-les ici : vous reviendrez ensuite au plan, avec le tableur et ses corrections."
        }
        HomeText::SubscriptionKeyFromYourCegidContact => "Clé d'abonnement (votre contact Cegid)",
        HomeText::APIKeyKEYIDSECRETGeneratedOn => "Clé d'API (IDCLE:SECRET, générée sur CegidLife)",
        HomeText::KeepTheKeys => "Garder les clés",
        HomeText::ForThisSessionOnlyInMemory => "pour cette session seulement (en mémoire)",
        HomeText::SavedForThisUserEveryCommand => "enregistrées pour cet utilisateur (toutes les commandes les liront)",
        HomeText::UseTheseKeys => "Utiliser ces clés",
        HomeText::NoResultsYet => "pas encore de résultats",
        HomeText::TheyHoldClientsPersonalDataDelete => {
            "Elles contiennent des données personnelles de clients : supprimez celles dont vous n'avez plus besoin."
        }
        HomeText::Date => "date",
        HomeText::Sheet2 => "tableur",
        HomeText::Rows => "lignes",
        HomeText::SentTo => "envoyée à",
        HomeText::Actions => "actions",
        HomeText::Going => "en cours",
        HomeText::FollowTheRunGoing => "Suivre l'exécution en cours",
        HomeText::Open => "Ouvrir",
        HomeText::Resume => "Reprendre",
        HomeText::Delete => "Supprimer",
        HomeText::DeleteThisRun => "Supprimer cette exécution ?",
        HomeText::TheRunOf => "L'exécution de",
        HomeText::AndItsFilesResultsJournalPlan => {
            "et ses fichiers (résultats, plan) seront effacés de cet ordinateur, et le registre oubliera les personnes de ses appels (noms, e-mails, téléphones, messages de Loop) : de ce qui a été fait, il ne gardera que des empreintes illisibles et leur effet, pour ne pas le refaire. Cela ne peut pas être défait ; ce qui a été fait dans Cegid Loop y reste."
        }
    }
}

pub(super) fn grid(t: GridText) -> &'static str {
    match t {
        GridText::Rows => "lignes",
        GridText::WithWarnings => "avec avertissements",
        GridText::CallsPlanned => "appels prévus",
        GridText::Problems => "Problèmes",
        GridText::PreviousPage => "Page précédente",
        GridText::Page => "Page",
        GridText::NextPage => "Page suivante",
        GridText::CheckOf => "Vérification de",
        GridText::AlsoCheckedInTheLoopHubPortfolio => "Vérifié aussi dans le portefeuille LoopHub.",
        GridText::AlsoCheckInLoopHubDossiersExist => "Vérifier aussi dans LoopHub (existence et statut des dossiers)",
        GridText::TheCabinetSDomainElseThe => "Domaine du cabinet (sinon celui de la configuration)",
        GridText::WarnWhereThisPersonIsNeither => {
            "Avertir là où cette personne n'est ni maître de dossier ni manager (e-mail, facultatif)"
        }
        GridText::CheckOnline => "Vérifier en ligne",
        GridText::Pages => "Pages",
        GridText::AllRows => "Toutes les lignes",
        GridText::OnlyRowsWithProblems => "Seulement les lignes à problème",
        GridText::DownloadTheFixedSheet => "Télécharger le tableur corrigé",
        GridText::SeeThePlanOfCallsAnd => "Voir le plan d'appels et lancer",
        GridText::RowsOfTheSheetCellsCan => "Lignes du tableur ; les cellules se corrigent ici.",
        GridText::Sheet => "feuille",
        GridText::Row => "ligne",
        GridText::Status => "statut",
        GridText::PagesBottom => "Pages (bas)",
    }
}

pub(super) fn plan(t: PlanText) -> &'static str {
    match t {
        PlanText::Plan => "Plan",
        PlanText::PlanOfCallsOf => "Plan d'appels de",
        PlanText::CallsTo => "appels vers",
        PlanText::Dossiers => "dossiers",
        PlanText::ValidRows => "lignes valides",
        PlanText::InvalidRowsNotSent => "lignes invalides (non envoyées)",
        PlanText::WhatWillBeDoneInCegid => "Ce qui sera fait dans Cegid Loop",
        PlanText::DownloadTheReadablePlanPLANXlsx => "Télécharger le plan lisible (PLAN.xlsx)",
        PlanText::PerDossier => "Détail par dossier",
        PlanText::DossierCode => "code dossier",
        PlanText::WhatWillBeDone => "ce qui sera fait",
        PlanText::TheFirst => "Les",
        PlanText::DossiersTheReadablePlanPLANXlsx => {
            "premiers dossiers ; le plan lisible (PLAN.xlsx) les détaille tous."
        }
        PlanText::BackToTheCheck => "Retour à la vérification",
        PlanText::TheCegidLoopKeysAreMissing => "Les clés Cegid Loop manquent",
        PlanText::ToSendLoopbatchNeedsTheFirm => {
            "Pour envoyer, loopbatch a besoin de la clé d'abonnement et de la clé d'API du cabinet. Saisissez-les, puis vous reviendrez ici, avec le tableur et ses corrections."
        }
        PlanText::TypeTheKeys => "Saisir les clés",
        PlanText::RegistreKnowsNoRunBefore => "Attention : ce registre ne connaît aucune exécution avant le",
        PlanText::RegistreNewNextStep => {
            "Des exécutions précédentes sont gardées sur ce poste, mais ce qu'elles ont envoyé à Loop n'est pas noté dans ce registre. Si un autre registre les connaît, lancez loopbatch avec celui-là (--registre)."
        }
        PlanText::Run => "Lancer",
        PlanText::ConfirmSending => "Confirmer l'envoi",
        PlanText::Send => "Envoyer",
        PlanText::CallsTo2 => "appels à",
        PlanText::Cancel => "Annuler",
        PlanText::ThisSheetWasRunAlready => "Ce tableur a déjà été exécuté",
        PlanText::TheSameSheetAsItIs => "Le même tableur, tel quel, a été exécuté le",
        PlanText::RunningItAgainWouldSendAgain => {
            "Reprenez-le (rien de fait n'est renvoyé) ou relancez ses échecs : le registre n'envoie pas de nouveau ce qu'il sait déjà fait, et ce qui reste à vérifier dans Loop attend votre vérification ou votre choix."
        }
        PlanText::SeeThatRun => "Voir cette exécution",
        PlanText::Resume => "Reprendre",
        PlanText::RunTheFailuresAgain => "Relancer les échecs…",
    }
}

pub(super) fn run(t: RunText) -> &'static str {
    match t {
        RunText::Run => "Exécution",
        RunText::RunOf => "Exécution de",
        RunText::Stop => "Arrêter",
        RunText::CallsInFlightFinishResumeWill => "(les appels en cours se terminent ; « Reprendre » enverra le reste)",
        RunText::Resume => "Reprendre",
        RunText::NothingDoneIsSentAgain => "(rien de ce qui est fait ne sera renvoyé)",
        RunText::RunTheFailuresAgain => "Relancer les échecs",
        RunText::RunTheFailuresAgain2 => "Relancer les échecs ?",
        RunText::RunAgain => "Relancer",
        RunText::Cancel => "Annuler",
        RunText::Results => "Résultats",
        RunText::DownloadTheResultsXLSX => "Télécharger les résultats (XLSX)",
        RunText::DownloadTheResultsCSV => "Télécharger les résultats (CSV)",
        RunText::FilterByStatus => "Filtre par statut",
        RunText::All => "Toutes",
        RunText::MostFrequentErrors => "Erreurs les plus fréquentes",
        RunText::TheFirst500RowsTheResults => "Les 500 premières lignes ; le fichier de résultats les a toutes.",
        RunText::Row => "ligne",
        RunText::DossierCode => "code dossier",
        RunText::Name => "nom",
        RunText::Status => "statut",
        RunText::Advice => "conseil",
        RunText::ThisRunWasMadeWithThe => "Cette exécution a été faite avec la clé d'API",
        RunText::ThisPageSKeyIs => "la clé de cette page est",
        RunText::IfItIsTheSameFirm => {
            "Si c'est la nouvelle clé du même cabinet (l'ancienne a été refusée ou remplacée), reprenez avec elle : rien de ce qui est fait ne sera renvoyé."
        }
        RunText::ResumeWithTheNewKey => "Reprendre avec la nouvelle clé",
        RunText::CloseWithoutResuming => "Clore sans reprendre",
        RunText::CloseWithoutResumingQ => "Clore cette exécution sans la reprendre ?",
        RunText::WhatClosingDoes => {
            "Les appels qu'elle n'a pas envoyés ne le seront jamais par elle (une nouvelle exécution pourra les envoyer) ; ceux partis sans réponse deviennent « à vérifier » (A_VERIFIER) : vérifiez-les dans Loop, puis notez-les avec « Vérifié » sur ses résultats. Elle ne pourra plus être reprise."
        }
        RunText::Close => "Clore",
        RunText::TheKeyChangedNothingWasSent => {
            "Rien n'a été envoyé : la clé d'API de cette page n'est pas celle avec laquelle l'exécution a commencé."
        }
    }
}

pub(super) fn sheet(t: SheetText) -> &'static str {
    match t {
        SheetText::ChooseAnotherFile => "Choisir un autre fichier",
        SheetText::SheetsLoaded => "Tableurs chargés",
        SheetText::KeptOnThisComputerWhileThe => {
            "Gardés sur cet ordinateur tant que la page les utilise (un jour au plus) : supprimez ceux dont vous n'avez plus besoin."
        }
        SheetText::NoSheetLoaded => "Aucun tableur chargé.",
        SheetText::Sheet => "tableur",
        SheetText::Rows => "lignes",
        SheetText::Actions => "actions",
        SheetText::Open => "Ouvrir",
        SheetText::Delete => "Supprimer",
        SheetText::ThisSheetIsNoLongerLoaded => "Ce tableur n'est plus chargé : choisissez-le de nouveau.",
    }
}

pub(super) fn history(t: HistoryText) -> &'static str {
    match t {
        HistoryText::History => "Historique",
        HistoryText::WhatLoopbatchDidCallByCall => {
            "Ce que loopbatch a fait pour un dossier ou une personne, appel par appel, dans l'ordre où c'est arrivé : d'après le registre de cet utilisateur sur cet ordinateur (Cegid Loop ne peut pas être interrogé)."
        }
        HistoryText::DossierCodeOrEMail => "Code dossier ou e-mail",
        HistoryText::SinceOptional => "Depuis le (facultatif, AAAA-MM-JJ ou JJ/MM/AAAA)",
        HistoryText::Search => "Chercher",
        HistoryText::Date => "date",
        HistoryText::Who => "qui (utilisateur, poste)",
        HistoryText::Run => "exécution",
        HistoryText::SheetAndRow => "tableur et ligne",
        HistoryText::Operation => "opération",
        HistoryText::Status => "statut",
        HistoryText::LoopSMessage => "message de Loop",
        HistoryText::RequestId => "requête (request id)",
        HistoryText::Check => "vérification",
        HistoryText::DownloadTheHistoryXLSX => "Télécharger cet historique (XLSX)",
        HistoryText::RunsRecorded => "Exécutions notées, de la plus récente à la plus ancienne",
        HistoryText::SheetRun => "tableur",
        HistoryText::SentTo => "envoyée à",
        HistoryText::Rows => "lignes par statut",
        HistoryText::HistoryOfThisDossier => "Historique de ce dossier",
        HistoryText::HistoryOfThisEMail => "Historique de cet e-mail",
        HistoryText::Calls => "Appels notés",
        HistoryText::Dossier => "dossier",
        HistoryText::EMail => "e-mail",
        HistoryText::CallSentTo => "envoyé à",
        HistoryText::SimulatorMark => "SIMULATEUR — rien n'est allé à Cegid Loop",
        HistoryText::SimulatorShort => "simulateur",
    }
}

pub(super) fn answer(t: AnswerText) -> &'static str {
    match t {
        AnswerText::SimulatorKeys => "celles du simulateur intégré",
        AnswerText::NoKeys => {
            "aucune : saisissez ci-dessous la clé d'abonnement et la clé d'API du cabinet (votre contact Cegid vous les donne)."
        }
        AnswerText::KeysUnchanged => "Clés inchangées",
        AnswerText::DemoKeysCannotChange => {
            "En démonstration, les clés du simulateur intégré sont utilisées et ne peuvent pas être changées. Pour travailler avec vos propres clés : Quitter (en haut de la page), puis rouvrez loopbatch hors démonstration (le raccourci habituel, sans --demo) ; vos clés se donnent alors sur l'accueil."
        }
        AnswerText::KeysRefused => "Clés refusées",
        AnswerText::GiveBothKeys => {
            "Donnez la clé d'abonnement et la clé d'API de la forme IDCLE:SECRET (identifiant de clé, deux-points, secret)."
        }
        AnswerText::KeysNotSaved => "Clés non enregistrées",
        AnswerText::ThisCouldNotBeDone => "Cela n'a pas pu se faire",
        AnswerText::YouMayCloseThisTab => "Vous pouvez fermer cet onglet.",
        AnswerText::LoopbatchHasStopped => "loopbatch est arrêté",
        AnswerText::RunGoingStopItFirst => "Cette exécution tourne : arrêtez-la d'abord.",
        AnswerText::RunGoingElsewhere => {
            "Cette exécution tourne encore (ailleurs que dans cette page) : rien n'a été supprimé. Attendez sa fin, puis recommencez."
        }
        AnswerText::KeptRuns => "Exécutions gardées",
        AnswerText::RunDeletedRegistreHeld => {
            "Exécution supprimée. Un autre programme lit le registre en ce moment : une copie de ses données personnelles y reste jusqu'à ce qu'il le relâche. Fermez-le (une copie, une sauvegarde) : la prochaine suppression ou la prochaine fin d'exécution finira l'effacement."
        }
        AnswerText::ConfirmationNoLongerHolds => {
            "Cette confirmation ne vaut plus : elle a déjà servi, une exécution a démarré depuis, ou le tableur a changé. Affichez le plan de nouveau, puis confirmez."
        }
        AnswerText::RunAlreadyGoingInPage => {
            "Une exécution est déjà en cours dans cette page : attendez sa fin, ou arrêtez-la, avant d'en lancer une autre."
        }
        AnswerText::KeyNoLongerShown => {
            "La clé d'API n'est plus celle que la confirmation montrait : rien n'a été envoyé. Rouvrez l'exécution pour confirmer de nouveau."
        }
        AnswerText::NothingToRunAgain => {
            "Rien à relancer : les lignes qui n'ont pas abouti sont invalides (corrigez-les dans le tableur, puis vérifiez-le de nouveau) ou à vérifier dans Loop. Aucune exécution n'a été créée."
        }
        AnswerText::SeeTheRun => "Voir l'exécution",
        AnswerText::RunUnknown => "Cette exécution est inconnue de cette page.",
        AnswerText::PortfolioFileName => "portefeuille-loophub.xlsx",
        AnswerText::CallsDone => "Appels faits",
        AnswerText::Running => "en cours",
        AnswerText::Done => "terminée",
        AnswerText::Stopped => "arrêtée",
        AnswerText::CouldNotStart => "impossible à lancer",
        AnswerText::EtaBeingWorkedOut => "fin estimée : calcul en cours",
    }
}

pub(super) fn memory_counts(done: usize, to_send: usize, held: usize, tenant: &str) -> String {
    match held {
        0 => {
            format!("{done} ligne(s) déjà faite(s), {to_send} à envoyer (selon la mémoire du registre pour {tenant}).")
        }
        _ => format!(
            "{done} ligne(s) déjà faite(s), {to_send} à envoyer, {held} en attente : à vérifier ou en cours ailleurs (selon la mémoire du registre pour {tenant})."
        ),
    }
}

pub(super) fn memory_calls(to_send: usize, planned: usize) -> String {
    match to_send {
        0 => format!(
            "Le plan ci-dessous décrit ses {planned} appels, mais aucun ne partira : ils sont déjà faits, ou en attente (voir ci-dessus)."
        ),
        1 => format!(
            "Le plan ci-dessous décrit ses {planned} appels, mais un seul partira : les autres sont déjà faits, ou en attente (voir ci-dessus)."
        ),
        n => format!(
            "Le plan ci-dessous décrit ses {planned} appels, mais {n} seulement partiront : les autres sont déjà faits, ou en attente (voir ci-dessus)."
        ),
    }
}

pub(super) const MEMORY_LIMITS: &str = "Le registre ne connaît que ce que loopbatch a fait pour cet utilisateur sur ce poste : les exécutions d'un collègue, d'un autre poste, ou une modification faite à la main dans Loop n'y sont pas.";

pub(super) fn verify(t: VerifyText) -> &'static str {
    match t {
        VerifyText::Column => "vérifié dans Loop",
        VerifyText::Done => "Vérifié : fait dans Loop",
        VerifyText::NotDone => "Vérifié : pas fait dans Loop",
        VerifyText::Recorded => {
            "Vérification notée dans le registre : la prochaine exécution du tableur en tiendra compte."
        }
    }
}

pub(super) const PLAIN_LOOPBACK: &str = "Attention : cette adresse locale ne donne pas d'identifiant d'instance ; un serveur redémarré vide à cette adresse serait pris pour le même, et ce que le registre y sait fait ne serait pas renvoyé.";
pub(super) const SEND_ALL: &str = "Tout renvoyer, même ce que le registre sait déjà fait";

pub(super) fn held(t: HeldText) -> &'static str {
    match t {
        HeldText::Title => "Lignes à vérifier, retenues",
        HeldText::Why => {
            "Un appel de chacune de ces lignes est resté sans réponse sûre (A_VERIFIER) lors d'une exécution précédente : il n'est pas renvoyé, car il a peut-être abouti dans Loop. Sauf si vous les cochez, ces lignes restent A_VERIFIER."
        }
        HeldText::Risk => {
            "Regardez d'abord dans Loop. Cochez « renvoyer quand même » seulement pour une ligne que vous savez non faite : si l'appel avait en fait abouti, le renvoyer peut créer un doublon dans Loop (ou Loop répondra « déjà associé »). Vous pouvez aussi noter ce que vous avez vu avec les boutons « Vérifié » de l'écran de l'exécution : la ligne sera alors traitée sans cette question."
        }
        HeldText::Caption => "Lignes retenues parce qu'un de leurs appels est à vérifier dans Loop",
        HeldText::Sheet => "Feuille",
        HeldText::Line => "Ligne",
        HeldText::Dossier => "Code dossier",
        HeldText::Email => "E-mail",
        HeldText::Run => "À vérifier depuis",
        HeldText::Choice => "Votre choix",
        HeldText::SendAgainAnyway => "renvoyer quand même",
        HeldText::TickedGoToo => {
            "Les lignes à vérifier cochées « renvoyer quand même » partent aussi, avec leurs appels en plus de ce nombre."
        }
    }
}

//! Les phrases du moteur sur un appel, en français.

use super::*;

fn route_unknown(route: RouteHint<'_>) -> String {
    let since = crate::loop_api::ADD_OFFER_DEPRECATED_SINCE;
    match route {
        RouteHint::Call { operation: Operation::AddOffer, route } => format!(
            "la passerelle ne connaît pas la route {route} (addOffer, l'offre au niveau du dossier) : Cegid l'a déclarée obsolète le {since}, elle a peut-être été retirée. Pour continuer sans elle : mettez onboarding_add_offer = false dans loopbatch.toml, activez l'offre de ces dossiers dans LoopHub, puis relancez les lignes non faites avec --only-failed et les résultats de cette exécution (pas --resume : le plan gardé contient encore addOffer). Un changement d'offre au niveau du dossier (ligne sans e-mail) n'a pas d'autre route : faites-le dans LoopHub"
        ),
        RouteHint::Call { operation, route } => format!(
            "la passerelle ne connaît pas la route {route} ({}) : elle a peut-être été retirée, ou l'adresse (base_url) ou la méthode ne sont pas les bonnes ; vérifiez base_url et [routes] dans loopbatch.toml",
            operation.name()
        ),
        RouteHint::LoopHub => "route inconnue de la passerelle : la route LoopHub n'est pas documentée, réglez [routes] loophub et loophub_method dans loopbatch.toml".into(),
    }
}

pub(super) fn call(c: &CallText<'_>) -> String {
    match c {
        CallText::Fatal { kind, status, message, route } => {
            let what = match kind {
                FatalKind::SubscriptionKey => {
                    "clé d'abonnement refusée par la passerelle (LOOP_SUBSCRIPTION_KEY)".into()
                }
                FatalKind::ApiKey => "clé d'API refusée (LOOP_API_KEY, format IDCLE:SECRET)".into(),
                FatalKind::Forbidden => "accès interdit par la passerelle".into(),
                FatalKind::RouteNotFound => route_unknown(*route),
            };
            with_status(&what, *status, message)
        }
        CallText::FatalRow { kind: FatalKind::SubscriptionKey, status, message, .. } => {
            with_status("clé d'abonnement refusée par la passerelle", *status, message)
        }
        CallText::FatalRow { kind: FatalKind::ApiKey, status, message, .. } => {
            with_status("clé d'API refusée", *status, message)
        }
        CallText::FatalRow { kind, status, message, route } => {
            call(&CallText::Fatal { kind: *kind, status: *status, message, route: *route })
        }
        CallText::Transport(TransportFault::Timeout) => "délai d'attente dépassé".into(),
        CallText::Transport(TransportFault::Connect) => "connexion impossible".into(),
        CallText::Transport(TransportFault::Cut) => "connexion coupée avant la réponse".into(),
        CallText::EmailTakenToCheck { email, person, dossier, message } => format!(
            "à vérifier dans Loop : un envoi précédent est parti sans réponse reçue, et le nouvel envoi répond que l'e-mail {email} ({person}) est déjà associé. Ouvrez le dossier {dossier} dans Loop : si cet interlocuteur y figure, il a été créé par l'envoi précédent (rien à faire) ; sinon l'e-mail appartient à quelqu'un d'autre : corrigez-le dans le tableur, puis relancez les échecs. ({message})"
        ),
        CallText::DependencyFailed { dep, operation, dossier } => {
            format!("non envoyé : l'appel {dep} ({operation} {dossier}) dont il dépend n'a pas abouti")
        }
        CallText::Confirmed { message } => format!("(réponse perdue à une tentative précédente, confirmé) {message}"),
        CallText::LostThenAnswered { message } => format!("réponse perdue, puis au nouvel envoi : {message}"),
        CallText::LostTooOften { failures, contact, dossier, detail } => {
            let what = match contact {
                Some((person, email)) => format!("interlocuteur {person} ({email}) sur le dossier {dossier}"),
                None => format!("dossier {dossier}"),
            };
            format!(
                "réponse perdue {failures} fois : l'appel a peut-être été appliqué, vérifiez dans Loop avant de relancer : {what} ({detail})"
            )
        }
        CallText::GaveUp { detail, attempts: 1 } => format!("{detail} (après 1 tentative)"),
        CallText::GaveUp { detail, attempts } => format!("{detail} (après {attempts} tentatives)"),
    }
}

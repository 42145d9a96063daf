//! The engine's sentences about one call, in English.

use super::*;

fn route_unknown(route: RouteHint<'_>) -> String {
    let since = crate::loop_api::ADD_OFFER_DEPRECATED_SINCE;
    match route {
        RouteHint::Call { operation: Operation::AddOffer, route } => format!(
            "the gateway does not know the route {route} (addOffer, the dossier-level offer): Cegid declared it deprecated on {since}, it may have been withdrawn. To go on without it: set onboarding_add_offer = false in loopbatch.toml, activate the offer of these dossiers in LoopHub, then run the rows not done again with --only-failed and this run's results (not --resume: the kept plan still holds addOffer). A dossier-level offer change (a row without e-mail) has no other route: do it in LoopHub"
        ),
        RouteHint::Call { operation, route } => format!(
            "the gateway does not know the route {route} ({}): it may have been withdrawn, or the address (base_url) or the method may be wrong; check base_url and [routes] in loopbatch.toml",
            operation.name()
        ),
        RouteHint::LoopHub => "route unknown to the gateway: the LoopHub route is undocumented, set [routes] loophub and loophub_method in loopbatch.toml".into(),
    }
}

pub(super) fn call(c: &CallText<'_>) -> String {
    match c {
        CallText::Fatal { kind, status, message, route } => {
            let what = match kind {
                FatalKind::SubscriptionKey => "subscription key refused by the gateway (LOOP_SUBSCRIPTION_KEY)".into(),
                FatalKind::ApiKey => "API key refused (LOOP_API_KEY, format KEYID:SECRET)".into(),
                FatalKind::Forbidden => "access forbidden by the gateway".into(),
                FatalKind::RouteNotFound => route_unknown(*route),
            };
            with_status(&what, *status, message)
        }
        CallText::FatalRow { kind: FatalKind::SubscriptionKey, status, message, .. } => {
            with_status("subscription key refused by the gateway", *status, message)
        }
        CallText::FatalRow { kind: FatalKind::ApiKey, status, message, .. } => {
            with_status("API key refused", *status, message)
        }
        CallText::FatalRow { kind, status, message, route } => {
            call(&CallText::Fatal { kind: *kind, status: *status, message, route: *route })
        }
        CallText::Transport(TransportFault::Timeout) => "timed out".into(),
        CallText::Transport(TransportFault::Connect) => "cannot connect".into(),
        CallText::Transport(TransportFault::Cut) => "connection cut before the answer".into(),
        CallText::EmailTakenToCheck { email, person, dossier, message } => format!(
            "check in Loop: an earlier attempt went out without an answer received, and the resend answers that the e-mail {email} ({person}) is already taken. Open dossier {dossier} in Loop: if this contact is there, the earlier attempt created it (nothing to do); otherwise the e-mail belongs to someone else: correct it in the sheet, then run the failures again. ({message})"
        ),
        CallText::DependencyFailed { dep, operation, dossier } => {
            format!("not sent: call {dep} ({operation} {dossier}) it depends on did not succeed")
        }
        CallText::Confirmed { message } => format!("(answer lost on an earlier attempt, confirmed) {message}"),
        CallText::LostThenAnswered { message } => format!("answer lost, then on resending: {message}"),
        CallText::LostTooOften { failures, contact, dossier, detail } => {
            let what = match contact {
                Some((person, email)) => format!("contact {person} ({email}) on dossier {dossier}"),
                None => format!("dossier {dossier}"),
            };
            format!(
                "answer lost {failures} times: the call may have been applied, check in Loop before running it again: {what} ({detail})"
            )
        }
        CallText::GaveUp { detail, attempts: 1 } => format!("{detail} (after 1 attempt)"),
        CallText::GaveUp { detail, attempts } => format!("{detail} (after {attempts} attempts)"),
    }
}

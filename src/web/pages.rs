//! The page's HTML, server-rendered with maud: every value from a sheet or
//! an answer is escaped by the template engine itself. No inline script,
//! no event-handler attribute: `/static/page.js` attaches behaviour by
//! `data-*` hooks (stable, for automated tests too).

use maud::{DOCTYPE, Markup, html};

use crate::job::Lang;

pub(super) fn layout(lang: Lang, title: &str, simulation: bool, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang=(if lang == Lang::En { "en" } else { "fr" }) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " — loopbatch" }
                link rel="stylesheet" href="/static/page.css";
                script src="/static/page.js" defer {}
            }
            body {
                @if simulation {
                    p.simulation role="status" data-testid="simulation" {
                        (lang.t("Simulation : les appels vont au simulateur intégré, pas à Cegid Loop.",
                                "Simulation: calls go to the embedded simulator, not to Cegid Loop."))
                    }
                }
                header {
                    a.home href="/" { "loopbatch" }
                    form.lang method="post" action="/langue" {
                        @if lang == Lang::En {
                            input type="hidden" name="langue" value="fr";
                            button type="submit" lang="fr" data-testid="lang" { "Français" }
                        } @else {
                            input type="hidden" name="langue" value="en";
                            button type="submit" lang="en" data-testid="lang" { "English" }
                        }
                    }
                    a.button href="#quitter" data-testid="quit" { (lang.t("Quitter", "Quit")) }
                }
                section #quitter .confirm role="dialog" aria-labelledby="quitter-titre" {
                    h2 #quitter-titre { (lang.t("Quitter loopbatch ?", "Quit loopbatch?")) }
                    p { (lang.t(
                        "La page se ferme. Une exécution en cours sera arrêtée : les appels en cours se terminent et ses résultats sont écrits ; vous pourrez la reprendre en relançant loopbatch, depuis « Exécutions gardées ».",
                        "The page closes. A run going will be stopped: calls in flight finish and its results are written; you can resume it by starting loopbatch again, from “Kept runs”.")) }
                    form method="post" action="/quitter" {
                        button type="submit" data-testid="confirm-quit" { (lang.t("Quitter", "Quit")) }
                        " " a href="#" { (lang.t("Annuler", "Cancel")) }
                    }
                }
                main { (body) }
            }
        }
    }
}

/// What a request without the session gets, and nothing else.
pub(super) fn refused(lang: Lang) -> Markup {
    layout(
        lang,
        "loopbatch",
        false,
        html! {
            h1 { (lang.t("Ouvrez loopbatch depuis sa propre fenêtre", "Open loopbatch from its own window")) }
            p { (lang.t(
                "Cette page ne s'ouvre que depuis loopbatch : lancez loopbatch (ou « loopbatch ui ») sur cet ordinateur, il ouvre la page lui-même.",
                "This page only opens from loopbatch: start loopbatch (or “loopbatch ui”) on this computer, it opens the page itself.")) }
        },
    )
}

pub(super) fn message(lang: Lang, title: &str, text: &str) -> Markup {
    failed(lang, title, text, None)
}

/// What could not be done, and the button to the next step: `next` (its
/// words and address), else back to the page before (the sheet being
/// fixed keeps its fixes: they live in the server) or home.
pub(super) fn failed(lang: Lang, title: &str, text: &str, next: Option<(&str, &str)>) -> Markup {
    layout(
        lang,
        title,
        false,
        html! {
            h1 { (title) }
            p role="alert" data-testid="failure" { (text) }
            p.next {
                @if let Some((words, href)) = next {
                    a.button href=(href) data-testid="next-step" { (words) }
                } @else {
                    a.button href="/" data-back="true" data-testid="next-step" { (lang.t("Revenir à la page précédente", "Back to the page before")) }
                }
                " " a href="/" { (lang.t("Accueil", "Home")) }
            }
        },
    )
}

/// The last page, after « Quitter »: nothing left to click.
pub(super) fn goodbye(lang: Lang, title: &str, text: &str) -> Markup {
    html! {
        (DOCTYPE)
        html lang=(if lang == Lang::En { "en" } else { "fr" }) {
            head { meta charset="utf-8"; title { (title) " — loopbatch" } link rel="stylesheet" href="/static/page.css"; }
            body { main { h1 { (title) } p role="status" data-testid="goodbye" { (text) } } }
        }
    }
}

/// The first screen: choose a sheet (choosing it starts the check).
pub(super) fn home(
    lang: Lang,
    simulation: bool,
    limit_mb: u64,
    keys: &str,
    going: Option<(String, String)>,
    back: Option<&str>,
) -> Markup {
    layout(
        lang,
        lang.t("Tableur", "Sheet"),
        simulation,
        html! {
            @if let Some((id, name)) = &going {
                p.simulation role="status" data-testid="run-going" {
                    (lang.t("Une exécution est en cours :", "A run is going:")) " " (name) ". "
                    a href=(format!("/execution/{id}")) data-testid="open-run-going" { (lang.t("Suivre l'exécution", "Follow the run")) }
                }
            }
            h1 { (lang.t("Vérifier un tableur", "Check a sheet")) }
            form method="post" action="/feuille" enctype="multipart/form-data" data-testid="upload" {
                label for="sheet" { (lang.t("Tableur (CSV, XLSX, XLSB, XLS, ODS)", "Sheet (CSV, XLSX, XLSB, XLS, ODS)")) }
                input #sheet type="file" name="sheet" data-testid="sheet"
                    accept=".csv,.tsv,.txt,.xlsx,.xlsm,.xlsb,.xls,.ods";
                details {
                    summary { (lang.t("Options de lecture", "Reading options")) }
                    label for="sheet-name" { (lang.t("Feuille (sinon toutes celles qui ont une colonne code dossier)", "Sheet (else every sheet with a code dossier column)")) }
                    input #sheet-name type="text" name="feuille";
                    label for="encoding" { (lang.t("Encodage d'un CSV", "A CSV's encoding")) }
                    select #encoding name="encodage" {
                        option value="" { (lang.t("détecté", "detected")) }
                        option value="utf-8" { "UTF-8" }
                        option value="windows-1252" { "Windows-1252 (Excel)" }
                        option value="utf-16le" { "UTF-16 LE" }
                        option value="utf-16be" { "UTF-16 BE" }
                    }
                    label for="delimiter" { (lang.t("Séparateur d'un CSV", "A CSV's delimiter")) }
                    select #delimiter name="separateur" {
                        option value="" { (lang.t("détecté", "detected")) }
                        option value=";" { ";" } option value="," { "," } option value="tab" { (lang.t("tabulation", "tab")) } option value="|" { "|" }
                    }
                }
                button type="submit" { (lang.t("Vérifier", "Check")) }
                p.hint { (lang.t("Taille maximale :", "Largest file:")) " " (limit_mb) " Mo. "
                    (lang.t("Le fichier reste sur cet ordinateur.", "The file stays on this computer.")) }
            }
            p { a href="/executions" data-testid="stored-runs" { (lang.t("Exécutions gardées", "Kept runs")) } }
            h2 { (lang.t("Modèles à remplir", "Templates to fill in")) }
            ul.templates {
                li { (lang.t("Arrivée de nouveaux dossiers (onboarding) :", "New dossiers (onboarding):")) " "
                    a href="/modeles/modele-onboarding.xlsx" download data-testid="template-onboarding" { "XLSX" } " · "
                    a href="/modeles/modele-onboarding.csv" download { "CSV" } }
                li { (lang.t("Opérations sur des dossiers existants (offres, interlocuteurs) :", "Operations on existing dossiers (offers, contacts):")) " "
                    a href="/modeles/modele-operations.xlsx" download data-testid="template-operations" { "XLSX" } " · "
                    a href="/modeles/modele-operations.csv" download { "CSV" } }
            }
            h2 { (lang.t("Portefeuille LoopHub", "LoopHub portfolio")) }
            form.portfolio method="post" action="/portefeuille" data-testid="portfolio" {
                p.hint { (lang.t(
                    "Les dossiers du cabinet en tableur prêt à remplir (action, offre, ancienne_offre) pour un changement d'offres en masse. Filtres facultatifs.",
                    "The cabinet's dossiers as a sheet ready to fill in (action, offre, ancienne_offre) for a bulk change of offers. Filters are optional.")) }
                label for="recherche" { (lang.t("Recherche (au moins 3 caractères du code ou du nom)", "Search (at least 3 characters of the code or name)")) }
                input #recherche type="text" name="recherche";
                label for="maitre" { (lang.t("Maître de dossier (e-mail)", "Dossier master (e-mail)")) }
                input #maitre type="email" name="maitre";
                label for="manager" { (lang.t("Engagement manager (e-mail)", "Engagement manager (e-mail)")) }
                input #manager type="email" name="manager";
                label for="domaine" { (lang.t("Domaine du cabinet (sinon celui de la configuration)", "The cabinet's domain (else the configuration's)")) }
                input #domaine type="text" name="domaine";
                button type="submit" data-testid="export-portfolio" { (lang.t("Télécharger le portefeuille", "Download the portfolio")) }
            }
            (keys_form(lang, simulation, keys, back))
        },
    )
}

/// The keys: how they are kept, and the form to give them (then back to
/// `back`, the screen that asked).
fn keys_form(lang: Lang, simulation: bool, keys: &str, back: Option<&str>) -> Markup {
    html! {
            h2 #cles { (lang.t("Clés", "Keys")) }
            p data-testid="keys" { (lang.t("Clés :", "Keys:")) " " (keys) }
            @if !simulation {
                @if let Some(b) = back {
                    p.simulation role="note" data-testid="keys-needed" { (lang.t(
                        "Pour envoyer, loopbatch a besoin des clés Cegid Loop du cabinet. Saisissez-les ici : vous reviendrez ensuite au plan, avec le tableur et ses corrections.",
                        "To send, loopbatch needs the firm's Cegid Loop keys. Type them here: you will then go back to the plan, with the sheet and its fixes.")) }
                    input type="hidden" form="keys-form" name="retour" value=(b);
                }
                form #keys-form method="post" action="/cles" autocomplete="off" {
                    label for="abonnement" { (lang.t("Clé d'abonnement (votre contact Cegid)", "Subscription key (from your Cegid contact)")) }
                    input #abonnement type="password" name="abonnement" autocomplete="off";
                    label for="api" { (lang.t("Clé d'API (IDCLE:SECRET, générée sur CegidLife)", "API key (KEYID:SECRET, generated on CegidLife)")) }
                    input #api type="password" name="api" autocomplete="off";
                    fieldset {
                        legend { (lang.t("Garder les clés", "Keep the keys")) }
                        label { input type="radio" name="garder" value="session" checked; " " (lang.t("pour cette session seulement (en mémoire)", "for this session only (in memory)")) }
                        label { input type="radio" name="garder" value="enregistrer"; " " (lang.t("enregistrées pour cet utilisateur (toutes les commandes les liront)", "saved for this user (every command will read them)")) }
                    }
                    button type="submit" data-testid="save-keys" { (lang.t("Utiliser ces clés", "Use these keys")) }
                }
            }
    }
}

/// A run kept in the per-user folder.
pub(super) struct Stored {
    pub id: String,
    pub files: crate::job::RunFiles,
    pub sheet: String,
    pub when: String,
    /// Rows per status in its results, when they were written.
    pub counts: Option<std::collections::BTreeMap<String, usize>>,
    pub unfinished: bool,
    pub plan_hash: Option<String>,
    /// Where it went (endpoint, simulator instance), from its journal.
    pub target: Option<String>,
}

/// A kept run's rows per status, or that it has no results yet.
pub(super) fn counts(run: &Stored, lang: Lang) -> Markup {
    html! {
        @match &run.counts {
            Some(c) => { @for (word, n) in c { (word) " " (n) " " } }
            None => { (lang.t("pas encore de résultats", "no results yet")) }
        }
    }
}

/// The runs kept in the per-user folder: open, resume, delete.
pub(super) fn stored_runs(
    runs: &[Stored],
    going: Option<&str>,
    uploads: Markup,
    lang: Lang,
    simulation: bool,
) -> Markup {
    layout(
        lang,
        lang.t("Exécutions gardées", "Kept runs"),
        simulation,
        html! {
            h1 { (lang.t("Exécutions gardées", "Kept runs")) }
            p { (lang.t(
                "Elles contiennent des données personnelles de clients : supprimez celles dont vous n'avez plus besoin.",
                "They hold clients' personal data: delete those you no longer need.")) }
            table data-testid="runs" {
                thead { tr {
                    th scope="col" { (lang.t("date", "date")) } th scope="col" { (lang.t("tableur", "sheet")) }
                    th scope="col" { (lang.t("lignes", "rows")) } th scope="col" { (lang.t("envoyée à", "sent to")) }
                    th scope="col" { (lang.t("actions", "actions")) }
                } }
                tbody { @for r in runs {
                    @let is_going = going == Some(r.id.as_str());
                    tr data-testid="stored-run" data-run=(r.id) data-unfinished=(r.unfinished) data-going=(is_going) {
                        td { (r.when) } td { (r.sheet) }
                        td { @if is_going { strong { (lang.t("en cours", "going")) } } @else { (counts(r, lang)) } }
                        td data-testid="run-target" { (r.target.as_deref().unwrap_or("—")) }
                        td {
                            @if is_going {
                                a href=(format!("/execution/{}", r.id)) data-testid="follow-run" { (lang.t("Suivre l'exécution en cours", "Follow the run going")) }
                            } @else {
                                a href=(format!("/execution/{}", r.id)) { (lang.t("Ouvrir", "Open")) }
                                @if r.unfinished {
                                    form.inline method="post" action=(format!("/execution/{}/reprise", r.id)) {
                                        button type="submit" data-testid="resume" { (lang.t("Reprendre", "Resume")) }
                                    }
                                }
                                " " a.button href=(format!("#supprimer-{}", r.id)) data-testid="delete-run" { (lang.t("Supprimer", "Delete")) }
                            }
                        }
                    }
                } }
            }
            @for r in runs.iter().filter(|r| going != Some(r.id.as_str())) {
                section.confirm id=(format!("supprimer-{}", r.id)) role="dialog" aria-labelledby=(format!("supprimer-titre-{}", r.id)) data-testid="delete-dialog" {
                    h2 id=(format!("supprimer-titre-{}", r.id)) { (lang.t("Supprimer cette exécution ?", "Delete this run?")) }
                    p { (lang.t("L'exécution de", "The run of")) " " strong { (r.sheet) } " (" (r.when) ") "
                        (lang.t(
                            "et ses fichiers (résultats, journal, plan) seront effacés de cet ordinateur. Cela ne peut pas être défait ; ce qui a été fait dans Cegid Loop y reste.",
                            "and its files (results, journal, plan) will be erased from this computer. This cannot be undone; what was done in Cegid Loop stays there.")) }
                    form method="post" action=(format!("/execution/{}/suppression", r.id)) {
                        button type="submit" data-testid="confirm-delete" { (lang.t("Supprimer", "Delete")) }
                        " " a href="#" { (lang.t("Annuler", "Cancel")) }
                    }
                }
            }
            (uploads)
        },
    )
}

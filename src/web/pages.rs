//! The page's HTML, server-rendered with maud: every value from a sheet or
//! an answer is escaped by the template engine itself. No inline script,
//! no event-handler attribute: `/static/page.js` attaches behaviour by
//! `data-*` hooks (stable, for automated tests too).

use maud::{DOCTYPE, Markup, html};

use crate::job::{self, Lang};
use crate::messages::{HistoryText, HomeText};

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
                        (HomeText::SimulationCallsGoToTheEmbedded.say(lang))
                    }
                }
                header {
                    a.home href="/" { "loopbatch" }
                    a.nav href="/historique" data-testid="history-link" { (HistoryText::History.say(lang)) }
                    form.lang method="post" action="/langue" {
                        @if lang == Lang::En {
                            input type="hidden" name="langue" value="fr";
                            button type="submit" lang="fr" data-testid="lang" { "Français" }
                        } @else {
                            input type="hidden" name="langue" value="en";
                            button type="submit" lang="en" data-testid="lang" { "English" }
                        }
                    }
                    a.button href="#quitter" data-testid="quit" { (HomeText::Quit.say(lang)) }
                }
                section #quitter .confirm role="dialog" aria-labelledby="quitter-titre" {
                    h2 #quitter-titre { (HomeText::QuitLoopbatch.say(lang)) }
                    p { (HomeText::ThePageClosesARunGoing.say(lang)) }
                    form method="post" action="/quitter" {
                        button type="submit" data-testid="confirm-quit" { (HomeText::Quit.say(lang)) }
                        " " a href="#" { (HomeText::Cancel.say(lang)) }
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
            h1 { (HomeText::OpenLoopbatchFromItsOwnWindow.say(lang)) }
            p { (HomeText::ThisPageOnlyOpensFromLoopbatch.say(lang)) }
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
                    a.button href="/" data-back="true" data-testid="next-step" { (HomeText::BackToThePageBefore.say(lang)) }
                }
                " " a href="/" { (HomeText::Home.say(lang)) }
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
        HomeText::Sheet.say(lang),
        simulation,
        html! {
            @if let Some((id, name)) = &going {
                p.simulation role="status" data-testid="run-going" {
                    (HomeText::ARunIsGoing.say(lang)) " " (name) ". "
                    a href=(format!("/execution/{id}")) data-testid="open-run-going" { (HomeText::FollowTheRun.say(lang)) }
                }
            }
            h1 { (HomeText::CheckASheet.say(lang)) }
            form method="post" action="/feuille" enctype="multipart/form-data" data-testid="upload" {
                label for="sheet" { (HomeText::SheetCSVXLSXXLSBXLSODS.say(lang)) }
                input #sheet type="file" name="sheet" data-testid="sheet"
                    accept=".csv,.tsv,.txt,.xlsx,.xlsm,.xlsb,.xls,.ods";
                details {
                    summary { (HomeText::ReadingOptions.say(lang)) }
                    label for="sheet-name" { (HomeText::SheetElseEverySheetWithA.say(lang)) }
                    input #sheet-name type="text" name="feuille";
                    label for="encoding" { (HomeText::ACSVSEncoding.say(lang)) }
                    select #encoding name="encodage" {
                        option value="" { (HomeText::Detected.say(lang)) }
                        option value="utf-8" { "UTF-8" }
                        option value="windows-1252" { "Windows-1252 (Excel)" }
                        option value="utf-16le" { "UTF-16 LE" }
                        option value="utf-16be" { "UTF-16 BE" }
                    }
                    label for="delimiter" { (HomeText::ACSVSDelimiter.say(lang)) }
                    select #delimiter name="separateur" {
                        option value="" { (HomeText::Detected.say(lang)) }
                        option value=";" { ";" } option value="," { "," } option value="tab" { (HomeText::Tab.say(lang)) } option value="|" { "|" }
                    }
                }
                button type="submit" { (HomeText::Check.say(lang)) }
                p.hint { (HomeText::LargestFile.say(lang)) " " (limit_mb) " Mo. "
                    (HomeText::TheFileStaysOnThisComputer.say(lang)) }
            }
            p { a href="/executions" data-testid="stored-runs" { (HomeText::KeptRuns.say(lang)) } }
            h2 { (HomeText::TemplatesToFillIn.say(lang)) }
            ul.templates {
                li { (HomeText::NewDossiersOnboarding.say(lang)) " "
                    a href="/modeles/modele-onboarding.xlsx" download data-testid="template-onboarding" { "XLSX" } " · "
                    a href="/modeles/modele-onboarding.csv" download { "CSV" } }
                li { (HomeText::OperationsOnExistingDossiersOffersContacts.say(lang)) " "
                    a href="/modeles/modele-operations.xlsx" download data-testid="template-operations" { "XLSX" } " · "
                    a href="/modeles/modele-operations.csv" download { "CSV" } }
            }
            h2 { (HomeText::LoopHubPortfolio.say(lang)) }
            form.portfolio method="post" action="/portefeuille" data-testid="portfolio" {
                p.hint { (HomeText::TheCabinetSDossiersAsA.say(lang)) }
                label for="recherche" { (HomeText::SearchAtLeast3CharactersOf.say(lang)) }
                input #recherche type="text" name="recherche";
                label for="maitre" { (HomeText::DossierMasterEMail.say(lang)) }
                input #maitre type="email" name="maitre";
                label for="manager" { (HomeText::EngagementManagerEMail.say(lang)) }
                input #manager type="email" name="manager";
                label for="domaine" { (HomeText::TheCabinetSDomainElseThe.say(lang)) }
                input #domaine type="text" name="domaine";
                button type="submit" data-testid="export-portfolio" { (HomeText::DownloadThePortfolio.say(lang)) }
            }
            (keys_form(lang, simulation, keys, back))
        },
    )
}

/// The keys: how they are kept, and the form to give them (then back to
/// `back`, the screen that asked).
fn keys_form(lang: Lang, simulation: bool, keys: &str, back: Option<&str>) -> Markup {
    html! {
            h2 #cles { (HomeText::Keys.say(lang)) }
            p data-testid="keys" { (HomeText::Keys2.say(lang)) " " (keys) }
            @if !simulation {
                @if let Some(b) = back {
                    p.simulation role="note" data-testid="keys-needed" { (HomeText::ToSendLoopbatchNeedsTheFirm.say(lang)) }
                    input type="hidden" form="keys-form" name="retour" value=(b);
                }
                form #keys-form method="post" action="/cles" autocomplete="off" {
                    label for="abonnement" { (HomeText::SubscriptionKeyFromYourCegidContact.say(lang)) }
                    input #abonnement type="password" name="abonnement" autocomplete="off";
                    label for="api" { (HomeText::APIKeyKEYIDSECRETGeneratedOn.say(lang)) }
                    input #api type="password" name="api" autocomplete="off";
                    fieldset {
                        legend { (HomeText::KeepTheKeys.say(lang)) }
                        label { input type="radio" name="garder" value="session" checked; " " (HomeText::ForThisSessionOnlyInMemory.say(lang)) }
                        label { input type="radio" name="garder" value="enregistrer"; " " (HomeText::SavedForThisUserEveryCommand.say(lang)) }
                    }
                    button type="submit" data-testid="save-keys" { (HomeText::UseTheseKeys.say(lang)) }
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
            // Said in words, the code beside it (as on a run's screen).
            Some(c) => {
                @for (word, n) in c {
                    @let said = job::Status::from_word(word).map_or("", |s| job::status_said(s, lang));
                    div { (said) " — " (n) " " small { "(" (word) ")" } }
                }
            }
            None => { (HomeText::NoResultsYet.say(lang)) }
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
        HomeText::KeptRuns.say(lang),
        simulation,
        html! {
            h1 { (HomeText::KeptRuns.say(lang)) }
            p { (HomeText::TheyHoldClientsPersonalDataDelete.say(lang)) }
            table data-testid="runs" {
                thead { tr {
                    th scope="col" { (HomeText::Date.say(lang)) } th scope="col" { (HomeText::Sheet2.say(lang)) }
                    th scope="col" { (HomeText::Rows.say(lang)) } th scope="col" { (HomeText::SentTo.say(lang)) }
                    th scope="col" { (HomeText::Actions.say(lang)) }
                } }
                tbody { @for r in runs {
                    @let is_going = going == Some(r.id.as_str());
                    tr data-testid="stored-run" data-run=(r.id) data-unfinished=(r.unfinished) data-going=(is_going) {
                        td { (r.when) } td { (r.sheet) }
                        td { @if is_going { strong { (HomeText::Going.say(lang)) } } @else { (counts(r, lang)) } }
                        td data-testid="run-target" { (r.target.as_deref().unwrap_or("—")) }
                        td {
                            @if is_going {
                                a href=(format!("/execution/{}", r.id)) data-testid="follow-run" { (HomeText::FollowTheRunGoing.say(lang)) }
                            } @else {
                                a href=(format!("/execution/{}", r.id)) { (HomeText::Open.say(lang)) }
                                @if r.unfinished {
                                    form.inline method="post" action=(format!("/execution/{}/reprise", r.id)) {
                                        button type="submit" data-testid="resume" { (HomeText::Resume.say(lang)) }
                                    }
                                }
                                " " a.button href=(format!("#supprimer-{}", r.id)) data-testid="delete-run" { (HomeText::Delete.say(lang)) }
                            }
                        }
                    }
                } }
            }
            @for r in runs.iter().filter(|r| going != Some(r.id.as_str())) {
                section.confirm id=(format!("supprimer-{}", r.id)) role="dialog" aria-labelledby=(format!("supprimer-titre-{}", r.id)) data-testid="delete-dialog" {
                    h2 id=(format!("supprimer-titre-{}", r.id)) { (HomeText::DeleteThisRun.say(lang)) }
                    p { (HomeText::TheRunOf.say(lang)) " " strong { (r.sheet) } " (" (r.when) ") "
                        (HomeText::AndItsFilesResultsJournalPlan.say(lang)) }
                    form method="post" action=(format!("/execution/{}/suppression", r.id)) {
                        button type="submit" data-testid="confirm-delete" { (HomeText::Delete.say(lang)) }
                        " " a href="#" { (HomeText::Cancel.say(lang)) }
                    }
                }
            }
            (uploads)
        },
    )
}

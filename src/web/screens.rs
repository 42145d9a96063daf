//! The page's own screens, the only places the language switch (and a
//! screen asking for keys) goes back to: never an address from elsewhere.

/// Whether `path` (and `query`) is a screen of the page: home, the kept
/// runs, the history, a sheet, its plan, a run; ids are the server's own
/// (hex); a query of letters, digits and `=&_-%.+` (a search, encoded).
pub(super) fn own_screen(path: &str, query: Option<&str>) -> bool {
    let id = |s: &str| !s.is_empty() && s.len() <= 64 && s.bytes().all(|b| b.is_ascii_hexdigit());
    let parts: Vec<&str> = path.strip_prefix('/').unwrap_or("-").split('/').collect();
    let screen = match parts.as_slice() {
        [""] | ["executions"] | ["historique"] => true,
        ["feuille", s] | ["feuille", s, "plan"] | ["execution", s] => id(s),
        _ => false,
    };
    let plain = |q: &str| q.len() <= 200 && q.bytes().all(|b| b.is_ascii_alphanumeric() || b"=&_-%.+".contains(&b));
    screen && query.is_none_or(plain)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_language_switch_goes_back_to_the_pages_own_screens_only() {
        let id = "0f".repeat(24);
        assert!(super::own_screen("/", None) && super::own_screen("/executions", None));
        assert!(super::own_screen(&format!("/feuille/{id}"), Some("page=2&problemes=1")));
        assert!(super::own_screen(&format!("/feuille/{id}/plan"), None));
        assert!(super::own_screen(&format!("/execution/{id}"), Some("statut=ERREUR")));
        assert!(super::own_screen("/historique", Some("q=ana.martin%40exemple.fr&depuis=01%2F12%2F2026")));
        for other in ["//evil.example/", "/ouvrir/abc", "/quitter", "/feuille/../x", "/static/page.js", "/x"] {
            assert!(!super::own_screen(other, None), "{other}");
        }
        assert!(!super::own_screen("/", Some("a=<script>")));
    }
}

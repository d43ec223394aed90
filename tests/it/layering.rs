//! The layout inside the web and store crates, checked from their source:
//! shared kits import no feature, a feature reaches another only through
//! what that feature's `mod.rs` offers, and no two files import each other
//! in a circle. `cargo test --test it layering -- --nocapture` prints the
//! import graph of both crates. docs/architecture.md explains the rules.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// How one crate is laid out: the modules everyone may use (kits), and the
/// module that wires the features together (and so may import them all).
struct Layout {
    crate_dir: &'static str,
    kits: &'static [&'static str],
    roots: &'static [&'static str],
}

const WEB: Layout = Layout {
    crate_dir: "crates/web/src",
    kits: &["page", "json", "auth", "i18n", "problem", "server", "openapi", "outbox_worker"],
    roots: &["lib", "app"],
};

const STORE: Layout = Layout {
    crate_dir: "crates/store/src",
    kits: &["access", "audit", "auth", "bulk", "ids", "lists", "migrate", "notifications", "outbox", "rows", "writes"],
    roots: &["lib"],
};

/// One source file as a module path (`members::pages`; `lib` for the root).
fn module_of(root: &Path, file: &Path) -> String {
    let rel = file.strip_prefix(root).unwrap().with_extension("");
    let parts: Vec<String> = rel.iter().map(|p| p.to_string_lossy().into_owned()).collect();
    let parts: Vec<String> = parts.into_iter().filter(|p| p != "mod").collect();
    if parts.is_empty() {
        "lib".to_string()
    } else {
        parts.join("::")
    }
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read the source folder") {
        let path = entry.expect("a folder entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The code of a file without comments and string literals, so that a path
/// written in a doc comment or a message is not taken for an import.
fn code_only(src: &str) -> String {
    let mut out = String::with_capacity(src.len());
    let chars: Vec<char> = src.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            '/' if chars.get(i + 1) == Some(&'/') => {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
            }
            '/' if chars.get(i + 1) == Some(&'*') => {
                i += 2;
                while i + 1 < chars.len() && !(chars[i] == '*' && chars[i + 1] == '/') {
                    i += 1;
                }
                i += 2;
            }
            '"' => {
                i += 1;
                while i < chars.len() && chars[i] != '"' {
                    if chars[i] == '\\' {
                        i += 1;
                    }
                    i += 1;
                }
                i += 1;
                out.push_str("\"\"");
            }
            // A char literal ('"'), not a lifetime ('a).
            '\'' if chars.get(i + 2) == Some(&'\'') || chars.get(i + 1) == Some(&'\\') => {
                i += 1;
                while i < chars.len() && chars[i] != '\'' {
                    if chars[i] == '\\' {
                        i += 1;
                    }
                    i += 1;
                }
                i += 1;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    out
}

/// Expand a use-tree (`a::{b, c::{d, e}}`) into its paths.
fn expand(tree: &str) -> Vec<Vec<String>> {
    let tree = tree.trim();
    let Some(open) = tree.find('{') else {
        let path = tree.split(" as ").next().unwrap_or("").trim();
        return vec![path.split("::").map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect()];
    };
    let prefix: Vec<String> = tree[..open].split("::").map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect();
    let inner = &tree[open + 1..tree.rfind('}').unwrap_or(tree.len())];
    let mut items = Vec::new();
    let (mut depth, mut start) = (0, 0);
    for (i, c) in inner.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                items.push(&inner[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    items.push(&inner[start..]);
    items
        .into_iter()
        .filter(|i| !i.trim().is_empty())
        .flat_map(|i| expand(i).into_iter().map(|tail| prefix.iter().cloned().chain(tail).collect::<Vec<_>>()))
        .collect()
}

/// Every path a file names inside its own crate, as written from the crate
/// root: `use crate::…`, `crate::…` in expressions, and `super::…`.
fn crate_paths(module: &str, code: &str) -> Vec<Vec<String>> {
    let mut paths = Vec::new();
    for stmt in code.split(';') {
        let stmt = stmt.trim();
        let body = stmt.strip_prefix("pub use ").or_else(|| stmt.strip_prefix("pub(crate) use ")).or_else(|| stmt.strip_prefix("use "));
        if let Some(body) = body.map(|b| b.rsplit("\nuse ").next().unwrap_or(b)) {
            if body.starts_with("crate::") || body.starts_with("super::") {
                paths.extend(expand(body));
            }
        }
    }
    for (at, _) in code.match_indices("crate::") {
        let rest: String = code[at..].chars().take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':').collect();
        paths.push(rest.split("::").map(str::to_string).filter(|s| !s.is_empty()).collect());
    }
    for (at, _) in code.match_indices("super::") {
        if code[..at].ends_with("::") {
            continue;
        }
        let rest: String = code[at..].chars().take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':').collect();
        paths.push(rest.split("::").map(str::to_string).filter(|s| !s.is_empty()).collect());
    }
    // Resolve `super` against the file's own place, and drop the `crate` head.
    let here: Vec<&str> = if module == "lib" { vec![] } else { module.split("::").collect() };
    paths
        .into_iter()
        .filter_map(|p| match p.first().map(String::as_str) {
            Some("crate") => Some(p[1..].to_vec()),
            Some("super") => {
                let mut base: Vec<String> = here.iter().map(|s| s.to_string()).collect();
                let mut rest = &p[..];
                while rest.first().map(String::as_str) == Some("super") {
                    base.pop();
                    rest = &rest[1..];
                }
                Some(base.into_iter().chain(rest.iter().cloned()).collect())
            }
            _ => None,
        })
        .collect()
}

struct Graph {
    /// Module → the modules it imports (other files of the crate).
    edges: BTreeMap<String, BTreeSet<String>>,
    modules: BTreeSet<String>,
}

fn graph(layout: &Layout) -> Graph {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join(layout.crate_dir);
    let mut files = Vec::new();
    rust_files(&root, &mut files);
    let modules: BTreeSet<String> = files.iter().map(|f| module_of(&root, f)).collect();
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for f in &files {
        let module = module_of(&root, f);
        let code = code_only(&std::fs::read_to_string(f).expect("read a source file"));
        for path in crate_paths(&module, &code) {
            // The longest prefix of the path that is a file of the crate.
            let target = (1..=path.len()).rev().map(|n| path[..n].join("::")).find(|m| modules.contains(m));
            if let Some(target) = target {
                if target != module && !module.starts_with(&format!("{target}::")) {
                    edges.entry(module.clone()).or_default().insert(target);
                }
            }
        }
    }
    Graph { edges, modules }
}

/// The top-level module a module belongs to (`members` for `members::pages`).
fn top(module: &str) -> &str {
    module.split("::").next().unwrap_or(module)
}

/// Groups of modules that import each other in a circle (Tarjan).
fn circles(g: &Graph) -> Vec<Vec<String>> {
    struct Walk<'a> {
        g: &'a Graph,
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        on_stack: BTreeSet<&'a str>,
        found: Vec<Vec<String>>,
    }
    fn visit<'a>(w: &mut Walk<'a>, v: &'a str) {
        let n = w.index.len();
        w.index.insert(v, n);
        w.low.insert(v, n);
        w.stack.push(v);
        w.on_stack.insert(v);
        let g = w.g;
        for next in g.edges.get(v).into_iter().flatten() {
            let next = next.as_str();
            if !w.index.contains_key(next) {
                visit(w, next);
                let l = w.low[next].min(w.low[v]);
                w.low.insert(v, l);
            } else if w.on_stack.contains(next) {
                let l = w.index[next].min(w.low[v]);
                w.low.insert(v, l);
            }
        }
        if w.low[v] == w.index[v] {
            let mut group = Vec::new();
            while let Some(x) = w.stack.pop() {
                w.on_stack.remove(x);
                group.push(x.to_string());
                if x == v {
                    break;
                }
            }
            if group.len() > 1 {
                group.sort();
                w.found.push(group);
            }
        }
    }
    let mut w = Walk { g, index: BTreeMap::new(), low: BTreeMap::new(), stack: vec![], on_stack: BTreeSet::new(), found: vec![] };
    for m in &g.modules {
        if !w.index.contains_key(m.as_str()) {
            visit(&mut w, m);
        }
    }
    w.found
}

/// Everything wrong with a crate's layering, in words.
fn violations(layout: &Layout, g: &Graph) -> Vec<String> {
    let is_kit = |m: &str| layout.kits.contains(&top(m));
    let is_root = |m: &str| layout.roots.contains(&m);
    let mut wrong = Vec::new();
    for (from, targets) in &g.edges {
        for to in targets {
            if is_root(from) || top(from) == top(to) {
                continue;
            }
            if is_root(to) {
                wrong.push(format!("{from} imports the crate root {to}; move what it needs into a kit"));
            } else if is_kit(from) && !is_kit(to) {
                wrong.push(format!("kit {from} imports feature {to}"));
            } else if !is_kit(from) && !is_kit(to) && to.contains("::") {
                wrong.push(format!("feature {from} reaches into {to}; use what {} re-exports", top(to)));
            }
        }
    }
    for c in circles(g) {
        wrong.push(format!("import circle: {}", c.join(" → ")));
    }
    wrong
}

fn print(name: &str, g: &Graph) {
    let arrows: usize = g.edges.values().map(BTreeSet::len).sum();
    println!("## {name}: {} files, {arrows} import arrows", g.modules.len());
    for (from, to) in &g.edges {
        println!("{from} -> {}", to.iter().cloned().collect::<Vec<_>>().join(", "));
    }
}

#[test]
fn kits_import_no_feature_and_no_files_import_each_other_in_a_circle() {
    let mut wrong = Vec::new();
    for (name, layout) in [("web", &WEB), ("store", &STORE)] {
        let g = graph(layout);
        print(name, &g);
        wrong.extend(violations(layout, &g).into_iter().map(|w| format!("{name}: {w}")));
    }
    assert!(wrong.is_empty(), "the layering rules of docs/architecture.md are broken:\n{}", wrong.join("\n"));
}

/// Files a newcomer can read in one sitting: none in the web crate over 600
/// lines; the domain draws no random numbers (synthetic data has its crate).
#[test]
fn web_files_stay_short_and_the_domain_stays_pure() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    rust_files(&root.join("crates/web/src"), &mut files);
    let long: Vec<String> = files
        .iter()
        .map(|f| (f, std::fs::read_to_string(f).expect("read a source file").lines().count()))
        .filter(|(_, n)| *n > 600)
        .map(|(f, n)| format!("{} has {n} lines", f.display()))
        .collect();
    assert!(long.is_empty(), "split these along their sections: {long:?}");
    let manifest = std::fs::read_to_string(root.join("crates/domain/Cargo.toml")).expect("the domain's manifest");
    let dependencies = manifest.split("[dev-dependencies]").next().unwrap_or_default();
    assert!(!dependencies.lines().any(|l| l.trim_start().starts_with("rand")), "the domain must not depend on rand:\n{dependencies}");
}

/// The API's routes and its document come from the same handlers: every
/// API router is built with `routes!` from handlers that carry their
/// operation, so no feature adds a route the document does not describe.
#[test]
fn every_api_route_is_an_operation_of_the_document() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    rust_files(&root.join("crates/web/src"), &mut files);
    let mut wrong = Vec::new();
    for f in files.iter().filter(|f| f.file_name().is_some_and(|n| n == "api.rs")) {
        let code = code_only(&std::fs::read_to_string(f).expect("read a source file"));
        if code.contains(".route(") || code.contains("axum::routing") || code.contains("Router<") {
            wrong.push(format!("{} builds a route without its operation", f.display()));
        }
        let handlers = code.matches("async fn ").count();
        let described = code.matches("#[utoipa::path(").count();
        if handlers != described {
            wrong.push(format!("{}: {handlers} handlers, {described} described with #[utoipa::path]", f.display()));
        }
    }
    assert!(files.iter().filter(|f| f.ends_with("api.rs")).count() >= 17, "every feature's API is checked");
    assert!(wrong.is_empty(), "build API routes with `ApiRouter::new().routes(routes!(handler))`:\n{}", wrong.join("\n"));
}

#[test]
fn the_checker_sees_what_it_must_refuse() {
    let g = Graph {
        edges: BTreeMap::from([
            ("page".to_string(), BTreeSet::from(["members".to_string()])),
            ("members::pages".to_string(), BTreeSet::from(["groups::api".to_string()])),
            ("groups::api".to_string(), BTreeSet::from(["members::pages".to_string()])),
        ]),
        modules: ["page", "members", "members::pages", "groups", "groups::api"].into_iter().map(str::to_string).collect(),
    };
    let found = violations(&WEB, &g).join("\n");
    assert!(found.contains("kit page imports feature members"), "{found}");
    assert!(found.contains("feature members::pages reaches into groups::api"), "{found}");
    assert!(found.contains("import circle: groups::api → members::pages"), "{found}");
    assert_eq!(expand("a::{b, c::{d, e as f}}"), [vec!["a", "b"], vec!["a", "c", "d"], vec!["a", "c", "e"]]);
}

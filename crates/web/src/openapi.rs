//! The OpenAPI 3.1 document of /api/v1, derived from the code: each handler
//! carries its operation (`#[utoipa::path]`), each type its schema
//! (`ToSchema`), and each feature's router is built with `routes!` from the
//! same handlers, so that no route exists without its description. What the
//! code cannot say by itself is written in here once, when the server
//! starts: the loaded catalog's values, the security schemes, and the
//! problems every operation may answer.

use accompany_domain::Catalog;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use serde_json::{json, Map, Value};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;

use crate::problem::Problem;
use crate::AppState;

/// A feature's API routes with their operations.
pub(crate) type ApiRouter = OpenApiRouter<AppState>;

/// The document as served: written out once at start, not on every request.
#[derive(Clone)]
pub(crate) struct Document(Bytes);

impl Document {
    pub(crate) fn new(doc: &Value) -> Document {
        Document(Bytes::from(serde_json::to_vec(doc).unwrap_or_default()))
    }
}

pub(crate) async fn document(State(doc): State<Document>) -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], doc.0)
}

const DESCRIPTION: &str = "The API of Accompany. Sign in with `POST /api/v1/auth/login` and send the token as `Authorization: Bearer TOKEN`, \
or use the session cookie with the `X-CSRF-Token` header on every request that changes something. Lists page with `after` and `limit` \
and answer `next_cursor`. Updates name the version they were read at (`If-Match` with the `ETag`, or `version` in the body). \
Every refusal is `application/problem+json`; `errors` names each field at fault. See docs/api.md.";

/// The finished document: the derived operations and schemas, with the
/// catalog's values, security and the common problems written in.
pub(crate) fn finish(derived: utoipa::openapi::OpenApi, catalog: &Catalog) -> Value {
    let mut doc = serde_json::to_value(derived).unwrap_or_else(|_| json!({}));
    doc["openapi"] = json!("3.1.0");
    doc["info"] = json!({ "title": "Accompany API", "version": env!("CARGO_PKG_VERSION"), "description": DESCRIPTION,
        "license": { "name": "AGPL-3.0-or-later", "identifier": "AGPL-3.0-or-later" } });
    let schemas = &mut doc["components"]["schemas"];
    if !schemas.is_object() {
        *schemas = json!({});
    }
    let mut problem = Vec::new();
    <Problem as ToSchema>::schemas(&mut problem);
    problem.push((<Problem as ToSchema>::name().into_owned(), <Problem as utoipa::PartialSchema>::schema()));
    for (name, schema) in problem {
        schemas[name] = serde_json::to_value(schema).unwrap_or(Value::Null);
    }
    doc["components"]["securitySchemes"] = json!({
        "bearer": { "type": "http", "scheme": "bearer", "description": "the token from POST /api/v1/auth/login, or `accompany token create --user NAME`" },
        "session": { "type": "apiKey", "in": "cookie", "name": crate::SESSION_COOKIE, "description": "the browser session; `__Host-` prefixed over HTTPS" },
        "csrf": { "type": "apiKey", "in": "header", "name": "X-CSRF-Token", "description": "the session's CSRF token (from sign-in); needed with the cookie on every request that changes something" }
    });
    if let Some(paths) = doc["paths"].as_object_mut() {
        for (path, item) in paths.iter_mut() {
            let Some(item) = item.as_object_mut() else { continue };
            for (method, op) in item.iter_mut() {
                complete_operation(path, method, op);
            }
        }
    }
    write_catalog(&mut doc, catalog);
    write_links(&mut doc);
    doc
}

/// From the answer of each operation that makes a record to the operations
/// that use its id, so that a client (and stateful testing) can follow the
/// record from its creation.
pub(crate) const LINKS: &[(&str, &[&str])] = &[
    (
        "create_member",
        &[
            "get_member",
            "update_member",
            "member_history",
            "contact_log",
            "log_contact",
            "list_goals",
            "add_goal",
            "member_sharing",
            "set_sharing",
            "health_entries",
            "member_sessions",
            "book_session",
            "member_preferences",
            "care_team",
            "team_overview",
            "diagnoses",
            "add_diagnosis",
        ],
    ),
    ("log_contact", &["get_contact", "update_contact", "contact_history"]),
    ("add_goal", &["update_goal", "add_progress", "goal_history"]),
    ("book_session", &["reschedule_session", "cancel_session"]),
    ("set_sharing", &["revoke_sharing"]),
    ("refer", &["get_referral", "enrol_referral", "set_referral_status"]),
    ("create_group", &["group_roster", "join_group", "leave_group", "record_attendance"]),
    ("create_organization", &["get_organization", "update_organization"]),
    ("add_diagnosis", &["end_diagnosis"]),
    ("create_worker", &["get_worker", "update_worker", "worker_history", "get_availability", "set_availability", "worker_matching"]),
];

/// Each path of the document with its operations, by operation id.
fn operations(doc: &Value) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().into_iter().flatten() {
        for (method, op) in item.as_object().into_iter().flatten() {
            if let Some(id) = op["operationId"].as_str() {
                out.push((id.to_string(), path.clone(), method.clone()));
            }
        }
    }
    out
}

fn write_links(doc: &mut Value) {
    let ops = operations(doc);
    let find = |id: &str| ops.iter().find(|(o, ..)| o == id);
    for (from, targets) in LINKS {
        let Some((_, from_path, from_method)) = find(from) else { continue };
        let mut links = Map::new();
        for target in *targets {
            let Some((_, to_path, _)) = find(target) else { continue };
            // A path parameter the creating request named is passed on; the
            // other one is the new record's id.
            let parameters: Map<String, Value> = to_path
                .split('/')
                .filter_map(|seg| seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
                .map(|name| {
                    let source =
                        if from_path.contains(&format!("{{{name}}}")) { format!("$request.path.{name}") } else { "$response.body#/id".into() };
                    (name.to_string(), Value::String(source))
                })
                .collect();
            links.insert(target.to_string(), json!({ "operationId": target, "parameters": parameters }));
        }
        let responses = &mut doc["paths"][from_path.as_str()][from_method.as_str()]["responses"];
        if let Some((_, success)) = responses.as_object_mut().and_then(|r| r.iter_mut().find(|(code, _)| code.starts_with('2'))) {
            success["links"] = Value::Object(links);
        }
    }
}

fn problem_response(description: &str) -> Value {
    json!({ "description": description, "content": { "application/problem+json": { "schema": { "$ref": "#/components/schemas/Problem" } } } })
}

/// Security by method, and the problems any operation of its kind can give.
fn complete_operation(path: &str, method: &str, op: &mut Value) {
    let public = op["security"].as_array().is_some_and(|s| s.iter().all(|r| r.as_object().is_some_and(Map::is_empty)));
    op["security"] = if public {
        json!([])
    } else if method == "get" {
        json!([{ "bearer": [] }, { "session": [] }])
    } else {
        json!([{ "bearer": [] }, { "session": [], "csrf": [] }])
    };
    // If-Match may stand in for a body's `version` (each update says so);
    // the body's `version` is what the document requires.
    if let Some(params) = op.get_mut("parameters").and_then(Value::as_array_mut) {
        params.retain(|p| !(p["in"] == "header" && p["name"].as_str().is_some_and(|n| n.eq_ignore_ascii_case("if-match"))));
    }
    let has_body = op.get("requestBody").is_some();
    let has_params = op["parameters"].as_array().is_some_and(|p| !p.is_empty());
    let Some(responses) = op["responses"].as_object_mut() else { return };
    let mut add = |code: &str, description: &str| {
        responses.entry(code).or_insert_with(|| problem_response(description));
    };
    if has_body || has_params || method != "get" {
        add("400", "The request could not be read: its body, query or If-Match");
    }
    if !public {
        add("401", "Sign-in required, or the session or token ended");
        add("403", "Not permitted: the caller's role or the member's choices do not allow it, or a cookie request without X-CSRF-Token");
    }
    if !public || method != "get" {
        add("409", "Well written, but the records held do not allow it (a stale version, a record named that does not exist, a state that refuses the change); `errors` names the field");
    }
    if path.contains('{') {
        add("404", "No such record, or none the caller may know of");
    }
    if has_body {
        add("415", "The body is not JSON: send Content-Type: application/json");
        add("422", "A field does not fit; `errors` names each field and the fix");
    } else if has_params {
        add("422", "A parameter does not fit; `errors` names it and the fix");
    }
    add("503", "The server is busy or the request took too long; try again");
    for (code, response) in responses.iter_mut() {
        let refusal = code.starts_with('4') || code.starts_with('5');
        if refusal && response.get("content").is_none() {
            response["content"] = problem_response("")["content"].clone();
        }
    }
}

/// Schemas marked `x-catalog` take the loaded catalog's values as their enum
/// (and object-valued defaults are dropped).
fn write_catalog(doc: &mut Value, catalog: &Catalog) {
    fn walk(v: &mut Value, catalog: &Catalog) {
        match v {
            Value::Object(o) => {
                if let Some(kind) = o.get("x-catalog").and_then(Value::as_str) {
                    let mut values: Vec<Value> = catalog_values(catalog, kind).into_iter().map(Value::from).collect();
                    if o.get("type").and_then(Value::as_array).is_some_and(|t| t.iter().any(|t| t == "null")) {
                        values.push(Value::Null);
                    }
                    o.insert("enum".into(), Value::Array(values));
                }
                // A default that is a whole object says less than the fields'
                // own defaults, and generators cannot hold it on a model.
                if o.get("default").is_some_and(Value::is_object) {
                    o.remove("default");
                }
                o.values_mut().for_each(|v| walk(v, catalog));
            }
            Value::Array(a) => a.iter_mut().for_each(|v| walk(v, catalog)),
            _ => {}
        }
    }
    walk(doc, catalog);
}

/// The values of one kind of catalog entry.
pub(crate) fn catalog_values(catalog: &Catalog, kind: &str) -> Vec<String> {
    match kind {
        "roles" => catalog.roles.iter().map(|r| r.id.clone()).collect(),
        "languages" => catalog.languages.iter().map(|l| l.code.clone()).collect(),
        "topics" => catalog.lived_experience_topics.iter().map(|t| t.id.clone()).collect(),
        "credential-kinds" => catalog.credential_kinds.iter().map(|c| c.id.clone()).collect(),
        "training-programs" => catalog.training_programs.iter().map(|p| p.id.clone()).collect(),
        "task-kinds" => catalog.task_kinds.iter().map(|t| t.id.clone()).collect(),
        "payers" => catalog.payers.iter().map(|p| p.id.clone()).collect(),
        _ => Vec::new(),
    }
}

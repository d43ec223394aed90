//! The OpenAPI 3.1 document for /api/v1, built from one table of
//! operations so that a new endpoint is one line here. Tests check that
//! every route the API serves is described.

use axum::Json;
use serde_json::{json, Value};

/// (method, path, summary, request schema, response schema)
pub const OPERATIONS: &[(&str, &str, &str, Option<&str>, &str)] = &[
    ("post", "/api/v1/auth/login", "Sign in; returns a bearer token, the CSRF token and sets a session cookie", Some("Login"), "LoginResult"),
    ("post", "/api/v1/auth/logout", "End the cookie session", None, "Empty"),
    ("get", "/api/v1/me", "The signed-in user and persona", None, "Me"),
    ("get", "/api/v1/roles", "The role catalog", None, "Catalog"),
    ("get", "/api/v1/roles/{id}", "One role of the catalog", None, "Role"),
    ("get", "/api/v1/members", "Members the caller may see (filters: name, language, plan_id, city; paging: after, limit)", None, "MemberPage"),
    ("post", "/api/v1/members", "Enrol a member", Some("MemberInput"), "Member"),
    ("get", "/api/v1/members/{id}", "One member", None, "Member"),
    ("put", "/api/v1/members/{id}", "Change a member; send `version` to guard against lost updates and `reason`", Some("MemberInput"), "Member"),
    ("get", "/api/v1/members/{id}/history", "Every version of a member's record", None, "Versions"),
    ("get", "/api/v1/members/{id}/care-team", "The member's care team", None, "CareTeam"),
    ("post", "/api/v1/members/{id}/care-team", "Add someone to the care team", Some("TeamInput"), "CareTeam"),
    ("get", "/api/v1/members/{id}/audit", "Who looked at or changed this record", None, "AuditEvents"),
    ("get", "/api/v1/organizations", "Organizations (filter: kind; paging: after, limit)", None, "OrganizationPage"),
    ("post", "/api/v1/organizations", "Add an organization", Some("OrganizationInput"), "Organization"),
    ("get", "/api/v1/organizations/{id}", "One organization", None, "Organization"),
    ("put", "/api/v1/organizations/{id}", "Change an organization", Some("OrganizationInput"), "Organization"),
    ("get", "/api/v1/workers", "Workers (filters: role_id, employer_id; paging: after, limit)", None, "WorkerPage"),
    ("post", "/api/v1/workers", "Add a worker", Some("WorkerInput"), "Worker"),
    ("get", "/api/v1/workers/{id}", "One worker", None, "Worker"),
    ("put", "/api/v1/workers/{id}", "Change a worker", Some("WorkerInput"), "Worker"),
    ("get", "/api/v1/workers/{id}/history", "Every version of a worker's record", None, "Versions"),
];

fn schema_ref(name: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{name}") })
}

fn text() -> Value {
    json!({ "type": "string" })
}

fn opt_text() -> Value {
    json!({ "type": ["string", "null"] })
}

fn list(item: Value) -> Value {
    json!({ "type": "array", "items": item })
}

fn page(item: &str) -> Value {
    json!({ "type": "object", "required": ["items"], "properties": { "items": list(schema_ref(item)), "next_cursor": opt_text() } })
}

fn schemas() -> Value {
    let demographics = json!({ "type": "object", "properties": {
        "gender": opt_text(), "race": opt_text(), "ethnicity": opt_text(), "sexual_orientation": opt_text(), "faith": opt_text(), "age_band": opt_text() } });
    let change = json!({ "version": { "type": "integer", "description": "the version last seen (updates)" }, "reason": { "type": "string" } });
    let mut member_input = json!({ "type": "object", "required": ["masshealth_id", "given_name", "family_name", "date_of_birth"], "properties": {
        "masshealth_id": { "type": "string", "pattern": "^[0-9]{12}$" }, "medicare_id": opt_text(), "given_name": text(), "family_name": text(),
        "date_of_birth": { "type": "string", "format": "date" }, "phone": opt_text(), "email": opt_text(), "city": opt_text(),
        "preferred_languages": list(text()), "needs": list(text()), "demographics": demographics.clone(), "plan_id": opt_text() } });
    let mut worker_input = json!({ "type": "object", "required": ["given_name", "family_name", "role_id", "employer_id", "employment_start"], "properties": {
        "given_name": text(), "family_name": text(), "role_id": text(), "employer_id": text(),
        "employment_start": { "type": "string", "format": "date" }, "employment_end": { "type": ["string", "null"], "format": "date" },
        "languages": list(text()), "availability": list(json!({ "enum": ["daytime", "evening", "night", "weekend"] })),
        "statements": list(json!({ "type": "object", "required": ["topic", "text", "visibility"], "properties": {
            "topic": text(), "text": text(), "visibility": { "enum": ["private", "matching", "members"] } } })),
        "city": opt_text(), "user_id": opt_text(), "supervisor_id": opt_text() } });
    let mut org_input = json!({ "type": "object", "required": ["name", "kind"], "properties": {
        "name": text(), "kind": { "enum": ["health-plan", "aco", "community-partner", "rlc", "cbo", "human-service-organization", "state-agency", "hospital"] },
        "contracted_by": opt_text(), "city": opt_text() } });
    for s in [&mut member_input, &mut worker_input, &mut org_input] {
        if let (Some(props), Some(extra)) = (s["properties"].as_object_mut(), change.as_object()) {
            props.extend(extra.clone());
        }
    }
    let with_id = |input: &Value| {
        let mut v = input.clone();
        v["properties"]["id"] = text();
        v["properties"]["version"] = json!({ "type": "integer" });
        v["properties"].as_object_mut().map(|p| p.remove("reason"));
        v
    };
    json!({
        "Login": { "type": "object", "required": ["username", "password"], "properties": { "username": text(), "password": text() } },
        "User": { "type": "object", "properties": { "id": text(), "username": text(), "display_name": text(),
            "persona": { "enum": ["member", "peer-worker", "supervisor", "care-coordinator", "organization-admin", "state-admin"] },
            "organization_id": opt_text(), "member_id": opt_text(), "locale": opt_text() } },
        "LoginResult": { "type": "object", "properties": { "user": schema_ref("User"), "token": text(), "csrf_token": text() } },
        "Me": { "type": "object", "properties": { "user": schema_ref("User"), "persona": text() } },
        "Empty": { "type": "null" },
        "Catalog": { "type": "object", "properties": { "state": text(), "shared_values": list(text()), "roles": list(schema_ref("Role")) } },
        "Role": { "type": "object", "description": "A role of the catalog: every row of the state's comparison chart as fields", "properties": { "id": text(), "abbreviation": text() } },
        "MemberInput": member_input,
        "Member": with_id(&member_input),
        "MemberPage": page("Member"),
        "WorkerInput": worker_input,
        "Worker": with_id(&worker_input),
        "WorkerPage": page("Worker"),
        "OrganizationInput": org_input,
        "Organization": with_id(&org_input),
        "OrganizationPage": page("Organization"),
        "TeamInput": { "type": "object", "required": ["user_id", "team_role"], "properties": { "user_id": text(),
            "team_role": { "enum": ["peer", "care-coordinator", "clinician", "primary-care", "supervisor", "other"] } } },
        "CareTeam": { "type": "object", "properties": { "participants": list(json!({ "type": "object" })) } },
        "Versions": { "type": "object", "properties": { "versions": list(json!({ "type": "object", "properties": {
            "version": { "type": "integer" }, "changed_by": opt_text(), "changed_at": text(), "reason": text(), "data": { "type": "object" } } })) } },
        "AuditEvents": { "type": "object", "properties": { "events": list(json!({ "type": "object" })) } },
        "Problem": { "type": "object", "description": "RFC 9457 problem details", "properties": {
            "type": text(), "title": text(), "status": { "type": "integer" }, "detail": text(),
            "errors": list(json!({ "type": "object", "properties": { "field": text(), "message": text() } })) } }
    })
}

pub fn build() -> Value {
    let mut paths = serde_json::Map::new();
    for (method, path, summary, request, response) in OPERATIONS {
        let mut op = json!({
            "summary": summary,
            "operationId": format!("{method}{}", path.replace(['/', '{', '}', '-'], "_")),
            "responses": {
                "200": { "description": "success", "content": { "application/json": { "schema": schema_ref(response) } } },
                "default": { "description": "a problem", "content": { "application/problem+json": { "schema": schema_ref("Problem") } } }
            }
        });
        if *path != "/api/v1/auth/login" {
            op["security"] = json!([{ "bearer": [] }, { "session": [] }]);
        }
        if let Some(r) = request {
            op["requestBody"] = json!({ "required": true, "content": { "application/json": { "schema": schema_ref(r) } } });
        }
        if path.contains("{id}") {
            op["parameters"] = json!([{ "name": "id", "in": "path", "required": true, "schema": text() }]);
        }
        paths.entry(path.to_string()).or_insert_with(|| json!({}))[method] = op;
    }
    json!({
        "openapi": "3.1.0",
        "info": { "title": "Accompany API", "version": env!("CARGO_PKG_VERSION"),
                  "description": "Records of a state's lived-experience workforce and the members they serve. Every access to member data is decided by one policy and audited." },
        "paths": paths,
        "components": {
            "schemas": schemas(),
            "securitySchemes": {
                "bearer": { "type": "http", "scheme": "bearer", "description": "a token from POST /api/v1/auth/login or `accompany token create`" },
                "session": { "type": "apiKey", "in": "cookie", "name": crate::SESSION_COOKIE, "description": "state-changing requests also need the X-CSRF-Token header" }
            }
        }
    })
}

pub async fn document() -> Json<Value> {
    Json(build())
}

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
    ("get", "/api/v1/workforce/catalog", "Credential kinds, training programs, task kinds, and each role's requirements and supervision rules", None, "WorkforceCatalog"),
    ("get", "/api/v1/workforce/problems", "Compliance problems the caller may see (filter: organization_id); the same list as `accompany workforce check --json`", None, "WorkforceProblems"),
    ("get", "/api/v1/workforce/compliance", "Compliance problems counted by organization and kind (admins)", None, "WorkforceCompliance"),
    ("get", "/api/v1/workforce/me", "The caller's own credentials, eligibility, continuing education, training and supervision", None, "WorkerDevelopment"),
    ("get", "/api/v1/workforce/supervisees", "The caller's supervisees, with cadence and the caller's qualification for each", None, "Supervisees"),
    ("get", "/api/v1/workforce/workers/{id}", "One worker's credentials, eligibility, billing block, continuing education, training, supervision and problems", None, "WorkerDevelopment"),
    ("post", "/api/v1/workforce/workers/{id}/credentials", "Record a credential (organization and state admins)", Some("CredentialInput"), "Credential"),
    ("post", "/api/v1/workforce/workers/{id}/ce", "Record continuing-education hours (the worker or an admin)", Some("CeInput"), "CeEntry"),
    ("post", "/api/v1/workforce/workers/{id}/enrolments", "Enrol in a training cohort or record attendance, exam and completion; completion issues the program's certificate", Some("EnrolmentInput"), "Enrolment"),
    ("post", "/api/v1/workforce/workers/{id}/sessions", "Record a supervision session (the worker's supervisor or an admin)", Some("SessionInput"), "SupervisionSession"),
    ("get", "/api/v1/workforce/picture", "Headcount, languages, identity, vacancies, hires, departures, turnover and leadership, small cells suppressed (filters: organization_id, from, to)", None, "WorkforcePicture"),
    ("get", "/api/v1/workforce/positions", "Job descriptions with prohibited-task flags, single-peer programs and pay parity (filter: organization_id)", None, "PositionReport"),
    ("post", "/api/v1/workforce/positions", "Add a position: job description, pay band, and its worker or none for a vacancy", Some("PositionInput"), "PositionCreated"),
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
    let mut all = json!({
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
    });
    if let (Some(all), Value::Object(more)) = (all.as_object_mut(), workforce_schemas()) {
        all.extend(more);
    }
    all
}

/// Schemas of the workforce endpoints.
fn workforce_schemas() -> Value {
    json!({
        "WorkforceCatalog": { "type": "object", "properties": { "credential_kinds": list(json!({ "type": "object" })), "training_programs": list(json!({ "type": "object" })), "task_kinds": list(json!({ "type": "object" })), "roles": list(json!({ "type": "object" })) } },
        "WorkforceProblem": { "type": "object", "required": ["kind", "organization_id", "subject", "message"], "properties": {
            "kind": { "enum": ["credential-expired", "requirement-missing", "credential-expiring", "supervision-overdue", "no-supervisor", "supervisor-unqualified", "prohibited-task", "single-peer-program"] },
            "organization_id": text(), "worker_id": opt_text(), "position_id": opt_text(), "subject": text(), "message": text(), "args": { "type": "object" } } },
        "WorkforceProblems": { "type": "object", "properties": { "count": { "type": "integer" }, "problems": list(schema_ref("WorkforceProblem")) } },
        "WorkforceCompliance": { "type": "object", "properties": { "organizations": list(json!({ "type": "object", "properties": { "organization_id": text(), "name": text(), "total": { "type": "integer" }, "counts": { "type": "object" } } })) } },
        "WorkerDevelopment": { "type": "object", "properties": { "worker": schema_ref("Worker"), "eligibility": { "type": ["object", "null"] }, "billing_block": { "type": ["object", "null"] },
            "credentials": list(schema_ref("Credential")), "ce_entries": list(schema_ref("CeEntry")), "ce_progress": list(json!({ "type": "object" })), "enrolments": list(schema_ref("Enrolment")),
            "sessions": list(schema_ref("SupervisionSession")), "supervisor": { "type": ["object", "null"] }, "cadence": { "type": ["object", "null"] }, "problems": list(schema_ref("WorkforceProblem")) } },
        "Supervisees": { "type": "object", "properties": { "supervisees": list(json!({ "type": "object" })) } },
        "CredentialInput": { "type": "object", "required": ["kind", "issued_on"], "properties": { "kind": text(), "issuer": opt_text(),
            "issued_on": { "type": "string", "format": "date" }, "expires_on": { "type": ["string", "null"], "format": "date" }, "evidence": opt_text(), "reason": text() } },
        "Credential": { "type": "object", "properties": { "id": text(), "worker_id": text(), "kind": text(), "issuer": opt_text(), "issued_on": text(), "expires_on": opt_text(), "evidence": opt_text() } },
        "CeInput": { "type": "object", "required": ["title", "hours", "completed_on"], "properties": { "title": text(), "hours": { "type": "string", "description": "e.g. \"1.5\"" },
            "completed_on": { "type": "string", "format": "date" }, "program_id": opt_text(), "reason": text() } },
        "CeEntry": { "type": "object", "properties": { "id": text(), "title": text(), "tenths": { "type": "integer" }, "completed_on": text(), "program_id": opt_text() } },
        "EnrolmentInput": { "type": "object", "required": ["program_id", "cohort"], "properties": { "program_id": text(), "cohort": text(),
            "status": { "enum": ["enrolled", "attending", "completed", "withdrawn"] }, "attended_hours": opt_text(), "exam": { "enum": ["passed", "failed", null] },
            "completed_on": { "type": ["string", "null"], "format": "date" }, "reason": text() } },
        "Enrolment": { "type": "object", "properties": { "id": text(), "program_id": text(), "cohort": text(), "status": text(), "attended_tenths": { "type": "integer" }, "exam": opt_text(), "completed_on": opt_text(), "certificate_id": opt_text() } },
        "SessionInput": { "type": "object", "required": ["held_on", "minutes", "format", "topics", "signature"], "properties": { "held_on": { "type": "string", "format": "date" },
            "minutes": { "type": "string" }, "format": { "enum": ["individual", "group", "phone", "video"] }, "topics": text(), "signature": text(), "supervisor_id": opt_text(), "reason": text() } },
        "SupervisionSession": { "type": "object", "properties": { "id": text(), "worker_id": text(), "supervisor_id": text(), "held_on": text(), "minutes": { "type": "integer" },
            "format": text(), "topics": text(), "signature": text(), "supervisor_credentials": list(text()) } },
        "WorkforcePicture": { "type": "object", "description": "Counts under 11 are the string-free value null-like \"suppressed\" marker: they serialize as null", "properties": { "from": text(), "to": text() } },
        "PositionInput": { "type": "object", "required": ["organization_id", "title", "program", "setting", "pay_min", "pay_max"], "properties": { "organization_id": text(), "title": text(),
            "role_id": opt_text(), "program": text(), "setting": { "enum": ["community", "outpatient", "inpatient", "pact", "residential", "emergency-department"] },
            "education": { "enum": ["none", "high-school", "bachelor", "master"] }, "tasks": list(text()), "pay_min": text(), "pay_max": text(), "leadership": { "type": "boolean" }, "worker_id": opt_text(), "reason": text() } },
        "PositionReport": { "type": "object", "properties": { "positions": list(json!({ "type": "object" })), "single_peer_programs": list(json!({ "type": "object" })), "pay": list(json!({ "type": "object" })) } },
        "PositionCreated": { "type": "object", "properties": { "position": { "type": "object" }, "flags": list(json!({ "type": "object", "properties": { "task_index": { "type": "integer" }, "text": text(), "task_id": text(), "reason": text() } })) } }
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

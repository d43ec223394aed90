//! The OpenAPI 3.1 document for /api/v1, built from one table of
//! operations so that a new endpoint is one line here. Tests check that
//! every route the API serves is described.

use axum::Json;
use serde_json::{json, Value};

/// (method, path, summary, request schema, response schema)
pub const OPERATIONS: &[(&str, &str, &str, Option<&str>, &str)] = &[
    ("post", "/api/v1/auth/login", "Sign in; returns a bearer token, the CSRF token and sets a session cookie", Some("Login"), "LoginResult"),
    ("post", "/api/v1/auth/logout", "Sign out: ends the bearer token of this sign-in and its session (or the cookie session and its token)", None, "Empty"),
    ("get", "/api/v1/me", "The signed-in user and persona", None, "Me"),
    ("put", "/api/v1/me/password", "Change your password; ends every session and token of the account (403 for a wrong current password, 429 with Retry-After while delayed)", Some("PasswordChange"), "Empty"),
    ("get", "/api/v1/roles", "The role catalog", None, "Catalog"),
    ("get", "/api/v1/roles/{id}", "One role of the catalog", None, "Role"),
    ("get", "/api/v1/members", "Members the caller may see (filters: name, language, plan_id, city; paging: after, limit)", None, "MemberPage"),
    ("post", "/api/v1/members", "Enrol a member", Some("MemberInput"), "Member"),
    ("get", "/api/v1/members/{id}", "One member", None, "Member"),
    ("put", "/api/v1/members/{id}", "Change a member and say why (`reason`); send If-Match with the ETag of your read, or `version` (428 without either, 412 for a stale If-Match, 409 for a stale version)", Some("MemberInput"), "Member"),
    ("get", "/api/v1/members/{id}/history", "Every version of a member's record", None, "Versions"),
    ("get", "/api/v1/members/{id}/care-team", "The member's care team", None, "CareTeam"),
    ("post", "/api/v1/members/{id}/care-team", "Put someone else on the care team: the member, their care coordinator or their plan's admin; never oneself, never a peer (members choose their peer); the role must fit the person", Some("TeamInput"), "CareTeam"),
    ("get", "/api/v1/members/{id}/care-team/requests", "For the member or their plan's admin: requests to join the team waiting for an answer", None, "TeamRequests"),
    ("post", "/api/v1/members/{id}/care-team/requests", "Ask to join a member's team in one's own role (care coordinators, clinicians); answered 202 whatever the id", Some("JoinInput"), "JoinRequested"),
    ("post", "/api/v1/members/{id}/care-team/requests/{request}/approve", "For the member or their plan's admin: let the person join in the role they asked for", None, "CareTeam"),
    ("post", "/api/v1/members/{id}/care-team/requests/{request}/decline", "For the member or their plan's admin: say no", None, "Empty"),
    ("post", "/api/v1/members/{id}/enrolment-codes", "For the member's care coordinator: a one-time code that links a new account to this record, shown once or sent to the contact details on the record", Some("EnrolmentCodeInput"), "EnrolmentCode"),
    ("get", "/api/v1/members/{id}/audit", "For the member: who looked at or changed their record", None, "AuditEvents"),
    ("get", "/api/v1/members/{id}/sharing", "For the member: their care team and their peer's supervisor, what each person sees, their choices, firewall and emergency accesses", None, "Sharing"),
    ("post", "/api/v1/members/{id}/sharing", "For the member: decide what one person, organization or team role sees (substance use needs the Part 2 consent fields)", Some("SharingInput"), "SharingChoice"),
    ("delete", "/api/v1/members/{id}/sharing/{choice}", "For the member: withdraw a decision (revokes a Part 2 consent)", None, "Empty"),
    ("post", "/api/v1/members/{id}/firewall", "For the member: name a staff member they know socially", Some("FirewallInput"), "Firewall"),
    ("delete", "/api/v1/members/{id}/firewall/{entry}", "For the member: take someone off their firewall", None, "Empty"),
    ("get", "/api/v1/members/{id}/health-entries", "Health information the caller may see, labelled; carries the Part 2 notice when substance-use information is disclosed", None, "HealthEntries"),
    ("post", "/api/v1/members/{id}/health-entries", "Record health information (category: mental-health, substance-use, hiv or care-plan)", Some("HealthEntryInput"), "HealthEntry"),
    ("get", "/api/v1/staff", "For members: staff whose names contain q, to name in a firewall", None, "Staff"),
    ("post", "/api/v1/break-glass", "For clinicians: emergency access to a member by MassHealth ID, with a reason category and a sentence; time-limited, limited per day, reported to the privacy officer and the member", Some("BreakGlassInput"), "BreakGlass"),
    ("get", "/api/v1/break-glass/alerts", "For privacy officers: emergency accesses not yet reviewed", None, "BreakGlassAlerts"),
    ("post", "/api/v1/break-glass/{id}/review", "For privacy officers: mark an emergency access reviewed", None, "Empty"),
    ("post", "/api/v1/public/referrals", "No account needed: ask for peer support (merged with an earlier request from the same person); the answer is the same whoever is named", Some("ReferralInput"), "Received"),
    ("post", "/api/v1/public/claim", "No account needed: open an account with a one-time enrolment code from a care coordinator", Some("ClaimInput"), "Claimed"),
    ("post", "/api/v1/referrals", "Refer someone to peer support from any door", Some("ReferralInput"), "Referral"),
    ("get", "/api/v1/referrals", "The referral queue, oldest first (status: open (default), new, contacted, enrolled, closed; paging: after, limit)", None, "ReferralPage"),
    ("get", "/api/v1/referrals/{id}", "One referral", None, "Referral"),
    ("post", "/api/v1/referrals/{id}/enrol", "Enrol the person: a new member record with the caller on its care team, or the record holding the MassHealth ID when name and date of birth match (then nobody joins: ask to join)", Some("EnrolInput"), "Enrolled"),
    ("post", "/api/v1/referrals/{id}/status", "Mark a referral contacted or closed", Some("ReferralStatusInput"), "Referral"),
    ("get", "/api/v1/audit", "For privacy officers: search the audit trail (actor, member_id, from, to, decision, purpose; paging: before, limit)", None, "AuditPage"),
    ("get", "/api/v1/organizations", "Organizations (filter: kind; paging: after, limit)", None, "OrganizationPage"),
    ("post", "/api/v1/organizations", "Add an organization", Some("OrganizationInput"), "Organization"),
    ("get", "/api/v1/organizations/{id}", "One organization", None, "Organization"),
    ("put", "/api/v1/organizations/{id}", "Change an organization; send If-Match with the ETag of your read, or `version` (428 without either, 412 / 409 when stale)", Some("OrganizationInput"), "Organization"),
    ("get", "/api/v1/workers", "Workers (filters: role_id, employer_id; paging: after, limit)", None, "WorkerPage"),
    ("post", "/api/v1/workers", "Add a worker", Some("WorkerInput"), "Worker"),
    ("get", "/api/v1/workers/{id}", "One worker", None, "Worker"),
    ("put", "/api/v1/workers/{id}", "Change a worker; send If-Match with the ETag of your read, or `version` (428 without either, 412 / 409 when stale)", Some("WorkerInput"), "Worker"),
    ("get", "/api/v1/workers/{id}/history", "Every version of a worker's record", None, "Versions"),
    ("get", "/api/v1/workforce/catalog", "Credential kinds, training programs, task kinds, and each role's requirements and supervision rules", None, "WorkforceCatalog"),
    ("get", "/api/v1/workforce/problems", "Compliance problems the caller may see (filter: organization_id); the same list as `accompany workforce check --json`", None, "WorkforceProblems"),
    ("get", "/api/v1/workforce/compliance", "Compliance problems counted by organization and kind (admins)", None, "WorkforceCompliance"),
    ("get", "/api/v1/workforce/me", "The caller's own credentials, eligibility, continuing education, training and supervision", None, "WorkerDevelopment"),
    ("get", "/api/v1/workforce/supervisees", "The caller's supervisees, with cadence and the caller's qualification for each", None, "Supervisees"),
    ("get", "/api/v1/workforce/workers/{id}", "One worker's credentials, eligibility, billing block, continuing education, training, supervision and problems", None, "WorkerDevelopment"),
    ("get", "/api/v1/workforce/workers/{id}/caseload", "Contacts across one peer's active caseload: per member, contacts in the window, units against the authorization, the engagement rule and the last contact; members below the rule first. For the worker, their supervisor and their organization's or the state's admins; members who do not share their contacts with the caller are only counted", None, "CaseloadContacts"),
    ("post", "/api/v1/workforce/workers/{id}/credentials", "Record a credential (organization and state admins)", Some("CredentialInput"), "Credential"),
    ("post", "/api/v1/workforce/workers/{id}/ce", "Record continuing-education hours (the worker or an admin)", Some("CeInput"), "CeEntry"),
    ("post", "/api/v1/workforce/workers/{id}/enrolments", "Enrol in a training cohort or record attendance, exam and completion; completion issues the program's certificate", Some("EnrolmentInput"), "Enrolment"),
    ("post", "/api/v1/workforce/workers/{id}/sessions", "Record a supervision session (the worker's supervisor or an admin)", Some("SessionInput"), "SupervisionSession"),
    ("get", "/api/v1/workforce/picture", "Headcount, languages, identity, vacancies, hires, departures, turnover and leadership, small cells suppressed (filters: organization_id, from, to)", None, "WorkforcePicture"),
    ("get", "/api/v1/workforce/positions", "Job descriptions with prohibited-task flags, single-peer programs and pay parity (filter: organization_id)", None, "PositionReport"),
    ("post", "/api/v1/workforce/positions", "Add a position: job description, pay band, and its worker or none for a vacancy", Some("PositionInput"), "PositionCreated"),
    ("get", "/api/v1/workers/{id}/matching", "How a worker meets members and from where, with its version; for admins", None, "WorkerMatchingRead"),
    ("put", "/api/v1/workers/{id}/matching", "How a worker meets members (modalities) and from where (location); for admins", Some("WorkerMatching"), "WorkerMatchingRead"),
    ("get", "/api/v1/members/{id}/preferences", "What the member wants of a peer (fields the caller may not see are left out)", None, "PreferencesResult"),
    ("put", "/api/v1/members/{id}/preferences", "For the member or their care coordinator: say what the member wants of a peer", Some("PreferencesInput"), "PreferencesResult"),
    ("get", "/api/v1/members/{id}/ranking", "Every peer the member may choose, best first, with structured reasons (limit)", None, "Ranking"),
    ("post", "/api/v1/members/{id}/peer", "Choose a peer (worker_id), or the top-ranked one when worker_id is absent; ends the current peer", Some("ChooseInput"), "Chosen"),
    ("post", "/api/v1/members/{id}/peer/end", "End the member's relationship with their peer (the member, the peer or staff; no reason needed)", None, "Ended"),
    ("get", "/api/v1/notifications", "The caller's notifications (new members, peers who left)", None, "Notifications"),
    ("post", "/api/v1/matching/batch", "For program admins: assign the waiting list (or a departing peer's caseload) optimally; dry_run reports only", Some("BatchInput"), "BatchResult"),
    ("get", "/api/v1/matching/gaps", "For program admins: members' time without a peer", None, "Gaps"),
    ("get", "/api/v1/members/{id}/contacts", "Contacts the caller may see, each with its billing units, and the units used against the authorization and the engagement rule of the member's peer's role", None, "ContactLog"),
    ("post", "/api/v1/members/{id}/contacts", "For the member's peer: log a contact (date, start time, minutes, modality, setting, one line); its units follow the peer's role", Some("ContactNoteInput"), "LoggedContact"),
    ("get", "/api/v1/members/{id}/contacts/{contact}", "One contact, with its units", None, "LoggedContact"),
    ("put", "/api/v1/members/{id}/contacts/{contact}", "For the peer who logged it: correct a contact; `version` must be the one read (409 otherwise), `reason` is kept in the history", Some("ContactUpdate"), "LoggedContact"),
    ("get", "/api/v1/members/{id}/contacts/{contact}/history", "Every version of one contact", None, "Versions"),
    ("get", "/api/v1/members/{id}/recovery-goals", "The member's recovery goals with steps and progress, when the member shares them with the caller (`hidden` says when not)", None, "RecoveryGoals"),
    ("post", "/api/v1/members/{id}/recovery-goals", "For the member: write a goal in their own words, with steps and target dates", Some("GoalInput"), "RecoveryGoal"),
    ("put", "/api/v1/members/{id}/recovery-goals/{goal}", "For the member: change a goal; `version` must be the one read (409 otherwise)", Some("GoalUpdate"), "RecoveryGoal"),
    ("post", "/api/v1/members/{id}/recovery-goals/{goal}/progress", "For the member or their peer: note dated progress on a goal", Some("ProgressInput"), "GoalProgress"),
    ("get", "/api/v1/members/{id}/recovery-goals/{goal}/history", "Every version of one goal", None, "Versions"),
    ("get", "/api/v1/members/{id}/team", "The care team in plain words: role, organization and its source, when and how each person meets, and (for the member) what each sees", None, "TeamOverview"),
    ("get", "/api/v1/workers/{id}/availability", "A worker's weekly windows (weekday, start, end, modality) and the coarse times matching uses", None, "Availability"),
    ("put", "/api/v1/workers/{id}/availability", "For the worker or their admins: replace the weekly windows", Some("WeekInput"), "Availability"),
    ("get", "/api/v1/members/{id}/bookable-peers", "The peers on the member's care team a session may be booked with", None, "BookablePeers"),
    ("get", "/api/v1/members/{id}/slots", "Free times with a peer (worker_id, minutes: 30 to 180, days)", None, "Slots"),
    ("get", "/api/v1/members/{id}/sessions", "The member's sessions still to come", None, "Sessions"),
    ("post", "/api/v1/members/{id}/sessions", "Book a session inside the peer's hours; an overlap for the peer or the member is refused", Some("SessionInput"), "Session"),
    ("get", "/api/v1/sessions", "The caller's sessions still to come (a member's own, or a peer's)", None, "Sessions"),
    ("post", "/api/v1/sessions/{id}/reschedule", "Move a session (start, minutes, version)", Some("RescheduleInput"), "Session"),
    ("post", "/api/v1/sessions/{id}/cancel", "Cancel a session", None, "Session"),
    ("get", "/api/v1/groups", "Groups with meetings to come: those open to the member, or those the peer runs or their organization offers", None, "Groups"),
    ("post", "/api/v1/groups", "For peers: start a weekly group open to the members of an organization", Some("GroupInput"), "Group"),
    ("get", "/api/v1/groups/{id}/roster", "For the group's peers: its meetings with attendance, and who joined", None, "Roster"),
    ("post", "/api/v1/groups/{id}/join", "For a member: join a group open to them", None, "Group"),
    ("post", "/api/v1/groups/{id}/leave", "For a member: leave a group", None, "Group"),
    ("post", "/api/v1/groups/{id}/attendance", "For the group's peers: record who came to a meeting; each becomes a contact note of that member", Some("AttendanceInput"), "AttendanceResult"),
    ("get", "/api/v1/me/reach", "How the caller wants to be reached (in-app, email or text)", None, "Reach"),
    ("put", "/api/v1/me/reach", "Choose how to be reached; addresses are checked", Some("ReachInput"), "Reach"),
    ("post", "/api/v1/me/calendar-feed", "Make a new secret iCalendar feed path, good for a year (GET it without signing in); the old one stops working", None, "CalendarFeed"),
    ("delete", "/api/v1/me/calendar-feed", "End your calendar feed link at once", None, "Empty"),
    ("get", "/api/v1/outbox", "For state admins: messages to deliver by email or text, with status (pending, delivered, failed), attempts and last error", None, "Outbox"),
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

/// The schemas of member-controlled privacy: sharing, Part 2 consent,
/// firewall, labelled health entries, contact notes, break-glass, audit.
fn privacy_schemas() -> Value {
    json!({
        "AuditPage": page("AuditEvent"),
        "Categories": list(json!({ "enum": ["demographics", "contact", "identity", "mental-health", "substance-use", "hiv", "peer-notes", "recovery-goals", "care-plan", "billing"] })),
        "SharingInput": { "type": "object", "required": ["recipient", "purposes"], "properties": {
            "recipient": { "type": "string", "description": "person:USER_ID, organization:ORG_ID or team-role:ROLE" },
            "categories": schema_ref("Categories"), "purposes": list(json!({ "enum": ["treatment", "payment", "operations"] })),
            "until": { "type": ["string", "null"], "format": "date" },
            "part2_signed_by": { "type": ["string", "null"], "description": "42 CFR Part 2: the member's typed signature; required with substance-use" },
            "part2_recipients": { "type": ["string", "null"], "description": "42 CFR Part 2: who may receive, in words" },
            "part2_expires_on": { "type": ["string", "null"], "format": "date" } } },
        "SharingChoice": { "type": "object", "properties": { "id": text(), "member_id": text(), "recipient": { "type": "object" },
            "categories": schema_ref("Categories"), "purposes": list(text()), "until": opt_text(), "part2": { "type": ["object", "null"] } } },
        "Sharing": { "type": "object", "properties": { "team": list(json!({ "type": "object" })),
            "peer_supervisors": list(json!({ "type": "object", "description": "Supervisors of the member's peers, off the team: a choice may narrow what they see, never widen it" })),
            "choices": list(schema_ref("SharingChoice")),
            "firewall": list(json!({ "type": "object" })), "emergency_access": list(json!({ "type": "object" })),
            "team_changes": list(json!({ "type": "object", "description": "who joined the team, when and by whose act" })),
            "team_requests": list(json!({ "type": "object", "description": "requests to join the team waiting for the member's answer" })) } },
        "FirewallInput": { "type": "object", "required": ["user_id"], "properties": { "user_id": text() } },
        "Firewall": list(json!({ "type": "object", "properties": { "id": text(), "user_id": text(), "display_name": text(), "organization": opt_text() } })),
        "Staff": { "type": "object", "properties": { "staff": list(json!({ "type": "object" })) } },
        "HealthEntryInput": { "type": "object", "required": ["category", "text"], "properties": {
            "category": { "enum": ["mental-health", "substance-use", "hiv", "care-plan"] }, "text": text() } },
        "HealthEntry": { "type": "object", "properties": { "id": text(), "member_id": text(), "category": text(), "text": text(), "recorded_by": text(), "recorded_at": text() } },
        "HealthEntries": { "type": "object", "properties": { "entries": list(schema_ref("HealthEntry")), "visible_categories": schema_ref("Categories"),
            "purpose": text(), "part2_notice": { "type": "string", "description": "present when substance-use information is disclosed (42 CFR 2.32)" } } },
        "ContactNoteInput": { "type": "object", "required": ["date", "duration_minutes", "modality", "setting"], "properties": {
            "date": { "type": "string", "format": "date" }, "duration_minutes": { "type": ["integer", "string"] },
            "modality": { "enum": ["in-person", "phone", "video", "text"] },
            "setting": { "enum": ["home", "community", "recovery-learning-community", "clinic", "emergency-department", "inpatient", "virtual"] },
            "note": { "type": "string", "maxLength": 200 } } },
        "BreakGlassInput": { "type": "object", "required": ["masshealth_id", "reason_category", "reason"], "properties": { "masshealth_id": text(),
            "reason_category": { "enum": ["medical-emergency", "risk-of-harm", "other"] }, "reason": { "type": "string", "minLength": 20, "maxLength": 500 } } },
        "JoinInput": { "type": "object", "required": ["team_role", "reason"], "properties": {
            "team_role": { "enum": ["care-coordinator", "clinician", "primary-care"] }, "reason": { "type": "string", "maxLength": 500 } } },
        "JoinRequested": { "type": "object", "properties": { "status": { "enum": ["requested"] } } },
        "TeamRequests": { "type": "object", "properties": { "requests": list(json!({ "type": "object", "properties": { "id": text(), "user_id": text(),
            "display_name": text(), "persona": text(), "organization": opt_text(), "team_role": text(), "reason": text(), "requested_at": text() } })) } },
        "EnrolmentCodeInput": { "type": "object", "required": ["delivery"], "properties": { "delivery": { "enum": ["show", "email", "text"] } } },
        "EnrolmentCode": { "type": "object", "properties": { "delivery": text(), "expires_at": text(),
            "code": { "type": "string", "description": "only when delivery is show: read it out or print it; it is not shown again" } } },
        "ClaimInput": { "type": "object", "required": ["code", "username", "password"], "properties": {
            "code": { "type": "string", "description": "ABCD-EFGH-JKMN; case, spaces and dashes do not matter" }, "username": text(), "password": { "type": "string", "minLength": 10 } } },
        "Claimed": { "type": "object", "properties": { "user": schema_ref("User") } },
        "BreakGlass": { "type": "object", "properties": { "member_id": text(), "hours": { "type": "integer" } } },
        "BreakGlassAlerts": { "type": "object", "properties": { "alerts": list(json!({ "type": "object" })) } }
    })
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
            "persona": { "enum": ["member", "peer-worker", "supervisor", "care-coordinator", "organization-admin", "state-admin", "privacy-officer"] },
            "organization_id": opt_text(), "member_id": opt_text(), "locale": opt_text() } },
        "LoginResult": { "type": "object", "properties": { "user": schema_ref("User"), "token": text(), "csrf_token": text() } },
        "Me": { "type": "object", "properties": { "user": schema_ref("User"), "persona": text() } },
        "PasswordChange": { "type": "object", "required": ["current_password", "new_password"], "properties": { "current_password": text(), "new_password": text() } },
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
        "AuditEvents": { "type": "object", "properties": { "events": list(schema_ref("AuditEvent")) } },
        "AuditEvent": { "type": "object", "properties": { "seq": { "type": "integer" }, "at": text(), "actor_username": text(), "action": text(),
            "entity": text(), "entity_id": opt_text(), "member_id": opt_text(), "decision": { "enum": ["permit", "deny"] }, "reason": text(),
            "client_addr": text(), "categories": { "type": "string", "description": "comma-separated categories disclosed" }, "purpose": text() } },
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
        "CaseloadContacts": { "type": "object", "properties": { "worker_id": text(), "worker_name": text(), "role_id": text(),
            "summary": { "type": "object", "properties": { "members": { "type": "integer" }, "rule_met": { "type": "integer" }, "rule_not_met": { "type": "integer" },
                "units_used": { "type": "integer" }, "not_shared": { "type": "integer", "description": "members who do not share their contacts with the caller" } } },
            "rows": list(json!({ "type": "object", "properties": { "member_id": text(), "name": { "type": ["string", "null"], "description": "null when the caller may not see who the member is" },
                "contacts": { "type": "integer" }, "window_days": { "type": "integer" }, "units_used": { "type": ["integer", "null"] }, "units_authorized": { "type": ["integer", "null"] },
                "rule_met": { "type": ["boolean", "null"] }, "last_contact": { "type": ["string", "null"], "format": "date" } } })) } },
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

fn strength() -> Value {
    json!({ "enum": ["no-preference", "prefer", "must"] })
}

fn preferences_input() -> Value {
    let identity = json!({ "type": "object", "required": ["dimension"], "properties": {
        "dimension": { "enum": ["gender", "race", "ethnicity", "language", "faith", "sexual-orientation", "age-band"] },
        "strength": strength(), "values": list(text()) } });
    let topic = json!({ "type": "object", "required": ["topic"], "properties": { "topic": text(), "strength": strength() } });
    json!({ "type": "object", "required": ["support"], "properties": {
        "support": { "enum": ["mental-health", "substance-use", "both", "health-and-social-needs", "family", "young-adults"] },
        "languages": list(text()), "interpreter_ok": { "type": "boolean" }, "identity": list(identity), "lived_experience": list(topic),
        "modalities": list(json!({ "enum": ["in-person", "phone", "video"] })),
        "times": list(json!({ "enum": ["daytime", "evening", "night", "weekend"] })),
        "home": { "type": ["object", "null"], "properties": { "lat": { "type": "number" }, "lon": { "type": "number" } } },
        "home_town": opt_text(), "max_travel_km": { "type": ["integer", "null"], "minimum": 1, "maximum": 500 },
        "source": { "type": "object", "properties": { "strength": strength(), "kinds": list(json!({ "enum": ["plan", "rlc", "vendor"] })) } },
        "named_peer": opt_text() } })
}

fn ranking_schema() -> Value {
    let reason = json!({ "type": "object", "required": ["code"], "properties": { "code": { "enum": [
        "shares-language", "with-interpreter", "shares-identity", "shares-lived-experience", "preferred-but-missing",
        "source", "distance-km", "available-at", "meets", "named-peer", "same-organization"] } } });
    let choice = json!({ "type": "object", "properties": { "worker_id": text(), "name": text(), "role_id": text(),
        "organization": text(), "source": { "enum": ["plan", "rlc", "vendor"] }, "languages": list(text()),
        "score": { "type": "integer" }, "remaining_capacity": { "type": "integer" }, "reasons": list(reason) } });
    json!({ "type": "object", "properties": { "member_id": text(), "eligible": { "type": "integer" }, "choices": list(choice) } })
}

fn batch_result() -> Value {
    let counts = json!({ "type": "object", "additionalProperties": { "type": "integer" } });
    json!({ "type": "object", "properties": { "dry_run": { "type": "boolean" }, "members": { "type": "integer" },
        "served": { "type": "integer" }, "unmatched": { "type": "integer" }, "total_score": { "type": "integer" },
        "objective": { "type": "integer", "description": "minimum cost of the flow network: -(big * served + total_score)" },
        "big": { "type": "integer" },
        "gap": { "type": "object", "properties": { "by_language": counts.clone(), "by_town": counts.clone(), "by_support": counts.clone(), "by_reason": counts } },
        "applied": { "type": ["object", "null"] }, "pairs": list(json!({ "type": "object" })), "unmatched_members": list(json!({ "type": "object" })) } })
}

/// The schemas of peer choice: preferences, ranking, choice, batch runs.
fn matching_schemas() -> Value {
    json!({
        "PreferencesInput": preferences_input(),
        "PreferencesResult": { "type": "object", "properties": { "member_id": text(), "preferences": { "type": ["object", "null"] }, "version": { "type": "integer" } } },
        "Ranking": ranking_schema(),
        "ChooseInput": { "type": "object", "properties": { "worker_id": opt_text() } },
        "Chosen": { "type": "object", "properties": { "member_id": text(), "worker_id": text(), "peer_name": text(), "team_member_id": text(), "previous_worker_id": opt_text() } },
        "Ended": { "type": "object", "properties": { "member_id": text(), "ended": { "type": "boolean" } } },
        "WorkerMatching": { "type": "object", "required": ["modalities"], "properties": {
            "modalities": list(json!({ "enum": ["in-person", "phone", "video"] })),
            "location": { "type": ["object", "null"], "properties": { "lat": { "type": "number" }, "lon": { "type": "number" } } } } },
        "WorkerMatchingRead": { "type": "object", "properties": { "worker_id": text(), "matching": { "$ref": "#/components/schemas/WorkerMatching" }, "version": { "type": "integer" } } },
        "Notifications": { "type": "object", "properties": { "notifications": list(json!({ "type": "object", "properties": {
            "id": text(), "text_key": text(), "args": { "type": "object" }, "created_at": text(), "read_at": opt_text() } })) } },
        "BatchInput": { "type": "object", "required": ["dry_run"], "properties": { "dry_run": { "type": "boolean" }, "departing": opt_text() } },
        "BatchResult": batch_result(),
        "Gaps": { "type": "object", "properties": { "gaps": list(json!({ "type": "object", "properties": {
            "member_id": text(), "member_name": text(), "former_peer": opt_text(), "reason": text(), "started_at": text(),
            "ended_at": opt_text(), "days": { "type": "integer" } } })) } }
    })
}

fn all_schemas() -> Value {
    let mut all = schemas();
    for more in [privacy_schemas(), referral_schemas(), matching_schemas(), contact_schemas(), booking_schemas()] {
        if let (Some(a), Value::Object(more)) = (all.as_object_mut(), more) {
            a.extend(more);
        }
    }
    all
}

/// The schemas of contacts with billing units, recovery goals and the team in plain words.
fn contact_schemas() -> Value {
    let date = json!({ "type": "string", "format": "date" });
    let opt_date = json!({ "type": ["string", "null"], "format": "date" });
    let contact_input = json!({ "date": date.clone(), "start_time": { "type": "string", "description": "HH:MM, optional" },
        "duration_minutes": { "type": ["integer", "string"], "minimum": 1, "maximum": 1440 },
        "modality": { "enum": ["in-person", "phone", "video", "text"] },
        "setting": { "enum": ["home", "community", "recovery-learning-community", "clinic", "emergency-department", "inpatient", "virtual"] },
        "note": { "type": "string", "maxLength": 200 } });
    let mut update = contact_input.clone();
    update["version"] = json!({ "type": "integer" });
    update["reason"] = text();
    let goal_input = json!({ "goal": { "type": "string", "maxLength": 500 }, "target_date": { "type": "string", "format": "date" },
        "status": { "enum": ["active", "achieved", "set-aside"] },
        "steps": list(json!({ "type": "object", "required": ["text"], "properties": { "text": text(), "target_date": { "type": "string", "format": "date" }, "done": { "type": "boolean" } } })) });
    let mut goal_update = goal_input.clone();
    goal_update["version"] = json!({ "type": "integer" });
    json!({
        "ContactUpdate": { "type": "object", "required": ["version", "date", "duration_minutes", "modality", "setting"], "properties": update },
        "LoggedContact": { "type": "object", "properties": { "id": text(), "member_id": text(), "author_id": text(), "author_name": text(), "date": date.clone(),
            "start_time": opt_text(), "duration_minutes": { "type": "integer" }, "modality": text(), "setting": text(), "note": text(),
            "version": { "type": "integer" }, "role_id": opt_text(), "units": { "type": ["integer", "null"] } } },
        "ContactLog": { "type": "object", "properties": { "member_id": text(), "contacts": list(schema_ref("LoggedContact")), "role_id": opt_text(),
            "can_log": { "type": "boolean" },
            "standing": { "type": ["object", "null"], "properties": { "unit_minutes": { "type": "integer" }, "rounding": { "enum": ["full-unit", "half-unit", "any-minute"] },
                "authorization": { "type": ["object", "null"], "properties": { "units_authorized": { "type": "integer" }, "days": { "type": "integer" }, "since": date.clone(),
                    "units_used": { "type": "integer" }, "units_left": { "type": "integer" }, "over": { "type": "boolean" } } },
                "engagement": { "type": ["object", "null"], "properties": { "rule": { "type": "object", "description": "kind connections (min, days) or within-units (units, days)" },
                    "since": date.clone(), "count": { "type": "integer" }, "met": { "type": "boolean" }, "needed": { "type": "integer" } } } } } } },
        "GoalInput": { "type": "object", "required": ["goal"], "properties": goal_input },
        "GoalUpdate": { "type": "object", "required": ["version", "goal"], "properties": goal_update },
        "ProgressInput": { "type": "object", "required": ["date", "note"], "properties": { "date": date.clone(), "note": { "type": "string", "maxLength": 500 } } },
        "GoalProgress": { "type": "object", "properties": { "id": text(), "date": date.clone(), "note": text(), "recorded_by": text() } },
        "RecoveryGoal": { "type": "object", "properties": { "id": text(), "member_id": text(), "goal": text(), "target_date": opt_date.clone(),
            "status": { "enum": ["active", "achieved", "set-aside"] }, "version": { "type": "integer" }, "updated_at": text(),
            "steps": list(json!({ "type": "object", "properties": { "text": text(), "target_date": opt_date, "done": { "type": "boolean" } } })),
            "progress": list(schema_ref("GoalProgress")) } },
        "RecoveryGoals": { "type": "object", "properties": { "goals": list(schema_ref("RecoveryGoal")), "hidden": { "type": "boolean" },
            "can_write": { "type": "boolean" }, "can_record_progress": { "type": "boolean" }, "visible_categories": schema_ref("Categories"), "purpose": text() } },
        "TeamOverview": { "type": "object", "properties": { "member_id": text(), "team": list(json!({ "type": "object", "properties": {
            "user_id": text(), "display_name": text(), "persona": text(), "team_role": text(), "since": text(), "role_id": opt_text(),
            "organization": opt_text(), "organization_kind": opt_text(), "source": { "enum": ["plan", "rlc", "vendor", null] },
            "availability": list(json!({ "enum": ["daytime", "evening", "night", "weekend"] })), "ways_to_meet": list(json!({ "enum": ["in-person", "phone", "video"] })),
            "sees": { "type": ["array", "null"], "description": "categories this person sees; only for the member" } } })) } }
    })
}

/// The schemas of referrals: any door, one request per person.
fn referral_schemas() -> Value {
    let doors = json!({ "enum": ["care-coordinator", "hospital", "recovery-learning-community", "community-organization", "human-service-organization", "dmh", "friend-or-family", "social-media", "self", "other"] });
    let support = json!({ "enum": ["mental-health", "substance-use", "both", "health-and-social-needs", "family", "young-adults"] });
    let input = json!({ "type": "object", "required": ["door", "given_name", "family_name", "date_of_birth", "language", "support"], "properties": {
        "door": doors.clone(), "given_name": text(), "family_name": text(), "date_of_birth": { "type": "string", "format": "date" },
        "masshealth_id": opt_text(), "phone": opt_text(), "email": opt_text(), "language": text(), "support": support.clone() } });
    json!({
        "ReferralInput": input,
        "Received": { "type": "object", "properties": { "received": { "type": "boolean" } } },
        "Referral": { "type": "object", "properties": { "id": text(), "member_id": opt_text(), "organization_id": opt_text(), "doors": list(doors),
            "given_name": text(), "family_name": text(), "date_of_birth": text(), "masshealth_id": opt_text(), "phone": opt_text(), "email": opt_text(),
            "language": text(), "support": support, "status": { "enum": ["new", "contacted", "enrolled", "closed"] },
            "arrivals": { "type": "integer" }, "first_arrived_at": text(), "last_arrived_at": text() } },
        "ReferralPage": page("Referral"),
        "EnrolInput": { "type": "object", "properties": { "masshealth_id": opt_text() } },
        "Enrolled": { "type": "object", "properties": { "member_id": text(),
            "joined_team": { "type": "boolean", "description": "false for a record that already existed: ask to join its team" } } },
        "ReferralStatusInput": { "type": "object", "required": ["status"], "properties": { "status": { "enum": ["new", "contacted", "closed"] } } }
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
        if *path != "/api/v1/auth/login" && !path.starts_with("/api/v1/public/") {
            op["security"] = json!([{ "bearer": [] }, { "session": [] }]);
        }
        if let Some(r) = request {
            op["requestBody"] = json!({ "required": true, "content": { "application/json": { "schema": schema_ref(r) } } });
        }
        let params: Vec<Value> = path
            .split('{')
            .skip(1)
            .filter_map(|p| p.split_once('}').map(|(name, _)| json!({ "name": name, "in": "path", "required": true, "schema": text() })))
            .collect();
        if !params.is_empty() {
            op["parameters"] = Value::Array(params);
        }
        paths.entry(path.to_string()).or_insert_with(|| json!({}))[method] = op;
    }
    json!({
        "openapi": "3.1.0",
        "info": { "title": "Accompany API", "version": env!("CARGO_PKG_VERSION"),
                  "description": "Records of a state's lived-experience workforce and the members they serve. Every access to member data is decided by one policy and audited." },
        "paths": paths,
        "x-input-limits": {
            "text": accompany_domain::limits::TEXT_LIMITS,
            "max_list_items": accompany_domain::limits::MAX_LIST_ITEMS,
            "max_body_bytes": accompany_domain::limits::MAX_BODY_BYTES,
            "dates": { "earliest_year": accompany_domain::limits::EARLIEST_YEAR, "latest_year": accompany_domain::limits::LATEST_YEAR },
        },
        "components": {
            "schemas": all_schemas(),
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

/// The schemas of availability, booking, groups and reaching people.
fn booking_schemas() -> Value {
    let modality = json!({ "enum": ["in-person", "phone", "video"] });
    let window = json!({ "type": "object", "required": ["weekday", "start", "end", "modality"], "properties": {
        "weekday": { "enum": ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"] },
        "start": { "type": "string", "description": "HH:MM" }, "end": { "type": "string", "description": "HH:MM after the start; 24:00 for midnight" },
        "modality": modality } });
    let session = json!({ "type": "object", "properties": { "id": text(), "member_id": text(), "member_name": text(), "worker_id": text(),
        "worker_name": text(), "start": text(), "end": text(), "minutes": { "type": "integer" }, "modality": text(),
        "status": { "enum": ["booked", "cancelled"] }, "version": { "type": "integer" } } });
    let group = json!({ "type": "object", "properties": { "id": text(), "title": text(), "description": text(), "language": text(),
        "modality": text(), "setting": text(), "place": text(), "minutes": { "type": "integer" }, "open_to": text(), "open_to_name": text(),
        "leaders": list(text()), "next_meeting": opt_text(), "meetings_left": { "type": "integer" }, "joined": { "type": "boolean" },
        "is_leader": { "type": "boolean" }, "members": { "type": "integer" } } });
    json!({
        "WeekInput": { "type": "object", "required": ["windows"], "properties": { "windows": list(window.clone()) } },
        "Availability": { "type": "object", "properties": { "worker_id": text(), "windows": list(window),
            "times": list(json!({ "enum": ["daytime", "evening", "night", "weekend"] })) } },
        "BookablePeers": { "type": "object", "properties": { "peers": list(json!({ "type": "object", "properties": { "worker_id": text(), "user_id": text(), "name": text() } })) } },
        "Slots": { "type": "object", "properties": { "worker_id": text(), "minutes": { "type": "integer" },
            "slots": list(json!({ "type": "object", "properties": { "start": text(), "end": text(), "modality": text() } })) } },
        "SessionInput": { "type": "object", "required": ["worker_id", "start", "minutes"], "properties": { "worker_id": text(),
            "start": { "type": "string", "description": "YYYY-MM-DDTHH:MM, wall-clock" }, "minutes": { "enum": [30, 45, 60, 90, 120, 180] }, "modality": modality } },
        "RescheduleInput": { "type": "object", "required": ["start", "minutes"], "properties": { "start": text(), "minutes": { "type": "integer" }, "version": { "type": "integer" } } },
        "Session": session.clone(),
        "Sessions": { "type": "object", "properties": { "sessions": list(session) } },
        "GroupInput": { "type": "object", "required": ["title", "language", "modality", "setting", "first_date", "start", "end", "weeks", "open_to"], "properties": {
            "title": text(), "description": text(), "language": text(), "modality": text(), "setting": text(), "place": text(),
            "first_date": { "type": "string", "description": "YYYY-MM-DD, not in the past" }, "start": text(), "end": text(),
            "weeks": { "type": "integer", "minimum": 1, "maximum": 52 }, "open_to": text(), "co_leaders": list(text()) } },
        "Group": group.clone(),
        "Groups": { "type": "object", "properties": { "groups": list(group) } },
        "Roster": { "type": "object", "properties": { "group": { "type": "object" }, "meetings": list(json!({ "type": "object" })), "members": list(json!({ "type": "object" })) } },
        "AttendanceInput": { "type": "object", "required": ["meeting_id", "member_ids"], "properties": { "meeting_id": text(), "member_ids": list(text()) } },
        "AttendanceResult": { "type": "object", "properties": { "contact_notes": list(json!({ "type": "object" })) } },
        "ReachInput": { "type": "object", "required": ["channel"], "properties": { "channel": { "enum": ["in-app", "email", "text"] }, "email": text(), "phone": text() } },
        "Reach": { "type": "object", "properties": { "channel": text(), "email": opt_text(), "phone": opt_text() } },
        "CalendarFeed": { "type": "object", "properties": { "path": text(), "expires_at": text() } },
        "Outbox": { "type": "object", "properties": { "messages": list(json!({ "type": "object" })) } }
    })
}

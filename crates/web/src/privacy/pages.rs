//! Pages of privacy: the member's sharing page (choices, what each
//! person on the team sees, Part 2 consent, the firewall, emergency
//! accesses), emergency access for staff, the privacy officer's audit
//! search, and health entries and contact notes from the member page.

use accompany_domain::notes::{ContactNoteInput, HealthEntryInput};
use accompany_domain::policy::Relationship;
use accompany_domain::privacy::{self, Categories, Category, EmergencyReason, Purpose, Recipient, SharingChoice, SharingInput};
use accompany_domain::records::{format_date, Persona, TeamRole};
use accompany_domain::FieldError;
use accompany_store::{AuditEvent, BreakGlassEvent, FirewallEntry, StaffEntry};
use askama::Template;
use axum::extract::{Path, Query, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use axum::Form;
use axum::Router;
use serde::Deserialize;
use std::collections::HashMap;

use crate::auth::Signed;
use crate::i18n::Tr;
use crate::page::{category_name, csrf_refused, csv_download, render, Layout, PageResult, PageUser, CHOOSABLE};
use crate::problem::AppError;
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/sharing", get(sharing).post(save_sharing))
        .route("/sharing/withdraw", post(withdraw_sharing))
        .route("/sharing/firewall", post(add_to_firewall))
        .route("/sharing/firewall/remove", post(remove_from_firewall))
        .route("/sharing/requests/answer", post(answer_request))
        .route("/emergency", get(emergency_form).post(emergency))
        .route("/privacy", get(privacy_office))
        .route("/privacy/audit.csv", get(audit_csv))
        .route("/privacy/review", post(review))
        .route("/members/{id}/health", post(add_health_entry))
        .route("/members/{id}/contacts", post(log_contact))
}

fn value<'a>(pairs: &'a [(String, String)], key: &str) -> &'a str {
    pairs.iter().find(|(k, _)| k == key).map_or("", |(_, v)| v.as_str())
}

// --- The member's sharing page ---------------------------------------------------

pub struct CategoryBox {
    pub id: &'static str,
    pub name: String,
    pub checked: bool,
}

pub struct PersonSharing {
    pub recipient: String,
    pub name: String,
    pub role: String,
    pub organization: String,
    pub boxes: Vec<CategoryBox>,
    pub sees: String,
    pub choice_id: Option<String>,
    pub until: String,
    pub firewalled: bool,
    pub shares_part2: bool,
    /// (id, name, ticked): treatment is ticked unless the member chose otherwise.
    pub purposes: Vec<(&'static str, String, bool)>,
}

/// One person or role on the sharing page, before it is put in words.
struct Card<'a> {
    recipient: Recipient,
    name: String,
    role: String,
    organization: String,
    sees: Categories,
    choice: Option<&'a SharingChoice>,
    firewalled: bool,
}

impl Card<'_> {
    fn view(self, t: &Tr) -> PersonSharing {
        PersonSharing {
            recipient: self.recipient.to_key(),
            boxes: CHOOSABLE.iter().map(|c| CategoryBox { id: c.as_str(), name: category_name(t, *c), checked: self.sees.contains(*c) }).collect(),
            sees: describe(t, self.sees),
            choice_id: self.choice.map(|c| c.id.clone()),
            until: self.choice.and_then(|c| c.until).map(format_date).unwrap_or_default(),
            shares_part2: self.sees.contains(Category::SubstanceUse),
            purposes: Purpose::CHOOSABLE
                .iter()
                .map(|u| {
                    let ticked = self.choice.map_or(*u == Purpose::Treatment, |c| c.purposes.contains(u));
                    (u.as_str(), t.t(&format!("purpose-{}", u.as_str())), ticked)
                })
                .collect(),
            name: self.name,
            role: self.role,
            organization: self.organization,
            firewalled: self.firewalled,
        }
    }
}

#[derive(Template)]
#[template(path = "privacy/sharing.html")]
struct SharingPage {
    l: Layout,
    people: Vec<PersonSharing>,
    roles: Vec<PersonSharing>,
    /// The payers of the member's coverage: a Part 2 consent for payment names one.
    payers: Vec<PersonSharing>,
    firewall: Vec<FirewallEntry>,
    query: String,
    results: Vec<StaffEntry>,
    emergency: Vec<BreakGlassEvent>,
    /// The recipient whose form failed, with the problems by field.
    failed: Option<String>,
    errors: Vec<(String, String)>,
    saved: bool,
    team_changes: Vec<String>,
    /// (request id, who, why)
    requests: Vec<(String, String, String)>,
}

#[derive(Deserialize, Default)]
struct SharingQuery {
    q: Option<String>,
    saved: Option<String>,
}

async fn sharing(State(state): State<AppState>, PageUser(s): PageUser, Query(q): Query<SharingQuery>) -> PageResult {
    sharing_page(&state, &s, q.q.unwrap_or_default(), None, vec![], q.saved.is_some()).await
}

async fn sharing_page(state: &AppState, s: &Signed, query: String, failed: Option<String>, errors: Vec<FieldError>, saved: bool) -> PageResult {
    let t = &s.tr;
    let member_id = members_only(s)?;
    let access = s.access(state);
    let overview = access.sharing(&member_id).await?;
    let results = if query.trim().is_empty() { vec![] } else { access.staff_directory(&query).await? };
    let people = overview
        .team
        .iter()
        .map(|p| {
            let card = Card {
                recipient: Recipient::Person(p.user_id.clone()),
                name: p.display_name.clone(),
                role: t.t(&format!("team-role-{}", p.team_role.as_str())),
                organization: p.organization.clone().unwrap_or_default(),
                sees: p.sees,
                choice: p.choice.as_ref(),
                firewalled: overview.firewall.iter().any(|f| f.user_id == p.user_id),
            };
            card.view(t)
        })
        .chain(overview.peer_supervisors.iter().map(|p| {
            Card {
                recipient: Recipient::Person(p.user_id.clone()),
                name: p.display_name.clone(),
                role: t.t("sharing-peer-supervisor"),
                organization: p.organization.clone().unwrap_or_default(),
                sees: p.sees,
                choice: p.choice.as_ref(),
                firewalled: overview.firewall.iter().any(|f| f.user_id == p.user_id),
            }
            .view(t)
        }))
        .collect();
    // Choices for a whole role apply to everyone in it who has no choice of their own.
    let defaults = &state.catalog.privacy;
    let roles = TeamRole::ALL
        .iter()
        .map(|r| {
            let recipient = Recipient::TeamRole(*r);
            let choice = overview.choices.iter().find(|c| c.recipient == recipient);
            let rel = Relationship { team_role: Some(*r), choices: choice.into_iter().cloned().collect(), ..Default::default() };
            let (sees, _) = privacy::visible(Persona::CareCoordinator, &rel, defaults, time::OffsetDateTime::now_utc().date());
            let name = t.t(&format!("team-role-{}", r.as_str()));
            Card { recipient, role: t.t("sharing-everyone-in-role"), name, organization: String::new(), sees, choice, firewalled: false }.view(t)
        })
        .collect();
    // Payers see what a claim carries; the member decides whether a substance-use diagnosis may go.
    let payers = overview
        .payers
        .iter()
        .map(|id| {
            let recipient = Recipient::Payer(id.clone());
            let choice = overview.choices.iter().find(|c| c.recipient == recipient);
            let sees = choice.map_or(Categories::NONE, |c| c.categories);
            let name = crate::page::payer_name(state, t, id);
            Card { recipient, role: t.t("sharing-payer-role"), name, organization: String::new(), sees, choice, firewalled: false }.view(t)
        })
        .collect();
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let mut r = render(SharingPage {
        l: Layout::new(t, Some(s), "/sharing", t.t("sharing-title")),
        people,
        roles,
        payers,
        firewall: overview.firewall,
        query,
        results,
        emergency: overview.emergency_access,
        team_changes: overview
            .team_changes
            .iter()
            .map(|c| {
                let role = t.t(&format!("team-role-{}", c.team_role.as_str()));
                let change = t.t(&format!("team-change-{}", c.change));
                let mut line =
                    t.tn("sharing-team-change", &[("who", c.display_name.clone()), ("role", role), ("change", change), ("at", c.at.clone())]);
                if let Some(by) = &c.changed_by {
                    line = format!("{line} {}", t.t1("sharing-team-change-by", "by", by.clone()));
                }
                line
            })
            .collect(),
        requests: overview
            .team_requests
            .iter()
            .map(|r| {
                let role = t.t(&format!("team-role-{}", r.team_role.as_str()));
                let who = match &r.organization {
                    Some(o) => format!("{} ({role}, {o})", r.display_name),
                    None => format!("{} ({role})", r.display_name),
                };
                (r.id.clone(), who, t.t1("sharing-request-why", "reason", r.reason.clone()))
            })
            .collect(),
        failed,
        errors: errors.iter().map(|e| (t.field_label(&e.field), t.field_error(e))).collect(),
        saved,
    });
    *r.status_mut() = status;
    Ok(r)
}

/// The member's own id: the sharing page is for members only.
fn members_only(s: &Signed) -> Result<String, AppError> {
    s.user.member_id.clone().ok_or_else(|| AppError::Forbidden(s.tr.t("sharing-members-only")))
}

/// "contact details, mental health and recovery goals", in the reader's language.
pub fn describe(t: &Tr, cats: Categories) -> String {
    let names: Vec<String> = CHOOSABLE.iter().filter(|c| cats.contains(**c)).map(|c| category_name(t, *c)).collect();
    if names.is_empty() {
        t.t("sharing-sees-only-basics")
    } else {
        t.t1("sharing-sees", "list", names.join(", "))
    }
}

async fn save_sharing(State(state): State<AppState>, PageUser(s): PageUser, Form(pairs): Form<Vec<(String, String)>>) -> PageResult {
    if let Some(r) = csrf_refused(&s, value(&pairs, "csrf")) {
        return Ok(r);
    }
    let member_id = members_only(&s)?;
    let input = SharingInput {
        recipient: value(&pairs, "recipient").to_string(),
        categories: pairs.iter().filter(|(k, _)| k == "category").map(|(_, v)| v.clone()).collect(),
        purposes: pairs.iter().filter(|(k, _)| k == "purpose").map(|(_, v)| v.clone()).collect(),
        until: Some(value(&pairs, "until").to_string()),
        part2_signed_by: Some(value(&pairs, "part2_signed_by").to_string()),
        part2_recipients: Some(value(&pairs, "part2_recipients").to_string()),
        part2_expires_on: Some(value(&pairs, "part2_expires_on").to_string()),
    };
    match s.access(&state).set_sharing(&member_id, &input).await {
        Ok(_) => Ok(Redirect::to("/sharing?saved=1").into_response()),
        Err(e) => match AppError::from(e) {
            AppError::Invalid(errors) => sharing_page(&state, &s, String::new(), Some(input.recipient), errors, false).await,
            other => Err(other.into()),
        },
    }
}

async fn withdraw_sharing(State(state): State<AppState>, PageUser(s): PageUser, Form(pairs): Form<Vec<(String, String)>>) -> PageResult {
    member_action(&state, &s, &pairs, |access, member_id, pairs| async move { access.revoke_sharing(&member_id, value(&pairs, "choice_id")).await })
        .await
}

async fn add_to_firewall(State(state): State<AppState>, PageUser(s): PageUser, Form(pairs): Form<Vec<(String, String)>>) -> PageResult {
    member_action(&state, &s, &pairs, |access, member_id, pairs| async move { access.add_to_firewall(&member_id, value(&pairs, "user_id")).await })
        .await
}

/// The member lets someone who asked join their team, or says no.
async fn answer_request(State(state): State<AppState>, PageUser(s): PageUser, Form(pairs): Form<Vec<(String, String)>>) -> PageResult {
    member_action(&state, &s, &pairs, |access, member_id, pairs| async move {
        access.answer_team_request(&member_id, value(&pairs, "request_id"), value(&pairs, "answer") == "approve").await
    })
    .await
}

async fn remove_from_firewall(State(state): State<AppState>, PageUser(s): PageUser, Form(pairs): Form<Vec<(String, String)>>) -> PageResult {
    member_action(
        &state,
        &s,
        &pairs,
        |access, member_id, pairs| async move { access.remove_from_firewall(&member_id, value(&pairs, "entry_id")).await },
    )
    .await
}

/// A button on the sharing page: check the form, act, come back.
async fn member_action<F, Fut>(state: &AppState, s: &Signed, pairs: &[(String, String)], act: F) -> PageResult
where
    F: FnOnce(accompany_store::Access, String, Vec<(String, String)>) -> Fut,
    Fut: std::future::Future<Output = accompany_store::Result<()>>,
{
    if let Some(r) = csrf_refused(s, value(pairs, "csrf")) {
        return Ok(r);
    }
    let member_id = members_only(s)?;
    act(s.access(state), member_id, pairs.to_vec()).await?;
    Ok(Redirect::to("/sharing?saved=1").into_response())
}

// --- Emergency access -------------------------------------------------------------

#[derive(Template)]
#[template(path = "privacy/emergency.html")]
struct EmergencyPage {
    l: Layout,
    masshealth_id: String,
    reason: String,
    /// (code, label, checked) for each reason category.
    categories: Vec<(&'static str, String, bool)>,
    errors: HashMap<String, String>,
    hours: u32,
}

impl EmergencyPage {
    fn error(&self, field: &str) -> String {
        self.errors.get(field).cloned().unwrap_or_default()
    }
}

async fn emergency_form(State(state): State<AppState>, PageUser(s): PageUser) -> PageResult {
    emergency_page(&state, &s, EmergencyForm::default(), vec![])
}

fn emergency_page(state: &AppState, s: &Signed, f: EmergencyForm, errors: Vec<FieldError>) -> PageResult {
    let t = &s.tr;
    if !s.emergency {
        return Err(AppError::Forbidden(t.t("emergency-not-for-you")).into());
    }
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let mut r = render(EmergencyPage {
        l: Layout::new(t, Some(s), "/emergency", t.t("emergency-title")),
        categories: EmergencyReason::ALL
            .iter()
            .map(|r| (r.as_str(), t.t(&format!("emergency-category-{}", r.as_str())), f.reason_category == r.as_str()))
            .collect(),
        masshealth_id: f.masshealth_id,
        reason: f.reason,
        errors: errors.iter().map(|e| (e.field.clone(), t.field_error(e))).collect(),
        hours: state.catalog.privacy.break_glass_hours,
    });
    *r.status_mut() = status;
    Ok(r)
}

#[derive(Deserialize, Default)]
struct EmergencyForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    masshealth_id: String,
    #[serde(default)]
    reason_category: String,
    #[serde(default)]
    reason: String,
}

async fn emergency(State(state): State<AppState>, PageUser(s): PageUser, Form(f): Form<EmergencyForm>) -> PageResult {
    if let Some(r) = csrf_refused(&s, &f.csrf) {
        return Ok(r);
    }
    match s.access(&state).break_glass(&f.masshealth_id, &f.reason_category, &f.reason).await {
        Ok(id) => Ok(Redirect::to(&format!("/members/{id}")).into_response()),
        Err(e) => match AppError::from(e) {
            AppError::Invalid(errors) => emergency_page(&state, &s, f, errors),
            other => Err(other.into()),
        },
    }
}

// --- The privacy officer ----------------------------------------------------------

pub struct AuditRow {
    pub at: String,
    pub actor: String,
    pub action: String,
    pub member_id: String,
    pub categories: String,
    pub purpose: String,
    pub refused: bool,
    pub reason: String,
    pub client_addr: String,
}

#[derive(Template)]
#[template(path = "privacy/privacy.html")]
struct PrivacyPage {
    l: Layout,
    alerts: Vec<BreakGlassEvent>,
    q: super::api::AuditQuery,
    rows: Vec<AuditRow>,
    next: Option<String>,
    csv_href: String,
}

fn audit_row(t: &Tr, e: AuditEvent) -> AuditRow {
    AuditRow {
        at: e.at.get(..19).unwrap_or(&e.at).replace('T', " "),
        actor: e.actor_username,
        action: t.t(&format!("audit-action-{}", e.action)),
        member_id: e.member_id.unwrap_or_default(),
        categories: Categories::from_text(&e.categories).iter().map(|c| category_name(t, c)).collect::<Vec<_>>().join(", "),
        purpose: if e.purpose.is_empty() { String::new() } else { t.t(&format!("purpose-{}", e.purpose)) },
        refused: e.decision == "deny",
        reason: e.reason,
        client_addr: e.client_addr,
    }
}

async fn privacy_office(State(state): State<AppState>, PageUser(s): PageUser, RawQuery(raw): RawQuery) -> PageResult {
    let t = &s.tr;
    let raw = raw.unwrap_or_default();
    let q: super::api::AuditQuery = serde_urlencoded::from_str(&raw).unwrap_or_default();
    let access = s.access(&state);
    let result = async {
        let alerts = access.break_glass_alerts().await?;
        let page = access.audit_search(&q.clone().filter(), false).await?;
        Ok::<_, accompany_store::StoreError>((alerts, page))
    }
    .await;
    let (alerts, page) = result?;
    let keep = audit_params(&q);
    let next = page.next_cursor.as_ref().map(|c| format!("/privacy?{keep}&before={c}"));
    Ok(render(PrivacyPage {
        l: Layout::new(t, Some(&s), "/privacy", t.t("privacy-title")),
        alerts,
        rows: page.items.into_iter().map(|e| audit_row(t, e)).collect(),
        next,
        csv_href: format!("/privacy/audit.csv?{keep}"),
        q,
    }))
}

/// The search's filters as a query string, without the cursor.
fn audit_params(q: &super::api::AuditQuery) -> String {
    let pairs =
        [("actor", &q.actor), ("member_id", &q.member_id), ("from", &q.from), ("to", &q.to), ("decision", &q.decision), ("purpose", &q.purpose)];
    serde_urlencoded::to_string(pairs.iter().filter_map(|(k, v)| v.as_ref().filter(|v| !v.is_empty()).map(|v| (*k, v))).collect::<Vec<_>>())
        .unwrap_or_default()
}

/// The search's results as CSV, for the privacy officer's own tools. The
/// export is itself audited.
async fn audit_csv(State(state): State<AppState>, PageUser(s): PageUser, RawQuery(raw): RawQuery) -> PageResult {
    let q: super::api::AuditQuery = serde_urlencoded::from_str(&raw.unwrap_or_default()).unwrap_or_default();
    let page = s.access(&state).audit_search(&q.filter(), true).await?;
    let header = ["seq", "at", "actor", "action", "entity", "entity_id", "member_id", "decision", "reason", "categories", "purpose", "client_addr"];
    let rows = page.items.iter().map(|e| {
        vec![
            e.seq.to_string(),
            e.at.clone(),
            e.actor_username.clone(),
            e.action.clone(),
            e.entity.clone(),
            e.entity_id.clone().unwrap_or_default(),
            e.member_id.clone().unwrap_or_default(),
            e.decision.clone(),
            e.reason.clone(),
            e.categories.clone(),
            e.purpose.clone(),
            e.client_addr.clone(),
        ]
    });
    csv_download("audit.csv", &header, rows, "the export could not be written")
}

#[derive(Deserialize)]
struct ReviewForm {
    csrf: String,
    id: String,
}

async fn review(State(state): State<AppState>, PageUser(s): PageUser, Form(f): Form<ReviewForm>) -> PageResult {
    if let Some(r) = csrf_refused(&s, &f.csrf) {
        return Ok(r);
    }
    s.access(&state).review_break_glass(&f.id).await?;
    Ok(Redirect::to("/privacy").into_response())
}

// --- Health entries and contact notes from the member page ------------------------

#[derive(Deserialize)]
struct HealthForm {
    csrf: String,
    category: String,
    text: String,
}

async fn add_health_entry(State(state): State<AppState>, PageUser(s): PageUser, Path(id): Path<String>, Form(f): Form<HealthForm>) -> PageResult {
    if let Some(r) = csrf_refused(&s, &f.csrf) {
        return Ok(r);
    }
    let input = HealthEntryInput { category: f.category, text: f.text };
    s.access(&state).add_health_entry(&id, &input).await?;
    Ok(Redirect::to(&format!("/members/{id}#health-heading")).into_response())
}

#[derive(Deserialize)]
struct ContactForm {
    csrf: String,
    date: String,
    duration_minutes: String,
    modality: String,
    setting: String,
    #[serde(default)]
    note: String,
}

async fn log_contact(State(state): State<AppState>, PageUser(s): PageUser, Path(id): Path<String>, Form(f): Form<ContactForm>) -> PageResult {
    if let Some(r) = csrf_refused(&s, &f.csrf) {
        return Ok(r);
    }
    let input = ContactNoteInput {
        date: f.date,
        duration_minutes: f.duration_minutes,
        modality: f.modality,
        setting: f.setting,
        note: f.note,
        start_time: String::new(),
    };
    s.access(&state).log_contact(&id, &input).await?;
    Ok(Redirect::to(&format!("/members/{id}#notes-heading")).into_response())
}

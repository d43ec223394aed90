//! Member records: the list, one record, and the form that creates or edits one.

use accompany_domain::claim_data::AddressInput;
use accompany_domain::events::EventKind;
use accompany_domain::notes::{ContactNote, Modality, Setting, HEALTH_CATEGORIES};
use accompany_domain::policy;
use accompany_domain::privacy::Purpose;
use accompany_domain::records::{format_date, Demographics, Member, MemberInput};
use accompany_domain::FieldError;
use accompany_store::{MemberFilter, StoreError, VersionEntry};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Form;
use axum::Router;
use serde::Deserialize;
use std::collections::HashMap;

use crate::auth::Signed;
use crate::page::{
    csrf_refused, member_rows, member_view, render, team_rows, FieldErrors, Layout, MemberRow, MemberView, PageResult, PageUser, TeamRow,
};
use crate::problem::AppError;
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/members", get(members).post(create_member))
        .route("/members/new", get(new_member))
        .route("/members/{id}", get(member).post(update_member))
        .route("/members/{id}/edit", get(edit_member))
}

// --- Members ----------------------------------------------------------------------

#[derive(Template)]
#[template(path = "members/members.html")]
struct MembersPage {
    l: Layout,
    members: Vec<MemberRow>,
    name: String,
    next: Option<String>,
    can_create: bool,
}

#[derive(Deserialize, Default)]
struct MembersQuery {
    name: Option<String>,
    after: Option<String>,
}

async fn members(State(state): State<AppState>, PageUser(s): PageUser, Query(q): Query<MembersQuery>) -> PageResult {
    let filter = MemberFilter { name: q.name.clone(), after: q.after.clone(), limit: 50, ..Default::default() };
    let page = s.access(&state).members(&filter).await?;
    let name = q.name.unwrap_or_default();
    let next = page.next_cursor.as_ref().map(|c| format!("/members?name={}&after={}", crate::auth::urlencode(&name), c));
    let title = if policy::has_caseload(s.user.persona) { s.tr.t("nav-caseload") } else { s.tr.t("members-title") };
    Ok(render(MembersPage {
        l: Layout::new(&s.tr, Some(&s), "/members", title),
        members: member_rows(&state, &s.tr, &page),
        name,
        next,
        can_create: policy::may_create_members(s.user.persona),
    }))
}

#[derive(Template)]
#[template(path = "members/member.html")]
struct MemberPage {
    l: Layout,
    m: MemberView,
    team: Vec<TeamRow>,
    history: Vec<VersionEntry>,
    can_edit: bool,
    /// For the member themself: who looked at the record, newest first.
    looked: Vec<AccessRow>,
    /// What the member's choices keep from this reader, in words; empty for the member.
    hidden: String,
    emergency: bool,
    health: Vec<HealthRow>,
    part2_notice: Option<&'static str>,
    notes: Vec<ContactNote>,
    can_log_contact: bool,
    health_categories: Vec<(&'static str, String)>,
    modalities: Vec<(&'static str, String)>,
    settings: Vec<(&'static str, String)>,
    today: String,
    /// The member's recovery goals beside the care plan, as far as shared with the reader.
    goals: Vec<(String, String)>,
    goals_hidden: bool,
    /// The member's care coordinator may give them an enrolment code.
    can_issue_code: bool,
    /// The reader sees the member's coverage and authorizations.
    sees_billing: bool,
    /// The diagnoses whose label the reader sees.
    diagnoses: Vec<DiagnosisRow>,
    can_add_diagnosis: bool,
    /// Acute-care events whose label the reader sees, newest first; `None` when the read is refused.
    events: Option<Vec<AcuteRow>>,
}

pub struct AcuteRow {
    pub kind: String,
    pub day: String,
    pub facility: String,
    pub diagnoses: String,
}

fn acute_row(t: &crate::i18n::Tr, e: accompany_store::events::CareEvent) -> AcuteRow {
    let day = match (e.kind, e.end) {
        (EventKind::Admission, Some(end)) => t.tn("acute-stay", &[("start", e.start), ("end", end)]),
        (EventKind::Admission, None) => t.t1("acute-stay-open", "start", e.start),
        (_, _) => e.start,
    };
    AcuteRow {
        kind: t.t(&format!("acute-kind-{}", e.kind.as_str())),
        day,
        facility: e.facility.unwrap_or_default(),
        diagnoses: e.diagnoses.join(", "),
    }
}

pub struct DiagnosisRow {
    pub id: String,
    pub code: String,
    pub description: String,
    pub category: String,
    pub start_date: String,
    pub end_date: Option<String>,
    pub version: i64,
}

pub struct HealthRow {
    pub category: String,
    pub text: String,
    pub recorded_by: String,
    pub recorded_at: String,
}

pub struct AccessRow {
    pub when: String,
    pub who: String,
    pub what: String,
    pub refused: bool,
    pub emergency: bool,
}

async fn member(State(state): State<AppState>, PageUser(s): PageUser, Path(id): Path<String>) -> PageResult {
    let access = s.access(&state);
    let result: Result<MemberPage, AppError> = async {
        let seen = access.member(&id).await?;
        let team = team_rows(&state, &s.tr, &access.care_team(&id).await?);
        let history = access.member_history(&id).await?;
        let health = access.health_entries(&id).await?;
        let notes: Vec<ContactNote> = access.contact_log(&id).await?.contacts.into_iter().map(|c| c.note).collect();
        let goals = access.recovery_goals(&id).await?.record;
        let diagnoses = access.diagnoses(&id).await?;
        let is_self = s.user.member_id.as_deref() == Some(id.as_str());
        let emergency = seen.purpose == Purpose::Emergency;
        let can_edit = !emergency && policy::may_edit_member_record(s.user.persona);
        let visible = seen.visible_categories;
        let hidden_list: Vec<String> =
            crate::page::CHOOSABLE.iter().filter(|c| !visible.contains(**c)).map(|c| crate::page::category_name(&s.tr, *c)).collect();
        let hidden = if is_self || hidden_list.is_empty() { String::new() } else { s.tr.t1("hidden-list", "list", hidden_list.join(", ")) };
        let view = member_view(&state, &s.tr, &seen.record, visible);
        let t = &s.tr;
        // A reader refused the events still gets the rest of the record.
        let events = match access.member_events(&id).await {
            Ok(seen) => Some(seen.record.events.into_iter().map(|e| acute_row(t, e)).collect()),
            Err(StoreError::Denied(_) | StoreError::NotFound) => None,
            Err(e) => return Err(e.into()),
        };
        let options = |ids: Vec<&'static str>, prefix: &str| ids.into_iter().map(|i| (i, t.t(&format!("{prefix}{i}")))).collect();
        let looked = if s.user.member_id.as_deref() == Some(id.as_str()) {
            access
                .member_audit(&id)
                .await?
                .into_iter()
                .map(|e| AccessRow {
                    when: e.at.get(..16).unwrap_or(&e.at).replace('T', " "),
                    who: e.actor_username,
                    what: s.tr.t(&format!("audit-action-{}", e.action)),
                    refused: e.decision == "deny",
                    emergency: e.purpose == "emergency",
                })
                .collect()
        } else {
            vec![]
        };
        Ok(MemberPage {
            sees_billing: visible.contains(accompany_domain::privacy::Category::Billing),
            l: Layout::new(&s.tr, Some(&s), "/members", view.name.clone()),
            m: view,
            team,
            history,
            can_edit,
            looked,
            hidden,
            emergency,
            part2_notice: health.part2_notice,
            health: health
                .record
                .entries
                .into_iter()
                .map(|e| HealthRow {
                    category: crate::page::category_name(t, e.category),
                    text: e.text,
                    recorded_by: e.recorded_by,
                    recorded_at: e.recorded_at.get(..10).unwrap_or(&e.recorded_at).to_string(),
                })
                .collect(),
            notes,
            can_log_contact: policy::logs_contacts(s.user.persona),
            can_issue_code: policy::may_issue_enrolment_codes(s.user.persona) && !emergency,
            health_categories: options(HEALTH_CATEGORIES.iter().map(|c| c.as_str()).collect(), "category-"),
            modalities: options(Modality::ALL.iter().map(|m| m.as_str()).collect(), "modality-"),
            settings: options(Setting::ALL.iter().map(|m| m.as_str()).collect(), "setting-"),
            today: format_date(time::OffsetDateTime::now_utc().date()),
            goals_hidden: goals.hidden,
            events,
            can_add_diagnosis: diagnoses.record.can_write && !emergency,
            diagnoses: diagnoses
                .record
                .diagnoses
                .into_iter()
                .map(|d| DiagnosisRow {
                    id: d.id,
                    code: d.code,
                    description: d.description.unwrap_or_default(),
                    category: crate::page::category_name(t, d.category),
                    start_date: format_date(d.start_date),
                    end_date: d.end_date.map(format_date),
                    version: d.version,
                })
                .collect(),
            goals: goals.goals.iter().map(|g| (g.goal.clone(), s.tr.t(&format!("ct-goal-status-{}", g.status.as_str())))).collect(),
        })
    }
    .await;
    let p = result?;
    Ok(render(p))
}

/// The member form, flat as HTML forms are.
#[derive(Deserialize, Default, Clone)]
pub struct MemberForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    version: Option<i64>,
    #[serde(default)]
    reason: String,
    pub masshealth_id: String,
    #[serde(default)]
    pub medicare_id: String,
    pub given_name: String,
    pub family_name: String,
    pub date_of_birth: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub city: String,
    #[serde(default)]
    pub language_1: String,
    #[serde(default)]
    pub language_2: String,
    #[serde(default)]
    pub needs: String,
    #[serde(default)]
    pub gender: String,
    #[serde(default)]
    pub race: String,
    #[serde(default)]
    pub ethnicity: String,
    #[serde(default)]
    pub sexual_orientation: String,
    #[serde(default)]
    pub faith: String,
    #[serde(default)]
    pub age_band: String,
    #[serde(default)]
    pub plan_id: String,
    #[serde(default)]
    pub line1: String,
    #[serde(default)]
    pub line2: String,
    #[serde(default)]
    pub state: String,
    #[serde(default)]
    pub zip: String,
    #[serde(default)]
    pub administrative_sex: String,
}

fn some(s: &str) -> Option<String> {
    Some(s.to_string()).filter(|s| !s.trim().is_empty())
}

impl MemberForm {
    fn input(&self) -> MemberInput {
        MemberInput {
            masshealth_id: self.masshealth_id.clone(),
            medicare_id: some(&self.medicare_id),
            given_name: self.given_name.clone(),
            family_name: self.family_name.clone(),
            date_of_birth: self.date_of_birth.clone(),
            phone: some(&self.phone),
            email: some(&self.email),
            city: some(&self.city),
            preferred_languages: [&self.language_1, &self.language_2].iter().filter_map(|l| some(l)).collect(),
            needs: self.needs.split(',').map(|n| n.trim().to_string()).filter(|n| !n.is_empty()).collect(),
            demographics: Demographics {
                gender: some(&self.gender),
                race: some(&self.race),
                ethnicity: some(&self.ethnicity),
                sexual_orientation: some(&self.sexual_orientation),
                faith: some(&self.faith),
                age_band: some(&self.age_band),
            },
            plan_id: some(&self.plan_id),
            address: [&self.line1, &self.line2, &self.state, &self.zip].iter().any(|v| !v.trim().is_empty()).then(|| AddressInput {
                line1: self.line1.clone(),
                line2: some(&self.line2),
                state: self.state.clone(),
                zip: self.zip.clone(),
            }),
            administrative_sex: some(&self.administrative_sex),
        }
    }

    fn of(m: &Member) -> MemberForm {
        let d = &m.demographics;
        let s = |o: &Option<String>| o.clone().unwrap_or_default();
        MemberForm {
            csrf: String::new(),
            version: Some(m.version),
            reason: String::new(),
            masshealth_id: m.masshealth_id.clone(),
            medicare_id: s(&m.medicare_id),
            given_name: m.given_name.clone(),
            family_name: m.family_name.clone(),
            date_of_birth: format_date(m.date_of_birth),
            phone: s(&m.phone),
            email: s(&m.email),
            city: s(&m.city),
            language_1: m.preferred_languages.first().cloned().unwrap_or_default(),
            language_2: m.preferred_languages.get(1).cloned().unwrap_or_default(),
            needs: m.needs.join(", "),
            gender: s(&d.gender),
            race: s(&d.race),
            ethnicity: s(&d.ethnicity),
            sexual_orientation: s(&d.sexual_orientation),
            faith: s(&d.faith),
            age_band: s(&d.age_band),
            plan_id: s(&m.plan_id),
            line1: m.address.as_ref().map(|a| a.line1.clone()).unwrap_or_default(),
            line2: m.address.as_ref().and_then(|a| a.line2.clone()).unwrap_or_default(),
            state: m.address.as_ref().map(|a| a.state.clone()).unwrap_or_default(),
            zip: m.address.as_ref().map(|a| a.zip.clone()).unwrap_or_default(),
            administrative_sex: m.administrative_sex.map(|x| x.as_str().to_string()).unwrap_or_default(),
        }
    }
}

#[derive(Template)]
#[template(path = "members/member_form.html")]
struct MemberFormPage {
    l: Layout,
    action: String,
    f: MemberForm,
    errors: HashMap<String, String>,
    /// (form field to jump to, its label, translated problem)
    error_list: Vec<(String, String, String)>,
    languages: Vec<(String, String)>,
    plans: Vec<(String, String)>,
    is_new: bool,
}

impl FieldErrors for MemberFormPage {
    fn field_errors(&self) -> &HashMap<String, String> {
        &self.errors
    }
}

async fn member_form_page(state: &AppState, s: &Signed, action: String, f: MemberForm, errors: Vec<FieldError>, is_new: bool) -> Response {
    let t = &s.tr;
    let plans = match s.access(state).organizations(Some("health-plan"), None, 100).await {
        Ok(p) => p.items.into_iter().map(|o| (o.id, o.name)).collect(),
        Err(_) => vec![],
    };
    let title = if is_new { t.t("member-new-title") } else { t.t("member-edit-title") };
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let mut r = render(MemberFormPage {
        l: Layout::new(t, Some(s), if is_new { "/members/new" } else { "/members" }, title),
        action,
        f,
        errors: errors.iter().map(|e| (form_field(&e.field).to_string(), t.field_error(e))).collect(),
        error_list: errors.iter().map(|e| (form_field(&e.field).to_string(), t.field_label(form_field(&e.field)), t.field_error(e))).collect(),
        languages: state.catalog.languages.iter().map(|l| (l.code.clone(), l.name.get(t.lang).to_string())).collect(),
        plans,
        is_new,
    });
    *r.status_mut() = status;
    r
}

/// The form field that shows a domain field's error.
fn form_field(field: &str) -> &str {
    match field {
        "preferred_languages" => "language_1",
        f => f.rsplit('.').next().unwrap_or(f),
    }
}

async fn new_member(State(state): State<AppState>, PageUser(s): PageUser) -> PageResult {
    if !policy::may_create_members(s.user.persona) {
        return Err(AppError::Forbidden(s.tr.t("error-forbidden-detail")).into());
    }
    Ok(member_form_page(&state, &s, "/members".into(), MemberForm::default(), vec![], true).await)
}

async fn create_member(State(state): State<AppState>, PageUser(s): PageUser, Form(f): Form<MemberForm>) -> PageResult {
    if let Some(r) = csrf_refused(&s, &f.csrf) {
        return Ok(r);
    }
    match s.access(&state).create_member(&f.input(), or_default(&f.reason, "created")).await {
        Ok(m) => Ok(Redirect::to(&format!("/members/{}", m.id)).into_response()),
        Err(e) => match AppError::from(e) {
            AppError::Invalid(errors) => Ok(member_form_page(&state, &s, "/members".into(), f, errors, true).await),
            other => Err(other.into()),
        },
    }
}

fn or_default<'a>(s: &'a str, d: &'a str) -> &'a str {
    if s.trim().is_empty() {
        d
    } else {
        s
    }
}

async fn edit_member(State(state): State<AppState>, PageUser(s): PageUser, Path(id): Path<String>) -> PageResult {
    let m = s.access(&state).member(&id).await?;
    Ok(member_form_page(&state, &s, format!("/members/{id}"), MemberForm::of(&m.record), vec![], false).await)
}

async fn update_member(State(state): State<AppState>, PageUser(s): PageUser, Path(id): Path<String>, Form(f): Form<MemberForm>) -> PageResult {
    if let Some(r) = csrf_refused(&s, &f.csrf) {
        return Ok(r);
    }
    match s.access(&state).update_member(&id, &f.input(), f.version, or_default(&f.reason, "updated")).await {
        Ok(m) => Ok(Redirect::to(&format!("/members/{}", m.id)).into_response()),
        Err(e) => match AppError::from(e) {
            AppError::Invalid(errors) => Ok(member_form_page(&state, &s, format!("/members/{id}"), f, errors, false).await),
            other => Err(other.into()),
        },
    }
}

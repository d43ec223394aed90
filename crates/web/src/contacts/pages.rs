//! The contact log: contacts with billing units, the engagement standing, and corrections.

use accompany_domain::billing::Rounding;
use accompany_domain::contacts::{EngagementRule, LoggedContact, Standing};
use accompany_domain::notes::{format_start_time, ContactNoteInput, Modality, Setting};
use accompany_domain::records::format_date;
use accompany_domain::FieldError;
use accompany_store::VersionEntry;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::get;
use axum::Form;
use axum::Router;
use serde::Deserialize;
use std::collections::HashMap;

use crate::auth::Signed;
use crate::i18n::Tr;
use crate::page::{
    csrf_refused, error_list, errors_by_field, form_page, local_now, options, payer_name, pricing_text, rate_text, saved_or_form, FieldErrors,
    Layout, PageResult, PageUser,
};
use crate::problem::AppError;
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/members/{id}/contact-log", get(contact_log).post(log_contact))
        .route("/members/{id}/contact-log/{contact}", get(edit_contact).post(update_contact))
}

// --- Contacts ---------------------------------------------------------------------

#[derive(Deserialize, Default, Clone)]
pub struct ContactForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    version: Option<i64>,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    pub date: String,
    #[serde(default)]
    pub start_time: String,
    #[serde(default)]
    pub duration_minutes: String,
    #[serde(default)]
    pub modality: String,
    #[serde(default)]
    pub setting: String,
    #[serde(default)]
    pub note: String,
}

impl ContactForm {
    fn input(&self) -> ContactNoteInput {
        ContactNoteInput {
            date: self.date.clone(),
            duration_minutes: self.duration_minutes.clone(),
            modality: self.modality.clone(),
            setting: self.setting.clone(),
            note: self.note.clone(),
            start_time: self.start_time.clone(),
        }
    }

    /// A fresh form: today, now, half an hour, by phone from home.
    fn fresh(state: &AppState) -> ContactForm {
        let (date, start_time) = local_now(&state.store);
        ContactForm {
            date,
            start_time,
            duration_minutes: "30".into(),
            modality: Modality::InPerson.as_str().into(),
            setting: Setting::Community.as_str().into(),
            ..Default::default()
        }
    }

    fn of(c: &LoggedContact) -> ContactForm {
        ContactForm {
            version: Some(c.note.version),
            date: format_date(c.note.date),
            start_time: c.note.start_time.map(format_start_time).unwrap_or_default(),
            duration_minutes: c.note.duration_minutes.to_string(),
            modality: c.note.modality.as_str().into(),
            setting: c.note.setting.as_str().into(),
            note: c.note.note.clone(),
            ..Default::default()
        }
    }
}

/// A contact as one row of the log.
pub struct ContactRow {
    pub id: String,
    pub date: String,
    pub start: String,
    pub minutes: u32,
    pub units: String,
    /// Billable or not, with the reason.
    pub billing: String,
    pub modality: String,
    pub setting: String,
    pub author: String,
    pub note: String,
    pub editable: bool,
}

/// The standing in words, for the page.
pub struct StandingView {
    pub unit_rule: String,
    pub authorization: Option<String>,
    pub over: bool,
    pub engagement: Option<String>,
    pub met: bool,
}

fn standing_view(state: &AppState, t: &Tr, role_id: Option<&str>, s: &Standing) -> StandingView {
    let payer = payer_name(state, t, &s.payer);
    let rule = role_id.and_then(|r| state.catalog.role(r)).and_then(|r| r.billing.iter().find(|b| b.payer == s.payer));
    let rate = rule.map(|b| rate_text(t, b)).unwrap_or_default();
    let mut unit_rule = t.tn("ct-paid-by", &[("payer", payer), ("rate", rate)]);
    if let (Some(minutes), Some(rounding)) = (s.unit_minutes, s.rounding) {
        let rounding = t.t(&format!("ct-rounding-{}", rounding_id(rounding)));
        unit_rule = format!("{unit_rule} {}", t.tn("ct-unit-rule", &[("minutes", minutes.to_string()), ("rounding", rounding)]));
    }
    if !s.covered {
        unit_rule = format!("{unit_rule} {}", t.t("ct-not-covered"));
    }
    let mut authorization = s.authorization.as_ref().map(|a| {
        t.tn(
            "ct-authorization",
            &[
                ("used", a.units_used.to_string()),
                ("authorized", a.units_authorized.to_string()),
                ("since", a.since.clone()),
                ("until", a.until.clone()),
                ("left", a.units_left.to_string()),
            ],
        )
    });
    if let Some(n) = s.authorization_needed {
        authorization = Some(t.tn("ct-authorization-needed", &[("units", n.units.to_string()), ("days", n.days.to_string())]));
    }
    if s.units_waiting > 0 {
        let waiting = t.t1("ct-units-waiting", "units", s.units_waiting.to_string());
        authorization = Some(authorization.map_or(waiting.clone(), |a| format!("{a} {waiting}")));
    }
    let engagement = s.engagement.as_ref().map(|e| match e.rule {
        EngagementRule::Connections { min, days } => t.tn(
            if e.met { "ct-engagement-connections-met" } else { "ct-engagement-connections-short" },
            &[("count", e.count.to_string()), ("min", min.to_string()), ("days", days.to_string()), ("needed", e.needed.to_string())],
        ),
        EngagementRule::WithinUnits { units, days } => t.tn(
            if e.met { "ct-engagement-units-met" } else { "ct-engagement-units-over" },
            &[("count", e.count.to_string()), ("units", units.to_string()), ("days", days.to_string())],
        ),
    });
    StandingView {
        unit_rule,
        authorization,
        over: s.units_waiting > 0 || s.authorization_needed.is_some() || s.authorization.as_ref().is_some_and(|a| a.over),
        engagement,
        met: s.engagement.as_ref().is_none_or(|e| e.met),
    }
}

fn rounding_id(r: Rounding) -> &'static str {
    match r {
        Rounding::FullUnit => "full-unit",
        Rounding::HalfUnit => "half-unit",
        Rounding::AnyMinute => "any-minute",
    }
}

#[derive(Template)]
#[template(path = "contacts/contact_log.html")]
struct ContactLogPage {
    l: Layout,
    member_id: String,
    member_name: String,
    role_name: String,
    standing: Option<StandingView>,
    rows: Vec<ContactRow>,
    can_log: bool,
    logged: bool,
    f: ContactForm,
    errors: HashMap<String, String>,
    error_list: Vec<(String, String, String)>,
    modalities: Vec<(String, String)>,
    settings: Vec<(String, String)>,
    today: String,
}

impl FieldErrors for ContactLogPage {
    fn field_errors(&self) -> &HashMap<String, String> {
        &self.errors
    }
}

#[derive(Deserialize, Default)]
struct LoggedQuery {
    #[serde(default)]
    logged: Option<String>,
}

async fn contact_log_page(state: &AppState, s: &Signed, id: &str, f: ContactForm, errors: Vec<FieldError>, logged: bool) -> PageResult {
    let t = &s.tr;
    let access = s.access(state);
    let invalid = !errors.is_empty();
    let result: Result<ContactLogPage, AppError> = async {
        let member = access.member(id).await?;
        let log = access.contact_log(id).await?;
        let name = format!("{} {}", member.record.given_name, member.record.family_name);
        let role_name = log.role_id.as_deref().and_then(|r| state.catalog.role(r)).map(|r| r.name.get(t.lang).to_string()).unwrap_or_default();
        let rows = log
            .contacts
            .iter()
            .map(|c| ContactRow {
                id: c.note.id.clone(),
                date: format_date(c.note.date),
                start: c.note.start_time.map(format_start_time).unwrap_or_default(),
                minutes: c.note.duration_minutes,
                units: c.units.map(|u| u.to_string()).unwrap_or_else(|| "—".into()),
                billing: c.pricing.as_ref().map(|p| pricing_text(state, t, c.role_id.as_deref(), p)).unwrap_or_default(),
                modality: t.t(&format!("modality-{}", c.note.modality.as_str())),
                setting: t.t(&format!("setting-{}", c.note.setting.as_str())),
                author: c.note.author_name.clone(),
                note: c.note.note.clone(),
                editable: log.can_log && c.note.author_id == s.user.id,
            })
            .collect();
        Ok(ContactLogPage {
            l: Layout::new(t, Some(s), "/members", t.t1("ct-log-title", "name", &name)),
            member_id: id.to_string(),
            member_name: name,
            role_name,
            standing: log.standing.as_ref().map(|x| standing_view(state, t, log.role_id.as_deref(), x)),
            rows,
            can_log: log.can_log,
            logged,
            errors: errors_by_field(t, &errors),
            error_list: error_list(t, &errors),
            f,
            modalities: options(t, Modality::ALL.iter().map(|m| m.as_str()), "modality-"),
            settings: options(t, Setting::ALL.iter().map(|m| m.as_str()), "setting-"),
            today: local_now(&state.store).0,
        })
    }
    .await;
    form_page(result, invalid)
}

async fn contact_log(State(state): State<AppState>, PageUser(s): PageUser, Path(id): Path<String>, Query(q): Query<LoggedQuery>) -> PageResult {
    contact_log_page(&state, &s, &id, ContactForm::fresh(&state), vec![], q.logged.is_some()).await
}

async fn log_contact(State(state): State<AppState>, PageUser(s): PageUser, Path(id): Path<String>, Form(f): Form<ContactForm>) -> Response {
    if let Some(r) = csrf_refused(&s, &f.csrf) {
        return r;
    }
    let saved = s.access(&state).log_contact(&id, &f.input()).await;
    let done = format!("/members/{id}/contact-log?logged=1#standing-heading");
    saved_or_form(&s, saved, &done, |errors| contact_log_page(&state, &s, &id, f, errors, false)).await
}

#[derive(Template)]
#[template(path = "contacts/contact_edit.html")]
struct ContactEditPage {
    l: Layout,
    member_id: String,
    action: String,
    f: ContactForm,
    errors: HashMap<String, String>,
    error_list: Vec<(String, String, String)>,
    modalities: Vec<(String, String)>,
    settings: Vec<(String, String)>,
    today: String,
    history: Vec<VersionEntry>,
}

impl FieldErrors for ContactEditPage {
    fn field_errors(&self) -> &HashMap<String, String> {
        &self.errors
    }
}

async fn contact_edit_page(state: &AppState, s: &Signed, id: &str, contact: &str, f: Option<ContactForm>, errors: Vec<FieldError>) -> PageResult {
    let t = &s.tr;
    let access = s.access(state);
    let invalid = !errors.is_empty();
    let result: Result<ContactEditPage, AppError> = async {
        let current = access.contact(id, contact).await?;
        let history = access.contact_history(id, contact).await?;
        Ok(ContactEditPage {
            l: Layout::new(t, Some(s), "/members", t.t1("ct-edit-title", "date", format_date(current.note.date))),
            member_id: id.to_string(),
            action: format!("/members/{id}/contact-log/{contact}"),
            f: f.unwrap_or_else(|| ContactForm::of(&current)),
            errors: errors_by_field(t, &errors),
            error_list: error_list(t, &errors),
            modalities: options(t, Modality::ALL.iter().map(|m| m.as_str()), "modality-"),
            settings: options(t, Setting::ALL.iter().map(|m| m.as_str()), "setting-"),
            today: local_now(&state.store).0,
            history,
        })
    }
    .await;
    form_page(result, invalid)
}

async fn edit_contact(State(state): State<AppState>, PageUser(s): PageUser, Path((id, contact)): Path<(String, String)>) -> PageResult {
    contact_edit_page(&state, &s, &id, &contact, None, vec![]).await
}

async fn update_contact(
    State(state): State<AppState>,
    PageUser(s): PageUser,
    Path((id, contact)): Path<(String, String)>,
    Form(f): Form<ContactForm>,
) -> Response {
    if let Some(r) = csrf_refused(&s, &f.csrf) {
        return r;
    }
    let saved = s.access(&state).update_contact(&id, &contact, f.version.unwrap_or(0), &f.input(), &f.reason).await;
    let done = format!("/members/{id}/contact-log#log-heading");
    saved_or_form(&s, saved, &done, |errors| contact_edit_page(&state, &s, &id, &contact, Some(f), errors)).await
}

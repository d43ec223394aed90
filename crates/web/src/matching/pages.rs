//! Pages of peer choice: the member's `/choose` page (preferences, then the
//! peers they may choose with the reasons, in their language) and the
//! program admin's waiting list, batch run and time without a peer.

use accompany_domain::matching::{
    BatchProblem, IdentityDimension, IdentityWishInput, Modality, Preferences, PreferencesInput, SourceKind, SourceWishInput, Strength, SupportKind,
    TopicWishInput,
};
use accompany_domain::policy;
use accompany_domain::records::TimeOfDay;
use accompany_domain::FieldError;
use accompany_store::{GapEntry, RankedChoice};
use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use axum::Form;
use axum::Router;
use serde::Deserialize;
use serde_json::Value;

use crate::auth::Signed;
use crate::i18n::Tr;
use crate::page::{csrf_refused, language_name, render, Layout, PageResult, PageUser};
use crate::problem::AppError;
use crate::AppState;

use super::{gap_reason, topic_name};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/choose", get(choose_page).post(save_preferences))
        .route("/choose/peer", post(choose_peer))
        .route("/choose/end", post(end_peer))
        .route("/matching", get(matching_page))
        .route("/matching/batch", post(run_batch))
}

type Pairs = Vec<(String, String)>;

fn value<'a>(pairs: &'a Pairs, key: &str) -> &'a str {
    pairs.iter().find(|(k, _)| k == key).map_or("", |(_, v)| v.as_str())
}

fn values(pairs: &Pairs, key: &str) -> Vec<String> {
    pairs.iter().filter(|(k, _)| k == key).map(|(_, v)| v.clone()).filter(|v| !v.is_empty()).collect()
}

const STRENGTHS: [Strength; 3] = [Strength::NoPreference, Strength::Prefer, Strength::Must];

fn strength_id(s: Strength) -> &'static str {
    match s {
        Strength::NoPreference => "no-preference",
        Strength::Prefer => "prefer",
        Strength::Must => "must",
    }
}

fn parse_strength(s: &str) -> Strength {
    STRENGTHS.into_iter().find(|x| strength_id(*x) == s).unwrap_or_default()
}

/// The dimensions the form asks about, language first.
const DIMENSIONS: [IdentityDimension; 7] = [
    IdentityDimension::Language,
    IdentityDimension::Gender,
    IdentityDimension::Race,
    IdentityDimension::Ethnicity,
    IdentityDimension::Faith,
    IdentityDimension::SexualOrientation,
    IdentityDimension::AgeBand,
];

/// The form's fields as the domain reads them; the identity wishes are
/// listed in `DIMENSIONS` order (so errors on `identity[i]` find their field).
fn input_of(catalog: &accompany_domain::Catalog, pairs: &Pairs) -> (PreferencesInput, Vec<IdentityDimension>, Vec<String>) {
    let support = SupportKind::ALL.into_iter().find(|k| k.as_str() == value(pairs, "support"));
    let mut identity = Vec::new();
    let mut dims = Vec::new();
    for d in DIMENSIONS {
        let strength = parse_strength(value(pairs, &format!("strength-{}", d.as_str())));
        if strength == Strength::NoPreference {
            continue;
        }
        let v = value(pairs, &format!("value-{}", d.as_str())).trim().to_string();
        identity.push(IdentityWishInput { dimension: d, strength, values: if v.is_empty() { vec![] } else { vec![v] } });
        dims.push(d);
    }
    let mut lived_experience = Vec::new();
    let mut topics = Vec::new();
    for (k, v) in pairs.iter().filter(|(k, _)| k.starts_with("topic-")) {
        let strength = parse_strength(v);
        if strength != Strength::NoPreference {
            lived_experience.push(TopicWishInput { topic: k["topic-".len()..].to_string(), strength });
            topics.push(k["topic-".len()..].to_string());
        }
    }
    let home_town = Some(value(pairs, "home_town").to_string()).filter(|t| !t.is_empty());
    let home = home_town.as_deref().and_then(|t| accompany_store::town_point(catalog, t));
    let travel = value(pairs, "max_travel_km").trim();
    let input = PreferencesInput {
        support,
        languages: values(pairs, "languages"),
        interpreter_ok: value(pairs, "interpreter_ok") == "yes",
        identity,
        lived_experience,
        modalities: values(pairs, "modalities").iter().filter_map(|m| Modality::ALL.into_iter().find(|x| x.as_str() == m)).collect(),
        times: values(pairs, "times").iter().filter_map(|t| TimeOfDay::ALL.into_iter().find(|x| x.as_str() == t)).collect(),
        home,
        home_town,
        // A number that does not read is sent as 0, which validation names.
        max_travel_km: if travel.is_empty() { None } else { Some(travel.parse().unwrap_or(0)) },
        source: SourceWishInput {
            strength: parse_strength(value(pairs, "source_strength")),
            kinds: values(pairs, "source_kinds").iter().filter_map(|k| SourceKind::ALL.into_iter().find(|x| x.as_str() == k)).collect(),
        },
        named_peer: None,
    };
    (input, dims, topics)
}

/// The form's values from stored preferences.
fn form_of(p: &Preferences) -> Pairs {
    let mut out: Pairs = vec![("support".into(), p.support.as_str().into())];
    out.extend(p.languages.iter().map(|l| ("languages".to_string(), l.clone())));
    if p.interpreter_ok {
        out.push(("interpreter_ok".into(), "yes".into()));
    }
    for w in &p.identity {
        out.push((format!("strength-{}", w.dimension.as_str()), strength_id(w.strength).into()));
        out.push((format!("value-{}", w.dimension.as_str()), w.values.first().cloned().unwrap_or_default()));
    }
    for t in &p.lived_experience {
        out.push((format!("topic-{}", t.topic), strength_id(t.strength).into()));
    }
    // All ways and times is what "any" means: leave the boxes empty then.
    if p.modalities.len() < Modality::ALL.len() {
        out.extend(p.modalities.iter().map(|m| ("modalities".to_string(), m.as_str().to_string())));
    }
    if p.times.len() < TimeOfDay::ALL.len() {
        out.extend(p.times.iter().map(|t| ("times".to_string(), t.as_str().to_string())));
    }
    if let Some(t) = &p.home_town {
        out.push(("home_town".into(), t.clone()));
    }
    if let Some(km) = p.max_travel_km {
        out.push(("max_travel_km".into(), km.to_string()));
    }
    out.push(("source_strength".into(), strength_id(p.source.strength).into()));
    out.extend(p.source.kinds.iter().map(|k| ("source_kinds".to_string(), k.as_str().to_string())));
    out
}

pub struct Opt {
    pub id: String,
    pub label: String,
    pub checked: bool,
}

pub struct IdentityField {
    pub dim: &'static str,
    pub legend: String,
    pub strengths: Vec<Opt>,
    pub value: String,
    /// For language: the catalog's languages to pick from.
    pub choices: Vec<Opt>,
}

pub struct TopicField {
    pub id: String,
    pub name: String,
    pub strengths: Vec<Opt>,
}

pub struct PeerView {
    pub worker_id: String,
    pub name: String,
    pub role: String,
    pub role_plain: String,
    pub role_href: String,
    pub organization: String,
    pub source: String,
    pub languages: String,
    pub shown: Vec<String>,
    pub reasons: Vec<String>,
}

#[derive(Template)]
#[template(path = "matching/choose.html")]
struct ChoosePage {
    l: Layout,
    /// (anchor, field, problem)
    error_list: Vec<(String, String, String)>,
    notice: Option<String>,
    current_peer: Option<String>,
    support: Vec<Opt>,
    languages: Vec<Opt>,
    interpreter_ok: bool,
    identity: Vec<IdentityField>,
    topics: Vec<TopicField>,
    modalities: Vec<Opt>,
    times: Vec<Opt>,
    towns: Vec<Opt>,
    max_travel_km: String,
    source_strengths: Vec<Opt>,
    source_kinds: Vec<Opt>,
    saved: bool,
    /// The version of the wishes shown, sent back with the form.
    version: i64,
    eligible: usize,
    peers: Vec<PeerView>,
}

fn opts<'a>(items: impl Iterator<Item = (&'a str, String)>, chosen: &[String]) -> Vec<Opt> {
    items.map(|(id, label)| Opt { checked: chosen.iter().any(|c| c == id), id: id.to_string(), label }).collect()
}

fn strength_opts(t: &Tr, chosen: &str) -> Vec<Opt> {
    let chosen = if chosen.is_empty() { "no-preference" } else { chosen };
    STRENGTHS
        .iter()
        .map(|s| Opt { id: strength_id(*s).into(), label: t.t(&format!("match-strength-{}", strength_id(*s))), checked: strength_id(*s) == chosen })
        .collect()
}

fn list(items: Vec<String>) -> String {
    items.join(", ")
}

/// One reason in the reader's language.
pub fn reason_text(state: &AppState, t: &Tr, r: &Value) -> String {
    let s = |v: &Value| v.as_str().unwrap_or_default().to_string();
    let code = r["code"].as_str().unwrap_or_default();
    let key = format!("match-reason-{code}");
    match code {
        "shares-language" => t.t1(&key, "language", language_name(state, t, r["language"].as_str().unwrap_or_default())),
        "shares-identity" => t.tn(&key, &[("dimension", t.t(&format!("match-dimension-{}", s(&r["dimension"])))), ("value", s(&r["value"]))]),
        "shares-lived-experience" => t.t1(&key, "topic", topic_name(state, t, r["topic"].as_str().unwrap_or_default())),
        "preferred-but-missing" => {
            let wish = match r["wish"]["kind"].as_str() {
                Some("identity") => t.t(&format!("match-dimension-{}", s(&r["wish"]["id"]))),
                Some("lived-experience") => topic_name(state, t, r["wish"]["id"].as_str().unwrap_or_default()),
                _ => t.t("match-wish-source"),
            };
            t.t1(&key, "wish", wish)
        }
        "source" => t.t1(&key, "source", t.t(&format!("match-source-{}", s(&r["source"])))),
        "distance-km" => t.t1(&key, "km", r["km"].as_u64().unwrap_or(0)),
        "available-at" => {
            let times: Vec<String> = r["times"].as_array().into_iter().flatten().map(|x| t.t(&format!("match-time-{}", s(x)))).collect();
            t.t1(&key, "times", list(times))
        }
        "meets" => {
            let ways: Vec<String> = r["modalities"].as_array().into_iter().flatten().map(|x| t.t(&format!("modality-{}", s(x)))).collect();
            t.t1(&key, "ways", list(ways))
        }
        _ => t.t(&key),
    }
}

fn peer_view(state: &AppState, t: &Tr, c: &RankedChoice) -> PeerView {
    let role = state.catalog.role(&c.peer.role_id);
    let mut shown: Vec<String> = c.peer.shown_identity.iter().map(|(d, v)| format!("{}: {v}", t.t(&format!("match-dimension-{d}")))).collect();
    shown.extend(c.peer.shown_lived_experience.iter().map(|x| t.t1("match-lived-experience", "topic", topic_name(state, t, x))));
    PeerView {
        worker_id: c.peer.worker_id.clone(),
        name: c.peer.name.clone(),
        role: role.map(|r| r.name.get(t.lang).to_string()).unwrap_or_else(|| c.peer.role_id.clone()),
        role_plain: role.map(|r| r.plain_language.get(t.lang).to_string()).unwrap_or_default(),
        role_href: format!("/roles/{}", c.peer.role_id),
        organization: c.peer.organization.clone(),
        source: t.t(&format!("match-source-{}", c.peer.source.as_str())),
        languages: list(c.peer.languages.iter().map(|l| language_name(state, t, l)).collect()),
        shown,
        reasons: c.reasons.iter().filter(|r| r["code"] != "source").map(|r| reason_text(state, t, r)).collect(),
    }
}

/// Where an error on `field` is fixed, and what the field is called.
fn anchor_of(t: &Tr, field: &str, dims: &[IdentityDimension], topics: &[String]) -> (String, String) {
    let index = |prefix: &str| field.strip_prefix(prefix).and_then(|r| r.split(']').next()).and_then(|i| i.parse::<usize>().ok());
    if let Some(d) = index("identity[").and_then(|i| dims.get(i)) {
        return (format!("value-{}", d.as_str()), t.t(&format!("match-dimension-{}", d.as_str())));
    }
    if let Some(topic) = index("lived_experience[").and_then(|i| topics.get(i)) {
        return (format!("topic-{topic}"), t.t("choose-lived-experience"));
    }
    let (anchor, key) = match field.split('.').next().unwrap_or(field) {
        "support" | "preferences" => ("support", "choose-support"),
        "languages" => ("languages-en", "choose-languages"),
        "home" => ("home_town", "choose-home"),
        "max_travel_km" => ("max_travel_km", "choose-travel"),
        "source" => ("source_strength-no-preference", "choose-source"),
        _ => ("peers", "choose-peers-heading"),
    };
    (anchor.to_string(), t.t(key))
}

#[derive(Deserialize, Default)]
struct ChooseQuery {
    saved: Option<String>,
    ended: Option<String>,
}

async fn choose_page(State(state): State<AppState>, PageUser(s): PageUser, Query(q): Query<ChooseQuery>) -> PageResult {
    let notice = if q.saved.is_some() {
        Some(s.tr.t("choose-saved"))
    } else if q.ended.is_some() {
        Some(s.tr.t("choose-ended"))
    } else {
        None
    };
    show(&state, &s, None, vec![], notice).await
}

/// The page, with the form as submitted (when it failed) or as stored.
async fn show(
    state: &AppState,
    s: &Signed,
    submitted: Option<(Pairs, Vec<IdentityDimension>, Vec<String>)>,
    errors: Vec<FieldError>,
    notice: Option<String>,
) -> PageResult {
    let t = &s.tr;
    let member_id = members_only(s)?;
    let access = s.access(state);
    let (stored, version) = access.preferences(&member_id).await?;
    let stored = stored.and_then(|v| serde_json::from_value::<Preferences>(v).ok());
    let current_peer =
        access.care_team(&member_id).await?.into_iter().find(|p| p.team_role == accompany_domain::records::TeamRole::Peer).map(|p| p.display_name);
    let (form, dims, topic_ids) = match submitted {
        Some(x) => x,
        None => match stored.as_ref() {
            Some(p) => (form_of(p), vec![], vec![]),
            // A first visit starts from the languages already on the member's record.
            None => {
                let m = access.member(&member_id).await?;
                (m.record.preferred_languages.iter().map(|l| ("languages".to_string(), l.clone())).collect(), vec![], vec![])
            }
        },
    };
    let mut peers = vec![];
    let mut eligible = 0;
    if stored.is_some() {
        let pool = state.store.peer_pool(&accompany_store::PoolFilter::default()).await?;
        let r = access.rank_peers(&member_id, &pool, 20).await?;
        eligible = r.eligible;
        peers = r.choices.iter().map(|c| peer_view(state, t, c)).collect();
    }
    let error_list = errors
        .iter()
        .map(|e| {
            let (anchor, field) = anchor_of(t, &e.field, &dims, &topic_ids);
            (anchor, field, t.field_error(e))
        })
        .collect();
    let v = |k: &str| value(&form, k).to_string();
    let chosen_languages = values(&form, "languages");
    let page = ChoosePage {
        l: Layout::new(t, Some(s), "/choose", t.t("choose-title")),
        error_list,
        notice,
        current_peer,
        support: opts(SupportKind::ALL.iter().map(|k| (k.as_str(), t.t(&format!("match-support-{}", k.as_str())))), &[v("support")]),
        languages: opts(state.catalog.languages.iter().map(|l| (l.code.as_str(), l.name.get(t.lang).to_string())), &chosen_languages),
        interpreter_ok: v("interpreter_ok") == "yes",
        identity: DIMENSIONS
            .iter()
            .map(|d| {
                let value = v(&format!("value-{}", d.as_str()));
                IdentityField {
                    dim: d.as_str(),
                    legend: t.t(&format!("match-dimension-{}", d.as_str())),
                    strengths: strength_opts(t, &v(&format!("strength-{}", d.as_str()))),
                    choices: if *d == IdentityDimension::Language {
                        opts(state.catalog.languages.iter().map(|l| (l.code.as_str(), l.name.get(t.lang).to_string())), std::slice::from_ref(&value))
                    } else {
                        vec![]
                    },
                    value,
                }
            })
            .collect(),
        topics: state
            .catalog
            .lived_experience_topics
            .iter()
            .map(|x| TopicField {
                id: x.id.clone(),
                name: x.name.get(t.lang).to_string(),
                strengths: strength_opts(t, &v(&format!("topic-{}", x.id))),
            })
            .collect(),
        modalities: opts(Modality::ALL.iter().map(|m| (m.as_str(), t.t(&format!("modality-{}", m.as_str())))), &values(&form, "modalities")),
        times: opts(TimeOfDay::ALL.iter().map(|x| (x.as_str(), t.t(&format!("match-time-{}", x.as_str())))), &values(&form, "times")),
        towns: opts(state.catalog.towns.iter().map(|x| (x.name.as_str(), x.name.clone())), &[v("home_town")]),
        max_travel_km: v("max_travel_km"),
        source_strengths: strength_opts(t, &v("source_strength")),
        source_kinds: opts(
            SourceKind::ALL.iter().map(|k| (k.as_str(), t.t(&format!("match-source-{}", k.as_str())))),
            &values(&form, "source_kinds"),
        ),
        saved: stored.is_some(),
        version,
        eligible,
        peers,
    };
    let failed = !errors.is_empty();
    let mut r = render(page);
    if failed {
        *r.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(r)
}

/// The member's own id: choosing a peer is for members only.
fn members_only(s: &Signed) -> Result<String, AppError> {
    s.user.member_id.clone().ok_or_else(|| AppError::Forbidden(s.tr.t("choose-members-only")))
}

async fn save_preferences(State(state): State<AppState>, PageUser(s): PageUser, Form(pairs): Form<Pairs>) -> PageResult {
    if let Some(r) = csrf_refused(&s, value(&pairs, "csrf")) {
        return Ok(r);
    }
    let member_id = members_only(&s)?;
    let (input, dims, topics) = input_of(&state.catalog, &pairs);
    // A form without a readable version cannot say what it was based on.
    let version = value(&pairs, "version").parse::<i64>().unwrap_or(i64::MIN);
    match s.access(&state).set_preferences(&member_id, &input, "chosen on the choose page", version).await {
        Ok(_) => Ok(Redirect::to("/choose?saved=1#peers-heading").into_response()),
        Err(accompany_store::StoreError::Invalid(i)) => show(&state, &s, Some((pairs, dims, topics)), i.0, None).await,
        Err(e) => Err(e.into()),
    }
}

async fn choose_peer(State(state): State<AppState>, PageUser(s): PageUser, Form(pairs): Form<Pairs>) -> PageResult {
    if let Some(r) = csrf_refused(&s, value(&pairs, "csrf")) {
        return Ok(r);
    }
    let member_id = members_only(&s)?;
    let worker = Some(value(&pairs, "worker_id")).filter(|w| !w.is_empty());
    match s.access(&state).choose_peer(&member_id, worker).await {
        Ok(_) => Ok(Redirect::to("/home?chosen=1").into_response()),
        Err(accompany_store::StoreError::Invalid(i)) => show(&state, &s, None, i.0, None).await,
        Err(e) => Err(e.into()),
    }
}

async fn end_peer(State(state): State<AppState>, PageUser(s): PageUser, Form(pairs): Form<Pairs>) -> PageResult {
    if let Some(r) = csrf_refused(&s, value(&pairs, "csrf")) {
        return Ok(r);
    }
    let member_id = members_only(&s)?;
    match s.access(&state).end_peer(&member_id).await {
        Ok(()) => Ok(Redirect::to("/choose?ended=1").into_response()),
        Err(accompany_store::StoreError::Invalid(i)) => show(&state, &s, None, i.0, None).await,
        Err(e) => Err(e.into()),
    }
}

// --- The program admin's waiting list -------------------------------------------

pub struct Bar {
    pub id: String,
    pub label: String,
    pub count: usize,
}

pub struct Report {
    pub summary: String,
    pub total_unmatched: usize,
    /// (caption, bars): by blocking constraint, language, region, support.
    pub tables: Vec<(String, Vec<Bar>)>,
}

#[derive(Template)]
#[template(path = "matching/batch.html")]
struct MatchingPage {
    l: Layout,
    report: Option<Report>,
    gaps: Vec<GapEntry>,
    gaps_summary: String,
}

impl MatchingPage {
    fn reason_key(&self, reason: &str) -> String {
        format!("match-gap-reason-{reason}")
    }
}

fn bars(map: &std::collections::BTreeMap<String, usize>, prefix: &str, label: impl Fn(&str) -> String) -> Vec<Bar> {
    let mut out: Vec<Bar> = map.iter().enumerate().map(|(i, (k, n))| Bar { id: format!("{prefix}-{i}"), label: label(k), count: *n }).collect();
    out.sort_by(|a, b| b.count.cmp(&a.count).then(a.label.cmp(&b.label)));
    out
}

async fn matching_page(State(state): State<AppState>, PageUser(s): PageUser) -> PageResult {
    matching_view(&state, &s, None).await
}

async fn matching_view(state: &AppState, s: &Signed, report: Option<Report>) -> PageResult {
    let t = &s.tr;
    if !policy::runs_matching(s.user.persona) {
        return Err(AppError::Forbidden(t.t("matching-admins-only")).into());
    }
    let gaps = s.access(state).peer_gaps(200).await?;
    let open_gaps = gaps.iter().filter(|g| g.ended_at.is_none()).count();
    let closed: Vec<i64> = gaps.iter().filter(|g| g.ended_at.is_some()).map(|g| g.days).collect();
    let average_days = if closed.is_empty() { "–".to_string() } else { format!("{:.1}", closed.iter().sum::<i64>() as f64 / closed.len() as f64) };
    let gaps_summary = t.tn("matching-gaps-summary", &[("open", open_gaps.to_string()), ("average", average_days)]);
    Ok(render(MatchingPage { l: Layout::new(t, Some(s), "/matching", t.t("matching-title")), report, gaps, gaps_summary }))
}

async fn run_batch(State(state): State<AppState>, PageUser(s): PageUser, Form(pairs): Form<Pairs>) -> PageResult {
    if let Some(r) = csrf_refused(&s, value(&pairs, "csrf")) {
        return Ok(r);
    }
    let t = &s.tr;
    let apply = value(&pairs, "mode") == "apply";
    let access = s.access(&state);
    let waiting = access.waiting_list(None).await?;
    let problem = BatchProblem::new(&waiting.members, &waiting.pool.profiles, &state.catalog);
    let a = problem.solve();
    let mut summary = t.tn(
        "matching-summary",
        &[
            ("members", a.members.to_string()),
            ("peers", waiting.pool.profiles.len().to_string()),
            ("served", a.served.to_string()),
            ("unmatched", a.unmatched.len().to_string()),
        ],
    );
    if apply {
        access
            .apply_batch(&a.pairs, &waiting.pool)
            .await
            .map(|done| summary = format!("{summary} {}", t.t1("matching-applied", "n", done.assigned)))?
    }
    // Network adequacy shows this run's unmet demand.
    access.keep_unmatched_report(&waiting, &a, apply).await?;
    let report = Report {
        summary,
        total_unmatched: a.unmatched.len(),
        tables: vec![
            (t.t("matching-by-reason"), bars(&a.gap.by_reason, "reason", |k| gap_reason(&state, t, k))),
            (t.t("matching-by-language"), bars(&a.gap.by_language, "language", |k| language_name(&state, t, k))),
            (t.t("matching-by-town"), bars(&a.gap.by_town, "town", str::to_string)),
            (t.t("matching-by-support"), bars(&a.gap.by_support, "support", |k| t.t(&format!("match-support-{k}")))),
        ],
    };
    matching_view(&state, &s, Some(report)).await
}

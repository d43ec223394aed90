//! A member's team in plain words.

use accompany_store::TeamCard;
use askama::Template;
use axum::extract::{Path, State};
use axum::routing::get;
use axum::Router;

use crate::i18n::Tr;
use crate::page::{render, Layout, PageResult, PageUser};
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new().route("/members/{id}/team", get(team))
}

// --- The team in plain words ----------------------------------------------------------------

pub struct TeamPerson {
    pub name: String,
    pub team_role: String,
    pub role_name: Option<String>,
    pub role_href: Option<String>,
    pub plain: Option<String>,
    pub organization: String,
    pub source: Option<String>,
    pub when: String,
    pub how: String,
    /// What they see, in words; None for readers other than the member.
    pub sees: Option<String>,
}

fn team_person(state: &AppState, t: &Tr, c: &TeamCard) -> TeamPerson {
    let role = c.role_id.as_deref().and_then(|r| state.catalog.role(r));
    let list = |items: Vec<String>| {
        if items.is_empty() {
            t.t("ct-team-ask")
        } else {
            items.join(", ")
        }
    };
    TeamPerson {
        name: c.display_name.clone(),
        team_role: t.t(&format!("team-role-{}", c.team_role.as_str())),
        role_name: role.map(|r| r.name.get(t.lang).to_string()),
        role_href: role.map(|r| format!("/roles/{}", r.id)),
        plain: role.map(|r| r.plain_language.get(t.lang).to_string()),
        organization: c.organization.clone().unwrap_or_default(),
        source: c.source.map(|s| t.t(&format!("match-source-{}", s.as_str()))),
        when: list(c.availability.iter().map(|a| t.t(&format!("match-time-{}", a.as_str()))).collect()),
        how: list(c.ways_to_meet.iter().map(|m| t.t(&format!("modality-{}", m.as_str()))).collect()),
        sees: c.sees.map(|cats| {
            let names: Vec<String> =
                crate::page::CHOOSABLE.iter().filter(|k| cats.contains(**k)).map(|k| crate::page::category_name(t, *k)).collect();
            if names.is_empty() {
                t.t("ct-team-sees-name-only")
            } else {
                t.t1("ct-team-sees", "list", names.join(", "))
            }
        }),
    }
}

#[derive(Template)]
#[template(path = "team/care_team.html")]
struct CareTeamPage {
    l: Layout,
    member_id: String,
    is_self: bool,
    people: Vec<TeamPerson>,
    /// Who is paid to give what: ("X, paid for by Y", the services' names).
    services: Vec<(String, Vec<String>)>,
}

async fn team(State(state): State<AppState>, PageUser(s): PageUser, Path(id): Path<String>) -> PageResult {
    let t = &s.tr;
    let o = s.access(&state).team_overview(&id).await?;
    let is_self = s.user.member_id.as_deref() == Some(id.as_str());
    Ok(render(CareTeamPage {
        l: Layout::new(
            t,
            Some(&s),
            if is_self { "/home" } else { "/members" },
            if is_self { t.t("ct-team-own-title") } else { t.t("care-team-title") },
        ),
        member_id: id,
        is_self,
        people: o.team.iter().map(|c| team_person(&state, t, c)).collect(),
        services: o
            .services
            .iter()
            .map(|p| {
                let by = t.tn("team-services-by", &[("organization", p.organization.clone()), ("funder", p.funder.clone())]);
                let names = p.services.iter().map(|r| state.catalog.role(r).map_or_else(|| r.clone(), |x| x.name.get(t.lang).to_string())).collect();
                (by, names)
            })
            .collect(),
    }))
}

//! How records show in pages: members, workers and a member's team as
//! rows, and a member's record as far as the reader may see it.

use accompany_domain::privacy::{Categories, Category};
use accompany_domain::records::{format_date, Member, Worker};
use accompany_store::{Page, TeamMemberView};

use crate::i18n::Tr;
use crate::AppState;

use super::language_name;

pub struct TeamRow {
    pub name: String,
    pub team_role: String,
    pub organization: String,
    pub role_href: Option<String>,
    pub role_name: Option<String>,
    pub role_plain: Option<String>,
}

pub struct MemberRow {
    pub id: String,
    pub name: String,
    pub language: String,
    pub city: String,
    pub age_band: String,
}

pub struct WorkerRow {
    pub name: String,
    pub role: String,
    pub languages: String,
    pub active: bool,
}

pub fn team_rows(state: &AppState, t: &Tr, team: &[TeamMemberView]) -> Vec<TeamRow> {
    team.iter()
        .map(|p| {
            let role = p.worker_role_id.as_deref().and_then(|r| state.catalog.role(r));
            TeamRow {
                name: p.display_name.clone(),
                team_role: t.t(&format!("team-role-{}", p.team_role.as_str())),
                organization: p.organization.clone().unwrap_or_default(),
                role_href: role.map(|r| format!("/roles/{}", r.id)),
                role_name: role.map(|r| r.name.get(t.lang).to_string()),
                role_plain: role.map(|r| r.plain_language.get(t.lang).to_string()),
            }
        })
        .collect()
}

pub fn member_rows(state: &AppState, t: &Tr, page: &Page<Member>) -> Vec<MemberRow> {
    page.items
        .iter()
        .map(|m| MemberRow {
            id: m.id.clone(),
            name: format!("{} {}", m.given_name, m.family_name),
            language: m.preferred_languages.first().map(|c| language_name(state, t, c)).unwrap_or_default(),
            city: m.city.clone().unwrap_or_default(),
            age_band: m.demographics.age_band.clone().unwrap_or_default(),
        })
        .collect()
}

pub fn worker_rows(state: &AppState, t: &Tr, workers: &[Worker]) -> Vec<WorkerRow> {
    workers
        .iter()
        .map(|w| WorkerRow {
            name: format!("{} {}", w.given_name, w.family_name),
            role: state.catalog.role(&w.role_id).map(|r| r.name.get(t.lang).to_string()).unwrap_or_default(),
            languages: w.languages.iter().map(|c| language_name(state, t, c)).collect::<Vec<_>>().join(", "),
            active: w.employment_end.is_none(),
        })
        .collect()
}

/// A member's record as a page shows it.
pub struct MemberView {
    pub id: String,
    pub name: String,
    pub masshealth_id: String,
    pub medicare_id: String,
    pub date_of_birth: String,
    pub phone: String,
    pub email: String,
    pub city: String,
    pub languages: String,
    pub needs: String,
    pub demographics: Vec<(String, String)>,
    /// Street, apartment, state and ZIP on one line (the town is `city`).
    pub address: String,
    pub administrative_sex: String,
}

/// The page's view of a record: what the reader may not see says so, rather
/// than looking empty.
pub fn member_view(state: &AppState, t: &Tr, m: &Member, visible: Categories) -> MemberView {
    let hidden = t.t("hidden-by-choice");
    let shown = |c: Category, v: String| {
        if visible.contains(c) {
            v
        } else {
            hidden.clone()
        }
    };
    let d = &m.demographics;
    let dims = [
        ("demo-gender", &d.gender),
        ("demo-race", &d.race),
        ("demo-ethnicity", &d.ethnicity),
        ("demo-sexual-orientation", &d.sexual_orientation),
        ("demo-faith", &d.faith),
        ("demo-age-band", &d.age_band),
    ];
    MemberView {
        id: m.id.clone(),
        name: format!("{} {}", m.given_name, m.family_name),
        masshealth_id: shown(Category::Billing, m.masshealth_id.clone()),
        medicare_id: shown(Category::Billing, m.medicare_id.clone().unwrap_or_default()),
        date_of_birth: format_date(m.date_of_birth),
        phone: shown(Category::Contact, m.phone.clone().unwrap_or_default()),
        email: shown(Category::Contact, m.email.clone().unwrap_or_default()),
        city: m.city.clone().unwrap_or_default(),
        languages: m.preferred_languages.iter().map(|c| language_name(state, t, c)).collect::<Vec<_>>().join(", "),
        needs: shown(Category::CarePlan, m.needs.join(", ")),
        demographics: dims.iter().map(|(k, v)| (t.t(k), shown(Category::Identity, (*v).clone().unwrap_or_else(|| t.t("not-said"))))).collect(),
        address: shown(
            Category::Contact,
            m.address
                .as_ref()
                .map(|a| {
                    [Some(a.line1.clone()), a.line2.clone(), Some(format!("{} {}", a.state, a.zip))]
                        .into_iter()
                        .flatten()
                        .collect::<Vec<_>>()
                        .join(", ")
                })
                .unwrap_or_default(),
        ),
        administrative_sex: shown(Category::Billing, m.administrative_sex.map(|x| t.t(&format!("admin-sex-{}", x.as_str()))).unwrap_or_default()),
    }
}

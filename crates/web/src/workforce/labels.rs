//! What the workforce pages share: their own navigation and the names of things.

use accompany_domain::records::Persona;
use accompany_domain::workforce::{Cell, ComplianceKind, ComplianceProblem};

use crate::auth::Signed;
use crate::i18n::Tr;
use crate::page::PageError;
use crate::problem::AppError;
use crate::AppState;

// --- Shared helpers -------------------------------------------------------------

pub struct SubLink {
    pub href: String,
    pub label: String,
    pub current: bool,
}

/// The workforce section's own navigation, by persona.
pub(crate) fn sub_nav(t: &Tr, persona: Persona, path: &str) -> Vec<SubLink> {
    let mut links: Vec<(&str, &str)> = Vec::new();
    match persona {
        Persona::StateAdmin | Persona::OrganizationAdmin => {
            links.push(("/workforce/compliance", "wf-nav-compliance"));
            links.push(("/workforce/picture", "wf-nav-picture"));
            links.push(("/workforce/positions", "wf-nav-positions"));
            links.push(("/workforce/activity", "wf-nav-activity"));
        }
        Persona::Supervisor => {
            links.push(("/workforce/supervision", "wf-nav-supervisees"));
            links.push(("/workforce/me", "wf-nav-me"));
        }
        _ => links.push(("/workforce/me", "wf-nav-me")),
    }
    links.into_iter().map(|(href, key)| SubLink { href: href.to_string(), label: t.t(key), current: path == href }).collect()
}

pub(super) fn role_name(state: &AppState, t: &Tr, id: &str) -> String {
    state.catalog.role(id).map_or_else(|| id.to_string(), |r| r.name.get(t.lang).to_string())
}

pub(super) fn credential_name(state: &AppState, t: &Tr, id: &str) -> String {
    state.catalog.credential_kind(id).map_or_else(|| id.to_string(), |k| k.name.get(t.lang).to_string())
}

pub(super) fn requirement_name(state: &AppState, t: &Tr, role: &str, id: &str) -> String {
    state
        .catalog
        .role(role)
        .and_then(|r| r.requirements.iter().find(|q| q.id == id))
        .map_or_else(|| id.to_string(), |q| q.name.get(t.lang).to_string())
}

pub(super) fn rule_names(state: &AppState, t: &Tr, role: &str, ids: &str) -> String {
    let rules = state.catalog.role(role).map(|r| r.supervision.qualification_rules.as_slice()).unwrap_or(&[]);
    ids.split(", ")
        .filter(|s| !s.is_empty())
        .map(|id| rules.iter().find(|r| r.id == id).map_or_else(|| id.to_string(), |r| r.name.get(t.lang).to_string()))
        .collect::<Vec<_>>()
        .join("; ")
}

/// A compliance problem in the reader's language.
pub(super) fn problem_text(state: &AppState, t: &Tr, p: &ComplianceProblem) -> String {
    let a = |k: &str| p.args.get(k).cloned().unwrap_or_default();
    let role = a("role");
    let billing = if a("blocks") == "yes" {
        t.t1("wf-billing-blocked-note", "role", state.catalog.role(&role).map_or(role.clone(), |r| r.abbreviation.clone()))
    } else {
        String::new()
    };
    let args: Vec<(&str, String)> = vec![
        ("subject", p.subject.clone()),
        ("credential", credential_name(state, t, &a("credential"))),
        ("requirement", requirement_name(state, t, &role, &a("requirement"))),
        ("role", role_name(state, t, &role)),
        ("date", a("date")),
        ("days", a("days")),
        ("threshold", a("threshold")),
        ("max", a("max")),
        ("supervisor", a("supervisor")),
        ("missing", rule_names(state, t, &role, &a("missing"))),
        ("task", a("task")),
        ("reason", a("reason")),
        ("setting", t.t(&format!("wf-setting-{}", a("setting")))),
        ("billing", billing),
        ("critical", if a("critical") == "yes" { t.t("wf-lone-critical") } else { String::new() }),
    ];
    t.tn(&format!("wf-problem-{}", p.kind.as_str()), &args)
}

pub(super) fn kind_label(t: &Tr, k: ComplianceKind) -> String {
    t.t(&format!("wf-kind-{}", k.as_str()))
}

pub(super) fn cell(t: &Tr, c: Cell) -> String {
    c.text(&t.t("wf-suppressed"))
}

pub(super) fn turnover_text(t: &Tr, per_mille: accompany_domain::stats::Suppressed<u64>) -> String {
    per_mille.map(|x| format!("{}.{}%", x / 10, x % 10)).text(&t.t("wf-rate-withheld"))
}

pub(super) fn forbidden(s: &Signed) -> PageError {
    AppError::Forbidden(s.tr.t("error-forbidden-detail")).into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use accompany_domain::workforce::{EnrolmentStatus, ProgramSetting, SessionFormat, IDENTITY_TOPICS};

    /// Keys built at run time from enums resolve in every shipped language.
    #[test]
    fn every_built_key_is_translated() {
        let mut keys: Vec<String> = Vec::new();
        keys.extend(ComplianceKind::ALL.iter().flat_map(|k| [format!("wf-kind-{}", k.as_str()), format!("wf-problem-{}", k.as_str())]));
        keys.extend(ProgramSetting::ALL.iter().map(|s| format!("wf-setting-{}", s.as_str())));
        keys.extend(SessionFormat::ALL.iter().map(|f| format!("wf-format-{}", f.as_str())));
        keys.extend(EnrolmentStatus::ALL.iter().map(|s| format!("wf-enrolment-{}", s.as_str())));
        keys.extend(["passed", "failed"].iter().map(|x| format!("wf-exam-{x}")));
        keys.extend(IDENTITY_TOPICS.iter().map(|d| format!("wf-identity-{d}")));
        for code in ["expiry-required", "hours", "minutes", "no-exam", "pay", "pay-band", "too-many", "no-such-worker"] {
            keys.push(format!("err-{code}"));
        }
        let names = [
            "subject",
            "credential",
            "requirement",
            "role",
            "date",
            "days",
            "threshold",
            "max",
            "min",
            "supervisor",
            "missing",
            "task",
            "reason",
            "setting",
            "billing",
            "critical",
        ];
        let args: Vec<(&str, String)> = names.iter().map(|n| (*n, "x".to_string())).collect();
        for (lang, _) in crate::i18n::SHIPPED {
            let t = Tr::new(lang);
            for k in &keys {
                assert!(!t.tn(k, &args).starts_with("Unknown localization key"), "{lang}: {k}");
            }
        }
        let es = Tr::new("es");
        assert_eq!(es.tn("wf-ce-progress", &[("earned", "2.5".into()), ("required", "15".into())]), "2.5 de 15 horas");
    }
}

//! Credentials and continuing education: expiry warnings, role eligibility, billing blocks and CE progress.

use serde::{Deserialize, Serialize};
use time::Date;

use super::{text, wf_date, WARNING_DAYS};
use crate::catalog::{Catalog, Role};
use crate::error::{FieldError, Invalid};
use crate::limits::text;
use crate::records::{format_date, parse_date, Id};

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Credential {
    pub id: Id,
    pub worker_id: Id,
    /// A credential kind of the catalog.
    pub kind: String,
    pub issuer: Option<String>,
    #[serde(with = "wf_date")]
    pub issued_on: Date,
    #[serde(with = "wf_date::option")]
    pub expires_on: Option<Date>,
    /// Where the proof is: a certificate number, a file reference, a note.
    pub evidence: Option<String>,
    pub version: i64,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct CredentialInput {
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::limits::schema::credential_kind))]
    pub kind: String,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::limits::schema::title_opt))]
    pub issuer: Option<String>,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::limits::schema::past_day))]
    pub issued_on: String,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::limits::schema::day_or_blank))]
    pub expires_on: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::limits::schema::reason_opt))]
    pub evidence: Option<String>,
}

impl CredentialInput {
    pub fn validate(&self, id: Id, worker_id: Id, catalog: &Catalog, today: Date) -> Result<Credential, Invalid> {
        let mut errs = Invalid::default();
        let kind = catalog.credential_kind(self.kind.trim());
        if kind.is_none() {
            let ids: Vec<_> = catalog.credential_kinds.iter().map(|k| k.id.as_str()).collect();
            errs.push(
                FieldError::new("kind", "unknown-choice", format!("unknown credential {:?}; use one of: {}", self.kind, ids.join(", ")))
                    .arg("value", self.kind.clone())
                    .arg("choices", ids.join(", ")),
            );
        }
        let issued = parse_date(&self.issued_on);
        match issued {
            None => errs.push(FieldError::new("issued_on", "date-format", "write the date it was issued as YYYY-MM-DD")),
            Some(d) if d > today => {
                errs.push(FieldError::new("issued_on", "date-future", "is in the future; write the date it was issued as YYYY-MM-DD"))
            }
            _ => {}
        }
        let expires = match text(&self.expires_on) {
            None => {
                if kind.is_some_and(|k| k.expires) {
                    errs.push(FieldError::new("expires_on", "expiry-required", "this credential lapses: give its expiry date as YYYY-MM-DD"));
                }
                None
            }
            Some(s) => match parse_date(&s) {
                None => {
                    errs.push(FieldError::new("expires_on", "date-format", "write the expiry date as YYYY-MM-DD, or leave it empty"));
                    None
                }
                Some(d) if issued.is_some_and(|i| d < i) => {
                    errs.push(FieldError::new("expires_on", "end-before-start", "is before the date it was issued"));
                    None
                }
                Some(d) => Some(d),
            },
        };
        for (field, value, limit) in [("issuer", &self.issuer, text::TITLE), ("evidence", &self.evidence, text::REASON)] {
            if let Some(v) = value {
                crate::limits::check_text(&mut errs, field, v.trim(), limit);
            }
        }
        errs.finish()?;
        Ok(Credential {
            id,
            worker_id,
            kind: self.kind.trim().to_string(),
            issuer: text(&self.issuer),
            issued_on: issued.unwrap_or(today),
            expires_on: expires,
            evidence: text(&self.evidence),
            version: 1,
        })
    }
}

/// Where a credential stands on a day.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(tag = "status", rename_all = "kebab-case")]
pub enum Expiry {
    /// Does not lapse, or lapses more than 90 days from now.
    Current,
    /// Lapses within `threshold` days (90, 30 or 7): `days_left` to go.
    Expiring { days_left: i64, threshold: i64 },
    /// Lapsed `days_ago` days ago.
    Expired { days_ago: i64 },
}

impl Expiry {
    pub fn is_valid(self) -> bool {
        !matches!(self, Expiry::Expired { .. })
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Expiry::Current => "current",
            Expiry::Expiring { .. } => "expiring",
            Expiry::Expired { .. } => "expired",
        }
    }
}

/// A credential is valid through its expiry date and lapses the day after.
pub fn expiry(expires_on: Option<Date>, today: Date) -> Expiry {
    let Some(end) = expires_on else {
        return Expiry::Current;
    };
    let days_left = (end - today).whole_days();
    if days_left < 0 {
        return Expiry::Expired { days_ago: -days_left };
    }
    match WARNING_DAYS.iter().rev().find(|t| days_left <= **t) {
        Some(t) => Expiry::Expiring { days_left, threshold: *t },
        None => Expiry::Current,
    }
}

/// One line of a role's eligibility checklist.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ChecklistItem {
    pub requirement_id: String,
    pub met: bool,
    /// The credential that meets it, when one does.
    pub met_by: Option<Id>,
    /// The newest credential that would meet it but has lapsed.
    #[serde(with = "wf_date::option")]
    pub expired_on: Option<Date>,
    /// Whether, unmet, it blocks billing every payer.
    pub blocks_billing: bool,
    /// The payers whose rule it blocks besides (e.g. the CARC for MassHealth).
    pub blocks_billing_for: Vec<String>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Eligibility {
    pub role_id: String,
    pub eligible: bool,
    pub items: Vec<ChecklistItem>,
}

/// The role's checklist against a worker's credentials on `today`.
pub fn eligibility(role: &Role, credentials: &[Credential], today: Date) -> Eligibility {
    let items: Vec<ChecklistItem> = role
        .requirements
        .iter()
        .map(|r| {
            let matching = credentials.iter().filter(|c| r.any_of.contains(&c.kind));
            let mut met_by = None;
            let mut expired_on: Option<Date> = None;
            for c in matching {
                if expiry(c.expires_on, today).is_valid() && c.issued_on <= today {
                    met_by = Some(c.id.clone());
                } else if let Some(e) = c.expires_on {
                    expired_on = Some(expired_on.map_or(e, |x: Date| x.max(e)));
                }
            }
            ChecklistItem {
                requirement_id: r.id.clone(),
                met: met_by.is_some(),
                expired_on: if met_by.is_some() { None } else { expired_on },
                met_by,
                blocks_billing: r.blocks_billing,
                blocks_billing_for: role.billing.iter().filter(|b| b.blocked_by.contains(&r.id)).map(|b| b.payer.clone()).collect(),
            }
        })
        .collect();
    Eligibility { role_id: role.id.clone(), eligible: items.iter().all(|i| i.met), items }
}

/// Why services in a role may not be billed for this worker today, if so.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct BillingBlock {
    pub requirement_id: String,
    /// The payers it blocks; empty when it blocks every payer.
    pub payers: Vec<String>,
    #[serde(with = "wf_date::option")]
    pub expired_on: Option<Date>,
    /// In plain English, for logs and API clients.
    pub reason: String,
}

/// The first unmet requirement of `role` that blocks billing every payer,
/// or else some payer; None when the worker may bill every payer.
pub fn billing_blocked(role: &Role, credentials: &[Credential], today: Date) -> Option<BillingBlock> {
    let e = eligibility(role, credentials, today);
    let item = e.items.iter().find(|i| i.blocks_billing && !i.met).or_else(|| e.items.iter().find(|i| !i.blocks_billing_for.is_empty() && !i.met))?;
    Some(block(role, item, if item.blocks_billing { &[] } else { &item.blocks_billing_for }))
}

/// The unmet requirement that blocks billing `payer` for `role`, if any.
pub fn billing_blocked_for(role: &Role, payer: &str, credentials: &[Credential], today: Date) -> Option<BillingBlock> {
    let e = eligibility(role, credentials, today);
    let item = e.items.iter().find(|i| !i.met && (i.blocks_billing || i.blocks_billing_for.iter().any(|p| p == payer)))?;
    let payers = if item.blocks_billing { vec![] } else { vec![payer.to_string()] };
    Some(block(role, item, &payers))
}

fn block(role: &Role, item: &ChecklistItem, payers: &[String]) -> BillingBlock {
    let name = role.requirements.iter().find(|r| r.id == item.requirement_id).map(|r| r.name.get("en").to_string());
    let name = name.unwrap_or_else(|| item.requirement_id.clone());
    let whom = if payers.is_empty() { String::new() } else { format!(" {}", payers.join(", ")) };
    let reason = match item.expired_on {
        Some(d) => format!("{name} expired on {}; renew it before billing{whom} for {} services", format_date(d), role.abbreviation),
        None => format!("{name} is missing; record it before billing{whom} for {} services", role.abbreviation),
    };
    BillingBlock { requirement_id: item.requirement_id.clone(), expired_on: item.expired_on, payers: payers.to_vec(), reason }
}

// ---------------------------------------------------------------------------
// Continuing education
// ---------------------------------------------------------------------------

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct CeEntry {
    pub id: Id,
    pub worker_id: Id,
    pub title: String,
    /// Hours in tenths, so that 1.5 hours is 15.
    pub tenths: i64,
    #[serde(with = "wf_date")]
    pub completed_on: Date,
    /// The training program it came from, when it did.
    pub program_id: Option<String>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct CeInput {
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::limits::schema::title))]
    pub title: String,
    /// Hours, e.g. "1.5".
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::limits::schema::hours))]
    pub hours: String,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::limits::schema::past_day))]
    pub completed_on: String,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::limits::schema::training_program_or_blank))]
    pub program_id: Option<String>,
}

impl CeInput {
    pub fn validate(&self, id: Id, worker_id: Id, catalog: &Catalog, today: Date) -> Result<CeEntry, Invalid> {
        let mut errs = Invalid::default();
        let title = errs.required("title", &self.title, text::TITLE);
        let tenths = parse_tenths(&self.hours);
        if tenths.is_none() {
            errs.push(FieldError::new("hours", "hours", "give the hours as a number between 0.1 and 100, e.g. 1.5"));
        }
        let completed = parse_date(&self.completed_on);
        match completed {
            None => errs.push(FieldError::new("completed_on", "date-format", "write the date as YYYY-MM-DD")),
            Some(d) if d > today => errs.push(FieldError::new("completed_on", "date-future", "is in the future; write the date as YYYY-MM-DD")),
            _ => {}
        }
        let program_id = text(&self.program_id);
        if let Some(p) = &program_id {
            if catalog.training_program(p).is_none() {
                errs.push(
                    FieldError::new("program_id", "unknown-choice", format!("unknown training program {p:?}"))
                        .arg("value", p.clone())
                        .arg("choices", catalog.training_programs.iter().map(|p| p.id.as_str()).collect::<Vec<_>>().join(", ")),
                );
            }
        }
        errs.finish()?;
        Ok(CeEntry { id, worker_id, title, tenths: tenths.unwrap_or(0), completed_on: completed.unwrap_or(today), program_id })
    }
}

/// "1.5" → 15 tenths; between 0.1 and 100 hours.
pub fn parse_tenths(s: &str) -> Option<i64> {
    let s = s.trim().replace(',', ".");
    let (whole, frac) = s.split_once('.').unwrap_or((&s, "0"));
    if whole.is_empty() && frac.is_empty() || !whole.chars().all(|c| c.is_ascii_digit()) || !frac.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    if frac.len() > 1 && frac[1..].chars().any(|c| c != '0') {
        return None;
    }
    let w: i64 = if whole.is_empty() { 0 } else { whole.parse().ok()? };
    let f: i64 = frac.chars().next().map_or(0, |c| i64::from(c as u8 - b'0'));
    let t = w.checked_mul(10)?.checked_add(f)?;
    (1..=1000).contains(&t).then_some(t)
}

pub fn tenths_text(t: i64) -> String {
    if t % 10 == 0 {
        format!("{}", t / 10)
    } else {
        format!("{}.{}", t / 10, t % 10)
    }
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CeProgress {
    pub credential_kind: String,
    pub required_tenths: i64,
    pub earned_tenths: i64,
    #[serde(with = "wf_date")]
    pub window_start: Date,
    #[serde(with = "wf_date")]
    pub window_end: Date,
    pub complete: bool,
}

/// Progress toward renewing each held credential that needs continuing
/// education: hours earned in the window that ends at its expiry (or today).
pub fn ce_progress(catalog: &Catalog, credentials: &[Credential], entries: &[CeEntry], today: Date) -> Vec<CeProgress> {
    let mut out: Vec<CeProgress> = Vec::new();
    for c in credentials {
        let Some(kind) = catalog.credential_kind(&c.kind) else {
            continue;
        };
        let Some(ce) = &kind.continuing_education else {
            continue;
        };
        if out.iter().any(|p| p.credential_kind == c.kind) {
            continue;
        }
        // The newest credential of this kind decides the window.
        let newest = credentials.iter().filter(|x| x.kind == c.kind).max_by_key(|x| (x.expires_on, x.issued_on)).unwrap_or(c);
        let end = newest.expires_on.unwrap_or(today);
        let start = months_before(end, ce.months);
        let earned = entries.iter().filter(|e| e.completed_on > start && e.completed_on <= end).map(|e| e.tenths).sum();
        let required = i64::from(ce.hours) * 10;
        out.push(CeProgress {
            credential_kind: c.kind.clone(),
            required_tenths: required,
            earned_tenths: earned,
            window_start: start,
            window_end: end,
            complete: earned >= required,
        });
    }
    out
}

/// The same day `months` earlier (clamped to the month's last day).
pub fn months_before(d: Date, months: u32) -> Date {
    let total = d.year() * 12 + i32::from(u8::from(d.month())) - 1 - months as i32;
    let (y, m) = (total.div_euclid(12), (total.rem_euclid(12) + 1) as u8);
    let month = time::Month::try_from(m).unwrap_or(time::Month::January);
    let last = month.length(y);
    Date::from_calendar_date(y, month, d.day().min(last)).unwrap_or(d)
}

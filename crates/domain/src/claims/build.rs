//! From priced contacts to claims: which billable lines go together on one
//! claim, which diagnoses a claim may carry, and what holds a claim back.
//! Pure: the store hands in the lines, the member's diagnoses and what the
//! policy lets it disclose.

use std::collections::BTreeMap;

use serde::Serialize;
use time::Date;

use crate::claim_data::Icd10;
use crate::contracts::PaymentModel;
use crate::privacy::Category;

use super::{MAX_DIAGNOSES, MAX_POINTERS};

/// At most this many service lines on one claim (loop 2400 repeats 50 times).
pub const MAX_LINES: usize = 50;

/// Why a billable contact is not on a claim yet; each names what releases it.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(tag = "code", rename_all = "kebab-case")]
pub enum Hold {
    /// The payer pays these units only under an approved authorization.
    NeedsAuthorization,
    /// The worker lacks a credential the payer requires.
    CredentialBlocks { requirement_id: String },
    /// The only diagnosis that qualifies is substance use, and the member has
    /// no 42 CFR Part 2 consent that covers payment to this payer.
    NeedsConsent,
    /// No diagnosis is on the member's record on the service dates.
    NeedsDiagnosis,
    /// The billing organization lacks what a claim names it by: NPI, tax id,
    /// taxonomy or a billing address with ZIP+4.
    NeedsProviderIds,
}

impl Hold {
    pub fn code(&self) -> &'static str {
        match self {
            Hold::NeedsAuthorization => "needs-authorization",
            Hold::CredentialBlocks { .. } => "credential-blocks",
            Hold::NeedsConsent => "needs-consent",
            Hold::NeedsDiagnosis => "needs-diagnosis",
            Hold::NeedsProviderIds => "needs-provider-ids",
        }
    }
}

/// What one claim gathers: a member's lines with one billing organization,
/// rendering worker, payer, authorization and calendar month.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ClaimKey {
    pub member_id: String,
    pub organization_id: String,
    /// The account of the worker who gave the service.
    pub rendering_user_id: String,
    pub payer_id: String,
    /// The payer's authorization number (REF*G1), when the lines use one.
    pub authorization: Option<String>,
    /// "YYYY-MM".
    pub period: String,
}

/// One billable contact, as a line of a claim.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BillableLine {
    pub contact_id: String,
    pub date: Date,
    pub code: String,
    pub modifiers: Vec<String>,
    pub units: u32,
    pub charge_cents: i64,
    pub place_of_service: Option<String>,
}

/// "YYYY-MM" of a day: claims gather a calendar month.
pub fn period_of(day: Date) -> String {
    format!("{:04}-{:02}", day.year(), u8::from(day.month()))
}

/// The lines grouped into claims: one per key, in date order, split where a
/// claim would pass [`MAX_LINES`].
pub fn group_lines(lines: Vec<(ClaimKey, BillableLine)>) -> Vec<(ClaimKey, Vec<BillableLine>)> {
    let mut by_key: BTreeMap<ClaimKey, Vec<BillableLine>> = BTreeMap::new();
    for (k, l) in lines {
        by_key.entry(k).or_default().push(l);
    }
    let mut out = Vec::new();
    for (k, mut ls) in by_key {
        ls.sort_by(|a, b| (a.date, &a.contact_id).cmp(&(b.date, &b.contact_id)));
        for chunk in ls.chunks(MAX_LINES) {
            out.push((k.clone(), chunk.to_vec()));
        }
    }
    out
}

/// A diagnosis with the days it holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatedDiagnosis {
    pub code: Icd10,
    pub start: Date,
    pub end: Option<Date>,
}

impl DatedDiagnosis {
    fn holds_on(&self, day: Date) -> bool {
        self.start <= day && self.end.is_none_or(|e| day <= e)
    }
}

/// The diagnoses a claim for these service dates carries: those on the
/// member's record on any of the days that `may_disclose` lets go to the
/// payer (the policy's answer by label), at most twelve, the first the
/// principal one. Held as needing consent when only withheld substance-use
/// diagnoses would qualify, and as needing a diagnosis when none does.
pub fn claim_diagnoses(diagnoses: &[DatedDiagnosis], dates: &[Date], may_disclose: &dyn Fn(Category) -> bool) -> Result<Vec<Icd10>, Hold> {
    let on_days: Vec<&DatedDiagnosis> = diagnoses.iter().filter(|d| dates.iter().any(|day| d.holds_on(*day))).collect();
    let mut out: Vec<Icd10> = Vec::new();
    let mut withheld = false;
    for d in &on_days {
        if !may_disclose(d.code.category()) {
            withheld = true;
        } else if !out.contains(&d.code) && out.len() < MAX_DIAGNOSES {
            out.push(d.code.clone());
        }
    }
    match (out.is_empty(), withheld) {
        (false, _) => Ok(out),
        (true, true) => Err(Hold::NeedsConsent),
        (true, false) => Err(Hold::NeedsDiagnosis),
    }
}

/// Each line points at the claim's first diagnoses, up to four.
pub fn pointers(diagnosis_count: usize) -> Vec<u8> {
    (1..=diagnosis_count.min(MAX_POINTERS)).map(|p| p as u8).collect()
}

/// Whether a batch is reported as encounters (BHT06 = RP) rather than billed:
/// the organization is paid for these services by a case rate or per member
/// per month under its contract with the payer, so lines report care given.
pub fn reports_encounters(model: Option<PaymentModel>) -> bool {
    matches!(model, Some(PaymentModel::CaseRate | PaymentModel::PerMemberPerMonth))
}

/// The claim's place of service: the one most of its lines share (a line
/// that differs says its own), or 99 ("other") when none is known.
pub fn claim_place_of_service(lines: &[BillableLine]) -> String {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for l in lines {
        if let Some(p) = &l.place_of_service {
            *counts.entry(p.as_str()).or_default() += 1;
        }
    }
    counts.into_iter().max_by_key(|(p, n)| (*n, std::cmp::Reverse(*p))).map_or_else(|| "99".to_string(), |(p, _)| p.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn dx(code: &str, start: Date, end: Option<Date>) -> DatedDiagnosis {
        DatedDiagnosis { code: Icd10::parse(code).unwrap(), start, end }
    }

    fn no_part2(c: Category) -> bool {
        c != Category::SubstanceUse
    }

    #[test]
    fn substance_use_alone_without_consent_holds_the_claim() {
        let days = [date!(2026 - 11 - 03)];
        let only_sud = [dx("F10.21", date!(2026 - 01 - 01), None)];
        assert_eq!(claim_diagnoses(&only_sud, &days, &no_part2), Err(Hold::NeedsConsent));
        assert_eq!(claim_diagnoses(&only_sud, &days, &|_| true).unwrap()[0].claim_form(), "F1021");
        let both = [dx("F10.21", date!(2026 - 01 - 01), None), dx("F33.1", date!(2026 - 02 - 01), None)];
        let shown = claim_diagnoses(&both, &days, &no_part2).unwrap();
        assert_eq!(shown.iter().map(Icd10::claim_form).collect::<Vec<_>>(), ["F331"], "the withheld code never reaches the claim");
        let ended = [dx("F33.1", date!(2026 - 01 - 01), Some(date!(2026 - 10 - 31)))];
        assert_eq!(claim_diagnoses(&ended, &days, &no_part2), Err(Hold::NeedsDiagnosis), "a diagnosis that ended before the service");
    }

    #[test]
    fn lines_group_by_member_payer_worker_and_month_and_split_at_fifty() {
        let key = |m: &str, period: &str| ClaimKey {
            member_id: m.into(),
            organization_id: "o".into(),
            rendering_user_id: "w".into(),
            payer_id: "masshealth".into(),
            authorization: None,
            period: period.into(),
        };
        let line = |i: u32, day: Date| BillableLine {
            contact_id: format!("c{i:03}"),
            date: day,
            code: "H0038".into(),
            modifiers: vec![],
            units: 1,
            charge_cents: 100,
            place_of_service: Some("11".into()),
        };
        let mut lines: Vec<_> = (0..60).map(|i| (key("a", "2026-11"), line(i, date!(2026 - 11 - 02)))).collect();
        lines.push((key("a", "2026-12"), line(99, date!(2026 - 12 - 01))));
        lines.push((key("b", "2026-11"), line(98, date!(2026 - 11 - 05))));
        let claims = group_lines(lines);
        let sizes: Vec<(String, String, usize)> = claims.iter().map(|(k, l)| (k.member_id.clone(), k.period.clone(), l.len())).collect();
        assert_eq!(
            sizes,
            [
                ("a".into(), "2026-11".into(), 50),
                ("a".into(), "2026-11".into(), 10),
                ("a".into(), "2026-12".into(), 1),
                ("b".into(), "2026-11".into(), 1)
            ]
        );
        assert_eq!(period_of(date!(2026 - 03 - 09)), "2026-03");
    }

    #[test]
    fn places_pointers_and_encounters() {
        let l = |p: Option<&str>| BillableLine {
            contact_id: "c".into(),
            date: date!(2026 - 11 - 02),
            code: "H0038".into(),
            modifiers: vec![],
            units: 1,
            charge_cents: 0,
            place_of_service: p.map(String::from),
        };
        assert_eq!(claim_place_of_service(&[l(Some("10")), l(Some("11")), l(Some("10"))]), "10");
        assert_eq!(claim_place_of_service(&[l(None)]), "99");
        assert_eq!(pointers(7), [1, 2, 3, 4]);
        assert_eq!(pointers(1), [1]);
        assert!(reports_encounters(Some(PaymentModel::CaseRate)));
        assert!(reports_encounters(Some(PaymentModel::PerMemberPerMonth)));
        assert!(!reports_encounters(Some(PaymentModel::FeeForService)));
        assert!(!reports_encounters(None));
    }
}

//! Claims as a payer takes them: the facts of one batch (who bills, who is
//! covered, what was done, with which diagnoses), checked for what the X12
//! 5010 professional claim guide (005010X222A1) demands and a validator does
//! not catch, then written as an 837P by [`x12::write_837p`]. Pure: the
//! store hands in the facts, the control numbers and the time.

pub mod build;
pub mod remit;
pub mod x12;

use time::Date;

use crate::billing::PayerKind;
use crate::claim_data::{is_valid_npi, AdministrativeSex, Icd10, PostalAddress};
use crate::error::{FieldError, Invalid};

/// At most this many diagnoses on a claim (HI), modifiers on a line (SV101)
/// and diagnosis pointers on a line (SV107), by the 5010 guide.
pub const MAX_DIAGNOSES: usize = 12;
pub const MAX_MODIFIERS: usize = 4;
pub const MAX_POINTERS: usize = 4;

/// Who sends the file and who receives it (the ISA and GS envelopes and loops 1000A/B).
#[derive(Debug, Clone, PartialEq)]
pub struct Envelope {
    /// ISA06 and GS02; at most 15 characters.
    pub sender_id: String,
    pub sender_name: String,
    pub contact_name: String,
    /// Ten digits.
    pub contact_phone: String,
    /// ISA08 and GS03; at most 15 characters.
    pub receiver_id: String,
    pub receiver_name: String,
    /// ISA13: unique and increasing per sender, 1 to 999,999,999.
    pub interchange_control: u32,
    /// GS06: unique and increasing per sender.
    pub group_control: u32,
    /// When the file was written, on the sender's wall clock.
    pub created: time::PrimitiveDateTime,
    /// ISA15: P for production, T for a test file.
    pub production: bool,
}

/// The organization that bills (loop 2010AA).
#[derive(Debug, Clone, PartialEq)]
pub struct BillingProvider {
    pub name: String,
    pub npi: String,
    /// Nine digits, no dash.
    pub tax_id: String,
    pub taxonomy: String,
    pub city: String,
    /// Its ZIP must be ZIP+4.
    pub address: PostalAddress,
}

/// The member as the payer knows them (loop 2010BA).
#[derive(Debug, Clone, PartialEq)]
pub struct Subscriber {
    pub family_name: String,
    pub given_name: String,
    /// The payer's member id (MassHealth id, or the coverage's subscriber id).
    pub member_id: String,
    pub address: Option<(String, PostalAddress)>,
    pub date_of_birth: Date,
    pub sex: AdministrativeSex,
}

/// The payer (loop 2010BB).
#[derive(Debug, Clone, PartialEq)]
pub struct PayerParty {
    pub name: String,
    /// The payer's X12 id (a deployment setting).
    pub id: String,
    pub kind: PayerKind,
}

/// The worker who gave the service (loop 2310B), when they have an NPI.
#[derive(Debug, Clone, PartialEq)]
pub struct Rendering {
    pub family_name: String,
    pub given_name: String,
    pub npi: String,
    pub taxonomy: String,
}

/// CLM05-3: a first claim, a replacement or a void of one sent before.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Frequency {
    Original,
    Replacement,
    Void,
}

impl Frequency {
    pub fn code(self) -> &'static str {
        match self {
            Frequency::Original => "1",
            Frequency::Replacement => "7",
            Frequency::Void => "8",
        }
    }
}

/// One service line (loop 2400).
#[derive(Debug, Clone, PartialEq)]
pub struct ServiceLine {
    /// HCPCS or CPT.
    pub code: String,
    pub modifiers: Vec<String>,
    /// The charge for the line, in cents.
    pub charge_cents: i64,
    pub units: u32,
    pub date: Date,
    /// When it differs from the claim's place of service.
    pub place_of_service: Option<String>,
    /// 1-based positions in the claim's diagnoses.
    pub pointers: Vec<u8>,
}

/// One claim (loop 2300) with its member, payer and lines.
#[derive(Debug, Clone, PartialEq)]
pub struct Claim {
    /// CLM01, echoed back as CLP01 on remittance; at most 20 characters.
    pub id: String,
    pub frequency: Frequency,
    /// For a replacement or void: the payer's claim number of the claim replaced (REF*F8).
    pub original_reference: Option<String>,
    pub place_of_service: String,
    pub subscriber: Subscriber,
    pub payer: PayerParty,
    pub diagnoses: Vec<Icd10>,
    pub rendering: Option<Rendering>,
    /// The prior authorization number (REF*G1), when one applies.
    pub authorization: Option<String>,
    /// What that authorization allows, when known: every line falls in its
    /// days, and the claim bills no more than its units.
    pub authorized: Option<Authorized>,
    pub lines: Vec<ServiceLine>,
}

/// An approved authorization's days and units.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Authorized {
    pub start: Date,
    pub end: Date,
    pub units: u32,
}

impl Claim {
    /// CLM02: always the sum of its lines.
    pub fn total_cents(&self) -> i64 {
        self.lines.iter().map(|l| l.charge_cents).sum()
    }
}

/// One batch: a billing provider's claims in one file (BHT03 is its id).
#[derive(Debug, Clone, PartialEq)]
pub struct Batch {
    pub id: String,
    /// Encounters for case-rate and capitated payers (BHT06 = RP), not claims for payment (CH).
    pub encounters: bool,
    pub billing: BillingProvider,
    pub claims: Vec<Claim>,
}

fn zip_digits(zip: &str) -> String {
    zip.chars().filter(char::is_ascii_digit).collect()
}

impl Batch {
    /// What the guide demands that a syntax validator lets through, each
    /// problem named by where it is.
    pub fn check(&self) -> Result<(), Invalid> {
        let mut errs = Invalid::default();
        let b = &self.billing;
        if !is_valid_npi(&b.npi) {
            errs.push(FieldError::new("billing.npi", "npi", format!("{:?} is not an NPI whose last digit checks", b.npi)));
        }
        if zip_digits(&b.address.zip).len() != 9 {
            errs.push(FieldError::new("billing.address.zip", "zip-plus4", "the billing provider's ZIP must be ZIP+4"));
        }
        if b.tax_id.len() != 9 || !b.tax_id.bytes().all(|c| c.is_ascii_digit()) {
            errs.push(FieldError::new("billing.tax_id", "ein", "the tax id is nine digits"));
        }
        if self.claims.is_empty() {
            errs.push(FieldError::new("claims", "required", "a batch holds at least one claim"));
        }
        for (i, c) in self.claims.iter().enumerate() {
            let at = |f: &str| format!("claims[{i}].{f}");
            if c.id.is_empty() || c.id.len() > 20 {
                errs.push(FieldError::new(at("id"), "too-long", "a claim id is 1 to 20 characters"));
            }
            if c.diagnoses.is_empty() || c.diagnoses.len() > MAX_DIAGNOSES {
                errs.push(FieldError::new(at("diagnoses"), "diagnoses", "a claim names 1 to 12 diagnoses"));
            }
            if c.lines.is_empty() {
                errs.push(FieldError::new(at("lines"), "required", "a claim has at least one line"));
            }
            if c.frequency != Frequency::Original && c.original_reference.is_none() {
                errs.push(FieldError::new(at("original_reference"), "required", "a replacement or void names the claim it replaces"));
            }
            if let Some(r) = &c.rendering {
                if !is_valid_npi(&r.npi) {
                    errs.push(FieldError::new(at("rendering.npi"), "npi", format!("{:?} is not an NPI whose last digit checks", r.npi)));
                }
            }
            if let Some(a) = &c.authorized {
                let units: u32 = c.lines.iter().map(|l| l.units).sum();
                if units > a.units {
                    errs.push(FieldError::new(
                        at("lines"),
                        "units-over-authorization",
                        format!("{units} units billed under an authorization of {}", a.units),
                    ));
                }
            }
            for (j, l) in c.lines.iter().enumerate() {
                let at = |f: &str| format!("claims[{i}].lines[{j}].{f}");
                if let Some(a) = &c.authorized {
                    if l.date < a.start || l.date > a.end {
                        errs.push(FieldError::new(
                            at("date"),
                            "outside-authorization",
                            format!("{} is outside the authorization's {} to {}", l.date, a.start, a.end),
                        ));
                    }
                }
                if l.modifiers.len() > MAX_MODIFIERS {
                    errs.push(FieldError::new(at("modifiers"), "modifiers", "at most 4 modifiers on a line"));
                }
                if l.pointers.is_empty() || l.pointers.len() > MAX_POINTERS {
                    errs.push(FieldError::new(at("pointers"), "pointers", "a line points at 1 to 4 diagnoses"));
                }
                if l.pointers.iter().any(|p| *p == 0 || usize::from(*p) > c.diagnoses.len()) {
                    errs.push(FieldError::new(at("pointers"), "pointers", "a pointer names one of the claim's diagnoses"));
                }
                if l.units == 0 || l.charge_cents < 0 {
                    errs.push(FieldError::new(at("units"), "units", "a line bills at least one unit at a charge of zero or more"));
                }
            }
        }
        errs.finish()
    }
}

/// The batch as a spreadsheet, one row per service line, for payers and
/// agencies that take claims as CSV: the same claims, ids and totals as the
/// 837P written for the batch.
pub fn write_csv(batch: &Batch) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let header = [
        "batch",
        "claim",
        "frequency",
        "payer",
        "payer_member_id",
        "family_name",
        "given_name",
        "date_of_birth",
        "billing_npi",
        "rendering_npi",
        "authorization",
        "diagnoses",
        "line",
        "service_date",
        "code",
        "modifiers",
        "units",
        "charge",
        "place_of_service",
        "claim_total",
    ];
    // Writing to memory fails only when out of memory.
    let _ = w.write_record(header);
    for c in &batch.claims {
        let diagnoses = c.diagnoses.iter().map(Icd10::display).collect::<Vec<_>>().join(" ");
        for (n, l) in c.lines.iter().enumerate() {
            let _ = w.write_record([
                batch.id.clone(),
                c.id.clone(),
                c.frequency.code().to_string(),
                c.payer.name.clone(),
                c.subscriber.member_id.clone(),
                c.subscriber.family_name.clone(),
                c.subscriber.given_name.clone(),
                c.subscriber.date_of_birth.to_string(),
                batch.billing.npi.clone(),
                c.rendering.as_ref().map(|r| r.npi.clone()).unwrap_or_default(),
                c.authorization.clone().unwrap_or_default(),
                diagnoses.clone(),
                (n + 1).to_string(),
                l.date.to_string(),
                l.code.clone(),
                l.modifiers.join(" "),
                l.units.to_string(),
                dollars(l.charge_cents),
                l.place_of_service.clone().unwrap_or_else(|| c.place_of_service.clone()),
                dollars(c.total_cents()),
            ]);
        }
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

/// Cents as dollars with two decimals: 1850 is "18.50".
pub fn dollars(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    format!("{sign}{}.{:02}", cents.unsigned_abs() / 100, cents.unsigned_abs() % 100)
}

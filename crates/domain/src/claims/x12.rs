//! The X12 5010 837P writer (005010X222A1). The X12 crates on crates.io
//! parse files (`edi`) or bind the base standard's segments (`x12-types`,
//! with `serde_x12`, "a work in progress"), not this implementation guide's
//! loops, qualifiers and situational rules, which are what a payer checks;
//! so the guide's segments are written here, loop by loop, and every count,
//! total and control number is computed rather than typed in.

use super::{Batch, Claim, Frequency};
use crate::billing::PayerKind;
use crate::error::Invalid;

const SEGMENT: char = '~';
const ELEMENT: char = '*';
const COMPONENT: char = ':';
const REPETITION: char = '^';

/// Text as an element may carry it: upper case, no separators or control
/// characters, single spaces, at most `max` characters.
pub(super) fn text(s: &str, max: usize) -> String {
    let cleaned: String = s
        .chars()
        .map(|c| if c.is_control() || [SEGMENT, ELEMENT, COMPONENT, REPETITION].contains(&c) { ' ' } else { c.to_ascii_uppercase() })
        .filter(|c| c.is_ascii())
        .collect();
    let words: Vec<&str> = cleaned.split_whitespace().collect();
    words.join(" ").chars().take(max).collect()
}

fn digits(s: &str) -> String {
    s.chars().filter(char::is_ascii_digit).collect()
}

/// An amount in dollars without trailing zeros, as the R data type allows.
pub(super) fn amount(cents: i64) -> String {
    let (sign, c) = if cents < 0 { ("-", -cents) } else { ("", cents) };
    match c % 100 {
        0 => format!("{sign}{}", c / 100),
        n if n % 10 == 0 => format!("{sign}{}.{}", c / 100, n / 10),
        n => format!("{sign}{}.{n:02}", c / 100),
    }
}

pub(super) fn ccyymmdd(d: time::Date) -> String {
    format!("{:04}{:02}{:02}", d.year(), u8::from(d.month()), d.day())
}

/// Segments between ST and SE, counted as they are added.
struct Segments(Vec<String>);

impl Segments {
    /// One segment; trailing empty elements are left out, as the standard asks.
    fn add(&mut self, elements: &[&str]) {
        let last = elements.iter().rposition(|e| !e.is_empty()).unwrap_or(0);
        self.0.push(elements[..=last].join(&ELEMENT.to_string()));
    }
}

/// SBR09: how the payer is billed.
fn filing_indicator(kind: PayerKind) -> &'static str {
    match kind {
        PayerKind::Medicaid | PayerKind::ManagedCare | PayerKind::Aco | PayerKind::MedicareMedicaid => "MC",
        PayerKind::Medicare => "MB",
        _ => "CI",
    }
}

fn claim_segments(s: &mut Segments, hl: usize, c: &Claim) {
    let sub = &c.subscriber;
    s.add(&["HL", &hl.to_string(), "1", "22", "0"]);
    s.add(&["SBR", "P", "18", "", "", "", "", "", "", filing_indicator(c.payer.kind)]);
    s.add(&["NM1", "IL", "1", &text(&sub.family_name, 60), &text(&sub.given_name, 35), "", "", "", "MI", &text(&sub.member_id, 80)]);
    if let Some((city, a)) = &sub.address {
        s.add(&["N3", &text(&a.line1, 55), &a.line2.as_deref().map(|l| text(l, 55)).unwrap_or_default()]);
        s.add(&["N4", &text(city, 30), &text(&a.state, 2), &digits(&a.zip)]);
    }
    s.add(&["DMG", "D8", &ccyymmdd(sub.date_of_birth), sub.sex.x12()]);
    s.add(&["NM1", "PR", "2", &text(&c.payer.name, 60), "", "", "", "", "PI", &text(&c.payer.id, 80)]);
    let place = format!("{}{COMPONENT}B{COMPONENT}{}", text(&c.place_of_service, 2), c.frequency.code());
    s.add(&["CLM", &text(&c.id, 20), &amount(c.total_cents()), "", "", &place, "Y", "A", "Y", "Y"]);
    if let Some(n) = &c.authorization {
        s.add(&["REF", "G1", &text(n, 50)]);
    }
    if c.frequency != Frequency::Original {
        if let Some(r) = &c.original_reference {
            s.add(&["REF", "F8", &text(r, 50)]);
        }
    }
    let hi: Vec<String> =
        c.diagnoses.iter().enumerate().map(|(i, d)| format!("{}{COMPONENT}{}", if i == 0 { "ABK" } else { "ABF" }, d.claim_form())).collect();
    let mut hi_elements = vec!["HI"];
    hi_elements.extend(hi.iter().map(String::as_str));
    s.add(&hi_elements);
    if let Some(r) = &c.rendering {
        s.add(&["NM1", "82", "1", &text(&r.family_name, 60), &text(&r.given_name, 35), "", "", "", "XX", &r.npi]);
        s.add(&["PRV", "PE", "PXC", &r.taxonomy]);
    }
    for (n, l) in c.lines.iter().enumerate() {
        s.add(&["LX", &(n + 1).to_string()]);
        let mut procedure = format!("HC{COMPONENT}{}", text(&l.code, 48));
        for m in &l.modifiers {
            procedure.push(COMPONENT);
            procedure.push_str(&text(m, 2));
        }
        let pointers = l.pointers.iter().map(u8::to_string).collect::<Vec<_>>().join(&COMPONENT.to_string());
        let place = l.place_of_service.as_deref().map(|p| text(p, 2)).unwrap_or_default();
        s.add(&["SV1", &procedure, &amount(l.charge_cents), "UN", &l.units.to_string(), &place, "", &pointers]);
        s.add(&["DTP", "472", "D8", &ccyymmdd(l.date)]);
    }
}

/// Write one batch as an 837P interchange: ISA/GS/ST ... SE/GE/IEA, one
/// billing provider, a subscriber loop per claim. Refuses a batch that
/// [`Batch::check`] refuses.
pub fn write_837p(e: &super::Envelope, batch: &Batch) -> Result<String, Invalid> {
    batch.check()?;
    let created = e.created;
    let (date, yymmdd) = (ccyymmdd(created.date()), ccyymmdd(created.date())[2..].to_string());
    let hhmm = format!("{:02}{:02}", created.hour(), created.minute());
    let control = format!("{:09}", e.interchange_control);
    let pad = |s: &str| format!("{:<15}", text(s, 15));
    let isa = [
        "ISA".to_string(),
        "00".into(),
        " ".repeat(10),
        "00".into(),
        " ".repeat(10),
        "ZZ".into(),
        pad(&e.sender_id),
        "ZZ".into(),
        pad(&e.receiver_id),
        yymmdd,
        hhmm.clone(),
        REPETITION.to_string(),
        "00501".into(),
        control.clone(),
        "0".into(),
        if e.production { "P" } else { "T" }.into(),
        COMPONENT.to_string(),
    ]
    .join(&ELEMENT.to_string());
    let gs = ["GS", "HC", &text(&e.sender_id, 15), &text(&e.receiver_id, 15), &date, &hhmm, &e.group_control.to_string(), "X", "005010X222A1"]
        .join(&ELEMENT.to_string());

    let mut s = Segments(Vec::new());
    s.add(&["ST", "837", "0001", "005010X222A1"]);
    s.add(&["BHT", "0019", "00", &text(&batch.id, 50), &date, &hhmm, if batch.encounters { "RP" } else { "CH" }]);
    s.add(&["NM1", "41", "2", &text(&e.sender_name, 60), "", "", "", "", "46", &text(&e.sender_id, 80)]);
    s.add(&["PER", "IC", &text(&e.contact_name, 60), "TE", &digits(&e.contact_phone)]);
    s.add(&["NM1", "40", "2", &text(&e.receiver_name, 60), "", "", "", "", "46", &text(&e.receiver_id, 80)]);
    let b = &batch.billing;
    s.add(&["HL", "1", "", "20", "1"]);
    s.add(&["PRV", "BI", "PXC", &b.taxonomy]);
    s.add(&["NM1", "85", "2", &text(&b.name, 60), "", "", "", "", "XX", &b.npi]);
    s.add(&["N3", &text(&b.address.line1, 55), &b.address.line2.as_deref().map(|l| text(l, 55)).unwrap_or_default()]);
    s.add(&["N4", &text(&b.city, 30), &text(&b.address.state, 2), &digits(&b.address.zip)]);
    s.add(&["REF", "EI", &b.tax_id]);
    for (i, c) in batch.claims.iter().enumerate() {
        claim_segments(&mut s, i + 2, c);
    }
    let count = s.0.len() + 1;
    s.add(&["SE", &count.to_string(), "0001"]);

    let mut out = String::new();
    for segment in std::iter::once(isa).chain(std::iter::once(gs)).chain(s.0) {
        out.push_str(&segment);
        out.push(SEGMENT);
        out.push('\n');
    }
    out.push_str(&format!("GE{ELEMENT}1{ELEMENT}{}{SEGMENT}\n", e.group_control));
    out.push_str(&format!("IEA{ELEMENT}1{ELEMENT}{control}{SEGMENT}\n"));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::super::*;
    use super::*;
    use crate::claim_data::{AdministrativeSex, Icd10, PostalAddress};
    use time::macros::{date, datetime};

    fn envelope() -> Envelope {
        Envelope {
            sender_id: "ACCOMPANY".into(),
            sender_name: "Accompany*Peer~Network".into(),
            contact_name: "Billing Office".into(),
            contact_phone: "617-555-0100".into(),
            receiver_id: "MASSHEALTH".into(),
            receiver_name: "MassHealth".into(),
            interchange_control: 42,
            group_control: 7,
            created: datetime!(2026-11-30 10:15),
            production: false,
        }
    }

    pub(crate) fn batch() -> Batch {
        let subscriber = Subscriber {
            family_name: "Nguyen".into(),
            given_name: "Lan".into(),
            member_id: "100012345678".into(),
            address: Some((
                "Worcester".into(),
                PostalAddress { line1: "12 Elm St".into(), line2: Some("Apt 3".into()), state: "MA".into(), zip: "01608".into() },
            )),
            date_of_birth: date!(1984 - 03 - 09),
            sex: AdministrativeSex::Female,
        };
        let line = |day: u8, modifiers: &[&str], units: u32| ServiceLine {
            code: "H0038".into(),
            modifiers: modifiers.iter().map(|m| m.to_string()).collect(),
            charge_cents: i64::from(units) * 1_850,
            units,
            date: time::Date::from_calendar_date(2026, time::Month::November, day).unwrap(),
            place_of_service: None,
            pointers: vec![1, 2],
        };
        Batch {
            id: "B-2026-11-001".into(),
            encounters: false,
            billing: BillingProvider {
                name: "Bridgeway Peer Services".into(),
                npi: "1234567893".into(),
                tax_id: "043456789".into(),
                taxonomy: "175T00000X".into(),
                city: "Boston".into(),
                address: PostalAddress { line1: "100 Main St".into(), line2: None, state: "MA".into(), zip: "02108-1234".into() },
            },
            claims: vec![Claim {
                id: "C-0001".into(),
                frequency: Frequency::Original,
                original_reference: None,
                place_of_service: "11".into(),
                subscriber,
                payer: PayerParty { name: "MassHealth".into(), id: "DMA7384".into(), kind: PayerKind::Medicaid },
                diagnoses: vec![Icd10::parse("F33.1").unwrap(), Icd10::parse("F10.21").unwrap()],
                rendering: Some(Rendering {
                    family_name: "Coach".into(),
                    given_name: "Dana".into(),
                    npi: "1245319599".into(),
                    taxonomy: "175T00000X".into(),
                }),
                authorization: Some("PA-2026-0001".into()),
                authorized: Some(Authorized { start: date!(2026 - 11 - 01), end: date!(2027 - 01 - 29), units: 90 }),
                lines: vec![line(3, &["HF"], 2), line(10, &["HF", "HQ"], 4)],
            }],
        }
    }

    fn segments(x12: &str) -> Vec<Vec<String>> {
        x12.split('~').map(str::trim).filter(|s| !s.is_empty()).map(|s| s.split('*').map(String::from).collect()).collect()
    }

    #[test]
    fn the_envelope_counts_and_totals_are_computed() {
        let out = write_837p(&envelope(), &batch()).unwrap();
        let segs = segments(&out);
        let isa = &segs[0];
        assert_eq!(isa.len(), 17);
        assert_eq!((isa[6].len(), isa[8].len(), isa[13].as_str(), isa[15].as_str()), (15, 15, "000000042", "T"));
        let st = segs.iter().position(|s| s[0] == "ST").unwrap();
        let se = segs.iter().position(|s| s[0] == "SE").unwrap();
        assert_eq!(segs[se][1], (se - st + 1).to_string(), "SE counts ST to SE");
        assert_eq!(segs[se][2], segs[st][2], "SE names its ST");
        let ge = segs.iter().find(|s| s[0] == "GE").unwrap();
        assert_eq!((ge[1].as_str(), ge[2].as_str()), ("1", "7"));
        assert_eq!(segs.last().unwrap(), &vec!["IEA".to_string(), "1".into(), "000000042".into()]);
        let clm = segs.iter().find(|s| s[0] == "CLM").unwrap();
        assert_eq!(clm[2], "111", "2 x 18.50 + 4 x 18.50: the claim total is its lines");
        assert_eq!(clm[5], "11:B:1");
        let sv1: Vec<_> = segs.iter().filter(|s| s[0] == "SV1").collect();
        assert_eq!(sv1[1][1], "HC:H0038:HF:HQ");
        assert_eq!((sv1[0][2].as_str(), sv1[0][4].as_str(), sv1[0][7].as_str()), ("37", "2", "1:2"));
        let hi = segs.iter().find(|s| s[0] == "HI").unwrap();
        assert_eq!(hi[1..], ["ABK:F331".to_string(), "ABF:F1021".to_string()], "codes without the dot");
        let n4 = segs.iter().find(|s| s[0] == "N4").unwrap();
        assert_eq!(n4[3], "021081234", "the billing provider's ZIP+4");
        let submitter = segs.iter().find(|s| s[0] == "NM1" && s[1] == "41").unwrap();
        assert_eq!(submitter[3], "ACCOMPANY PEER NETWORK", "separators never reach an element");
        let bht = segs.iter().find(|s| s[0] == "BHT").unwrap();
        assert_eq!(bht[6], "CH");
    }

    #[test]
    fn encounters_replacements_and_voids_say_so() {
        let mut b = batch();
        b.encounters = true;
        b.claims[0].frequency = Frequency::Replacement;
        b.claims[0].original_reference = Some("PAYER-123".into());
        let segs = segments(&write_837p(&envelope(), &b).unwrap());
        assert_eq!(segs.iter().find(|s| s[0] == "BHT").unwrap()[6], "RP");
        assert_eq!(segs.iter().find(|s| s[0] == "CLM").unwrap()[5], "11:B:7");
        assert!(segs.iter().any(|s| s[0] == "REF" && s[1] == "F8" && s[2] == "PAYER-123"));
        b.claims[0].original_reference = None;
        let e = write_837p(&envelope(), &b).unwrap_err();
        assert_eq!(e.0[0].field, "claims[0].original_reference");
    }

    #[test]
    fn what_a_validator_lets_through_is_refused_by_name() {
        let mut b = batch();
        b.billing.npi = "1234567890".into();
        b.billing.address.zip = "02108".into();
        b.claims[0].diagnoses = (0..13).map(|i| Icd10::parse(&format!("F3{}", i % 10)).unwrap()).collect();
        b.claims[0].lines[0].modifiers = vec!["HF".into(), "HQ".into(), "GT".into(), "U1".into(), "U2".into()];
        b.claims[0].lines[1].pointers = vec![1, 2, 3, 4, 5];
        let e = write_837p(&envelope(), &b).unwrap_err();
        let fields: Vec<(&str, &str)> = e.0.iter().map(|f| (f.field.as_str(), f.code)).collect();
        for want in [
            ("billing.npi", "npi"),
            ("billing.address.zip", "zip-plus4"),
            ("claims[0].diagnoses", "diagnoses"),
            ("claims[0].lines[0].modifiers", "modifiers"),
            ("claims[0].lines[1].pointers", "pointers"),
        ] {
            assert!(fields.contains(&want), "{want:?} in {fields:?}");
        }
        let mut b = batch();
        b.claims[0].lines[0].pointers = vec![3];
        assert_eq!(write_837p(&envelope(), &b).unwrap_err().0[0].code, "pointers", "a pointer past the diagnoses");
        // A line outside its authorization's days, and more units than it allows.
        let mut b = batch();
        b.claims[0].authorized = Some(Authorized { start: date!(2026 - 11 - 05), end: date!(2026 - 12 - 31), units: 5 });
        let codes: Vec<(String, &str)> = write_837p(&envelope(), &b).unwrap_err().0.into_iter().map(|e| (e.field, e.code)).collect();
        assert!(codes.contains(&("claims[0].lines".into(), "units-over-authorization")), "{codes:?}");
        assert!(codes.contains(&("claims[0].lines[0].date".into(), "outside-authorization")), "{codes:?}");
        assert!(!codes.iter().any(|(f, _)| f == "claims[0].lines[1].date"), "the tenth is inside");
    }

    #[test]
    fn amounts_are_written_without_trailing_zeros() {
        assert_eq!(
            (amount(11_100), amount(1_850), amount(1_805), amount(5), amount(0)),
            ("111".into(), "18.5".into(), "18.05".into(), "0.05".into(), "0".into())
        );
    }
}

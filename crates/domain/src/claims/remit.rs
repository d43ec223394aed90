//! What a payer sends back for an 837P: the 999 implementation
//! acknowledgement (was the file well formed), the 277CA claim
//! acknowledgement (005010X214: did each claim enter adjudication) and the
//! 835 remittance advice (005010X221A1: what was paid, adjusted or denied).
//! Told apart by content, since payers and clearinghouses name files as they
//! please. Pure: text in, facts out. The writers play the payer in tests;
//! they write text as the 837P writer does (upper case, no separators), so
//! text already in that form comes back as it went.
//!
//! The reader checks the envelope (ISA/GS/ST ... SE/GE/IEA, counts and
//! control numbers) so that a file cut short in transfer is refused rather
//! than half imported.

use std::fmt;

use time::{Date, Month, PrimitiveDateTime};

use super::x12::{amount, ccyymmdd, text};

/// The separators the writers use (the same as the 837P writer's).
const SEGMENT: char = '~';
const ELEMENT: char = '*';
const COMPONENT: char = ':';
const REPETITION: char = '^';

/// One file a payer sent back, by its transaction set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Response {
    Acknowledgement999(Ack999),
    ClaimAcknowledgement(Ack277),
    Remittance(Remit835),
}

/// A 999: whether the functional group of an 837 we sent (GS06, echoed in
/// AK102) was accepted, set by set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ack999 {
    pub group_control: u32,
    /// AK901 is A (accepted) or E (accepted with errors noted); P (partly
    /// accepted) and R are not, and `sets` says which sets failed.
    pub accepted: bool,
    pub sets: Vec<SetAck>,
}

/// One transaction set's response in a 999 (AK2 ... IK5).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetAck {
    /// AK202: the ST02 of the set acknowledged.
    pub control: String,
    /// IK501 is A or E.
    pub accepted: bool,
    /// The IK3/IK4 errors and IK5 reasons, in plain words with their codes.
    pub errors: Vec<String>,
}

/// A 277CA: the claims of one or more 837s, each accepted into
/// adjudication or rejected before it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ack277 {
    pub claims: Vec<ClaimAck>,
}

/// One claim's acknowledgement (loop 2200D).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimAck {
    /// TRN02: the patient control number, which echoes our CLM01.
    pub claim_id: String,
    /// REF*1K, when the payer assigned one.
    pub payer_claim_number: Option<String>,
    /// Whether the claim went on to adjudication; see [`category_accepted`].
    pub accepted: bool,
    /// STC01-1, the claim status category (A2, A7, ...).
    pub category: String,
    /// STC01-2, the claim status code saying why.
    pub status_code: String,
    /// STC12, the payer's free text.
    pub message: Option<String>,
    /// STC04, the claim's total charge as the payer read it.
    pub charge_cents: Option<i64>,
}

/// An 835: one payment (a check, an EFT or none) and the claims it settles.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Remit835 {
    /// N1*PR.
    pub payer_name: String,
    /// TRN02: the check or EFT trace number, which the bank deposit carries too.
    pub trace_number: String,
    /// BPR02, negative when BPR03 says the provider is debited.
    pub payment_cents: i64,
    /// BPR16: when the money was sent or is to be.
    pub paid_on: Option<Date>,
    pub claims: Vec<ClaimPayment>,
}

/// One claim's payment (CLP, loop 2100).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimPayment {
    /// CLP01: our CLM01 echoed.
    pub claim_id: String,
    /// CLP02: 1, 2, 3 processed as primary, secondary, tertiary; 4 denied;
    /// 19, 20, 21 processed and forwarded; 22 a reversal of an earlier payment.
    pub status_code: String,
    /// CLP02 is 4. A claim paid nothing for other reasons (a deductible, a
    /// reversal) is not a denial: the adjustments say why.
    pub denied: bool,
    pub charge_cents: i64,
    pub paid_cents: i64,
    /// CLP07: what a replacement or void names as the claim it replaces.
    pub payer_claim_number: Option<String>,
    /// Claim-level CAS.
    pub adjustments: Vec<Adjustment>,
    pub lines: Vec<LinePayment>,
}

/// One amount a payer adjusted, and why (one CAS triple).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Adjustment {
    /// CO contractual, PR patient responsibility, OA other, PI payer
    /// initiated, CR correction or reversal.
    pub group: String,
    /// The claim adjustment reason code (45, 197, 1, ...).
    pub reason: String,
    pub cents: i64,
}

/// One service line's payment (SVC, loop 2110).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinePayment {
    /// SVC01-2: the procedure as adjudicated.
    pub code: String,
    pub modifiers: Vec<String>,
    pub charge_cents: i64,
    pub paid_cents: i64,
    /// SVC05, the units paid; absent means one, by the guide. A reversal's
    /// sign is on its amounts and CLP02, so negative units are read as their size.
    pub units: Option<u32>,
    /// DTM*472.
    pub date: Option<Date>,
    pub adjustments: Vec<Adjustment>,
}

/// Why a file was not read: where (the segment's 1-based position in the
/// file, ISA being 1) and what was wrong, in words a biller can act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    pub segment: Option<usize>,
    pub message: String,
}

impl ParseError {
    fn at(segment: usize, message: impl Into<String>) -> Self {
        ParseError { segment: Some(segment), message: message.into() }
    }

    fn plain(message: impl Into<String>) -> Self {
        ParseError { segment: None, message: message.into() }
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.segment {
            Some(n) => write!(f, "segment {n}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for ParseError {}

/// Whether a 277CA status category means the claim went on to adjudication:
/// received, accepted, forwarded, split on acceptance, accepted for data
/// reporting (with or without a warning) or pending. Every other category
/// (A3 unprocessable, A4 not found, A6/A7/A8 missing, invalid or
/// relational information, DR03 to DR07, the E errors, and codes not known
/// here) means a person has to look, so it is not counted as accepted.
pub fn category_accepted(category: &str) -> bool {
    matches!(category, "A0" | "A1" | "A2" | "A5" | "DR01" | "DR02" | "DR08") || category.starts_with('P')
}

// ---------------------------------------------------------------- reading

/// One segment: its 1-based position in the file and its elements, the
/// segment id first.
struct Seg<'a> {
    n: usize,
    elements: Vec<&'a str>,
}

impl<'a> Seg<'a> {
    fn id(&self) -> &'a str {
        self.elements.first().copied().unwrap_or("")
    }

    /// An element, trimmed; empty when absent.
    fn get(&self, i: usize) -> &'a str {
        self.elements.get(i).map_or("", |e| e.trim())
    }

    fn name(&self, i: usize) -> String {
        format!("{}{i:02}", self.id())
    }

    fn err(&self, message: impl Into<String>) -> ParseError {
        ParseError::at(self.n, message)
    }

    fn required(&self, i: usize, what: &str) -> Result<&'a str, ParseError> {
        match self.get(i) {
            "" => Err(self.err(format!("{} ({what}) is missing", self.name(i)))),
            v => Ok(v),
        }
    }

    fn cents(&self, i: usize, what: &str) -> Result<i64, ParseError> {
        let v = self.required(i, what)?;
        cents(v).ok_or_else(|| self.err(format!("{} ({what}) is {v:?}, not an amount", self.name(i))))
    }

    fn optional_cents(&self, i: usize, what: &str) -> Result<Option<i64>, ParseError> {
        if self.get(i).is_empty() {
            Ok(None)
        } else {
            self.cents(i, what).map(Some)
        }
    }

    fn date(&self, i: usize, what: &str) -> Result<Date, ParseError> {
        let v = self.required(i, what)?;
        date(v).ok_or_else(|| self.err(format!("{} ({what}) is {v:?}, not a date as CCYYMMDD", self.name(i))))
    }

    fn number(&self, i: usize, what: &str) -> Result<u32, ParseError> {
        let v = self.required(i, what)?;
        v.parse().map_err(|_| self.err(format!("{} ({what}) is {v:?}, not a number", self.name(i))))
    }
}

/// An X12 R value ("111", "18.5", "-3.25", ".5") in cents, exactly; `None`
/// when it is not one or has a fraction of a cent.
fn cents(s: &str) -> Option<i64> {
    let (negative, magnitude) = match s.strip_prefix('-') {
        Some(m) => (true, m),
        None => (false, s),
    };
    let (whole, fraction) = match magnitude.split_once('.') {
        Some((w, f)) if !f.is_empty() => (w, f),
        Some(_) => return None,
        None => (magnitude, ""),
    };
    if (whole.is_empty() && fraction.is_empty()) || !whole.bytes().all(|b| b.is_ascii_digit()) || !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let fraction = fraction.trim_end_matches('0');
    if fraction.len() > 2 {
        return None;
    }
    let mut value: i64 = 0;
    for b in whole.bytes().chain(format!("{fraction:0<2}").bytes()) {
        value = value.checked_mul(10)?.checked_add(i64::from(b - b'0'))?;
    }
    Some(if negative { -value } else { value })
}

fn date(s: &str) -> Option<Date> {
    if s.len() != 8 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let year: i32 = s.get(..4)?.parse().ok()?;
    let month: u8 = s.get(4..6)?.parse().ok()?;
    let day: u8 = s.get(6..)?.parse().ok()?;
    Date::from_calendar_date(year, Month::try_from(month).ok()?, day).ok()
}

/// A whole count of units; a fraction of a unit is not one.
fn units(s: &str) -> Option<u32> {
    let magnitude = s.strip_prefix('-').unwrap_or(s);
    let whole = match magnitude.split_once('.') {
        Some((w, f)) if !f.is_empty() && f.bytes().all(|b| b == b'0') => w,
        Some(_) => return None,
        None => magnitude,
    };
    if whole.is_empty() || !whole.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    whole.parse().ok()
}

/// The segments of an interchange and its component separator.
struct Interchange<'a> {
    segments: Vec<Seg<'a>>,
    component: char,
}

/// Reads the separators from ISA (the element separator is its fourth
/// character, the component separator is ISA16 and the segment terminator
/// follows it) and splits the file into segments, tolerating a byte order
/// mark, leading whitespace and line breaks after terminators.
fn split(file: &str) -> Result<Interchange<'_>, ParseError> {
    let file = file.trim_start_matches(|c: char| c == '\u{feff}' || c.is_whitespace());
    if !file.starts_with("ISA") {
        return Err(ParseError::plain("this is not an X12 file: it does not begin with ISA"));
    }
    let mut chars = file.chars().skip(3);
    let cut = || ParseError::at(1, "the ISA segment is cut short");
    let element = chars.next().ok_or_else(cut)?;
    let mut seen = 1;
    for c in chars.by_ref() {
        if c == element {
            seen += 1;
            if seen == 16 {
                break;
            }
        }
    }
    let component = chars.next().ok_or_else(cut)?;
    let terminator = chars.next().ok_or_else(cut)?;
    let unusable = |c: char| c.is_alphanumeric() || c == ' ';
    if seen < 16
        || unusable(element)
        || unusable(component)
        || unusable(terminator)
        || element.is_whitespace()
        || component.is_whitespace()
        || element == component
        || element == terminator
        || component == terminator
    {
        return Err(ParseError::at(
            1,
            format!("the ISA segment does not give usable separators (element {element:?}, component {component:?}, segment {terminator:?})"),
        ));
    }
    let mut segments = Vec::new();
    for raw in file.split(terminator) {
        let raw = raw.trim_start().trim_end_matches(['\r', '\n']);
        if !raw.is_empty() {
            segments.push(Seg { n: segments.len() + 1, elements: raw.split(element).collect() });
        }
    }
    Ok(Interchange { segments, component })
}

/// One transaction set: ST, the segments between, SE.
struct Set<'s, 'a> {
    st: &'s Seg<'a>,
    body: &'s [Seg<'a>],
    /// ST03, or GS08 when ST03 is absent.
    version: &'a str,
}

impl Set<'_, '_> {
    fn id(&self) -> &str {
        self.st.get(1)
    }
}

fn check_count(s: &Seg, i: usize, what: &str, actual: usize) -> Result<(), ParseError> {
    let v = s.required(i, what)?;
    if v.parse::<usize>().ok() != Some(actual) {
        return Err(s.err(format!("{} says {v} {what}, the file has {actual}", s.name(i))));
    }
    Ok(())
}

fn check_control(trailer: &Seg, i: usize, header: &Seg, j: usize) -> Result<(), ParseError> {
    let (t, h) = (trailer.get(i), header.get(j));
    if t != h {
        return Err(trailer.err(format!("{} is {t:?} but {} at segment {} is {h:?}", trailer.name(i), header.name(j), header.n)));
    }
    Ok(())
}

/// Walks the envelope and returns the transaction sets, checking every
/// trailer's count and control number.
fn sets<'s, 'a>(segs: &'s [Seg<'a>]) -> Result<Vec<Set<'s, 'a>>, ParseError> {
    let Some(isa) = segs.first() else {
        return Err(ParseError::plain("this is not an X12 file: it does not begin with ISA"));
    };
    if isa.elements.len() != 17 {
        return Err(isa.err(format!("ISA has {} elements, not 16", isa.elements.len().saturating_sub(1))));
    }
    if isa.get(12) != "00501" {
        return Err(isa.err(format!("ISA12 is {:?}, not 00501: only X12 5010 files are read", isa.get(12))));
    }
    let last = segs.last().map_or(1, |s| s.n);
    let cut = || ParseError::at(last, "the file ends before its IEA trailer: it may have been cut short");
    let mut out = Vec::new();
    let mut groups = 0;
    let mut i = 1;
    loop {
        let s = segs.get(i).ok_or_else(cut)?;
        match s.id() {
            "TA1" => i += 1,
            "GS" => {
                let gs = s;
                groups += 1;
                i += 1;
                let mut count = 0;
                loop {
                    let s = segs.get(i).ok_or_else(cut)?;
                    match s.id() {
                        "ST" => {
                            s.required(1, "the transaction set id")?;
                            let start = i;
                            let mut end = start + 1;
                            loop {
                                let e = segs.get(end).ok_or_else(cut)?;
                                match e.id() {
                                    "SE" => break,
                                    "ST" | "GE" | "GS" | "IEA" | "ISA" => {
                                        return Err(e.err(format!(
                                            "expected SE to close the transaction set begun at segment {}, found {}",
                                            s.n,
                                            e.id()
                                        )))
                                    }
                                    _ => end += 1,
                                }
                            }
                            let se = &segs[end];
                            check_count(se, 1, "segments", end - start + 1)?;
                            check_control(se, 2, s, 2)?;
                            let version = if s.get(3).is_empty() { gs.get(8) } else { s.get(3) };
                            out.push(Set { st: s, body: &segs[start + 1..end], version });
                            count += 1;
                            i = end + 1;
                        }
                        "GE" => {
                            check_count(s, 1, "transaction sets", count)?;
                            check_control(s, 2, gs, 6)?;
                            i += 1;
                            break;
                        }
                        other if count == 0 => return Err(s.err(format!("expected ST, found {other}"))),
                        other => return Err(s.err(format!("expected ST or GE, found {other}"))),
                    }
                }
            }
            "IEA" => {
                check_count(s, 1, "functional groups", groups)?;
                check_control(s, 2, isa, 13)?;
                if let Some(after) = segs.get(i + 1) {
                    return Err(after.err(format!("nothing may follow IEA, found {}", after.id())));
                }
                break;
            }
            other => return Err(s.err(format!("expected GS, found {other}"))),
        }
    }
    if out.is_empty() {
        return Err(ParseError::plain("the file holds no transaction set"));
    }
    Ok(out)
}

/// Reads a 999, 277CA or 835, whichever the file is.
pub fn parse(file: &str) -> Result<Response, ParseError> {
    let interchange = split(file)?;
    let sets = sets(&interchange.segments)?;
    let kind = sets[0].id();
    if let Some(other) = sets.iter().find(|s| s.id() != kind) {
        return Err(other.st.err(format!("a {} transaction set in a file of {kind}s: a file holds one kind of response", other.id())));
    }
    match kind {
        "999" => read_999(&sets).map(Response::Acknowledgement999),
        "277" => read_277(&sets, interchange.component).map(Response::ClaimAcknowledgement),
        "835" => read_835(&sets, interchange.component).map(Response::Remittance),
        "837" => Err(ParseError::plain("an 837 is a claim file, not a response: import 999, 277CA or 835 files")),
        "997" => Err(ParseError::plain("a 997 is the acknowledgement of X12 4010, not 5010: ask for 999 acknowledgements")),
        other => Err(ParseError::plain(format!("a {other} transaction set is not a response to claims: import 999, 277CA or 835 files"))),
    }
}

// ---------------------------------------------------------------- 999

/// IK304: what is wrong with a segment.
fn segment_error(code: &str) -> &'static str {
    match code {
        "1" => "unrecognized segment",
        "2" => "unexpected segment",
        "3" => "required segment missing",
        "4" => "loop occurs over maximum times",
        "5" => "segment exceeds maximum use",
        "6" => "segment not in defined transaction set",
        "7" => "segment not in proper sequence",
        "8" => "segment has data element errors",
        "I4" => "segment the guide says is not used is present",
        "I6" => "segment the guide requires in this situation is missing",
        "I7" => "loop occurs under minimum times",
        "I8" => "segment below minimum use",
        "I9" => "segment the guide says is not used in this situation is present",
        _ => "segment error",
    }
}

/// IK403: what is wrong with an element.
fn element_error(code: &str) -> &'static str {
    match code {
        "1" => "required element missing",
        "2" => "conditionally required element missing",
        "3" => "too many elements",
        "4" => "element too short",
        "5" => "element too long",
        "6" => "invalid character in element",
        "7" => "invalid code value",
        "8" => "invalid date",
        "9" => "invalid time",
        "10" => "exclusion condition violated",
        "12" => "too many repetitions",
        "13" => "too many components",
        "I6" => "code value not used in this guide",
        "I9" => "element the guide requires in this situation is missing",
        "I10" => "element the guide says is not used is present",
        "I11" => "too few repetitions",
        "I12" => "value does not match the guide's pattern",
        "I13" => "element the guide says is not used in this situation is present",
        _ => "element error",
    }
}

/// IK502 to IK506: why a transaction set was rejected or noted.
fn set_error(code: &str) -> &'static str {
    match code {
        "1" => "transaction set not supported",
        "2" => "transaction set trailer missing",
        "3" => "control numbers in ST and SE do not match",
        "4" => "segment count in SE does not match the set",
        "5" => "one or more segments in error",
        "6" => "missing or invalid transaction set id",
        "7" => "missing or invalid transaction set control number",
        "18" => "transaction set not in a functional group",
        "19" => "invalid implementation convention reference",
        "23" => "transaction set control number not unique in the functional group",
        "I5" => "one or more segments in error against the guide",
        "I6" => "implementation convention not supported",
        _ => "transaction set error",
    }
}

fn read_999(sets: &[Set]) -> Result<Ack999, ParseError> {
    if let Some(second) = sets.get(1) {
        return Err(second
            .st
            .err("this file acknowledges more than one functional group; each 837 we send is one group, so ask for one 999 per file"));
    }
    let set = &sets[0];
    let mut group = None;
    let mut accepted = None;
    let mut out = Vec::new();
    let mut current: Option<SetAck> = None;
    let mut in_error: Option<(&str, &str)> = None;
    for s in set.body {
        match s.id() {
            "AK1" => {
                if group.is_some() {
                    return Err(s.err("a second AK1 in one 999 transaction set"));
                }
                group = Some(s.number(2, "the group control number acknowledged")?);
            }
            "AK2" => {
                if let Some(open) = &current {
                    return Err(s.err(format!("AK2 before the IK5 that closes the response for set {}", open.control)));
                }
                current =
                    Some(SetAck { control: s.required(2, "the set control number acknowledged")?.to_string(), accepted: false, errors: vec![] });
                in_error = None;
            }
            "IK3" => {
                let c = current.as_mut().ok_or_else(|| s.err("IK3 outside a set response (AK2)"))?;
                let (id, position, code) = (s.get(1), s.get(2), s.get(4));
                let looped = if s.get(3).is_empty() { String::new() } else { format!(" in loop {}", s.get(3)) };
                c.errors.push(format!("{id} segment at position {position}{looped}: {} (IK304 code {code})", segment_error(code)));
                in_error = Some((id, position));
            }
            "IK4" => {
                let c = current.as_mut().ok_or_else(|| s.err("IK4 outside a set response (AK2)"))?;
                let (position, reference, code, value) = (s.get(1), s.get(2), s.get(3), s.get(4));
                let at = match in_error {
                    Some((id, p)) => format!("{id} segment at position {p}, element {position}"),
                    None => format!("element {position}"),
                };
                let reference = if reference.is_empty() { String::new() } else { format!(" (data element {reference})") };
                let value = if value.is_empty() { String::new() } else { format!(", found {value:?}") };
                c.errors.push(format!("{at}{reference}: {} (IK403 code {code}){value}", element_error(code)));
            }
            "IK5" => {
                let mut c = current.take().ok_or_else(|| s.err("IK5 outside a set response (AK2)"))?;
                let code = s.required(1, "the set acknowledgement code")?;
                if !matches!(code, "A" | "E" | "R" | "M" | "W" | "X") {
                    return Err(s.err(format!("IK501 is {code:?}, not A, E, R, M, W or X")));
                }
                c.accepted = matches!(code, "A" | "E");
                for i in 2..=6 {
                    let reason = s.get(i);
                    if !reason.is_empty() {
                        c.errors.push(format!("transaction set: {} (IK5 code {reason})", set_error(reason)));
                    }
                }
                out.push(c);
                in_error = None;
            }
            "AK9" => {
                let code = s.required(1, "the group acknowledgement code")?;
                if !matches!(code, "A" | "E" | "P" | "R" | "M" | "W" | "X") {
                    return Err(s.err(format!("AK901 is {code:?}, not A, E, P or R")));
                }
                accepted = Some(matches!(code, "A" | "E"));
            }
            _ => {}
        }
    }
    if let Some(open) = current {
        return Err(set.st.err(format!("the response for set {} has no IK5", open.control)));
    }
    let group_control = group.ok_or_else(|| set.st.err("the 999 has no AK1 naming the group acknowledged"))?;
    let accepted = accepted.ok_or_else(|| set.st.err("the 999 has no AK9 saying whether the group was accepted"))?;
    Ok(Ack999 { group_control, accepted, sets: out })
}

// ---------------------------------------------------------------- 277CA

/// A claim loop (HL ... PT) being read.
struct Claim277<'s, 'a> {
    hl: &'s Seg<'a>,
    id: Option<&'a str>,
    payer_number: Option<&'a str>,
    statuses: Vec<&'s Seg<'a>>,
    in_lines: bool,
}

impl Claim277<'_, '_> {
    fn finish(self, component: char) -> Result<ClaimAck, ParseError> {
        let claim_id = self.id.ok_or_else(|| self.hl.err("the claim loop has no TRN with the patient control number"))?;
        if self.statuses.is_empty() {
            return Err(self.hl.err(format!("the claim {claim_id} has no STC status")));
        }
        // Every status the claim carries (STC01, STC10, STC11 of each STC);
        // a rejection among them decides, else the first.
        let mut found = Vec::new();
        for s in &self.statuses {
            s.required(1, "the claim status")?;
            for i in [1, 10, 11] {
                let composite = s.get(i);
                if composite.is_empty() {
                    continue;
                }
                let mut parts = composite.split(component).map(str::trim);
                let category = parts.next().unwrap_or("");
                let code = parts.next().unwrap_or("");
                if category.is_empty() || code.is_empty() {
                    return Err(s.err(format!("{} is {composite:?}: it names no status category and code", s.name(i))));
                }
                found.push((*s, category, code));
            }
        }
        let Some(&(stc, category, code)) = found.iter().find(|(_, c, _)| !category_accepted(c)).or(found.first()) else {
            return Err(self.hl.err(format!("the claim {claim_id} has no STC status")));
        };
        let mut charge = None;
        for s in &self.statuses {
            if let Some(c) = s.optional_cents(4, "the total claim charge")? {
                charge = Some(c);
                break;
            }
        }
        let message = Some(stc.get(12)).filter(|m| !m.is_empty()).map(String::from);
        Ok(ClaimAck {
            claim_id: claim_id.to_string(),
            payer_claim_number: self.payer_number.map(String::from),
            accepted: category_accepted(category),
            category: category.to_string(),
            status_code: code.to_string(),
            message,
            charge_cents: charge,
        })
    }
}

fn read_277(sets: &[Set], component: char) -> Result<Ack277, ParseError> {
    let mut claims = Vec::new();
    for set in sets {
        if !set.version.is_empty() && !set.version.contains("X214") {
            return Err(set.st.err(format!("this 277 follows {}, not the claim acknowledgement guide 005010X214: import the 277CA", set.version)));
        }
        let mut claim: Option<Claim277> = None;
        for s in set.body {
            match s.id() {
                "HL" => {
                    if let Some(c) = claim.take() {
                        claims.push(c.finish(component)?);
                    }
                    if s.get(3) == "PT" {
                        claim = Some(Claim277 { hl: s, id: None, payer_number: None, statuses: vec![], in_lines: false });
                    }
                }
                "TRN" => {
                    if let Some(c) = claim.as_mut().filter(|c| !c.in_lines) {
                        c.id = Some(s.required(2, "the patient control number")?);
                    }
                }
                "STC" => {
                    if let Some(c) = claim.as_mut().filter(|c| !c.in_lines) {
                        c.statuses.push(s);
                    }
                }
                "REF" if s.get(1) == "1K" => {
                    if let Some(c) = claim.as_mut().filter(|c| !c.in_lines) {
                        c.payer_number = Some(s.required(2, "the payer claim control number")?);
                    }
                }
                "SVC" => {
                    if let Some(c) = claim.as_mut() {
                        c.in_lines = true;
                    }
                }
                _ => {}
            }
        }
        if let Some(c) = claim.take() {
            claims.push(c.finish(component)?);
        }
    }
    Ok(Ack277 { claims })
}

// ---------------------------------------------------------------- 835

fn read_cas(s: &Seg) -> Result<Vec<Adjustment>, ParseError> {
    let group = s.required(1, "the adjustment group")?;
    let mut out = Vec::new();
    for i in (2..=17).step_by(3) {
        let (reason, amount) = (s.get(i), s.get(i + 1));
        if reason.is_empty() && amount.is_empty() {
            continue;
        }
        if reason.is_empty() {
            return Err(s.err(format!("{} has an amount but {} (the reason) is missing", s.name(i + 1), s.name(i))));
        }
        out.push(Adjustment { group: group.to_string(), reason: reason.to_string(), cents: s.cents(i + 1, "the adjustment amount")? });
    }
    if out.is_empty() {
        return Err(s.err("CAS names no reason and amount"));
    }
    Ok(out)
}

fn read_svc(s: &Seg, component: char) -> Result<LinePayment, ParseError> {
    let procedure: Vec<&str> = s.required(1, "the procedure")?.split(component).map(str::trim).collect();
    let code = procedure.get(1).copied().unwrap_or("");
    if code.is_empty() {
        return Err(s.err(format!("SVC01 is {:?}: it names no procedure code", s.get(1))));
    }
    let modifiers = procedure.iter().skip(2).take(4).filter(|m| !m.is_empty()).map(|m| m.to_string()).collect();
    let units = match s.get(5) {
        "" => None,
        v => Some(units(v).ok_or_else(|| s.err(format!("SVC05 (the units paid) is {v:?}, not a whole number")))?),
    };
    Ok(LinePayment {
        code: code.to_string(),
        modifiers,
        charge_cents: s.cents(2, "the line charge")?,
        paid_cents: s.cents(3, "the line payment")?,
        units,
        date: None,
        adjustments: vec![],
    })
}

fn read_835(sets: &[Set], component: char) -> Result<Remit835, ParseError> {
    if let Some(second) = sets.get(1) {
        return Err(second.st.err("this file holds more than one payment (835 transaction set); import one payment per file"));
    }
    let set = &sets[0];
    let mut payment = None;
    let mut trace = None;
    let mut payer = None;
    let mut claims = Vec::new();
    let mut claim: Option<ClaimPayment> = None;
    let mut line: Option<LinePayment> = None;
    let close = |claim: &mut Option<ClaimPayment>, line: &mut Option<LinePayment>, claims: &mut Vec<ClaimPayment>| {
        if let Some(mut c) = claim.take() {
            c.lines.extend(line.take());
            claims.push(c);
        }
    };
    for s in set.body {
        match s.id() {
            "BPR" => {
                if payment.is_some() {
                    return Err(s.err("a second BPR in one payment"));
                }
                let mut cents = s.cents(2, "the payment amount")?;
                if s.get(3) == "D" {
                    cents = -cents;
                }
                let paid_on = if s.get(16).is_empty() { None } else { Some(s.date(16, "the payment date")?) };
                payment = Some((cents, paid_on));
            }
            "TRN" if trace.is_none() => trace = Some(s.required(2, "the check or EFT trace number")?),
            "N1" if s.get(1) == "PR" && payer.is_none() => payer = Some(s.required(2, "the payer's name")?),
            "LX" | "PLB" => close(&mut claim, &mut line, &mut claims),
            "CLP" => {
                close(&mut claim, &mut line, &mut claims);
                let status = s.required(2, "the claim status")?;
                claim = Some(ClaimPayment {
                    claim_id: s.required(1, "the patient control number")?.to_string(),
                    status_code: status.to_string(),
                    denied: status == "4",
                    charge_cents: s.cents(3, "the claim charge")?,
                    paid_cents: s.cents(4, "the claim payment")?,
                    payer_claim_number: Some(s.get(7)).filter(|n| !n.is_empty()).map(String::from),
                    adjustments: vec![],
                    lines: vec![],
                });
            }
            "CAS" => {
                let adjustments = read_cas(s)?;
                if let Some(l) = line.as_mut() {
                    l.adjustments.extend(adjustments);
                } else if let Some(c) = claim.as_mut() {
                    c.adjustments.extend(adjustments);
                } else {
                    return Err(s.err("CAS outside a claim: it must follow a CLP or SVC"));
                }
            }
            "SVC" => {
                let c = claim.as_mut().ok_or_else(|| s.err("SVC outside a claim: it must follow a CLP"))?;
                c.lines.extend(line.take());
                line = Some(read_svc(s, component)?);
            }
            "DTM" if s.get(1) == "472" => {
                if let Some(l) = line.as_mut() {
                    l.date = Some(s.date(2, "the service date")?);
                }
            }
            _ => {}
        }
    }
    close(&mut claim, &mut line, &mut claims);
    let (payment_cents, paid_on) = payment.ok_or_else(|| set.st.err("the 835 has no BPR with the payment"))?;
    let trace = trace.ok_or_else(|| set.st.err("the 835 has no TRN with the check or EFT trace number"))?;
    let payer = payer.ok_or_else(|| set.st.err("the 835 has no N1*PR naming the payer"))?;
    Ok(Remit835 { payer_name: payer.to_string(), trace_number: trace.to_string(), payment_cents, paid_on, claims })
}

// ---------------------------------------------------------------- writing

/// Segments from ST on, counted as they are added; trailing empty elements
/// are left out, as the standard asks.
#[derive(Default)]
struct Segments(Vec<String>);

impl Segments {
    fn add(&mut self, elements: &[&str]) {
        let last = elements.iter().rposition(|e| !e.is_empty()).unwrap_or(0);
        self.0.push(elements[..=last].join(&ELEMENT.to_string()));
    }
}

/// Wraps the segments of one transaction set (from ST) in SE, GS/GE and
/// ISA/IEA. The group control number is the interchange's, as these files
/// hold one group.
fn envelope(
    sender_id: &str,
    receiver_id: &str,
    interchange_control: u32,
    created: PrimitiveDateTime,
    functional_id: &str,
    version: &str,
    mut s: Segments,
) -> String {
    let date = ccyymmdd(created.date());
    let hhmm = format!("{:02}{:02}", created.hour(), created.minute());
    let control = format!("{:09}", interchange_control % 1_000_000_000);
    let group = (interchange_control % 1_000_000_000).to_string();
    let pad = |id: &str| format!("{:<15}", text(id, 15));
    let blank = " ".repeat(10);
    let (sender, receiver) = (pad(sender_id), pad(receiver_id));
    let (repetition, component) = (REPETITION.to_string(), COMPONENT.to_string());
    let isa =
        ["ISA", "00", &blank, "00", &blank, "ZZ", &sender, "ZZ", &receiver, &date[2..], &hhmm, &repetition, "00501", &control, "0", "P", &component]
            .join(&ELEMENT.to_string());
    let mut out = Segments(vec![isa]);
    out.add(&["GS", functional_id, &text(sender_id, 15), &text(receiver_id, 15), &date, &hhmm, &group, "X", version]);
    let count = (s.0.len() + 1).to_string();
    s.add(&["SE", &count, "0001"]);
    out.0.extend(s.0);
    out.add(&["GE", "1", &group]);
    out.add(&["IEA", "1", &control]);
    let mut file = String::new();
    for segment in out.0 {
        file.push_str(&segment);
        file.push(SEGMENT);
        file.push('\n');
    }
    file
}

/// A 999 acknowledging one 837 functional group: each set accepted (IK5*A)
/// or rejected (IK5*R*5), and the group likewise.
pub fn write_999(
    sender_id: &str,
    receiver_id: &str,
    interchange_control: u32,
    created: PrimitiveDateTime,
    group_control_acked: u32,
    set_controls: &[&str],
    accepted: bool,
) -> String {
    let mut s = Segments::default();
    s.add(&["ST", "999", "0001", "005010X231A1"]);
    s.add(&["AK1", "HC", &group_control_acked.to_string(), "005010X222A1"]);
    for control in set_controls {
        s.add(&["AK2", "837", &text(control, 9), "005010X222A1"]);
        if accepted {
            s.add(&["IK5", "A"]);
        } else {
            s.add(&["IK5", "R", "5"]);
        }
    }
    let n = set_controls.len().to_string();
    let taken = if accepted { n.as_str() } else { "0" };
    s.add(&["AK9", if accepted { "A" } else { "R" }, &n, &n, taken]);
    envelope(sender_id, receiver_id, interchange_control, created, "FA", "005010X231A1", s)
}

// What the 277CA and 835 require but the structs read back do not carry
// (the patient, the payer's address and contact, the payee's id): written
// as fixed stand-ins.
const PATIENT: &str = "PATIENT";
const PAYER_ADDRESS: [&str; 4] = ["1 PAYER WAY", "BOSTON", "MA", "02108"];
const PAYER_CONTACT: [&str; 2] = ["EDI SUPPORT", "8005550100"];
const TAX_ID: &str = "999999999";
const PROVIDER_NPI: &str = "1234567893";

/// A 277CA for the claims given: each claim's STC names its category and
/// status code (A2:20 or A7:21 when left empty), the action (WQ accepted, U
/// rejected), its charge and message; the receiver's totals precede them.
pub fn write_277ca(sender_id: &str, receiver_id: &str, interchange_control: u32, created: PrimitiveDateTime, claims: &[ClaimAck]) -> String {
    let date = ccyymmdd(created.date());
    let hhmm = format!("{:02}{:02}", created.hour(), created.minute());
    let trace = interchange_control.to_string();
    let mut s = Segments::default();
    s.add(&["ST", "277", "0001", "005010X214"]);
    s.add(&["BHT", "0085", "08", &trace, &date, &hhmm, "TH"]);
    s.add(&["HL", "1", "", "20", "1"]);
    s.add(&["NM1", "PR", "2", &text(sender_id, 60), "", "", "", "", "PI", &text(sender_id, 80)]);
    s.add(&["TRN", "1", &trace]);
    s.add(&["DTP", "050", "D8", &date]);
    s.add(&["DTP", "009", "D8", &date]);
    s.add(&["HL", "2", "1", "21", "1"]);
    s.add(&["NM1", "41", "2", &text(receiver_id, 60), "", "", "", "", "46", &text(receiver_id, 80)]);
    s.add(&["TRN", "2", &trace]);
    let total: i64 = claims.iter().filter_map(|c| c.charge_cents).fold(0, i64::saturating_add);
    s.add(&["STC", &format!("A1{COMPONENT}19{COMPONENT}PR"), &date, "WQ", &amount(total)]);
    let (taken, refused): (Vec<&ClaimAck>, Vec<&ClaimAck>) = claims.iter().partition(|c| category_accepted(&category_or_default(c)));
    let sum = |cs: &[&ClaimAck]| cs.iter().filter_map(|c| c.charge_cents).fold(0, i64::saturating_add);
    if !taken.is_empty() {
        s.add(&["QTY", "90", &taken.len().to_string()]);
    }
    if !refused.is_empty() {
        s.add(&["QTY", "AA", &refused.len().to_string()]);
    }
    if !taken.is_empty() {
        s.add(&["AMT", "YU", &amount(sum(&taken))]);
    }
    if !refused.is_empty() {
        s.add(&["AMT", "YY", &amount(sum(&refused))]);
    }
    s.add(&["HL", "3", "2", "19", if claims.is_empty() { "0" } else { "1" }]);
    s.add(&["NM1", "85", "2", &text(receiver_id, 60), "", "", "", "", "XX", PROVIDER_NPI]);
    s.add(&["TRN", "1", &trace]);
    for (i, c) in claims.iter().enumerate() {
        let category = category_or_default(c);
        let code = match (c.status_code.is_empty(), c.accepted) {
            (false, _) => text(&c.status_code, 30),
            (true, true) => "20".into(),
            (true, false) => "21".into(),
        };
        s.add(&["HL", &(i + 4).to_string(), "3", "PT"]);
        s.add(&["NM1", "QC", "1", PATIENT]);
        s.add(&["TRN", "2", &text(&c.claim_id, 50)]);
        let charge = c.charge_cents.map(amount).unwrap_or_default();
        let message = c.message.as_deref().map(|m| text(m, 264)).unwrap_or_default();
        let action = if category_accepted(&category) { "WQ" } else { "U" };
        let status = format!("{category}{COMPONENT}{code}");
        s.add(&["STC", &status, &date, action, &charge, "", "", "", "", "", "", "", &message]);
        if let Some(n) = &c.payer_claim_number {
            s.add(&["REF", "1K", &text(n, 50)]);
        }
    }
    envelope(sender_id, receiver_id, interchange_control, created, "HN", "005010X214", s)
}

fn category_or_default(c: &ClaimAck) -> String {
    match (c.category.is_empty(), c.accepted) {
        (false, _) => text(&c.category, 4),
        (true, true) => "A2".into(),
        (true, false) => "A7".into(),
    }
}

/// CAS segments for adjustments: one per group code, in the order the
/// groups first appear, a new one after six reasons.
fn cas_segments(s: &mut Segments, adjustments: &[Adjustment]) {
    let mut groups: Vec<&str> = Vec::new();
    for a in adjustments {
        if !groups.contains(&a.group.as_str()) {
            groups.push(&a.group);
        }
    }
    for g in groups {
        let of_group: Vec<&Adjustment> = adjustments.iter().filter(|a| a.group == g).collect();
        for chunk in of_group.chunks(6) {
            let triples: Vec<[String; 3]> = chunk.iter().map(|a| [text(&a.reason, 5), amount(a.cents), String::new()]).collect();
            let group = text(g, 2);
            let mut elements = vec!["CAS", group.as_str()];
            elements.extend(triples.iter().flatten().map(String::as_str));
            s.add(&elements);
        }
    }
}

/// An 835 for one payment: BPR (I and CHK, or H and NON when nothing is
/// paid; BPR16 is `created`'s date when the remit has none), TRN, DTM*405,
/// the payer and payee loops, then each claim with its adjustments and
/// lines. Adjustments of one group are written together, as the guide asks.
pub fn write_835(sender_id: &str, receiver_id: &str, interchange_control: u32, created: PrimitiveDateTime, remit: &Remit835) -> String {
    let mut s = Segments::default();
    s.add(&["ST", "835", "0001", "005010X221A1"]);
    let (handling, method) = if remit.payment_cents == 0 { ("H", "NON") } else { ("I", "CHK") };
    let credit = if remit.payment_cents < 0 { "D" } else { "C" };
    let paid_on = ccyymmdd(remit.paid_on.unwrap_or(created.date()));
    let payment = amount(remit.payment_cents.saturating_abs());
    s.add(&["BPR", handling, &payment, credit, method, "", "", "", "", "", "", "", "", "", "", "", &paid_on]);
    s.add(&["TRN", "1", &text(&remit.trace_number, 50), &format!("1{TAX_ID}")]);
    s.add(&["DTM", "405", &ccyymmdd(created.date())]);
    s.add(&["N1", "PR", &text(&remit.payer_name, 60)]);
    let [street, city, state, zip] = PAYER_ADDRESS;
    s.add(&["N3", street]);
    s.add(&["N4", city, state, zip]);
    let [contact, phone] = PAYER_CONTACT;
    s.add(&["PER", "BL", contact, "TE", phone]);
    s.add(&["N1", "PE", &text(receiver_id, 60), "FI", TAX_ID]);
    s.add(&["LX", "1"]);
    for c in &remit.claims {
        let patient_owes = c
            .adjustments
            .iter()
            .chain(c.lines.iter().flat_map(|l| &l.adjustments))
            .filter(|a| a.group == "PR")
            .map(|a| a.cents)
            .fold(0, i64::saturating_add);
        let patient_owes = if patient_owes == 0 { String::new() } else { amount(patient_owes) };
        let payer_number = c.payer_claim_number.as_deref().map(|n| text(n, 50)).unwrap_or_default();
        s.add(&[
            "CLP",
            &text(&c.claim_id, 38),
            &text(&c.status_code, 2),
            &amount(c.charge_cents),
            &amount(c.paid_cents),
            &patient_owes,
            "MC",
            &payer_number,
        ]);
        cas_segments(&mut s, &c.adjustments);
        s.add(&["NM1", "QC", "1", PATIENT]);
        for l in &c.lines {
            let mut procedure = format!("HC{COMPONENT}{}", text(&l.code, 48));
            for m in &l.modifiers {
                procedure.push(COMPONENT);
                procedure.push_str(&text(m, 2));
            }
            let units = l.units.map(|u| u.to_string()).unwrap_or_default();
            s.add(&["SVC", &procedure, &amount(l.charge_cents), &amount(l.paid_cents), "", &units]);
            if let Some(d) = l.date {
                s.add(&["DTM", "472", &ccyymmdd(d)]);
            }
            cas_segments(&mut s, &l.adjustments);
        }
    }
    envelope(sender_id, receiver_id, interchange_control, created, "HP", "005010X221A1", s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::{date, datetime};

    const CREATED: PrimitiveDateTime = datetime!(2026-12-05 09:30);

    fn adj(group: &str, reason: &str, cents: i64) -> Adjustment {
        Adjustment { group: group.into(), reason: reason.into(), cents }
    }

    /// The payment of the hand-written 835 below.
    fn remit() -> Remit835 {
        let line = |modifiers: &[&str], charge, paid, units, day, adjustments| LinePayment {
            code: "H0038".into(),
            modifiers: modifiers.iter().map(|m| m.to_string()).collect(),
            charge_cents: charge,
            paid_cents: paid,
            units,
            date: Some(Date::from_calendar_date(2026, Month::November, day).unwrap()),
            adjustments,
        };
        Remit835 {
            payer_name: "MASSHEALTH".into(),
            trace_number: "EFT0012345".into(),
            payment_cents: 10_150,
            paid_on: Some(date!(2026 - 12 - 05)),
            claims: vec![
                ClaimPayment {
                    claim_id: "C-0001".into(),
                    status_code: "1".into(),
                    denied: false,
                    charge_cents: 11_100,
                    paid_cents: 10_150,
                    payer_claim_number: Some("2026339000123".into()),
                    adjustments: vec![],
                    lines: vec![
                        line(&["HF"], 3_700, 3_350, Some(2), 3, vec![adj("CO", "45", 350)]),
                        line(&["HF", "HQ"], 7_400, 6_800, Some(4), 10, vec![adj("CO", "45", 600)]),
                    ],
                },
                ClaimPayment {
                    claim_id: "C-0002".into(),
                    status_code: "4".into(),
                    denied: true,
                    charge_cents: 7_400,
                    paid_cents: 0,
                    payer_claim_number: Some("2026339000124".into()),
                    adjustments: vec![adj("CO", "197", 6_400), adj("PR", "1", 1_000)],
                    lines: vec![line(&[], 7_400, 0, None, 12, vec![])],
                },
            ],
        }
    }

    /// A realistic 835 as a payer sends it: fixed-width ISA, ACH payment
    /// details, payer and payee loops, claim and line dates, line-level
    /// CO-45, a denial with CO-197 and PR-1, CRLF line ends.
    const SAMPLE_835: &str = "\u{feff}ISA*00*          *00*          *ZZ*MASSHEALTH     *ZZ*ACCOMPANY      *261205*0930*^*00501*000000917*0*P*:~\r
GS*HP*MASSHEALTH*ACCOMPANY*20261205*0930*917*X*005010X221A1~\r
ST*835*35681~\r
BPR*I*101.5*C*ACH*CCP*01*011000015*DA*1234567*1043456789**01*011000138*DA*7654321*20261205~\r
TRN*1*EFT0012345*1043456789~\r
DTM*405*20261204~\r
N1*PR*MASSHEALTH~\r
N3*1 ASHBURTON PLACE~\r
N4*BOSTON*MA*02108~\r
REF*2U*DMA7384~\r
PER*BL*EDI HELP DESK*TE*8008410000*EM*EDI@EXAMPLE.ORG~\r
N1*PE*BRIDGEWAY PEER SERVICES*XX*1234567893~\r
N3*100 MAIN ST~\r
N4*BOSTON*MA*021081234~\r
REF*TJ*043456789~\r
LX*1~\r
CLP*C-0001*1*111*101.5**MC*2026339000123*11*1~\r
NM1*QC*1*NGUYEN*LAN****MI*100012345678~\r
NM1*82*1*COACH*DANA****XX*1245319599~\r
DTM*232*20261103~\r
DTM*233*20261110~\r
SVC*HC:H0038:HF*37*33.5**2~\r
DTM*472*20261103~\r
CAS*CO*45*3.5~\r
AMT*B6*33.5~\r
SVC*HC:H0038:HF:HQ*74*68**4~\r
DTM*472*20261110~\r
CAS*CO*45*6~\r
AMT*B6*68~\r
CLP*C-0002*4*74*0*10*MC*2026339000124*11*1~\r
CAS*CO*197*64~\r
CAS*PR*1*10~\r
NM1*QC*1*DIAZ*ROSA****MI*100098765432~\r
MOA***N54~\r
SVC*HC:H0038*74*0~\r
DTM*472*20261112~\r
SE*35*35681~\r
GE*1*917~\r
IEA*1*000000917~\r
";

    /// A 999 rejecting one set for a bad code and accepting another with a note.
    const SAMPLE_999: &str = "ISA*00*          *00*          *ZZ*MASSHEALTH     *ZZ*ACCOMPANY      *261130*1100*^*00501*000000051*0*P*:~
GS*FA*MASSHEALTH*ACCOMPANY*20261130*1100*51*X*005010X231A1~
ST*999*0001*005010X231A1~
AK1*HC*7*005010X222A1~
AK2*837*0001*005010X222A1~
IK3*NM1*8*2010BA*8~
IK4*9*67*7*X1~
CTX*CLM01:C-0001~
IK5*R*I5~
AK2*837*0002*005010X222A1~
IK5*E~
AK9*P*2*2*1~
SE*11*0001~
GE*1*51~
IEA*1*000000051~
";

    fn acks() -> Vec<ClaimAck> {
        vec![
            ClaimAck {
                claim_id: "C-0001".into(),
                payer_claim_number: Some("2026334000017".into()),
                accepted: true,
                category: "A2".into(),
                status_code: "20".into(),
                message: None,
                charge_cents: Some(11_100),
            },
            ClaimAck {
                claim_id: "C-0002".into(),
                payer_claim_number: None,
                accepted: false,
                category: "A7".into(),
                status_code: "562".into(),
                message: Some("RENDERING PROVIDER NPI NOT ENROLLED".into()),
                charge_cents: Some(7_400),
            },
            ClaimAck {
                claim_id: "C-0003".into(),
                payer_claim_number: None,
                accepted: false,
                category: "A3".into(),
                status_code: "21".into(),
                message: None,
                charge_cents: None,
            },
        ]
    }

    #[test]
    fn amounts_are_read_to_the_cent_without_floats() {
        for (s, want) in [("111", 11_100), ("18.5", 1_850), ("-3.25", -325), ("0.05", 5), (".5", 50), ("-.5", -50), ("18.500", 1_850), ("0", 0)] {
            assert_eq!(cents(s), Some(want), "{s}");
        }
        for bad in ["", "-", ".", "18.", "1.005", "1,00", "+3", "1e3", " 1", "1.2.3", "--1", "99999999999999999999"] {
            assert_eq!(cents(bad), None, "{bad:?}");
        }
        for cents_in in [0, 5, 50, 1_805, 11_100, -325, i64::MAX / 2] {
            assert_eq!(cents(&amount(cents_in)), Some(cents_in), "written then read");
        }
    }

    #[test]
    fn a_hand_written_835_with_crlf_reads_payments_denials_and_adjustments() {
        let Response::Remittance(r) = parse(SAMPLE_835).unwrap() else { panic!("an 835") };
        assert_eq!(r, remit());
        let denied = &r.claims[1];
        assert!(denied.denied && !r.claims[0].denied);
        assert_eq!(
            denied.adjustments.iter().map(|a| a.cents).sum::<i64>(),
            denied.charge_cents - denied.paid_cents,
            "the adjustments explain the denial"
        );
        let partial = &r.claims[0];
        let adjusted: i64 = partial.lines.iter().flat_map(|l| &l.adjustments).map(|a| a.cents).sum();
        assert_eq!(partial.charge_cents - partial.paid_cents, adjusted, "CO-45 explains the partial payment");
    }

    #[test]
    fn the_835_writer_round_trips() {
        let mut r = remit();
        r.claims.push(ClaimPayment {
            claim_id: "C-0003".into(),
            status_code: "22".into(),
            denied: false,
            charge_cents: -3_700,
            paid_cents: -3_350,
            payer_claim_number: None,
            adjustments: (1..=7).map(|i| adj("CO", &i.to_string(), -50)).chain([adj("PR", "2", 0)]).collect(),
            lines: vec![LinePayment {
                code: "H0038".into(),
                modifiers: vec!["HF".into(), "HQ".into(), "GT".into(), "U1".into()],
                charge_cents: -3_700,
                paid_cents: -3_350,
                units: Some(2),
                date: None,
                adjustments: vec![],
            }],
        });
        let file = write_835("MASSHEALTH", "ACCOMPANY", 917, CREATED, &r);
        assert_eq!(parse(&file), Ok(Response::Remittance(r.clone())), "{file}");
        assert_eq!(file.lines().filter(|l| l.starts_with("CAS*CO*1*")).count(), 1);
        assert!(file.contains("CAS*CO*7*-0.5~"), "a seventh reason opens a second CAS: {file}");
        assert!(file.contains("CLP*C-0002*4*74*0*10*MC*2026339000124~"), "CLP05 is what the patient owes");
        assert!(file.contains("BPR*I*101.5*C*CHK************20261205~"));

        let nothing = Remit835 { payment_cents: 0, paid_on: None, claims: vec![r.claims[1].clone()], ..r };
        let file = write_835("MASSHEALTH", "ACCOMPANY", 918, CREATED, &nothing);
        assert!(file.contains("BPR*H*0*C*NON"));
        let Response::Remittance(back) = parse(&file).unwrap() else { panic!("an 835") };
        assert_eq!(back.paid_on, Some(CREATED.date()), "BPR16 is required, so it falls back to the file's date");
        assert_eq!(back.claims, nothing.claims);
    }

    #[test]
    fn the_277ca_writer_round_trips_acceptances_and_rejections() {
        let claims = acks();
        let file = write_277ca("MASSHEALTH", "ACCOMPANY", 52, CREATED, &claims);
        assert_eq!(parse(&file), Ok(Response::ClaimAcknowledgement(Ack277 { claims: claims.clone() })), "{file}");
        assert!(file.contains("STC*A7:562*20261205*U*74********RENDERING PROVIDER NPI NOT ENROLLED~"));
        assert!(file.contains("QTY*90*1~") && file.contains("QTY*AA*2~"));

        let defaulted = ClaimAck { category: String::new(), status_code: String::new(), ..claims[1].clone() };
        let Response::ClaimAcknowledgement(back) = parse(&write_277ca("P", "R", 53, CREATED, &[defaulted])).unwrap() else { panic!("a 277") };
        assert_eq!((back.claims[0].category.as_str(), back.claims[0].status_code.as_str(), back.claims[0].accepted), ("A7", "21", false));
    }

    #[test]
    fn a_rejection_among_a_claims_statuses_decides() {
        let file = write_277ca("MASSHEALTH", "ACCOMPANY", 54, CREATED, &acks()[..1]);
        let file = file.replace("STC*A2:20*20261205*WQ*111~", "STC*A1:19*20261205*WQ*111~\nSTC*A2:20*20261205*WQ*******A8:464~");
        let se = file.lines().find(|l| l.starts_with("SE*")).unwrap();
        let count: usize = se[3..se.find("*0001").unwrap()].parse().unwrap();
        let file = file.replace(se, &format!("SE*{}*0001~", count + 1));
        let Response::ClaimAcknowledgement(back) = parse(&file).unwrap() else { panic!("a 277: {file}") };
        let c = &back.claims[0];
        assert_eq!((c.accepted, c.category.as_str(), c.status_code.as_str(), c.charge_cents), (false, "A8", "464", Some(11_100)));
        for (category, accepted) in [
            ("A1", true),
            ("A2", true),
            ("A5", true),
            ("DR02", true),
            ("P1", true),
            ("A3", false),
            ("A4", false),
            ("A6", false),
            ("A7", false),
            ("A8", false),
            ("DR05", false),
            ("E0", false),
            ("ZZ", false),
        ] {
            assert_eq!(category_accepted(category), accepted, "{category}");
        }
    }

    #[test]
    fn the_999_writer_round_trips() {
        let file = write_999("MASSHEALTH", "ACCOMPANY", 51, CREATED, 7, &["0001", "0002"], true);
        let want = Ack999 {
            group_control: 7,
            accepted: true,
            sets: ["0001", "0002"].iter().map(|c| SetAck { control: c.to_string(), accepted: true, errors: vec![] }).collect(),
        };
        assert_eq!(parse(&file), Ok(Response::Acknowledgement999(want)), "{file}");

        let Response::Acknowledgement999(back) = parse(&write_999("MASSHEALTH", "ACCOMPANY", 52, CREATED, 8, &["0001"], false)).unwrap() else {
            panic!("a 999")
        };
        assert_eq!((back.group_control, back.accepted, back.sets[0].accepted), (8, false, false));
        assert_eq!(back.sets[0].errors, vec!["transaction set: one or more segments in error (IK5 code 5)".to_string()]);
    }

    #[test]
    fn a_999_names_its_segment_and_element_errors() {
        let Response::Acknowledgement999(ack) = parse(SAMPLE_999).unwrap() else { panic!("a 999") };
        assert_eq!((ack.group_control, ack.accepted), (7, false), "P: partly accepted is not accepted");
        assert_eq!(ack.sets.len(), 2);
        let rejected = &ack.sets[0];
        assert_eq!((rejected.control.as_str(), rejected.accepted), ("0001", false));
        assert_eq!(
            rejected.errors,
            [
                "NM1 segment at position 8 in loop 2010BA: segment has data element errors (IK304 code 8)",
                "NM1 segment at position 8, element 9 (data element 67): invalid code value (IK403 code 7), found \"X1\"",
                "transaction set: one or more segments in error against the guide (IK5 code I5)",
            ]
        );
        assert_eq!((ack.sets[1].control.as_str(), ack.sets[1].accepted), ("0002", true), "E: accepted with errors noted");
    }

    #[test]
    fn separators_are_read_from_the_isa_segment() {
        let file = write_835("MASSHEALTH", "ACCOMPANY", 917, CREATED, &remit());
        let swapped: String = file
            .chars()
            .map(|c| match c {
                '*' => '|',
                ':' => '>',
                '~' => '\n',
                '\n' => '\n',
                c => c,
            })
            .collect();
        assert!(swapped.starts_with("ISA|00|"));
        assert_eq!(parse(&swapped), Ok(Response::Remittance(remit())));
        let one_line = file.replace('\n', "");
        assert_eq!(parse(&format!("  \r\n{one_line}")), Ok(Response::Remittance(remit())));
    }

    #[test]
    fn errors_name_the_segment_and_what_was_wrong() {
        let message = |file: &str| parse(file).unwrap_err().to_string();
        assert_eq!(message("Hello"), "this is not an X12 file: it does not begin with ISA");
        assert_eq!(message(""), "this is not an X12 file: it does not begin with ISA");
        assert_eq!(message("ISA*00*"), "segment 1: the ISA segment is cut short");
        let file = write_835("MASSHEALTH", "ACCOMPANY", 917, CREATED, &remit());
        assert_eq!(message(&file.replace("ST*835*0001*005010X221A1~\n", "")), "segment 3: expected ST, found BPR");
        assert_eq!(message(&file.replace("*00501*", "*00401*")), "segment 1: ISA12 is \"00401\", not 00501: only X12 5010 files are read");
        assert_eq!(
            message(&file.replace("CLP*C-0001*1*111*", "CLP*C-0001*1*1O1*")),
            "segment 13: CLP03 (the claim charge) is \"1O1\", not an amount"
        );
        assert_eq!(
            message(&file.replace("SVC*HC:H0038:HF*37*33.5**2", "SVC*HC:H0038:HF*37*33.5**2.5")),
            "segment 15: SVC05 (the units paid) is \"2.5\", not a whole number"
        );
        assert_eq!(
            message(&file.replace("DTM*472*20261103", "DTM*472*20261131")),
            "segment 16: DTM02 (the service date) is \"20261131\", not a date as CCYYMMDD"
        );
        assert!(message(&file.replace("SE*", "SE*9")).contains("segments, the file has"), "SE counts its set");
        assert!(message(&file.replace("GE*1*917", "GE*1*916")).contains("GE02 is \"916\" but GS06 at segment 2 is \"917\""));
        let claim_file = file.replace("ST*835*0001*005010X221A1", "ST*837*0001*005010X222A1");
        assert_eq!(message(&claim_file), "an 837 is a claim file, not a response: import 999, 277CA or 835 files");
        assert!(message(&file.replace("ST*835", "ST*270")).contains("a 270 transaction set is not a response"));
        let status_response = write_277ca("P", "R", 1, CREATED, &acks()).replace("005010X214", "005010X212");
        assert!(message(&status_response).contains("follows 005010X212"));
        let trailing = format!("{file}ISA*00~");
        assert!(message(&trailing).contains("nothing may follow IEA, found ISA"));
    }

    /// Every way the file may end early is refused, none panics: a payment
    /// half read would post half the claims.
    #[test]
    fn every_truncation_is_refused_without_panicking() {
        let files = [
            SAMPLE_835.to_string(),
            SAMPLE_999.to_string(),
            write_835("MASSHEALTH", "ACCOMPANY", 917, CREATED, &remit()),
            write_277ca("MASSHEALTH", "ACCOMPANY", 52, CREATED, &acks()),
            write_999("MASSHEALTH", "ACCOMPANY", 51, CREATED, 7, &["0001", "0002"], false),
        ];
        for file in &files {
            assert!(parse(file).is_ok());
            let iea = file.rfind("IEA").unwrap();
            for (cut, _) in file.char_indices() {
                let result = parse(&file[..cut]);
                if cut <= iea + "IEA*1*00000000".len() {
                    assert!(result.is_err(), "cut at {cut}: {:?}", &file[..cut]);
                }
            }
        }
    }

    fn valid_files() -> Vec<String> {
        vec![
            SAMPLE_835.to_string(),
            SAMPLE_999.to_string(),
            write_277ca("MASSHEALTH", "ACCOMPANY", 52, CREATED, &acks()),
            write_999("MASSHEALTH", "ACCOMPANY", 51, CREATED, 7, &["0001"], true),
        ]
    }

    const ALPHABET: &[char] =
        &['*', '~', ':', '^', '\n', '\r', ' ', '.', '-', '0', '1', '4', '9', 'A', 'S', 'E', 'I', 'T', 'G', 'P', 'Q', '\u{feff}', 'é'];

    proptest! {
        #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

        #[test]
        fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
            let _ = parse(&String::from_utf8_lossy(&bytes));
            let mut with_isa = b"ISA*".to_vec();
            with_isa.extend(&bytes);
            let _ = parse(&String::from_utf8_lossy(&with_isa));
        }

        #[test]
        fn random_text_never_panics(s in "\\PC{0,300}") {
            let _ = parse(&s);
        }

        /// Valid files with characters replaced, deleted or repeated.
        #[test]
        fn mutated_files_never_panic(
            which in 0usize..4,
            edits in proptest::collection::vec((any::<prop::sample::Index>(), 0usize..ALPHABET.len(), 0u8..3), 1..12),
        ) {
            let mut chars: Vec<char> = valid_files()[which].chars().collect();
            for (at, letter, kind) in edits {
                if chars.is_empty() {
                    break;
                }
                let i = at.index(chars.len());
                match kind {
                    0 => chars[i] = ALPHABET[letter],
                    1 => { chars.remove(i); }
                    _ => {
                        let end = (i + 40).min(chars.len());
                        let copy: Vec<char> = chars[i..end].to_vec();
                        let tail = chars.split_off(i);
                        chars.extend(copy);
                        chars.extend(tail);
                    }
                }
            }
            let file: String = chars.into_iter().collect();
            let _ = parse(&file);
        }
    }
}

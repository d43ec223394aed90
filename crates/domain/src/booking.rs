//! Availability and booking: a worker's weekly windows, the sessions members
//! book inside them, the free slots offered, the overlap rule, and how a
//! person wants to be reached. Times are wall-clock times of the program
//! (no zone), which is what a member and a peer in one state agree on.

use serde::{Deserialize, Serialize};
use time::{Date, Duration, PrimitiveDateTime, Time, Weekday};

use crate::error::{FieldError, Invalid};
use crate::notes::Modality;
use crate::policy::{Actor, Decision, Relationship};
use crate::records::{Persona, TimeOfDay};

/// Session lengths a member may choose; 90 minutes and more when asked.
pub const SESSION_LENGTHS: [u32; 6] = [30, 45, 60, 90, 120, 180];
/// Slots start on these minute boundaries.
pub const SLOT_STEP_MINUTES: u32 = 30;
/// How far ahead a member may book.
pub const BOOKING_HORIZON_DAYS: i64 = 90;

pub const WEEKDAYS: [Weekday; 7] =
    [Weekday::Monday, Weekday::Tuesday, Weekday::Wednesday, Weekday::Thursday, Weekday::Friday, Weekday::Saturday, Weekday::Sunday];

pub fn weekday_id(d: Weekday) -> &'static str {
    match d {
        Weekday::Monday => "monday",
        Weekday::Tuesday => "tuesday",
        Weekday::Wednesday => "wednesday",
        Weekday::Thursday => "thursday",
        Weekday::Friday => "friday",
        Weekday::Saturday => "saturday",
        Weekday::Sunday => "sunday",
    }
}

pub fn parse_weekday(s: &str) -> Option<Weekday> {
    WEEKDAYS.into_iter().find(|d| weekday_id(*d) == s)
}

/// Minutes since midnight, written HH:MM; "24:00" is the end of the day.
pub fn parse_clock(s: &str) -> Option<u32> {
    let (h, m) = s.trim().split_once(':')?;
    if h.len() != 2 || m.len() != 2 {
        return None;
    }
    let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
    match (h, m) {
        (24, 0) => Some(24 * 60),
        (0..=23, 0..=59) => Some(h * 60 + m),
        _ => None,
    }
}

pub fn clock_text(minutes: u32) -> String {
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

/// One weekly window in which a worker takes sessions.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Window {
    #[serde(with = "weekday_serde")]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::limits::schema::weekday))]
    pub weekday: Weekday,
    /// Minutes since midnight.
    pub start: u32,
    pub end: u32,
    pub modality: Modality,
}

mod weekday_serde {
    use serde::{Deserialize, Deserializer, Serializer};
    use time::Weekday;
    pub fn serialize<S: Serializer>(d: &Weekday, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(super::weekday_id(*d))
    }
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Weekday, D::Error> {
        let s = String::deserialize(d)?;
        super::parse_weekday(&s).ok_or_else(|| serde::de::Error::custom("weekday"))
    }
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct WindowInput {
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::limits::schema::weekday))]
    pub weekday: String,
    /// HH:MM
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::limits::schema::clock_start))]
    pub start: String,
    /// HH:MM, at least 30 minutes after the start; 24:00 for midnight.
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::limits::schema::clock_end))]
    pub end: String,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::limits::schema::meeting_modality))]
    pub modality: String,
}

/// The most windows a week may hold.
pub const MAX_WINDOWS: usize = 50;

impl WindowInput {
    pub fn validate(&self, index: Option<usize>) -> Result<Window, Invalid> {
        let name = |f: &str| index.map_or(f.to_string(), |i| format!("windows[{i}].{f}"));
        let mut errs = Invalid::default();
        let weekday = parse_weekday(self.weekday.trim());
        if weekday.is_none() {
            errs.push(FieldError::new(name("weekday"), "choice", "choose a day of the week, monday to sunday"));
        }
        let start = parse_clock(&self.start).filter(|m| *m < 24 * 60);
        if start.is_none() {
            errs.push(FieldError::new(name("start"), "clock-format", "write the time as HH:MM, from 00:00 to 23:59"));
        }
        let end = parse_clock(&self.end);
        if end.is_none() {
            errs.push(FieldError::new(name("end"), "clock-format", "write the time as HH:MM, from 00:01 to 24:00"));
        }
        if let (Some(s), Some(e)) = (start, end) {
            if e <= s {
                errs.push(FieldError::new(
                    name("end"),
                    "end-before-start",
                    "must be after the start; a night that runs past midnight is two windows, ending 24:00 and starting 00:00",
                ));
            } else if e - s < 30 {
                errs.push(FieldError::new(name("end"), "window-short", "a window is at least 30 minutes long"));
            }
        }
        let modality = Modality::parse(self.modality.trim()).filter(|m| *m != Modality::Text);
        if modality.is_none() {
            errs.push(FieldError::new(name("modality"), "choice", "choose in-person, phone or video"));
        }
        errs.finish()?;
        match (weekday, start, end, modality) {
            (Some(weekday), Some(start), Some(end), Some(modality)) => Ok(Window { weekday, start, end, modality }),
            _ => Err(Invalid::one(name("weekday"), "required", "is required")),
        }
    }
}

/// A whole week's windows: each valid, none overlapping another of the same day.
pub fn validate_week(inputs: &[WindowInput]) -> Result<Vec<Window>, Invalid> {
    if inputs.len() > MAX_WINDOWS {
        return Err(Invalid::one("windows", "too-many", "at most 50 windows a week"));
    }
    let mut errs = Invalid::default();
    let mut out: Vec<Window> = Vec::new();
    for (i, w) in inputs.iter().enumerate() {
        match w.validate(Some(i)) {
            Ok(w) => {
                if out.iter().any(|o| o.weekday == w.weekday && o.start < w.end && w.start < o.end) {
                    errs.push(FieldError::new(format!("windows[{i}].start"), "window-overlap", "overlaps another window on the same day"));
                } else {
                    out.push(w);
                }
            }
            Err(e) => e.0.into_iter().for_each(|f| errs.push(f)),
        }
    }
    errs.finish()?;
    out.sort_by_key(|w| (w.weekday.number_days_from_monday(), w.start));
    Ok(out)
}

/// The coarse times of day matching uses, derived from the weekly windows:
/// weekend for Saturday and Sunday, and for weekdays daytime (08–17),
/// evening (17–22) and night (22–08).
pub fn times_of_day(windows: &[Window]) -> Vec<TimeOfDay> {
    let mut out = Vec::new();
    let mut add = |t: TimeOfDay| {
        if !out.contains(&t) {
            out.push(t);
        }
    };
    for w in windows {
        if matches!(w.weekday, Weekday::Saturday | Weekday::Sunday) {
            add(TimeOfDay::Weekend);
            continue;
        }
        if w.start < 17 * 60 && w.end > 8 * 60 {
            add(TimeOfDay::Daytime);
        }
        if w.start < 22 * 60 && w.end > 17 * 60 {
            add(TimeOfDay::Evening);
        }
        if w.start < 8 * 60 || w.end > 22 * 60 {
            add(TimeOfDay::Night);
        }
    }
    let order = [TimeOfDay::Daytime, TimeOfDay::Evening, TimeOfDay::Night, TimeOfDay::Weekend];
    out.sort_by_key(|t| order.iter().position(|o| o == t));
    out
}

/// A span of wall-clock time, start included, end excluded.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Span {
    pub start: PrimitiveDateTime,
    pub end: PrimitiveDateTime,
}

impl Span {
    pub fn new(start: PrimitiveDateTime, minutes: u32) -> Span {
        Span { start, end: start + Duration::minutes(i64::from(minutes)) }
    }
    pub fn overlaps(&self, other: &Span) -> bool {
        self.start < other.end && other.start < self.end
    }
    pub fn minutes(&self) -> i64 {
        (self.end - self.start).whole_minutes()
    }
}

fn minute_of_day(t: PrimitiveDateTime) -> u32 {
    u32::from(t.hour()) * 60 + u32::from(t.minute())
}

/// The window a span lies wholly inside, when there is one.
pub fn window_for(windows: &[Window], span: &Span) -> Option<Window> {
    let day = span.start.date();
    let start = minute_of_day(span.start);
    // A span ending at midnight ends at minute 1440 of its own day.
    let end = if span.end.date() == day {
        minute_of_day(span.end)
    } else if span.end.date() == day.next_day()? && span.end.time() == Time::MIDNIGHT {
        24 * 60
    } else {
        return None;
    };
    windows.iter().copied().find(|w| w.weekday == day.weekday() && w.start <= start && end <= w.end)
}

pub fn datetime_text(t: PrimitiveDateTime) -> String {
    let f = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]");
    t.format(&f).unwrap_or_default()
}

pub fn parse_datetime(s: &str) -> Option<PrimitiveDateTime> {
    let f = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]");
    PrimitiveDateTime::parse(s.trim(), &f).ok().filter(|t| crate::limits::within_years(t.date()))
}

/// A member's request for a session.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct SessionInput {
    /// A peer on the member's care team.
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::limits::schema::identifier))]
    pub worker_id: String,
    /// YYYY-MM-DDTHH:MM, wall-clock.
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::limits::schema::session_start))]
    pub start: String,
    /// Forms send text, JSON clients a number.
    #[serde(deserialize_with = "crate::notes::text_or_number")]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::limits::schema::booking_minutes))]
    pub minutes: String,
    /// Blank for the way the peer's window offers.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::limits::schema::meeting_modality_blank))]
    pub modality: String,
}

/// A checked session request: when, how long, how.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionRequest {
    pub span: Span,
    pub minutes: u32,
    /// None: whatever the window offers.
    pub modality: Option<Modality>,
}

impl SessionInput {
    /// Check the fields; `now` is the program's wall-clock time.
    pub fn validate(&self, now: PrimitiveDateTime) -> Result<SessionRequest, Invalid> {
        let mut errs = Invalid::default();
        if self.worker_id.trim().is_empty() {
            errs.push(FieldError::new("worker_id", "required", "choose the peer you want to meet"));
        }
        crate::limits::check_text(&mut errs, "worker_id", self.worker_id.trim(), crate::limits::text::IDENTIFIER);
        let start = parse_datetime(&self.start);
        match start {
            None => errs.push(FieldError::new("start", "datetime-format", "choose a time, written YYYY-MM-DDTHH:MM")),
            Some(s) if s <= now => errs.push(FieldError::new("start", "in-past", "is in the past; choose a time still to come")),
            Some(s) if s > now + Duration::days(BOOKING_HORIZON_DAYS) => {
                errs.push(FieldError::new("start", "too-far", "is too far ahead: book at most 90 days ahead").arg("days", "90"))
            }
            Some(s) if u32::from(s.minute()) % 15 != 0 => {
                errs.push(FieldError::new("start", "quarter-hour", "starts on the hour or a quarter past, half past or a quarter to"))
            }
            _ => {}
        }
        let minutes = self.minutes.trim().parse::<u32>().ok().filter(|m| SESSION_LENGTHS.contains(m));
        if minutes.is_none() {
            errs.push(FieldError::new("minutes", "session-length", "choose 30, 45, 60, 90, 120 or 180 minutes"));
        }
        let modality = match self.modality.trim() {
            "" => None,
            m => {
                let parsed = Modality::parse(m).filter(|m| *m != Modality::Text);
                if parsed.is_none() {
                    errs.push(FieldError::new("modality", "choice", "choose in-person, phone or video"));
                }
                parsed
            }
        };
        errs.finish()?;
        match (start, minutes) {
            (Some(s), Some(m)) => Ok(SessionRequest { span: Span::new(s, m), minutes: m, modality }),
            _ => Err(Invalid::one("start", "required", "is required")),
        }
    }
}

/// Where a request fits the worker's week and their other commitments:
/// the modality of the session, or the problem to show.
pub fn place(windows: &[Window], busy: &[Span], member_busy: &[Span], req: &SessionRequest) -> Result<Modality, Invalid> {
    let Some(w) = window_for(windows, &req.span) else {
        return Err(Invalid::one(
            "start",
            "outside-availability",
            "is outside the times this peer has published; choose one of the free times offered",
        ));
    };
    if let Some(m) = req.modality {
        if m != w.modality {
            return Err(Invalid::one("modality", "modality-unavailable", "this peer meets another way at that time; choose the way the slot offers"));
        }
    }
    if busy.iter().any(|b| b.overlaps(&req.span)) {
        return Err(Invalid::one("start", "worker-busy", "this peer already has a session or group at that time; choose another time"));
    }
    if member_busy.iter().any(|b| b.overlaps(&req.span)) {
        return Err(Invalid::one("start", "member-busy", "you already have a session at that time; choose another time or reschedule that one"));
    }
    Ok(w.modality)
}

/// A free time a member may book.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Slot {
    pub span: Span,
    pub modality: Modality,
}

/// Every free slot of `minutes` from `from` for `days` days that starts
/// after `now`, on the slot step, inside a window, clear of `busy`.
pub fn free_slots(windows: &[Window], busy: &[Span], from: Date, days: u32, minutes: u32, now: PrimitiveDateTime) -> Vec<Slot> {
    let mut out = Vec::new();
    for offset in 0..i64::from(days) {
        let Some(day) = from.checked_add(Duration::days(offset)) else {
            break;
        };
        for w in windows.iter().filter(|w| w.weekday == day.weekday()) {
            let mut m = w.start.div_ceil(SLOT_STEP_MINUTES) * SLOT_STEP_MINUTES;
            while m + minutes <= w.end {
                let start = PrimitiveDateTime::new(day, Time::MIDNIGHT) + Duration::minutes(i64::from(m));
                let span = Span::new(start, minutes);
                if start > now && !busy.iter().any(|b| b.overlaps(&span)) {
                    out.push(Slot { span, modality: w.modality });
                }
                m += SLOT_STEP_MINUTES;
            }
        }
    }
    out.sort_by_key(|s| s.span.start);
    out
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SessionStatus {
    Booked,
    Cancelled,
}

impl SessionStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Booked => "booked",
            Self::Cancelled => "cancelled",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        [Self::Booked, Self::Cancelled].into_iter().find(|x| x.as_str() == s)
    }
}

/// Who may book a session for a member with a peer: the member themselves,
/// or the peer for a member on their caseload. `peer_on_team` says whether
/// the chosen worker sits on the member's care team as their peer.
pub fn may_book(actor: &Actor, rel: &Relationship, peer_on_team: bool, actor_is_the_peer: bool) -> Decision {
    if rel.firewalled && !rel.is_self {
        return Decision::Deny("the member asked that this person not see their record");
    }
    if !peer_on_team {
        return Decision::Deny("sessions are booked with a peer on the member's care team");
    }
    match actor.persona {
        Persona::Member if rel.is_self => Decision::Permit,
        Persona::PeerWorker if actor_is_the_peer && rel.team_role.is_some() => Decision::Permit,
        _ => Decision::Deny("only the member and their peer book, move or cancel their sessions"),
    }
}

/// Who may move or cancel a booked session: the member and the session's
/// peer, even after the peer has left the member's team.
pub fn may_change_session(actor: &Actor, rel: &Relationship, actor_is_sessions_peer: bool) -> Decision {
    if rel.firewalled && !rel.is_self {
        return Decision::Deny("the member asked that this person not see their record");
    }
    match actor.persona {
        Persona::Member if rel.is_self => Decision::Permit,
        Persona::PeerWorker | Persona::Supervisor if actor_is_sessions_peer => Decision::Permit,
        _ => Decision::Deny("only the member and their peer book, move or cancel their sessions"),
    }
}

/// How a person wants to be reached beyond the app.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Channel {
    InApp,
    Email,
    Text,
}

impl Channel {
    pub const ALL: [Channel; 3] = [Self::InApp, Self::Email, Self::Text];
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InApp => "in-app",
            Self::Email => "email",
            Self::Text => "text",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reach {
    pub channel: Channel,
    pub email: Option<String>,
    /// Digits only, with the country code: 1 and ten digits for the US.
    pub phone: Option<String>,
}

impl Default for Reach {
    fn default() -> Self {
        Reach { channel: Channel::InApp, email: None, phone: None }
    }
}

impl Reach {
    /// Where a message on this channel goes, if anywhere beyond the app.
    pub fn address(&self) -> Option<(Channel, String)> {
        match self.channel {
            Channel::InApp => None,
            Channel::Email => self.email.clone().map(|a| (Channel::Email, a)),
            Channel::Text => self.phone.clone().map(|a| (Channel::Text, a)),
        }
    }
}

/// How to be reached: the channel and the address it needs (the schema is
/// written by hand: which address is required follows the channel).
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct ReachInput {
    pub channel: String,
    /// Needed for the email channel.
    #[serde(default)]
    pub email: String,
    /// Needed for the text channel.
    #[serde(default)]
    pub phone: String,
}

impl ReachInput {
    pub fn validate(&self) -> Result<Reach, Invalid> {
        let mut errs = Invalid::default();
        let channel = Channel::parse(self.channel.trim());
        if channel.is_none() {
            errs.push(FieldError::new("channel", "choice", "choose in-app, email or text"));
        }
        let email = self.email.trim();
        let email = if email.is_empty() {
            None
        } else if email.len() <= 254 && email_address::EmailAddress::is_valid(email) && email.rsplit('@').next().is_some_and(|d| d.contains('.')) {
            Some(email.to_string())
        } else {
            errs.push(FieldError::new("email", "email-format", "is not an email address; write it like name@example.org"));
            None
        };
        let phone = match self.phone.trim() {
            "" => None,
            p => match phone_digits(p) {
                Some(d) => Some(d),
                None => {
                    errs.push(FieldError::new(
                        "phone",
                        "phone-format",
                        "is not a phone number that takes texts; write ten digits, like 617-555-0100",
                    ));
                    None
                }
            },
        };
        if channel == Some(Channel::Email) && email.is_none() && self.email.trim().is_empty() {
            errs.push(FieldError::new("email", "required", "give an email address to be reached by email"));
        }
        if channel == Some(Channel::Text) && phone.is_none() && self.phone.trim().is_empty() {
            errs.push(FieldError::new("phone", "required", "give a mobile number to be reached by text message"));
        }
        errs.finish()?;
        Ok(Reach { channel: channel.unwrap_or(Channel::InApp), email, phone })
    }
}

/// A North American number as 1 and ten digits; other numbers written with
/// + and their country code (8 to 15 digits).
pub fn phone_digits(s: &str) -> Option<String> {
    if s.chars().any(|c| !(c.is_ascii_digit() || " -().+".contains(c))) || s.matches('+').count() > 1 {
        return None;
    }
    let digits: String = s.chars().filter(char::is_ascii_digit).collect();
    if s.trim_start().starts_with('+') {
        return (8..=15).contains(&digits.len()).then_some(digits);
    }
    match digits.len() {
        10 if !digits.starts_with(['0', '1']) => Some(format!("1{digits}")),
        11 if digits.starts_with('1') && !digits[1..].starts_with(['0', '1']) => Some(digits),
        _ => None,
    }
}

/// The wait before another try at delivering a message: one minute, then
/// doubling, at most six hours.
pub fn retry_delay(attempts: u32) -> Duration {
    let minutes = 1i64 << attempts.min(9);
    Duration::minutes(minutes.min(360))
}

/// After this many failed tries a message is marked failed.
pub const MAX_DELIVERY_ATTEMPTS: u32 = 8;

#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for ReachInput {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        crate::limits::schema::reach_input().into()
    }
}
#[cfg(feature = "openapi")]
impl utoipa::ToSchema for ReachInput {}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn w(day: &str, start: &str, end: &str, m: &str) -> WindowInput {
        WindowInput { weekday: day.into(), start: start.into(), end: end.into(), modality: m.into() }
    }

    #[test]
    fn windows_are_checked_and_end_before_start_is_refused() {
        let week = validate_week(&[w("tuesday", "18:00", "21:00", "video"), w("saturday", "22:00", "24:00", "phone")]).unwrap();
        assert_eq!(week.len(), 2);
        assert_eq!(times_of_day(&week), vec![TimeOfDay::Evening, TimeOfDay::Weekend]);
        let e = validate_week(&[w("tuesday", "21:00", "18:00", "video")]).unwrap_err();
        assert_eq!(e.0[0].code, "end-before-start");
        assert_eq!(e.0[0].field, "windows[0].end");
        let e = validate_week(&[w("tuesday", "18:00", "21:00", "video"), w("tuesday", "20:00", "22:00", "phone")]).unwrap_err();
        assert_eq!(e.0[0].code, "window-overlap");
        assert!(validate_week(&[w("funday", "25:00", "x", "text")]).unwrap_err().0.len() >= 4);
    }

    #[test]
    fn night_windows_count_as_night() {
        let week = validate_week(&[w("monday", "22:00", "24:00", "phone"), w("tuesday", "00:00", "02:00", "phone")]).unwrap();
        assert_eq!(times_of_day(&week), vec![TimeOfDay::Night]);
    }

    #[test]
    fn slots_fit_windows_and_skip_busy_times() {
        // 2030-01-01 is a Tuesday.
        let week = validate_week(&[w("tuesday", "18:00", "21:00", "video")]).unwrap();
        let now = datetime!(2029-12-31 12:00);
        let busy = [Span::new(datetime!(2030-01-01 19:00), 60)];
        let slots = free_slots(&week, &busy, now.date(), 7, 90, now);
        let starts: Vec<String> = slots.iter().map(|s| datetime_text(s.span.start)).collect();
        // 18:00 would run into 19:00; 20:00 leaves only 60 minutes.
        assert_eq!(starts, Vec::<String>::new());
        let slots = free_slots(&week, &[], now.date(), 7, 90, now);
        assert_eq!(slots.len(), 4);
        assert_eq!(slots[0].modality, Modality::Video);
    }

    #[test]
    fn a_ninety_minute_session_is_placed_and_overlaps_are_refused() {
        let week = validate_week(&[w("tuesday", "18:00", "21:00", "video")]).unwrap();
        let now = datetime!(2029-12-31 12:00);
        let req = SessionInput { worker_id: "w".into(), start: "2030-01-01T18:00".into(), minutes: "90".into(), modality: String::new() }
            .validate(now)
            .unwrap();
        assert_eq!(place(&week, &[], &[], &req).unwrap(), Modality::Video);
        let other = [Span::new(datetime!(2030-01-01 19:00), 30)];
        assert_eq!(place(&week, &other, &[], &req).unwrap_err().0[0].code, "worker-busy");
        assert_eq!(place(&week, &[], &other, &req).unwrap_err().0[0].code, "member-busy");
        // Back to back is not an overlap.
        let after = [Span::new(datetime!(2030-01-01 19:30), 30)];
        assert!(place(&week, &after, &[], &req).is_ok());
        let late =
            SessionInput { start: "2030-01-01T20:00".into(), ..SessionInput { worker_id: "w".into(), minutes: "90".into(), ..Default::default() } }
                .validate(now)
                .unwrap();
        assert_eq!(place(&week, &[], &[], &late).unwrap_err().0[0].code, "outside-availability");
        let past = SessionInput { worker_id: "w".into(), start: "2029-12-01T18:00".into(), minutes: "60".into(), modality: String::new() };
        assert_eq!(past.validate(now).unwrap_err().0[0].code, "in-past");
        let odd = SessionInput { worker_id: "w".into(), start: "2030-01-01T18:00".into(), minutes: "50".into(), modality: String::new() };
        assert_eq!(odd.validate(now).unwrap_err().0[0].code, "session-length");
    }

    #[test]
    fn reach_addresses_are_validated() {
        let ok = ReachInput { channel: "text".into(), email: String::new(), phone: "(617) 555-0100".into() }.validate().unwrap();
        assert_eq!(ok.address(), Some((Channel::Text, "16175550100".into())));
        let e = ReachInput { channel: "email".into(), email: "not an address".into(), phone: String::new() }.validate().unwrap_err();
        assert_eq!(e.0[0].field, "email");
        let e = ReachInput { channel: "email".into(), email: String::new(), phone: String::new() }.validate().unwrap_err();
        assert_eq!(e.0[0].code, "required");
        assert!(phone_digits("555-0100").is_none());
        assert_eq!(phone_digits("+34 612 345 678").as_deref(), Some("34612345678"));
        assert_eq!(ReachInput { channel: "in-app".into(), ..Default::default() }.validate().unwrap(), Reach::default());
    }

    #[test]
    fn retries_back_off() {
        assert_eq!(retry_delay(0), Duration::minutes(1));
        assert_eq!(retry_delay(3), Duration::minutes(8));
        assert_eq!(retry_delay(30), Duration::minutes(360));
    }
}

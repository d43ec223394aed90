//! Peer-run groups: weekly meetings (a video group in the evening, an
//! in-person group at a recovery learning community) open to the members of
//! a plan or organization, not only the leaders' caseloads. Who may run,
//! join and record attendance is decided here.

use serde::{Deserialize, Serialize};
use time::{Duration, PrimitiveDateTime};

use crate::booking::{datetime_text, parse_clock, Span};
use crate::error::{FieldError, Invalid};
use crate::limits::{check_list, check_text, text};
use crate::notes::{Modality, Setting};
use crate::policy::{Actor, Decision};
use crate::records::Persona;

/// The most weekly meetings one group is planned for at once.
pub const MAX_WEEKS: u32 = 52;

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct GroupInput {
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::limits::schema::group_title))]
    pub title: String,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::limits::schema::description_blank))]
    pub description: String,
    /// A catalog language code: the language the group is held in.
    #[cfg_attr(feature = "openapi", schema(schema_with = languages_catalog))]
    pub language: String,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::limits::schema::meeting_modality))]
    pub modality: String,
    #[cfg_attr(feature = "openapi", schema(value_type = crate::notes::Setting))]
    pub setting: String,
    /// Where: an address, or how to join a video call.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::limits::schema::place_blank))]
    pub place: String,
    /// YYYY-MM-DD, the first meeting (still to come); later ones follow weekly.
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::limits::schema::future_day))]
    pub first_date: String,
    /// HH:MM
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::limits::schema::clock_start))]
    pub start: String,
    /// HH:MM, at least 15 minutes after the start.
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::limits::schema::clock_end))]
    pub end: String,
    /// How many weekly meetings.
    #[serde(deserialize_with = "crate::notes::text_or_number")]
    #[cfg_attr(feature = "openapi", schema(value_type = u32, minimum = 1, maximum = 52))]
    pub weeks: String,
    /// The organization (a plan, an RLC, a community organization) whose
    /// members may join.
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::limits::schema::identifier))]
    pub open_to: String,
    /// Other peers (worker ids) who run the group too: at most five.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::limits::schema::co_leaders))]
    pub co_leaders: Vec<String>,
}

/// A checked group, before it has an id.
#[derive(Debug, Clone, PartialEq)]
pub struct NewGroup {
    pub title: String,
    pub description: String,
    pub language: String,
    pub modality: Modality,
    pub setting: Setting,
    pub place: String,
    pub meetings: Vec<Span>,
    pub minutes: u32,
    pub open_to: String,
    pub co_leaders: Vec<String>,
}

impl GroupInput {
    /// Check every field against the catalog's languages; the first meeting
    /// must still be to come at `now` (wall-clock).
    pub fn validate(&self, languages: &[&str], now: PrimitiveDateTime) -> Result<NewGroup, Invalid> {
        let mut errs = Invalid::default();
        let title = errs.required("title", &self.title, text::GROUP_TITLE);
        let description = self.description.trim().to_string();
        check_text(&mut errs, "description", &description, text::DESCRIPTION);
        let language = self.language.trim().to_string();
        if !languages.contains(&language.as_str()) {
            errs.push(FieldError::new("language", "unknown-choice", "choose the language the group is held in"));
        }
        let modality = Modality::parse(self.modality.trim()).filter(|m| matches!(m, Modality::InPerson | Modality::Video | Modality::Phone));
        if modality.is_none() {
            errs.push(FieldError::new("modality", "choice", "choose in-person, phone or video"));
        }
        let setting = Setting::parse(self.setting.trim());
        if setting.is_none() {
            errs.push(FieldError::new("setting", "choice", "choose where the group meets"));
        }
        let place = self.place.trim().to_string();
        check_text(&mut errs, "place", &place, text::PLACE);
        let date = crate::limits::parse_day(&self.first_date);
        if date.is_none() {
            errs.push(FieldError::new("first_date", "date-format", "must be a date written YYYY-MM-DD, from 1900 to 2200"));
        }
        let start = parse_clock(&self.start).filter(|m| *m < 24 * 60);
        if start.is_none() {
            errs.push(FieldError::new("start", "clock-format", "write the time as HH:MM, from 00:00 to 23:59"));
        }
        let end = parse_clock(&self.end);
        if end.is_none() {
            errs.push(FieldError::new("end", "clock-format", "write the time as HH:MM, from 00:01 to 24:00"));
        }
        let mut minutes = 0;
        if let (Some(s), Some(e)) = (start, end) {
            if e <= s {
                errs.push(FieldError::new("end", "end-before-start", "must be after the start"));
            } else if e - s < 15 {
                errs.push(FieldError::new("end", "meeting-short", "a meeting is at least 15 minutes long"));
            } else {
                minutes = e - s;
            }
        }
        let first = match (date, start) {
            (Some(d), Some(s)) => {
                let at = PrimitiveDateTime::new(d, time::Time::MIDNIGHT) + Duration::minutes(i64::from(s));
                if at <= now {
                    errs.push(FieldError::new("first_date", "in-past", "the first meeting is in the past; choose a date and time still to come"));
                }
                Some(at)
            }
            _ => None,
        };
        let weeks = self.weeks.trim().parse::<u32>().ok().filter(|w| (1..=MAX_WEEKS).contains(w));
        if weeks.is_none() {
            errs.push(FieldError::new("weeks", "weeks", "give the number of weekly meetings, from 1 to 52").arg("max", "52"));
        }
        let open_to = self.open_to.trim().to_string();
        if open_to.is_empty() {
            errs.push(FieldError::new("open_to", "required", "choose the plan or organization whose members may join"));
        }
        check_text(&mut errs, "open_to", &open_to, text::IDENTIFIER);
        let co_leaders: Vec<String> = self.co_leaders.iter().map(|c| c.trim().to_string()).filter(|c| !c.is_empty()).collect();
        if co_leaders.len() > 5 {
            errs.push(FieldError::new("co_leaders", "too-many", "at most five other peers run a group"));
        }
        check_list(&mut errs, "co_leaders", &co_leaders, text::IDENTIFIER);
        errs.finish()?;
        match (first, weeks, modality, setting) {
            (Some(first), Some(weeks), Some(modality), Some(setting)) => Ok(NewGroup {
                title,
                description,
                language,
                modality,
                setting,
                place,
                meetings: meetings(first, minutes, weeks),
                minutes,
                open_to,
                co_leaders,
            }),
            _ => Err(Invalid::one("title", "required", "is required")),
        }
    }
}

/// The weekly meetings of a group: `weeks` of them from `first`.
pub fn meetings(first: PrimitiveDateTime, minutes: u32, weeks: u32) -> Vec<Span> {
    (0..weeks).filter_map(|k| first.checked_add(Duration::weeks(i64::from(k)))).map(|start| Span::new(start, minutes)).collect()
}

/// The weekly rule of a group in iCalendar terms (RFC 5545 RRULE).
pub fn weekly_rule(weeks: usize) -> String {
    format!("FREQ=WEEKLY;INTERVAL=1;COUNT={weeks}")
}

/// Peers run groups.
pub fn may_run_groups(actor: &Actor) -> Decision {
    match actor.persona {
        Persona::PeerWorker | Persona::Supervisor => Decision::Permit,
        _ => Decision::Deny("peers run groups"),
    }
}

/// A member joins (or leaves) a group open to them: enrolled in the
/// group's organization as a plan, or served by one of its workers.
pub fn may_join(actor: &Actor, member_in_audience: bool) -> Decision {
    match actor.persona {
        Persona::Member if actor.member_id.is_some() && member_in_audience => Decision::Permit,
        Persona::Member => Decision::Deny("this group is open to the members of another organization"),
        _ => Decision::Deny("members join groups themselves"),
    }
}

/// A group's leaders record who came, for members who joined it.
pub fn may_record_attendance(actor: &Actor, is_leader: bool, member_joined: bool) -> Decision {
    if actor.persona != Persona::PeerWorker && actor.persona != Persona::Supervisor {
        return Decision::Deny("the peers who run a group record its attendance");
    }
    if !is_leader {
        return Decision::Deny("only the peers who run this group record its attendance");
    }
    if !member_joined {
        return Decision::Deny("attendance is recorded for members who joined the group");
    }
    Decision::Permit
}

/// The one line of a contact note that group attendance becomes.
pub fn attendance_note(title: &str, meeting: &Span) -> String {
    let mut note = format!("Group: {title} ({})", datetime_text(meeting.start));
    if note.chars().count() > text::CONTACT_NOTE.max_chars {
        note = note.chars().take(text::CONTACT_NOTE.max_chars).collect();
    }
    note
}

#[cfg(feature = "openapi")]
fn languages_catalog() -> utoipa::openapi::schema::Object {
    crate::limits::schema::catalog("languages", false)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn input() -> GroupInput {
        GroupInput {
            title: "Tuesday evening video group".into(),
            language: "en".into(),
            modality: "video".into(),
            setting: "virtual".into(),
            first_date: "2030-01-01".into(),
            start: "19:00".into(),
            end: "20:30".into(),
            weeks: "4".into(),
            open_to: "org-1".into(),
            ..Default::default()
        }
    }

    #[test]
    fn a_weekly_group_has_its_meetings() {
        let g = input().validate(&["en", "es"], datetime!(2029-12-01 10:00)).unwrap();
        assert_eq!(g.minutes, 90);
        assert_eq!(g.meetings.len(), 4);
        assert_eq!(g.meetings[3].start, datetime!(2030-01-22 19:00));
        assert_eq!(weekly_rule(4), "FREQ=WEEKLY;INTERVAL=1;COUNT=4");
    }

    #[test]
    fn past_groups_and_end_before_start_are_refused() {
        let e = input().validate(&["en"], datetime!(2030-01-02 10:00)).unwrap_err();
        assert_eq!(e.0[0].code, "in-past");
        let mut bad = input();
        bad.end = "18:00".into();
        bad.weeks = "0".into();
        bad.language = "xx".into();
        let codes: Vec<&str> = bad.validate(&["en"], datetime!(2029-12-01 10:00)).unwrap_err().0.iter().map(|e| e.code).collect();
        assert_eq!(codes, vec!["unknown-choice", "end-before-start", "weeks"]);
    }
}

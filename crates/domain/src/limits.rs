//! The limits that keep the edges of the system whole: how sign-in guesses
//! are slowed and how long sessions live. Pure rules; the caller brings the
//! clock.

/// How failed sign-ins are answered and how long sessions last.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SignInLimits {
    /// Failures in a row answered without delay, per username and per address.
    pub free_failures: u32,
    /// The longest delay, in seconds, that any number of failures earns.
    pub delay_cap_seconds: u32,
    /// Failures older than this are forgotten.
    pub forget_after_minutes: u32,
    /// A browser session ends after this long without a request...
    pub session_idle_minutes: u32,
    /// ...and in any case this long after signing in.
    pub session_hours: u32,
}

impl Default for SignInLimits {
    fn default() -> SignInLimits {
        SignInLimits { free_failures: 3, delay_cap_seconds: 60, forget_after_minutes: 15, session_idle_minutes: 30, session_hours: 12 }
    }
}

impl SignInLimits {
    /// Seconds to wait before the next attempt after `failures` failures in a
    /// row: none while within the free ones, then 2, 4, 8... seconds, never
    /// more than the cap.
    pub fn delay_after(&self, failures: u32) -> u32 {
        if failures < self.free_failures.max(1) {
            return 0;
        }
        let doublings = failures - self.free_failures.max(1) + 1;
        2u32.checked_pow(doublings).unwrap_or(u32::MAX).min(self.delay_cap_seconds)
    }
}

/// What a kind of text may hold.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct TextLimit {
    pub kind: &'static str,
    /// The most characters (not bytes) a value may have.
    pub max_chars: usize,
    /// Whether line breaks and tabs are allowed (notes); names, identifiers
    /// and other one-line values refuse them.
    pub multi_line: bool,
    pub examples: &'static str,
}

/// The limits of each kind of text. Validation names one of these for
/// every text field, so the limit lives in one place.
pub mod text {
    use super::TextLimit;

    const fn one_line(kind: &'static str, max_chars: usize, examples: &'static str) -> TextLimit {
        TextLimit { kind, max_chars, multi_line: false, examples }
    }
    const fn lines(kind: &'static str, max_chars: usize, examples: &'static str) -> TextLimit {
        TextLimit { kind, max_chars, multi_line: true, examples }
    }

    pub const IDENTIFIER: TextLimit = one_line("identifier", 64, "usernames, ids, plan and employer ids");
    pub const NAME: TextLimit = one_line("name", 100, "given and family names, signatures");
    pub const TITLE: TextLimit = one_line("title", 200, "display names, organization names, course and position titles");
    pub const GROUP_TITLE: TextLimit = one_line("group-title", 120, "group titles");
    pub const CITY: TextLimit = one_line("city", 100, "cities and towns");
    pub const CONTACT: TextLimit = one_line("contact", 254, "phone numbers, e-mail addresses");
    pub const SHORT: TextLimit = one_line("short", 100, "self-described demographics, needs, languages, wishes");
    pub const PLACE: TextLimit = one_line("place", 300, "where a group meets, the tasks of a position");
    pub const STEP: TextLimit = one_line("step", 200, "the steps of a recovery goal");
    pub const CONTACT_NOTE: TextLimit = one_line("contact-note", 200, "the one line of a contact note");
    pub const GOAL: TextLimit = lines("goal", 500, "recovery goals and progress notes");
    pub const REASON: TextLimit = lines("reason", 500, "reasons for emergency access, evidence for a credential");
    pub const STATEMENT: TextLimit = lines("statement", 500, "a worker's lived-experience statements");
    pub const DESCRIPTION: TextLimit = lines("description", 1000, "group descriptions");
    pub const HEALTH_ENTRY: TextLimit = lines("health-entry", 2000, "entries in a member's health record");
    pub const NOTE: TextLimit = lines("note", 4000, "notes, statements, messages");
}

/// Every limit on input in one table: validation checks against it, and the
/// API document publishes it.
pub const TEXT_LIMITS: &[TextLimit] = &[
    text::IDENTIFIER,
    text::NAME,
    text::TITLE,
    text::GROUP_TITLE,
    text::CITY,
    text::CONTACT,
    text::SHORT,
    text::PLACE,
    text::STEP,
    text::CONTACT_NOTE,
    text::GOAL,
    text::REASON,
    text::STATEMENT,
    text::DESCRIPTION,
    text::HEALTH_ENTRY,
    text::NOTE,
];

/// Schemas of text fields for the API document, built from the table above
/// so that what the document promises is what validation enforces: the
/// most characters, no forbidden characters, and for required text at
/// least one that is not a space.
#[cfg(feature = "openapi")]
pub mod schema {
    use super::{text, TextLimit, MAX_LIST_ITEMS};
    use utoipa::openapi::schema::{ArrayBuilder, Object, ObjectBuilder, SchemaType, Type};

    /// The characters [`super::forbidden_char`] refuses, as a regular-expression class body.
    const FORBIDDEN_ONE_LINE: &str = r"\x00-\x1F\x7F-\x9F\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069\uFFFD";
    const FORBIDDEN_LINES: &str = r"\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069\uFFFD";

    fn forbidden(limit: TextLimit) -> &'static str {
        if limit.multi_line {
            FORBIDDEN_LINES
        } else {
            FORBIDDEN_ONE_LINE
        }
    }

    fn described(limit: TextLimit) -> String {
        let lines = if limit.multi_line { "line breaks allowed" } else { "one line" };
        format!("{}: at most {} characters, {lines}", limit.kind, limit.max_chars)
    }

    /// Text that must hold something other than spaces.
    pub fn required(limit: TextLimit) -> Object {
        let f = forbidden(limit);
        ObjectBuilder::new()
            .schema_type(Type::String)
            .min_length(Some(1))
            .max_length(Some(limit.max_chars))
            .pattern(Some(format!(r"^[^{f}]*[^\s{f}][^{f}]*$")))
            .description(Some(described(limit)))
            .build()
    }

    /// Text that may be left out, null or blank.
    pub fn optional(limit: TextLimit) -> Object {
        let f = forbidden(limit);
        ObjectBuilder::new()
            .schema_type(SchemaType::from_iter([Type::String, Type::Null]))
            .max_length(Some(limit.max_chars))
            .pattern(Some(format!("^[^{f}]*$")))
            .description(Some(described(limit)))
            .build()
    }

    /// A list of text values, each held to the limit.
    pub fn list(limit: TextLimit) -> utoipa::openapi::schema::Array {
        ArrayBuilder::new().items(required(limit)).max_items(Some(MAX_LIST_ITEMS)).build()
    }

    macro_rules! kinds {
        ($($required:ident, $optional:ident, $list:ident = $limit:path;)*) => {$(
            pub fn $required() -> Object { required($limit) }
            pub fn $optional() -> Object { optional($limit) }
            pub fn $list() -> utoipa::openapi::schema::Array { list($limit) }
        )*};
    }

    kinds! {
        identifier, identifier_opt, identifiers = text::IDENTIFIER;
        name, name_opt, names = text::NAME;
        title, title_opt, titles = text::TITLE;
        group_title, group_title_opt, group_titles = text::GROUP_TITLE;
        city, city_opt, cities = text::CITY;
        contact, contact_opt, contacts = text::CONTACT;
        short, short_opt, shorts = text::SHORT;
        place, place_opt, places = text::PLACE;
        step, step_opt, steps = text::STEP;
        contact_note, contact_note_opt, contact_notes = text::CONTACT_NOTE;
        goal, goal_opt, goals = text::GOAL;
        reason, reason_opt, reasons = text::REASON;
        statement, statement_opt, statements = text::STATEMENT;
        description, description_opt, descriptions = text::DESCRIPTION;
        health_entry, health_entry_opt, health_entries = text::HEALTH_ENTRY;
        note, note_opt, notes = text::NOTE;
    }

    /// One of the loaded catalog's values (`roles`, `languages`, `topics`,
    /// `credential-kinds`, `training-programs`, `task-kinds`): the server
    /// writes them in when it starts.
    pub fn catalog(kind: &str, nullable: bool) -> Object {
        let ty = if nullable { SchemaType::from_iter([Type::String, Type::Null]) } else { SchemaType::new(Type::String) };
        let extensions = utoipa::openapi::extensions::ExtensionsBuilder::new().add("x-catalog", kind).build();
        ObjectBuilder::new().schema_type(ty).extensions(Some(extensions)).build()
    }

    pub fn role_id() -> Object {
        catalog("roles", false)
    }

    pub fn payer_id() -> Object {
        catalog("payers", false)
    }

    pub fn payer_id_opt() -> Object {
        catalog("payers", true)
    }

    /// Catalog role ids.
    pub fn role_ids() -> utoipa::openapi::schema::Array {
        ArrayBuilder::new().items(catalog("roles", false)).max_items(Some(MAX_LIST_ITEMS)).build()
    }

    /// Text of a kind that must also match `pattern` (written without the
    /// forbidden characters, which the kind refuses anyway).
    pub fn shaped(limit: TextLimit, nullable: bool, pattern: &str) -> Object {
        let ty = if nullable { SchemaType::from_iter([Type::String, Type::Null]) } else { SchemaType::new(Type::String) };
        ObjectBuilder::new().schema_type(ty).max_length(Some(limit.max_chars)).pattern(Some(pattern)).description(Some(described(limit))).build()
    }

    /// Twelve digits.
    pub fn masshealth_id() -> Object {
        shaped(text::IDENTIFIER, false, "^[0-9]{12}$")
    }

    /// CMS's Medicare Beneficiary Identifier, dashes allowed; blank for none.
    pub fn medicare_id_opt() -> Object {
        const L: &str = "[AC-HJKMNP-RT-Yac-hjkmnp-rt-y]";
        const LD: &str = "[AC-HJKMNP-RT-Yac-hjkmnp-rt-y0-9]";
        let d = "-*";
        shaped(text::IDENTIFIER, true, &format!(r"^\s*$|^\s*{d}[1-9]{d}{L}{d}{LD}{d}[0-9]{d}{L}{d}{LD}{d}[0-9]{d}{L}{d}{L}{d}[0-9]{d}[0-9]{d}\s*$"))
    }

    /// 10 to 15 digits, with spaces, `+`, `-`, `(`, `)` and `.` between; blank for none.
    pub fn phone_opt() -> Object {
        shaped(text::CONTACT, true, r"^\s*$|^\s*[ +().-]*([0-9][ +().-]*){10,15}\s*$")
    }

    /// Something@something.somewhere, without spaces; blank for none.
    pub fn email_opt() -> Object {
        let f = FORBIDDEN_ONE_LINE;
        shaped(text::CONTACT, true, &format!(r"^\s*$|^\s*[^@ {f}]+@[^ {f}]*\.[^ {f}]*\s*$"))
    }

    /// Language codes of the catalog.
    pub fn languages() -> utoipa::openapi::schema::Array {
        ArrayBuilder::new().items(catalog("languages", false)).max_items(Some(MAX_LIST_ITEMS)).build()
    }

    /// Free-text items, blank ones dropped.
    pub fn short_items() -> utoipa::openapi::schema::Array {
        let f = FORBIDDEN_ONE_LINE;
        let item = ObjectBuilder::new().schema_type(Type::String).max_length(Some(text::SHORT.max_chars)).pattern(Some(format!("^[^{f}]*$")));
        ArrayBuilder::new().items(item).max_items(Some(MAX_LIST_ITEMS)).build()
    }

    /// A time of day written HH:MM.
    pub fn clock_time_opt() -> Object {
        ObjectBuilder::new()
            .schema_type(SchemaType::from_iter([Type::String, Type::Null]))
            .pattern(Some("^([01][0-9]|2[0-3]):[0-5][0-9]$"))
            .description(Some("HH:MM, 24-hour"))
            .build()
    }

    /// A day of the week, in English and lower case.
    pub fn weekday() -> Object {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .enum_values(Some(crate::booking::WEEKDAYS.iter().map(|d| crate::booking::weekday_id(*d))))
            .build()
    }

    const DAY: &str = r"^(19[0-9]{2}|2[01][0-9]{2}|2200)-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$";

    /// A day written YYYY-MM-DD within the years dates may fall in.
    pub fn day() -> Object {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(utoipa::openapi::SchemaFormat::KnownFormat(utoipa::openapi::KnownFormat::Date)))
            .pattern(Some(DAY))
            .build()
    }

    /// A day that may be left out or null.
    pub fn day_opt() -> Object {
        ObjectBuilder::new()
            .schema_type(SchemaType::from_iter([Type::String, Type::Null]))
            .format(Some(utoipa::openapi::SchemaFormat::KnownFormat(utoipa::openapi::KnownFormat::Date)))
            .pattern(Some(DAY))
            .build()
    }

    /// Sets kept as bits are written as lists of their members.
    macro_rules! set_of {
        ($set:ty, $item:ty) => {
            impl utoipa::PartialSchema for $set {
                fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                    ArrayBuilder::new().items(<$item as utoipa::PartialSchema>::schema()).unique_items(true).build().into()
                }
            }
            impl utoipa::ToSchema for $set {}
        };
    }

    set_of!(crate::privacy::Categories, crate::privacy::Category);
    set_of!(crate::matching::TimesOfDay, crate::records::TimeOfDay);
    set_of!(crate::matching::Modalities, crate::matching::Modality);

    // --- privacy, team, enrolment, referrals ---------------------------------

    fn one_of(values: &[&str]) -> Object {
        ObjectBuilder::new().schema_type(Type::String).enum_values(Some(values.iter().copied())).build()
    }

    /// Whom a sharing choice is about: `person:USER_ID`, `organization:ORG_ID`, `payer:PAYER_ID` or `team-role:ROLE`.
    pub fn sharing_recipient() -> Object {
        let roles = crate::records::TeamRole::ALL.iter().map(|r| r.as_str()).collect::<Vec<_>>().join("|");
        ObjectBuilder::new()
            .schema_type(Type::String)
            .pattern(Some(format!("^(person|organization|payer):[A-Za-z0-9_-]{{1,64}}$|^team-role:({roles})$")))
            .description(Some("person:USER_ID, organization:ORG_ID, payer:PAYER_ID (a catalog payer) or team-role:ROLE"))
            .build()
    }

    /// The purposes a member may choose: at least one.
    pub fn sharing_purposes() -> utoipa::openapi::schema::Array {
        let values: Vec<&str> = crate::privacy::Purpose::CHOOSABLE.iter().map(|p| p.as_str()).collect();
        ArrayBuilder::new().items(one_of(&values)).min_items(Some(1)).build()
    }

    /// The categories a health entry may carry.
    pub fn health_category() -> Object {
        let values: Vec<&str> = crate::notes::HEALTH_CATEGORIES.iter().map(|c| c.as_str()).collect();
        one_of(&values)
    }

    /// What is happening, for emergency access: at least three words and
    /// twenty characters, without spaces around.
    pub fn emergency_reason() -> Object {
        let f = FORBIDDEN_LINES;
        ObjectBuilder::new()
            .schema_type(Type::String)
            .min_length(Some(20))
            .max_length(Some(text::REASON.max_chars))
            .pattern(Some(format!(r"^[^\s{f}]+([ \t\r\n]+[^\s{f}]+){{2,}}$")))
            .description(Some(format!("a sentence of at least three words: {}", described(text::REASON))))
            .build()
    }

    /// A language code of the catalog.
    pub fn language() -> Object {
        catalog("languages", false)
    }

    /// A date of birth: a day written YYYY-MM-DD from 1900 to the year
    /// `last` (validation refuses days in the future; the caller, who has
    /// a clock, says which year was last year).
    pub fn birth_day_until(last: i32) -> Object {
        let mut years = Vec::new();
        for decade in 190..=last / 10 {
            let top = (last - decade * 10).min(9);
            years.push(if top == 9 { format!("{decade}[0-9]") } else { format!("{decade}[0-{top}]") });
        }
        // Days past the 28th are left out of the pattern so that every
        // day it allows exists.
        ObjectBuilder::new()
            .schema_type(Type::String)
            .pattern(Some(format!("^({})-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])$", years.join("|"))))
            .description(Some("YYYY-MM-DD, not in the future"))
            .build()
    }

    /// Blank (none), or a MassHealth ID of twelve digits.
    pub fn blank_or_masshealth_id() -> Object {
        ObjectBuilder::new()
            .schema_type(SchemaType::from_iter([Type::String, Type::Null]))
            .pattern(Some(r"^\s*$|^[0-9]{12}$"))
            .description(Some("twelve digits; blank or null for none"))
            .build()
    }

    /// A kind of support asked for.
    pub fn support_kind() -> Object {
        let values: Vec<&str> = crate::matching::SupportKind::ALL.iter().map(|k| k.as_str()).collect();
        one_of(&values)
    }

    /// A door a request for peer support comes through.
    pub fn door() -> Object {
        let values: Vec<&str> = crate::referral::Door::ALL.iter().map(|d| d.as_str()).collect();
        one_of(&values)
    }

    /// The statuses a referral may be set to by hand (enrolling sets `enrolled`).
    pub fn settable_referral_status() -> Object {
        one_of(&["new", "contacted", "closed"])
    }

    /// An enrolment code: twelve letters and digits of the code alphabet;
    /// case, spaces and dashes do not matter.
    pub fn enrolment_code() -> Object {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .pattern(Some(r"^[ -]*([A-HJKMNP-TW-Za-hjkmnp-tw-z2-9][ -]*){12}$"))
            .description(Some("ABCD-EFGH-JKMN; case, spaces and dashes do not matter"))
            .build()
    }

    /// A new username: 3 to 64 letters, digits, dots, hyphens or underscores.
    pub fn new_username() -> Object {
        ObjectBuilder::new().schema_type(Type::String).pattern(Some("^[A-Za-z0-9._-]{3,64}$")).build()
    }

    // --- organizations, workers, workforce, matching ---

    /// Exactly the days [`super::parse_day`] reads: real calendar days, leap days included, from 1900 to 2200.
    pub const DAY_PATTERN: &str = concat!(
        r"((19[0-9]{2}|2[01][0-9]{2}|2200)-((0[13578]|1[02])-(0[1-9]|[12][0-9]|3[01])|(0[469]|11)-(0[1-9]|[12][0-9]|30)|02-(0[1-9]|1[0-9]|2[0-8]))",
        r"|(19(0[48]|[2468][048]|[13579][26])|20(0[048]|[2468][048]|[13579][26])|21(0[48]|[2468][048]|[13579][26]))-02-29)"
    );

    /// A real day written YYYY-MM-DD, from 1900 to 2200 (spaces around are ignored).
    pub fn calendar_day() -> Object {
        ObjectBuilder::new().schema_type(Type::String).pattern(Some(format!(r"^\s*{DAY_PATTERN}\s*$"))).description(Some("YYYY-MM-DD")).build()
    }

    /// Text that is blank: read as left out.
    fn blank() -> Object {
        ObjectBuilder::new().schema_type(SchemaType::from_iter([Type::String, Type::Null])).pattern(Some(r"^\s*$")).build()
    }

    /// `schema`, or blank or null for "left out".
    fn or_blank(schema: Object) -> utoipa::openapi::schema::Schema {
        utoipa::openapi::schema::Schema::AnyOf(utoipa::openapi::schema::AnyOfBuilder::new().item(schema).item(blank()).build())
    }

    /// A day written YYYY-MM-DD, or blank or null for none.
    pub fn day_or_blank() -> Object {
        ObjectBuilder::new()
            .schema_type(SchemaType::from_iter([Type::String, Type::Null]))
            .pattern(Some(format!(r"^\s*$|^\s*{DAY_PATTERN}\s*$")))
            .description(Some("YYYY-MM-DD, or blank for none"))
            .build()
    }

    /// One of the catalog's values of a kind, or blank or null for none.
    pub fn catalog_or_blank(kind: &str) -> utoipa::openapi::schema::Schema {
        or_blank(catalog(kind, true))
    }
    pub fn training_program_or_blank() -> utoipa::openapi::schema::Schema {
        catalog_or_blank("training-programs")
    }
    pub fn role_id_or_blank() -> utoipa::openapi::schema::Schema {
        catalog_or_blank("roles")
    }
    pub fn credential_kind() -> Object {
        catalog("credential-kinds", false)
    }
    pub fn training_program() -> Object {
        catalog("training-programs", false)
    }
    pub fn topic() -> Object {
        catalog("topics", false)
    }

    /// One of `values`, or blank or null for the default.
    fn choice_or_blank(values: &[&str]) -> utoipa::openapi::schema::Schema {
        or_blank(
            ObjectBuilder::new().schema_type(SchemaType::from_iter([Type::String, Type::Null])).enum_values(Some(values.iter().copied())).build(),
        )
    }
    pub fn enrolment_status_or_blank() -> utoipa::openapi::schema::Schema {
        choice_or_blank(&["enrolled", "attending", "completed", "withdrawn"])
    }
    pub fn exam_or_blank() -> utoipa::openapi::schema::Schema {
        choice_or_blank(&["passed", "failed"])
    }
    pub fn education_or_blank() -> utoipa::openapi::schema::Schema {
        choice_or_blank(&crate::workforce::EDUCATION_LEVELS)
    }

    const HOURS: &str = r"0*[1-9][0-9]?([.,][0-9]?0*)?|0*100([.,]0*)?|0*[.,][1-9]0*";

    /// Hours from 0.1 to 100, one decimal (a comma may stand for the point).
    pub fn hours() -> Object {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .pattern(Some(format!(r"^\s*({HOURS})\s*$")))
            .description(Some("hours between 0.1 and 100, e.g. 1.5"))
            .build()
    }
    /// Hours, or blank or null for none.
    pub fn hours_or_blank() -> Object {
        ObjectBuilder::new()
            .schema_type(SchemaType::from_iter([Type::String, Type::Null]))
            .pattern(Some(format!(r"^\s*$|^\s*({HOURS})\s*$")))
            .description(Some("hours between 0.1 and 100, e.g. 1.5, or blank"))
            .build()
    }

    /// Dollars an hour from $1 to $1,000, at most two decimals; `$` and thousands commas allowed.
    pub fn pay() -> Object {
        let whole = r"(0,*)*[1-9],*([0-9],*){0,2}(\.,*([0-9],*){0,2})?";
        let thousand = r"(0,*)*1,*0,*0,*0,*(\.,*(0,*){0,2})?";
        ObjectBuilder::new()
            .schema_type(Type::String)
            .pattern(Some(format!(r"^\s*\$*,*({whole}|{thousand})\s*$")))
            .description(Some("dollars an hour between 1 and 1000, e.g. 21.50"))
            .build()
    }

    /// Whole minutes from 5 to 480.
    pub fn session_minutes() -> Object {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .pattern(Some(r"^\s*\+?0*([5-9]|[1-9][0-9]|[1-3][0-9]{2}|4[0-7][0-9]|480)\s*$"))
            .description(Some("whole minutes between 5 and 480"))
            .build()
    }

    /// A position's tasks: one a line, blank ones dropped, at most 50.
    pub fn tasks() -> utoipa::openapi::schema::Array {
        let f = FORBIDDEN_ONE_LINE;
        let item = ObjectBuilder::new().schema_type(Type::String).max_length(Some(text::PLACE.max_chars)).pattern(Some(format!("^[^{f}]*$")));
        ArrayBuilder::new().items(item).max_items(Some(50)).build()
    }

    /// Identity values: free text of the short kind, or language codes for the language dimension.
    pub fn identity_values() -> utoipa::openapi::schema::Array {
        // Whitespace inside is folded to one space before the checks.
        let f = r"\x00-\x08\x0E-\x1F\x7F-\x84\x86-\x9F\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069";
        let item = ObjectBuilder::new().schema_type(Type::String).max_length(Some(text::SHORT.max_chars)).pattern(Some(format!("^[^{f}]*$")));
        ArrayBuilder::new().items(item).max_items(Some(MAX_LIST_ITEMS)).build()
    }

    /// A count as it may be shown: null when withheld.
    fn shown_count() -> Object {
        ObjectBuilder::new()
            .schema_type(SchemaType::from_iter([Type::Integer, Type::Null]))
            .minimum(Some(0))
            .description(Some("null when withheld"))
            .build()
    }
    fn counts_by(labels: usize) -> utoipa::openapi::schema::Array {
        let cell = utoipa::openapi::schema::AnyOfBuilder::new().item(ObjectBuilder::new().schema_type(Type::String)).item(shown_count());
        let row = ArrayBuilder::new()
            .items(cell)
            .min_items(Some(labels + 1))
            .max_items(Some(labels + 1))
            .description(Some(format!("{labels} text label(s), then the count")));
        ArrayBuilder::new().items(row).build()
    }
    /// Rows of (label, count), the count null when withheld.
    pub fn counts_by_label() -> utoipa::openapi::schema::Array {
        counts_by(1)
    }
    /// Rows of (dimension, words, count), the count null when withheld.
    pub fn counts_by_two_labels() -> utoipa::openapi::schema::Array {
        counts_by(2)
    }

    // Contacts, goals, booking, groups, reach and the calendar.

    fn strings(values: &[&str]) -> Object {
        ObjectBuilder::new().schema_type(Type::String).enum_values(Some(values.iter().copied())).build()
    }

    /// Text of a kind that may be left out or blank, never null.
    pub fn blank_or(limit: TextLimit) -> Object {
        let f = forbidden(limit);
        ObjectBuilder::new()
            .schema_type(Type::String)
            .max_length(Some(limit.max_chars))
            .pattern(Some(format!("^[^{f}]*$")))
            .description(Some(described(limit)))
            .build()
    }
    pub fn contact_note_blank() -> Object {
        blank_or(text::CONTACT_NOTE)
    }
    pub fn description_blank() -> Object {
        blank_or(text::DESCRIPTION)
    }
    pub fn place_blank() -> Object {
        blank_or(text::PLACE)
    }

    /// Months and days that every year has (the 29th of February left out).
    const MONTH_DAY: &str = "((0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])|(0[13-9]|1[0-2])-(29|30)|(0[13578]|1[02])-31)";
    const YEARS: &str = "(19[0-9]{2}|2[01][0-9]{2}|2200)";

    fn years(from: i32, to: i32) -> String {
        let list: Vec<String> = (from..=to).map(|y| y.to_string()).collect();
        format!("({})", list.join("|"))
    }

    /// The year the document is written in, handed in by the server (the
    /// domain has no clock); until then, days of any year fit.
    static THIS_YEAR: std::sync::atomic::AtomicI32 = std::sync::atomic::AtomicI32::new(0);

    pub fn set_this_year(year: i32) {
        THIS_YEAR.store(year, std::sync::atomic::Ordering::Relaxed);
    }

    fn this_year() -> Option<i32> {
        Some(THIS_YEAR.load(std::sync::atomic::Ordering::Relaxed)).filter(|y| (super::EARLIEST_YEAR + 1..super::LATEST_YEAR).contains(y))
    }

    fn day_pattern(years: &str, description: &str) -> Object {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .pattern(Some(format!("^{years}-{MONTH_DAY}$")))
            .description(Some(format!("YYYY-MM-DD, {description}")))
            .build()
    }

    /// A day gone by: YYYY-MM-DD, from 1900 up to the end of last year (the
    /// days of this year up to today are taken too).
    pub fn past_day() -> Object {
        match this_year() {
            Some(y) => day_pattern(&years(super::EARLIEST_YEAR, y - 1), "not in the future"),
            None => day_pattern(YEARS, "not in the future"),
        }
    }

    /// A day to come: YYYY-MM-DD, from next year to 2200 (the days of this
    /// year still to come are taken too).
    pub fn future_day() -> Object {
        match this_year() {
            Some(y) => day_pattern(&years(y + 1, super::LATEST_YEAR), "still to come"),
            None => day_pattern(YEARS, "still to come"),
        }
    }

    /// Pairs of text, each written as a list of two (what a Rust tuple is in JSON).
    pub fn text_pairs() -> utoipa::openapi::schema::Array {
        let pair = ArrayBuilder::new().items(ObjectBuilder::new().schema_type(Type::String)).min_items(Some(2)).max_items(Some(2));
        ArrayBuilder::new().items(pair).build()
    }

    /// A day to come, or null for none.
    pub fn future_day_opt() -> Object {
        let mut o = future_day();
        o.schema_type = SchemaType::from_iter([Type::String, Type::Null]);
        o
    }

    /// Blank, as a regular-expression class: what `str::trim` takes away.
    const BLANK: &str = r"^[\t\n\x0B\x0C\r \x85\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]*$";

    fn blank_text() -> Object {
        ObjectBuilder::new().schema_type(Type::String).pattern(Some(BLANK)).build()
    }

    /// A day written YYYY-MM-DD, or blank for none (never null).
    pub fn day_blank() -> utoipa::openapi::schema::Schema {
        utoipa::openapi::schema::Schema::AnyOf(
            utoipa::openapi::schema::AnyOfBuilder::new()
                .item(blank_text())
                .item(day_pattern(YEARS, "from 1900 to 2200"))
                .description(Some("YYYY-MM-DD, or blank for none"))
                .build(),
        )
    }

    /// A goal's step: its text with an optional target date, or a blank row (dropped).
    pub fn goal_step() -> utoipa::openapi::schema::Schema {
        let step = ObjectBuilder::new()
            .property("text", required(text::STEP))
            .required("text")
            .property("target_date", day_blank())
            .property("done", ObjectBuilder::new().schema_type(Type::Boolean))
            .description(Some("a step"));
        let blank_row = ObjectBuilder::new()
            .property("text", blank_text())
            .property("target_date", blank_text())
            .property("done", ObjectBuilder::new().schema_type(Type::Boolean))
            .description(Some("a blank row, dropped"));
        utoipa::openapi::schema::Schema::AnyOf(utoipa::openapi::schema::AnyOfBuilder::new().item(step).item(blank_row).build())
    }

    /// How to be reached: the channel, and the address it needs.
    pub fn reach_input() -> utoipa::openapi::schema::Schema {
        let channel = |c: &str| strings(&[c]);
        let nonblank = |o: Object| {
            let mut o = o;
            o.pattern = o.pattern.map(|p| p.trim_start_matches("^$|").to_string());
            o.min_length = Some(1);
            o
        };
        let in_app = ObjectBuilder::new()
            .property("channel", channel("in-app"))
            .required("channel")
            .property("email", reach_email())
            .property("phone", reach_phone());
        let email = ObjectBuilder::new()
            .property("channel", channel("email"))
            .required("channel")
            .property("email", nonblank(reach_email()))
            .required("email")
            .property("phone", reach_phone());
        let text_ = ObjectBuilder::new()
            .property("channel", channel("text"))
            .required("channel")
            .property("email", reach_email())
            .property("phone", nonblank(reach_phone()))
            .required("phone");
        utoipa::openapi::schema::Schema::OneOf(
            utoipa::openapi::schema::OneOfBuilder::new()
                .item(in_app)
                .item(email)
                .item(text_)
                .description(Some("in-app; email, with an email address; or text, with a mobile number"))
                .build(),
        )
    }

    /// A contact's start time HH:MM (seconds are dropped), or blank for none.
    pub fn start_time_blank() -> Object {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .pattern(Some(r"^ *$|^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?$"))
            .description(Some("HH:MM, 24-hour; blank for none"))
            .build()
    }

    /// The start of a window or meeting: HH:MM from 00:00 to 23:59.
    pub fn clock_start() -> Object {
        ObjectBuilder::new().schema_type(Type::String).pattern(Some("^([01][0-9]|2[0-3]):[0-5][0-9]$")).description(Some("HH:MM, 24-hour")).build()
    }

    /// The end of a window or meeting: HH:MM from 00:01 to 24:00, after the start.
    pub fn clock_end() -> Object {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .pattern(Some("^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$"))
            .description(Some("HH:MM, 24-hour, after the start; 24:00 for midnight"))
            .build()
    }

    /// How a session or group meets.
    pub fn meeting_modality() -> Object {
        strings(&["in-person", "phone", "video"])
    }
    /// How a session meets, or blank for whatever the peer's window offers.
    pub fn meeting_modality_blank() -> Object {
        strings(&["", "in-person", "phone", "video"])
    }

    /// A session's length in minutes.
    pub fn booking_minutes() -> Object {
        ObjectBuilder::new()
            .schema_type(Type::Integer)
            .enum_values(Some(crate::booking::SESSION_LENGTHS.iter().copied()))
            .description(Some("30, 45, 60, 90, 120 or 180"))
            .build()
    }
    pub fn booking_minutes_opt() -> Object {
        booking_minutes()
    }

    /// When a session starts: YYYY-MM-DDTHH:MM, on a quarter hour.
    pub fn session_start() -> Object {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .pattern(Some(format!(r"^{YEARS}-{MONTH_DAY}T([01][0-9]|2[0-3]):(00|15|30|45)$")))
            .description(Some(
                "YYYY-MM-DDTHH:MM, wall-clock, on the hour or a quarter past, half past or a quarter to; still to come, at most 90 days ahead",
            ))
            .build()
    }

    /// A goal's status; blank is active.
    pub fn goal_status_blank() -> Object {
        strings(&["", "active", "achieved", "set-aside"])
    }

    /// An email address, or blank for none.
    pub fn reach_email() -> Object {
        let label = "[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?";
        // At most 62 characters before the @, as addresses allow 64.
        let word = "[A-Za-z0-9_%+-]{1,20}";
        ObjectBuilder::new()
            .schema_type(Type::String)
            .max_length(Some(text::CONTACT.max_chars))
            .pattern(Some(format!(r"^$|^{word}(\.{word}){{0,2}}@{label}(\.{label})+$")))
            .description(Some("an email address like name@example.org; blank for none"))
            .build()
    }

    /// A mobile number that takes texts, or blank for none: ten digits (a
    /// leading 1 allowed), or + and 8 to 15 digits; spaces, dashes, dots and
    /// brackets between.
    pub fn reach_phone() -> Object {
        let sep = "[ ().-]*";
        ObjectBuilder::new()
            .schema_type(Type::String)
            .max_length(Some(text::CONTACT.max_chars))
            .pattern(Some(format!(r"^$|^{sep}(1{sep})?[2-9]{sep}([0-9]{sep}){{9}}$|^\+{sep}([0-9]{sep}){{8,15}}$")))
            .description(Some("a mobile number like 617-555-0100, or + and the country code; blank for none"))
            .build()
    }

    /// Ids of the other peers who run a group: at most five.
    pub fn co_leaders() -> utoipa::openapi::schema::Array {
        ArrayBuilder::new().items(required(text::IDENTIFIER)).max_items(Some(5)).build()
    }

    /// At least one id.
    pub fn identifiers_some() -> utoipa::openapi::schema::Array {
        ArrayBuilder::new().items(required(text::IDENTIFIER)).min_items(Some(1)).max_items(Some(MAX_LIST_ITEMS)).build()
    }

    /// The steps of a goal: at most ten.
    pub fn goal_steps() -> utoipa::openapi::schema::Array {
        ArrayBuilder::new().items(utoipa::openapi::RefOr::T(goal_step())).max_items(Some(crate::goals::MAX_STEPS)).build()
    }

    // Claim data: diagnosis codes, provider identifiers, addresses.

    /// ICD-10-CM: a letter, a digit, a letter or digit, then optionally a
    /// dot and 1 to 4 letters or digits (the dot may be left out).
    pub fn icd10() -> Object {
        shaped(text::IDENTIFIER, false, r"^\s*[A-Za-z][0-9][A-Za-z0-9](\.?[A-Za-z0-9]{1,4})?\s*$")
    }
    /// A National Provider Identifier: 10 digits, the last a check digit
    /// (Luhn over 80840 and the first 9); blank for none.
    pub fn npi_opt() -> Object {
        shaped(text::IDENTIFIER, true, r"^\s*$|^\s*[0-9]{10}\s*$")
    }
    /// An employer identification number, 12-3456789 or 123456789; blank for none.
    pub fn ein_opt() -> Object {
        shaped(text::IDENTIFIER, true, r"^\s*$|^\s*[0-9]{2}-?[0-9]{7}\s*$")
    }
    /// A NUCC taxonomy code: 3 digits, 6 letters or digits, then X (175T00000X); blank for none.
    pub fn taxonomy_opt() -> Object {
        shaped(text::IDENTIFIER, true, r"^\s*$|^\s*[0-9]{3}[A-Za-z0-9]{6}[Xx]\s*$")
    }
    /// A ZIP code, 12345 or 12345-6789; blank for none.
    pub fn zip_opt() -> Object {
        shaped(text::IDENTIFIER, true, r"^\s*$|^\s*[0-9]{5}(-[0-9]{4})?\s*$")
    }
    /// A ZIP+4 code, 12345-6789; blank for none.
    pub fn zip_plus4_opt() -> Object {
        shaped(text::IDENTIFIER, true, r"^\s*$|^\s*[0-9]{5}-[0-9]{4}\s*$")
    }
    /// female, male or unknown (X12 DMG03 F, M, U); blank or null for none.
    pub fn administrative_sex_opt() -> Object {
        shaped(text::IDENTIFIER, true, r"^\s*$|^\s*(female|male|unknown)\s*$")
    }
    /// A state's two-letter postal code (MA).
    pub fn state() -> Object {
        shaped(text::IDENTIFIER, false, r"^\s*[A-Za-z]{2}\s*$")
    }
    /// A ZIP code, 12345 or 12345-6789.
    pub fn zip() -> Object {
        shaped(text::IDENTIFIER, false, r"^\s*[0-9]{5}(-[0-9]{4})?\s*$")
    }
    /// A ZIP+4 code, 12345-6789.
    pub fn zip_plus4() -> Object {
        shaped(text::IDENTIFIER, false, r"^\s*[0-9]{5}-[0-9]{4}\s*$")
    }
    /// A state's two-letter postal code (MA); blank for none.
    pub fn state_opt() -> Object {
        shaped(text::IDENTIFIER, true, r"^\s*$|^\s*[A-Za-z]{2}\s*$")
    }
}

/// The most items any list in a request may hold (languages, needs, windows, steps...).
pub const MAX_LIST_ITEMS: usize = 100;
/// The largest request body the server reads, in bytes.
pub const MAX_BODY_BYTES: usize = 256 * 1024;

/// Stands for a character that could not be read; the server also puts it
/// in place of NUL, which no database column may hold.
pub const REPLACEMENT_CHAR: char = '\u{FFFD}';

/// Characters no text may hold: NUL (read as U+FFFD) and other controls (line breaks and
/// tabs aside, where allowed) and the bidirectional overrides and isolates
/// that make text read differently from how it is stored.
pub fn forbidden_char(c: char, multi_line: bool) -> bool {
    let allowed_control = multi_line && matches!(c, '\n' | '\r' | '\t');
    (c.is_control() && !allowed_control)
        || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}' | REPLACEMENT_CHAR)
}

/// Check one text value against its kind: too long, or holding a forbidden
/// character, is a field error naming the fix.
pub fn check_text(errs: &mut crate::Invalid, field: &str, value: &str, limit: TextLimit) {
    let count = value.chars().count();
    if count > limit.max_chars {
        errs.push(
            crate::FieldError::new(field, "too-long", format!("is too long: at most {} characters", limit.max_chars))
                .arg("max", limit.max_chars.to_string()),
        );
    }
    if value.chars().any(|c| forbidden_char(c, limit.multi_line)) {
        let what = if limit.multi_line {
            "control characters or direction overrides"
        } else {
            "line breaks, tabs, control characters or direction overrides"
        };
        errs.push(crate::FieldError::new(field, "forbidden-characters", format!("must not contain {what}; retype it as plain text")));
    }
}

/// Check a list's length and each of its items.
pub fn check_list(errs: &mut crate::Invalid, field: &str, values: &[String], limit: TextLimit) {
    if values.len() > MAX_LIST_ITEMS {
        errs.push(
            crate::FieldError::new(field, "too-many", format!("has too many items: at most {MAX_LIST_ITEMS}")).arg("max", MAX_LIST_ITEMS.to_string()),
        );
    }
    for (i, v) in values.iter().enumerate().take(MAX_LIST_ITEMS) {
        check_text(errs, &format!("{field}[{i}]"), v, limit);
    }
}

/// The years a date may fall in. Birth dates reach back to 1900; plans,
/// credentials and bookings reach forward to 2200. Anything outside is a
/// typing mistake, and keeping dates inside these bounds keeps every date
/// calculation far from the calendar's limits.
pub const EARLIEST_YEAR: i32 = 1900;
pub const LATEST_YEAR: i32 = 2200;

/// Whether a date lies within the years dates may fall in.
pub fn within_years(d: time::Date) -> bool {
    (EARLIEST_YEAR..=LATEST_YEAR).contains(&d.year())
}

/// A date written YYYY-MM-DD, within the years dates may fall in.
pub fn parse_day(text: &str) -> Option<time::Date> {
    time::Date::parse(text.trim(), time::macros::format_description!("[year]-[month]-[day]")).ok().filter(|d| within_years(*d))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_checked_against_its_kind() {
        let errors = |value: &str, limit: TextLimit| {
            let mut errs = crate::Invalid::default();
            check_text(&mut errs, "f", value, limit);
            errs.0.iter().map(|e| e.code).collect::<Vec<_>>()
        };
        assert!(errors("Worcester", text::CITY).is_empty());
        assert_eq!(errors(&"x".repeat(20_000), text::CITY), ["too-long"]);
        assert_eq!(errors("Ana\0", text::NAME), ["forbidden-characters"]);
        assert_eq!(errors("Ana\nBeth", text::NAME), ["forbidden-characters"]);
        assert_eq!(errors("abc\u{202E}fed", text::NAME), ["forbidden-characters"]);
        assert!(errors("first line\nsecond line\tindented", text::NOTE).is_empty());
        assert_eq!(errors("a note\0", text::NOTE), ["forbidden-characters"]);
        assert!(errors("José Ñúñez-O'Brien 李", text::NAME).is_empty());
        let mut errs = crate::Invalid::default();
        check_list(&mut errs, "needs", &vec!["x".to_string(); 101], text::SHORT);
        assert_eq!(errs.0.len(), 1);
    }

    #[test]
    fn every_kind_is_in_the_table_once() {
        let mut kinds: Vec<&str> = TEXT_LIMITS.iter().map(|l| l.kind).collect();
        kinds.sort_unstable();
        kinds.dedup();
        assert_eq!(kinds.len(), TEXT_LIMITS.len(), "two limits share a kind");
        assert!(TEXT_LIMITS.iter().all(|l| l.max_chars > 0));
    }

    #[test]
    fn dates_stay_within_their_years() {
        assert!(parse_day("2026-03-01").is_some());
        assert!(parse_day("1900-01-01").is_some() && parse_day("2200-12-31").is_some());
        for bad in ["9999-12-30", "1899-12-31", "2201-01-01", "0000-01-01", "-2026-01-01", "2026-02-30", "2026-1-1x"] {
            assert_eq!(parse_day(bad), None, "{bad}");
        }
    }

    #[test]
    fn delays_grow_and_stop_at_the_cap() {
        let l = SignInLimits::default();
        let delays: Vec<u32> = (0..10).map(|n| l.delay_after(n)).collect();
        assert_eq!(delays, [0, 0, 0, 2, 4, 8, 16, 32, 60, 60]);
        assert_eq!(l.delay_after(u32::MAX), 60);
        let raised = SignInLimits { free_failures: 1000, ..l };
        assert_eq!(raised.delay_after(999), 0);
        let none = SignInLimits { delay_cap_seconds: 0, ..l };
        assert_eq!(none.delay_after(50), 0);
    }
}

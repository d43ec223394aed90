//! Bulk loading for synthetic data and imports: many rows per statement,
//! one transaction per batch, so that millions of members load in minutes
//! on either database. Used by the command line, never by a web handler.

use crate::ids::new_id;
use accompany_domain::claim_data::Icd10;
use accompany_domain::events::ValidEvent;
use accompany_domain::notes::ContactNote;
use accompany_domain::records::{Member, Organization, Persona, TeamRole, Worker};
use accompany_domain::referral::{name_key, Referral};
use sqlx::{Any, Transaction};

use crate::rows::{date_text, to_json, MemberData, WorkerData};
use crate::{now_text, Backend, Result, Store};

/// A value in a bulk row.
pub(crate) enum Val {
    Text(Option<String>),
    Int(i64),
    OptInt(Option<i64>),
}

impl From<String> for Val {
    fn from(s: String) -> Val {
        Val::Text(Some(s))
    }
}
impl From<&str> for Val {
    fn from(s: &str) -> Val {
        Val::Text(Some(s.to_string()))
    }
}
impl From<Option<String>> for Val {
    fn from(s: Option<String>) -> Val {
        Val::Text(s)
    }
}
impl From<i64> for Val {
    fn from(i: i64) -> Val {
        Val::Int(i)
    }
}

/// The columns of a stored acute-care event, in the order of [`care_event_row`].
pub(crate) const CARE_EVENT_COLUMNS: [&str; 12] =
    ["id", "member_id", "kind", "start_date", "end_date", "facility", "diagnoses", "category", "part2", "external_id", "imported_by", "imported_at"];

/// One checked event as stored: diagnoses without the dot, principal first;
/// the label its diagnoses and program give.
pub(crate) fn care_event_row(member_id: &str, v: &ValidEvent, imported_by: &str, now: &str) -> Vec<Val> {
    let codes: Vec<&str> = v.diagnoses.iter().map(Icd10::claim_form).collect();
    vec![
        new_id().into(),
        member_id.into(),
        v.kind.as_str().into(),
        date_text(v.start).into(),
        v.end.map(date_text).into(),
        v.facility.clone().into(),
        to_json(&codes).into(),
        v.category().as_str().into(),
        i64::from(v.part2).into(),
        v.external_id.clone().into(),
        imported_by.into(),
        now.into(),
    ]
}

/// Bound parameters per statement. SQLite gets anonymous parameters (`?`):
/// numbered ones are looked up by name in a list, so binding them costs the
/// square of their count. PostgreSQL prefers fewer, larger statements.
pub(crate) fn max_params(backend: Backend) -> usize {
    match backend {
        Backend::Sqlite => 2_000,
        Backend::Postgres => 30_000,
    }
}

pub(crate) async fn insert_rows(tx: &mut Transaction<'_, Any>, backend: Backend, table: &str, columns: &[&str], rows: Vec<Vec<Val>>) -> Result<()> {
    let per_statement = (max_params(backend) / columns.len()).max(1);
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<Vec<Val>> = rows.by_ref().take(per_statement).collect();
        let mut sql = format!("INSERT INTO {table} ({}) VALUES ", columns.join(", "));
        let mut n = 0;
        for (i, _) in chunk.iter().enumerate() {
            sql.push_str(if i == 0 { "(" } else { ", (" });
            for c in 0..columns.len() {
                n += 1;
                if c > 0 {
                    sql.push_str(", ");
                }
                match backend {
                    Backend::Sqlite => sql.push('?'),
                    Backend::Postgres => sql.push_str(&format!("${n}")),
                }
            }
            sql.push(')');
        }
        let mut q = sqlx::query(&sql);
        for row in chunk {
            for v in row {
                q = match v {
                    Val::Text(t) => q.bind(t),
                    Val::Int(i) => q.bind(i),
                    Val::OptInt(i) => q.bind(i),
                };
            }
        }
        q.execute(&mut **tx).await?;
    }
    Ok(())
}

/// A row of [`Import::team_members`]: member id, user id, role, and the
/// row's own start and end days, if it has them.
pub trait TeamMemberRow {
    fn parts(&self) -> (&str, &str, TeamRole, Option<time::Date>, Option<time::Date>);
}

impl TeamMemberRow for (String, String, TeamRole) {
    fn parts(&self) -> (&str, &str, TeamRole, Option<time::Date>, Option<time::Date>) {
        (&self.0, &self.1, self.2, None, None)
    }
}

impl TeamMemberRow for (String, String, TeamRole, time::Date, Option<time::Date>) {
    fn parts(&self) -> (&str, &str, TeamRole, Option<time::Date>, Option<time::Date>) {
        (&self.0, &self.1, self.2, Some(self.3), self.4)
    }
}

/// A user row for bulk loading; the password hash is computed once by the caller.
pub struct ImportUser {
    pub id: String,
    pub username: String,
    pub display_name: String,
    pub password_hash: String,
    pub persona: Persona,
    pub organization_id: Option<String>,
    pub member_id: Option<String>,
}

pub struct Import<'a> {
    store: &'a Store,
}

impl Store {
    /// Bulk loading, for the command line's `seed` and `demo`.
    pub fn import(&self) -> Import<'_> {
        Import { store: self }
    }
}

impl Import<'_> {
    pub(crate) async fn run(&self, table: &str, columns: &[&str], rows: Vec<Vec<Val>>) -> Result<()> {
        let mut tx = self.store.begin().await?;
        if self.store.backend == Backend::Sqlite {
            // Loading millions of rows with random keys touches pages all over
            // the indexes; a 1 GiB page cache on this connection keeps them in memory.
            sqlx::query("PRAGMA cache_size = -1048576").execute(&mut *tx).await?;
        }
        insert_rows(&mut tx, self.store.backend, table, columns, rows).await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn organizations(&self, orgs: &[Organization]) -> Result<()> {
        let now = now_text();
        let rows = orgs
            .iter()
            .map(|o| {
                vec![
                    o.id.clone().into(),
                    o.name.clone().into(),
                    o.kind.as_str().into(),
                    o.agency.clone().into(),
                    o.city.clone().into(),
                    o.version.into(),
                    now.as_str().into(),
                    now.as_str().into(),
                    o.provider.npi.clone().into(),
                    o.provider.tax_id.as_deref().and_then(accompany_domain::claim_data::parse_ein).into(),
                    o.provider.taxonomy.clone().into(),
                    o.provider.billing_address.as_ref().map(crate::rows::to_json).into(),
                ]
            })
            .collect();
        self.run(
            "organizations",
            &["id", "name", "kind", "agency", "city", "version", "created_at", "updated_at", "npi", "tax_id", "taxonomy", "billing_address"],
            rows,
        )
        .await
    }

    pub async fn members(&self, members: &[Member]) -> Result<()> {
        let now = now_text();
        let rows = members
            .iter()
            .map(|m| {
                vec![
                    m.id.clone().into(),
                    m.masshealth_id.clone().into(),
                    m.medicare_id.clone().into(),
                    m.given_name.clone().into(),
                    m.family_name.clone().into(),
                    crate::writes::name_key(&m.family_name).into(),
                    date_text(m.date_of_birth).into(),
                    m.preferred_languages.first().cloned().into(),
                    m.city.clone().into(),
                    m.plan_id.clone().into(),
                    to_json(&MemberData::of(m)).into(),
                    m.version.into(),
                    now.as_str().into(),
                    now.as_str().into(),
                ]
            })
            .collect();
        self.run(
            "members",
            &[
                "id",
                "masshealth_id",
                "medicare_id",
                "given_name",
                "family_name",
                "family_name_key",
                "date_of_birth",
                "primary_language",
                "city",
                "plan_id",
                "data",
                "version",
                "created_at",
                "updated_at",
            ],
            rows,
        )
        .await
    }

    /// Workers whose supervisors are in the same batch or already stored.
    pub async fn workers(&self, workers: &[Worker]) -> Result<()> {
        let now = now_text();
        let mut sorted: Vec<&Worker> = workers.iter().collect();
        sorted.sort_by_key(|w| w.supervisor_id.is_some());
        let rows = sorted
            .iter()
            .map(|w| {
                vec![
                    w.id.clone().into(),
                    w.given_name.clone().into(),
                    w.family_name.clone().into(),
                    w.role_id.clone().into(),
                    w.employer_id.clone().into(),
                    date_text(w.employment_start).into(),
                    w.employment_end.map(date_text).into(),
                    w.city.clone().into(),
                    w.user_id.clone().into(),
                    w.supervisor_id.clone().into(),
                    to_json(&WorkerData::of(w)).into(),
                    w.version.into(),
                    now.as_str().into(),
                    now.as_str().into(),
                ]
            })
            .collect();
        self.run(
            "workers",
            &[
                "id",
                "given_name",
                "family_name",
                "role_id",
                "employer_id",
                "employment_start",
                "employment_end",
                "city",
                "user_id",
                "supervisor_id",
                "data",
                "version",
                "created_at",
                "updated_at",
            ],
            rows,
        )
        .await
    }

    pub async fn users(&self, users: &[ImportUser]) -> Result<()> {
        let now = now_text();
        let rows = users
            .iter()
            .map(|u| {
                vec![
                    u.id.clone().into(),
                    u.username.clone().into(),
                    u.display_name.clone().into(),
                    u.password_hash.clone().into(),
                    u.persona.as_str().into(),
                    u.organization_id.clone().into(),
                    u.member_id.clone().into(),
                    now.as_str().into(),
                ]
            })
            .collect();
        self.run("users", &["id", "username", "display_name", "password_hash", "persona", "organization_id", "member_id", "created_at"], rows).await
    }

    /// (member id, user id, role) rows starting on `since`, or (member id,
    /// user id, role, since, until) rows with their own days.
    pub async fn team_members<R: TeamMemberRow>(&self, rows: &[R], since: time::Date) -> Result<()> {
        let now = now_text();
        let since = date_text(since);
        let rows = rows
            .iter()
            .map(|row| {
                let (m, u, r, own_since, until) = row.parts();
                vec![
                    new_id().into(),
                    m.into(),
                    u.into(),
                    r.as_str().into(),
                    own_since.map_or_else(|| since.clone(), date_text).into(),
                    until.map(date_text).into(),
                    now.as_str().into(),
                ]
            })
            .collect();
        self.run("team_members", &["id", "member_id", "user_id", "team_role", "since", "until", "created_at"], rows).await
    }

    /// Acute-care events, each with its member's id, stored and labelled as
    /// a loaded events file stores them.
    pub async fn care_events(&self, rows: &[(String, ValidEvent)], imported_by: &str) -> Result<()> {
        let now = now_text();
        let rows = rows.iter().map(|(member_id, v)| care_event_row(member_id, v, imported_by, &now)).collect();
        self.run("care_events", &CARE_EVENT_COLUMNS, rows).await
    }

    /// Peer contacts, each with the catalog role its units count under
    /// (none: the author's). The author's name is not stored; the version is the note's.
    pub async fn contact_notes(&self, rows: &[(ContactNote, Option<String>)]) -> Result<()> {
        let now = now_text();
        let rows = rows
            .iter()
            .map(|(n, role_id)| {
                vec![
                    n.id.clone().into(),
                    n.member_id.clone().into(),
                    n.author_id.clone().into(),
                    date_text(n.date).into(),
                    n.start_time.map(accompany_domain::notes::format_start_time).into(),
                    i64::from(n.duration_minutes).into(),
                    n.modality.as_str().into(),
                    n.setting.as_str().into(),
                    n.note.clone().into(),
                    role_id.clone().into(),
                    n.version.into(),
                    now.as_str().into(),
                    now.as_str().into(),
                ]
            })
            .collect();
        self.run(
            "contact_notes",
            &[
                "id",
                "member_id",
                "author_id",
                "contact_date",
                "start_time",
                "duration_minutes",
                "modality",
                "setting",
                "note",
                "role_id",
                "version",
                "created_at",
                "updated_at",
            ],
            rows,
        )
        .await
    }

    /// Requests for peer support, each with the user who referred, if any;
    /// keyed by name as arrivals look a person up.
    pub async fn referrals(&self, rows: &[(Referral, Option<String>)]) -> Result<()> {
        let rows = rows
            .iter()
            .map(|(r, referred_by)| {
                let doors: Vec<&str> = r.doors.iter().map(|d| d.as_str()).collect();
                vec![
                    r.id.clone().into(),
                    r.member_id.clone().into(),
                    r.organization_id.clone().into(),
                    doors.join(",").into(),
                    r.given_name.clone().into(),
                    r.family_name.clone().into(),
                    format!("{}|{}", name_key(&r.given_name), name_key(&r.family_name)).into(),
                    date_text(r.date_of_birth).into(),
                    r.masshealth_id.clone().into(),
                    r.phone.clone().into(),
                    r.email.clone().into(),
                    r.language.clone().into(),
                    r.support.as_str().into(),
                    r.status.as_str().into(),
                    i64::from(r.arrivals).into(),
                    r.first_arrived_at.clone().into(),
                    r.last_arrived_at.clone().into(),
                    referred_by.clone().into(),
                ]
            })
            .collect();
        self.run(
            "referrals",
            &[
                "id",
                "member_id",
                "organization_id",
                "doors",
                "given_name",
                "family_name",
                "person_key",
                "date_of_birth",
                "masshealth_id",
                "phone",
                "email",
                "language",
                "support",
                "status",
                "arrivals",
                "first_arrived_at",
                "last_arrived_at",
                "referred_by",
            ],
            rows,
        )
        .await
    }

    /// Each member's coverage by one payer, primary, from `since` and open-ended.
    pub async fn coverage(&self, rows: &[(String, String)], since: time::Date) -> Result<()> {
        let now = now_text();
        let since = date_text(since);
        let rows = rows
            .iter()
            .map(|(member, payer)| {
                vec![
                    new_id().into(),
                    member.clone().into(),
                    payer.clone().into(),
                    1i64.into(),
                    since.as_str().into(),
                    1i64.into(),
                    now.as_str().into(),
                    now.as_str().into(),
                ]
            })
            .collect();
        self.run("coverage", &["id", "member_id", "payer_id", "priority", "start_date", "version", "created_at", "updated_at"], rows).await
    }
}

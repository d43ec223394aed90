//! Peer-run groups: creating them with their weekly meetings, members
//! joining and leaving, and attendance that becomes a contact note of each
//! attendee. Every decision comes from the domain and is audited; attendance
//! is written in one transaction, all of it or none.

use crate::ids::new_id;
use accompany_domain::booking::datetime_text;
use accompany_domain::groups::{attendance_note, may_join, may_record_attendance, may_run_groups, GroupInput};
use accompany_domain::notes::{ContactNote, Modality, Setting};
use accompany_domain::policy::{Action, Decision};
use accompany_domain::privacy::{Categories, Category, Purpose};
use accompany_domain::{FieldError, Invalid};
use serde::Serialize;
use sqlx::Row;

use crate::access::Access;
use crate::{now_text, Result, StoreError};

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize)]
pub struct GroupView {
    pub id: String,
    pub title: String,
    pub description: String,
    pub language: String,
    pub modality: Modality,
    pub setting: Setting,
    pub place: String,
    pub minutes: i64,
    pub open_to: String,
    pub open_to_name: String,
    pub leaders: Vec<String>,
    /// YYYY-MM-DDTHH:MM of the next meeting, if any is still to come.
    pub next_meeting: Option<String>,
    pub meetings_left: i64,
    pub joined: bool,
    pub is_leader: bool,
    pub members: i64,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize)]
pub struct MeetingView {
    pub id: String,
    pub start: String,
    pub end: String,
    /// Members recorded as present.
    pub attended: Vec<String>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize)]
pub struct RosterEntry {
    pub member_id: String,
    pub name: String,
}

/// What a group's leaders see: the group, its meetings and who joined.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize)]
pub struct Roster {
    pub group: GroupView,
    pub meetings: Vec<MeetingView>,
    pub members: Vec<RosterEntry>,
}

const GROUP_SELECT: &str = "SELECT g.id, g.title, g.description, g.language, g.modality, g.setting, g.place, g.minutes, g.open_to, \
     o.name AS open_to_name FROM peer_groups g JOIN organizations o ON o.id = g.open_to";

impl Access {
    async fn group_view(&self, r: &sqlx::any::AnyRow) -> Result<GroupView> {
        let pool = &self.store().pool;
        let id: String = r.try_get("id")?;
        let modality: String = r.try_get("modality")?;
        let setting: String = r.try_get("setting")?;
        let now = datetime_text(self.store().now_local());
        let leaders = sqlx::query(
            "SELECT u.id, u.display_name FROM group_leaders gl JOIN users u ON u.id = gl.user_id WHERE gl.group_id = $1 ORDER BY u.display_name",
        )
        .bind(&id)
        .fetch_all(pool)
        .await?;
        let next = sqlx::query("SELECT MIN(starts_at), COUNT(*) FROM group_meetings WHERE group_id = $1 AND ends_at > $2")
            .bind(&id)
            .bind(&now)
            .fetch_one(pool)
            .await?;
        let members: i64 =
            sqlx::query("SELECT COUNT(*) FROM group_members WHERE group_id = $1 AND left_at IS NULL").bind(&id).fetch_one(pool).await?.try_get(0)?;
        let joined = match &self.actor().member_id {
            Some(m) => {
                let n: i64 = sqlx::query("SELECT COUNT(*) FROM group_members WHERE group_id = $1 AND member_id = $2 AND left_at IS NULL")
                    .bind(&id)
                    .bind(m)
                    .fetch_one(pool)
                    .await?
                    .try_get(0)?;
                n > 0
            }
            None => false,
        };
        let mut is_leader = false;
        let mut leader_names = Vec::new();
        for l in &leaders {
            is_leader |= l.try_get::<String, _>("id")? == self.actor().user_id;
            leader_names.push(l.try_get("display_name")?);
        }
        Ok(GroupView {
            modality: Modality::parse(&modality).ok_or_else(|| StoreError::Corrupt(format!("modality {modality}")))?,
            setting: Setting::parse(&setting).ok_or_else(|| StoreError::Corrupt(format!("setting {setting}")))?,
            title: r.try_get("title")?,
            description: r.try_get("description")?,
            language: r.try_get("language")?,
            place: r.try_get("place")?,
            minutes: r.try_get("minutes")?,
            open_to: r.try_get("open_to")?,
            open_to_name: r.try_get("open_to_name")?,
            leaders: leader_names,
            next_meeting: next.try_get(0)?,
            meetings_left: next.try_get(1)?,
            joined,
            is_leader,
            members,
            id,
        })
    }

    async fn group(&self, id: &str) -> Result<GroupView> {
        let row = sqlx::query(&format!("{GROUP_SELECT} WHERE g.id = $1")).bind(id).fetch_optional(&self.store().pool).await?;
        match row {
            Some(r) => self.group_view(&r).await,
            None => Err(StoreError::NotFound),
        }
    }

    /// A peer starts a group with its weekly meetings; named co-leaders run it too.
    pub async fn create_group(&self, input: &GroupInput) -> Result<GroupView> {
        let decision = may_run_groups(self.actor());
        self.audit("create", "group", None, &decision).await?;
        if let Decision::Deny(why) = decision {
            return Err(StoreError::Denied(why));
        }
        let languages: Vec<&str> = self.store().catalog().languages.iter().map(|l| l.code.as_str()).collect();
        let g = input.validate(&languages, self.store().now_local())?;
        let mut errs = Invalid::default();
        if self.store().organization_row(&g.open_to).await?.is_none() {
            errs.push(FieldError::new(
                "open_to",
                "no-such-organization",
                "no such organization; choose the plan or organization whose members may join",
            ));
        }
        let mut leaders = vec![self.actor().user_id.clone()];
        for (i, w) in g.co_leaders.iter().enumerate() {
            match self.store().worker_row(w).await?.and_then(|w| w.user_id) {
                Some(u) if !leaders.contains(&u) => leaders.push(u),
                Some(_) => {}
                None => errs.push(FieldError::new(
                    format!("co_leaders[{i}]"),
                    "no-such-peer",
                    "no peer has this id; give the worker id of a peer with an account",
                )),
            }
        }
        errs.finish()?;
        let id = new_id();
        let now = now_text();
        let mut tx = self.store().begin().await?;
        sqlx::query(
            "INSERT INTO peer_groups (id, title, description, language, modality, setting, place, minutes, open_to, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(&id)
        .bind(&g.title)
        .bind(&g.description)
        .bind(&g.language)
        .bind(g.modality.as_str())
        .bind(g.setting.as_str())
        .bind(&g.place)
        .bind(i64::from(g.minutes))
        .bind(&g.open_to)
        .bind(&self.actor().user_id)
        .bind(&now)
        .execute(&mut *tx)
        .await?;
        for u in &leaders {
            sqlx::query("INSERT INTO group_leaders (group_id, user_id) VALUES ($1, $2)").bind(&id).bind(u).execute(&mut *tx).await?;
        }
        for m in &g.meetings {
            sqlx::query("INSERT INTO group_meetings (id, group_id, starts_at, ends_at) VALUES ($1, $2, $3, $4)")
                .bind(new_id())
                .bind(&id)
                .bind(datetime_text(m.start))
                .bind(datetime_text(m.end))
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        self.group(&id).await
    }

    /// Whether a member may join groups open to `org`: enrolled in it as a
    /// plan, or served by one of its people.
    async fn in_audience(&self, member_id: &str, org: &str) -> Result<bool> {
        let n: i64 = sqlx::query(
            "SELECT COUNT(*) FROM members m WHERE m.id = $1 AND (m.plan_id = $2 OR EXISTS (SELECT 1 FROM team_members tm JOIN users u ON u.id = tm.user_id \
             WHERE tm.member_id = m.id AND tm.until IS NULL AND u.organization_id = $2))",
        )
        .bind(member_id)
        .bind(org)
        .fetch_one(&self.store().pool)
        .await?
        .try_get(0)?;
        Ok(n > 0)
    }

    /// Groups with meetings still to come: for a member, those open to them
    /// (joined or not); for a peer, those they run and those open to their
    /// organization's members.
    pub async fn groups(&self) -> Result<Vec<GroupView>> {
        let now = datetime_text(self.store().now_local());
        let rows = match &self.actor().member_id {
            Some(m) => {
                sqlx::query(&format!(
                    "{GROUP_SELECT} WHERE EXISTS (SELECT 1 FROM group_meetings gm WHERE gm.group_id = g.id AND gm.ends_at > $1) AND \
                     (EXISTS (SELECT 1 FROM members m WHERE m.id = $2 AND m.plan_id = g.open_to) OR EXISTS (SELECT 1 FROM team_members tm \
                     JOIN users u ON u.id = tm.user_id WHERE tm.member_id = $2 AND tm.until IS NULL AND u.organization_id = g.open_to)) ORDER BY g.title, g.id"
                ))
                .bind(&now)
                .bind(m)
                .fetch_all(&self.store().pool)
                .await?
            }
            None => {
                sqlx::query(&format!(
                    "{GROUP_SELECT} WHERE EXISTS (SELECT 1 FROM group_meetings gm WHERE gm.group_id = g.id AND gm.ends_at > $1) AND \
                     (g.id IN (SELECT group_id FROM group_leaders WHERE user_id = $2) OR g.open_to = $3) ORDER BY g.title, g.id LIMIT 200"
                ))
                .bind(&now)
                .bind(&self.actor().user_id)
                .bind(self.actor().organization_id.clone().unwrap_or_default())
                .fetch_all(&self.store().pool)
                .await?
            }
        };
        let mut out = Vec::new();
        for r in &rows {
            out.push(self.group_view(r).await?);
        }
        Ok(out)
    }

    /// The member joins a group open to them; its leaders are told.
    pub async fn join_group(&self, group_id: &str) -> Result<GroupView> {
        let (member_id, g) = self.membership_change(group_id, "join").await?;
        if g.joined {
            return Ok(g);
        }
        let mut tx = self.store().begin().await?;
        sqlx::query("INSERT INTO group_members (id, group_id, member_id, joined_at) VALUES ($1, $2, $3, $4)")
            .bind(new_id())
            .bind(group_id)
            .bind(&member_id)
            .bind(now_text())
            .execute(&mut *tx)
            .await?;
        let name: String = sqlx::query("SELECT given_name || ' ' || family_name FROM members WHERE id = $1")
            .bind(&member_id)
            .fetch_one(&mut *tx)
            .await?
            .try_get(0)?;
        let leaders: Vec<String> = sqlx::query("SELECT user_id FROM group_leaders WHERE group_id = $1")
            .bind(group_id)
            .fetch_all(&mut *tx)
            .await?
            .iter()
            .map(|r| r.try_get(0))
            .collect::<Result<_, _>>()?;
        // A group's title can name a condition ("Opioid recovery circle"), and
        // messages leave the app by email or text: they carry only the time.
        let when = g.next_meeting.clone().unwrap_or_default().replace('T', " ");
        for l in leaders {
            crate::notifications::tell(
                &mut tx,
                &l,
                "notice-group-joined",
                &serde_json::json!({ "name": accompany_domain::records::short_name(&name), "when": when }),
            )
            .await?;
        }
        crate::notifications::tell(&mut tx, &self.actor().user_id, "notice-you-joined", &serde_json::json!({ "when": when })).await?;
        tx.commit().await?;
        self.group(group_id).await
    }

    pub async fn leave_group(&self, group_id: &str) -> Result<GroupView> {
        let (member_id, _) = self.membership_change(group_id, "leave").await?;
        sqlx::query("UPDATE group_members SET left_at = $1 WHERE group_id = $2 AND member_id = $3 AND left_at IS NULL")
            .bind(now_text())
            .bind(group_id)
            .bind(&member_id)
            .execute(&self.store().pool)
            .await?;
        self.group(group_id).await
    }

    /// Check a member may join or leave, auditing the decision as a change
    /// to their own record.
    async fn membership_change(&self, group_id: &str, _what: &str) -> Result<(String, GroupView)> {
        let Some(member_id) = self.actor().member_id.clone() else {
            self.audit("update", "group-membership", Some(group_id), &Decision::Deny("members join groups themselves")).await?;
            return Err(StoreError::Denied("members join groups themselves"));
        };
        self.checked_member_for(&member_id, Action::Update, "group-membership", Some(group_id)).await?;
        let g = self.group(group_id).await?;
        let decision = may_join(self.actor(), self.in_audience(&member_id, &g.open_to).await?);
        self.audit_member("update", "group-membership", Some(group_id), Some(&member_id), &decision, Categories::NONE, Some(Purpose::Treatment))
            .await?;
        if let Decision::Deny(why) = decision {
            // A group open to others is not for this member: as if it did not exist.
            let _ = why;
            return Err(StoreError::NotFound);
        }
        Ok((member_id, g))
    }

    /// The leaders' view: meetings with attendance, and who joined. Each
    /// member named is an audited disclosure of their membership.
    pub async fn roster(&self, group_id: &str) -> Result<Roster> {
        let g = self.group(group_id).await?;
        let decision = if g.is_leader { Decision::Permit } else { Decision::Deny("only the peers who run this group see who joined") };
        self.audit("read", "group-roster", Some(group_id), &decision).await?;
        if let Decision::Deny(why) = decision {
            return Err(StoreError::Denied(why));
        }
        let pool = &self.store().pool;
        let rows = sqlx::query(
            "SELECT mb.member_id, m.given_name || ' ' || m.family_name AS name FROM group_members mb JOIN members m ON m.id = mb.member_id \
             WHERE mb.group_id = $1 AND mb.left_at IS NULL ORDER BY m.family_name, m.given_name, m.id",
        )
        .bind(group_id)
        .fetch_all(pool)
        .await?;
        let mut members = Vec::new();
        for r in &rows {
            let e = RosterEntry { member_id: r.try_get("member_id")?, name: r.try_get("name")? };
            self.audit_member(
                "read",
                "group-roster",
                Some(group_id),
                Some(&e.member_id),
                &Decision::Permit,
                Categories::NONE,
                Some(Purpose::Treatment),
            )
            .await?;
            members.push(e);
        }
        let meeting_rows = sqlx::query("SELECT id, starts_at, ends_at FROM group_meetings WHERE group_id = $1 ORDER BY starts_at")
            .bind(group_id)
            .fetch_all(pool)
            .await?;
        let mut meetings = Vec::new();
        for r in &meeting_rows {
            let id: String = r.try_get("id")?;
            let attended = sqlx::query("SELECT member_id FROM group_attendance WHERE meeting_id = $1 ORDER BY member_id")
                .bind(&id)
                .fetch_all(pool)
                .await?
                .iter()
                .map(|r| r.try_get(0))
                .collect::<Result<Vec<String>, _>>()?;
            meetings.push(MeetingView { id, start: r.try_get("starts_at")?, end: r.try_get("ends_at")?, attended });
        }
        Ok(Roster { group: g, meetings, members })
    }

    /// A leader records who came to a meeting that has started. Each
    /// attendee gets a contact note (their data, under their own sharing
    /// choices) linked from the attendance row; members already recorded
    /// are left as they are. All or nothing.
    pub async fn record_attendance(&self, group_id: &str, meeting_id: &str, member_ids: &[String]) -> Result<Vec<ContactNote>> {
        let g = self.group(group_id).await?;
        let pool = &self.store().pool;
        let meeting = sqlx::query("SELECT starts_at, ends_at FROM group_meetings WHERE id = $1 AND group_id = $2")
            .bind(meeting_id)
            .bind(group_id)
            .fetch_optional(pool)
            .await?;
        let Some(meeting) = meeting else {
            return Err(Invalid::one("meeting_id", "no-such-meeting", "choose one of this group's meetings").into());
        };
        let (start, end): (String, String) = (meeting.try_get(0)?, meeting.try_get(1)?);
        let span = match (accompany_domain::booking::parse_datetime(&start), accompany_domain::booking::parse_datetime(&end)) {
            (Some(s), Some(e)) => accompany_domain::booking::Span { start: s, end: e },
            _ => return Err(StoreError::Corrupt(format!("meeting {meeting_id}"))),
        };
        if span.start > self.store().now_local() {
            return Err(Invalid::one("meeting_id", "meeting-future", "this meeting has not started yet; record attendance once it has").into());
        }
        if member_ids.is_empty() {
            return Err(Invalid::one("member_ids", "required", "tick at least one member who came").into());
        }
        let mut notes = Vec::new();
        for member_id in member_ids {
            let joined: i64 = sqlx::query("SELECT COUNT(*) FROM group_members WHERE group_id = $1 AND member_id = $2")
                .bind(group_id)
                .bind(member_id)
                .fetch_one(pool)
                .await?
                .try_get(0)?;
            let decision = may_record_attendance(self.actor(), g.is_leader, joined > 0);
            let id = new_id();
            self.audit_member(
                "create",
                "contact-note",
                Some(&id),
                Some(member_id),
                &decision,
                Categories::of(&[Category::PeerNotes]),
                Some(Purpose::Treatment),
            )
            .await?;
            if let Decision::Deny(why) = decision {
                return Err(if g.is_leader {
                    Invalid::one("member_ids", "not-in-group", "attendance is recorded for members who joined the group").into()
                } else {
                    StoreError::Denied(why)
                });
            }
            notes.push(ContactNote {
                id,
                member_id: member_id.clone(),
                author_id: self.actor().user_id.clone(),
                author_name: self.actor().username.clone(),
                date: span.start.date(),
                start_time: Some(span.start.time()),
                duration_minutes: span.minutes().clamp(1, i64::from(accompany_domain::notes::MAX_CONTACT_MINUTES)) as u32,
                modality: g.modality,
                setting: g.setting,
                note: attendance_note(&g.title, &span),
                version: 1,
            });
        }
        let role_id = self.own_role().await?;
        let mut tx = self.store().begin().await?;
        let mut written = Vec::new();
        for n in notes {
            let already: i64 = sqlx::query("SELECT COUNT(*) FROM group_attendance WHERE meeting_id = $1 AND member_id = $2")
                .bind(meeting_id)
                .bind(&n.member_id)
                .fetch_one(&mut *tx)
                .await?
                .try_get(0)?;
            if already > 0 {
                continue;
            }
            crate::privacy::insert_contact_note(&mut tx, &n, role_id.as_deref(), "group attendance").await?;
            sqlx::query(
                "INSERT INTO group_attendance (id, meeting_id, member_id, contact_note_id, recorded_by, recorded_at) VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(new_id())
            .bind(meeting_id)
            .bind(&n.member_id)
            .bind(&n.id)
            .bind(&self.actor().user_id)
            .bind(now_text())
            .execute(&mut *tx)
            .await?;
            written.push(n);
        }
        tx.commit().await?;
        Ok(written)
    }
}

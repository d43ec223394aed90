//! Bulk loads of matching data, for synthetic data.
//!
//! May import: `bulk` and `rows`.

use crate::ids::new_id;
use accompany_domain::matching::Preferences;

use super::WorkerMatching;
use crate::bulk::Val;
use crate::rows::to_json;
use crate::{now_text, Result};

/// Bulk loading of matching data for `seed`.
impl crate::Import<'_> {
    /// (member id, preferences) rows.
    pub async fn preferences(&self, rows: &[(String, Preferences)]) -> Result<()> {
        let now = now_text();
        let rows = rows.iter().map(|(id, p)| vec![Val::from(id.clone()), Val::from(to_json(p)), Val::from(1i64), Val::from(now.clone())]).collect();
        self.run("member_preferences", &["member_id", "data", "version", "updated_at"], rows).await
    }

    /// (worker id, facts) rows.
    pub async fn worker_matching(&self, rows: &[(String, WorkerMatching)]) -> Result<()> {
        let now = now_text();
        let rows = rows.iter().map(|(id, m)| vec![Val::from(id.clone()), Val::from(to_json(m)), Val::from(1i64), Val::from(now.clone())]).collect();
        self.run("worker_matching", &["worker_id", "data", "version", "updated_at"], rows).await
    }

    /// Open times without a peer: (member id, reason, started at).
    pub async fn peer_gaps(&self, rows: &[(String, String, String, Option<String>)]) -> Result<()> {
        let rows = rows
            .iter()
            .map(|(m, reason, at, ended)| {
                vec![Val::from(new_id()), Val::from(m.clone()), Val::from(reason.clone()), Val::from(at.clone()), Val::from(ended.clone())]
            })
            .collect();
        self.run("peer_gaps", &["id", "member_id", "reason", "started_at", "ended_at"], rows).await
    }
}

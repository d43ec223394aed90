//! The outbox worker: delivers messages in each reader's language.

use std::sync::Arc;
use std::time::Duration;

use accompany_store::{OutboxMessage, Sender, Store};

use crate::i18n::Tr;

/// A message in its reader's language: (subject, body).
pub fn render_message(m: &OutboxMessage) -> (String, String) {
    let t = Tr::new(&m.lang);
    let args: Vec<(&str, String)> = m.args.iter().map(|(k, v)| (k.as_str(), v.as_str().map_or_else(|| v.to_string(), str::to_string))).collect();
    (t.t("outbox-subject"), t.tn(&m.text_key, &args))
}

/// Deliver due messages every few seconds until the process ends.
pub fn spawn_outbox_worker(store: Store, sender: Arc<dyn Sender>, every: Duration) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            match store.deliver_due(sender.as_ref(), &render_message, 100).await {
                Ok(r) if r.delivered + r.retried + r.failed > 0 => {
                    tracing::info!(target: "accompany::outbox", delivered = r.delivered, retried = r.retried, failed = r.failed, "outbox pass")
                }
                Ok(_) => {}
                Err(e) => {
                    tracing::warn!(target: "accompany::outbox", error = %e, "outbox pass failed")
                }
            }
            tokio::time::sleep(every).await;
        }
    })
}

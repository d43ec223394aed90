//! Availability, booking, groups, the calendar feed and the outbox, through
//! the API and the store, on SQLite or PostgreSQL.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use accompany_domain::booking::{datetime_text, Channel};
use accompany_domain::records::Persona;
use accompany_store::{OutboxMessage, Outgoing, SendError, SendFuture, Sender};
use icalendar::{Component, EventLike};
use reqwest::Method;
use serde_json::{json, Value};

use crate::support::TestApp;

struct Setup {
    app: TestApp,
    member_token: String,
    peer_token: String,
    member_id: String,
    worker_id: String,
}

/// A seeded app where the demo peer publishes every day from 08:00 to 22:00 by video.
async fn setup() -> Setup {
    let app = TestApp::seeded(200).await;
    let client = app.client();
    let (member_token, _) = app.api_login(&client, Persona::Member).await;
    let (peer_token, _) = app.api_login(&client, Persona::PeerWorker).await;
    let member = app.store.user_by_username(&app.credential(Persona::Member).username).await.unwrap().unwrap();
    let peer = app.store.user_by_username(&app.credential(Persona::PeerWorker).username).await.unwrap().unwrap();
    let worker_id = app.store.access(peer.actor(), "test").own_worker_id().await.unwrap().expect("the demo peer is a worker");
    let windows: Vec<Value> = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
        .iter()
        .map(|d| json!({ "weekday": d, "start": "08:00", "end": "22:00", "modality": "video" }))
        .collect();
    let (status, body) =
        app.send(Method::PUT, &peer_token, &format!("/api/v1/workers/{worker_id}/availability"), &json!({ "windows": windows, "version": 0 })).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["times"], json!(["daytime", "evening", "weekend"]), "matching's coarse times follow the week");
    Setup { app, member_token, peer_token, member_id: member.member_id.unwrap(), worker_id }
}

/// Wall-clock text of `days` from now at `hour`:`minute`.
fn at(days: i64, hour: u8, minute: u8) -> String {
    let d = accompany_store::local_now("America/New_York").date() + time::Duration::days(days);
    datetime_text(time::PrimitiveDateTime::new(d, time::Time::from_hms(hour, minute, 0).unwrap()))
}

async fn book(s: &Setup, token: &str, start: &str, minutes: u32) -> (u16, Value) {
    s.app
        .send(
            Method::POST,
            token,
            &format!("/api/v1/members/{}/sessions", s.member_id),
            &json!({ "worker_id": s.worker_id, "start": start, "minutes": minutes }),
        )
        .await
}

fn codes(body: &Value) -> Vec<String> {
    body["errors"].as_array().into_iter().flatten().map(|e| e["code"].as_str().unwrap_or_default().to_string()).collect()
}

#[tokio::test]
async fn a_ninety_minute_session_is_booked_and_overlaps_are_refused_even_when_racing() {
    let s = setup().await;
    let start = at(3, 18, 0);
    let (status, session) = book(&s, &s.member_token, &start, 90).await;
    assert_eq!(status, 201, "{session}");
    assert_eq!(session["minutes"], 90);
    assert_eq!(session["end"], at(3, 19, 30));
    assert_eq!(session["modality"], "video");

    // Overlapping the peer's session: refused with the field and the fix, nothing written.
    let (status, body) = book(&s, &s.member_token, &at(3, 19, 0), 60).await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(codes(&body), vec!["worker-busy"]);
    assert_eq!(s.app.count("peer_sessions").await, 1);
    // Back to back is fine; outside the published hours is not.
    let (status, _) = book(&s, &s.member_token, &at(3, 19, 30), 30).await;
    assert_eq!(status, 201);
    let (status, body) = book(&s, &s.member_token, &at(3, 21, 30), 60).await;
    assert_eq!((status, codes(&body)), (409, vec!["outside-availability".to_string()]));
    let (status, body) = book(&s, &s.member_token, &at(-1, 18, 0), 60).await;
    assert_eq!((status, codes(&body)), (422, vec!["in-past".to_string()]));

    // Two bookings for the same time at once: exactly one lands.
    let racing = at(4, 10, 0);
    let (a, b) = tokio::join!(book(&s, &s.member_token, &racing, 60), book(&s, &s.peer_token, &racing, 60));
    let mut statuses = [a.0, b.0];
    statuses.sort();
    assert_eq!(statuses, [201, 409], "{a:?} {b:?}");
    assert_eq!(s.app.count("peer_sessions").await, 3);

    // Move the first session, then cancel it; its time becomes free again.
    let id = session["id"].as_str().unwrap();
    let (status, moved) = s
        .app
        .send(
            Method::POST,
            &s.member_token,
            &format!("/api/v1/sessions/{id}/reschedule"),
            &json!({ "start": at(5, 12, 0), "minutes": 120, "version": 1 }),
        )
        .await;
    assert_eq!(status, 200, "{moved}");
    assert_eq!((moved["start"].as_str(), moved["minutes"].as_i64()), (Some(at(5, 12, 0).as_str()), Some(120)));
    let (status, stale) = s
        .app
        .send(
            Method::POST,
            &s.member_token,
            &format!("/api/v1/sessions/{id}/reschedule"),
            &json!({ "start": at(5, 15, 0), "minutes": 60, "version": 1 }),
        )
        .await;
    assert_eq!(status, 409, "{stale}");
    let (status, cancelled) =
        s.app.send(Method::POST, &s.peer_token, &format!("/api/v1/sessions/{id}/cancel"), &json!({ "version": moved["version"] })).await;
    assert_eq!((status, cancelled["status"].as_str()), (200, Some("cancelled")));
    let (status, _) = book(&s, &s.member_token, &at(5, 12, 0), 60).await;
    assert_eq!(status, 201, "a cancelled session frees its time");

    // Free slots leave out the booked times.
    let (status, slots) =
        s.app.get(&s.member_token, &format!("/api/v1/members/{}/slots?worker_id={}&minutes=90&days=7", s.member_id, s.worker_id)).await;
    assert_eq!(status, 200, "{slots}");
    let starts: Vec<&str> = slots["slots"].as_array().unwrap().iter().filter_map(|x| x["start"].as_str()).collect();
    // Day 3 holds 19:30-20:00, day 5 12:00-13:00.
    for busy in [at(3, 18, 30), at(3, 19, 0), at(3, 19, 30), at(5, 11, 0), at(5, 11, 30), at(5, 12, 0), at(5, 12, 30)] {
        assert!(!starts.contains(&busy.as_str()), "{busy} overlaps a booked session and is not offered");
    }
    for free in [at(3, 18, 0), at(3, 20, 0), at(5, 10, 30), at(5, 13, 0)] {
        assert!(starts.contains(&free.as_str()), "{free} is free and offered");
    }

    // The peer and the member each see the sessions; the peer was told in the app.
    let (_, mine) = s.app.get(&s.peer_token, "/api/v1/sessions").await;
    assert_eq!(mine["sessions"].as_array().unwrap().len(), 4);
    let (_, notes) = s.app.get(&s.peer_token, "/api/v1/notifications").await;
    assert!(notes["notifications"].as_array().unwrap().iter().any(|n| n["text_key"] == "notice-session-booked"), "{notes}");
}

#[tokio::test]
async fn bookings_others_may_not_make_are_refused_and_audited() {
    let s = setup().await;
    let client = s.app.client();
    let (coordinator, _) = s.app.api_login(&client, Persona::CareCoordinator).await;
    let (status, body) = book(&s, &coordinator, &at(3, 18, 0), 60).await;
    assert_eq!(status, 403, "{body}");
    // A worker who is not on the member's team.
    let other = s.app.store.user_by_username("worker5").await.unwrap();
    let other_worker = match other {
        Some(u) => s.app.store.access(u.actor(), "t").own_worker_id().await.unwrap().unwrap(),
        None => "no-such-worker".into(),
    };
    let (status, body) = s
        .app
        .send(
            Method::POST,
            &s.member_token,
            &format!("/api/v1/members/{}/sessions", s.member_id),
            &json!({ "worker_id": other_worker, "start": at(3, 18, 0), "minutes": 60 }),
        )
        .await;
    assert_eq!((status, codes(&body)), (409, vec!["not-your-peer".to_string()]), "{body}");
    // The peer may not set another worker's hours.
    let (status, _) =
        s.app.send(Method::PUT, &s.peer_token, &format!("/api/v1/workers/{other_worker}/availability"), &json!({ "windows": [] })).await;
    assert!(status == 403 || status == 404, "{status}");
    assert_eq!(s.app.count("peer_sessions").await, 0);
    let denied: i64 = {
        let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(&s.app.db.url).await.unwrap();
        sqlx::query_as::<_, (i64,)>("SELECT COUNT(*) FROM audit_events WHERE entity = 'session' AND decision = 'deny'")
            .fetch_one(&mut conn)
            .await
            .unwrap()
            .0
    };
    assert!(denied >= 1, "the refused booking is in the audit trail");
    // Bad windows: end before start names the field, and nothing changes.
    let (status, body) = s
        .app
        .send(
            Method::PUT,
            &s.peer_token,
            &format!("/api/v1/workers/{}/availability", s.worker_id),
            &json!({ "windows": [{ "weekday": "monday", "start": "21:00", "end": "18:00", "modality": "video" }] }),
        )
        .await;
    assert_eq!(status, 422);
    assert_eq!(body["errors"][0]["field"], "windows[0].end");
    let (_, a) = s.app.get(&s.member_token, &format!("/api/v1/workers/{}/availability", s.worker_id)).await;
    assert_eq!(a["windows"].as_array().unwrap().len(), 7, "the week is unchanged");
}

async fn create_group(s: &Setup, first_date: &str, title: &str) -> (u16, Value) {
    let peer = s.app.store.user_by_username(&s.app.credential(Persona::PeerWorker).username).await.unwrap().unwrap();
    s.app
        .send(
            Method::POST,
            &s.peer_token,
            "/api/v1/groups",
            &json!({ "title": title, "language": "en", "modality": "video", "setting": "virtual", "place": "Video link sent on joining",
                     "first_date": first_date, "start": "19:00", "end": "20:30", "weeks": 4, "open_to": peer.organization_id.unwrap() }),
        )
        .await
}

#[tokio::test]
async fn a_group_in_the_past_is_refused_and_attendance_becomes_each_members_contact() {
    let s = setup().await;
    let yesterday = accompany_domain::records::format_date(accompany_store::local_now("America/New_York").date() - time::Duration::days(1));
    let (status, body) = create_group(&s, &yesterday, "Past group").await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(codes(&body), vec!["in-past"]);
    assert_eq!(body["errors"][0]["field"], "first_date");
    assert_eq!(s.app.count("peer_groups").await, 0);
    assert_eq!(s.app.count("group_meetings").await, 0);

    let tomorrow = accompany_domain::records::format_date(accompany_store::local_now("America/New_York").date() + time::Duration::days(1));
    let (status, group) = create_group(&s, &tomorrow, "Tuesday evening video group").await;
    assert_eq!(status, 201, "{group}");
    let gid = group["id"].as_str().unwrap().to_string();
    assert_eq!(group["meetings_left"], 4);

    // The member sees it and joins; the peer's roster names them.
    let (_, groups) = s.app.get(&s.member_token, "/api/v1/groups").await;
    assert!(groups["groups"].as_array().unwrap().iter().any(|g| g["id"] == gid.as_str()), "{groups}");
    let (status, joined) = s.app.send(Method::POST, &s.member_token, &format!("/api/v1/groups/{gid}/join"), &json!({})).await;
    assert_eq!((status, joined["joined"].as_bool()), (200, Some(true)), "{joined}");
    let (status, roster) = s.app.get(&s.peer_token, &format!("/api/v1/groups/{gid}/roster")).await;
    assert_eq!(status, 200, "{roster}");
    assert_eq!(roster["members"][0]["member_id"], s.member_id.as_str());

    // Attendance of a meeting still to come is refused.
    let first = roster["meetings"][0]["id"].as_str().unwrap().to_string();
    let body = json!({ "meeting_id": first, "member_ids": [s.member_id] });
    let (status, refused) = s.app.send(Method::POST, &s.peer_token, &format!("/api/v1/groups/{gid}/attendance"), &body).await;
    assert_eq!((status, codes(&refused)), (422, vec!["meeting-future".to_string()]));
    // Once it has taken place, the peer records it, and it is the member's contact.
    let day = (accompany::seed::today() - time::Duration::days(3)).to_string();
    s.app.exec(&format!("UPDATE group_meetings SET starts_at = '{day}T19:00', ends_at = '{day}T20:30' WHERE id = '{first}'")).await;
    let (status, recorded) = s.app.send(Method::POST, &s.peer_token, &format!("/api/v1/groups/{gid}/attendance"), &body).await;
    assert_eq!(status, 201, "{recorded}");
    let note_id = recorded["contact_notes"][0]["id"].as_str().unwrap().to_string();
    let (status, notes) = s.app.get(&s.member_token, &format!("/api/v1/members/{}/contacts", s.member_id)).await;
    assert_eq!(status, 200, "{notes}");
    let note = notes["contacts"].as_array().and_then(|n| n.iter().find(|n| n["id"] == note_id.as_str()).cloned());
    let note = note.unwrap_or_else(|| panic!("the attendance is among the member's contacts: {notes}"));
    assert_eq!((note["duration_minutes"].as_i64(), note["modality"].as_str(), note["setting"].as_str()), (Some(90), Some("video"), Some("virtual")));
    assert_eq!(note["date"], day.as_str());
    // Priced as a group: under DPH/BSAS's unit rate the group modifier is on the line.
    let (admin, _) = s.app.api_login(&s.app.client(), Persona::StateAdmin).await;
    let (_, held) = s.app.get(&admin, &format!("/api/v1/members/{}/coverage", s.member_id)).await;
    for c in held["coverage"].as_array().unwrap() {
        let end = json!({ "end": (accompany::seed::today() - time::Duration::days(31)).to_string() });
        let (status, e) =
            s.app.send(Method::POST, &admin, &format!("/api/v1/members/{}/coverage/{}/end", s.member_id, c["id"].as_str().unwrap()), &end).await;
        assert_eq!(status, 200, "{e}");
    }
    let bsas = json!({ "payer_id": "bsas", "priority": 1, "start": (accompany::seed::today() - time::Duration::days(30)).to_string() });
    let (status, c) = s.app.send(Method::POST, &admin, &format!("/api/v1/members/{}/coverage", s.member_id), &bsas).await;
    assert_eq!(status, 201, "{c}");
    let (_, notes) = s.app.get(&s.member_token, &format!("/api/v1/members/{}/contacts", s.member_id)).await;
    let pricing = notes["contacts"].as_array().unwrap().iter().find(|n| n["id"] == note_id.as_str()).unwrap()["pricing"].clone();
    assert_eq!((pricing["status"].as_str(), pricing["payer"].as_str()), (Some("billable"), Some("bsas")), "{pricing}");
    assert_eq!(pricing["modifiers"], json!(["HF", "HQ"]), "{pricing}");
    let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(&s.app.db.url).await.unwrap();
    let linked: (String,) =
        sqlx::query_as("SELECT contact_note_id FROM group_attendance WHERE member_id = $1").bind(&s.member_id).fetch_one(&mut conn).await.unwrap();
    assert_eq!(linked.0, note_id);
    // Recording again changes nothing.
    let (status, again) = s.app.send(Method::POST, &s.peer_token, &format!("/api/v1/groups/{gid}/attendance"), &body).await;
    assert_eq!((status, again["contact_notes"].as_array().map(Vec::len)), (201, Some(0)));
    assert_eq!(s.app.count("group_attendance").await, 1);

    // Refusals: the member cannot record attendance, staff cannot join, a coordinator cannot read the roster.
    let (status, _) = s.app.send(Method::POST, &s.member_token, &format!("/api/v1/groups/{gid}/attendance"), &body).await;
    assert_eq!(status, 403);
    let (status, _) = s.app.send(Method::POST, &s.peer_token, &format!("/api/v1/groups/{gid}/join"), &json!({})).await;
    assert_eq!(status, 403);
    let (coordinator, _) = s.app.api_login(&s.app.client(), Persona::CareCoordinator).await;
    let (status, _) = s.app.get(&coordinator, &format!("/api/v1/groups/{gid}/roster")).await;
    assert_eq!(status, 403);
    let (status, _) = s.app.send(Method::POST, &coordinator, "/api/v1/groups", &json!({ "title": "x", "language": "en", "modality": "video", "setting": "virtual", "first_date": tomorrow, "start": "19:00", "end": "20:00", "weeks": 1, "open_to": "x" })).await;
    assert_eq!(status, 403);
    // Leaving keeps the attendance already recorded.
    let (status, left) = s.app.send(Method::POST, &s.member_token, &format!("/api/v1/groups/{gid}/leave"), &json!({})).await;
    assert_eq!((status, left["joined"].as_bool()), (200, Some(false)));
    assert_eq!(s.app.count("group_attendance").await, 1);
}

#[tokio::test]
async fn the_calendar_feed_is_icalendar_with_sessions_and_weekly_groups() {
    let s = setup().await;
    let (status, _) = book(&s, &s.member_token, &at(3, 18, 0), 90).await;
    assert_eq!(status, 201);
    let tomorrow = accompany_domain::records::format_date(accompany_store::local_now("America/New_York").date() + time::Duration::days(1));
    let (_, group) = create_group(&s, &tomorrow, "Evening video group").await;
    let gid = group["id"].as_str().unwrap();
    s.app.send(Method::POST, &s.member_token, &format!("/api/v1/groups/{gid}/join"), &json!({})).await;

    for (token, with) in [(&s.member_token, "Session with "), (&s.peer_token, "Session with ")] {
        let (status, feed) = s.app.send(Method::POST, token, "/api/v1/me/calendar-feed", &json!({})).await;
        assert_eq!(status, 201);
        let path = feed["path"].as_str().unwrap();
        // A calendar app fetches it without signing in: the secret is the key.
        let r = reqwest::get(s.app.url(path)).await.unwrap();
        assert_eq!(r.status(), 200);
        assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/calendar"));
        let text = r.text().await.unwrap();
        let cal: icalendar::Calendar = text.parse().unwrap_or_else(|e| panic!("{e}\n{text}"));
        let events: Vec<&icalendar::Event> = cal.events().collect();
        assert_eq!(events.len(), 2, "{text}");
        let session = events.iter().find(|e| e.get_summary().is_some_and(|x| x.starts_with(with))).expect("the session");
        assert!(session.get_start().is_some() && session.get_end().is_some());
        assert!(text.contains(&format!("DTSTART:{}00", at(3, 18, 0).replace(['-', ':'], ""))), "{text}");
        assert!(text.contains(&format!("DTEND:{}00", at(3, 19, 30).replace(['-', ':'], ""))), "{text}");
        // Feeds are synced to other services: a neutral title, initials for family names.
        assert!(!text.contains("Peer session") && !text.contains("Evening video group"), "{text}");
        let named = session.get_summary().unwrap().trim_start_matches("Session with ").to_string();
        assert!(named.ends_with('.') && named.split_whitespace().count() == 2, "a first name and an initial: {named}");
        let weekly = events.iter().find(|e| e.get_summary() == Some("Group meeting")).expect("the group");
        assert_eq!(weekly.property_value("RRULE"), Some("FREQ=WEEKLY;INTERVAL=1;COUNT=4"));
        assert_eq!(weekly.get_location(), Some("Video link sent on joining"));
        // A new link retires the old one.
        s.app.send(Method::POST, token, "/api/v1/me/calendar-feed", &json!({})).await;
        assert_eq!(reqwest::get(s.app.url(path)).await.unwrap().status(), 404);
    }
    // Notices may leave by email or text: joining the group told the member
    // and its leader, and neither notice names the group.
    let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(&s.app.db.url).await.unwrap();
    let joined: Vec<(String, String)> =
        sqlx::query_as("SELECT text_key, args FROM notifications WHERE text_key IN ('notice-group-joined', 'notice-you-joined')")
            .fetch_all(&mut conn)
            .await
            .unwrap();
    assert_eq!(joined.len(), 2, "{joined:?}");
    assert!(joined.iter().all(|(_, args)| !args.contains("Evening video group")), "{joined:?}");
}

/// A sender that fails the first `fail` messages it sees, then delivers.
struct FlakySender {
    fail: usize,
    seen: AtomicUsize,
    delivered: std::sync::Mutex<Vec<Outgoing>>,
}

impl Sender for FlakySender {
    fn send<'a>(&'a self, m: &'a Outgoing) -> SendFuture<'a> {
        Box::pin(async move {
            if self.seen.fetch_add(1, Ordering::SeqCst) < self.fail {
                return Err(SendError::Temporary("server busy".into()));
            }
            if m.address.contains("bounce") {
                return Err(SendError::Permanent("no such mailbox".into()));
            }
            self.delivered.lock().unwrap().push(m.clone());
            Ok(())
        })
    }
}

#[tokio::test]
async fn the_outbox_delivers_in_the_readers_language_with_retries_and_shows_status_to_admins() {
    let s = setup().await;
    // A bad address is refused and nothing is stored.
    let (status, body) =
        s.app.send(Method::PUT, &s.member_token, "/api/v1/me/reach", &json!({ "channel": "email", "email": "not an address" })).await;
    assert_eq!((status, body["errors"][0]["field"].as_str()), (422, Some("email")));
    assert_eq!(s.app.count("reach_preferences").await, 0);
    let (status, _) = s
        .app
        .send(Method::PUT, &s.member_token, "/api/v1/me/reach", &json!({ "channel": "email", "email": "member@example.org", "version": 0 }))
        .await;
    assert_eq!(status, 200);
    let (status, reach) =
        s.app.send(Method::PUT, &s.peer_token, "/api/v1/me/reach", &json!({ "channel": "text", "phone": "(617) 555-0100", "version": 0 })).await;
    assert_eq!((status, reach["phone"].as_str()), (200, Some("16175550100")));
    s.app.exec("UPDATE users SET locale = 'es' WHERE persona = 'member'").await;

    let (status, _) = book(&s, &s.member_token, &at(3, 18, 0), 90).await;
    assert_eq!(status, 201);
    let pending = s.app.store.outbox_messages(Some("pending"), 10).await.unwrap();
    assert_eq!(pending.len(), 2, "one for the member by email, one for the peer by text");

    let sender = Arc::new(FlakySender { fail: 1, seen: AtomicUsize::new(0), delivered: Default::default() });
    let render = |m: &OutboxMessage| accompany_web::render_message(m);
    let first = s.app.store.deliver_due(sender.as_ref(), &render, 10).await.unwrap();
    assert_eq!((first.delivered, first.retried, first.failed), (1, 1, 0));
    // The retry waits its backoff: nothing is due right away.
    let idle = s.app.store.deliver_due(sender.as_ref(), &render, 10).await.unwrap();
    assert_eq!(idle.delivered + idle.retried, 0);
    s.app.exec("UPDATE outbox SET next_attempt_at = '2000-01-01T00:00:00.000000Z' WHERE status = 'pending'").await;
    let second = s.app.store.deliver_due(sender.as_ref(), &render, 10).await.unwrap();
    assert_eq!(second.delivered, 1);
    let delivered = sender.delivered.lock().unwrap().clone();
    let email = delivered.iter().find(|m| m.channel == Channel::Email).expect("the member's email");
    assert_eq!(email.address, "member@example.org");
    assert!(email.body.starts_with("Sesión con ") && email.body.contains("90 minutos"), "in Spanish: {}", email.body);
    let text = delivered.iter().find(|m| m.channel == Channel::Text).expect("the peer's text");
    assert!(text.body.starts_with("Session with "), "{}", text.body);

    // A permanent failure is marked failed at once.
    s.app.send(Method::PUT, &s.member_token, "/api/v1/me/reach", &json!({ "channel": "email", "email": "bounce@example.org", "version": 1 })).await;
    book(&s, &s.member_token, &at(4, 18, 0), 60).await;
    let third = s.app.store.deliver_due(sender.as_ref(), &render, 10).await.unwrap();
    assert_eq!(third.failed, 1);

    let (coordinator_status, _) = s.app.get(&s.member_token, "/api/v1/outbox").await;
    assert_eq!(coordinator_status, 403);
    let (admin, _) = s.app.api_login(&s.app.client(), Persona::StateAdmin).await;
    let (_, held) = s.app.get(&admin, &format!("/api/v1/members/{}/coverage", s.member_id)).await;
    for c in held["coverage"].as_array().unwrap() {
        let end = json!({ "end": (accompany::seed::today() - time::Duration::days(31)).to_string() });
        let (status, e) =
            s.app.send(Method::POST, &admin, &format!("/api/v1/members/{}/coverage/{}/end", s.member_id, c["id"].as_str().unwrap()), &end).await;
        assert_eq!(status, 200, "{e}");
    }
    let (status, outbox) = s.app.get(&admin, "/api/v1/outbox").await;
    assert_eq!(status, 200);
    let statuses: Vec<&str> = outbox["messages"].as_array().unwrap().iter().filter_map(|m| m["status"].as_str()).collect();
    assert!(statuses.contains(&"delivered") && statuses.contains(&"failed"), "{statuses:?}");
    let failed = outbox["messages"].as_array().unwrap().iter().find(|m| m["status"] == "failed").unwrap();
    assert!(failed["last_error"].as_str().unwrap().contains("no such mailbox"));
}

#[tokio::test]
async fn the_booking_pages_answer_for_members_and_peers() {
    let s = setup().await;
    for (persona, paths) in [
        (Persona::Member, &["/sessions", "/sessions/book?minutes=90", "/groups", "/reach"][..]),
        (Persona::PeerWorker, &["/sessions", "/availability", "/groups", "/groups/new", "/reach"][..]),
    ] {
        let client = s.app.client();
        s.app.page_login(&client, persona).await;
        for p in paths {
            let r = client.get(s.app.url(p)).send().await.unwrap();
            assert_eq!(r.status(), 200, "{p} as {persona:?}");
            let html = r.text().await.unwrap();
            assert!(html.contains("<h1>"), "{p}");
            if *p == "/sessions/book?minutes=90" {
                assert!(html.contains("name=\"start\""), "free times are offered: {p}");
            }
        }
    }
}

/// One update tried four ways: with no version (428), with a stale
/// `If-Match` (412) and a stale body `version` (409), each refused as
/// problem+json; then from the version that was read, which lands (200) and
/// answers with the next version as its `ETag`. The last step succeeding
/// also shows the refused ones wrote nothing.
async fn guarded(app: &TestApp, token: &str, method: Method, path: &str, body: Value, read: i64) -> Value {
    let http = reqwest::Client::new();
    let send = |if_match: Option<i64>, body: Value| {
        let mut r = http.request(method.clone(), app.url(path)).bearer_auth(token).json(&body);
        if let Some(v) = if_match {
            r = r.header("if-match", format!("\"{v}\""));
        }
        r.send()
    };
    let mut stale_body = body.clone();
    stale_body["version"] = json!(read + 7);
    for (if_match, body, expected) in [(None, body.clone(), 428), (Some(read + 7), body.clone(), 412), (None, stale_body, 409)] {
        let r = send(if_match, body).await.unwrap();
        assert_eq!(r.status(), expected, "{method} {path}");
        assert_eq!(r.headers()["content-type"], "application/problem+json");
    }
    let r = send(Some(read), body).await.unwrap();
    assert_eq!(r.status(), 200, "{method} {path}");
    assert_eq!(r.headers()["etag"].to_str().unwrap(), format!("\"{}\"", read + 1));
    r.json().await.unwrap()
}

/// Contacts, goals, preferences, a peer's week and how they meet members,
/// and sessions are changed only from the version that was read, like
/// member, worker and organization records.
#[tokio::test]
async fn contacts_goals_preferences_hours_and_sessions_need_the_version_that_was_read() {
    let s = setup().await;
    let http = reqwest::Client::new();
    let etag = |path: String, token: String| {
        let r = http.get(s.app.url(&path)).bearer_auth(token).send();
        async move { r.await.unwrap().headers()["etag"].to_str().unwrap().to_string() }
    };
    // A recovery goal, written by the member.
    let goals = format!("/api/v1/members/{}/recovery-goals", s.member_id);
    let (status, goal) = s.app.send(Method::POST, &s.member_token, &goals, &json!({ "goal": "Walk every morning" })).await;
    assert_eq!(status, 201, "{goal}");
    let goal_path = format!("{goals}/{}", goal["id"].as_str().unwrap());
    guarded(&s.app, &s.member_token, Method::PUT, &goal_path, json!({ "goal": "Walk every morning with a friend" }), 1).await;

    // A contact, logged and then corrected by the member's peer.
    let contacts = format!("/api/v1/members/{}/contacts", s.member_id);
    let today = accompany_domain::records::format_date(accompany_store::local_now("America/New_York").date());
    let contact = json!({ "date": today, "duration_minutes": 30, "modality": "phone", "setting": "home", "note": "checked in" });
    let (status, logged) = s.app.send(Method::POST, &s.peer_token, &contacts, &contact).await;
    assert_eq!(status, 201, "{logged}");
    let contact_path = format!("{contacts}/{}", logged["id"].as_str().unwrap());
    assert_eq!(etag(contact_path.clone(), s.peer_token.clone()).await, "\"1\"");
    let mut longer = contact.clone();
    longer["duration_minutes"] = json!(45);
    longer["reason"] = json!("it ran longer");
    let corrected = guarded(&s.app, &s.peer_token, Method::PUT, &contact_path, longer, 1).await;
    assert_eq!(corrected["duration_minutes"], 45);

    // What the member wants of a peer, read with its version first.
    let prefs = format!("/api/v1/members/{}/preferences", s.member_id);
    let read = etag(prefs.clone(), s.member_token.clone()).await;
    let read: i64 = read.trim_matches('"').parse().unwrap();
    let wishes = json!({ "support": "both", "languages": ["en"], "interpreter_ok": true });
    let saved = guarded(&s.app, &s.member_token, Method::PUT, &prefs, wishes, read).await;
    assert_eq!(saved["version"], read + 1);

    // How the member wants to be reached: never saved, so at version 0.
    let reach: i64 = etag("/api/v1/me/reach".into(), s.member_token.clone()).await.trim_matches('"').parse().unwrap();
    assert_eq!(reach, 0);
    let by_email = json!({ "channel": "email", "email": "member@example.org" });
    let saved = guarded(&s.app, &s.member_token, Method::PUT, "/api/v1/me/reach", by_email, reach).await;
    assert_eq!(saved["channel"], "email");

    // How the peer meets members, kept by an admin.
    let (admin, _) = s.app.api_login(&s.app.client(), Persona::StateAdmin).await;
    let (_, held) = s.app.get(&admin, &format!("/api/v1/members/{}/coverage", s.member_id)).await;
    for c in held["coverage"].as_array().unwrap() {
        let end = json!({ "end": (accompany::seed::today() - time::Duration::days(31)).to_string() });
        let (status, e) =
            s.app.send(Method::POST, &admin, &format!("/api/v1/members/{}/coverage/{}/end", s.member_id, c["id"].as_str().unwrap()), &end).await;
        assert_eq!(status, 200, "{e}");
    }
    let matching = format!("/api/v1/workers/{}/matching", s.worker_id);
    let read: i64 = etag(matching.clone(), admin.clone()).await.trim_matches('"').parse().unwrap();
    let kept = guarded(&s.app, &admin, Method::PUT, &matching, json!({ "modalities": ["video", "phone"] }), read).await;
    assert_eq!(kept["matching"]["modalities"], json!(["phone", "video"]));
    let (status, _) = s.app.send(Method::PUT, &s.member_token, &matching, &json!({ "modalities": ["video"], "version": read + 1 })).await;
    assert_eq!(status, 403, "only admins keep how a worker meets members");

    // A session, moved and then cancelled, each from the version read.
    let (status, session) = book(&s, &s.member_token, &at(2, 10, 0), 60).await;
    assert_eq!(status, 201, "{session}");
    let id = session["id"].as_str().unwrap();
    let moved = guarded(
        &s.app,
        &s.member_token,
        Method::POST,
        &format!("/api/v1/sessions/{id}/reschedule"),
        json!({ "start": at(2, 14, 0), "minutes": 60 }),
        1,
    )
    .await;
    assert_eq!(moved["start"], at(2, 14, 0));
    let cancelled = guarded(&s.app, &s.peer_token, Method::POST, &format!("/api/v1/sessions/{id}/cancel"), json!({}), 2).await;
    assert_eq!(cancelled["status"], "cancelled");

    // The week, last (the sessions above needed its hours): set once by
    // the setup, so at version 1.
    let week = format!("/api/v1/workers/{}/availability", s.worker_id);
    assert_eq!(etag(week.clone(), s.peer_token.clone()).await, "\"1\"");
    let evenings = json!({ "windows": [{ "weekday": "monday", "start": "17:00", "end": "21:00", "modality": "video" }] });
    let changed = guarded(&s.app, &s.peer_token, Method::PUT, &week, evenings, 1).await;
    assert_eq!(changed["windows"].as_array().map(Vec::len), Some(1));
}

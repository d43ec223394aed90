//! Member choice of a peer, batch assignment and continuity, through the
//! API and the command line, on the seeded demo data.

use std::collections::HashMap;
use std::process::Command;

use accompany_domain::records::Persona;
use reqwest::Method;
use serde_json::{json, Value};
use sqlx::{Connection, Row};

use crate::support::TestApp;

async fn rows(app: &TestApp, sql: &str) -> Vec<Vec<Option<String>>> {
    let mut conn = <sqlx::AnyConnection as Connection>::connect(&app.db.url).await.expect("connect");
    sqlx::query(sql)
        .fetch_all(&mut conn)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .iter()
        .map(|r| (0..r.len()).map(|i| r.try_get::<Option<String>, _>(i).ok().flatten()).collect())
        .collect()
}

async fn scalar(app: &TestApp, sql: &str) -> i64 {
    let mut conn = <sqlx::AnyConnection as Connection>::connect(&app.db.url).await.expect("connect");
    sqlx::query(sql).fetch_one(&mut conn).await.unwrap_or_else(|e| panic!("{sql}: {e}")).try_get::<i64, _>(0).expect("a number")
}

async fn token(app: &TestApp, persona: Persona) -> String {
    app.api_login(&app.client(), persona).await.0
}

async fn member_id(app: &TestApp, member_token: &str) -> String {
    let (_, me) = app.get(member_token, "/api/v1/me").await;
    me["user"]["member_id"].as_str().expect("the demo member's record").to_string()
}

/// The account of a seeded worker (`u-WORKER_ID`), signed in through the API.
async fn worker_token(app: &TestApp, worker_id: &str) -> String {
    let user = app.store.user_by_id(&format!("u-{worker_id}")).await.unwrap().expect("a seeded worker's account");
    app.store.set_password(&user.username, "a-long-test-password-1").await.unwrap();
    let r = app
        .client()
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({ "username": user.username, "password": "a-long-test-password-1" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    r.json::<Value>().await.unwrap()["token"].as_str().unwrap().to_string()
}

async fn active_peers(app: &TestApp, worker_id: &str) -> i64 {
    scalar(app, &format!("SELECT COUNT(*) FROM team_members WHERE user_id = 'u-{worker_id}' AND team_role = 'peer' AND until IS NULL")).await
}

/// Fill a peer's caseload up to `leave` free places, with members who are not `except`.
async fn fill(app: &TestApp, worker_id: &str, role_cap: i64, leave: i64, except: &[&str]) {
    let have = active_peers(app, worker_id).await;
    let need = (role_cap - leave - have).max(0);
    let excluded = except.iter().map(|m| format!("'{m}'")).collect::<Vec<_>>().join(", ");
    let others = rows(app, &format!("SELECT id FROM members WHERE id NOT IN ({excluded}) ORDER BY id DESC LIMIT {need}")).await;
    assert_eq!(others.len() as i64, need, "enough members to fill the caseload");
    for (i, r) in others.iter().enumerate() {
        let m = r[0].clone().unwrap();
        app.exec(&format!(
            "INSERT INTO team_members (id, member_id, user_id, team_role, since, created_at) VALUES ('fill-{worker_id}-{i}', '{m}', 'u-{worker_id}', 'peer', '2026-01-01', '2026-01-01T00:00:00.000000Z')"
        ))
        .await;
    }
}

fn cap(role: &str) -> i64 {
    crate::support::catalog().role(role).expect("a catalog role").caseload_cap as i64
}

const SPANISH_MUST: &str = r#"{ "support": "both", "languages": ["es"], "interpreter_ok": true,
    "identity": [{ "dimension": "language", "strength": "must", "values": ["es"] }] }"#;

#[tokio::test]
async fn preferences_are_checked_and_ranking_keeps_every_must_and_never_offers_a_full_peer() {
    let app = TestApp::seeded(200).await;
    let member = token(&app, Persona::Member).await;
    let id = member_id(&app, &member).await;

    let bad =
        json!({ "support": "both", "languages": ["xx"], "modalities": ["in-person"], "home": { "lat": 42.36, "lon": -71.06 }, "max_travel_km": 0 });
    let (status, body) = crate::support::put_preferences(&app, &member, &id, &bad).await;
    assert_eq!(status, 422, "{body}");
    let fields: Vec<&str> = body["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert!(fields.contains(&"languages") && fields.contains(&"max_travel_km"), "{fields:?}");
    let (status, body) = crate::support::put_preferences(&app, &member, &id, &json!({ "languages": ["es"] })).await;
    assert_eq!(status, 422);
    assert_eq!(body["errors"][0]["field"], "support", "{body}");
    // Before any preferences, ranking says what to do first.
    let (status, body) = app.get(&member, &format!("/api/v1/members/{id}/ranking")).await;
    assert_eq!(status, 409);
    assert_eq!(body["errors"][0]["code"], "no-preferences");

    let (status, body) = crate::support::put_preferences(&app, &member, &id, &serde_json::from_str::<Value>(SPANISH_MUST).unwrap()).await;
    assert_eq!(status, 200, "{body}");
    let (status, ranking) = app.get(&member, &format!("/api/v1/members/{id}/ranking?limit=1000")).await;
    assert_eq!(status, 200, "{ranking}");
    let choices = ranking["choices"].as_array().unwrap().clone();
    assert!(!choices.is_empty(), "some seeded peers speak Spanish");
    assert_eq!(ranking["eligible"].as_u64().unwrap() as usize, choices.len());
    for c in &choices {
        assert!(c["languages"].as_array().unwrap().iter().any(|l| l == "es"), "a must is never broken: {c}");
        assert!(c["remaining_capacity"].as_u64().unwrap() > 0, "{c}");
        assert!(c["reasons"].as_array().unwrap().iter().any(|r| r["code"] == "shares-language" && r["language"] == "es"), "{c}");
    }
    // The peers who do not speak Spanish are exactly the ones left out.
    let speakers: i64 = scalar(
        &app,
        "SELECT COUNT(*) FROM workers w JOIN users u ON u.id = w.user_id WHERE u.persona = 'peer-worker' AND w.employment_end IS NULL AND w.data LIKE '%\"es\"%'",
    )
    .await;
    assert!(choices.len() as i64 <= speakers);

    // A full peer is never offered, and choosing them is refused.
    let full = choices[0]["worker_id"].as_str().unwrap().to_string();
    fill(&app, &full, cap(choices[0]["role_id"].as_str().unwrap()), 0, &[&id]).await;
    let (_, ranking) = app.get(&member, &format!("/api/v1/members/{id}/ranking?limit=1000")).await;
    assert!(ranking["choices"].as_array().unwrap().iter().all(|c| c["worker_id"] != full.as_str()), "the full peer is gone");
    let (status, body) = app.send(Method::POST, &member, &format!("/api/v1/members/{id}/peer"), &json!({ "worker_id": full })).await;
    assert_eq!(status, 409, "a full peer is a state of the records, not a badly written request");
    assert_eq!(body["errors"][0]["code"], "peer-full", "{body}");
}

#[tokio::test]
async fn a_member_chooses_a_peer_who_sees_them_then_asks_for_another_without_a_reason() {
    let app = TestApp::seeded(200).await;
    let member = token(&app, Persona::Member).await;
    let id = member_id(&app, &member).await;
    let (status, _) = crate::support::put_preferences(&app, &member, &id, &serde_json::from_str::<Value>(SPANISH_MUST).unwrap()).await;
    assert_eq!(status, 200);
    let (_, ranking) = app.get(&member, &format!("/api/v1/members/{id}/ranking")).await;
    let first = ranking["choices"][0]["worker_id"].as_str().unwrap().to_string();
    let second = ranking["choices"][1]["worker_id"].as_str().expect("two Spanish-speaking peers").to_string();
    let before = active_peers(&app, &first).await;

    let (status, chosen) = app.send(Method::POST, &member, &format!("/api/v1/members/{id}/peer"), &json!({ "worker_id": first })).await;
    assert_eq!(status, 201, "{chosen}");
    assert_eq!(active_peers(&app, &first).await, before + 1);
    let (_, team) = app.get(&member, &format!("/api/v1/members/{id}/care-team")).await;
    let peers: Vec<&Value> = team["participants"].as_array().unwrap().iter().filter(|p| p["team_role"] == "peer").collect();
    assert_eq!(peers.len(), 1, "exactly one peer: the demo's old peer was ended in the same change");
    assert_eq!(peers[0]["user_id"], format!("u-{first}"));

    // The peer sees the member on their caseload, and was told.
    let peer = worker_token(&app, &first).await;
    let (_, caseload) = app.get(&peer, "/api/v1/members?limit=500").await;
    assert!(caseload["items"].as_array().unwrap().iter().any(|m| m["id"] == id.as_str()), "{caseload}");
    let (_, notes) = app.get(&peer, "/api/v1/notifications").await;
    assert!(
        notes["notifications"].as_array().unwrap().iter().any(|n| n["text_key"] == "notice-new-member" && n["args"]["member_id"] == id.as_str()),
        "{notes}"
    );

    // A different peer, at any time, no reason asked.
    let (status, chosen) = app.send(Method::POST, &member, &format!("/api/v1/members/{id}/peer"), &json!({ "worker_id": second })).await;
    assert_eq!(status, 201, "{chosen}");
    assert_eq!(chosen["previous_worker_id"], first.as_str());
    assert_eq!(active_peers(&app, &first).await, before);
    let (_, caseload) = app.get(&peer, "/api/v1/members?limit=500").await;
    assert!(caseload["items"].as_array().unwrap().iter().all(|m| m["id"] != id.as_str()), "the old peer no longer sees them");

    // Either side ends it: the peer, here. The member then waits, and "choose for me" takes the best.
    let second_peer = worker_token(&app, &second).await;
    let (status, body) = app.send(Method::POST, &second_peer, &format!("/api/v1/members/{id}/peer/end"), &json!({})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(scalar(&app, &format!("SELECT COUNT(*) FROM peer_gaps WHERE member_id = '{id}' AND ended_at IS NULL")).await, 1);
    let (status, chosen) = app.send(Method::POST, &member, &format!("/api/v1/members/{id}/peer"), &json!({})).await;
    assert_eq!(status, 201, "{chosen}");
    assert_eq!(chosen["worker_id"], ranking["choices"][0]["worker_id"], "choose for me picks the top-ranked peer");
    assert_eq!(scalar(&app, &format!("SELECT COUNT(*) FROM peer_gaps WHERE member_id = '{id}' AND ended_at IS NULL")).await, 0);
    // Preferences keep their history.
    assert!(scalar(&app, &format!("SELECT COUNT(*) FROM record_versions WHERE entity = 'preferences' AND entity_id = '{id}'")).await >= 1);
}

#[tokio::test]
async fn two_members_racing_for_a_last_place_get_one_peer_and_one_clear_refusal() {
    let app = TestApp::seeded(200).await;
    let member = token(&app, Persona::Member).await;
    let admin = token(&app, Persona::StateAdmin).await;
    let a = member_id(&app, &member).await;
    let b = rows(&app, &format!("SELECT id FROM members WHERE id <> '{a}' ORDER BY id LIMIT 1")).await[0][0].clone().unwrap();
    let prefs: Value = serde_json::from_str(SPANISH_MUST).unwrap();
    for (t, m) in [(&member, &a), (&admin, &b)] {
        let (status, body) = crate::support::put_preferences(&app, t, m, &prefs).await;
        assert_eq!(status, 200, "{body}");
    }
    let (_, ranking) = app.get(&member, &format!("/api/v1/members/{a}/ranking")).await;
    let peer = ranking["choices"][0]["worker_id"].as_str().unwrap().to_string();
    let role_cap = cap(ranking["choices"][0]["role_id"].as_str().unwrap());
    fill(&app, &peer, role_cap, 1, &[&a, &b]).await;
    assert_eq!(active_peers(&app, &peer).await, role_cap - 1);

    let body = json!({ "worker_id": peer });
    let (path_a, path_b) = (format!("/api/v1/members/{a}/peer"), format!("/api/v1/members/{b}/peer"));
    let (one, two) = tokio::join!(app.send(Method::POST, &member, &path_a, &body), app.send(Method::POST, &admin, &path_b, &body));
    let mut statuses = [one.0, two.0];
    statuses.sort();
    assert_eq!(statuses, [201, 409], "one success, one refusal: {one:?} {two:?}");
    let refusal = if one.0 == 409 { &one.1 } else { &two.1 };
    assert_eq!(refusal["errors"][0]["code"], "peer-full", "{refusal}");
    assert!(refusal["errors"][0]["message"].as_str().unwrap().contains("choose another peer"));
    assert_eq!(active_peers(&app, &peer).await, role_cap, "never over the cap");
}

#[tokio::test]
async fn a_peer_who_leaves_flags_their_members_tells_coordinators_and_the_batch_reassigns_them() {
    let app = TestApp::seeded(200).await;
    let admin = token(&app, Persona::StateAdmin).await;
    let coordinator = token(&app, Persona::CareCoordinator).await;
    let member = token(&app, Persona::Member).await;
    let id = member_id(&app, &member).await;
    let peer_username = &app.credential(Persona::PeerWorker).username;
    let worker_id = rows(&app, &format!("SELECT w.id FROM workers w JOIN users u ON u.id = w.user_id WHERE u.username = '{peer_username}'")).await[0]
        [0]
    .clone()
    .unwrap();
    let caseload = active_peers(&app, &worker_id).await;
    assert!(caseload >= 1, "the demo peer carries the demo member");

    let (_, mut w) = app.get(&admin, &format!("/api/v1/workers/{worker_id}")).await;
    let today = accompany::seed::today();
    w["employment_end"] = json!(accompany_domain::records::format_date(today));
    w["reason"] = json!("left the organization");
    let (status, body) = app.send(Method::PUT, &admin, &format!("/api/v1/workers/{worker_id}"), &w).await;
    assert_eq!(status, 200, "{body}");

    assert_eq!(active_peers(&app, &worker_id).await, 0, "the caseload is flagged");
    assert_eq!(scalar(&app, &format!("SELECT COUNT(*) FROM peer_gaps WHERE worker_id = '{worker_id}' AND ended_at IS NULL")).await, caseload);
    let (_, notes) = app.get(&coordinator, "/api/v1/notifications").await;
    assert!(
        notes["notifications"].as_array().unwrap().iter().any(|n| n["text_key"] == "notice-peer-left" && n["args"]["member_id"] == id.as_str()),
        "the demo member's coordinator is told: {notes}"
    );
    let (_, gaps) = app.get(&admin, "/api/v1/matching/gaps").await;
    assert!(gaps["gaps"].as_array().unwrap().iter().any(|g| g["member_id"] == id.as_str() && g["ended_at"].is_null()), "{gaps}");
    // Only program admins run batches.
    let (status, _) = app.send(Method::POST, &coordinator, "/api/v1/matching/batch", &json!({ "dry_run": true })).await;
    assert_eq!(status, 403);

    let (status, run) = app.send(Method::POST, &admin, "/api/v1/matching/batch", &json!({ "dry_run": false, "departing": worker_id })).await;
    assert_eq!(status, 200, "{run}");
    assert_eq!(run["members"].as_i64().unwrap(), caseload, "the batch covers exactly the departing peer's members");
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM batch_reports").await, 0, "a departing peer's members are not the waiting list adequacy reports");
    let served = run["served"].as_i64().unwrap();
    assert!(served >= 1, "{run}");
    assert_eq!(run["applied"]["assigned"].as_i64().unwrap(), served);
    for p in run["pairs"].as_array().unwrap() {
        let m = p["member_id"].as_str().unwrap();
        assert_eq!(
            scalar(&app, &format!("SELECT COUNT(*) FROM team_members WHERE member_id = '{m}' AND team_role = 'peer' AND until IS NULL")).await,
            1
        );
        assert_ne!(p["worker_id"], worker_id.as_str());
    }
    assert_eq!(
        scalar(&app, &format!("SELECT COUNT(*) FROM peer_gaps WHERE worker_id = '{worker_id}' AND ended_at IS NULL")).await,
        caseload - served,
        "served members' time without a peer is over"
    );
    // The run is audited.
    assert!(scalar(&app, "SELECT COUNT(*) FROM audit_events WHERE entity = 'batch-run'").await >= 1);
}

fn accompany(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_accompany"))
        .args(args)
        .env_remove("ACCOMPANY_DATABASE_URL")
        .env("ACCOMPANY_LOG", "error")
        .output()
        .expect("run accompany");
    (out.status.success(), String::from_utf8_lossy(&out.stdout).into(), String::from_utf8_lossy(&out.stderr).into())
}

/// An independent minimum-cost flow solver for DIMACS files: successive
/// shortest paths with Bellman-Ford (negative costs allowed, no negative
/// cycles in a fresh network), from a super source to a super sink.
fn dimacs_min_cost(text: &str) -> i64 {
    let mut n = 0usize;
    let mut supply: HashMap<usize, i64> = HashMap::new();
    let mut arcs: Vec<(usize, usize, i64, i64)> = Vec::new();
    for line in text.lines() {
        let f: Vec<&str> = line.split_whitespace().collect();
        match f.first() {
            Some(&"p") => n = f[2].parse().unwrap(),
            Some(&"n") => {
                supply.insert(f[1].parse().unwrap(), f[2].parse().unwrap());
            }
            Some(&"a") => arcs.push((f[1].parse().unwrap(), f[2].parse().unwrap(), f[4].parse().unwrap(), f[5].parse().unwrap())),
            _ => {}
        }
    }
    let (s, t) = (0, n + 1);
    // Residual graph: (to, cap, cost, reverse index).
    let mut g: Vec<Vec<(usize, i64, i64, usize)>> = vec![vec![]; n + 2];
    let add = |g: &mut Vec<Vec<(usize, i64, i64, usize)>>, u: usize, v: usize, cap: i64, cost: i64| {
        let (ru, rv) = (g[v].len(), g[u].len());
        g[u].push((v, cap, cost, ru));
        g[v].push((u, 0, -cost, rv));
    };
    let mut need = 0;
    for (node, sup) in &supply {
        if *sup > 0 {
            add(&mut g, s, *node, *sup, 0);
            need += sup;
        } else {
            add(&mut g, *node, t, -sup, 0);
        }
    }
    for (u, v, cap, cost) in arcs {
        add(&mut g, u, v, cap, cost);
    }
    let (mut flow, mut cost) = (0i64, 0i64);
    while flow < need {
        let mut dist = vec![i64::MAX; n + 2];
        let mut prev: Vec<Option<(usize, usize)>> = vec![None; n + 2];
        dist[s] = 0;
        for _ in 0..n + 2 {
            let mut changed = false;
            for u in 0..n + 2 {
                if dist[u] == i64::MAX {
                    continue;
                }
                for (i, &(v, cap, c, _)) in g[u].iter().enumerate() {
                    if cap > 0 && dist[u] + c < dist[v] {
                        dist[v] = dist[u] + c;
                        prev[v] = Some((u, i));
                        changed = true;
                    }
                }
            }
            if !changed {
                break;
            }
        }
        assert!(dist[t] != i64::MAX, "every supply can reach the sink");
        let mut push = need - flow;
        let mut v = t;
        while let Some((u, i)) = prev[v] {
            push = push.min(g[u][i].1);
            v = u;
        }
        let mut v = t;
        while let Some((u, i)) = prev[v] {
            g[u][i].1 -= push;
            let (rv, ri) = (g[u][i].0, g[u][i].3);
            g[rv][ri].1 += push;
            v = u;
        }
        flow += push;
        cost += push * dist[t];
    }
    cost
}

#[tokio::test]
async fn the_exported_dimacs_problem_solves_to_the_reported_objective_and_the_batch_applies() {
    let app = TestApp::seeded(400).await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("batch.dimacs");
    let (ok, out, err) = accompany(&[
        "match",
        "batch",
        "--dry-run",
        "--json",
        "--export-dimacs",
        file.to_str().unwrap(),
        "--database-url",
        &app.db.url,
        "--audit-key-file",
        app.db.key_arg(),
    ]);
    assert!(ok, "{err}");
    let report: Value = serde_json::from_str(&out).expect("JSON");
    assert!(report["members"].as_u64().unwrap() > 5, "the seed leaves a waiting list: {report}");
    assert_eq!(report["served"].as_u64().unwrap() + report["unmatched"].as_u64().unwrap(), report["members"].as_u64().unwrap());
    let text = std::fs::read_to_string(&file).unwrap();
    assert_eq!(dimacs_min_cost(&text), report["objective"].as_i64().unwrap(), "an independent solver agrees");
    let big = report["big"].as_i64().unwrap();
    assert_eq!(report["objective"].as_i64().unwrap(), -(big * report["served"].as_i64().unwrap() + report["total_score"].as_i64().unwrap()));
    assert!(report["applied"].is_null(), "a dry run changes nothing");
    assert_eq!(
        scalar(&app, "SELECT COUNT(*) FROM batch_reports WHERE applied = 0 AND organization_id IS NULL").await,
        1,
        "its unmatched report is kept for network adequacy"
    );

    let peers_before = scalar(&app, "SELECT COUNT(*) FROM team_members WHERE team_role = 'peer' AND until IS NULL").await;
    let (ok, out, err) = accompany(&["match", "batch", "--json", "--database-url", &app.db.url, "--audit-key-file", app.db.key_arg()]);
    assert!(ok, "{err}");
    let applied: Value = serde_json::from_str(&out).unwrap();
    let assigned = applied["applied"]["assigned"].as_i64().unwrap();
    assert_eq!(assigned, report["served"].as_i64().unwrap());
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM team_members WHERE team_role = 'peer' AND until IS NULL").await, peers_before + assigned);
    // The unmatched report names the gap in words.
    let (ok, out, err) = accompany(&["match", "batch", "--dry-run", "--database-url", &app.db.url, "--audit-key-file", app.db.key_arg()]);
    assert!(ok, "{err}");
    assert!(out.contains("waiting members") && out.contains("Dry run"), "{out}");
}

#[tokio::test]
async fn match_rank_explains_bad_input_and_exits_non_zero() {
    let app = TestApp::seeded(60).await;
    let (ok, _, err) =
        accompany(&["match", "rank", "--member", "no-such-member", "--database-url", &app.db.url, "--audit-key-file", app.db.key_arg()]);
    assert!(!ok);
    assert!(err.contains("no member with id \"no-such-member\""), "{err}");
    let member = token(&app, Persona::Member).await;
    let id = member_id(&app, &member).await;
    let (ok, _, err) = accompany(&["match", "rank", "--member", &id, "--database-url", &app.db.url, "--audit-key-file", app.db.key_arg()]);
    assert!(!ok);
    assert!(err.contains("save the member's preferences first"), "{err}");
    // Constraints no peer meets: told which constraint, non-zero exit.
    let impossible = json!({ "support": "family", "languages": ["km"], "identity": [{ "dimension": "faith", "strength": "must", "values": ["nobody believes this"] }] });
    let (status, body) = crate::support::put_preferences(&app, &member, &id, &impossible).await;
    assert_eq!(status, 200, "{body}");
    let (ok, _, err) = accompany(&["match", "rank", "--member", &id, "--database-url", &app.db.url, "--audit-key-file", app.db.key_arg()]);
    assert!(!ok);
    assert!(err.contains("no peer meets") && err.contains("Change a must to a preference"), "{err}");
    let (ok, out, err) =
        accompany(&["match", "rank", "--member", &id, "--json", "--database-url", &app.db.url, "--audit-key-file", app.db.key_arg()]);
    assert!(!ok && out.is_empty(), "{err}");
    // Malformed stored preferences are reported, not panicked on.
    app.exec(&format!("UPDATE member_preferences SET data = '{{\"support\": 7}}' WHERE member_id = '{id}'")).await;
    let (ok, _, err) = accompany(&["match", "rank", "--member", &id, "--database-url", &app.db.url, "--audit-key-file", app.db.key_arg()]);
    assert!(!ok);
    assert!(err.contains("stored data could not be read"), "{err}");
}

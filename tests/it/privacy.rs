//! Member-controlled privacy, end to end: a generated authorization matrix
//! over every member-data endpoint × who is asking × how they stand to the
//! member × the member's consent state, checked against the pure policy,
//! with every decision audited; plus Part 2 consent, the firewall,
//! break-glass and the privacy officer.

use std::collections::BTreeMap;

use accompany_domain::notes::MAX_NOTE_CHARS;
use accompany_domain::policy::{decide, may_give_team_role, may_write_contact_note, Action, Actor, Relationship};
use accompany_domain::privacy::{self, Categories, Category, Part2Consent, Purpose, Recipient, SharingChoice};
use accompany_domain::records::{Persona, TeamRole};
use accompany_store::NewUser;
use reqwest::Method;
use serde_json::{json, Value};

use crate::support::{catalog, TestApp};

/// Everyone who asks, and how they stand to the demo member.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Who {
    Member,
    Peer,
    Supervisor,
    Coordinator,
    OrgAdmin,
    StateAdmin,
    PrivacyOfficer,
    /// The billing office of the organization that serves the member.
    BillingOffice,
    StrangerPeer,
    StrangerCoordinator,
    FirewalledCoordinator,
    /// A clinician on the member's team.
    TeamClinician,
    /// A clinician of an emergency department who has never met the member.
    StrangerClinician,
}

const EVERYONE: [Who; 13] = [
    Who::Member,
    Who::Peer,
    Who::Supervisor,
    Who::Coordinator,
    Who::OrgAdmin,
    Who::StateAdmin,
    Who::PrivacyOfficer,
    Who::BillingOffice,
    Who::StrangerPeer,
    Who::StrangerCoordinator,
    Who::FirewalledCoordinator,
    Who::TeamClinician,
    Who::StrangerClinician,
];

/// The member's consent state, in the order the test moves through them.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Consent {
    Defaults,
    MentalHealthWithdrawnFromCoordinator,
    SubstanceUseSharedUnderPart2,
    StrangerBrokeGlass,
}

struct World {
    app: TestApp,
    member_id: String,
    family_name: String,
    tokens: BTreeMap<Who, (String, String, Persona)>,
}

impl World {
    fn token(&self, who: Who) -> &str {
        &self.tokens[&who].0
    }
    fn user_id(&self, who: Who) -> &str {
        &self.tokens[&who].1
    }

    /// The pure policy's view of `who`: the relationship the fixture built.
    fn relationship(&self, who: Who, consent: Consent) -> Relationship {
        let coordinator_choice = |cats: &[Category], part2: bool| SharingChoice {
            id: "c".into(),
            member_id: self.member_id.clone(),
            recipient: Recipient::Person(self.user_id(Who::Coordinator).to_string()),
            categories: Categories::of(cats).with(Category::Demographics),
            purposes: vec![Purpose::Treatment],
            until: None,
            part2: part2.then(|| Part2Consent {
                signed_by: "x".into(),
                signed_on: accompany::seed::today(),
                recipients: "x".into(),
                purposes: vec![Purpose::Treatment],
                expires_on: accompany::seed::today() + time::Duration::days(30),
            }),
        };
        let mut rel = Relationship::default();
        match who {
            Who::Member => rel.is_self = true,
            Who::Peer => rel.team_role = Some(TeamRole::Peer),
            Who::Supervisor => rel.supervises_members_peer = true,
            Who::Coordinator => {
                rel.team_role = Some(TeamRole::CareCoordinator);
                rel.choices = match consent {
                    Consent::Defaults => vec![],
                    Consent::MentalHealthWithdrawnFromCoordinator => {
                        vec![coordinator_choice(&[Category::Contact], false)]
                    }
                    _ => vec![coordinator_choice(&[Category::Contact, Category::SubstanceUse], true)],
                };
            }
            Who::OrgAdmin | Who::BillingOffice => rel.in_actor_organization = true,
            Who::FirewalledCoordinator => {
                rel.team_role = Some(TeamRole::CareCoordinator);
                rel.firewalled = true;
            }
            Who::TeamClinician => rel.team_role = Some(TeamRole::Clinician),
            Who::StrangerClinician => rel.break_glass = consent == Consent::StrangerBrokeGlass,
            Who::StateAdmin | Who::PrivacyOfficer | Who::StrangerPeer | Who::StrangerCoordinator => {}
        }
        rel
    }

    fn actor(&self, who: Who) -> Actor {
        let (_, user_id, persona) = &self.tokens[&who];
        Actor {
            user_id: user_id.clone(),
            username: format!("{who:?}"),
            persona: *persona,
            organization_id: None,
            member_id: (who == Who::Member).then(|| self.member_id.clone()),
        }
    }

    /// What the policy says `who` sees in `consent`: None when the record is closed to them.
    fn expected(&self, who: Who, consent: Consent) -> Option<Categories> {
        let rel = self.relationship(who, consent);
        let actor = self.actor(who);
        decide(&actor, Action::Read, &rel).is_permit().then(|| privacy::visible(actor.persona, &rel, &catalog().privacy, accompany::seed::today()).0)
    }

    async fn audit_count(&self) -> i64 {
        self.app.count("audit_events").await
    }
}

async fn add_user(app: &TestApp, username: &str, persona: Persona) -> (String, String) {
    let u = app
        .store
        .create_user(NewUser {
            username,
            display_name: username,
            password: "a long enough password",
            persona,
            organization_id: None,
            member_id: None,
        })
        .await
        .expect("user");
    let token = app.store.create_token(&u.id, "test", Some(1)).await.expect("token");
    (token, u.id)
}

/// The demo member, with an MH entry, an SU entry and a peer's contact
/// note, and a team holding everyone the matrix needs.
async fn world() -> World {
    let app = TestApp::seeded(30).await;
    let client = app.client();
    let mut tokens = BTreeMap::new();
    for (who, persona) in [
        (Who::Member, Persona::Member),
        (Who::Peer, Persona::PeerWorker),
        (Who::Supervisor, Persona::Supervisor),
        (Who::Coordinator, Persona::CareCoordinator),
        (Who::OrgAdmin, Persona::OrganizationAdmin),
        (Who::StateAdmin, Persona::StateAdmin),
        (Who::PrivacyOfficer, Persona::PrivacyOfficer),
        (Who::BillingOffice, Persona::BillingOffice),
    ] {
        let (token, _) = app.api_login(&client, persona).await;
        let (_, me) = app.get(&token, "/api/v1/me").await;
        tokens.insert(who, (token, me["user"]["id"].as_str().unwrap().to_string(), persona));
    }
    assert_ne!(app.credential(Persona::PeerWorker).username, app.credential(Persona::Supervisor).username);
    for (who, name, persona) in [
        (Who::StrangerPeer, "stranger.peer", Persona::PeerWorker),
        (Who::StrangerCoordinator, "stranger.coordinator", Persona::CareCoordinator),
        (Who::FirewalledCoordinator, "known.socially", Persona::CareCoordinator),
        (Who::TeamClinician, "team.clinician", Persona::Clinician),
        (Who::StrangerClinician, "ed.clinician", Persona::Clinician),
    ] {
        let (token, id) = add_user(&app, name, persona).await;
        tokens.insert(who, (token, id, persona));
    }
    let (_, me) = app.get(&tokens[&Who::Member].0, "/api/v1/me").await;
    let member_id = me["user"]["member_id"].as_str().unwrap().to_string();
    let (_, m) = app.get(&tokens[&Who::Member].0, &format!("/api/v1/members/{member_id}")).await;
    let w = World { app, member_id: member_id.clone(), family_name: m["family_name"].as_str().unwrap().to_string(), tokens };
    let coordinator = w.token(Who::Coordinator).to_string();
    let base = format!("/api/v1/members/{member_id}");
    let (s, _) = w
        .app
        .send(
            Method::POST,
            &coordinator,
            &format!("{base}/care-team"),
            &json!({ "user_id": w.user_id(Who::FirewalledCoordinator), "team_role": "care-coordinator" }),
        )
        .await;
    assert_eq!(s, 201);
    let (s, body) = w
        .app
        .send(
            Method::POST,
            &coordinator,
            &format!("{base}/care-team"),
            &json!({ "user_id": w.user_id(Who::TeamClinician), "team_role": "clinician" }),
        )
        .await;
    assert_eq!(s, 201, "{body}");
    for (category, text) in [("mental-health", "Bipolar II, stable on current plan"), ("substance-use", "In recovery from opioid use since 2023")] {
        let (s, body) =
            w.app.send(Method::POST, &coordinator, &format!("{base}/health-entries"), &json!({ "category": category, "text": text })).await;
        assert_eq!(s, 201, "{body}");
    }
    let note = json!({ "date": "2026-01-05", "duration_minutes": 45, "modality": "phone", "setting": "home", "note": "planned the week" });
    let (s, body) = w.app.send(Method::POST, w.token(Who::Peer), &format!("{base}/contacts"), &note).await;
    assert_eq!(s, 201, "{body}");
    let (s, body) = w
        .app
        .send(Method::POST, w.token(Who::Member), &format!("{base}/firewall"), &json!({ "user_id": w.user_id(Who::FirewalledCoordinator) }))
        .await;
    assert_eq!(s, 201, "{body}");
    w
}

async fn enter(w: &World, consent: Consent) {
    let base = format!("/api/v1/members/{}/sharing", w.member_id);
    let coordinator = format!("person:{}", w.user_id(Who::Coordinator));
    let (s, body) = match consent {
        Consent::Defaults => return,
        Consent::MentalHealthWithdrawnFromCoordinator => {
            let body = json!({ "recipient": coordinator, "categories": ["contact"], "purposes": ["treatment"] });
            w.app.send(Method::POST, w.token(Who::Member), &base, &body).await
        }
        Consent::SubstanceUseSharedUnderPart2 => {
            let expires = (accompany::seed::today() + time::Duration::days(30)).to_string();
            let body = json!({ "recipient": coordinator, "categories": ["contact", "substance-use"], "purposes": ["treatment"],
                "part2_signed_by": "Demo Member", "part2_recipients": "my care coordinator", "part2_expires_on": expires });
            w.app.send(Method::POST, w.token(Who::Member), &base, &body).await
        }
        Consent::StrangerBrokeGlass => {
            let (_, m) = w.app.get(w.token(Who::Member), &format!("/api/v1/members/{}", w.member_id)).await;
            let body = json!({ "masshealth_id": m["masshealth_id"], "reason_category": "medical-emergency", "reason": "unresponsive in the emergency department" });
            w.app.send(Method::POST, w.token(Who::StrangerClinician), "/api/v1/break-glass", &body).await
        }
    };
    assert_eq!(s, 201, "{consent:?}: {body}");
}

fn categories_of(v: &Value) -> Categories {
    Categories::of(&v.as_array().map(|a| a.iter().filter_map(|c| c.as_str().and_then(Category::parse)).collect::<Vec<_>>()).unwrap_or_default())
}

/// Every endpoint that reaches the member's data, for every asker, in every
/// consent state: the answer is what the pure policy decides, nothing more
/// is disclosed, and each request leaves an audit event.
#[tokio::test]
async fn the_authorization_matrix_holds_on_every_endpoint() {
    let w = world().await;
    let id = w.member_id.clone();
    let base = format!("/api/v1/members/{id}");
    let mut checked = 0;
    for consent in
        [Consent::Defaults, Consent::MentalHealthWithdrawnFromCoordinator, Consent::SubstanceUseSharedUnderPart2, Consent::StrangerBrokeGlass]
    {
        enter(&w, consent).await;
        for who in EVERYONE {
            let ctx = format!("{who:?} in {consent:?}");
            let token = w.token(who);
            let expected = w.expected(who, consent);
            let rel = w.relationship(who, consent);
            let actor = w.actor(who);

            // Reads: the record, its history, its team, its health entries, its notes.
            let before = w.audit_count().await;
            let (s, m) = w.app.get(token, &base).await;
            match expected {
                None => assert_eq!(s, 404, "{ctx}: record"),
                Some(cats) => {
                    assert_eq!(s, 200, "{ctx}: record");
                    assert_eq!(categories_of(&m["visible_categories"]), cats, "{ctx}: categories");
                    if !cats.contains(Category::Contact) {
                        assert!(m["phone"].is_null() && m["email"].is_null(), "{ctx}: contact hidden");
                    }
                    if !cats.contains(Category::Billing) {
                        assert!(m.get("masshealth_id").is_none(), "{ctx}: billing hidden, and left out: {m}");
                    }
                    if !cats.contains(Category::Identity) {
                        assert!(m["demographics"].as_object().is_none_or(|d| d.values().all(Value::is_null)), "{ctx}: identity hidden");
                    }
                    assert_eq!(m["purpose"] == "emergency", rel.break_glass && !rel.is_self, "{ctx}: purpose");
                }
            }
            for path in [format!("{base}/history"), format!("{base}/care-team")] {
                let (s, _) = w.app.get(token, &path).await;
                assert_eq!(s, if expected.is_some() { 200 } else { 404 }, "{ctx}: {path}");
            }
            let (s, h) = w.app.get(token, &format!("{base}/health-entries")).await;
            match expected {
                None => assert_eq!(s, 404, "{ctx}: health"),
                Some(cats) => {
                    assert_eq!(s, 200, "{ctx}: health");
                    let shown: Vec<Category> =
                        h["entries"].as_array().unwrap().iter().filter_map(|e| e["category"].as_str().and_then(Category::parse)).collect();
                    assert_eq!(shown.contains(&Category::MentalHealth), cats.contains(Category::MentalHealth), "{ctx}: MH entry");
                    assert_eq!(shown.contains(&Category::SubstanceUse), cats.contains(Category::SubstanceUse), "{ctx}: SU entry");
                    assert_eq!(h["part2_notice"].is_string(), shown.contains(&Category::SubstanceUse) && who != Who::Member, "{ctx}: notice");
                }
            }
            let (s, n) = w.app.get(token, &format!("{base}/contacts")).await;
            match expected {
                None => assert_eq!(s, 404, "{ctx}: notes"),
                Some(cats) => {
                    assert_eq!(s, 200, "{ctx}: notes");
                    let sees = who == Who::Member || who == Who::Peer || cats.contains(Category::PeerNotes);
                    assert_eq!(!n["contacts"].as_array().unwrap().is_empty(), sees, "{ctx}: notes shown");
                }
            }
            // Coverage and authorizations: shown exactly when the billing label is.
            for path in [format!("{base}/coverage"), format!("{base}/authorizations")] {
                let (s, b) = w.app.get(token, &path).await;
                match expected {
                    None => assert_eq!(s, 404, "{ctx}: {path}"),
                    Some(cats) => {
                        assert_eq!(s, 200, "{ctx}: {path}");
                        assert_eq!(b["hidden"], !cats.contains(Category::Billing), "{ctx}: {path}");
                    }
                }
            }
            // Only the member reaches their own privacy controls and who-looked list.
            for path in [format!("{base}/sharing"), format!("{base}/audit")] {
                let (s, _) = w.app.get(token, &path).await;
                let want = match (who, expected) {
                    (Who::Member, _) => 200,
                    (_, Some(_)) => 403,
                    (_, None) => 404,
                };
                assert_eq!(s, want, "{ctx}: {path}");
            }
            // Lists hold the member exactly when a read would, break-glass aside.
            let (s, list) = w.app.get(token, &format!("/api/v1/members?name={}&limit=500", w.family_name)).await;
            assert_eq!(s, 200, "{ctx}: list");
            let listed = list["items"].as_array().unwrap().iter().any(|m| m["id"] == id.as_str());
            let mut no_glass = rel.clone();
            no_glass.break_glass = false;
            assert_eq!(listed, decide(&actor, Action::Read, &no_glass).is_permit(), "{ctx}: list");
            let after = w.audit_count().await;
            assert!(after >= before + 10, "{ctx}: every read is audited ({before} → {after})");

            // Writes.
            let before = w.audit_count().await;
            let update = decide(&actor, Action::Update, &rel).is_permit();
            let (s, _) = w
                .app
                .send(
                    Method::PUT,
                    token,
                    &base,
                    &json!({ "masshealth_id": "", "given_name": "Demo", "family_name": w.family_name, "date_of_birth": "1980-01-01" }),
                )
                .await;
            // The body names no version: allowed, it is refused as invalid or for the missing version.
            let want_update = if update {
                [422, 428]
            } else if expected.is_some() {
                [403, 403]
            } else {
                [404, 404]
            };
            assert!(want_update.contains(&s), "{ctx}: update gave {s}");
            let (s, _) =
                w.app.send(Method::POST, token, &format!("{base}/health-entries"), &json!({ "category": "care-plan", "text": "matrix" })).await;
            assert_eq!(s == 201, update, "{ctx}: add health entry gave {s}");
            let note = json!({ "date": "2026-01-06", "duration_minutes": 30, "modality": "video", "setting": "virtual", "note": "x".repeat(MAX_NOTE_CHARS) });
            let (s, _) = w.app.send(Method::POST, token, &format!("{base}/contacts"), &note).await;
            assert_eq!(s == 201, expected.is_some() && may_write_contact_note(&actor, &rel).is_permit(), "{ctx}: log contact gave {s}");
            if who != Who::Member {
                let (s, _) = w
                    .app
                    .send(
                        Method::POST,
                        token,
                        &format!("{base}/sharing"),
                        &json!({ "recipient": format!("person:{}", w.user_id(who)), "categories": ["billing"], "purposes": ["treatment"] }),
                    )
                    .await;
                assert!([403, 404].contains(&s), "{ctx}: only the member decides sharing, got {s}");
            }
            // Coverage is recorded by the billing office (and the admins) only.
            let (s, _) =
                w.app.send(Method::POST, token, &format!("{base}/coverage"), &json!({ "payer_id": "private-pay", "start": "2026-01-01" })).await;
            let want = match expected {
                None => 404,
                Some(_) if accompany_domain::policy::may_record_billing(&actor, &rel).is_permit() => 201,
                Some(_) => 403,
            };
            assert_eq!(s, want, "{ctx}: record coverage");
            let after = w.audit_count().await;
            assert!(after >= before + 4, "{ctx}: every write attempt is audited");

            // Care-team changes: nobody adds themselves; a newcomer joins only
            // when the policy lets this person give the role.
            let before = w.audit_count().await;
            let own_role = match actor.persona {
                Persona::CareCoordinator => "care-coordinator",
                Persona::Clinician => "clinician",
                _ => "other",
            };
            let (s, _) =
                w.app.send(Method::POST, token, &format!("{base}/care-team"), &json!({ "user_id": w.user_id(who), "team_role": own_role })).await;
            assert!([403, 404, 409].contains(&s), "{ctx}: adding oneself gave {s}");
            let (newcomer, newcomer_id) = add_user(&w.app, &format!("newcomer.{checked}"), Persona::Clinician).await;
            let give = may_give_team_role(&actor, &rel, TeamRole::Clinician, &newcomer_id, Persona::Clinician).is_permit();
            let (s, _) =
                w.app.send(Method::POST, token, &format!("{base}/care-team"), &json!({ "user_id": newcomer_id, "team_role": "clinician" })).await;
            let want = match (expected, give) {
                (None, _) => 404,
                (Some(_), true) => 201,
                (Some(_), false) => 403,
            };
            assert_eq!(s, want, "{ctx}: adding a clinician");
            // Asking to join: the same answer whatever the member, for those who may ask.
            let (s, body) = w
                .app
                .send(Method::POST, token, &format!("{base}/care-team/requests"), &json!({ "team_role": own_role, "reason": "I treat this person" }))
                .await;
            let may_ask = accompany_domain::policy::may_ask_to_join(&actor, TeamRole::parse(own_role).unwrap()).is_permit();
            assert_eq!(s, if may_ask { 202 } else { 403 }, "{ctx}: asking to join: {body}");
            let (s2, body2) = w
                .app
                .send(
                    Method::POST,
                    token,
                    "/api/v1/members/no-such-member/care-team/requests",
                    &json!({ "team_role": own_role, "reason": "I treat this person" }),
                )
                .await;
            assert_eq!((s2, body2), (s, body), "{ctx}: asking about nobody answers the same");
            // Emergency access is for clinicians (tried here by everyone else).
            if actor.persona != Persona::Clinician {
                let (_, m) = w.app.get(w.token(Who::Member), &base).await;
                let body = json!({ "masshealth_id": m["masshealth_id"], "reason_category": "medical-emergency", "reason": "just curious about this person today" });
                let (s, _) = w.app.send(Method::POST, token, "/api/v1/break-glass", &body).await;
                assert_eq!(s, 403, "{ctx}: emergency access");
                let unknown = json!({ "masshealth_id": "999999999999", "reason_category": "medical-emergency", "reason": "just curious about this person today" });
                assert_eq!(w.app.send(Method::POST, token, "/api/v1/break-glass", &unknown).await.0, 403, "{ctx}: the same for an unknown ID");
            }
            let after = w.audit_count().await;
            assert!(after >= before + 4, "{ctx}: every team and emergency attempt is audited ({before} → {after})");
            drop(newcomer);
            checked += 1;
        }
    }
    assert_eq!(checked, 52);
    assert!(matches!(w.app.store.verify_audit().await.unwrap(), accompany_store::AuditCheck::Intact { .. }));
}

/// The same decisions hold on the pages a browser uses.
#[tokio::test]
async fn pages_follow_the_same_policy() {
    let w = world().await;
    let path = format!("/members/{}", w.member_id);
    for (who, persona) in [
        (Who::Member, Persona::Member),
        (Who::Peer, Persona::PeerWorker),
        (Who::Coordinator, Persona::CareCoordinator),
        (Who::StateAdmin, Persona::StateAdmin),
        (Who::PrivacyOfficer, Persona::PrivacyOfficer),
    ] {
        let client = w.app.client();
        w.app.page_login(&client, persona).await;
        let r = client.get(w.app.url(&path)).send().await.unwrap();
        let expected = w.expected(who, Consent::Defaults);
        assert_eq!(r.status(), if expected.is_some() { 200 } else { 404 }, "{who:?}");
        let html = r.text().await.unwrap();
        if let Some(cats) = expected {
            assert_eq!(html.contains("Bipolar II"), cats.contains(Category::MentalHealth), "{who:?}: MH entry on the page");
            assert_eq!(html.contains("opioid"), cats.contains(Category::SubstanceUse), "{who:?}: SU entry on the page");
        }
        let sharing = client.get(w.app.url("/sharing")).send().await.unwrap().status();
        assert_eq!(sharing == 200, who == Who::Member, "{who:?}: the sharing page");
        let office = client.get(w.app.url("/privacy")).send().await.unwrap().status();
        assert_eq!(office == 200, who == Who::PrivacyOfficer, "{who:?}: the privacy office");
    }
}

#[tokio::test]
async fn part2_consent_needs_every_element_and_revocation_works_at_once() {
    let w = world().await;
    let base = format!("/api/v1/members/{}", w.member_id);
    let coordinator = format!("person:{}", w.user_id(Who::Coordinator));
    let (s, body) = w
        .app
        .send(
            Method::POST,
            w.token(Who::Member),
            &format!("{base}/sharing"),
            &json!({ "recipient": coordinator, "categories": ["substance-use"], "purposes": ["treatment"] }),
        )
        .await;
    assert_eq!(s, 422, "{body}");
    let fields: Vec<&str> = body["errors"].as_array().unwrap().iter().filter_map(|e| e["field"].as_str()).collect();
    assert_eq!(fields, ["part2_signed_by", "part2_recipients", "part2_expires_on"]);
    let (_, h) = w.app.get(w.token(Who::Coordinator), &format!("{base}/health-entries")).await;
    assert!(!h.to_string().contains("opioid"), "nothing was shared by the refused consent");

    let expires = (accompany::seed::today() + time::Duration::days(90)).to_string();
    let (s, choice) = w
        .app
        .send(
            Method::POST,
            w.token(Who::Member),
            &format!("{base}/sharing"),
            &json!({ "recipient": coordinator, "categories": ["substance-use", "mental-health"], "purposes": ["treatment"],
            "part2_signed_by": "Demo Member", "part2_recipients": "my care coordinator", "part2_expires_on": expires }),
        )
        .await;
    assert_eq!(s, 201, "{choice}");
    let (_, h) = w.app.get(w.token(Who::Coordinator), &format!("{base}/health-entries")).await;
    assert!(h.to_string().contains("opioid"));
    assert!(h["part2_notice"].as_str().unwrap().contains("42 CFR part 2"));
    let (_, events) = w.app.get(w.token(Who::Member), &format!("{base}/audit")).await;
    let disclosed = events["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["entity"] == "health-entry" && e["actor_username"] == w.app.credential(Persona::CareCoordinator).username.as_str())
        .unwrap();
    assert!(disclosed["categories"].as_str().unwrap().contains("substance-use"), "the audit names what was disclosed: {disclosed}");

    let (s, _) = w.app.send(Method::DELETE, w.token(Who::Member), &format!("{base}/sharing/{}", choice["id"].as_str().unwrap()), &json!({})).await;
    assert_eq!(s, 204);
    let (_, h) = w.app.get(w.token(Who::Coordinator), &format!("{base}/health-entries")).await;
    assert!(!h.to_string().contains("opioid"), "revocation takes effect on the next request");
    assert!(h.to_string().contains("Bipolar"), "back to the defaults, which share mental health with the coordinator");
}

#[tokio::test]
async fn break_glass_is_limited_reported_and_reviewed() {
    let w = world().await;
    let stranger = w.token(Who::StrangerClinician);
    let base = format!("/api/v1/members/{}", w.member_id);
    assert_eq!(w.app.get(stranger, &base).await.0, 404);
    let (_, m) = w.app.get(w.token(Who::Member), &base).await;
    let glass = |category: &str, reason: &str| json!({ "masshealth_id": m["masshealth_id"], "reason_category": category, "reason": reason });
    let (s, body) = w.app.send(Method::POST, stranger, "/api/v1/break-glass", &glass("medical-emergency", "help")).await;
    assert_eq!(s, 422, "a reason of a word is refused: {body}");
    let (s, body) = w.app.send(Method::POST, stranger, "/api/v1/break-glass", &glass("bored", "unresponsive, need medication history")).await;
    assert_eq!((s, body["errors"][0]["field"].as_str()), (422, Some("reason_category")), "{body}");
    // A supervisor, a coordinator, an administrator: none of them breaks glass, whatever they say.
    for who in [Who::Supervisor, Who::StrangerCoordinator, Who::StateAdmin, Who::PrivacyOfficer] {
        let (s, body) = w.app.send(Method::POST, w.token(who), "/api/v1/break-glass", &glass("other", "just curious about this person")).await;
        assert_eq!(s, 403, "{who:?}: {body}");
    }
    let (s, body) = w
        .app
        .send(
            Method::POST,
            stranger,
            "/api/v1/break-glass",
            &json!({ "masshealth_id": "999999999999", "reason_category": "medical-emergency", "reason": "unresponsive, need medication history" }),
        )
        .await;
    assert_eq!(s, 409, "well written, but no member holds it: {body}");
    assert_eq!(body["errors"][0]["field"], "masshealth_id");

    let (s, body) =
        w.app.send(Method::POST, stranger, "/api/v1/break-glass", &glass("medical-emergency", "unresponsive, need medication history")).await;
    assert_eq!(s, 201, "{body}");
    // Medical personnel under 42 CFR 2.51 see substance use in the emergency.
    let (_, h) = w.app.get(stranger, &format!("{base}/health-entries")).await;
    assert!(h["entries"].as_array().unwrap().iter().any(|e| e["category"] == "substance-use"), "{h}");
    assert!(h["part2_notice"].is_string());
    // The privacy officer is alerted at once through the outbox, and the member is told.
    let officer_id = w.user_id(Who::PrivacyOfficer).to_string();
    let (_, officer_notes) = w.app.get(w.token(Who::PrivacyOfficer), "/api/v1/notifications").await;
    assert!(
        officer_notes["notifications"].as_array().unwrap().iter().any(|n| n["text_key"] == "notice-break-glass-alert"),
        "{officer_notes} ({officer_id})"
    );
    let (_, member_notes) = w.app.get(w.token(Who::Member), "/api/v1/notifications").await;
    assert!(member_notes["notifications"].as_array().unwrap().iter().any(|n| n["text_key"] == "notice-break-glass-member"), "{member_notes}");
    // Three tries a day, failed ones included: the unknown ID, the access, one more.
    let (s, body) = w
        .app
        .send(Method::POST, stranger, "/api/v1/break-glass", &glass("medical-emergency", "still unresponsive, second look at medications"))
        .await;
    assert_eq!(s, 201, "{body}");
    let (s, body) =
        w.app.send(Method::POST, stranger, "/api/v1/break-glass", &glass("medical-emergency", "unresponsive, need medication history")).await;
    assert_eq!(s, 403, "the daily limit: {body}");
    assert!(body["detail"].as_str().unwrap().contains("privacy officer"), "{body}");
    let (s, seen) = w.app.get(stranger, &base).await;
    assert_eq!(s, 200);
    assert_eq!(seen["purpose"], "emergency");
    let change = json!({ "masshealth_id": m["masshealth_id"], "given_name": "Changed", "family_name": w.family_name, "date_of_birth": "1980-01-01" });
    let (s, _) = w.app.send(Method::PUT, stranger, &base, &change).await;
    assert_eq!(s, 403, "break-glass opens records for reading only");

    // The member sees it; the privacy officer is alerted and reviews it.
    let (_, sharing) = w.app.get(w.token(Who::Member), &format!("{base}/sharing")).await;
    let logged = sharing["emergency_access"].as_array().unwrap();
    assert!(
        logged.iter().any(|e| e["reason"] == "unresponsive, need medication history" && e["reason_category"] == "medical-emergency"),
        "{sharing}"
    );
    let (_, alerts) = w.app.get(w.token(Who::PrivacyOfficer), "/api/v1/break-glass/alerts").await;
    let alert = &alerts["alerts"][0];
    assert_eq!(alert["username"], "ed.clinician");
    let (s, _) = w
        .app
        .send(Method::POST, w.token(Who::Coordinator), &format!("/api/v1/break-glass/{}/review", alert["id"].as_str().unwrap()), &json!({}))
        .await;
    assert_eq!(s, 403, "only the privacy officer reviews");
    let (s, _) = w
        .app
        .send(Method::POST, w.token(Who::PrivacyOfficer), &format!("/api/v1/break-glass/{}/review", alert["id"].as_str().unwrap()), &json!({}))
        .await;
    assert_eq!(s, 204);
    let (_, alerts) = w.app.get(w.token(Who::PrivacyOfficer), "/api/v1/break-glass/alerts").await;
    assert_eq!(alerts["alerts"].as_array().unwrap().len(), 1, "the second access still waits for review");

    // The access ends on its own.
    w.app.exec("UPDATE break_glass SET expires_at = '2000-01-01T00:00:00.000000Z'").await;
    assert_eq!(w.app.get(stranger, &base).await.0, 404);

    // The trail marks the emergency reads, and the officer can search and export it.
    let (s, page) = w.app.get(w.token(Who::PrivacyOfficer), &format!("/api/v1/audit?purpose=emergency&member_id={}", w.member_id)).await;
    assert_eq!(s, 200);
    let items = page["items"].as_array().unwrap();
    assert!(items.iter().any(|e| e["actor_username"] == "ed.clinician" && e["action"] == "read"), "{page}");
    assert!(items.iter().all(|e| e["purpose"] == "emergency"));
    assert_eq!(w.app.get(w.token(Who::StateAdmin), "/api/v1/audit").await.0, 403);
    let client = w.app.client();
    w.app.page_login(&client, Persona::PrivacyOfficer).await;
    let r = client.get(w.app.url("/privacy/audit.csv?purpose=emergency")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "text/csv; charset=utf-8");
    let csv = r.text().await.unwrap();
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let headers = reader.headers().unwrap().clone();
    assert_eq!(&headers[0], "seq");
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
    assert!(!rows.is_empty() && rows.iter().all(|r| &r[10] == "emergency"), "{csv}");
}

#[tokio::test]
async fn a_firewall_hides_the_member_everywhere_until_removed() {
    let w = world().await;
    let known = w.token(Who::FirewalledCoordinator);
    let base = format!("/api/v1/members/{}", w.member_id);
    assert_eq!(w.app.get(known, &base).await.0, 404, "on the team, but firewalled");
    let (_, list) = w.app.get(known, "/api/v1/members?limit=500").await;
    assert!(list["items"].as_array().unwrap().iter().all(|m| m["id"] != w.member_id.as_str()));
    // Staff cannot use the directory; members find people by name.
    assert_eq!(w.app.get(known, "/api/v1/staff?q=known").await.0, 403);
    let (_, found) = w.app.get(w.token(Who::Member), "/api/v1/staff?q=known").await;
    assert_eq!(found["staff"][0]["user_id"], w.user_id(Who::FirewalledCoordinator));
    let (_, sharing) = w.app.get(w.token(Who::Member), &format!("{base}/sharing")).await;
    let entry = sharing["firewall"][0]["id"].as_str().unwrap().to_string();
    let (s, _) = w.app.send(Method::DELETE, w.token(Who::Member), &format!("{base}/firewall/{entry}"), &json!({})).await;
    assert_eq!(s, 204);
    assert_eq!(w.app.get(known, &base).await.0, 200, "removing the entry restores the team's usual access");
}

/// The sharing page's form decides for a whole role; a person's own choice
/// still wins over it.
#[tokio::test]
async fn a_choice_for_a_role_reaches_everyone_in_it() {
    let w = world().await;
    let client = w.app.client();
    w.app.page_login(&client, Persona::Member).await;
    let page = client.get(w.app.url("/sharing")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("value=\"team-role:care-coordinator\""), "the page offers a choice per role");
    let csrf = crate::support::hidden_value(&page, "csrf").unwrap();
    let form = [("csrf", csrf.as_str()), ("recipient", "team-role:care-coordinator"), ("category", "contact"), ("purpose", "treatment")];
    let r = client.post(w.app.url("/sharing")).form(&form).send().await.unwrap();
    assert_eq!(r.status(), 303);
    let entries = format!("/api/v1/members/{}/health-entries", w.member_id);
    let (_, h) = w.app.get(w.token(Who::Coordinator), &entries).await;
    assert!(!h.to_string().contains("Bipolar"), "the role's choice applies to the coordinator: {h}");
    let person = format!("person:{}", w.user_id(Who::Coordinator));
    let form = [("csrf", csrf.as_str()), ("recipient", person.as_str()), ("category", "mental-health"), ("purpose", "treatment")];
    assert_eq!(client.post(w.app.url("/sharing")).form(&form).send().await.unwrap().status(), 303);
    let (_, h) = w.app.get(w.token(Who::Coordinator), &entries).await;
    assert!(h.to_string().contains("Bipolar"), "a choice by name wins over the role's");
    // A form without a purpose is refused on the page, naming the fix.
    let form = [("csrf", csrf.as_str()), ("recipient", person.as_str()), ("category", "contact")];
    let r = client.post(w.app.url("/sharing")).form(&form).send().await.unwrap();
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("Choose at least one purpose."));
}

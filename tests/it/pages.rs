//! The HTML pages over HTTP: sign-in, persona homes, language, forms.

use accompany_domain::records::Persona;

use crate::support::{hidden_value, TestApp};

async fn text(client: &reqwest::Client, app: &TestApp, path: &str) -> (u16, String) {
    let r = client.get(app.url(path)).send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

#[tokio::test]
async fn every_persona_lands_on_its_own_home() {
    let app = TestApp::seeded(200).await;
    let expected = [
        (Persona::Member, "This is your page"),
        (Persona::PeerWorker, "The members who chose you"),
        (Persona::Supervisor, "Members served by the peers you supervise"),
        (Persona::CareCoordinator, "Members of the care teams you sit on"),
        (Persona::OrganizationAdmin, "workers and the members they serve"),
        (Persona::StateAdmin, "The organizations in the state"),
    ];
    for (persona, intro) in expected {
        let client = app.client();
        app.page_login(&client, persona).await;
        let (status, html) = text(&client, &app, "/home").await;
        assert_eq!(status, 200, "{persona:?}");
        assert!(html.contains(intro), "{persona:?} home shows {intro:?}");
        // The member's home shows their care team, with their peer explained in plain words.
        if persona == Persona::Member {
            assert!(html.contains("Peer support"), "the member sees their peer");
        }
    }
}

#[tokio::test]
async fn pages_need_sign_in_and_sign_out_ends_it() {
    let app = TestApp::seeded(30).await;
    let client = app.client();
    let r = client.get(app.url("/home")).send().await.unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/login?next=%2Fhome");
    app.page_login(&client, Persona::CareCoordinator).await;
    let (status, html) = text(&client, &app, "/home").await;
    assert_eq!(status, 200);
    let csrf = hidden_value(&html, "csrf").unwrap();
    // Sign-out without the token is refused.
    let r = client.post(app.url("/logout")).form(&[("csrf", "wrong")]).send().await.unwrap();
    assert_eq!(r.status(), 403);
    let r = client.post(app.url("/logout")).form(&[("csrf", csrf.as_str())]).send().await.unwrap();
    assert_eq!(r.status(), 303);
    let r = client.get(app.url("/home")).send().await.unwrap();
    assert_eq!(r.status(), 303, "the session ended");
}

#[tokio::test]
async fn wrong_password_and_forged_form_are_refused() {
    let app = TestApp::seeded(20).await;
    let client = app.client();
    let form = client.get(app.url("/login")).send().await.unwrap().text().await.unwrap();
    let csrf = hidden_value(&form, "csrf").unwrap();
    let r = client.post(app.url("/login")).form(&[("username", "stateadmin"), ("password", "nope nope nope"), ("csrf", &csrf)]).send().await.unwrap();
    assert_eq!(r.status(), 401);
    assert!(r.text().await.unwrap().contains("The username or password is wrong"));
    // A form posted from elsewhere carries no matching cookie.
    let c = app.credential(Persona::StateAdmin);
    let r = app
        .client()
        .post(app.url("/login"))
        .form(&[("username", c.username.as_str()), ("password", c.password.as_str()), ("csrf", "forged")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
}

#[tokio::test]
async fn language_follows_accept_language_and_the_switcher() {
    let app = TestApp::seeded(20).await;
    let client = app.client();
    let r = client.get(app.url("/roles")).header("accept-language", "es-US,es;q=0.9").send().await.unwrap();
    let html = r.text().await.unwrap();
    assert!(html.contains("<html lang=\"es\""));
    assert!(html.contains("Comparación de las funciones de pares"));
    // The switcher wins over the header.
    let r = client.get(app.url("/lang/en?next=/roles")).send().await.unwrap();
    assert_eq!(r.status(), 303);
    let html = client.get(app.url("/roles")).header("accept-language", "es").send().await.unwrap().text().await.unwrap();
    assert!(html.contains("Peer roles compared"));
}

#[tokio::test]
async fn roles_chart_shows_every_role_and_row() {
    let app = TestApp::empty().await;
    let client = app.client();
    let (status, html) = text(&client, &app, "/roles").await;
    assert_eq!(status, 200);
    let catalog = accompany_domain::Catalog::massachusetts().unwrap();
    for role in catalog.chart_roles() {
        assert!(html.contains(&format!("href=\"/roles/{}\"", role.id)), "{} column", role.id);
        assert!(html.contains(&role.focus.replace('&', "&amp;")), "{} focus", role.id);
    }
    let rows = html.matches("<th scope=\"row\">").count();
    assert_eq!(rows, 16, "one row per chart question");
    for needle in ["50 hours", "60 hours", "28 modules", "500 supervised hours", "90 / 90 days", "5 / 30 days", "180 / 90 days"] {
        assert!(html.contains(needle), "chart shows {needle:?}");
    }
    let (status, html) = text(&client, &app, "/roles/peer-recovery-coach").await;
    assert_eq!(status, 200);
    assert!(html.contains("What does this person do for me?"));
    let (status, _) = text(&client, &app, "/roles/astronaut").await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn member_form_names_bad_fields_and_saves_good_ones() {
    let app = TestApp::seeded(20).await;
    let client = app.client();
    app.page_login(&client, Persona::CareCoordinator).await;
    let (status, html) = text(&client, &app, "/members/new").await;
    assert_eq!(status, 200);
    let csrf = hidden_value(&html, "csrf").unwrap();
    let before = app.count("members").await;
    let bad =
        [("csrf", csrf.as_str()), ("given_name", "Nadia"), ("family_name", ""), ("date_of_birth", "yesterday"), ("masshealth_id", "100012340000")];
    let r = client.post(app.url("/members")).form(&bad).send().await.unwrap();
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("id=\"family_name-error\">This is required."), "family name error shown next to the field");
    assert!(html.contains("aria-invalid=\"true\""));
    assert!(html.contains("value=\"Nadia\""), "what was typed is kept");
    // The same mistakes, explained in Spanish to a Spanish speaker.
    let r = client.post(app.url("/members")).header("accept-language", "es").form(&bad).send().await.unwrap();
    let html = r.text().await.unwrap();
    assert!(html.contains("id=\"family_name-error\">Este dato es obligatorio."), "Spanish error next to the field");
    assert!(html.contains("Escriba la fecha como año-mes-día"), "Spanish date hint");
    assert_eq!(app.count("members").await, before);

    let good = [
        ("csrf", csrf.as_str()),
        ("given_name", "Nadia"),
        ("family_name", "Jean-Baptiste"),
        ("date_of_birth", "1979-11-30"),
        ("masshealth_id", "100012340000"),
        ("language_1", "ht"),
        ("reason", "walked in at the ED"),
    ];
    let r = client.post(app.url("/members")).form(&good).send().await.unwrap();
    assert_eq!(r.status(), 303);
    let location = r.headers()["location"].to_str().unwrap().to_string();
    let (status, html) = text(&client, &app, &location).await;
    assert_eq!(status, 200);
    assert!(html.contains("Jean-Baptiste"));
    assert!(html.contains("walked in at the ED"), "history shows why");
    assert_eq!(app.count("members").await, before + 1);
}

#[tokio::test]
async fn members_see_who_looked_at_their_record() {
    let app = TestApp::seeded(40).await;
    // The member's care coordinator opens the record through the API.
    let api = app.client();
    let (coordinator, _) = app.api_login(&api, Persona::CareCoordinator).await;
    let (member_token, _) = app.api_login(&api, Persona::Member).await;
    let (_, me) = app.get(&member_token, "/api/v1/me").await;
    let id = me["user"]["member_id"].as_str().unwrap().to_string();
    let (status, _) = app.get(&coordinator, &format!("/api/v1/members/{id}")).await;
    assert_eq!(status, 200);

    let client = app.client();
    app.page_login(&client, Persona::Member).await;
    let (status, html) = text(&client, &app, &format!("/members/{id}")).await;
    assert_eq!(status, 200);
    assert!(html.contains("Who has looked at your record"));
    let coordinator_name = &app.credential(Persona::CareCoordinator).username;
    assert!(html.contains(&format!("<td>{coordinator_name}</td><td>Looked at your record")), "the coordinator's look is listed");

    // Someone else looking at the record does not see that list.
    let other = app.client();
    app.page_login(&other, Persona::CareCoordinator).await;
    let (status, html) = text(&other, &app, &format!("/members/{id}")).await;
    assert_eq!(status, 200);
    assert!(!html.contains("Who has looked at your record"));
}

#[tokio::test]
async fn measures_page_shows_every_measure_to_admins_and_names_bad_filters() {
    let app = TestApp::seeded(60).await;
    let client = app.client();
    app.page_login(&client, Persona::StateAdmin).await;
    let (status, html) = text(&client, &app, "/measures").await;
    assert_eq!(status, 200);
    assert!(html.contains("<h1>Outcome measures</h1>"));
    for (code, version) in accompany_domain::measures::MEASURES {
        assert!(html.contains(&format!("{code} v{version}")), "{code} is listed");
    }
    assert!(html.contains("id=\"organization\""), "a state admin may choose an organization");
    assert!(html.contains("Counts from 1 to 10"), "the small-cell rule is explained");
    assert!(html.contains("<meter") || html.contains("fewer than 11"), "every rate is a bar or says it is withheld");
    assert!(html.contains("still to recompute"));

    // A bad day and an unknown organization are named next to their fields.
    let (status, html) = text(&client, &app, "/measures?from=yesterday&to=2024-01-01").await;
    assert_eq!(status, 422);
    assert!(html.contains("id=\"from-error\">Write the date as year-month-day"), "the bad day is named");
    assert!(html.contains("value=\"yesterday\""), "what was typed is kept");
    let (status, html) = text(&client, &app, "/measures?from=2024-06-01&to=2024-01-01").await;
    assert_eq!(status, 422);
    assert!(html.contains("id=\"to-error\">The period ends before it starts"));
    let (status, html) = text(&client, &app, "/measures?organization=no-such-org").await;
    assert_eq!(status, 422);
    assert!(html.contains("id=\"organization-error\">There is no such organization."));

    // The same page in Spanish.
    let r = client.get(app.url("/measures")).header("accept-language", "es").send().await.unwrap();
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(html.contains("<h1>Medidas de resultados</h1>") && html.contains("Desglose por grupo"));

    // An organization admin reads their own organization's, without choosing another.
    let admin = app.client();
    app.page_login(&admin, Persona::OrganizationAdmin).await;
    let (status, html) = text(&admin, &app, "/measures").await;
    assert_eq!(status, 200);
    assert!(html.contains("FUA-style v") && !html.contains("id=\"organization\""));
}

#[tokio::test]
async fn measures_page_refuses_a_peer_and_a_member_and_audits_it() {
    let app = TestApp::seeded(30).await;
    for persona in [Persona::PeerWorker, Persona::Member] {
        let client = app.client();
        app.page_login(&client, persona).await;
        let before = app.count("audit_events WHERE entity = 'measures' AND decision = 'deny'").await;
        let (status, html) = text(&client, &app, "/measures").await;
        assert_eq!(status, 403, "{persona:?}");
        assert!(html.contains("Not permitted") && !html.contains("FUA-style"), "{persona:?} sees the refusal page");
        let after = app.count("audit_events WHERE entity = 'measures' AND decision = 'deny'").await;
        assert_eq!(after, before + 1, "the refusal of {persona:?} is audited");
        // Bad input changes nothing: still refused.
        let (status, _) = text(&client, &app, "/measures?from=nope").await;
        assert_eq!(status, 403, "{persona:?} with a bad day");
    }
}

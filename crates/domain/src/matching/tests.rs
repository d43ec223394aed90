use super::*;
use crate::catalog::Catalog;
use crate::records::{TimeOfDay, Visibility};

fn catalog() -> Catalog {
    Catalog::massachusetts().expect("embedded catalog is valid")
}

fn facts(id: &str, role: &str) -> PeerFacts {
    PeerFacts {
        worker_id: id.to_string(),
        role_id: role.to_string(),
        organization_id: "org".into(),
        source: SourceKind::Vendor,
        languages: vec!["en".into()],
        identity: vec![],
        lived_experience: vec![],
        modalities: Modality::ALL.to_vec(),
        times: vec![TimeOfDay::Daytime],
        location: None,
        town: None,
        remaining_capacity: 3,
    }
}

fn profile(f: PeerFacts) -> PeerProfile {
    PeerProfile::new(f, &catalog()).expect("valid facts")
}

fn input(support: SupportKind) -> PreferencesInput {
    PreferencesInput { support: Some(support), languages: vec!["en".into()], ..Default::default() }
}

// -- validation --------------------------------------------------------------

#[test]
fn every_bad_field_is_named_with_its_code() {
    let c = catalog();
    let i = PreferencesInput {
        support: None,
        languages: vec!["klingon".into()],
        identity: vec![
            IdentityWishInput { dimension: IdentityDimension::Gender, strength: Strength::Must, values: vec![] },
            IdentityWishInput { dimension: IdentityDimension::Language, strength: Strength::Prefer, values: vec!["xx".into()] },
        ],
        lived_experience: vec![TopicWishInput { topic: "astronaut".into(), strength: Strength::Prefer }],
        modalities: vec![Modality::InPerson],
        home: Some(GeoPoint { lat: 42.0, lon: -71.0 }),
        max_travel_km: Some(0),
        source: SourceWishInput { strength: Strength::Must, kinds: vec![] },
        ..Default::default()
    };
    let e = i.validate(&c).unwrap_err();
    let got: Vec<(&str, &str)> = e.0.iter().map(|f| (f.field.as_str(), f.code)).collect();
    assert_eq!(
        got,
        [
            ("support", "required"),
            ("languages", "unknown-choice"),
            ("languages", "language-or-interpreter"),
            ("identity[0].values", "wish-without-value"),
            ("identity[1].values", "unknown-choice"),
            ("identity[1].values", "wish-without-value"),
            ("lived_experience[0].topic", "unknown-choice"),
            ("max_travel_km", "out-of-range"),
            ("source.kinds", "wish-without-value"),
        ]
    );
}

#[test]
fn travel_limit_needs_a_home_and_coordinates_are_checked() {
    let c = catalog();
    let mut i = input(SupportKind::Both);
    i.modalities = vec![Modality::InPerson];
    i.max_travel_km = Some(20);
    let e = i.validate(&c).unwrap_err();
    assert_eq!(e.0[0].field, "home");
    i.home = Some(GeoPoint { lat: 91.0, lon: -200.0 });
    let fields: Vec<_> = i.validate(&c).unwrap_err().0.into_iter().map(|f| f.field).collect();
    assert_eq!(fields, ["home.lat", "home.lon"]);
}

#[test]
fn same_wishes_in_any_order_give_equal_preferences() {
    let c = catalog();
    let mut a = input(SupportKind::MentalHealth);
    a.identity = vec![
        IdentityWishInput { dimension: IdentityDimension::Race, strength: Strength::Prefer, values: vec!["Black".into(), " black. ".into()] },
        IdentityWishInput { dimension: IdentityDimension::Gender, strength: Strength::Prefer, values: vec!["Woman".into()] },
    ];
    a.times = vec![TimeOfDay::Evening, TimeOfDay::Daytime, TimeOfDay::Evening];
    let mut b = a.clone();
    b.identity.reverse();
    b.times = vec![TimeOfDay::Daytime, TimeOfDay::Evening];
    let pa = a.validate(&c).unwrap();
    assert_eq!(pa, b.validate(&c).unwrap());
    assert_eq!(pa.identity[1].values, ["black"]);
}

#[test]
fn json_shape_is_kebab_case_and_round_trips() {
    let c = catalog();
    let json = r#"{
        "support": "both",
        "languages": ["es", "en"],
        "interpreter_ok": false,
        "identity": [{"dimension": "sexual-orientation", "strength": "prefer", "values": ["Gay"]}],
        "lived_experience": [{"topic": "substance-use", "strength": "must"}],
        "modalities": ["in-person", "video"],
        "times": ["evening", "weekend"],
        "home": {"lat": 42.3601, "lon": -71.0589},
        "home_town": "Boston",
        "max_travel_km": 15,
        "source": {"strength": "prefer", "kinds": ["rlc"]}
    }"#;
    let input: PreferencesInput = serde_json::from_str(json).expect("parses");
    let prefs = input.validate(&c).expect("valid");
    assert_eq!(prefs.identity[0].values, ["gay"]);
    let stored = serde_json::to_value(&prefs).unwrap();
    assert_eq!(stored["support"], "both");
    assert_eq!(stored["identity"][0]["dimension"], "sexual-orientation");
    assert_eq!(stored["modalities"][0], "in-person");
    let back: Preferences = serde_json::from_value(stored).unwrap();
    assert_eq!(back, prefs);
    // "Choose for me": only the support kind and languages.
    let minimal: PreferencesInput = serde_json::from_str(r#"{"support": "mental-health", "languages": ["en"]}"#).unwrap();
    assert_eq!(minimal.validate(&c).unwrap(), Preferences::choose_for_me(SupportKind::MentalHealth, vec!["en".into()]));
}

// -- rank --------------------------------------------------------------------

#[test]
fn both_kinds_of_support_accept_either_culture() {
    let c = catalog();
    let peers = [
        profile(facts("a", "certified-peer-specialist")),
        profile(facts("b", "peer-recovery-coach")),
        profile(facts("c", "community-health-worker")),
    ];
    let ids = |s: SupportKind| -> Vec<String> {
        let p = input(s).validate(&c).unwrap();
        rank(&p, &peers, &c).into_iter().map(|r| r.worker_id.to_string()).collect()
    };
    assert_eq!(ids(SupportKind::Both), ["a", "b"]);
    assert_eq!(ids(SupportKind::MentalHealth), ["a"]);
    assert_eq!(ids(SupportKind::HealthAndSocialNeeds), ["c"]);
    let p = input(SupportKind::MentalHealth).validate(&c).unwrap();
    assert_eq!(ineligibility(&p, &peers[1], &c), Some(Blocker::Role));
}

#[test]
fn each_blocker_is_reported() {
    let c = catalog();
    let base = || facts("p", "certified-peer-specialist");
    let mut prefs = input(SupportKind::MentalHealth);
    prefs.identity = vec![IdentityWishInput { dimension: IdentityDimension::Gender, strength: Strength::Must, values: vec!["woman".into()] }];
    prefs.times = vec![TimeOfDay::Evening];
    prefs.modalities = vec![Modality::InPerson];
    prefs.home = Some(GeoPoint { lat: 42.3601, lon: -71.0589 });
    prefs.max_travel_km = Some(10);
    let prefs = prefs.validate(&c).unwrap();
    let woman = IdentityAttribute { dimension: IdentityDimension::Gender, value: "Woman".into(), visibility: Visibility::Matching };
    let good = || {
        let mut f = base();
        f.identity = vec![woman.clone()];
        f.times = vec![TimeOfDay::Evening];
        f.location = Some(GeoPoint { lat: 42.3736, lon: -71.1097 }); // Cambridge, about 4 km
        f
    };
    assert_eq!(ineligibility(&prefs, &profile(good()), &c), None);
    let cases: Vec<(PeerFacts, Blocker)> = vec![
        (
            {
                let mut f = good();
                f.role_id = "peer-recovery-coach".into();
                f
            },
            Blocker::Role,
        ),
        (
            {
                let mut f = good();
                f.languages = vec!["es".into()];
                f
            },
            Blocker::Language,
        ),
        (
            {
                let mut f = good();
                f.identity.clear();
                f
            },
            Blocker::Must(WishKey::Identity(IdentityDimension::Gender)),
        ),
        (
            {
                let mut f = good();
                f.identity[0].visibility = Visibility::Private;
                f
            },
            Blocker::Must(WishKey::Identity(IdentityDimension::Gender)),
        ),
        (
            {
                let mut f = good();
                f.remaining_capacity = 0;
                f
            },
            Blocker::Capacity,
        ),
        (
            {
                let mut f = good();
                f.times = vec![TimeOfDay::Daytime];
                f
            },
            Blocker::Times,
        ),
        (
            {
                let mut f = good();
                f.modalities = vec![Modality::Phone];
                f
            },
            Blocker::Modality,
        ),
        (
            {
                let mut f = good();
                f.location = Some(GeoPoint { lat: 42.1015, lon: -72.5898 });
                f
            },
            Blocker::Distance,
        ),
        (
            {
                let mut f = good();
                f.location = None;
                f
            },
            Blocker::Distance,
        ),
    ];
    for (f, want) in cases {
        assert_eq!(ineligibility(&prefs, &profile(f), &c), Some(want));
    }
    let mut named = prefs.clone();
    named.named_peer = Some("someone-else".into());
    assert_eq!(ineligibility(&named, &profile(good()), &c), Some(Blocker::NamedPeer));
}

#[test]
fn reasons_show_only_what_the_peer_shows() {
    let c = catalog();
    let mut i = input(SupportKind::MentalHealth);
    i.identity = vec![
        IdentityWishInput { dimension: IdentityDimension::Gender, strength: Strength::Prefer, values: vec!["woman".into()] },
        IdentityWishInput { dimension: IdentityDimension::Faith, strength: Strength::Prefer, values: vec!["catholic".into()] },
        IdentityWishInput { dimension: IdentityDimension::Race, strength: Strength::Prefer, values: vec!["black".into()] },
    ];
    i.lived_experience = vec![
        TopicWishInput { topic: "trauma".into(), strength: Strength::Prefer },
        TopicWishInput { topic: "veteran".into(), strength: Strength::Prefer },
    ];
    let prefs = i.validate(&c).unwrap();
    let mut f = facts("p", "certified-peer-specialist");
    f.identity = vec![
        IdentityAttribute { dimension: IdentityDimension::Gender, value: "Woman.".into(), visibility: Visibility::Members },
        IdentityAttribute { dimension: IdentityDimension::Faith, value: "Catholic".into(), visibility: Visibility::Matching },
        IdentityAttribute { dimension: IdentityDimension::Race, value: "Black".into(), visibility: Visibility::Private },
    ];
    f.lived_experience = vec![
        LivedExperience { topic: "trauma".into(), visibility: Visibility::Matching },
        LivedExperience { topic: "veteran".into(), visibility: Visibility::Members },
    ];
    // One way to meet and one time: no bonus, so the score is the preferences alone.
    f.modalities = vec![Modality::Phone];
    let peers = [profile(f)];
    let ranked = rank(&prefs, &peers, &c);
    // Gender, faith, trauma and veteran count; race is private and does not.
    assert_eq!(ranked[0].score, 4 * PREFER_WEIGHT);
    let reasons = &ranked[0].reasons;
    assert!(reasons.contains(&Reason::SharesIdentity { dimension: IdentityDimension::Gender, value: "woman" }));
    assert!(reasons.contains(&Reason::SharesLivedExperience { topic: "veteran" }));
    assert!(reasons.contains(&Reason::PreferredButMissing { wish: WishKey::Identity(IdentityDimension::Race) }));
    let text = serde_json::to_string(reasons).unwrap();
    assert!(!text.contains("catholic") && !text.contains("trauma") && !text.contains("black"), "{text}");
    assert!(!text.contains("faith"), "a hidden match is neither shown nor called missing: {text}");
}

#[test]
fn only_preferences_score() {
    let c = catalog();
    let mut i = input(SupportKind::MentalHealth);
    i.interpreter_ok = true;
    i.identity = vec![IdentityWishInput { dimension: IdentityDimension::Gender, strength: Strength::Prefer, values: vec!["man".into()] }];
    let prefs = i.validate(&c).unwrap();
    // More times and a shared language are not asked for: they earn nothing.
    let mut rich = facts("a", "certified-peer-specialist");
    rich.times = vec![TimeOfDay::Daytime, TimeOfDay::Evening, TimeOfDay::Night, TimeOfDay::Weekend];
    let mut man = facts("b", "certified-peer-specialist");
    man.languages = vec!["es".into()];
    man.modalities = vec![Modality::Phone];
    man.identity = vec![IdentityAttribute { dimension: IdentityDimension::Gender, value: "man".into(), visibility: Visibility::Members }];
    let peers = [profile(rich), profile(man)];
    let ranked = rank(&prefs, &peers, &c);
    assert_eq!(ranked[0].worker_id, "b");
    assert_eq!(ranked[0].score, PREFER_WEIGHT);
    assert_eq!(ranked[1].score, 0);
}

/// Hungarian method on one column per unit of capacity plus one "waits"
/// column per member: the best weight is `big * served + total score`.
fn hungarian_optimum(members: &[(String, Preferences)], peers: &[PeerProfile], c: &Catalog, big: i64) -> i64 {
    use pathfinding::prelude::{kuhn_munkres, Matrix};
    let mut columns: Vec<Option<usize>> = Vec::new();
    for (j, p) in peers.iter().enumerate() {
        for _ in 0..p.remaining_capacity().min(members.len() as u32) {
            columns.push(Some(j));
        }
    }
    columns.extend(std::iter::repeat_n(None, members.len()));
    let forbidden = -(big * (members.len() as i64 + 1)) * 4;
    let mut m = Matrix::new(members.len(), columns.len(), 0i64);
    for (i, (_, prefs)) in members.iter().enumerate() {
        for (k, col) in columns.iter().enumerate() {
            m[(i, k)] = match col {
                Some(j) => score(prefs, &peers[*j], c).map_or(forbidden, |s| big + s),
                None => 0,
            };
        }
    }
    kuhn_munkres(&m).0
}

#[test]
fn members_no_peer_tells_apart_share_a_class() {
    let c = catalog();
    let peers = [profile(facts("a", "certified-peer-specialist")), profile(facts("b", "certified-peer-specialist"))];
    // Every peer meets in the daytime and speaks English: asking for the
    // daytime, or preferring a veteran nobody is, changes nothing.
    let plain = input(SupportKind::MentalHealth).validate(&c).unwrap();
    let mut daytime = input(SupportKind::MentalHealth);
    daytime.times = vec![TimeOfDay::Daytime];
    let mut veteran = input(SupportKind::MentalHealth);
    veteran.lived_experience = vec![TopicWishInput { topic: "veteran".into(), strength: Strength::Prefer }];
    let members =
        vec![("m1".to_string(), plain), ("m2".to_string(), daytime.validate(&c).unwrap()), ("m3".to_string(), veteran.validate(&c).unwrap())];
    let a = assign(&members, &peers, &c);
    assert_eq!((a.member_classes, a.peer_classes, a.served), (1, 1, 3));
    assert_eq!(-a.objective, hungarian_optimum(&members, &peers, &c, a.big));
}

#[test]
fn scarce_capacity_goes_where_it_serves_more_members() {
    let c = catalog();
    // A bilingual peer is the only one for a Spanish speaker; an English
    // speaker prefers that peer but can be served by the other.
    let mut both = facts("a", "certified-peer-specialist");
    both.languages = vec!["en".into(), "es".into()];
    both.remaining_capacity = 1;
    both.identity = vec![IdentityAttribute { dimension: IdentityDimension::Gender, value: "woman".into(), visibility: Visibility::Members }];
    let mut english = facts("b", "certified-peer-specialist");
    english.remaining_capacity = 1;
    let peers = [profile(both), profile(english)];
    let mut wants_woman = input(SupportKind::MentalHealth);
    wants_woman.identity = vec![IdentityWishInput { dimension: IdentityDimension::Gender, strength: Strength::Prefer, values: vec!["woman".into()] }];
    let mut spanish = input(SupportKind::MentalHealth);
    spanish.languages = vec!["es".into()];
    let members = vec![("m1".to_string(), wants_woman.validate(&c).unwrap()), ("m2".to_string(), spanish.validate(&c).unwrap())];
    let a = assign(&members, &peers, &c);
    assert_eq!(a.served, 2);
    let pairs: Vec<(&str, &str)> = a.pairs.iter().map(|p| (p.member_id.as_str(), p.worker_id.as_str())).collect();
    assert_eq!(pairs, [("m1", "b"), ("m2", "a")]);
}

#[test]
fn unmatched_members_carry_the_constraint_that_left_them_alone() {
    let c = catalog();
    let mut one = facts("a", "certified-peer-specialist");
    one.remaining_capacity = 1;
    let peers = [
        profile(one),
        profile({
            let mut f = facts("z", "certified-peer-specialist");
            f.remaining_capacity = 0;
            f
        }),
    ];
    let mut khmer = input(SupportKind::MentalHealth);
    khmer.languages = vec!["km".into()];
    khmer.home_town = Some("Lowell".into());
    let members = vec![
        ("m1".to_string(), input(SupportKind::MentalHealth).validate(&c).unwrap()),
        ("m2".to_string(), input(SupportKind::MentalHealth).validate(&c).unwrap()),
        ("m3".to_string(), khmer.validate(&c).unwrap()),
        ("m4".to_string(), {
            let mut p = input(SupportKind::MentalHealth).validate(&c).unwrap();
            p.named_peer = Some("z".into());
            p
        }),
    ];
    let a = assign(&members, &peers, &c);
    assert_eq!(a.served, 1);
    let reasons: Vec<(&str, &UnmatchedReason)> = a.unmatched.iter().map(|u| (u.member_id.as_str(), &u.reason)).collect();
    assert_eq!(
        reasons,
        [
            ("m2", &UnmatchedReason::CapacityTakenByOthers),
            ("m3", &UnmatchedReason::NoEligiblePeer(Blocker::Language)),
            ("m4", &UnmatchedReason::NoEligiblePeer(Blocker::Capacity)),
        ]
    );
    assert_eq!(a.gap.by_language.get("km"), Some(&1));
    assert_eq!(a.gap.by_town.get("Lowell"), Some(&1));
    assert_eq!(a.gap.by_reason.get("capacity-taken-by-others"), Some(&1));
}

#[test]
fn a_member_who_lost_their_peer_stays_with_the_same_organization_where_possible() {
    let c = catalog();
    let mut same = facts("b-same", "certified-peer-specialist");
    same.organization_id = "org-old".into();
    same.remaining_capacity = 1;
    let other = facts("a-other", "certified-peer-specialist");
    let peers = vec![profile(other), profile(same)];
    let mut prefs = Preferences::for_reassignment(SupportKind::MentalHealth, vec!["en".into()], None);
    prefs.organization = Some("org-old".into());
    let ranked = rank(&prefs, &peers, &c);
    assert_eq!(ranked[0].worker_id, "b-same");
    assert!(ranked[0].reasons.contains(&Reason::SameOrganization));
    assert!(!ranked[1].reasons.contains(&Reason::SameOrganization));
    // Two members lost the same peer; one seat is left at the old organization.
    let mut second = prefs.clone();
    second.organization = None;
    let a = assign(&[("m1".into(), prefs), ("m2".into(), second)], &peers, &c);
    assert_eq!(a.served, 2);
    let m1 = a.pairs.iter().find(|p| p.member_id == "m1").expect("m1 is served");
    assert_eq!(m1.worker_id, "b-same");
}

// -- concordance ---------------------------------------------------------------

#[test]
fn concordance_judges_each_strength_on_every_wish_about_who_the_peer_is() {
    let c = catalog();
    let mut i = input(SupportKind::MentalHealth);
    i.identity = vec![
        IdentityWishInput { dimension: IdentityDimension::Race, strength: Strength::Must, values: vec!["Black".into()] },
        IdentityWishInput { dimension: IdentityDimension::Gender, strength: Strength::Prefer, values: vec!["woman".into()] },
        IdentityWishInput { dimension: IdentityDimension::Language, strength: Strength::Prefer, values: vec!["es".into()] },
    ];
    let prefs = i.validate(&c).unwrap();
    let attr = |dimension, value: &str| IdentityAttribute { dimension, value: value.into(), visibility: Visibility::Matching };
    let mut f = facts("w1", "certified-peer-specialist");
    f.identity = vec![attr(IdentityDimension::Race, "black"), attr(IdentityDimension::Gender, "woman")];
    let both_but_language = concordance(&prefs, &profile(f.clone()), &c);
    assert_eq!(both_but_language, Concordance { must: Some(true), prefer: Some(false) }, "one prefer wish missed is a miss");
    f.languages.push("es".into());
    assert_eq!(concordance(&prefs, &profile(f.clone()), &c), Concordance { must: Some(true), prefer: Some(true) });
    f.identity.remove(0);
    assert_eq!(concordance(&prefs, &profile(f), &c).must, Some(false));
    let none = input(SupportKind::MentalHealth).validate(&c).unwrap();
    assert_eq!(concordance(&none, &profile(facts("w2", "certified-peer-specialist")), &c), Concordance::default(), "no wishes, nothing to judge");
}

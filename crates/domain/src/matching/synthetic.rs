//! Deterministic synthetic matching data for demonstrations and load tests:
//! the preferences of member `i` and the profile of peer `j` depend only on
//! (seed, i) and (seed, j), so any slice can be made on its own.
//!
//! The mix follows Massachusetts: mostly English, much Spanish, some
//! Portuguese, Haitian Creole, Chinese, Vietnamese and others, and a few
//! Khmer-speaking members for whom peers are scarce, so that a batch shows
//! a real network-adequacy gap. People live at the centre of one of about
//! fifty towns (the store does the same with real addresses), which keeps
//! the batch's classes coarse.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::catalog::Catalog;
use crate::error::Invalid;
use crate::records::{TimeOfDay, Visibility};

use super::preferences::{
    GeoPoint, IdentityDimension, IdentityWishInput, Modality, Preferences, PreferencesInput, SourceKind, SourceWishInput, Strength, SupportKind,
    TopicWishInput,
};
use super::profile::{IdentityAttribute, LivedExperience, PeerFacts, PeerProfile};

const SALT_MEMBER: u64 = 0x6d61_7463_685f_6d31;
const SALT_PEER: u64 = 0x6d61_7463_685f_7031;

fn stream(seed: u64, salt: u64, index: u64) -> ChaCha8Rng {
    let mut key = [0u8; 32];
    key[..8].copy_from_slice(&seed.to_le_bytes());
    key[8..16].copy_from_slice(&salt.to_le_bytes());
    key[16..24].copy_from_slice(&index.to_le_bytes());
    ChaCha8Rng::from_seed(key)
}

fn pick<T: Copy>(rng: &mut impl Rng, items: &[(T, u32)]) -> T {
    let total: u32 = items.iter().map(|(_, w)| *w).sum();
    let mut x = rng.gen_range(0..total.max(1));
    for (item, w) in items {
        if x < *w {
            return *item;
        }
        x -= w;
    }
    items[items.len() - 1].0
}

/// A town: name, centre (degrees), weight (roughly thousands of people).
pub struct Town {
    pub name: &'static str,
    pub lat: f64,
    pub lon: f64,
    pub weight: u32,
}

const fn town(name: &'static str, lat: f64, lon: f64, weight: u32) -> Town {
    Town { name, lat, lon, weight }
}

/// Massachusetts towns where members and peers live.
pub static TOWNS: [Town; 48] = [
    town("Boston", 42.3601, -71.0589, 650),
    town("Cambridge", 42.3736, -71.1097, 118),
    town("Somerville", 42.3876, -71.0995, 80),
    town("Chelsea", 42.3918, -71.0328, 40),
    town("Everett", 42.4084, -71.0537, 49),
    town("Revere", 42.4084, -71.0120, 62),
    town("Malden", 42.4251, -71.0662, 66),
    town("Medford", 42.4184, -71.1062, 59),
    town("Brookline", 42.3318, -71.1212, 63),
    town("Lynn", 42.4668, -70.9495, 101),
    town("Salem", 42.5195, -70.8967, 44),
    town("Peabody", 42.5279, -70.9287, 54),
    town("Gloucester", 42.6159, -70.6620, 30),
    town("Lowell", 42.6334, -71.3162, 115),
    town("Lawrence", 42.7070, -71.1631, 89),
    town("Haverhill", 42.7762, -71.0773, 67),
    town("Methuen", 42.7262, -71.1909, 53),
    town("Worcester", 42.2626, -71.8023, 206),
    town("Fitchburg", 42.5834, -71.8023, 41),
    town("Leominster", 42.5251, -71.7598, 43),
    town("Springfield", 42.1015, -72.5898, 155),
    town("Holyoke", 42.2043, -72.6162, 38),
    town("Chicopee", 42.1487, -72.6079, 55),
    town("Northampton", 42.3251, -72.6412, 29),
    town("Amherst", 42.3732, -72.5199, 39),
    town("Greenfield", 42.5876, -72.5995, 17),
    town("Pittsfield", 42.4501, -73.2454, 43),
    town("North Adams", 42.7009, -73.1087, 13),
    town("Framingham", 42.2793, -71.4162, 72),
    town("Waltham", 42.3765, -71.2356, 65),
    town("Newton", 42.3370, -71.2092, 88),
    town("Marlborough", 42.3459, -71.5523, 41),
    town("Quincy", 42.2529, -71.0023, 101),
    town("Brockton", 42.0834, -71.0184, 105),
    town("Weymouth", 42.2180, -70.9410, 57),
    town("Randolph", 42.1626, -71.0412, 35),
    town("Plymouth", 41.9584, -70.6673, 61),
    town("New Bedford", 41.6362, -70.9342, 101),
    town("Fall River", 41.7015, -71.1550, 94),
    town("Taunton", 41.9001, -71.0898, 59),
    town("Attleboro", 41.9445, -71.2856, 46),
    town("Barnstable", 41.7003, -70.3002, 49),
    town("Falmouth", 41.5515, -70.6148, 32),
    town("Westfield", 42.1251, -72.7495, 41),
    town("Southbridge", 42.0751, -72.0334, 17),
    town("Webster", 42.0501, -71.8801, 17),
    town("Beverly", 42.5584, -70.8800, 42),
    town("Woburn", 42.4793, -71.1523, 40),
];

fn pick_town(rng: &mut impl Rng) -> &'static Town {
    let total: u32 = TOWNS.iter().map(|t| t.weight).sum();
    let mut x = rng.gen_range(0..total);
    for t in &TOWNS {
        if x < t.weight {
            return t;
        }
        x -= t.weight;
    }
    &TOWNS[0]
}

/// First languages of members, per mille (Massachusetts, roughly).
const MEMBER_LANGUAGES: [(&str, u32); 11] =
    [("en", 640), ("es", 190), ("pt", 40), ("ht", 35), ("zh", 25), ("vi", 20), ("kea", 12), ("km", 12), ("ar", 10), ("ru", 10), ("fr", 6)];

/// Languages peers speak besides English, with their probability; some
/// peers speak no English.
const PEER_EXTRA_LANGUAGES: [(&str, f64); 10] = [
    ("es", 0.22),
    ("pt", 0.04),
    ("ht", 0.035),
    ("zh", 0.02),
    ("vi", 0.02),
    ("kea", 0.008),
    ("fr", 0.01),
    ("ar", 0.006),
    ("ru", 0.006),
    // Khmer-speaking peers are rare: members who need one wait.
    ("km", 0.0004),
];

const GENDERS: [(&str, u32); 3] = [("woman", 52), ("man", 44), ("non-binary", 4)];
const RACES: [(&str, u32); 5] = [("white", 45), ("black", 25), ("latino", 18), ("asian", 8), ("multiracial", 4)];
const ETHNICITIES: [(&str, u32); 6] =
    [("puerto rican", 30), ("dominican", 20), ("haitian", 15), ("cape verdean", 10), ("brazilian", 15), ("irish", 10)];
const FAITHS: [(&str, u32); 5] = [("catholic", 35), ("christian", 30), ("muslim", 10), ("jewish", 10), ("none", 15)];
const ORIENTATIONS: [(&str, u32); 4] = [("straight", 70), ("gay", 12), ("lesbian", 8), ("bisexual", 10)];
const AGE_BANDS: [(&str, u32); 3] = [("21-30", 30), ("31-50", 45), ("51+", 25)];

fn values_of(d: IdentityDimension) -> &'static [(&'static str, u32)] {
    match d {
        IdentityDimension::Gender => &GENDERS,
        IdentityDimension::Race => &RACES,
        IdentityDimension::Ethnicity => &ETHNICITIES,
        IdentityDimension::Faith => &FAITHS,
        IdentityDimension::SexualOrientation => &ORIENTATIONS,
        IdentityDimension::AgeBand | IdentityDimension::Language => &AGE_BANDS,
    }
}

/// The choices member `index` made, as a form would send them.
pub fn member_input(seed: u64, index: u64, catalog: &Catalog, workers: u64) -> PreferencesInput {
    let mut rng = stream(seed, SALT_MEMBER, index);
    let first = pick(&mut rng, &MEMBER_LANGUAGES);
    let mut languages = vec![first.to_string()];
    if first != "en" && rng.gen_bool(0.45) {
        languages.push("en".into());
    }
    languages.retain(|c| catalog.language(c).is_some());
    let interpreter_ok = languages.is_empty() || rng.gen_bool(if first == "en" { 0.2 } else { 0.35 });
    let support = pick(
        &mut rng,
        &[
            (SupportKind::MentalHealth, 40),
            (SupportKind::SubstanceUse, 30),
            (SupportKind::Both, 18),
            (SupportKind::HealthAndSocialNeeds, 10),
            (SupportKind::Family, 1),
            (SupportKind::YoungAdults, 1),
        ],
    );
    // Most members leave ways and times open.
    let modalities: Vec<Modality> = pick(
        &mut rng,
        &[
            (&[][..], 55),
            (&[Modality::InPerson][..], 20),
            (&[Modality::InPerson, Modality::Phone][..], 10),
            (&[Modality::Phone, Modality::Video][..], 10),
            (&[Modality::Video][..], 5),
        ],
    )
    .to_vec();
    let times: Vec<TimeOfDay> = pick(
        &mut rng,
        &[
            (&[][..], 60),
            (&[TimeOfDay::Daytime][..], 20),
            (&[TimeOfDay::Evening][..], 10),
            (&[TimeOfDay::Evening, TimeOfDay::Weekend][..], 5),
            (&[TimeOfDay::Night][..], 2),
            (&[TimeOfDay::Weekend][..], 3),
        ],
    )
    .to_vec();
    let home = pick_town(&mut rng);
    let in_person = modalities.is_empty() || modalities.contains(&Modality::InPerson);
    let travel = pick(&mut rng, &[(10u32, 30), (20, 45), (40, 25)]);
    let (home_point, max_travel_km) =
        if in_person && !modalities.is_empty() { (Some(GeoPoint { lat: home.lat, lon: home.lon }), Some(travel)) } else { (None, None) };

    let mut identity = Vec::new();
    let wishes = pick(&mut rng, &[(0usize, 70), (1, 22), (2, 8)]);
    for _ in 0..wishes {
        let dimension = pick(
            &mut rng,
            &[
                (IdentityDimension::Gender, 45),
                (IdentityDimension::Language, 15),
                (IdentityDimension::Race, 12),
                (IdentityDimension::Ethnicity, 8),
                (IdentityDimension::Faith, 8),
                (IdentityDimension::SexualOrientation, 7),
                (IdentityDimension::AgeBand, 5),
            ],
        );
        if identity.iter().any(|w: &IdentityWishInput| w.dimension == dimension) {
            continue;
        }
        let values =
            if dimension == IdentityDimension::Language { vec![first.to_string()] } else { vec![pick(&mut rng, values_of(dimension)).to_string()] };
        let strength = if rng.gen_bool(0.2) { Strength::Must } else { Strength::Prefer };
        identity.push(IdentityWishInput { dimension, strength, values });
    }
    let mut lived_experience = Vec::new();
    let topics = pick(&mut rng, &[(0usize, 65), (1, 28), (2, 7)]);
    for _ in 0..topics {
        let topic = match support {
            SupportKind::SubstanceUse if rng.gen_bool(0.5) => "substance-use",
            SupportKind::MentalHealth if rng.gen_bool(0.4) => "mental-health",
            _ => pick(
                &mut rng,
                &[("trauma", 30), ("parenting", 20), ("veteran", 8), ("justice-involvement", 12), ("immigration", 10), ("lgbtq", 8), ("grief", 12)],
            ),
        };
        if lived_experience.iter().any(|w: &TopicWishInput| w.topic == topic) || catalog.lived_experience_topics.iter().all(|t| t.id != topic) {
            continue;
        }
        let strength = if rng.gen_bool(0.15) { Strength::Must } else { Strength::Prefer };
        lived_experience.push(TopicWishInput { topic: topic.to_string(), strength });
    }
    let source = pick(
        &mut rng,
        &[
            ((Strength::NoPreference, None), 85),
            ((Strength::Prefer, Some(SourceKind::Rlc)), 7),
            ((Strength::Prefer, Some(SourceKind::Plan)), 4),
            ((Strength::Must, Some(SourceKind::Rlc)), 2),
            ((Strength::Must, Some(SourceKind::Vendor)), 2),
        ],
    );
    let named_peer = (workers > 0 && rng.gen_bool(0.01)).then(|| peer_id(seed, rng.gen_range(0..workers)));
    PreferencesInput {
        support: Some(support),
        languages,
        interpreter_ok,
        identity,
        lived_experience,
        modalities,
        times,
        home: home_point,
        home_town: Some(home.name.to_string()),
        max_travel_km,
        source: SourceWishInput { strength: source.0, kinds: source.1.into_iter().collect() },
        named_peer,
    }
}

/// Member `index`'s checked preferences. `workers` bounds the peers a
/// member may name.
pub fn member_preferences(seed: u64, index: u64, catalog: &Catalog, workers: u64) -> Result<Preferences, Invalid> {
    member_input(seed, index, catalog, workers).validate(catalog)
}

/// A member id for index `index`, ordered like the index.
pub fn member_id(seed: u64, index: u64) -> String {
    format!("{index:08x}-0000-7000-8000-{:012x}", seed & 0xffff_ffff_ffff)
}

/// A worker id for index `index`, ordered like the index.
pub fn peer_id(seed: u64, index: u64) -> String {
    format!("{index:08x}-0000-7000-9000-{:012x}", seed & 0xffff_ffff_ffff)
}

/// The facts of peer `index`.
pub fn peer_facts(seed: u64, index: u64, catalog: &Catalog) -> PeerFacts {
    let mut rng = stream(seed, SALT_PEER, index);
    let role_weights: Vec<(usize, u32)> = catalog
        .roles
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let w = match r.id.as_str() {
                "certified-peer-specialist" => 35,
                "peer-recovery-coach" => 30,
                "family-partner" | "young-adult-peer-mentor" => 2,
                _ => 12,
            };
            (i, w)
        })
        .collect();
    let role = catalog.roles.get(pick(&mut rng, &role_weights));
    let mut languages = Vec::new();
    if rng.gen_bool(0.88) {
        languages.push("en".to_string());
        for (code, p) in PEER_EXTRA_LANGUAGES {
            if rng.gen_bool(p) {
                languages.push(code.to_string());
            }
        }
    } else {
        languages.push(pick(&mut rng, &[("es", 70), ("pt", 10), ("ht", 10), ("zh", 5), ("vi", 5)]).to_string());
    }
    languages.retain(|c| catalog.language(c).is_some());
    let mut identity = Vec::new();
    for dimension in [
        IdentityDimension::Gender,
        IdentityDimension::Race,
        IdentityDimension::Ethnicity,
        IdentityDimension::Faith,
        IdentityDimension::SexualOrientation,
        IdentityDimension::AgeBand,
    ] {
        let disclosed = if dimension == IdentityDimension::Gender { 0.8 } else { 0.4 };
        if rng.gen_bool(disclosed) {
            let visibility = if rng.gen_bool(0.6) { Visibility::Members } else { Visibility::Matching };
            identity.push(IdentityAttribute { dimension, value: pick(&mut rng, values_of(dimension)).to_string(), visibility });
        }
    }
    let mut lived_experience = Vec::new();
    let n = pick(&mut rng, &[(1usize, 45), (2, 35), (3, 20)]);
    for _ in 0..n {
        let topic = match role.map(|r| r.id.as_str()) {
            Some("peer-recovery-coach") if lived_experience.is_empty() => "substance-use",
            Some("certified-peer-specialist") if lived_experience.is_empty() => "mental-health",
            _ => pick(
                &mut rng,
                &[
                    ("trauma", 25),
                    ("parenting", 18),
                    ("veteran", 5),
                    ("justice-involvement", 12),
                    ("immigration", 10),
                    ("lgbtq", 8),
                    ("grief", 12),
                    ("substance-use", 10),
                ],
            ),
        };
        if lived_experience.iter().any(|t: &LivedExperience| t.topic == topic) || catalog.lived_experience_topics.iter().all(|t| t.id != topic) {
            continue;
        }
        let visibility = if rng.gen_bool(0.6) { Visibility::Members } else { Visibility::Matching };
        lived_experience.push(LivedExperience { topic: topic.to_string(), visibility });
    }
    let mut modalities = Vec::new();
    for (m, p) in [(Modality::InPerson, 0.85), (Modality::Phone, 0.8), (Modality::Video, 0.5)] {
        if rng.gen_bool(p) {
            modalities.push(m);
        }
    }
    if modalities.is_empty() {
        modalities.push(Modality::InPerson);
    }
    let mut times = Vec::new();
    for (t, p) in [(TimeOfDay::Daytime, 0.9), (TimeOfDay::Evening, 0.4), (TimeOfDay::Night, 0.1), (TimeOfDay::Weekend, 0.25)] {
        if rng.gen_bool(p) {
            times.push(t);
        }
    }
    if times.is_empty() {
        times.push(TimeOfDay::Daytime);
    }
    let home = pick_town(&mut rng);
    let source = pick(&mut rng, &[(SourceKind::Plan, 17), (SourceKind::Rlc, 25), (SourceKind::Vendor, 58)]);
    let cap = role.map_or(0, |r| r.caseload_cap);
    // Caseloads run between a third full and full.
    let carried = rng.gen_range(cap / 3..=cap);
    PeerFacts {
        worker_id: peer_id(seed, index),
        role_id: role.map_or_else(String::new, |r| r.id.clone()),
        organization_id: format!("org-{}", rng.gen_range(0..32u32)),
        source,
        languages,
        identity,
        lived_experience,
        modalities,
        times,
        location: Some(GeoPoint { lat: home.lat, lon: home.lon }),
        town: Some(home.name.to_string()),
        remaining_capacity: cap - carried,
    }
}

/// Peer `index`'s profile.
pub fn peer_profile(seed: u64, index: u64, catalog: &Catalog) -> Result<PeerProfile, Invalid> {
    PeerProfile::new(peer_facts(seed, index, catalog), catalog)
}

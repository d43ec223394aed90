//! Deterministic synthetic matching data for demonstrations and load tests:
//! the preferences of member `i` and the profile of peer `j` depend only on
//! (seed, i) and (seed, j), so any slice can be made on its own.
//!
//! The mix follows Massachusetts: mostly English, much Spanish, some
//! Portuguese, Haitian Creole, Chinese, Vietnamese and others, and a few
//! Khmer-speaking members for whom peers are scarce, so that a batch shows
//! a real network-adequacy gap. People live at the centre of one of the
//! catalog's towns, picked by population (the store places a town's people
//! at its centre too), which keeps the batch's classes coarse.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use accompany_domain::catalog::{Catalog, Town};
use accompany_domain::error::Invalid;
use accompany_domain::matching::{
    GeoPoint, IdentityAttribute, IdentityDimension, IdentityWishInput, LivedExperience, Modality, PeerFacts, PeerProfile, Preferences,
    PreferencesInput, SourceKind, SourceWishInput, Strength, SupportKind, TopicWishInput,
};
use accompany_domain::records::{TimeOfDay, Visibility};

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

/// A town of the catalog, weighted by its population; none when the
/// catalog lists no towns.
fn pick_town<'c>(rng: &mut impl Rng, catalog: &'c Catalog) -> Option<&'c Town> {
    let total: u64 = catalog.towns.iter().map(|t| u64::from(t.population)).sum();
    if total == 0 {
        return None;
    }
    let mut x = rng.gen_range(0..total);
    for t in &catalog.towns {
        if x < u64::from(t.population) {
            return Some(t);
        }
        x -= u64::from(t.population);
    }
    catalog.towns.last()
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
    let home = pick_town(&mut rng, catalog);
    let in_person = modalities.is_empty() || modalities.contains(&Modality::InPerson);
    let travel = pick(&mut rng, &[(10u32, 30), (20, 45), (40, 25)]);
    let (home_point, max_travel_km) = match home {
        Some(h) if in_person && !modalities.is_empty() => (Some(GeoPoint { lat: h.lat, lon: h.lon }), Some(travel)),
        _ => (None, None),
    };

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
        home_town: home.map(|h| h.name.clone()),
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
    let home = pick_town(&mut rng, catalog);
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
        location: home.map(|h| GeoPoint { lat: h.lat, lon: h.lon }),
        town: home.map(|h| h.name.clone()),
        remaining_capacity: cap - carried,
    }
}

/// Peer `index`'s profile.
pub fn peer_profile(seed: u64, index: u64, catalog: &Catalog) -> Result<PeerProfile, Invalid> {
    PeerProfile::new(peer_facts(seed, index, catalog), catalog)
}

#[cfg(test)]
mod tests;

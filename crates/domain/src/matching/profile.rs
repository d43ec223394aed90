//! A peer as matching sees them: what they disclosed for matching, what
//! members may see, how and when they meet, and how many members they can
//! still take.

use std::hash::{Hash, Hasher};

use serde::{Deserialize, Serialize};

use crate::catalog::{Catalog, SupportFocus};
use crate::error::{FieldError, Invalid};
use crate::records::{Id, OrganizationKind, TimeOfDay, Visibility, Worker};

use super::preferences::{
    modality_mask, normalize_value, time_mask, unit_vector, GeoPoint, IdentityDimension, Modality, SourceKind, MAX_CATALOG_CHOICES,
};

impl SourceKind {
    /// The source a member is told about for a peer employed by `kind`:
    /// plans and their ACOs are the plan; RLCs are peer-run; everyone else
    /// is a vendor or community organization.
    pub fn of_organization(kind: OrganizationKind) -> SourceKind {
        match kind {
            OrganizationKind::HealthPlan | OrganizationKind::Aco => SourceKind::Plan,
            OrganizationKind::Rlc => SourceKind::Rlc,
            _ => SourceKind::Vendor,
        }
    }
}

/// One side of a peer's identity, disclosed for matching.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct IdentityAttribute {
    pub dimension: IdentityDimension,
    /// Normalized by `PeerProfile::new` (see `normalize_value`).
    pub value: String,
    /// `Matching`: used to match, never shown; `Members`: also shown.
    /// `Private` attributes are dropped.
    pub visibility: Visibility,
}

/// A lived experience a peer disclosed, by catalog topic id.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct LivedExperience {
    pub topic: String,
    pub visibility: Visibility,
}

/// The facts the store gathers about a peer; `PeerProfile::new` checks them.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct PeerFacts {
    pub worker_id: Id,
    pub role_id: String,
    pub organization_id: Id,
    pub source: SourceKind,
    /// Catalog language codes; a peer's languages are shown to members.
    pub languages: Vec<String>,
    pub identity: Vec<IdentityAttribute>,
    pub lived_experience: Vec<LivedExperience>,
    pub modalities: Vec<Modality>,
    pub times: Vec<TimeOfDay>,
    pub location: Option<GeoPoint>,
    pub town: Option<String>,
    /// The role's caseload cap less the members the peer carries now.
    pub remaining_capacity: u32,
}

/// Facts about a worker that the worker record does not hold.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkerExtras {
    pub source: SourceKind,
    pub modalities: Vec<Modality>,
    pub location: Option<GeoPoint>,
    /// Members the worker carries now.
    pub current_caseload: u32,
}

/// A peer ready to be matched: the checked facts and their compact form.
/// The facts live on the heap so that a slice of profiles is a dense array
/// of keys, which is what ranking scans.
#[derive(Debug, Clone)]
pub struct PeerProfile {
    pub(crate) key: PeerKey,
    /// The worker id again, beside the key: ranking lists it for every
    /// eligible peer and should not have to fetch the facts for it.
    id: Box<str>,
    facts: Box<PeerFacts>,
}

/// The facts as bits and numbers, so that ranking 10,000 peers touches no
/// strings except where a member's wish names an identity value.
#[derive(Debug, Clone)]
pub(crate) struct PeerKey {
    pub capacity: u32,
    pub focus: u8,
    pub langs: u128,
    /// Topics disclosed for matching, and the subset shown to members.
    pub topics: u128,
    pub topics_shown: u128,
    pub modalities: u8,
    pub times: u8,
    pub source: u8,
    pub unit: Option<[f64; 3]>,
    /// Hash of (dimension, value) of each identity attribute, parallel to
    /// `facts.identity`; equal hashes are confirmed on the text.
    pub identity_hashes: Box<[u64]>,
    /// Bit `d` set when some attribute has dimension `d`.
    pub identity_dims: u8,
    /// First 16 bytes of the worker id, big-endian: orders ids without
    /// touching the heap in the common case.
    pub id_prefix: u128,
}

pub(crate) fn focus_bit(f: SupportFocus) -> u8 {
    match f {
        SupportFocus::MentalHealth => 1,
        SupportFocus::SubstanceUse => 2,
        SupportFocus::HealthAndSocialNeeds => 4,
        SupportFocus::Family => 8,
        SupportFocus::YoungAdults => 16,
    }
}

/// Identity values are found by hash first; std's hasher with its fixed
/// keys is deterministic within a process, which is all this needs.
pub(crate) fn value_hash(dimension: IdentityDimension, value: &str) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    (dimension as u8).hash(&mut h);
    value.hash(&mut h);
    h.finish()
}

pub(crate) fn id_prefix(id: &str) -> u128 {
    let mut bytes = [0u8; 16];
    for (b, c) in bytes.iter_mut().zip(id.bytes()) {
        *b = c;
    }
    u128::from_be_bytes(bytes)
}

pub(crate) fn language_bits(codes: &[String], catalog: &Catalog) -> u128 {
    codes.iter().filter_map(|c| catalog.languages.iter().position(|l| &l.code == c)).filter(|&i| i < MAX_CATALOG_CHOICES).fold(0, |m, i| m | 1 << i)
}

pub(crate) fn topic_index(topic: &str, catalog: &Catalog) -> Option<usize> {
    catalog.lived_experience_topics.iter().position(|t| t.id == topic).filter(|&i| i < MAX_CATALOG_CHOICES)
}

impl PeerProfile {
    /// Check the facts against the catalog and prepare them for matching.
    /// Private statements are dropped; identity values are normalized.
    pub fn new(mut facts: PeerFacts, catalog: &Catalog) -> Result<PeerProfile, Invalid> {
        let mut errs = Invalid::default();
        let focus = match catalog.role(&facts.role_id) {
            Some(role) => role.focus_areas.iter().fold(0, |m, f| m | focus_bit(*f)),
            None => {
                errs.push(
                    FieldError::new("role_id", "unknown-choice", format!("unknown role {:?}", facts.role_id)).arg("value", facts.role_id.clone()),
                );
                0
            }
        };
        if facts.worker_id.trim().is_empty() {
            errs.push(FieldError::new("worker_id", "required", "is required"));
        }
        for (i, code) in facts.languages.iter().enumerate() {
            match catalog.languages.iter().position(|l| &l.code == code) {
                Some(at) if at < MAX_CATALOG_CHOICES => {}
                _ => errs.push(
                    FieldError::new(format!("languages[{i}]"), "unknown-choice", format!("unknown language {code:?}")).arg("value", code.clone()),
                ),
            }
        }
        facts.languages.sort();
        facts.languages.dedup();
        facts.identity.retain(|a| a.visibility != Visibility::Private);
        for (i, a) in facts.identity.iter_mut().enumerate() {
            if a.dimension == IdentityDimension::Language {
                errs.push(FieldError::new(
                    format!("identity[{i}].dimension"),
                    "language-is-a-list",
                    "give languages in `languages`, not as an identity attribute",
                ));
            }
            a.value = normalize_value(&a.value);
        }
        facts.identity.retain(|a| !a.value.is_empty());
        facts.identity.sort_by(|a, b| (a.dimension, &a.value).cmp(&(b.dimension, &b.value)));
        facts.identity.dedup_by(|a, b| a.dimension == b.dimension && a.value == b.value);
        facts.lived_experience.retain(|t| t.visibility != Visibility::Private);
        let mut topics = 0u128;
        let mut topics_shown = 0u128;
        for (i, t) in facts.lived_experience.iter().enumerate() {
            match topic_index(&t.topic, catalog) {
                Some(at) => {
                    topics |= 1 << at;
                    if t.visibility == Visibility::Members {
                        topics_shown |= 1 << at;
                    }
                }
                None => errs.push(
                    FieldError::new(format!("lived_experience[{i}].topic"), "unknown-choice", format!("unknown topic {:?}", t.topic))
                        .arg("value", t.topic.clone()),
                ),
            }
        }
        if let Some(p) = facts.location {
            if !(-90.0..=90.0).contains(&p.lat) || !(-180.0..=180.0).contains(&p.lon) {
                errs.push(FieldError::new("location", "out-of-range", "latitude is between -90 and 90, longitude between -180 and 180"));
            }
        }
        errs.finish()?;
        facts.modalities.sort();
        facts.modalities.dedup();
        facts.times.sort_by_key(|t| *t as u8);
        facts.times.dedup();
        let key = PeerKey {
            capacity: facts.remaining_capacity,
            focus,
            langs: language_bits(&facts.languages, catalog),
            topics,
            topics_shown,
            modalities: modality_mask(&facts.modalities),
            times: time_mask(&facts.times),
            source: facts.source.bit(),
            unit: facts.location.map(unit_vector),
            identity_hashes: facts.identity.iter().map(|a| value_hash(a.dimension, &a.value)).collect(),
            identity_dims: facts.identity.iter().fold(0, |m, a| m | 1 << (a.dimension as u8)),
            id_prefix: id_prefix(&facts.worker_id),
        };
        Ok(PeerProfile { key, id: facts.worker_id.clone().into_boxed_str(), facts: Box::new(facts) })
    }

    /// A profile from a worker record: statements whose topic is an
    /// identity dimension become identity attributes (value = the
    /// normalized text), statements whose topic is a catalog topic become
    /// lived experience; private statements are never used.
    pub fn from_worker(worker: &Worker, extras: &WorkerExtras, catalog: &Catalog) -> Result<PeerProfile, Invalid> {
        let cap = catalog.role(&worker.role_id).map_or(0, |r| r.caseload_cap);
        let mut identity = Vec::new();
        let mut lived_experience = Vec::new();
        for s in worker.statements.iter().filter(|s| s.visibility != Visibility::Private) {
            match IdentityDimension::parse(&s.topic) {
                Some(IdentityDimension::Language) => {}
                Some(dimension) => identity.push(IdentityAttribute { dimension, value: s.text.clone(), visibility: s.visibility }),
                None if topic_index(&s.topic, catalog).is_some() => {
                    lived_experience.push(LivedExperience { topic: s.topic.clone(), visibility: s.visibility })
                }
                // A statement on a topic the catalog no longer lists says nothing matching can use.
                None => {}
            }
        }
        let facts = PeerFacts {
            worker_id: worker.id.clone(),
            role_id: worker.role_id.clone(),
            organization_id: worker.employer_id.clone(),
            source: extras.source,
            languages: worker.languages.clone(),
            identity,
            lived_experience,
            modalities: extras.modalities.clone(),
            times: worker.availability.clone(),
            location: extras.location,
            town: worker.city.clone(),
            remaining_capacity: cap.saturating_sub(extras.current_caseload),
        };
        PeerProfile::new(facts, catalog)
    }

    pub fn facts(&self) -> &PeerFacts {
        &self.facts
    }

    pub fn worker_id(&self) -> &str {
        &self.id
    }

    pub fn remaining_capacity(&self) -> u32 {
        self.key.capacity
    }

    /// Identity attributes a member may see.
    pub fn shown_identity(&self) -> impl Iterator<Item = &IdentityAttribute> {
        self.facts.identity.iter().filter(|a| a.visibility == Visibility::Members)
    }

    /// Lived experiences a member may see.
    pub fn shown_lived_experience(&self) -> impl Iterator<Item = &LivedExperience> {
        self.facts.lived_experience.iter().filter(|t| t.visibility == Visibility::Members)
    }

    /// Orders peers by worker id, the tie-break everywhere in matching.
    pub(crate) fn cmp_id(&self, other: &PeerProfile) -> std::cmp::Ordering {
        self.key.id_prefix.cmp(&other.key.id_prefix).then_with(|| self.id.cmp(&other.id))
    }
}

//! Ranking the peers a member may choose, with the reasons, and saying why
//! a peer is not among them.

use serde::Serialize;

use crate::catalog::Catalog;
use crate::records::TimeOfDay;

use super::preferences::{
    modality_mask, time_mask, unit_vector, IdentityDimension, Modality, Preferences, SourceKind, Strength, EARTH_RADIUS_KM, TIMES,
};
use super::profile::{focus_bit, language_bits, topic_index, value_hash, PeerProfile};

/// Score of each satisfied `Prefer`.
pub const PREFER_WEIGHT: i64 = 10;
/// Bonuses for exceeding what was asked (extra common times, extra ways to
/// meet) are gone: they were tie-breakers the member did not ask for, and
/// they split the batch into many more classes. Kept at zero so that code
/// naming it still builds; the score is `PREFER_WEIGHT` per met `Prefer`.
pub const MAX_BONUS: i64 = 0;

/// A wish that can be named in a reason or a blocker.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case", tag = "kind", content = "id")]
pub enum WishKey {
    Identity(IdentityDimension),
    LivedExperience(String),
    Source,
}

/// Why a peer was ranked where they were, as codes and arguments that the
/// web layer renders in the member's language (`match-reason-CODE`).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "code")]
pub enum Reason<'a> {
    SharesLanguage {
        language: &'a str,
    },
    /// No common language: the member accepted an interpreter.
    WithInterpreter,
    /// Only for attributes the peer shows to members.
    SharesIdentity {
        dimension: IdentityDimension,
        value: &'a str,
    },
    /// Only for experiences the peer shows to members.
    SharesLivedExperience {
        topic: &'a str,
    },
    PreferredButMissing {
        wish: WishKey,
    },
    Source {
        source: SourceKind,
    },
    DistanceKm {
        km: u32,
    },
    AvailableAt {
        times: TimesOfDay,
    },
    Meets {
        modalities: Modalities,
    },
    /// The member asked for this peer by name.
    NamedPeer,
    /// The peer works for the organization the member's last peer worked for.
    SameOrganization,
}

/// Times of day as bits (no allocation per ranked peer), written as a list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimesOfDay(u8);

impl TimesOfDay {
    pub fn iter(self) -> impl Iterator<Item = TimeOfDay> {
        TIMES.into_iter().filter(move |t| self.0 & super::preferences::time_bit(*t) != 0)
    }
}

impl Serialize for TimesOfDay {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.iter())
    }
}

/// Ways to meet as bits, written as a list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Modalities(u8);

impl Modalities {
    pub fn iter(self) -> impl Iterator<Item = Modality> {
        Modality::ALL.into_iter().filter(move |m| self.0 & m.bit() != 0)
    }
}

impl Serialize for Modalities {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.iter())
    }
}

impl Reason<'_> {
    /// Stable code for translations.
    pub fn code(&self) -> &'static str {
        match self {
            Reason::SharesLanguage { .. } => "shares-language",
            Reason::WithInterpreter => "with-interpreter",
            Reason::SharesIdentity { .. } => "shares-identity",
            Reason::SharesLivedExperience { .. } => "shares-lived-experience",
            Reason::PreferredButMissing { .. } => "preferred-but-missing",
            Reason::Source { .. } => "source",
            Reason::DistanceKm { .. } => "distance-km",
            Reason::AvailableAt { .. } => "available-at",
            Reason::Meets { .. } => "meets",
            Reason::NamedPeer => "named-peer",
            Reason::SameOrganization => "same-organization",
        }
    }
}

/// The first hard constraint a peer fails, checked in this order.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case", tag = "code", content = "wish")]
pub enum Blocker {
    /// The member asked for another peer by name.
    NamedPeer,
    /// The peer's role does not give this kind of support.
    Role,
    /// No common language and the member wants no interpreter.
    Language,
    /// A `Must` wish is not met (or the peer did not disclose it).
    Must(WishKey),
    /// The peer's caseload is full.
    Capacity,
    Times,
    Modality,
    /// Only in-person meetings are possible and the peer is too far (or
    /// their place is unknown).
    Distance,
}

impl Blocker {
    pub fn code(&self) -> &'static str {
        match self {
            Blocker::Role => "role",
            Blocker::Language => "language",
            Blocker::Must(_) => "must",
            Blocker::Capacity => "capacity",
            Blocker::Times => "times",
            Blocker::Modality => "modality",
            Blocker::Distance => "distance",
            Blocker::NamedPeer => "named-peer",
        }
    }
}

/// One peer a member may choose.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize)]
pub struct RankedPeer<'a> {
    pub worker_id: &'a str,
    /// Index of the peer in the slice given to `rank`.
    #[serde(skip)]
    pub index: usize,
    pub score: i64,
    pub reasons: Vec<Reason<'a>>,
}

/// A member's preferences as bits and hashes, built once per ranking.
#[derive(Debug, Clone)]
pub(crate) struct MemberKey<'p> {
    pub focus: u8,
    pub langs: u128,
    pub interpreter_ok: bool,
    /// (strength, acceptable languages) of the language wish.
    pub lang_wish: Option<(Strength, u128)>,
    pub identity: Vec<IdentityNeed<'p>>,
    /// (strength, topic index, topic id) of each topic wish.
    pub topics: Vec<(Strength, usize, &'p str)>,
    pub topic_must: u128,
    pub modalities: u8,
    pub times: u8,
    /// Home as a unit vector and the cosine of the travel limit's angle.
    pub reach: Option<([f64; 3], f64)>,
    pub home: Option<[f64; 3]>,
    pub source: (Strength, u8),
    pub named: Option<&'p str>,
    /// The member's languages as (bit, code), in the member's order; and
    /// the languages of a language wish the member does not speak, by code:
    /// reasons are then found on bits, without the peer's facts.
    pub lang_codes: Vec<(u128, &'p str)>,
    pub wish_only_codes: Vec<(u128, &'p str)>,
    /// Organization the member keeps a preference for (see `Preferences::organization`).
    pub organization: Option<&'p str>,
    /// The highest score any peer could reach.
    pub max_score: i64,
}

#[derive(Debug, Clone)]
pub(crate) struct IdentityNeed<'p> {
    pub dimension: IdentityDimension,
    pub strength: Strength,
    pub values: Vec<(u64, &'p str)>,
}

/// The outcome of checking one peer: a score, or the first broken constraint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fit {
    Eligible(i64),
    Blocked(FastBlocker),
}

/// `Blocker` without allocation: wishes by position in the member's key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FastBlocker {
    Role,
    Language,
    MustIdentity(usize),
    MustTopic(usize),
    MustSource,
    Capacity,
    Times,
    Modality,
    Distance,
    NamedPeer,
}

impl<'p> MemberKey<'p> {
    pub fn new(prefs: &'p Preferences, catalog: &Catalog) -> MemberKey<'p> {
        use crate::catalog::SupportFocus as F;
        let focus = [F::MentalHealth, F::SubstanceUse, F::HealthAndSocialNeeds, F::Family, F::YoungAdults]
            .into_iter()
            .filter(|f| prefs.support.accepts(*f))
            .fold(0, |m, f| m | focus_bit(f));
        let mut lang_wish = None;
        let mut identity = Vec::new();
        let mut max_score = MAX_BONUS;
        for w in &prefs.identity {
            if w.strength == Strength::Prefer {
                max_score += PREFER_WEIGHT;
            }
            if w.dimension == IdentityDimension::Language {
                lang_wish = Some((w.strength, language_bits(&w.values, catalog)));
            } else {
                let values = w.values.iter().map(|v| (value_hash(w.dimension, v), v.as_str())).collect();
                identity.push(IdentityNeed { dimension: w.dimension, strength: w.strength, values });
            }
        }
        let mut topics = Vec::new();
        let mut topic_must = 0u128;
        for w in &prefs.lived_experience {
            // Validation checked the topic; one the catalog lost can never be met.
            let at = topic_index(&w.topic, catalog).unwrap_or(usize::MAX);
            if w.strength == Strength::Prefer {
                max_score += PREFER_WEIGHT;
            }
            if w.strength == Strength::Must && at != usize::MAX {
                topic_must |= 1 << at;
            }
            topics.push((w.strength, at, w.topic.as_str()));
        }
        if prefs.source.strength == Strength::Prefer {
            max_score += PREFER_WEIGHT;
        }
        if prefs.organization.is_some() {
            max_score += PREFER_WEIGHT;
        }
        let home = prefs.home.map(unit_vector);
        let reach = match (home, prefs.max_travel_km) {
            (Some(u), Some(km)) => Some((u, (km as f64 / EARTH_RADIUS_KM).min(std::f64::consts::PI).cos())),
            _ => None,
        };
        MemberKey {
            focus,
            langs: language_bits(&prefs.languages, catalog),
            interpreter_ok: prefs.interpreter_ok,
            lang_wish,
            identity,
            topics,
            topic_must,
            modalities: modality_mask(&prefs.modalities),
            times: time_mask(&prefs.times),
            reach,
            home,
            source: (prefs.source.strength, prefs.source.kinds.iter().fold(0, |m, k| m | k.bit())),
            named: prefs.named_peer.as_deref(),
            lang_codes: prefs.languages.iter().map(|c| (language_bits(std::slice::from_ref(c), catalog), c.as_str())).collect(),
            wish_only_codes: {
                let mut codes: Vec<(u128, &str)> = prefs
                    .identity
                    .iter()
                    .filter(|w| w.dimension == IdentityDimension::Language)
                    .flat_map(|w| &w.values)
                    .filter(|v| !prefs.languages.contains(v))
                    .map(|v| (language_bits(std::slice::from_ref(v), catalog), v.as_str()))
                    .collect();
                codes.sort_by(|a, b| a.1.cmp(b.1));
                codes.dedup();
                codes
            },
            organization: prefs.organization.as_deref(),
            max_score,
        }
    }

    /// Whether the peer has one of the wanted values of this dimension.
    fn has_identity(need: &IdentityNeed, peer: &PeerProfile) -> Option<usize> {
        identity_match(need.dimension, &need.values, peer)
    }

    /// Ways to meet both accept, in-person only when within reach.
    fn usable_modalities(&self, peer: &PeerProfile) -> u8 {
        usable_modalities(self.modalities, self.reach, peer)
    }

    /// Every hard constraint, then the score. The order of checks is the
    /// order of `Blocker`.
    pub fn fit(&self, peer: &PeerProfile) -> Fit {
        let k = &peer.key;
        // A member who named a peer wants that peer: every other one is out first,
        // so that the named peer's own blocker is the one reported.
        if let Some(named) = self.named {
            if named != peer.worker_id() {
                return Fit::Blocked(FastBlocker::NamedPeer);
            }
        }
        if self.focus & k.focus == 0 {
            return Fit::Blocked(FastBlocker::Role);
        }
        let shared = self.langs & k.langs;
        if shared == 0 && !self.interpreter_ok {
            return Fit::Blocked(FastBlocker::Language);
        }
        let mut score = 0;
        if let Some((strength, wanted)) = self.lang_wish {
            let met = k.langs & wanted != 0;
            match strength {
                Strength::Must if !met => return Fit::Blocked(FastBlocker::MustIdentity(usize::MAX)),
                Strength::Prefer if met => score += PREFER_WEIGHT,
                _ => {}
            }
        }
        for (i, need) in self.identity.iter().enumerate() {
            let met = Self::has_identity(need, peer).is_some();
            match need.strength {
                Strength::Must if !met => return Fit::Blocked(FastBlocker::MustIdentity(i)),
                Strength::Prefer if met => score += PREFER_WEIGHT,
                _ => {}
            }
        }
        if self.topic_must & !k.topics != 0 || self.topics.iter().any(|t| t.0 == Strength::Must && t.1 == usize::MAX) {
            let i = self.topics.iter().position(|(s, at, _)| *s == Strength::Must && (*at == usize::MAX || k.topics & (1 << at) == 0)).unwrap_or(0);
            return Fit::Blocked(FastBlocker::MustTopic(i));
        }
        for (strength, at, _) in &self.topics {
            if *strength == Strength::Prefer && *at != usize::MAX && k.topics & (1 << at) != 0 {
                score += PREFER_WEIGHT;
            }
        }
        match self.source.0 {
            Strength::Must if self.source.1 & k.source == 0 => return Fit::Blocked(FastBlocker::MustSource),
            Strength::Prefer if self.source.1 & k.source != 0 => score += PREFER_WEIGHT,
            _ => {}
        }
        if peer.remaining_capacity() == 0 {
            return Fit::Blocked(FastBlocker::Capacity);
        }
        let times = self.times & k.times;
        if times == 0 {
            return Fit::Blocked(FastBlocker::Times);
        }
        if self.modalities & k.modalities == 0 {
            return Fit::Blocked(FastBlocker::Modality);
        }
        if self.usable_modalities(peer) == 0 {
            return Fit::Blocked(FastBlocker::Distance);
        }
        if self.organization.is_some_and(|o| o == peer.facts().organization_id) {
            score += PREFER_WEIGHT;
        }
        Fit::Eligible(score)
    }

    /// Position of a check in `fit`, so that blockers can be compared.
    pub fn order(&self, fast: FastBlocker) -> usize {
        let identity = self.identity.len();
        let topics = self.topics.len();
        match fast {
            FastBlocker::NamedPeer => 0,
            FastBlocker::Role => 1,
            FastBlocker::Language => 2,
            FastBlocker::MustIdentity(usize::MAX) => 3,
            FastBlocker::MustIdentity(i) => 4 + i,
            FastBlocker::MustTopic(i) => 4 + identity + i,
            FastBlocker::MustSource => 4 + identity + topics,
            FastBlocker::Capacity => 5 + identity + topics,
            FastBlocker::Times => 6 + identity + topics,
            FastBlocker::Modality => 7 + identity + topics,
            FastBlocker::Distance => 8 + identity + topics,
        }
    }

    pub fn blocker(&self, fast: FastBlocker) -> Blocker {
        match fast {
            FastBlocker::Role => Blocker::Role,
            FastBlocker::Language => Blocker::Language,
            FastBlocker::MustIdentity(i) => {
                Blocker::Must(WishKey::Identity(self.identity.get(i).map_or(IdentityDimension::Language, |n| n.dimension)))
            }
            FastBlocker::MustTopic(i) => Blocker::Must(WishKey::LivedExperience(self.topics.get(i).map_or(String::new(), |t| t.2.to_string()))),
            FastBlocker::MustSource => Blocker::Must(WishKey::Source),
            FastBlocker::Capacity => Blocker::Capacity,
            FastBlocker::Times => Blocker::Times,
            FastBlocker::Modality => Blocker::Modality,
            FastBlocker::Distance => Blocker::Distance,
            FastBlocker::NamedPeer => Blocker::NamedPeer,
        }
    }

    /// The reasons for an eligible peer; never names what the peer keeps
    /// for matching only.
    pub fn reasons(&self, peer: &'p PeerProfile) -> Vec<Reason<'p>> {
        let mut out = Vec::with_capacity(8);
        if self.named.is_some() {
            out.push(Reason::NamedPeer);
        }
        let langs = peer.key.langs;
        let mut shared_any = false;
        for &(bit, code) in &self.lang_codes {
            if langs & bit != 0 {
                out.push(Reason::SharesLanguage { language: code });
                shared_any = true;
            }
        }
        if !shared_any {
            out.push(Reason::WithInterpreter);
        }
        if let Some((strength, wanted)) = self.lang_wish {
            if langs & wanted == 0 && strength == Strength::Prefer {
                out.push(Reason::PreferredButMissing { wish: WishKey::Identity(IdentityDimension::Language) });
            } else if let Some(&(_, code)) = self.wish_only_codes.iter().find(|(bit, _)| langs & bit != 0) {
                // The peer's languages are sorted: the first such is the one named.
                out.push(Reason::SharesLanguage { language: code });
            }
        }
        for need in &self.identity {
            match Self::has_identity(need, peer).and_then(|i| peer.facts().identity.get(i)) {
                Some(a) if a.visibility == crate::records::Visibility::Members => {
                    out.push(Reason::SharesIdentity { dimension: a.dimension, value: &a.value })
                }
                // Met through an attribute kept for matching: say nothing.
                Some(_) => {}
                None => out.push(Reason::PreferredButMissing { wish: WishKey::Identity(need.dimension) }),
            }
        }
        for (_, at, topic) in &self.topics {
            let met = *at != usize::MAX && peer.key.topics & (1 << at) != 0;
            let shown = *at != usize::MAX && peer.key.topics_shown & (1 << at) != 0;
            if shown {
                out.push(Reason::SharesLivedExperience { topic });
            } else if !met {
                out.push(Reason::PreferredButMissing { wish: WishKey::LivedExperience(topic.to_string()) });
            }
        }
        if self.source.0 == Strength::Prefer && self.source.1 & peer.key.source == 0 {
            out.push(Reason::PreferredButMissing { wish: WishKey::Source });
        }
        let source = SourceKind::ALL.into_iter().find(|k| k.bit() == peer.key.source).unwrap_or(SourceKind::Vendor);
        out.push(Reason::Source { source });
        if self.organization.is_some_and(|o| o == peer.facts().organization_id) {
            out.push(Reason::SameOrganization);
        }
        if let (Some(home), Some(p)) = (self.home, peer.key.unit) {
            let km = super::preferences::chord_to_km(home, p).round();
            out.push(Reason::DistanceKm { km: km.clamp(0.0, u32::MAX as f64) as u32 });
        }
        let times = self.times & peer.key.times;
        out.push(Reason::AvailableAt { times: TimesOfDay(times) });
        let usable = self.usable_modalities(peer);
        out.push(Reason::Meets { modalities: Modalities(usable) });
        out
    }
}

/// The index of the peer's attribute of this dimension with one of these
/// values (hashes first, confirmed on the text).
pub(crate) fn identity_match(dimension: IdentityDimension, values: &[(u64, &str)], peer: &PeerProfile) -> Option<usize> {
    if peer.key.identity_dims & (1 << dimension as u8) == 0 {
        return None;
    }
    let attrs = &peer.facts().identity;
    peer.key.identity_hashes.iter().enumerate().find_map(|(i, h)| {
        let a = attrs.get(i)?;
        (a.dimension == dimension && values.iter().any(|(vh, v)| vh == h && *v == a.value)).then_some(i)
    })
}

/// Ways to meet that both the member (`modalities`, `reach`) and the peer
/// accept, in person only when the peer is within reach.
pub(crate) fn usable_modalities(modalities: u8, reach: Option<([f64; 3], f64)>, peer: &PeerProfile) -> u8 {
    let common = modalities & peer.key.modalities;
    let in_person = common & Modality::InPerson.bit();
    if in_person == 0 {
        return common;
    }
    let near = match (reach, peer.key.unit) {
        (None, _) => true,
        (Some((home, cos_limit)), Some(p)) => super::preferences::dot(home, p) >= cos_limit,
        (Some(_), None) => false,
    };
    if near {
        common
    } else {
        common & !in_person
    }
}

/// Whether a peer meets the wishes a member made about who the peer is
/// (language, identity, lived experience), by strength: `None` when the
/// member made no wish of that strength. Equity reports count it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Concordance {
    pub must: Option<bool>,
    pub prefer: Option<bool>,
}

pub fn concordance(prefs: &Preferences, peer: &PeerProfile, catalog: &Catalog) -> Concordance {
    let key = MemberKey::new(prefs, catalog);
    let mut out = Concordance::default();
    let mut note = |strength: Strength, met: bool| {
        let slot = match strength {
            Strength::Must => &mut out.must,
            Strength::Prefer => &mut out.prefer,
            Strength::NoPreference => return,
        };
        *slot = Some(slot.unwrap_or(true) && met);
    };
    if let Some((strength, wanted)) = key.lang_wish {
        note(strength, peer.key.langs & wanted != 0);
    }
    for need in &key.identity {
        note(need.strength, MemberKey::has_identity(need, peer).is_some());
    }
    for (strength, at, _) in &key.topics {
        note(*strength, *at != usize::MAX && peer.key.topics & (1 << at) != 0);
    }
    out
}

/// Every peer the member may choose, best first; equal scores in order of
/// worker id. Hard constraints are never broken (see `Blocker`).
pub fn rank<'a>(prefs: &'a Preferences, peers: &'a [PeerProfile], catalog: &Catalog) -> Vec<RankedPeer<'a>> {
    rank_top(prefs, peers, catalog, usize::MAX)
}

/// The best `n` peers of `rank`, with reasons, in time linear in the
/// number of peers: what a page showing a member their choices needs.
pub fn rank_top<'a>(prefs: &'a Preferences, peers: &'a [PeerProfile], catalog: &Catalog, n: usize) -> Vec<RankedPeer<'a>> {
    PeerRanking::new(prefs, peers, catalog, n).explain_all()
}

/// Every peer a member may choose, best first (at most `n`), each with its
/// score; the reasons are put into words for the peers a reader is shown
/// (`explain`), so that ranking a whole state's peers stays cheap.
pub struct PeerRanking<'a> {
    key: MemberKey<'a>,
    peers: &'a [PeerProfile],
    /// (score, index into `peers`), best first.
    order: Vec<(i64, usize)>,
}

impl<'a> PeerRanking<'a> {
    pub fn new(prefs: &'a Preferences, peers: &'a [PeerProfile], catalog: &Catalog, n: usize) -> PeerRanking<'a> {
        let key = MemberKey::new(prefs, catalog);
        let mut order: Vec<(i64, usize)> = Vec::with_capacity(peers.len());
        for (i, peer) in peers.iter().enumerate() {
            if let Fit::Eligible(score) = key.fit(peer) {
                order.push((score, i));
            }
        }
        best_first(&mut order, peers, n);
        PeerRanking { key, peers, order }
    }

    /// How many peers are ranked.
    pub fn len(&self) -> usize {
        self.order.len()
    }

    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }

    /// (index into the peers given, score), best first.
    pub fn order(&self) -> impl Iterator<Item = (usize, i64)> + '_ {
        self.order.iter().map(|&(score, index)| (index, score))
    }

    /// The peer at `position` (0 = best) with the reasons in full.
    pub fn explain(&self, position: usize) -> Option<RankedPeer<'a>> {
        let &(score, index) = self.order.get(position)?;
        let peer = &self.peers[index];
        Some(RankedPeer { worker_id: peer.worker_id(), index, score, reasons: self.key.reasons(peer) })
    }

    /// Every ranked peer with reasons.
    pub fn explain_all(&self) -> Vec<RankedPeer<'a>> {
        (0..self.order.len()).filter_map(|i| self.explain(i)).collect()
    }
}

/// Keep the best `n` of (score, index), higher score first, then worker id.
fn best_first(eligible: &mut Vec<(i64, usize)>, peers: &[PeerProfile], n: usize) {
    let order = |a: &(i64, usize), b: &(i64, usize)| b.0.cmp(&a.0).then_with(|| peers[a.1].cmp_id(&peers[b.1]));
    if n < eligible.len() {
        if n == 0 {
            eligible.clear();
            return;
        }
        eligible.select_nth_unstable_by(n - 1, order);
        eligible.truncate(n);
        eligible.sort_unstable_by(order);
    } else if peers.windows(2).all(|w| w[0].cmp_id(&w[1]).is_le()) {
        // Peers come in id order (the store loads them so, and indexes
        // follow it): a stable sort on the score alone keeps ids in order,
        // without comparing ids again.
        eligible.sort_by_key(|e| std::cmp::Reverse(e.0));
    } else {
        eligible.sort_unstable_by(order);
    }
}

/// Why this peer is not among the member's choices: the first hard
/// constraint it fails, or `None` when the peer is eligible.
pub fn ineligibility(prefs: &Preferences, peer: &PeerProfile, catalog: &Catalog) -> Option<Blocker> {
    let key = MemberKey::new(prefs, catalog);
    match key.fit(peer) {
        Fit::Eligible(_) => None,
        Fit::Blocked(b) => Some(key.blocker(b)),
    }
}

/// The score of an eligible peer, `None` when a hard constraint fails.
pub fn score(prefs: &Preferences, peer: &PeerProfile, catalog: &Catalog) -> Option<i64> {
    match MemberKey::new(prefs, catalog).fit(peer) {
        Fit::Eligible(s) => Some(s),
        Fit::Blocked(_) => None,
    }
}

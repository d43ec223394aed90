//! Deterministic synthetic data for demonstrations and load tests: a fixed
//! set of Massachusetts-like organizations, and as many workers and members
//! as asked for (up to millions), generated in chunks so that a caller can
//! stream them into a database with a progress bar.
//!
//! Everything comes from `Plan::seed`: each worker and each member has its
//! own random stream keyed by (seed, kind, index), so any chunk can be made
//! on its own and the same index always gives the same record. No I/O, no
//! clock: `Plan::today` anchors every date.
//!
//! All people, plans and organizations here are fictional; phone numbers use
//! the 555-01xx range reserved for fiction and e-mail uses example.org.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use time::{Date, Month};

use accompany_domain::catalog::{Catalog, LivedExperienceRequirement, Topic};
use accompany_domain::records::{Demographics, Member, Organization, OrganizationKind, Statement, TimeOfDay, Visibility, Worker};

/// What to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Plan {
    pub seed: u64,
    pub members: u64,
    pub workers: u64,
    /// Anchors dates of birth and employment; the domain has no clock.
    pub today: Date,
}

/// A synthetic data set: the organizations, and generators for workers,
/// members and care teams by index.
#[derive(Debug, Clone)]
pub struct Synthetic {
    pub plan: Plan,
    organizations: Vec<Organization>,
    /// Region of each organization, parallel to `organizations`.
    org_region: Vec<u8>,
    /// Indexes into `organizations` of the three health plans.
    plans: [usize; 3],
    /// Organization indexes by kind, in `OrganizationKind::ALL` order.
    by_kind: [Vec<usize>; OrganizationKind::ALL.len()],
    roles: Vec<RoleInfo>,
    /// Language codes, parallel to `LANG_CODES`, mapped onto the catalog.
    lang_codes: Vec<String>,
    /// Cumulative weights of `CITIES`.
    city_cumulative: Vec<u32>,
    /// `CITIES` indexes where each culture's communities mostly live.
    culture_cities: Vec<Vec<u16>>,
    dob_min: i32,
    dob_max: i32,
    today_jd: i32,
    masshealth_offset: u64,
}

#[derive(Debug, Clone)]
struct RoleInfo {
    id: String,
    weight: u32,
    /// The role requires lived experience: a peer role.
    peer: bool,
    employers: &'static [(OrganizationKind, u32)],
}

// ---------------------------------------------------------------------------
// Random streams
// ---------------------------------------------------------------------------

const SALT_ORGANIZATION: u64 = 0x6f72_6761_6e69_7a61;
const SALT_WORKER: u64 = 0x776f_726b_6572_0001;
const SALT_MEMBER: u64 = 0x6d65_6d62_6572_0002;
const SALT_TEAM: u64 = 0x7465_616d_0000_0003;
/// Claim data (addresses, administrative sex) draw from their own stream, so
/// that adding them changed no other value a seed gives.
const SALT_CLAIM: u64 = 0x636c_6169_6d00_0004;
const SALT_PROVIDER: u64 = 0x7072_6f76_6964_0005;
const SALT_CONTRACT: u64 = 0x636f_6e74_7261_0006;

/// A made-up NPI that checks: 1 or 2, eight random digits, and the CMS
/// check digit.
pub(crate) fn npi(rng: &mut ChaCha8Rng) -> String {
    let first9 = format!("{}{:08}", rng.gen_range(1..=2u32), rng.gen_range(0..100_000_000u32));
    let check = accompany_domain::claim_data::npi_check_digit(&first9).unwrap_or(0);
    format!("{first9}{check}")
}

/// The identifiers of a billing provider: NPI, EIN, taxonomy and a billing
/// address with ZIP+4 in its town. Health plans and state agencies bill no one.
fn provider_ids(seed: u64, index: u64, kind: OrganizationKind, town: &str) -> accompany_domain::claim_data::ProviderIds {
    if matches!(kind, OrganizationKind::HealthPlan | OrganizationKind::StateAgency) {
        return accompany_domain::claim_data::ProviderIds::default();
    }
    let mut rng = stream(seed, SALT_PROVIDER, index);
    let taxonomy = if matches!(kind, OrganizationKind::Cbo | OrganizationKind::HumanServiceOrganization) { "172V00000X" } else { "175T00000X" };
    accompany_domain::claim_data::ProviderIds {
        npi: Some(npi(&mut rng)),
        tax_id: Some(format!("{:02}-{:07}", rng.gen_range(10..100u32), rng.gen_range(0..10_000_000u32))),
        taxonomy: Some(taxonomy.to_string()),
        billing_address: Some(street_address(&mut rng, town, true)),
    }
}

/// A ZIP code of each town (Massachusetts ZIPs start 01 or 02).
fn town_zip(name: &str) -> &'static str {
    match name {
        "Boston" => "02118",
        "Cambridge" => "02139",
        "Somerville" => "02143",
        "Chelsea" => "02150",
        "Everett" => "02149",
        "Revere" => "02151",
        "Malden" => "02148",
        "Medford" => "02155",
        "Brookline" => "02446",
        "Lynn" => "01902",
        "Salem" => "01970",
        "Peabody" => "01960",
        "Gloucester" => "01930",
        "Lowell" => "01852",
        "Lawrence" => "01841",
        "Haverhill" => "01830",
        "Methuen" => "01844",
        "Worcester" => "01608",
        "Fitchburg" => "01420",
        "Leominster" => "01453",
        "Springfield" => "01103",
        "Holyoke" => "01040",
        "Chicopee" => "01013",
        "Northampton" => "01060",
        "Amherst" => "01002",
        "Greenfield" => "01301",
        "Pittsfield" => "01201",
        "North Adams" => "01247",
        "Framingham" => "01701",
        "Waltham" => "02451",
        "Newton" => "02458",
        "Marlborough" => "01752",
        "Quincy" => "02169",
        "Brockton" => "02301",
        "Weymouth" => "02188",
        "Randolph" => "02368",
        "Plymouth" => "02360",
        "New Bedford" => "02740",
        "Fall River" => "02720",
        "Taunton" => "02780",
        "Attleboro" => "02703",
        "Barnstable" => "02630",
        "Falmouth" => "02540",
        _ => "02108",
    }
}

const STREETS: [&str; 12] = [
    "Main St",
    "Elm St",
    "Washington St",
    "Pleasant St",
    "Union St",
    "Church St",
    "Maple Ave",
    "Highland Ave",
    "Prospect St",
    "Water St",
    "Chestnut St",
    "School St",
];

/// A street address in `town`: a number, a street, sometimes an apartment,
/// and the town's ZIP (sometimes ZIP+4 when `plus4`).
pub(crate) fn street_address(rng: &mut ChaCha8Rng, town: &str, plus4: bool) -> accompany_domain::claim_data::PostalAddress {
    let line1 = format!("{} {}", rng.gen_range(1..400u32), STREETS[rng.gen_range(0..STREETS.len())]);
    let line2 = rng.gen_bool(0.35).then(|| format!("Apt {}", rng.gen_range(1..40u32)));
    let zip = town_zip(town);
    let zip = if plus4 || rng.gen_bool(0.3) { format!("{zip}-{:04}", rng.gen_range(1..10_000u32)) } else { zip.to_string() };
    accompany_domain::claim_data::PostalAddress { line1, line2, state: "MA".into(), zip }
}

/// The random stream of one record: ChaCha8 keyed by (seed, kind, index), so
/// streams never collide and each is independent of every other.
pub(crate) fn stream(seed: u64, salt: u64, index: u64) -> ChaCha8Rng {
    let mut key = [0u8; 32];
    key[..8].copy_from_slice(&seed.to_le_bytes());
    key[8..16].copy_from_slice(&salt.to_le_bytes());
    key[16..24].copy_from_slice(&index.to_le_bytes());
    key[24..].copy_from_slice(&splitmix64(seed ^ salt ^ index.rotate_left(32)).to_le_bytes());
    ChaCha8Rng::from_seed(key)
}

fn splitmix64(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// A version 4 UUID string made of 122 bits of `bits`.
/// A version-7 UUID whose time part is the record's index: ids sort in the
/// order records are generated, so bulk loads append to the primary-key
/// index instead of writing all over it, as real time-ordered ids do.
fn ordered_uuid_string(index: u64, bits: u128) -> String {
    const BASE_MILLIS: u64 = 1_700_000_000_000;
    let random: [u8; 10] = bits.to_le_bytes()[..10].try_into().unwrap_or([0; 10]);
    let uuid = uuid::Builder::from_unix_timestamp_millis(BASE_MILLIS + index, &random).into_uuid();
    String::from(&*uuid.hyphenated().encode_lower(&mut uuid::Uuid::encode_buffer()))
}

fn uuid_string(bits: u128) -> String {
    let uuid = uuid::Builder::from_random_bytes(bits.to_le_bytes()).into_uuid();
    String::from(&*uuid.hyphenated().encode_lower(&mut uuid::Uuid::encode_buffer()))
}

/// Append a number below 100 as two digits.
fn push_two_digits(out: &mut String, n: u32) {
    out.push((b'0' + (n / 10 % 10) as u8) as char);
    out.push((b'0' + (n % 10) as u8) as char);
}

pub(crate) fn pick<T: Copy>(rng: &mut impl Rng, items: &[(T, u32)]) -> T {
    let total: u32 = items.iter().map(|(_, w)| *w).sum();
    let mut x = rng.gen_range(0..total);
    for (item, w) in items {
        if x < *w {
            return *item;
        }
        x -= w;
    }
    items[items.len() - 1].0
}

pub(crate) fn one<T: Copy>(rng: &mut impl Rng, items: &[T]) -> T {
    items[rng.gen_range(0..items.len())]
}

// ---------------------------------------------------------------------------
// Languages
// ---------------------------------------------------------------------------

type Lang = u8;
const EN: Lang = 0;
const ES: Lang = 1;
const PT: Lang = 2;
const HT: Lang = 3;
const ZH: Lang = 4;
const VI: Lang = 5;
const KM: Lang = 6;
const AR: Lang = 7;
const RU: Lang = 8;
const FR: Lang = 9;
const KEA: Lang = 10;
const LANG_CODES: [&str; 11] = ["en", "es", "pt", "ht", "zh", "vi", "km", "ar", "ru", "fr", "kea"];

// ---------------------------------------------------------------------------
// Places
// ---------------------------------------------------------------------------

const R_METRO_BOSTON: u8 = 0;
const R_NORTH_SHORE: u8 = 1;
const R_MERRIMACK: u8 = 2;
const R_CENTRAL: u8 = 3;
const R_WESTERN: u8 = 4;
const R_BERKSHIRE: u8 = 5;
const R_METROWEST: u8 = 6;
const R_SOUTH_SHORE: u8 = 7;
const R_SOUTHEAST: u8 = 8;
const R_CAPE: u8 = 9;

struct City {
    name: &'static str,
    area_code: &'static str,
    region: u8,
    /// Roughly population in thousands, Boston weighted up.
    weight: u32,
}

const fn city(name: &'static str, area_code: &'static str, region: u8, weight: u32) -> City {
    City { name, area_code, region, weight }
}

static CITIES: [City; 43] = [
    city("Boston", "617", R_METRO_BOSTON, 650),
    city("Cambridge", "617", R_METRO_BOSTON, 118),
    city("Somerville", "617", R_METRO_BOSTON, 80),
    city("Chelsea", "617", R_METRO_BOSTON, 40),
    city("Everett", "617", R_METRO_BOSTON, 49),
    city("Revere", "781", R_METRO_BOSTON, 62),
    city("Malden", "781", R_METRO_BOSTON, 66),
    city("Medford", "781", R_METRO_BOSTON, 59),
    city("Brookline", "617", R_METRO_BOSTON, 63),
    city("Lynn", "781", R_NORTH_SHORE, 101),
    city("Salem", "978", R_NORTH_SHORE, 44),
    city("Peabody", "978", R_NORTH_SHORE, 54),
    city("Gloucester", "978", R_NORTH_SHORE, 30),
    city("Lowell", "978", R_MERRIMACK, 115),
    city("Lawrence", "978", R_MERRIMACK, 89),
    city("Haverhill", "978", R_MERRIMACK, 67),
    city("Methuen", "978", R_MERRIMACK, 53),
    city("Worcester", "508", R_CENTRAL, 206),
    city("Fitchburg", "978", R_CENTRAL, 41),
    city("Leominster", "978", R_CENTRAL, 43),
    city("Springfield", "413", R_WESTERN, 155),
    city("Holyoke", "413", R_WESTERN, 38),
    city("Chicopee", "413", R_WESTERN, 55),
    city("Northampton", "413", R_WESTERN, 29),
    city("Amherst", "413", R_WESTERN, 39),
    city("Greenfield", "413", R_WESTERN, 17),
    city("Pittsfield", "413", R_BERKSHIRE, 43),
    city("North Adams", "413", R_BERKSHIRE, 13),
    city("Framingham", "508", R_METROWEST, 72),
    city("Waltham", "781", R_METROWEST, 65),
    city("Newton", "617", R_METROWEST, 88),
    city("Marlborough", "508", R_METROWEST, 41),
    city("Quincy", "617", R_SOUTH_SHORE, 101),
    city("Brockton", "508", R_SOUTH_SHORE, 105),
    city("Weymouth", "781", R_SOUTH_SHORE, 57),
    city("Randolph", "781", R_SOUTH_SHORE, 35),
    city("Plymouth", "508", R_SOUTH_SHORE, 61),
    city("New Bedford", "508", R_SOUTHEAST, 101),
    city("Fall River", "508", R_SOUTHEAST, 94),
    city("Taunton", "508", R_SOUTHEAST, 59),
    city("Attleboro", "508", R_SOUTHEAST, 46),
    city("Barnstable", "508", R_CAPE, 49),
    city("Falmouth", "508", R_CAPE, 32),
];

fn city_index(name: &str) -> usize {
    CITIES.iter().position(|c| c.name == name).unwrap_or_else(|| panic!("city {name} missing from CITIES"))
}

// ---------------------------------------------------------------------------
// Organizations
// ---------------------------------------------------------------------------

struct OrgDef {
    name: &'static str,
    kind: OrganizationKind,
    city: &'static str,
    /// For a vendor: index in `ORGANIZATIONS` of the contracting plan.
    contracted_by: Option<usize>,
    /// For a state agency: the catalog payer it funds through.
    agency: Option<&'static str>,
}

const fn org(name: &'static str, kind: OrganizationKind, city: &'static str) -> OrgDef {
    OrgDef { name, kind, city, contracted_by: None, agency: None }
}

const fn vendor(name: &'static str, city: &'static str, plan: usize) -> OrgDef {
    OrgDef { name, kind: OrganizationKind::HumanServiceOrganization, city, contracted_by: Some(plan), agency: None }
}

const fn agency(name: &'static str, payer: &'static str) -> OrgDef {
    OrgDef { name, kind: OrganizationKind::StateAgency, city: "Boston", contracted_by: None, agency: Some(payer) }
}

use OrganizationKind as K;

/// The fixed organizations. The three health plans come first, in the order
/// of Appendix A's plans A, B and C (The Role of Certified Peer Specialists
/// in Capitated Managed Care Plans, 2024). All names are fictional.
static ORGANIZATIONS: [OrgDef; 35] = [
    org("Harborstone One Care", K::HealthPlan, "Boston"),
    org("Pioneer Bridge Health Plan", K::HealthPlan, "Springfield"),
    org("Three Rivers Unity Care", K::HealthPlan, "Worcester"),
    org("Metro Boston RLC", K::Rlc, "Boston"),
    org("North Shore RLC", K::Rlc, "Lynn"),
    org("Merrimack Valley RLC", K::Rlc, "Lowell"),
    org("Central Mass RLC", K::Rlc, "Worcester"),
    org("Western Mass RLC", K::Rlc, "Holyoke"),
    org("Berkshire RLC", K::Rlc, "Pittsfield"),
    org("MetroWest RLC", K::Rlc, "Framingham"),
    org("South Shore RLC", K::Rlc, "Brockton"),
    org("Southeast RLC", K::Rlc, "New Bedford"),
    org("Cape Cod and Islands RLC", K::Rlc, "Barnstable"),
    org("Dorchester Wellness Collaborative", K::Cbo, "Boston"),
    org("Nuestra Voz Community Center", K::Cbo, "Lawrence"),
    org("Kreyòl Health Circle", K::Cbo, "Brockton"),
    org("Mystic Valley Recovery Café", K::Cbo, "Malden"),
    org("Pioneer Valley Recovery Hub", K::Cbo, "Springfield"),
    org("Whaling City Community Health Alliance", K::Cbo, "New Bedford"),
    org("Merrimack Southeast Asian Wellness Network", K::Cbo, "Lowell"),
    vendor("Bridgeway Peer Services", "Boston", 2),
    vendor("Open Door Human Services", "Worcester", 2),
    vendor("New Roots Community Services", "Springfield", 0),
    vendor("Keystone Recovery Partners", "Quincy", 1),
    vendor("Cape and Coast Behavioral Health", "New Bedford", 0),
    vendor("North Star Family Services", "Lynn", 2),
    org("Bay State Accountable Care Network", K::Aco, "Boston"),
    org("Tri-County Behavioral Health Community Partner", K::CommunityPartner, "Worcester"),
    agency("Department of Mental Health (DMH)", "dmh"),
    org("Merrimack General Hospital", K::Hospital, "Lowell"),
    org("Blue Hills Medical Center", K::Hospital, "Quincy"),
    org("Pioneer Valley Community Hospital", K::Hospital, "Springfield"),
    agency("DPH Bureau of Substance Addiction Services (BSAS)", "bsas"),
    agency("MassHealth", "masshealth"),
    org("Heart of the Commonwealth Recovery Support Center", K::RecoverySupportCenter, "Worcester"),
];

/// Appendix A: plan A 33%, plan B 3%, plan C 64%.
const PLAN_WEIGHTS: [(usize, u32); 3] = [(0, 33), (1, 3), (2, 64)];

fn kind_slot(kind: OrganizationKind) -> usize {
    OrganizationKind::ALL.iter().position(|k| *k == kind).expect("every kind is in ALL")
}

/// Who employs each chart role, as the seeds describe their settings.
fn employers_for(role_id: &str) -> &'static [(OrganizationKind, u32)] {
    match role_id {
        "certified-peer-specialist" => &[(K::HumanServiceOrganization, 35), (K::Rlc, 30), (K::HealthPlan, 17), (K::Cbo, 13), (K::StateAgency, 5)],
        "peer-recovery-coach" => &[(K::Cbo, 35), (K::HumanServiceOrganization, 30), (K::Hospital, 25), (K::Rlc, 10)],
        "community-health-worker" => &[(K::Cbo, 40), (K::Hospital, 20), (K::Aco, 15), (K::CommunityPartner, 15), (K::HealthPlan, 10)],
        "recovery-support-navigator" => &[(K::HumanServiceOrganization, 50), (K::Cbo, 30), (K::Hospital, 20)],
        "recovery-specialist" => &[(K::Hospital, 40), (K::HumanServiceOrganization, 40), (K::Cbo, 20)],
        _ => &[(K::Cbo, 40), (K::HumanServiceOrganization, 30), (K::Rlc, 30)],
    }
}

fn role_weight(role_id: &str) -> u32 {
    match role_id {
        "certified-peer-specialist" => 35,
        "peer-recovery-coach" => 30,
        _ => 12,
    }
}

// ---------------------------------------------------------------------------
// People
// ---------------------------------------------------------------------------

const AFRICAN_AMERICAN: usize = 0;
const ANGLO: usize = 1;
const LATINO: usize = 2;
const BRAZILIAN_PORTUGUESE: usize = 3;
const HAITIAN: usize = 4;
const CAPE_VERDEAN: usize = 5;
const CHINESE: usize = 6;
const VIETNAMESE: usize = 7;
const KHMER: usize = 8;
const ARABIC: usize = 9;
const RUSSIAN: usize = 10;

/// A community a synthetic person comes from: names, languages, and how
/// people of it often (not always) describe themselves.
struct Culture {
    /// Share of members, per mille.
    weight: u32,
    female: &'static [&'static str],
    male: &'static [&'static str],
    family: &'static [&'static str],
    first_language: &'static [(Lang, u32)],
    /// A language an English-first member may also speak.
    heritage: Option<Lang>,
    race: &'static [(&'static str, u32)],
    hispanic: bool,
    /// Specific backgrounds people name instead of "Non-Hispanic".
    backgrounds: &'static [&'static str],
    faith: &'static [&'static str],
    cities: &'static [&'static str],
}

#[rustfmt::skip]
static CULTURES: [Culture; 11] = [
    Culture {
        weight: 250,
        female: &[
            "Aaliyah", "Keisha", "Tamika", "Jasmine", "Imani", "Latoya", "Shanice", "Ebony",
            "Monique", "Tiana", "Nia", "Denise", "Brianna", "Destiny", "Angela", "Kiara",
            "Tanisha", "Danielle", "Jada", "Ayanna",
        ],
        male: &[
            "DeShawn", "Marcus", "Jamal", "Darnell", "Terrence", "Andre", "Malik", "Tyrone",
            "Jerome", "Dante", "Isaiah", "Xavier", "Reginald", "Cedric", "Kareem", "Darius",
            "Elijah", "Jalen", "Lamar", "Corey",
        ],
        family: &[
            "Washington", "Jackson", "Johnson", "Williams", "Brown", "Jones", "Davis", "Robinson", "Harris", "Thomas",
            "Jefferson", "Banks", "Freeman", "Coleman", "Brooks", "Simmons", "Holloway", "Gaines", "Mack", "Bryant",
        ],
        first_language: &[(EN, 100)],
        heritage: Some(ES),
        race: &[
            ("Black", 60),
            ("African American", 20),
            ("Black or African American", 10),
            ("Multiracial", 6),
            ("Black and American Indian", 4),
        ],
        hispanic: false,
        backgrounds: &[
            "African American", "Jamaican", "Nigerian", "Ghanaian", "Trinidadian",
        ],
        faith: &[
            "Baptist", "Christian", "Muslim", "African Methodist Episcopal", "Pentecostal",
        ],
        cities: &[
            "Boston", "Springfield", "Brockton", "Worcester", "Randolph", "Cambridge",
        ],
    },
    Culture {
        weight: 240,
        female: &[
            "Mary", "Kathleen", "Siobhan", "Maureen", "Erin", "Colleen", "Bridget", "Jennifer", "Sarah", "Emily",
            "Maria", "Gina", "Angela", "Francesca", "Theresa", "Elizabeth", "Megan", "Caitlin", "Rose", "Nora",
        ],
        male: &[
            "Patrick", "Sean", "Michael", "Brendan", "Kevin", "Connor", "John", "Thomas", "James", "Anthony",
            "Vincent", "Salvatore", "Dominic", "Joseph", "Robert", "William", "Daniel", "Matthew", "Paul", "Francis",
        ],
        family: &[
            "O'Brien", "Sullivan", "Murphy", "Kelly", "McCarthy", "Walsh", "Fitzgerald", "Doherty", "Russo", "Rossi",
            "Ferrara", "DiNapoli", "Marino", "Smith", "Anderson", "Campbell", "Reilly", "Gallagher", "Caruso",
            "Romano", "Baker", "Clark", "Nelson", "Kowalski",
        ],
        first_language: &[(EN, 100)],
        heritage: None,
        race: &[
            ("White", 85),
            ("Caucasian", 5),
            ("Multiracial", 5),
            ("American Indian (Wampanoag)", 2),
            ("American Indian or Alaska Native", 2),
            ("White and Asian", 1),
        ],
        hispanic: false,
        backgrounds: &[
            "Irish", "Italian", "Irish-American", "Italian-American", "Polish", "French Canadian", "Greek",
        ],
        faith: &[
            "Catholic", "Catholic", "Jewish", "Episcopalian", "Congregationalist",
        ],
        cities: &[
            "Quincy", "Weymouth", "Worcester", "Lowell", "Pittsfield", "Fall River", "Plymouth", "Barnstable",
            "Gloucester", "Springfield", "Medford", "Peabody",
        ],
    },
    Culture {
        weight: 270,
        female: &[
            "María", "Yesenia", "Carmen", "Yolanda", "Marisol", "Lourdes", "Gabriela", "Daniela", "Luz", "Rosa",
            "Ana", "Yarelis", "Yaritza", "Milagros", "Ivelisse", "Glenda", "Katherine", "Leidy", "Xiomara",
            "Alejandra",
        ],
        male: &[
            "José", "Luis", "Carlos", "Juan", "Miguel", "Ángel", "Jorge", "Héctor", "Ramón", "Edwin", "Wilfredo",
            "Javier", "Rafael", "Francisco", "Julio", "Yadiel", "Jonathan", "Kelvin", "Christian", "Erick",
        ],
        family: &[
            "Rodríguez", "Rivera", "Santiago", "Pérez", "Cruz", "Torres", "Ortiz", "Ramos", "Vázquez", "Colón",
            "Reyes", "Díaz", "Morales", "Hernández", "Martínez", "Peña", "Guzmán", "Almonte", "Mejía", "Castillo",
            "Gómez", "Figueroa",
        ],
        first_language: &[(ES, 70), (EN, 30)],
        heritage: Some(ES),
        race: &[
            ("Latino", 30),
            ("Hispanic", 10),
            ("Latinx", 4),
            ("White", 18),
            ("Black", 8),
            ("Afro-Latino", 6),
            ("Multiracial", 16),
            ("Taíno", 2),
            ("Other", 6),
        ],
        hispanic: true,
        backgrounds: &[
            "Puerto Rican", "Dominican", "Salvadoran", "Guatemalan", "Colombian",
        ],
        faith: &["Catholic", "Catholic", "Pentecostal", "Evangelical"],
        cities: &[
            "Lawrence", "Springfield", "Holyoke", "Chelsea", "Boston", "Worcester", "Lynn", "Revere", "Everett",
        ],
    },
    Culture {
        weight: 55,
        female: &[
            "Ana", "Fernanda", "Juliana", "Luciana", "Camila", "Beatriz", "Mariana", "Patrícia", "Adriana", "Renata",
            "Inês", "Fátima", "Conceição", "Larissa", "Tatiana", "Gisele",
        ],
        male: &[
            "João", "Pedro", "Rafael", "Thiago", "Lucas", "Gustavo", "Rodrigo", "Marcelo", "Paulo", "Fernando",
            "Leandro", "Manuel", "António", "Diogo", "Wellington", "Anderson",
        ],
        family: &[
            "Silva", "Santos", "Oliveira", "Souza", "Pereira", "Ferreira", "Costa", "Almeida", "Carvalho", "Rocha",
            "Medeiros", "Furtado", "Sousa", "Pacheco", "Cabral", "Lima", "Ribeiro", "Gonçalves",
        ],
        first_language: &[(PT, 75), (EN, 25)],
        heritage: Some(PT),
        race: &[
            ("White", 40),
            ("Multiracial", 25),
            ("Pardo", 8),
            ("Black", 12),
            ("Latino", 10),
            ("Brazilian", 5),
        ],
        hispanic: false,
        backgrounds: &["Brazilian", "Portuguese", "Azorean"],
        faith: &["Catholic", "Evangelical", "Spiritist"],
        cities: &[
            "Framingham", "Somerville", "Everett", "Marlborough", "Barnstable", "Fall River", "New Bedford", "Malden",
        ],
    },
    Culture {
        weight: 50,
        female: &[
            "Marie", "Nadège", "Fabiola", "Guerline", "Roseline", "Mirlande", "Widline", "Lovely", "Sabine",
            "Mireille", "Nathalie", "Magalie", "Rose-Marie", "Darline", "Esther", "Ketly",
        ],
        male: &[
            "Jean", "Pierre", "Jean-Baptiste", "Frantz", "Wilner", "Jean-Claude", "Ricot", "Stanley", "Emmanuel",
            "Réginald", "Ronald", "Fritz", "Jacques", "Wisly", "Garry", "Kervens",
        ],
        family: &[
            "Joseph", "Pierre", "Jean-Louis", "Charles", "Baptiste", "Louis", "Dorsainvil", "Desrosiers", "Augustin",
            "Étienne", "Toussaint", "Célestin", "Alexis", "Michel", "Saint-Fleur", "Jean-Pierre", "Noël", "François",
        ],
        first_language: &[(HT, 72), (EN, 24), (FR, 4)],
        heritage: Some(HT),
        race: &[("Black", 80), ("Haitian", 12), ("Black Caribbean", 8)],
        hispanic: false,
        backgrounds: &["Haitian", "Haitian-American"],
        faith: &["Catholic", "Baptist", "Seventh-day Adventist", "Vodou"],
        cities: &[
            "Boston", "Brockton", "Randolph", "Cambridge", "Everett", "Malden", "Somerville",
        ],
    },
    Culture {
        weight: 25,
        female: &[
            "Maria", "Djamila", "Elisângela", "Nilda", "Carla", "Ivone", "Lurdes", "Zenaida", "Anilda", "Sónia",
            "Edna", "Vanda",
        ],
        male: &[
            "Amílcar", "Djalma", "Nelson", "Carlos", "Armindo", "Adilson", "Manuel", "Arlindo",
            "Euclides", "Jailson", "Edson", "Hélder",
        ],
        family: &[
            "Fernandes", "Gomes", "Monteiro", "Lopes", "Tavares", "Barros", "Andrade", "Semedo", "Varela",
            "Rodrigues", "Delgado", "Fortes", "Brito", "Correia", "Mendes", "Pires",
        ],
        first_language: &[(KEA, 40), (PT, 30), (EN, 30)],
        heritage: Some(KEA),
        race: &[
            ("Black", 35),
            ("Cape Verdean", 30),
            ("Multiracial", 25),
            ("African", 10),
        ],
        hispanic: false,
        backgrounds: &["Cape Verdean", "Cape Verdean-American"],
        faith: &["Catholic", "Catholic", "Nazarene"],
        cities: &["Brockton", "New Bedford", "Boston", "Taunton"],
    },
    Culture {
        weight: 40,
        female: &[
            "Mei", "Li Na", "Xiu Ying", "Yan", "Jing", "Hui", "Lan", "Wei Ling", "Amy", "Grace",
            "Fang", "Ying", "Shu Fen", "Ling",
        ],
        male: &[
            "Wei", "Jian", "Hao", "Ming", "Jun", "Tao", "Feng", "Kevin", "Yong", "Zhi Hao",
            "Kwok Wai", "Chun", "Bo", "Lei",
        ],
        family: &[
            "Chen", "Wang", "Li", "Zhang", "Liu", "Huang", "Wong", "Chan", "Lee", "Lin", "Wu",
            "Zhou", "Ng", "Yu", "Tam", "Leung",
        ],
        first_language: &[(ZH, 70), (EN, 30)],
        heritage: Some(ZH),
        race: &[("Asian", 80), ("Chinese", 15), ("Asian American", 5)],
        hispanic: false,
        backgrounds: &["Chinese", "Chinese-American", "Taiwanese"],
        faith: &["Buddhist", "None", "Christian", "Taoist"],
        cities: &["Boston", "Quincy", "Malden", "Brookline", "Newton"],
    },
    Culture {
        weight: 40,
        female: &[
            "Lan", "Linh", "Trang", "Thuy", "Hoa", "Mai", "Ngoc", "Huong", "Thanh", "Phuong",
            "Anh", "Hanh", "Tuyet", "Van",
        ],
        male: &[
            "Minh", "Tuan", "Duc", "Hung", "Quang", "Long", "Khanh", "Thanh", "Nam", "Bao", "Huy",
            "Phuc", "Dung", "Vinh",
        ],
        family: &[
            "Nguyen", "Tran", "Le", "Pham", "Hoang", "Phan", "Vu", "Vo", "Dang", "Bui", "Do", "Ho",
            "Ngo", "Duong", "Ly",
        ],
        first_language: &[(VI, 70), (EN, 30)],
        heritage: Some(VI),
        race: &[("Asian", 80), ("Vietnamese", 15), ("Asian American", 5)],
        hispanic: false,
        backgrounds: &["Vietnamese", "Vietnamese-American"],
        faith: &["Buddhist", "Catholic", "Cao Dai"],
        cities: &["Boston", "Worcester", "Lowell", "Quincy", "Springfield"],
    },
    Culture {
        weight: 10,
        female: &[
            "Sophea", "Channary", "Bopha", "Sreymom", "Kunthea", "Sokha", "Chenda", "Rachana",
            "Malis", "Sothea",
        ],
        male: &[
            "Sokha", "Vanna", "Dara", "Rithy", "Sambath", "Visal", "Chantha", "Bunthoeun", "Sovann", "Pisey",
        ],
        family: &[
            "Chhay", "Sok", "Chea", "Keo", "Prak", "Heng", "Meas", "Men", "Som", "Khim", "Pen",
            "Touch",
        ],
        first_language: &[(KM, 60), (EN, 40)],
        heritage: Some(KM),
        race: &[("Asian", 75), ("Cambodian", 20), ("Southeast Asian", 5)],
        hispanic: false,
        backgrounds: &["Cambodian", "Khmer", "Cambodian-American"],
        faith: &["Buddhist"],
        cities: &["Lowell", "Lynn", "Revere"],
    },
    Culture {
        weight: 10,
        female: &[
            "Fatima", "Amira", "Layla", "Nadia", "Rania", "Yasmin", "Samira", "Huda", "Mariam",
            "Zainab",
        ],
        male: &[
            "Mohamed", "Ahmed", "Omar", "Youssef", "Khalid", "Hassan", "Karim", "Ali", "Mustafa",
            "Tariq",
        ],
        family: &[
            "Haddad", "Khoury", "Mansour", "Saleh", "Nasser", "Abdallah", "El-Amin", "Hamdan",
            "Bakri", "Farah", "Aziz", "Hussein",
        ],
        first_language: &[(AR, 60), (FR, 10), (EN, 30)],
        heritage: Some(AR),
        race: &[
            ("Middle Eastern or North African", 50),
            ("Arab", 20),
            ("White", 25),
            ("Black", 5),
        ],
        hispanic: false,
        backgrounds: &["Lebanese", "Moroccan", "Iraqi", "Syrian", "Egyptian"],
        faith: &["Muslim", "Muslim", "Maronite Catholic", "Coptic Orthodox"],
        cities: &["Quincy", "Revere", "Boston", "Worcester", "Malden"],
    },
    Culture {
        weight: 10,
        female: &[
            "Olga", "Natalia", "Svetlana", "Irina", "Tatiana", "Yelena", "Anna", "Oksana",
            "Galina", "Marina",
        ],
        male: &[
            "Dmitri", "Sergei", "Alexei", "Vladimir", "Ivan", "Mikhail", "Andrei", "Yuri", "Boris",
            "Nikolai",
        ],
        family: &[
            "Petrenko", "Kovalenko", "Shevchenko", "Levin", "Rabinovich", "Kogan", "Gurevich", "Katz", "Melnyk",
            "Bondarenko",
        ],
        first_language: &[(RU, 65), (EN, 35)],
        heritage: Some(RU),
        race: &[("White", 90), ("Eastern European", 10)],
        hispanic: false,
        backgrounds: &["Russian", "Ukrainian", "Russian Jewish", "Moldovan"],
        faith: &["Jewish", "Russian Orthodox", "None"],
        cities: &["Brookline", "Newton", "Boston", "Lynn", "Springfield"],
    },
];

const HISPANIC_ETHNICITY: [(&str, u32); 6] =
    [("Hispanic", 55), ("Puerto Rican", 18), ("Dominican", 12), ("Hispanic or Latino", 8), ("Salvadoran", 4), ("Guatemalan", 3)];

const GENDER_FEMALE: [(&str, u32); 6] =
    [("Female", 72), ("Woman", 13), ("Transgender woman", 3), ("Trans woman", 1), ("Non-binary", 5), ("Genderqueer", 1)];
const GENDER_MALE: [(&str, u32); 6] = [("Male", 72), ("Man", 13), ("Transgender man", 3), ("Trans man", 1), ("Non-binary", 5), ("Genderfluid", 1)];

const ORIENTATION_FEMALE: [(&str, u32); 10] = [
    ("Heterosexual", 66),
    ("Straight", 10),
    ("Lesbian", 5),
    ("Gay", 2),
    ("Bisexual", 9),
    ("Queer", 3),
    ("Pansexual", 2),
    ("Asexual", 1),
    ("Questioning", 1),
    ("Same-gender loving", 1),
];
const ORIENTATION_MALE: [(&str, u32); 9] = [
    ("Heterosexual", 66),
    ("Straight", 10),
    ("Gay", 9),
    ("Bisexual", 7),
    ("Queer", 3),
    ("Pansexual", 1),
    ("Asexual", 1),
    ("Questioning", 1),
    ("Same-gender loving", 2),
];

const FAITH: [(&str, u32); 16] = [
    ("Catholic", 22),
    ("Christian", 20),
    ("Baptist", 5),
    ("Pentecostal", 4),
    ("Evangelical", 3),
    ("Muslim", 3),
    ("Jewish", 3),
    ("Buddhist", 3),
    ("Hindu", 1),
    ("Orthodox Christian", 1),
    ("Jehovah's Witness", 1),
    ("Spiritual", 6),
    ("None", 18),
    ("Atheist", 4),
    ("Agnostic", 4),
    ("Seventh-day Adventist", 1),
];

/// Interpreter comes last, so that `NEEDS[..4]` are the other needs.
const NEEDS: [&str; 5] = ["evening meetings", "wheelchair access", "phone contact only", "childcare during meetings", "interpreter"];
const INTERPRETER: usize = 4;

const IDENTITY_TOPICS: [&str; 6] = ["gender", "race", "ethnicity", "faith", "sexual-orientation", "age-band"];

// ---------------------------------------------------------------------------
// Dates
// ---------------------------------------------------------------------------

/// The same calendar day `years` earlier (28 February for 29 February).
fn years_before(today: Date, years: i32) -> Date {
    let year = today.year() - years;
    today.replace_year(year).unwrap_or_else(|_| Date::from_calendar_date(year, Month::February, 28).expect("valid date"))
}

fn age_on(today: Date, birth: Date) -> i32 {
    let had_birthday = (today.month() as u8, today.day()) >= (birth.month() as u8, birth.day());
    today.year() - birth.year() - if had_birthday { 0 } else { 1 }
}

fn age_band(age: i32) -> &'static str {
    match age {
        ..=30 => "21-30",
        31..=50 => "31-50",
        _ => "51+",
    }
}

// ---------------------------------------------------------------------------
// Identifiers
// ---------------------------------------------------------------------------

const MASSHEALTH_SPAN: u64 = 100_000_000_000;
/// Odd and not a multiple of 5, so coprime to 10^11: `a * i + b mod 10^11`
/// is a permutation of the indexes.
const MASSHEALTH_MULTIPLIER: u64 = 6_364_136_223;

/// Letters a Medicare Beneficiary Identifier may use (never S, L, O, I, B, Z).
const MBI_LETTERS: &[u8; 20] = b"ACDEFGHJKMNPQRTUVWXY";

fn mbi_letter(rng: &mut impl Rng) -> char {
    MBI_LETTERS[rng.gen_range(0..MBI_LETTERS.len())] as char
}

fn mbi_digit(rng: &mut impl Rng) -> char {
    (b'0' + rng.gen_range(0..10u8)) as char
}

fn mbi_alnum(rng: &mut impl Rng) -> char {
    let x = rng.gen_range(0..30usize);
    if x < 10 {
        (b'0' + x as u8) as char
    } else {
        MBI_LETTERS[x - 10] as char
    }
}

/// A Medicare Beneficiary Identifier in CMS's format.
fn medicare_id(rng: &mut impl Rng) -> String {
    let mut s = String::with_capacity(11);
    s.push((b'1' + rng.gen_range(0..9u8)) as char);
    s.push(mbi_letter(rng));
    s.push(mbi_alnum(rng));
    s.push(mbi_digit(rng));
    s.push(mbi_letter(rng));
    s.push(mbi_alnum(rng));
    s.push(mbi_digit(rng));
    s.push(mbi_letter(rng));
    s.push(mbi_letter(rng));
    s.push(mbi_digit(rng));
    s.push(mbi_digit(rng));
    s
}

/// Lower-case ASCII letters and digits of a name, accents folded.
fn push_ascii(out: &mut String, name: &str) {
    for c in name.chars() {
        let c = match c {
            'a'..='z' | '0'..='9' => c,
            'A'..='Z' => c.to_ascii_lowercase(),
            'á' | 'à' | 'â' | 'ã' | 'ä' | 'Á' | 'À' | 'Â' | 'Ã' => 'a',
            'é' | 'è' | 'ê' | 'ë' | 'É' | 'È' | 'Ê' => 'e',
            'í' | 'ì' | 'î' | 'ï' | 'Í' => 'i',
            'ó' | 'ò' | 'ô' | 'õ' | 'ö' | 'Ó' | 'Ô' => 'o',
            'ú' | 'ù' | 'û' | 'ü' | 'Ú' => 'u',
            'ñ' | 'Ñ' => 'n',
            'ç' | 'Ç' => 'c',
            _ => continue,
        };
        out.push(c);
    }
}

// ---------------------------------------------------------------------------
// The generator
// ---------------------------------------------------------------------------

/// The first draws of a member's stream, cheap to recompute for matching.
struct MemberCore {
    culture: usize,
    first: Lang,
    second: Option<Lang>,
}

/// The first draws of a worker's stream, cheap to recompute for matching.
struct WorkerCore {
    role: usize,
    /// Bit `l` set when the worker speaks `LANG_CODES[l]`.
    languages: u16,
    ended: bool,
}

fn member_core(rng: &mut impl Rng) -> MemberCore {
    let mut x = rng.gen_range(0..1000u32);
    let mut culture = CULTURES.len() - 1;
    for (i, c) in CULTURES.iter().enumerate() {
        if x < c.weight {
            culture = i;
            break;
        }
        x -= c.weight;
    }
    let c = &CULTURES[culture];
    let first = pick(rng, c.first_language);
    let second = if first != EN {
        rng.gen_bool(0.55).then_some(EN)
    } else {
        match c.heritage {
            Some(h) if rng.gen_bool(0.35) => Some(h),
            _ => None,
        }
    };
    MemberCore { culture, first, second }
}

impl Synthetic {
    /// Build the organizations (a fixed set) and the tables the generators use.
    pub fn new(plan: Plan, catalog: &Catalog) -> Synthetic {
        let mut rng = stream(plan.seed, SALT_ORGANIZATION, 0);
        let ids: Vec<String> = ORGANIZATIONS.iter().map(|_| uuid_string(rng.gen())).collect();
        let organizations: Vec<Organization> = ORGANIZATIONS
            .iter()
            .zip(&ids)
            .enumerate()
            .map(|(i, (d, id))| Organization {
                provider: provider_ids(plan.seed, i as u64, d.kind, d.city),
                id: id.clone(),
                name: d.name.to_string(),
                kind: d.kind,
                agency: d.agency.map(String::from),
                city: Some(d.city.to_string()),
                version: 1,
            })
            .collect();
        let org_region = ORGANIZATIONS.iter().map(|d| CITIES[city_index(d.city)].region).collect();
        let mut by_kind: [Vec<usize>; OrganizationKind::ALL.len()] = Default::default();
        for (i, d) in ORGANIZATIONS.iter().enumerate() {
            by_kind[kind_slot(d.kind)].push(i);
        }
        let health_plans = &by_kind[kind_slot(K::HealthPlan)];
        let plans = [health_plans[0], health_plans[1], health_plans[2]];

        let chart: Vec<_> = catalog.chart_roles().collect();
        let source: Vec<_> = if chart.is_empty() { catalog.roles.iter().collect() } else { chart };
        let roles = source
            .into_iter()
            .map(|r| RoleInfo {
                id: r.id.clone(),
                weight: role_weight(&r.id),
                peer: r.lived_experience == LivedExperienceRequirement::Required,
                employers: employers_for(&r.id),
            })
            .collect();

        let fallback = if catalog.language("en").is_some() {
            "en".to_string()
        } else {
            catalog.languages.first().map(|l| l.code.clone()).unwrap_or_else(|| "en".to_string())
        };
        let lang_codes = LANG_CODES.iter().map(|c| if catalog.language(c).is_some() { c.to_string() } else { fallback.clone() }).collect();

        let city_cumulative = CITIES
            .iter()
            .scan(0u32, |acc, c| {
                *acc += c.weight;
                Some(*acc)
            })
            .collect();
        let culture_cities = CULTURES.iter().map(|c| c.cities.iter().map(|n| city_index(n) as u16).collect()).collect();

        let today = plan.today;
        let dob_min = years_before(today, 65).to_julian_day() + 1;
        let dob_max = years_before(today, 21).to_julian_day();
        Synthetic {
            plan,
            organizations,
            org_region,
            plans,
            by_kind,
            roles,
            lang_codes,
            city_cumulative,
            culture_cities,
            dob_min,
            dob_max,
            today_jd: today.to_julian_day(),
            masshealth_offset: splitmix64(plan.seed ^ SALT_MEMBER) % MASSHEALTH_SPAN,
        }
    }

    /// All organizations: three One Care plans, ten RLCs, CBOs, human-service
    /// organizations contracted by plans, an ACO, a community partner, DMH and
    /// hospitals.
    pub fn organizations(&self) -> &[Organization] {
        &self.organizations
    }

    /// The contracts between funders and the organizations they pay: each
    /// plan's vendors (fee-for-service under One Care), DMH's grants to the
    /// RLCs, BSAS's grant to the recovery support center and MassHealth's
    /// per-member-per-month payment to the ACO; each promises the services
    /// of the peer roles the organization employs. Budgets are made up.
    pub fn contracts(&self) -> Vec<accompany_domain::contracts::Contract> {
        use accompany_domain::contracts::{Contract, PaymentModel};
        let mut rng = stream(self.plan.seed, SALT_CONTRACT, 0);
        let year = self.plan.today.year();
        let start = Date::from_calendar_date(year - 1, Month::January, 1).expect("January 1st exists");
        let end = Date::from_calendar_date(year, Month::December, 31).expect("December 31st exists");
        let agency = |payer: &str| ORGANIZATIONS.iter().position(|d| d.agency == Some(payer));
        let services = |kind: OrganizationKind| -> Vec<String> {
            let employed: Vec<String> =
                self.roles.iter().filter(|r| r.peer && employers_for(&r.id).iter().any(|(k, _)| *k == kind)).map(|r| r.id.clone()).collect();
            if employed.is_empty() {
                // A recovery support center employs recovery coaches the generator does not place.
                self.roles.iter().filter(|r| r.id == "peer-recovery-coach").map(|r| r.id.clone()).collect()
            } else {
                employed
            }
        };
        let mut out = Vec::new();
        for (i, d) in ORGANIZATIONS.iter().enumerate() {
            let funded = match (d.contracted_by, d.kind) {
                (Some(plan), _) => Some((plan, "one-care", PaymentModel::FeeForService, None)),
                (None, K::Rlc) => agency("dmh").map(|a| (a, "dmh", PaymentModel::Grant, Some(end))),
                (None, K::RecoverySupportCenter) => agency("bsas").map(|a| (a, "bsas", PaymentModel::Grant, Some(end))),
                (None, K::Aco) => agency("masshealth").map(|a| (a, "masshealth", PaymentModel::PerMemberPerMonth, None)),
                _ => None,
            };
            let Some((funder, payer, model, until)) = funded else { continue };
            let budget = (model == PaymentModel::Grant).then(|| rng.gen_range(150_000..600_000i64) * 100);
            out.push(Contract {
                id: uuid_string(rng.gen()),
                funder_id: self.organizations[funder].id.clone(),
                organization_id: self.organizations[i].id.clone(),
                payer_id: payer.to_string(),
                payment_model: model,
                start,
                end: until,
                budget_cents: budget,
                services: services(d.kind),
                version: 1,
            });
        }
        out
    }

    /// Number of care coordinator accounts the data set needs.
    pub fn coordinators(&self) -> u64 {
        (self.plan.members / 400).max(3)
    }

    // -- workers -------------------------------------------------------------

    /// Workers with indexes in `start..end` (`end` clamped to the plan).
    /// Pass the catalog given to `new`.
    pub fn workers(&self, start: u64, end: u64, catalog: &Catalog) -> Vec<Worker> {
        let end = end.min(self.plan.workers);
        (start..end.max(start)).map(|i| self.worker(i, &catalog.lived_experience_topics)).collect()
    }

    pub fn worker_id(&self, index: u64) -> String {
        ordered_uuid_string(index, stream(self.plan.seed, SALT_WORKER, index).gen())
    }

    fn worker_core(&self, rng: &mut impl Rng, index: u64) -> WorkerCore {
        let total: u32 = self.roles.iter().map(|r| r.weight).sum();
        let mut x = rng.gen_range(0..total.max(1));
        let mut role = self.roles.len().saturating_sub(1);
        for (i, r) in self.roles.iter().enumerate() {
            if x < r.weight {
                role = i;
                break;
            }
            x -= r.weight;
        }
        let mut languages = 0u16;
        if rng.gen_bool(0.85) {
            languages |= 1 << EN;
            for (l, p) in
                [(ES, 0.26), (PT, 0.05), (HT, 0.045), (ZH, 0.025), (VI, 0.025), (KEA, 0.01), (FR, 0.01), (KM, 0.008), (AR, 0.008), (RU, 0.008)]
            {
                if rng.gen_bool(p) {
                    languages |= 1 << l;
                }
            }
        } else {
            const OTHER: [(Lang, u32); 9] = [(ES, 55), (PT, 10), (HT, 10), (ZH, 8), (VI, 8), (KEA, 3), (KM, 2), (AR, 2), (RU, 2)];
            languages |= 1 << pick(rng, &OTHER);
            if rng.gen_bool(0.1) {
                languages |= 1 << pick(rng, &OTHER);
            }
        }
        let ended = !index.is_multiple_of(12) && rng.gen_bool(0.087);
        WorkerCore { role, languages, ended }
    }

    fn core_of_worker(&self, index: u64) -> WorkerCore {
        let mut rng = stream(self.plan.seed, SALT_WORKER, index);
        let _id: u128 = rng.gen();
        self.worker_core(&mut rng, index)
    }

    fn city(&self, rng: &mut impl Rng, culture: usize, own_community: f64) -> usize {
        if rng.gen_bool(own_community) {
            one(rng, &self.culture_cities[culture]) as usize
        } else {
            let total = *self.city_cumulative.last().expect("cities");
            let x = rng.gen_range(0..total);
            self.city_cumulative.partition_point(|&c| c <= x)
        }
    }

    fn employer(&self, rng: &mut impl Rng, role: &RoleInfo, region: u8) -> &str {
        let mut kind = pick(rng, role.employers);
        if self.by_kind[kind_slot(kind)].is_empty() {
            kind = K::Rlc;
        }
        let orgs = &self.by_kind[kind_slot(kind)];
        let local = orgs.iter().filter(|&&o| self.org_region[o] == region).count();
        let o = if local > 0 && rng.gen_bool(0.75) {
            *orgs.iter().filter(|&&o| self.org_region[o] == region).nth(rng.gen_range(0..local)).expect("counted")
        } else {
            orgs[rng.gen_range(0..orgs.len())]
        };
        &self.organizations[o].id
    }

    fn worker(&self, index: u64, topics: &[Topic]) -> Worker {
        let mut rng = stream(self.plan.seed, SALT_WORKER, index);
        let id = ordered_uuid_string(index, rng.gen());
        let core = self.worker_core(&mut rng, index);
        let role = &self.roles[core.role];
        let has = |l: Lang| core.languages & (1 << l) != 0;

        // Names follow the languages a worker speaks, most of the time.
        let culture = if has(HT) && rng.gen_bool(0.85) {
            HAITIAN
        } else if has(ZH) && rng.gen_bool(0.9) {
            CHINESE
        } else if has(VI) && rng.gen_bool(0.9) {
            VIETNAMESE
        } else if has(KM) && rng.gen_bool(0.9) {
            KHMER
        } else if has(AR) && rng.gen_bool(0.85) {
            ARABIC
        } else if has(RU) && rng.gen_bool(0.85) {
            RUSSIAN
        } else if has(KEA) && rng.gen_bool(0.9) {
            CAPE_VERDEAN
        } else if has(PT) && rng.gen_bool(0.85) {
            if rng.gen_bool(0.75) {
                BRAZILIAN_PORTUGUESE
            } else {
                CAPE_VERDEAN
            }
        } else if has(ES) && rng.gen_bool(0.85) {
            LATINO
        } else {
            pick(&mut rng, &[(AFRICAN_AMERICAN, 42), (ANGLO, 45), (LATINO, 8), (BRAZILIAN_PORTUGUESE, 3), (CAPE_VERDEAN, 2)])
        };
        let c = &CULTURES[culture];
        let female = rng.gen_bool(0.55);
        let given_name = one(&mut rng, if female { c.female } else { c.male }).to_string();
        let family_name = one(&mut rng, c.family).to_string();
        let city = &CITIES[self.city(&mut rng, culture, 0.4)];
        let employer_id = self.employer(&mut rng, role, city.region).to_string();

        let start_jd = self.today_jd - rng.gen_range(0..=8 * 365);
        let end_jd = (core.ended && start_jd + 14 < self.today_jd).then(|| rng.gen_range(start_jd + 14..self.today_jd));

        let mut languages = Vec::with_capacity(2);
        for (l, code) in self.lang_codes.iter().enumerate() {
            if core.languages & (1 << l) != 0 && !languages.contains(code) {
                languages.push(code.clone());
            }
        }

        let mut availability = Vec::with_capacity(4);
        for (t, p) in [(TimeOfDay::Daytime, 0.9), (TimeOfDay::Evening, 0.4), (TimeOfDay::Night, 0.1), (TimeOfDay::Weekend, 0.25)] {
            if rng.gen_bool(p) {
                availability.push(t);
            }
        }
        if availability.is_empty() {
            availability.push(TimeOfDay::Daytime);
        }

        let statements = statements(&mut rng, &role.id, culture, female, topics);
        let supervisor_id = (!self.is_supervisor(index)).then(|| self.worker_id(index - index % 12));
        Worker {
            id,
            given_name,
            family_name,
            role_id: role.id.clone(),
            employer_id,
            employment_start: Date::from_julian_day(start_jd).expect("date in range"),
            employment_end: end_jd.map(|d| Date::from_julian_day(d).expect("date in range")),
            languages,
            availability,
            statements,
            city: Some(city.name.to_string()),
            user_id: None,
            supervisor_id,
            version: 1,
            // About a third of workers bill under their own NPI.
            npi: {
                let mut claim = stream(self.plan.seed, SALT_PROVIDER, 1_000_000 + index);
                claim.gen_bool(0.35).then(|| npi(&mut claim))
            },
        }
    }

    // -- members -------------------------------------------------------------

    /// Members with indexes in `start..end` (`end` clamped to the plan).
    pub fn members(&self, start: u64, end: u64) -> Vec<Member> {
        let end = end.min(self.plan.members);
        (start..end.max(start)).map(|i| self.member(i)).collect()
    }

    pub fn member_id(&self, index: u64) -> String {
        ordered_uuid_string(index, stream(self.plan.seed, SALT_MEMBER, index).gen())
    }

    /// A 12-digit MassHealth ID, unique per index (for indexes below 10^11).
    fn masshealth_id(&self, index: u64) -> String {
        let scrambled =
            ((index % MASSHEALTH_SPAN) as u128 * MASSHEALTH_MULTIPLIER as u128 + self.masshealth_offset as u128) % MASSHEALTH_SPAN as u128;
        (MASSHEALTH_SPAN + scrambled as u64).to_string()
    }

    fn member(&self, index: u64) -> Member {
        let mut rng = stream(self.plan.seed, SALT_MEMBER, index);
        let id = ordered_uuid_string(index, rng.gen());
        let core = member_core(&mut rng);
        let c = &CULTURES[core.culture];

        let female = rng.gen_bool(0.5);
        let given_name = one(&mut rng, if female { c.female } else { c.male });
        let family_culture = if rng.gen_bool(0.07) { rng.gen_range(0..CULTURES.len()) } else { core.culture };
        let family_name = one(&mut rng, CULTURES[family_culture].family);
        let date_of_birth = Date::from_julian_day(rng.gen_range(self.dob_min..=self.dob_max)).expect("date in range");
        let city = &CITIES[self.city(&mut rng, core.culture, 0.55)];
        let medicare_id = rng.gen_bool(0.15).then(|| medicare_id(&mut rng));
        let phone = rng.gen_bool(0.9).then(|| {
            let mut p = String::with_capacity(12);
            p.push_str(city.area_code);
            p.push_str("-555-01");
            push_two_digits(&mut p, rng.gen_range(0..100u32));
            p
        });
        let email = rng.gen_bool(0.5).then(|| {
            let mut e = String::with_capacity(40);
            push_ascii(&mut e, given_name);
            e.push('.');
            push_ascii(&mut e, family_name);
            push_two_digits(&mut e, rng.gen_range(1..100u32));
            e.push_str("@example.org");
            e
        });

        let mut preferred_languages = Vec::with_capacity(2);
        preferred_languages.push(self.lang_codes[core.first as usize].clone());
        if let Some(second) = core.second {
            let code = &self.lang_codes[second as usize];
            if !preferred_languages.contains(code) {
                preferred_languages.push(code.clone());
            }
        }

        let n_needs = pick(&mut rng, &[(0usize, 60), (1, 28), (2, 12)]);
        let mut needs = Vec::with_capacity(n_needs);
        if n_needs > 0 {
            // Interpreters are asked for by members whose first language is
            // not English; everyone else draws from the other needs.
            let (first, others) = if core.first != EN && rng.gen_bool(0.5) {
                (INTERPRETER, NEEDS.len() - 1)
            } else {
                let k = if core.first == EN { NEEDS.len() - 1 } else { NEEDS.len() };
                (rng.gen_range(0..k), k - 1)
            };
            needs.push(NEEDS[first].to_string());
            if n_needs > 1 {
                // Another need among the first `others + 1`, distinct from `first`.
                let pool = others + 1;
                let second = (first + rng.gen_range(1..pool)) % pool;
                needs.push(NEEDS[second].to_string());
            }
        }

        let gender = rng.gen_bool(0.9).then(|| pick(&mut rng, if female { &GENDER_FEMALE } else { &GENDER_MALE }));
        let race = rng.gen_bool(0.85).then(|| pick(&mut rng, c.race));
        let ethnicity = rng.gen_bool(0.82).then(|| {
            if c.hispanic {
                pick(&mut rng, &HISPANIC_ETHNICITY)
            } else if rng.gen_bool(0.7) {
                "Non-Hispanic"
            } else {
                one(&mut rng, c.backgrounds)
            }
        });
        let sexual_orientation =
            rng.gen_bool(0.8).then(|| if female { pick(&mut rng, &ORIENTATION_FEMALE) } else { pick(&mut rng, &ORIENTATION_MALE) });
        let faith = rng.gen_bool(0.8).then(|| if rng.gen_bool(0.45) { one(&mut rng, c.faith) } else { pick(&mut rng, &FAITH) });
        let age = rng.gen_bool(0.9).then(|| age_band(age_on(self.plan.today, date_of_birth)));
        let plan = pick(&mut rng, &PLAN_WEIGHTS);
        let mut claim = stream(self.plan.seed, SALT_CLAIM, index);
        let address = claim.gen_bool(0.9).then(|| street_address(&mut claim, city.name, false));
        let administrative_sex = Some(if claim.gen_bool(0.02) {
            accompany_domain::claim_data::AdministrativeSex::Unknown
        } else if female {
            accompany_domain::claim_data::AdministrativeSex::Female
        } else {
            accompany_domain::claim_data::AdministrativeSex::Male
        });

        Member {
            address,
            administrative_sex,
            id,
            masshealth_id: self.masshealth_id(index),
            medicare_id,
            given_name: given_name.to_string(),
            family_name: family_name.to_string(),
            date_of_birth,
            phone,
            email,
            city: Some(city.name.to_string()),
            preferred_languages,
            needs,
            demographics: Demographics {
                gender: gender.map(str::to_string),
                race: race.map(str::to_string),
                ethnicity: ethnicity.map(str::to_string),
                sexual_orientation: sexual_orientation.map(str::to_string),
                faith: faith.map(str::to_string),
                age_band: age.map(str::to_string),
            },
            plan_id: Some(self.organizations[self.plans[plan]].id.clone()),
            version: 1,
        }
    }

    // -- care teams ----------------------------------------------------------

    /// Whether worker `index` heads a group of twelve: supervisors have no
    /// supervisor and are never a member's peer.
    pub fn is_supervisor(&self, index: u64) -> bool {
        index.is_multiple_of(12)
    }

    /// Whether worker `index` may be a member's peer: a peer worker (not a
    /// supervisor) in a peer role who still works.
    pub fn is_active_peer(&self, index: u64) -> bool {
        let core = self.core_of_worker(index);
        index < self.plan.workers && !self.is_supervisor(index) && !core.ended && self.roles.get(core.role).is_some_and(|r| r.peer)
    }

    /// Team for member `index`: a peer worker index for about 35% of members
    /// (an active worker in a peer role who speaks the member's first
    /// language, chosen among a few candidates, never a supervisor), and a
    /// coordinator index.
    pub fn team_for_member(&self, index: u64) -> (Option<u64>, u64) {
        let coordinator = index % self.coordinators();
        if self.plan.workers == 0 {
            return (None, coordinator);
        }
        let mut rng = stream(self.plan.seed, SALT_TEAM, index);
        if !rng.gen_bool(0.35) {
            return (None, coordinator);
        }
        let first = {
            let mut m = stream(self.plan.seed, SALT_MEMBER, index);
            let _id: u128 = m.gen();
            member_core(&mut m).first
        };
        // English speakers are many; speakers of other languages need a
        // wider look to find a peer who shares their language.
        let candidates = if first == EN { 8 } else { 24 };
        let mut best: Option<(u8, u64)> = None;
        for _ in 0..candidates {
            let w = rng.gen_range(0..self.plan.workers);
            // Supervisors carry no caseload: they sign in as supervisors, and
            // only a peer worker logs contacts with a member.
            if self.is_supervisor(w) {
                continue;
            }
            let core = self.core_of_worker(w);
            let peer = self.roles.get(core.role).is_some_and(|r| r.peer);
            let speaks = core.languages & (1 << first) != 0;
            let score = u8::from(peer) * 4 + u8::from(speaks) * 2 + u8::from(!core.ended);
            if score == 7 {
                return (Some(w), coordinator);
            }
            if best.is_none_or(|(s, _)| score > s) {
                best = Some((score, w));
            }
        }
        // Only someone in a peer role is a member's peer.
        (best.filter(|&(score, _)| score >= 4).map(|(_, w)| w), coordinator)
    }
}

// ---------------------------------------------------------------------------
// Worker statements
// ---------------------------------------------------------------------------

fn statements(rng: &mut impl Rng, role_id: &str, culture: usize, female: bool, topics: &[Topic]) -> Vec<Statement> {
    let n = pick(rng, &[(0usize, 15), (1, 25), (2, 25), (3, 20), (4, 15)]);
    let mut out: Vec<Statement> = Vec::with_capacity(n);
    let mut first_lived = true;
    let mut attempts = 0;
    while out.len() < n && attempts < 16 {
        attempts += 1;
        let (topic, text) = if topics.is_empty() || rng.gen_bool(0.4) {
            let topic = one(rng, &IDENTITY_TOPICS);
            if out.iter().any(|s| s.topic == topic) {
                continue;
            }
            (topic.to_string(), identity_text(rng, topic, culture, female))
        } else {
            let mut topic = &topics[rng.gen_range(0..topics.len())];
            if first_lived {
                first_lived = false;
                let preferred = match role_id {
                    "peer-recovery-coach" => Some(("substance-use", 0.75)),
                    "certified-peer-specialist" => Some((if rng.gen_bool(0.6) { "mental-health" } else { "trauma" }, 0.7)),
                    "recovery-specialist" | "recovery-support-navigator" => Some(("substance-use", 0.4)),
                    _ => None,
                };
                if let Some((id, p)) = preferred {
                    if let Some(t) = topics.iter().find(|t| t.id == id) {
                        if rng.gen_bool(p) {
                            topic = t;
                        }
                    }
                }
            }
            if out.iter().any(|s| s.topic == topic.id) {
                continue;
            }
            (topic.id.clone(), lived_text(rng, topic))
        };
        let visibility = pick(rng, &[(Visibility::Private, 30), (Visibility::Matching, 30), (Visibility::Members, 40)]);
        out.push(Statement { topic, text, visibility });
    }
    out
}

fn identity_text(rng: &mut impl Rng, topic: &str, culture: usize, female: bool) -> String {
    let c = &CULTURES[culture];
    match topic {
        "gender" => {
            let options: &[(&str, u32)] = if female {
                &[("I'm a woman.", 80), ("I'm a transgender woman.", 8), ("I'm non-binary and use they/them.", 7), ("I'm a woman and a mom.", 5)]
            } else {
                &[("I'm a man.", 80), ("I'm a transgender man.", 8), ("I'm non-binary and use they/them.", 7), ("I'm a man and a dad.", 5)]
            };
            pick(rng, options).to_string()
        }
        "race" => format!("I identify as {}.", pick(rng, c.race)),
        "ethnicity" => {
            let background = if c.hispanic && rng.gen_bool(0.5) { pick(rng, &HISPANIC_ETHNICITY) } else { one(rng, c.backgrounds) };
            format!("My background is {background}.")
        }
        "faith" => {
            let faith = if rng.gen_bool(0.5) { one(rng, c.faith) } else { pick(rng, &FAITH) };
            match faith {
                "None" => "I'm not religious.".to_string(),
                "Spiritual" => "I'm spiritual but not religious.".to_string(),
                "Atheist" => "I'm an atheist.".to_string(),
                "Agnostic" => "I'm agnostic.".to_string(),
                f => format!("My {f} faith is important to me."),
            }
        }
        "sexual-orientation" => {
            let options: &[(&str, u32)] = if female {
                &[
                    ("I'm straight.", 30),
                    ("I'm a lesbian.", 20),
                    ("I'm bisexual.", 20),
                    ("I'm queer.", 15),
                    ("I'm pansexual.", 8),
                    ("I'm asexual.", 7),
                ]
            } else {
                &[("I'm straight.", 30), ("I'm gay.", 30), ("I'm bisexual.", 18), ("I'm queer.", 12), ("I'm pansexual.", 5), ("I'm asexual.", 5)]
            };
            pick(rng, options).to_string()
        }
        _ => one(rng, &["I'm in my twenties.", "I'm in my thirties.", "I'm in my forties.", "I'm in my fifties.", "I'm over sixty."]).to_string(),
    }
}

fn lived_text(rng: &mut impl Rng, topic: &Topic) -> String {
    let options: &[&str] = match topic.id.as_str() {
        "mental-health" => &[
            "I live with depression and I know what it takes to keep going.",
            "I have a bipolar diagnosis and I've been in recovery for years.",
            "I've been hospitalized, and I know how frightening that can be.",
            "I hear voices and I've learned ways to live well with them.",
        ],
        "substance-use" => &[
            "I'm in long-term recovery from opioid use.",
            "I've been in recovery from alcohol for over ten years.",
            "Recovery saved my life; I'm glad to share what worked for me.",
            "I went through detox more than once before recovery took hold.",
        ],
        "trauma" => {
            &["I'm a survivor of childhood trauma.", "I survived domestic violence.", "Trauma shaped a lot of my life and I found my way through it."]
        }
        "parenting" => &[
            "I raised my kids while in recovery.",
            "I'm a single parent and I know the juggling.",
            "My family went through DCF involvement and came out stronger.",
        ],
        "veteran" => &["I served in the Army.", "I'm a Marine Corps veteran.", "I served in the Navy and know the VA system."],
        "justice-involvement" => &[
            "I spent time in prison and rebuilt my life after.",
            "I've been through the courts and probation.",
            "I was incarcerated young and know what reentry takes.",
        ],
        "immigration" => &[
            "I came to this country as an adult and learned English here.",
            "I'm an immigrant and I know the paperwork maze.",
            "My family came here as refugees.",
        ],
        "disability" => &["I use a wheelchair.", "I'm hard of hearing.", "I live with a disability and know the benefits system."],
        "lgbtq" => &["I'm part of the LGBTQ+ community.", "I came out later in life.", "I know what it's like to be queer in a small town."],
        "homelessness" => &["I was homeless for two years.", "I've stayed in shelters and know how hard it is.", "I lived in my car for a while."],
        "grief" => &["I lost my brother to an overdose.", "I lost a child and I know grief.", "I've grieved many friends."],
        "chronic-illness" => &["I live with diabetes.", "I live with HIV.", "I manage chronic pain every day."],
        _ => return format!("I have lived experience of {}.", topic.name.get("en").to_lowercase()),
    };
    one(rng, options).to_string()
}

#[cfg(test)]
mod tests {
    use std::collections::{HashMap, HashSet};

    use time::macros::date;

    use super::*;
    use accompany_domain::records::{format_date, MemberInput, WorkerInput};

    fn catalog() -> Catalog {
        Catalog::massachusetts().unwrap()
    }

    fn plan(seed: u64) -> Plan {
        Plan { seed, members: 20_000, workers: 500, today: date!(2026 - 01 - 15) }
    }

    fn member_input(m: &Member) -> MemberInput {
        MemberInput::of(m)
    }

    fn worker_input(w: &Worker) -> WorkerInput {
        WorkerInput {
            given_name: w.given_name.clone(),
            family_name: w.family_name.clone(),
            role_id: w.role_id.clone(),
            employer_id: w.employer_id.clone(),
            employment_start: format_date(w.employment_start),
            employment_end: w.employment_end.map(format_date),
            languages: w.languages.clone(),
            availability: w.availability.clone(),
            statements: w.statements.clone(),
            city: w.city.clone(),
            user_id: w.user_id.clone(),
            supervisor_id: w.supervisor_id.clone(),
            npi: w.npi.clone(),
        }
    }

    #[test]
    fn same_seed_same_data() {
        let c = catalog();
        let a = Synthetic::new(plan(7), &c);
        let b = Synthetic::new(plan(7), &c);
        assert_eq!(a.organizations(), b.organizations());
        assert_eq!(a.members(0, 300), b.members(0, 300));
        assert_eq!(a.workers(0, 100, &c), b.workers(0, 100, &c));
        assert_eq!((0..300).map(|i| a.team_for_member(i)).collect::<Vec<_>>(), (0..300).map(|i| b.team_for_member(i)).collect::<Vec<_>>());
    }

    #[test]
    fn different_seeds_differ() {
        let c = catalog();
        let a = Synthetic::new(plan(1), &c);
        let b = Synthetic::new(plan(2), &c);
        assert_ne!(a.organizations()[0].id, b.organizations()[0].id);
        let (ma, mb) = (a.members(0, 50), b.members(0, 50));
        assert!(ma.iter().zip(&mb).all(|(x, y)| x.id != y.id && x.masshealth_id != y.masshealth_id));
        assert_ne!(ma, mb);
        assert_ne!(a.workers(0, 50, &c), b.workers(0, 50, &c));
    }

    #[test]
    fn chunks_join_to_the_whole() {
        let c = catalog();
        let s = Synthetic::new(plan(42), &c);
        let mut members = s.members(0, 100);
        members.extend(s.members(100, 200));
        assert_eq!(members, s.members(0, 200));
        let mut workers = s.workers(0, 100, &c);
        workers.extend(s.workers(100, 200, &c));
        assert_eq!(workers, s.workers(0, 200, &c));
        assert!(s.members(150, 150).is_empty());
        assert!(s.members(200, 100).is_empty());
        assert_eq!(s.workers(490, 10_000, &c).len(), 10, "end is clamped to plan.workers");
        assert_eq!(s.members(19_990, 30_000).len(), 10, "end is clamped to plan.members");
        for (i, m) in members.iter().enumerate() {
            assert_eq!(m.id, s.member_id(i as u64));
        }
        for (i, w) in workers.iter().enumerate() {
            assert_eq!(w.id, s.worker_id(i as u64));
        }
    }

    #[test]
    fn masshealth_ids_unique_and_twelve_digits() {
        let s = Synthetic::new(plan(3), &catalog());
        let members = s.members(0, 10_000);
        let ids: HashSet<_> = members.iter().map(|m| m.masshealth_id.as_str()).collect();
        assert_eq!(ids.len(), 10_000);
        assert!(ids.iter().all(|id| id.len() == 12 && id.bytes().all(|b| b.is_ascii_digit())));
        let uuids: HashSet<_> = members.iter().map(|m| m.id.as_str()).collect();
        assert_eq!(uuids.len(), 10_000);
    }

    #[test]
    fn members_pass_validation() {
        let c = catalog();
        let p = plan(11);
        let s = Synthetic::new(p, &c);
        for m in s.members(0, 500) {
            let checked = member_input(&m).validate(m.id.clone(), m.version, &c, p.today);
            assert_eq!(checked.as_ref(), Ok(&m), "{m:?}");
            let age = age_on(p.today, m.date_of_birth);
            assert!((21..=64).contains(&age), "age {age}");
            if let Some(band) = &m.demographics.age_band {
                assert_eq!(band, age_band(age));
            }
            if let Some(phone) = &m.phone {
                assert!(phone.contains("-555-01"), "{phone}");
            }
            if let Some(e) = &m.email {
                assert!(e.ends_with("@example.org") && e.is_ascii(), "{e}");
            }
            assert!(m.needs.len() <= 2);
            if m.needs.iter().any(|n| n == "interpreter") {
                assert_ne!(m.preferred_languages[0], "en");
            }
            if m.needs.len() == 2 {
                assert_ne!(m.needs[0], m.needs[1]);
            }
        }
    }

    #[test]
    fn workers_pass_validation() {
        let c = catalog();
        let p = plan(12);
        let s = Synthetic::new(p, &c);
        let org_ids: HashSet<_> = s.organizations().iter().map(|o| o.id.clone()).collect();
        let workers = s.workers(0, 300, &c);
        for (i, w) in workers.iter().enumerate() {
            let checked = worker_input(w).validate(w.id.clone(), w.version, &c);
            assert_eq!(checked.as_ref(), Ok(w), "{w:?}");
            assert!(org_ids.contains(&w.employer_id));
            assert!(w.statements.len() <= 4);
            assert!(w.employment_start <= p.today && w.employment_start >= p.today - time::Duration::days(8 * 366));
            if let Some(end) = w.employment_end {
                assert!(end < p.today && end >= w.employment_start);
            }
            assert!(!w.availability.is_empty());
            assert!(w.user_id.is_none());
            if i % 12 == 0 {
                assert_eq!(w.supervisor_id, None);
            } else {
                assert_eq!(w.supervisor_id.as_ref(), Some(&workers[i - i % 12].id));
            }
        }
    }

    #[test]
    fn organizations_are_complete() {
        let s = Synthetic::new(plan(5), &catalog());
        let orgs = s.organizations();
        let count = |k| orgs.iter().filter(|o| o.kind == k).count();
        assert_eq!(count(K::HealthPlan), 3);
        assert!((9..=11).contains(&count(K::Rlc)));
        assert!(count(K::Cbo) >= 3);
        assert!(count(K::HumanServiceOrganization) >= 3);
        assert_eq!(count(K::Aco), 1);
        assert_eq!(count(K::CommunityPartner), 1);
        assert_eq!(count(K::StateAgency), 3);
        assert_eq!(count(K::RecoverySupportCenter), 1);
        assert!(count(K::Hospital) >= 2);
        assert!(orgs.iter().any(|o| o.name == "Metro Boston RLC"));
        assert!(orgs.iter().any(|o| o.name == "Western Mass RLC"));
        let plans: HashSet<_> = orgs.iter().filter(|o| o.kind == K::HealthPlan).map(|o| &o.id).collect();
        let contracts = s.contracts();
        for o in orgs {
            let funders: Vec<_> = contracts.iter().filter(|c| c.organization_id == o.id).map(|c| &c.funder_id).collect();
            match o.kind {
                K::HumanServiceOrganization => assert!(funders.len() == 1 && plans.contains(funders[0])),
                K::Rlc | K::RecoverySupportCenter | K::Aco => assert_eq!(funders.len(), 1, "{} is funded once", o.name),
                _ => assert!(funders.is_empty()),
            }
            assert_eq!(o.agency.is_some(), o.kind == K::StateAgency);
        }
        let catalog = Catalog::massachusetts().unwrap();
        for c in &contracts {
            assert!(!c.services.is_empty() && c.services.iter().all(|r| catalog.role(r).is_some()), "{c:?}");
            assert!(catalog.payer(&c.payer_id).is_some());
        }
        let ids: HashSet<_> = orgs.iter().map(|o| &o.id).collect();
        assert_eq!(ids.len(), orgs.len());
        assert!(ids.iter().all(|id| uuid::Uuid::parse_str(id).is_ok()));
    }

    #[test]
    fn distributions_are_plausible() {
        let c = catalog();
        let s = Synthetic::new(plan(2024), &c);
        let members = s.members(0, 2_000);
        let mut first: HashMap<&str, usize> = HashMap::new();
        for m in &members {
            *first.entry(m.preferred_languages[0].as_str()).or_default() += 1;
        }
        assert!(first.len() >= 5, "{first:?}");
        let english = first["en"] as f64 / 2_000.0;
        let spanish = first["es"] as f64 / 2_000.0;
        assert!((0.55..0.75).contains(&english), "{first:?}");
        assert!((0.13..0.27).contains(&spanish), "{first:?}");
        let races: HashSet<_> = members.iter().filter_map(|m| m.demographics.race.as_deref()).collect();
        assert!(races.len() >= 5, "{races:?}");
        for field in [
            |d: &Demographics| d.gender.clone(),
            |d: &Demographics| d.race.clone(),
            |d: &Demographics| d.ethnicity.clone(),
            |d: &Demographics| d.sexual_orientation.clone(),
            |d: &Demographics| d.faith.clone(),
            |d: &Demographics| d.age_band.clone(),
        ] {
            let values: Vec<_> = members.iter().map(|m| field(&m.demographics)).collect();
            let missing = values.iter().filter(|v| v.is_none()).count();
            assert!((100..500).contains(&missing), "missing {missing}");
            let distinct: HashSet<_> = values.iter().flatten().collect();
            assert!(distinct.len() >= 3, "{distinct:?}");
        }
        let medicare = members.iter().filter(|m| m.medicare_id.is_some()).count();
        assert!((200..400).contains(&medicare), "{medicare}");
        let plans: HashSet<_> = members.iter().filter_map(|m| m.plan_id.as_ref()).collect();
        assert_eq!(plans.len(), 3);

        let workers = s.workers(0, 200, &c);
        let roles: HashSet<_> = workers.iter().map(|w| w.role_id.as_str()).collect();
        for r in c.chart_roles() {
            assert!(roles.contains(r.id.as_str()), "no {} among 200 workers", r.id);
        }
        let spanish = workers.iter().filter(|w| w.languages.iter().any(|l| l == "es")).count();
        assert!((35..85).contains(&spanish), "{spanish}");
        let ended = workers.iter().filter(|w| w.employment_end.is_some()).count();
        assert!((4..35).contains(&ended), "{ended}");
        let topics: HashSet<_> = workers.iter().flat_map(|w| &w.statements).map(|s| s.topic.as_str()).collect();
        assert!(topics.len() >= 10, "{topics:?}");
    }

    #[test]
    fn every_city_people_live_in_is_a_town_of_the_catalog() {
        // Distance ranking places people at their town's centre, from the catalog.
        let c = catalog();
        for city in &CITIES {
            assert!(c.town(city.name).is_some(), "{} is not a town of the catalog", city.name);
        }
    }

    #[test]
    fn teams_point_at_real_workers_and_coordinators() {
        let c = catalog();
        let p = plan(9);
        let s = Synthetic::new(p, &c);
        assert_eq!(s.coordinators(), 50);
        let members = s.members(0, 2_000);
        let mut with_peer = 0;
        let mut peer_role = 0;
        let mut same_language = 0;
        for (i, m) in members.iter().enumerate() {
            let (peer, coordinator) = s.team_for_member(i as u64);
            assert_eq!(coordinator, i as u64 % s.coordinators());
            if let Some(w) = peer {
                assert!(w < p.workers);
                with_peer += 1;
                let worker = &s.workers(w, w + 1, &c)[0];
                assert!(worker.supervisor_id.is_some(), "member {i}'s peer {w} is a supervisor");
                if c.role(&worker.role_id).unwrap().lived_experience == LivedExperienceRequirement::Required {
                    peer_role += 1;
                }
                if worker.languages.contains(&m.preferred_languages[0]) {
                    same_language += 1;
                }
            }
        }
        assert!((550..850).contains(&with_peer), "{with_peer}");
        assert_eq!(peer_role, with_peer);
        assert!(same_language * 100 >= with_peer * 85, "{same_language} of {with_peer}");

        let small = Synthetic::new(Plan { members: 10, workers: 0, ..p }, &c);
        assert_eq!(small.coordinators(), 3);
        assert!((0..10).all(|i| small.team_for_member(i).0.is_none()));
    }

    /// `cargo test --release -p accompany-synthetic world::tests::speed -- --ignored --nocapture`
    #[test]
    #[ignore]
    fn speed() {
        let c = catalog();
        let s = Synthetic::new(Plan { seed: 1, members: 2_000_000, workers: 10_000, today: date!(2026 - 01 - 15) }, &c);
        let t = std::time::Instant::now();
        let mut n = 0;
        for start in (0..2_000_000).step_by(10_000) {
            n += s.members(start, start + 10_000).len();
        }
        eprintln!("{n} members in {:?}", t.elapsed());
        let t = std::time::Instant::now();
        let peers = (0..2_000_000).filter(|&i| s.team_for_member(i).0.is_some()).count();
        eprintln!("{peers} peers for 2,000,000 members in {:?}", t.elapsed());
        let t = std::time::Instant::now();
        let w = s.workers(0, 10_000, &c).len();
        eprintln!("{w} workers in {:?}", t.elapsed());
    }
}

//! One-time enrolment codes: the only way to link a new account to a
//! member record that already exists. A code is twelve characters from an
//! alphabet without look-alikes (no 0/O, 1/I/L, U/V), shown in three groups
//! of four. The first group finds the code, the rest proves it, so wrong
//! tries can be counted against one code and void it; the store keeps only
//! hashes of both parts.

use crate::error::{FieldError, Invalid};

/// Characters a person can read out and type without confusing them.
pub const ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTWXYZ23456789";
/// Characters that find the code.
pub const SELECTOR_LEN: usize = 4;
/// Characters that prove it: 29^8, about 5 × 10^11, against five tries.
pub const VERIFIER_LEN: usize = 8;
/// Wrong tries after which a code is void.
pub const MAX_WRONG_TRIES: u32 = 5;

/// A code as a person reads it, and its two parts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnrolmentCode {
    pub selector: String,
    pub verifier: String,
}

impl EnrolmentCode {
    /// A new code from the randomness the caller hands in: `random` yields
    /// uniformly random 32-bit words, one per character.
    pub fn generate(random: &mut dyn FnMut() -> u32) -> EnrolmentCode {
        // Multiply-shift maps a word onto the alphabet with a bias below 29 / 2^32.
        let mut pick =
            |n: usize| -> String { (0..n).map(|_| ALPHABET[((u64::from(random()) * ALPHABET.len() as u64) >> 32) as usize] as char).collect() };
        let selector = pick(SELECTOR_LEN);
        let verifier = pick(VERIFIER_LEN);
        EnrolmentCode { selector, verifier }
    }

    /// The code as shown: `ABCD-EFGH-JKMN`.
    pub fn display(&self) -> String {
        let v = &self.verifier;
        format!("{}-{}-{}", self.selector, &v[..4], &v[4..])
    }

    /// A code as typed: case, spaces and dashes do not matter.
    pub fn parse(typed: &str) -> Result<EnrolmentCode, Invalid> {
        let clean: String = typed.chars().filter(|c| !c.is_whitespace() && *c != '-').map(|c| c.to_ascii_uppercase()).collect();
        if clean.len() != SELECTOR_LEN + VERIFIER_LEN || !clean.bytes().all(|b| ALPHABET.contains(&b)) {
            return Err(Invalid::one(
                "code",
                "code-format",
                "an enrolment code is 12 letters and digits, like ABCD-EFGH-JKMN; check it with the person who gave it",
            ));
        }
        Ok(EnrolmentCode { selector: clean[..SELECTOR_LEN].to_string(), verifier: clean[SELECTOR_LEN..].to_string() })
    }
}

/// How a coordinator hands a code over.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Delivery {
    /// Shown once, to read out or print.
    Show,
    /// Sent to the email address on the member's record.
    Email,
    /// Sent by text to the phone number on the member's record.
    Text,
}

impl Delivery {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Show => "show",
            Self::Email => "email",
            Self::Text => "text",
        }
    }
    pub fn parse(s: &str) -> Option<Delivery> {
        match s {
            "show" => Some(Self::Show),
            "email" => Some(Self::Email),
            "text" => Some(Self::Text),
            _ => None,
        }
    }
}

/// Where a code goes when it is sent: the member's record's own details,
/// never an address the asker types.
pub fn delivery_address(d: Delivery, email: Option<&str>, phone: Option<&str>) -> Result<Option<String>, Invalid> {
    let missing = |field: &str, what: &str| {
        Invalid(vec![FieldError::new(
            "delivery",
            "no-contact-on-record",
            format!("the record has no {what}; show the code instead, or correct the record's {field} first"),
        )])
    };
    match d {
        Delivery::Show => Ok(None),
        Delivery::Email => email.filter(|e| !e.trim().is_empty()).map(|e| Some(e.to_string())).ok_or_else(|| missing("email", "email address")),
        Delivery::Text => phone.filter(|p| !p.trim().is_empty()).map(|p| Some(p.to_string())).ok_or_else(|| missing("phone", "phone number")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A repeatable stand-in for the caller's randomness (splitmix64).
    fn words(seed: u64) -> impl FnMut() -> u32 {
        let mut state = seed;
        move || {
            state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = state;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            ((z ^ (z >> 31)) >> 32) as u32
        }
    }

    #[test]
    fn codes_read_back_however_they_are_typed() {
        for seed in [1_u64, 2, 99] {
            let c = EnrolmentCode::generate(&mut words(seed));
            assert_eq!(c.display().len(), 14);
            assert_eq!(EnrolmentCode::parse(&c.display()).unwrap(), c);
            assert_eq!(EnrolmentCode::parse(&c.display().to_lowercase().replace('-', " ")).unwrap(), c);
            assert!(c.display().chars().all(|ch| ch == '-' || ALPHABET.contains(&(ch as u8))));
        }
    }

    #[test]
    fn look_alikes_and_wrong_lengths_are_refused() {
        for bad in ["ABCD-EFGH-JKM0", "ABCD-EFGH-JKMI", "ABCD-EFGH", "", "ABCD-EFGH-JKMNP", "ABCD-EFGH-JKMÑ"] {
            assert_eq!(EnrolmentCode::parse(bad).unwrap_err().0[0].code, "code-format", "{bad}");
        }
        assert!(!ALPHABET.iter().any(|b| b"01ILOUV".contains(b)));
    }

    #[test]
    fn codes_go_only_to_details_on_the_record() {
        assert_eq!(delivery_address(Delivery::Show, None, None).unwrap(), None);
        assert_eq!(delivery_address(Delivery::Email, Some("a@b.org"), None).unwrap().as_deref(), Some("a@b.org"));
        assert_eq!(delivery_address(Delivery::Text, Some("a@b.org"), None).unwrap_err().0[0].code, "no-contact-on-record");
    }
}

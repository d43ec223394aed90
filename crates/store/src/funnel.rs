//! An organization's worker activity and referral funnel.

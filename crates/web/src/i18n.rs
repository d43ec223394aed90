//! Every string a person reads comes from the Fluent files in `locales/`.
//! The language of a request: the `lang` cookie (the switcher), then the
//! account's setting, then Accept-Language, then English.

use std::borrow::Cow;
use std::collections::HashMap;

use fluent_templates::fluent_bundle::FluentValue;
use fluent_templates::{LanguageIdentifier, Loader};

fluent_templates::static_loader! {
    static LOCALES = {
        locales: "./locales",
        fallback_language: "en",
        // Bidirectional isolation marks would show up in HTML attributes.
        customise: |bundle| bundle.set_use_isolating(false),
    };
}

/// The languages the interface ships, with their names in themselves.
pub const SHIPPED: &[(&str, &str)] = &[("en", "English"), ("es", "Español")];

/// A translator for one request's language.
#[derive(Clone, Debug)]
pub struct Tr {
    pub lang: &'static str,
    id: LanguageIdentifier,
}

impl Tr {
    pub fn new(lang: &str) -> Tr {
        let lang = SHIPPED.iter().map(|(c, _)| *c).find(|c| *c == lang).unwrap_or("en");
        Tr { lang, id: lang.parse().expect("shipped languages are valid tags") }
    }

    /// The message `key`.
    pub fn t(&self, key: &str) -> String {
        LOCALES.lookup(&self.id, key)
    }

    /// The message `key` with one argument.
    pub fn t1(&self, key: &str, name: &str, value: impl ToString) -> String {
        let mut args: HashMap<Cow<'static, str>, FluentValue> = HashMap::new();
        args.insert(Cow::Owned(name.to_string()), argument(value.to_string()));
        LOCALES.lookup_with_args(&self.id, key, &args)
    }
}

/// An argument as Fluent should see it: a whole number as a number, so that
/// `[one]` and `[other]` pick by plural rules; anything else, including
/// codes with a leading zero, as written.
fn argument(value: String) -> FluentValue<'static> {
    match value.parse::<i64>() {
        Ok(n) if n.to_string() == value => FluentValue::from(n),
        _ => FluentValue::from(value),
    }
}

impl Tr {
    /// The message `key` with several arguments.
    pub fn tn(&self, key: &str, args: &[(&str, String)]) -> String {
        let mut map: HashMap<Cow<'static, str>, FluentValue> = HashMap::new();
        for (name, value) in args {
            map.insert(Cow::Owned(name.to_string()), argument(value.clone()));
        }
        LOCALES.lookup_with_args(&self.id, key, &map)
    }
}

impl Tr {
    /// A validation problem in this language: the message `err-CODE` with
    /// the problem's values, or the English message when there is no such key.
    pub fn field_error(&self, e: &accompany_domain::FieldError) -> String {
        let mut args: HashMap<Cow<'static, str>, FluentValue> = HashMap::new();
        for (name, value) in &e.args {
            args.insert(Cow::Borrowed(*name), FluentValue::from(value.clone()));
        }
        LOCALES.try_lookup_with_args(&self.id, &format!("err-{}", e.code), &args).unwrap_or_else(|| e.message.clone())
    }
}

impl Tr {
    /// The label of a form field (`family_name` → "Family name"), or the
    /// field's own name when the form has no such label.
    pub fn field_label(&self, field: &str) -> String {
        let slug = field.replace('_', "-");
        ["field-", "demo-"].iter().find_map(|prefix| LOCALES.try_lookup(&self.id, &format!("{prefix}{slug}"))).unwrap_or_else(|| field.to_string())
    }
}

/// Pick the first shipped language from an Accept-Language header.
pub fn negotiate(accept_language: &str) -> Option<&'static str> {
    let mut prefs: Vec<(f32, &str)> = accept_language
        .split(',')
        .filter_map(|part| {
            let mut it = part.trim().split(';');
            let tag = it.next()?.trim();
            let q = it.find_map(|p| p.trim().strip_prefix("q=").and_then(|q| q.parse::<f32>().ok())).unwrap_or(1.0);
            Some((q, tag))
        })
        .collect();
    prefs.sort_by(|a, b| b.0.partial_cmp(&a.0).unwrap_or(std::cmp::Ordering::Equal));
    prefs.into_iter().find_map(|(_, tag)| {
        let primary = tag.split('-').next()?.to_ascii_lowercase();
        SHIPPED.iter().map(|(c, _)| *c).find(|c| *c == primary)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_numbers_pick_plural_forms_and_other_values_stay_as_written() {
        let en = Tr::new("en");
        assert_eq!(en.t1("act-last-days", "days", 1), "1 day ago");
        assert_eq!(en.t1("act-last-days", "days", 12), "12 days ago");
        assert_eq!(Tr::new("es").t1("act-last-days", "days", 1), "Hace 1 día");
        assert_eq!(en.t1("act-last-days", "days", "007"), "007 days ago", "a code keeps its zeros");
    }

    #[test]
    fn accept_language_picks_best_shipped() {
        assert_eq!(negotiate("es-MX,es;q=0.9,en;q=0.8"), Some("es"));
        assert_eq!(negotiate("fr-FR, en;q=0.5"), Some("en"));
        assert_eq!(negotiate("en;q=0.2, es;q=0.9"), Some("es"));
        assert_eq!(negotiate("de"), None);
    }

    /// The message ids of each Fluent file of `lang`, by file name.
    fn keys(lang: &str) -> Vec<(String, Vec<String>)> {
        let dir = format!("{}/locales/{lang}", env!("CARGO_MANIFEST_DIR"));
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{dir}: {e}"))
            .map(|e| e.expect("readable locale directory").path())
            .filter(|p| p.extension().is_some_and(|x| x == "ftl"))
            .collect();
        files.sort();
        files
            .iter()
            .map(|path| {
                let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
                let ids = text
                    .lines()
                    .filter(|l| !l.starts_with('#') && !l.starts_with(' ') && l.contains(" ="))
                    .filter_map(|l| l.split(" =").next().map(str::to_string))
                    .collect();
                (path.file_name().unwrap_or_default().to_string_lossy().into_owned(), ids)
            })
            .collect()
    }

    /// Every shipped language has exactly the English messages, file by
    /// file, and each one resolves in that language.
    #[test]
    fn every_language_is_complete() {
        let english = keys("en");
        let mut seen = std::collections::HashMap::new();
        for (file, ids) in &english {
            for id in ids {
                if let Some(other) = seen.insert(id.clone(), file.clone()) {
                    panic!("{id} is in both {other} and {file}: a message lives in one file");
                }
            }
        }
        let total: usize = english.iter().map(|(_, ids)| ids.len()).sum();
        assert!(total > 100, "found {total} keys");
        for (lang, _) in SHIPPED {
            assert_eq!(keys(lang), english, "{lang} has the same files, keys and order");
        }
        let es = Tr::new("es");
        assert_eq!(es.t("nav-home"), "Inicio");
        assert_eq!(es.t1("hours", "n", 50), "50 horas");
        let e = accompany_domain::FieldError::new("x", "too-long", "is too long").arg("max", "100");
        assert_eq!(es.field_error(&e), "Es demasiado largo: como máximo 100 caracteres.");
        let unknown = accompany_domain::FieldError::new("x", "no-such-code", "plain English");
        assert_eq!(es.field_error(&unknown), "plain English");
    }
}

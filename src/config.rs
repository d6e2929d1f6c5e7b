//! `site.yaml` into a typed `Config`: languages, base URL, theme, collections with their field
//! schema, and taxonomies.

use crate::diagnostics::{Diagnostic, Severity};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use std::collections::BTreeMap;
use std::path::Path;

pub const CONFIG_FILE: &str = "site.yaml";

/// A text per language code. A plain string in YAML means the same text in every language.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Localized(pub BTreeMap<String, String>);

impl Localized {
    /// The text in `lang`, else in `fallback`, else any.
    pub fn get<'a>(&'a self, lang: &str, fallback: &str) -> &'a str {
        self.0
            .get(lang)
            .or_else(|| self.0.get(fallback))
            .or_else(|| self.0.values().next())
            .map_or("", String::as_str)
    }
}

impl<'de> Deserialize<'de> for Localized {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde::de::Error as _;
        use serde_yaml::Value;
        // A number or true/false is text to whoever wrote it (`title: 2024`).
        let text = |value: &Value| match value {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            _ => None,
        };
        let describe = |value: &Value| match value {
            Value::Null => "nothing",
            Value::Sequence(_) => "a list",
            Value::Mapping(_) => "a set of fields",
            _ => "a tagged value",
        };
        let value = Value::deserialize(deserializer)?;
        if let Some(same) = text(&value) {
            return Ok(Localized(BTreeMap::from([("*".to_string(), same)])));
        }
        let Value::Mapping(map) = &value else {
            return Err(D::Error::custom(format!(
                "expected a text, or one text per language ({{ zh: 标题, en: Title }}), found {}",
                describe(&value)
            )));
        };
        let mut texts = BTreeMap::new();
        for (code, value) in map {
            let code = yaml_key(code);
            let Some(one) = text(value) else {
                return Err(D::Error::custom(format!(
                    "the text in `{code}` is {}, not a text",
                    describe(value)
                )));
            };
            texts.insert(code, one);
        }
        Ok(Localized(texts))
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Language {
    pub code: String,
    pub name: String,
}

/// The languages written right to left, by the first part of their code (`ar`, `ar-EG`).
pub const RIGHT_TO_LEFT: [&str; 11] = [
    "ar", "arc", "ckb", "dv", "fa", "he", "ps", "sd", "ug", "ur", "yi",
];

/// `rtl` for a language written right to left, else `ltr`: the `dir` of its pages.
pub fn direction(code: &str) -> &'static str {
    let primary = code.split(['-', '_']).next().unwrap_or(code);
    if RIGHT_TO_LEFT
        .iter()
        .any(|rtl| rtl.eq_ignore_ascii_case(primary))
    {
        "rtl"
    } else {
        "ltr"
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    // Read as YAML first, so that a bad one is reported at its own line.
    title: serde_yaml::Value,
    #[serde(default)]
    description: serde_yaml::Value,
    base_url: String,
    default_language: Option<String>,
    languages: Vec<Language>,
    #[serde(default = "default_theme")]
    theme: String,
    #[serde(default)]
    collections: serde_yaml::Mapping,
    #[serde(default)]
    taxonomies: serde_yaml::Mapping,
    #[serde(default)]
    extra: serde_yaml::Mapping,
    #[serde(default)]
    ignore: Vec<String>,
    broken_anchors: Option<serde_yaml::Value>,
    #[serde(default)]
    pages: RawPages,
}

/// `pages:`: what the pages outside the collections (`about.md`) may hold.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPages {
    #[serde(default)]
    fields: serde_yaml::Mapping,
}

/// How many pages a list shows when `paginate:` is not set: a folder of 400 documents is not
/// one page of 400 cards.
pub const DEFAULT_PAGINATE: usize = 50;

/// Pages per list page: `paginate: N`, `DEFAULT_PAGINATE` when unset, all on one (`None`) with
/// `paginate: 0`.
fn paginate(written: Option<usize>) -> Option<usize> {
    match written {
        None => Some(DEFAULT_PAGINATE),
        Some(0) => None,
        Some(n) => Some(n),
    }
}

fn default_theme() -> String {
    "default".to_string()
}

#[derive(Debug, Clone)]
pub struct Config {
    pub title: Localized,
    pub description: Localized,
    /// Always ends with `/`.
    pub base_url: String,
    pub default_language: String,
    pub languages: Vec<Language>,
    pub theme: String,
    /// In declared order: the first is the site's main collection.
    pub collections: Vec<Collection>,
    /// The fields of a page outside the collections: the built-in ones and those of `pages:`.
    pub page_fields: Vec<Field>,
    /// In declared order.
    pub taxonomies: Vec<Taxonomy>,
    pub extra: serde_json::Value,
    /// Files and folders under `content/` that are neither pages nor published.
    pub ignore: crate::content::Ignore,
    /// What a link to a missing heading of an existing page is (`broken_anchors: error |
    /// warning`); a link to a missing page is always an error.
    pub broken_anchors: Severity,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCollection {
    folder: String,
    title: Localized,
    #[serde(default)]
    sort_by: Option<String>,
    #[serde(default)]
    paginate: Option<usize>,
    #[serde(default)]
    template: Option<String>,
    #[serde(default)]
    fields: serde_yaml::Mapping,
    #[serde(default)]
    unknown_fields: UnknownFields,
}

/// What to say of a front matter key a collection does not declare: a warning (`warn`, the
/// default), or nothing (`allow`, for migrated content); either way the value stays in
/// `page.extra`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum UnknownFields {
    #[default]
    Warn,
    Allow,
}

#[derive(Debug, Clone)]
pub struct Collection {
    pub key: String,
    /// The folder under `content/` whose Markdown files belong to this collection.
    pub folder: String,
    pub title: Localized,
    /// A date field to sort by, newest first; pages without it sort by title.
    pub sort_by: String,
    pub paginate: Option<usize>,
    pub template: String,
    pub fields: Vec<Field>,
    pub unknown_fields: UnknownFields,
}

impl Collection {
    pub fn field(&self, name: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.name == name)
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawField {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    required: bool,
    #[serde(default)]
    of: Option<String>,
    #[serde(default)]
    taxonomy: Option<String>,
    #[serde(default)]
    label: Option<Localized>,
    #[serde(default)]
    show: Option<serde_yaml::Value>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldType {
    String,
    Text,
    Date,
    Integer,
    Number,
    Boolean,
    Url,
    /// A standard's code as written on it: `GB/T 31526-2015`, `ISO 9001`.
    Standard,
    /// A figure a practice reports: `{name, value, unit, year}`.
    Metric,
    /// A term of the named taxonomy.
    Term(String),
    List(Box<FieldType>),
    /// Any value, kept as written for templates without being checked (`params:`, a value that
    /// is a number on one page and a URL on another).
    Any,
}

impl FieldType {
    pub fn describe(&self) -> String {
        match self {
            FieldType::String | FieldType::Text => "a string".into(),
            FieldType::Date => "a date (YYYY-MM-DD)".into(),
            FieldType::Integer => "a whole number".into(),
            FieldType::Number => "a number".into(),
            FieldType::Boolean => "true or false".into(),
            FieldType::Url => "a URL (https://…)".into(),
            FieldType::Standard => "a standard's code (such as GB/T 31526-2015)".into(),
            FieldType::Metric => "a figure {name, value, unit, year}".into(),
            FieldType::Term(taxonomy) => format!("a term of {taxonomy}"),
            FieldType::List(of) => format!("a list of {}", of.describe_plural()),
            FieldType::Any => "any value".into(),
        }
    }

    fn describe_plural(&self) -> String {
        match self {
            FieldType::Term(taxonomy) => format!("terms of {taxonomy}"),
            FieldType::Date => "dates".into(),
            FieldType::Url => "URLs".into(),
            FieldType::Standard => "standard codes".into(),
            FieldType::Metric => "figures {name, value, unit, year}".into(),
            FieldType::Integer | FieldType::Number => "numbers".into(),
            FieldType::Boolean => "booleans".into(),
            _ => "strings".into(),
        }
    }

    /// The taxonomy whose terms this field holds, directly or in a list.
    pub fn taxonomy(&self) -> Option<&str> {
        match self {
            FieldType::Term(taxonomy) => Some(taxonomy),
            FieldType::List(of) => of.taxonomy(),
            _ => None,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Field {
    pub name: String,
    pub kind: FieldType,
    pub required: bool,
    /// What the facts box calls the field, per language (`label: {zh: 作者, en: Author}`); its
    /// name when not given.
    pub label: Option<Localized>,
    /// Whether the facts box shows the field (`show: true | false | always`).
    pub show: Show,
}

/// When a page's facts box shows a field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Show {
    /// When the page gives it a value (`show: true`, the default).
    #[default]
    WhenSet,
    /// Never (`show: false`): the field is for lists, search or templates only.
    Never,
    /// Always (`show: always`): "not stated" when the page gives it no value.
    Always,
}

impl Field {
    /// The field's label in `lang`, else in `fallback`, else its name.
    pub fn label(&self, lang: &str, fallback: &str) -> String {
        match &self.label {
            Some(label) if !label.get(lang, fallback).is_empty() => {
                label.get(lang, fallback).to_string()
            }
            _ => self.name.clone(),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTaxonomy {
    title: Localized,
    #[serde(default)]
    closed: bool,
    #[serde(default)]
    terms: Vec<DeclaredTerm>,
    #[serde(default)]
    from: Option<String>,
    #[serde(default)]
    paginate: Option<usize>,
    #[serde(default)]
    nav: Option<bool>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeclaredTerm {
    pub key: String,
    pub name: Localized,
    #[serde(default)]
    pub description: Option<Localized>,
}

#[derive(Debug, Clone)]
pub struct Taxonomy {
    pub key: String,
    pub title: Localized,
    /// Closed taxonomies accept only their declared terms, in declared order.
    pub closed: bool,
    pub terms: Vec<DeclaredTerm>,
    /// A date field the terms are derived from (the year), instead of a field of their own.
    pub from: Option<String>,
    pub paginate: Option<usize>,
    /// Whether the header navigation has a menu of its terms (`nav: true`); by default closed
    /// taxonomies do and open ones do not.
    pub nav: bool,
}

impl Config {
    pub fn language(&self, code: &str) -> Option<&Language> {
        self.languages.iter().find(|l| l.code == code)
    }

    pub fn collection(&self, key: &str) -> Option<&Collection> {
        self.collections.iter().find(|c| c.key == key)
    }

    pub fn taxonomy(&self, key: &str) -> Option<&Taxonomy> {
        self.taxonomies.iter().find(|t| t.key == key)
    }

    /// The path prefix of a language: empty for the default language, `en/` for the others.
    pub fn language_prefix(&self, lang: &str) -> String {
        if lang == self.default_language {
            String::new()
        } else {
            format!("{lang}/")
        }
    }
}

/// Reads and checks `site.yaml` at the site root.
pub fn load(root: &Path) -> Result<Config, Vec<Diagnostic>> {
    let path = root.join(CONFIG_FILE);
    let text = std::fs::read_to_string(&path).map_err(|e| {
        let message = match e.kind() {
            std::io::ErrorKind::NotFound => {
                format!("there is no {CONFIG_FILE} in {}", root.display())
            }
            std::io::ErrorKind::InvalidData => format!("{CONFIG_FILE} is not UTF-8 text"),
            _ => format!("cannot read {CONFIG_FILE}: {e}"),
        };
        vec![
            Diagnostic::error(CONFIG_FILE, message)
                .with_hint("run casebook in the folder that holds site.yaml, or pass --root DIR; `casebook init DIR` creates a new casebook"),
        ]
    })?;
    parse(&text)
}

pub fn parse(text: &str) -> Result<Config, Vec<Diagnostic>> {
    use crate::content::front_matter::{MAX_NESTING, too_deep};
    if let Some((line, column)) = too_deep(text, MAX_NESTING) {
        return Err(vec![
            Diagnostic::error(
                CONFIG_FILE,
                format!("brackets nest more than {MAX_NESTING} levels deep"),
            )
            .at(text, line, column)
            .with_hint("settings are text, lists and sets of fields a few levels deep at most"),
        ]);
    }
    let raw: RawConfig = from_yaml(text, text, 0)?;
    let mut diagnostics = Vec::new();
    let located = |message: String, key: &str| {
        let d = Diagnostic::error(CONFIG_FILE, message);
        match find_key(text, key) {
            Some(offset) => d.at_offset(text, offset),
            None => d,
        }
    };

    let mut localized = |value: &serde_yaml::Value, key: &str| {
        if value.is_null() && key == "description" {
            return Localized::default();
        }
        from_value::<Localized>(value, text, key).unwrap_or_else(|d| {
            diagnostics.push(d);
            Localized::default()
        })
    };
    let title = localized(&raw.title, "title");
    let description = localized(&raw.description, "description");

    let mut languages = raw.languages;
    let no_languages = languages.is_empty();
    if no_languages {
        diagnostics.push(
            located("no languages are declared".into(), "languages").with_hint(
                "declare at least one, the first being the default: `languages: [{ code: zh, name: 中文 }, { code: en, name: English }]`",
            ),
        );
        // For the checks below, which then say nothing of the default language.
        languages.push(Language {
            code: raw.default_language.clone().unwrap_or_else(|| "en".into()),
            name: String::new(),
        });
    }
    let default_language = raw
        .default_language
        .unwrap_or_else(|| languages[0].code.clone());
    if !no_languages && !languages.iter().any(|l| l.code == default_language) {
        diagnostics.push(
            located(
                format!("the default language \"{default_language}\" is not one of the languages"),
                "default_language",
            )
            .with_hint(format!(
                "declare it under languages, or use one of: {}",
                join_codes(&languages)
            )),
        );
    }

    if let Err(why) = check_base_url(&raw.base_url) {
        let d =
            Diagnostic::error(CONFIG_FILE, format!("`base_url`: {why}")).with_hint(BASE_URL_HINT);
        diagnostics.push(match find_key(text, "base_url") {
            // At the value: after the colon and the spaces.
            Some(key) => {
                let colon = key + text[key..].find(':').map_or(0, |at| at + 1);
                let rest = &text[colon..];
                d.at_offset(
                    text,
                    colon + rest.len() - rest.trim_start_matches([' ', '\t']).len(),
                )
            }
            None => d,
        });
    }
    if let Err(why) = crate::theme::check_name(&raw.theme) {
        diagnostics.push(
            located(format!("`theme`: {why}"), "theme").with_hint(
                "a theme is named by its folder under themes/ (`theme: mine` for themes/mine/), or `theme: default` for the built-in theme",
            ),
        );
    }

    let mut taxonomies = Vec::new();
    for (key, value) in ordered(&raw.taxonomies) {
        match from_value::<RawTaxonomy>(value, text, &key) {
            Ok(t) => taxonomies.push(Taxonomy {
                key,
                title: t.title,
                closed: t.closed,
                terms: t.terms,
                from: t.from,
                paginate: paginate(t.paginate),
                nav: t.nav.unwrap_or(t.closed),
            }),
            Err(d) => diagnostics.push(d),
        }
    }

    // The fields a mapping of `site.yaml` declares (a collection's, or `pages:`'s).
    let parse_fields = |mapping: &serde_yaml::Mapping, diagnostics: &mut Vec<Diagnostic>| {
        let mut fields = Vec::new();
        for (name, value) in ordered(mapping) {
            let raw_field = match from_value::<RawField>(value, text, &name) {
                Ok(f) => f,
                Err(d) => {
                    diagnostics.push(d);
                    continue;
                }
            };
            let show = match show(raw_field.show.as_ref()) {
                Ok(show) => show,
                Err(written) => {
                    diagnostics.push(
                        located(
                            format!("in `{name}`: `show: {written}` is neither true, false nor always"),
                            &name,
                        )
                        .with_hint("`show: false` hides the field from the facts box, `show: always` shows it even without a value"),
                    );
                    continue;
                }
            };
            match field_type(&raw_field, &taxonomies) {
                Ok(kind) => fields.push(Field {
                    name,
                    kind,
                    required: raw_field.required,
                    label: raw_field.label,
                    show,
                }),
                Err((message, hint)) => {
                    diagnostics.push(located(message, &name).with_hint(hint));
                }
            }
        }
        fields
    };

    // A page outside the collections has a title, a summary and a date, and what `pages:` adds.
    let mut page_fields = crate::schema::standalone_fields();
    for field in parse_fields(&raw.pages.fields, &mut diagnostics) {
        match page_fields.iter_mut().find(|f| f.name == field.name) {
            Some(built_in) => *built_in = field,
            None => page_fields.push(field),
        }
    }

    let mut collections = Vec::new();
    for (key, value) in ordered(&raw.collections) {
        let raw_collection = match from_value::<RawCollection>(value, text, &key) {
            Ok(c) => c,
            Err(d) => {
                diagnostics.push(d);
                continue;
            }
        };
        let mut fields = parse_fields(&raw_collection.fields, &mut diagnostics);
        if !fields.iter().any(|f| f.name == "title") {
            fields.insert(
                0,
                Field {
                    name: "title".into(),
                    kind: FieldType::String,
                    required: true,
                    label: None,
                    show: Show::WhenSet,
                },
            );
        }
        collections.push(Collection {
            folder: raw_collection.folder.trim_matches('/').to_string(),
            title: raw_collection.title,
            sort_by: raw_collection.sort_by.unwrap_or_else(|| "date".into()),
            paginate: paginate(raw_collection.paginate),
            template: raw_collection
                .template
                .unwrap_or_else(|| "page.html".into()),
            fields,
            unknown_fields: raw_collection.unknown_fields,
            key,
        });
    }
    diagnostics.extend(repeated_declarations(
        text,
        &languages,
        &taxonomies,
        &collections,
    ));
    let every_collection_read = collections.len() == raw.collections.len();
    for taxonomy in &taxonomies {
        if let Some(from) = &taxonomy.from
            && every_collection_read
            && !collections
                .iter()
                .any(|c| c.field(from).is_some_and(|f| f.kind == FieldType::Date))
        {
            diagnostics.push(
                located(
                    format!("taxonomy {} derives from \"{from}\", which is no date field of any collection", taxonomy.key),
                    "from",
                )
                .with_hint("`from` names a field of type date, such as `from: date`"),
            );
        }
    }

    let broken_anchors = match broken_anchors(raw.broken_anchors.as_ref(), text) {
        Ok(severity) => severity,
        Err(d) => {
            diagnostics.push(d);
            Severity::Error
        }
    };

    if !diagnostics.is_empty() {
        return Err(diagnostics);
    }
    let mut base_url = raw.base_url;
    if !base_url.ends_with('/') {
        base_url.push('/');
    }
    Ok(Config {
        title,
        description,
        base_url,
        default_language,
        languages,
        theme: raw.theme,
        collections,
        page_fields,
        taxonomies,
        extra: serde_json::to_value(&raw.extra).unwrap_or(serde_json::Value::Null),
        ignore: crate::content::Ignore::new(raw.ignore.iter().map(String::as_str)),
        broken_anchors,
    })
}

/// `broken_anchors: error` (the default) or `broken_anchors: warning`; anything else is an
/// error at the value.
fn broken_anchors(value: Option<&serde_yaml::Value>, text: &str) -> Result<Severity, Diagnostic> {
    use serde_yaml::Value;
    let written = match value {
        None => return Ok(Severity::Error),
        Some(Value::String(s)) if s == "error" => return Ok(Severity::Error),
        Some(Value::String(s)) if s == "warning" => return Ok(Severity::Warning),
        Some(Value::String(s)) => format!("\"{s}\""),
        Some(Value::Sequence(_)) => "a list".into(),
        Some(Value::Mapping(_)) => "a mapping".into(),
        Some(other) => yaml_key(other),
    };
    let d = Diagnostic::error(
        CONFIG_FILE,
        format!("`broken_anchors`: {written} is neither error nor warning"),
    )
    .with_hint("write `broken_anchors: error` (the default: a link to a missing heading fails the build) or `broken_anchors: warning` (it is reported and the build goes on)");
    Err(match find_key(text, "broken_anchors") {
        Some(key) => {
            let after_colon = key + text[key..].find(':').map_or(0, |at| at + 1);
            let rest = &text[after_colon..];
            d.at_offset(
                text,
                after_colon + rest.len() - rest.trim_start_matches([' ', '\t']).len(),
            )
        }
        None => d,
    })
}

/// How to write `base_url` (or `--base-url`).
pub const BASE_URL_HINT: &str = "write the address the site is published at, starting with https:// or http://, such as https://example.org/ or https://name.github.io/casebook/";

/// Why `url` cannot be the address of the site, if it cannot: it must be http(s) with a host (and
/// a port, if any, in digits), without spaces, credentials, a query or a fragment, since every
/// page's canonical address, the sitemap and the feed are made from it.
pub fn check_base_url(url: &str) -> Result<(), String> {
    let shown = url.escape_debug();
    let Some(rest) = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
    else {
        return Err(format!("\"{shown}\" is not an http:// or https:// address"));
    };
    if url.contains(|c: char| c.is_whitespace() || c.is_control()) {
        return Err(format!("\"{shown}\" holds a space or a control character"));
    }
    if url.contains('?') {
        return Err(format!(
            "\"{shown}\" has a query (`?…`), which no page address can follow"
        ));
    }
    if url.contains('#') {
        return Err(format!(
            "\"{shown}\" has a fragment (`#…`), which no page address can follow"
        ));
    }
    let authority = rest.split('/').next().unwrap_or_default();
    if authority.contains('@') {
        return Err(format!("\"{shown}\" holds a user name or password"));
    }
    let (host, port) = match authority.strip_prefix('[') {
        Some(ipv6) => match ipv6.split_once(']') {
            Some((host, after)) => (host, after.strip_prefix(':')),
            None => ("", None),
        },
        None => match authority.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        },
    };
    if host.is_empty() || host.contains(['\\', '[', ']']) {
        return Err(format!("\"{shown}\" has no host name"));
    }
    if port.is_some_and(|p| p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit())) {
        return Err(format!("\"{shown}\" has a port that is not a number"));
    }
    Ok(())
}

/// `show:` of a field, or what was written instead of true, false or always.
fn show(value: Option<&serde_yaml::Value>) -> Result<Show, String> {
    use serde_yaml::Value;
    match value {
        None | Some(Value::Bool(true)) => Ok(Show::WhenSet),
        Some(Value::Bool(false)) => Ok(Show::Never),
        Some(Value::String(s)) if s == "always" => Ok(Show::Always),
        Some(other) => Err(yaml_key(other)),
    }
}

/// Declarations that build silently but wrong: a language or a closed taxonomy's term declared
/// twice, a collection's folder outside `content/` or shared with another collection, a
/// `sort_by` naming no date field of its collection. Each is an error at its line.
fn repeated_declarations(
    text: &str,
    languages: &[Language],
    taxonomies: &[Taxonomy],
    collections: &[Collection],
) -> Vec<Diagnostic> {
    let mut found = Vec::new();
    let at = |d: Diagnostic, offset: Option<usize>| match offset {
        Some(offset) => d.at_offset(text, offset),
        None => d,
    };
    let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
    for language in languages {
        let count = seen.entry(language.code.as_str()).or_default();
        if *count > 0 {
            let d = Diagnostic::error(
                CONFIG_FILE,
                format!("the language {} is declared twice", language.code),
            )
            .with_hint("remove the second declaration");
            found.push(at(d, find_value(text, "code", &language.code, *count)));
        }
        *count += 1;
    }
    for taxonomy in taxonomies {
        let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
        for term in &taxonomy.terms {
            let count = seen.entry(term.key.as_str()).or_default();
            if *count > 0 {
                let d = Diagnostic::error(
                    CONFIG_FILE,
                    format!(
                        "the term {} of {} is declared twice",
                        term.key, taxonomy.key
                    ),
                )
                .with_hint("give each term its own key, or remove the second");
                found.push(at(d, find_value(text, "key", &term.key, *count)));
            }
            *count += 1;
        }
    }
    let mut folders: BTreeMap<&str, (&str, usize)> = BTreeMap::new();
    for collection in collections {
        let folder = collection.folder.as_str();
        let outside = folder.is_empty()
            || folder.starts_with(['/', '\\'])
            || folder.contains(':')
            || folder
                .split(['/', '\\'])
                .any(|part| part == ".." || part == ".");
        let place = |nth: usize| find_value(text, "folder", folder, nth);
        if outside {
            let d = Diagnostic::error(
                CONFIG_FILE,
                format!(
                    "the folder of {} (\"{folder}\") is not a folder inside content/",
                    collection.key
                ),
            )
            .with_hint("write the folder's path under content/, such as `folder: practices`");
            found.push(at(d, place(0)));
        }
        let entry = folders
            .entry(folder)
            .or_insert((collection.key.as_str(), 0));
        if entry.1 > 0 {
            let d = Diagnostic::error(
                CONFIG_FILE,
                format!(
                    "{} and {} are both in content/{folder}",
                    entry.0, collection.key
                ),
            )
            .with_hint("a page belongs to one collection: give each collection its own folder");
            found.push(at(d, place(entry.1)));
        }
        entry.1 += 1;
        let sorts_by_date = collection
            .field(&collection.sort_by)
            .is_some_and(|f| f.kind == FieldType::Date);
        if collection.sort_by != "date" && !sorts_by_date {
            let dates: Vec<&str> = (collection.fields.iter())
                .filter(|f| f.kind == FieldType::Date)
                .map(|f| f.name.as_str())
                .collect();
            let d = Diagnostic::error(
                CONFIG_FILE,
                format!(
                    "{} sorts by \"{}\", which is no date field of it",
                    collection.key, collection.sort_by
                ),
            )
            .with_hint(if dates.is_empty() {
                "declare a field of type date to sort by, or remove `sort_by`".to_string()
            } else {
                format!("its date fields are {}", dates.join(", "))
            });
            found.push(at(d, find_value(text, "sort_by", &collection.sort_by, 0)));
        }
    }
    found
}

fn join_codes(languages: &[Language]) -> String {
    languages
        .iter()
        .map(|l| l.code.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

fn field_type(raw: &RawField, taxonomies: &[Taxonomy]) -> Result<FieldType, (String, String)> {
    let scalar = |name: &str| -> Result<FieldType, (String, String)> {
        Ok(match name {
            "string" => FieldType::String,
            "text" => FieldType::Text,
            "date" => FieldType::Date,
            "integer" => FieldType::Integer,
            "number" => FieldType::Number,
            "boolean" => FieldType::Boolean,
            "url" => FieldType::Url,
            "standard" => FieldType::Standard,
            "metric" => FieldType::Metric,
            "any" => FieldType::Any,
            "term" => {
                let Some(taxonomy) = &raw.taxonomy else {
                    return Err((
                        "a field of type term needs a taxonomy".into(),
                        "add `taxonomy: NAME`, naming one of the taxonomies".into(),
                    ));
                };
                if !taxonomies.iter().any(|t| &t.key == taxonomy) {
                    return Err((
                        format!("\"{taxonomy}\" is not a declared taxonomy"),
                        format!(
                            "the taxonomies are {}",
                            taxonomies
                                .iter()
                                .map(|t| t.key.as_str())
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    ));
                }
                FieldType::Term(taxonomy.clone())
            }
            other => {
                return Err((
                    format!("\"{other}\" is not a field type"),
                    "the types are string, text, date, integer, number, boolean, url, standard, metric, term, list"
                        .into(),
                ));
            }
        })
    };
    if raw.kind == "list" {
        let of = raw.of.as_deref().unwrap_or("string");
        if of == "list" {
            return Err((
                "lists of lists are not supported".into(),
                "use `of: string` or another scalar type".into(),
            ));
        }
        Ok(FieldType::List(Box::new(scalar(of)?)))
    } else {
        scalar(&raw.kind)
    }
}

/// The entries of a YAML mapping in their written order, with string keys.
fn ordered(mapping: &serde_yaml::Mapping) -> Vec<(String, &serde_yaml::Value)> {
    mapping.iter().map(|(k, v)| (yaml_key(k), v)).collect()
}

pub fn yaml_key(key: &serde_yaml::Value) -> String {
    match key {
        serde_yaml::Value::String(s) => s.clone(),
        other => serde_yaml::to_string(other)
            .unwrap_or_default()
            .trim()
            .to_string(),
    }
}

/// Byte offset of the first line declaring `key:` in `text`.
fn find_key(text: &str, key: &str) -> Option<usize> {
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim_start();
        if let Some(rest) = trimmed.strip_prefix(key)
            && rest.trim_start().starts_with(':')
        {
            return Some(offset + (line.len() - trimmed.len()));
        }
        offset += line.len();
    }
    None
}

fn from_value<T: DeserializeOwned>(
    value: &serde_yaml::Value,
    text: &str,
    key: &str,
) -> Result<T, Diagnostic> {
    serde_yaml::from_value(value.clone()).map_err(|e| {
        let message = clean_yaml_message(&e);
        let d = Diagnostic::error(CONFIG_FILE, format!("in `{key}`: {message}"));
        // At the field serde names (`unknown field `x``), found below the key, else at the key.
        let named = message
            .split('`')
            .nth(1)
            .filter(|_| message.starts_with("unknown field"));
        let at = find_key(text, key).map(|start| {
            named
                .and_then(|field| find_key(&text[start..], field))
                .map_or(start, |offset| start + offset)
        });
        match at {
            Some(offset) => d.at_offset(text, offset),
            None => d,
        }
    })
}

/// Where the `nth` (from 0) value `value` of a key `key` is written, in block (`key: value`) or
/// flow (`{key: value}`) style, quoted or not: for repeated values.
fn find_value(text: &str, key: &str, value: &str, nth: usize) -> Option<usize> {
    let mut seen = 0;
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let mut from = 0;
        while let Some(at) = line[from..].find(key) {
            let start = from + at;
            from = start + key.len();
            let before_ok = start == 0
                || !line[..start]
                    .chars()
                    .next_back()
                    .is_some_and(|c| c.is_alphanumeric() || c == '_');
            let rest = line[from..].trim_start();
            let Some(rest) = rest.strip_prefix(':').filter(|_| before_ok) else {
                continue;
            };
            let written = rest.trim_start();
            let unquoted = written.trim_start_matches(['"', '\'']);
            let ends = unquoted.strip_prefix(value).is_some_and(|after| {
                after.is_empty() || after.starts_with(['"', '\'', ',', '}', ' ', '\n', '\r', '#'])
            });
            if ends {
                if seen == nth {
                    return Some(offset + line.len() - written.len());
                }
                seen += 1;
            }
        }
        offset += line.len();
    }
    None
}

/// Parses YAML, turning a syntax or shape error into a diagnostic placed in `file_text`, where
/// the YAML starts `line_offset` lines below the top of the file.
fn from_yaml<T: DeserializeOwned>(
    yaml: &str,
    file_text: &str,
    line_offset: usize,
) -> Result<T, Vec<Diagnostic>> {
    serde_yaml::from_str(yaml).map_err(|e| {
        let d = Diagnostic::error(CONFIG_FILE, clean_yaml_message(&e));
        vec![match e.location() {
            Some(loc) => d.at(file_text, loc.line() + line_offset, loc.column()),
            None => d,
        }]
    })
}

/// The YAML library's message without its own "at line X column Y" suffix, since diagnostics
/// carry their position separately.
pub fn clean_yaml_message(error: &serde_yaml::Error) -> String {
    let message = error.to_string();
    match message.find(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str =
        "title: T\nbase_url: https://example.org\nlanguages:\n  - code: en\n    name: English\n";

    #[test]
    fn minimal_config_gets_defaults() {
        let config = parse(MINIMAL).unwrap();
        assert_eq!(config.base_url, "https://example.org/");
        assert_eq!(config.default_language, "en");
        assert_eq!(config.theme, "default");
        assert_eq!(config.title.get("en", "en"), "T");
    }

    #[test]
    fn unknown_taxonomy_in_a_field_is_reported_at_the_field() {
        let text = format!(
            "{MINIMAL}collections:\n  practices:\n    folder: practices\n    title: P\n    fields:\n      aspect: {{ type: term, taxonomy: aspects }}\n"
        );
        let errors = parse(&text).unwrap_err();
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].message, "\"aspects\" is not a declared taxonomy");
        assert_eq!((errors[0].line, errors[0].column), (11, 7));
    }

    #[test]
    fn broken_anchors_is_an_error_or_a_warning() {
        assert_eq!(parse(MINIMAL).unwrap().broken_anchors, Severity::Error);
        for (value, severity) in [("error", Severity::Error), ("warning", Severity::Warning)] {
            let config = parse(&format!("{MINIMAL}broken_anchors: {value}\n")).unwrap();
            assert_eq!(config.broken_anchors, severity, "{value}");
        }
        for (value, shown) in [
            ("warn", "\"warn\""),
            ("true", "true"),
            ("[error]", "a list"),
        ] {
            let errors = parse(&format!("{MINIMAL}broken_anchors:  {value}\n")).unwrap_err();
            assert_eq!(errors.len(), 1, "{errors:?}");
            assert_eq!(
                errors[0].message,
                format!("`broken_anchors`: {shown} is neither error nor warning")
            );
            assert_eq!((errors[0].line, errors[0].column), (6, 18), "{value}");
            let hint = errors[0].hint.as_deref().unwrap();
            assert!(
                hint.contains("`broken_anchors: error`")
                    && hint.contains("`broken_anchors: warning`")
            );
        }
    }

    #[test]
    fn base_urls_are_http_addresses_without_query_or_fragment() {
        for good in [
            "https://example.org",
            "https://example.org/cases/",
            "http://localhost:1111/",
            "http://[::1]:8080/",
            "https://案例.example/",
        ] {
            assert_eq!(check_base_url(good), Ok(()), "{good}");
        }
        for bad in [
            "example.org",
            "javascript:alert(1)",
            "ftp://example.org/",
            "https://",
            "https:///x",
            "https://example.org/?a=b",
            "https://example.org/#top",
            "https://user:pw@example.org/",
            "https://example.org:80x/",
            "https://exa mple.org/",
            "HTTPS//example.org",
        ] {
            assert!(check_base_url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_field_has_a_label_per_language_and_show_is_true_false_or_always() {
        let text = format!(
            "{MINIMAL}collections:\n  posts:\n    folder: posts\n    title: P\n    fields:\n      author: {{ type: list, label: {{ en: Author, fr: Auteur }} }}\n      note: {{ type: string, show: false }}\n      topic: {{ type: string, show: always }}\n"
        );
        let config = parse(&text).unwrap();
        let field = |name: &str| config.collections[0].field(name).unwrap().clone();
        assert_eq!(field("author").label("fr", "en"), "Auteur");
        assert_eq!(field("author").label("de", "en"), "Author");
        assert_eq!(field("note").label("fr", "en"), "note");
        assert_eq!(field("author").show, Show::WhenSet);
        assert_eq!(field("note").show, Show::Never);
        assert_eq!(field("topic").show, Show::Always);
        let errors = parse(&text.replace("show: always", "show: sometimes")).unwrap_err();
        assert_eq!(
            errors[0].message,
            "in `topic`: `show: sometimes` is neither true, false nor always"
        );
        assert_eq!(errors[0].line, 13);
    }

    #[test]
    fn arabic_and_hebrew_are_written_right_to_left() {
        for code in ["ar", "ar-EG", "he", "fa", "ur"] {
            assert_eq!(direction(code), "rtl", "{code}");
        }
        for code in ["en", "zh", "fr", "zh-Hant", "arn"] {
            assert_eq!(direction(code), "ltr", "{code}");
        }
    }

    #[test]
    fn a_misspelt_key_is_an_error_with_its_line() {
        let errors = parse(&format!("{MINIMAL}themes: x\n")).unwrap_err();
        assert!(
            errors[0].message.contains("unknown field `themes`"),
            "{errors:?}"
        );
        assert_eq!(errors[0].line, 6);
    }
}

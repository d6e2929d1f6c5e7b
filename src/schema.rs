//! Validate: check each page's front matter against the fields its collection declares in
//! `site.yaml`, producing typed values and every diagnostic at once.

use crate::config::{Config, Field, FieldType, Show, UnknownFields, yaml_key};
use crate::content::SourcePage;
use crate::diagnostics::Diagnostic;
use crate::slug::clean_text;
use serde_yaml::Value as Yaml;
use std::collections::BTreeMap;
use std::fmt;

/// A calendar date, checked to exist.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    pub year: i32,
    pub month: u32,
    pub day: u32,
}

impl Date {
    /// Parses `YYYY-MM-DD`, refusing days that do not exist (`2023-02-30`).
    pub fn parse(text: &str) -> Option<Date> {
        let mut parts = text.trim().splitn(3, '-');
        let (y, m, d) = (parts.next()?, parts.next()?, parts.next()?);
        if y.len() != 4 || m.len() != 2 || d.len() != 2 {
            return None;
        }
        let date = Date {
            year: y.parse().ok()?,
            month: m.parse().ok()?,
            day: d.parse().ok()?,
        };
        if (1..=12).contains(&date.month)
            && date.day >= 1
            && date.day <= days_in_month(date.year, date.month)
        {
            Some(date)
        } else {
            None
        }
    }
}

fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// A front matter value that passed its field's type.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Text(String),
    Date(Date),
    Integer(i64),
    Number(f64),
    Boolean(bool),
    /// A term of a taxonomy: the key for closed taxonomies, the written term for open ones.
    Term(String),
    Metric(Metric),
    List(Vec<Value>),
    /// The value of an `any` field, as written.
    Any(serde_json::Value),
}

impl Value {
    pub fn as_text(&self) -> Option<&str> {
        match self {
            Value::Text(s) | Value::Term(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_date(&self) -> Option<Date> {
        match self {
            Value::Date(d) => Some(*d),
            _ => None,
        }
    }
}

/// A figure reported by a practice: `{name: 运营成本下降, value: 40, unit: "%", year: 2022}`.
#[derive(Debug, Clone, PartialEq)]
pub struct Metric {
    pub name: String,
    pub value: f64,
    pub unit: Option<String>,
    pub year: Option<i64>,
}

/// Checks a standard's code: an issuer's prefix (`GB`, `GB/T`, `ISO`, `DB32/T`, `T/CCPITCSC`), a
/// number, and an optional year after a dash.
pub fn is_standard_code(code: &str) -> bool {
    let Some((prefix, rest)) = code.trim().split_once(' ') else {
        return false;
    };
    let prefix_ok = !prefix.is_empty()
        && prefix.split('/').all(|part| {
            !part.is_empty()
                && part
                    .chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
        })
        && prefix.starts_with(|c: char| c.is_ascii_uppercase());
    let (number, year) = match rest.rsplit_once(['-', '—', '–']) {
        Some((n, y)) if y.len() == 4 && y.chars().all(|c| c.is_ascii_digit()) => (n, Some(y)),
        _ => (rest, None),
    };
    let number_ok = !number.is_empty()
        && number
            .chars()
            .all(|c| c.is_ascii_digit() || c == '.' || c == '-');
    prefix_ok && number_ok && year.is_none_or(|y| y.starts_with(['1', '2']))
}

/// Front matter after validation.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Checked {
    pub fields: BTreeMap<String, Value>,
    /// Fields the schema does not declare, as written, for templates.
    pub extra: serde_json::Map<String, serde_json::Value>,
    pub draft: bool,
    pub slug: Option<String>,
    /// Old addresses of the page (`posts/old-name/`), each given a redirect page.
    pub aliases: Vec<String>,
}

/// Fields every page may have whatever its collection declares.
const BUILT_IN: [&str; 3] = ["draft", "slug", "aliases"];

/// An alias as a site path: `/posts/old/` and `posts/old` give `posts/old/`, `old.html` stays a
/// file. `None` when it is no address inside the site.
pub fn alias_path(alias: &str) -> Option<String> {
    let alias = alias.trim().trim_start_matches('/');
    let parts: Vec<&str> = alias.split('/').filter(|p| !p.is_empty()).collect();
    let bad = |p: &&str| {
        *p == "."
            || *p == ".."
            || p.chars()
                .any(|c| c.is_control() || matches!(c, '\\' | '?' | '#' | '"' | '<' | '>'))
    };
    if parts.is_empty() || parts.iter().any(bad) || alias.contains(':') {
        return None;
    }
    let path = parts.join("/");
    Some(if path.ends_with(".html") {
        path
    } else {
        format!("{path}/")
    })
}

/// The fields of a page outside any collection.
pub fn standalone_fields() -> Vec<Field> {
    vec![
        Field {
            name: "title".into(),
            kind: FieldType::String,
            required: true,
            label: None,
            show: Show::WhenSet,
        },
        Field {
            name: "summary".into(),
            kind: FieldType::Text,
            required: false,
            label: None,
            show: Show::WhenSet,
        },
        Field {
            name: "date".into(),
            kind: FieldType::Date,
            required: false,
            label: None,
            show: Show::WhenSet,
        },
    ]
}

/// Checks a page's front matter against `fields`; `owner` names the collection in messages.
pub fn validate(
    page: &SourcePage,
    fields: &[Field],
    owner: &str,
    unknown: UnknownFields,
    config: &Config,
) -> (Checked, Vec<Diagnostic>) {
    let mut checked = Checked::default();
    let mut diagnostics = Vec::new();
    let at_key = |d: Diagnostic, key: &str| match page.positions.of(key) {
        Some((line, column)) => d.at(&page.text, line, column),
        None => d.at(&page.text, 1, 1),
    };

    for (key, value) in &page.front_matter {
        let name = yaml_key(key);
        match name.as_str() {
            "draft" => match value {
                Yaml::Bool(b) => checked.draft = *b,
                _ => diagnostics.push(at_key(
                    Diagnostic::error(&page.file, "draft must be true or false"),
                    "draft",
                )),
            },
            "aliases" => {
                let items: Vec<&Yaml> = match value {
                    Yaml::Sequence(items) => items.iter().collect(),
                    one => vec![one],
                };
                for item in items {
                    match item.as_str().and_then(alias_path) {
                        Some(path) if crate::slug::has_too_long_name(&path) => diagnostics.push(at_key(
                            Diagnostic::error(&page.file, "`aliases`: an address is too long for a file name")
                                .with_hint(format!("a name in an address may take {} bytes (about 85 Chinese characters)", crate::slug::MAX_NAME_BYTES)),
                            "aliases",
                        )),
                        Some(path) => checked.aliases.push(path),
                        None => diagnostics.push(at_key(
                            Diagnostic::error(
                                &page.file,
                                match item.as_str() {
                                    Some(text) => format!("`aliases`: \"{text}\" is not an address in this site"),
                                    None => format!("`aliases`: {} is not an address", describe(item)),
                                },
                            )
                            .with_hint("write each old address as a path from the site root, such as posts/old-name/"),
                            "aliases",
                        )),
                    }
                }
            }
            "slug" => match value {
                Yaml::String(s) if !crate::slug::slugify(s).is_empty() => {
                    checked.slug = Some(crate::slug::slugify(s))
                }
                _ => diagnostics.push(at_key(
                    Diagnostic::error(&page.file, "slug must be a non-empty text"),
                    "slug",
                )),
            },
            _ => {
                if let Some(field) = fields.iter().find(|f| f.name == name) {
                    match check(value, &field.kind, config) {
                        Ok(Some(v)) if field.required && v.as_text().is_some_and(shows_nothing) => {
                            let mut p = Problem::new(
                                "the value is empty, or only spaces and invisible characters"
                                    .into(),
                            );
                            p.hint = Some(format!(
                                "a required field needs a value that shows: write the page's {name}"
                            ));
                            diagnostics.push(p.place(page, &name));
                        }
                        Ok(Some(v)) => {
                            checked.fields.insert(name, v);
                        }
                        Ok(None) => {}
                        Err(problem) => diagnostics.push(problem.place(page, &name)),
                    }
                } else if unknown == UnknownFields::Allow {
                    let json = serde_json::to_value(value).unwrap_or(serde_json::Value::Null);
                    checked.extra.insert(name, json);
                } else {
                    let mut d = Diagnostic::warning(
                        &page.file,
                        format!("`{name}` is not a field of {owner}"),
                    );
                    let names = fields.iter().map(|f| f.name.as_str()).chain(BUILT_IN);
                    d = match closest(&name, names) {
                        Some(near) => d.with_hint(format!("did you mean `{near}`?")),
                        None => d.with_hint(format!(
                            "the fields of {owner} are {}; undeclared fields stay available to templates as page.extra",
                            fields.iter().map(|f| f.name.as_str()).collect::<Vec<_>>().join(", ")
                        )),
                    };
                    diagnostics.push(at_key(d, &name));
                    let json = serde_json::to_value(value).unwrap_or(serde_json::Value::Null);
                    checked.extra.insert(name, json);
                }
            }
        }
    }
    for field in fields.iter().filter(|f| f.required) {
        if !checked.fields.contains_key(&field.name)
            && !diagnostics
                .iter()
                .any(|d| d.message.contains(&format!("`{}`", field.name)))
        {
            let d = Diagnostic::error(
                &page.file,
                format!("the required field `{}` is missing", field.name),
            )
            .at(&page.text, 2, 1)
            .with_hint(format!(
                "add a line `{}: …` ({}) to the front matter",
                field.name,
                field.kind.describe()
            ));
            diagnostics.push(d);
        }
    }
    (checked, diagnostics)
}

/// Whether `text` has no character that shows: only white space, format characters (zero-width
/// spaces and joiners, the byte order mark, direction marks, soft hyphens), fillers and control
/// characters.
fn shows_nothing(text: &str) -> bool {
    text.chars().all(|c| {
        c.is_whitespace()
            || c.is_control()
            || matches!(
                c,
                '\u{00ad}'
                    | '\u{034f}'
                    | '\u{061c}'
                    | '\u{115f}'
                    | '\u{1160}'
                    | '\u{17b4}'
                    | '\u{17b5}'
                    | '\u{180b}'..='\u{180f}'
                    | '\u{200b}'..='\u{200f}'
                    | '\u{202a}'..='\u{202e}'
                    | '\u{2060}'..='\u{206f}'
                    | '\u{3164}'
                    | '\u{fe00}'..='\u{fe0f}'
                    | '\u{feff}'
                    | '\u{ffa0}'
                    | '\u{fff9}'..='\u{fffb}'
                    | '\u{e0000}'..='\u{e007f}'
            )
    })
}

/// A value that does not fit its field, and where in the value the problem is.
struct Problem {
    message: String,
    hint: Option<String>,
    /// Text inside the value to point at (a list item), if not the whole value.
    needle: Option<String>,
}

impl Problem {
    fn new(message: String) -> Self {
        Problem {
            message,
            hint: None,
            needle: None,
        }
    }

    fn place(self, page: &SourcePage, key: &str) -> Diagnostic {
        let position = match &self.needle {
            Some(needle) => page.positions.of_item(&page.text, key, needle),
            None => page.positions.of(key),
        };
        let (line, column) = position.unwrap_or((1, 1));
        let d = Diagnostic::error(&page.file, format!("`{key}`: {}", self.message))
            .at(&page.text, line, column);
        match self.hint {
            Some(hint) => d.with_hint(hint),
            None => d,
        }
    }
}

fn describe(value: &Yaml) -> &'static str {
    match value {
        Yaml::Null => "nothing",
        Yaml::Bool(_) => "true/false",
        Yaml::Number(_) => "a number",
        Yaml::String(_) => "a text",
        Yaml::Sequence(_) => "a list",
        Yaml::Mapping(_) => "a set of fields",
        Yaml::Tagged(_) => "a tagged value",
    }
}

/// Checks one value; `Ok(None)` for an empty optional value.
fn check(value: &Yaml, kind: &FieldType, config: &Config) -> Result<Option<Value>, Problem> {
    if value.is_null() {
        return Ok(None);
    }
    let expected = |value: &Yaml| {
        let mut p = Problem::new(format!(
            "expected {}, found {}",
            kind.describe(),
            describe(value)
        ));
        if matches!(value, Yaml::Sequence(_)) {
            p.hint = Some("write a single value, not a list".into());
        } else if matches!(kind, FieldType::String | FieldType::Text) {
            p.hint = Some("put the value in quotes to make it text".into());
        }
        p
    };
    let text = |value: &Yaml| match value {
        Yaml::String(s) => Ok(s.clone()),
        other => Err(expected(other)),
    };
    let scalar_text = |value: &Yaml| match value {
        Yaml::Number(n) => Ok(n.to_string()),
        Yaml::Bool(b) => Ok(b.to_string()),
        other => text(other),
    };
    Ok(Some(match kind {
        FieldType::Any => Value::Any(serde_json::to_value(value).unwrap_or_default()),
        // A one-line text names the page (its title) or a thing: cleaned as terms are, so that
        // what looks the same is the same. A text keeps its lines. A title such as `2019` is
        // text to its author, whatever YAML makes of it.
        FieldType::String => Value::Text(clean_text(&scalar_text(value)?)),
        FieldType::Text => Value::Text(scalar_text(value)?),
        FieldType::Date => {
            let written = match value {
                Yaml::String(s) => s.clone(),
                other => return Err(expected(other)),
            };
            match Date::parse(&written) {
                Some(date) => Value::Date(date),
                None => {
                    let mut p = Problem::new(format!("\"{written}\" is not a valid date"));
                    p.hint = Some("write the date as YYYY-MM-DD, for example 2023-01-19, and check that the day exists".into());
                    return Err(p);
                }
            }
        }
        FieldType::Integer => match value.as_i64() {
            Some(n) => Value::Integer(n),
            None => return Err(expected(value)),
        },
        FieldType::Number => match value.as_f64() {
            Some(n) => Value::Number(n),
            None => return Err(expected(value)),
        },
        FieldType::Boolean => match value.as_bool() {
            Some(b) => Value::Boolean(b),
            None => return Err(expected(value)),
        },
        FieldType::Url => {
            let url = text(value)?;
            if !is_url(&url) {
                let mut p = Problem::new(format!("\"{url}\" is not a web address"));
                p.hint = Some("write the full address, starting with https:// or http://".into());
                return Err(p);
            }
            Value::Text(url)
        }
        FieldType::Standard => {
            let written = text(value)?;
            let code = clean_text(&written);
            if !is_standard_code(&code) {
                let mut p = Problem::new(format!("\"{code}\" is not a standard's code"));
                p.needle = Some(written);
                p.hint = Some("write the code as printed on the standard: prefix, space, number, and the year after a dash, such as GB/T 31526-2015 or ISO 9001".into());
                return Err(p);
            }
            Value::Text(code)
        }
        FieldType::Metric => check_metric(value)?,
        FieldType::Term(taxonomy) => {
            // `冷链\u{200B}物流` and `冷链物流` are one term.
            let term = clean_text(&text(value)?);
            check_term(&term, taxonomy, config)?;
            Value::Term(term)
        }
        FieldType::List(of) => {
            let Yaml::Sequence(items) = value else {
                let mut p = Problem::new(format!(
                    "expected {}, found {}",
                    kind.describe(),
                    describe(value)
                ));
                p.hint = Some("write a list: [first, second] or one `- item` per line".into());
                return Err(p);
            };
            let mut values = Vec::with_capacity(items.len());
            for item in items {
                match check(item, of, config) {
                    Ok(Some(v)) => values.push(v),
                    Ok(None) => {}
                    Err(mut p) => {
                        if p.needle.is_none() {
                            p.needle = item.as_str().map(str::to_string);
                        }
                        return Err(p);
                    }
                }
            }
            Value::List(values)
        }
    }))
}

fn check_metric(value: &Yaml) -> Result<Value, Problem> {
    let Yaml::Mapping(map) = value else {
        let mut p = Problem::new(format!("expected a figure, found {}", describe(value)));
        p.hint = Some(
            "write a figure as { name: 运营成本下降, value: 40, unit: \"%\", year: 2022 }".into(),
        );
        return Err(p);
    };
    let get = |key: &str| map.get(Yaml::String(key.into()));
    let name = get("name").and_then(Yaml::as_str).map(str::to_string);
    let number = get("value").and_then(Yaml::as_f64);
    let (Some(name), Some(number)) = (name, number) else {
        let mut p = Problem::new("a figure needs a `name` (text) and a `value` (number)".into());
        p.needle = get("name").and_then(Yaml::as_str).map(str::to_string);
        p.hint = Some(
            "write a figure as { name: 运营成本下降, value: 40, unit: \"%\", year: 2022 }".into(),
        );
        return Err(p);
    };
    for key in map.keys() {
        let key = yaml_key(key);
        if !["name", "value", "unit", "year"].contains(&key.as_str()) {
            let mut p = Problem::new(format!("`{key}` is not part of a figure"));
            p.needle = Some(key);
            p.hint = Some("a figure has name, value, unit and year".into());
            return Err(p);
        }
    }
    Ok(Value::Metric(Metric {
        name,
        value: number,
        unit: get("unit").and_then(Yaml::as_str).map(str::to_string),
        year: get("year").and_then(Yaml::as_i64),
    }))
}

fn check_term(term: &str, taxonomy_key: &str, config: &Config) -> Result<(), Problem> {
    let Some(taxonomy) = config.taxonomy(taxonomy_key) else {
        return Ok(());
    };
    if term.trim().is_empty() {
        return Err(Problem::new(format!("an empty term of {taxonomy_key}")));
    }
    if taxonomy.closed && !taxonomy.terms.iter().any(|t| t.key == term) {
        let keys: Vec<&str> = taxonomy.terms.iter().map(|t| t.key.as_str()).collect();
        let mut p = Problem::new(format!("\"{term}\" is not a term of {taxonomy_key}"));
        p.needle = Some(term.to_string());
        p.hint = Some(match closest(term, keys.iter().copied()) {
            Some(near) => format!("did you mean `{near}`? The terms are {}", keys.join(", ")),
            None => format!("the terms are {}", keys.join(", ")),
        });
        return Err(p);
    }
    Ok(())
}

fn is_url(text: &str) -> bool {
    let rest = text
        .strip_prefix("https://")
        .or_else(|| text.strip_prefix("http://"));
    rest.is_some_and(|r| !r.is_empty() && !r.contains(char::is_whitespace))
}

/// The candidate nearest to `word` by edit distance, if near enough to be a typo.
pub fn closest<'a>(word: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    let limit = (word.chars().count() / 3).max(2);
    candidates
        .map(|c| (edit_distance(word, c), c))
        .filter(|(d, _)| *d <= limit)
        .min()
        .map(|(_, c)| c)
}

/// The number of characters to insert, delete or replace to turn `a` into `b`.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut previous = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let current = row[j + 1];
            row[j + 1] = if ca == *cb {
                previous
            } else {
                1 + previous.min(row[j]).min(current)
            };
            previous = current;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_must_exist() {
        assert_eq!(Date::parse("2023-01-19").unwrap().to_string(), "2023-01-19");
        assert!(Date::parse("2024-02-29").is_some());
        for bad in [
            "2023-02-29",
            "2023-02-30",
            "2023-13-01",
            "2023-1-1",
            "19/01/2023",
            "",
        ] {
            assert!(Date::parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn standard_codes() {
        for good in [
            "GB/T 31526-2015",
            "ISO 9001",
            "SB/T 10428-2007",
            "DB32/T 3456-2018",
            "ISO 9001:2015".replace(":2015", "-2015").as_str(),
            "T/CCPITCSC 001-2021",
        ] {
            assert!(is_standard_code(good), "{good}");
        }
        for bad in [
            "GB/T31526-2015",
            "gb/t 31526",
            "31526-2015",
            "GB/T",
            "GB/T 31526-15x",
        ] {
            assert!(!is_standard_code(bad), "{bad}");
        }
    }

    #[test]
    fn closest_finds_typos_only() {
        let fields = ["title", "region", "date"];
        assert_eq!(closest("regoin", fields.iter().copied()), Some("region"));
        assert_eq!(closest("organisation", fields.iter().copied()), None);
    }
}

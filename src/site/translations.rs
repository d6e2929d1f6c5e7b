//! Translations: pages of the same folder and stem linked to each other, the facts they must
//! share (closed terms), and the pages a language lacks.

use super::{Page, PageId, Site};
use crate::config::{Config, Field};
use crate::diagnostics::Diagnostic;
use crate::schema::Value;

/// Files with the same folder and stem are translations of each other.
pub(super) fn link_translations(
    pages: &mut [Page],
    config: &Config,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let group_of = |id: PageId| {
        (
            pages[id].source.dir.as_str(),
            pages[id].source.stem.as_str(),
        )
    };
    // Stable, so that each group keeps the order of `pages`; loading sorted the files by path,
    // so the pages are mostly in this order already.
    let mut ids: Vec<PageId> = (0..pages.len()).collect();
    ids.sort_by(|&a, &b| group_of(a).cmp(&group_of(b)));
    let closed_fields = closed_term_fields(config);
    let mut translations: Vec<(PageId, Vec<PageId>)> = Vec::new();
    for group in ids.chunk_by(|&a, &b| group_of(a) == group_of(b)) {
        // Language -> page, sorted by language.
        let mut by_lang: Vec<(&str, PageId)> = Vec::with_capacity(group.len());
        for &id in group {
            match by_lang.binary_search_by(|(lang, _)| (*lang).cmp(pages[id].lang())) {
                Ok(first) => diagnostics.push(
                    Diagnostic::error(
                        &pages[id].source.file,
                        format!(
                            "this file and {} are both the {} version of the same page",
                            pages[by_lang[first].1].source.file,
                            pages[id].lang()
                        ),
                    )
                    .at(&pages[id].source.text, 1, 1)
                    .with_hint(format!(
                        "a file without a language in its name is in the default language ({})",
                        config.default_language
                    )),
                ),
                Err(at) => by_lang.insert(at, (pages[id].lang(), id)),
            }
        }
        if by_lang.len() < 2 {
            continue;
        }
        check_translation_terms(pages, &by_lang, &closed_fields, config, diagnostics);
        for &(_, id) in &by_lang {
            let mut others: Vec<PageId> = by_lang
                .iter()
                .map(|&(_, o)| o)
                .filter(|&o| o != id)
                .collect();
            others.sort_by_key(|&o| {
                config
                    .languages
                    .iter()
                    .position(|l| l.code == pages[o].lang())
            });
            translations.push((id, others));
        }
    }
    for (id, others) in translations {
        pages[id].translations = others;
    }
}

/// For each collection, its fields that hold terms of closed taxonomies.
fn closed_term_fields(config: &Config) -> Vec<Vec<&Field>> {
    config
        .collections
        .iter()
        .map(|collection| {
            collection
                .fields
                .iter()
                .filter(|field| {
                    field
                        .kind
                        .taxonomy()
                        .and_then(|t| config.taxonomy(t))
                        .is_some_and(|t| t.closed)
                })
                .collect()
        })
        .collect()
}

/// A practice cannot be `green` in one language and `logistics` in another.
fn check_translation_terms(
    pages: &[Page],
    by_lang: &[(&str, PageId)],
    closed_fields: &[Vec<&Field>],
    config: &Config,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let Some(&(_, original)) = by_lang
        .iter()
        .find(|(lang, _)| *lang == config.default_language)
        .or_else(|| by_lang.first())
    else {
        return;
    };
    let Some(fields) = pages[original].collection.map(|c| &closed_fields[c]) else {
        return;
    };
    for field in fields {
        let expected = pages[original].checked.fields.get(&field.name);
        for id in by_lang
            .iter()
            .map(|&(_, id)| id)
            .filter(|&id| id != original)
        {
            let found = pages[id].checked.fields.get(&field.name);
            if found != expected {
                let show = |v: Option<&Value>| v.map_or("nothing".to_string(), display_value);
                let page = &pages[id];
                let (line, column) = page.source.positions.of(&field.name).unwrap_or((1, 1));
                diagnostics.push(
                    Diagnostic::error(
                        &page.source.file,
                        format!(
                            "`{}` is {} here but {} in {}",
                            field.name,
                            show(found),
                            show(expected),
                            pages[original].source.file
                        ),
                    )
                    .at(&page.source.text, line, column)
                    .with_hint(
                        "translations share their closed-taxonomy terms: make both files agree",
                    ),
                );
            }
        }
    }
}

fn display_value(value: &Value) -> String {
    match value {
        Value::Text(s) | Value::Term(s) => format!("\"{s}\""),
        Value::List(items) => format!(
            "[{}]",
            items
                .iter()
                .map(display_value)
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Value::Date(d) => d.to_string(),
        Value::Integer(n) => n.to_string(),
        Value::Number(n) => n.to_string(),
        Value::Boolean(b) => b.to_string(),
        Value::Any(v) => v.to_string(),
        Value::Metric(m) => format!("{} {}", m.name, m.value),
    }
}

/// An `info` for every page that lacks a version in one of the site's languages.
pub fn missing_translations(site: &Site) -> Vec<Diagnostic> {
    let mut found = Vec::new();
    for page in &site.pages {
        for lang in &site.config.languages {
            let translated = page.lang() == lang.code
                || page
                    .translations
                    .iter()
                    .any(|&t| site.pages[t].lang() == lang.code);
            if !translated {
                let expected = format!("{}.{}.md", page.source.stem, lang.code);
                found.push(
                    Diagnostic::info(&page.source.file, format!("no {} version", lang.name))
                        .with_hint(format!("add {expected} beside this file to translate it")),
                );
            }
        }
    }
    found
}

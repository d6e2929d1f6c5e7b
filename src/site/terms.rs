//! Taxonomy terms: the terms each page carries, and every language's terms with their pages,
//! newest first.

use super::cache::PageTerms;
use super::{Page, PageId, TaxonomyTerms, Term};
use crate::config::{Config, FieldType};
use crate::schema::{Checked, Value};
use crate::slug::{slugify, term_slugs};
use std::collections::BTreeMap;

/// The terms a page of `collection` carries: from its term fields, or from its date for derived
/// taxonomies such as `year`.
pub(super) fn page_terms(
    config: &Config,
    collection: Option<usize>,
    checked: &Checked,
) -> PageTerms {
    let mut terms = Vec::new();
    for (t_index, taxonomy) in config.taxonomies.iter().enumerate() {
        if let Some(from) = &taxonomy.from {
            if let Some(date) = checked.fields.get(from).and_then(Value::as_date) {
                terms.push((t_index, date.year.to_string()));
            }
            continue;
        }
        let Some(collection) = collection.map(|c| &config.collections[c]) else {
            continue;
        };
        for field in collection
            .fields
            .iter()
            .filter(|f| f.kind.taxonomy() == Some(taxonomy.key.as_str()))
        {
            match (checked.fields.get(&field.name), &field.kind) {
                (Some(Value::Term(t)), FieldType::Term(_)) => terms.push((t_index, t.clone())),
                (Some(Value::List(items)), FieldType::List(_)) => terms.extend(
                    items
                        .iter()
                        .filter_map(Value::as_text)
                        .map(|t| (t_index, t.to_string())),
                ),
                _ => {}
            }
        }
    }
    // A term written twice in a row (in a taxonomy) counts once.
    terms.dedup();
    terms
}

pub(super) fn collect_terms(
    config: &Config,
    pages: &mut [Page],
    page_terms: &[&[(usize, String)]],
    newest_first: &[u32],
) -> Vec<TaxonomyTerms> {
    // Taxonomy -> language -> term -> pages, in the order of `pages`: each page's terms read once.
    let mut members: Vec<Vec<BTreeMap<&str, Vec<PageId>>>> =
        vec![vec![BTreeMap::new(); config.languages.len()]; config.taxonomies.len()];
    for (l_index, lang) in config.languages.iter().enumerate() {
        for id in (0..pages.len()).filter(|&id| pages[id].lang() == lang.code) {
            for (t_index, term) in page_terms[id] {
                members[*t_index][l_index].entry(term).or_default().push(id);
            }
        }
    }
    let mut all = Vec::new();
    for (t_index, members) in members.into_iter().enumerate() {
        let mut by_language = BTreeMap::new();
        for (lang, members) in config.languages.iter().zip(members) {
            let mut terms = language_terms(config, members, t_index, &lang.code);
            for (term_index, term) in terms.iter_mut().enumerate() {
                term.pages.sort_by_key(|&id| newest_first[id]);
                for &id in &term.pages {
                    pages[id].terms.push((t_index, term_index));
                }
            }
            by_language.insert(lang.code.clone(), terms);
        }
        all.push(TaxonomyTerms {
            taxonomy: t_index,
            by_language,
        });
    }
    all
}

/// A taxonomy's terms in one language, from its `members`: term -> pages.
fn language_terms(
    config: &Config,
    mut members: BTreeMap<&str, Vec<PageId>>,
    t_index: usize,
    lang: &str,
) -> Vec<Term> {
    let taxonomy = &config.taxonomies[t_index];
    let prefix = format!(
        "{}{}/",
        config.language_prefix(lang),
        slugify(&taxonomy.key)
    );
    if taxonomy.closed {
        return taxonomy
            .terms
            .iter()
            .map(|d| Term {
                key: d.key.clone(),
                name: d.name.get(lang, &config.default_language).to_string(),
                description: d
                    .description
                    .as_ref()
                    .map(|x| x.get(lang, &config.default_language).to_string()),
                path: format!("{prefix}{}/", slugify(&d.key)),
                pages: members.remove(d.key.as_str()).unwrap_or_default(),
            })
            .collect();
    }
    let slugs = term_slugs(members.keys().copied());
    let mut open: Vec<Term> = members
        .into_iter()
        .map(|(key, ids)| Term {
            path: format!("{prefix}{}/", slugs[key]),
            name: key.to_string(),
            description: None,
            key: key.to_string(),
            pages: ids,
        })
        .collect();
    if taxonomy.from.is_some() {
        open.reverse(); // years: newest first
    }
    open
}

//! Template values made from the site model: the site, pages, summaries, fields, alternates.

use super::values::SharedValues;
use super::{RenderOptions, local_date, number_view, root_of};
use crate::config::{Config, FieldType, Show};
use crate::schema::Value;
use crate::site::{Page, PageId, Site};
use crate::theme::Theme;
use bytes::Bytes;
use serde_json::{Value as Json, json};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock, RwLock};
use tera::value::Key;
use tera::{Context, Value as TeraValue};

/// How many terms the navigation menu of an open taxonomy shows, the most used first.
const NAV_OPEN_TERMS: usize = 12;

/// `view` (a map) with `key` set to `value`.
pub(super) fn with_entry(view: TeraValue, key: &'static str, value: TeraValue) -> TeraValue {
    let mut map = view.into_map().unwrap_or_default();
    map.insert(key.into(), value);
    TeraValue::from(map)
}

/// Template values made per page, taken from an earlier build when their key is unchanged:
/// lists and the print page show every page, and making these values is most of the work of a
/// rebuild that changed one page's metadata. Taken when first shown, so that a rebuild that shows
/// none (a body edit) does not look them up.
#[derive(Default)]
pub(super) struct Kept {
    values: Vec<OnceLock<TeraValue>>,
    /// Each page's key ([`super::keys::CacheKeys::summaries`]), and the earlier values by key.
    keys: Vec<u64>,
    previous: HashMap<u64, TeraValue>,
    /// How many values this build made rather than took.
    made: AtomicUsize,
}

impl Kept {
    fn new(pages: usize) -> Self {
        Kept {
            values: (0..pages).map(|_| OnceLock::new()).collect(),
            ..Kept::default()
        }
    }

    /// Lets this build take the values of an earlier one: `keys` are this build's, per page.
    fn reuse(&mut self, previous: HashMap<u64, TeraValue>, keys: Vec<u64>) {
        self.previous = previous;
        self.keys = keys;
    }

    /// The value of page `id`: this build's, an earlier build's, or `make`'s.
    pub(super) fn get(&self, id: PageId, make: impl FnOnce() -> TeraValue) -> TeraValue {
        self.values[id]
            .get_or_init(|| {
                let key = self.keys.get(id);
                if let Some(value) = key.and_then(|k| self.previous.get(k)) {
                    return value.clone();
                }
                self.made.fetch_add(1, Ordering::Relaxed);
                make()
            })
            .clone()
    }

    /// The values to offer the next build: the earlier ones and those this build made.
    fn kept(&mut self) -> HashMap<u64, TeraValue> {
        let mut kept = std::mem::take(&mut self.previous);
        if *self.made.get_mut() == 0 {
            return kept;
        }
        for (value, key) in self.values.iter().zip(&self.keys) {
            if let Some(value) = value.get() {
                kept.entry(*key).or_insert_with(|| value.clone());
            }
        }
        // Every edit leaves the value of the page's old version behind: forget those once they
        // add up.
        if kept.len() > self.values.len() + self.values.len() / 8 + 16 {
            let current: HashSet<u64> = self.keys.iter().copied().collect();
            kept.retain(|key, _| current.contains(key));
        }
        kept
    }
}

/// What serve keeps of [`Kept`] values from one rebuild to the next.
#[derive(Default)]
pub(super) struct KeptValues {
    summaries: HashMap<u64, TeraValue>,
    print_items: HashMap<u64, TeraValue>,
}

/// Builds the template context values from the site model.
pub(super) struct Views<'a> {
    pub(super) site: &'a Site,
    pub(super) config: &'a Config,
    pub(super) theme: &'a Theme,
    pub(super) options: &'a RenderOptions,
    /// `site` of the context and the theme's strings, per language, made once as template
    /// values: a template value shares its contents when cloned, so every page gets them without
    /// a copy.
    pub(super) site_values: BTreeMap<String, TeraValue>,
    strings: BTreeMap<String, TeraValue>,
    /// Each page's summary as a template value, made when first needed (a page is listed on its
    /// collection's and each of its terms' pages).
    summaries: Kept,
    /// What the summaries share: keys, terms.
    shared: SharedValues,
    /// Per collection and language, its pages newest first (lists, feeds, counts ask often).
    collection_pages: Vec<HashMap<String, Vec<PageId>>>,
    /// Each page's entry of the print page's skeleton: its summary and its placeholder.
    pub(super) print_items: Kept,
    /// The print version's article of each page (by its path) the print pages being rendered
    /// hold, rendered before them.
    pub(super) printed: RwLock<Arc<HashMap<String, Bytes>>>,
}

impl<'a> Views<'a> {
    pub(super) fn new(site: &'a Site, theme: &'a Theme, options: &'a RenderOptions) -> Self {
        let mut views = Views {
            site,
            config: &site.config,
            theme,
            options,
            site_values: BTreeMap::new(),
            strings: BTreeMap::new(),
            summaries: Kept::new(site.pages.len()),
            shared: SharedValues::default(),
            collection_pages: vec![HashMap::new(); site.config.collections.len()],
            print_items: Kept::new(site.pages.len()),
            printed: RwLock::default(),
        };
        for (id, page) in site.pages.iter().enumerate() {
            if let Some(c) = page.collection {
                let of_language = views.collection_pages[c].entry(page.lang().to_string());
                of_language.or_default().push(id);
            }
        }
        for ids in views
            .collection_pages
            .iter_mut()
            .flat_map(|c| c.values_mut())
        {
            site.sort_newest_first(ids);
        }
        views.site_values = (site.config.languages.iter())
            .map(|l| {
                let view = TeraValue::from_serializable(&views.site_view(&l.code));
                (l.code.clone(), view)
            })
            .collect();
        views.strings = (site.config.languages.iter())
            .map(|l| {
                let strings = theme.strings.get(&l.code).cloned().unwrap_or_default();
                (l.code.clone(), TeraValue::from_serializable(&strings))
            })
            .collect();
        views
    }

    pub(super) fn permalink(&self, path: &str) -> String {
        format!("{}{}", self.config.base_url, path)
    }

    pub(super) fn default_lang(&self) -> &str {
        &self.config.default_language
    }

    /// Variables every template receives, for a page at `path` in `lang`.
    pub(super) fn base_context(&self, lang: &str, path: &str, alternates: TeraValue) -> Context {
        let mut context = Context::new();
        context.insert("lang", lang);
        context.insert("dir", crate::config::direction(lang));
        context.insert("root", &root_of(path));
        context.insert("path", path);
        context.insert("permalink", &self.permalink(path));
        let value = |values: &BTreeMap<String, TeraValue>| {
            values.get(lang).cloned().unwrap_or_else(TeraValue::none)
        };
        context.insert_value("t", value(&self.strings));
        context.insert_value("site", value(&self.site_values));
        context.insert_value("alternates", alternates);
        context.insert("serve_mode", &self.options.serve_mode);
        context
    }

    pub(super) fn site_view(&self, lang: &str) -> Json {
        let standalone: Vec<Json> = self
            .site
            .pages
            .iter()
            .enumerate()
            .filter(|(id, p)| p.collection.is_none() && p.lang() == lang && !self.is_about(*id))
            .map(|(_, p)| json!({"title": p.title, "path": p.path}))
            .collect();
        let fallback = self.default_lang();
        let languages: Vec<Json> = self
            .config
            .languages
            .iter()
            .map(|l| json!({"code": l.code, "name": l.name, "dir": crate::config::direction(&l.code), "path": self.config.language_prefix(&l.code)}))
            .collect();
        let nav: Vec<Json> = self
            .config
            .taxonomies
            .iter()
            .enumerate()
            .filter(|(_, t)| t.nav)
            .map(|(i, t)| {
                let mut terms = self.term_list(i, lang);
                if !t.closed {
                    // An open taxonomy's menu: its most used terms; "view all" lists the rest.
                    terms.sort_by_key(|term| std::cmp::Reverse(term["count"].as_u64()));
                    terms.truncate(NAV_OPEN_TERMS);
                }
                json!({
                    "key": t.key,
                    "title": t.title.get(lang, fallback),
                    "path": self.taxonomy_path(i, lang),
                    "closed": t.closed,
                    "terms": terms,
                })
            })
            .collect();
        let collections: Vec<Json> = self
            .config
            .collections
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let path = self.collection_path(i, lang);
                let feed =
                    (!self.dated_pages(i, lang).is_empty()).then(|| format!("{path}atom.xml"));
                json!({
                    "key": c.key,
                    "title": c.title.get(lang, fallback),
                    "path": path,
                    "count": self.collection_pages(i, lang).len(),
                    "feed": feed,
                })
            })
            .collect();
        let feed = (collections.iter())
            .any(|c| !c["feed"].is_null())
            .then(|| format!("{}atom.xml", self.config.language_prefix(lang)));
        json!({
            "title": self.config.title.get(lang, fallback),
            "description": self.config.description.get(lang, fallback),
            "base_url": self.config.base_url,
            "default_language": fallback,
            "languages": languages,
            "nav": nav,
            "collections": collections,
            "feed": feed,
            "pages": standalone,
            "extra": self.config.extra,
        })
    }

    pub(super) fn collection_path(&self, collection: usize, lang: &str) -> String {
        format!(
            "{}{}/",
            self.config.language_prefix(lang),
            crate::slug::slugify(&self.config.collections[collection].folder)
        )
    }

    pub(super) fn taxonomy_path(&self, taxonomy: usize, lang: &str) -> String {
        format!(
            "{}{}/",
            self.config.language_prefix(lang),
            crate::slug::slugify(&self.config.taxonomies[taxonomy].key)
        )
    }

    pub(super) fn term_list(&self, taxonomy: usize, lang: &str) -> Vec<Json> {
        self.site.taxonomies[taxonomy]
            .by_language
            .get(lang)
            .map(|terms| {
                terms
                    .iter()
                    .map(|t| json!({"key": t.key, "name": t.name, "description": t.description, "path": t.path, "count": t.pages.len()}))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Alternates of a generated page that exists in every language at `prefix + rest`.
    pub(super) fn alternates_everywhere(&self, lang: &str, rest: &str) -> TeraValue {
        self.alternates_where(lang, rest, |_| true)
    }

    /// Alternates of a page at `rest` under each language's prefix, in the languages `exists`
    /// says have it.
    pub(super) fn alternates_where(
        &self,
        lang: &str,
        rest: &str,
        exists: impl Fn(&str) -> bool,
    ) -> TeraValue {
        let alternates: Vec<TeraValue> = (self.config.languages.iter())
            .filter(|l| l.code == lang || exists(&l.code))
            .map(|l| {
                let path = format!("{}{rest}", self.config.language_prefix(&l.code));
                self.alternate(&l.code, &l.name, path, l.code == lang)
            })
            .collect();
        TeraValue::from(alternates)
    }

    /// Alternates of a page that exists only in `lang`.
    pub(super) fn only_here(&self, lang: &str, path: &str) -> TeraValue {
        let name = self.language_name(lang);
        TeraValue::from(vec![self.alternate(lang, name, path.to_string(), true)])
    }

    /// The name of the language `code` ("" for one the configuration does not have).
    fn language_name(&self, code: &str) -> &str {
        self.config.language(code).map_or("", |l| l.name.as_str())
    }

    /// One language's version of a page, at `path`.
    fn alternate(&self, lang: &str, name: &str, path: String, current: bool) -> TeraValue {
        map_of([
            ("lang", TeraValue::from(lang)),
            ("name", TeraValue::from(name)),
            ("permalink", TeraValue::from(self.permalink(&path))),
            ("current", TeraValue::from(current)),
            ("path", TeraValue::from(path)),
        ])
    }

    /// Whether a page is an `_index` page that gives a list page (a language's home, a
    /// collection's or a folder's) its title and text, rather than a page of its own.
    pub(super) fn is_about(&self, id: PageId) -> bool {
        let page = &self.site.pages[id];
        page.source.is_section()
            && (crate::site::is_list_path(self.config, &page.path)
                || self.site.sections.about(id).is_some())
    }

    /// A section's list: its collection's key, title, address, `_index` text, how many pages it
    /// holds (with the folders below), the `breadcrumbs` above it and the `sections` below.
    pub(super) fn section_view(&self, section: usize) -> Json {
        let sections = &self.site.sections;
        let s = &sections.list[section];
        let link = |i: usize| {
            let s = &sections.list[i];
            json!({"title": s.title, "path": s.path, "count": s.count})
        };
        let mut trail = sections.trail(section);
        trail.pop();
        let mut view = json!({
            "key": self.config.collections[s.collection].key,
            "title": s.title,
            "path": s.path,
            "count": s.count,
            "breadcrumbs": trail.into_iter().map(link).collect::<Vec<_>>(),
            "sections": s.children.iter().map(|&c| link(c)).collect::<Vec<_>>(),
        });
        if let Some(id) = s.about {
            view["content"] = json!(self.site.pages[id].rendered.html);
        }
        view
    }

    pub(super) fn page_alternates(&self, page: &Page) -> TeraValue {
        let mut ids: Vec<PageId> = page.translations.clone();
        ids.push(self.site.by_content_path[&page.source.content_path]);
        ids.sort_by_key(|&i| {
            self.config
                .languages
                .iter()
                .position(|l| l.code == self.site.pages[i].lang())
        });
        let alternates: Vec<TeraValue> = (ids.iter())
            .map(|&i| {
                let p = &self.site.pages[i];
                let name = self.language_name(p.lang());
                self.alternate(p.lang(), name, p.path.clone(), p.lang() == page.lang())
            })
            .collect();
        TeraValue::from(alternates)
    }

    /// Lets this build take the values of an earlier one whose keys (`keys`, per page) are
    /// unchanged.
    pub(super) fn reuse(&mut self, previous: KeptValues, keys: Vec<u64>) {
        self.summaries.reuse(previous.summaries, keys.clone());
        self.print_items.reuse(previous.print_items, keys);
    }

    /// The values to offer the next build.
    pub(super) fn kept(&mut self) -> KeptValues {
        KeptValues {
            summaries: self.summaries.kept(),
            print_items: self.print_items.kept(),
        }
    }

    /// The pages of collection `c` in language `lang`, newest first.
    pub(super) fn collection_pages(&self, c: usize, lang: &str) -> &[PageId] {
        (self.collection_pages.get(c).and_then(|of| of.get(lang))).map_or(&[], Vec::as_slice)
    }

    /// A page for lists, everything but its content, made once per page. Its maps are made as
    /// template values directly, their keys and terms shared ([`SharedValues`]).
    pub(super) fn summary_value(&self, id: PageId) -> TeraValue {
        self.summaries.get(id, || {
            let page = &self.site.pages[id];
            let collection = page
                .collection
                .map(|c| self.config.collections[c].key.as_str());
            let facts = self.facts_view(page);
            // A card's terms are facts of the page: the same values, not copies.
            let card_terms: Vec<TeraValue> =
                card_terms(&facts).map(|i| facts[i].0.clone()).collect();
            let facts: Vec<TeraValue> = facts.into_iter().map(|(fact, _)| fact).collect();
            let entries = [
                ("title", TeraValue::from(page.title.as_str())),
                ("summary", TeraValue::from(page.summary())),
                ("path", TeraValue::from(page.path.as_str())),
                ("permalink", TeraValue::from(self.permalink(&page.path))),
                ("lang", TeraValue::from(page.lang())),
                ("collection", TeraValue::from(collection)),
                ("slug", TeraValue::from(page.slug.as_str())),
                ("date", TeraValue::from(page.date.map(|d| d.to_string()))),
                (
                    "date_display",
                    TeraValue::from(page.date.map(|d| local_date(d, page.lang()))),
                ),
                (
                    "year",
                    TeraValue::from(page.date.map(|d| integer(d.year.into()))),
                ),
                ("draft", TeraValue::from(page.checked.draft)),
                ("fields", self.fields_view(page)),
                ("card_terms", TeraValue::from(card_terms)),
                ("facts", TeraValue::from(facts)),
                ("extra", self.shared.object(&page.checked.extra)),
                ("source_file", TeraValue::from(page.source.file.as_str())),
            ];
            map_of(entries)
        })
    }

    /// A page with its content, for its own page and its feed entry.
    pub(super) fn page_full(&self, id: PageId) -> TeraValue {
        let rendered = &self.site.pages[id].rendered;
        let toc = serde_json::to_value(&rendered.toc).unwrap_or_default();
        self.page_full_with(id, TeraValue::from(rendered.html.as_str()), &toc)
    }

    /// [`Self::page_full`] with this `content` and `toc`: its summary, already made for the lists
    /// that show it, with what only its own page shows.
    pub(super) fn page_full_with(&self, id: PageId, content: TeraValue, toc: &Json) -> TeraValue {
        let page = &self.site.pages[id];
        // A link to another page or a section: its title and address.
        let link = |title: &str, path: &str| {
            map_of([
                ("title", TeraValue::from(title)),
                ("path", TeraValue::from(path)),
            ])
        };
        let translations: Vec<TeraValue> = page
            .translations
            .iter()
            .map(|&t| {
                let p = &self.site.pages[t];
                let name = self.language_name(p.lang());
                let entries = [
                    ("lang", p.lang()),
                    ("name", name),
                    ("title", &p.title),
                    ("path", &p.path),
                ];
                map_of(entries.map(|(k, v)| (k, TeraValue::from(v))))
            })
            .collect();
        let breadcrumbs: Vec<TeraValue> = (self.site.sections.of_page[id])
            .map(|s| self.site.sections.trail(s))
            .unwrap_or_default()
            .into_iter()
            .map(|s| {
                let s = &self.site.sections.list[s];
                link(&s.title, &s.path)
            })
            .collect();
        let mut view = self.summary_value(id).into_map().unwrap_or_default();
        view.insert(Key::Str("breadcrumbs"), TeraValue::from(breadcrumbs));
        view.insert(Key::Str("content"), content);
        view.insert(Key::Str("toc"), self.shared.value(toc));
        view.insert(Key::Str("translations"), TeraValue::from(translations));
        for (name, other) in [("previous", page.previous), ("next", page.next)] {
            if let Some(other) = other {
                let other = &self.site.pages[other];
                view.insert(Key::Str(name), link(&other.title, &other.path));
            }
        }
        TeraValue::from(view)
    }

    /// Declared fields, typed; terms become `{key, name, path}`.
    fn fields_view(&self, page: &Page) -> TeraValue {
        let collection = page.collection.map(|c| &self.config.collections[c]);
        let fields = page.checked.fields.iter().map(|(name, value)| {
            let taxonomy = collection
                .and_then(|c| c.field(name))
                .and_then(|f| f.kind.taxonomy());
            (name.as_str(), self.value_view(value, taxonomy, page.lang()))
        });
        self.shared.map(fields)
    }

    /// The declared fields the facts box shows, in declared order: those with a value (or
    /// `show: always`), but the title and summary the page's header shows and those with
    /// `show: false`. Each is `{name, label, type, list, taxonomy, wide, empty,
    /// value}`, with whether a card shows it (a single term: `Some`, and whether its taxonomy
    /// is closed).
    fn facts_view(&self, page: &Page) -> Vec<(TeraValue, Option<bool>)> {
        let Some(collection) = page.collection.map(|c| &self.config.collections[c]) else {
            return Vec::new();
        };
        let lang = page.lang();
        (collection.fields.iter())
            .filter(|f| f.name != "title" && f.name != "summary" && f.show != Show::Never)
            // A value of any shape is for the site's own templates.
            .filter(|f| f.kind != FieldType::Any)
            .filter_map(|field| {
                let value = page.checked.fields.get(&field.name);
                let empty =
                    value.is_none_or(|v| matches!(v, Value::List(items) if items.is_empty()));
                if empty && field.show != Show::Always {
                    return None;
                }
                let (list, of) = match &field.kind {
                    FieldType::List(of) => (true, of.as_ref()),
                    other => (false, other),
                };
                let taxonomy = field.kind.taxonomy();
                let closed = taxonomy
                    .and_then(|t| self.config.taxonomy(t))
                    .is_some_and(|t| t.closed);
                // A date that a taxonomy takes its terms from (`year`, `from: date`) links its
                // term's page.
                let from_date = (self.config.taxonomies.iter())
                    .position(|t| t.from.as_deref() == Some(field.name.as_str()))
                    .and_then(|t| self.site.term_of(page, t))
                    .map(|term| {
                        self.shared
                            .strings(&[("name", &term.name), ("path", &term.path)])
                    });
                let fact = map_of([
                    ("name", TeraValue::from(field.name.as_str())),
                    (
                        "label",
                        TeraValue::from(field.label(lang, self.default_lang())),
                    ),
                    ("type", TeraValue::from(type_name(of))),
                    ("list", TeraValue::from(list)),
                    ("taxonomy", TeraValue::from(taxonomy)),
                    ("closed", TeraValue::from(closed)),
                    (
                        "wide",
                        TeraValue::from(list || matches!(of, FieldType::Url | FieldType::Text)),
                    ),
                    ("empty", TeraValue::from(empty)),
                    ("term", TeraValue::from(from_date)),
                    (
                        "value",
                        value.map_or_else(TeraValue::none, |v| self.value_view(v, taxonomy, lang)),
                    ),
                ]);
                let on_card =
                    (matches!(of, FieldType::Term(_)) && !list && !empty).then_some(closed);
                Some((fact, on_card))
            })
            .collect()
    }

    fn value_view(&self, value: &Value, taxonomy: Option<&str>, lang: &str) -> TeraValue {
        match value {
            Value::Text(s) => TeraValue::from(s.as_str()),
            Value::Date(d) => TeraValue::from(d.to_string()),
            Value::Integer(n) => integer(*n),
            Value::Number(n) => self.shared.value(&number_view(*n)),
            Value::Boolean(b) => TeraValue::from(*b),
            Value::Any(v) => self.shared.value(v),
            Value::Metric(m) => self.shared.value(
                &json!({"name": m.name, "value": number_view(m.value), "unit": m.unit, "year": m.year}),
            ),
            Value::List(items) => TeraValue::from(
                items
                    .iter()
                    .map(|v| self.value_view(v, taxonomy, lang))
                    .collect::<Vec<_>>(),
            ),
            Value::Term(term) => {
                let found = taxonomy
                    .and_then(|t| self.config.taxonomies.iter().position(|x| x.key == t))
                    .and_then(|i| self.site.taxonomies[i].by_language.get(lang))
                    .and_then(|terms| terms.iter().find(|t| &t.key == term));
                match found {
                    Some(t) => self.shared.strings(&[("key", &t.key), ("name", &t.name), ("path", &t.path)]),
                    None => self.shared.strings(&[("key", term), ("name", term), ("path", "")]),
                }
            }
        }
    }
}

/// Which of a page's facts its card shows: the terms of single-term fields, open taxonomies'
/// first, then closed ones'.
fn card_terms(facts: &[(TeraValue, Option<bool>)]) -> impl Iterator<Item = usize> {
    let mut shown: Vec<(bool, usize)> = (facts.iter().enumerate())
        .filter_map(|(i, (_, on_card))| Some(((*on_card)?, i)))
        .collect();
    shown.sort_by_key(|(closed, _)| *closed);
    shown.into_iter().map(|(_, i)| i)
}

/// A whole number as a template value, as Tera's own conversion of JSON makes it.
fn integer(n: i64) -> TeraValue {
    match u64::try_from(n) {
        Ok(n) => TeraValue::from(n),
        Err(_) => TeraValue::from(n),
    }
}

/// A map of these entries, named by the views themselves.
pub(super) fn map_of<const N: usize>(entries: [(&'static str, TeraValue); N]) -> TeraValue {
    let map: tera::value::Map = entries.into_iter().map(|(k, v)| (Key::Str(k), v)).collect();
    TeraValue::from(map)
}

/// The name a template tests a field's type by: its name in `site.yaml`.
fn type_name(kind: &FieldType) -> &'static str {
    match kind {
        FieldType::String => "string",
        FieldType::Text => "text",
        FieldType::Date => "date",
        FieldType::Integer => "integer",
        FieldType::Number => "number",
        FieldType::Boolean => "boolean",
        FieldType::Url => "url",
        FieldType::Standard => "standard",
        FieldType::Metric => "metric",
        FieldType::Term(_) => "term",
        FieldType::List(_) => "list",
        FieldType::Any => "any",
    }
}

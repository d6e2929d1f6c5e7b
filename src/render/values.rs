//! Template values from JSON views, made compact for the values a build keeps for every page
//! (the summaries): each map key is one shared string, and small maps of strings (a term:
//! `key`, `name`, `path`) are one shared value however many pages show them. A summary made
//! by Tera's own conversion holds its own copy of every key and term (about 20 KB a page).

use serde_json::Value as Json;
use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use tera::Value as TeraValue;
use tera::value::{Key, Map};

/// Maps of strings with at most this many entries are shared.
const SHARED_MAP_ENTRIES: usize = 4;
/// Past this many shared keys or maps (a site whose front matter has ever new names), new ones
/// are made afresh rather than kept.
const MOST_SHARED: usize = 100_000;

/// What the values made so far share.
#[derive(Default)]
pub(super) struct SharedValues {
    keys: RwLock<HashMap<Box<str>, Arc<str>>>,
    /// Small maps of strings by their entries, `key\0value\0…`.
    maps: RwLock<HashMap<Box<str>, TeraValue>>,
}

impl SharedValues {
    /// `json` as a template value: what `TeraValue::from_serializable` gives, sharing keys and
    /// small maps of strings.
    pub(super) fn value(&self, json: &Json) -> TeraValue {
        match json {
            Json::Null => TeraValue::none(),
            Json::Bool(b) => TeraValue::from(*b),
            Json::Number(n) => match (n.as_u64(), n.as_i64()) {
                (Some(u), _) => TeraValue::from(u),
                (None, Some(i)) => TeraValue::from(i),
                _ => TeraValue::from(n.as_f64().unwrap_or(f64::NAN)),
            },
            Json::String(s) => TeraValue::from(s.as_str()),
            Json::Array(items) => {
                TeraValue::from(items.iter().map(|v| self.value(v)).collect::<Vec<_>>())
            }
            Json::Object(entries) => self.object(entries),
        }
    }

    /// A JSON object as a template value (see [`Self::value`]).
    pub(super) fn object(&self, entries: &serde_json::Map<String, Json>) -> TeraValue {
        let strings: Option<Vec<(&str, &str)>> = (entries.iter())
            .map(|(k, v)| Some((k.as_str(), v.as_str()?)))
            .collect();
        match strings {
            Some(strings) => self.strings(&strings),
            None => self.map(entries.iter().map(|(k, v)| (k.as_str(), self.value(v)))),
        }
    }

    /// A small map of strings, one value however many pages show it (with more than
    /// [`SHARED_MAP_ENTRIES`] entries, a map of its own).
    pub(super) fn strings(&self, entries: &[(&str, &str)]) -> TeraValue {
        let make = || self.map(entries.iter().map(|&(k, v)| (k, TeraValue::from(v))));
        if entries.len() > SHARED_MAP_ENTRIES {
            return make();
        }
        let mut name = String::new();
        for (k, v) in entries {
            name.extend([*k, "\0", *v, "\0"]);
        }
        if let Some(shared) = read(&self.maps).get(name.as_str()) {
            return shared.clone();
        }
        let made = make();
        let mut maps = write(&self.maps);
        if maps.len() < MOST_SHARED {
            maps.insert(name.into(), made.clone());
        }
        made
    }

    /// A map of these entries, their keys shared.
    pub(super) fn map<'k>(&self, entries: impl Iterator<Item = (&'k str, TeraValue)>) -> TeraValue {
        let map: Map = entries.map(|(k, v)| (self.key(k), v)).collect();
        TeraValue::from(map)
    }

    fn key(&self, name: &str) -> Key<'static> {
        if let Some(shared) = read(&self.keys).get(name) {
            return Key::String(Arc::clone(shared));
        }
        let made: Arc<str> = Arc::from(name);
        let mut keys = write(&self.keys);
        if keys.len() < MOST_SHARED {
            keys.insert(name.into(), Arc::clone(&made));
        }
        Key::String(made)
    }
}

/// A lock's contents, whole even after a panic elsewhere (a bug, reported as one): each change
/// under these locks is one insert or one assignment.
pub(super) fn read<T>(lock: &RwLock<T>) -> std::sync::RwLockReadGuard<'_, T> {
    lock.read()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// See [`read`].
pub(super) fn write<T>(lock: &RwLock<T>) -> std::sync::RwLockWriteGuard<'_, T> {
    lock.write()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_same_values_as_teras_own_conversion() {
        let shared = SharedValues::default();
        for json in [
            json!(null),
            json!({"title": "标题", "n": 3, "neg": -2, "x": 1.5, "on": true, "none": null}),
            json!({"facts": [{"value": {"key": "k", "name": "名", "path": "p/"}}], "e": {}}),
            json!(["a", ["b"], {"c": "d"}]),
        ] {
            let ours = shared.value(&json);
            // Twice: the second time from what is shared.
            assert_eq!(ours, TeraValue::from_serializable(&json));
            assert_eq!(shared.value(&json), ours);
        }
    }
}

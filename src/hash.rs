//! The hash every stage keys its cached results by: a leaf, so that a stage hashing its inputs
//! depends on nothing else (the cache of every stage, `cache.rs`, sits above them).

use std::hash::{Hash, Hasher};

/// A stable hash of anything hashable, for cache keys.
pub fn key(value: impl Hash) -> u64 {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    value.hash(&mut hasher);
    hasher.finish()
}

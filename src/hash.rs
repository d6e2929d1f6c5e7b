//! The hash every stage keys its cached results by: a leaf, so that a stage hashing its inputs
//! depends on nothing else (the cache of every stage, `cache.rs`, sits above them).
//!
//! aHash with fixed seeds: a key is the same from one build to the next of a run, and never
//! leaves the process (the manifest and the output's record use SHA-256). The standard library's
//! SipHash was a sixth of a preview rebuild at 10,000 pages; aHash is already built for Tera.

use std::hash::{BuildHasher, Hash};

/// The seeds of every key: any fixed values, not all the same.
const SEEDS: ahash::RandomState = ahash::RandomState::with_seeds(
    0x243f_6a88_85a3_08d3,
    0x1319_8a2e_0370_7344,
    0xa409_3822_299f_31d0,
    0x082e_fa98_ec4e_6c89,
);

/// A stable hash of anything hashable, for cache keys.
pub fn key(value: impl Hash) -> u64 {
    SEEDS.hash_one(value)
}

/// A hasher of cache keys, for values hashed as they come rather than gathered first.
pub fn hasher() -> ahash::AHasher {
    SEEDS.build_hasher()
}

/// The hasher of the maps that the build looks its many paths up in.
pub type Paths = ahash::RandomState;

/// A map by path (output path, content path, file name): built and looked up for every page of
/// every build.
pub type PathMap<V> = std::collections::HashMap<String, V, Paths>;

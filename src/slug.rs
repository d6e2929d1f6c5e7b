//! Slugs for URLs and heading ids: readable, stable, and safe in a path.

use std::collections::BTreeMap;

/// Lower-cases ASCII, keeps letters and digits of every script (so Chinese stays readable), and
/// turns every run of anything else into one `-`.
///
/// ```
/// assert_eq!(casebook::slug::slugify("Cold Chain & Logistics"), "cold-chain-logistics");
/// assert_eq!(casebook::slug::slugify("冷链 物流"), "冷链-物流");
/// ```
pub fn slugify(text: &str) -> String {
    let mut slug = String::with_capacity(text.len());
    let mut pending_dash = false;
    for c in text.chars() {
        if c.is_alphanumeric() {
            if pending_dash && !slug.is_empty() {
                slug.push('-');
            }
            pending_dash = false;
            slug.extend(c.to_lowercase());
        } else {
            pending_dash = true;
        }
    }
    slug
}

/// Gives each term a slug, unique among `terms`. Terms whose slugs collide (`Cold chain` and
/// `cold-chain`) keep readable slugs with a short suffix derived from the term itself, so a
/// term's slug does not depend on the order in which terms were found.
pub fn term_slugs<'a>(terms: impl Iterator<Item = &'a str>) -> BTreeMap<String, String> {
    let mut by_slug: BTreeMap<String, Vec<&str>> = BTreeMap::new();
    for term in terms {
        let mut slug = slugify(term);
        if slug.is_empty() {
            slug = format!("term-{}", short_hash(term));
        }
        let group = by_slug.entry(slug).or_default();
        if !group.contains(&term) {
            group.push(term);
        }
    }
    let mut slugs = BTreeMap::new();
    for (slug, group) in by_slug {
        if group.len() == 1 {
            slugs.insert(group[0].to_string(), slug);
        } else {
            for term in group {
                slugs.insert(term.to_string(), format!("{slug}-{}", short_hash(term)));
            }
        }
    }
    slugs
}

/// Six hex digits of FNV-1a: stable across runs and machines.
pub fn short_hash(text: &str) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in text.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{:06x}", hash & 0xff_ffff)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugify_cases() {
        for (input, expected) in [
            ("xuzhou", "xuzhou"),
            ("Best Practice 2023", "best-practice-2023"),
            ("  --a--b--  ", "a-b"),
            ("徐州 淮海码", "徐州-淮海码"),
            ("GB/T 31526-2015", "gb-t-31526-2015"),
            ("Ünïcode", "ünïcode"),
            ("!!!", ""),
        ] {
            assert_eq!(slugify(input), expected, "{input}");
        }
    }

    #[test]
    fn colliding_terms_get_distinct_stable_slugs() {
        let slugs = term_slugs(["Cold chain", "cold-chain", "冷链"].into_iter());
        assert_eq!(slugs["冷链"], "冷链");
        assert_ne!(slugs["Cold chain"], slugs["cold-chain"]);
        assert!(slugs["Cold chain"].starts_with("cold-chain-"));
        let again = term_slugs(["cold-chain", "Cold chain"].into_iter());
        assert_eq!(
            again,
            term_slugs(["Cold chain", "cold-chain", "x"].into_iter())
                .into_iter()
                .filter(|(k, _)| k != "x")
                .collect()
        );
    }

    #[test]
    fn a_term_of_punctuation_only_still_gets_a_slug() {
        let slugs = term_slugs(["+++"].into_iter());
        assert!(slugs["+++"].starts_with("term-"));
    }
}

//! Slugs for URLs and heading ids: readable, stable, and safe in a path; and the cleaning of
//! the texts that name things (titles, terms), so that two texts that look the same are the same.

use std::collections::BTreeMap;

/// Characters that take no room and are no letter, often pasted in with text copied from the web
/// or a word processor: the zero-width space, non-joiner and joiner, the word joiner, the byte
/// order mark (the zero-width no-break space) and the soft hyphen.
pub fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{200B}' | '\u{200C}' | '\u{200D}' | '\u{2060}' | '\u{FEFF}' | '\u{00AD}'
    )
}

/// The no-break spaces: a space to the reader.
fn is_no_break_space(c: char) -> bool {
    matches!(c, '\u{00A0}' | '\u{202F}' | '\u{2007}')
}

/// A text that names something (a title, a term) as it is compared and shown: invisible
/// characters removed, no-break spaces made spaces, each run of spaces, tabs and line breaks one
/// space, and no white space at either end.
///
/// ```
/// use casebook::slug::clean_text;
/// assert_eq!(clean_text("冷链\u{200B}物流"), "冷链物流");
/// assert_eq!(clean_text("\u{FEFF} Cold\u{00A0} chain "), "Cold chain");
/// ```
pub fn clean_text(text: &str) -> String {
    // Any white space at the ends goes, the ideographic space too; inside, only runs of spaces.
    let text = text.trim_matches(|c: char| c.is_whitespace() || is_invisible(c));
    let mut out = String::with_capacity(text.len());
    let mut space = false;
    for c in text.chars() {
        if is_invisible(c) {
            continue;
        }
        if c.is_ascii_whitespace() || is_no_break_space(c) {
            space = true;
            continue;
        }
        if space && !out.is_empty() {
            out.push(' ');
        }
        space = false;
        out.push(c);
    }
    out
}

/// Lower-cases ASCII, keeps letters and digits of every script (so Chinese stays readable), drops
/// invisible characters (see [`is_invisible`]), and turns every run of anything else into one `-`.
///
/// ```
/// assert_eq!(casebook::slug::slugify("Cold Chain & Logistics"), "cold-chain-logistics");
/// assert_eq!(casebook::slug::slugify("冷链 物流"), "冷链-物流");
/// assert_eq!(casebook::slug::slugify("冷链\u{200B}物流"), "冷链物流");
/// ```
/// The longest name a file system takes for a file or folder, in bytes (ext4, APFS, NTFS).
pub const MAX_NAME_BYTES: usize = 255;

/// Whether a name in the address `path` is longer than file systems take.
pub fn has_too_long_name(path: &str) -> bool {
    path.split('/').any(|name| name.len() > MAX_NAME_BYTES)
}

pub fn slugify(text: &str) -> String {
    let mut slug = String::with_capacity(text.len());
    let mut pending_dash = false;
    for c in text.chars() {
        if is_invisible(c) {
            continue;
        }
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
    fn invisible_characters_leave_no_trace() {
        for (input, expected) in [
            ("冷链\u{200B}物流", "冷链物流"),
            ("\u{FEFF}冷链物流", "冷链物流"),
            ("\u{200B}\u{FEFF}Cold chain\u{2060}", "Cold chain"),
            ("Stan\u{00AD}dard", "Standard"),
            ("a\u{200C}b\u{200D}c", "abc"),
            ("Cold\u{00A0}chain", "Cold chain"),
            ("GB/T\u{202F}31526\u{2007}2015", "GB/T 31526 2015"),
            ("  Cold \t\n chain  ", "Cold chain"),
            ("Cold \u{200B} chain", "Cold chain"),
            ("\u{3000}徐州\u{3000}淮海码\u{3000}", "徐州\u{3000}淮海码"),
            (" \u{3000}\u{00A0}徐州 \u{3000}", "徐州"),
            ("\u{200B}\u{00A0}\u{FEFF}", ""),
            ("冷链物流", "冷链物流"),
        ] {
            assert_eq!(clean_text(input), expected, "{input:?}");
            assert_eq!(
                clean_text(expected),
                expected,
                "{expected:?} stays as it is"
            );
        }
        assert_eq!(slugify("冷链\u{200B}物流"), slugify("冷链物流"));
        assert_eq!(slugify("\u{FEFF}Cold\u{00AD}chain"), "coldchain");
        assert_eq!(slugify("Cold\u{00A0}chain"), "cold-chain");
        assert_eq!(slugify("\u{200B}"), "");
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

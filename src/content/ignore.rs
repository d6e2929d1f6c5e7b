//! `ignore:` in site.yaml: glob patterns of files and folders under `content/` that are neither
//! pages nor published (a README.md, partials of another generator).
//!
//! The patterns read as `.gitignore` lines do, the part editors know: `*` is any run of
//! characters within a name, `?` one character, `**` any number of folders; a pattern without a
//! `/` matches a name at any depth (`README.md`), one with a `/` matches from `content/`
//! (`docs/_includes/**`); a trailing `/` matches folders only. A matched folder is not entered.

/// The `ignore:` patterns of a site, ready to match paths relative to `content/`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Ignore {
    patterns: Vec<Pattern>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Pattern {
    /// The pattern's parts between `/`, `**` standing alone for any number of folders.
    parts: Vec<String>,
    /// Written without a `/` (but a trailing one): matches a name at any depth.
    anywhere: bool,
    folders_only: bool,
}

impl Ignore {
    pub fn new<'a>(patterns: impl IntoIterator<Item = &'a str>) -> Ignore {
        let patterns = patterns
            .into_iter()
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(|pattern| {
                let folders_only = pattern.ends_with('/');
                let pattern = pattern.trim_matches('/');
                let pattern = pattern.strip_prefix("./").unwrap_or(pattern);
                Pattern {
                    anywhere: !pattern.contains('/'),
                    parts: pattern
                        .split('/')
                        .filter(|p| !p.is_empty())
                        .map(str::to_string)
                        .collect(),
                    folders_only,
                }
            })
            .collect();
        Ignore { patterns }
    }

    /// Whether the file or folder at `path` (relative to `content/`, with `/`) is ignored.
    pub fn matches(&self, path: &str, is_folder: bool) -> bool {
        let names: Vec<&str> = path.split('/').filter(|p| !p.is_empty()).collect();
        self.patterns.iter().any(|pattern| {
            if pattern.folders_only && !is_folder {
                return false;
            }
            if pattern.anywhere {
                names
                    .last()
                    .is_some_and(|name| matches_name(&pattern.parts[0], name))
            } else {
                matches_parts(&pattern.parts, &names)
            }
        })
    }
}

fn matches_parts(pattern: &[String], names: &[&str]) -> bool {
    match pattern.split_first() {
        None => names.is_empty(),
        Some((first, rest)) if first == "**" => {
            (0..=names.len()).any(|skip| matches_parts(rest, &names[skip..]))
        }
        Some((first, rest)) => names
            .split_first()
            .is_some_and(|(name, names)| matches_name(first, name) && matches_parts(rest, names)),
    }
}

/// `*` and `?` within one name; every other character stands for itself.
fn matches_name(pattern: &str, name: &str) -> bool {
    let pattern: Vec<char> = pattern.chars().collect();
    let name: Vec<char> = name.chars().collect();
    // The classic two-pointer match with one backtrack point: linear for patterns of stars.
    let (mut p, mut n) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while n < name.len() {
        if p < pattern.len() && (pattern[p] == '?' || pattern[p] == name[n]) {
            p += 1;
            n += 1;
        } else if p < pattern.len() && pattern[p] == '*' {
            star = Some((p, n));
            p += 1;
        } else if let Some((star_p, star_n)) = star {
            p = star_p + 1;
            n = star_n + 1;
            star = Some((star_p, star_n + 1));
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|&c| c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_match_as_gitignore_lines_do() {
        let cases: &[(&str, &str, bool, bool)] = &[
            // pattern, path, is_folder, ignored
            ("README.md", "README.md", false, true),
            ("README.md", "docs/guides/README.md", false, true),
            ("README.md", "README.md.bak", false, false),
            ("*.txt", "notes/todo.txt", false, true),
            ("*.txt", "notes/todo.md", false, false),
            ("_includes", "_includes", true, true),
            ("_includes/", "_includes", true, true),
            ("_includes/", "_includes", false, false),
            ("_includes/**", "_includes/a/b.md", false, true),
            ("docs/_partials/**", "docs/_partials/x.md", false, true),
            (
                "docs/_partials/**",
                "other/docs/_partials/x.md",
                false,
                false,
            ),
            ("docs/*.md", "docs/a.md", false, true),
            ("docs/*.md", "docs/sub/a.md", false, false),
            ("docs/**/draft-*.md", "docs/a/b/draft-1.md", false, true),
            ("docs/**/draft-*.md", "docs/draft-1.md", false, true),
            ("/toc.md", "toc.md", false, true),
            ("./toc.md", "toc.md", false, true),
            ("目录.md", "文档/目录.md", false, true),
            ("v?.md", "v1.md", false, true),
            ("v?.md", "v10.md", false, false),
            ("a*b*c", "axxbyyc", false, true),
            ("a*b*c", "axxbyy", false, false),
        ];
        for &(pattern, path, is_folder, ignored) in cases {
            assert_eq!(
                Ignore::new([pattern]).matches(path, is_folder),
                ignored,
                "{pattern} on {path}"
            );
        }
    }

    #[test]
    fn no_patterns_ignore_nothing() {
        assert!(!Ignore::default().matches("README.md", false));
        assert!(!Ignore::new(["", "  "]).matches("README.md", false));
    }
}

//! The theme: templates, interface strings and static files, from `themes/<name>/` in the site or,
//! for `default`, from the copy built into casebook. A site's own `templates/` and `static/`
//! override the theme's files of the same name.

use crate::config::Config;
use crate::diagnostics::Diagnostic;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/embedded_theme.rs"));
}

/// A file of the theme or the site, with the name diagnostics use for it.
#[derive(Debug, Clone)]
pub struct ThemeFile {
    /// Relative to the site root (`themes/default/templates/page.html`), or `<built-in default
    /// theme>/…` for the embedded copy.
    pub display: String,
    pub bytes: Vec<u8>,
}

#[derive(Debug, Clone, Default)]
pub struct Theme {
    /// Template name (`page.html`) -> file.
    pub templates: BTreeMap<String, ThemeFile>,
    /// Output path (`style.css`) -> file.
    pub static_files: BTreeMap<String, ThemeFile>,
    /// Language -> key -> interface string: the theme's `strings.yaml`, with the site's own
    /// `strings.yaml` (beside `site.yaml`) over it key by key.
    pub strings: Strings,
}

/// A theme is a name, never a path: the name of a folder directly under `themes/`. Why `name` is
/// not one, if it is not.
pub fn check_name(name: &str) -> Result<(), String> {
    let shown = name.escape_debug();
    if name.trim().is_empty() {
        Err("the theme's name is empty".into())
    } else if name.contains(['/', '\\']) || Path::new(name).is_absolute() {
        Err(format!("\"{shown}\" is a path, not the name of a theme"))
    } else if name.starts_with('.') || name.contains(':') || name.contains(char::is_control) {
        Err(format!(
            "\"{shown}\" is not a folder name a theme can have (it starts with a dot, or holds a colon or a control character)"
        ))
    } else {
        Ok(())
    }
}

/// The interface strings of a theme, and of a site beside its `site.yaml`.
pub const STRINGS_FILE: &str = "strings.yaml";

/// Language -> key -> string, from a `strings.yaml`.
fn parse_strings(file: &ThemeFile) -> Result<Strings, Vec<Diagnostic>> {
    let text = String::from_utf8_lossy(&file.bytes);
    if text.trim().is_empty() {
        return Ok(Strings::new());
    }
    let limit = crate::content::front_matter::MAX_NESTING;
    if let Some((line, column)) = crate::content::front_matter::too_deep(&text, limit) {
        return Err(vec![
            Diagnostic::error(
                &file.display,
                format!("brackets nest more than {limit} levels deep"),
            )
            .at(&text, line, column),
        ]);
    }
    serde_yaml::from_str(&text).map_err(|e| {
        let d = Diagnostic::error(
            &file.display,
            format!("invalid strings: {}", crate::config::clean_yaml_message(&e)),
        )
        .with_hint("write each language as a mapping of keys to texts: `en: { search: Search }`");
        vec![match e.location() {
            Some(l) => d.at(&text, l.line(), l.column()),
            None => d,
        }]
    })
}

/// Language -> key -> interface string.
pub type Strings = BTreeMap<String, BTreeMap<String, String>>;

pub fn load(root: &Path, name: &str) -> Result<Theme, Vec<Diagnostic>> {
    if let Err(why) = check_name(name) {
        return Err(vec![Diagnostic::error(crate::config::CONFIG_FILE, why)]);
    }
    let theme_dir = root.join("themes").join(name);
    let mut files: BTreeMap<String, ThemeFile> = BTreeMap::new();
    if theme_dir.is_dir() {
        read_tree(root, &theme_dir, &mut files)?;
    } else if name == "default" {
        for (path, bytes) in embedded::FILES {
            files.insert(
                path.to_string(),
                ThemeFile {
                    display: format!("<built-in default theme>/{path}"),
                    bytes: bytes.to_vec(),
                },
            );
        }
    } else {
        return Err(vec![
            Diagnostic::error(
                crate::config::CONFIG_FILE,
                format!("the theme \"{name}\" is not in themes/{name}/"),
            )
            .with_hint("use `theme: default`, or put the theme's folder under themes/"),
        ]);
    }

    let mut theme = Theme::default();
    for (path, file) in files {
        if let Some(name) = path.strip_prefix("templates/") {
            theme.templates.insert(name.to_string(), file);
        } else if let Some(name) = path.strip_prefix("static/") {
            theme.static_files.insert(name.to_string(), file);
        } else if path == STRINGS_FILE {
            theme.strings = parse_strings(&file)?;
        }
    }
    // The site's own strings override the theme's, key by key and language by language.
    let own = root.join(STRINGS_FILE);
    if own.is_file() {
        let display = STRINGS_FILE.to_string();
        let bytes = std::fs::read(&own)
            .map_err(|e| vec![Diagnostic::error(&display, format!("cannot read: {e}"))])?;
        for (lang, strings) in parse_strings(&ThemeFile { display, bytes })? {
            theme.strings.entry(lang).or_default().extend(strings);
        }
    }
    // The site's own folders override the theme.
    for (folder, target) in [
        ("templates", &mut theme.templates),
        ("static", &mut theme.static_files),
    ] {
        let dir = root.join(folder);
        if dir.is_dir() {
            let mut own = BTreeMap::new();
            read_tree(root, &dir, &mut own)?;
            target.extend(own);
        }
    }
    Ok(theme)
}

/// Gives every language of the site every interface string: a key a language lacks takes the
/// default language's text (else English's, else any language's). One warning lists what each
/// language lacked, at the site's `strings.yaml`, where they belong.
pub fn complete_strings(theme: &mut Theme, config: &Config) -> Option<Diagnostic> {
    let keys: BTreeSet<String> = theme
        .strings
        .values()
        .flat_map(|s| s.keys().cloned())
        .collect();
    let mut order: Vec<String> = vec![config.default_language.clone(), "en".into()];
    order.extend(theme.strings.keys().cloned());
    let fallback = (order.iter())
        .find(|l| theme.strings.contains_key(*l))
        .cloned()
        .unwrap_or_default();
    let mut lacking = Vec::new();
    let mut filled: Vec<(String, BTreeMap<String, String>)> = Vec::new();
    for language in &config.languages {
        let own = theme.strings.get(&language.code);
        let mut strings = own.cloned().unwrap_or_default();
        let mut missing = Vec::new();
        for key in &keys {
            if strings.contains_key(key) {
                continue;
            }
            let text = (order.iter())
                .filter_map(|l| theme.strings.get(l)?.get(key))
                .next();
            strings.insert(key.clone(), text.cloned().unwrap_or_default());
            missing.push(key.as_str());
        }
        if missing.is_empty() {
            continue;
        }
        lacking.push(if own.is_none() {
            format!("{} has none (all {} keys)", language.code, keys.len())
        } else {
            format!("{} lacks {}", language.code, missing.join(", "))
        });
        filled.push((language.code.clone(), strings));
    }
    theme.strings.extend(filled);
    if lacking.is_empty() {
        return None;
    }
    Some(
        Diagnostic::warning(
            STRINGS_FILE,
            format!(
                "interface strings: {}; they are shown in {fallback}",
                lacking.join("; ")
            ),
        )
        .with_hint(format!(
            "write them in {STRINGS_FILE} beside site.yaml, in the shape of the theme's: the language's code, and the keys under it"
        )),
    )
}

/// Reads every file under `dir` (links inside it are not followed). `dir` itself may be a link,
/// as long as it stays inside the site's folder: nothing outside the site is read.
fn read_tree(
    root: &Path,
    dir: &Path,
    files: &mut BTreeMap<String, ThemeFile>,
) -> Result<(), Vec<Diagnostic>> {
    if !crate::content::inside_root(root, dir) {
        return Err(vec![
            Diagnostic::error(
                crate::content::relative(root, dir),
                "this folder is a link that leads outside the site's folder: it is not read",
            )
            .with_hint(
                "casebook reads only files inside the folder of site.yaml; copy the folder into the site",
            ),
        ]);
    }
    for entry in walkdir::WalkDir::new(dir)
        .follow_links(false)
        .sort_by_file_name()
    {
        let entry = entry.map_err(|e| {
            vec![Diagnostic::error(
                crate::content::relative(root, dir),
                format!("cannot read: {e}"),
            )]
        })?;
        if !entry.file_type().is_file() || entry.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        let display = crate::content::relative(root, entry.path());
        let bytes = std::fs::read(entry.path())
            .map_err(|e| vec![Diagnostic::error(&display, format!("cannot read: {e}"))])?;
        files.insert(
            crate::content::relative(dir, entry.path()),
            ThemeFile { display, bytes },
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_default_theme_is_built_in() {
        let names: Vec<&str> = super::embedded::FILES.iter().map(|(p, _)| *p).collect();
        for needed in [
            "templates/page.html",
            "templates/base.html",
            "strings.yaml",
            "static/style.css",
        ] {
            assert!(names.contains(&needed), "{needed} missing from {names:?}");
        }
    }
}

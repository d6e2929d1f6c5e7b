//! Redirect pages at a page's old addresses (`aliases:`), so that links to a moved page keep
//! working: a meta refresh to the new address, a canonical link for search engines, and a plain
//! link for readers without either. They are not in the sitemap.

use super::{OutputFile, root_of};
use crate::diagnostics::Diagnostic;
use crate::markdown::escape_attribute;
use crate::site::{Page, Site};
use std::collections::{HashMap, HashSet};

/// The redirect pages of every alias of the site's pages. An alias where the site has a file
/// already, or that two pages claim, is an error at the page's `aliases`.
pub fn alias_pages(
    site: &Site,
    taken: &HashSet<&str, crate::hash::Paths>,
) -> (Vec<OutputFile>, Vec<Diagnostic>) {
    let mut files = Vec::new();
    let mut diagnostics = Vec::new();
    let mut claimed: HashMap<String, &str> = HashMap::new();
    for page in &site.pages {
        for alias in &page.checked.aliases {
            let output = if alias.ends_with(".html") {
                alias.clone()
            } else {
                format!("{alias}index.html")
            };
            if taken.contains(output.as_str()) || *alias == page.path {
                diagnostics.push(alias_taken(page, alias));
                continue;
            }
            if let Some(other) = claimed.get(&output) {
                let why = format!("{other} has the same alias");
                diagnostics.push(alias_error(page, alias, &why));
                continue;
            }
            claimed.insert(output.clone(), &page.source.file);
            let folder = output.rsplit_once('/').map_or("", |(folder, _)| folder);
            let target = format!("{}{}", root_of(folder), page.path);
            let permalink = format!("{}{}", site.config.base_url, page.path);
            files.push(OutputFile {
                path: output,
                bytes: redirect(&target, &permalink, &page.title, page.lang()).into(),
            });
        }
    }
    (files, diagnostics)
}

/// An alias at an address the site has a page or file at, as an error at the page's `aliases`.
pub fn alias_taken(page: &Page, alias: &str) -> Diagnostic {
    alias_error(page, alias, "the site already has a page there")
}

fn alias_error(page: &Page, alias: &str, why: &str) -> Diagnostic {
    let d = Diagnostic::error(
        &page.source.file,
        format!("the alias /{alias} cannot be written: {why}"),
    )
    .with_hint("remove the alias, or give it an address no page has");
    match page.source.positions.of("aliases") {
        Some((line, column)) => d.at(&page.source.text, line, column),
        None => d,
    }
}

fn redirect(target: &str, permalink: &str, title: &str, lang: &str) -> Vec<u8> {
    let (target, permalink) = (escape_attribute(target), escape_attribute(permalink));
    let title = escape_attribute(title);
    format!(
        "<!DOCTYPE html>\n<html lang=\"{lang}\">\n<head>\n<meta charset=\"utf-8\">\n<title>{title}</title>\n\
         <link rel=\"canonical\" href=\"{permalink}\">\n<meta name=\"robots\" content=\"noindex\">\n\
         <meta http-equiv=\"refresh\" content=\"0; url={target}\">\n</head>\n\
         <body>\n<p><a href=\"{target}\">{title}</a></p>\n</body>\n</html>\n",
        lang = escape_attribute(lang)
    )
    .into_bytes()
}

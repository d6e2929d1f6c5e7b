//! `casebook init` and `casebook new`: files that get an editor started.

use crate::config::{Collection, Config, Field, FieldType};
use crate::schema::Date;
use std::path::{Path, PathBuf};

const INIT_SITE: &str = r#"# The casebook's settings. Fields, taxonomies and languages are yours to change.
title:
  zh: 典型案例集
  en: Casebook of Best Practices
description:
  zh: 一个用 casebook 生成的双语案例集。
  en: A bilingual casebook made with casebook.
base_url: https://example.org/
default_language: zh
languages:
  - code: zh
    name: 中文
  - code: en
    name: English
theme: default

collections:
  practices:
    folder: practices
    title:
      zh: 典型案例
      en: Practices
    sort_by: date
    paginate: 20
    fields:
      title: { type: string, required: true }
      aspect: { type: term, taxonomy: aspect, required: true, label: { zh: 所属方面, en: Aspect } }
      region: { type: term, taxonomy: region, label: { zh: 地区, en: Region } }
      organisation: { type: string, label: { zh: 实施单位, en: Organisation } }
      date: { type: date, required: true, label: { zh: 日期, en: Date } }
      tags: { type: list, of: term, taxonomy: tags, label: { zh: 标签, en: Tags } }
      standards: { type: list, of: string, label: { zh: 引用标准, en: Standards cited } }
      source: { type: url, label: { zh: 来源, en: Source } }
      summary: { type: text, required: true }

taxonomies:
  aspect:
    title:
      zh: 方面
      en: Aspects
    closed: true
    terms:
      - key: example-aspect
        name:
          zh: 示例方面
          en: Example aspect
  region:
    title:
      zh: 地区
      en: Regions
  tags:
    title:
      zh: 标签
      en: Tags
  year:
    title:
      zh: 年份
      en: Years
    from: date
"#;

const INIT_PRACTICE_ZH: &str = r#"---
title: 示例案例
aspect: example-aspect
region: 示例地区
date: 2024-01-01
tags: [示例]
summary: 这是一个示例案例，替换为真实内容。
---
## 背景

在这里写案例的背景。英文版本见 [English](example.en.md)。

## 做法

- 第一项做法
- 第二项做法
"#;

const INIT_PRACTICE_EN: &str = r#"---
title: An example practice
aspect: example-aspect
region: Example region
date: 2024-01-01
tags: [example]
summary: An example practice; replace it with a real one.
---
## Background

Write the background of the practice here. The Chinese version is [中文](example.zh.md).

## What was done

- A first measure
- A second measure
"#;

const GITHUB_WORKFLOW: &str = include_str!("github-workflow.yml");
const GITLAB_CI: &str = include_str!("gitlab-ci.yml");

/// The repository whose releases the written workflows download: the `repository` of this
/// casebook's Cargo.toml, empty when whoever built it set none.
pub fn repository() -> &'static str {
    env!("CARGO_PKG_REPOSITORY")
        .trim_end_matches('/')
        .trim_end_matches(".git")
}

/// What `init` says, once, when the workflows it writes have no release to download.
pub fn no_release_note() -> Option<&'static str> {
    repository().is_empty().then_some(
        "note: this casebook was built without a repository address (`repository` in its Cargo.toml), so the CI workflows written here build casebook from crates.io instead of downloading a release",
    )
}

fn with_repository(template: &str) -> String {
    let line = if repository().is_empty() {
        "  # The casebook that wrote this file names no repository to download releases from (its\n  \
         # Cargo.toml has no `repository`), so casebook is built from crates.io.\n  \
         CASEBOOK_REPOSITORY: \"\""
            .to_string()
    } else {
        format!(
            "  # Where the releases are: the repository of the casebook that wrote this file.\n  \
             CASEBOOK_REPOSITORY: {}",
            repository()
        )
    };
    template.replace("@repository@", &line)
}

/// Checks pull requests and publishes to GitHub Pages; the repository's own example casebook
/// carries the same file (a test keeps them equal).
pub fn github_workflow() -> String {
    with_repository(GITHUB_WORKFLOW)
}

/// The same for GitLab Pages.
pub fn gitlab_ci() -> String {
    with_repository(GITLAB_CI)
}

/// Why `casebook init` must not write into `dir`, if it must not: the folders a build refuses
/// to replace whatever they hold (a filesystem root, the home folder or a parent of it), and a
/// file.
pub fn refuse_dir(dir: &Path) -> Option<String> {
    let dir = crate::output::absolute(dir);
    if dir.parent().is_none() {
        return Some(format!("{} is a filesystem root", dir.display()));
    }
    if let Some(home) = std::env::var_os("HOME").filter(|h| !h.is_empty()) {
        let home = crate::output::absolute(Path::new(&home));
        if home == dir {
            return Some(format!("{} is the home folder", dir.display()));
        }
        if home.starts_with(&dir) {
            return Some(format!("{} holds the home folder", dir.display()));
        }
    }
    if dir.is_file() {
        return Some(format!("{} is a file", dir.display()));
    }
    None
}

/// Creates a new casebook in `dir`; refuses to overwrite an existing `site.yaml`, and the
/// folders [`refuse_dir`] names.
pub fn init(dir: &Path) -> Result<Vec<PathBuf>, String> {
    if let Some(reason) = refuse_dir(dir) {
        return Err(format!(
            "refusing to create a casebook here: {reason}; name a new folder, such as `casebook init my-casebook`"
        ));
    }
    if dir.join(crate::config::CONFIG_FILE).exists() {
        return Err(format!(
            "{} already holds a casebook (site.yaml exists)",
            dir.display()
        ));
    }
    let (github, gitlab) = (github_workflow(), gitlab_ci());
    let files: [(&str, &str); 6] = [
        ("site.yaml", INIT_SITE),
        ("content/practices/example.zh.md", INIT_PRACTICE_ZH),
        ("content/practices/example.en.md", INIT_PRACTICE_EN),
        // The output, and what builds keep beside it: staging folders and the lock file.
        (".gitignore", "/public\n/.public.*\n"),
        (".github/workflows/casebook.yml", &github),
        (".gitlab-ci.yml", &gitlab),
    ];
    let mut written = Vec::new();
    for (path, text) in files {
        let target = dir.join(path);
        if target.exists() {
            continue;
        }
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
        }
        std::fs::write(&target, text)
            .map_err(|e| format!("cannot write {}: {e}", target.display()))?;
        written.push(target);
    }
    Ok(written)
}

/// Writes a skeleton page of `collection` with every required field, today's date and
/// `draft: true`.
pub fn new_page(
    root: &Path,
    config: &Config,
    collection: &str,
    slug: &str,
    lang: Option<&str>,
    today: Date,
) -> Result<PathBuf, String> {
    let Some(c) = config.collection(collection) else {
        let keys: Vec<&str> = config.collections.iter().map(|c| c.key.as_str()).collect();
        return Err(format!(
            "\"{collection}\" is not a collection; the collections are {}",
            keys.join(", ")
        ));
    };
    let lang = lang.unwrap_or(&config.default_language);
    if config.language(lang).is_none() {
        return Err(format!("\"{lang}\" is not a language of this casebook"));
    }
    let clean = crate::slug::slugify(slug);
    if clean.is_empty() {
        return Err(format!(
            "\"{slug}\" has no letters or digits to make a file name from"
        ));
    }
    let target = root
        .join(crate::content::CONTENT_DIR)
        .join(&c.folder)
        .join(format!("{clean}.{lang}.md"));
    if target.exists() {
        return Err(format!("{} already exists", target.display()));
    }
    let title = serde_json::Value::String(slug.to_string()).to_string();
    let mut text = front_matter(config, c, &[("title", title)], today);
    text.push_str("\n<!-- Write the practice in Markdown: ## headings, lists, tables, links to other pages by the path of their file. Remove draft: true to publish. -->\n");
    if let Some(parent) = target.parent() {
        std::fs::create_dir_all(parent)
            .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
    }
    std::fs::write(&target, text).map_err(|e| format!("cannot write {}: {e}", target.display()))?;
    Ok(target)
}

/// The front matter of a draft of `collection`, between its `---` lines: the `given` fields
/// (name and YAML value) and every other required field (and the date) with a placeholder that
/// validates and a `# TODO` comment, in the collection's order, then `draft: true`. A page
/// written with it builds with `--drafts` at once.
pub fn front_matter(
    config: &Config,
    collection: &Collection,
    given: &[(&str, String)],
    today: Date,
) -> String {
    let mut text = String::from("---\n");
    for field in &collection.fields {
        if let Some((_, value)) = given.iter().find(|(name, _)| *name == field.name) {
            text.push_str(&format!("{}: {value}\n", field.name));
        } else if field.required || field.name == "date" {
            let (value, todo) = placeholder(config, field, today);
            text.push_str(&format!("{}: {value}  # TODO: {todo}\n", field.name));
        }
    }
    text.push_str("draft: true\n---\n");
    text
}

/// A note at each `# TODO` of a front matter that [`front_matter`] wrote and nobody filled in
/// yet, for `casebook check`.
pub fn todos(file: &str, front_matter: &str) -> Vec<crate::diagnostics::Diagnostic> {
    let mut notes = Vec::new();
    for (i, line) in front_matter.lines().enumerate() {
        let Some(at) = line.find("# TODO") else {
            continue;
        };
        let field = line.split(':').next().unwrap_or("").trim();
        let what = line[at + "# TODO".len()..].trim_start_matches(':').trim();
        notes.push(
            crate::diagnostics::Diagnostic::info(file, format!("`{field}` is still to fill in"))
                .at(front_matter, i + 1, 1)
                .with_hint(format!("write {what}, then remove the # TODO comment")),
        );
    }
    notes
}

/// A value of `field` that validates, and what the editor must put in its place.
fn placeholder(config: &Config, field: &Field, today: Date) -> (String, String) {
    let what = field.kind.describe();
    let value = match &field.kind {
        FieldType::Date => today.to_string(),
        FieldType::List(_) => "[]".into(),
        FieldType::Integer | FieldType::Number => "0".into(),
        FieldType::Boolean => "false".into(),
        FieldType::Url => "\"https://example.org/\"".into(),
        FieldType::Standard => "\"GB/T 0000-2024\"".into(),
        FieldType::Metric => "{ name: \"\", value: 0 }".into(),
        FieldType::Term(taxonomy) => match config.taxonomy(taxonomy) {
            Some(t) if t.closed && !t.terms.is_empty() => {
                let keys: Vec<&str> = t.terms.iter().map(|t| t.key.as_str()).collect();
                return (keys[0].to_string(), format!("one of {}", keys.join(", ")));
            }
            _ => "\"TODO\"".into(),
        },
        FieldType::String | FieldType::Text | FieldType::Any => "\"TODO\"".into(),
    };
    (value, what)
}

/// Today's date (UTC) from the system clock.
pub fn today() -> Date {
    let seconds = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    civil_from_days((seconds / 86_400) as i64)
}

/// Days since 1970-01-01 to a calendar date (Howard Hinnant's algorithm).
fn civil_from_days(days: i64) -> Date {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = (yoe + era * 400 + i64::from(month <= 2)) as i32;
    Date { year, month, day }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates() {
        assert_eq!(civil_from_days(0).to_string(), "1970-01-01");
        assert_eq!(civil_from_days(19_376).to_string(), "2023-01-19");
        assert_eq!(civil_from_days(11_016).to_string(), "2000-02-29");
    }

    #[test]
    fn init_refuses_the_filesystem_root_and_the_home_folder() {
        assert!(
            refuse_dir(Path::new("/"))
                .unwrap()
                .contains("filesystem root")
        );
        assert!(
            refuse_dir(Path::new("/tmp/.."))
                .unwrap()
                .contains("filesystem root")
        );
        assert_eq!(refuse_dir(Path::new("/tmp/a-new-casebook")), None);
    }

    #[test]
    fn init_config_parses() {
        let config = crate::config::parse(INIT_SITE).unwrap();
        assert_eq!(config.collections[0].key, "practices");
    }
}

//! Tera: the theme's templates compiled, and template errors as diagnostics in the template files.

use super::local_date;
use crate::diagnostics::Diagnostic;
use crate::schema::Date;
use crate::theme::Theme;
use tera::{Kwargs, State, Tera};

/// Compiles the theme's templates, reporting every template with a syntax error.
pub fn compile(theme: &Theme) -> Result<Tera, Vec<Diagnostic>> {
    let mut diagnostics = Vec::new();
    let mut pending: Vec<(&String, String)> = theme
        .templates
        .iter()
        .map(|(name, file)| (name, String::from_utf8_lossy(&file.bytes).into_owned()))
        .collect();
    // Tera reports one error at a time: drop the faulty template and try again, so that one run
    // names every broken template.
    loop {
        let mut tera = new_tera();
        match tera.add_raw_templates(pending.iter().map(|(n, s)| (n.as_str(), s.as_str()))) {
            Ok(()) if diagnostics.is_empty() => return Ok(tera),
            Ok(()) => return Err(diagnostics),
            Err(error) => {
                let found = template_diagnostics(&error, theme);
                let mut culprits: Vec<String> = report_filename(&error).into_iter().collect();
                if let tera::ErrorKind::Msg(text) = error.kind() {
                    culprits.extend(parse_reports(text).into_iter().map(|r| r.0));
                }
                let before = pending.len();
                pending.retain(|(name, _)| !culprits.contains(name));
                diagnostics.extend(found);
                if pending.len() == before {
                    return Err(diagnostics);
                }
            }
        }
    }
}

fn new_tera() -> Tera {
    let mut tera = Tera::new();
    tera.autoescape_on([".html", ".htm", ".xml"]);
    tera.register_filter(
        "localdate",
        |date: &str, kwargs: Kwargs, _: &State| -> tera::TeraResult<String> {
            let lang = kwargs.get::<&str>("lang")?.unwrap_or("en");
            Ok(match Date::parse(date) {
                Some(d) => local_date(d, lang),
                None => date.to_string(),
            })
        },
    );
    tera
}

fn report_filename(error: &tera::Error) -> Option<String> {
    match error.kind() {
        tera::ErrorKind::SyntaxError(r) | tera::ErrorKind::RenderingError(r) => {
            Some(r.filename().to_string())
        }
        tera::ErrorKind::MissingParent { current, .. } => Some(current.clone()),
        tera::ErrorKind::CircularExtend { tpl, .. } => Some(tpl.clone()),
        _ => None,
    }
}

/// A Tera error as diagnostics in the template files, at the lines and columns Tera reports.
pub fn template_diagnostics(error: &tera::Error, theme: &Theme) -> Vec<Diagnostic> {
    let place = |name: &str, message: String, line: usize, column: usize| {
        let file = theme.templates.get(name);
        let display = file.map_or_else(|| format!("templates/{name}"), |f| f.display.clone());
        let source = file
            .map(|f| String::from_utf8_lossy(&f.bytes).into_owned())
            .unwrap_or_default();
        Diagnostic::error(display, message)
            .at(&source, line, column)
            .with_hint("see docs/templates.md for the templates and the variables each receives")
    };
    let located = |r: &tera::ReportError| {
        place(
            r.filename(),
            r.message().to_string(),
            r.span().start_line,
            r.span().start_col + 1,
        )
    };
    let mut found = match error.kind() {
        tera::ErrorKind::SyntaxError(r) | tera::ErrorKind::RenderingError(r) => vec![located(r)],
        tera::ErrorKind::MissingParent { current, parent } => {
            vec![place(
                current,
                format!("extends \"{parent}\", which does not exist"),
                1,
                1,
            )]
        }
        // Checks across templates come as one message holding several reports.
        tera::ErrorKind::Msg(text) => parse_reports(text)
            .into_iter()
            .map(|(name, message, line, column)| place(&name, message, line, column))
            .collect(),
        other => vec![Diagnostic::error("templates", other.to_string())],
    };
    if found.is_empty() {
        found.push(Diagnostic::error("templates", error.to_string()));
    }
    // Rendering errors often wrap the cause (an unknown variable, a failing filter).
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        let last = found.last_mut().expect("at least one diagnostic");
        match cause.downcast_ref::<tera::Error>().map(tera::Error::kind) {
            Some(tera::ErrorKind::SyntaxError(r) | tera::ErrorKind::RenderingError(r)) => {
                *last = located(r)
            }
            _ => last.message = format!("{}: {cause}", last.message),
        }
        source = cause.source();
    }
    found
}

/// `error: MESSAGE` followed by ` --> NAME:LINE:COLUMN`, as Tera writes its reports.
fn parse_reports(text: &str) -> Vec<(String, String, usize, usize)> {
    let mut reports = Vec::new();
    let mut message: Option<&str> = None;
    for line in text.lines() {
        let trimmed = line.trim_start();
        if let Some(m) = trimmed.strip_prefix("error: ") {
            message = Some(m.trim_start_matches("error: "));
        } else if let Some(place) = trimmed.strip_prefix("--> ") {
            let mut parts = place.rsplitn(3, ':');
            let column = parts.next().and_then(|c| c.parse().ok());
            let line_number = parts.next().and_then(|l| l.parse().ok());
            if let (Some(name), Some(line_number), Some(column), Some(m)) =
                (parts.next(), line_number, column, message.take())
            {
                reports.push((name.to_string(), m.to_string(), line_number, column));
            }
        }
    }
    reports
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::theme::ThemeFile;
    use serde_json::json;
    use tera::Context;

    fn theme(templates: &[(&str, &str)]) -> Theme {
        let mut theme = Theme::default();
        for (name, text) in templates {
            theme.templates.insert(
                name.to_string(),
                ThemeFile {
                    display: format!("templates/{name}"),
                    bytes: text.as_bytes().to_vec(),
                },
            );
        }
        theme
    }

    #[test]
    fn every_broken_template_is_reported_with_its_line() {
        let t = theme(&[
            ("a.html", "ok\n{% if %}"),
            ("b.html", "line one\n\n{{ x | }}"),
            ("c.html", "{% include \"missing.html\" %}"),
            ("d.html", "fine {{ 1 }}"),
        ]);
        let errors = compile(&t).expect_err("errors");
        let places: Vec<(&str, usize)> = errors.iter().map(|d| (d.file.as_str(), d.line)).collect();
        assert!(places.contains(&("templates/a.html", 2)), "{errors:#?}");
        assert!(places.contains(&("templates/b.html", 3)), "{errors:#?}");
        assert!(places.contains(&("templates/c.html", 1)), "{errors:#?}");
        assert!(!places.iter().any(|(f, _)| *f == "templates/d.html"));
    }

    #[test]
    fn an_unknown_variable_is_reported_in_the_template() {
        let t = theme(&[("page.html", "<p>\n{{ page.missing_field }}</p>")]);
        let tera = compile(&t).unwrap();
        let mut context = Context::new();
        context.insert("page", &json!({"title": "x"}));
        let error = tera.render("page.html", &context).unwrap_err();
        let found = template_diagnostics(&error, &t);
        assert_eq!(found[0].file, "templates/page.html");
        assert_eq!(found[0].line, 2, "{found:?}");
    }
}

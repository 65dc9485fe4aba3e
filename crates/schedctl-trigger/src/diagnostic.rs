//! Error snippets drawn as cargo and rustc draw them (annotate-snippets): the message, the
//! offending line with the place underlined, and a help line.
//!
//! One renderer for trigger strings and job files (the core calls [`render_diagnostic`]), so
//! every error of the product looks the same, with or without colour.

use std::ops::Range;

use annotate_snippets::{AnnotationKind, Level, Renderer, Snippet};

/// Whether a rendering carries ANSI colour codes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Style {
    /// Plain text (files, pipes, `NO_COLOR`).
    #[default]
    Plain,
    /// ANSI colours, as cargo uses on a terminal.
    Color,
}

/// Draws one error at the byte range `span` of `source`.
///
/// `origin` names the file (shown as `--> origin:line:column`); `None` for a trigger string
/// given on its own. A span past the end, or inside a character, is moved to the nearest
/// character boundary; tabs are expanded so the underline stays under its text.
#[doc(hidden)] // The renderer of this crate's and schedctl-core's errors, not an API of its own.
pub fn render_diagnostic(
    source: &str,
    origin: Option<&str>,
    span: Range<usize>,
    message: &str,
    help: &str,
    style: Style,
) -> String {
    let floor = |i: usize| {
        let mut i = i.min(source.len());
        while !source.is_char_boundary(i) {
            i -= 1;
        }
        i
    };
    let start = floor(span.start);
    let end = floor(span.end).max(start);
    let mut snippet = Snippet::source(source)
        .line_start(1)
        .annotation(AnnotationKind::Primary.span(start..end));
    if let Some(path) = origin {
        snippet = snippet.path(path);
    }
    let report = [Level::ERROR
        .primary_title(message)
        .element(snippet)
        .element(Level::HELP.message(help))];
    let renderer = match style {
        Style::Plain => Renderer::plain(),
        Style::Color => Renderer::styled(),
    };
    let mut text = renderer.render(&report);
    text.push('\n');
    text
}

//! One output convention for every command that prints data: `--format table|json|jsonl|csv`
//! (`--json` is an alias of `--format json`), the same key names in every format, and rows
//! written as they are produced so that memory does not grow with the output.
//!
//! - `json`: one document. A list of rows is an array written one row at a time.
//! - `jsonl`: one object per line.
//! - `csv`: a header of the JSON keys, then one line per row (the `csv` crate quotes).
//! - `table`: the box-drawn table comfy-table draws (preset UTF8_FULL_CONDENSED). comfy-table
//!   needs every row before it draws, so this writer draws the same table itself: column
//!   widths come from the first [`TABLE_WIDTH_ROWS`] rows, and later rows are written as they
//!   come (a longer cell widens its row only).

use std::io::Write;

use serde_json::Value;

/// The machine and human formats a list of rows can be written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum RowFormat {
    Table,
    Json,
    Jsonl,
    Csv,
}

/// How many rows a table holds back to size its columns before it streams.
pub(crate) const TABLE_WIDTH_ROWS: usize = 1000;

/// A column: its key in JSON, JSONL and CSV, and its heading in a table (`None`: the machine
/// formats only, for a value a table already shows in other words).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Column {
    pub(crate) key: &'static str,
    pub(crate) label: Option<&'static str>,
}

/// A column whose table heading is its key.
pub(crate) const fn col(key: &'static str) -> Column {
    Column {
        key,
        label: Some(key),
    }
}

/// A column with its own table heading.
pub(crate) const fn labeled(key: &'static str, label: &'static str) -> Column {
    Column {
        key,
        label: Some(label),
    }
}

/// A column of the machine formats only.
pub(crate) const fn machine(key: &'static str) -> Column {
    Column { key, label: None }
}

/// Writes rows in one [`RowFormat`] as they come.
pub(crate) struct RowWriter<'w, W: Write> {
    format: RowFormat,
    out: &'w mut W,
    columns: Vec<Column>,
    rows: usize,
    /// Table rows held back to size the columns (`None` once streaming).
    held: Option<Vec<Vec<String>>>,
    widths: Vec<usize>,
    /// The indentation of the enclosing JSON document (empty for a top-level array).
    indent: &'static str,
}

impl<'w, W: Write> RowWriter<'w, W> {
    /// Starts the output: the CSV header, or a JSON array's `[`.
    pub(crate) fn new(
        format: RowFormat,
        out: &'w mut W,
        columns: &[Column],
    ) -> std::io::Result<Self> {
        Self::nested(format, out, columns, "")
    }

    /// A JSON array written as the value of a key of an enclosing object (the caller wrote
    /// `"key": `), its rows indented one level more.
    pub(crate) fn nested(
        format: RowFormat,
        out: &'w mut W,
        columns: &[Column],
        indent: &'static str,
    ) -> std::io::Result<Self> {
        if format == RowFormat::Csv {
            let mut w = csv_writer(&mut *out);
            w.write_record(columns.iter().map(|c| c.key))?;
            w.flush()?;
        }
        Ok(RowWriter {
            format,
            out,
            columns: columns.to_vec(),
            rows: 0,
            held: (format == RowFormat::Table).then(Vec::new),
            widths: columns.iter().filter_map(|c| c.label).map(width).collect(),
            indent,
        })
    }

    /// Writes one row: one value per column, in column order (keys are the columns' own,
    /// written in that order; they need no escaping).
    pub(crate) fn row(&mut self, values: Vec<Value>) -> std::io::Result<()> {
        debug_assert_eq!(values.len(), self.columns.len());
        match self.format {
            RowFormat::Json => {
                let lead = if self.rows == 0 { "[\n" } else { ",\n" };
                let pad = format!("{}  ", self.indent);
                write!(self.out, "{lead}{pad}{{")?;
                for (i, (c, v)) in self.columns.iter().zip(&values).enumerate() {
                    let sep = if i == 0 { "" } else { "," };
                    let value = serde_json::to_string_pretty(v).map_err(std::io::Error::other)?;
                    let value = value.replace('\n', &format!("\n{pad}  "));
                    write!(self.out, "{sep}\n{pad}  \"{}\": {value}", c.key)?;
                }
                write!(self.out, "\n{pad}}}")?;
            }
            RowFormat::Jsonl => {
                self.out.write_all(b"{")?;
                for (i, (c, v)) in self.columns.iter().zip(&values).enumerate() {
                    // Spaced as `simulate`'s ledger (and Python's json.dumps) spaces it.
                    let sep = if i == 0 { "" } else { ", " };
                    let value = serde_json::to_string(v).map_err(std::io::Error::other)?;
                    write!(self.out, "{sep}\"{}\": {value}", c.key)?;
                }
                self.out.write_all(b"}\n")?;
            }
            RowFormat::Csv => {
                let mut w = csv_writer(&mut *self.out);
                w.write_record(values.iter().map(cell))?;
                w.flush()?;
            }
            RowFormat::Table => {
                let cells: Vec<String> = self
                    .columns
                    .iter()
                    .zip(&values)
                    .filter(|(c, _)| c.label.is_some())
                    .map(|(_, v)| cell(v))
                    .collect();
                match &mut self.held {
                    Some(held) => {
                        for (w, c) in self.widths.iter_mut().zip(&cells) {
                            *w = (*w).max(width(c));
                        }
                        held.push(cells);
                        if held.len() >= TABLE_WIDTH_ROWS {
                            self.release()?;
                        }
                    }
                    None => self.table_row(&cells)?,
                }
            }
        }
        self.rows += 1;
        Ok(())
    }

    /// How many rows were written.
    pub(crate) fn rows(&self) -> usize {
        self.rows
    }

    /// Ends the output: a JSON array's `]`, a table's bottom line. A table without rows
    /// writes nothing (the caller says "none" in words); a JSON array without rows is `[]`.
    pub(crate) fn finish(mut self) -> std::io::Result<()> {
        match self.format {
            RowFormat::Json if self.rows == 0 => self.out.write_all(b"[]")?,
            RowFormat::Json => write!(self.out, "\n{}]", self.indent)?,
            RowFormat::Table => {
                if self.held.as_ref().is_some_and(|h| !h.is_empty()) {
                    self.release()?;
                }
                if self.rows > 0 {
                    self.rule('└', '┴', '┘', '─')?;
                }
            }
            RowFormat::Jsonl | RowFormat::Csv => {}
        }
        if self.format == RowFormat::Json && self.indent.is_empty() {
            self.out.write_all(b"\n")?;
        }
        Ok(())
    }

    /// Draws the top, the heading and the held rows, then streams.
    fn release(&mut self) -> std::io::Result<()> {
        let held = self.held.take().unwrap_or_default();
        self.rule('┌', '┬', '┐', '─')?;
        let labels: Vec<String> = self
            .columns
            .iter()
            .filter_map(|c| c.label)
            .map(str::to_owned)
            .collect();
        self.table_row(&labels)?;
        self.rule('╞', '╪', '╡', '═')?;
        for cells in &held {
            self.table_row(cells)?;
        }
        Ok(())
    }

    fn rule(&mut self, left: char, mid: char, right: char, line: char) -> std::io::Result<()> {
        let parts: Vec<String> = self
            .widths
            .iter()
            .map(|w| line.to_string().repeat(w + 2))
            .collect();
        writeln!(self.out, "{left}{}{right}", parts.join(&mid.to_string()))
    }

    /// One row; a cell of several lines makes the row that many lines high.
    fn table_row(&mut self, cells: &[String]) -> std::io::Result<()> {
        let height = cells.iter().map(|c| c.lines().count().max(1)).max();
        for line in 0..height.unwrap_or(1) {
            let parts: Vec<String> = cells
                .iter()
                .zip(&self.widths)
                .map(|(c, w)| {
                    let text = c.lines().nth(line).unwrap_or("");
                    format!("{text}{}", " ".repeat(w.saturating_sub(width(text))))
                })
                .collect();
            writeln!(self.out, "│ {} │", parts.join(" ┆ "))?;
        }
        Ok(())
    }
}

fn csv_writer<W: Write>(out: W) -> csv::Writer<W> {
    csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(out)
}

/// A value as one table or CSV cell: strings as they are, `null` empty, lists one per line.
fn cell(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Array(items) => items.iter().map(cell).collect::<Vec<_>>().join("\n"),
        other => other.to_string(),
    }
}

/// Display width, counted in characters (the cells are ASCII, ids and messages aside).
fn width(s: &str) -> usize {
    s.lines().map(|l| l.chars().count()).max().unwrap_or(0)
}

/// `--format` with its `--json` alias: the format given, else `json` when `--json` was given,
/// else the command's default (which may depend on whether stdout is a terminal).
pub(crate) fn chosen<F: Copy>(format: Option<F>, json: bool, json_format: F, default: F) -> F {
    match (format, json) {
        (Some(f), _) => f,
        (None, true) => json_format,
        (None, false) => default,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const COLUMNS: &[Column] = &[col("n"), labeled("text", "the text")];

    fn write(format: RowFormat, rows: usize) -> String {
        let mut out = Vec::new();
        let mut w = RowWriter::new(format, &mut out, COLUMNS).unwrap();
        for i in 0..rows {
            w.row(vec![json!(i), json!(format!("a,\"{i}\""))]).unwrap();
        }
        w.finish().unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn json_is_one_document_as_serde_pretty_writes_it() {
        for rows in [0, 1, 3] {
            let text = write(RowFormat::Json, rows);
            let parsed: Value = serde_json::from_str(&text).unwrap();
            assert_eq!(parsed.as_array().unwrap().len(), rows);
            // Keys in column order, spaced as serde_json's pretty printer spaces them.
            let pretty = serde_json::to_string_pretty(&parsed).unwrap() + "\n";
            assert_eq!(text.len(), pretty.len());
            if rows > 0 {
                assert!(text.find("\"n\"").unwrap() < text.find("\"text\"").unwrap());
            }
        }
    }

    #[test]
    fn csv_quotes_and_uses_the_json_keys() {
        assert_eq!(
            write(RowFormat::Csv, 2),
            "n,text\n0,\"a,\"\"0\"\"\"\n1,\"a,\"\"1\"\"\"\n"
        );
    }

    #[test]
    fn table_matches_comfy_table_and_streams_past_the_sizing_rows() {
        let small = write(RowFormat::Table, 2);
        let mut t = comfy_table::Table::new();
        t.load_preset(comfy_table::presets::UTF8_FULL_CONDENSED);
        t.set_header(["n", "the text"]);
        t.add_row(["0", "a,\"0\""]);
        t.add_row(["1", "a,\"1\""]);
        assert_eq!(small, format!("{t}\n"));
        let big = write(RowFormat::Table, TABLE_WIDTH_ROWS + 5);
        assert_eq!(big.lines().count(), TABLE_WIDTH_ROWS + 5 + 4);
        assert!(big.lines().last().unwrap().starts_with('└'));
    }
}

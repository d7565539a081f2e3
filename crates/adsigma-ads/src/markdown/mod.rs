//! Markdown: the report renderer and importer, and the small block parser they share.
//!
//! The parser knows the Markdown that ADS reports use: ATX headings, paragraphs, bullet and
//! numbered lists (items may hold further lines, nested lists and code), fenced code and
//! thematic breaks. It works line by line, never recurses on its own, and is linear in the
//! text.

pub(crate) mod import;
pub(crate) mod render;

use std::ops::Range;

/// The text a report shows for a section that has no content; the importer reads it (like any
/// placeholder) as "missing".
pub(crate) const NOT_DOCUMENTED: &str = "Not documented.";

/// The report's top heading.
pub(crate) const REPORT_HEADING: &str =
    "Palantir Alerting & Detection Strategy (ADS) Framework Report";

/// One block of a section body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Block {
    /// A paragraph: its lines, joined by newlines.
    Paragraph { text: String, lines: Range<usize> },
    /// A list: the text of each item (continuation lines de-indented).
    List {
        items: Vec<String>,
        lines: Range<usize>,
    },
    /// A heading inside the body.
    Heading {
        level: usize,
        text: String,
        line: usize,
    },
    /// Fenced code, fences included.
    Code { text: String, lines: Range<usize> },
    /// A thematic break (`---`).
    Break { line: usize },
}

impl Block {
    /// The source lines of the block.
    pub(crate) fn lines(&self) -> Range<usize> {
        match self {
            Block::Paragraph { lines, .. }
            | Block::List { lines, .. }
            | Block::Code { lines, .. } => lines.clone(),
            Block::Heading { line, .. } | Block::Break { line } => *line..*line + 1,
        }
    }
}

/// Leading whitespace in columns (a tab is four).
pub(crate) fn indent_of(line: &str) -> usize {
    let mut n = 0;
    for c in line.chars() {
        match c {
            ' ' => n += 1,
            '\t' => n += 4,
            _ => break,
        }
    }
    n
}

/// Removes up to `n` columns of leading whitespace.
pub(crate) fn dedent(line: &str, n: usize) -> &str {
    let mut cols = 0;
    for (i, c) in line.char_indices() {
        if cols >= n {
            return &line[i..];
        }
        match c {
            ' ' => cols += 1,
            '\t' => cols += 4,
            _ => return &line[i..],
        }
    }
    ""
}

fn is_blank(line: &str) -> bool {
    line.trim().is_empty()
}

/// An ATX heading: `(level, text)`, when the line is one (at most three spaces of indent).
pub(crate) fn heading(line: &str) -> Option<(usize, &str)> {
    if indent_of(line) > 3 {
        return None;
    }
    let t = line.trim_start();
    let level = t.bytes().take_while(|&b| b == b'#').count();
    if level == 0 || level > 6 {
        return None;
    }
    let rest = &t[level..];
    if !(rest.is_empty() || rest.starts_with([' ', '\t'])) {
        return None;
    }
    let rest = rest.trim();
    // A closing sequence of `#` preceded by a space.
    let text = match rest.trim_end_matches('#') {
        r if r.len() < rest.len() && (r.is_empty() || r.ends_with([' ', '\t'])) => r.trim_end(),
        _ => rest,
    };
    Some((level, text))
}

/// A thematic break: three or more `-`, `*` or `_` (the same one), perhaps spaced.
pub(crate) fn is_break(line: &str) -> bool {
    if indent_of(line) > 3 {
        return false;
    }
    let t: Vec<char> = line.chars().filter(|c| !c.is_whitespace()).collect();
    t.len() >= 3 && matches!(t[0], '-' | '*' | '_') && t.iter().all(|&c| c == t[0])
}

/// An opening code fence: its character and length.
pub(crate) fn fence(line: &str) -> Option<(char, usize)> {
    if indent_of(line) > 3 {
        return None;
    }
    let t = line.trim_start();
    let c = t.chars().next()?;
    if c != '`' && c != '~' {
        return None;
    }
    let n = t.chars().take_while(|&x| x == c).count();
    (n >= 3).then_some((c, n))
}

fn closes_fence(line: &str, open: (char, usize)) -> bool {
    let t = line.trim();
    t.chars().count() >= open.1 && t.chars().all(|c| c == open.0)
}

/// A list marker: `(marker indent, content offset, ordered)`. The content offset is where
/// the item's text starts (the column continuation lines are indented to).
pub(crate) fn list_marker(line: &str) -> Option<(usize, usize, bool)> {
    let ind = indent_of(line);
    let t = line.trim_start();
    let (mlen, ordered) = if t.starts_with(['-', '*', '+']) {
        (1, false)
    } else {
        let digits = t.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 || digits > 9 || !matches!(t.as_bytes().get(digits), Some(b'.' | b')')) {
            return None;
        }
        (digits + 1, true)
    };
    let after = &t[mlen..];
    if after.is_empty() {
        return Some((ind, ind + mlen + 1, ordered));
    }
    if !after.starts_with([' ', '\t']) {
        return None;
    }
    let spaces = indent_of(after);
    let spaces = if spaces > 4 || after.trim().is_empty() {
        1
    } else {
        spaces
    };
    Some((ind, ind + mlen + spaces, ordered))
}

/// Splits lines into blocks. `lines` have no line endings.
pub(crate) fn parse_blocks(lines: &[&str]) -> Vec<Block> {
    let mut blocks = Vec::new();
    let n = lines.len();
    let mut i = 0;
    while i < n {
        let line = lines[i];
        if is_blank(line) {
            i += 1;
            continue;
        }
        if let Some(open) = fence(line) {
            let start = i;
            i += 1;
            while i < n && !closes_fence(lines[i], open) {
                i += 1;
            }
            i = (i + 1).min(n);
            blocks.push(Block::Code {
                text: join_trimmed(&lines[start..i]),
                lines: start..i,
            });
            continue;
        }
        if let Some((level, text)) = heading(line) {
            blocks.push(Block::Heading {
                level,
                text: text.to_owned(),
                line: i,
            });
            i += 1;
            continue;
        }
        if is_break(line) {
            blocks.push(Block::Break { line: i });
            i += 1;
            continue;
        }
        if list_marker(line).is_some_and(|(ind, ..)| ind <= 3) {
            let start = i;
            let mut items = Vec::new();
            while i < n {
                let Some((ind, offset, _)) = list_marker(lines[i]).filter(|m| m.0 <= 3) else {
                    break;
                };
                let (item, next) = list_item(lines, i, ind, offset);
                items.push(item);
                i = next;
                // Blank lines between items keep the list going.
                let mut j = i;
                while j < n && is_blank(lines[j]) {
                    j += 1;
                }
                if j < n && list_marker(lines[j]).is_some_and(|m| m.0 <= 3) {
                    i = j;
                } else {
                    break;
                }
            }
            let mut end = i;
            while end > start && is_blank(lines[end - 1]) {
                end -= 1;
            }
            blocks.push(Block::List {
                items,
                lines: start..end,
            });
            continue;
        }
        let start = i;
        i += 1;
        while i < n {
            let l = lines[i];
            if is_blank(l)
                || heading(l).is_some()
                || is_break(l)
                || fence(l).is_some()
                || list_marker(l).is_some_and(|m| m.0 <= 3)
            {
                break;
            }
            i += 1;
        }
        blocks.push(Block::Paragraph {
            text: join_trimmed(&lines[start..i]),
            lines: start..i,
        });
    }
    blocks
}

/// Reads the list item starting at line `i`; returns its text and the line after it.
fn list_item(lines: &[&str], i: usize, marker_indent: usize, offset: usize) -> (String, usize) {
    let n = lines.len();
    let t = lines[i].trim_start();
    let marker_len = if t.starts_with(['-', '*', '+']) {
        1
    } else {
        t.bytes().take_while(u8::is_ascii_digit).count() + 1
    };
    let first = t.get(marker_len..).unwrap_or("").trim();
    let mut out: Vec<&str> = vec![first];
    // A fence may open on the marker's line; a fence left open ends with the item (a line
    // indented less than the item's content), as in CommonMark.
    let mut in_fence: Option<(char, usize)> = fence(first);
    let mut j = i + 1;
    while j < n {
        let l = lines[j];
        if let Some(open) = in_fence {
            if !is_blank(l) && indent_of(l) < offset {
                break;
            }
            out.push(dedent(l, offset));
            if closes_fence(l, open) {
                in_fence = None;
            }
            j += 1;
            continue;
        }
        if is_blank(l) {
            let mut k = j;
            while k < n && is_blank(lines[k]) {
                k += 1;
            }
            if k < n && indent_of(lines[k]) >= offset {
                out.extend(std::iter::repeat_n("", k - j));
                j = k;
                continue;
            }
            break;
        }
        let ind = indent_of(l);
        if ind >= offset || (ind > marker_indent && list_marker(l).is_some()) {
            let d = dedent(l, offset.min(ind));
            if let Some(open) = fence(d) {
                in_fence = Some(open);
            }
            out.push(d);
            j += 1;
            continue;
        }
        if list_marker(l).is_some()
            || heading(l).is_some()
            || is_break(l)
            || fence(l).is_some()
            || out.last().is_some_and(|p| p.is_empty())
        {
            break;
        }
        // A lazy continuation line of the item's paragraph.
        out.push(l.trim_start());
        j += 1;
    }
    while out.last().is_some_and(|l| l.trim().is_empty()) {
        out.pop();
    }
    (join_trimmed(&out), j)
}

/// Joins lines with newlines, trimming the end of each and blank lines at both ends.
pub(crate) fn join_trimmed(lines: &[&str]) -> String {
    let mut v: Vec<&str> = lines.iter().map(|l| l.trim_end()).collect();
    while v.last().is_some_and(|l| l.is_empty()) {
        v.pop();
    }
    let start = v.iter().position(|l| !l.is_empty()).unwrap_or(v.len());
    v[start..].join("\n")
}

/// The text on one line: whitespace runs (tabs, carriage returns, vertical tabs, any
/// Unicode space) as one space, none at the ends. Headings, the title and technique names
/// are written so, and imported in this form.
pub(crate) fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The closing fence a text needs when its last block is fenced code left open.
fn open_fence(lines: &[&str], blocks: &[Block]) -> Option<String> {
    let Some(Block::Code { lines: r, .. }) = blocks.last() else {
        return None;
    };
    let open = fence(lines[r.start])?;
    let closed = r.len() > 1 && closes_fence(lines[r.end - 1], open);
    (!closed).then(|| std::iter::repeat_n(open.0, open.1).collect())
}

/// The normal form of imported Markdown prose (a goal, a summary, an extra section): text
/// that reads back as itself when it is a section's body. Its blocks are separated by one
/// blank line, or none where they were adjacent; thematic breaks are left out (the importer
/// drops them from prose); a heading line among its blocks has no indent; fenced code left
/// open at its end is closed. Each of these can change how the rest parses (a break
/// between a list and indented code ends the list), so they are applied until nothing
/// changes (a few rounds at most, in practice one). [`escape_prose`] writes such text into a
/// report so that it reads back the same.
pub(crate) fn normal_prose(text: &str) -> String {
    let mut t = text.to_owned();
    for _ in 0..8 {
        let next = prose_step(&t);
        if next == t {
            break;
        }
        t = next;
    }
    t
}

fn prose_step(text: &str) -> String {
    let lines = lines_of(text);
    let blocks = parse_blocks(&lines);
    let mut out = String::new();
    let mut prev_end = None;
    for b in &blocks {
        let r = b.lines();
        let piece = match b {
            Block::Break { .. } => continue,
            Block::Heading { line, .. } => lines[*line].trim().to_owned(),
            _ => join_trimmed(&lines[r.clone()]),
        };
        if piece.is_empty() {
            continue;
        }
        if let Some(end) = prev_end {
            out.push_str(if end == r.start { "\n" } else { "\n\n" });
        }
        out.push_str(&piece);
        prev_end = Some(r.end);
    }
    if let Some(c) = open_fence(&lines, &blocks) {
        out.push('\n');
        out.push_str(&c);
    }
    out
}

/// Prose for a report section body: a heading line among its blocks is written one space in,
/// so that the importer (which takes only unindented headings for sections) keeps it in the
/// text, and fenced code left open is closed, so that it does not swallow the next section.
pub(crate) fn escape_prose(text: &str) -> String {
    let lines = lines_of(text);
    let blocks = parse_blocks(&lines);
    let mut out: Vec<String> = lines.iter().map(|l| (*l).to_owned()).collect();
    for b in &blocks {
        if let Block::Heading { line, .. } = b {
            out[*line] = format!(" {}", lines[*line].trim_start());
        }
    }
    if let Some(c) = open_fence(&lines, &blocks) {
        out.push(c);
    }
    out.join("\n")
}

/// True when a section body written into a report stays in its section: no unindented
/// heading at the top level (the importer would take it for a section) and no fenced code
/// left open (it would swallow the sections after it).
pub(crate) fn stays_in_section(text: &str) -> bool {
    let lines = lines_of(text);
    let blocks = parse_blocks(&lines);
    open_fence(&lines, &blocks).is_none()
        && !blocks
            .iter()
            .any(|b| matches!(b, Block::Heading { line, .. } if indent_of(lines[*line]) == 0))
}

/// Lines of a text, for [`parse_blocks`].
pub(crate) fn lines_of(text: &str) -> Vec<&str> {
    text.split('\n')
        .map(|l| l.strip_suffix('\r').unwrap_or(l))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks() {
        let text = "Intro line\nsecond line\n\nLead-in:\n- a\n- b\n  more b\n\n  - nested\n1. one\n   ```sh\n   x\n\n   y\n   ```\n2. two\n\n---\n### Sub\n```\ncode\n```";
        let lines = lines_of(text);
        let b = parse_blocks(&lines);
        assert_eq!(
            b[0],
            Block::Paragraph {
                text: "Intro line\nsecond line".into(),
                lines: 0..2
            }
        );
        assert_eq!(
            b[1],
            Block::Paragraph {
                text: "Lead-in:".into(),
                lines: 3..4
            }
        );
        let Block::List { items, .. } = &b[2] else {
            panic!("{b:?}")
        };
        assert_eq!(
            items,
            &[
                "a",
                "b\nmore b\n\n- nested",
                "one\n```sh\nx\n\ny\n```",
                "two"
            ]
        );
        assert!(matches!(b[3], Block::Break { .. }));
        assert!(matches!(&b[4], Block::Heading { level: 3, text, .. } if text == "Sub"));
        assert!(matches!(&b[5], Block::Code { text, .. } if text == "```\ncode\n```"));
    }

    #[test]
    fn headings_and_markers() {
        assert_eq!(heading("## 1. Goal ##"), Some((2, "1. Goal")));
        assert_eq!(heading("#Goal"), None);
        assert_eq!(list_marker("10. x"), Some((0, 4, true)));
        assert_eq!(list_marker("**Bold**"), None);
        assert!(is_break("- - -"));
        assert!(!is_break("- a"));
    }
}

//! A campaign's wording: literal text, `{{column}}` placeholders filled from each recipient's row,
//! and alternatives `{Olá|Oi|Bom dia}`, one chosen at random per recipient (they nest; `\{`, `\}`,
//! `\|` and `\\` are literal), so that the same text is not blasted to everyone.

use crate::domain::InputError;
use rand::Rng;

/// A compiled wording.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Wording(Vec<Piece>);

#[derive(Debug, Clone, PartialEq)]
enum Piece {
    Literal(String),
    /// The value of this column of the recipient's row.
    Column(usize),
    /// One of these, chosen per recipient.
    Choice(Vec<Vec<Piece>>),
}

/// How many alternatives a wording may multiply into before the count stops growing.
const MOST_COUNTED: u64 = 1_000_000;
/// Alternatives inside alternatives, at most: deeper is no wording a person writes, and each
/// level is a step of recursion.
const MOST_NESTED: usize = 8;
/// The longest template, in characters.
const MOST_TEMPLATE_CHARS: usize = 4 * crate::domain::MAX_TEXT_CHARS;

impl Wording {
    /// Compiles a template against the file's columns (matched without regard to case).
    pub(super) fn compile(template: &str, columns: &[String]) -> Result<Self, InputError> {
        if template.chars().count() > MOST_TEMPLATE_CHARS {
            return Err(InputError::new(format!(
                "The template can have at most {MOST_TEMPLATE_CHARS} characters."
            )));
        }
        let mut parser = Parser {
            rest: template,
            columns,
        };
        let (pieces, end) = parser.sequence(0)?;
        match end {
            End::Text => Ok(Wording(pieces)),
            // `|` and `}` at the top level are plain text; `sequence(0)` never stops on them.
            End::Bar | End::Close => unreachable!("top-level sequences end only with the text"),
        }
    }

    /// The text for one recipient's row.
    pub(super) fn render(&self, row: &csv::StringRecord, rng: &mut impl Rng) -> String {
        let mut out = String::new();
        render_into(&self.0, row, rng, &mut out);
        out
    }

    /// How many different texts the alternatives can make (counted up to a million).
    pub(super) fn variant_count(&self) -> u64 {
        count(&self.0)
    }

    /// Up to `most` different texts for one row, the first alternatives first: what a preview
    /// shows of the wording's variety.
    pub(super) fn variants(&self, row: &csv::StringRecord, most: usize) -> Vec<String> {
        let total = usize::try_from(self.variant_count()).unwrap_or(usize::MAX);
        (0..total.min(most))
            .map(|index| {
                let mut out = String::new();
                nth_into(&self.0, row, index, &mut out);
                out
            })
            .collect()
    }
}

fn render_into(pieces: &[Piece], row: &csv::StringRecord, rng: &mut impl Rng, out: &mut String) {
    for piece in pieces {
        match piece {
            Piece::Literal(text) => out.push_str(text),
            Piece::Column(index) => out.push_str(row.get(*index).unwrap_or("").trim()),
            Piece::Choice(alternatives) => {
                let chosen = &alternatives[rng.gen_range(0..alternatives.len())];
                render_into(chosen, row, rng, out);
            }
        }
    }
}

fn count(pieces: &[Piece]) -> u64 {
    pieces.iter().fold(1, |total, piece| match piece {
        Piece::Choice(alternatives) => {
            let here = alternatives.iter().map(|a| count(a)).fold(0, u64::saturating_add);
            total.saturating_mul(here).min(MOST_COUNTED)
        }
        _ => total,
    })
}

/// The `index`-th text in a fixed order (mixed radix over the choices, the first varying first).
fn nth_into(pieces: &[Piece], row: &csv::StringRecord, mut index: usize, out: &mut String) {
    for piece in pieces {
        match piece {
            Piece::Literal(text) => out.push_str(text),
            Piece::Column(column) => out.push_str(row.get(*column).unwrap_or("").trim()),
            Piece::Choice(alternatives) => {
                let here = usize::try_from(count(std::slice::from_ref(piece)))
                    .unwrap_or(usize::MAX)
                    .max(1);
                let mut within = index % here;
                index /= here;
                for alternative in alternatives {
                    let size = usize::try_from(count(alternative)).unwrap_or(usize::MAX).max(1);
                    if within < size {
                        nth_into(alternative, row, within, out);
                        break;
                    }
                    within -= size;
                }
            }
        }
    }
}

/// What stopped a sequence.
enum End {
    Text,
    /// `|`: another alternative follows.
    Bar,
    /// `}`: the alternatives end.
    Close,
}

struct Parser<'a> {
    rest: &'a str,
    columns: &'a [String],
}

impl Parser<'_> {
    /// Reads pieces until the text ends or, inside `depth` alternatives, a `|` or `}`.
    fn sequence(&mut self, depth: usize) -> Result<(Vec<Piece>, End), InputError> {
        let mut pieces = Vec::new();
        let mut literal = String::new();
        let flush = |literal: &mut String, pieces: &mut Vec<Piece>| {
            if !literal.is_empty() {
                pieces.push(Piece::Literal(std::mem::take(literal)));
            }
        };
        while let Some(c) = self.rest.chars().next() {
            self.rest = &self.rest[c.len_utf8()..];
            match c {
                '\\' => match self.rest.chars().next() {
                    Some(next @ ('{' | '}' | '|' | '\\')) => {
                        literal.push(next);
                        self.rest = &self.rest[1..];
                    }
                    _ => literal.push('\\'),
                },
                '{' if self.rest.starts_with('{') && self.placeholder_ahead() => {
                    let after = &self.rest[1..];
                    let end = after.find("}}").unwrap_or(after.len());
                    let name = after[..end].trim();
                    let index = self
                        .columns
                        .iter()
                        .position(|c| c.eq_ignore_ascii_case(name))
                        .ok_or_else(|| {
                            InputError::new(format!(
                                "The template uses {{{{{name}}}}}, but the file has no such column (it has: {}).",
                                self.columns.join(", ")
                            ))
                        })?;
                    flush(&mut literal, &mut pieces);
                    pieces.push(Piece::Column(index));
                    self.rest = &after[end + 2..];
                }
                '{' => {
                    if depth >= MOST_NESTED {
                        return Err(InputError::new(format!(
                            "The template nests alternatives more than {MOST_NESTED} deep."
                        )));
                    }
                    flush(&mut literal, &mut pieces);
                    let mut alternatives = Vec::new();
                    loop {
                        let (alternative, end) = self.sequence(depth + 1)?;
                        alternatives.push(alternative);
                        match end {
                            End::Bar => continue,
                            End::Close => break,
                            End::Text => return Err(InputError::new(
                                "The template has a { without its closing }. Write \\{ for a brace itself.",
                            )),
                        }
                    }
                    pieces.push(Piece::Choice(alternatives));
                }
                '|' if depth > 0 => {
                    flush(&mut literal, &mut pieces);
                    return Ok((pieces, End::Bar));
                }
                '}' if depth > 0 => {
                    flush(&mut literal, &mut pieces);
                    return Ok((pieces, End::Close));
                }
                c => literal.push(c),
            }
        }
        flush(&mut literal, &mut pieces);
        Ok((pieces, End::Text))
    }

    /// After a `{`, with `self.rest` at a second `{`: whether a `{{column}}` placeholder starts
    /// here, rather than alternatives whose first one opens alternatives of its own.
    fn placeholder_ahead(&self) -> bool {
        let after = &self.rest[1..];
        match after.find("}}") {
            Some(end) => !after[..end].contains(['{', '}', '|']),
            None => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn columns() -> Vec<String> {
        vec!["nome".into(), "pedido".into()]
    }

    fn row() -> csv::StringRecord {
        csv::StringRecord::from(vec!["Maria", "1042"])
    }

    fn all(template: &str) -> Vec<String> {
        let wording = Wording::compile(template, &columns()).expect("compiles");
        wording.variants(&row(), 100)
    }

    #[test]
    fn alternatives_nest_fill_placeholders_and_keep_escaped_braces() {
        assert_eq!(all("{Olá|Oi} {{nome}}!"), vec!["Olá Maria!", "Oi Maria!"]);
        assert_eq!(
            all("{{Bom|Ótimo} dia|Oi}, {{ NOME }}"),
            vec!["Bom dia, Maria", "Ótimo dia, Maria", "Oi, Maria"]
        );
        assert_eq!(all(r"Pedido \{{{pedido}}\} \| ok"), vec!["Pedido {1042} | ok"]);
        assert_eq!(
            all("a|b} c"),
            vec!["a|b} c"],
            "outside alternatives these are text"
        );
        assert_eq!(
            all("{|Oi }{{nome}}"),
            vec!["Maria", "Oi Maria"],
            "an empty alternative"
        );
        assert_eq!(all("Olá"), vec!["Olá"]);
    }

    #[test]
    fn variety_is_counted_and_chosen_at_random_per_recipient() {
        let wording =
            Wording::compile("{Olá|Oi|Bom dia} {{nome}}, {seu|o} pedido", &columns()).expect("compiles");
        assert_eq!(wording.variant_count(), 6);
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        let seen: std::collections::HashSet<String> =
            (0..200).map(|_| wording.render(&row(), &mut rng)).collect();
        assert_eq!(seen.len(), 6, "{seen:?}");
        let huge = "{a|b|c|d|e|f|g|h|i|j}".repeat(8);
        assert_eq!(
            Wording::compile(&huge, &columns())
                .expect("compiles")
                .variant_count(),
            MOST_COUNTED
        );
    }

    #[test]
    fn unclosed_alternatives_and_unknown_columns_say_what_is_wrong() {
        let unclosed = Wording::compile("{Olá|Oi {{nome}}", &columns()).expect_err("unclosed");
        assert!(unclosed.0.contains("without its closing }"), "{}", unclosed.0);
        let unknown = Wording::compile("{Olá|Oi} {{cliente}}", &columns()).expect_err("unknown");
        assert!(unknown.0.contains("{{cliente}}"), "{}", unknown.0);
        let placeholder = Wording::compile("Hi {{nome", &columns()).expect_err("unclosed placeholder");
        assert!(placeholder.0.contains("closing"), "{}", placeholder.0);
        let long = Wording::compile(&"{".repeat(100_000), &columns()).expect_err("too long");
        assert!(long.0.contains("at most"), "{}", long.0);
        let nested = |levels: usize| format!("{}x{}", "{a|".repeat(levels), "}".repeat(levels));
        let deep = Wording::compile(&nested(9), &columns()).expect_err("too deep");
        assert!(deep.0.contains("deep"), "{}", deep.0);
        assert!(Wording::compile(&nested(8), &columns()).is_ok());
    }
}

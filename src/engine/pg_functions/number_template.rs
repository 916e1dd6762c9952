//! PostgreSQL's numeric template patterns for `to_char` (formatting.c's NUM keywords): digit
//! positions `9` and `0`, `.`/`D`, `,`/`G`, `FM`, and the signs `S`, `MI` and `PR`, with
//! PostgreSQL's blank-padding, sign placement and `#` overflow. `PL`, `SG`, `RN`, `V`,
//! `EEEE`, `L`, `TH` are refused with 0A000, never echoed; other text is copied.

use crate::error::Error;

#[derive(Debug, Clone, Copy, PartialEq)]
enum Token {
    Digit { zero: bool },
    Point,
    Group,
    Sign,
    Minus,
    Brackets,
    Char(char),
}

struct Template {
    tokens: Vec<Token>,
    fill: bool,
    /// Digit positions before and after the decimal point.
    pre: usize,
    post: usize,
    /// Index among the pre positions of the first `0`: leading zeros from there on.
    zero_start: Option<usize>,
}

const REFUSED: [&str; 7] = ["PL", "SG", "RN", "EEEE", "TH", "V", "L"];

fn parse(template: &str) -> Result<Template, Error> {
    let mut tokens = Vec::new();
    let mut fill = false;
    let mut rest = template;
    let (mut pre, mut post, mut zero_start, mut point) = (0, 0, None, false);
    while let Some(c) = rest.chars().next() {
        let upper = rest.to_ascii_uppercase();
        if let Some(refused) = REFUSED.iter().find(|r| upper.starts_with(**r)) {
            return Err(Error::Unsupported(format!(
                "to_char: the number template pattern {refused} is not supported"
            )));
        }
        let (token, len) = if upper.starts_with("FM") {
            fill = true;
            rest = &rest[2..];
            continue;
        } else if upper.starts_with("MI") {
            (Token::Minus, 2)
        } else if upper.starts_with("PR") {
            (Token::Brackets, 2)
        } else {
            let token = match c {
                '9' => Token::Digit { zero: false },
                '0' => Token::Digit { zero: true },
                '.' | 'D' | 'd' => Token::Point,
                ',' | 'G' | 'g' => Token::Group,
                'S' | 's' => Token::Sign,
                c => Token::Char(c),
            };
            (token, c.len_utf8())
        };
        match token {
            Token::Digit { zero } if !point => {
                if zero && zero_start.is_none() {
                    zero_start = Some(pre);
                }
                pre += 1;
            }
            Token::Digit { .. } => post += 1,
            Token::Point if point => {
                return Err(Error::Syntax("multiple decimal points".to_string()));
            }
            Token::Point => point = true,
            _ => {}
        }
        tokens.push(token);
        rest = &rest[len..];
    }
    let signs = tokens
        .iter()
        .filter(|t| matches!(t, Token::Sign | Token::Minus | Token::Brackets))
        .count();
    if signs > 1 {
        return Err(Error::Syntax(
            "cannot use \"S\" twice or with \"PL\"/\"MI\"/\"SG\"/\"PR\"".to_string(),
        ));
    }
    Ok(Template {
        tokens,
        fill,
        pre,
        post,
        zero_start,
    })
}

/// A number as its sign and decimal digits: `digits` holds the integer and then `scale`
/// fraction digits (no leading zeros needed).
pub struct Digits {
    /// Whether the number is below zero.
    pub negative: bool,
    /// Every decimal digit, most significant first.
    pub digits: String,
    /// How many of `digits` are after the decimal point.
    pub scale: usize,
}

/// Rounds `number` half away from zero to `post` fraction digits: (integer, fraction).
fn rounded(number: &Digits, post: usize) -> (String, String) {
    let mut digits: Vec<u8> = number.digits.bytes().map(|b| b - b'0').collect();
    if number.scale < post {
        digits.extend(std::iter::repeat_n(0, post - number.scale));
    } else if number.scale > post {
        let cut = digits.len() - (number.scale - post);
        let round_up = digits[cut] >= 5;
        digits.truncate(cut);
        if round_up {
            let mut i = digits.len();
            loop {
                if i == 0 {
                    digits.insert(0, 1);
                    break;
                }
                i -= 1;
                if digits[i] == 9 {
                    digits[i] = 0;
                } else {
                    digits[i] += 1;
                    break;
                }
            }
        }
    }
    let split = digits.len() - post;
    let text = |d: &[u8]| d.iter().map(|d| char::from(b'0' + d)).collect::<String>();
    let integer = text(&digits[..split]).trim_start_matches('0').to_string();
    (integer, text(&digits[split..]))
}

/// `to_char(number, template)`.
pub fn format_number(number: &Digits, template: &str) -> Result<String, Error> {
    let t = parse(template)?;
    let (integer, mut fraction) = rounded(number, t.post);
    let overflow = integer.len() > t.pre;
    let negative = number.negative && (integer.bytes().chain(fraction.bytes()).any(|b| b != b'0'));
    if t.fill && !overflow {
        // trailing zeros in 9 positions go away in fill mode
        let keep = t
            .tokens
            .iter()
            .skip_while(|tok| **tok != Token::Point)
            .filter(|tok| matches!(tok, Token::Digit { .. }))
            .enumerate()
            .filter(|(_, tok)| **tok == Token::Digit { zero: true })
            .map(|(i, _)| i + 1)
            .max()
            .unwrap_or(0);
        while fraction.len() > keep && fraction.ends_with('0') {
            fraction.pop();
        }
    }
    let integer = if integer.is_empty() && fraction.is_empty() && t.zero_start.is_none() {
        "0".to_string()
    } else {
        integer
    };
    let explicit_sign = t
        .tokens
        .iter()
        .any(|tok| matches!(tok, Token::Sign | Token::Minus | Token::Brackets));
    let leading_sign = |started_sign: &Token| -> String {
        match started_sign {
            Token::Sign => (if negative { "-" } else { "+" }).to_string(),
            Token::Brackets => (if negative {
                "<"
            } else if t.fill {
                ""
            } else {
                " "
            })
            .to_string(),
            _ => (if negative {
                "-"
            } else if t.fill {
                ""
            } else {
                " "
            })
            .to_string(),
        }
    };
    // the sign that sits before the first printed character: S before the digits, PR, or
    // PostgreSQL's implicit sign
    let first_digit = t
        .tokens
        .iter()
        .position(|tok| matches!(tok, Token::Digit { .. } | Token::Point));
    let anchored = match t.tokens.iter().position(|tok| matches!(tok, Token::Sign)) {
        Some(at) if first_digit.is_none_or(|d| at < d) => Some(Token::Sign),
        Some(_) => None,
        None if t.tokens.contains(&Token::Brackets) => Some(Token::Brackets),
        None if explicit_sign => None,
        None => Some(Token::Digit { zero: false }),
    };
    let mut out = String::new();
    let mut started = false;
    let mut pending_sign = anchored;
    let (mut pre_index, mut post_index, mut after_point) = (0, 0, false);
    let pad = if t.fill { "" } else { " " };
    let start = |out: &mut String, started: &mut bool, pending: &mut Option<Token>| {
        if !*started {
            if let Some(sign) = pending.take() {
                out.push_str(&leading_sign(&sign));
            }
            *started = true;
        }
    };
    for token in &t.tokens {
        match token {
            Token::Digit { .. } if !after_point => {
                let index = pre_index;
                pre_index += 1;
                let from = t.pre.saturating_sub(integer.len());
                if overflow {
                    start(&mut out, &mut started, &mut pending_sign);
                    out.push('#');
                } else if index >= from {
                    start(&mut out, &mut started, &mut pending_sign);
                    out.push(char::from(integer.as_bytes()[index - from]));
                } else if t.zero_start.is_some_and(|z| index >= z) {
                    start(&mut out, &mut started, &mut pending_sign);
                    out.push('0');
                } else {
                    out.push_str(pad);
                }
            }
            Token::Digit { .. } => {
                if overflow {
                    out.push('#');
                } else if let Some(d) = fraction.as_bytes().get(post_index) {
                    out.push(char::from(*d));
                }
                post_index += 1;
            }
            Token::Point => {
                start(&mut out, &mut started, &mut pending_sign);
                after_point = true;
                out.push('.');
            }
            Token::Group if started => out.push(','),
            Token::Group => out.push_str(pad),
            Token::Sign if pending_sign.is_none() && started => {
                out.push(if negative { '-' } else { '+' });
            }
            Token::Sign => {}
            Token::Minus => out.push_str(if negative { "-" } else { pad }),
            Token::Brackets => out.push_str(if negative { ">" } else { pad }),
            Token::Char(c) => out.push(*c),
        }
    }
    if !started && let Some(sign) = pending_sign {
        out.insert_str(0, &leading_sign(&sign));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn digits(text: &str) -> Digits {
        let negative = text.starts_with('-');
        let unsigned = text.trim_start_matches('-');
        let scale = unsigned.find('.').map_or(0, |p| unsigned.len() - p - 1);
        Digits {
            negative,
            digits: unsigned.replace('.', ""),
            scale,
        }
    }

    fn f(number: &str, template: &str) -> String {
        format_number(&digits(number), template).unwrap_or_else(|e| panic!("{template}: {e}"))
    }

    // every expectation below is what PostgreSQL 15 answers
    #[test]
    fn numbers_as_postgresql_formats_them() {
        let templates = [
            "999",
            "FM999",
            "9.99",
            "FM9.99",
            "000.9",
            "9,999.00",
            "FM9,999,990.00",
            "90.99",
            "S999.9",
            "999MI",
            "999PR",
            "09",
        ];
        let expected = [
            (
                "0",
                [
                    "   0",
                    "0",
                    "  .00",
                    "0.",
                    " 000.0",
                    "      .00",
                    "0.00",
                    "  0.00",
                    "   +.0",
                    "  0 ",
                    "   0 ",
                    " 00",
                ],
            ),
            (
                "0.5",
                [
                    "   1",
                    "1",
                    "  .50",
                    ".5",
                    " 000.5",
                    "      .50",
                    "0.50",
                    "  0.50",
                    "   +.5",
                    "  1 ",
                    "   1 ",
                    " 01",
                ],
            ),
            (
                "-0.5",
                [
                    "  -1",
                    "-1",
                    " -.50",
                    "-.5",
                    "-000.5",
                    "     -.50",
                    "-0.50",
                    " -0.50",
                    "   -.5",
                    "  1-",
                    "  <1>",
                    "-01",
                ],
            ),
            (
                "125.456",
                [
                    " 125",
                    "125",
                    " #.##",
                    "#.##",
                    " 125.5",
                    "   125.46",
                    "125.46",
                    " ##.##",
                    "+125.5",
                    "125 ",
                    " 125 ",
                    " ##",
                ],
            ),
            (
                "-125.456",
                [
                    "-125",
                    "-125",
                    "-#.##",
                    "-#.##",
                    "-125.5",
                    "  -125.46",
                    "-125.46",
                    "-##.##",
                    "-125.5",
                    "125-",
                    "<125>",
                    "-##",
                ],
            ),
            (
                "1234.5",
                [
                    " ###",
                    "###",
                    " #.##",
                    "#.##",
                    " ###.#",
                    " 1,234.50",
                    "1,234.50",
                    " ##.##",
                    "+###.#",
                    "### ",
                    " ### ",
                    " ##",
                ],
            ),
            (
                "-7",
                [
                    "  -7",
                    "-7",
                    "-7.00",
                    "-7.",
                    "-007.0",
                    "    -7.00",
                    "-7.00",
                    " -7.00",
                    "  -7.0",
                    "  7-",
                    "  <7>",
                    "-07",
                ],
            ),
            (
                "99999",
                [
                    " ###",
                    "###",
                    " #.##",
                    "#.##",
                    " ###.#",
                    " #,###.##",
                    "99,999.00",
                    " ##.##",
                    "+###.#",
                    "### ",
                    " ### ",
                    " ##",
                ],
            ),
        ];
        for (number, outputs) in expected {
            for (template, output) in templates.iter().zip(outputs) {
                assert_eq!(
                    f(number, template),
                    output,
                    "to_char({number}, '{template}')"
                );
            }
        }
    }

    #[test]
    fn unsupported_patterns_are_refused() {
        for template in ["RN", "9.99EEEE", "999V9", "L999", "999PL", "999TH"] {
            assert!(
                matches!(
                    format_number(&digits("1"), template),
                    Err(Error::Unsupported(_))
                ),
                "{template}"
            );
        }
        assert!(matches!(
            format_number(&digits("1"), "9.9.9"),
            Err(Error::Syntax(_))
        ));
    }
}

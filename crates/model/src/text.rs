//! Small closed vocabularies of the contract (booleans, message/call direction), and
//! the half-width form that every value but free text is read in.

use std::borrow::Cow;

use crate::{Invalid, Parsed};

/// `s` with full-width ASCII forms (U+FF01 to U+FF5E: `１３８`, `＋８６`, `－`, `（`) and
/// the ideographic space (U+3000) as their ASCII characters. Chinese systems type numbers,
/// dates and addresses in them, and an export carries them as typed; everything else is
/// left as it is. Borrowed, at the cost of one ASCII check, when there is none.
pub fn half_width(s: &str) -> Cow<'_, str> {
    if s.is_ascii() || !s.chars().any(is_wide) {
        return Cow::Borrowed(s);
    }
    Cow::Owned(
        s.chars()
            .map(|c| match c {
                '\u{3000}' => ' ',
                '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
                _ => c,
            })
            .collect(),
    )
}

fn is_wide(c: char) -> bool {
    matches!(c, '\u{3000}' | '\u{FF01}'..='\u{FF5E}')
}

/// Parses `true/false`, `1/0`, `yes/no` (any case) and `是/否`.
pub fn parse_bool(s: &str) -> Parsed<bool> {
    let t = s.trim();
    match t {
        "1" | "是" => return Ok(true),
        "0" | "否" => return Ok(false),
        _ => {}
    }
    if t.eq_ignore_ascii_case("true") || t.eq_ignore_ascii_case("yes") {
        Ok(true)
    } else if t.eq_ignore_ascii_case("false") || t.eq_ignore_ascii_case("no") {
        Ok(false)
    } else {
        Err(Invalid("boolean must be true/false, 1/0, yes/no or 是/否"))
    }
}

/// Direction of a message or call as seen from the subscriber.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    /// Mobile-originated: sent or dialled by the subscriber.
    Mo,
    /// Mobile-terminated: received by the subscriber.
    Mt,
}

impl Direction {
    pub fn parse(s: &str) -> Parsed<Self> {
        let t = s.trim();
        if t.eq_ignore_ascii_case("MO") {
            Ok(Direction::Mo)
        } else if t.eq_ignore_ascii_case("MT") {
            Ok(Direction::Mt)
        } else {
            Err(Invalid("direction must be MO or MT"))
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Mo => "MO",
            Direction::Mt => "MT",
        }
    }
}

/// Checks a value against a closed vocabulary (case-insensitive) and returns the
/// canonical lower-case spelling.
pub fn one_of(
    s: &str,
    allowed: &'static [&'static str],
    reason: &'static str,
) -> Parsed<&'static str> {
    let t = s.trim();
    allowed
        .iter()
        .copied()
        .find(|a| a.eq_ignore_ascii_case(t))
        .ok_or(Invalid(reason))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn full_width_forms_become_ascii_and_the_rest_stays() {
        assert_eq!(
            half_width("＋８６　１３８－００１３－８０００"),
            "+86 138-0013-8000"
        );
        assert_eq!(half_width("（０１０）"), "(010)");
        assert_eq!(half_width("中国移动１０"), "中国移动10");
        assert!(matches!(half_width("13800138000"), Cow::Borrowed(_)));
        assert!(matches!(half_width("中国移动"), Cow::Borrowed(_)));
    }

    proptest! {
        #[test]
        fn any_case_and_padding_round_trips(b in any::<bool>(), word in 0usize..3, upper in any::<bool>(), pad in "[ \t]{0,3}") {
            let spelled = match (word, b) {
                (0, true) => "true", (0, false) => "false",
                (1, true) => "yes", (1, false) => "no",
                (_, true) => "1", (_, false) => "0",
            };
            let s = if upper { spelled.to_uppercase() } else { spelled.to_string() };
            prop_assert_eq!(parse_bool(&format!("{pad}{s}{pad}")), Ok(b));
            let d = if b { Direction::Mo } else { Direction::Mt };
            prop_assert_eq!(Direction::parse(&format!("{pad}{}{pad}", d.as_str().to_lowercase())), Ok(d));
        }

        #[test]
        fn never_panics(s in "\\PC{0,12}") {
            let _ = parse_bool(&s);
            let _ = Direction::parse(&s);
            let _ = one_of(&s, &["otp", "notice"], "bad");
        }
    }

    #[test]
    fn bools() {
        for t in ["true", "TRUE", "1", "yes", "Yes", "是"] {
            assert_eq!(parse_bool(t), Ok(true), "{t}");
        }
        for f in ["false", "0", "no", "NO", "否", " 否 "] {
            assert_eq!(parse_bool(f), Ok(false), "{f}");
        }
        assert_eq!(
            parse_bool("maybe"),
            Err(Invalid("boolean must be true/false, 1/0, yes/no or 是/否"))
        );
    }

    #[test]
    fn directions_and_vocabularies() {
        assert_eq!(Direction::parse("mt"), Ok(Direction::Mt));
        assert_eq!(Direction::parse(" MO "), Ok(Direction::Mo));
        assert_eq!(
            Direction::parse("IN"),
            Err(Invalid("direction must be MO or MT"))
        );
        assert_eq!(one_of("Stock", &["active", "stock"], "bad"), Ok("stock"));
        assert_eq!(
            one_of("sold", &["active", "stock"], "bad"),
            Err(Invalid("bad"))
        );
    }
}

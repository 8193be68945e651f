//! A minimal JSON value and writer: enough for the inspector's one-line output, without a
//! dependency. Output is compact on one line, with `", "` and `": "` as separators.

use core::fmt::{self, Write as _};

/// A JSON value. Every number the inspector prints is a non-negative integer.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Json {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A non-negative integer.
    Number(u64),
    /// A string, escaped on output.
    String(String),
    /// An array.
    Array(Vec<Self>),
    /// An object, keys in insertion order.
    Object(Object),
}

/// A JSON object under construction; keys keep their insertion order.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Object(Vec<(&'static str, Json)>);

impl Object {
    /// An empty object.
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// Adds `key: value`.
    pub(crate) fn push(&mut self, key: &'static str, value: impl Into<Json>) {
        self.0.push((key, value.into()));
    }

    /// The object with `key: value` added.
    pub(crate) fn with(mut self, key: &'static str, value: impl Into<Json>) -> Self {
        self.push(key, value);
        self
    }

    /// The object with `key: value` added if `value` is `Some`; unchanged otherwise.
    pub(crate) fn with_some<T: Into<Json>>(mut self, key: &'static str, value: Option<T>) -> Self {
        if let Some(value) = value {
            self.push(key, value);
        }
        self
    }
}

impl fmt::Display for Json {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Null => f.write_str("null"),
            Self::Bool(b) => write!(f, "{b}"),
            Self::Number(n) => write!(f, "{n}"),
            Self::String(s) => write_string(f, s),
            Self::Array(items) => {
                f.write_char('[')?;
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{item}")?;
                }
                f.write_char(']')
            }
            Self::Object(Object(fields)) => {
                f.write_char('{')?;
                for (i, (key, value)) in fields.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write_string(f, key)?;
                    write!(f, ": {value}")?;
                }
                f.write_char('}')
            }
        }
    }
}

impl From<bool> for Json {
    fn from(value: bool) -> Self {
        Self::Bool(value)
    }
}

impl From<u8> for Json {
    fn from(value: u8) -> Self {
        Self::Number(value.into())
    }
}

impl From<u16> for Json {
    fn from(value: u16) -> Self {
        Self::Number(value.into())
    }
}

impl From<u32> for Json {
    fn from(value: u32) -> Self {
        Self::Number(value.into())
    }
}

impl From<&str> for Json {
    fn from(value: &str) -> Self {
        Self::String(value.to_owned())
    }
}

impl From<String> for Json {
    fn from(value: String) -> Self {
        Self::String(value)
    }
}

/// `None` is `null`.
impl<T: Into<Self>> From<Option<T>> for Json {
    fn from(value: Option<T>) -> Self {
        value.map_or(Self::Null, Into::into)
    }
}

impl From<Vec<Self>> for Json {
    fn from(value: Vec<Self>) -> Self {
        Self::Array(value)
    }
}

impl From<Object> for Json {
    fn from(value: Object) -> Self {
        Self::Object(value)
    }
}

/// Writes `s` as a JSON string: quotes, backslashes and control characters (U+0000 to U+001F)
/// escaped; everything else, non-ASCII included, passes through as UTF-8.
fn write_string(f: &mut fmt::Formatter<'_>, s: &str) -> fmt::Result {
    f.write_char('"')?;
    for c in s.chars() {
        match c {
            '"' => f.write_str("\\\"")?,
            '\\' => f.write_str("\\\\")?,
            '\n' => f.write_str("\\n")?,
            '\r' => f.write_str("\\r")?,
            '\t' => f.write_str("\\t")?,
            '\u{08}' => f.write_str("\\b")?,
            '\u{0C}' => f.write_str("\\f")?,
            c if c < ' ' => write!(f, "\\u{:04x}", u32::from(c))?,
            c => f.write_char(c)?,
        }
    }
    f.write_char('"')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn string(s: &str) -> String {
        Json::from(s).to_string()
    }

    #[test]
    fn strings_escape_quotes_backslashes_and_control_characters() {
        assert_eq!(string(""), r#""""#);
        assert_eq!(string(r#"say "hi" \o/"#), r#""say \"hi\" \\o/""#);
        assert_eq!(string("a\nb\rc\td\u{08}e\u{0C}f"), r#""a\nb\rc\td\be\ff""#);
        assert_eq!(
            string("\u{0}\u{1}\u{1F} \u{7F}"),
            "\"\\u0000\\u0001\\u001f \u{7F}\""
        );
    }

    #[test]
    fn non_ascii_passes_through() {
        assert_eq!(
            string("température 21 °C ✓ 😀"),
            "\"température 21 °C ✓ 😀\""
        );
        assert_eq!(string("\u{2028}\u{FEFF}"), "\"\u{2028}\u{FEFF}\"");
    }

    #[test]
    fn keys_are_escaped_too_and_values_nest() {
        let inner = Object::new().with("a\"b", Json::Null);
        let value = Object::new()
            .with("n", 65_535_u16)
            .with("t", true)
            .with("none", None::<u8>)
            .with_some("skipped", None::<u8>)
            .with_some("kept", Some("x"))
            .with(
                "list",
                vec![Json::from(1_u8), Json::from(Vec::new()), inner.into()],
            );
        assert_eq!(
            Json::from(value).to_string(),
            r#"{"n": 65535, "t": true, "none": null, "kept": "x", "list": [1, [], {"a\"b": null}]}"#
        );
        assert_eq!(Json::from(Object::new()).to_string(), "{}");
    }
}

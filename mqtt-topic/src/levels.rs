//! Iterating over the `/`-separated levels of a topic.

use core::iter::FusedIterator;

/// The levels of a topic name or of the matched part of a topic filter, split on `/`.
///
/// A topic with `n` separators has `n + 1` levels; empty levels are yielded as `""`
/// (`"/a/"` yields `""`, `"a"`, `""`).
///
/// ```
/// use mqtt_topic::TopicName;
/// let name = TopicName::new("a//b/").unwrap();
/// assert_eq!(name.levels().collect::<Vec<_>>(), ["a", "", "b", ""]);
/// assert_eq!(name.levels().rev().next(), Some(""));
/// ```
#[derive(Clone, Debug)]
pub struct Levels<'a> {
    rest: Option<&'a str>,
}

impl<'a> Levels<'a> {
    /// Splits `topic` into levels. An empty string yields one empty level.
    #[must_use]
    pub const fn new(topic: &'a str) -> Self {
        Self { rest: Some(topic) }
    }
}

impl<'a> Iterator for Levels<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        let rest = self.rest?;
        match rest.split_once('/') {
            Some((level, tail)) => {
                self.rest = Some(tail);
                Some(level)
            }
            None => {
                self.rest = None;
                Some(rest)
            }
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        match self.rest {
            Some(rest) => (1, Some(rest.len().saturating_add(1))),
            None => (0, Some(0)),
        }
    }
}

impl<'a> DoubleEndedIterator for Levels<'a> {
    fn next_back(&mut self) -> Option<&'a str> {
        let rest = self.rest?;
        match rest.rsplit_once('/') {
            Some((head, level)) => {
                self.rest = Some(head);
                Some(level)
            }
            None => {
                self.rest = None;
                Some(rest)
            }
        }
    }
}

impl FusedIterator for Levels<'_> {}

#[cfg(test)]
mod tests {
    use alloc::vec::Vec;

    use super::Levels;

    #[test]
    fn splits_empty_levels() {
        assert_eq!(Levels::new("").collect::<Vec<_>>(), [""]);
        assert_eq!(Levels::new("/").collect::<Vec<_>>(), ["", ""]);
        assert_eq!(Levels::new("a//b").collect::<Vec<_>>(), ["a", "", "b"]);
        assert_eq!(Levels::new("/a/").rev().collect::<Vec<_>>(), ["", "a", ""]);
    }

    #[test]
    fn mixed_ends() {
        let mut l = Levels::new("a/b/c");
        assert_eq!(l.next(), Some("a"));
        assert_eq!(l.next_back(), Some("c"));
        assert_eq!(l.next(), Some("b"));
        assert_eq!(l.next(), None);
        assert_eq!(l.next_back(), None);
    }
}

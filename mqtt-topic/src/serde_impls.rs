//! `serde` support (feature `serde`): names and filters are strings, validated on the way in.

use alloc::string::String;
use core::fmt;
use core::marker::PhantomData;

use serde::de::{Error, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::{TopicError, TopicFilter, TopicName};

impl Serialize for TopicName {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl Serialize for TopicFilter {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for TopicName {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_string(TopicVisitor::<Self>(PhantomData))
    }
}

/// Deserialized under [`TopicDialect::V5`](crate::TopicDialect::V5) rules.
impl<'de> Deserialize<'de> for TopicFilter {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_string(TopicVisitor::<Self>(PhantomData))
    }
}

/// Builds a topic type from a string.
trait FromText: Sized {
    const EXPECTING: &'static str;
    fn from_str_checked(s: &str) -> Result<Self, TopicError>;
    fn from_string_checked(s: String) -> Result<Self, TopicError>;
}

impl FromText for TopicName {
    const EXPECTING: &'static str = "an MQTT topic name";
    fn from_str_checked(s: &str) -> Result<Self, TopicError> {
        Self::new(s)
    }
    fn from_string_checked(s: String) -> Result<Self, TopicError> {
        Self::try_from(s)
    }
}

impl FromText for TopicFilter {
    const EXPECTING: &'static str = "an MQTT topic filter";
    fn from_str_checked(s: &str) -> Result<Self, TopicError> {
        Self::new(s)
    }
    fn from_string_checked(s: String) -> Result<Self, TopicError> {
        Self::try_from(s)
    }
}

struct TopicVisitor<T>(PhantomData<T>);

impl<T: FromText> Visitor<'_> for TopicVisitor<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(T::EXPECTING)
    }

    fn visit_str<E: Error>(self, v: &str) -> Result<T, E> {
        T::from_str_checked(v).map_err(E::custom)
    }

    fn visit_string<E: Error>(self, v: String) -> Result<T, E> {
        T::from_string_checked(v).map_err(E::custom)
    }
}

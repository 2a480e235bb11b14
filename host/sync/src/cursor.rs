//! Per-stream cursors.
//!
//! A cursor is the source's opaque position in one stream of one flow: `(flow, stream) -> text`.
//! State is per stream, never one global blob, so a stream can be reset or run on its own. An
//! empty cursor is rejected rather than stored: peers have wiped state by saving an empty one.
//! This module does not persist cursors or decide when they move; see `page` and `weft-store`.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Identifies one stream of one flow.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct StreamId {
    /// The flow name.
    pub flow: String,
    /// The source stream within the flow.
    pub stream: String,
}

impl StreamId {
    /// A stream id from its parts.
    pub fn new(flow: impl Into<String>, stream: impl Into<String>) -> Self {
        Self {
            flow: flow.into(),
            stream: stream.into(),
        }
    }
}

impl fmt::Display for StreamId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.flow, self.stream)
    }
}

/// A source position: opaque, non-empty text.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Cursor(String);

/// Why a cursor was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CursorError {
    /// The source returned an empty cursor.
    #[error("empty cursor rejected: the source must return a non-empty position, or none at all")]
    Empty,
}

impl Cursor {
    /// A cursor from the source's text; empty text is an error.
    pub fn new(text: impl Into<String>) -> Result<Self, CursorError> {
        let text = text.into();
        if text.is_empty() {
            return Err(CursorError::Empty);
        }
        Ok(Self(text))
    }

    /// The cursor as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Cursor {
    type Error = CursorError;
    fn try_from(text: String) -> Result<Self, Self::Error> {
        Cursor::new(text)
    }
}

impl From<Cursor> for String {
    fn from(c: Cursor) -> Self {
        c.0
    }
}

impl fmt::Display for Cursor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_cursor_is_rejected_also_when_deserialized() {
        assert_eq!(Cursor::new(""), Err(CursorError::Empty));
        assert!(serde_json::from_str::<Cursor>("\"\"").is_err());
        let c: Cursor = serde_json::from_str("\"v42\"").unwrap();
        assert_eq!(c.as_str(), "v42");
    }
}

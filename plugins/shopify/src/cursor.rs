//! The incremental-read cursor for lists sorted by `updatedAt` (orders, products, inventory
//! items, customers): a watermark plus a Relay cursor inside the current window.
//!
//! A window is one query `updated_at:>='{since}'` with `sortKey: UPDATED_AT`, paged with
//! `after`. When it ends, the next window starts at the `updatedAt` of the last record emitted.
//! Shopify stamps are whole seconds, so the new window re-reads that second on purpose (a record
//! updated later in the same second is not lost) and the cursor remembers the ids it already
//! emitted at that second so they are not emitted again. Known limit: a record updated twice in
//! the same second, between two reads, is seen once; reconciliation catches it.
//!
//! The encoded cursor is compact JSON, opaque to the engine. Deliberately no I/O here.

use serde::{Deserialize, Serialize};

/// Where a reader stands.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Window {
    /// Watermark: the window's `updated_at:>=` bound.
    #[serde(rename = "s", default, skip_serializing_if = "Option::is_none")]
    pub since: Option<String>,
    /// Ids with `updatedAt == since` emitted by an earlier window.
    #[serde(rename = "k", default, skip_serializing_if = "Vec::is_empty")]
    pub skip: Vec<String>,
    /// Relay cursor inside the window.
    #[serde(rename = "a", default, skip_serializing_if = "Option::is_none")]
    pub after: Option<String>,
    /// `updatedAt` of the last record emitted in this window.
    #[serde(rename = "t", default, skip_serializing_if = "Option::is_none")]
    pub tail_at: Option<String>,
    /// Ids emitted at `tail_at` in this window.
    #[serde(rename = "i", default, skip_serializing_if = "Vec::is_empty")]
    pub tail_ids: Vec<String>,
}

impl Window {
    /// Parse a cursor this connector issued (`None` = from the beginning).
    pub fn parse(cursor: Option<&str>) -> Result<Window, String> {
        match cursor {
            None | Some("") => Ok(Window::default()),
            Some(c) => serde_json::from_str(c).map_err(|e| format!("cursor {c:?}: {e}")),
        }
    }

    /// The encoded cursor.
    pub fn encode(&self) -> String {
        serde_json::to_string(self).expect("a window always serialises")
    }

    /// The `query:` search string for the window.
    pub fn search(&self) -> Option<String> {
        self.since.as_ref().map(|s| format!("updated_at:>='{s}'"))
    }

    /// Should the record be emitted? (False for ids already emitted at the watermark.)
    pub fn keep(&self, id: &str, updated_at: &str) -> bool {
        !(self.since.as_deref() == Some(updated_at) && self.skip.iter().any(|k| k == id))
    }

    /// The cursor after a page whose kept records were `emitted` (`(id, updatedAt)` in order).
    /// `None` when nothing was emitted and the window is exhausted (keep the previous cursor).
    pub fn advance(
        &self,
        emitted: &[(String, String)],
        has_next: bool,
        end_cursor: Option<String>,
    ) -> Option<Window> {
        let mut next = self.clone();
        for (id, at) in emitted {
            if next.tail_at.as_deref() == Some(at.as_str()) {
                next.tail_ids.push(id.clone());
            } else {
                next.tail_at = Some(at.clone());
                next.tail_ids = vec![id.clone()];
            }
        }
        if has_next {
            next.after = end_cursor.or(next.after);
            return Some(next);
        }
        let tail = next.tail_at.take();
        let ids = std::mem::take(&mut next.tail_ids);
        next.after = None;
        match tail {
            None if emitted.is_empty() && self.after.is_none() => return None,
            None => {}
            Some(at) if Some(&at) == next.since.as_ref() => {
                next.skip.extend(ids);
                next.skip.sort();
                next.skip.dedup();
            }
            Some(at) => {
                next.since = Some(at);
                next.skip = ids;
            }
        }
        Some(next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(i, t)| (i.to_string(), t.to_string()))
            .collect()
    }

    #[test]
    fn pages_a_window_then_moves_the_watermark() {
        let w = Window::parse(None).unwrap();
        assert_eq!(w.search(), None);
        let w = w
            .advance(&rows(&[("1", "T1"), ("2", "T2")]), true, Some("c1".into()))
            .unwrap();
        assert_eq!((w.since.as_deref(), w.after.as_deref()), (None, Some("c1")));
        let w = w.advance(&rows(&[("3", "T2")]), false, None).unwrap();
        assert_eq!(w.since.as_deref(), Some("T2"));
        assert_eq!(w.skip, vec!["2", "3"], "ids at the tail second span pages");
        assert_eq!(w.after, None);
        assert_eq!(w.search().as_deref(), Some("updated_at:>='T2'"));
        assert!(!w.keep("2", "T2") && w.keep("4", "T2") && w.keep("2", "T3"));
        let back = Window::parse(Some(&w.encode())).unwrap();
        assert_eq!(back, w);
    }

    #[test]
    fn nothing_new_keeps_the_cursor_and_same_second_updates_add_to_the_skip_list() {
        let w = Window {
            since: Some("T2".into()),
            skip: vec!["2".into()],
            ..Window::default()
        };
        assert_eq!(w.advance(&[], false, None), None);
        let w2 = w.advance(&rows(&[("5", "T2")]), false, None).unwrap();
        assert_eq!(w2.since.as_deref(), Some("T2"));
        assert_eq!(w2.skip, vec!["2", "5"]);
        // A page of only skipped records still moves the Relay cursor forward.
        let w3 = w.advance(&[], true, Some("c9".into())).unwrap();
        assert_eq!(w3.after.as_deref(), Some("c9"));
        assert!(Window::parse(Some("not json")).is_err());
    }
}

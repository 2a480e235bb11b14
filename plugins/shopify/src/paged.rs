//! One page of a list read by `updatedAt` window (see `cursor.rs`): run a document that takes
//! `$first`, `$after` and `$query` and selects `pageInfo { hasNextPage endCursor }` and
//! `nodes { id updatedAt ... }` under `root`, drop the nodes the window already emitted, and
//! compute the next cursor. Each stream turns the kept nodes into records.
//!
//! Deliberately no mapping to records here.

use serde_json::{Value, json};
use weft_sdk::connector::CallError;

use crate::cursor::Window;
use crate::gql;
use crate::util::{list_at, str_at};

/// The kept nodes of one page and where to continue.
#[derive(Debug, Clone, PartialEq)]
pub struct Slice {
    /// Nodes not emitted before, in `updatedAt` order.
    pub nodes: Vec<Value>,
    /// The cursor for the next call; `None` when nothing newer exists yet.
    pub next_cursor: Option<String>,
    /// More pages are available right now.
    pub has_more: bool,
}

/// Read one page of the connection at `root` (a top-level field of `doc`).
pub fn read(cursor: Option<&str>, doc: &str, root: &str, first: u32) -> Result<Slice, CallError> {
    let window = Window::parse(cursor).map_err(CallError::BadCursor)?;
    let vars = json!({"first": first, "after": window.after, "query": window.search()});
    let data = gql::query(doc, vars).map_err(CallError::Failed)?;
    Ok(slice(&window, data.get(root).unwrap_or(&Value::Null)))
}

/// Apply the window to a fetched connection.
pub fn slice(window: &Window, conn: &Value) -> Slice {
    let row = |n: &Value| {
        (
            str_at(n, "/id").unwrap_or("").to_string(),
            str_at(n, "/updatedAt").unwrap_or("").to_string(),
        )
    };
    let nodes: Vec<Value> = list_at(conn, "/nodes")
        .iter()
        .filter(|n| {
            let (id, at) = row(n);
            window.keep(&id, &at)
        })
        .cloned()
        .collect();
    let emitted: Vec<(String, String)> = nodes.iter().map(row).collect();
    let has_more = conn
        .pointer("/pageInfo/hasNextPage")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let end = str_at(conn, "/pageInfo/endCursor").map(str::to_string);
    Slice {
        next_cursor: window.advance(&emitted, has_more, end).map(|w| w.encode()),
        nodes,
        has_more,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drops_what_was_emitted_and_continues() {
        let window = Window {
            since: Some("T1".into()),
            skip: vec!["gid://shopify/Order/1".into()],
            ..Window::default()
        };
        let conn = json!({"pageInfo": {"hasNextPage": false, "endCursor": "c"},
            "nodes": [{"id": "gid://shopify/Order/1", "updatedAt": "T1"},
                      {"id": "gid://shopify/Order/2", "updatedAt": "T1"},
                      {"id": "gid://shopify/Order/3", "updatedAt": "T2"}]});
        let s = slice(&window, &conn);
        assert_eq!(s.nodes.len(), 2);
        assert!(!s.has_more);
        let next = Window::parse(s.next_cursor.as_deref()).unwrap();
        assert_eq!(next.since.as_deref(), Some("T2"));
        assert_eq!(next.skip, vec!["gid://shopify/Order/3"]);
        let quiet = json!({"pageInfo": {"hasNextPage": false, "endCursor": null},
            "nodes": [{"id": "gid://shopify/Order/3", "updatedAt": "T2"}]});
        assert_eq!(slice(&next, &quiet).next_cursor, None, "nothing newer");
    }
}

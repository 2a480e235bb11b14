//! Building GraphQL documents of aliased fields: batches are one request, with one field per
//! record (`s0: inventoryItems(...)`, `m1: inventorySetQuantities(...)`) and the record's values
//! as typed variables, so nothing user-supplied is spliced into the document text (the one
//! exception, `@idempotent` keys, goes through [`crate::util::literal`]).
//!
//! Deliberately no I/O here.

use serde_json::{Map, Value};

/// A document under construction.
#[derive(Debug, Default)]
pub struct Doc {
    decls: Vec<String>,
    fields: Vec<String>,
    vars: Map<String, Value>,
}

impl Doc {
    /// An empty document.
    pub fn new() -> Doc {
        Doc::default()
    }

    /// Declare `$name: ty` with `value`.
    pub fn var(&mut self, name: String, ty: &str, value: Value) -> &mut Doc {
        self.decls.push(format!("${name}: {ty}"));
        self.vars.insert(name, value);
        self
    }

    /// Add a top-level field (with its alias).
    pub fn field(&mut self, field: String) -> &mut Doc {
        self.fields.push(field);
        self
    }

    /// No fields yet.
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    /// `query Name(...) { ... }` or `mutation Name(...) { ... }`, and its variables.
    pub fn render(self, operation: &str, name: &str) -> (String, Value) {
        let decls = if self.decls.is_empty() {
            String::new()
        } else {
            format!("({})", self.decls.join(", "))
        };
        (
            format!("{operation} {name}{decls} {{ {} }}", self.fields.join(" ")),
            Value::Object(self.vars),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn renders_aliases_and_variables() {
        let mut d = Doc::new();
        assert!(d.is_empty());
        d.var("q0".into(), "String!", json!("sku:\"A\""))
            .field("s0: inventoryItems(first: 5, query: $q0) { nodes { id } }".into());
        d.var("q1".into(), "String!", json!("sku:\"B\""));
        let (doc, vars) = d.render("query", "Skus");
        assert_eq!(
            doc,
            "query Skus($q0: String!, $q1: String!) { s0: inventoryItems(first: 5, query: $q0) { nodes { id } } }"
        );
        assert_eq!(vars["q1"], "sku:\"B\"");
        let (doc, _) = Doc::new().render("query", "Empty");
        assert_eq!(doc, "query Empty {  }");
    }
}

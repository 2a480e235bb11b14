//! Calculated query cost and the per-shop leaky bucket, as the GraphQL Admin API documents them
//! (platform-apis.md 3.2): scalars and enums cost 0, objects 1, a connection 2 plus `first`/`last`
//! times the cost of one item, every mutation field 10. The bucket is charged the requested cost
//! up front and refunded down to the actual cost (computed from the data really returned). A query
//! whose requested cost exceeds the single-query maximum (1000) is refused before it runs.
//!
//! Deliberately not modelled: per-field cost overrides Shopify applies to a few expensive fields,
//! and interface/union "max of selections" (fragments are summed, an over-estimate).

use async_graphql::parser::types::{
    ExecutableDocument, Field, OperationType, Selection, SelectionSet,
};
use async_graphql::{Name, Value as ConstValue, Variables};
use serde::Serialize;
use serde_json::Value;

use super::timefmt::Millis;

/// Cost of each top-level mutation field.
pub const MUTATION_COST: u64 = 10;
/// Largest requested cost a single query may have.
pub const MAX_SINGLE_QUERY_COST: u64 = 1000;

/// Bucket parameters. Default = the Standard plan: restore 100 points/s, bucket 2000 (20 s of
/// restore, as captured responses show).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CostLimits {
    pub maximum_available: f64,
    pub restore_rate: f64,
}

impl Default for CostLimits {
    fn default() -> Self {
        Self::for_restore_rate(100.0)
    }
}

impl CostLimits {
    /// A plan by restore rate (Standard 100, Advanced 200, Plus 1000, Enterprise 2000), with the
    /// bucket at 20 seconds of restore.
    pub fn for_restore_rate(restore_rate: f64) -> Self {
        Self {
            maximum_available: restore_rate * 20.0,
            restore_rate,
        }
    }
}

/// `extensions.cost.throttleStatus`.
#[derive(Debug, Clone, Copy, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ThrottleStatus {
    pub maximum_available: f64,
    pub currently_available: f64,
    pub restore_rate: f64,
}

/// The leaky bucket of one app × shop, on simulator time.
#[derive(Debug, Clone)]
pub struct Bucket {
    limits: CostLimits,
    available: f64,
    last: Millis,
    /// Points charged so far (requested, minus what was refunded down to the actual cost).
    spent: f64,
}

impl Bucket {
    pub fn new(limits: CostLimits, now: Millis) -> Self {
        Self {
            limits,
            available: limits.maximum_available,
            last: now,
            spent: 0.0,
        }
    }

    fn restore(&mut self, now: Millis) {
        let secs = (now - self.last).max(0) as f64 / 1000.0;
        self.available =
            (self.available + secs * self.limits.restore_rate).min(self.limits.maximum_available);
        self.last = self.last.max(now);
    }

    /// Charge `cost` if the bucket holds that much; `false` (and no charge) otherwise.
    pub fn try_charge(&mut self, cost: u64, now: Millis) -> bool {
        self.restore(now);
        if self.available >= cost as f64 {
            self.available -= cost as f64;
            self.spent += cost as f64;
            true
        } else {
            false
        }
    }

    /// Give back the difference between requested and actual cost.
    pub fn refund(&mut self, points: u64) {
        self.spent -= points as f64;
        self.available = (self.available + points as f64).min(self.limits.maximum_available);
    }

    /// Points spent on queries that ran, since the simulator started.
    pub fn spent(&self) -> f64 {
        self.spent
    }

    /// The bucket's parameters.
    pub fn limits(&self) -> CostLimits {
        self.limits
    }

    /// Empty the bucket (fault injection: a throttling storm).
    pub fn drain(&mut self, now: Millis) {
        self.restore(now);
        self.available = 0.0;
    }

    pub fn status(&mut self, now: Millis) -> ThrottleStatus {
        self.restore(now);
        ThrottleStatus {
            maximum_available: self.limits.maximum_available,
            currently_available: self.available.floor(),
            restore_rate: self.limits.restore_rate,
        }
    }
}

/// Walks one operation of a parsed document.
pub struct CostModel<'a> {
    doc: &'a ExecutableDocument,
    vars: &'a Variables,
}

type Sel = SelectionSet;

impl<'a> CostModel<'a> {
    pub fn new(doc: &'a ExecutableDocument, vars: &'a Variables) -> Self {
        Self { doc, vars }
    }

    fn operation(&self, name: Option<&str>) -> Option<(OperationType, &'a Sel)> {
        self.doc
            .operations
            .iter()
            .find(|(n, _)| name.is_none() || n.map(|n| n.as_str()) == name)
            .map(|(_, op)| (op.node.ty, &op.node.selection_set.node))
    }

    /// Fields of a selection set with fragments flattened.
    fn fields(&self, set: &'a Sel, out: &mut Vec<&'a Field>) {
        for item in &set.items {
            match &item.node {
                Selection::Field(f) => out.push(&f.node),
                Selection::InlineFragment(f) => self.fields(&f.node.selection_set.node, out),
                Selection::FragmentSpread(s) => {
                    if let Some(fr) = self.doc.fragments.get(&s.node.fragment_name.node) {
                        self.fields(&fr.node.selection_set.node, out);
                    }
                }
            }
        }
    }

    fn page_size(&self, f: &Field) -> Option<u64> {
        let arg = f.get_argument("first").or_else(|| f.get_argument("last"))?;
        let v = arg
            .node
            .clone()
            .into_const_with(|name| self.vars.get(&name).cloned().ok_or(()))
            .ok()?;
        match v {
            ConstValue::Number(n) => n.as_u64(),
            _ => None,
        }
    }

    fn set_cost(&self, set: &'a Sel) -> u64 {
        let mut fields = Vec::new();
        self.fields(set, &mut fields);
        fields.iter().map(|f| self.field_cost(f)).sum()
    }

    fn field_cost(&self, f: &'a Field) -> u64 {
        if f.selection_set.node.items.is_empty() {
            return 0;
        }
        match self.page_size(f) {
            Some(n) => 2 + n * self.item_cost(&f.selection_set.node),
            None => 1 + self.set_cost(&f.selection_set.node),
        }
    }

    /// Cost of one element of a connection: its `edges { node }` or `nodes` selections.
    fn item_cost(&self, set: &'a Sel) -> u64 {
        let mut fields = Vec::new();
        self.fields(set, &mut fields);
        let mut cost = 0;
        for f in fields {
            match f.name.node.as_str() {
                "edges" => cost += self.set_cost(&f.selection_set.node),
                "nodes" => cost += 1 + self.set_cost(&f.selection_set.node),
                _ => {}
            }
        }
        cost
    }

    /// The requested (worst-case) cost of the operation; `None` if the operation is unknown.
    pub fn requested(&self, operation_name: Option<&str>) -> Option<u64> {
        let (ty, set) = self.operation(operation_name)?;
        Some(match ty {
            OperationType::Mutation => {
                let mut fields = Vec::new();
                self.fields(set, &mut fields);
                fields
                    .iter()
                    .filter(|f| !f.name.node.starts_with("__"))
                    .count() as u64
                    * MUTATION_COST
            }
            _ => self.set_cost(set),
        })
    }

    /// The cost of what was actually returned in `data`.
    pub fn actual(&self, operation_name: Option<&str>, data: &Value) -> u64 {
        match self.operation(operation_name) {
            Some((OperationType::Mutation, _)) | None => {
                self.requested(operation_name).unwrap_or(0)
            }
            Some((_, set)) => self.actual_set(set, data),
        }
    }

    fn actual_set(&self, set: &'a Sel, data: &Value) -> u64 {
        let mut fields = Vec::new();
        self.fields(set, &mut fields);
        fields
            .iter()
            .map(|f| {
                let key: &Name = f.alias.as_ref().map_or(&f.name.node, |a| &a.node);
                self.actual_field(f, data.get(key.as_str()).unwrap_or(&Value::Null))
            })
            .sum()
    }

    fn actual_field(&self, f: &'a Field, v: &Value) -> u64 {
        let set = &f.selection_set.node;
        if set.items.is_empty() || v.is_null() {
            return 0;
        }
        if self.page_size(f).is_some() {
            let mut fields = Vec::new();
            self.fields(set, &mut fields);
            let mut cost = 2;
            for c in fields {
                let key = c.alias.as_ref().map_or(&c.name.node, |a| &a.node).as_str();
                let items = v
                    .get(key)
                    .and_then(Value::as_array)
                    .map(Vec::as_slice)
                    .unwrap_or_default();
                match c.name.node.as_str() {
                    "edges" => {
                        cost += items
                            .iter()
                            .map(|i| self.actual_set(&c.selection_set.node, i))
                            .sum::<u64>()
                    }
                    "nodes" => {
                        cost += items
                            .iter()
                            .map(|i| 1 + self.actual_set(&c.selection_set.node, i))
                            .sum::<u64>()
                    }
                    _ => {}
                }
            }
            return cost;
        }
        match v {
            Value::Array(items) => items.iter().map(|i| 1 + self.actual_set(set, i)).sum(),
            _ => 1 + self.actual_set(set, v),
        }
    }
}

/// Parse and price `query`; errors are left for the executor to report.
pub fn requested_cost(
    query: &str,
    vars: &Variables,
    operation_name: Option<&str>,
) -> Option<(u64, ExecutableDocument)> {
    let doc = async_graphql::parser::parse_query(query).ok()?;
    let cost = CostModel::new(&doc, vars).requested(operation_name)?;
    Some((cost, doc))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn costs_follow_the_documented_rules() {
        let vars = Variables::default();
        let q = "{ shop { name } products(first: 10) { pageInfo { hasNextPage } nodes { id variants(first: 5) { edges { node { sku } } } } } }";
        // shop 1; products 2 + 10 * (1 + (2 + 5 * 1)) = 82.
        assert_eq!(requested_cost(q, &vars, None).unwrap().0, 83);
        let m = "mutation { a: customerCreate(input: {}) { customer { id } } b: customerCreate(input: {}) { customer { id } } }";
        assert_eq!(requested_cost(m, &vars, None).unwrap().0, 20);
        let (c, doc) =
            requested_cost("{ products(first: 3) { nodes { id } } }", &vars, None).unwrap();
        assert_eq!(c, 5);
        let data = serde_json::json!({"products": {"nodes": [{"id": "a"}]}});
        assert_eq!(CostModel::new(&doc, &vars).actual(None, &data), 3);
    }

    #[test]
    fn bucket_restores_on_the_clock() {
        let mut b = Bucket::new(
            CostLimits {
                maximum_available: 100.0,
                restore_rate: 10.0,
            },
            0,
        );
        assert!(b.try_charge(100, 0));
        assert!(!b.try_charge(1, 0));
        assert!(b.try_charge(50, 5_000));
        assert_eq!(b.status(5_000).currently_available, 0.0);
    }
}

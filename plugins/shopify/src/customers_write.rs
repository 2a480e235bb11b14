//! Writing the `customers` stream (upsert) without ever creating a duplicate.
//!
//! Every record is matched before anything is created: by e-mail, then by phone, then by the
//! Shopify id in its external ids; a match is updated (`customerUpdate`: e-mail, phone and names
//! where the record has them), no match is created (`customerCreate`). Shopify also refuses a
//! second customer with the same e-mail or phone; if that happens (someone created it between
//! our lookup and our write) the record is a `conflict` and the engine looks it up again.
//! `target-version` is the customer's `updatedAt`. Deliberately not here: reads.

use serde_json::{Map, Value, json};
use weft_sdk::connector::{ErrorClass, Failure, WriteItem, WriteOp, Written, failure};
use weft_sdk::model::{Customer, Entity};

use crate::customers::{Match, find};
use crate::doc::Doc;
use crate::gql;
use crate::util::{list_at, permanent, shopify_id, str_at};

type Outcome = Result<Written, Failure>;

/// The input fields for a customer record (absent values are left as Shopify has them).
pub fn input(c: &Customer, id: Option<&str>) -> Value {
    let mut m = Map::new();
    if let Some(id) = id {
        m.insert("id".into(), json!(id));
    }
    if let Some(e) = &c.email {
        m.insert("email".into(), json!(e.to_lowercase()));
    }
    if let Some(p) = &c.phone {
        m.insert("phone".into(), json!(p));
    }
    if !c.first_name.is_empty() {
        m.insert("firstName".into(), json!(c.first_name));
    }
    if !c.last_name.is_empty() {
        m.insert("lastName".into(), json!(c.last_name));
    }
    Value::Object(m)
}

fn matches_of(c: &Customer) -> Vec<Match> {
    let mut m = Vec::new();
    if let Some(e) = c.email.as_deref().filter(|e| !e.is_empty()) {
        m.push(Match::Email(e.to_lowercase()));
    }
    if let Some(p) = c.phone.as_deref().filter(|p| !p.is_empty()) {
        m.push(Match::Phone(p.to_string()));
    }
    m
}

/// Write a batch; one outcome per item, in order.
pub fn write(items: &[WriteItem]) -> Vec<Outcome> {
    let mut out: Vec<Option<Outcome>> = vec![None; items.len()];
    let mut todo: Vec<(usize, &Customer, Vec<Match>)> = Vec::new();
    for (i, item) in items.iter().enumerate() {
        match (&item.entity, &item.op) {
            (_, WriteOp::Delete) => {
                out[i] = Some(Err(permanent("customers are never deleted by sync")))
            }
            (Entity::Customer(c), _) => todo.push((i, c, matches_of(c))),
            _ => out[i] = Some(Err(permanent("customers takes customer records"))),
        }
    }
    let all: Vec<Match> = todo.iter().flat_map(|(_, _, m)| m.clone()).collect();
    let found = match find(&all) {
        Ok(f) => f,
        Err(f) => return fail_all(out, &f),
    };
    let mut found = found.into_iter();
    let mut writes: Vec<(usize, String, Value)> = Vec::new();
    for (i, c, ms) in &todo {
        let hits: Vec<Option<Value>> = ms.iter().map(|_| found.next().flatten()).collect();
        let id = hits
            .iter()
            .flatten()
            .find_map(|n| str_at(n, "/id").map(str::to_string))
            .or_else(|| shopify_id(&c.meta, "Customer"));
        let op = if id.is_some() {
            "customerUpdate"
        } else {
            "customerCreate"
        };
        writes.push((*i, op.to_string(), input(c, id.as_deref())));
    }
    for chunk in writes.chunks(50) {
        let mut d = Doc::new();
        for (n, (_, op, inp)) in chunk.iter().enumerate() {
            d.var(format!("in{n}"), "CustomerInput!", inp.clone())
                .field(format!(
                    "w{n}: {op}(input: $in{n}) {{ customer {{ id updatedAt }} userErrors {{ field message }} }}"
                ));
        }
        let (doc, vars) = d.render("mutation", "WriteCustomers");
        match gql::run(&doc, vars, false) {
            Ok(data) => {
                for (n, (i, op, _)) in chunk.iter().enumerate() {
                    out[*i] = Some(judge(op, data.get(format!("w{n}")).unwrap_or(&Value::Null)));
                }
            }
            Err(f) => chunk
                .iter()
                .for_each(|(i, _, _)| out[*i] = Some(Err(f.clone()))),
        }
    }
    out.into_iter()
        .map(|o| o.unwrap_or_else(|| Err(failure(ErrorClass::Transient, "not attempted"))))
        .collect()
}

fn fail_all(out: Vec<Option<Outcome>>, f: &Failure) -> Vec<Outcome> {
    out.into_iter()
        .map(|o| o.unwrap_or_else(|| Err(f.clone())))
        .collect()
}

/// Interpret one `customerCreate`/`customerUpdate` answer.
pub fn judge(op: &str, answer: &Value) -> Outcome {
    if let Some(e) = list_at(answer, "/userErrors").first() {
        let message = str_at(e, "/message").unwrap_or("user error");
        let taken = message.contains("already been taken");
        return Err(match (taken, op) {
            // Created meanwhile by someone else: look it up again and update it.
            (true, "customerCreate") => failure(ErrorClass::Conflict, format!("{op}: {message}")),
            (true, _) => permanent(format!(
                "{op}: {message}; another Shopify customer has this e-mail or phone, merge them in Shopify"
            )),
            _ => permanent(format!("{op}: {message}")),
        });
    }
    match (
        str_at(answer, "/customer/id"),
        str_at(answer, "/customer/updatedAt"),
    ) {
        (Some(id), Some(at)) => Ok(Written {
            target_id: id.to_string(),
            target_version: at.to_string(),
        }),
        _ => Err(permanent(format!("{op} answered without a customer"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use weft_sdk::model::meta;

    #[test]
    fn inputs_and_answers() {
        let c = Customer {
            meta: meta("lightspeed-r", "9", "1"),
            email: Some("Ann@Example.com".into()),
            phone: None,
            first_name: "Ann".into(),
            last_name: String::new(),
            customer_type: None,
        };
        assert_eq!(
            input(&c, Some("gid://shopify/Customer/5")),
            json!({"id": "gid://shopify/Customer/5", "email": "ann@example.com", "firstName": "Ann"})
        );
        assert_eq!(matches_of(&c), vec![Match::Email("ann@example.com".into())]);
        let ok = json!({"customer": {"id": "gid://shopify/Customer/5", "updatedAt": "T"}, "userErrors": []});
        assert_eq!(judge("customerUpdate", &ok).unwrap().target_version, "T");
        let taken = json!({"customer": null, "userErrors": [{"field": ["email"], "message": "Email has already been taken"}]});
        assert_eq!(
            judge("customerCreate", &taken).unwrap_err().class,
            ErrorClass::Conflict
        );
        assert_eq!(
            judge("customerUpdate", &taken).unwrap_err().class,
            ErrorClass::Permanent
        );
    }
}

//! Unit tests of `write-batch` against canned responses: customer matching (e-mail, phone, the
//! external-id index) before creating, orders posted once (kv, then the sale's reference),
//! unknown SKUs as dependency-missing, and a 429 stopping the rest of the batch.
//!
//! Not here: the payload's money rules (see `order_body_tests`).

use serde_json::json;
use weft_sdk::connector::{ErrorClass, WriteItem, WriteOp};
use weft_sdk::http::Method;
use weft_sdk::model::{Customer, Entity, ExternalId, Order, OrderLine, meta, money};

use super::{CUSTOMERS, ORDERS, write_batch};
use crate::testenv::FakeEnv;

fn item(key: &str, entity: Entity) -> WriteItem {
    WriteItem {
        idempotency_key: key.into(),
        op: WriteOp::Upsert,
        entity,
        expected_version: None,
    }
}

fn shopper(email: Option<&str>, phone: Option<&str>, id: &str) -> Entity {
    Entity::Customer(Customer {
        meta: meta("shopify", id, "1"),
        email: email.map(Into::into),
        phone: phone.map(Into::into),
        first_name: "Ava".into(),
        last_name: "Kim".into(),
        customer_type: None,
    })
}

fn saved(id: u64) -> serde_json::Value {
    json!({"Customer": {"customerID": id.to_string(), "firstName": "Ava",
        "timeStamp": "2026-01-01T00:00:00+00:00"}})
}

#[test]
fn customers_match_by_email_then_phone_then_external_id_before_creating() {
    let env = FakeEnv::new();
    env.on(
        Method::Get,
        "Contact.email=~%2Cava%40x.com",
        200,
        json!({"Customer": [
        {"customerID": "7", "Contact": {"Emails": {"ContactEmail": {"address": "AVA@x.com"}}}}]}),
    );
    env.on(
        Method::Get,
        "Contact.email",
        200,
        json!({"@attributes": {"next": ""}}),
    );
    env.on(
        Method::Get,
        "Contact.phone=%3D%2C%2B15550001",
        200,
        json!({"Customer":
        {"customerID": "8", "Contact": {"Phones": {"ContactPhone": {"number": "+1 555 0001"}}}}}),
    );
    env.on(
        Method::Get,
        "Contact.phone",
        200,
        json!({"@attributes": {"next": ""}}),
    );
    env.on(
        Method::Get,
        "/Customer/9.json",
        200,
        json!({"Customer": {"customerID": "9"}}),
    );
    env.on(Method::Put, "/Customer/7.json", 200, saved(7));
    env.on(Method::Put, "/Customer/8.json", 200, saved(8));
    env.on(Method::Put, "/Customer/9.json", 200, saved(9));
    env.on(Method::Post, "/Customer.json", 200, saved(9));
    let batch = vec![
        item("k1", shopper(Some("Ava@X.com"), None, "s1")),
        item("k2", shopper(Some("new@x.com"), Some("+15550001"), "s2")),
        item("k3", shopper(None, None, "s3")),
        item("k4", shopper(None, None, "s3")),
    ];
    let out = write_batch(&env, CUSTOMERS, batch).unwrap();
    let ids: Vec<String> = out.into_iter().map(|r| r.unwrap().target_id).collect();
    assert_eq!(ids, vec!["7", "8", "9", "9"]);
    assert_eq!(
        env.paths(Method::Post),
        vec!["/Customer.json"],
        "created once"
    );
    assert_eq!(
        env.kv
            .borrow()
            .get("cust-ext:shopify:s3")
            .map(Vec::as_slice),
        Some(&b"9"[..])
    );
    let put = env
        .sent
        .borrow()
        .iter()
        .find(|s| s.method == Method::Put)
        .cloned()
        .unwrap();
    assert_eq!(
        put.body["Contact"]["Emails"]["ContactEmail"][0]["address"],
        "ava@x.com"
    );
    // A Lightspeed id among the external ids is asked for directly.
    let mut c = shopper(None, None, "s9");
    if let Entity::Customer(c) = &mut c {
        c.meta.external_ids.push(ExternalId {
            system: "lightspeed-r".into(),
            id: "9".into(),
        });
    }
    let out = write_batch(&env, CUSTOMERS, vec![item("k5", c)]).unwrap();
    assert_eq!(out[0].as_ref().unwrap().target_id, "9");
    assert_eq!(env.paths(Method::Post).len(), 1);
}

fn web_order(sku: &str) -> Entity {
    Entity::Order(Order {
        meta: meta("shopify", "123", "1"),
        number: "#1001".into(),
        channel: "online".into(),
        location: Some("2".into()),
        customer_ref: Some("s3".into()),
        lines: vec![OrderLine {
            line_id: "1".into(),
            sku: sku.into(),
            quantity: 1,
            unit_price: money(1000, "USD"),
            discount: money(0, "USD"),
            tax: money(0, "USD"),
        }],
        tenders: Vec::new(),
        discounts: Vec::new(),
        taxes: Vec::new(),
        shipping: None,
        total: money(1000, "USD"),
        created_at: "2026-01-01T00:00:00Z".into(),
    })
}

#[test]
fn orders_post_once_and_wait_for_unknown_skus() {
    let env = FakeEnv::new();
    env.kv
        .borrow_mut()
        .insert("cust-ext:shopify:s3".into(), b"9".to_vec());
    env.on(
        Method::Get,
        "customSku=IN",
        200,
        json!({"Item": {"itemID": "4", "customSku": "TEE-S"}}),
    );
    env.on(Method::Get, "systemSku=IN", 200, json!({}));
    env.on_times(Method::Get, "referenceNumber=%3D%2C123", 1, json!({}));
    env.on(
        Method::Post,
        "/Sale.json",
        200,
        json!({"Sale": {"saleID": "31",
        "timeStamp": "2026-01-01T00:00:00+00:00"}}),
    );
    env.on(
        Method::Get,
        "referenceNumber=%3D%2C123",
        200,
        json!({"Sale": {"saleID": "31"}}),
    );
    let out = write_batch(&env, ORDERS, vec![item("ik-1", web_order("TEE-S"))]).unwrap();
    assert_eq!(out[0].as_ref().unwrap().target_id, "31");
    let post = env
        .sent
        .borrow()
        .iter()
        .find(|s| s.method == Method::Post)
        .cloned()
        .unwrap();
    assert_eq!(post.body["customerID"], "9");
    assert_eq!(post.body["referenceNumber"], "123");
    assert_eq!(post.body["SaleLines"]["SaleLine"][0]["itemID"], "4");

    // Same key: answered from kv. New key, same order: found by reference. Neither posts.
    let out = write_batch(&env, ORDERS, vec![item("ik-1", web_order("TEE-S"))]).unwrap();
    assert_eq!(out[0].as_ref().unwrap().target_id, "31");
    let out = write_batch(&env, ORDERS, vec![item("ik-2", web_order("TEE-S"))]).unwrap();
    assert_eq!(out[0].as_ref().unwrap().target_id, "31");
    assert_eq!(env.paths(Method::Post).len(), 1);

    let env = FakeEnv::new();
    env.on(Method::Get, "Sku=IN", 200, json!({}));
    env.on(Method::Get, "referenceNumber", 200, json!({}));
    let f = write_batch(&env, ORDERS, vec![item("ik-3", web_order("GHOST-1"))]).unwrap();
    let f = f[0].as_ref().unwrap_err();
    assert_eq!(f.class, ErrorClass::DependencyMissing);
    assert_eq!(f.waiting_for.as_deref(), Some("sku:GHOST-1"));
    assert!(env.paths(Method::Post).is_empty());
}

#[test]
fn a_429_fails_the_rest_of_the_batch_without_sending_it() {
    let env = FakeEnv::new();
    env.on_with(Method::Get, "Customer.json", 429, &[("Retry-After", "3")]);
    let batch = vec![
        item("k1", shopper(Some("a@x.com"), None, "1")),
        item("k2", shopper(Some("b@x.com"), None, "2")),
    ];
    let out = write_batch(&env, CUSTOMERS, batch).unwrap();
    for r in &out {
        let f = r.as_ref().unwrap_err();
        assert_eq!(
            (f.class, f.retry_after_ms),
            (ErrorClass::RateLimited, Some(3000))
        );
    }
    assert_eq!(env.sent.borrow().len(), 1);
}

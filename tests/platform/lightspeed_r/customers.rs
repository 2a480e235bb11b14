//! Customers written to Lightspeed: upserts matched by e-mail, phone and the external-id index,
//! so writing the same shoppers twice leaves one customer each; lookups by e-mail and phone.
//!
//! Not here: reading customers incrementally (the stream shares the cursor tested in `reads`).

use reqwest::Method;
use weft_world::types::{Customer, Entity};

use super::{Env, env, meta, upsert};

pub(crate) fn shopper(id: &str, email: Option<&str>, phone: Option<&str>) -> Entity {
    Entity::Customer(Customer {
        meta: meta("shopify", id),
        email: email.map(Into::into),
        phone: phone.map(Into::into),
        first_name: "Robin".into(),
        last_name: "Weft".into(),
        customer_type: None,
    })
}

async fn customers_with_email(env: &Env, email: &str) -> usize {
    let path = format!(
        "/Customer.json?load_relations=%5B%22Contact%22%5D&Contact.email=%3D%2C{}",
        email.replace('@', "%40")
    );
    let body = env.api(Method::GET, &path, None).await;
    match &body["Customer"] {
        serde_json::Value::Array(a) => a.len(),
        serde_json::Value::Object(_) => 1,
        _ => 0,
    }
}

#[tokio::test]
async fn customers_written_twice_are_one_customer() {
    let env = env(2).await;
    let seeded = env.sim.retailer().customers[4].clone();
    let batch = vec![
        upsert(
            "c1",
            shopper("gid://shopify/Customer/1", Some("Robin@Example.com"), None),
        ),
        upsert(
            "c2",
            shopper("gid://shopify/Customer/2", None, Some("+15559990001")),
        ),
        upsert("c3", shopper("gid://shopify/Customer/3", None, None)),
        upsert(
            "c4",
            shopper("gid://shopify/Customer/4", Some(&seeded.email), None),
        ),
    ];
    let first: Vec<String> = env
        .write("customers", batch.clone())
        .await
        .into_iter()
        .map(|r| r.unwrap().target_id)
        .collect();
    let again: Vec<String> = env
        .write("customers", batch)
        .await
        .into_iter()
        .map(|r| r.unwrap().target_id)
        .collect();
    assert_eq!(first, again, "the second write matched every customer");
    assert_eq!(
        first[3],
        seeded.ls_customer_id.to_string(),
        "a seeded customer is matched by e-mail"
    );
    assert_eq!(customers_with_email(&env, "robin@example.com").await, 1);
    // The phone-only customer is found by phone under a new source id, too.
    let other = vec![upsert(
        "c5",
        shopper("gid://shopify/Customer/9", None, Some("+15559990001")),
    )];
    assert_eq!(
        env.write("customers", other).await[0]
            .as_ref()
            .unwrap()
            .target_id,
        first[1]
    );

    let found = env
        .lookup(
            "customers",
            &[
                "customer:robin@example.com",
                "customer:phone:+15559990001",
                "customer:nobody@x.com",
            ],
        )
        .await;
    let ids: Vec<String> = found
        .iter()
        .map(|e| match e {
            Entity::Customer(c) => c.meta.source_id.clone(),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(ids, vec![first[0].clone(), first[1].clone()]);
    let (all, _, _) = env.read_all("customers", None, 50).await;
    assert_eq!(
        all.len(),
        env.sim.retailer().customers.len() + 3,
        "three created, none twice"
    );
}

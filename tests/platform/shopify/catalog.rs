//! Customers and products.

use super::*;

#[tokio::test]
async fn a_customer_written_twice_exists_once_and_known_customers_are_matched() {
    let env = env().await;
    let before = env.shop.customers().len();
    let ann = customer("ann.new@example.com", Some("+15550009999"), "Ann");
    let first = env
        .write("customers", vec![upsert("k-c1", ann.clone())])
        .await;
    let id = first[0].as_ref().expect("created").target_id.clone();
    let second = env.write("customers", vec![upsert("k-c2", ann)]).await;
    assert_eq!(second[0].as_ref().expect("updated").target_id, id);
    let count = |email: &str| {
        env.shop
            .customers()
            .iter()
            .filter(|c| c.email.as_deref() == Some(email))
            .count()
    };
    assert_eq!(count("ann.new@example.com"), 1);
    assert_eq!(env.shop.customers().len(), before + 1);

    // A seeded customer, written with an upper-case e-mail and a new first name: matched.
    let seeded = env.shop.retailer().customers[0].clone();
    let shout = customer(&seeded.email.to_uppercase(), None, "Renamed");
    let out = env.write("customers", vec![upsert("k-c3", shout)]).await;
    assert_eq!(
        out[0].as_ref().unwrap().target_id,
        format!("gid://shopify/Customer/{}", seeded.shopify_customer_id)
    );
    assert_eq!(env.shop.customers().len(), before + 1);
    // Matched by phone when the e-mail is new.
    let by_phone = customer("other.address@example.com", Some(&seeded.phone), "Same");
    let out = env.write("customers", vec![upsert("k-c4", by_phone)]).await;
    assert_eq!(
        out[0].as_ref().unwrap().target_id,
        format!("gid://shopify/Customer/{}", seeded.shopify_customer_id)
    );
    assert_eq!(env.shop.customers().len(), before + 1);

    let found = env
        .lookup(
            "customers",
            &[
                "customer:ann.new@example.com",
                "customer:nobody@example.com",
            ],
        )
        .await;
    let [Entity::Customer(c)] = found.as_slice() else {
        panic!("{found:?}")
    };
    assert_eq!(
        (c.first_name.as_str(), c.phone.as_deref()),
        ("Ann", Some("+15550009999"))
    );
    let (all, _) = env.read_all("customers", None).await;
    assert_eq!(all.len(), env.shop.customers().len());
}

#[tokio::test]
async fn products_are_created_updated_by_sku_and_archived_once() {
    let env = env().await;
    let shirt = product(
        "Linen Shirt",
        &[("LIN-S", "S", 4500), ("LIN-M", "M", 4500)],
        ProductStatus::Active,
    );
    let out = env.write("products", vec![upsert("k-p1", shirt)]).await;
    let id = out[0].as_ref().expect("created").target_id.clone();
    let found = env.lookup("products", &["product:LIN-M"]).await;
    let [Entity::Product(p)] = found.as_slice() else {
        panic!("{found:?}")
    };
    assert_eq!(p.meta.external_ids[0].id, id);
    assert_eq!(p.option_names, ["Size"]);
    let skus: Vec<&str> = p.variants.iter().map(|v| v.sku.as_str()).collect();
    assert_eq!(skus, ["LIN-S", "LIN-M"]);
    assert_eq!(
        p.variants[0].price.as_ref().map(|m| m.amount_minor),
        Some(4500)
    );
    let small_id = p.variants[0].meta.source_id.clone();

    // The POS renames it, reprices S and adds L: same product, S keeps its variant id.
    let next = product(
        "Linen Shirt Classic",
        &[
            ("LIN-S", "S", 3900),
            ("LIN-M", "M", 4500),
            ("LIN-L", "L", 4500),
        ],
        ProductStatus::Active,
    );
    let out = env.write("products", vec![upsert("k-p2", next)]).await;
    assert_eq!(out[0].as_ref().expect("updated").target_id, id);
    let found = env.lookup("products", &["product:LIN-S"]).await;
    let [Entity::Product(p)] = found.as_slice() else {
        panic!("{found:?}")
    };
    assert_eq!(p.title, "Linen Shirt Classic");
    assert_eq!(p.variants.len(), 3);
    assert_eq!(p.variants[0].meta.source_id, small_id);
    assert_eq!(
        p.variants[0].price.as_ref().map(|m| m.amount_minor),
        Some(3900)
    );
    // The new variant can be stocked right away (the SKU mapping is primed).
    let loc = env.shop.location_ids()[0];
    let stock = env
        .write("inventory-levels", vec![set("k-p3", "LIN-L", loc, 8, None)])
        .await;
    assert!(stock[0].is_ok(), "{stock:?}");
    assert_eq!(env.shop.available("LIN-L", loc), Some(8));

    // Archived in the POS: archived once in Shopify.
    let gone = product(
        "Linen Shirt Classic",
        &[("LIN-S", "S", 3900)],
        ProductStatus::Archived,
    );
    let out = env
        .write("products", vec![upsert("k-p4", gone.clone())])
        .await;
    assert_eq!(out[0].as_ref().expect("archived").target_id, id);
    let found = env.lookup("products", &["product:LIN-S"]).await;
    let [Entity::Product(p)] = found.as_slice() else {
        panic!("{found:?}")
    };
    assert_eq!(p.status, ProductStatus::Archived);
    assert_eq!(p.variants.len(), 3, "archiving does not touch variants");
    let again = env.write("products", vec![upsert("k-p5", gone)]).await;
    assert_eq!(again[0].as_ref().unwrap().target_id, id);

    // Reading products returns what Shopify has, the new one included.
    let (all, _) = env.read_all("products", None).await;
    assert!(
        all.iter()
            .any(|e| matches!(e, Entity::Product(p) if p.title == "Linen Shirt Classic"))
    );
    assert_eq!(all.len(), env.shop.retailer().products.len() + 1);
}

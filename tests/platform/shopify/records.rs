//! Records the tests write, built the way a Lightspeed-side mapping would produce them.

use weft_engine::{ErrorClass, Failure, WriteItem, WriteOp, Written};
use weft_world::types::{
    Customer, CustomerReturn, Entity, InventoryLevel, Meta, Money, OptionValue, OrderLine, Product,
    ProductStatus, ProductVariant,
};

pub(crate) fn meta(id: &str) -> Meta {
    Meta {
        source_system: "lightspeed-r".into(),
        source_id: id.into(),
        version: "1".into(),
        external_ids: vec![],
        attributes: vec![],
    }
}

pub(crate) fn usd(minor: i64) -> Money {
    Money {
        amount_minor: minor,
        currency: "USD".into(),
    }
}

pub(crate) fn set(key: &str, sku: &str, loc: u64, qty: i64, expected: Option<i64>) -> WriteItem {
    WriteItem {
        idempotency_key: key.into(),
        op: WriteOp::SetQuantity,
        entity: Entity::InventoryLevel(InventoryLevel {
            meta: meta(&format!("{sku}@{loc}")),
            sku: sku.into(),
            location: loc.to_string(),
            on_hand: qty,
            available: qty,
            committed: 0,
        }),
        expected_version: expected.map(|v| v.to_string()),
    }
}

pub(crate) fn upsert(key: &str, entity: Entity) -> WriteItem {
    WriteItem {
        idempotency_key: key.into(),
        op: WriteOp::Upsert,
        entity,
        expected_version: None,
    }
}

pub(crate) fn line(sku: &str, quantity: i64) -> OrderLine {
    OrderLine {
        line_id: "1".into(),
        sku: sku.into(),
        quantity,
        unit_price: usd(0),
        discount: usd(0),
        tax: usd(0),
    }
}

pub(crate) fn customer(email: &str, phone: Option<&str>, first: &str) -> Entity {
    Entity::Customer(Customer {
        meta: meta(email),
        email: Some(email.into()),
        phone: phone.map(Into::into),
        first_name: first.into(),
        last_name: "Tester".into(),
        customer_type: None,
    })
}

pub(crate) fn product(title: &str, skus: &[(&str, &str, i64)], status: ProductStatus) -> Entity {
    Entity::Product(Product {
        meta: meta(title),
        title: title.into(),
        parent_id: None,
        option_names: vec!["Size".into()],
        variants: skus
            .iter()
            .map(|(sku, size, price)| ProductVariant {
                meta: meta(sku),
                sku: sku.to_string(),
                barcodes: vec![format!("0{sku}")],
                options: vec![OptionValue {
                    name: "Size".into(),
                    value: size.to_string(),
                }],
                price: Some(usd(*price)),
            })
            .collect(),
        tax_class: None,
        unit_of_measure: "each".into(),
        pack_size: 1,
        status,
    })
}

pub(crate) fn customer_return(order: u64, sku: &str, loc: u64, refund: i64) -> Entity {
    Entity::CustomerReturn(CustomerReturn {
        meta: meta("R-1"),
        original_order_ref: order.to_string(),
        new_transaction_id: "S-1001".into(),
        lines: vec![line(sku, 1)],
        restock_location: Some(loc.to_string()),
        refund: usd(refund),
    })
}

pub(crate) fn class(r: &Result<Written, Failure>) -> Option<ErrorClass> {
    r.as_ref().err().map(|f| f.class)
}

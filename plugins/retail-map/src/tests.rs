//! Native tests of the mapping and of config checking. Not here: the component (see the
//! fixtures, run with `weft plugin test`).

use weft_sdk::model::{
    Attribute, CustomerReturn, Entity, Fulfilment, InventoryLevel, Order, Product, meta, money,
};
use weft_sdk::transform::Outcome;

use super::*;

const SHOPS: &str = r#"{"locations": {"1": "1001", "2": "1002", "3": "1003"}"#;

fn config(extra: &str) -> Config {
    Config::parse(&format!("{SHOPS}{extra}}}")).unwrap()
}

fn level(location: &str) -> Entity {
    Entity::InventoryLevel(InventoryLevel {
        meta: meta("lightspeed-r", "7", "1"),
        sku: "TEE-M".into(),
        location: location.into(),
        on_hand: 4,
        available: 4,
        committed: 0,
    })
}

fn order(location: Option<&str>) -> Entity {
    Entity::Order(Order {
        meta: meta("lightspeed-r", "55", "1"),
        number: "55".into(),
        channel: "pos".into(),
        location: location.map(String::from),
        customer_ref: None,
        lines: vec![],
        tenders: vec![],
        discounts: vec![],
        taxes: vec![],
        shipping: None,
        total: money(0, "USD"),
        created_at: "2024-05-01T10:00:00Z".into(),
    })
}

fn ret(original_key: Option<&str>, original_ref: &str, restock: Option<&str>) -> CustomerReturn {
    let mut m = meta("lightspeed-r", "9", "1");
    if let Some(k) = original_key {
        m.attributes.push(Attribute {
            name: ORIGINAL_ORDER_KEY.into(),
            value: k.into(),
        });
    }
    CustomerReturn {
        meta: m,
        original_order_ref: original_ref.into(),
        new_transaction_id: "9".into(),
        lines: vec![],
        restock_location: restock.map(String::from),
        refund: money(2639, "USD"),
    }
}

fn fulfilment() -> Entity {
    Entity::Fulfilment(Fulfilment {
        meta: meta("shopify", "3", "1"),
        order_ref: "1".into(),
        lines: vec![],
        carrier: None,
        tracking_number: Some("1Z".into()),
    })
}

fn product() -> Entity {
    Entity::Product(Product {
        meta: meta("lightspeed-r", "1", "1"),
        title: "Tee".into(),
        parent_id: None,
        option_names: vec![],
        variants: vec![],
        tax_class: None,
        unit_of_measure: "each".into(),
        pack_size: 1,
        status: weft_sdk::model::ProductStatus::Active,
    })
}

fn emitted(outcome: Outcome) -> Entity {
    match outcome {
        Outcome::Emit(mut v) if v.len() == 1 => v.remove(0),
        other => panic!("expected one record emitted, got {other:?}"),
    }
}

fn location_of(entity: &Entity) -> Option<String> {
    match entity {
        Entity::InventoryLevel(l) => Some(l.location.clone()),
        Entity::Order(o) => o.location.clone(),
        Entity::CustomerReturn(r) => r.restock_location.clone(),
        _ => None,
    }
}

#[test]
fn locations_are_renamed_on_levels_orders_and_returns() {
    let c = config("");
    let out = apply(
        &c,
        vec![
            level("1"),
            order(Some("2")),
            Entity::CustomerReturn(ret(None, "5", Some("3"))),
        ],
    );
    let locations: Vec<_> = out.into_iter().map(|o| location_of(&emitted(o))).collect();
    assert_eq!(
        locations,
        [
            Some("1001".into()),
            Some("1002".into()),
            Some("1003".into())
        ]
    );
}

#[test]
fn an_unmapped_location_drops_by_default_and_keeps_or_fails_when_configured() {
    let reason = "location 4 is not mapped (mapped: 1, 2, 3)";
    assert_eq!(
        map_one(&config(""), level("4")),
        Outcome::Drop(reason.into())
    );
    assert_eq!(
        map_one(&config(r#", "unmapped": "drop""#), order(Some("4"))),
        Outcome::Drop(reason.into())
    );
    assert_eq!(
        map_one(&config(r#", "unmapped": "fail""#), level("4")),
        Outcome::Fail(reason.into())
    );
    let kept = emitted(map_one(&config(r#", "unmapped": "keep""#), level("4")));
    assert_eq!(kept, level("4"));
}

#[test]
fn records_without_a_location_and_an_empty_map_pass_unchanged() {
    let c = config(r#", "unmapped": "fail""#);
    for e in [
        order(None),
        Entity::CustomerReturn(ret(None, "5", None)),
        fulfilment(),
        product(),
    ] {
        assert_eq!(emitted(map_one(&c, e.clone())), e);
    }
    let empty = Config::parse("{}").unwrap();
    assert_eq!(emitted(map_one(&empty, level("77"))), level("77"));
}

#[test]
fn only_the_listed_kinds_pass_and_the_reason_names_the_kind() {
    let c = config(r#", "kinds": ["customer-return", "inventory-level"]"#);
    assert_eq!(
        map_one(&c, order(Some("1"))),
        Outcome::Drop("kind order is not passed (kinds: customer-return, inventory-level)".into())
    );
    assert_eq!(
        map_one(&c, fulfilment()),
        Outcome::Drop(
            "kind fulfilment is not passed (kinds: customer-return, inventory-level)".into()
        )
    );
    assert!(matches!(map_one(&c, level("1")), Outcome::Emit(_)));
    // A kind that is not passed is dropped for its kind, before any location check fails it.
    let strict = config(r#", "kinds": ["inventory-level"], "unmapped": "fail""#);
    assert!(
        matches!(map_one(&strict, order(Some("9"))), Outcome::Drop(r) if r.starts_with("kind order"))
    );
}

#[test]
fn returns_of_passes_returns_of_that_systems_orders_and_sets_the_ref() {
    let c = config(r#", "returns-of": "shopify""#);
    let Entity::CustomerReturn(r) = emitted(map_one(
        &c,
        Entity::CustomerReturn(ret(Some("order:shopify:5001"), "77", Some("2"))),
    )) else {
        panic!("not a return")
    };
    assert_eq!(r.original_order_ref, "5001");
    assert_eq!(r.restock_location.as_deref(), Some("1002"));
    // Already the id: left as it is.
    let same = Entity::CustomerReturn(ret(Some("order:shopify:5001"), "5001", None));
    assert_eq!(emitted(map_one(&c, same.clone())), same);

    assert_eq!(
        map_one(
            &c,
            Entity::CustomerReturn(ret(Some("order:lightspeed-r:12"), "12", Some("1")))
        ),
        Outcome::Drop("return of order:lightspeed-r:12 is not of a shopify order".into())
    );
    assert_eq!(
        map_one(
            &c,
            Entity::CustomerReturn(ret(None, "sale-line:14", Some("1")))
        ),
        Outcome::Drop(
            "return of sale-line:14 (no weft.original-order-key) is not of a shopify order".into()
        )
    );
    // A prefix of another system's name does not match, nor does an empty id.
    for key in ["order:shopify-plus:1", "order:shopify:"] {
        assert!(matches!(
            map_one(&c, Entity::CustomerReturn(ret(Some(key), "1", None))),
            Outcome::Drop(_)
        ));
    }
    // Other kinds are not affected by returns-of.
    assert!(matches!(map_one(&c, order(Some("1"))), Outcome::Emit(_)));
}

#[test]
fn the_checks_apply_in_order_kinds_then_returns_then_locations() {
    let c = config(r#", "returns-of": "shopify", "unmapped": "fail""#);
    // Not a Shopify return: dropped, not failed for its unmapped location.
    assert!(matches!(
        map_one(
            &c,
            Entity::CustomerReturn(ret(Some("order:lightspeed-r:1"), "1", Some("9")))
        ),
        Outcome::Drop(r) if r.starts_with("return of")
    ));
    // A Shopify return at an unmapped location: failed so it parks.
    assert_eq!(
        map_one(
            &c,
            Entity::CustomerReturn(ret(Some("order:shopify:1"), "1", Some("9")))
        ),
        Outcome::Fail("location 9 is not mapped (mapped: 1, 2, 3)".into())
    );
}

#[test]
fn a_full_config_parses() {
    let c = Config::parse(
        r#"{"locations": {"1": "1001"}, "unmapped": "keep", "kinds": ["customer-return"], "returns-of": "shopify"}"#,
    )
    .unwrap();
    assert_eq!(c.locations.get("1").map(String::as_str), Some("1001"));
    assert_eq!(c.unmapped, Unmapped::Keep);
    assert_eq!(c.kinds, Some(vec!["customer-return".to_string()]));
    assert_eq!(c.returns_of.as_deref(), Some("shopify"));
    assert_eq!(Config::parse("{}").unwrap(), Config::default());
}

#[test]
fn bad_configs_are_refused_naming_the_key_and_what_it_allows() {
    let err = |json: &str| Config::parse(json).unwrap_err();
    let cases = [
        (
            r#"{"unmapped": "skip"}"#,
            ["`unmapped` is \"skip\"", "\"keep\""],
        ),
        (r#"{"unmapped": 1}"#, ["`unmapped` must be", "\"fail\""]),
        (
            r#"{"location": {}}"#,
            [
                "unknown key `location`",
                "locations, unmapped, kinds, returns-of",
            ],
        ),
        (
            r#"{"locations": {"1": 1001}}"#,
            ["`locations` must be", "strings"],
        ),
        (
            r#"{"locations": ["1"]}"#,
            ["`locations` must be", "location id"],
        ),
        (
            r#"{"locations": {"1": ""}}"#,
            ["`locations` maps \"1\"", "must not be empty"],
        ),
        (
            r#"{"kinds": ["orders"]}"#,
            ["`kinds` names \"orders\"", "customer-return"],
        ),
        (
            r#"{"kinds": "order"}"#,
            ["`kinds` must be", "inventory-level"],
        ),
        (r#"{"kinds": []}"#, ["`kinds` is empty", "leave it out"]),
        (
            r#"{"returns-of": ""}"#,
            ["`returns-of` is \"\"", "system name"],
        ),
        (
            r#"{"returns-of": ["shopify"]}"#,
            ["`returns-of` must be", "system name"],
        ),
        (r#"["locations"]"#, ["must be a JSON object", "returns-of"]),
        (r#"{"locations": "#, ["not JSON", "EOF"]),
    ];
    for (json, wants) in cases {
        let e = err(json);
        for want in wants {
            assert!(e.contains(want), "{json}: {e:?} should contain {want:?}");
        }
    }
}

#[test]
fn clear_restock_removes_the_restock_location_of_returns_only() {
    let c = config(r#", "returns-of": "shopify", "clear-restock": true"#);
    let Entity::CustomerReturn(r) = emitted(map_one(
        &c,
        Entity::CustomerReturn(ret(Some("order:shopify:5001"), "77", Some("2"))),
    )) else {
        panic!("not a return")
    };
    assert_eq!(r.restock_location, None, "the source already restocked");
    assert_eq!(r.original_order_ref, "5001");
    assert!(
        Config::parse(r#"{"clear-restock": "yes"}"#)
            .unwrap_err()
            .contains("`clear-restock` must be true or false")
    );
}

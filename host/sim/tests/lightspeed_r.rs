//! Lightspeed R-Series simulator over real HTTP on loopback.

use std::collections::HashSet;
use std::time::Duration;

use reqwest::header::HeaderMap;
use reqwest::{Client, StatusCode};
use serde_json::{Value, json};
use weft_sim::clock::SimClock;
use weft_sim::lightspeed_r::{LightspeedConfig, LightspeedSim, RunningSim};

const T0_MS: i64 = 1_767_225_600_000; // 2026-01-01T00:00:00Z

async fn start(cfg: LightspeedConfig) -> RunningSim {
    LightspeedSim::start(cfg).await.expect("simulator starts")
}

fn manual(items: usize) -> LightspeedConfig {
    LightspeedConfig {
        items,
        burst_limiter: false,
        clock: Some(SimClock::manual(T0_MS)),
        ..Default::default()
    }
}

struct Resp {
    status: StatusCode,
    headers: HeaderMap,
    body: Value,
}

impl Resp {
    fn h(&self, name: &str) -> String {
        self.headers
            .get(name)
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default()
    }
}

async fn send(req: reqwest::RequestBuilder) -> Resp {
    let r = req.send().await.expect("request");
    let status = r.status();
    let headers = r.headers().clone();
    let body = r.json().await.unwrap_or(Value::Null);
    Resp {
        status,
        headers,
        body,
    }
}

async fn get(c: &Client, url: &str) -> Resp {
    send(c.get(url).bearer_auth("sandbox")).await
}

fn all_scalars_are_strings(v: &Value) -> bool {
    match v {
        Value::Object(m) => m.values().all(all_scalars_are_strings),
        Value::Array(a) => a.iter().all(all_scalars_are_strings),
        Value::String(_) => true,
        _ => false,
    }
}

#[tokio::test]
async fn paging_with_after_cursors_returns_every_item_once() {
    let sim = start(manual(40)).await;
    let c = Client::new();
    let total = get(&c, &format!("{}/Item.json?count=1", sim.api_base())).await;
    assert_eq!(total.h("x-ls-api-request-cost"), "10");
    let total: usize = total.body["@attributes"]["count"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(total, sim.retailer().sku_count());

    let mut url = format!("{}/Item.json?limit=25", sim.api_base());
    let mut seen = HashSet::new();
    let mut pages = 0;
    while !url.is_empty() {
        let r = get(&c, &url).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        if pages == 0 {
            assert_eq!(r.body["@attributes"]["previous"], "");
        }
        let items = match &r.body["Item"] {
            Value::Array(a) => a.clone(),
            o @ Value::Object(_) => vec![o.clone()],
            other => panic!("unexpected {other}"),
        };
        for i in items {
            assert!(seen.insert(i["itemID"].as_str().unwrap().to_string()));
        }
        url = r.body["@attributes"]["next"].as_str().unwrap().to_string();
        assert!(url.is_empty() || (url.contains("after=") && url.contains("sort=itemID")));
        pages += 1;
    }
    assert_eq!(seen.len(), total);
    assert_eq!(pages, total.div_ceil(25));

    // `previous` of page 2 leads back to page 1.
    let p1 = get(&c, &format!("{}/Item.json?limit=25", sim.api_base())).await;
    let p2 = get(&c, p1.body["@attributes"]["next"].as_str().unwrap()).await;
    let back = get(&c, p2.body["@attributes"]["previous"].as_str().unwrap()).await;
    assert_eq!(back.body["Item"], p1.body["Item"]);
    // limit above 100 is rejected with a Lightspeed-shaped error.
    let bad = get(&c, &format!("{}/Item.json?limit=250", sim.api_base())).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert_eq!(bad.body["httpCode"], "400");
}

#[tokio::test]
async fn single_records_are_objects_and_scalars_are_strings() {
    let sim = start(manual(5)).await;
    let c = Client::new();
    let r = get(
        &c,
        &format!(
            "{}/Item/1.json?load_relations=[\"ItemShops\",\"ItemAttributes\"]",
            sim.api_base()
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body["@attributes"]["count"], "1");
    assert!(r.body["Item"].is_object());
    assert!(all_scalars_are_strings(&r.body), "{}", r.body);
    let shops = r.body["Item"]["ItemShops"]["ItemShop"].as_array().unwrap();
    assert_eq!(shops.len(), 4);
    let qoh = |s: &Value| s["qoh"].as_str().unwrap().parse::<i64>().unwrap();
    let zero = shops.iter().find(|s| s["shopID"] == "0").unwrap();
    let sum: i64 = shops.iter().filter(|s| s["shopID"] != "0").map(qoh).sum();
    assert_eq!(qoh(zero), sum);
    // A list holding exactly one record renders it as an object too.
    let one = get(&c, &format!("{}/Shop.json?shopID=2", sim.api_base())).await;
    assert!(one.body["Shop"].is_object(), "{}", one.body);
    assert_eq!(one.body["Shop"]["shopID"], "2");
    let missing = get(&c, &format!("{}/Item/999999.json", sim.api_base())).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(missing.body["httpMessage"], "Not Found");
}

#[tokio::test]
async fn bucket_admits_first_overflow_then_429_and_drips_at_documented_rate() {
    let sim = start(manual(3)).await;
    let c = Client::new();
    let url = format!("{}/Shop.json", sim.api_base());
    for n in 1..=89 {
        let r = get(&c, &url).await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(r.h("x-ls-api-bucket-level"), format!("{n}/90"));
    }
    // The 2026 cost of a multi-record read with one X-to-many relation: 1 + 0.2 * 2 = 1.4.
    let over = get(
        &c,
        &format!(
            "{}/Item.json?load_relations=[\"ItemShops\"]",
            sim.api_base()
        ),
    )
    .await;
    assert_eq!(over.status, StatusCode::OK, "first overflow is admitted");
    assert_eq!(over.h("x-ls-api-request-cost"), "1.4");
    assert_eq!(over.h("x-ls-api-bucket-level"), "90.4/90");
    assert_eq!(over.h("x-ls-api-drip-rate"), "1");

    let r = get(&c, &url).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(r.h("x-ls-api-ratelimit-type"), "api-leaky-bucket");
    assert_eq!(r.h("retry-after"), "1");
    assert_eq!(r.h("x-ls-api-bucket-level"), "90.4/90");
    assert_eq!(r.body["httpCode"], "429");

    // Ten simulated seconds drip ten drips at 1/s.
    sim.clock().advance(Duration::from_secs(10));
    let r = get(&c, &url).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.h("x-ls-api-bucket-level"), "81.4/90");
    assert!((sim.bucket_level("sandbox") - 81.4).abs() < 1e-9);
}

#[tokio::test]
async fn more_registers_mean_a_bigger_bucket_and_faster_drip() {
    let sim = start(LightspeedConfig {
        registers: 3,
        ..manual(2)
    })
    .await;
    let c = Client::new();
    let r = get(&c, &format!("{}/Shop.json", sim.api_base())).await;
    assert_eq!(r.h("x-ls-api-bucket-level"), "1/110");
    assert_eq!(r.h("x-ls-api-drip-rate"), "2");
    sim.clock().advance(Duration::from_millis(250));
    assert!((sim.bucket_level("sandbox") - 0.5).abs() < 1e-9);
}

#[tokio::test]
async fn burst_limiter_rejects_the_21st_request_in_a_second() {
    let sim = start(LightspeedConfig {
        burst_limiter: true,
        ..manual(2)
    })
    .await;
    let c = Client::new();
    let url = format!("{}/Shop.json", sim.api_base());
    for n in 1..=20 {
        let r = get(&c, &url).await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(r.h("x-ls-api-burst-level"), format!("{n}/20"));
    }
    let r = get(&c, &url).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(r.h("x-ls-api-ratelimit-type"), "api-burst-limiter");
    assert_eq!(r.h("retry-after"), "1");
    assert!(
        r.body["message"]
            .as_str()
            .unwrap()
            .contains("burst rate limit exceeded")
    );
    sim.clock().advance(Duration::from_secs(1));
    assert_eq!(get(&c, &url).await.status, StatusCode::OK);
}

#[tokio::test]
async fn token_exchange_refresh_rotation_and_expiry() {
    let sim = start(LightspeedConfig {
        strict_auth: true,
        ..manual(2)
    })
    .await;
    let c = Client::new();
    let (id, secret) = sim.client_credentials();
    let (id, secret) = (id.to_string(), secret.to_string());
    let code = sim.authorization_code();
    let t1 = send(c.post(sim.token_url()).json(&json!({
        "grant_type": "authorization_code", "code": code, "client_id": id, "client_secret": secret,
    })))
    .await;
    assert_eq!(t1.status, StatusCode::OK, "{}", t1.body);
    assert_eq!(t1.body["token_type"], "Bearer");
    assert_eq!(t1.body["expires_in"], 1800);
    assert_eq!(
        t1.body["access_token"].as_str().unwrap().split('.').count(),
        3
    );
    // The code is single use.
    let again = send(c.post(sim.token_url()).json(&json!({
        "grant_type": "authorization_code", "code": code, "client_id": id, "client_secret": secret,
    })))
    .await;
    assert_eq!(again.body["error"], "invalid_grant");

    let shops = format!("{}/Shop.json", sim.api_base());
    let a1 = t1.body["access_token"].as_str().unwrap();
    let r = send(c.get(&shops).bearer_auth(a1)).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.h("x-ls-oauth-client-id"), id);

    let refresh = |r: &str| {
        c.post(sim.token_url()).form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", r),
            ("client_id", id.as_str()),
            ("client_secret", secret.as_str()),
        ])
    };
    let r1 = t1.body["refresh_token"].as_str().unwrap();
    let t2 = send(refresh(r1)).await;
    assert_eq!(t2.status, StatusCode::OK, "{}", t2.body);
    assert_ne!(t2.body["refresh_token"], t1.body["refresh_token"]);
    assert_ne!(t2.body["access_token"], t1.body["access_token"]);
    // Using the new access token retires the old refresh token.
    let a2 = t2.body["access_token"].as_str().unwrap();
    assert_eq!(
        send(c.get(&shops).bearer_auth(a2)).await.status,
        StatusCode::OK
    );
    let stale = send(refresh(r1)).await;
    assert_eq!(stale.status, StatusCode::BAD_REQUEST);
    assert_eq!(stale.body["error"], "invalid_grant");
    let t3 = send(refresh(t2.body["refresh_token"].as_str().unwrap())).await;
    assert_eq!(t3.status, StatusCode::OK);

    // Access tokens expire after 1800 simulated seconds.
    sim.clock().advance(Duration::from_secs(1801));
    let a3 = t3.body["access_token"].as_str().unwrap();
    let expired = send(c.get(&shops).bearer_auth(a3)).await;
    assert_eq!(expired.status, StatusCode::UNAUTHORIZED);
    assert_eq!(expired.body["httpCode"], "401");
}

#[tokio::test]
async fn strict_auth_rejects_sandbox_and_default_accepts_it() {
    let strict = start(LightspeedConfig {
        strict_auth: true,
        ..manual(2)
    })
    .await;
    let lenient = start(manual(2)).await;
    let c = Client::new();
    let r = get(&c, &format!("{}/Shop.json", strict.api_base())).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let r = send(c.get(format!("{}/Shop.json", lenient.api_base()))).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "no token at all");
    assert_eq!(
        get(&c, &format!("{}/Shop.json", lenient.api_base()))
            .await
            .status,
        StatusCode::OK
    );
    let other = get(
        &c,
        &format!("{}/API/V3/Account/1/Shop.json", lenient.base_url()),
    )
    .await;
    assert_eq!(other.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn timestamp_filter_returns_only_newer_records() {
    let sim = start(manual(10)).await;
    let c = Client::new();
    let since = sim.clock().now_rfc3339();
    sim.clock().advance(Duration::from_secs(5));
    let sku = sim.retailer().products[0].variants[0].sku.clone();
    let before = sim.qoh(&sku, 2).unwrap();
    sim.receive(&sku, 2, 12).unwrap();
    assert_eq!(sim.qoh(&sku, 2), Some(before + 12));

    let q: String = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("timeStamp", &format!(">,{since}"))
        .append_pair("sort", "timeStamp")
        .finish();
    let r = get(&c, &format!("{}/ItemShop.json?{q}", sim.api_base())).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let rows = r.body["ItemShop"]
        .as_array()
        .expect("two rows: shop 2 and shop 0");
    let shops: HashSet<&str> = rows.iter().map(|x| x["shopID"].as_str().unwrap()).collect();
    assert_eq!(shops, HashSet::from(["0", "2"]));
    let item = sim.item_id(&sku).unwrap().to_string();
    assert!(rows.iter().all(|x| x["itemID"] == item.as_str()));
    // The Item's own timeStamp excludes related-record changes.
    let items = get(&c, &format!("{}/Item.json?{q}", sim.api_base())).await;
    assert!(items.body.get("Item").is_none(), "{}", items.body);
}

async fn post_sale(c: &Client, sim: &RunningSim, body: Value) -> Resp {
    send(
        c.post(format!("{}/Sale.json", sim.api_base()))
            .bearer_auth("sandbox")
            .json(&body),
    )
    .await
}

#[tokio::test]
async fn a_completed_sale_decrements_qoh_and_a_refund_links_back() {
    let sim = start(manual(10)).await;
    let c = Client::new();
    let sku = sim.retailer().products[1].variants[0].sku.clone();
    sim.receive(&sku, 1, 10).unwrap();
    let (s1, s0, s2) = (
        sim.qoh(&sku, 1).unwrap(),
        sim.qoh(&sku, 0).unwrap(),
        sim.qoh(&sku, 2).unwrap(),
    );
    let item = sim.item_id(&sku).unwrap().to_string();
    let sale = post_sale(&c, &sim, json!({
        "shopID": "1", "registerID": "1", "employeeID": "1", "customerID": "3", "completed": "true",
        "referenceNumber": "#1001", "referenceNumberSource": "shopify",
        "SaleLines": {"SaleLine": [{"itemID": item, "unitQuantity": "3", "unitPrice": "10.00"}]},
        "SalePayments": {"SalePayment": {"amount": "30.00", "paymentTypeID": "4"}},
    }))
    .await;
    assert_eq!(sale.status, StatusCode::OK, "{}", sale.body);
    assert_eq!(sale.h("x-ls-api-request-cost"), "6"); // 2 + 3 (completed) + 0.5 * 2 nested
    assert!(all_scalars_are_strings(&sale.body));
    let sale_id = sale.body["Sale"]["saleID"].as_str().unwrap().to_string();
    assert_eq!(sale.body["Sale"]["calcTotal"], "30.00");
    let line_id = sale.body["Sale"]["SaleLines"]["SaleLine"]["saleLineID"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(sim.qoh(&sku, 1), Some(s1 - 3));
    assert_eq!(sim.qoh(&sku, 0), Some(s0 - 3));

    // Return one unit at shop 2.
    let refund = send(
        c.post(format!("{}/Sale/{sale_id}/Refund.json", sim.api_base()))
            .bearer_auth("sandbox")
            .json(&json!({"shopID": "2", "SaleLines": {"SaleLine": {"saleLineID": line_id, "unitQuantity": "1"}}})),
    )
    .await;
    assert_eq!(refund.status, StatusCode::OK, "{}", refund.body);
    assert_eq!(refund.h("x-ls-api-request-cost"), "10");
    let rl = &refund.body["Sale"]["SaleLines"]["SaleLine"];
    assert_eq!(rl["unitQuantity"], "-1");
    assert_eq!(rl["parentSaleLineID"], line_id.as_str());
    assert_eq!(refund.body["Sale"]["calcTotal"], "-10.00");
    let refund_id: u64 = refund.body["Sale"]["saleID"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert_ne!(refund_id.to_string(), sale_id);
    assert_eq!(
        sim.sale(refund_id).unwrap().refund_of,
        Some(sale_id.parse().unwrap())
    );
    assert_eq!(sim.qoh(&sku, 2), Some(s2 + 1));
    assert_eq!(sim.qoh(&sku, 0), Some(s0 - 2));

    // Cannot return more than was sold.
    let too_many = post_sale(&c, &sim, json!({
        "shopID": "1", "completed": "true",
        "SaleLines": {"SaleLine": {"itemID": item, "unitQuantity": "-3", "parentSaleLineID": line_id}},
    }))
    .await;
    assert_eq!(too_many.status, StatusCode::BAD_REQUEST);
    // An open (not completed) sale does not move stock until completed by PUT.
    let open = post_sale(
        &c,
        &sim,
        json!({
            "shopID": "1", "SaleLines": {"SaleLine": {"itemID": item, "unitQuantity": "1"}},
        }),
    )
    .await;
    assert_eq!(sim.qoh(&sku, 1), Some(s1 - 3));
    let open_id = open.body["Sale"]["saleID"].as_str().unwrap();
    let put = send(
        c.put(format!("{}/Sale/{open_id}.json", sim.api_base()))
            .bearer_auth("sandbox")
            .json(&json!({"completed": "true"})),
    )
    .await;
    assert_eq!(put.status, StatusCode::OK, "{}", put.body);
    assert_eq!(sim.qoh(&sku, 1), Some(s1 - 4));
}

#[tokio::test]
async fn a_shipped_ship_to_shows_on_a_timestamp_poll_of_sales_and_stays_shipped() {
    let sim = start(manual(10)).await;
    let c = Client::new();
    let sku = sim.retailer().products[1].variants[0].sku.clone();
    sim.receive(&sku, 1, 5).unwrap();
    let item = sim.item_id(&sku).unwrap().to_string();
    let sale = post_sale(&c, &sim, json!({
        "shopID": "1", "completed": "true", "referenceNumber": "7001", "referenceNumberSource": "shopify",
        "SaleLines": {"SaleLine": {"itemID": item, "unitQuantity": "1"}},
        "ShipTo": {"shipped": "false", "firstName": "Ada", "lastName": "Byron"},
    }))
    .await;
    assert_eq!(sale.status, StatusCode::OK, "{}", sale.body);
    let sale_id = sale.body["Sale"]["saleID"].as_str().unwrap().to_string();
    let ship_to = &sale.body["Sale"]["ShipTo"];
    assert_eq!(ship_to["shipped"], "false", "{}", sale.body);
    assert_ne!(sale.body["Sale"]["shipToID"], "0");
    // A sale without a ShipTo, which the shipToID filter leaves out.
    post_sale(
        &c,
        &sim,
        json!({"shopID": "1", "completed": "true",
        "SaleLines": {"SaleLine": {"itemID": item, "unitQuantity": "1"}}}),
    )
    .await;

    let since = sim.clock().now_rfc3339();
    sim.clock().advance(Duration::from_secs(3));
    let put = send(
        c.put(format!("{}/Sale/{sale_id}.json", sim.api_base()))
            .bearer_auth("sandbox")
            .json(&json!({"ShipTo": {"shipped": "true", "shipNote": "UPS 1Z999AA10123456784"}})),
    )
    .await;
    assert_eq!(put.status, StatusCode::OK, "{}", put.body);
    let q: String = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("timeStamp", &format!(">,{since}"))
        .append_pair("shipToID", ">,0")
        .append_pair("load_relations", r#"["ShipTo"]"#)
        .finish();
    let r = get(&c, &format!("{}/Sale.json?{q}", sim.api_base())).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let polled = &r.body["Sale"];
    assert_eq!(polled["saleID"], sale_id.as_str(), "{}", r.body);
    assert_eq!(polled["ShipTo"]["shipped"], "true");
    assert_eq!(polled["ShipTo"]["shipNote"], "UPS 1Z999AA10123456784");
    assert_eq!(polled["ShipTo"]["firstName"], "Ada");
    assert!(all_scalars_are_strings(&r.body));

    let unship = send(
        c.put(format!("{}/Sale/{sale_id}.json", sim.api_base()))
            .bearer_auth("sandbox")
            .json(&json!({"ShipTo": {"shipped": "false"}})),
    )
    .await;
    assert_eq!(unship.status, StatusCode::BAD_REQUEST, "{}", unship.body);
    let summary = sim.sale(sale_id.parse().unwrap()).unwrap().ship_to.unwrap();
    assert!(summary.shipped);
}

#[tokio::test]
async fn the_activity_ships_posted_online_orders_with_a_carrier_and_tracking_number() {
    let sim = start(manual(30)).await;
    let c = Client::new();
    let sku = sim.retailer().products[2].variants[0].sku.clone();
    sim.receive(&sku, 2, 5).unwrap();
    let item = sim.item_id(&sku).unwrap().to_string();
    let sale = post_sale(&c, &sim, json!({
        "shopID": "2", "completed": "true", "referenceNumber": "7002", "referenceNumberSource": "shopify",
        "SaleLines": {"SaleLine": {"itemID": item, "unitQuantity": "2"}}, "ShipTo": {"shipped": "false"},
    }))
    .await;
    let sale_id: u64 = sale.body["Sale"]["saleID"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let mut shipped = Vec::new();
    for _ in 0..10 {
        shipped.extend(sim.tick_activity(10).shipments);
    }
    assert_eq!(
        shipped,
        vec![sale_id],
        "shipped once, and only the sale that ships"
    );
    let ship_to = sim.sale(sale_id).unwrap().ship_to.unwrap();
    let (carrier, number) = ship_to.ship_note.split_once(' ').unwrap();
    assert!(
        ["UPS", "FedEx", "USPS", "DHL"].contains(&carrier),
        "{ship_to:?}"
    );
    assert!(
        number.starts_with("1Z") && number.len() == 16,
        "{ship_to:?}"
    );
}

#[tokio::test]
async fn item_put_sets_qoh_absolutely_and_item_shop_put_only_reorder_fields() {
    let sim = start(manual(5)).await;
    let c = Client::new();
    let sku = sim.retailer().products[0].variants[1].sku.clone();
    let id = sim.item_id(&sku).unwrap();
    let put = |body: Value, path: String| {
        c.put(format!("{}/{path}", sim.api_base()))
            .bearer_auth("sandbox")
            .json(&body)
    };
    let r = send(put(
        json!({"ItemShops": {"ItemShop": [{"shopID": "3", "qoh": "7"}]}}),
        format!("Item/{id}.json"),
    ))
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(sim.qoh(&sku, 3), Some(7));
    let total: i64 = (1..=3).map(|s| sim.qoh(&sku, s).unwrap()).sum();
    assert_eq!(sim.qoh(&sku, 0), Some(total));
    let dup = json!({"ItemShops": {"ItemShop": [{"shopID": "3", "qoh": "1"}, {"shopID": "3", "qoh": "2"}]}});
    assert_eq!(
        send(put(dup, format!("Item/{id}.json"))).await.status,
        StatusCode::BAD_REQUEST
    );
    let arch = json!({"archived": "true"});
    assert_eq!(
        send(put(arch, format!("Item/{id}.json"))).await.status,
        StatusCode::BAD_REQUEST
    );
    let row = r.body["Item"]["ItemShops"]["ItemShop"].as_array().unwrap()[1]["itemShopID"]
        .as_str()
        .unwrap()
        .to_string();
    let bad = send(put(json!({"qoh": "3"}), format!("ItemShop/{row}.json"))).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    let ok = send(put(
        json!({"reorderPoint": "4"}),
        format!("ItemShop/{row}.json"),
    ))
    .await;
    assert_eq!(ok.body["ItemShop"]["reorderPoint"], "4");
    // DELETE archives and zeroes stock.
    let del = send(
        c.delete(format!("{}/Item/{id}.json", sim.api_base()))
            .bearer_auth("sandbox"),
    )
    .await;
    assert_eq!(del.body["Item"]["archived"], "true");
    assert_eq!(sim.qoh(&sku, 0), Some(0));
}

#[tokio::test]
async fn faults_switch_on_and_off_at_run_time() {
    let sim = start(manual(2)).await;
    let c = Client::new();
    let url = format!("{}/Shop.json", sim.api_base());
    sim.faults().storm(true);
    let r = get(&c, &url).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(r.h("x-ls-api-ratelimit-type"), "api-leaky-bucket");
    sim.faults().storm(false);
    assert_eq!(get(&c, &url).await.status, StatusCode::OK);

    let ctl = format!("{}/__sim/faults", sim.base_url());
    let on = send(c.post(&ctl).json(&json!({"error_5xx_rate": 1.0}))).await;
    assert_eq!(on.body["config"]["error_5xx_rate"], 1.0);
    let r = get(&c, &url).await;
    assert!(r.status.is_server_error());
    assert_eq!(r.body["httpCode"], "503");
    let bad = send(c.post(&ctl).json(&json!({"error_5xx_rate": 2.0}))).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    send(c.delete(&ctl)).await;
    assert_eq!(get(&c, &url).await.status, StatusCode::OK);
    assert_eq!(sim.faults().stats().throttled, 1);
    assert_eq!(sim.faults().stats().errors_5xx, 1);
}

#[tokio::test]
async fn activity_is_deterministic_and_keeps_shop_zero_consistent() {
    let a = start(manual(30)).await;
    let b = start(manual(30)).await;
    let ra = a.tick_activity(200);
    let rb = b.tick_activity(200);
    assert_eq!(ra, rb);
    assert!(!ra.sales.is_empty() && !ra.returns.is_empty() && !ra.receipts.is_empty());
    assert_eq!(a.sales(), b.sales());
    for r in &ra.returns {
        assert!(a.sale(*r).unwrap().refund_of.is_some());
    }
    for (_, v) in a.retailer().variants() {
        let total: i64 = (1..=3).map(|s| a.qoh(&v.sku, s).unwrap()).sum();
        assert_eq!(a.qoh(&v.sku, 0), Some(total));
    }
    // Also reachable over HTTP.
    let c = Client::new();
    let r = send(
        c.post(format!("{}/__sim/activity", a.base_url()))
            .json(&json!({"events": 5})),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    a.shutdown().await;
}

#[tokio::test]
async fn scaled_clock_reports_real_time_rates_and_token_lifetimes() {
    let sim = start(LightspeedConfig {
        time_scale: 10.0,
        skus: Some(1_000),
        ..Default::default()
    })
    .await;
    assert_eq!(sim.retailer().sku_count(), 1_000);
    let c = Client::new();
    let r = get(&c, &format!("{}/Shop.json", sim.api_base())).await;
    assert_eq!(r.h("x-weft-time-scale"), "10");
    assert_eq!(r.h("x-ls-api-drip-rate"), "10");
    let (id, secret) = sim.client_credentials();
    let t = send(c.post(sim.token_url()).json(&json!({
        "grant_type": "authorization_code", "code": sim.authorization_code(),
        "client_id": id, "client_secret": secret,
    })))
    .await;
    assert_eq!(t.body["expires_in"], 180);
    let info = send(c.get(format!("{}/__sim/info", sim.base_url()))).await;
    assert_eq!(info.body["time_scale"], 10.0);
    assert_eq!(info.body["bucket_size"], 90.0);
}

#[tokio::test]
async fn authorize_redirects_with_a_code_and_pkce_is_enforced() {
    use base64::Engine;
    use sha2::Digest;
    let sim = start(manual(2)).await;
    let c = Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let verifier = "a-long-random-code-verifier-for-the-weft-simulator-test";
    let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(sha2::Sha256::digest(verifier.as_bytes()));
    let (id, _) = sim.client_credentials();
    let authorize = || async {
        let r = c
            .get(format!("{}/auth/oauth/authorize", sim.base_url()))
            .query(&[
                ("response_type", "code"),
                ("client_id", id),
                ("redirect_uri", "https://app.example/cb"),
                ("state", "xyz"),
                ("code_challenge", &challenge),
                ("code_challenge_method", "S256"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let loc = url::Url::parse(r.headers()["location"].to_str().unwrap()).unwrap();
        assert!(loc.query_pairs().any(|(k, v)| k == "state" && v == "xyz"));
        let code = loc.query_pairs().find(|(k, _)| k == "code").unwrap().1;
        code.to_string()
    };
    let exchange = |code: String, v: &str| {
        c.post(sim.token_url()).json(&json!({
            "grant_type": "authorization_code", "code": code, "client_id": id,
            "code_verifier": v, "redirect_uri": "https://app.example/cb",
        }))
    };
    let bad = send(exchange(authorize().await, "wrong-verifier")).await;
    assert_eq!(bad.body["error"], "invalid_grant");
    let good = send(exchange(authorize().await, verifier)).await;
    assert_eq!(good.status, StatusCode::OK, "{}", good.body);
    assert!(
        good.body["refresh_token"]
            .as_str()
            .unwrap()
            .starts_with("def50")
    );
}

#[tokio::test]
async fn every_response_carries_the_sim_clock_as_its_date() {
    let sim = start(manual(2)).await;
    let c = Client::new();
    let r = get(&c, &format!("{}/Shop.json", sim.api_base())).await;
    assert_eq!(r.h("date"), "Thu, 01 Jan 2026 00:00:00 GMT");
    sim.clock().advance(Duration::from_millis(61_500));
    let r = get(&c, &format!("{}/ItemShop.json?limit=1", sim.api_base())).await;
    assert_eq!(r.h("date"), "Thu, 01 Jan 2026 00:01:01 GMT");
    // Errors, throttled answers and the control endpoints carry it too.
    let bad = send(
        c.get(format!("{}/Shop.json", sim.api_base()))
            .bearer_auth("nope"),
    )
    .await;
    assert_eq!(bad.status, StatusCode::UNAUTHORIZED);
    assert_eq!(bad.h("date"), "Thu, 01 Jan 2026 00:01:01 GMT");
    let info = send(c.get(format!("{}/__sim/info", sim.base_url()))).await;
    assert_eq!(info.h("date"), "Thu, 01 Jan 2026 00:01:01 GMT");
}

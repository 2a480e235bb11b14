//! `sales` (read): completed, unvoided Sales as `order` entities, and refunds (sales whose lines
//! return lines of an earlier sale, with negative quantities) as `customer-return` entities.
//!
//! Read: `Sale.json?completed=true&voided=false&load_relations=[SaleLines, SaleLines.Item,
//! SalePayments, SalePayments.PaymentType]&sort=timeStamp` through the keyset cursor; a page with
//! refunds makes two more requests (the returned SaleLines, then their Sales) to find the
//! original sale. Source-id is the `saleID`, version the `timeStamp` with a digest of the mapped
//! order or return (`streams::content_version`).
//!
//! Orders: channel `pos`, number the `ticketNumber`, location the `shopID`, lines with the item's
//! SKU (the configured shipping SKU's lines become `shipping`), payments as tenders, `calcTax1`/
//! `calcTax2` as tax lines. A sale Weft posted from another system's order carries that order in
//! `referenceNumber`/`referenceNumberSource`: it gets channel `online`, the external id, and
//! `weft.key` = `order:{system}:{ref}` so it keys like the order it came from.
//!
//! Returns: original-order-ref = the original sale's external order ref when it has one (e.g.
//! the Shopify order id), else the original `saleID`; `weft.original-order-key` holds the key of
//! that order; new-transaction-id = the refund's `saleID`; restock-location = its `shopID`;
//! quantities and amounts positive; a refunded shipping line is not a returned line (its money
//! stays in `refund`). A refund spanning several original sales names the first.
//!
//! Deliberately not here: open (uncompleted) sales, layaways, and writing (see `orders`).

use std::collections::BTreeMap;

use weft_sdk::connector::Failure;
use weft_sdk::model::{
    CustomerReturn, Entity, ExternalId, Order, OrderLine, TaxLine, Tender, money,
};

use super::{SYSTEM, attr, content_version, meta};
use crate::client::Client;
use crate::config::Config;
use crate::cursor::Cursor;
use crate::query::Query;
use crate::scan::{Source, scan};
use crate::time;
use crate::wire::{Sale, SaleLine};

/// The external order a sale was posted from: `(system, ref)`.
pub fn external_ref(s: &Sale) -> Option<(&str, &str)> {
    let (sys, r) = (s.reference_number_source.trim(), s.reference_number.trim());
    (!sys.is_empty() && !r.is_empty() && sys != SYSTEM).then_some((sys, r))
}

fn sku(l: &SaleLine) -> String {
    match l.item.as_ref().map(|i| i.sku()).filter(|s| !s.is_empty()) {
        Some(s) => s.to_string(),
        None => format!("item:{}", l.item_id),
    }
}

fn line(l: &SaleLine, sign: i64, cur: &str) -> OrderLine {
    OrderLine {
        line_id: l.sale_line_id.to_string(),
        sku: sku(l),
        quantity: sign * l.unit_quantity,
        unit_price: money(l.unit_price, cur),
        discount: money(sign * l.calc_line_discount, cur),
        tax: money(sign * (l.calc_tax1 + l.calc_tax2), cur),
    }
}

/// The order of a (non-refund) sale.
pub fn order(s: &Sale, config: &Config) -> Order {
    let cur = config.currency.as_str();
    let mut m = meta(s.sale_id.to_string(), &s.time_stamp);
    m.attributes
        .push(attr("lightspeed.ticket-number", s.ticket_number.clone()));
    let mut channel = "pos";
    if let Some((sys, r)) = external_ref(s) {
        m.external_ids.push(ExternalId {
            system: sys.into(),
            id: r.into(),
        });
        m.attributes
            .push(attr("weft.key", format!("order:{sys}:{r}")));
        channel = "online";
    }
    let (shipping, goods): (Vec<&SaleLine>, Vec<&SaleLine>) = s
        .lines
        .list
        .iter()
        .partition(|l| !config.shipping_sku.is_empty() && sku(l) == config.shipping_sku);
    let shipping_total: i64 = shipping
        .iter()
        .map(|l| l.unit_quantity * l.unit_price - l.calc_line_discount)
        .sum();
    let mut taxes = Vec::new();
    for (name, amount) in [("tax1", s.calc_tax1), ("tax2", s.calc_tax2)] {
        if amount != 0 {
            taxes.push(TaxLine {
                name: name.into(),
                amount: money(amount, cur),
            });
        }
    }
    let mut o = Order {
        meta: m,
        number: if s.ticket_number.is_empty() {
            s.sale_id.to_string()
        } else {
            s.ticket_number.clone()
        },
        channel: channel.into(),
        location: Some(s.shop_id.to_string()),
        customer_ref: (s.customer_id != 0).then(|| s.customer_id.to_string()),
        lines: goods.iter().map(|l| line(l, 1, cur)).collect(),
        tenders: s
            .payments
            .list
            .iter()
            .map(|p| Tender {
                kind: config.tender_kind(
                    p.payment_type.as_ref().map(|t| t.kind.as_str()),
                    p.payment_type_id,
                ),
                amount: money(p.amount, cur),
                reference: None,
            })
            .collect(),
        discounts: Vec::new(),
        taxes,
        shipping: (!shipping.is_empty()).then(|| money(shipping_total, cur)),
        total: money(s.calc_total, cur),
        created_at: time::canonical(if s.complete_time.is_empty() {
            &s.create_time
        } else {
            &s.complete_time
        }),
    };
    o.meta.version = content_version(&s.time_stamp, &o);
    o
}

/// The return of a refund sale, given its original sale (when found).
pub fn customer_return(s: &Sale, original: Option<&Sale>, config: &Config) -> CustomerReturn {
    let cur = config.currency.as_str();
    let mut m = meta(s.sale_id.to_string(), &s.time_stamp);
    let (original_ref, key) = match original {
        Some(o) => {
            m.attributes
                .push(attr("lightspeed.original-sale-id", o.sale_id.to_string()));
            match external_ref(o) {
                Some((sys, r)) => (r.to_string(), format!("order:{sys}:{r}")),
                None => (
                    o.sale_id.to_string(),
                    format!("order:{SYSTEM}:{}", o.sale_id),
                ),
            }
        }
        None => {
            let first = s.lines.list.iter().find(|l| l.parent_sale_line_id != 0);
            let parent = first.map_or(0, |l| l.parent_sale_line_id);
            (format!("sale-line:{parent}"), String::new())
        }
    };
    if !key.is_empty() {
        m.attributes.push(attr("weft.original-order-key", key));
    }
    let mut r = CustomerReturn {
        meta: m,
        original_order_ref: original_ref,
        new_transaction_id: s.sale_id.to_string(),
        lines: s
            .lines
            .list
            .iter()
            .filter(|l| l.unit_quantity < 0)
            // A refunded shipping charge is money, not goods: it stays in `refund`.
            .filter(|l| config.shipping_sku.is_empty() || sku(l) != config.shipping_sku)
            .map(|l| line(l, -1, cur))
            .collect(),
        restock_location: Some(s.shop_id.to_string()),
        refund: money(-s.calc_total, cur),
    };
    r.meta.version = content_version(&s.time_stamp, &r);
    r
}

/// Original sales of the refunds in `sales`, by refund saleID.
fn originals(client: &Client<'_>, sales: &[Sale]) -> Result<BTreeMap<u64, Sale>, Failure> {
    let parents: BTreeMap<u64, u64> = sales
        .iter()
        .filter_map(|s| {
            let l = s.lines.list.iter().find(|l| l.parent_sale_line_id != 0)?;
            Some((s.sale_id, l.parent_sale_line_id))
        })
        .collect();
    if parents.is_empty() {
        return Ok(BTreeMap::new());
    }
    let line_ids: Vec<String> = parents.values().map(u64::to_string).collect();
    let q = Query::new("SaleLine")
        .filter_in("saleLineID", &line_ids)
        .param("limit", "100");
    let lines = client.list::<SaleLine>(&q.path(), "SaleLine")?.records;
    let line_sale: BTreeMap<u64, u64> = lines.iter().map(|l| (l.sale_line_id, l.sale_id)).collect();
    let mut sale_ids: Vec<String> = line_sale.values().map(u64::to_string).collect();
    sale_ids.sort();
    sale_ids.dedup();
    let q = Query::new("Sale")
        .filter_in("saleID", &sale_ids)
        .param("archived", "true")
        .param("limit", "100");
    let found: BTreeMap<u64, Sale> = client
        .list::<Sale>(&q.path(), "Sale")?
        .records
        .into_iter()
        .map(|s| (s.sale_id, s))
        .collect();
    Ok(parents
        .into_iter()
        .filter_map(|(refund, line)| {
            let sale = found.get(line_sale.get(&line)?)?;
            Some((refund, sale.clone()))
        })
        .collect())
}

/// Read sales and returns after the cursor.
pub fn read(
    client: &Client<'_>,
    config: &Config,
    cursor: &mut Cursor,
    want: usize,
) -> Result<(Vec<Entity>, bool), Failure> {
    let rels = r#"["SaleLines","SaleLines.Item","SalePayments","SalePayments.PaymentType"]"#;
    let src = Source {
        resource: "Sale",
        id_field: "saleID",
        params: vec![
            ("completed", "true".into()),
            ("voided", "false".into()),
            ("load_relations", rels.into()),
        ],
    };
    let got = scan::<Sale>(client, &src, cursor, want.min(100), |_| true)?;
    let refunds: Vec<Sale> = got.rows.iter().filter(|s| s.is_refund()).cloned().collect();
    let originals = originals(client, &refunds)?;
    let out = got
        .rows
        .iter()
        .map(|s| match s.is_refund() {
            true => Entity::CustomerReturn(customer_return(s, originals.get(&s.sale_id), config)),
            false => Entity::Order(order(s, config)),
        })
        .collect();
    Ok((out, got.caught_up))
}

#[cfg(test)]
#[path = "sales_tests.rs"]
mod tests;

//! The demo's verdict, from both simulators' own books rather than from Weft's counters: every
//! online order must be one Lightspeed sale, every in-store return of an online order one
//! Shopify refund, every online order a shop shipped one Shopify fulfilment with its tracking
//! number, every payout one journal entry that balances to the cent, and a final
//! reconciliation of stock must find nothing. `lost` and `duplicates` add up what is missing
//! or doubled across those; `drift_after` is what the reconciliation finds.
//!
//! Also here: the bulk alignment at the start, timed, with how much of Shopify's cost bucket
//! (the limit that binds a Lightspeed -> Shopify stock sync) it used. Deliberately not here:
//! printing the live view (`live`).

use std::collections::BTreeMap;
use std::time::Instant;

use serde::Serialize;
use serde_json::{Value, json};
use weft_cap_kv::Namespace;
use weft_runtime::flow::RunMode;

use super::activity::Activity;
use super::setup::{Demo, TENANT};

/// The initial alignment.
#[derive(Debug, Clone, Serialize)]
pub struct Bulk {
    /// Stock levels the full sync read.
    pub levels: u64,
    /// Real seconds it took.
    pub seconds: f64,
    /// Shopify cost points spent while it ran / points the bucket allowed in that time.
    pub utilisation: f64,
    /// Points spent.
    pub points_spent: f64,
    /// Points the bucket allowed (full bucket + restore rate x simulated seconds).
    pub points_allowed: f64,
}

/// Full-sync stock (with `catalogue`, products and customers at the same time), measuring the
/// Shopify bucket.
pub async fn bulk_inventory(demo: &Demo, catalogue: bool) -> anyhow::Result<Bulk> {
    let flows = &demo.assembled.flows;
    let (spent_before, maximum, restore) = demo.shopify.cost_spent();
    let started = Instant::now();
    let full_if_catalogue = |id: &'static str| async move {
        if catalogue {
            flows.run(id, RunMode::Full).await.map(drop)
        } else {
            Ok(())
        }
    };
    let (products, customers, stock) = tokio::join!(
        full_if_catalogue("acme/products"),
        full_if_catalogue("acme/customers"),
        flows.run("acme/inventory", RunMode::Full),
    );
    let seconds = started.elapsed().as_secs_f64();
    let ((), (), stock) = (products?, customers?, stock?);
    let (spent_after, _, _) = demo.shopify.cost_spent();
    let points_spent = spent_after - spent_before;
    let points_allowed = maximum + restore * seconds * demo.time_scale;
    Ok(Bulk {
        levels: stock.read,
        seconds,
        utilisation: points_spent / points_allowed,
        points_spent,
        points_allowed,
    })
}

/// The JSON report.
#[derive(Debug, Serialize)]
pub struct Report {
    /// Simulated seconds per real second.
    pub time_scale: f64,
    /// Whether faults were injected.
    pub faults: bool,
    /// Stock levels written to Shopify.
    pub inventory_updates: u64,
    /// Online orders that are a Lightspeed sale.
    pub orders_posted: u64,
    /// In-store returns of online orders that are a Shopify refund.
    pub returns_linked: u64,
    /// Online orders the shop shipped that are fulfilled in Shopify with the shop's tracking
    /// number.
    pub fulfilments_sent: u64,
    /// Payouts that are a balanced journal entry.
    pub payouts_journaled: u64,
    /// Records parked now, all flows.
    pub parked: u64,
    /// Source effects missing at the target.
    pub lost: u64,
    /// Effects applied more than once.
    pub duplicates: u64,
    /// Differences the final stock reconciliation finds.
    pub drift_after: u64,
    /// Stock levels the scheduled reconciliation healed before the final check (changes the
    /// incremental reads missed; see the Lightspeed cursor's one-second limit).
    pub healed_by_reconciliation: u64,
    /// Shopify cost bucket use during the bulk stock sync (see [`Bulk`]).
    pub rate_limit_utilisation: f64,
    /// The bulk alignment.
    pub bulk: Bulk,
    /// Per domain: lost, duplicated, and examples.
    pub detail: Value,
    /// Shopify's webhook deliveries to the ingress: attempts, accepted (verified and handed to
    /// the flows), refused, and dropped by fault injection.
    pub webhooks: Value,
    /// What the shops and the web store did.
    pub activity: Value,
    /// Per flow: records moved, parked, waiting.
    pub flows: Value,
}

/// Check both sides after the drain.
pub async fn check(
    demo: &Demo,
    activity: &Activity,
    bulk: &Bulk,
    healed: u64,
) -> anyhow::Result<Report> {
    let flows = &demo.assembled.flows;
    let statuses = flows.statuses()?;
    let mut detail = serde_json::Map::new();

    // Online orders -> Lightspeed sales (referenceNumber = the Shopify order id). A refund sale
    // carries its original's reference too; it is a return, not a second posting.
    let sales = demo.lightspeed.sales();
    let mut posted: BTreeMap<String, u64> = BTreeMap::new();
    for s in sales
        .iter()
        .filter(|s| !s.reference_number.is_empty() && s.refund_of.is_none())
    {
        *posted.entry(s.reference_number.clone()).or_default() += 1;
    }
    let orders = demo.shopify.orders();
    let orders_lost: Vec<u64> = orders
        .iter()
        .filter(|o| !posted.contains_key(&o.id.to_string()))
        .map(|o| o.id)
        .collect();
    let orders_doubled: Vec<&String> = posted
        .iter()
        .filter(|(_, n)| **n > 1)
        .map(|(r, _)| r)
        .collect();
    let orders_posted = (orders.len() - orders_lost.len()) as u64;
    detail.insert(
        "orders".into(),
        json!({"online": orders.len(), "lost": orders_lost, "duplicated": orders_doubled}),
    );

    // In-store returns of online orders -> one Shopify refund each (note "POS return <id>").
    let online: BTreeMap<u64, &str> = sales
        .iter()
        .filter(|s| !s.reference_number.is_empty() && s.refund_of.is_none())
        .map(|s| (s.sale_id, s.reference_number.as_str()))
        .collect();
    let mut refunds: BTreeMap<String, u64> = BTreeMap::new();
    for r in demo.shopify.refunds() {
        if let Some(note) = r.note {
            *refunds.entry(note).or_default() += 1;
        }
    }
    let returns: Vec<u64> = sales
        .iter()
        .filter(|s| s.refund_of.is_some_and(|orig| online.contains_key(&orig)))
        .map(|s| s.sale_id)
        .collect();
    let count = |id: &u64| {
        refunds
            .get(&format!("POS return {id}"))
            .copied()
            .unwrap_or(0)
    };
    let returns_lost: Vec<u64> = returns
        .iter()
        .filter(|id| count(id) == 0)
        .copied()
        .collect();
    let returns_doubled: Vec<u64> = returns.iter().filter(|id| count(id) > 1).copied().collect();
    let returns_linked = (returns.len() - returns_lost.len()) as u64;
    detail.insert(
        "returns".into(),
        json!({"of_online_orders": returns.len(), "lost": returns_lost, "duplicated": returns_doubled}),
    );

    // Payouts -> one balanced journal entry each.
    let journal = journal_entries(demo);
    let payouts = demo.shopify.payouts();
    let mut payouts_lost = Vec::new();
    let mut unbalanced = Vec::new();
    for p in &payouts {
        match journal.get(&p.id.to_string()) {
            None => payouts_lost.push(p.id),
            Some(e) if e.get("net").and_then(Value::as_i64) != Some(p.net) => {
                unbalanced.push(json!({"payout": p.id, "net": p.net, "journal": e}))
            }
            Some(_) => {}
        }
    }
    let payouts_journaled = (payouts.len() - payouts_lost.len() - unbalanced.len()) as u64;
    detail.insert(
        "payouts".into(),
        json!({"payouts": payouts.len(), "lost": payouts_lost, "net_mismatch": unbalanced}),
    );

    // Online orders the shop shipped -> one Shopify fulfilment each, with the tracking number
    // the shop wrote in the ShipTo's note (its last word).
    let mut fulfilled: BTreeMap<(String, String), u64> = BTreeMap::new();
    for f in demo.shopify.fulfillments() {
        if let Some(number) = f.tracking_number {
            *fulfilled
                .entry((f.order_id.to_string(), number))
                .or_default() += 1;
        }
    }
    let shipped: Vec<(String, String)> = sales
        .iter()
        .filter(|s| !s.reference_number.is_empty() && s.refund_of.is_none())
        .filter_map(|s| {
            let t = s.ship_to.as_ref().filter(|t| t.shipped)?;
            let number = t.ship_note.split_whitespace().last()?;
            Some((s.reference_number.clone(), number.to_string()))
        })
        .collect();
    let times = |k: &(String, String)| fulfilled.get(k).copied().unwrap_or(0);
    let fulfilments_lost: Vec<&(String, String)> =
        shipped.iter().filter(|k| times(k) == 0).collect();
    let fulfilments_doubled: Vec<&(String, String)> =
        shipped.iter().filter(|k| times(k) > 1).collect();
    let fulfilments_sent = (shipped.len() - fulfilments_lost.len()) as u64;
    detail.insert(
        "fulfilments".into(),
        json!({"shipped_in_shops": shipped.len(), "lost": fulfilments_lost,
               "duplicated": fulfilments_doubled}),
    );

    // Stock: a final reconciliation through the flow's own transforms.
    let (rec, drift) = flows.reconcile("acme/inventory", false).await?;
    let drift_after = (drift.missing_in_target.len()
        + drift.missing_in_source.len()
        + drift.different.len()) as u64;
    detail.insert(
        "stock".into(),
        json!({
            "summary": rec.summary,
            "missing_in_shopify": drift.missing_in_target.iter().take(10).collect::<Vec<_>>(),
            "missing_in_lightspeed": drift.missing_in_source.iter().take(10).collect::<Vec<_>>(),
            "different": drift.different.iter().take(10).collect::<Vec<_>>(),
        }),
    );

    let lost =
        (orders_lost.len() + returns_lost.len() + fulfilments_lost.len() + payouts_lost.len())
            as u64;
    let duplicates = (orders_doubled.len()
        + returns_doubled.len()
        + fulfilments_doubled.len()
        + unbalanced.len()) as u64;
    let written = |id: &str| {
        statuses
            .iter()
            .find(|s| s.id == id)
            .map_or(0, |s| s.totals.written)
    };
    Ok(Report {
        time_scale: demo.time_scale,
        faults: demo.lightspeed.faults().config() != Default::default(),
        inventory_updates: written("acme/inventory"),
        orders_posted,
        returns_linked,
        fulfilments_sent,
        payouts_journaled,
        parked: statuses.iter().map(|s| s.parked).sum(),
        lost,
        duplicates,
        drift_after,
        healed_by_reconciliation: healed,
        rate_limit_utilisation: bulk.utilisation,
        bulk: bulk.clone(),
        detail: Value::Object(detail),
        webhooks: {
            let attempts = demo.shopify.webhook_attempts();
            json!({
                "deliveries": attempts.len(),
                "accepted": attempts.iter().filter(|a| a.status == Some(200)).count(),
                "refused": attempts.iter().filter(|a| a.status.is_some_and(|s| s != 200)).count(),
                "dropped_by_faults": demo.shopify.dropped_webhooks().len(),
            })
        },
        activity: json!({
            "ticks": activity.ticks,
            "store_sales": activity.store_sales,
            "store_returns": activity.store_returns,
            "receipts": activity.receipts,
            "shipments": activity.shipments,
            "web_orders": activity.web_orders,
            "online_orders_returned_in_store": activity.online_returns.len(),
        }),
        flows: serde_json::to_value(
            statuses
                .iter()
                .map(|s| {
                    (
                        s.id.clone(),
                        json!({"read": s.totals.read, "written": s.totals.written,
                               "duplicates": s.totals.duplicates, "dropped": s.totals.dropped,
                               "parked": s.parked, "waiting": s.totals.waiting,
                               "state": s.state, "last_error": s.last_error}),
                    )
                })
                .collect::<BTreeMap<_, _>>(),
        )?,
    })
}

/// The journal's entries by payout id, read from the journal deployment's storage.
fn journal_entries(demo: &Demo) -> BTreeMap<String, Value> {
    let kv = demo.assembled.host.kv_store();
    let ns = Namespace::new(TENANT, "journal");
    let index: Vec<String> = kv
        .raw_get(&ns, "journal:index")
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default();
    index
        .iter()
        .filter_map(|key| {
            let v: Value = serde_json::from_slice(&kv.raw_get(&ns, key)?).ok()?;
            Some((v.get("payout")?.as_str()?.to_string(), v))
        })
        .collect()
}

/// One screen for people.
pub fn summary(r: &Report) -> String {
    let verdict = if r.lost == 0 && r.duplicates == 0 && r.drift_after == 0 {
        "every effect landed exactly once and both sides agree"
    } else {
        "SOMETHING DID NOT LAND: see the JSON report (--json) for the records"
    };
    format!(
        "stock levels written to Shopify   {}\n\
         online orders posted as sales     {}\n\
         in-store returns refunded online  {}\n\
         shipped orders fulfilled online   {}\n\
         payouts journaled                 {}\n\
         parked (see `weft parked`)        {}\n\
         lost / duplicated / drift         {} / {} / {}\n\
         healed by reconciliation          {}\n\
         Shopify bucket use, bulk sync     {:.0}%\n\
         {verdict}",
        r.inventory_updates,
        r.orders_posted,
        r.returns_linked,
        r.fulfilments_sent,
        r.payouts_journaled,
        r.parked,
        r.lost,
        r.duplicates,
        r.drift_after,
        r.healed_by_reconciliation,
        r.rate_limit_utilisation * 100.0
    )
}

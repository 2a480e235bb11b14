//! The activity generator: concurrent online sales for demos and soak tests. Each tick places one
//! web order (1–3 lines of in-stock variants at a random location, sometimes a known customer,
//! sometimes a 10% discount code, usually paid shipping), which moves stock from `available` to
//! `committed` there and announces `orders/create`; about a third of ticks also ship the oldest
//! open order (with tracking) unless the simulator was started with `activity_ships` off (the
//! POS fulfils), and every 20th order sweeps the Shopify Payments balance into a
//! payout.
//!
//! Deterministic for a given seed and sequence of ticks (the SplitMix64 of `crate::seed`), apart
//! from timestamps. Deliberately not here: in-store (POS) sales and returns, which the Lightspeed
//! side generates.

use super::orders::{NewLine, NewOrder};
use super::state::SimState;

/// Run `n` ticks; returns the ids of the orders created.
pub fn tick(state: &SimState, n: usize) -> Vec<u64> {
    let mut created = Vec::new();
    for _ in 0..n {
        let plan = state.read(|s| {
            let mut rng = state.activity_rng.lock().unwrap_or_else(|p| p.into_inner());
            let locations: Vec<u64> = s.locations.keys().copied().collect();
            let loc = *rng.pick(&locations);
            let in_stock: Vec<u64> = s
                .levels
                .values()
                .filter(|l| l.location_id == loc && l.available > 0)
                .filter_map(|l| s.items.get(&l.item_id).map(|i| i.variant_id))
                .collect();
            if in_stock.is_empty() {
                return None;
            }
            let mut lines: Vec<NewLine> = Vec::new();
            for _ in 0..rng.range(1, 3) {
                let v = *rng.pick(&in_stock);
                if !lines.iter().any(|l| l.variant_id == v) {
                    lines.push(NewLine {
                        variant_id: v,
                        quantity: 1,
                    });
                }
            }
            let customers: Vec<u64> = s.customers.keys().copied().collect();
            let customer_id =
                (!customers.is_empty() && rng.chance(0.7)).then(|| *rng.pick(&customers));
            Some((
                NewOrder {
                    lines,
                    customer_id,
                    email: customer_id
                        .is_none()
                        .then(|| format!("guest{}@example.net", rng.range(1000, 9999))),
                    location_id: Some(loc),
                    discount: rng.chance(0.2).then(|| ("WELCOME10".to_string(), 10)),
                    shipping: rng
                        .chance(0.7)
                        .then(|| ("Standard Shipping".to_string(), 500)),
                    note: None,
                },
                rng.chance(0.35),
            ))
        });
        let Some((order, ship_oldest)) = plan else {
            continue;
        };
        if let Ok(id) = state.mutate(|s, now| s.create_order(order, now)) {
            created.push(id);
        }
        if ship_oldest && state.settings.activity_ships {
            let oldest = state.read(|s| {
                s.orders
                    .values()
                    .find(|o| o.line_items.iter().any(|l| l.fulfillable() > 0))
                    .map(|o| o.id)
            });
            if let Some(id) = oldest {
                let tracking = (
                    Some("UPS".to_string()),
                    Some(format!("1Z{id:016}")),
                    Some(format!("https://www.ups.com/track?tracknum=1Z{id:016}")),
                );
                // A failure here only means the order changed meanwhile; the next tick tries again.
                let _ = state.mutate(|s, now| s.fulfil(id, None, tracking, now));
            }
        }
        if state.read(|s| s.orders.len()).is_multiple_of(20) {
            state.mutate(|s, now| s.run_payout(now));
        }
    }
    created
}

//! `fulfilments` (read): online orders the shop has shipped, as `fulfilment` entities for the
//! system the order came from.
//!
//! A sale Weft posted from an online order carries a ShipTo (see `order_body`). When the parcel
//! leaves (or the customer collects), the clerk ticks the ShipTo's `shipped` and writes the
//! carrier and tracking number in `shipNote`, e.g. `UPS 1Z999AA10123456784`; that write bumps
//! the sale's `timeStamp`, so this stream finds it with the same keyset cursor as `sales`:
//! `Sale.json?completed=true&voided=false&shipToID=>,0&load_relations=["ShipTo"]
//! &sort=timeStamp`. Sales not shipped yet, and sales that were not posted from another system,
//! advance the cursor and emit nothing.
//!
//! The fulfilment: order-ref = the sale's `referenceNumber` (the online order id), no lines (an
//! R-Series sale has one ShipTo, so ticking it ships the whole sale: the target ships whatever
//! of the order is still open, which leaves out units refunded before the parcel left), carrier
//! and tracking number from `shipNote` ([`tracking`]); source-id = the `saleID`, version = the
//! ShipTo's `timeStamp` with a digest of the fulfilment, so re-reading a sale whose ShipTo did
//! not change is a ledger duplicate and a corrected tracking number is a new version.
//!
//! Deliberately not here: several parcels per sale (R-Series has one ShipTo per sale, so a
//! partial shipment cannot be recorded there), and writing (Lightspeed is where shipping is
//! recorded, not where it is sent).

use weft_sdk::connector::Failure;
use weft_sdk::model::{Entity, Fulfilment};

use super::sales::external_ref;
use super::{attr, content_version, meta};
use crate::client::Client;
use crate::cursor::Cursor;
use crate::scan::{Source, scan};
use crate::wire::{Sale, ShipTo};

/// Carrier and tracking number from a `shipNote`: the last word is the tracking number when it
/// has a digit and at least 6 letters or digits; the words before it (labels such as `Tracking:`
/// or `#` dropped) are the carrier. A note without such a word gives neither.
pub fn tracking(note: &str) -> (Option<String>, Option<String>) {
    let words: Vec<&str> = note
        .split_whitespace()
        .map(|w| w.trim_matches(|c: char| matches!(c, ',' | ';' | '#')))
        .filter(|w| !w.is_empty())
        .collect();
    let Some((last, rest)) = words.split_last() else {
        return (None, None);
    };
    let looks_like_number = last.len() >= 6
        && last.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        && last.chars().any(|c| c.is_ascii_digit());
    if !looks_like_number {
        return (None, None);
    }
    let carrier: Vec<&str> = rest
        .iter()
        .copied()
        .filter(|w| !w.ends_with(':') && !w.eq_ignore_ascii_case("tracking"))
        .collect();
    let carrier = (!carrier.is_empty()).then(|| carrier.join(" "));
    (carrier, Some(last.to_string()))
}

/// The ShipTo and the external order `(system, ref)` of a shipped sale posted from another
/// system's order; `None` for any other sale.
fn shipped_online(s: &Sale) -> Option<(&ShipTo, (&str, &str))> {
    let ship_to = s.ship_to.as_ref().filter(|t| t.shipped)?;
    Some((ship_to, external_ref(s)?))
}

/// The fulfilment of a shipped sale posted from an online order; `None` for any other sale.
pub fn fulfilment(s: &Sale) -> Option<Fulfilment> {
    let (ship_to, (system, order_ref)) = shipped_online(s)?;
    let (carrier, tracking_number) = tracking(&ship_to.ship_note);
    let stamp = if ship_to.time_stamp.is_empty() {
        &s.time_stamp
    } else {
        &ship_to.time_stamp
    };
    let mut m = meta(s.sale_id.to_string(), stamp);
    m.attributes.push(attr(
        "weft.original-order-key",
        format!("order:{system}:{order_ref}"),
    ));
    let mut f = Fulfilment {
        meta: m,
        order_ref: order_ref.to_string(),
        lines: Vec::new(),
        carrier,
        tracking_number,
    };
    f.meta.version = content_version(stamp, &f);
    Some(f)
}

/// Read shipped online orders after the cursor.
pub fn read(
    client: &Client<'_>,
    cursor: &mut Cursor,
    want: usize,
) -> Result<(Vec<Entity>, bool), Failure> {
    let src = Source {
        resource: "Sale",
        id_field: "saleID",
        params: vec![
            ("completed", "true".into()),
            ("voided", "false".into()),
            ("shipToID", ">,0".into()),
            ("load_relations", r#"["ShipTo"]"#.into()),
        ],
    };
    let got = scan::<Sale>(client, &src, cursor, want.min(100), |s| {
        shipped_online(s).is_some()
    })?;
    let out = got
        .rows
        .iter()
        .filter_map(fulfilment)
        .map(Entity::Fulfilment)
        .collect();
    Ok((out, got.caught_up))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn sale(ship_to: serde_json::Value) -> Sale {
        serde_json::from_value(json!({
            "saleID": "41", "timeStamp": "2026-03-01T10:00:00+00:00", "completed": "true",
            "referenceNumber": "5501", "referenceNumberSource": "shopify", "shipToID": "7",
            "ShipTo": ship_to,
            "SaleLines": {"SaleLine": [
                {"saleLineID": "1", "itemID": "3", "unitQuantity": "2", "unitPrice": "10.00",
                 "Item": {"itemID": "3", "customSku": "TEE-1-M"}},
                {"saleLineID": "2", "itemID": "9", "unitQuantity": "1", "unitPrice": "5.00",
                 "Item": {"itemID": "9", "customSku": "SHIPPING"}}]}
        }))
        .unwrap()
    }

    #[test]
    fn a_ship_note_gives_carrier_and_tracking_number() {
        let t = |n: &str| tracking(n);
        let some = |c: &str, n: &str| (Some(c.to_string()), Some(n.to_string()));
        assert_eq!(
            t("UPS 1Z999AA10123456784"),
            some("UPS", "1Z999AA10123456784")
        );
        assert_eq!(
            t("Canada Post Tracking: 7023-4410"),
            some("Canada Post", "7023-4410")
        );
        assert_eq!(t("DHL #JD014600006"), some("DHL", "JD014600006"));
        assert_eq!(
            t("  9400111899562537  "),
            (None, Some("9400111899562537".into()))
        );
        assert_eq!(t("left at the door"), (None, None));
        assert_eq!(t(""), (None, None));
    }

    #[test]
    fn only_a_shipped_online_sale_is_a_fulfilment_of_the_whole_sale() {
        let shipped = sale(json!({"shipToID": "7", "shipped": "true",
            "shipNote": "FedEx 771234567890", "timeStamp": "2026-03-01T11:00:00+00:00"}));
        let f = fulfilment(&shipped).expect("shipped online sale");
        assert_eq!(f.order_ref, "5501");
        assert!(f.lines.is_empty(), "the whole sale ships: {f:?}");
        assert_eq!(f.carrier.as_deref(), Some("FedEx"));
        assert_eq!(f.tracking_number.as_deref(), Some("771234567890"));
        assert_eq!(f.meta.source_id, "41");
        assert!(f.meta.version.starts_with("2026-03-01T11:00:00Z#"));

        let open = sale(json!({"shipToID": "7", "shipped": "false"}));
        assert!(fulfilment(&open).is_none());
        let mut in_store = shipped.clone();
        in_store.reference_number_source.clear();
        assert!(fulfilment(&in_store).is_none());

        // The same ShipTo re-read: the same version; a corrected tracking number: a new one.
        assert_eq!(fulfilment(&shipped).unwrap().meta.version, f.meta.version);
        let fixed = sale(json!({"shipToID": "7", "shipped": "true",
            "shipNote": "FedEx 771234567891", "timeStamp": "2026-03-01T11:00:00+00:00"}));
        assert_ne!(fulfilment(&fixed).unwrap().meta.version, f.meta.version);
    }
}

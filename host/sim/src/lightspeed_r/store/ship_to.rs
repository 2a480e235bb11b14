//! A sale's ShipTo: created or changed through the sale (POST/PUT Sale with a `ShipTo` object),
//! and ticked `shipped` by the shop when the parcel leaves. Any change bumps the sale's
//! `timeStamp` (it was a write to the Sale), so a `timeStamp` poll of sales sees it.
//!
//! The fields (`shipToID`, `saleID`, `shipped`, `shipNote`, name fields, `timeStamp`) follow
//! R-Series' Sale `ShipTo` relation as we know it; the research brief does not cover it, so treat
//! it as unverified until checked against a real account. The carrier-and-number convention for
//! `shipNote` is ours: R-Series has no tracking field.
//!
//! Deliberately not here: addresses beyond the name fields, and un-shipping a shipped sale
//! (refused: the parcel has left).

use super::super::error::ApiError;
use super::{ShipToRec, Store};

/// Fields of a `ShipTo` object in a Sale write; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct ShipToPatch {
    pub shipped: Option<bool>,
    pub ship_note: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub company: Option<String>,
}

impl Store {
    /// Create the sale's ShipTo or change it. Returns its `shipToID`.
    pub fn patch_ship_to(
        &mut self,
        sale_id: u64,
        patch: ShipToPatch,
        now: i64,
    ) -> Result<u64, ApiError> {
        let sale = self
            .sales
            .get(&sale_id)
            .ok_or_else(|| ApiError::not_found("Sale"))?;
        let id = match sale.ship_to_id {
            0 => Self::next_id(&self.ship_tos),
            id => id,
        };
        let rec = self.ship_tos.entry(id).or_insert_with(|| ShipToRec {
            ship_to_id: id,
            sale_id,
            shipped: false,
            ship_note: String::new(),
            first_name: String::new(),
            last_name: String::new(),
            company: String::new(),
            time_stamp: now,
        });
        if rec.shipped && patch.shipped == Some(false) {
            return Err(ApiError::bad_request(format!(
                "ShipTo {id} of sale {sale_id} is already shipped and cannot be un-shipped"
            )));
        }
        let set = |field: &mut String, v: Option<String>| {
            if let Some(v) = v {
                *field = v;
            }
        };
        rec.shipped = patch.shipped.unwrap_or(rec.shipped);
        set(&mut rec.ship_note, patch.ship_note);
        set(&mut rec.first_name, patch.first_name);
        set(&mut rec.last_name, patch.last_name);
        set(&mut rec.company, patch.company);
        rec.time_stamp = now;
        if let Some(sale) = self.sales.get_mut(&sale_id) {
            sale.ship_to_id = id;
            sale.update_time = now;
            sale.time_stamp = now;
        }
        Ok(id)
    }

    /// Ship a sale as the shop does: tick its ShipTo `shipped` and write `note` in `shipNote`
    /// (creating the ShipTo if the sale has none).
    pub fn ship(&mut self, sale_id: u64, note: String, now: i64) -> Result<u64, ApiError> {
        let patch = ShipToPatch {
            shipped: Some(true),
            ship_note: Some(note),
            ..Default::default()
        };
        self.patch_ship_to(sale_id, patch, now)
    }

    /// Sales that have a ShipTo not yet shipped, oldest first.
    pub fn unshipped(&self) -> Vec<u64> {
        self.ship_tos
            .values()
            .filter(|t| !t.shipped)
            .filter(|t| {
                self.sales
                    .get(&t.sale_id)
                    .is_some_and(|s| s.completed && !s.voided)
            })
            .map(|t| t.sale_id)
            .collect()
    }
}

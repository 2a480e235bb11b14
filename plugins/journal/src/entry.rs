//! A journal entry: the one-line summary of a payout, how it is checked before it is journaled,
//! its kv key and version, and how it reads back as a `payout`.
//!
//! Sign conventions are the Shopify connector's (`plugins/shopify/src/payouts.rs`, as the Shopify
//! Payments balance transactions book them): a charge's amount is positive, a refund's amount is
//! negative, a line's fee is positive (`amount - net` of the transaction), the payout's `fees` is
//! the sum of its lines' fees, and `sum(amount - fee)` over the lines is the payout's net. So:
//!
//! - `gross_sales` = sum of the charge lines' amounts;
//! - `refunds` = minus the sum of the refund lines' amounts (a positive number);
//! - `adjustments` = sum of every other line's amount (dispute, fee, adjustment), signed;
//! - `fees` = the payout's `fees`; `net` = the payout's `net`;
//! - and `gross_sales - refunds + adjustments - fees == net` to the cent, or it is not journaled.
//!
//! Deliberately no I/O here.

use serde::{Deserialize, Serialize};
use weft_sdk::model::{
    Attribute, Entity, ExternalId, Meta, Payout, PayoutLine, PayoutLineKind, money,
};

/// `meta.source-system` of payouts read back from the journal.
pub const SYSTEM: &str = "journal";
/// The kv key of the index: a JSON list of entry keys, in the order they were (re)written.
pub const INDEX: &str = "journal:index";
/// The attribute that gives a read-back payout the key of the payout it summarises.
pub const KEY_ATTRIBUTE: &str = "weft.key";

/// One journal entry, stored as JSON under `journal:<system>:<payout>`. Money in integer minor
/// units of `currency`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// The payout's id in its system (`meta.source-id`).
    pub payout: String,
    /// The payout's system (`meta.source-system`), e.g. "shopify".
    pub system: String,
    /// The payout's date, as the payout gives it (YYYY-MM-DD).
    pub date: String,
    /// ISO 4217 code of every amount.
    pub currency: String,
    /// Sum of the charge lines' amounts.
    pub gross_sales: i64,
    /// Sum of the refund lines' amounts, as a positive number.
    pub refunds: i64,
    /// Sum of the other lines' amounts (dispute, fee, adjustment), signed.
    pub adjustments: i64,
    /// The payout's fees (positive when fees were charged).
    pub fees: i64,
    /// The payout's net deposit.
    pub net: i64,
    /// How many lines the payout had.
    pub lines: u64,
    /// When the entry was written, RFC 3339 UTC with milliseconds.
    pub written_at: String,
}

/// The kv key of the entry of payout `id` of `system`.
pub fn entry_key(system: &str, id: &str) -> String {
    format!("journal:{system}:{id}")
}

/// The entity key the engine gives a payout (`payout:<system>:<id>`, see
/// `host/runtime/src/flow/key.rs`).
pub fn payout_key(system: &str, id: &str) -> String {
    format!("payout:{system}:{id}")
}

/// The kv key for a lookup key: an engine key `payout:<system>:<id>` or an entry key
/// `journal:<system>:<id>` (the target id a write answered); `None` for anything else.
pub fn lookup_entry_key(key: &str) -> Option<String> {
    let rest = key
        .strip_prefix("payout:")
        .or_else(|| key.strip_prefix("journal:"))?;
    let (system, id) = rest.split_once(':')?;
    (!system.is_empty() && !id.is_empty()).then(|| entry_key(system, id))
}

fn fnv1a64(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

impl Entry {
    /// Whether `other` says the same about the payout (everything but `written_at`).
    pub fn same_content(&self, other: &Entry) -> bool {
        Entry {
            written_at: String::new(),
            ..self.clone()
        } == Entry {
            written_at: String::new(),
            ..other.clone()
        }
    }

    /// A hash of the content (everything but `written_at`), 16 hex digits.
    pub fn content_hash(&self) -> String {
        let content = Entry {
            written_at: String::new(),
            ..self.clone()
        };
        let bytes = serde_json::to_vec(&content).unwrap_or_default();
        format!("{:016x}", fnv1a64(&bytes))
    }

    /// The entry's version: `{written_at}#{content hash}`, ordered by write time and the same
    /// for as long as the content is.
    pub fn version(&self) -> String {
        format!("{}#{}", self.written_at, self.content_hash())
    }

    /// The entry's kv key.
    pub fn key(&self) -> String {
        entry_key(&self.system, &self.payout)
    }

    /// The entry as a `payout` for reconciliation: one line per kind (charge = gross sales
    /// carrying the fees, refund = minus the refunds, adjustment = the adjustments), so
    /// `sum(amount - fee)` over its lines is its net as for a Shopify payout. It keys like the
    /// payout it summarises (`weft.key`), and names it in `external-ids`.
    pub fn to_payout(&self) -> Payout {
        let cur = self.currency.as_str();
        let attr = |name: &str, value: String| Attribute {
            name: name.into(),
            value,
        };
        let line = |kind, amount: i64, fee: i64| PayoutLine {
            kind,
            amount: money(amount, cur),
            fee: money(fee, cur),
            order_ref: None,
        };
        Payout {
            meta: Meta {
                source_system: SYSTEM.into(),
                source_id: self.payout.clone(),
                version: self.version(),
                external_ids: vec![ExternalId {
                    system: self.system.clone(),
                    id: self.payout.clone(),
                }],
                attributes: vec![
                    attr(KEY_ATTRIBUTE, payout_key(&self.system, &self.payout)),
                    attr("journal.key", self.key()),
                    attr("journal.written-at", self.written_at.clone()),
                    attr("journal.line-count", self.lines.to_string()),
                ],
            },
            date: self.date.clone(),
            lines: vec![
                line(PayoutLineKind::Charge, self.gross_sales, self.fees),
                line(PayoutLineKind::Refund, self.refunds.saturating_neg(), 0),
                line(PayoutLineKind::Adjustment, self.adjustments, 0),
            ],
            fees: money(self.fees, cur),
            net: money(self.net, cur),
        }
    }

    /// [`Entry::to_payout`] as an entity.
    pub fn to_entity(&self) -> Entity {
        Entity::Payout(self.to_payout())
    }
}

/// Sums in i128 so no payout can overflow them; converted back once, checked.
#[derive(Default)]
struct Sums {
    gross: i128,
    refunds: i128,
    adjustments: i128,
    line_fees: i128,
}

fn narrow(label: &str, what: &str, v: i128) -> Result<i64, String> {
    i64::try_from(v).map_err(|_| format!("{label}: {what} {v} does not fit in 64 bits"))
}

/// The entry for `payout` (without `written_at`), or why it must not be journaled: not
/// identified, mixed currencies, lines whose fees disagree with the payout's fees, or amounts
/// that do not balance. Every error is for finance to look at (permanent).
pub fn summarize(payout: &Payout) -> Result<Entry, String> {
    let (system, id) = (&payout.meta.source_system, &payout.meta.source_id);
    let label = payout_key(system, id);
    if system.is_empty() || id.is_empty() {
        return Err(format!(
            "{label}: a payout needs meta.source-system and meta.source-id to be journaled"
        ));
    }
    if system == SYSTEM {
        return Err(format!(
            "{label}: this payout was read from the journal itself; journal the payout it summarises instead"
        ));
    }
    let currency = payout.net.currency.clone();
    let check = |what: String, m: &weft_sdk::model::Money| {
        if m.amount_minor != 0 && m.currency != currency {
            return Err(format!(
                "{label}: {what} is in {:?} but the payout's net is in {currency:?}; one entry holds one currency",
                m.currency
            ));
        }
        Ok(())
    };
    if currency.is_empty() {
        return Err(format!("{label}: the payout's net has no currency"));
    }
    check("fees".into(), &payout.fees)?;
    let mut s = Sums::default();
    for (n, l) in payout.lines.iter().enumerate() {
        check(format!("line {} amount", n + 1), &l.amount)?;
        check(format!("line {} fee", n + 1), &l.fee)?;
        let amount = i128::from(l.amount.amount_minor);
        match l.kind {
            PayoutLineKind::Charge => s.gross += amount,
            PayoutLineKind::Refund => s.refunds -= amount,
            PayoutLineKind::Fee | PayoutLineKind::Dispute | PayoutLineKind::Adjustment => {
                s.adjustments += amount
            }
        }
        s.line_fees += i128::from(l.fee.amount_minor);
    }
    let fees = i128::from(payout.fees.amount_minor);
    let net = i128::from(payout.net.amount_minor);
    if s.line_fees != 0 && s.line_fees != fees {
        return Err(format!(
            "{label}: the lines' fees add up to {} but the payout's fees are {fees} {currency} minor units; not journaled",
            s.line_fees
        ));
    }
    let sum = s.gross - s.refunds + s.adjustments - fees;
    if sum != net {
        return Err(format!(
            "{label} does not balance: gross sales {} - refunds {} + adjustments {} - fees {fees} = {sum}, but its net is {net} (difference {} {currency} minor units); not journaled",
            s.gross,
            s.refunds,
            s.adjustments,
            net - sum
        ));
    }
    Ok(Entry {
        payout: id.clone(),
        system: system.clone(),
        date: payout.date.clone(),
        currency,
        gross_sales: narrow(&label, "gross sales", s.gross)?,
        refunds: narrow(&label, "refunds", s.refunds)?,
        adjustments: narrow(&label, "adjustments", s.adjustments)?,
        fees: payout.fees.amount_minor,
        net: payout.net.amount_minor,
        lines: payout.lines.len() as u64,
        written_at: String::new(),
    })
}

/// `ms` since the Unix epoch as RFC 3339 UTC with milliseconds: `2024-05-01T11:00:00.000Z`.
pub fn rfc3339(ms: u64) -> String {
    let (secs, millis) = (ms / 1000, ms % 1000);
    let (days, rem) = ((secs / 86_400) as i64, secs % 86_400);
    // Civil date from days since 1970-01-01 (H. Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{millis:03}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

//! Reading a resource in `(timeStamp, id)` order from a [`Cursor`]: turns the cursor's next step
//! into a request (`sort=timeStamp` with `timeStamp=,t` + `id=>,i`, or `timeStamp=>,t`, or the
//! server's `next` page; from id 0 `timeStamp=,t` alone and `timeStamp=>=,t`), fetches at most
//! [`MAX_REQUESTS`] pages per call, shows the cursor each response's server clock (`Date` header
//! and row stamps) and advances it past every row it hands out (rows the caller filters out,
//! such as the shop 0 stock rows, advance it too). A call that ends a pass with an open second
//! stops there: the re-read starts with the next call.
//!
//! Deliberately not here: what the rows mean (see `streams`).

use serde::de::DeserializeOwned;
use weft_sdk::connector::Failure;

use crate::client::{Client, unreadable};
use crate::cursor::{Chain, Cursor, Pos, Step};
use crate::query::{Query, relative_next};
use crate::time;

/// Requests one `read-page` call may make for its scan.
pub const MAX_REQUESTS: usize = 4;

/// A record with a keyset position.
pub trait Keyed {
    /// `(timeStamp, primary id)`.
    fn key(&self) -> (&str, u64);
}

/// What to scan: a resource with its id field and fixed parameters (filters, relations).
#[derive(Debug, Clone)]
pub struct Source {
    /// Resource name, e.g. "ItemShop".
    pub resource: &'static str,
    /// Its primary id field, e.g. "itemShopID".
    pub id_field: &'static str,
    /// Fixed parameters added to every fresh query.
    pub params: Vec<(&'static str, String)>,
}

/// Rows read by one call.
#[derive(Debug)]
pub struct Scanned<T> {
    /// Rows kept by the caller's filter, in cursor order.
    pub rows: Vec<T>,
    /// Nothing more to read right now.
    pub caught_up: bool,
}

fn fresh(src: &Source, chain: Chain, pos: Option<&Pos>, limit: usize) -> String {
    let mut q = Query::new(src.resource);
    for (k, v) in &src.params {
        q = q.param(k, v.clone());
    }
    match (chain, pos) {
        (Chain::Same, Some(p)) if p.id == 0 => q = q.filter("timeStamp", "=", &p.ts),
        (Chain::Same, Some(p)) => {
            q = q
                .filter("timeStamp", "=", &p.ts)
                .filter(src.id_field, ">", &p.id.to_string())
        }
        (Chain::Later, Some(p)) if p.id == 0 => q = q.filter("timeStamp", ">=", &p.ts),
        (Chain::Later, Some(p)) => q = q.filter("timeStamp", ">", &p.ts),
        _ => {}
    }
    q.param("sort", "timeStamp")
        .param("limit", limit.clamp(1, 100).to_string())
        .path()
}

/// Read up to `want` kept rows after `cursor`, advancing it.
pub fn scan<T: DeserializeOwned + Keyed>(
    client: &Client<'_>,
    src: &Source,
    cursor: &mut Cursor,
    want: usize,
    keep: impl Fn(&T) -> bool,
) -> Result<Scanned<T>, Failure> {
    let want = want.max(1);
    let mut rows = Vec::new();
    let mut caught_up = false;
    for _ in 0..MAX_REQUESTS {
        if rows.len() >= want {
            break;
        }
        let room = want - rows.len();
        let step = cursor.step();
        let path = match &step {
            Step::Follow(_, next) => next.clone(),
            Step::Begin(chain, pos) => fresh(src, *chain, pos.as_ref(), room),
        };
        let (page, date) = client.list_dated::<T>(&path, src.resource)?;
        let next = match page.next.as_str() {
            "" => None,
            url => Some(
                relative_next(url, src.resource)
                    .ok_or_else(|| unreadable(&path, &format!("next page {url:.120}")))?,
            ),
        };
        let stamps: Vec<i64> = page
            .records
            .iter()
            .filter_map(|r| time::parse(r.key().0))
            .collect();
        let evidence = cursor.observe(date, &stamps);
        let mut fetched: Vec<T> = page.records;
        if let Some(p) = &cursor.pos {
            fetched.retain(|r| {
                let (ts, id) = r.key();
                p.is_before(ts, id)
            });
        }
        let mut kept_all = true;
        for row in fetched {
            if rows.len() >= want {
                kept_all = false;
                break;
            }
            let (ts, id) = row.key();
            cursor.take(ts, id, evidence);
            if keep(&row) {
                rows.push(row);
            }
        }
        caught_up = cursor.advance(&step, next, !kept_all);
        if caught_up {
            break;
        }
    }
    Ok(Scanned { rows, caught_up })
}

impl Keyed for crate::wire::ItemShop {
    fn key(&self) -> (&str, u64) {
        (&self.time_stamp, self.item_shop_id)
    }
}

impl Keyed for crate::wire::Item {
    fn key(&self) -> (&str, u64) {
        (&self.time_stamp, self.item_id)
    }
}

impl Keyed for crate::wire::Customer {
    fn key(&self) -> (&str, u64) {
        (&self.time_stamp, self.customer_id)
    }
}

impl Keyed for crate::wire::Sale {
    fn key(&self) -> (&str, u64) {
        (&self.time_stamp, self.sale_id)
    }
}

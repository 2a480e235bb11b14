//! Routing of `/API/V3/Account/{accountID}/{Resource}[/{id}[/{action}]].json` to reads and writes,
//! and the cost of each request (computed before it runs, because the bucket charges first).
//!
//! Served: GET list/single for Item, ItemMatrix, ItemShop, Shop, Customer, Sale, SaleLine,
//! SalePayment; POST/PUT/DELETE Item (DELETE archives and zeroes stock); PUT ItemShop (reorder
//! fields only); POST/PUT Customer; POST/PUT Sale (with an optional `ShipTo` object that creates
//! or changes the sale's ShipTo; `"shipped": "true"` is how a shop marks it shipped, and the ShipTo
//! loads as a Sale relation); POST `Sale/{id}/Refund`.
//!
//! Deliberately not here: auth, rate limiting, faults (the caller does those first), and
//! resources a sync connector does not use (Category, Vendor, InventoryCount, ...), which are 404.

use axum::http::Method;
use serde_json::Value;

use super::error::ApiError;
use super::query::{self, Params};
use super::ratelimit::write_cost;
use super::render::Record;
use super::store::{
    CustomerRec, ItemRec, ItemShopRec, MatrixRec, SaleLineRec, SalePaymentRec, SaleRec, Store,
};
use super::writes;

/// One parsed API request.
#[derive(Debug)]
pub(crate) struct ApiRequest {
    pub method: Method,
    pub resource: String,
    pub id: Option<u64>,
    pub action: Option<String>,
    pub params: Params,
    pub body: Value,
}

impl ApiRequest {
    /// Parse the path after `/API/V3/Account/{accountID}/`.
    pub fn parse(
        method: Method,
        rest: &str,
        query: Option<&str>,
        body: &[u8],
    ) -> Result<Self, ApiError> {
        let trimmed = rest.strip_suffix(".json").unwrap_or(rest);
        let segs: Vec<&str> = trimmed.split('/').filter(|s| !s.is_empty()).collect();
        let resource = segs
            .first()
            .ok_or_else(|| ApiError::no_route(rest))?
            .to_string();
        let id = match segs.get(1) {
            Some(s) => Some(s.parse::<u64>().map_err(|_| ApiError::no_route(rest))?),
            None => None,
        };
        if segs.len() > 3 {
            return Err(ApiError::no_route(rest));
        }
        let body = if body.is_empty() || method == Method::GET {
            Value::Null
        } else {
            serde_json::from_slice(body)
                .map_err(|e| ApiError::bad_request(format!("invalid JSON body: {e}")))?
        };
        if !(body.is_null() || body.is_object()) {
            return Err(ApiError::bad_request("the JSON body must be an object"));
        }
        Ok(Self {
            method,
            resource,
            id,
            action: segs.get(2).map(|s| s.to_string()),
            params: Params::parse(query)?,
            body,
        })
    }

    /// Cost in drips (2026-03-17 table).
    pub fn cost(&self) -> f64 {
        if self.method != Method::GET {
            return write_cost(&self.resource, self.action.as_deref(), &self.body);
        }
        if self.params.count {
            return 10.0;
        }
        let multi = self.id.is_none();
        1.0 + match self.resource.as_str() {
            "Item" => self.params.relation_cost::<ItemRec>(multi),
            "ItemMatrix" => self.params.relation_cost::<MatrixRec>(multi),
            "ItemShop" => self.params.relation_cost::<ItemShopRec>(multi),
            "Customer" => self.params.relation_cost::<CustomerRec>(multi),
            "Sale" => self.params.relation_cost::<SaleRec>(multi),
            "SaleLine" => self.params.relation_cost::<SaleLineRec>(multi),
            "SalePayment" => self.params.relation_cost::<SalePaymentRec>(multi),
            _ => 0.0,
        }
    }
}

fn get<'a, R: Record + 'a>(
    st: &'a Store,
    map: &'a std::collections::BTreeMap<u64, R>,
    req: &ApiRequest,
    url_base: &str,
) -> Result<Value, ApiError> {
    match req.id {
        Some(id) => {
            let rec = map.get(&id).ok_or_else(|| ApiError::not_found(R::ENTITY))?;
            query::single(rec, st, &req.params)
        }
        None => query::list(map.values(), st, &req.params, url_base),
    }
}

/// Run a request against the store. `url_base` is the absolute collection URL (for paging links);
/// `now` is simulated Unix seconds.
pub(crate) fn execute(
    st: &mut Store,
    req: &ApiRequest,
    url_base: &str,
    now: i64,
) -> Result<Value, ApiError> {
    let m = &req.method;
    let r = req.resource.as_str();
    if req.action.is_some() && !(r == "Sale" && req.action.as_deref() == Some("Refund")) {
        return Err(ApiError::no_route(&format!(
            "{r}/{}",
            req.action.as_deref().unwrap_or("")
        )));
    }
    if *m == Method::GET {
        let s = &*st;
        return match r {
            "Item" => get(s, &s.items, req, url_base),
            "ItemMatrix" => get(s, &s.matrices, req, url_base),
            "ItemShop" => get(s, &s.item_shops, req, url_base),
            "Shop" => get(s, &s.shops, req, url_base),
            "Customer" => get(s, &s.customers, req, url_base),
            "Sale" => get(s, &s.sales, req, url_base),
            "SaleLine" => get(s, &s.sale_lines, req, url_base),
            "SalePayment" => get(s, &s.sale_payments, req, url_base),
            _ => Err(ApiError::no_route(r)),
        };
    }
    let need_id = || {
        req.id
            .ok_or_else(|| ApiError::method_not_allowed(m.as_str(), r))
    };
    let no_id = || match req.id {
        Some(_) => Err(ApiError::method_not_allowed(m.as_str(), r)),
        None => Ok(()),
    };
    let id = match (m.as_str(), r) {
        ("POST", "Item") => no_id().and_then(|_| writes::create_item(st, &req.body, now))?,
        ("PUT", "Item") => writes::update_item(st, need_id()?, &req.body, now)?,
        ("DELETE", "Item") => writes::archive_item(st, need_id()?, now)?,
        ("PUT", "ItemShop") => writes::update_item_shop(st, need_id()?, &req.body, now)?,
        ("POST", "Customer") => {
            no_id().and_then(|_| writes::create_customer(st, &req.body, now))?
        }
        ("PUT", "Customer") => writes::update_customer(st, need_id()?, &req.body, now)?,
        ("POST", "Sale") if req.action.is_some() => {
            writes::refund_sale(st, need_id()?, &req.body, now)?
        }
        ("POST", "Sale") => no_id().and_then(|_| writes::create_sale(st, &req.body, now))?,
        ("PUT", "Sale") => writes::update_sale(st, need_id()?, &req.body, now)?,
        (
            _,
            "Item" | "ItemMatrix" | "ItemShop" | "Shop" | "Customer" | "Sale" | "SaleLine"
            | "SalePayment",
        ) => {
            return Err(ApiError::method_not_allowed(m.as_str(), r));
        }
        _ => return Err(ApiError::no_route(r)),
    };
    // Writes answer with the written record; Items with their ItemShops, Sales with lines and payments.
    let rels = |names: &[&str]| -> Result<Params, ApiError> {
        let json = serde_json::to_string(names).unwrap_or_default();
        let q: String = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("load_relations", &json)
            .finish();
        Params::parse(Some(&q))
    };
    let st = &*st;
    match r {
        "Item" => query::single(&st.items[&id], st, &rels(&["ItemShops"])?),
        "ItemShop" => query::single(&st.item_shops[&id], st, &Params::parse(None)?),
        "Customer" => query::single(&st.customers[&id], st, &rels(&["Contact"])?),
        _ => query::single(
            &st.sales[&id],
            st,
            &rels(&["SaleLines", "SalePayments", "ShipTo"])?,
        ),
    }
}

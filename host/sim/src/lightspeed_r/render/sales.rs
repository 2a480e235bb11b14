//! Rendering of Sale, SaleLine and SalePayment (see the parent module for the shape rules).
//!
//! Deliberately not here: discounts other than per-line amounts, second tax rates, tips.

use serde_json::{Map, Value, json};

use super::super::store::{SaleLineRec, SalePaymentRec, SaleRec, ShipToRec, Store};
use super::{Record, many, money, obj, render, s, ts};

impl Record for SaleRec {
    const ENTITY: &'static str = "Sale";
    const ID_FIELD: &'static str = "saleID";
    const SORTABLE: &'static [&'static str] = &["saleID", "timeStamp"];
    const RELATIONS: &'static [(&'static str, bool)] = &[
        ("SaleLines", true),
        ("SalePayments", true),
        ("Customer", false),
        ("ShipTo", false),
    ];
    fn id(&self) -> u64 {
        self.sale_id
    }
    fn time_stamp(&self) -> i64 {
        self.time_stamp
    }
    fn archived(&self) -> bool {
        self.archived
    }
    fn scalars(&self, st: &Store) -> Map<String, Value> {
        let (sub, tax, total, paid) = st.sale_totals(self);
        obj(json!({
            "saleID": s(self.sale_id), "timeStamp": ts(self.time_stamp), "discountPercent": "0",
            "completed": s(self.completed), "archived": s(self.archived), "voided": s(self.voided),
            "enablePromotions": "true", "isTaxInclusive": "false", "tipEnabled": "false",
            "createTime": ts(self.create_time), "updateTime": ts(self.update_time),
            "completeTime": self.complete_time.map_or(s(""), ts),
            "referenceNumber": self.reference_number,
            "referenceNumberSource": self.reference_number_source,
            "tax1Rate": s(self.tax1_rate), "tax2Rate": "0", "change": money((paid - total).max(0)),
            "receiptPreference": "printed", "displayableSubtotal": money(sub),
            "ticketNumber": format!("220000{:06}", self.sale_id), "calcDiscount": "0",
            "calcTotal": money(total), "calcSubtotal": money(sub), "calcTax1": money(tax),
            "calcTax2": "0", "calcPayments": money(paid), "calcTips": "0", "total": money(total),
            "totalDue": money(total), "displayableTotal": money(total),
            "balance": money(total - paid), "customerID": s(self.customer_id), "discountID": "0",
            "employeeID": s(self.employee_id), "quoteID": "0", "registerID": s(self.register_id),
            "shipToID": s(self.ship_to_id), "shopID": s(self.shop_id), "taxCategoryID": "0",
        }))
    }
    fn relation(&self, st: &Store, name: &str, nested: &[String]) -> Option<Value> {
        match name {
            "SaleLines" => {
                let l = self
                    .line_ids
                    .iter()
                    .filter_map(|i| st.sale_lines.get(i))
                    .collect();
                many("SaleLine", l, st, nested)
            }
            "SalePayments" => {
                let p = self
                    .payment_ids
                    .iter()
                    .filter_map(|i| st.sale_payments.get(i))
                    .collect();
                many("SalePayment", p, st, nested)
            }
            "Customer" => st
                .customers
                .get(&self.customer_id)
                .map(|c| render(c, st, nested)),
            "ShipTo" => st
                .ship_tos
                .get(&self.ship_to_id)
                .map(|t| render(t, st, nested)),
            _ => None,
        }
    }
}

impl Record for SaleLineRec {
    const ENTITY: &'static str = "SaleLine";
    const ID_FIELD: &'static str = "saleLineID";
    const SORTABLE: &'static [&'static str] = &["saleLineID", "timeStamp", "saleID"];
    const RELATIONS: &'static [(&'static str, bool)] = &[("Item", false)];
    fn id(&self) -> u64 {
        self.sale_line_id
    }
    fn time_stamp(&self) -> i64 {
        self.time_stamp
    }
    fn scalars(&self, st: &Store) -> Map<String, Value> {
        let cost = st.items.get(&self.item_id).map_or(0, |i| i.cost_minor);
        let sale = st.sales.get(&self.sale_id);
        obj(json!({
            "saleLineID": s(self.sale_line_id), "createTime": ts(self.create_time),
            "timeStamp": ts(self.time_stamp), "unitQuantity": s(self.unit_quantity),
            "unitPrice": money(self.unit_price_minor), "normalUnitPrice": money(self.unit_price_minor),
            "discountAmount": money(self.discount_minor), "discountPercent": "0",
            "avgCost": money(cost), "fifoCost": money(cost), "tax": s(self.tax),
            "tax1Rate": s(self.tax1_rate), "tax2Rate": "0", "isLayaway": "false",
            "isWorkorder": "false", "isSpecialOrder": "false",
            "displayableSubtotal": money(self.subtotal_minor()),
            "displayableUnitPrice": money(self.unit_price_minor),
            "calcLineDiscount": money(self.discount_minor), "calcTransactionDiscount": "0",
            "calcTotal": money(self.subtotal_minor() + self.tax_minor()),
            "calcSubtotal": money(self.subtotal_minor()), "calcTax1": money(self.tax_minor()),
            "calcTax2": "0", "taxClassID": "1",
            "customerID": s(sale.map_or(0, |x| x.customer_id)), "discountID": "0",
            "employeeID": s(sale.map_or(0, |x| x.employee_id)), "itemID": s(self.item_id),
            "noteID": "0", "parentSaleLineID": s(self.parent_sale_line_id),
            "shopID": s(self.shop_id), "saleID": s(self.sale_id),
        }))
    }
    fn relation(&self, st: &Store, name: &str, nested: &[String]) -> Option<Value> {
        (name == "Item")
            .then(|| st.items.get(&self.item_id).map(|i| render(i, st, nested)))
            .flatten()
    }
}

const PAYMENT_TYPES: [(&str, &str); 4] = [
    ("Cash", "cash"),
    ("Check", "check"),
    ("Credit Card", "credit card"),
    ("Online", "ecom"),
];

impl Record for SalePaymentRec {
    const ENTITY: &'static str = "SalePayment";
    const ID_FIELD: &'static str = "salePaymentID";
    const SORTABLE: &'static [&'static str] = &["salePaymentID", "timeStamp"];
    const RELATIONS: &'static [(&'static str, bool)] = &[("PaymentType", false)];
    fn id(&self) -> u64 {
        self.sale_payment_id
    }
    fn time_stamp(&self) -> i64 {
        self.time_stamp
    }
    fn scalars(&self, st: &Store) -> Map<String, Value> {
        let sale = st.sales.get(&self.sale_id);
        obj(json!({
            "salePaymentID": s(self.sale_payment_id), "amount": money(self.amount_minor),
            "tipAmount": "0", "createTime": ts(self.create_time), "archived": "false",
            "remoteReference": "", "paymentID": "", "saleID": s(self.sale_id),
            "paymentTypeID": s(self.payment_type_id), "ccChargeID": "0", "refPaymentID": "0",
            "registerID": s(sale.map_or(0, |x| x.register_id)),
            "employeeID": s(sale.map_or(0, |x| x.employee_id)), "creditAccountID": "0",
        }))
    }
    fn relation(&self, _st: &Store, name: &str, _nested: &[String]) -> Option<Value> {
        let idx = (self.payment_type_id as usize).checked_sub(1)?;
        let (label, kind) = PAYMENT_TYPES.get(idx)?;
        (name == "PaymentType").then(|| {
            json!({"paymentTypeID": s(self.payment_type_id), "name": label, "type": kind,
                   "requireCustomer": "false", "archived": "false", "internalReserved": "true"})
        })
    }
}

impl Record for ShipToRec {
    const ENTITY: &'static str = "ShipTo";
    const ID_FIELD: &'static str = "shipToID";
    const SORTABLE: &'static [&'static str] = &["shipToID", "timeStamp"];
    const RELATIONS: &'static [(&'static str, bool)] = &[];
    fn id(&self) -> u64 {
        self.ship_to_id
    }
    fn time_stamp(&self) -> i64 {
        self.time_stamp
    }
    fn scalars(&self, _st: &Store) -> Map<String, Value> {
        obj(json!({
            "shipToID": s(self.ship_to_id), "saleID": s(self.sale_id),
            "shipped": s(self.shipped), "shipNote": self.ship_note,
            "firstName": self.first_name, "lastName": self.last_name, "title": "",
            "company": self.company, "timeStamp": ts(self.time_stamp),
        }))
    }
}

//! Customer and Contact in their R-Series JSON shape (see the parent module).
//!
//! Deliberately not here: matching and mapping (see `streams::customers`).

use serde::Deserialize;

use super::{Emails, Phones};
use crate::lenient;

/// One e-mail address of a contact.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ContactEmail {
    #[serde(deserialize_with = "lenient::string")]
    pub address: String,
}

/// One phone number of a contact.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ContactPhone {
    #[serde(deserialize_with = "lenient::string")]
    pub number: String,
}

/// A customer's contact details.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Contact {
    #[serde(rename = "Emails", deserialize_with = "lenient::container")]
    pub emails: Emails,
    #[serde(rename = "Phones", deserialize_with = "lenient::container")]
    pub phones: Phones,
}

/// A customer.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Customer {
    #[serde(rename = "customerID", deserialize_with = "lenient::u64")]
    pub customer_id: u64,
    #[serde(deserialize_with = "lenient::string")]
    pub first_name: String,
    #[serde(deserialize_with = "lenient::string")]
    pub last_name: String,
    #[serde(deserialize_with = "lenient::bool")]
    pub archived: bool,
    #[serde(rename = "customerTypeID", deserialize_with = "lenient::u64")]
    pub customer_type_id: u64,
    #[serde(deserialize_with = "lenient::string")]
    pub time_stamp: String,
    #[serde(rename = "Contact", deserialize_with = "lenient::container")]
    pub contact: Contact,
}

impl Customer {
    /// The first non-empty e-mail, lower-cased.
    pub fn email(&self) -> Option<String> {
        let mut all = self.contact.emails.list.iter().map(|e| e.address.trim());
        all.find(|a| !a.is_empty()).map(str::to_lowercase)
    }

    /// The first non-empty phone number.
    pub fn phone(&self) -> Option<String> {
        let mut all = self.contact.phones.list.iter().map(|p| p.number.trim());
        all.find(|n| !n.is_empty()).map(str::to_string)
    }
}

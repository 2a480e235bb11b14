//! Validation for `productSet` (see `product_set.rs` for the semantics): every rule that can
//! refuse the input is checked here, before anything changes, so the mutation stays
//! all-or-nothing. Error codes are `ProductSetUserErrorCode` values (shopify.dev 2024-04+).
//!
//! Deliberately no state changes here.

use super::model::Product;
use super::product_set::{ProductSpec, err};
use super::store::{Store, UserError};

impl Store {
    pub(super) fn check_product_set(
        &self,
        spec: &ProductSpec,
        existing: Option<&Product>,
    ) -> Vec<UserError> {
        let mut errors = Vec::new();
        if existing.is_none() && spec.title.as_deref().is_none_or(|t| t.trim().is_empty()) {
            errors.push(err(
                "INVALID_INPUT",
                &["input", "title"],
                "Title can't be blank",
            ));
        }
        if let Some(h) = &spec.handle
            && self
                .products
                .values()
                .any(|p| p.handle == *h && Some(p.id) != spec.id)
        {
            errors.push(err(
                "HANDLE_NOT_UNIQUE",
                &["input", "handle"],
                "Handle already in use. Please provide a new handle.",
            ));
        }
        let options: Vec<(String, Vec<String>)> = match &spec.options {
            Some(o) => o
                .iter()
                .map(|o| (o.name.clone(), o.values.clone()))
                .collect(),
            None => existing.map(|p| p.options.clone()).unwrap_or_default(),
        };
        if spec.variants.is_some() && spec.options.is_none() && existing.is_none() {
            errors.push(err(
                "PRODUCT_OPTIONS_INPUT_MISSING",
                &["input", "productOptions"],
                "Must specify product options when updating variants.",
            ));
        }
        if spec.options.is_some() && spec.variants.is_none() {
            errors.push(err(
                "VARIANTS_INPUT_MISSING",
                &["input", "variants"],
                "Must specify variants when updating options.",
            ));
        }
        if options.len() > 3 {
            errors.push(err(
                "OPTIONS_OVER_LIMIT",
                &["input", "productOptions"],
                "Options over limit.",
            ));
        }
        for (i, (name, values)) in options.iter().enumerate() {
            let i = i.to_string();
            let field = ["input", "productOptions", i.as_str()];
            if options.iter().filter(|(n, _)| n == name).count() > 1 {
                errors.push(err(
                    "DUPLICATED_OPTION_NAME",
                    &field,
                    "Duplicated option name.",
                ));
            }
            if values.is_empty() {
                errors.push(err(
                    "OPTION_VALUES_MISSING",
                    &field,
                    "Each option must have at least one option value specified.",
                ));
            }
            if (1..values.len()).any(|j| values[..j].contains(&values[j])) {
                errors.push(err(
                    "DUPLICATED_OPTION_VALUE",
                    &field,
                    "Duplicated option value.",
                ));
            }
        }
        let variants = spec.variants.as_deref().unwrap_or_default();
        let mut combos: Vec<Vec<String>> = Vec::new();
        for (i, v) in variants.iter().enumerate() {
            let i = i.to_string();
            let field = |leaf: &'static str| ["input", "variants", i.as_str(), leaf];
            if let Some(vid) = v.id
                && self
                    .variants
                    .get(&vid)
                    .is_none_or(|x| Some(x.product_id) != spec.id)
            {
                errors.push(err(
                    "PRODUCT_VARIANT_DOES_NOT_EXIST",
                    &field("id"),
                    "Product variant does not exist.",
                ));
            }
            let mut combo = Vec::new();
            for (name, values) in &options {
                match v.option_values.iter().find(|(n, _)| n == name) {
                    Some((_, value)) if values.contains(value) => combo.push(value.clone()),
                    Some(_) => errors.push(err(
                        "OPTION_VALUE_DOES_NOT_EXIST",
                        &field("optionValues"),
                        "Option value does not exist.",
                    )),
                    None => errors.push(err(
                        "INVALID_VARIANT",
                        &field("optionValues"),
                        format!("the variant has no value for option `{name}`"),
                    )),
                }
            }
            if v.option_values
                .iter()
                .any(|(n, _)| !options.iter().any(|(o, _)| o == n))
            {
                errors.push(err(
                    "OPTION_DOES_NOT_EXIST",
                    &field("optionValues"),
                    "Option does not exist.",
                ));
            }
            if combos.contains(&combo) {
                errors.push(err(
                    "INVALID_VARIANT",
                    &field("optionValues"),
                    "a variant with these option values already exists",
                ));
            }
            combos.push(combo);
            if let Some(sku) = v.sku.as_deref().filter(|s| !s.is_empty()) {
                let taken = self.sku_index.get(sku).is_some_and(|other| {
                    Some(*other) != v.id
                        && self.variants.get(other).map(|x| x.product_id) != spec.id
                });
                let twice = variants
                    .iter()
                    .filter(|w| w.sku.as_deref() == Some(sku))
                    .count()
                    > 1;
                if taken || twice {
                    errors.push(err(
                        "INVALID_VARIANT",
                        &field("sku"),
                        "SKU is already used by another variant",
                    ));
                }
            }
        }
        errors
    }
}

#[cfg(test)]
mod tests {
    use super::super::product_set::{OptionSpec, VariantSpec};
    use super::*;
    use crate::seed::Retailer;

    fn tee(skus: &[(&str, &str)]) -> ProductSpec {
        ProductSpec {
            title: Some("Linen Shirt".into()),
            options: Some(vec![OptionSpec {
                name: "Size".into(),
                values: skus.iter().map(|(_, s)| s.to_string()).collect(),
            }]),
            variants: Some(
                skus.iter()
                    .map(|(sku, size)| VariantSpec {
                        sku: Some(sku.to_string()),
                        price: Some(4500),
                        option_values: vec![("Size".into(), size.to_string())],
                        ..VariantSpec::default()
                    })
                    .collect(),
            ),
            ..ProductSpec::default()
        }
    }

    #[test]
    fn creates_updates_by_id_and_replaces_the_variant_list() {
        let mut s = Store::from_retailer(&Retailer::generate(7, 2), 0);
        let id = s
            .product_set(tee(&[("LIN-S", "S"), ("LIN-M", "M")]), 1)
            .unwrap();
        let p = s.products[&id].clone();
        assert_eq!(
            (p.status.as_str(), p.handle.as_str()),
            ("ACTIVE", "linen-shirt")
        );
        assert_eq!(p.variant_ids.len(), 2);
        let small = s.variant_by_sku("LIN-S").unwrap().clone();
        assert_eq!((small.title.as_str(), small.price), ("S", 4500));
        assert!(s.items.contains_key(&small.inventory_item_id));

        // Update: keep S (by id, new price), drop M, add L; title changes.
        let mut next = tee(&[("LIN-S", "S"), ("LIN-L", "L")]);
        next.id = Some(id);
        next.title = Some("Linen Shirt II".into());
        let vars = next.variants.as_mut().unwrap();
        vars[0].id = Some(small.id);
        vars[0].price = Some(3900);
        assert_eq!(s.product_set(next, 2), Ok(id));
        assert_eq!(s.products[&id].title, "Linen Shirt II");
        assert_eq!(s.variant_by_sku("LIN-S").unwrap().price, 3900);
        assert_eq!(s.variant_by_sku("LIN-S").unwrap().id, small.id);
        assert!(
            s.variant_by_sku("LIN-M").is_none(),
            "unlisted variants are deleted"
        );
        assert!(s.variant_by_sku("LIN-L").is_some());
    }

    #[test]
    fn refuses_bad_input_without_changing_anything() {
        let mut s = Store::from_retailer(&Retailer::generate(7, 2), 0);
        let taken = s.variants.values().next().unwrap().sku.clone();
        let before = s.products.len();
        let e = s.product_set(tee(&[(taken.as_str(), "S")]), 1).unwrap_err();
        assert_eq!(e[0].code.as_deref(), Some("INVALID_VARIANT"));
        let mut bad = tee(&[("X-1", "S")]);
        bad.variants.as_mut().unwrap()[0].option_values = vec![("Size".into(), "XXL".into())];
        let e = s.product_set(bad, 1).unwrap_err();
        assert_eq!(e[0].code.as_deref(), Some("OPTION_VALUE_DOES_NOT_EXIST"));
        let missing = ProductSpec {
            id: Some(1),
            ..ProductSpec::default()
        };
        let e = s.product_set(missing, 1).unwrap_err();
        assert_eq!(e[0].code.as_deref(), Some("PRODUCT_DOES_NOT_EXIST"));
        assert_eq!(s.products.len(), before);
    }
}

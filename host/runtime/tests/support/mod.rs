//! What the in-memory flow tests share: a stock level, a sled-backed flow context, and a flow
//! between two memory streams through a native transform.

use std::path::Path;
use std::sync::Arc;

use weft_engine::PluginId;
use weft_runtime::flow::{
    Endpoint, Flow, FlowCtx, FlowSpec, MapperEnd, MemoryStream, NativeTransform, StreamEnd,
};
use weft_runtime::telemetry::Telemetry;
use weft_store::{SledStore, SyncStore};
use weft_world::types::{Entity, InventoryLevel, Meta};

/// A level of `sku` at location 1, at source `version`.
pub fn level(sku: &str, version: u64, available: i64) -> Entity {
    Entity::InventoryLevel(InventoryLevel {
        meta: Meta {
            source_system: "memory".into(),
            source_id: sku.into(),
            version: format!("{version:010}"),
            external_ids: vec![],
            attributes: vec![],
        },
        sku: sku.into(),
        location: "1".into(),
        on_hand: available,
        available,
        committed: 0,
    })
}

/// The real sled store in `dir`, and a flow context over it.
pub fn sled_ctx(dir: &Path) -> (Arc<dyn SyncStore>, FlowCtx) {
    let store: Arc<dyn SyncStore> = Arc::new(SledStore::open(dir.join("sync")).unwrap());
    let ctx = FlowCtx::new(store.clone(), Arc::new(Telemetry::new()));
    (store, ctx)
}

/// Flow `acme/{name}`: `source` through `map` into `target`, pages of 100.
pub fn memory_flow(
    name: &str,
    source: &Arc<MemoryStream>,
    target: &Arc<MemoryStream>,
    map: NativeTransform,
) -> Flow {
    let mut spec = FlowSpec::new(
        "acme",
        name,
        Endpoint::new("mem", "inventory"),
        Endpoint::new("mem", "inventory"),
    );
    spec.page_size = 100;
    Flow {
        spec,
        source: StreamEnd::Memory(source.clone()),
        mappers: vec![MapperEnd::Native {
            id: PluginId::new("native-check", "1"),
            map,
        }],
        target: StreamEnd::Memory(target.clone()),
    }
}

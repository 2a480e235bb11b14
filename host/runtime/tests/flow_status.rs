//! What `weft flows`, `/api/flows` and the dashboard count for a flow: a run that fails
//! half-way still counts the pages it settled, whose records are at the target.

use std::sync::Arc;

use weft_engine::PluginId;
use weft_runtime::flow::{
    Endpoint, Flow, FlowCtx, FlowSpec, Flows, MapperEnd, MemoryStream, RunMode, StreamEnd,
};
use weft_runtime::telemetry::Telemetry;
use weft_store::{SledStore, SyncStore};
use weft_world::transform::exports::weft::connector::transform_api::Outcome;
use weft_world::types::{Entity, InventoryLevel, Meta};

fn level(sku: &str, version: u64) -> Entity {
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
        on_hand: 3,
        available: 3,
        committed: 0,
    })
}

#[tokio::test]
async fn a_run_that_fails_half_way_still_counts_the_pages_it_settled() {
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn SyncStore> = Arc::new(SledStore::open(dir.path().join("sync")).unwrap());
    let ctx = FlowCtx::new(store, Arc::new(Telemetry::new()));
    let source = Arc::new(MemoryStream::new());
    source.append((0..250).map(|i| level(&format!("SKU-{i:05}"), i + 1)));
    source.append([level("STOP-1", 1_000)]);
    let target = Arc::new(MemoryStream::new());
    // The whole chain fails on the batch holding STOP-1 (a config error, not a record's).
    let map = Arc::new(|batch: &[Entity]| {
        if batch
            .iter()
            .any(|e| matches!(e, Entity::InventoryLevel(l) if l.sku.starts_with("STOP")))
        {
            return Err("the location map is missing".to_string());
        }
        Ok(batch
            .iter()
            .map(|e| Outcome::Emit(vec![e.clone()]))
            .collect())
    });
    let mut spec = FlowSpec::new(
        "acme",
        "stock",
        Endpoint::new("mem", "inventory"),
        Endpoint::new("mem", "inventory"),
    );
    spec.page_size = 100;
    let flow = Flow {
        spec,
        source: StreamEnd::Memory(source.clone()),
        mappers: vec![MapperEnd::Native {
            id: PluginId::new("native-check", "1"),
            map,
        }],
        target: StreamEnd::Memory(target.clone()),
    };
    let flows = Flows::new(ctx, vec![flow]);

    let err = flows
        .run("acme/stock", RunMode::Incremental)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("location map"), "{err}");
    assert_eq!(target.counts().applied, 200, "two pages landed before");
    let status = &flows.statuses().unwrap()[0];
    assert_eq!(status.state, "failing");
    assert_eq!(
        (
            status.totals.read,
            status.totals.written,
            status.totals.pages
        ),
        (200, 200, 2),
        "the settled pages count: {status:?}"
    );
}

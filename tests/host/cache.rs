//! Components are compiled once and cached on disk by content hash; pooling falls back.

use weft_engine::{Allocator, CacheOutcome, EngineConfig};
use weft_tests::{component, host_with, id};

#[tokio::test]
async fn a_second_start_loads_from_the_disk_cache_without_compiling() {
    let cache = tempfile::tempdir().unwrap();
    let engine = EngineConfig {
        cache_dir: Some(cache.path().to_path_buf()),
        ..EngineConfig::default()
    };
    let bytes = component("safety-stock");
    {
        let dir = tempfile::tempdir().unwrap();
        let host = host_with(dir.path(), engine.clone());
        assert_eq!(
            host.load(id("safety-stock", "1"), &bytes).unwrap().cache,
            CacheOutcome::Compiled
        );
        assert_eq!(
            host.load(id("safety-stock", "2"), &bytes).unwrap().cache,
            CacheOutcome::Memory
        );
    }
    let dir = tempfile::tempdir().unwrap();
    let host = host_with(dir.path(), engine);
    let plugin = host.load(id("safety-stock", "1"), &bytes).unwrap();
    assert_eq!(plugin.cache, CacheOutcome::Disk);
    assert_eq!(plugin.content_hash, weft_engine::content_hash(&bytes));
    let artifacts = std::fs::read_dir(cache.path()).unwrap().count();
    assert_eq!(artifacts, 1, "one artifact per content hash");
}

#[tokio::test]
async fn pooling_is_used_by_default_and_on_demand_works_too() {
    let dir = tempfile::tempdir().unwrap();
    let pooled = host_with(dir.path(), EngineConfig::default());
    assert_eq!(pooled.engine().allocator(), &Allocator::Pooling);
    drop(pooled);
    let dir = tempfile::tempdir().unwrap();
    let host = host_with(
        dir.path(),
        EngineConfig {
            pooling: false,
            ..EngineConfig::default()
        },
    );
    assert!(matches!(
        host.engine().allocator(),
        Allocator::OnDemand { .. }
    ));
    let spec = weft_runtime::DeploymentSpec::new("t", "d");
    let key = spec.key.clone();
    weft_tests::deploy(&host, spec, "safety-stock", "1").await;
    host.transform(&key, &[weft_tests::level("A", "1", 2)])
        .await
        .unwrap();
}

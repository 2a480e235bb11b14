//! Each hostile component is stopped with the right typed error within 2 seconds, and the host
//! keeps serving other calls afterwards.

use std::time::{Duration, Instant};

use weft_engine::{ConnectorCall, ConnectorReply, LimitKind, Limits, PluginError};
use weft_runtime::{DeploymentSpec, HttpMode, RuntimeError};
use weft_tests::{component, deploy, host, id, level};

fn plugin_error(e: RuntimeError) -> PluginError {
    match e {
        RuntimeError::Plugin(p) => p,
        other => panic!("expected a plugin error, got {other}"),
    }
}

/// Deploying runs a smoke call that a hostile transform fails, so these tests load the
/// component and call it directly as the deployment would.
async fn call_transform(
    host: &weft_runtime::PluginHost,
    plugin: &str,
    spec: DeploymentSpec,
) -> (Result<weft_runtime::PluginReply, RuntimeError>, Duration) {
    let key = spec.key.clone();
    host.configure(spec);
    let loaded = host
        .load(id(plugin, "6.6.6"), &component(plugin))
        .expect("loads");
    let batch = vec![level("TEE-1", "1", 5)];
    let started = Instant::now();
    let out = host
        .call_plugin_as(
            &loaded,
            &key,
            weft_runtime::PluginCall::Transform(&batch),
            &HttpMode::Live,
        )
        .await;
    (out, started.elapsed())
}

async fn host_still_serves(host: &weft_runtime::PluginHost) {
    let spec = DeploymentSpec::new("healthy", "buffer");
    let key = spec.key.clone();
    deploy(host, spec, "safety-stock", "1.0.0").await;
    let (_, called) = host
        .transform(&key, &[level("A", "1", 3)])
        .await
        .expect("healthy call");
    assert_eq!(called.value.expect("config ok").len(), 1);
}

#[tokio::test]
async fn an_endless_loop_runs_out_of_fuel() {
    let dir = tempfile::tempdir().unwrap();
    let host = host(dir.path());
    let (out, took) = call_transform(&host, "hostile-loop", DeploymentSpec::new("t", "spin")).await;
    let err = plugin_error(out.unwrap_err());
    assert!(
        matches!(
            err,
            PluginError::LimitExceeded {
                limit: LimitKind::Fuel {
                    budget: 2_000_000_000
                },
                ..
            }
        ),
        "{err}"
    );
    let text = err.to_string();
    assert!(
        text.contains("hostile-loop@6.6.6") && text.contains("limits.fuel"),
        "{text}"
    );
    assert!(took < Duration::from_secs(2), "stopped after {took:?}");
    host_still_serves(&host).await;
}

#[tokio::test]
async fn an_endless_loop_with_ample_fuel_hits_the_wall_clock_deadline() {
    let dir = tempfile::tempdir().unwrap();
    let host = host(dir.path());
    let mut spec = DeploymentSpec::new("t", "spin");
    spec.limits = Limits {
        fuel: u64::MAX / 2,
        deadline_ms: 300,
        ..Limits::default()
    };
    let (out, took) = call_transform(&host, "hostile-loop", spec).await;
    let err = plugin_error(out.unwrap_err());
    assert!(
        matches!(
            err,
            PluginError::LimitExceeded {
                limit: LimitKind::Deadline { deadline_ms: 300 },
                ..
            }
        ),
        "{err}"
    );
    assert!(
        took >= Duration::from_millis(290) && took < Duration::from_secs(2),
        "stopped after {took:?}"
    );
    host_still_serves(&host).await;
}

#[tokio::test]
async fn unbounded_allocation_hits_the_memory_limit() {
    let dir = tempfile::tempdir().unwrap();
    let host = host(dir.path());
    let mut spec = DeploymentSpec::new("t", "hog");
    spec.limits.memory_mib = 32;
    let (out, took) = call_transform(&host, "hostile-alloc", spec).await;
    let err = plugin_error(out.unwrap_err());
    match &err {
        PluginError::LimitExceeded {
            limit:
                LimitKind::Memory {
                    limit_bytes,
                    requested_bytes,
                },
            ..
        } => {
            assert_eq!(*limit_bytes, 32 << 20);
            assert!(*requested_bytes > 32 << 20);
        }
        other => panic!("expected a memory limit error, got {other}"),
    }
    assert!(err.to_string().contains("limits.memory-mib"), "{err}");
    assert!(took < Duration::from_secs(2), "stopped after {took:?}");
    host_still_serves(&host).await;
}

#[tokio::test]
async fn a_panic_is_reported_with_its_message() {
    let dir = tempfile::tempdir().unwrap();
    let host = host(dir.path());
    let (out, took) =
        call_transform(&host, "hostile-panic", DeploymentSpec::new("t", "boom")).await;
    let err = plugin_error(out.unwrap_err());
    match &err {
        PluginError::Panicked {
            plugin, message, ..
        } => {
            assert_eq!(plugin.to_string(), "hostile-panic@6.6.6");
            assert!(
                message.contains("hostile-panic: deliberate panic"),
                "{message}"
            );
        }
        other => panic!("expected a panic error, got {other}"),
    }
    assert!(took < Duration::from_secs(2));
    host_still_serves(&host).await;
}

#[tokio::test]
async fn a_connection_that_was_not_granted_is_denied_and_nothing_is_sent() {
    let dir = tempfile::tempdir().unwrap();
    let host = host(dir.path());
    let mut spec = DeploymentSpec::new("t", "egress");
    spec.connections = vec!["shop".into()];
    let key = spec.key.clone();
    let started = Instant::now();
    deploy(&host, spec, "hostile-egress", "6.6.6").await;
    let recording = std::sync::Arc::new(weft_cap_http::Recording::default());
    let call = ConnectorCall::ReadPage {
        stream: "x".into(),
        cursor: None,
        limit: 10,
    };
    let err = plugin_error(
        host.connector(&key, &call, &HttpMode::Recorded(recording.clone()))
            .await
            .unwrap_err(),
    );
    match &err {
        PluginError::CapabilityDenied { denials, .. } => {
            assert_eq!(denials.len(), 1, "{denials:?}");
            assert_eq!(denials[0].capability, "http");
            assert_eq!(denials[0].target, "connection 'metadata'");
        }
        other => panic!("expected a denial, got {other}"),
    }
    // The absolute URL on the granted connection never reached the recording either.
    assert!(
        recording.sent().is_empty(),
        "nothing was sent: {:?}",
        recording.sent()
    );
    assert!(started.elapsed() < Duration::from_secs(2));
    host_still_serves(&host).await;
}

#[tokio::test]
async fn another_tenants_keys_cannot_be_read() {
    let dir = tempfile::tempdir().unwrap();
    let host = host(dir.path());
    // Tenant "acme" keeps a token in its probe deployment's storage.
    let victim = DeploymentSpec::new("acme", "connector");
    deploy(&host, victim, "test-probe", "1.0.0").await;
    let acme_ns = weft_cap_kv::Namespace::new("acme", "connector");
    {
        use weft_world::kv::Host as _;
        let mut ctx =
            weft_cap_kv::KvCtx::new(host.kv_store().clone(), acme_ns.clone(), Default::default());
        ctx.set("token".into(), b"acme-secret".to_vec())
            .unwrap()
            .unwrap();
    }
    // Tenant "evil" runs the snoop with the same deployment name.
    let spec = DeploymentSpec::new("evil", "connector");
    let key = spec.key.clone();
    deploy(&host, spec, "hostile-snoop", "6.6.6").await;
    let call = ConnectorCall::ReadPage {
        stream: "x".into(),
        cursor: None,
        limit: 10,
    };
    let (_, called) = host
        .connector(&key, &call, &HttpMode::Live)
        .await
        .expect("call completes");
    match called.value {
        ConnectorReply::Page(Err(weft_engine::CallError::Failed(f))) => {
            assert_eq!(
                f.message, "snoop saw: keys=[\"mine\"]",
                "the snoop saw more than its own key"
            );
        }
        other => panic!("unexpected reply {other:?}"),
    }
    assert_eq!(
        host.kv_store().raw_get(&acme_ns, "token").as_deref(),
        Some(&b"acme-secret"[..])
    );
}

#[tokio::test]
async fn a_component_importing_raw_sockets_is_refused_with_the_list() {
    let dir = tempfile::tempdir().unwrap();
    let host = host(dir.path());
    let err = host
        .load(
            id("hostile-sockets", "6.6.6"),
            &component("hostile-sockets"),
        )
        .err()
        .expect("refused");
    match &err {
        PluginError::Refused { reasons, .. } => {
            assert!(
                reasons.iter().any(|r| r.contains("wasi:sockets/")),
                "{reasons:?}"
            );
            assert!(
                reasons.iter().all(|r| r.starts_with("unknown import")),
                "{reasons:?}"
            );
        }
        other => panic!("expected a refusal, got {other}"),
    }
}

#[tokio::test]
async fn a_connector_used_as_a_transform_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let host = host(dir.path());
    let spec = DeploymentSpec::new("t", "x");
    let key = spec.key.clone();
    host.configure(spec);
    let loaded = host
        .load(id("test-probe", "1"), &component("test-probe"))
        .unwrap();
    let out = host
        .call_plugin_as(
            &loaded,
            &key,
            weft_runtime::PluginCall::Transform(&[]),
            &HttpMode::Live,
        )
        .await;
    let err = plugin_error(out.unwrap_err());
    assert!(
        err.to_string()
            .contains("implements world `connector` but was used as a `transform`"),
        "{err}"
    );
}

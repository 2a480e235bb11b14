//! Serving a testbed: [`Testbed::serve`] binds the listener, runs axum on a thread with its own
//! single-threaded tokio runtime, and returns the [`RunningTestbed`] handle. Stopping (or dropping)
//! the handle ends the runtime at once: requests in flight are cut off, as in a crash, and the
//! port is free again when `stop` returns.
//!
//! Deliberately not here: graceful shutdown (tests want the crash) or TLS.

use std::net::SocketAddr;
use std::ops::Deref;
use std::thread::JoinHandle;

use tokio::sync::oneshot;

use super::{Testbed, server};

/// A served testbed. Derefs to its [`Testbed`] handle (seed, faults, report).
#[derive(Debug)]
pub struct RunningTestbed {
    /// `http://127.0.0.1:<port>`: the base URL to bind connections to.
    pub base_url: String,
    /// The address listened on.
    pub addr: SocketAddr,
    testbed: Testbed,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Testbed {
    /// Serve this testbed on `addr` (port 0 picks a free one); returns once listening.
    pub fn serve(self, addr: SocketAddr) -> std::io::Result<RunningTestbed> {
        let listener = std::net::TcpListener::bind(addr)?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let app = server::router(self.clone());
        let (stop, stopped) = oneshot::channel::<()>();
        let thread = std::thread::Builder::new()
            .name(format!("testbed-{}", addr.port()))
            .spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("testbed runtime");
                runtime.block_on(async move {
                    let listener =
                        tokio::net::TcpListener::from_std(listener).expect("testbed listener");
                    tokio::select! {
                        served = axum::serve(listener, app) => {
                            if let Err(e) = served {
                                eprintln!("testbed on {addr} stopped: {e}");
                            }
                        }
                        _ = stopped => {}
                    }
                });
                // Dropping the runtime here drops every connection task still running.
            })?;
        Ok(RunningTestbed {
            base_url: format!("http://{addr}"),
            addr,
            testbed: self,
            stop: Some(stop),
            thread: Some(thread),
        })
    }
}

impl RunningTestbed {
    /// The state handle (also reachable through `Deref`).
    pub fn testbed(&self) -> &Testbed {
        &self.testbed
    }

    /// Stop serving now (in-flight requests are cut off) and wait until the port is closed.
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Deref for RunningTestbed {
    type Target = Testbed;

    fn deref(&self) -> &Testbed {
        &self.testbed
    }
}

impl Drop for RunningTestbed {
    fn drop(&mut self) {
        self.shutdown();
    }
}

//! Starting and stopping the admin server: bind, serve on a task, stop gracefully on request or
//! when the [`AdminHandle`] is dropped.
//!
//! It does not retry binding or pick another port: a taken address is the operator's to fix.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::error::AdminError;
use crate::{AdminState, router};

/// How long [`AdminHandle::shutdown`] waits for requests in flight before cutting them off.
const GRACE: Duration = Duration::from_secs(5);

/// A running admin server. Dropping it stops the server (requests in flight finish).
pub struct AdminHandle {
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<std::io::Result<()>>>,
}

impl AdminHandle {
    /// The address the server listens on (the real port when asked for port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://` plus [`Self::local_addr`].
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stop accepting, let requests in flight finish (up to a few seconds), and wait.
    pub async fn shutdown(mut self) -> Result<(), AdminError> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let Some(mut task) = self.task.take() else {
            return Ok(());
        };
        match tokio::time::timeout(GRACE, &mut task).await {
            Ok(Ok(result)) => result.map_err(AdminError::Serve),
            Ok(Err(join)) => Err(AdminError::Serve(std::io::Error::other(join))),
            Err(_) => {
                task.abort();
                Ok(())
            }
        }
    }
}

impl Drop for AdminHandle {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// Bind `addr` and serve the admin API for `state` until the handle is dropped or shut down.
pub async fn serve(addr: SocketAddr, state: AdminState) -> Result<AdminHandle, AdminError> {
    if state.token.is_empty() {
        return Err(AdminError::EmptyToken);
    }
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|source| AdminError::Bind { addr, source })?;
    let local = listener
        .local_addr()
        .map_err(|source| AdminError::Bind { addr, source })?;
    let (stop, stopped) = oneshot::channel::<()>();
    let app = router(state);
    let task = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = stopped.await;
            })
            .await
    });
    tracing::info!(addr = %local, "admin API listening");
    Ok(AdminHandle {
        addr: local,
        stop: Some(stop),
        task: Some(task),
    })
}

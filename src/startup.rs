//! Builds the HTTP server: zero2prod-style, so tests can bind port 0 and
//! learn the port before serving.

use std::net::TcpListener;
use std::sync::Arc;

use actix_web::dev::Server;
use actix_web::middleware::{ErrorHandlers, from_fn};
use actix_web::{App, HttpServer, web};
use utoipa::OpenApi;
use utoipa_swagger_ui::SwaggerUi;

use crate::api::{self, ApiDoc, state::AppState};
use crate::config::Settings;
use crate::store::{self, DynStore, StoreError};
use crate::telemetry;

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("cannot create the data directory {path}: {source}")]
    DataDir {
        path: String,
        source: std::io::Error,
    },
    #[error("database: {0}")]
    Store(#[from] StoreError),
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        addr: String,
        source: std::io::Error,
    },
}

pub struct Application {
    port: u16,
    server: Server,
    store: DynStore,
}

impl Application {
    /// Opens the database named by the settings, applies migrations and binds.
    pub async fn build(settings: Settings) -> Result<Self, StartupError> {
        std::fs::create_dir_all(&settings.data_dir).map_err(|source| StartupError::DataDir {
            path: settings.data_dir.display().to_string(),
            source,
        })?;
        let store = store::connect(
            &settings.database_url,
            settings.db_max_connections,
            settings.db_acquire_timeout,
        )
        .await?;
        store::prepare(store.as_ref()).await?;
        Self::with_store(settings, store)
    }

    /// Binds a server on an already migrated store.
    pub fn with_store(settings: Settings, store: DynStore) -> Result<Self, StartupError> {
        let addr = settings.listen;
        let listen_err = |source| StartupError::Listen {
            addr: addr.to_string(),
            source,
        };
        let listener = TcpListener::bind(addr).map_err(listen_err)?;
        let port = listener.local_addr().map_err(listen_err)?.port();
        let settings = Arc::new(settings);
        let core = crate::app::App::new(store.clone(), settings.clone());
        match crate::notify::Dispatcher::new(store.clone(), settings.clone()) {
            Ok(d) => d.spawn(),
            Err(e) => tracing::error!(error = %e, "outbox worker not started"),
        }
        let jobs = crate::jobs::Jobs::new(store.clone(), settings.clone());
        tokio::spawn(async move {
            match jobs.spawn().await {
                // keep the scheduler alive as long as the process
                Ok(sched) => {
                    let _keep_alive = sched;
                    std::future::pending::<()>().await
                }
                Err(e) => tracing::error!(error = %e, "scheduled jobs not started"),
            }
        });
        let lapor = match crate::intake::lapor::build(&core) {
            Ok(l) => l,
            Err(e) => {
                tracing::error!(error = %e, "LAPOR! integration not started");
                None
            }
        };
        if let Some(sync) = &lapor {
            let courier = crate::intake::lapor::outbound::LaporCourier {
                sync: sync.clone(),
                store: store.clone(),
            };
            crate::notify::spawn_courier(
                Arc::new(courier),
                store.clone(),
                std::time::Duration::from_secs(settings.outbox_interval_secs),
                settings.outbox_max_attempts,
            );
            sync.clone().spawn();
        }
        let mut app_state = AppState::new(core, telemetry::metrics_handle());
        app_state.lapor = lapor;
        if app_state.settings.imap.is_some() {
            let poller = Arc::new(crate::intake::email::imap::ImapPoller::new(
                app_state.email.clone(),
                store.clone(),
                app_state.settings.clone(),
            ));
            poller.clone().spawn();
            app_state.imap = Some(poller);
        }
        let state = web::Data::new(app_state);
        let server = HttpServer::new(move || {
            App::new()
                .wrap(ErrorHandlers::new().default_handler(api::error::problem_for_default_errors))
                .wrap(from_fn(api::observe::observe))
                .app_data(state.clone())
                .configure(api::routes)
                .service(
                    SwaggerUi::new("/swagger-ui/{_:.*}")
                        .url("/api-docs/openapi.json", ApiDoc::openapi()),
                )
                .default_service(web::to(api::not_found))
        })
        .shutdown_timeout(30)
        .listen(listener)
        .map_err(listen_err)?
        .run();
        tracing::info!(address = %addr.ip(), port, backend = store.backend(), "listening");
        Ok(Application {
            port,
            server,
            store,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn store(&self) -> DynStore {
        self.store.clone()
    }

    /// Serves until SIGTERM or SIGINT, then drains in-flight requests (up to 30 s).
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}

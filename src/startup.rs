//! Builds the HTTP server: zero2prod-style, so tests can bind port 0 and
//! learn the port before serving.

use std::net::TcpListener;
use std::sync::Arc;

use actix_web::dev::Server;
use actix_web::middleware::{ErrorHandlers, from_fn};
use actix_web::{App, HttpServer, web};
use utoipa_swagger_ui::SwaggerUi;

use crate::api::{self, state::AppState};
use crate::config::Settings;
use crate::store::{self, DynStore, StoreError};
use crate::telemetry;
use crate::workers::Workers;

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("cannot create the data directory {path}: {source}")]
    DataDir {
        path: String,
        source: std::io::Error,
    },
    #[error("database: {0}")]
    Store(#[from] StoreError),
    #[error(transparent)]
    Key(#[from] crate::vault::KeyError),
    #[error("server: {0}")]
    Serve(std::io::Error),
    #[error("the {0} worker keeps failing (see the log); exiting so the service is restarted")]
    WorkerFailed(&'static str),
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        addr: String,
        source: std::io::Error,
    },
}

/// Reads the keyring (`ADUAN_SECRET_KEY_FILE`), creating it on the first
/// start — loudly, because without that file the data cannot be read. The
/// boolean is true when it was created now.
pub fn load_vault(
    settings: &crate::config::Settings,
) -> Result<(Arc<crate::vault::Vault>, bool), crate::vault::KeyError> {
    let (vault, created) = crate::vault::Vault::load_or_create(&settings.secret_key_file)?;
    if created {
        tracing::warn!(path = %settings.secret_key_file.display(),
            "GENERATED A NEW KEYRING: it encrypts the personal data in the database and the \
             attachments; back it up apart from the database (without it the data cannot be \
             read) and give every replica the same file");
    }
    Ok((Arc::new(vault), created))
}

/// Opens, migrates and checks the store the settings name (the service and
/// every CLI command). A keyring that is not the database's stops here; one
/// this process generated a moment ago is removed again, so no stray keyring
/// is left beside a database that already has one.
pub async fn open_store(
    settings: &crate::config::Settings,
    pool: u32,
    acquire_timeout: std::time::Duration,
) -> Result<DynStore, StartupError> {
    let (vault, created) = load_vault(settings)?;
    let store = store::connect(&settings.database_url, pool, acquire_timeout, vault).await?;
    match store::prepare(store.as_ref()).await {
        Ok(()) => Ok(store),
        Err(e @ StoreError::KeyringMismatch(_)) => {
            if created {
                let _ = std::fs::remove_file(&settings.secret_key_file);
            }
            Err(e.into())
        }
        Err(e) => Err(e.into()),
    }
}

pub struct Application {
    port: u16,
    server: Server,
    store: DynStore,
    workers: Workers,
}

impl Application {
    /// Opens the database named by the settings, applies migrations and binds.
    pub async fn build(settings: Settings) -> Result<Self, StartupError> {
        std::fs::create_dir_all(&settings.data_dir).map_err(|source| StartupError::DataDir {
            path: settings.data_dir.display().to_string(),
            source,
        })?;
        // personal data lives here: the service's user only
        crate::store::restrict(&settings.data_dir);
        let store = open_store(
            &settings,
            settings.db_max_connections,
            settings.db_acquire_timeout,
        )
        .await?;
        // where to go next, for whoever started it on a fresh database
        if store
            .list_accounts()
            .await
            .map(|a| a.is_empty())
            .unwrap_or(false)
        {
            tracing::warn!(
                "no account yet: create the first admin with `aduan user create --login admin --role admin` (it prints a one-time link to set the password), then sign in at /console"
            );
        }
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
        {
            // rows from before encryption: sealed now rather than at the
            // first housekeeping run
            let core = core.clone();
            tokio::spawn(async move {
                if let Err(e) =
                    crate::app::vault::seal_legacy(core.store.as_ref(), &core.files).await
                {
                    tracing::error!(error = %e, "sealing data stored before encryption failed; housekeeping retries");
                }
                if let Err(e) = core.index_search_backlog().await {
                    tracing::error!(error = %e, "indexing complaints from before the search index failed; housekeeping retries");
                }
            });
        }
        let mut workers = Workers::new(settings.worker_restart_limit);
        match crate::notify::Dispatcher::new(store.clone(), settings.clone()) {
            Ok(d) if d.enabled() => {
                let d = Arc::new(d);
                workers.spawn("email_courier", move |t| d.clone().run(t));
            }
            Ok(_) => tracing::warn!("ADUAN_SMTP_HOST is not set: emails wait in the outbox"),
            Err(e) => tracing::error!(error = %e, "outbox worker not started"),
        }
        match crate::webhooks::WebhookCourier::new(
            store.clone(),
            crate::webhooks::TargetGuard::new(&settings.webhook_allow_hosts),
        ) {
            Ok(w) => {
                let w = Arc::new(w);
                let every = std::time::Duration::from_secs(settings.outbox_interval_secs);
                workers.spawn("webhook_courier", move |t| w.clone().run(every, t));
            }
            Err(e) => tracing::error!(error = %e, "webhook worker not started"),
        }
        match crate::intake::whatsapp::outbound::WhatsappCourier::new(core.clone()) {
            None => tracing::info!(
                "ADUAN_WHATSAPP_PHONE_NUMBER_ID is not set: the WhatsApp channel is off"
            ),
            Some(Ok(c)) => {
                let c = Arc::new(c);
                workers.spawn("whatsapp_courier", move |t| c.clone().run(t));
            }
            Some(Err(e)) => tracing::error!(error = %e, "WhatsApp courier not started"),
        }
        match crate::intake::telegram::outbound::TelegramCourier::new(core.clone()) {
            None => {
                tracing::info!("ADUAN_TELEGRAM_BOT_TOKEN is not set: the Telegram channel is off")
            }
            Some(Ok(c)) => {
                let c = Arc::new(c);
                workers.spawn("telegram_courier", move |t| c.clone().run(t));
            }
            Some(Err(e)) => tracing::error!(error = %e, "Telegram courier not started"),
        }
        match crate::intake::telegram::poll::Poller::new(core.clone()) {
            None => {}
            Some(Ok(p)) => {
                let p = Arc::new(p);
                workers.spawn("telegram_poller", move |t| p.clone().run(t));
            }
            Some(Err(e)) => tracing::error!(error = %e, "Telegram poller not started"),
        }
        match crate::intake::sms::outbound::SmsCourier::new(core.clone()) {
            None => {}
            Some(Ok(c)) => {
                let c = Arc::new(c);
                workers.spawn("sms_courier", move |t| c.clone().run(t));
            }
            Some(Err(e)) => tracing::error!(error = %e, "SMS courier not started"),
        }
        let jobs = Arc::new(crate::jobs::Jobs::new(store.clone(), settings.clone()));
        workers.spawn("scheduler", move |t| jobs.clone().run(t));
        let figures = core.clone();
        workers.spawn("dashboard", move |t| figures.clone().dashboard_worker(t));
        let lapor = match crate::intake::lapor::build(&core) {
            Ok(l) => l,
            Err(e) => {
                tracing::error!(error = %e, "LAPOR! integration not started");
                None
            }
        };
        if let Some(sync) = &lapor {
            let courier: Arc<dyn crate::notify::Courier> =
                Arc::new(crate::intake::lapor::outbound::LaporCourier {
                    sync: sync.clone(),
                    store: store.clone(),
                });
            let (st, every, max) = (
                store.clone(),
                std::time::Duration::from_secs(settings.outbox_interval_secs),
                settings.outbox_max_attempts,
            );
            workers.spawn("lapor_courier", move |t| {
                crate::notify::run_courier(courier.clone(), st.clone(), every, max, t)
            });
            let sync = sync.clone();
            workers.spawn("lapor_poller", move |t| sync.clone().run(t));
        }
        let mut app_state = AppState::new(core, telemetry::metrics_handle());
        app_state.lapor = lapor;
        if app_state.settings.imap.is_some() {
            let poller = Arc::new(crate::intake::email::imap::ImapPoller::new(
                app_state.email.clone(),
                store.clone(),
                app_state.settings.clone(),
            ));
            let p = poller.clone();
            workers.spawn("imap_poller", move |t| p.clone().run(t));
            app_state.imap = Some(poller);
        }
        let openapi = api::contract::document(&app_state.settings.disposition_instructions);
        let state = web::Data::new(app_state);
        let server = HttpServer::new(move || {
            App::new()
                .wrap(ErrorHandlers::new().default_handler(api::error::problem_for_default_errors))
                .wrap(from_fn(api::auth::authenticate))
                .wrap(from_fn(api::headers::body_deadline))
                .wrap(from_fn(api::headers::security_headers))
                .wrap(from_fn(api::observe::observe))
                .app_data(state.clone())
                .configure(api::routes)
                .configure(crate::web::routes)
                .service(
                    SwaggerUi::new("/swagger-ui/{_:.*}")
                        .external_url_unchecked("/api-docs/openapi.json", openapi.clone()),
                )
                .default_service(web::to(api::not_found))
        })
        .shutdown_timeout(30)
        .listen(listener)
        .map_err(listen_err)?
        .run();
        tracing::info!(address = %addr.ip(), port, backend = store.backend(), "listening");
        tracing::info!(
            console = %format!("{}/console", settings.public_base_url),
            database = %crate::config::database_label(&settings.database_url),
            data_dir = %settings.data_dir.display(),
            "ready: the console and the public pages (/adukan, /lacak, /tamu) are served"
        );
        Ok(Application {
            port,
            server,
            store,
            workers,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn store(&self) -> DynStore {
        self.store.clone()
    }

    /// Serves until SIGTERM or SIGINT: intake stops (no new connections),
    /// in-flight requests drain (up to 30 s), then the workers stop (each
    /// finishes the item in hand, up to 10 s). A worker that fails for good
    /// stops the server and returns an error (the process exits non-zero).
    pub async fn run_until_stopped(self) -> Result<(), StartupError> {
        let Application {
            server,
            mut workers,
            ..
        } = self;
        let handle = server.handle();
        let mut server = std::pin::pin!(server);
        let outcome = tokio::select! {
            r = &mut server => r.map_err(StartupError::Serve),
            name = workers.fatal() => {
                handle.stop(true).await;
                let _ = server.await;
                Err(StartupError::WorkerFailed(name))
            }
        };
        tracing::info!("HTTP server stopped; stopping workers");
        workers.shutdown(std::time::Duration::from_secs(10)).await;
        outcome
    }
}

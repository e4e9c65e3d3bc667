//! Măng web: server-rendered Vietnamese pages (askama, progressive enhancement, every asset
//! served from the binary) and the JSON API under `/api/v1` with its OpenAPI document.
//! Both go through the same session lookup and the same domain authorisation.

mod activity_pages;
mod api;
mod assets;
mod auth;
mod benefit_pages;
mod cases_api;
mod cases_pages;
mod child_friendly_pages;
mod error;
mod exchange;
mod facility_pages;
mod health_api;
mod health_pages;
mod household_api;
mod household_pages;
mod indicator_pages;
mod life_api;
mod life_pages;
mod merge_pages;
mod pages;
mod plan_pages;
mod registry_pages;
mod report_pages;
mod site_pages;

use axum::Router;
use axum::routing::get;
use mang_store::Store;
use std::sync::Arc;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::set_header::SetResponseHeaderLayer;

pub use api::openapi_json;

/// Shared state of the server.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub throttle: Arc<auth::Throttle>,
    pub reports: Arc<exchange::Reports>,
    pub jobs: Arc<exchange::Jobs>,
    /// Indicator values per province and period, until the province's data changes.
    pub indicators: Arc<mang_store::indicators::Cache>,
}

/// The whole application as a router (tests mount it on port 0).
pub fn app(store: Store) -> Router {
    let state = AppState {
        store,
        throttle: Arc::new(auth::Throttle::default()),
        reports: Arc::new(exchange::Reports::default()),
        jobs: Arc::new(exchange::Jobs::default()),
        indicators: Arc::new(mang_store::indicators::Cache::default()),
    };
    use axum::http::{HeaderName, HeaderValue, header};
    Router::new()
        .merge(pages::routes())
        .merge(exchange::routes())
        .merge(life_pages::routes())
        .merge(household_pages::routes())
        .merge(health_pages::routes())
        .merge(cases_pages::routes())
        .merge(indicator_pages::routes())
        .merge(site_pages::routes())
        .merge(child_friendly_pages::routes())
        .merge(benefit_pages::routes())
        .merge(activity_pages::routes())
        .merge(facility_pages::routes())
        .merge(plan_pages::routes())
        .merge(report_pages::routes())
        .nest("/api/v1", api::routes())
        .route("/api/openapi.json", get(api::openapi_handler))
        .route("/healthz", get(|| async { "ok" }))
        .route("/assets/{*path}", get(assets::serve))
        .with_state(state)
        .layer(RequestBodyLimitLayer::new(exchange::MAX_UPLOAD))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(
                "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'",
            ),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            HeaderName::from_static("referrer-policy"),
            HeaderValue::from_static("same-origin"),
        ))
}

/// Bind `addr` (port 0 picks a free port), print the URL, and serve until Ctrl-C.
pub async fn serve(store: Store, addr: &str) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let local = listener.local_addr()?;
    println!("Măng đang chạy tại http://{local}/  (Ctrl-C để dừng)");
    let purge_store = store.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(600));
        loop {
            tick.tick().await;
            if let Err(e) = mang_store::users::purge_expired_sessions(&purge_store).await {
                tracing::warn!(error = %e, "purging expired sessions failed");
            }
        }
    });
    axum::serve(
        listener,
        app(store).into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await
}

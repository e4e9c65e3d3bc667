//! Mapping errors to responses: pages get a Vietnamese HTML page, the API a JSON body.
//! 5xx bodies are opaque; the cause is logged without personal data.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use mang_domain::vi;
use mang_store::StoreError;
use serde::Serialize;

/// Status and safe message for a store error; logs the cause of server errors.
pub fn classify(e: &StoreError) -> (StatusCode, String, Option<&'static str>) {
    match e {
        StoreError::NotFound => (StatusCode::NOT_FOUND, vi::NOT_FOUND.into(), None),
        StoreError::Denied => (StatusCode::FORBIDDEN, vi::DENIED.into(), None),
        StoreError::Conflict { field, message } => {
            (StatusCode::CONFLICT, message.clone(), Some(field))
        }
        StoreError::Invalid { field, message } => (
            StatusCode::UNPROCESSABLE_ENTITY,
            message.clone(),
            Some(field),
        ),
        StoreError::StaleVersion { .. } => (StatusCode::CONFLICT, e.to_string(), Some("version")),
        other => {
            // sqlx errors may quote values; log only the error kind and message of the driver.
            tracing::error!(error = %other, "internal error");
            (StatusCode::INTERNAL_SERVER_ERROR, vi::INTERNAL.into(), None)
        }
    }
}

/// JSON error body of the API.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ApiErrorBody {
    /// Vietnamese message for the user.
    pub error: String,
    /// The input field at fault, when there is one.
    pub field: Option<String>,
}

#[derive(Debug)]
pub struct ApiError(pub StatusCode, pub String, pub Option<&'static str>);

impl ApiError {
    pub fn unauthorized() -> Self {
        ApiError(StatusCode::UNAUTHORIZED, vi::SESSION_EXPIRED.into(), None)
    }
    pub fn forbidden() -> Self {
        ApiError(StatusCode::FORBIDDEN, vi::DENIED.into(), None)
    }
    pub fn bad_request(field: &'static str, msg: impl Into<String>) -> Self {
        ApiError(StatusCode::UNPROCESSABLE_ENTITY, msg.into(), Some(field))
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        let (s, m, f) = classify(&e);
        ApiError(s, m, f)
    }
}

impl From<mang_domain::access::Denied> for ApiError {
    fn from(_: mang_domain::access::Denied) -> Self {
        ApiError::forbidden()
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (
            self.0,
            Json(ApiErrorBody {
                error: self.1,
                field: self.2.map(Into::into),
            }),
        )
            .into_response()
    }
}

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
        StoreError::Fields(errs) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            e.to_string(),
            errs.first().map(|f| f.field),
        ),
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
    /// Every field at fault, when the domain rules rejected several.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldErrorBody>,
}

/// One rejected field.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct FieldErrorBody {
    pub field: String,
    /// Vietnamese name of the field (the column header in spreadsheets).
    pub label: String,
    pub message: String,
}

#[derive(Debug)]
pub struct ApiError(
    pub StatusCode,
    pub String,
    pub Option<&'static str>,
    pub Vec<FieldErrorBody>,
);

impl ApiError {
    pub fn msg(status: StatusCode, message: impl Into<String>) -> Self {
        ApiError(status, message.into(), None, Vec::new())
    }
    pub fn unauthorized() -> Self {
        ApiError(
            StatusCode::UNAUTHORIZED,
            vi::SESSION_EXPIRED.into(),
            None,
            Vec::new(),
        )
    }
    pub fn forbidden() -> Self {
        ApiError(StatusCode::FORBIDDEN, vi::DENIED.into(), None, Vec::new())
    }
    pub fn bad_request(field: &'static str, msg: impl Into<String>) -> Self {
        ApiError(
            StatusCode::UNPROCESSABLE_ENTITY,
            msg.into(),
            Some(field),
            Vec::new(),
        )
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        let (s, m, f) = classify(&e);
        let details = match &e {
            StoreError::Fields(errs) => errs
                .iter()
                .map(|x| FieldErrorBody {
                    field: x.field.into(),
                    label: mang_domain::registry::field_label(x.field).into(),
                    message: x.message.clone(),
                })
                .collect(),
            _ => Vec::new(),
        };
        ApiError(s, m, f, details)
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
                errors: self.3,
            }),
        )
            .into_response()
    }
}

use thiserror::Error;

/// Errors of the storage layer. The web layer maps them to status codes.
#[derive(Debug, Error)]
pub enum StoreError {
    #[error("không mở được cơ sở dữ liệu {location}: {source}")]
    Open {
        location: String,
        source: sqlx::Error,
    },
    #[error(
        "không tìm thấy tệp cơ sở dữ liệu {0}. Kiểm tra lại đường dẫn, hoặc tạo mới bằng `mang demo --db {0}` / `mang migrate --db {0}`"
    )]
    MissingFile(String),
    #[error(
        "cơ sở dữ liệu {location} chưa được khởi tạo (không có bảng của Măng). Chạy `mang migrate --db …` hoặc `mang demo --db …` trước"
    )]
    NotInitialised { location: String },
    #[error("không tìm thấy")]
    NotFound,
    #[error("không có quyền")]
    Denied,
    /// A unique or foreign-key rule was broken; `field` names the input at fault.
    #[error("{message}")]
    Conflict {
        field: &'static str,
        message: String,
    },
    /// Input rejected by a rule.
    #[error("{message}")]
    Invalid {
        field: &'static str,
        message: String,
    },
    /// Several fields were rejected by the domain rules.
    #[error("dữ liệu không hợp lệ: {}", .0.iter().map(|e| format!("{}: {}", mang_domain::registry::field_label(e.field), e.message)).collect::<Vec<_>>().join("; "))]
    Fields(Vec<mang_domain::registry::FieldError>),
    #[error(
        "bản ghi đã được người khác sửa (phiên bản {expected} → {found}); tải lại để xem thay đổi"
    )]
    StaleVersion { expected: i64, found: i64 },
    #[error("lỗi di chuyển lược đồ (migration): {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("lỗi cơ sở dữ liệu: {0}")]
    Db(#[from] sqlx::Error),
}

impl StoreError {
    pub fn is_unique_violation(&self) -> bool {
        matches!(self, StoreError::Db(sqlx::Error::Database(e)) if e.is_unique_violation())
    }
}

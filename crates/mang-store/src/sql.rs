//! Small helpers for writing one SQL text for both backends.

use mang_domain::access::Scope;
use mang_domain::units::UnitLevel;
use sqlx::Any;
use sqlx::any::AnyArguments;
use sqlx::query::Query;

/// A bound value of a dynamically built statement.
#[derive(Debug, Clone)]
pub enum Val {
    Int(i64),
    Text(String),
    OptText(Option<String>),
}

pub fn bind_all<'q>(
    mut q: Query<'q, Any, AnyArguments>,
    vals: impl IntoIterator<Item = Val>,
) -> Query<'q, Any, AnyArguments> {
    for v in vals {
        q = match v {
            Val::Int(i) => q.bind(i),
            Val::Text(s) => q.bind(s),
            Val::OptText(s) => q.bind(s),
        };
    }
    q
}

/// The scope filter every list query takes: equality on the leading columns of the
/// `(province_code, commune_code, village_code)` index of the table aliased `alias`.
/// Returns the SQL condition and the values to bind, numbered from `first`.
pub fn scope_filter(scope: &Scope, alias: &str, first: usize) -> (String, Vec<Val>) {
    let mut conds = Vec::new();
    let mut vals = Vec::new();
    let levels = [
        (UnitLevel::Province, "province_code"),
        (UnitLevel::Commune, "commune_code"),
        (UnitLevel::Village, "village_code"),
    ];
    for (level, col) in levels {
        if scope.level >= level {
            let code = scope.path.code_at(level).unwrap_or_default().to_owned();
            conds.push(format!("{alias}.{col} = ${}", first + vals.len()));
            vals.push(Val::Text(code));
        }
    }
    if conds.is_empty() {
        ("1 = 1".to_owned(), vals)
    } else {
        (conds.join(" AND "), vals)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mang_domain::units::{UnitCode, UnitPath};

    #[test]
    fn scope_filters_use_the_path_prefix() {
        let path = UnitPath {
            province: Some("31".into()),
            commune: Some("31006".into()),
            village: Some("31006-002".into()),
        };
        let s = Scope::new(&UnitCode::parse("31006").unwrap(), &path);
        let (sql, vals) = scope_filter(&s, "c", 3);
        assert_eq!(sql, "c.province_code = $3 AND c.commune_code = $4");
        assert_eq!(vals.len(), 2);
        let (sql, vals) = scope_filter(&Scope::national(), "c", 1);
        assert_eq!(sql, "1 = 1");
        assert!(vals.is_empty());
    }
}

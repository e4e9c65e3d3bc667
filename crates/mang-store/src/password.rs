//! Password hashing with Argon2id (PHC string format, random salt per hash).

use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2, Params, Version};

/// Minimum length accepted for a new password.
pub const MIN_LEN: usize = 8;

fn hasher() -> Argon2<'static> {
    // OWASP's Argon2id minimum (19 MiB, 2 passes, 1 lane). `MANG_TEST_CHEAP_HASH=1` lowers
    // the cost for test suites only; stored hashes carry their parameters, so verification
    // works either way.
    let params = if std::env::var_os("MANG_TEST_CHEAP_HASH").is_some() {
        Params::new(256, 1, 1, None).expect("valid argon2 params")
    } else {
        Params::DEFAULT
    };
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

pub fn hash(password: &str) -> String {
    hasher()
        .hash_password(password.as_bytes())
        .expect("argon2 hashing cannot fail for valid params")
        .to_string()
}

pub fn verify(password: &str, phc: &str) -> bool {
    hasher().verify_password(password.as_bytes(), phc).is_ok()
}

/// A dummy hash to verify against when the user does not exist, so that the response
/// time does not reveal which usernames exist.
pub fn dummy_verify(password: &str) {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let h = DUMMY.get_or_init(|| hash("không-có-người-dùng-này"));
    let _ = verify(password, h);
}

/// Check the rules for a new password; the message says what is wrong, in Vietnamese.
pub fn check_new(password: &str) -> Result<(), String> {
    if password.chars().count() < MIN_LEN {
        return Err(format!("Mật khẩu phải có ít nhất {MIN_LEN} ký tự"));
    }
    if password.chars().count() > 200 {
        return Err("Mật khẩu quá dài (tối đa 200 ký tự)".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify_and_differ() {
        let a = hash("mật-khẩu-dài");
        let b = hash("mật-khẩu-dài");
        assert_ne!(a, b, "salted");
        assert!(a.starts_with("$argon2id$"));
        assert!(verify("mật-khẩu-dài", &a));
        assert!(!verify("mat-khau-dai", &a));
        assert!(!verify("x", "not a hash"));
        assert!(check_new("short").is_err());
        assert!(check_new("đủ-dài-rồi").is_ok());
    }
}

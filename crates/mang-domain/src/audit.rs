//! Append-only, hash-chained audit log (nhật ký truy cập). Every change and every view of
//! a child-level record is written in the same transaction as the change (STYLE §5);
//! each entry's hash covers its fields and the previous entry's hash, so an edited or
//! deleted row breaks the chain (`mang audit verify`).

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Hash of the (virtual) entry before the first one.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// What happened. Stored as text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditAction {
    Create,
    Update,
    Delete,
    View,
    Export,
    Login,
    LoginFailed,
    Logout,
    PasswordChange,
}

impl AuditAction {
    pub fn as_str(self) -> &'static str {
        match self {
            AuditAction::Create => "create",
            AuditAction::Update => "update",
            AuditAction::Delete => "delete",
            AuditAction::View => "view",
            AuditAction::Export => "export",
            AuditAction::Login => "login",
            AuditAction::LoginFailed => "login_failed",
            AuditAction::Logout => "logout",
            AuditAction::PasswordChange => "password_change",
        }
    }

    pub fn label_vi(s: &str) -> &'static str {
        match s {
            "create" => "Tạo mới",
            "update" => "Cập nhật",
            "delete" => "Xoá",
            "view" => "Xem",
            "export" => "Xuất dữ liệu",
            "login" => "Đăng nhập",
            "login_failed" => "Đăng nhập thất bại",
            "logout" => "Đăng xuất",
            "password_change" => "Đổi mật khẩu",
            _ => "Khác",
        }
    }
}

/// An entry as it is about to be appended (no sequence number or hash yet).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NewAuditEntry {
    /// RFC 3339 UTC timestamp, supplied by the caller (time is a parameter).
    pub at: String,
    pub actor_id: Option<i64>,
    pub actor: String,
    pub actor_role: String,
    /// Unit the record belongs to, with its province and commune (empty when above that
    /// level), so that an auditor's view of the log is scoped like every other list.
    pub unit_code: String,
    pub province_code: String,
    pub commune_code: String,
    pub action: String,
    pub entity: String,
    pub entity_id: String,
    /// JSON text: old → new values, reasons, counts. Never written to process logs.
    pub detail: String,
}

/// A stored entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditEntry {
    pub seq: i64,
    pub entry: NewAuditEntry,
    pub prev_hash: String,
    pub hash: String,
}

/// The chain rule: `hash = SHA-256("mang-audit-v1" ‖ seq ‖ fields… ‖ prev_hash)`, each
/// field length-prefixed so that no two different entries hash the same text.
pub fn chain_hash(seq: i64, e: &NewAuditEntry, prev_hash: &str) -> String {
    let mut h = Sha256::new();
    let mut field = |s: &[u8]| {
        h.update((s.len() as u64).to_le_bytes());
        h.update(s);
    };
    field(b"mang-audit-v1");
    field(seq.to_string().as_bytes());
    field(e.at.as_bytes());
    field(
        e.actor_id
            .map(|i| i.to_string())
            .unwrap_or_default()
            .as_bytes(),
    );
    field(e.actor.as_bytes());
    field(e.actor_role.as_bytes());
    field(e.unit_code.as_bytes());
    field(e.province_code.as_bytes());
    field(e.commune_code.as_bytes());
    field(e.action.as_bytes());
    field(e.entity.as_bytes());
    field(e.entity_id.as_bytes());
    field(e.detail.as_bytes());
    field(prev_hash.as_bytes());
    hex::encode(h.finalize())
}

/// Why the chain does not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChainError {
    #[error("mục nhật ký số {seq}: mã băm không khớp (nội dung đã bị sửa)")]
    HashMismatch { seq: i64 },
    #[error("mục nhật ký số {seq}: không nối với mục trước (mục trước bị xoá hoặc sửa)")]
    BrokenLink { seq: i64 },
    #[error("thiếu mục nhật ký số {expected} (bị xoá); mục tiếp theo là {found}")]
    Gap { expected: i64, found: i64 },
    #[error("mục cuối của nhật ký là {last}, nhưng đầu chuỗi ghi {head} (mục cuối bị xoá)")]
    Truncated { last: i64, head: i64 },
}

/// Incremental verifier: feed entries in sequence order, then `finish` with the head.
#[derive(Debug)]
pub struct ChainVerifier {
    expected_seq: i64,
    prev_hash: String,
}

impl Default for ChainVerifier {
    fn default() -> Self {
        ChainVerifier {
            expected_seq: 1,
            prev_hash: GENESIS_HASH.to_owned(),
        }
    }
}

impl ChainVerifier {
    pub fn push(&mut self, e: &AuditEntry) -> Result<(), ChainError> {
        if e.seq != self.expected_seq {
            return Err(ChainError::Gap {
                expected: self.expected_seq,
                found: e.seq,
            });
        }
        if e.prev_hash != self.prev_hash {
            return Err(ChainError::BrokenLink { seq: e.seq });
        }
        if chain_hash(e.seq, &e.entry, &e.prev_hash) != e.hash {
            return Err(ChainError::HashMismatch { seq: e.seq });
        }
        self.expected_seq += 1;
        self.prev_hash = e.hash.clone();
        Ok(())
    }

    /// `head_seq`/`head_hash` are kept in a separate row updated with every append, so
    /// deleting the newest entries is caught too.
    pub fn finish(self, head_seq: i64, head_hash: &str) -> Result<i64, ChainError> {
        let last = self.expected_seq - 1;
        if last != head_seq || (last > 0 && head_hash != self.prev_hash) {
            return Err(ChainError::Truncated {
                last,
                head: head_seq,
            });
        }
        Ok(last)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(i: i64) -> NewAuditEntry {
        NewAuditEntry {
            at: format!("2026-11-26T01:00:{i:02}Z"),
            actor_id: Some(7),
            actor: "cb.xa".into(),
            actor_role: "commune_officer".into(),
            unit_code: "31006".into(),
            province_code: "31".into(),
            commune_code: "31006".into(),
            action: "view".into(),
            entity: "child".into(),
            entity_id: i.to_string(),
            detail: "{}".into(),
        }
    }

    fn chain(n: i64) -> Vec<AuditEntry> {
        let mut prev = GENESIS_HASH.to_owned();
        (1..=n)
            .map(|seq| {
                let e = entry(seq);
                let hash = chain_hash(seq, &e, &prev);
                let out = AuditEntry {
                    seq,
                    entry: e,
                    prev_hash: prev.clone(),
                    hash: hash.clone(),
                };
                prev = hash;
                out
            })
            .collect()
    }

    fn verify(entries: &[AuditEntry], head: i64, head_hash: &str) -> Result<i64, ChainError> {
        let mut v = ChainVerifier::default();
        for e in entries {
            v.push(e)?;
        }
        v.finish(head, head_hash)
    }

    #[test]
    fn intact_chain_verifies() {
        let c = chain(5);
        assert_eq!(verify(&c, 5, &c[4].hash), Ok(5));
        assert_eq!(verify(&[], 0, GENESIS_HASH), Ok(0));
    }

    #[test]
    fn edits_deletions_and_truncation_are_caught() {
        let mut c = chain(5);
        c[2].entry.entity_id = "999".into();
        assert_eq!(
            verify(&c, 5, &c[4].hash.clone()),
            Err(ChainError::HashMismatch { seq: 3 })
        );

        let mut c = chain(5);
        c.remove(1);
        assert_eq!(
            verify(&c, 5, &c[3].hash.clone()),
            Err(ChainError::Gap {
                expected: 2,
                found: 3
            })
        );

        let c = chain(5);
        assert_eq!(
            verify(&c[..4], 5, &c[4].hash),
            Err(ChainError::Truncated { last: 4, head: 5 })
        );

        // Re-hashing an edited row still breaks the link to the next one.
        let mut c = chain(5);
        c[1].entry.actor = "someone".into();
        c[1].hash = chain_hash(2, &c[1].entry, &c[1].prev_hash);
        assert_eq!(
            verify(&c, 5, &c[4].hash.clone()),
            Err(ChainError::BrokenLink { seq: 3 })
        );
    }
}

//! Access control, decided here and nowhere else (STYLE §4): a role and an administrative
//! unit per user; the user's scope is that unit's subtree; everything is denied unless a
//! rule below allows it. Code that reads or writes child-level data needs a capability
//! ([`Scoped`] or [`Grant`]) that only this module can make.

use crate::units::{UnitCode, UnitLevel, UnitPath};
use serde::{Deserialize, Serialize};
use std::marker::PhantomData;

/// Roles (vai trò) of Măng's users.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Quản trị hệ thống: users and units, no child records (least privilege).
    Admin,
    /// Cán bộ cấp tỉnh (Sở Y tế / Chi cục Dân số và Trẻ em).
    ProvinceOfficer,
    /// Công chức phụ trách trẻ em cấp xã (Phòng Văn hóa – Xã hội).
    CommuneOfficer,
    /// Cộng tác viên thôn, tổ dân phố.
    Collaborator,
    /// Nhân viên y tế (Trạm Y tế).
    HealthWorker,
    /// Công an xã, phường: verifies personal data.
    Police,
    /// Nhà trường.
    School,
    /// Lãnh đạo: read-only dashboards and aggregates.
    Leader,
    /// Kiểm tra viên: reads the audit log.
    Auditor,
    /// Chủ tịch Ủy ban nhân dân cấp xã: directs child-protection cases, approves support
    /// plans and ends them (Law on Children Art. 52; Decree 56/2017 Arts. 26–30).
    CommuneChairman,
    /// Cán bộ sở, ngành, cơ quan, đoàn thể (Sở Giáo dục và Đào tạo, Công an tỉnh, Ủy ban
    /// MTTQ…): updates the plan tasks its agency leads or supports (`users.agency_key`).
    AgencyOfficer,
}

pub const ALL_ROLES: [Role; 11] = [
    Role::Admin,
    Role::ProvinceOfficer,
    Role::CommuneOfficer,
    Role::Collaborator,
    Role::HealthWorker,
    Role::Police,
    Role::School,
    Role::Leader,
    Role::Auditor,
    Role::CommuneChairman,
    Role::AgencyOfficer,
];

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::ProvinceOfficer => "province_officer",
            Role::CommuneOfficer => "commune_officer",
            Role::Collaborator => "collaborator",
            Role::HealthWorker => "health_worker",
            Role::Police => "police",
            Role::School => "school",
            Role::Leader => "leader",
            Role::Auditor => "auditor",
            Role::CommuneChairman => "commune_chairman",
            Role::AgencyOfficer => "agency_officer",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        ALL_ROLES.into_iter().find(|r| r.as_str() == s.trim())
    }

    pub fn label_vi(self) -> &'static str {
        match self {
            Role::Admin => "Quản trị hệ thống",
            Role::ProvinceOfficer => "Cán bộ cấp tỉnh",
            Role::CommuneOfficer => "Cán bộ cấp xã",
            Role::Collaborator => "Cộng tác viên",
            Role::HealthWorker => "Nhân viên y tế",
            Role::Police => "Công an",
            Role::School => "Nhà trường",
            Role::Leader => "Lãnh đạo",
            Role::Auditor => "Kiểm tra viên",
            Role::CommuneChairman => "Chủ tịch UBND cấp xã",
            Role::AgencyOfficer => "Cán bộ sở, ngành, cơ quan",
        }
    }

    /// The unit levels a user of this role may be bound to.
    pub fn allowed_levels(self) -> &'static [UnitLevel] {
        use UnitLevel::*;
        match self {
            Role::Admin | Role::Auditor | Role::Leader => &[National, Province, Commune],
            Role::ProvinceOfficer => &[Province],
            Role::CommuneOfficer
            | Role::CommuneChairman
            | Role::HealthWorker
            | Role::Police
            | Role::School => &[Commune],
            Role::Collaborator => &[Commune, Village],
            Role::AgencyOfficer => &[Province, Commune],
        }
    }
}

/// What a user may want to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// Counts and indicators (no personal data).
    ViewAggregates,
    /// Read a child's or household's record.
    ViewChildRecord,
    /// Create or change a child's or household's record.
    EditChildRecord,
    /// Add villages / residential groups.
    ManageUnits,
    /// Create users and reset their passwords.
    ManageUsers,
    /// Read the audit log.
    ViewAudit,
    /// Export personal data (PDP Law: authorised roles only, recorded).
    ExportPersonalData,
    /// Confirm a child's personal ID against the national population database (công an
    /// xã đối chiếu Cơ sở dữ liệu quốc gia về dân cư).
    VerifyPersonalId,
    /// Record health events of a child (doses, measurements…): the health station, and the
    /// commune officer who keeps the registry.
    RecordHealthData,
    /// Report a child abused or at risk (thông báo, tố giác — Decree 56 Art. 25): anyone
    /// working with children.
    ReportCase,
    /// See child-protection cases at all; what of a case is shown is decided per case by
    /// [`crate::cases::access`].
    ViewCases,
    /// Export case data (restricted, recorded).
    ExportCaseData,
    /// National settings: the public-holiday calendar and the case time limits.
    ManageSettings,
    /// Enter aggregate figures of indicators the registers cannot compute (school
    /// statistics, surveys, checklists).
    EnterAggregates,
    /// Approve (and so lock) entered aggregate figures.
    ApproveAggregates,
    /// Keep the registers of places and activities (drowning-risk sites…): no personal
    /// data.
    EditRegisters,
    /// Appraise and recognise communes' child-friendly self-assessments (the province).
    AppraiseCommunes,
    /// Record benefit payments to children.
    RecordPayments,
    /// Draft and issue plans (kế hoạch) of one's unit, their targets, tasks and reporting
    /// regime.
    ManagePlans,
    /// Report progress on plan tasks: the officers of the plan's unit, and the users of
    /// the agency that leads or supports the task (checked per task).
    UpdateTasks,
    /// Write and submit the unit's periodic reports (báo cáo định kỳ).
    WriteReports,
    /// Return or approve the reports of sub-units (the unit above).
    ReviewReports,
}

/// The rule table: which role may take which action inside its own scope. Anything not
/// listed is denied.
pub fn role_allows(role: Role, action: Action) -> bool {
    use Action::*;
    use Role::*;
    match action {
        ViewAggregates => true,
        ViewChildRecord => matches!(
            role,
            ProvinceOfficer | CommuneOfficer | Collaborator | HealthWorker | Police | School
        ),
        EditChildRecord => matches!(role, ProvinceOfficer | CommuneOfficer | Collaborator),
        ManageUnits => matches!(role, Admin | ProvinceOfficer | CommuneOfficer),
        ManageUsers => matches!(role, Admin | ProvinceOfficer),
        ViewAudit => matches!(role, Admin | Auditor),
        ExportPersonalData => matches!(role, ProvinceOfficer | CommuneOfficer),
        VerifyPersonalId => matches!(role, Police),
        RecordHealthData => matches!(role, HealthWorker | CommuneOfficer),
        ReportCase | ViewCases => matches!(
            role,
            ProvinceOfficer
                | CommuneOfficer
                | CommuneChairman
                | Collaborator
                | HealthWorker
                | Police
                | School
        ),
        ExportCaseData => matches!(role, ProvinceOfficer | CommuneChairman),
        ManageSettings => matches!(role, Admin),
        EnterAggregates => matches!(
            role,
            ProvinceOfficer | CommuneOfficer | HealthWorker | School
        ),
        ApproveAggregates => matches!(role, ProvinceOfficer | CommuneChairman),
        EditRegisters => matches!(role, ProvinceOfficer | CommuneOfficer | Collaborator),
        AppraiseCommunes => matches!(role, ProvinceOfficer),
        RecordPayments => matches!(role, ProvinceOfficer | CommuneOfficer),
        ManagePlans => matches!(role, ProvinceOfficer | CommuneOfficer),
        UpdateTasks => matches!(
            role,
            ProvinceOfficer | CommuneOfficer | AgencyOfficer | HealthWorker | Police | School
        ),
        WriteReports => matches!(role, ProvinceOfficer | CommuneOfficer | CommuneChairman),
        ReviewReports => matches!(role, ProvinceOfficer),
    }
}

/// The subtree a user can see: the unit they are bound to and everything under it.
/// Carries the unit's full path so that storage can filter on the leading columns of one
/// composite index (`province_code, commune_code, village_code`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Scope {
    pub level: UnitLevel,
    pub code: UnitCode,
    pub path: UnitPath,
}

impl Scope {
    /// `path` is the unit's own path (its province, commune and village codes as far as
    /// its level goes).
    pub fn new(unit: &UnitCode, path: &UnitPath) -> Scope {
        let level = unit.level();
        let keep = |l: UnitLevel, v: &Option<String>| if level >= l { v.clone() } else { None };
        Scope {
            level,
            code: unit.clone(),
            path: UnitPath {
                province: keep(UnitLevel::Province, &path.province),
                commune: keep(UnitLevel::Commune, &path.commune),
                village: keep(UnitLevel::Village, &path.village),
            },
        }
    }

    pub fn national() -> Scope {
        Scope::new(&UnitCode::national(), &UnitPath::default())
    }

    /// Does the record at `path` lie inside this scope?
    pub fn contains(&self, path: &UnitPath) -> bool {
        let same = |l: UnitLevel| self.level < l || path.code_at(l) == self.path.code_at(l);
        same(UnitLevel::Province) && same(UnitLevel::Commune) && same(UnitLevel::Village)
    }
}

/// Who is asking: built by the web or CLI layer from an authenticated session.
#[derive(Debug, Clone, Serialize)]
pub struct Principal {
    pub user_id: i64,
    pub username: String,
    pub role: Role,
    /// The unit the user is bound to, with its ancestors.
    pub unit: UnitCode,
    pub unit_path: UnitPath,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("không có quyền")]
pub struct Denied;

/// Marker types for actions, so that a capability for one action cannot be used for another.
pub trait Permission {
    const ACTION: Action;
}

macro_rules! permissions {
    ($($name:ident),* $(,)?) => {$(
        #[derive(Debug, Clone, Copy)]
        pub struct $name;
        impl Permission for $name { const ACTION: Action = Action::$name; }
    )*};
}
permissions!(
    ViewAggregates,
    ViewChildRecord,
    EditChildRecord,
    ManageUnits,
    ManageUsers,
    ViewAudit,
    ExportPersonalData,
    VerifyPersonalId,
    RecordHealthData,
    ReportCase,
    ViewCases,
    ExportCaseData,
    ManageSettings,
    EnterAggregates,
    ApproveAggregates,
    EditRegisters,
    AppraiseCommunes,
    RecordPayments,
    ManagePlans,
    UpdateTasks,
    WriteReports,
    ReviewReports
);

/// Capability: the principal may take action `P` on records inside `scope`. List and
/// lookup queries take one, and filter by its scope, so a record outside the scope is
/// simply not found.
#[derive(Debug, Clone)]
pub struct Scoped<P: Permission> {
    scope: Scope,
    actor: Principal,
    _p: PhantomData<P>,
}

impl<P: Permission> Scoped<P> {
    pub fn scope(&self) -> &Scope {
        &self.scope
    }
    pub fn actor(&self) -> &Principal {
        &self.actor
    }
    /// Narrow to a single record's location; denied if outside the scope.
    pub fn grant(&self, path: &UnitPath) -> Result<Grant<P>, Denied> {
        if self.scope.contains(path) {
            Ok(Grant {
                path: path.clone(),
                actor: self.actor.clone(),
                _p: PhantomData,
            })
        } else {
            Err(Denied)
        }
    }
}

/// Capability: the principal may take action `P` on the record located at `path`.
#[derive(Debug, Clone)]
pub struct Grant<P: Permission> {
    path: UnitPath,
    actor: Principal,
    _p: PhantomData<P>,
}

impl<P: Permission> Grant<P> {
    pub fn path(&self) -> &UnitPath {
        &self.path
    }
    pub fn actor(&self) -> &Principal {
        &self.actor
    }
}

impl Principal {
    pub fn scope(&self) -> Scope {
        Scope::new(&self.unit, &self.unit_path)
    }

    pub fn may(&self, action: Action) -> bool {
        role_allows(self.role, action)
    }

    /// The one entry point for list-style access.
    pub fn scoped<P: Permission>(&self) -> Result<Scoped<P>, Denied> {
        if role_allows(self.role, P::ACTION) {
            Ok(Scoped {
                scope: self.scope(),
                actor: self.clone(),
                _p: PhantomData,
            })
        } else {
            Err(Denied)
        }
    }

    /// The one entry point for access to a record at a known location.
    pub fn authorize<P: Permission>(&self, path: &UnitPath) -> Result<Grant<P>, Denied> {
        self.scoped::<P>()?.grant(path)
    }

    /// May this principal create a user with `role` bound to `unit` (at `path`)?
    /// Only an admin creates admins and auditors; nobody creates a user above themselves.
    pub fn may_create_user(&self, role: Role, unit: &UnitCode, path: &UnitPath) -> bool {
        role_allows(self.role, Action::ManageUsers)
            && self.scope().contains(path)
            && role.allowed_levels().contains(&unit.level())
            && (self.role == Role::Admin || !matches!(role, Role::Admin | Role::Auditor))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(p: &str, c: Option<&str>, v: Option<&str>) -> UnitPath {
        UnitPath {
            province: Some(p.into()),
            commune: c.map(Into::into),
            village: v.map(Into::into),
        }
    }

    fn principal(role: Role, unit: &str, p: UnitPath) -> Principal {
        Principal {
            user_id: 1,
            username: "u".into(),
            role,
            unit: UnitCode::parse(unit).unwrap(),
            unit_path: p,
        }
    }

    #[test]
    fn roles_round_trip() {
        for r in ALL_ROLES {
            assert_eq!(Role::parse(r.as_str()), Some(r));
        }
        assert_eq!(Role::parse("root"), None);
    }

    #[test]
    fn commune_officer_sees_own_commune_only() {
        let me = principal(
            Role::CommuneOfficer,
            "31006",
            path("31", Some("31006"), None),
        );
        let own_child = path("31", Some("31006"), Some("31006-001"));
        let other_child = path("31", Some("31012"), Some("31012-001"));
        assert!(me.authorize::<ViewChildRecord>(&own_child).is_ok());
        assert!(me.authorize::<EditChildRecord>(&own_child).is_ok());
        assert!(me.authorize::<ViewChildRecord>(&other_child).is_err());
        assert!(me.authorize::<ManageUsers>(&own_child).is_err());
        assert!(me.authorize::<ViewAudit>(&own_child).is_err());
    }

    #[test]
    fn collaborator_is_bound_to_the_village() {
        let me = principal(
            Role::Collaborator,
            "31006-002",
            path("31", Some("31006"), Some("31006-002")),
        );
        assert!(
            me.authorize::<EditChildRecord>(&path("31", Some("31006"), Some("31006-002")))
                .is_ok()
        );
        assert!(
            me.authorize::<ViewChildRecord>(&path("31", Some("31006"), Some("31006-001")))
                .is_err()
        );
        assert!(
            me.authorize::<ViewChildRecord>(&path("31", Some("31006"), None))
                .is_err()
        );
    }

    #[test]
    fn leader_and_admin_never_read_child_records() {
        for role in [Role::Leader, Role::Admin, Role::Auditor] {
            let me = principal(role, "31", path("31", None, None));
            assert!(me.scoped::<ViewChildRecord>().is_err(), "{role:?}");
            assert!(me.scoped::<ViewAggregates>().is_ok());
        }
    }

    #[test]
    fn province_officer_cannot_create_admins_or_users_elsewhere() {
        let me = principal(Role::ProvinceOfficer, "31", path("31", None, None));
        let commune = UnitCode::parse("31006").unwrap();
        let p = path("31", Some("31006"), None);
        assert!(me.may_create_user(Role::CommuneOfficer, &commune, &p));
        assert!(!me.may_create_user(Role::Admin, &commune, &p));
        assert!(!me.may_create_user(
            Role::CommuneOfficer,
            &commune,
            &path("01", Some("00004"), None)
        ));
        assert!(
            !me.may_create_user(Role::ProvinceOfficer, &commune, &p),
            "level must fit the role"
        );
    }

    #[test]
    fn national_scope_contains_everything() {
        let s = Scope::national();
        assert!(s.contains(&UnitPath::default()));
        assert!(s.contains(&path("01", Some("00004"), None)));
    }
}

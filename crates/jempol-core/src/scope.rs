//! Which rows a user may see. Built once from the user and the deployment; the store turns it
//! into the WHERE clause of every query that returns residents.

use crate::role::Role;
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Scope {
    /// No resident data at all (the admin).
    Nothing,
    /// Every kecamatan of one kabupaten (Dispendukcapil).
    Kabupaten { code: String },
    /// One or more kecamatan (Camat, Kasi, staff, Dinsos serving them).
    Kecamatan { codes: Vec<String> },
    /// One desa/kelurahan (village operator, pendamping).
    Desa { code: String },
}

/// What the deployment covers: one kabupaten, one or more kecamatan in it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Deployment {
    pub kabupaten: String,
    pub kecamatan: Vec<String>,
}

impl Scope {
    /// The scope of a user. A user bound to a kecamatan sees that one; otherwise the
    /// deployment's kecamatan. A village role without a desa sees nothing.
    pub fn for_user(role: Role, desa: Option<&str>, kecamatan: Option<&str>, deployment: &Deployment) -> Scope {
        let kec = || match kecamatan {
            Some(k) => Scope::Kecamatan {
                codes: vec![k.to_string()],
            },
            None => Scope::Kecamatan {
                codes: deployment.kecamatan.clone(),
            },
        };
        match role {
            Role::Admin => Scope::Nothing,
            Role::Camat | Role::KasiPelayanan | Role::Petugas | Role::Dinsos => kec(),
            Role::Dispendukcapil => Scope::Kabupaten {
                code: deployment.kabupaten.clone(),
            },
            Role::OperatorDesa | Role::Pendamping => match desa {
                Some(d) => Scope::Desa { code: d.to_string() },
                None => Scope::Nothing,
            },
        }
    }

    /// Whether a desa lies inside this scope.
    /// A whole kecamatan is inside the scope (a village's scope holds no whole kecamatan).
    pub fn contains_kecamatan(&self, kecamatan_code: &str) -> bool {
        use crate::region::is_within;
        match self {
            Scope::Nothing | Scope::Desa { .. } => false,
            Scope::Kabupaten { code } => is_within(kecamatan_code, code),
            Scope::Kecamatan { codes } => codes.iter().any(|c| c == kecamatan_code),
        }
    }

    pub fn contains_desa(&self, desa_code: &str) -> bool {
        use crate::region::is_within;
        match self {
            Scope::Nothing => false,
            Scope::Kabupaten { code } => is_within(desa_code, code),
            Scope::Kecamatan { codes } => codes.iter().any(|c| is_within(desa_code, c)),
            Scope::Desa { code } => desa_code == code,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dep() -> Deployment {
        Deployment {
            kabupaten: "35.19".into(),
            kecamatan: vec!["35.19.02".into()],
        }
    }

    #[test]
    fn each_role_gets_its_scope() {
        let d = dep();
        assert_eq!(Scope::for_user(Role::Admin, None, None, &d), Scope::Nothing);
        assert_eq!(
            Scope::for_user(Role::Camat, None, None, &d),
            Scope::Kecamatan {
                codes: vec!["35.19.02".into()]
            }
        );
        assert_eq!(
            Scope::for_user(Role::Dispendukcapil, None, None, &d),
            Scope::Kabupaten { code: "35.19".into() }
        );
        let desa = Scope::for_user(Role::OperatorDesa, Some("35.19.02.2001"), None, &d);
        assert!(desa.contains_desa("35.19.02.2001"));
        assert!(!desa.contains_desa("35.19.02.2003"));
        assert_eq!(Scope::for_user(Role::Pendamping, None, None, &d), Scope::Nothing);
        let kec = Scope::for_user(Role::Petugas, None, Some("35.19.01"), &d);
        assert!(kec.contains_desa("35.19.01.2001"));
        assert!(!kec.contains_desa("35.19.02.2001"));
    }
}

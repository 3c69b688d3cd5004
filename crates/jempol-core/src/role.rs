//! The roles of the SOP's lanes (PRODUCT.md, "Users and what each may see").

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Admin,
    Camat,
    KasiPelayanan,
    Petugas,
    OperatorDesa,
    Dispendukcapil,
    Dinsos,
    Pendamping,
}

impl Role {
    pub const ALL: [Role; 8] = [
        Role::Admin,
        Role::Camat,
        Role::KasiPelayanan,
        Role::Petugas,
        Role::OperatorDesa,
        Role::Dispendukcapil,
        Role::Dinsos,
        Role::Pendamping,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Camat => "camat",
            Role::KasiPelayanan => "kasi_pelayanan",
            Role::Petugas => "petugas",
            Role::OperatorDesa => "operator_desa",
            Role::Dispendukcapil => "dispendukcapil",
            Role::Dinsos => "dinsos",
            Role::Pendamping => "pendamping",
        }
    }

    /// The name a person in Indonesia would use for the role.
    pub fn label_id(self) -> &'static str {
        match self {
            Role::Admin => "Admin",
            Role::Camat => "Camat",
            Role::KasiPelayanan => "Kasi Pelayanan",
            Role::Petugas => "Staf/Petugas",
            Role::OperatorDesa => "Operator Desa/Kelurahan",
            Role::Dispendukcapil => "Dispendukcapil",
            Role::Dinsos => "Dinsos/Kesra",
            Role::Pendamping => "Pendamping Desa/Kel",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Role::Admin => "Administrator",
            Role::Camat => "Head of sub-district (Camat)",
            Role::KasiPelayanan => "Head of services (Kasi Pelayanan)",
            Role::Petugas => "Staff / field officer",
            Role::OperatorDesa => "Village operator",
            Role::Dispendukcapil => "Civil registry (Dispendukcapil)",
            Role::Dinsos => "Social services (Dinsos/Kesra)",
            Role::Pendamping => "Village social facilitator",
        }
    }

    /// Roles whose scope is exactly one desa/kelurahan.
    pub fn needs_desa(self) -> bool {
        matches!(self, Role::OperatorDesa | Role::Pendamping)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "peran \"{0}\" tidak dikenal; pilih salah satu: admin, camat, kasi_pelayanan, petugas, operator_desa, dispendukcapil, dinsos, pendamping"
)]
pub struct UnknownRole(pub String);

impl FromStr for Role {
    type Err = UnknownRole;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s.trim())
            .ok_or_else(|| UnknownRole(s.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_role_round_trips_through_its_name() {
        for r in Role::ALL {
            assert_eq!(r.as_str().parse::<Role>(), Ok(r));
        }
        assert!("lurah".parse::<Role>().is_err());
    }

    #[test]
    fn only_village_roles_need_a_desa() {
        let v: Vec<_> = Role::ALL.into_iter().filter(|r| r.needs_desa()).collect();
        assert_eq!(v, vec![Role::OperatorDesa, Role::Pendamping]);
    }
}

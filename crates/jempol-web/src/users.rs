//! Account services shared by the pages, the API and the CLI: create a user with validation
//! that explains, change a password.

use crate::auth::hash_password;
use crate::error::AppError;
use jempol_core::Role;
use jempol_core::region::{Level, is_within, level_of};
use jempol_core::scope::Deployment;
use jempol_store::users::{NewUser, User};
use jempol_store::{Actor, Db};
use std::collections::BTreeMap;

pub const MIN_PASSWORD: usize = 10;

/// What a person entered on the "add user" form (or the CLI).
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct UserInput {
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub full_name: String,
    #[serde(default)]
    pub role: String,
    #[serde(default)]
    pub desa_code: String,
    #[serde(default)]
    pub kecamatan_code: String,
    #[serde(default)]
    pub password: String,
}

/// Field → message, in Indonesian. Empty means valid.
pub type FieldErrors = BTreeMap<&'static str, String>;

pub fn check_password(pw: &str) -> Option<String> {
    if pw.chars().count() < MIN_PASSWORD {
        Some(format!(
            "Kata sandi minimal {MIN_PASSWORD} karakter. Gunakan kalimat pendek yang mudah diingat."
        ))
    } else {
        None
    }
}

/// Validates every field and reports all problems at once.
pub async fn validate(db: &Db, dep: &Deployment, input: &UserInput) -> Result<(NewUser, FieldErrors), AppError> {
    let mut errors = FieldErrors::new();
    let username = input.username.trim().to_lowercase();
    let ok_chars = username
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b));
    if username.len() < 3 || username.len() > 32 || !ok_chars {
        errors.insert(
            "username",
            "Nama pengguna 3–32 karakter: huruf kecil, angka, titik, garis bawah atau tanda hubung, tanpa spasi."
                .into(),
        );
    } else if db.user_by_username(&username).await?.is_some() {
        errors.insert("username", "Nama pengguna sudah dipakai; pilih nama lain.".into());
    }
    let role = match input.role.parse::<Role>() {
        Ok(r) => Some(r),
        Err(e) => {
            errors.insert(
                "role",
                if input.role.trim().is_empty() {
                    "Pilih peran pengguna.".into()
                } else {
                    e.to_string()
                },
            );
            None
        }
    };
    let desa = Some(input.desa_code.trim().to_string()).filter(|s| !s.is_empty());
    let kec = Some(input.kecamatan_code.trim().to_string()).filter(|s| !s.is_empty());
    if let Some(r) = role {
        if r.needs_desa() {
            match &desa {
                None => {
                    errors.insert(
                        "desa_code",
                        "Peran ini bekerja untuk satu desa/kelurahan: pilih desanya.".into(),
                    );
                }
                Some(d) => {
                    if level_of(d) != Ok(Level::Desa) {
                        errors.insert(
                            "desa_code",
                            format!("Kode desa \"{d}\" tidak sah; contoh kode desa: 35.19.02.2001."),
                        );
                    } else if db.region(d).await?.is_none() {
                        errors.insert(
                            "desa_code",
                            format!("Desa dengan kode {d} tidak ada di daftar wilayah."),
                        );
                    } else if !dep.kecamatan.iter().any(|k| is_within(d, k)) {
                        errors.insert(
                            "desa_code",
                            format!(
                                "Desa {d} tidak berada di kecamatan yang dilayani Jempol ini ({}).",
                                dep.kecamatan.join(", ")
                            ),
                        );
                    }
                }
            }
        } else if desa.is_some() {
            errors.insert(
                "desa_code",
                "Hanya operator desa dan pendamping yang terikat pada satu desa; kosongkan desa.".into(),
            );
        }
        if let Some(k) = &kec {
            if r.needs_desa() || r == Role::Admin || r == Role::Dispendukcapil {
                errors.insert(
                    "kecamatan_code",
                    "Peran ini tidak dibatasi per kecamatan; kosongkan kecamatan.".into(),
                );
            } else if level_of(k) != Ok(Level::Kecamatan) {
                errors.insert(
                    "kecamatan_code",
                    format!("Kode kecamatan \"{k}\" tidak sah; contoh: 35.19.02."),
                );
            } else if !is_within(k, &dep.kabupaten) || db.region(k).await?.is_none() {
                errors.insert(
                    "kecamatan_code",
                    format!("Kecamatan {k} tidak ada di kabupaten {}.", dep.kabupaten),
                );
            }
        }
    }
    if let Some(m) = check_password(&input.password) {
        errors.insert("password", m);
    }
    let new = NewUser {
        username,
        full_name: input.full_name.trim().to_string(),
        role: role.unwrap_or(Role::Petugas),
        desa_code: desa,
        kecamatan_code: kec,
        password_hash: String::new(),
    };
    Ok((new, errors))
}

/// Validates and creates a user. `Err(Ok(errors))` carries the field problems.
pub async fn create(
    db: &Db,
    dep: &Deployment,
    input: &UserInput,
    actor: &Actor,
    now: i64,
) -> Result<Result<User, FieldErrors>, AppError> {
    let (mut new, errors) = validate(db, dep, input).await?;
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    new.password_hash = hash_password(&input.password)?;
    match db.create_user(&new, actor, now).await {
        Ok(u) => Ok(Ok(u)),
        Err(jempol_store::StoreError::Conflict(m)) => Ok(Err(FieldErrors::from([("username", m)]))),
        Err(e) => Err(e.into()),
    }
}

pub async fn set_password(
    db: &Db,
    user: &User,
    password: &str,
    actor: &Actor,
    now: i64,
) -> Result<Result<(), String>, AppError> {
    if let Some(m) = check_password(password) {
        return Ok(Err(m));
    }
    db.set_password(user.id, &hash_password(password)?, actor, now).await?;
    Ok(Ok(()))
}

/// Percent-encodes a string for a query parameter.
pub fn url_encode(s: &str) -> String {
    serde_urlencoded::to_string([("v", s)])
        .map(|e| e[2..].to_string())
        .unwrap_or_default()
}

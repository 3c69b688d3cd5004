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

/// Passwords people pick first, here and everywhere (letters only, lower case): a password
/// that is one of these once digits and symbols are taken away is refused.
const COMMON_PASSWORDS: &[&str] = &[
    "password",
    "passwort",
    "qwerty",
    "qwertyuiop",
    "asdfghjkl",
    "asdf",
    "zxcvbnm",
    "iloveyou",
    "admin",
    "administrator",
    "welcome",
    "letmein",
    "monkey",
    "dragon",
    "sunshine",
    "football",
    "superman",
    "batman",
    "master",
    "abc",
    "abcdef",
    "abcdefghij",
    "passw",
    "pass",
    "login",
    "sayang",
    "sayangku",
    "sayangkamu",
    "cinta",
    "cintaku",
    "bismillah",
    "alhamdulillah",
    "assalamualaikum",
    "indonesia",
    "merdeka",
    "rahasia",
    "rahasiaku",
    "katasandi",
    "sandi",
    "kata",
    "anakku",
    "jempol",
    "kecamatan",
    "kelurahan",
    "desa",
    "dukcapil",
    "disdukcapil",
    "dinsos",
    "camat",
    "petugas",
    "operator",
    "madiun",
    "dolopo",
    "ektp",
    "ktp",
    "pemdes",
];

/// Refuses a weak password with what to do instead: at least `MIN_PASSWORD` characters, not
/// digits only (a phone number, NIK or birth date is guessed first), not one or two
/// characters repeated, not the username, not a common password with digits added.
pub fn check_password(pw: &str, username: &str) -> Option<String> {
    let advice = "Gunakan kalimat pendek yang mudah Anda ingat, misalnya tiga kata dengan tanda hubung.";
    let chars = pw.chars().count();
    if chars < MIN_PASSWORD {
        return Some(format!("Kata sandi minimal {MIN_PASSWORD} karakter. {advice}"));
    }
    if pw
        .chars()
        .all(|c| c.is_ascii_digit() || c.is_whitespace() || "-./".contains(c))
    {
        return Some(format!(
            "Kata sandi tidak boleh hanya angka: nomor HP, NIK atau tanggal lahir paling dulu ditebak. {advice}"
        ));
    }
    let distinct: std::collections::BTreeSet<char> = pw.to_lowercase().chars().collect();
    if distinct.len() < 4 {
        return Some(format!(
            "Kata sandi ini hanya mengulang beberapa karakter yang sama. {advice}"
        ));
    }
    let lower = pw.to_lowercase();
    let name = username.trim().to_lowercase();
    if name.chars().count() >= 3 && lower.contains(&name) {
        return Some(format!("Kata sandi tidak boleh memuat nama pengguna. {advice}"));
    }
    let letters: String = lower.chars().filter(|c| c.is_alphabetic()).collect();
    if COMMON_PASSWORDS.contains(&letters.as_str()) || letters.is_empty() {
        return Some(format!(
            "Kata sandi ini termasuk yang paling sering dipakai orang, dan tetap mudah ditebak walau ditambah angka atau tanda. {advice}"
        ));
    }
    None
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
    if let Some(m) = check_password(&input.password, &input.username) {
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
    if let Some(m) = check_password(password, &user.username) {
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

#[cfg(test)]
mod tests {
    use super::check_password;

    #[test]
    fn weak_passwords_are_refused_with_a_reason() {
        for (pw, why) in [
            ("pendek-1", "minimal 10"),
            ("3519021505509871", "hanya angka"),
            ("0812-3456-7890", "hanya angka"),
            ("aaaaaaaaaaaa", "mengulang"),
            ("abababababab", "mengulang"),
            ("sutrisno.desa-2026", "nama pengguna"),
            ("Password123!", "paling sering"),
            ("sayangku2026", "paling sering"),
            ("bismillah99", "paling sering"),
            ("Jempol-2026!", "paling sering"),
            ("1234567890!!", "paling sering"),
        ] {
            let m = check_password(pw, "sutrisno.desa").unwrap_or_else(|| panic!("{pw} accepted"));
            assert!(m.contains(why), "{pw}: {m}");
        }
        for good in [
            "kata-sandi-uji-1",
            "jempol-demo-2026",
            "kopi pahit pagi hari",
            "Mangga-Kuning-Manis7",
        ] {
            assert_eq!(check_password(good, "sutrisno.desa"), None, "{good}");
        }
    }
}

//! Configuration: defaults → TOML file (`--config`) → `JEMPOL_*` environment → flags.
//! Secrets (the database password) never appear in `Debug` output or logs.

use anyhow::{Context, Result};
use jempol_core::scope::Deployment;
use serde::Deserialize;
use std::fmt;
use std::path::{Path, PathBuf};

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub listen: Option<String>,
    pub data_dir: Option<PathBuf>,
    pub database_url: Option<String>,
    #[serde(default)]
    pub deployment: Option<FileDeployment>,
    #[serde(default)]
    pub session: Option<FileSession>,
    #[serde(default)]
    pub security: Option<FileSecurity>,
    pub log_format: Option<String>,
    /// Late work escalated is also POSTed as JSON to this address (http:// or https://).
    pub escalation_webhook: Option<String>,
    /// Late work escalated is also emailed through this SMTP server.
    #[serde(default)]
    pub escalation_email: Option<FileEmail>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileEmail {
    /// `smtp://user:password@host:587?tls=required`; `JEMPOL_ESCALATION_SMTP_URL` overrides it.
    pub smtp_url: Option<String>,
    pub from: String,
    #[serde(default)]
    pub kasi: Vec<String>,
    #[serde(default)]
    pub camat: Vec<String>,
}

impl fmt::Debug for FileEmail {
    // The SMTP URL may carry a password.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FileEmail")
            .field("from", &self.from)
            .field("kasi", &self.kasi)
            .field("camat", &self.camat)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileDeployment {
    pub kabupaten: String,
    pub kecamatan: Vec<String>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct FileSession {
    pub idle_minutes: Option<i64>,
    pub absolute_hours: Option<i64>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct FileSecurity {
    pub secure_cookies: Option<bool>,
    pub trust_forwarded_for: Option<bool>,
}

/// The resolved configuration.
pub struct Config {
    pub listen: String,
    pub data_dir: PathBuf,
    pub database_url: String,
    pub web: jempol_web::WebConfig,
    pub log_json: bool,
}

/// Hides the password of a database URL.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..s + 3], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("listen", &self.listen)
            .field("data_dir", &self.data_dir)
            .field("database_url", &redact_url(&self.database_url))
            .field("deployment", &self.web.deployment)
            .field("log_json", &self.log_json)
            .finish()
    }
}

pub struct Overrides {
    pub config: Option<PathBuf>,
    pub listen: Option<String>,
    pub data_dir: Option<PathBuf>,
    pub database_url: Option<String>,
}

pub fn load(o: Overrides) -> Result<Config> {
    let file: FileConfig = match &o.config {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("berkas konfigurasi {} tidak bisa dibaca", path.display()))?;
            toml::from_str(&text).with_context(|| format!("berkas konfigurasi {} tidak sah", path.display()))?
        }
        None => FileConfig::default(),
    };
    let data_dir = o
        .data_dir
        .or(file.data_dir)
        .unwrap_or_else(|| PathBuf::from("./jempol-data"));
    let database_url = o
        .database_url
        .or(file.database_url)
        .unwrap_or_else(|| format!("sqlite://{}", data_dir.join("jempol.db").display()));
    let mut web = jempol_web::WebConfig::default();
    if let Some(d) = file.deployment {
        check_deployment(&d)?;
        web.deployment = Deployment {
            kabupaten: d.kabupaten,
            kecamatan: d.kecamatan,
        };
    }
    if let Some(s) = file.session {
        web.session_idle_minutes = s.idle_minutes.unwrap_or(web.session_idle_minutes);
        web.session_absolute_hours = s.absolute_hours.unwrap_or(web.session_absolute_hours);
    }
    if let Some(s) = file.security {
        web.secure_cookies = s.secure_cookies.unwrap_or(web.secure_cookies);
        web.trust_forwarded_for = s.trust_forwarded_for.unwrap_or(web.trust_forwarded_for);
    }
    if let Some(url) = std::env::var("JEMPOL_ESCALATION_WEBHOOK")
        .ok()
        .or(file.escalation_webhook)
    {
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            anyhow::bail!("escalation_webhook harus alamat http:// atau https://, bukan \"{url}\"");
        }
        web.escalation_webhook = Some(url);
    }
    if let Some(email) = file.escalation_email {
        let smtp_url = std::env::var("JEMPOL_ESCALATION_SMTP_URL")
            .ok()
            .or(email.smtp_url)
            .context("escalation_email perlu smtp_url (atau JEMPOL_ESCALATION_SMTP_URL)")?;
        let email = jempol_web::EmailConfig {
            smtp_url,
            from: email.from,
            kasi: email.kasi,
            camat: email.camat,
        };
        jempol_web::check_email(&email).map_err(anyhow::Error::msg)?;
        web.escalation_email = Some(email);
    }
    let log_json = std::env::var("JEMPOL_LOG_FORMAT")
        .ok()
        .or(file.log_format)
        .is_some_and(|f| f == "json");
    Ok(Config {
        listen: o.listen.or(file.listen).unwrap_or_else(|| "127.0.0.1:8080".into()),
        data_dir,
        database_url,
        web,
        log_json,
    })
}

fn check_deployment(d: &FileDeployment) -> Result<()> {
    use jempol_core::region::{Level, is_within, level_of};
    if level_of(&d.kabupaten).ok() != Some(Level::Kabupaten) {
        anyhow::bail!(
            "deployment.kabupaten \"{}\" harus kode kabupaten, misalnya 35.19",
            d.kabupaten
        );
    }
    if d.kecamatan.is_empty() {
        anyhow::bail!("deployment.kecamatan harus berisi paling sedikit satu kode kecamatan, misalnya [\"35.19.02\"]");
    }
    for k in &d.kecamatan {
        if level_of(k).ok() != Some(Level::Kecamatan) || !is_within(k, &d.kabupaten) {
            anyhow::bail!(
                "deployment.kecamatan: \"{k}\" bukan kode kecamatan di kabupaten {}",
                d.kabupaten
            );
        }
    }
    Ok(())
}

pub fn is_sqlite(url: &str) -> bool {
    !(url.starts_with("postgres://") || url.starts_with("postgresql://"))
}

pub fn ensure_dir(p: &Path) -> Result<()> {
    std::fs::create_dir_all(p).with_context(|| format!("folder data {} tidak bisa dibuat", p.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_passwords_are_redacted() {
        assert_eq!(
            redact_url("postgres://jempol:rahasia@db:5432/jempol"),
            "postgres://jempol:***@db:5432/jempol"
        );
        assert_eq!(redact_url("postgres://jempol@db/jempol"), "postgres://jempol@db/jempol");
        assert_eq!(
            redact_url("sqlite://./jempol-data/jempol.db"),
            "sqlite://./jempol-data/jempol.db"
        );
    }

    #[test]
    fn layers_apply_in_order() {
        let dir = std::env::temp_dir().join(format!("jempol-cfg-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("jempol.toml");
        std::fs::write(&file, "listen = \"0.0.0.0:9000\"\ndata_dir = \"/srv/jempol\"\n[deployment]\nkabupaten = \"35.19\"\nkecamatan = [\"35.19.02\", \"35.19.01\"]\n").unwrap();
        let c = load(Overrides {
            config: Some(file.clone()),
            listen: Some("127.0.0.1:9100".into()),
            data_dir: None,
            database_url: None,
        })
        .unwrap();
        assert_eq!(c.listen, "127.0.0.1:9100");
        assert_eq!(c.data_dir, PathBuf::from("/srv/jempol"));
        assert_eq!(c.database_url, "sqlite:///srv/jempol/jempol.db");
        assert_eq!(c.web.deployment.kecamatan.len(), 2);
        std::fs::write(
            &file,
            "[deployment]\nkabupaten = \"35.19\"\nkecamatan = [\"35.20.01\"]\n",
        )
        .unwrap();
        let e = load(Overrides {
            config: Some(file.clone()),
            listen: None,
            data_dir: None,
            database_url: None,
        })
        .err()
        .unwrap();
        assert!(e.to_string().contains("35.20.01"), "{e}");
        std::fs::write(&file, "warna = 1\n").unwrap();
        assert!(
            load(Overrides {
                config: Some(file),
                listen: None,
                data_dir: None,
                database_url: None
            })
            .is_err()
        );
    }

    #[test]
    fn escalation_email_is_read_and_checked() {
        let dir = std::env::temp_dir().join(format!("jempol-cfg-mail-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("jempol.toml");
        let load_it = || {
            load(Overrides {
                config: Some(file.clone()),
                listen: None,
                data_dir: None,
                database_url: None,
            })
        };
        std::fs::write(
            &file,
            "[escalation_email]\nsmtp_url = \"smtp://kantor:rahasia@mail.dolopo.example:587?tls=required\"\nfrom = \"Jempol <jempol@dolopo.example>\"\nkasi = [\"kasi@dolopo.example\"]\ncamat = [\"camat@dolopo.example\"]\n",
        )
        .unwrap();
        let c = load_it().unwrap();
        let email = c.web.escalation_email.unwrap();
        assert_eq!(email.kasi, vec!["kasi@dolopo.example".to_string()]);
        assert!(!format!("{email:?}").contains("rahasia"), "no password in logs");
        std::fs::write(
            &file,
            "[escalation_email]\nsmtp_url = \"smtp://mail.dolopo.example\"\nfrom = \"jempol@dolopo.example\"\nkasi = [\"pak kasi\"]\n",
        )
        .unwrap();
        let e = load_it().err().unwrap();
        assert!(e.to_string().contains("pak kasi"), "{e}");
    }
}

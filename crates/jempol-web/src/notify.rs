//! Escalations delivered outside the app: POSTed as JSON to a webhook and emailed over SMTP.
//! The destinations are queued with the escalation (`Db::fire_escalation`); any instance
//! delivers what is due, one claim at a time, and a failure waits and is tried again (see
//! `jempol_store::notifications`). A person's name never leaves the app: units about one
//! person (steps 5, 6, 10 and 12) are named by their desa only.

use crate::{AppState, EmailConfig};
use jempol_store::notifications::Notification;
use jempol_store::sla::Escalation;

/// How long a claimed delivery is held before another instance may try it.
const LEASE_MS: i64 = 2 * 60_000;
/// Deliveries one pass sends at most; the rest wait for the next pass.
const PER_PASS: usize = 50;

/// The destinations of an escalation at `level`: the webhook, and the level's email addresses.
pub fn targets<'a>(config: &'a crate::WebConfig, level: &str) -> Vec<(&'static str, &'a str)> {
    let mut out = Vec::new();
    if let Some(url) = &config.escalation_webhook {
        out.push(("webhook", url.as_str()));
    }
    if let Some(email) = &config.escalation_email {
        let to = if level == "camat" { &email.camat } else { &email.kasi };
        out.extend(to.iter().map(|a| ("email", a.as_str())));
    }
    out
}

/// What a unit is called outside the app.
fn outside_label(e: &Escalation) -> String {
    if matches!(e.step, 5 | 6 | 10 | 12) {
        format!("seorang warga, desa {}", e.area)
    } else {
        e.label.clone()
    }
}

fn hours(minutes: i64) -> String {
    format!("{},{} jam", minutes / 60, (minutes % 60) * 10 / 60)
}

/// Sends what is due now; returns how many went out. Failures are kept for a retry.
pub async fn deliver_notifications(state: &AppState) -> Result<usize, jempol_store::StoreError> {
    let mut sent = 0;
    for _ in 0..PER_PASS {
        let Some(n) = state.db.claim_notification(state.now(), LEASE_MS).await? else {
            break;
        };
        match send(state, &n).await {
            Ok(()) => {
                state.db.notification_sent(n.id, state.now()).await?;
                tracing::info!(channel = %n.channel, step = n.escalation.step, "escalation delivered");
                sent += 1;
            }
            Err(error) => {
                let gave_up = state.db.notification_failed(&n, &error, state.now()).await?;
                tracing::warn!(channel = %n.channel, attempts = n.attempts, gave_up, %error, "escalation delivery failed");
            }
        }
    }
    Ok(sent)
}

async fn send(state: &AppState, n: &Notification) -> Result<(), String> {
    let e = &n.escalation;
    match n.channel.as_str() {
        "webhook" => {
            let body = serde_json::json!({
                "event": "eskalasi",
                "step": e.step,
                "level": e.level,
                "unit": e.unit_id,
                "area": e.area,
                "label": outside_label(e),
                "link": e.link,
                "used_minutes": e.used_minutes,
                "standard_minutes": e.standard_minutes,
                "attempt": n.attempts,
            });
            let url = n.target.clone();
            blocking(move || {
                let agent: ureq::Agent = ureq::Agent::config_builder()
                    .timeout_global(Some(std::time::Duration::from_secs(10)))
                    .build()
                    .into();
                agent
                    .post(&url)
                    .header("content-type", "application/json")
                    .send(body.to_string())
                    .map(|_| ())
                    .map_err(|err| err.to_string())
            })
            .await
        }
        "email" => {
            let Some(cfg) = state.config.escalation_email.clone() else {
                return Err("email tidak lagi dikonfigurasi".into());
            };
            let to = n.target.clone();
            let subject = format!("Eskalasi langkah {} SOP: {}", e.step, outside_label(e));
            let body = format!(
                "Pekerjaan langkah {} SOP Jemput Bola Perekaman E-KTP terlambat dan dieskalasikan kepada {}.\n\n\
                 Unit: {}\nWilayah: {}\nWaktu kerja terpakai: {} (standar {})\nBuka di Jempol: {}\n\n\
                 Pesan ini dikirim otomatis oleh Jempol. Tandai sudah ditindaklanjuti di halaman Tugas saya.\n",
                e.step,
                if e.level == "camat" { "Camat" } else { "Kasi Pelayanan" },
                outside_label(e),
                e.area,
                hours(e.used_minutes),
                hours(e.standard_minutes),
                e.link,
            );
            blocking(move || send_email(&cfg, &to, &subject, body)).await
        }
        other => Err(format!("saluran tidak dikenal: {other}")),
    }
}

async fn blocking(f: impl FnOnce() -> Result<(), String> + Send + 'static) -> Result<(), String> {
    tokio::task::spawn_blocking(f).await.map_err(|e| e.to_string())?
}

fn send_email(cfg: &EmailConfig, to: &str, subject: &str, body: String) -> Result<(), String> {
    use lettre::Transport;
    let message = lettre::Message::builder()
        .from(
            cfg.from
                .parse()
                .map_err(|e| format!("alamat pengirim tidak sah: {e}"))?,
        )
        .to(to.parse().map_err(|e| format!("alamat penerima tidak sah: {e}"))?)
        .subject(subject)
        .header(lettre::message::header::ContentType::TEXT_PLAIN)
        .body(body)
        .map_err(|e| e.to_string())?;
    let mailer = lettre::SmtpTransport::from_url(&cfg.smtp_url)
        .map_err(|e| format!("alamat SMTP tidak sah: {e}"))?
        .timeout(Some(std::time::Duration::from_secs(15)))
        .build();
    mailer.send(&message).map(|_| ()).map_err(|e| e.to_string())
}

/// Checks an email configuration before the server starts: every address parses and the SMTP
/// URL is understood. The message says what to fix.
pub fn check_email(cfg: &EmailConfig) -> Result<(), String> {
    lettre::SmtpTransport::from_url(&cfg.smtp_url).map_err(|e| {
        format!(
            "escalation_email.smtp_url tidak sah ({e}); contoh: smtp://nama:sandi@mail.example.go.id:587?tls=required"
        )
    })?;
    cfg.from
        .parse::<lettre::message::Mailbox>()
        .map_err(|_| format!("escalation_email.from bukan alamat email: \"{}\"", cfg.from))?;
    for a in cfg.kasi.iter().chain(&cfg.camat) {
        a.parse::<lettre::Address>()
            .map_err(|_| format!("\"{a}\" bukan alamat email"))?;
    }
    if cfg.kasi.is_empty() && cfg.camat.is_empty() {
        return Err("escalation_email tanpa penerima: isi kasi dan/atau camat".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_persons_name_stays_in_the_app() {
        let e = Escalation {
            id: 1,
            step: 6,
            unit_id: 9,
            level: "kasi".into(),
            area: "35.19.02.2001".into(),
            label: "SUMIATI".into(),
            link: "/warga/9".into(),
            used_minutes: 900,
            standard_minutes: 750,
            fired_at: 0,
            acknowledged_by: None,
        };
        assert!(!outside_label(&e).contains("SUMIATI"));
        let meeting = Escalation {
            step: 3,
            label: "Rapat koordinasi".into(),
            ..e
        };
        assert_eq!(outside_label(&meeting), "Rapat koordinasi");
        assert_eq!(hours(750), "12,5 jam");
    }

    #[test]
    fn a_wrong_email_setting_says_what_to_fix() {
        let good = EmailConfig {
            smtp_url: "smtp://127.0.0.1:2525".into(),
            from: "Jempol <jempol@dolopo.example>".into(),
            kasi: vec!["kasi@dolopo.example".into()],
            camat: vec![],
        };
        assert_eq!(check_email(&good), Ok(()));
        let bad = EmailConfig {
            kasi: vec!["kasi at dolopo".into()],
            ..good.clone()
        };
        assert!(check_email(&bad).unwrap_err().contains("kasi at dolopo"));
        let none = EmailConfig {
            kasi: vec![],
            ..good.clone()
        };
        assert!(check_email(&none).is_err());
        let url = EmailConfig {
            smtp_url: "ftp://x".into(),
            ..good
        };
        assert!(check_email(&url).unwrap_err().contains("smtp_url"));
    }
}

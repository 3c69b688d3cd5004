//! `jempol`: one binary for the whole application. Commands: serve, migrate, check, user,
//! token, backup, demo, regions, sop. See `jempol --help`.

mod config;
mod demo;

use anyhow::{Context, Result, bail};
use clap::{Args, Parser, Subcommand};
use config::{Config, Overrides};
use jempol_core::region::is_within;
use jempol_store::{Actor, Db};
use jempol_web::{AppState, Clock, SystemClock};
use std::io::Read;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

#[derive(Parser)]
#[command(name = "jempol", version, about = "Jempol — Jemput Bola Perekaman E-KTP", long_about = None)]
struct Cli {
    /// TOML configuration file.
    #[arg(long, global = true, env = "JEMPOL_CONFIG")]
    config: Option<PathBuf>,
    /// Folder for the embedded SQLite database (default ./jempol-data).
    #[arg(long, global = true, env = "JEMPOL_DATA_DIR")]
    data_dir: Option<PathBuf>,
    /// Database URL: postgres://… selects PostgreSQL; default SQLite in the data folder.
    #[arg(long, global = true, env = "JEMPOL_DATABASE_URL", hide_env_values = true)]
    database_url: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the web server.
    Serve {
        /// Address to listen on (default 127.0.0.1:8080).
        #[arg(long, env = "JEMPOL_LISTEN")]
        listen: Option<String>,
        /// Fill an empty database with demo data and demo users first.
        #[arg(long)]
        demo: bool,
        /// With --demo: residents and users only, without the demo campaign through the 12 steps.
        #[arg(long)]
        no_demo_campaign: bool,
    },
    /// Apply database migrations.
    Migrate,
    /// Check configuration and database health; the exit code says the result.
    Check,
    /// Manage users.
    #[command(subcommand)]
    User(UserCmd),
    /// Manage API tokens.
    #[command(subcommand)]
    Token(TokenCmd),
    /// Write a consistent copy of the live SQLite database to PATH.
    Backup { path: PathBuf },
    /// Fill the database with realistic synthetic data for Kecamatan Dolopo.
    Demo {
        #[arg(long, default_value_t = 120)]
        residents: u64,
        #[arg(long, default_value_t = 2026)]
        seed: u64,
        /// Residents and users only, without the demo campaign through the 12 steps.
        #[arg(long)]
        no_campaign: bool,
        /// Spread the residents over every desa of every kecamatan the deployment serves, at
        /// every step of the journey (the benchmarks' kabupaten), instead of Dolopo's first step.
        #[arg(long)]
        across: bool,
    },
    /// Check a village's list (XLSX, XLS, ODS or CSV) and save it as a submission (SOP step 1).
    ImportResidents {
        file: PathBuf,
        /// The desa the list is from, e.g. 35.19.02.2001.
        #[arg(long)]
        desa: String,
        /// Only check and report; save nothing.
        #[arg(long)]
        dry_run: bool,
        /// Print exactly one JSON object: counts and every data row with its messages.
        #[arg(long)]
        json: bool,
    },
    /// Plan the home visits (SOP step 4) of an instance file; prints the plan as JSON.
    /// Formats: docs/planner.md.
    Plan {
        instance: PathBuf,
        /// Stop searching after this many seconds and print the best plan found.
        #[arg(long, default_value_t = 30)]
        time_limit: usize,
        /// The same instance, seed and generations give the same plan.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Stop searching after this many generations.
        #[arg(long, default_value_t = 300)]
        generations: usize,
    },
    /// Region codes.
    #[command(subcommand)]
    Regions(RegionsCmd),
    /// SOP definitions.
    #[command(subcommand)]
    Sop(SopCmd),
    /// The audit log.
    #[command(subcommand)]
    Audit(AuditCmd),
}

#[derive(Subcommand)]
enum AuditCmd {
    /// Walk the audit log's hash chain; exit 0 when whole, 1 naming the first broken entry.
    /// Prints the chain's head (number and hash): record it outside the server, so a later
    /// check can show the newest entries were not removed together with the head.
    Verify,
}

#[derive(Subcommand)]
enum UserCmd {
    /// Add a user; the password is read from standard input.
    Add(UserAdd),
    /// List users.
    List,
    /// Set a user's password (read from standard input); ends their sessions.
    Passwd {
        #[arg(long)]
        username: String,
        #[arg(long, required = true)]
        password_stdin: bool,
    },
    /// Disable a user: sessions end, tokens stop working.
    Disable {
        #[arg(long)]
        username: String,
    },
    /// Enable a disabled user.
    Enable {
        #[arg(long)]
        username: String,
    },
}

#[derive(Args)]
struct UserAdd {
    #[arg(long)]
    username: String,
    /// admin, camat, kasi_pelayanan, petugas, operator_desa, dispendukcapil, dinsos, pendamping
    #[arg(long)]
    role: String,
    /// Desa code (operator_desa, pendamping), e.g. 35.19.02.2001.
    #[arg(long)]
    desa: Option<String>,
    /// Kecamatan code, to bound a kecamatan role to one kecamatan.
    #[arg(long)]
    kecamatan: Option<String>,
    #[arg(long, default_value = "")]
    full_name: String,
    #[arg(long, required = true)]
    password_stdin: bool,
}

#[derive(Subcommand)]
enum TokenCmd {
    /// Create an API token acting as the user (printed once).
    Create {
        #[arg(long)]
        username: String,
        #[arg(long, default_value = "cli")]
        name: String,
    },
    /// List tokens.
    List,
    /// Revoke a token by id.
    Revoke {
        #[arg(long)]
        id: i64,
    },
}

#[derive(Subcommand)]
enum RegionsCmd {
    /// Load a region CSV (e.g. data/wilayah/wilayah.csv, the national list).
    Import { file: PathBuf },
}

#[derive(Subcommand)]
enum SopCmd {
    /// Validate an SOP definition file.
    Check { file: PathBuf },
    /// Load an SOP definition into the database.
    Load {
        file: PathBuf,
        /// Make it the active SOP.
        #[arg(long)]
        activate: bool,
    },
}

/// mimalloc instead of the C library's allocator: a request allocates and frees many small
/// buffers on several threads (the runtime's, and one per SQLite connection), where glibc's
/// malloc spent a sixth of the server's time (docs/benchmarks.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let rt = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("gagal memulai runtime: {e}");
            return std::process::ExitCode::from(1);
        }
    };
    match rt.block_on(Box::pin(run(cli))) {
        Ok(code) => std::process::ExitCode::from(code),
        Err(e) => {
            eprintln!("galat: {e:#}");
            std::process::ExitCode::from(1)
        }
    }
}

fn init_logging(json: bool) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("JEMPOL_LOG")
        .unwrap_or_else(|_| "info,sqlx=warn,tower_http=info".into());
    // Colours only on a terminal, so log files and journald stay plain text.
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let b = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(ansi);
    let _ = if json { b.json().try_init() } else { b.try_init() };
}

fn read_password_stdin() -> Result<String> {
    let mut s = String::new();
    std::io::stdin()
        .read_to_string(&mut s)
        .context("kata sandi tidak bisa dibaca dari standard input")?;
    let pw = s.lines().next().unwrap_or("").to_string();
    if pw.is_empty() {
        bail!(
            "kata sandi kosong: kirim lewat standard input, misalnya: echo 'kata-sandi-panjang' | jempol user add ..."
        );
    }
    Ok(pw)
}

/// Opens and migrates the database, and makes sure the built-in SOP and the regions of the
/// deployment's kabupaten are there.
async fn open(cfg: &Config, clock: &dyn Clock) -> Result<Db> {
    if config::is_sqlite(&cfg.database_url) {
        config::ensure_dir(&cfg.data_dir)?;
    }
    let db = Db::connect(&cfg.database_url)
        .await
        .with_context(|| format!("database {} tidak bisa dibuka", config::redact_url(&cfg.database_url)))?;
    let applied = db.migrate(clock.now_ms()).await.context("migrasi database gagal")?;
    for m in applied {
        tracing::info!(migration = %m, "migration applied");
    }
    let actor = Actor::system("startup");
    if db.region(&cfg.web.deployment.kabupaten).await?.is_none() {
        let regions = jempol_store::regions::parse_regions_csv(jempol_store::regions::MADIUN_CSV.as_bytes())
            .map_err(anyhow::Error::msg)?;
        db.upsert_regions(&regions, &actor, clock.now_ms()).await?;
    }
    db.ensure_builtin_sop(&actor, clock.now_ms()).await?;
    Ok(db)
}

async fn ensure_admin(db: &Db, cfg: &Config, clock: &dyn Clock) -> Result<()> {
    if db.count_active_admins().await? > 0 {
        return Ok(());
    }
    let (password, generated) = match std::env::var("JEMPOL_ADMIN_PASSWORD") {
        Ok(p) if !p.is_empty() => (p, false),
        _ => (jempol_web::auth::random_token(12), true),
    };
    let input = jempol_web::users::UserInput {
        username: "admin".into(),
        full_name: "Administrator".into(),
        role: "admin".into(),
        password: password.clone(),
        ..Default::default()
    };
    match jempol_web::users::create(
        db,
        &cfg.web.deployment,
        &input,
        &Actor::system("startup"),
        clock.now_ms(),
    )
    .await?
    {
        Ok(_) if generated => {
            println!("Admin pertama dibuat. Nama pengguna: admin  Kata sandi: {password}");
            println!("Catat kata sandi ini sekarang: ia tidak akan ditampilkan lagi.");
        }
        Ok(_) => println!("Admin pertama dibuat: admin (kata sandi dari JEMPOL_ADMIN_PASSWORD)."),
        Err(errors) => bail!(
            "admin pertama tidak bisa dibuat: {}",
            errors.values().cloned().collect::<Vec<_>>().join("; ")
        ),
    }
    Ok(())
}

async fn run(cli: Cli) -> Result<u8> {
    let listen = match &cli.command {
        Command::Serve { listen, .. } => listen.clone(),
        _ => None,
    };
    let cfg = config::load(Overrides {
        config: cli.config,
        listen,
        data_dir: cli.data_dir,
        database_url: cli.database_url,
    })?;
    init_logging(cfg.log_json);
    let clock = SystemClock;
    match cli.command {
        Command::Serve {
            demo: with_demo,
            no_demo_campaign,
            ..
        } => serve(cfg, with_demo, !no_demo_campaign).await,
        Command::Migrate => {
            open(&cfg, &clock).await?;
            println!("Database siap: {}", config::redact_url(&cfg.database_url));
            Ok(0)
        }
        Command::Check => check(&cfg).await,
        Command::Audit(AuditCmd::Verify) => {
            let db = open(&cfg, &clock).await?;
            let r = db.verify_audit().await?;
            println!("Kepala rantai log audit: no. urut {} hash {}", r.head_seq, r.head_hash);
            match &r.problem {
                None => {
                    println!("Log audit utuh: {} catatan diperiksa.", r.checked);
                    Ok(0)
                }
                Some(b) => {
                    println!("LOG AUDIT RUSAK. {} catatan pertama utuh.", r.checked);
                    println!("{}", jempol_web::chain_break_text(b, jempol_web::i18n::Lang::Id));
                    Ok(1)
                }
            }
        }
        Command::User(c) => user_cmd(&cfg, c).await,
        Command::Token(c) => token_cmd(&cfg, c).await,
        Command::Backup { path } => {
            let db = open(&cfg, &clock).await?;
            if !config::is_sqlite(&cfg.database_url) {
                eprintln!(
                    "Database ini PostgreSQL. Buat cadangan dengan pg_dump, misalnya:\n  pg_dump -Fc -f jempol-$(date +%F).dump \"$JEMPOL_DATABASE_URL\"\nlalu pulihkan dengan pg_restore."
                );
                return Ok(2);
            }
            if path.exists() {
                bail!(
                    "{} sudah ada; pilih nama berkas lain agar cadangan lama tidak tertimpa",
                    path.display()
                );
            }
            db.backup_sqlite(&path.to_string_lossy()).await?;
            println!("Cadangan ditulis ke {}", path.display());
            Ok(0)
        }
        Command::Demo {
            residents,
            seed,
            no_campaign,
            across,
        } => {
            let db = open(&cfg, &clock).await?;
            let spread = Spread {
                campaign: !no_campaign,
                across,
            };
            fill_demo(&db, &cfg, residents, seed, spread, &clock).await?;
            Ok(0)
        }
        Command::ImportResidents {
            file,
            desa,
            dry_run,
            json,
        } => import_residents(&cfg, &file, &desa, dry_run, json).await,
        Command::Regions(RegionsCmd::Import { file }) => {
            let f = std::fs::File::open(&file).with_context(|| format!("{} tidak bisa dibuka", file.display()))?;
            let regions =
                jempol_store::regions::parse_regions_csv(std::io::BufReader::new(f)).map_err(anyhow::Error::msg)?;
            let db = open(&cfg, &clock).await?;
            let n = db
                .upsert_regions(&regions, &Actor::system("regions import"), clock.now_ms())
                .await?;
            println!("{n} wilayah dimuat dari {}", file.display());
            Ok(0)
        }
        Command::Plan {
            instance,
            time_limit,
            seed,
            generations,
        } => plan_cmd(&instance, time_limit, seed, generations).await,
        Command::Sop(SopCmd::Check { file }) => {
            let text =
                std::fs::read_to_string(&file).with_context(|| format!("{} tidak bisa dibaca", file.display()))?;
            match jempol_core::sop::SopDefinition::from_toml(&text) {
                Ok(def) => {
                    println!(
                        "SOP sah: {} versi {} — {} langkah, {} pelaksana.",
                        def.id,
                        def.version,
                        def.steps.len(),
                        def.lanes.len()
                    );
                    Ok(0)
                }
                Err(problems) => {
                    eprintln!("SOP {} belum sah:", file.display());
                    for p in problems {
                        eprintln!("  - {p}");
                    }
                    Ok(1)
                }
            }
        }
        Command::Sop(SopCmd::Load { file, activate }) => {
            let text =
                std::fs::read_to_string(&file).with_context(|| format!("{} tidak bisa dibaca", file.display()))?;
            let db = open(&cfg, &clock).await?;
            let (id, def) = db
                .load_sop(&text, activate, &Actor::system("sop load"), clock.now_ms())
                .await?;
            println!(
                "SOP {} versi {} dimuat (#{id}){}.",
                def.id,
                def.version,
                if activate { " dan diaktifkan" } else { "" }
            );
            Ok(0)
        }
    }
}

async fn import_residents(cfg: &Config, file: &std::path::Path, desa: &str, dry_run: bool, json: bool) -> Result<u8> {
    use jempol_web::intake;
    let clock = SystemClock;
    let db = open(cfg, &clock).await?;
    let region = match intake::check_desa(&db, &cfg.web.deployment, desa).await {
        Ok(r) => r,
        Err(e) => {
            eprintln!("{}", e.message_id());
            return Ok(1);
        }
    };
    let bytes = std::fs::read(file).with_context(|| format!("{} tidak bisa dibaca", file.display()))?;
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let today = jempol_web::clock::today_wib(clock.now_ms());
    let mut report = match intake::check_file(&db, &name, &bytes, today).await {
        Ok(r) => r,
        Err(e) => {
            eprintln!("{}", e.message_id());
            return Ok(1);
        }
    };
    let mut code = 0;
    let mut saved = None;
    if !dry_run {
        let actor = Actor::system("import-residents");
        match intake::send(&db, &region, "cli", Some(&name), &mut report, &actor, clock.now_ms()).await {
            Ok(id) => saved = Some(id),
            Err(e) => {
                eprintln!("{}", e.message_id());
                code = 1;
            }
        }
    }
    if json {
        println!("{}", serde_json::to_string(&report)?);
        return Ok(code);
    }
    println!("{} — Desa {} ({})", name, region.name, region.code);
    println!(
        "  diterima: {}   dengan peringatan: {}   ditolak: {}",
        report.accepted, report.warnings, report.rejected
    );
    for r in report.rows.iter().filter(|r| !r.messages.is_empty()) {
        let status = match r.status {
            jempol_import::RowStatus::Accepted => "diterima",
            jempol_import::RowStatus::Warning => "peringatan",
            jempol_import::RowStatus::Rejected => "ditolak",
        };
        for m in &r.messages {
            println!("  baris {:<5} {:<10} {}: {}", r.row, status, m.column, m.text);
        }
    }
    match (dry_run, saved) {
        (true, _) => println!("Pemeriksaan saja (--dry-run): tidak ada yang disimpan."),
        (false, Some(id)) => println!(
            "Disimpan sebagai pengajuan #{id}: {} warga diajukan ke kecamatan (langkah 1 selesai).",
            report.accepted + report.warnings
        ),
        (false, None) => println!("Tidak ada yang disimpan."),
    }
    Ok(code)
}

async fn check(cfg: &Config) -> Result<u8> {
    println!("Konfigurasi: {cfg:?}");
    let db = match Db::connect(&cfg.database_url).await {
        Ok(db) => db,
        Err(e) => {
            println!("GAGAL: database tidak bisa dibuka: {e}");
            return Ok(1);
        }
    };
    if let Err(e) = db.ping().await {
        println!("GAGAL: database tidak menjawab: {e}");
        return Ok(1);
    }
    let (applied, known) = db.migration_status().await?;
    if applied < known {
        println!("PERLU TINDAKAN: {applied} dari {known} migrasi diterapkan; jalankan `jempol migrate`.");
        return Ok(2);
    }
    let admins = db.count_active_admins().await?;
    let regions = db.count_regions().await?;
    let sop = db
        .active_sop()
        .await
        .map(|(s, _)| format!("{} {}", s.sop_id, s.version))
        .unwrap_or_else(|_| "tidak ada".into());
    println!("OK: migrasi {applied}/{known}, admin aktif {admins}, wilayah {regions}, SOP aktif {sop}.");
    Ok(if admins == 0 { 2 } else { 0 })
}

async fn user_cmd(cfg: &Config, c: UserCmd) -> Result<u8> {
    let clock = SystemClock;
    let db = open(cfg, &clock).await?;
    let actor = Actor::system("cli");
    let now = clock.now_ms();
    let find = |u: String| {
        let db = db.clone();
        async move {
            db.user_by_username(&u.to_lowercase())
                .await?
                .with_context(|| format!("pengguna {u} tidak ada"))
        }
    };
    match c {
        UserCmd::Add(a) => {
            let password = read_password_stdin()?;
            let input = jempol_web::users::UserInput {
                username: a.username,
                full_name: a.full_name,
                role: a.role,
                desa_code: a.desa.unwrap_or_default(),
                kecamatan_code: a.kecamatan.unwrap_or_default(),
                password,
            };
            match jempol_web::users::create(&db, &cfg.web.deployment, &input, &actor, now).await? {
                Ok(u) => {
                    println!("Pengguna {} ({}) dibuat.", u.username, u.role);
                    Ok(0)
                }
                Err(errors) => {
                    for (field, msg) in errors {
                        eprintln!("{field}: {msg}");
                    }
                    Ok(1)
                }
            }
        }
        UserCmd::List => {
            println!(
                "{:<20} {:<16} {:<15} {:<10} {:<8} NAMA",
                "PENGGUNA", "PERAN", "DESA", "KECAMATAN", "STATUS"
            );
            for u in db.list_users().await? {
                println!(
                    "{:<20} {:<16} {:<15} {:<10} {:<8} {}",
                    u.username,
                    u.role.as_str(),
                    u.desa_code.as_deref().unwrap_or("-"),
                    u.kecamatan_code.as_deref().unwrap_or("-"),
                    if u.disabled { "nonaktif" } else { "aktif" },
                    u.full_name
                );
            }
            Ok(0)
        }
        UserCmd::Passwd { username, .. } => {
            let u = find(username).await?;
            let pw = read_password_stdin()?;
            match jempol_web::users::set_password(&db, &u, &pw, &actor, now).await? {
                Ok(()) => {
                    println!("Kata sandi {} diganti; semua sesinya diakhiri.", u.username);
                    Ok(0)
                }
                Err(m) => {
                    eprintln!("{m}");
                    Ok(1)
                }
            }
        }
        UserCmd::Disable { username } => {
            let u = find(username).await?;
            db.set_disabled(u.id, true, &actor, now).await?;
            println!("Pengguna {} dinonaktifkan.", u.username);
            Ok(0)
        }
        UserCmd::Enable { username } => {
            let u = find(username).await?;
            db.set_disabled(u.id, false, &actor, now).await?;
            println!("Pengguna {} diaktifkan.", u.username);
            Ok(0)
        }
    }
}

async fn token_cmd(cfg: &Config, c: TokenCmd) -> Result<u8> {
    let clock = SystemClock;
    let db = open(cfg, &clock).await?;
    let actor = Actor::system("cli");
    match c {
        TokenCmd::Create { username, name } => {
            let u = db
                .user_by_username(&username.to_lowercase())
                .await?
                .with_context(|| format!("pengguna {username} tidak ada"))?;
            if u.disabled {
                bail!("pengguna {username} nonaktif; aktifkan dulu");
            }
            let token = jempol_web::auth::create_token(&db, &u, &name, &actor, clock.now_ms())
                .await
                .map_err(|e| anyhow::anyhow!(e.message_id()))?;
            println!("{token}");
            eprintln!(
                "Token untuk {} dibuat. Simpan sekarang: ia tidak ditampilkan lagi. Pakai sebagai: Authorization: Bearer <token>",
                u.username
            );
            Ok(0)
        }
        TokenCmd::List => {
            println!("{:<6} {:<20} {:<16} STATUS", "ID", "PENGGUNA", "NAMA");
            for t in db.list_tokens().await? {
                println!(
                    "{:<6} {:<20} {:<16} {}",
                    t.id,
                    t.username,
                    t.name,
                    if t.revoked_at.is_some() { "dicabut" } else { "aktif" }
                );
            }
            Ok(0)
        }
        TokenCmd::Revoke { id } => {
            db.revoke_token(id, &actor, clock.now_ms())
                .await
                .with_context(|| format!("token #{id} tidak ada atau sudah dicabut"))?;
            println!("Token #{id} dicabut.");
            Ok(0)
        }
    }
}

/// What `jempol demo` makes besides residents and users.
#[derive(Clone, Copy)]
struct Spread {
    /// The demo campaign walked through the 12 steps.
    campaign: bool,
    /// Residents over every kecamatan served, at every step (`demo --across`).
    across: bool,
}

async fn fill_demo(db: &Db, cfg: &Config, residents: u64, seed: u64, spread: Spread, clock: &dyn Clock) -> Result<()> {
    let campaign = spread.campaign;
    let actor = Actor::system("demo");
    if !cfg.web.deployment.kecamatan.iter().any(|k| is_within(k, "35.19.02")) {
        bail!("data demo dibuat untuk Kecamatan Dolopo (35.19.02), yang tidak dilayani konfigurasi ini");
    }
    let mut created = Vec::new();
    for (username, full_name, role, desa) in demo::DEMO_USERS {
        if db.user_by_username(username).await?.is_some() {
            continue;
        }
        let input = jempol_web::users::UserInput {
            username: username.to_string(),
            full_name: full_name.to_string(),
            role: role.to_string(),
            desa_code: desa.unwrap_or("").to_string(),
            kecamatan_code: String::new(),
            password: demo::DEMO_PASSWORD.to_string(),
        };
        if let Err(errors) = jempol_web::users::create(db, &cfg.web.deployment, &input, &actor, clock.now_ms()).await? {
            bail!("pengguna demo {username} tidak bisa dibuat: {errors:?}");
        }
        created.push(*username);
    }
    if !created.is_empty() {
        println!(
            "Pengguna demo (kata sandi semuanya: {}): {}",
            demo::DEMO_PASSWORD,
            created.join(", ")
        );
    }
    let (sop, _) = db.active_sop().await?;
    let existing = db
        .count_residents(&jempol_core::Scope::Kecamatan {
            codes: vec!["35.19.02".into()],
        })
        .await?;
    let mut g = demo::Generator::new(seed ^ existing as u64, (existing % 9000) as u16 + 1, 2026, sop.id);
    if spread.across {
        // The campaign first: it gathers every verified person of Dolopo, and across the
        // kabupaten many more are verified than the demo's 48.
        if campaign {
            demo_campaign(db, cfg, &mut g, clock).await?;
        }
        let mut desa = Vec::new();
        for k in &cfg.web.deployment.kecamatan {
            desa.extend(db.region_children(k).await?.into_iter().map(|r| r.code));
        }
        let served = format!(
            "{} kecamatan ({} desa/kelurahan)",
            cfg.web.deployment.kecamatan.len(),
            desa.len()
        );
        g = g.across(desa);
        demo_residents(db, &mut g, residents, &served, &actor, clock).await?;
    } else {
        demo_residents(db, &mut g, residents, "Kecamatan Dolopo", &actor, clock).await?;
        if campaign {
            demo_campaign(db, cfg, &mut g, clock).await?;
        }
    }
    // Count everyone into the dashboard now rather than in the server's first minutes.
    let state = AppState::new(db.clone(), cfg.web.clone(), Arc::new(SystemClock));
    let counted = jempol_web::refresh_funnel(&state)
        .await
        .context("angka dasbor tidak bisa dihitung")?;
    if counted > 0 {
        println!("Angka dasbor dihitung untuk {counted} warga.");
    }
    Ok(())
}

/// `residents` generated people, saved 20,000 at a time.
async fn demo_residents(
    db: &Db,
    g: &mut demo::Generator,
    residents: u64,
    served: &str,
    actor: &Actor,
    clock: &dyn Clock,
) -> Result<()> {
    const CHUNK: u64 = 20_000;
    let mut done = 0u64;
    while done < residents {
        let n = CHUNK.min(residents - done);
        let rows: Vec<_> = (0..n).map(|_| g.next_resident()).collect();
        db.insert_residents(&rows, "demo", clock.now_ms()).await?;
        done += n;
        if residents > CHUNK {
            eprintln!("demo: {done}/{residents} warga");
        }
    }
    db.audit_bulk(actor, clock.now_ms(), "demo.residents", residents as usize)
        .await?;
    println!("{residents} warga demo {served} ditambahkan.");
    Ok(())
}

/// A campaign of 48 new people of Dolopo walked through the 12 steps, once, so every page has
/// something to show.
async fn demo_campaign(db: &Db, cfg: &Config, g: &mut demo::Generator, clock: &dyn Clock) -> Result<()> {
    let scope = jempol_core::Scope::Kecamatan {
        codes: vec!["35.19.02".into()],
    };
    if !db.campaigns_in_scope(&scope).await?.is_empty() {
        return Ok(());
    }
    let people: Vec<_> = (0..48)
        .map(|i| {
            let mut p = g.next_resident();
            p.desa_code = if i % 2 == 0 { "35.19.02.2001" } else { "35.19.02.2003" }.into();
            p
        })
        .collect();
    let state = AppState::new(db.clone(), cfg.web.clone(), Arc::new(SystemClock));
    let users = jempol_web::demo::DemoUsers {
        kasi: "kasi",
        camat: "camat",
        petugas: "petugas",
        dukcapil: "dukcapil",
        password: demo::DEMO_PASSWORD,
    };
    let today = jempol_web::clock::today_wib(clock.now_ms());
    let j = jempol_web::demo::journey(&state, &users, people, today)
        .await
        .map_err(|e| anyhow::anyhow!("gelombang demo tidak bisa dibuat: {e}"))?;
    println!(
        "Gelombang demo: {} diajukan, {} terverifikasi, {} terekam, {} kartu tercetak, {} diterima warga, {} diusulkan bantuan.",
        j.submitted, j.verified, j.recorded, j.printed, j.received, j.proposed
    );
    Ok(())
}

async fn serve(cfg: Config, with_demo: bool, demo_campaign: bool) -> Result<u8> {
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let db = open(&cfg, clock.as_ref()).await?;
    ensure_admin(&db, &cfg, clock.as_ref()).await?;
    if with_demo {
        let existing = db
            .count_residents(&jempol_core::Scope::Kecamatan {
                codes: cfg.web.deployment.kecamatan.clone(),
            })
            .await?;
        if existing == 0 {
            let spread = Spread {
                campaign: demo_campaign,
                across: false,
            };
            fill_demo(&db, &cfg, 120, 2026, spread, clock.as_ref()).await?;
        } else {
            println!("Data sudah ada ({existing} warga); data demo tidak ditambahkan.");
        }
    }
    let addr: SocketAddr = cfg
        .listen
        .parse()
        .with_context(|| format!("alamat \"{}\" tidak sah; contoh: 127.0.0.1:8080", cfg.listen))?;
    let listener = tokio::net::TcpListener::bind(addr).await.with_context(|| {
        format!(
            "tidak bisa mendengarkan di {addr}; apakah sudah dipakai program lain? Pakai --listen untuk alamat lain"
        )
    })?;
    let state = AppState::new(db.clone(), cfg.web.clone(), clock.clone());
    // Late work is escalated every five minutes; with several instances each looks, and the
    // database lets one of them fire each escalation.
    let watcher = state.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(300));
        loop {
            tick.tick().await;
            if let Err(e) = jempol_web::escalate(&watcher).await {
                tracing::warn!(error = %e, "escalation check failed");
            }
        }
    });
    // Escalations on their way by webhook or email, and retries of failed ones.
    let sender = state.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(60));
        loop {
            tick.tick().await;
            if let Err(e) = jempol_web::deliver_notifications(&sender).await {
                tracing::warn!(error = %e, "escalation delivery pass failed");
            }
        }
    });
    // The dashboard's counts are kept up to date in the background, a few seconds behind.
    let counter = state.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(5));
        loop {
            tick.tick().await;
            if let Err(e) = jempol_web::refresh_funnel(&counter).await {
                tracing::warn!(error = %e, "dashboard count refresh failed");
            }
        }
    });
    let app = jempol_web::router(state);
    // Expired sessions are removed in the background; any instance may do it.
    let purge_db = db.clone();
    let purge_clock = clock.clone();
    let (idle, absolute) = (cfg.web.session_idle_minutes, cfg.web.session_absolute_hours);
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(600));
        loop {
            tick.tick().await;
            let now = purge_clock.now_ms();
            if let Err(e) = purge_db
                .purge_sessions(now - idle * 60_000, now - absolute * 3_600_000)
                .await
            {
                tracing::warn!(error = %e, "session purge failed");
            }
        }
    });
    let shown = if addr.ip().is_unspecified() {
        format!("127.0.0.1:{}", addr.port())
    } else {
        addr.to_string()
    };
    println!("Jempol berjalan di http://{shown}/  (hentikan dengan Ctrl+C)");
    tracing::info!(%addr, database = %config::redact_url(&cfg.database_url), "listening");
    axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(shutdown_signal())
        .await?;
    tracing::info!("shut down");
    db.close().await;
    Ok(0)
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}

/// `jempol plan`: exit 0 with the plan on standard output; 2 when the instance cannot be read
/// or planned (the reason on standard error, in Indonesian).
async fn plan_cmd(path: &std::path::Path, time_limit: usize, seed: u64, generations: usize) -> Result<u8> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("{} tidak bisa dibaca: {e}", path.display());
            return Ok(2);
        }
    };
    let instance: jempol_plan::Instance = match serde_json::from_str(&text) {
        Ok(i) => i,
        Err(e) => {
            eprintln!(
                "{} bukan instance perencana yang sah (baris {}, kolom {}): {e}. Lihat docs/planner.md.",
                path.display(),
                e.line(),
                e.column()
            );
            return Ok(2);
        }
    };
    let opts = jempol_plan::Options {
        seed,
        time_limit_secs: time_limit,
        generations,
    };
    match tokio::task::spawn_blocking(move || jempol_plan::plan(&instance, opts)).await? {
        Ok(plan) => {
            println!("{}", serde_json::to_string_pretty(&plan)?);
            Ok(0)
        }
        Err(e) => {
            eprintln!("{e}");
            Ok(2)
        }
    }
}

//! The ceilings of the machine for `bench/run.sh`: the same stack as `jempol serve` (tokio,
//! axum, sqlx, the same SQLite settings and pool) with nothing of the application around it,
//! so each Jempol figure can be read as a share of what the machine and the stack allow.
//!
//!     jempol-bench ceiling --database sqlite://data/jempol.db --listen 127.0.0.1:18091
//!
//! `GET /hello`: a handler that answers "ok" (no database).
//! `GET /pk/{id}`: one resident by primary key, as a small HTML page.
//! `GET /page?before={id}`: 50 residents of one kecamatan, newest first, by the same
//! expression index and keyset the register's list uses, as an HTML table.
//!
//! Not part of the product: it serves whatever the database holds to anyone, so it listens
//! on loopback only.

use anyhow::{Context, Result, bail};
use axum::extract::{Path, Query, State};
use axum::response::Html;
use axum::routing::get;
use clap::{Parser, Subcommand};
use jempol_store::{Db, run};
use std::collections::HashMap;

#[derive(Parser)]
#[command(name = "jempol-bench", about = "Ceilings for Jempol's benchmarks")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the ceiling handlers over the database Jempol uses.
    Ceiling {
        /// sqlite://PATH or postgres://…
        #[arg(long)]
        database: String,
        /// Loopback address to listen on.
        #[arg(long, default_value = "127.0.0.1:18091")]
        listen: String,
        /// The kecamatan whose residents `/page` lists.
        #[arg(long, default_value = "35.19.02")]
        kecamatan: String,
    },
}

#[derive(Clone)]
struct Ceiling {
    db: Db,
    kecamatan: String,
}

type Row = (i64, String, String, String, String);

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

fn table(rows: &[Row]) -> String {
    let mut out = String::from("<!doctype html><table>");
    for (id, nik, name, desa, stage) in rows {
        out.push_str(&format!(
            "<tr><td>{id}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(nik),
            escape(name),
            escape(desa),
            escape(stage)
        ));
    }
    out.push_str("</table>");
    out
}

async fn hello() -> &'static str {
    "ok"
}

async fn pk(State(c): State<Ceiling>, Path(id): Path<i64>) -> Result<Html<String>, String> {
    let row: Option<Row> = run!(&c.db, |pool| {
        sqlx::query_as("SELECT id, nik, name, desa_code, stage FROM residents WHERE id = $1")
            .bind(id)
            .fetch_optional(pool)
            .await
            .map_err(|e| e.to_string())?
    });
    Ok(Html(table(row.as_slice())))
}

async fn page(State(c): State<Ceiling>, Query(q): Query<HashMap<String, String>>) -> Result<Html<String>, String> {
    let before = q.get("before").and_then(|b| b.parse::<i64>().ok()).unwrap_or(i64::MAX);
    let rows: Vec<Row> = run!(&c.db, |pool| {
        sqlx::query_as(
            "SELECT id, nik, name, desa_code, stage FROM residents \
             WHERE substr(desa_code, 1, 8) = $1 AND id < $2 ORDER BY id DESC LIMIT 50",
        )
        .bind(&c.kecamatan)
        .bind(before)
        .fetch_all(pool)
        .await
        .map_err(|e| e.to_string())?
    });
    Ok(Html(table(&rows)))
}

fn main() -> Result<()> {
    let cli = Cli::parse();
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    rt.block_on(async move {
        match cli.command {
            Command::Ceiling {
                database,
                listen,
                kecamatan,
            } => {
                let addr: std::net::SocketAddr = listen.parse().context("--listen")?;
                if !addr.ip().is_loopback() {
                    bail!("the ceiling server listens on loopback only");
                }
                let db = Db::connect(&database).await?;
                let app = axum::Router::new()
                    .route("/hello", get(hello))
                    .route("/pk/{id}", get(pk))
                    .route("/page", get(page))
                    .with_state(Ceiling { db, kecamatan });
                let listener = tokio::net::TcpListener::bind(addr).await?;
                axum::serve(listener, app).await?;
                Ok(())
            }
        }
    })
}

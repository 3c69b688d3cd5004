//! The `TestApp`: a router over a fresh database, a fake clock, and helpers that act like a
//! browser (cookies, CSRF tokens from the page) or an API client (Bearer token).

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use jempol_core::Role;
use jempol_store::{Actor, Db};
use jempol_web::{AppState, FakeClock, WebConfig};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use tower::ServiceExt;

pub const PASSWORD: &str = "kata-sandi-uji-1";
/// 2026-11-02 08:00 WIB, a Monday.
pub const T0: i64 = 1_793_581_200_000;

static COUNTER: AtomicU32 = AtomicU32::new(0);

pub struct TestApp {
    /// The SQLite file, removed when the test ends.
    file: Option<std::path::PathBuf>,
    pub state: AppState,
    pub router: Router,
    pub db: Db,
    pub clock: FakeClock,
}

pub struct Resp {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: String,
    /// The body as sent (downloads).
    pub bytes: Vec<u8>,
}

impl Resp {
    pub fn location(&self) -> &str {
        self.headers
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
}

/// A logged-in browser: its session cookie and the CSRF token its pages carry.
#[derive(Clone, Debug)]
pub struct Browser {
    pub cookie: String,
    pub csrf: String,
}

async fn fresh_db() -> (Db, Option<std::path::PathBuf>) {
    let n = COUNTER.fetch_add(1, Ordering::SeqCst);
    match std::env::var("TEST_DATABASE_URL") {
        Ok(url) if url.starts_with("postgres") => {
            use sqlx::postgres::PgConnectOptions;
            use std::str::FromStr;
            let schema = format!("jt_{}_{}", std::process::id(), n);
            let admin = sqlx::PgPool::connect(&url)
                .await
                .expect("PostgreSQL from TEST_DATABASE_URL");
            sqlx::query(sqlx::AssertSqlSafe(format!("DROP SCHEMA IF EXISTS {schema} CASCADE")))
                .execute(&admin)
                .await
                .unwrap();
            sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
                .execute(&admin)
                .await
                .unwrap();
            admin.close().await;
            let opts = PgConnectOptions::from_str(&url)
                .unwrap()
                .options([("search_path", schema.as_str())]);
            (Db::connect_pg(opts).await.unwrap(), None)
        }
        _ => {
            let dir = std::env::temp_dir().join(format!("jempol-test-{}", std::process::id()));
            std::fs::create_dir_all(&dir).unwrap();
            let path = dir.join(format!("t{n}.db"));
            let _ = std::fs::remove_file(&path);
            (
                Db::connect(&format!("sqlite://{}", path.display())).await.unwrap(),
                Some(path),
            )
        }
    }
}

impl TestApp {
    pub async fn new() -> TestApp {
        Self::with_config(WebConfig::default()).await
    }

    pub async fn with_config(config: WebConfig) -> TestApp {
        let (db, file) = fresh_db().await;
        db.migrate(T0).await.unwrap();
        let regions = jempol_store::regions::parse_regions_csv(jempol_store::regions::MADIUN_CSV.as_bytes()).unwrap();
        db.upsert_regions(&regions, &Actor::system("test"), T0).await.unwrap();
        db.ensure_builtin_sop(&Actor::system("test"), T0).await.unwrap();
        let clock = FakeClock::at(T0);
        let state = AppState::new(db.clone(), config, Arc::new(clock.clone()));
        let router = jempol_web::router(state.clone());
        TestApp {
            file,
            state,
            router,
            db,
            clock,
        }
    }

    /// Another instance of the application on the same database (as behind a load balancer).
    pub fn second_instance(&self) -> Router {
        let state = AppState::new(
            self.db.clone(),
            (*self.state.config).clone(),
            Arc::new(self.clock.clone()),
        );
        jempol_web::router(state)
    }

    pub async fn add_user(&self, username: &str, role: Role, desa: Option<&str>) -> jempol_store::users::User {
        let input = jempol_web::users::UserInput {
            username: username.into(),
            full_name: format!("Uji {username}"),
            role: role.as_str().into(),
            desa_code: desa.unwrap_or("").into(),
            kecamatan_code: String::new(),
            password: PASSWORD.into(),
        };
        jempol_web::users::create(
            &self.db,
            &self.state.config.deployment,
            &input,
            &Actor::system("test"),
            self.clock.now(),
        )
        .await
        .unwrap()
        .unwrap_or_else(|e| panic!("user {username}: {e:?}"))
    }

    /// A user for each role, village roles in Desa Lembah.
    pub async fn add_every_role(&self) {
        for r in Role::ALL {
            let desa = r.needs_desa().then_some("35.19.02.2001");
            self.add_user(r.as_str(), r, desa).await;
        }
    }

    pub async fn send(&self, req: Request<Body>) -> Resp {
        Self::send_to(&self.router, req).await
    }

    /// Sends a request to the router. Every request of every test passes here, so this is
    /// where the run's request log is checked: no address sent, redirected to or linked from
    /// a page ever carries a NIK (a run of 16 digits).
    pub async fn send_to(router: &Router, req: Request<Body>) -> Resp {
        let uri = req.uri().to_string();
        assert_no_nik_in_url(&uri, "request");
        let res = router.clone().oneshot(req).await.unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        let bytes = res.into_body().collect().await.unwrap().to_bytes();
        let r = Resp {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
            bytes: bytes.to_vec(),
        };
        assert_no_nik_in_url(r.location(), &format!("redirect from {uri}"));
        let is_html = r
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("text/html"));
        if is_html {
            for url in urls_in_html(&r.body) {
                assert_no_nik_in_url(url, &format!("link on {uri}"));
            }
        }
        r
    }

    /// Searches a list page as its filter form does: the typed text is posted (and kept with
    /// the session), the browser follows the redirect to the list.
    pub async fn search(&self, b: &Browser, page: &str, fields: &[(&str, &str)]) -> Resp {
        let mut all = vec![("halaman", page)];
        all.extend_from_slice(fields);
        let r = self.post("/cari", Some(b), &all).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "search on {page}: {}", r.body);
        let to = r.location().to_string();
        assert!(to.starts_with(page), "{to}");
        self.get(&to, Some(b)).await
    }

    pub async fn get(&self, path: &str, b: Option<&Browser>) -> Resp {
        let mut req = Request::get(path);
        if let Some(b) = b {
            req = req.header(header::COOKIE, &b.cookie);
        }
        self.send(req.body(Body::empty()).unwrap()).await
    }

    /// Posts a form as a browser would: with the session cookie and its CSRF token.
    pub async fn post(&self, path: &str, b: Option<&Browser>, fields: &[(&str, &str)]) -> Resp {
        let mut all: Vec<(&str, &str)> = fields.to_vec();
        if let Some(b) = b {
            all.push(("csrf_token", &b.csrf));
        }
        self.post_raw(path, b.map(|b| b.cookie.as_str()), &all).await
    }

    pub async fn post_raw(&self, path: &str, cookie: Option<&str>, fields: &[(&str, &str)]) -> Resp {
        let body = serde_urlencoded::to_string(fields).unwrap();
        let mut req = Request::post(path).header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        if let Some(c) = cookie {
            req = req.header(header::COOKIE, c);
        }
        self.send(req.body(Body::from(body)).unwrap()).await
    }

    /// Posts a multipart form as a browser would: text fields and at most one file
    /// (field name, file name, content type, bytes), the CSRF token in the query string.
    pub async fn post_multipart(
        &self,
        path: &str,
        b: &Browser,
        fields: &[(&str, &str)],
        file: Option<(&str, &str, &str, &[u8])>,
    ) -> Resp {
        let boundary = "----jempolformbatas";
        let mut body = Vec::new();
        for (k, v) in fields {
            body.extend_from_slice(
                format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n").as_bytes(),
            );
        }
        if let Some((name, file_name, ty, bytes)) = file {
            body.extend_from_slice(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{file_name}\"\r\nContent-Type: {ty}\r\n\r\n"
                )
                .as_bytes(),
            );
            body.extend_from_slice(bytes);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
        let sep = if path.contains('?') { '&' } else { '?' };
        let req = Request::post(format!("{path}{sep}csrf_token={}", b.csrf))
            .header(header::COOKIE, &b.cookie)
            .header(
                header::CONTENT_TYPE,
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(Body::from(body))
            .unwrap();
        self.send(req).await
    }

    /// Uploads a file as a browser form would (multipart, CSRF token in the query string).
    pub async fn upload(&self, path: &str, b: &Browser, file_name: &str, bytes: &[u8]) -> Resp {
        let boundary = "----jempolboundary7MA4YWxkTrZu0gW";
        let mut body = Vec::new();
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        let sep = if path.contains('?') { '&' } else { '?' };
        let req = Request::post(format!("{path}{sep}csrf_token={}", b.csrf))
            .header(header::COOKIE, &b.cookie)
            .header(
                header::CONTENT_TYPE,
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(Body::from(body))
            .unwrap();
        self.send(req).await
    }

    pub async fn try_login(&self, username: &str, password: &str) -> Resp {
        self.post_raw(
            "/login",
            None,
            &[("username", username), ("password", password), ("next", "/")],
        )
        .await
    }

    pub async fn login(&self, username: &str) -> Browser {
        let r = self.try_login(username, PASSWORD).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "login {username}: {}", r.body);
        let set = r.headers.get(header::SET_COOKIE).unwrap().to_str().unwrap();
        let cookie = set.split(';').next().unwrap().to_string();
        let mut b = Browser {
            cookie,
            csrf: String::new(),
        };
        let home = self.get("/", Some(&b)).await;
        b.csrf = csrf_from(&home.body).unwrap_or_else(|| panic!("no csrf token on home page: {}", home.body));
        b
    }

    pub async fn token(&self, username: &str) -> String {
        let u = self.db.user_by_username(username).await.unwrap().unwrap();
        jempol_web::auth::create_token(&self.db, &u, "test", &Actor::system("test"), self.clock.now())
            .await
            .unwrap()
    }

    pub async fn api_post(&self, path: &str, token: &str, body: &[u8]) -> Resp {
        let req = Request::post(path)
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .header(header::CONTENT_TYPE, "application/octet-stream")
            .body(Body::from(body.to_vec()))
            .unwrap();
        self.send(req).await
    }

    pub async fn api(&self, path: &str, token: Option<&str>) -> Resp {
        let mut req = Request::get(path);
        if let Some(t) = token {
            req = req.header(header::AUTHORIZATION, format!("Bearer {t}"));
        }
        self.send(req.body(Body::empty()).unwrap()).await
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(f) = &self.file {
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", f.display()));
            }
        }
    }
}

pub trait ClockExt {
    fn now(&self) -> i64;
}

impl ClockExt for FakeClock {
    fn now(&self) -> i64 {
        jempol_web::Clock::now_ms(self)
    }
}

pub fn csrf_from(html: &str) -> Option<String> {
    let at = html.find("name=\"csrf_token\" value=\"")?;
    let rest = &html[at + "name=\"csrf_token\" value=\"".len()..];
    Some(rest[..rest.find('"')?].to_string())
}

/// The text of a PDF as poppler's `pdftotext` reads it (what a reader would see), and its
/// first page's size from `pdfinfo`.
pub fn pdf_text(pdf: &[u8]) -> (String, String) {
    let n = COUNTER.fetch_add(1, Ordering::SeqCst);
    let path = std::env::temp_dir().join(format!("jempol-pdf-{}-{n}.pdf", std::process::id()));
    std::fs::write(&path, pdf).unwrap();
    let text = std::process::Command::new("pdftotext")
        .args(["-layout"])
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils) is installed by scripts/test");
    let info = std::process::Command::new("pdfinfo")
        .arg(&path)
        .output()
        .expect("pdfinfo");
    let _ = std::fs::remove_file(&path);
    assert!(
        text.status.success(),
        "pdftotext: {}",
        String::from_utf8_lossy(&text.stderr)
    );
    (
        String::from_utf8_lossy(&text.stdout).into_owned(),
        String::from_utf8_lossy(&info.stdout).into_owned(),
    )
}

/// Whether a text holds a run of 16 or more digits: a NIK (or a family card number).
pub fn has_nik(s: &str) -> bool {
    let mut run = 0;
    for b in s.bytes() {
        run = if b.is_ascii_digit() { run + 1 } else { 0 };
        if run >= 16 {
            return true;
        }
    }
    false
}

fn assert_no_nik_in_url(url: &str, what: &str) {
    assert!(!has_nik(url), "a NIK in an address ({what}): {url}");
}

/// The addresses a page links to, posts to or loads (`href`, `action`, `src`).
pub fn urls_in_html(html: &str) -> Vec<&str> {
    let mut out = Vec::new();
    for attr in ["href=\"", "action=\"", "src=\""] {
        let mut rest = html;
        while let Some(at) = rest.find(attr) {
            let tail = &rest[at + attr.len()..];
            let end = tail.find('"').unwrap_or(tail.len());
            out.push(&tail[..end]);
            rest = &tail[end..];
        }
    }
    out
}

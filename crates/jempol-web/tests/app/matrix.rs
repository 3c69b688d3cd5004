//! The authorization matrix (issue 9, point 1). Every route the router serves, read from the
//! router's own table (`jempol_web::route_table`) and the API's OpenAPI document, must be in
//! `POLICY` below, written out from PRODUCT.md's roles independently of the code: a route
//! added without a line here fails the test. Then, for every route × every role, anonymous and
//! a disabled user × the record it names (in the user's own desa, another desa of the
//! kecamatan, another kecamatan, one that does not exist) a real request is sent, and
//!
//! - a role the policy refuses gets 403, whatever the record; anonymous and disabled users
//!   are sent to the login page (401 on the API); never a success;
//! - a role the policy allows reaches the page for a record in its scope, and for a record
//!   outside it gets exactly what it gets for a record that does not exist (same status, same
//!   page), so probing ids tells nothing;
//! - no response holds a person outside the user's scope, a full NIK for a role that sees
//!   NIKs masked, or any person for the admin (field sets);
//! - no address holds a NIK (`support.rs` checks every request, redirect and link).

use crate::support::*;
use crate::visits::approved;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use jempol_core::{Action, Role, allowed};
use jempol_web::routes::Access;
use std::collections::BTreeMap;

/// Who may reach each route. Columns: admin, camat, kasi, petugas, operator desa,
/// dispendukcapil, dinsos, pendamping (`Role::ALL` order), then anonymous: `P` public, `L`
/// sent to log in (401 on the API). A role marked `X` may still be refused a record outside
/// its scope; that is the scope part of the test.
const POLICY: &str = "
    GET  /                                               X X X X X X X X  L
    GET  /login                                          X X X X X X X X  P
    POST /login                                          X X X X X X X X  P
    POST /logout                                         X X X X X X X X  P
    GET  /lang/{code}                                    X X X X X X X X  P
    GET  /account                                        X X X X X X X X  L
    POST /account/password                               X X X X X X X X  L
    POST /account/logout-all                             X X X X X X X X  L
    GET  /sop                                            X X X X X X X X  L
    GET  /audit                                          X X . . . . . .  L
    GET  /audit/verify                                   X X . . . . . .  L
    GET  /admin/users                                    X . . . . . . .  L
    POST /admin/users                                    X . . . . . . .  L
    GET  /admin/users/{id}/confirm                       X . . . . . . .  L
    POST /admin/users/{id}/{op}                          X . . . . . . .  L
    GET  /admin/users/{id}/password                      X . . . . . . .  L
    POST /admin/users/{id}/password                      X . . . . . . .  L
    GET  /admin/sop                                      X . . . . . . .  L
    POST /admin/sop                                      X . . . . . . .  L
    GET  /healthz                                        X X X X X X X X  P
    GET  /readyz                                         X X X X X X X X  P
    GET  /pengajuan                                      . . X X X . . .  L
    POST /pengajuan/unggah                               . . . . X . . .  L
    GET  /pengajuan/templat.xlsx                         . . X X X . . .  L
    GET  /pengajuan/baru                                 . . . . X . . .  L
    POST /pengajuan/baru                                 . . . . X . . .  L
    GET  /pengajuan/{id}                                 . . X X X . . .  L
    POST /pengajuan/{id}/kirim                           . . . . X . . .  L
    GET  /pengajuan/{id}/batal                           . . . . X . . .  L
    POST /pengajuan/{id}/batal                           . . . . X . . .  L
    POST /pengajuan/{id}/warga/{rid}/verifikasi          . . X X . . . .  L
    POST /pengajuan/{id}/warga/{rid}/tolak               . . X X . . . .  L
    GET  /pengajuan/{id}/warga/{rid}/gabung              . . X X . . . .  L
    POST /pengajuan/{id}/warga/{rid}/gabung              . . X X . . . .  L
    POST /pengajuan/{id}/selesai                         . . X X . . . .  L
    GET  /pengajuan/{id}/kolom                           . . . . X . . .  L
    POST /pengajuan/{id}/kolom                           . . . . X . . .  L
    GET  /pengajuan/{id}/baris/{row}                     . . . . X . . .  L
    POST /pengajuan/{id}/baris/{row}                     . . . . X . . .  L
    GET  /warga                                          . X X X X X . X  L
    GET  /warga/ekspor.csv                               . X X X X X . X  L
    GET  /warga/ekspor.xlsx                              . X X X X X . X  L
    GET  /warga/{id}                                     . X X X X X . X  L
    POST /warga/{id}                                     . . X X X . . .  L
    GET  /warga/{id}/ubah                                . . X X X . . .  L
    POST /warga/{id}/ubah                                . . X X X . . .  L
    GET  /warga/{id}/akses                               . X . . . . . .  L
    GET  /gelombang                                      . X X X . X . .  L
    POST /gelombang                                      . . X . . . . .  L
    GET  /gelombang/{id}                                 . X X X . X . .  L
    POST /gelombang/{id}/warga                           . . X . . . . .  L
    POST /gelombang/{id}/warga/{rid}/keluarkan           . . X . . . . .  L
    POST /gelombang/{id}/warga/{rid}/waktu               . . X . . . . .  L
    POST /gelombang/{id}/tim                             . . X . . . . .  L
    POST /gelombang/{id}/tim/{tid}/hapus                 . . X . . . . .  L
    POST /gelombang/{id}/tim/{tid}/akun                  . . X . . . . .  L
    GET  /gelombang/{id}/jadwal                          . X X X . X . .  L
    POST /gelombang/{id}/jadwal                          . . X . . . . .  L
    POST /gelombang/{id}/jadwal/setujui                  . X X . . . . .  L
    GET  /gelombang/{id}/jadwal.xlsx                     . X X X . X . .  L
    GET  /gelombang/{id}/jadwal.pdf                      . X X X . X . .  L
    POST /gelombang/{id}/jadwal/surat-desa               . . X X . . . .  L
    GET  /gelombang/{id}/jadwal/surat-desa/{desa}        . X X X . X . .  L
    POST /gelombang/{id}/jadwal/pindah                   . . X . . . . .  L
    POST /gelombang/{id}/jadwal/kunci                    . . X . . . . .  L
    GET  /gelombang/{id}/rapat                           . . X X . . . .  L
    POST /gelombang/{id}/rapat                           . . X X . . . .  L
    POST /gelombang/{id}/warga/{rid}/pengaturan          . . X X . . . .  L
    GET  /gelombang/{id}/kunjungan                       . X X X . X . .  L
    POST /gelombang/{id}/kunjungan/konflik/{oid}         . . X . . . . .  L
    POST /gelombang/{id}/kunjungan/pindah                . . X . . . . .  L
    GET  /admin/kop                                      X . . . . . . .  L
    POST /admin/kop                                      X . . . . . . .  L
    GET  /rapat/{mid}                                    . X X X . X . .  L
    POST /rapat/{mid}/notulen                            . . X X . . . .  L
    GET  /rapat/{mid}/undangan.pdf                       . X X X . X . .  L
    GET  /rapat/{mid}/daftar-hadir.pdf                   . X X X . X . .  L
    GET  /rapat/{mid}/notulen.pdf                        . X X X . X . .  L
    GET  /surat                                          . X X X . . . .  L
    POST /surat                                          . . X X . . . .  L
    GET  /lapangan                                       . . . X . X . .  L
    POST /lapangan/hasil                                 . . . X . X . .  L
    POST /lapangan/sinkron                               . . . X . X . .  L
    GET  /lapangan/impor                                 . . . X . X . .  L
    POST /lapangan/impor                                 . . . X . X . .  L
    POST /lapangan/warga-baru                            . . . X . X . .  L
    GET  /lapangan/slip.pdf                              . . . X . X . .  L
    GET  /sw.js                                          X X X X X X X X  P
    GET  /produksi                                       . X X X . X . .  L
    POST /produksi/massal                                . . . . . X . .  L
    POST /produksi/unggah                                . . . . . X . .  L
    POST /produksi/warga/{rid}                           . . . . . X . .  L
    GET  /serah-terima                                   . X X X . X . .  L
    POST /serah-terima                                   . . . . . X . .  L
    POST /serah-terima/desa                              . . . X . . . .  L
    GET  /serah-terima/{id}                              . X X X X X . .  L
    POST /serah-terima/{id}/periksa                      . . . X X . . .  L
    GET  /serah-terima/{id}/berita-acara.pdf             . X X X X X . .  L
    GET  /kartu                                          . . . . X . . .  L
    POST /kartu/terima                                   . . . . X . . .  L
    GET  /kartu/tanda-terima/{id}                        . X X X X X . .  L
    GET  /kartu/tanda-terima/{id}/foto                   . X X X X X . .  L
    GET  /cek                                            X X X X X X X X  P
    POST /cek                                            X X X X X X X X  P
    GET  /bantuan/program                                . X X X X . X X  L
    POST /bantuan/program                                . . X . . . X .  L
    POST /bantuan/program/{code}                         . . X . . . X .  L
    GET  /bantuan                                        . X X X X . X X  L
    POST /bantuan/sesi                                   . . X X X . X .  L
    GET  /bantuan/sesi/{id}                              . X X X X . X X  L
    POST /bantuan/sesi/{id}/tutup                        . . X X X . X .  L
    GET  /bantuan/warga/{rid}                            . X X X X . X X  L
    POST /bantuan/warga/{rid}/dtsen                      . . X X X . X .  L
    POST /bantuan/warga/{rid}/bantuan                    . . X X X . X .  L
    GET  /bantuan/warga/{rid}/bantuan/hapus              . . X X X . X .  L
    POST /bantuan/warga/{rid}/bantuan/hapus              . . X X X . X .  L
    POST /bantuan/warga/{rid}/usulan                     . . . X X . . X  L
    POST /bantuan/usulan/{id}/hasil                      . . X . . . X .  L
    POST /bantuan/warga/{rid}/fasilitasi                 . . . X X . . X  L
    GET  /bantuan/impor                                  . . X X X . X .  L
    POST /bantuan/impor                                  . . X X X . X .  L
    POST /bantuan/impor/terapkan                         . . X X X . X .  L
    GET  /bantuan/usulan                                 . X X X X . X X  L
    GET  /bantuan/usulan/bnba.xlsx                       . X X X X . X X  L
    GET  /bantuan/usulan/berita-acara.pdf                . X X X X . X X  L
    GET  /bantuan/laporan                                . X X X X . X X  L
    GET  /bantuan/laporan.xlsx                           . X X X X . X X  L
    GET  /bantuan/laporan.pdf                            . X X X X . X X  L
    GET  /admin/kalender                                 X . . . . . . .  L
    POST /admin/kalender                                 X . . . . . . .  L
    POST /admin/kalender/libur                           X . . . . . . .  L
    POST /admin/kalender/impor                           X . . . . . . .  L
    GET  /admin/kalender/libur/{date}/hapus              X . . . . . . .  L
    POST /admin/kalender/libur/{date}/hapus              X . . . . . . .  L
    GET  /waktu                                          . X X . . X . .  L
    POST /waktu/jeda                                     . . X . . X . .  L
    POST /waktu/jeda/{id}/akhiri                         . . X . . X . .  L
    GET  /tugas                                          X X X X X X X X  L
    POST /tugas/eskalasi/{id}/tindak                     . X X . . . . .  L
    GET  /dasbor                                         . X X . . . . .  L
    GET  /laporan/bulanan                                . X X . . X X .  L
    GET  /laporan/bulanan.pdf                            . X X . . X X .  L
    GET  /laporan/bulanan.xlsx                           . X X . . X X .  L
    GET  /audit/laporan-kebocoran                        . X . . . . . .  L
    GET  /sop/pemantauan                                 . X X . . . . .  L
    POST /sop/pemantauan                                 . X X . . . . .  L
    GET  /sop/pemantauan/{id}                            X X X . . . . .  L
    POST /sop/pemantauan/{id}                            . X X . . . . .  L
    GET  /sop/pemantauan/{id}/cetak.pdf                  . X X . . . . .  L
    POST /cari                                           X X X X X X X X  L
    GET  /assets/app.css                                 X X X X X X X X  P
    GET  /assets/app.js                                  X X X X X X X X  P
    GET  /assets/field.js                                X X X X X X X X  P
    GET  /assets/htmx.min.js                             X X X X X X X X  P
    GET  /assets/icon.svg                                X X X X X X X X  P
    GET  /favicon.ico                                    X X X X X X X X  P
    GET  /api/v1/openapi.json                            X X X X X X X X  P
    GET  /api/v1/sop                                     X X X X X X X X  L
    GET  /api/v1/me                                      X X X X X X X X  L
    GET  /api/v1/users                                   X . . . . . . .  L
    GET  /api/v1/audit                                   X X . . . . . .  L
    GET  /api/v1/regions/{code}                          X X X X X X X X  L
    POST /api/v1/submissions/check                       . . . . X . . .  L
    POST /api/v1/submissions                             . . . . X . . .  L
";

struct Line {
    allowed: [bool; 8],
    public: bool,
}

fn policy() -> BTreeMap<(String, String), Line> {
    let mut out = BTreeMap::new();
    for row in POLICY.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let parts: Vec<&str> = row.split_whitespace().collect();
        assert_eq!(parts.len(), 11, "policy line: {row}");
        let mut allowed = [false; 8];
        for (i, mark) in parts[2..10].iter().enumerate() {
            allowed[i] = match *mark {
                "X" => true,
                "." => false,
                m => panic!("mark {m} in {row}"),
            };
        }
        let public = match parts[10] {
            "P" => true,
            "L" => false,
            m => panic!("anonymous mark {m} in {row}"),
        };
        let prev = out.insert((parts[0].to_string(), parts[1].to_string()), Line { allowed, public });
        assert!(prev.is_none(), "twice in the policy: {row}");
    }
    out
}

/// Every route the application serves: the page table and the API's document.
fn served() -> BTreeMap<(String, String), Option<Access>> {
    let mut out = BTreeMap::new();
    for r in jempol_web::route_table() {
        let prev = out.insert((r.method.to_string(), r.path.to_string()), Some(r.access));
        assert!(prev.is_none(), "route served twice: {} {}", r.method, r.path);
    }
    let doc = serde_json::to_value(jempol_web::api::openapi()).unwrap();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            out.insert((method.to_uppercase(), path.clone()), None);
        }
    }
    out
}

#[test]
fn every_served_route_is_in_the_policy_and_its_gate_admits_no_one_the_policy_refuses() {
    let policy = policy();
    let served = served();
    let missing: Vec<_> = served.keys().filter(|k| !policy.contains_key(*k)).collect();
    assert!(
        missing.is_empty(),
        "routes without a policy line (default deny): {missing:?}"
    );
    let stale: Vec<_> = policy.keys().filter(|k| !served.contains_key(*k)).collect();
    assert!(stale.is_empty(), "policy lines for routes no longer served: {stale:?}");
    // The gate in front of each page route is the coarse part of the policy: it may let a
    // role through to a handler that refuses it (a finer rule), never the reverse.
    for ((method, path), access) in &served {
        let Some(access) = access else { continue };
        let line = &policy[&(method.clone(), path.clone())];
        assert_eq!(
            *access == Access::Public,
            line.public,
            "{method} {path}: public in one and not the other"
        );
        for (i, role) in Role::ALL.iter().enumerate() {
            let gate = match access {
                Access::Public | Access::SignedIn => true,
                Access::Act(a) => allowed(*role, *a),
                Access::Any(list) => list.iter().any(|a| allowed(*role, *a)),
                Access::All(list) => list.iter().all(|a| allowed(*role, *a)),
            };
            assert!(
                gate || !line.allowed[i],
                "{method} {path}: the gate refuses {role}, the policy allows"
            );
        }
    }
}

/// Where the record a request names lies, seen from the village operator of desa 2001.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Place {
    OwnDesa,
    OtherDesa,
    OtherKecamatan,
    Missing,
    /// A route that names no record of a desa (a page, a user account, a language).
    Unscoped,
}

/// Whether a role's scope holds a record of this place (the test's own statement of scope).
fn in_scope(role: Role, place: Place) -> bool {
    match place {
        Place::Unscoped => true,
        Place::Missing => false,
        Place::OwnDesa => role != Role::Admin,
        Place::OtherDesa => !matches!(role, Role::Admin | Role::OperatorDesa | Role::Pendamping),
        Place::OtherKecamatan => role == Role::Dispendukcapil,
    }
}

/// Records of each kind, by place.
struct Records {
    resident: BTreeMap<Place, i64>,
    submission: BTreeMap<Place, i64>,
    campaign: BTreeMap<Place, i64>,
    team: i64,
    spare_user: i64,
}

const NOWHERE: i64 = 987_654_321;

/// Pages of a record in a state the fixtures reach only for the first place.
const STATEFUL: [&str; 2] = ["/gelombang/{id}/jadwal", "/produksi/warga/{rid}"];

/// The addresses to try for a route: one per place it can name, each with whether its
/// record is the route's main record (scope applies) and whether the path has a second
/// record that only fits the first place (then a 404 for the first place is allowed too).
fn addresses(path: &str, rec: &Records) -> Vec<(Place, String, bool)> {
    let family = if path.starts_with("/warga/{id}")
        || path.starts_with("/bantuan/warga/{rid}")
        || path.starts_with("/produksi/warga/{rid}")
    {
        Some(&rec.resident)
    } else if path.starts_with("/pengajuan/{id}") {
        Some(&rec.submission)
    } else if path.starts_with("/gelombang/{id}") {
        Some(&rec.campaign)
    } else {
        None
    };
    let second = |p: &str, place: Place| -> String {
        let own = place == Place::OwnDesa;
        p.replace("{rid}", &rec.resident[&Place::OwnDesa].to_string())
            .replace("{tid}", &if own { rec.team } else { NOWHERE }.to_string())
            .replace("{oid}", &NOWHERE.to_string())
            .replace("{row}", "1")
            .replace("{desa}", "35.19.02.2001")
    };
    // A second record in the path fits only the first place; some pages exist only once a
    // record has reached a state (a campaign's schedule, a person in card production), which
    // the other places' records have not: there "not found" is right in the scope too.
    let has_second = ["{tid}", "{oid}", "{row}", "{desa}"].iter().any(|s| path.contains(s))
        || (path.contains("{rid}") && path.contains("{id}"))
        || STATEFUL.iter().any(|s| path.starts_with(s));
    match family {
        Some(ids) => {
            let key = if path.starts_with("/bantuan/warga/{rid}") || path.starts_with("/produksi/warga/{rid}") {
                "{rid}"
            } else {
                "{id}"
            };
            let mut out: Vec<(Place, String, bool)> = ids
                .iter()
                .map(|(place, id)| (*place, second(&path.replace(key, &id.to_string()), *place), has_second))
                .collect();
            out.push((
                Place::Missing,
                second(&path.replace(key, &NOWHERE.to_string()), Place::Missing),
                has_second,
            ));
            out
        }
        None => {
            let p = path
                .replace("{code}", if path.starts_with("/lang") { "en" } else { "35.19.02" })
                .replace(
                    "/admin/users/{id}/{op}",
                    &format!("/admin/users/{}/enable", rec.spare_user),
                )
                .replace("/admin/users/{id}", &format!("/admin/users/{}", rec.spare_user))
                .replace("/bantuan/program/{code}", "/bantuan/program/tidak-ada")
                .replace("{date}", "2026-12-25")
                .replace("{id}", &NOWHERE.to_string())
                .replace("{mid}", &NOWHERE.to_string())
                .replace("{rid}", &NOWHERE.to_string());
            // A route naming a record with no fixture here: only the missing one, where a role
            // the policy allows gets "not found" like anywhere else.
            let names_a_record = path.contains("{id}") || path.contains("{mid}") || path.contains("{rid}");
            let place = if names_a_record && !path.starts_with("/admin/users") {
                Place::Missing
            } else {
                Place::Unscoped
            };
            vec![(place, p, false)]
        }
    }
}

/// A request as the matrix sends it: a browser's (cookie, CSRF token in the form) or the API
/// client's (Bearer token).
async fn send(app: &TestApp, method: &str, path: &str, who: &Who) -> Resp {
    let api = path.starts_with("/api/");
    let mut req = Request::builder().method(method).uri(path);
    let mut body = String::new();
    match who {
        Who::Browser(b) if !api => {
            req = req.header(header::COOKIE, &b.cookie);
            if method == "POST" {
                body = serde_urlencoded::to_string([("csrf_token", &b.csrf)]).unwrap();
            }
        }
        Who::Token(t) if api => {
            req = req.header(header::AUTHORIZATION, format!("Bearer {t}"));
        }
        _ => {}
    }
    if method == "POST" {
        req = req.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    }
    app.send(req.body(Body::from(body)).unwrap()).await
}

enum Who {
    Browser(Browser),
    Token(String),
    Nobody,
}

fn to_login(r: &Resp, api: bool) -> bool {
    if api {
        r.status == StatusCode::UNAUTHORIZED
    } else {
        r.status == StatusCode::SEE_OTHER && r.location().starts_with("/login?next=")
    }
}

/// A page's body without what differs between two requests for the same thing.
fn normalised(r: &Resp) -> String {
    let id = r
        .headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    r.body.replace(id, "")
}

/// Runs one request of the matrix and says what was wrong with it, if anything.
struct Cell<'a> {
    method: &'a str,
    path: &'a str,
    who: String,
}

impl Cell<'_> {
    fn fail(&self, r: &Resp, why: &str) -> String {
        let body: String = r.body.chars().take(300).collect();
        format!(
            "{} {} as {}: {why} (got {} {}): {body}",
            self.method,
            self.path,
            self.who,
            r.status,
            r.location()
        )
    }
}

/// Routes that change a record's state, remove it or end a session go after the others, in
/// this order: sending a list, then removals, then logging out.
fn destructive(method: &str, path: &str) -> u8 {
    if method != "POST" {
        0
    } else if path.ends_with("/kirim") {
        1
    } else if [
        "/batal",
        "/keluarkan",
        "/hapus",
        "/selesai",
        "/tutup",
        "/akhiri",
        "/{op}",
    ]
    .iter()
    .any(|s| path.ends_with(s))
    {
        2
    } else if path.ends_with("logout") || path.ends_with("logout-all") {
        3
    } else {
        0
    }
}

#[tokio::test]
async fn every_route_role_and_scope_answers_as_the_policy_says() {
    let s = approved().await;
    let app = &s.app;
    // Records in each place: people (fill: even in desa 2001, odd in 2003, one in another
    // kecamatan), village lists, campaigns.
    let people = everyone(app).await;
    let mut resident = BTreeMap::new();
    resident.insert(Place::OwnDesa, people["WARGA GELOMBANG 00"].0);
    resident.insert(Place::OtherDesa, people["WARGA GELOMBANG 01"].0);
    resident.insert(Place::OtherKecamatan, people["WARGA KECAMATAN LAIN"].0);
    app.add_user("operator_2003", Role::OperatorDesa, Some("35.19.02.2003"))
        .await;
    let mut submission = BTreeMap::new();
    for (place, user, file) in [
        (Place::OwnDesa, "operator_desa", "lembah.csv"),
        (Place::OtherDesa, "operator_2003", "kradinan.csv"),
    ] {
        let b = app.login(user).await;
        let r = app.upload("/pengajuan/unggah", &b, file, LIST_CSV.as_bytes()).await;
        let id: i64 = r
            .location()
            .split('?')
            .next()
            .unwrap()
            .rsplit('/')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        submission.insert(place, id);
    }
    let (sop, _) = app.db.active_sop().await.unwrap();
    let far_campaign = app
        .db
        .create_campaign(
            &jempol_store::campaigns::NewCampaign {
                kecamatan_code: "35.19.01".into(),
                name: "Gelombang Kecamatan Lain".into(),
                start_date: "2026-12-14".into(),
                end_date: "2026-12-31".into(),
                sop_definition_id: sop.id,
            },
            &jempol_store::Actor::system("test"),
            app.clock.now(),
        )
        .await
        .unwrap();
    let mut campaign = BTreeMap::new();
    campaign.insert(Place::OwnDesa, s.id);
    campaign.insert(Place::OtherKecamatan, far_campaign);
    let spare = app.add_user("cadangan", Role::Petugas, None).await;
    let rec = Records {
        resident,
        submission,
        campaign,
        team: app.db.campaign_teams(s.id).await.unwrap()[0].id,
        spare_user: spare.id,
    };

    // Who asks: each role by browser and by API token, nobody, and a disabled user.
    let mut browsers = Vec::new();
    let mut tokens = Vec::new();
    for role in Role::ALL {
        browsers.push(app.login(role.as_str()).await);
        tokens.push(app.token(role.as_str()).await);
    }
    let disabled_user = app.add_user("kasi_nonaktif", Role::KasiPelayanan, None).await;
    let disabled = app.login("kasi_nonaktif").await;
    let disabled_token = app.token("kasi_nonaktif").await;
    app.db
        .set_disabled(
            disabled_user.id,
            true,
            &jempol_store::Actor::system("test"),
            app.clock.now(),
        )
        .await
        .unwrap();

    // What must never be in a response, per role: people outside its scope, full NIKs where
    // it sees them masked, and any person at all for the admin.
    let forbidden_text = |role: Role| -> Vec<String> {
        let mut out = Vec::new();
        for (name, (_, nik, desa)) in &people {
            let place = if desa == "35.19.02.2001" {
                Place::OwnDesa
            } else if desa.starts_with("35.19.02.") {
                Place::OtherDesa
            } else {
                Place::OtherKecamatan
            };
            if !in_scope(role, place) {
                out.push(name.clone());
                out.push(nik.clone());
            } else if !allowed(role, Action::ViewFullNik) {
                out.push(nik.clone());
            }
        }
        out
    };
    let forbidden_by_role: Vec<Vec<String>> = Role::ALL.iter().map(|r| forbidden_text(*r)).collect();

    let policy = policy();
    let mut routes: Vec<(String, String)> = served().into_keys().collect();
    routes.sort_by_key(|(m, p)| destructive(m, p));
    let mut problems = Vec::new();
    let mut cells = 0;
    let mut by_outcome: BTreeMap<&str, usize> = BTreeMap::new();
    for (method, path) in &routes {
        let line = &policy[&(method.clone(), path.clone())];
        let api = path.starts_with("/api/");
        for (place, address, has_second) in addresses(path, &rec) {
            // Anonymous and disabled.
            for (who, label) in [
                (Who::Nobody, "anonymous".to_string()),
                (
                    if api {
                        Who::Token(disabled_token.clone())
                    } else {
                        Who::Browser(disabled.clone())
                    },
                    "a disabled user".to_string(),
                ),
            ] {
                let r = send(app, method, &address, &who).await;
                cells += 1;
                let cell = Cell {
                    method,
                    path: &address,
                    who: label,
                };
                if r.status.is_server_error() {
                    problems.push(cell.fail(&r, "server error"));
                } else if !line.public && !to_login(&r, api) {
                    problems.push(cell.fail(&r, "must be sent to log in"));
                } else {
                    *by_outcome.entry("refused: log in").or_default() += usize::from(!line.public);
                }
            }
            // Each role; the refusal of the missing record is kept to compare with the
            // refusal of a record outside the scope.
            for (i, role) in Role::ALL.iter().enumerate() {
                let who = if api {
                    Who::Token(tokens[i].clone())
                } else {
                    Who::Browser(browsers[i].clone())
                };
                let r = send(app, method, &address, &who).await;
                cells += 1;
                let cell = Cell {
                    method,
                    path: &address,
                    who: role.to_string(),
                };
                if r.status.is_server_error() {
                    problems.push(cell.fail(&r, "server error"));
                    continue;
                }
                for text in &forbidden_by_role[i] {
                    if r.body.contains(text.as_str()) {
                        problems
                            .push(cell.fail(&r, &format!("the response holds {text}, outside the role's field set")));
                    }
                }
                if !line.allowed[i] {
                    if r.status != StatusCode::FORBIDDEN {
                        problems.push(cell.fail(&r, "the policy refuses this role: 403"));
                    } else {
                        *by_outcome.entry("refused: 403").or_default() += 1;
                    }
                    continue;
                }
                // (A login without a name and password is answered 401 by the login form.)
                let refused_login = path == "/login" && r.status == StatusCode::UNAUTHORIZED;
                if to_login(&r, api)
                    || r.status == StatusCode::FORBIDDEN
                    || (r.status == StatusCode::UNAUTHORIZED && !refused_login)
                {
                    problems.push(cell.fail(&r, "the policy allows this role"));
                    continue;
                }
                if place != Place::Missing && in_scope(*role, place) {
                    if r.status == StatusCode::NOT_FOUND && !has_second {
                        problems.push(cell.fail(&r, "a record in the role's scope: must be found"));
                    } else {
                        *by_outcome.entry("reached").or_default() += 1;
                    }
                    continue;
                }
                // Missing, or outside the scope: not found, and the same page either way.
                if method == "GET" && r.status != StatusCode::NOT_FOUND {
                    problems.push(cell.fail(&r, "a missing record or one outside the scope: 404"));
                    continue;
                }
                if r.status.is_success() || r.status.is_redirection() {
                    problems.push(cell.fail(&r, "a missing record or one outside the scope: never a success"));
                    continue;
                }
                if place != Place::Missing {
                    let missing = addresses(path, &rec)
                        .into_iter()
                        .find(|(p, _, _)| *p == Place::Missing)
                        .map(|(_, a, _)| a)
                        .unwrap();
                    let m = send(app, method, &missing, &who).await;
                    if m.status != r.status || normalised(&m) != normalised(&r) {
                        problems.push(cell.fail(
                            &r,
                            &format!("not yours must look like missing ({} {})", m.status, missing),
                        ));
                        continue;
                    }
                    *by_outcome.entry("outside scope: same as missing").or_default() += 1;
                } else {
                    *by_outcome.entry("missing: not found").or_default() += 1;
                }
            }
            // A request that ends the session: log in again for the next route.
            if path.ends_with("logout") || path.ends_with("logout-all") {
                for (i, role) in Role::ALL.iter().enumerate() {
                    browsers[i] = app.login(role.as_str()).await;
                }
            }
        }
    }
    assert!(
        problems.is_empty(),
        "{} of {cells} cells wrong:\n{}",
        problems.len(),
        problems.join("\n")
    );
    eprintln!("authorization matrix: {cells} cells, {by_outcome:?}");
    assert!(cells > 2500, "{cells} cells");
}

/// Every person in the database by name: (id, NIK, desa code).
async fn everyone(app: &TestApp) -> BTreeMap<String, (i64, String, String)> {
    let all = jempol_core::Scope::Kabupaten { code: "35.19".into() };
    let rows = app
        .db
        .list_residents(&all, &jempol_store::residents::ResidentFilter::default(), None, 1000)
        .await
        .unwrap();
    rows.into_iter().map(|r| (r.name, (r.id, r.nik, r.desa_code))).collect()
}

/// A village list as uploaded (desa 2001 and 2003 upload the same rows for their desa).
const LIST_CSV: &str = "NO;NIK;NAMA;L/P;TGL LAHIR;KATEGORI\r\n\
1;3519024703480012;SUMIATI DAFTAR;P;07-03-1948;LANSIA\r\n\
2;3519021208550003;SUPARMAN DAFTAR;L;12/8/55;LANSIA, DISABILITAS RUNGU\r\n";

/// Ids of another desa or kecamatan slipped into the actions that take many at once, and into
/// the downloads' filters, change nothing and show nothing.
#[tokio::test]
async fn ids_of_another_place_in_bulk_actions_and_downloads_change_nothing() {
    use crate::visits::{post_fields, recorded};
    let s = approved().await;
    let app = &s.app;
    let people = everyone(app).await;
    let kasi = &s.kasi;
    let far = people["WARGA KECAMATAN LAIN"].0;

    // Adding the verified of a desa of another kecamatan to the campaign: refused, not added.
    let r = app
        .post(&format!("{}/warga", s.at), Some(kasi), &[("desa", "35.19.01.2001")])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let members = app.db.campaign_members(s.id).await.unwrap();
    assert!(
        !members.iter().any(|m| m.id == far),
        "another kecamatan's person was added"
    );

    // Cards of a person of desa 2001 and one of 2003 reach the kecamatan.
    let members: Vec<_> = members.into_iter().filter(|m| s.monday.contains(&m.id)).collect();
    let own = members.iter().find(|m| m.desa_code == "35.19.02.2001").unwrap().id;
    let other = members.iter().find(|m| m.desa_code == "35.19.02.2003").unwrap().id;
    let petugas = app.login("petugas").await;
    let dukcapil = app.login("dispendukcapil").await;
    for (n, rid) in [own, other].into_iter().enumerate() {
        let r = post_fields(
            app,
            &petugas,
            "/lapangan/hasil",
            &recorded(&format!("hasil-matrix-{n}"), s.id, rid, ""),
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let r = app
            .post(
                &format!("/produksi/warga/{rid}"),
                Some(&dukcapil),
                &[("change", "state:kartu_tercetak"), ("date", "2026-11-02")],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    }
    let made = app
        .post(
            "/serah-terima",
            Some(&dukcapil),
            &[
                ("kecamatan", "35.19.02"),
                ("kartu", &format!("{own}:ektp")),
                ("kartu", &format!("{other}:ektp")),
                ("date", "2026-11-02"),
                ("giver", "WAHYU"),
                ("receiver", "SUGENG"),
            ],
        )
        .await;
    assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.body);
    let at7 = made.location().split('?').next().unwrap().to_string();
    let h7: i64 = at7.rsplit('/').next().unwrap().parse().unwrap();
    let items: Vec<(&str, String)> = app
        .db
        .handover(h7)
        .await
        .unwrap()
        .unwrap()
        .items
        .iter()
        .map(|i| ("diterima", i.id.to_string()))
        .collect();
    assert_eq!(items.len(), 2);
    let items: Vec<(&str, &str)> = items.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = app.post(&format!("{at7}/periksa"), Some(&petugas), &items).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);

    // A handover to desa 2001 with desa 2003's card slipped in carries only 2001's card.
    let made = app
        .post(
            "/serah-terima/desa",
            Some(&petugas),
            &[
                ("desa", "35.19.02.2001"),
                ("kartu", &format!("{own}:ektp")),
                ("kartu", &format!("{other}:ektp")),
                ("date", "2026-11-02"),
                ("giver", "SUGENG"),
                ("receiver", "KASUN LEMBAH"),
            ],
        )
        .await;
    assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.body);
    let h8: i64 = made
        .location()
        .split('?')
        .next()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let carried: Vec<i64> = app
        .db
        .handover(h8)
        .await
        .unwrap()
        .unwrap()
        .items
        .iter()
        .map(|i| i.resident_id)
        .collect();
    assert_eq!(carried, vec![own], "only desa 2001's card goes to desa 2001");

    // Desa 2001 signs a receipt naming desa 2003's card: not found, nothing recorded.
    let desa = app.login("operator_desa").await;
    let r = app
        .post_multipart(
            "/kartu/terima",
            &desa,
            &[
                ("kartu", &format!("{other}:ektp")),
                ("date", "2026-11-02"),
                ("penerima", "sendiri"),
            ],
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
    let places = app
        .db
        .card_places(&jempol_core::Scope::Kabupaten { code: "35.19".into() })
        .await
        .unwrap();
    let card = places.iter().find(|c| c.resident_id == other).unwrap();
    assert_eq!(card.place, "kecamatan", "desa 2003's card is still at the kecamatan");

    // Downloads filtered to another desa or kecamatan hold none of its people.
    let other_name = &people.iter().find(|(_, (id, _, _))| *id == other).unwrap().0;
    for (who, query, absent) in [
        ("operator_desa", "desa=35.19.02.2003", other_name.as_str()),
        ("kasi_pelayanan", "desa=35.19.01.2001", "WARGA KECAMATAN LAIN"),
        ("pendamping", "desa=35.19.01.2001", "WARGA KECAMATAN LAIN"),
    ] {
        let b = app.login(who).await;
        let csv = app.get(&format!("/warga/ekspor.csv?{query}"), Some(&b)).await;
        assert_eq!(csv.status, StatusCode::OK);
        assert!(!csv.body.contains(absent), "{who} {query}: {}", csv.body);
        assert_eq!(
            csv.body.lines().count(),
            1,
            "{who} {query}: only the header: {}",
            csv.body
        );
    }
}

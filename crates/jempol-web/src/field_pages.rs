//! SOP step 5, first part: "Kunjungan saya", the field officer's visits of a day in plan
//! order, from the schedules the Camat approved for the teams the officer is in, with what the
//! visit needs: address, phone (call or WhatsApp), needs and the meeting's arrangements, when
//! the family says the person is home. Recording the outcomes (and working offline) builds on
//! this page.

use crate::AppState;
use crate::auth::{PageAuth, RequestInfo};
use crate::clock::today_wib;
use crate::i18n::Tr;
use crate::letters::{hari, tanggal};
use crate::pages::{Layout, PageError, allow, layout, render};
use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::response::Html;
use axum::routing::get;
use jempol_core::Action;
use std::collections::HashMap;

pub fn routes() -> Router<AppState> {
    Router::new().route("/lapangan", get(my_visits))
}

struct Visit {
    time: String,
    name: String,
    desa: String,
    address: String,
    phone: String,
    needs: String,
    home_times: String,
}

struct Round {
    campaign: String,
    team: String,
    leave: String,
    back: String,
    visits: Vec<Visit>,
}

#[derive(Template)]
#[template(path = "field.html")]
struct FieldPage {
    l: Layout,
    day: String,
    prev: String,
    next: String,
    in_a_team: bool,
    rounds: Vec<Round>,
}

#[derive(serde::Deserialize, Default)]
struct DayQuery {
    tanggal: Option<String>,
}

fn hm(t: jiff::civil::Time) -> String {
    format!("{:02}.{:02}", t.hour(), t.minute())
}

async fn my_visits(
    State(state): State<AppState>,
    PageAuth(p): PageAuth,
    info: RequestInfo,
    Query(q): Query<DayQuery>,
) -> Result<Html<String>, PageError> {
    allow(&p, Action::RecordVisits, info.lang)?;
    let day = q
        .tanggal
        .as_deref()
        .and_then(crate::clock::parse_local_date)
        .unwrap_or(today_wib(state.now()));
    let teams = state.db.teams_of_user(p.user.id).await?;
    let mut rounds = Vec::new();
    for (campaign_id, team) in &teams {
        let Some(c) = state.db.campaign(*campaign_id).await? else {
            continue;
        };
        let Some((_, plan_json)) = state.db.approved_plan(*campaign_id).await? else {
            continue;
        };
        let Ok(plan) = serde_json::from_str::<jempol_plan::Plan>(&plan_json) else {
            continue;
        };
        let Some(route) = plan.routes.iter().find(|r| &r.team == team && r.date == day) else {
            continue;
        };
        let members: HashMap<String, jempol_store::campaigns::Member> = state
            .db
            .campaign_members(*campaign_id)
            .await?
            .into_iter()
            .map(|m| (m.id.to_string(), m))
            .collect();
        let mut desa = HashMap::new();
        for d in state.db.region_children(&c.kecamatan_code).await? {
            desa.insert(d.code, d.name);
        }
        let visits = route
            .stops
            .iter()
            .filter_map(|st| {
                let m = members.get(&st.id)?;
                let address = [
                    m.address.clone().unwrap_or_default(),
                    m.dusun
                        .clone()
                        .filter(|d| !d.trim().is_empty())
                        .map(|d| format!("Dusun {d}"))
                        .unwrap_or_default(),
                    match (&m.rt, &m.rw) {
                        (Some(rt), Some(rw)) if !rt.is_empty() => format!("RT {rt}/RW {rw}"),
                        _ => String::new(),
                    },
                ]
                .into_iter()
                .filter(|x| !x.is_empty())
                .fold(Vec::<String>::new(), |mut acc, x| {
                    if !acc.iter().any(|a| a.to_uppercase().contains(&x.to_uppercase())) {
                        acc.push(x);
                    }
                    acc
                })
                .join(", ");
                Some(Visit {
                    time: hm(st.start),
                    name: m.name.clone(),
                    desa: desa.get(&m.desa_code).cloned().unwrap_or_default(),
                    address,
                    phone: m.phone.clone().unwrap_or_default(),
                    needs: [
                        crate::campaign_pages::needs_text(m),
                        m.arrangement.clone().unwrap_or_default(),
                    ]
                    .into_iter()
                    .filter(|x| !x.is_empty())
                    .collect::<Vec<_>>()
                    .join("; "),
                    home_times: m.home_times.clone().unwrap_or_default(),
                })
            })
            .collect();
        rounds.push(Round {
            campaign: c.name.clone(),
            team: team.clone(),
            leave: hm(route.leave),
            back: hm(route.back),
            visits,
        });
    }
    let step = |d: jiff::civil::Date, n: i64| {
        d.checked_add(jiff::Span::new().days(n))
            .map(|x| x.to_string())
            .unwrap_or_default()
    };
    render(&FieldPage {
        l: layout(info.lang, Some(&p), Tr(info.lang).s("field.title"), "/lapangan", None),
        day: format!("{}, {}", hari(day), tanggal(day)),
        prev: step(day, -1),
        next: step(day, 1),
        in_a_team: !teams.is_empty(),
        rounds,
    })
}

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Integration tests: the whole router driven in-process against a real database, chosen
//! by `TEST_DATABASE_URL` (unset: a temporary SQLite file; `postgres://…`: a fresh schema per
//! test). One test binary; modules by subject.

mod support;

mod access;
mod assistance;
mod audit;
mod auth;
mod calendar;
mod campaigns;
mod concurrency;
mod dashboard;
mod demo;
mod drafts;
mod durability;
mod handovers;
mod headers;
mod matrix;
mod meetings;
mod privacy;
mod production;
mod reports;
mod residents;
mod reviews;
mod sla;
mod sop;
mod status;
mod submissions;
mod users;
mod visits;
mod welfare;
mod welfare_files;

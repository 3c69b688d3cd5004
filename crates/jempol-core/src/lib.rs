//! The Jempol domain, pure: roles and the who-may-do-what policy, region codes, the NIK,
//! the SOP as data. Nothing here reads the clock, the disk or the network.

pub mod assistance;
pub mod calendar;
pub mod care;
pub mod finding;
pub mod nik;
pub mod policy;
pub mod production;
pub mod region;
pub mod role;
pub mod scope;
pub mod sop;
pub mod visit;
pub mod worktime;

pub use finding::{Finding, Severity};
pub use policy::{Action, allowed};
pub use role::Role;
pub use scope::Scope;

//! Măng domain core: types, rules and workflows with no I/O.
//!
//! `cargo tree -p mang-domain` shows no database, web or async runtime crates: everything
//! here is pure and fast to test. Time and randomness are parameters (`as_of`, seeded RNGs).

#[macro_use]
mod coded;

pub mod access;
pub mod activities;
pub mod anthro;
pub mod audit;
pub mod benefits;
pub mod births;
pub mod calendar;
pub mod cases;
pub mod child_friendly;
pub mod circumstances;
pub mod codes;
pub mod deaths;
pub mod demo;
pub mod demo_extras;
pub mod facilities;
pub mod growth;
pub mod immunization;
pub mod import;
pub mod injuries;
pub mod life;
pub mod merge;
pub mod names;
pub mod personal_id;
pub mod plans;
pub mod registry;
pub mod reports;
pub mod sites;
pub mod targets;
pub mod text;
pub mod units;
pub mod verification;
pub mod vi;

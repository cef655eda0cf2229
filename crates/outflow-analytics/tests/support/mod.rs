//! What the analytics tests share, each capability once: reading records
//! through the real readers and the normalizer (`read`), the context and
//! the engine run in event-time order through the projector (`run`),
//! builders of real-shaped records (`records`), simulated corpora with
//! their truth (`sim`) and a small geolocation database (`geoip`).
#![allow(dead_code)] // each test file uses its own subset

mod geoip;
mod read;
mod records;
mod run;
mod sim;

// One flat namespace for the test files (`use support::{ctx, run}`).
#[allow(unused_imports)] // each test file uses its own subset
pub use {geoip::*, read::*, records::*, run::*, sim::*};

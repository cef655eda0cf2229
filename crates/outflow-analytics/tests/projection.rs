//! The analytics' copy of network records ([`Projector`]) changes nothing
//! they report: every built-in analytic over a simulated corpus (every log
//! format, every story) gives the same findings from full records as from
//! the copies `hunt` hands them, and the copies are smaller.

mod support;

use outflow_analytics::{registry, AnalyticsEngine, Projector};
use outflow_detect::{Analytic, Finding};
use outflow_event::Event;

fn findings(events: &[Event], project: bool) -> Vec<String> {
    let ctx = support::ctx(None, None);
    let mut engine = AnalyticsEngine::new(ctx.clone(), registry::builtin(&ctx).unwrap());
    let mut projector = Projector::default();
    let mut out: Vec<Finding> = Vec::new();
    for ev in events {
        let small = if project { projector.project(ev) } else { None };
        engine.process(small.as_ref().unwrap_or(ev), &mut out);
        if let Some(ts) = ev.ts {
            engine.advance(ts, &mut out);
        }
    }
    engine.finish(&mut out);
    out.iter()
        .map(|f| serde_json::to_string(f).unwrap())
        .collect()
}

#[test]
fn analytics_report_the_same_from_the_copies_as_from_full_records() {
    let sim = support::sim();
    let full = findings(&sim.events, false);
    let projected = findings(&sim.events, true);
    assert!(
        full.len() > 100,
        "the corpus should raise alerts ({})",
        full.len()
    );
    assert_eq!(full.len(), projected.len());
    for (a, b) in full.iter().zip(&projected) {
        assert_eq!(a, b);
    }

    // Network records were copied, smaller; the others went on whole.
    let mut projector = Projector::default();
    let (mut copied, mut whole, mut before, mut after) = (0, 0, 0usize, 0usize);
    for ev in &sim.events {
        match projector.project(ev) {
            Some(p) => {
                copied += 1;
                before += ev.approx_bytes();
                after += p.approx_bytes();
                assert!(p.fields.len() <= ev.fields.len());
                assert_eq!(
                    (p.ts, &p.origin, &p.entity.dst_ip),
                    (ev.ts, &ev.origin, &ev.entity.dst_ip)
                );
            }
            None => whole += 1,
        }
    }
    assert!(
        copied > whole,
        "network records are most of the corpus ({copied} / {whole})"
    );
    assert!(
        after * 2 < before,
        "copies should be under half the size ({after} / {before})"
    );
}

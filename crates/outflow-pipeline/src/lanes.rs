//! Lanes of a run merged by time: which files each reader thread reads.
//!
//! Merging needs every file open at once, one thread each, which is
//! bounded ([`MAX_MERGE_FILES`]). A folder holds more files than that when
//! it is a whole `winevt\Logs` (hundreds of channels, most nearly empty) or
//! a sample collection. Then the largest files keep a lane each and the
//! smaller ones share the last lane: its thread reads them all, puts their
//! events in time order in memory (bounded by [`SMALL_LANE_BYTES`] of input)
//! and hands them on like one more file, so every event still reaches the
//! consumer in time order. When the smaller files hold more than that, the
//! files open one after another in the order their events begin
//! ([`crate::staggered`]).

use crate::merge::MAX_MERGE_FILES;
use crate::stage::Batch;
use crate::worker::Msg;
use crossbeam_channel::{Receiver, Sender};
use outflow_detect::Finding;
use outflow_event::Event;
use outflow_sources::InputSpec;

/// Most input bytes (decompressed) the shared lane holds in memory.
pub const SMALL_LANE_BYTES: u64 = 32 << 20;

/// Bounds of merging by time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MergeLimits {
    /// Most files open at once, each on its own reader thread.
    pub max_open_files: usize,
    /// Most input bytes (decompressed) the shared lane of small files holds
    /// in memory.
    pub small_lane_bytes: u64,
}

impl Default for MergeLimits {
    fn default() -> Self {
        MergeLimits {
            max_open_files: MAX_MERGE_FILES,
            small_lane_bytes: SMALL_LANE_BYTES,
        }
    }
}

/// The files of each lane (indices into the inputs), or `None` when the
/// files cannot all be open at once (the smaller ones hold too much): they
/// are then opened in the order their events begin ([`crate::staggered`]).
pub fn plan(inputs: &[InputSpec], limits: MergeLimits) -> Option<Vec<Vec<usize>>> {
    if inputs.len() <= limits.max_open_files {
        return Some((0..inputs.len()).map(|i| vec![i]).collect());
    }
    // What the shared lane would hold is the files' content: a compressed
    // file's, once decompressed.
    let sizes: Vec<u64> = inputs.iter().map(InputSpec::content_size).collect();
    plan_sizes(&sizes, limits)
}

fn plan_sizes(sizes: &[u64], limits: MergeLimits) -> Option<Vec<Vec<usize>>> {
    let max = limits.max_open_files.max(2);
    if sizes.len() <= max {
        return Some((0..sizes.len()).map(|i| vec![i]).collect());
    }
    let mut by_size: Vec<usize> = (0..sizes.len()).collect();
    // Largest first; input order among equals.
    by_size.sort_by(|a, b| sizes[*b].cmp(&sizes[*a]).then(a.cmp(b)));
    let (big, small) = by_size.split_at(max - 1);
    let small_bytes: u64 = small.iter().map(|i| sizes[*i]).sum();
    if small_bytes > limits.small_lane_bytes {
        return None;
    }
    let mut lanes: Vec<Vec<usize>> = big.iter().map(|i| vec![*i]).collect();
    let mut shared = small.to_vec();
    shared.sort_unstable();
    lanes.push(shared);
    Some(lanes)
}

/// One event of the shared lane with what the reader thread found in it,
/// and the time it sorts at.
struct Held {
    key: i64,
    event: Event,
    findings: Vec<Finding>,
    matches: Vec<u32>,
}

/// Collects the shared lane's batches (a file at a time), then hands them
/// on in time order. Rejects and drop counts pass on at once.
pub struct SmallLane {
    held: Vec<Held>,
    /// End-of-file messages, sent after the events.
    dones: Vec<(usize, Msg)>,
}

impl SmallLane {
    pub fn new() -> Self {
        SmallLane {
            held: Vec::new(),
            dones: Vec::new(),
        }
    }

    /// Takes what the reader sent for one file (`from`, now closed);
    /// false when the consumer has gone.
    pub fn take_file(&mut self, from: &Receiver<(usize, Msg)>, to: &Sender<(usize, Msg)>) -> bool {
        // Events without a time sort with the file's previous timed one.
        let mut last = i64::MIN;
        for (file, msg) in from.try_iter() {
            match msg {
                Msg::Batch(b) => self.hold(b, &mut last),
                Msg::Done(..) => self.dones.push((file, msg)),
                other => {
                    if to.send((file, other)).is_err() {
                        return false;
                    }
                }
            }
        }
        true
    }

    fn hold(&mut self, b: Batch, last: &mut i64) {
        let mut findings = b.findings.into_iter().peekable();
        let mut matches = b.matches.into_iter().peekable();
        for (i, event) in b.events.into_iter().enumerate() {
            let i = i as u32;
            if let Some(t) = event.ts {
                *last = t.0;
            }
            let mut held = Held {
                key: *last,
                event,
                findings: Vec::new(),
                matches: Vec::new(),
            };
            while let Some((_, f)) = findings.next_if(|(j, _)| *j == i) {
                held.findings.push(f);
            }
            while let Some((_, m)) = matches.next_if(|(j, _)| *j == i) {
                held.matches.push(m);
            }
            self.held.push(held);
        }
    }

    /// Sends every held event in time order (ties keep reading order) in
    /// batches of `batch`, then the files' ends. `lane` is the index the
    /// messages carry (the lane's first file).
    pub fn send(self, to: &Sender<(usize, Msg)>, lane: usize, batch: usize) {
        let mut held = self.held;
        held.sort_by_key(|h| h.key);
        let mut out = Batch::default();
        for h in held {
            let at = out.events.len() as u32;
            out.findings.extend(h.findings.into_iter().map(|f| (at, f)));
            out.matches.extend(h.matches.into_iter().map(|m| (at, m)));
            out.events.push(h.event);
            if out.events.len() >= batch {
                let full = std::mem::take(&mut out);
                if to.send((lane, Msg::Batch(full))).is_err() {
                    return;
                }
            }
        }
        if !out.events.is_empty() && to.send((lane, Msg::Batch(out))).is_err() {
            return;
        }
        for d in self.dones {
            if to.send(d).is_err() {
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn up_to_the_bound_every_file_has_a_lane() {
        let lanes = plan_sizes(&[5, 1, 9], MergeLimits::default()).unwrap();
        assert_eq!(lanes, [vec![0], vec![1], vec![2]]);
    }

    #[test]
    fn past_the_bound_the_smallest_files_share_the_last_lane() {
        let mut sizes = vec![1_000u64; MAX_MERGE_FILES + 100];
        sizes[3] = 50 << 20;
        sizes[MAX_MERGE_FILES + 50] = 40 << 20;
        let lanes = plan_sizes(&sizes, MergeLimits::default()).unwrap();
        assert_eq!(lanes.len(), MAX_MERGE_FILES);
        assert_eq!(lanes[0], [3]);
        assert_eq!(lanes[1], [MAX_MERGE_FILES + 50]);
        let shared = lanes.last().unwrap();
        assert_eq!(shared.len(), 101);
        assert!(shared.windows(2).all(|w| w[0] < w[1]));
        let mut all: Vec<usize> = lanes.concat();
        all.sort_unstable();
        assert_eq!(all, (0..sizes.len()).collect::<Vec<_>>());
    }

    #[test]
    fn too_much_in_the_small_files_is_no_plan() {
        let sizes = vec![1 << 20; MAX_MERGE_FILES + 40];
        assert!(plan_sizes(&sizes, MergeLimits::default()).is_none());
    }
}

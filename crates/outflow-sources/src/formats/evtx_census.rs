//! What each EVTX chunk's header says it holds, against what the parser
//! gave, to report records it skipped without an error: evtx 0.15 takes a
//! damaged header of a chunk's last record for the chunk's free space, and
//! that record would otherwise be lost in silence.

use evtx::EvtxChunkHeader;
use std::io::{Read, Seek, SeekFrom};

const FILE_HEADER: u64 = 4096;
const CHUNK: u64 = 65536;
const CHUNK_HEADER: usize = 512;
/// More records than a 64 KiB chunk can hold: such a header is not believed.
const MAX_RECORDS_PER_CHUNK: u64 = 4096;

/// One chunk's announced record ids and what was seen of them.
struct Tally {
    number: u64,
    first: u64,
    last: u64,
    /// One bit per announced id: read, or rejected naming it.
    seen: Vec<u64>,
    /// Records rejected in this chunk without an id.
    anonymous: u64,
    /// The whole chunk was rejected (already reported).
    lost: bool,
}

/// Records announced but never seen, per chunk.
#[derive(Debug, PartialEq, Eq)]
pub struct Missing {
    pub chunk: u64,
    pub ids: Vec<u64>,
}

#[derive(Default)]
pub struct Census {
    /// Sorted by first id.
    chunks: Vec<Tally>,
}

impl Census {
    /// The chunk headers of an EVTX file of `len` bytes read from `data`.
    pub fn read<R: Read + Seek>(data: &mut R, len: u64) -> Census {
        let mut census = Census::default();
        let count = len.saturating_sub(FILE_HEADER) / CHUNK;
        let mut header = [0u8; CHUNK_HEADER];
        for number in 0..count {
            let at = FILE_HEADER + number * CHUNK;
            if data.seek(SeekFrom::Start(at)).is_err() || data.read_exact(&mut header).is_err() {
                break;
            }
            census.add(number, &header);
        }
        census.chunks.sort_by_key(|t| t.first);
        census
    }

    fn add(&mut self, number: u64, header: &[u8]) {
        let Ok(h) = EvtxChunkHeader::from_bytes(header) else {
            return;
        };
        let (first, last) = (h.first_event_record_id, h.last_event_record_id);
        if last < first || last - first >= MAX_RECORDS_PER_CHUNK {
            return;
        }
        self.chunks.push(Tally {
            number,
            first,
            last,
            seen: vec![0; ((last - first) / 64 + 1) as usize],
            anonymous: 0,
            lost: false,
        });
    }

    fn by_id(&mut self, id: u64) -> Option<&mut Tally> {
        let i = self.chunks.partition_point(|t| t.first <= id);
        let t = self.chunks.get_mut(i.checked_sub(1)?)?;
        (id <= t.last).then_some(t)
    }

    fn by_number(&mut self, number: u64) -> Option<&mut Tally> {
        self.chunks.iter_mut().find(|t| t.number == number)
    }

    /// A record read, or rejected naming its id.
    pub fn saw(&mut self, id: u64) {
        if let Some(t) = self.by_id(id) {
            let bit = id - t.first;
            t.seen[(bit / 64) as usize] |= 1 << (bit % 64);
        }
    }

    /// A record of chunk `number` rejected without its id.
    pub fn rejected_in(&mut self, number: u64) {
        if let Some(t) = self.by_number(number) {
            t.anonymous += 1;
        }
    }

    /// Chunk `number` rejected whole.
    pub fn chunk_lost(&mut self, number: u64) {
        if let Some(t) = self.by_number(number) {
            t.lost = true;
        }
    }

    /// Announced records neither read nor rejected, per chunk, beyond the
    /// chunk's rejects that named no id (those may be them).
    pub fn missing(&self) -> Vec<Missing> {
        let mut out = Vec::new();
        for t in self.chunks.iter().filter(|t| !t.lost) {
            let ids: Vec<u64> = (t.first..=t.last)
                .filter(|id| {
                    let bit = id - t.first;
                    t.seen[(bit / 64) as usize] & (1 << (bit % 64)) == 0
                })
                .collect();
            if ids.len() as u64 > t.anonymous {
                out.push(Missing {
                    chunk: t.number,
                    ids,
                });
            }
        }
        out.sort_by_key(|m| m.chunk);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A chunk header announcing ids `first..=last` (CRC not checked).
    fn header(first: u64, last: u64) -> Vec<u8> {
        let mut h = vec![0u8; CHUNK_HEADER];
        h[..8].copy_from_slice(b"ElfChnk\0");
        h[8..16].copy_from_slice(&first.to_le_bytes());
        h[16..24].copy_from_slice(&last.to_le_bytes());
        h[24..32].copy_from_slice(&first.to_le_bytes());
        h[32..40].copy_from_slice(&last.to_le_bytes());
        h[40..44].copy_from_slice(&128u32.to_le_bytes());
        h
    }

    fn census(ranges: &[(u64, u64)]) -> Census {
        let mut c = Census::default();
        for (n, (a, b)) in ranges.iter().enumerate() {
            c.add(n as u64, &header(*a, *b));
        }
        c.chunks.sort_by_key(|t| t.first);
        c
    }

    #[test]
    fn records_announced_but_never_seen_are_found() {
        // Two chunks, the second wrapped before the first (oldest first in ids).
        let mut c = census(&[(100, 105), (40, 99)]);
        for id in (40..=99).chain(100..=104) {
            c.saw(id);
        }
        assert_eq!(
            c.missing(),
            [Missing {
                chunk: 0,
                ids: vec![105]
            }]
        );
        // A reject without an id in that chunk may be it: nothing more to say.
        c.rejected_in(0);
        assert!(c.missing().is_empty());
    }

    #[test]
    fn lost_chunks_and_unbelievable_headers_say_nothing() {
        let mut c = census(&[(1, 10), (50, 40), (11, 11 + MAX_RECORDS_PER_CHUNK)]);
        assert_eq!(c.chunks.len(), 1);
        c.chunk_lost(0);
        assert!(c.missing().is_empty());
        // Ids outside every chunk are ignored, not a panic.
        c.saw(0);
        c.saw(u64::MAX);
        c.rejected_in(9);
    }

    #[test]
    fn headers_are_read_from_a_file() {
        let mut file = vec![0u8; FILE_HEADER as usize];
        for (a, b) in [(1, 3), (4, 9)] {
            let mut chunk = header(a, b);
            chunk.resize(CHUNK as usize, 0);
            file.extend(chunk);
        }
        let len = file.len() as u64;
        let mut c = Census::read(&mut std::io::Cursor::new(file), len);
        (1..=8).for_each(|id| c.saw(id));
        assert_eq!(
            c.missing(),
            [Missing {
                chunk: 1,
                ids: vec![9]
            }]
        );
    }
}

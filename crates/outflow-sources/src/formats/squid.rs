//! TODO: format reader (being written).

use crate::ctx::ReadCtx;
use crate::detect::Sample;
use crate::input::Opened;
use std::io;

pub fn sniff(_s: &Sample) -> bool {
    false
}

pub fn read(_opened: Opened, _ctx: &mut ReadCtx) -> io::Result<()> {
    Ok(())
}

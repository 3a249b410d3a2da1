//! Run fusion moved to `fusion.rs`; `fuse` is re-exported here for the module's export list.

pub use crate::fusion::fuse;

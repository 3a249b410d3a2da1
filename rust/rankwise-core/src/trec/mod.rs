//! Qrels and runs: columnar, immutable collections of judged or retrieved documents, built
//! from TREC files or from (query, doc, value) triples.

mod collection;
pub mod columns;
pub mod comments;
mod index;
pub(crate) mod memory;
pub mod output;
pub mod parse;
pub mod prefs;
pub mod qrels;
pub mod run;
mod state;
pub mod strings;

pub use output::{TrecOutput, write_trec_eval};
pub use parse::{Streamed, read_qrels, read_run, read_run_with, stream_run};
pub use qrels::{Qrels, QrelsBuilder};
pub use run::{Run, RunBuilder};
pub use strings::StrTable;

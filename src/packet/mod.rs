//! Packets beyond decoding (which is `netdiag_parsers::packet`): naming their endpoints and the
//! anomalies only the cluster intent reveals ([`annotate`]), and their text ([`text`]), JSON
//! ([`json`]) and summary ([`stats`]) forms. Pure: the capture command feeds records in and writes
//! the bytes out.

pub mod annotate;
pub mod json;
pub(crate) mod out;
pub mod stats;
pub mod text;

pub use annotate::{Annotator, Name, Names};
pub use out::Lines;
pub use stats::Stats;

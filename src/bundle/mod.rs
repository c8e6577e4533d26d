//! Support bundles, the pure half: the manifest (what a bundle holds, with sizes and SHA-256) and
//! the rules a member name must follow, redaction of addresses and host names that keeps the
//! analysis working, the `ip`/`bridge`-style text of a node state, and the difference of two node
//! states. Writing, reading and collecting live in the binary (`commands/src/bundle/`).

pub mod diff;
pub mod manifest;
pub mod redact;
pub mod text;

pub use diff::{diff_states, DiffGroup, StateDiff};
pub use manifest::{sha256_hex, BundleError, FileEntry, Manifest, BUNDLE_SCHEMA, MANIFEST};
pub use redact::{RedactOptions, Redactor};

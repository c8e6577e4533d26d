//! The `netdiag` binary's library half: the command line, one module per subcommand, and every I/O
//! edge (`source/`). `main.rs` only maps errors to exit codes.

pub mod source;

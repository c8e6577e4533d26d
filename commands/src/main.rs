//! `netdiag`: parse the command line, run, and map the outcome to an exit code — 0 healthy, 1
//! findings at or above `--fail-on`, 2 could not run (one line on stderr: `netdiag: …`). A closed
//! pipe (`netdiag show routes | head`) exits 0.

use std::process::ExitCode;

use clap::Parser;

/// mimalloc instead of glibc's malloc: collecting a 100 000-route node and reading a 5 000-node
/// intent make millions of small allocations, and glibc spent a sixth of node-status's time in
/// malloc/free plus the page faults of memory it handed back to the kernel and faulted in again
/// (README, Performance).
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = netdiag::cli::Cli::parse();
    match netdiag::run(&cli) {
        Ok(code) => ExitCode::from(code),
        Err(e) if e.downcast_ref::<netdiag::output::BrokenPipe>().is_some() => ExitCode::SUCCESS,
        Err(e) => {
            // One line: the chain of contexts joined, as `anyhow`'s alternate form prints it.
            eprintln!("netdiag: {}", format!("{e:#}").replace('\n', " "));
            ExitCode::from(2)
        }
    }
}

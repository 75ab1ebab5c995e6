//! The `jixiao` command: parses arguments, runs the library, maps the outcome to an exit
//! code (see `cli::Exit`). Nothing else lives here.

mod cli;

use std::process::ExitCode;

fn main() -> ExitCode {
    cli::main()
}

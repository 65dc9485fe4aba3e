//! The `schedctl` binary: everything lives in the library so tests can call it in process.
fn main() -> std::process::ExitCode {
    schedctl::run(std::env::args_os())
}

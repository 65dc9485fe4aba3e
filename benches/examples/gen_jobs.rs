//! Writes a generated job file to stdout, the input of the `simulate` bench:
//! `cargo run -p schedctl-bench --example gen_jobs -- [JOBS [SEED]] > /tmp/jobs1000.toml`
//! (defaults: 1000 jobs, seed 0). See `schedctl_bench::job_file` for the mix.
use std::io::Write;
use std::process::ExitCode;

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let mut number = |name: &str, default: u64| -> Result<u64, String> {
        match args.next() {
            None => Ok(default),
            Some(text) => text.parse().map_err(|_| {
                format!(
                    "error: {name} `{text}` is not a whole number\nusage: gen_jobs [JOBS [SEED]]"
                )
            }),
        }
    };
    let (jobs, seed) = match (number("JOBS", 1000), number("SEED", 0)) {
        (Ok(jobs), Ok(seed)) => (jobs, seed),
        (Err(e), _) | (_, Err(e)) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    let text = schedctl_bench::job_file(jobs as usize, seed);
    match std::io::stdout().lock().write_all(text.as_bytes()) {
        Ok(()) => ExitCode::SUCCESS,
        // A closed pipe (`| head`) is not an error.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

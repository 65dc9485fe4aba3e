//! The command-line contract: every case under `tests/cmd/` runs the real binary and must print
//! exactly what is written (the book's and README's examples run in `tests/book.rs`).
//! Regenerate expected output after an intended change with `TRYCMD=overwrite cargo test`.

#[test]
fn cli_cases() {
    trycmd::TestCases::new()
        .register_bin("schedctl", trycmd::cargo::cargo_bin!("schedctl"))
        .case("tests/cmd/*.md");
}

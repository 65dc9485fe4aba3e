//! Every console example of the book and the README runs the real binary from the
//! repository's root (so `fixtures/...` paths work as a reader types them) and must print
//! exactly what the page shows. `TRYCMD=overwrite cargo test -p schedctl --test book` rewrites
//! the pages after an intended change.

#[test]
fn book_and_readme_examples() {
    // The only test of this binary, so changing the process's directory affects nothing else.
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    std::env::set_current_dir(&root).expect("the repository root exists");
    trycmd::TestCases::new()
        .register_bin("schedctl", trycmd::cargo::cargo_bin!("schedctl"))
        .case("README.md")
        .case("book/src/*.md")
        .case("book/src/*/*.md");
}

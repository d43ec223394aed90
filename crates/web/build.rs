// The Fluent files are embedded at compile time; rebuild when any of them,
// or a new one, appears.
fn main() {
    println!("cargo:rerun-if-changed=locales");
    println!("cargo:rerun-if-changed=templates");
}

// The migrations are embedded by `sqlx::migrate!`, which cannot tell cargo that a new file
// appeared in the folders: without this a new migration is missing from the binary until
// some Rust file of the crate changes.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}

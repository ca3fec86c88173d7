// The migrations are embedded by `sqlx::migrate!`: build again when one is
// added or changed (otherwise an incremental build keeps the old set).
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}

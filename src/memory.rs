//! The process's memory as glibc's allocator keeps it (issue 38: a replica
//! stays under 100 MB). Linux with glibc only; elsewhere these do nothing.
//!
//! glibc serves a large allocation from its own mapping and unmaps it when
//! freed — but after the first such free it raises that threshold to the
//! freed size (up to 32 MB), so from then on buffers of that size come from
//! its heaps and stay there when freed: one chart rasterised (a 5 MB canvas),
//! one XLSX or argon2 hash, and the process kept 20-30 MB it no longer used.
//! [`tune`] fixes the threshold, which also ends the adjustment.

/// Allocations from this size up get their own mapping, returned when freed.
pub const MMAP_THRESHOLD: usize = 256 * 1024;

/// Fixes glibc's mapping threshold at [`MMAP_THRESHOLD`]; call once at start.
pub fn tune() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        // <malloc.h>: #define M_MMAP_THRESHOLD -3
        const M_MMAP_THRESHOLD: std::ffi::c_int = -3;
        unsafe extern "C" {
            fn mallopt(param: std::ffi::c_int, value: std::ffi::c_int) -> std::ffi::c_int;
        }
        let value = std::ffi::c_int::try_from(MMAP_THRESHOLD).unwrap_or(std::ffi::c_int::MAX);
        // SAFETY: mallopt only sets a parameter of glibc's allocator; it
        // takes no pointer and is safe to call from any thread.
        let ok = unsafe { mallopt(M_MMAP_THRESHOLD, value) };
        if ok != 1 {
            tracing::debug!("mallopt(M_MMAP_THRESHOLD) refused");
        }
    }
}

/// Asks glibc to give the pages it keeps after frees back to the system.
pub fn release_freed() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        unsafe extern "C" {
            fn malloc_trim(pad: usize) -> std::ffi::c_int;
        }
        // SAFETY: malloc_trim only walks glibc's own free lists and takes
        // no pointer of ours; it is safe to call from any thread.
        unsafe {
            malloc_trim(0);
        }
    }
}

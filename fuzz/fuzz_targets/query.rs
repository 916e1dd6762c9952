//! The query path after login: simple and extended protocol, COPY messages.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    meshgate_fuzz::run(meshgate_fuzz::Start::LoggedIn, data);
});

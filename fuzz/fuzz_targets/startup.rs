//! The startup and authentication path: startup packet, CancelRequest, SCRAM-SHA-256 login.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    meshgate_fuzz::run(meshgate_fuzz::Start::Connect, data);
});

#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| jempol_import::fuzzing::csv(data));

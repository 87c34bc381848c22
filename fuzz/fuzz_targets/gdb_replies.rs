//! QEMU's replies, as the TCG backend parses them: packet framing,
//! escapes, run lengths, hex, stop replies, the target description.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    pbios::tcg::fuzz_gdb_replies(data);
});

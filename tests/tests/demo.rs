//! The built-in demo disk (README's first command) reports what the BIOS
//! says, correctly.

use pbios_tests::harness::*;

#[test]
fn demo_prints_memory_map_geometry_and_clock() {
    let image = pbios_tests::demo::image();
    let disk = TempDisk::from_image(&image, 0);
    let run = boot_disk(
        &disk,
        Opts {
            clock: fixed_clock(),
            ..Opts::default()
        },
    );
    let out = run.console.replace('\r', "");
    assert_eq!(run.exit, pbios::Exit::DebugExit(0), "{out}");
    for line in [
        "pbios demo: booted from drive 80h",
        "Equipment (INT 11h): 0222h",
        "Base memory (INT 12h): 639 KiB",
        "Extended memory (INT 15h AH=88h): 64512 KiB",
        "  0000000000000000-000000000009FBFF usable",
        "  000000000009FC00-000000000009FFFF reserved",
        "  00000000000F0000-00000000000FFFFF reserved",
        "  0000000000100000-00000000077EFFFF usable",
        // VBE's framebuffer, 8 MiB.
        "  00000000077F0000-0000000007FEFFFF reserved",
        // The MP and ACPI tables.
        "  0000000007FF0000-0000000007FFFFFF reserved",
        "  00000000FEFFC000-00000000FEFFFFFF reserved",
        "  00000000FFFF0000-00000000FFFFFFFF reserved",
        // 8 MiB: 16 cylinders, 16 heads, 63 sectors; the last cylinder is
        // reserved, so the last usable one is 14.
        "last cylinder 14, last head 15, sectors/track 63",
        "Disk size (INT 13h AH=48h): 16384 sectors of 512 bytes",
        "Date (INT 1Ah AH=04h): 2026-11-21",
        "Time (INT 1Ah AH=02h): 12:34:56 UTC",
        "Done.",
    ] {
        assert!(out.contains(line), "missing {line:?} in:\n{out}");
    }
    // Exactly eight map entries.
    assert_eq!(
        out.lines().filter(|l| l.starts_with("  00000000")).count(),
        8,
        "{out}"
    );
}

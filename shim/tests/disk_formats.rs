//! Disks as QEMU users have them: qcow2 images (read, written, with a
//! backing file) checked with qemu-img, and `--snapshot` and `--read-only`
//! leaving every file byte for byte as it was, on both backends.

use iced_x86::code_asm::*;
use std::path::{Path, PathBuf};
use std::process::Command;

fn rom_path() -> PathBuf {
    std::env::var_os("PBIOS_ROM")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/pbios/bios.bin"))
}

/// A scratch directory of this test's own.
fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("pbios-formats-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// LBAs the guest writes (sector n filled with n & FFh), spread over
/// several qcow2 clusters and L2 tables.
const WRITES: [u32; 6] = [1, 2, 3, 100, 5000, 30000];

/// Writes [`WRITES`] with INT 13h AH=43h, reads the last one back into
/// 9000h and checks it, then exits with value 0 (status 1); a failed call
/// exits with its status AH (status 2*AH+1), a wrong read-back with 55h.
fn writer_guest() -> Vec<u8> {
    let mut a = CodeAssembler::new(16).unwrap();
    (|| -> Result<(), IcedError> {
        a.cli()?;
        a.xor(ax, ax)?;
        a.mov(ds, ax)?;
        a.mov(es, ax)?;
        a.mov(ss, ax)?;
        a.mov(sp, 0x7C00u32)?;
        a.sti()?;
        a.cld()?;
        let mut fail = a.create_label();
        // The packet's fixed fields once: 16 bytes, one sector, segment 0.
        a.mov(word_ptr(0x7E00), 0x0010u32)?;
        a.mov(word_ptr(0x7E02), 1u32)?;
        a.mov(word_ptr(0x7E06), 0u32)?;
        a.mov(word_ptr(0x7E0C), 0u32)?;
        a.mov(word_ptr(0x7E0E), 0u32)?;
        a.mov(dl, 0x80u32)?;
        let dap = |a: &mut CodeAssembler, lba: u32, buf: u32| -> Result<(), IcedError> {
            a.mov(word_ptr(0x7E04), buf)?;
            a.mov(word_ptr(0x7E08), lba & 0xFFFF)?;
            a.mov(word_ptr(0x7E0A), lba >> 16)?;
            a.mov(si, 0x7E00u32)
        };
        for lba in WRITES {
            a.mov(di, 0x8000u32)?;
            a.mov(al, lba & 0xFF)?;
            a.mov(cx, 512u32)?;
            a.rep().stosb()?;
            dap(&mut a, lba, 0x8000)?;
            a.mov(ax, 0x4300u32)?;
            a.int(0x13)?;
            a.jc(fail)?;
        }
        let last = WRITES[WRITES.len() - 1];
        dap(&mut a, last, 0x9000)?;
        a.mov(ah, 0x42u32)?;
        a.int(0x13)?;
        a.jc(fail)?;
        a.mov(ah, 0x55u32)?;
        a.cmp(byte_ptr(0x9000 + 511), last & 0xFF)?;
        a.jne(fail)?;
        a.mov(al, 0u32)?;
        a.out(0xF4, al)?;
        let mut spin = a.create_label();
        a.set_label(&mut spin)?;
        a.hlt()?;
        a.jmp(spin)?;
        a.set_label(&mut fail)?;
        a.mov(al, ah)?;
        a.out(0xF4, al)?;
        a.jmp(spin)
    })()
    .unwrap();
    let mut s = a.assemble(0x7C00).unwrap();
    assert!(s.len() <= 510);
    s.resize(512, 0);
    s[510] = 0x55;
    s[511] = 0xAA;
    s
}

/// A 32 MiB raw image with the writer in its boot sector.
fn raw_image(path: &Path) {
    let mut d = writer_guest();
    d.resize(32 << 20, 0);
    std::fs::write(path, d).unwrap();
}

fn qemu_img(args: &[&str]) -> std::process::Output {
    Command::new("qemu-img")
        .args(args)
        .output()
        .expect("qemu-img (qemu-utils; cargo xtask test installs it)")
}

fn pbios(accel: &str, args: &[&str]) -> (Option<i32>, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_pbios"))
        .arg("--rom")
        .arg(rom_path())
        .args(["--accel", accel, "--display", "none", "--serial", "none"])
        .args(args)
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

const ACCELS: [&str; 2] = ["kvm", "tcg"];

/// The writer's raw image in `dir`, and a qcow2 copy made by qemu-img.
fn raw_and_qcow2(dir: &Path) -> (PathBuf, PathBuf) {
    let raw = dir.join("disk.raw");
    raw_image(&raw);
    let q = dir.join("disk.qcow2");
    let out = qemu_img(&[
        "convert",
        "-f",
        "raw",
        "-O",
        "qcow2",
        raw.to_str().unwrap(),
        q.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    (raw, q)
}

#[test]
fn qcow2_images_are_read_and_written_as_qemu_writes_them() {
    for accel in ACCELS {
        let dir = scratch(&format!("qcow2-{accel}"));
        let (raw, q) = raw_and_qcow2(&dir);
        let s = |p: &Path| p.to_str().unwrap().to_string();
        // The same guest writes on the raw image and on the qcow2 one.
        assert_eq!(
            pbios(accel, &[&s(&raw)]),
            (Some(1), String::new()),
            "{accel}: raw"
        );
        let (code, err) = pbios(accel, &[&s(&q)]);
        assert_eq!(code, Some(1), "{accel}: qcow2: {err}");
        let check = qemu_img(&["check", &s(&q)]);
        assert!(
            check.status.success(),
            "{accel}: {}",
            String::from_utf8_lossy(&check.stdout)
        );
        let cmp = qemu_img(&["compare", "-f", "qcow2", "-F", "raw", &s(&q), &s(&raw)]);
        assert!(
            cmp.status.success(),
            "{accel}: {}",
            String::from_utf8_lossy(&cmp.stdout)
        );
        let data = std::fs::read(&raw).unwrap();
        for lba in WRITES {
            let at = lba as usize * 512;
            assert!(
                data[at..at + 512].iter().all(|&b| b == lba as u8),
                "{accel}: LBA {lba}"
            );
        }

        // A qcow2 overlay on a raw backing file: the writes go to the
        // overlay, the backing file is not touched.
        let base = dir.join("base.raw");
        raw_image(&base);
        let before = std::fs::read(&base).unwrap();
        let ov = dir.join("overlay.qcow2");
        let made = qemu_img(&[
            "create",
            "-f",
            "qcow2",
            "-b",
            &s(&base),
            "-F",
            "raw",
            &s(&ov),
        ]);
        assert!(
            made.status.success(),
            "{}",
            String::from_utf8_lossy(&made.stderr)
        );
        let (code, err) = pbios(accel, &[&s(&ov)]);
        assert_eq!(code, Some(1), "{accel}: overlay: {err}");
        assert!(
            std::fs::read(&base).unwrap() == before,
            "{accel}: the backing file changed"
        );
        assert!(qemu_img(&["check", &s(&ov)]).status.success());
        let cmp = qemu_img(&["compare", "-f", "qcow2", "-F", "raw", &s(&ov), &s(&raw)]);
        assert!(
            cmp.status.success(),
            "{accel}: {}",
            String::from_utf8_lossy(&cmp.stdout)
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

#[test]
fn snapshot_and_read_only_leave_the_images_byte_identical() {
    for accel in ACCELS {
        let dir = scratch(&format!("untouched-{accel}"));
        let (raw, q) = raw_and_qcow2(&dir);
        let s = |p: &Path| p.to_str().unwrap().to_string();
        for img in [&raw, &q] {
            let before = std::fs::read(img).unwrap();
            // --snapshot: every write succeeds (the guest reads its last one
            // back) and none reaches the file.
            let (code, err) = pbios(accel, &["--snapshot", &s(img)]);
            assert_eq!(code, Some(1), "{accel} {}: {err}", img.display());
            assert!(
                std::fs::read(img).unwrap() == before,
                "{accel}: --snapshot wrote {}",
                img.display()
            );
            // --read-only: the first write fails with 03h (write protected).
            let (code, err) = pbios(accel, &["--read-only", &s(img)]);
            assert_eq!(code, Some(2 * 0x03 + 1), "{accel} {}: {err}", img.display());
            assert!(
                std::fs::read(img).unwrap() == before,
                "{accel}: --read-only wrote {}",
                img.display()
            );
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

#[test]
fn the_trace_file_names_each_disk_packet() {
    let dir = scratch("trace");
    let raw = dir.join("disk.raw");
    raw_image(&raw);
    for (format, want) in [
        ("json", "\"detail\":{\"drive\":\"80h\",\"lba\":\"{lba}\",\"count\":\"1\",\"buffer\":\"0000:8000h\"}"),
        ("text", "| drive=80h lba={lba} count=1 buffer=0000:8000h"),
    ] {
        let trace = dir.join(format!("trace.{format}"));
        let (code, err) = pbios(
            "kvm",
            &["--trace-file", trace.to_str().unwrap(), "--trace-format", format, raw.to_str().unwrap()],
        );
        assert_eq!(code, Some(1), "{err}");
        let text = std::fs::read_to_string(&trace).unwrap();
        let writes: Vec<&str> = text.lines().filter(|l| l.contains("int13_43_extended_write")).collect();
        assert_eq!(writes.len(), WRITES.len(), "{text}");
        for (line, lba) in writes.iter().zip(WRITES) {
            assert!(line.contains(&want.replace("{lba}", &lba.to_string())), "{line}");
            // The caller's CS:IP is in the boot sector.
            assert!(line.contains("0000:7C") || line.contains("0000:7D"), "{line}");
        }
        if format == "json" {
            assert!(text.lines().all(|l| l.starts_with("{\"t\":") && l.ends_with('}')));
        } else {
            assert!(text.lines().all(|l| l.starts_with('[')));
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

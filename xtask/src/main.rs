//! `cargo xtask`: build the ROM, the demo disk, run the demo, run the tests.

mod fuzz;
mod services;

use object::{Object, ObjectSection, ObjectSymbol, SectionKind};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

const USAGE: &str = "usage: cargo xtask <command>
  rom [--trap out|vmcall|vmmcall]   build and check the ROM -> target/pbios/bios.bin
                                    (the `out` ROM also refreshes the committed
                                    shim/rom/bios.bin that pbios ships)
  rom --check                       rebuild the ROM and fail unless it is byte
                                    for byte the committed shim/rom/bios.bin
  demo                              build the demo disk -> target/pbios/demo.img
  run [-- PBIOS-ARGS]               build ROM, demo disk and pbios; boot the demo
                                    (e.g. `cargo xtask run -- --accel tcg`)
  test                              build the ROMs and the guest images, run
                                    every test on KVM, then the guest tests
                                    again on QEMU's TCG
  bench [-- BENCH-ARGS]             pbios beside QEMU+SeaBIOS: boot latency,
                                    INT 13h throughput, cost per call, on KVM
                                    and TCG -> docs/benchmarks.md (installs
                                    QEMU and SeaBIOS if missing)
  header [--check]                  write capi/include/pbios.h with cbindgen
                                    (--check: fail if it is stale)
  examples                          build the Rust and C example VMMs and check
                                    that they print what pbios prints for the
                                    demo disk
  services [--check]                write docs/services.md from the dispatch
                                    table (--check: fail if it is stale)
  fuzz [--smoke] [--time S] [--seed N] [--target NAME]
                                    libFuzzer on the dispatcher and the GDB reply
                                    parsers (installs cargo-fuzz); prints BIOS
                                    calls a second (--smoke: 30 s each, ASan)
  images                            build the real guest images from Debian's
                                    packages -> target/pbios/images (installs
                                    the tools with apt if missing)";

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root")
        .to_path_buf()
}

fn out_dir() -> PathBuf {
    root().join("target/pbios")
}

type Result<T> = std::result::Result<T, String>;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("rom") if args.get(1).map(String::as_str) == Some("--check") => check_committed_rom(),
        Some("rom") => trap_arg(&args[1..]).and_then(|t| {
            let p = build_rom(t)?;
            if t == abi::TrapKind::Out {
                commit_rom(&p)?;
            }
            println!("{}", p.display());
            Ok(())
        }),
        Some("demo") => build_demo().map(|p| println!("{}", p.display())),
        Some("run") => run_demo(&args[1..]),
        Some("test") => run_tests(&args[1..]),
        Some("bench") => run_bench(&args[1..]),
        Some("images") => build_images().map(|paths| {
            for p in paths {
                println!("{}", p.display());
            }
        }),
        Some("header") => match &args[1..] {
            [] => generate_header(false),
            [c] if c == "--check" => generate_header(true),
            _ => Err(USAGE.into()),
        },
        Some("examples") => run_examples(),
        Some("fuzz") => fuzz::run(&args[1..]),
        Some("services") => match &args[1..] {
            [] => services::run(&root(), false),
            [c] if c == "--check" => services::run(&root(), true),
            _ => Err(USAGE.into()),
        },
        _ => Err(USAGE.into()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: {e}");
            ExitCode::FAILURE
        }
    }
}

fn trap_arg(args: &[String]) -> Result<abi::TrapKind> {
    match args {
        [] => Ok(abi::TrapKind::Out),
        [flag, kind] if flag == "--trap" => match kind.as_str() {
            "out" => Ok(abi::TrapKind::Out),
            "vmcall" => Ok(abi::TrapKind::Vmcall),
            "vmmcall" => Ok(abi::TrapKind::Vmmcall),
            k => Err(format!("unknown trap kind '{k}' (out, vmcall or vmmcall)")),
        },
        _ => Err(USAGE.into()),
    }
}

/// A command with the outer cargo's environment removed, so a nested cargo
/// picks its own toolchain and flags.
fn clean(cmd: &str) -> Command {
    let mut c = Command::new(cmd);
    for var in [
        "RUSTC",
        "RUSTDOC",
        "RUSTC_WRAPPER",
        "RUSTFLAGS",
        "CARGO_ENCODED_RUSTFLAGS",
        "RUSTUP_TOOLCHAIN",
        "CARGO_TARGET_DIR",
        "CARGO_BUILD_TARGET",
    ] {
        c.env_remove(var);
    }
    c.current_dir(root());
    c
}

fn status(mut c: Command, what: &str) -> Result<()> {
    let s = c.status().map_err(|e| format!("cannot run {what}: {e}"))?;
    if s.success() {
        Ok(())
    } else {
        Err(format!("{what} failed ({s})"))
    }
}

/// The nightly the ROM is built with, pinned so that the committed ROM
/// (shim/rom/bios.bin) can be rebuilt byte for byte.
const NIGHTLY: &str = "nightly-2026-05-20";

/// The ROM pbios ships, committed beside its crate.
fn committed_rom() -> PathBuf {
    root().join("shim/rom/bios.bin")
}

/// Copies a freshly built `out` ROM over the committed one.
fn commit_rom(built: &Path) -> Result<()> {
    let new = std::fs::read(built).map_err(|e| format!("{}: {e}", built.display()))?;
    if std::fs::read(committed_rom()).ok().as_deref() != Some(&new[..]) {
        std::fs::write(committed_rom(), &new)
            .map_err(|e| format!("{}: {e}", committed_rom().display()))?;
        eprintln!(
            "xtask: updated {} (commit it: pbios ships it)",
            committed_rom().display()
        );
    }
    Ok(())
}

/// Rebuilds the ROM from source and compares it with the committed one.
fn check_committed_rom() -> Result<()> {
    let built = build_rom(abi::TrapKind::Out)?;
    let new = std::fs::read(&built).map_err(|e| format!("{}: {e}", built.display()))?;
    let old = std::fs::read(committed_rom())
        .map_err(|e| format!("{}: {e}", committed_rom().display()))?;
    if new != old {
        let first = new.iter().zip(&old).position(|(a, b)| a != b).unwrap_or(0);
        return Err(format!(
            "{} differs from the ROM built from bios/ with {NIGHTLY} (first at offset {first:#x}): run `cargo xtask rom` and commit it",
            committed_rom().display()
        ));
    }
    println!(
        "{} is the ROM built from source ({} bytes, {NIGHTLY})",
        committed_rom().display(),
        new.len()
    );
    Ok(())
}

/// The ROM needs the pinned nightly (build-std for a custom target) with
/// rust-src.
fn ensure_nightly() -> Result<()> {
    let out = clean("rustup")
        .args(["component", "list", "--toolchain", NIGHTLY, "--installed"])
        .output()
        .map_err(|e| format!("cannot run rustup (needed for the nightly toolchain): {e}"))?;
    if !out.status.success() {
        eprintln!("xtask: installing {NIGHTLY} (the ROM builds core with -Zbuild-std)");
        let mut c = clean("rustup");
        c.args([
            "toolchain",
            "install",
            NIGHTLY,
            "--profile",
            "minimal",
            "--component",
            "rust-src",
        ]);
        return status(c, "rustup toolchain install nightly");
    }
    if !String::from_utf8_lossy(&out.stdout)
        .lines()
        .any(|l| l.starts_with("rust-src"))
    {
        eprintln!("xtask: installing rust-src for nightly (the ROM builds core from source)");
        let mut c = clean("rustup");
        c.args(["component", "add", "rust-src", "--toolchain", NIGHTLY]);
        status(c, "rustup component add rust-src")?;
    }
    Ok(())
}

/// Builds the ROM ELF with nightly, flattens it to 64 KiB, sets the
/// checksum, checks it, writes target/pbios/bios.bin (or bios-TRAP.bin).
fn build_rom(trap: abi::TrapKind) -> Result<PathBuf> {
    ensure_nightly()?;
    let feature = format!("trap-{}", trap.name());
    let mut c = clean("rustup");
    c.args([
        "run",
        NIGHTLY,
        "cargo",
        "build",
        "--quiet",
        "--package",
        "pbios-rom",
        "--profile",
        "rom",
    ]);
    c.args(["--target", "linker/i386-pbios.json", "-Zbuild-std=core"]);
    c.args([
        "-Zbuild-std-features=compiler-builtins-mem",
        "-Zjson-target-spec",
    ]);
    c.args(["--no-default-features", "--features", &feature]);
    c.args(["--target-dir", "target/rom"]);
    status(c, "the ROM build")?;
    let elf_path = root().join("target/rom/i386-pbios/rom/pbios-rom");
    let elf = std::fs::read(&elf_path).map_err(|e| format!("{}: {e}", elf_path.display()))?;
    let image = flatten(&elf)?;
    check_rom(&elf, &image, trap)?;
    let dir = out_dir();
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let name = if trap == abi::TrapKind::Out {
        "bios.bin".into()
    } else {
        format!("bios-{}.bin", trap.name())
    };
    let path = dir.join(name);
    std::fs::write(&path, &image).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(path)
}

/// Copies every allocated section to its place in the 64 KiB segment and
/// sets the checksum byte so the image sums to zero.
fn flatten(elf: &[u8]) -> Result<Vec<u8>> {
    let file = object::File::parse(elf).map_err(|e| format!("ROM ELF: {e}"))?;
    let mut image = vec![0u8; abi::ROM_SIZE];
    let base = u64::from(abi::ROM_BASE);
    for s in file.sections() {
        let alloc = matches!(
            s.kind(),
            SectionKind::Text
                | SectionKind::Data
                | SectionKind::ReadOnlyData
                | SectionKind::ReadOnlyString
                | SectionKind::ReadOnlyDataWithRel
                | SectionKind::UninitializedData
        );
        if !alloc || s.size() == 0 {
            continue;
        }
        let name = s.name().unwrap_or("?");
        let data = s.data().map_err(|e| format!("section {name}: {e}"))?;
        if data.is_empty() {
            return Err(format!(
                "section {name} has no file data: the ROM cannot hold writable data"
            ));
        }
        let off = s
            .address()
            .checked_sub(base)
            .ok_or(format!("section {name} is below F0000h"))? as usize;
        let end = off + data.len();
        if end > abi::ROM_SIZE {
            return Err(format!("section {name} ends past the 64 KiB ROM"));
        }
        image[off..end].copy_from_slice(data);
    }
    // The BIOS32 directory header sums to zero over its 16 bytes (its
    // entry address is only known after linking).
    let dir = usize::from(abi::rom::BIOS32_DIRECTORY);
    image[dir + 10] = 0;
    image[dir + 10] = 0u8.wrapping_sub(abi::header::checksum(&image[dir..dir + 16]));
    let sum = abi::header::checksum(&image[..abi::ROM_SIZE - 1]);
    image[usize::from(abi::rom::CHECKSUM)] = 0u8.wrapping_sub(sum);
    Ok(image)
}

/// The xtask's ROM check: everything the shim checks at load time, plus the
/// fixed addresses of the ELF's symbols against the ABI.
fn check_rom(elf: &[u8], image: &[u8], trap: abi::TrapKind) -> Result<()> {
    let rom = pbios::Rom::from_bytes(image.to_vec()).map_err(|e| format!("ROM check: {e}"))?;
    let h = rom.header;
    let want = |what: &str, ok: bool| {
        if ok {
            Ok(())
        } else {
            Err(format!("ROM check: {what}"))
        }
    };
    want("trap kind", h.trap_kind == trap)?;
    want("trap port", h.trap_port == abi::TRAP_PORT)?;
    want(
        "stub table",
        h.stub_table == abi::ROM_BASE + u32::from(abi::rom::STUB_TABLE),
    )?;
    want(
        "stub stride",
        h.stub_stride == abi::STUB_STRIDE && h.stub_count == abi::STUB_COUNT,
    )?;
    let file = object::File::parse(elf).map_err(|e| format!("ROM ELF: {e}"))?;
    for (sym, off) in [
        ("post_entry", abi::rom::POST_ENTRY),
        ("reset_vector", abi::rom::RESET_VECTOR),
        ("stub_table", abi::rom::STUB_TABLE),
        ("trap_entry", abi::rom::TRAP_ENTRY),
        ("mailbox_entry", h.mailbox_entry),
        ("dummy_iret", abi::rom::DUMMY_IRET),
        ("smbios_slot", abi::rom::SMBIOS_SLOT),
        ("video_slot", abi::rom::VIDEO_SLOT),
        ("bios32_directory", abi::rom::BIOS32_DIRECTORY),
        ("pci16", h.pci_entry),
        ("diskette_params", abi::rom::DISKETTE_PARAMS),
        ("entry_02", abi::rom::NMI),
        ("entry_19", abi::rom::INT19),
        ("config_table", abi::rom::CONFIG_TABLE),
        ("irq_master", abi::rom::INT09),
        ("irq0_timer", abi::rom::INT08),
        ("entry_10", abi::rom::INT10),
        ("entry_11", abi::rom::INT11),
        ("entry_12", abi::rom::INT12),
        ("entry_13", abi::rom::INT13),
        ("entry_14", abi::rom::INT14),
        ("entry_15", abi::rom::INT15),
        ("entry_16", abi::rom::INT16),
        ("entry_17", abi::rom::INT17),
        ("entry_1a", abi::rom::INT1A),
    ] {
        let addr = file
            .symbols()
            .find(|s| s.name() == Ok(sym))
            .map(|s| s.address())
            .ok_or(format!("ROM check: symbol {sym} missing"))?;
        want(
            &format!("{sym} at F000:{off:04X}"),
            addr == u64::from(abi::ROM_BASE) + u64::from(off),
        )?;
    }
    let entry = usize::from(abi::rom::TRAP_ENTRY);
    want(
        "trap entry in the header",
        h.trap_entry == abi::ROM_BASE + u32::from(abi::rom::TRAP_ENTRY),
    )?;
    want(
        "trap entry: the trap, then IRET",
        image.get(entry..entry + trap.bytes().len()) == Some(trap.bytes())
            && image.get(entry + trap.bytes().len()) == Some(&abi::IRET_OPCODE),
    )?;
    let mailbox = usize::from(h.mailbox_entry);
    want(
        "mailbox routine in the 16-bit runtime, after the trap entry",
        (entry + trap.bytes().len() + 1..usize::from(abi::rom::STUB_TABLE)).contains(&mailbox),
    )?;
    let table = (0..=255u8).map(abi::table_stub_offset);
    let compat = abi::COMPAT_STUBS.iter().map(|(_, off)| *off);
    for stub in table.chain(compat) {
        // A near call whose target, with IP wrapping in the segment, is the
        // trap entry.
        let at = usize::from(stub);
        let rel = u16::from_le_bytes([image[at + 1], image[at + 2]]);
        want(
            &format!("stub at F000:{stub:04X}: a near call of the trap entry"),
            image[at] == abi::CALL_OPCODE
                && stub.wrapping_add(abi::STUB_CALL_LEN).wrapping_add(rel) == abi::rom::TRAP_ENTRY,
        )?;
        want(
            &format!("stub at F000:{stub:04X}: decodes to its vector"),
            h.vector_of_stub(u64::from(abi::ROM_BASE) + u64::from(stub))
                .is_some(),
        )?;
    }
    let private = (h.private_trap - abi::ROM_BASE) as usize;
    want(
        "private trap: the trap, then RET",
        image.get(private..private + trap.bytes().len()) == Some(trap.bytes())
            && image.get(private + trap.bytes().len()) == Some(&abi::RET_OPCODE),
    )?;
    let cfg = usize::from(abi::rom::CONFIG_TABLE);
    want(
        "configuration table: size 8, model byte",
        image[cfg..cfg + 3] == [8, 0, abi::MODEL_BYTE],
    )?;
    want(
        "IRET at F000:FF53",
        image[usize::from(abi::rom::DUMMY_IRET)] == abi::IRET_OPCODE,
    )?;
    let slot = usize::from(abi::rom::SMBIOS_SLOT);
    want(
        "SMBIOS slot at F000:E000 is zero (the host fills it)",
        image[slot..slot + abi::rom::SMBIOS_SLOT_SIZE]
            .iter()
            .all(|&b| b == 0),
    )?;
    let video = usize::from(abi::rom::VIDEO_SLOT);
    want(
        "video slot at F000:B000 is zero (the host fills it)",
        image[video..video + abi::rom::VIDEO_SLOT_SIZE]
            .iter()
            .all(|&b| b == 0),
    )?;
    let dir = usize::from(abi::rom::BIOS32_DIRECTORY);
    want(
        "BIOS32 directory at F000:E040: _32_, 1 paragraph, sums to zero",
        &image[dir..dir + 4] == b"_32_"
            && image[dir + 9] == 1
            && abi::header::checksum(&image[dir..dir + 16]) == 0,
    )?;
    let date = usize::from(abi::rom::DATE);
    want("BIOS date", &image[date..date + 8] == abi::BIOS_DATE)?;
    want(
        "model byte",
        image[usize::from(abi::rom::MODEL)] == abi::MODEL_BYTE,
    )?;
    Ok(())
}

fn build_demo() -> Result<PathBuf> {
    let dir = out_dir();
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let path = dir.join("demo.img");
    pbios_tests::demo::write_image(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(path)
}

fn run_demo(args: &[String]) -> Result<()> {
    // pbios carries its ROM (shim/rom/bios.bin): no nightly needed here.
    let demo = build_demo()?;
    eprintln!("xtask: building pbios (release)");
    let mut c = clean("cargo");
    c.args(["build", "--quiet", "--release", "--package", "pbios"]);
    status(c, "building pbios")?;
    let extra: Vec<&String> = args.iter().skip_while(|a| *a == "--").collect();
    eprintln!("xtask: booting {}", demo.display());
    let s = Command::new(root().join("target/release/pbios"))
        .env_remove("PBIOS_ROM")
        .args(extra)
        .arg(&demo)
        .status()
        .map_err(|e| format!("cannot run pbios: {e}"))?;
    // The demo ends by writing 0 to port F4h: exit status (0 << 1) | 1 = 1
    // (pbios's own failures are even).
    match s.code() {
        Some(1) => Ok(()),
        _ => Err(format!("the demo did not finish cleanly ({s})")),
    }
}

fn run_tests(args: &[String]) -> Result<()> {
    eprintln!("xtask: building the ROMs (the pinned nightly, installed if missing)");
    ensure_qemu_packages("the tests")?;
    let rom = build_rom(abi::TrapKind::Out)?;
    commit_rom(&rom)?;
    for t in [abi::TrapKind::Vmcall, abi::TrapKind::Vmmcall] {
        build_rom(t)?;
    }
    // The real operating systems the end-to-end tests boot.
    eprintln!(
        "xtask: building the guest images from Debian's packages (cached in target/pbios/images)"
    );
    build_images()?;
    // Everything, with the guest tests on KVM...
    eprintln!("xtask: building and running every test, the guest programs on KVM (cargo test --workspace)");
    let mut c = clean("cargo");
    c.args(["test", "--workspace", "--exclude", "pbios-rom"])
        .args(args)
        .env("PBIOS_ROM", &rom)
        .env("PBIOS_ACCEL", "kvm");
    status(c, "cargo test (KVM)")?;
    // ...then the guest tests again on QEMU's TCG.
    check_qemu()?;
    eprintln!("xtask: the guest programs again on QEMU's TCG (cargo test --package pbios-tests)");
    let mut c = clean("cargo");
    c.args(["test", "--package", "pbios-tests"])
        .args(args)
        .env("PBIOS_ROM", &rom)
        .env("PBIOS_ACCEL", "tcg");
    status(c, "cargo test (TCG)")?;
    // The example VMMs (Rust and C) against pbios itself.
    eprintln!("xtask: building the example VMMs (Rust and C) and checking them against pbios");
    run_examples()
}

/// Whether the QEMU binary ($PBIOS_QEMU or qemu-system-x86_64) runs.
fn qemu_present() -> bool {
    Command::new(pbios_tests::seabios::qemu_binary())
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// The TCG backend needs QEMU; say how to get it.
fn check_qemu() -> Result<()> {
    if qemu_present() {
        Ok(())
    } else {
        Err(format!(
            "{} not found: the TCG backend's tests need it (apt install qemu-system-x86)",
            pbios_tests::seabios::qemu_binary()
        ))
    }
}

fn run_bench(args: &[String]) -> Result<()> {
    let rom = build_rom(abi::TrapKind::Out)?;
    ensure_qemu_packages("the benchmark")?;
    let mut c = clean("cargo");
    c.args(["build", "--quiet", "--release"]);
    c.args(["--package", "pbios", "--bin", "pbios"]);
    c.args(["--package", "pbios-tests", "--bin", "bench"]);
    status(c, "building pbios and the benchmark")?;
    let extra: Vec<&String> = args.iter().skip_while(|a| *a == "--").collect();
    let out = root().join("docs/benchmarks.md");
    let mut c = Command::new(root().join("target/release/bench"));
    c.arg("--out").arg(&out).args(extra).env("PBIOS_ROM", &rom);
    status(c, "the benchmark")
}

/// The benchmark compares with QEMU and SeaBIOS: install them from apt
/// when they are missing (as root, or through `sudo -n`).
/// QEMU and SeaBIOS, installed from apt when missing (the TCG backend,
/// the CLI tests, the differential run and the benchmark use them).
/// Whether `tool` is a file in one of $PATH's directories.
fn on_path(tool: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|p| std::env::split_paths(&p).any(|d| d.join(tool).is_file()))
}

fn ensure_qemu_packages(why: &str) -> Result<()> {
    let mut missing = Vec::new();
    if !qemu_present() {
        missing.push("qemu-system-x86");
    }
    if !pbios_tests::seabios::seabios_path().is_file() {
        missing.push("seabios");
    }
    // The console tests drive pbios in a real terminal; the qcow2 tests
    // check images with qemu-img.
    for (tool, package) in [("tmux", "tmux"), ("qemu-img", "qemu-utils")] {
        if !on_path(tool) {
            missing.push(package);
        }
    }
    pbios_tests::images::apt_install(&missing, why)
}

/// The real guest images (syslinux, GRUB, isolinux, memtest86+), built
/// from Debian's packages and cached under target/pbios/images.
fn build_images() -> Result<Vec<PathBuf>> {
    pbios_tests::images::build_all()
}

/// Builds the VMM docs/embedding.md spells out: its Rust code blocks, in
/// order (all but the custom-layout sketch), as one program in a crate of
/// its own under target/pbios/doc-vmm, against this checkout's pbios and the
/// workspace's locked dependency versions. Returns the binary.
fn build_doc_vmm() -> Result<PathBuf> {
    let page = root().join("docs/embedding.md");
    let text = std::fs::read_to_string(&page).map_err(|e| format!("{}: {e}", page.display()))?;
    let mut code = String::new();
    let mut block: Option<String> = None;
    for line in text.lines() {
        match (&mut block, line.trim_end()) {
            (None, "```rust") => block = Some(String::new()),
            (Some(b), "```") => {
                if !b.starts_with("let layout = MemoryMap::custom(") {
                    code += b;
                }
                block = None;
            }
            (Some(b), l) => {
                b.push_str(l);
                b.push('\n');
            }
            (None, _) => {}
        }
    }
    if !code.contains("fn main()") {
        return Err(format!("{}: no Rust code with a main", page.display()));
    }
    let dir = out_dir().join("doc-vmm");
    std::fs::create_dir_all(dir.join("src")).map_err(|e| e.to_string())?;
    let shim = root().join("shim");
    let manifest = format!(
        "[package]\nname = \"doc-vmm\"\nversion = \"0.0.0\"\nedition = \"2021\"\npublish = false\n\n\
         [workspace]\n\n[dependencies]\n\
         pbios = {{ path = {:?}, default-features = false, features = [\"kvm\"] }}\n\
         kvm-ioctls = \"0.25\"\nkvm-bindings = \"0.14\"\n\
         vm-memory = {{ version = \"0.18\", features = [\"backend-mmap\"] }}\n",
        shim.display().to_string()
    );
    let write =
        |p: PathBuf, s: &[u8]| std::fs::write(&p, s).map_err(|e| format!("{}: {e}", p.display()));
    write(dir.join("Cargo.toml"), manifest.as_bytes())?;
    write(dir.join("src/main.rs"), code.as_bytes())?;
    // The workspace's lock: the same versions, and nothing to fetch.
    std::fs::copy(root().join("Cargo.lock"), dir.join("Cargo.lock")).map_err(|e| e.to_string())?;
    eprintln!("xtask: building docs/embedding.md's VMM");
    let mut c = clean("cargo");
    c.current_dir(&dir);
    c.args(["build", "--quiet", "--release", "--offline", "--target-dir"])
        .arg(root().join("target/doc-vmm"));
    status(c, "building docs/embedding.md's code")?;
    Ok(root().join("target/doc-vmm/release/doc-vmm"))
}

/// The C header of the C ABI, generated from capi/src/lib.rs by cbindgen.
fn header_path() -> PathBuf {
    root().join("capi/include/pbios.h")
}

/// Generates capi/include/pbios.h (`check`: fail if the committed one is
/// stale instead).
fn generate_header(check: bool) -> Result<()> {
    let config = cbindgen::Config {
        language: cbindgen::Language::C,
        include_guard: Some("PBIOS_H".into()),
        header: Some(
            "/* pbios: the C ABI (libpbios_c). Generated by `cargo xtask header` from\n * capi/src/lib.rs with cbindgen; do not edit. See docs/embedding.md. */"
                .into(),
        ),
        documentation: true,
        cpp_compat: true,
        usize_is_size_t: true,
        ..Default::default()
    };
    let bindings = cbindgen::Builder::new()
        .with_config(config)
        .with_src(root().join("capi/src/lib.rs"))
        .generate()
        .map_err(|e| format!("cbindgen: {e}"))?;
    let mut text = Vec::new();
    bindings.write(&mut text);
    let path = header_path();
    if check {
        let old = std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        if old != text {
            return Err(format!(
                "{} is stale: run `cargo xtask header` and commit it",
                path.display()
            ));
        }
        return Ok(());
    }
    std::fs::write(&path, &text).map_err(|e| format!("{}: {e}", path.display()))?;
    println!("{}", path.display());
    Ok(())
}
/// Builds the example VMMs (Rust: shim/examples/minimal_vmm.rs; C:
/// examples/c/minivmm.c against libpbios_c.a) and checks that each prints,
/// line for line, what `pbios` prints for the demo disk, and exits as it
/// does. Only the clock's readings (date, time, ticks) may differ.
fn run_examples() -> Result<()> {
    let demo = build_demo()?;
    eprintln!("xtask: building pbios, the Rust example and libpbios_c (release)");
    let mut c = clean("cargo");
    c.args(["build", "--quiet", "--release"]);
    c.args([
        "--package",
        "pbios",
        "--bin",
        "pbios",
        "--example",
        "minimal_vmm",
    ]);
    status(c, "building pbios and its example")?;
    let mut c = clean("cargo");
    c.args(["build", "--quiet", "--release", "--package", "pbios-capi"]);
    status(c, "building libpbios_c")?;
    let minivmm = out_dir().join("minivmm");
    let cc = std::env::var("CC").unwrap_or_else(|_| "cc".into());
    let mut c = Command::new(&cc);
    c.current_dir(root());
    c.args([
        "-std=c11",
        "-O2",
        "-Wall",
        "-Wextra",
        "-Werror",
        "-Icapi/include",
    ]);
    c.arg("examples/c/minivmm.c")
        .arg(root().join("target/release/libpbios_c.a"))
        .args(["-lpthread", "-ldl", "-lm", "-o"])
        .arg(&minivmm);
    status(c, &format!("compiling examples/c/minivmm.c with {cc}"))?;
    let run = |program: PathBuf| -> Result<(Vec<String>, Option<i32>)> {
        let out = Command::new(&program)
            .arg(&demo)
            .env_remove("PBIOS_ROM")
            .stdin(std::process::Stdio::null())
            .output()
            .map_err(|e| format!("cannot run {}: {e}", program.display()))?;
        let text = String::from_utf8_lossy(&out.stdout).replace('\r', "");
        let lines = text
            .lines()
            .map(|l| match l.split_once("): ") {
                // The clock moves between runs.
                Some((what, _)) if what.starts_with("Date (") || what.starts_with("Time (") => {
                    format!("{what}): <clock>")
                }
                Some((what, _)) if what.starts_with("Timer ticks") => format!("{what}): <clock>"),
                _ => l.to_string(),
            })
            .collect();
        Ok((lines, out.status.code()))
    };
    let doc_vmm = build_doc_vmm()?;
    let (want, want_status) = run(root().join("target/release/pbios"))?;
    if want.last().map(String::as_str) != Some("Done.") {
        return Err(format!("pbios did not finish the demo: {want:?}"));
    }
    for program in [
        root().join("target/release/examples/minimal_vmm"),
        minivmm,
        doc_vmm,
    ] {
        let (got, got_status) = run(program.clone())?;
        if got != want || got_status != want_status {
            let first = got.iter().zip(&want).position(|(a, b)| a != b);
            return Err(format!(
                "{} differs from pbios on the demo disk (status {got_status:?} vs {want_status:?}; first different line {first:?}):\n{}",
                program.display(),
                got.join("\n")
            ));
        }
        println!(
            "{}: the same {} lines and exit status {:?} as pbios",
            program.display(),
            got.len(),
            got_status
        );
    }
    Ok(())
}

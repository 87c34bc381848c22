//! What a person sees and types, tested as a person does it: the `pbios`
//! binary in a real terminal (tmux: send-keys, capture-pane), its
//! screenshot decoded and compared, its scripted runs' statuses, on both
//! backends.

/// The real guest images (`cargo xtask images`), by path as os_boot.rs
/// takes them.
#[allow(dead_code)]
#[path = "../../tests/src/images.rs"]
mod images;

use iced_x86::code_asm::*;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

fn rom_path() -> PathBuf {
    std::env::var_os("PBIOS_ROM")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/pbios/bios.bin"))
}

fn tmp(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("pbios-term-{}-{name}", std::process::id()))
}

/// A boot sector: segments zeroed, SS:SP = 0:7C00h, then `body`.
fn boot_sector(body: impl FnOnce(&mut CodeAssembler) -> Result<(), IcedError>) -> Vec<u8> {
    let mut a = CodeAssembler::new(16).unwrap();
    (|| -> Result<(), IcedError> {
        a.cli()?;
        a.xor(ax, ax)?;
        a.mov(ds, ax)?;
        a.mov(ss, ax)?;
        a.mov(sp, 0x7C00)?;
        a.sti()?;
        a.cld()?;
        body(&mut a)
    })()
    .unwrap();
    let mut s = a.assemble(0x7C00).unwrap();
    assert!(s.len() <= 510, "boot sector too long: {}", s.len());
    s.resize(512, 0);
    s[510] = 0x55;
    s[511] = 0xAA;
    s
}

fn disk(name: &str, sector: &[u8]) -> PathBuf {
    let p = tmp(name);
    let mut d = sector.to_vec();
    d.resize(64 * 512, 0);
    std::fs::write(&p, d).unwrap();
    p
}

/// Writes `text` with attribute `attr` straight into video memory at
/// ES:DI (ES = B800h), as programs that bypass the BIOS do.
fn poke_text(
    a: &mut CodeAssembler,
    row: u16,
    col: u16,
    attr: u8,
    text: &str,
) -> Result<(), IcedError> {
    a.mov(ax, 0xB800u32)?;
    a.mov(es, ax)?;
    a.mov(di, u32::from((row * 80 + col) * 2))?;
    for b in text.bytes() {
        a.mov(ax, u32::from(attr) << 8 | u32::from(b))?;
        a.stosw()?;
    }
    Ok(())
}

/// INT 10h AH=0Eh for each character of `text`.
fn teletype(a: &mut CodeAssembler, text: &str) -> Result<(), IcedError> {
    for b in text.bytes() {
        a.mov(ax, 0x0E00 | u32::from(b))?;
        a.mov(bx, 7u32)?;
        a.int(0x10)?;
    }
    Ok(())
}

fn exit(a: &mut CodeAssembler, v: u8) -> Result<(), IcedError> {
    a.mov(al, u32::from(v))?;
    a.out(0xF4, al)?;
    let mut spin = a.create_label();
    a.set_label(&mut spin)?;
    a.hlt()?;
    a.jmp(spin)
}

/// Writes a line into video memory directly, then prints each key INT 16h
/// AH=10h returns as four hex digits through INT 10h; `q` ends the run.
fn video_and_keys_guest() -> Vec<u8> {
    boot_sector(|a| {
        poke_text(a, 2, 0, 0x1E, "DIRECT B800 WRITE")?;
        a.mov(ah, 2u32)?;
        a.xor(bx, bx)?;
        a.mov(dx, 0x0400u32)?;
        a.int(0x10)?;
        teletype(a, "KEYS:")?;
        let mut next = a.create_label();
        let mut hex = a.create_label();
        let mut digit = a.create_label();
        let mut quit = a.create_label();
        a.set_label(&mut next)?;
        a.mov(ah, 0x10u32)?;
        a.int(0x16)?;
        a.cmp(ax, 0x1071u32)?;
        a.je(quit)?;
        a.mov(dx, ax)?;
        a.mov(cx, 4u32)?;
        a.set_label(&mut hex)?;
        a.rol(dx, 4u32)?;
        a.mov(al, dl)?;
        a.and(al, 0x0Fu32)?;
        a.add(al, u32::from(b'0'))?;
        a.cmp(al, u32::from(b'9'))?;
        a.jbe(digit)?;
        a.add(al, 7u32)?;
        a.set_label(&mut digit)?;
        a.mov(ah, 0x0Eu32)?;
        a.mov(bx, 7u32)?;
        a.int(0x10)?;
        a.loop_(hex)?;
        a.mov(ax, 0x0E20u32)?;
        a.int(0x10)?;
        a.jmp(next)?;
        a.set_label(&mut quit)?;
        exit(a, 0)
    })
}

/// A pbios in its own tmux server, in a window of 100x30.
struct Tmux {
    socket: String,
}

impl Tmux {
    fn start(name: &str, command: &str) -> Tmux {
        let socket = format!("pbios-test-{}-{name}", std::process::id());
        let t = Tmux { socket };
        let shell = format!("{command}; echo PBIOS-EXIT=$?; sleep 600");
        let ok = t
            .cmd(&[
                "new-session",
                "-d",
                "-s",
                "main",
                "-x",
                "100",
                "-y",
                "30",
                &shell,
            ])
            .status
            .success();
        assert!(ok, "tmux new-session failed (is tmux installed?)");
        t
    }

    fn cmd(&self, args: &[&str]) -> Output {
        Command::new("tmux")
            .args(["-L", &self.socket, "-f", "/dev/null"])
            .args(args)
            .output()
            .expect("run tmux (cargo xtask test installs it)")
    }

    fn screen(&self) -> String {
        String::from_utf8_lossy(&self.cmd(&["capture-pane", "-p", "-t", "main"]).stdout)
            .into_owned()
    }

    fn send(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "main"];
        args.extend_from_slice(keys);
        assert!(self.cmd(&args).status.success());
    }

    /// Waits until the pane shows `text`; the pane's content then.
    fn wait_for(&self, text: &str, timeout: Duration) -> String {
        let start = Instant::now();
        loop {
            let s = self.screen();
            if s.contains(text) {
                return s;
            }
            if start.elapsed() > timeout {
                panic!("{text:?} did not appear in {timeout:?}; the pane:\n{s}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.cmd(&["kill-server"]);
    }
}

fn pbios_command(accel: &str, args: &str) -> String {
    format!(
        "{} --rom {} --accel {accel} {args}",
        env!("CARGO_BIN_EXE_pbios"),
        rom_path().display()
    )
}

fn pbios(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pbios"))
        .arg("--rom")
        .arg(rom_path())
        .args(args)
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap()
}

const ACCELS: [&str; 2] = ["kvm", "tcg"];

#[test]
fn direct_video_writes_and_keys_in_a_real_terminal() {
    for accel in ACCELS {
        let d = disk(&format!("keys-{accel}.img"), &video_and_keys_guest());
        let text_file = tmp(&format!("keys-{accel}.txt"));
        let t = Tmux::start(
            &format!("keys-{accel}"),
            &pbios_command(
                accel,
                &format!("--screen-text {} {}", text_file.display(), d.display()),
            ),
        );
        // The line the guest wrote to B8000h is on the live screen, in its
        // row (the pane's rows are the guest's).
        let pane = t.wait_for("KEYS:", Duration::from_secs(60));
        assert_eq!(
            pane.lines().nth(2),
            Some("DIRECT B800 WRITE"),
            "{accel}: {pane}"
        );
        // Keys as tmux sends them (xterm sequences), as INT 16h returns them.
        let mut typed = String::from("KEYS:");
        for (key, word) in [
            ("F1", "3B00"),
            ("F5", "3F00"),
            ("F12", "8600"),
            ("Up", "48E0"),
            ("PageDown", "51E0"),
            ("Home", "47E0"),
            ("C-Up", "8DE0"),
            ("M-Left", "9B00"),
            ("S-F3", "5600"),
            ("C-c", "2E03"),
            ("M-x", "2D00"),
            ("a", "1E61"),
            ("Enter", "1C0D"),
            ("BSpace", "0E08"),
            ("Escape", "011B"),
        ] {
            t.send(&[key]);
            typed += &format!(" {word}");
            let line = typed.replacen(' ', "", 1);
            let pane = t.wait_for(&line, Duration::from_secs(20));
            assert!(pane.contains(&line), "{accel}: {key}");
        }
        // Ctrl-C went to the guest: pbios still runs. `q` ends it.
        t.send(&["q"]);
        let pane = t.wait_for("PBIOS-EXIT=", Duration::from_secs(30));
        assert!(pane.contains("PBIOS-EXIT=1"), "{accel}: {pane}");
        // The shell's line is a fresh one below the guest's screen.
        let exit_line = pane
            .lines()
            .position(|l| l.starts_with("PBIOS-EXIT="))
            .unwrap();
        assert!(exit_line >= 25, "{accel}: below the 25 rows: {pane}");
        let text = std::fs::read_to_string(&text_file).unwrap();
        let rows: Vec<&str> = text.lines().collect();
        assert_eq!(rows.len(), 25);
        assert_eq!(rows[2], "DIRECT B800 WRITE");
        assert!(
            rows[4].starts_with(
                "KEYS:3B00 3F00 8600 48E0 51E0 47E0 8DE0 9B00 5600 2E03 2D00 1E61 1C0D 0E08 011B"
            ),
            "{accel}: {text}"
        );
        let _ = std::fs::remove_file(&d);
        let _ = std::fs::remove_file(&text_file);
    }
}

/// Prints "HELLO" through INT 10h, then waits forever.
fn hello_then_spin() -> Vec<u8> {
    boot_sector(|a| {
        teletype(a, "HELLO")?;
        let mut spin = a.create_label();
        a.set_label(&mut spin)?;
        a.hlt()?;
        a.jmp(spin)
    })
}

#[test]
fn expect_and_timeout_give_0_and_124() {
    for accel in ACCELS {
        let d = disk(&format!("hello-{accel}.img"), &hello_then_spin());
        let d = d.to_str().unwrap();
        let run = |args: &[&str]| {
            let mut all = vec!["--accel", accel, "--display", "none"];
            all.extend_from_slice(args);
            all.push(d);
            let start = Instant::now();
            let out = pbios(&all);
            (
                out.status.code(),
                start.elapsed(),
                String::from_utf8_lossy(&out.stderr).into_owned(),
            )
        };
        let (code, took, err) = run(&["--expect", "HELLO", "--timeout", "60"]);
        assert_eq!(code, Some(0), "{accel}: {err}");
        assert!(
            took < Duration::from_secs(30),
            "{accel}: --expect ends the run at once"
        );
        let (code, took, err) = run(&["--expect", "GOODBYE", "--timeout", "2"]);
        assert_eq!(code, Some(124), "{accel}: {err}");
        assert!(took >= Duration::from_secs(2), "{accel}");
        assert!(err.contains("timed out after 2 s"), "{accel}: {err}");
        let (code, _, _) = run(&["--timeout", "1.5"]);
        assert_eq!(code, Some(124), "{accel}");
        // Text the guest wrote straight into video memory counts too.
        let v = disk(
            &format!("video-{accel}.img"),
            &boot_sector(|a| {
                poke_text(a, 10, 5, 0x07, "ONLY IN VIDEO RAM")?;
                let mut spin = a.create_label();
                a.set_label(&mut spin)?;
                a.jmp(spin)
            }),
        );
        let out = pbios(&[
            "--accel",
            accel,
            "--display",
            "none",
            "--expect",
            "IN VIDEO",
            "--timeout",
            "60",
            v.to_str().unwrap(),
        ]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{accel}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        // A run that ends without the text fails.
        let quick = disk(
            &format!("quick-{accel}.img"),
            &boot_sector(|a| {
                teletype(a, "BYE")?;
                exit(a, 0)
            }),
        );
        let out = pbios(&[
            "--accel",
            accel,
            "--expect",
            "HELLO",
            quick.to_str().unwrap(),
        ]);
        assert_eq!(out.status.code(), Some(1), "{accel}");
        assert!(String::from_utf8_lossy(&out.stderr).contains("ended without \"HELLO\""));
        for p in [v, quick] {
            let _ = std::fs::remove_file(p);
        }
        let _ = std::fs::remove_file(d);
    }
}

#[test]
fn scripted_keys_wait_for_the_screen() {
    for accel in ACCELS {
        let d = disk(&format!("script-{accel}.img"), &video_and_keys_guest());
        let text_file = tmp(&format!("script-{accel}.txt"));
        let out = pbios(&[
            "--accel",
            accel,
            "--display",
            "none",
            "--keys",
            r#"wait:"KEYS:" <F2> "ab" <Ctrl-Left> sleep:0.2 <q>"#,
            "--screen-text",
            text_file.to_str().unwrap(),
            "--timeout",
            "60",
            d.to_str().unwrap(),
        ]);
        assert_eq!(
            out.status.code(),
            Some(1),
            "{accel}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = std::fs::read_to_string(&text_file).unwrap();
        assert_eq!(
            text.lines().nth(4),
            Some("KEYS:3C00 1E61 3062 73E0"),
            "{accel}: {text}"
        );
        let _ = std::fs::remove_file(&d);
        let _ = std::fs::remove_file(&text_file);
    }
}

/// Sends each character both through INT 10h and on COM1, as Linux's setup
/// code does with a serial console.
fn both_ways_guest(text: &str) -> Vec<u8> {
    boot_sector(|a| {
        for b in text.bytes() {
            a.mov(ax, 0x0E00 | u32::from(b))?;
            a.mov(bx, 7u32)?;
            a.int(0x10)?;
            let mut wait = a.create_label();
            a.mov(dx, 0x3FDu32)?;
            a.set_label(&mut wait)?;
            a.in_(al, dx)?;
            a.test(al, 0x20u32)?;
            a.jz(wait)?;
            a.mov(dx, 0x3F8u32)?;
            a.mov(al, u32::from(b))?;
            a.out(dx, al)?;
        }
        exit(a, 0)
    })
}

#[test]
fn nothing_is_printed_twice() {
    for accel in ACCELS {
        let d = disk(
            &format!("twice-{accel}.img"),
            &both_ways_guest("Probing EDD\r\n"),
        );
        let out = pbios(&["--accel", accel, d.to_str().unwrap()]);
        assert_eq!(
            String::from_utf8_lossy(&out.stdout),
            "Probing EDD\r\n",
            "{accel}"
        );
        // A guest that only calls INT 10h is still seen on the serial stream.
        let q = disk(
            &format!("int10-{accel}.img"),
            &boot_sector(|a| {
                teletype(a, "only int 10h\r\n")?;
                exit(a, 0)
            }),
        );
        let out = pbios(&["--accel", accel, q.to_str().unwrap()]);
        assert_eq!(
            String::from_utf8_lossy(&out.stdout),
            "only int 10h\r\n",
            "{accel}"
        );
        let _ = std::fs::remove_file(&d);
        let _ = std::fs::remove_file(&q);
    }
}

/// Fills the screen with every character in every attribute pattern, a
/// title, and the cursor at a known place.
fn known_screen_guest() -> Vec<u8> {
    boot_sector(|a| {
        // Rows 2-9: characters 00h-FFh, 32 a row at every other column,
        // each in attribute (its index & 7Fh) so that all 16 foregrounds
        // and 8 backgrounds show.
        a.mov(ax, 0xB800u32)?;
        a.mov(es, ax)?;
        a.xor(cx, cx)?;
        let mut cell = a.create_label();
        a.set_label(&mut cell)?;
        // DI = (2 + c/32) * 160 + (c % 32) * 4
        a.mov(ax, cx)?;
        a.shr(ax, 5u32)?;
        a.add(ax, 2u32)?;
        a.mov(bx, 160u32)?;
        a.mul(bx)?;
        a.mov(di, ax)?;
        a.mov(bx, cx)?;
        a.and(bx, 31u32)?;
        a.shl(bx, 2u32)?;
        a.add(di, bx)?;
        a.mov(al, cl)?;
        a.mov(ah, cl)?;
        a.and(ah, 0x7Fu32)?;
        a.stosw()?;
        a.inc(cx)?;
        a.cmp(cx, 256u32)?;
        a.jb(cell)?;
        poke_text(a, 0, 0, 0x1F, " pbios screenshot reference ")?;
        a.mov(ah, 2u32)?;
        a.xor(bx, bx)?;
        a.mov(dx, 0x0E05u32)?;
        a.int(0x10)?;
        exit(a, 0)
    })
}

fn decode_png(path: &Path) -> (u32, u32, Vec<u8>, Vec<u8>) {
    let dec = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(path).unwrap()));
    let mut r = dec.read_info().unwrap();
    let mut buf = vec![0; r.output_buffer_size().unwrap()];
    let info = r.next_frame(&mut buf).unwrap();
    let palette = r
        .info()
        .palette
        .as_ref()
        .map(|p| p.to_vec())
        .unwrap_or_default();
    buf.truncate(info.buffer_size());
    (info.width, info.height, buf, palette)
}

#[test]
fn the_screenshot_equals_the_reference_rendering() {
    let reference = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/screen-reference.png");
    for accel in ACCELS {
        let d = disk(&format!("shot-{accel}.img"), &known_screen_guest());
        let shot = tmp(&format!("shot-{accel}.png"));
        let out = pbios(&[
            "--accel",
            accel,
            "--screenshot",
            shot.to_str().unwrap(),
            d.to_str().unwrap(),
        ]);
        assert_eq!(
            out.status.code(),
            Some(1),
            "{accel}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        if std::env::var_os("PBIOS_BLESS").is_some() {
            std::fs::copy(&shot, &reference).unwrap();
        }
        let (w, h, px, pal) = decode_png(&shot);
        assert_eq!((w, h), (640, 400), "80x25 in 8x16 cells");
        let (rw, rh, rpx, rpal) = decode_png(&reference);
        assert_eq!((w, h, &pal), (rw, rh, &rpal), "{accel}");
        assert!(
            px == rpx,
            "{accel}: the screenshot differs from {}",
            reference.display()
        );
        // What the pixels mean, independently of the reference: the title's
        // background is blue (attribute 1Fh), a blank cell's is black, the
        // cursor (row 14, column 5) is drawn in light grey on its scan lines.
        let rgb = |x: u32, y: u32| {
            let i = usize::from(px[(y * w + x) as usize]) * 3;
            [pal[i], pal[i + 1], pal[i + 2]]
        };
        assert_eq!(rgb(0, 0), [0, 0, 0xAA]);
        assert_eq!(rgb(639, 399), [0, 0, 0]);
        assert_eq!(rgb(5 * 8 + 3, 14 * 16 + 14), [0xAA, 0xAA, 0xAA]);
        let _ = std::fs::remove_file(&d);
        let _ = std::fs::remove_file(&shot);
    }
}

/// GRUB (Debian's grub-pc, its menu on the serial console as its grub.cfg
/// says) stops at its menu on a key typed in the terminal, and runs a
/// command typed at its prompt; Ctrl-A x quits.
#[test]
fn grub_serial_menu_takes_keys_from_the_terminal() {
    let img = images::image_path(images::Image::GrubPc);
    assert!(
        img.is_file(),
        "{} is missing: cargo xtask images",
        img.display()
    );
    let t = Tmux::start(
        "grub",
        &pbios_command("kvm", &format!("--read-only {}", img.display())),
    );
    t.wait_for("GNU GRUB", Duration::from_secs(120));
    t.send(&["c"]);
    t.wait_for("grub>", Duration::from_secs(60));
    t.send(&["-l", r#"echo ab""cd"#]);
    t.send(&["Enter"]);
    // GRUB's echo prints what its parser made of the words: the line
    // "abcd" is the command's output, not the echo of what was typed.
    let start = Instant::now();
    while !t.screen().lines().any(|l| l.trim_end() == "abcd") {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "no output: {}",
            t.screen()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    t.send(&["C-a", "x"]);
    let pane = t.wait_for("PBIOS-EXIT=", Duration::from_secs(30));
    assert!(pane.contains("PBIOS-EXIT=0"), "{pane}");
}

/// The same on TCG, scripted: `--keys` waits for GRUB's menu on the
/// serial line, opens its command line and types a command; `--expect`
/// ends the run when the command's output comes.
#[test]
fn grub_takes_a_scripted_command_on_tcg() {
    let img = images::image_path(images::Image::GrubPc);
    assert!(
        img.is_file(),
        "{} is missing: cargo xtask images",
        img.display()
    );
    let out = pbios(&[
        "--accel",
        "tcg",
        "--display",
        "none",
        "--read-only",
        "--keys",
        r#"wait:"GNU GRUB" "c" wait:"grub>" "echo ab\"\"cd\n""#,
        "--expect",
        "abcd",
        "--timeout",
        "120",
        img.to_str().unwrap(),
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // GRUB places each typed character with a cursor move; its output is
    // a line of its own.
    assert!(stdout.contains("\rabcd\n"), "{stdout}");
}

/// Mode 13h, the top half in colour 4 (red), the bottom half in colour 1
/// (blue), then a key ends the run.
fn graphics_guest() -> Vec<u8> {
    boot_sector(|a| {
        a.mov(ax, 0x0013u32)?;
        a.int(0x10)?;
        a.mov(ax, 0xA000u32)?;
        a.mov(es, ax)?;
        a.xor(di, di)?;
        a.mov(al, 4u32)?;
        a.mov(cx, 320 * 100u32)?;
        a.rep().stosb()?;
        a.mov(al, 1u32)?;
        a.mov(cx, 320 * 100u32)?;
        a.rep().stosb()?;
        a.xor(ax, ax)?;
        a.int(0x16)?;
        exit(a, 0)
    })
}

#[test]
fn a_graphics_mode_is_drawn_in_the_terminal() {
    for accel in ACCELS {
        let d = disk(&format!("gfx-{accel}.img"), &graphics_guest());
        let t = Tmux::start(
            &format!("gfx-{accel}"),
            &pbios_command(accel, &d.display().to_string()),
        );
        // Upper half blocks, two pixel rows a cell, in 24-bit colour: the
        // 320x200 picture scaled into the 100x30 pane (96x30 cells).
        t.wait_for("▀▀▀▀", Duration::from_secs(60));
        let start = Instant::now();
        let pane = loop {
            let p =
                String::from_utf8_lossy(&t.cmd(&["capture-pane", "-p", "-e", "-t", "main"]).stdout)
                    .into_owned();
            if p.contains("0;0;170") || start.elapsed() > Duration::from_secs(20) {
                break p;
            }
            std::thread::sleep(Duration::from_millis(100));
        };
        // tmux sends a colour where it changes: red from the first row,
        // blue from the row the picture's line 100 falls in (15 of 30).
        let rows: Vec<&str> = pane.lines().collect();
        let first = |colour: &str| rows.iter().position(|r| r.contains(colour));
        assert_eq!(
            first("38;2;170;0;0"),
            Some(0),
            "{accel}: red on top\n{pane}"
        );
        assert_eq!(first("0;0;170"), Some(15), "{accel}: blue below\n{pane}");
        let cells = rows[2].matches('▀').count();
        assert_eq!(cells, 96, "{accel}: the picture keeps its shape");
        t.send(&["x"]);
        let pane = t.wait_for("PBIOS-EXIT=", Duration::from_secs(30));
        assert!(pane.contains("PBIOS-EXIT=1"), "{accel}: {pane}");
        let _ = std::fs::remove_file(&d);
    }
}

//! Real guest images built from Debian's own packages (`cargo xtask images`):
//! syslinux and GRUB 2 booting Debian's stock kernel with a busybox
//! initramfs, the same kernel on an isolinux ISO, and memtest86+.
//!
//! Nothing here needs root beyond installing the tools with apt: the
//! kernel, busybox and memtest86+ are fetched with `apt-get download` and
//! unpacked with `dpkg-deb -x`; the FAT file system is made and filled with
//! mtools, syslinux is installed by its mtools-based installer, GRUB's
//! core.img and boot.img are placed by this module, and the ISO is written
//! by xorriso. Images are cached under `target/pbios/images` and rebuilt
//! only when their recipe changes.

use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::Command;

/// What the initramfs's /init prints on the serial console once Linux has
/// reached userspace, followed by ` cpus=N`.
pub const USERSPACE_MARKER: &str = "PBIOS-GUEST: userspace reached";

/// The kernel command line every Linux image boots with: serial console
/// (the early one too, for a KVM run that stops before the kernel's own).
pub const LINUX_CMDLINE: &str =
    "console=ttyS0,115200 earlyprintk=serial,ttyS0,115200 loglevel=7 panic=0";

/// Bump when a recipe changes in a way the stamp does not capture.
const RECIPE_VERSION: u32 = 4;

/// Tools the images are made with: (command or file, Debian package).
const TOOLS: &[(&str, &str)] = &[
    ("/usr/bin/mformat", "mtools"),
    ("/usr/bin/mcopy", "mtools"),
    ("/usr/bin/syslinux", "syslinux"),
    ("/usr/lib/syslinux/mbr/mbr.bin", "syslinux-common"),
    (
        "/usr/lib/syslinux/modules/bios/ldlinux.c32",
        "syslinux-common",
    ),
    ("/usr/lib/ISOLINUX/isolinux.bin", "isolinux"),
    ("/usr/bin/xorriso", "xorriso"),
    ("/usr/bin/grub-mkimage", "grub-common"),
    ("/usr/lib/grub/i386-pc/boot.img", "grub-pc-bin"),
];

/// One guest image.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Image {
    /// syslinux's MBR, a FAT partition with syslinux, Linux + initramfs.
    LinuxSyslinux,
    /// GRUB 2 (i386-pc) in the MBR gap, the same FAT partition contents.
    GrubPc,
    /// An El Torito no-emulation ISO with isolinux, Linux + initramfs.
    IsolinuxIso,
    /// syslinux booting memtest86+ with a serial console.
    Memtest,
    /// syslinux running its poweroff.c32 (APM power-off) at once.
    SyslinuxPoweroff,
    /// syslinux → Linux with `vga=0x318` (VESA mode 118h, 1024x768x24)
    /// and the kernel's messages on the framebuffer console too.
    LinuxVesa,
}

/// What [`Image::LinuxVesa`] adds to [`LINUX_CMDLINE`]: a VESA mode through
/// the setup code's VBE calls, and tty0 as a console (before ttyS0, which
/// stays /dev/console).
pub const VESA_CMDLINE: &str = "vga=0x318 console=tty0";

impl Image {
    pub const ALL: [Image; 6] = [
        Image::LinuxSyslinux,
        Image::GrubPc,
        Image::IsolinuxIso,
        Image::Memtest,
        Image::SyslinuxPoweroff,
        Image::LinuxVesa,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Image::LinuxSyslinux => "linux-syslinux",
            Image::GrubPc => "grub-pc",
            Image::IsolinuxIso => "isolinux-iso",
            Image::Memtest => "memtest86+",
            Image::SyslinuxPoweroff => "syslinux-poweroff",
            Image::LinuxVesa => "linux-vesa",
        }
    }

    pub fn file_name(self) -> &'static str {
        match self {
            Image::LinuxSyslinux => "linux-syslinux.img",
            Image::GrubPc => "grub-pc.img",
            Image::IsolinuxIso => "isolinux.iso",
            Image::Memtest => "memtest86+.img",
            Image::SyslinuxPoweroff => "syslinux-poweroff.img",
            Image::LinuxVesa => "linux-vesa.img",
        }
    }

    /// Whether the image is a CD (pbios `--cdrom`) rather than a hard disk.
    pub fn is_cdrom(self) -> bool {
        self == Image::IsolinuxIso
    }
}

/// Where the images live: $PBIOS_IMAGES, else target/pbios/images.
pub fn images_dir() -> PathBuf {
    std::env::var_os("PBIOS_IMAGES")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/pbios/images"))
}

/// The path of `image`, built or not.
pub fn image_path(image: Image) -> PathBuf {
    images_dir().join(image.file_name())
}

type Result<T> = std::result::Result<T, String>;

/// Builds (or reuses) every image in [`images_dir`]; returns their paths.
pub fn build_all() -> Result<Vec<PathBuf>> {
    ensure_tools()?;
    let dir = images_dir();
    let work = dir.join("work");
    fs::create_dir_all(&work).map_err(|e| format!("{}: {e}", work.display()))?;
    let kernel_pkg = kernel_package()?;
    let kernel_root = unpack(&work, &kernel_pkg)?;
    let busybox_root = unpack(&work, "busybox-static")?;
    let memtest_root = unpack(&work, "memtest86+")?;

    let vmlinuz = find_file(&kernel_root.join("boot"), "vmlinuz-")?;
    let memtest = memtest_root.join("boot/memtest86+x64.bin");
    let initrd = work.join("initrd.img");
    write_initramfs(&busybox_root.join("bin/busybox"), &initrd)?;

    let key =
        format!("v{RECIPE_VERSION} {kernel_pkg} {LINUX_CMDLINE} {VESA_CMDLINE} {USERSPACE_MARKER}");
    let mut out = Vec::new();
    for image in Image::ALL {
        let path = dir.join(image.file_name());
        let stamp = dir.join(format!("{}.stamp", image.file_name()));
        if path.is_file() && fs::read_to_string(&stamp).ok().as_deref() == Some(key.as_str()) {
            out.push(path);
            continue;
        }
        let _ = fs::remove_file(&stamp);
        let files = Files {
            vmlinuz: &vmlinuz,
            initrd: &initrd,
            memtest: &memtest,
        };
        match image {
            Image::LinuxSyslinux => syslinux_disk(&work, &path, &files, SyslinuxBoots::Linux)?,
            Image::Memtest => syslinux_disk(&work, &path, &files, SyslinuxBoots::Memtest)?,
            Image::SyslinuxPoweroff => {
                syslinux_disk(&work, &path, &files, SyslinuxBoots::Poweroff)?
            }
            Image::LinuxVesa => syslinux_disk(&work, &path, &files, SyslinuxBoots::LinuxVesa)?,
            Image::GrubPc => grub_disk(&work, &path, &files)?,
            Image::IsolinuxIso => isolinux_iso(&work, &path, &files)?,
        }
        fs::write(&stamp, &key).map_err(|e| format!("{}: {e}", stamp.display()))?;
        out.push(path);
    }
    Ok(out)
}

struct Files<'a> {
    vmlinuz: &'a Path,
    initrd: &'a Path,
    memtest: &'a Path,
}

fn run(mut c: Command, what: &str) -> Result<()> {
    let out = c.output().map_err(|e| format!("cannot run {what}: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        let err = String::from_utf8_lossy(&out.stderr);
        let line = err.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
        Err(format!("{what} failed ({}): {line}", out.status))
    }
}

fn output(mut c: Command, what: &str) -> Result<String> {
    let out = c.output().map_err(|e| format!("cannot run {what}: {e}"))?;
    if !out.status.success() {
        return Err(format!("{what} failed ({})", out.status));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Runs apt-get as root, or through `sudo -n`.
fn apt_get(args: &[&str]) -> bool {
    let root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.starts_with(b"0\n"));
    let mut c = if root {
        Command::new("apt-get")
    } else {
        let mut c = Command::new("sudo");
        c.args(["-n", "apt-get"]);
        c
    };
    c.args(args).env("DEBIAN_FRONTEND", "noninteractive");
    c.status().is_ok_and(|s| s.success())
}

/// Installs Debian `packages` with apt if any is missing (`present` says
/// which are there); `why` goes into the error.
pub fn apt_install(packages: &[&str], why: &str) -> Result<()> {
    if packages.is_empty() {
        return Ok(());
    }
    eprintln!("installing {} (apt, {why})", packages.join(" "));
    let mut install = vec!["install", "-y", "-q", "--no-install-recommends"];
    install.extend(packages);
    if apt_get(&install) || (apt_get(&["update", "-q"]) && apt_get(&install)) {
        Ok(())
    } else {
        Err(format!(
            "{why} needs {0}: install it with `apt-get install {0}`",
            packages.join(" ")
        ))
    }
}

fn ensure_tools() -> Result<()> {
    let mut missing: Vec<&str> = TOOLS
        .iter()
        .filter(|(path, _)| !Path::new(path).exists())
        .map(|(_, pkg)| *pkg)
        .collect();
    missing.dedup();
    apt_install(&missing, "building the guest images")
}

/// The versioned package behind the `linux-image-amd64` metapackage.
fn kernel_package() -> Result<String> {
    let show = |c: &mut Command| {
        c.args(["show", "--no-all-versions", "linux-image-amd64"]);
    };
    let mut c = Command::new("apt-cache");
    show(&mut c);
    let mut text = output(c, "apt-cache show linux-image-amd64").unwrap_or_default();
    if text.is_empty() {
        apt_get(&["update", "-q"]);
        let mut c = Command::new("apt-cache");
        show(&mut c);
        text = output(c, "apt-cache show linux-image-amd64")?;
    }
    text.lines()
        .find_map(|l| l.strip_prefix("Depends:"))
        .and_then(|d| d.split([',', ' ']).find(|w| w.starts_with("linux-image-")))
        .map(str::to_owned)
        .ok_or_else(|| "apt-cache: linux-image-amd64 names no kernel package".into())
}

/// Downloads `package` with apt-get and unpacks it under `work`; cached.
fn unpack(work: &Path, package: &str) -> Result<PathBuf> {
    let dir = work.join("pkg").join(package);
    let root = dir.join("root");
    let done = dir.join(".unpacked");
    if done.is_file() {
        return Ok(root);
    }
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&root).map_err(|e| format!("{}: {e}", root.display()))?;
    let download = || {
        Command::new("apt-get")
            .args(["download", "-q", package])
            .current_dir(&dir)
            .output()
            .is_ok_and(|o| o.status.success())
    };
    let fetched = download() || (apt_get(&["update", "-q"]) && download());
    if !fetched {
        return Err(format!("apt-get download {package} failed"));
    }
    let deb = fs::read_dir(&dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| p.extension().is_some_and(|x| x == "deb"))
        .ok_or_else(|| format!("apt-get download {package} left no .deb"))?;
    let mut c = Command::new("dpkg-deb");
    c.arg("-x").arg(&deb).arg(&root);
    run(c, &format!("dpkg-deb -x {}", deb.display()))?;
    let _ = fs::remove_file(&deb);
    fs::write(&done, package).map_err(|e| e.to_string())?;
    Ok(root)
}

fn find_file(dir: &Path, prefix: &str) -> Result<PathBuf> {
    fs::read_dir(dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(prefix))
        })
        .ok_or_else(|| format!("no {prefix}* in {}", dir.display()))
}

/// The initramfs's /init: mount what it needs, print what the kernel read
/// from SMBIOS (/sys/class/dmi/id), the marker with the number of CPUs
/// Linux brought up, then power off through ACPI, or reboot
/// when there is no ACPI (`pbios --no-acpi`), which could not power off.
fn init_script() -> String {
    format!(
        "#!/bin/busybox sh
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t sysfs sysfs /sys
/bin/busybox mount -t devtmpfs devtmpfs /dev
cpus=$(/bin/busybox grep -c ^processor /proc/cpuinfo)
dmi=/sys/class/dmi/id
echo \"dmi-id: $(/bin/busybox cat $dmi/sys_vendor) / $(/bin/busybox cat $dmi/product_name) / $(/bin/busybox cat $dmi/bios_vendor)\" > /dev/console
echo \"{USERSPACE_MARKER} cpus=$cpus\" > /dev/console
if [ -d /sys/firmware/acpi/tables ]; then
    /bin/busybox poweroff -f
fi
/bin/busybox reboot -f
"
    )
}

/// Writes a newc initramfs: /init, /bin/busybox, /dev/console and the
/// mount points, owned by root, without needing root to make them.
fn write_initramfs(busybox: &Path, out: &Path) -> Result<()> {
    let bb = fs::read(busybox).map_err(|e| format!("{}: {e}", busybox.display()))?;
    let init = init_script().into_bytes();
    let dir = |name: &str| {
        (
            cpio::NewcBuilder::new(name).mode(0o040755).nlink(2),
            Vec::new(),
        )
    };
    let file =
        |name: &str, data: Vec<u8>| (cpio::NewcBuilder::new(name).mode(0o100755).nlink(1), data);
    let entries = vec![
        dir("bin"),
        dir("dev"),
        dir("proc"),
        dir("sys"),
        (
            cpio::NewcBuilder::new("dev/console")
                .mode(0o020600)
                .rdev_major(5)
                .rdev_minor(1)
                .nlink(1),
            Vec::new(),
        ),
        file("bin/busybox", bb),
        file("init", init),
    ];
    let inputs = entries
        .into_iter()
        .enumerate()
        .map(|(i, (b, data))| (b.ino(i as u32 + 1), io::Cursor::new(data)));
    let f = File::create(out).map_err(|e| format!("{}: {e}", out.display()))?;
    cpio::write_cpio(inputs, io::BufWriter::new(f))
        .and_then(|mut w| w.flush())
        .map_err(|e| format!("{}: {e}", out.display()))
}

/// Where the FAT partition starts (sectors): 1 MiB, as fdisk aligns it;
/// GRUB's core.img lives in the gap before it.
const PART_START: u64 = 2048;
/// Size of the FAT partition (sectors): 48 MiB.
const PART_SECTORS: u64 = 48 * 2048;

#[derive(Clone, Copy, PartialEq, Eq)]
enum SyslinuxBoots {
    Linux,
    LinuxVesa,
    Memtest,
    Poweroff,
}

/// syslinux's COM32 modules for poweroff.c32 (syslinux-common).
const POWEROFF_MODULES: [&str; 3] = ["poweroff.c32", "libcom32.c32", "libutil.c32"];

/// A FAT16 partition image holding `files` (path in the FS, host file) and
/// `texts` (path, contents), with `dirs` made first.
fn fat_partition(
    out: &Path,
    dirs: &[&str],
    files: &[(&str, &Path)],
    texts: &[(&str, String)],
) -> Result<()> {
    let _ = fs::remove_file(out);
    let f = File::create(out).map_err(|e| format!("{}: {e}", out.display()))?;
    f.set_len(PART_SECTORS * 512).map_err(|e| e.to_string())?;
    drop(f);
    let img = out.to_str().ok_or("non-UTF-8 path")?;
    let mut c = Command::new("mformat");
    c.args(["-i", img, "-h", "64", "-s", "32", "-H"])
        .arg(PART_START.to_string())
        .args(["-v", "PBIOS", "::"]);
    run(c, "mformat")?;
    for d in dirs {
        let mut c = Command::new("mmd");
        c.args(["-i", img, &format!("::{d}")]);
        run(c, &format!("mmd {d}"))?;
    }
    let texts_dir = out.with_extension("files");
    fs::create_dir_all(&texts_dir).map_err(|e| e.to_string())?;
    let mut all: Vec<(String, PathBuf)> = files
        .iter()
        .map(|(d, p)| (d.to_string(), p.to_path_buf()))
        .collect();
    for (i, (dest, text)) in texts.iter().enumerate() {
        let p = texts_dir.join(format!("{i}.txt"));
        fs::write(&p, text).map_err(|e| e.to_string())?;
        all.push((dest.to_string(), p));
    }
    for (dest, src) in all {
        let mut c = Command::new("mcopy");
        c.args(["-o", "-i", img]).arg(&src).arg(format!("::{dest}"));
        run(c, &format!("mcopy {}", src.display()))?;
    }
    Ok(())
}

/// A disk: `mbr` code (up to 440 bytes) in sector 0 with one active FAT16
/// partition at [`PART_START`], `gap` from sector 1 on, then `part`.
fn assemble_disk(out: &Path, mbr: &[u8], gap: &[u8], part: &Path) -> Result<()> {
    if mbr.len() > 440 {
        return Err("MBR code longer than 440 bytes".into());
    }
    if gap.len() as u64 > (PART_START - 1) * 512 {
        return Err(format!(
            "{} bytes do not fit before the partition",
            gap.len()
        ));
    }
    let mut head = vec![0u8; (PART_START * 512) as usize];
    head[..mbr.len()].copy_from_slice(mbr);
    // Disk signature, then the partition entry (EDD-era tools ignore CHS:
    // FEh FFh FFh means "use the LBA fields").
    head[440..444].copy_from_slice(&0x5042_494F_u32.to_le_bytes());
    let e = &mut head[446..462];
    e[0] = 0x80;
    e[1..4].copy_from_slice(&[0xFE, 0xFF, 0xFF]);
    e[4] = 0x0E; // FAT16, LBA
    e[5..8].copy_from_slice(&[0xFE, 0xFF, 0xFF]);
    e[8..12].copy_from_slice(&(PART_START as u32).to_le_bytes());
    e[12..16].copy_from_slice(&(PART_SECTORS as u32).to_le_bytes());
    head[510] = 0x55;
    head[511] = 0xAA;
    head[512..512 + gap.len()].copy_from_slice(gap);
    let tmp = out.with_extension("tmp");
    let mut f = File::create(&tmp).map_err(|e| format!("{}: {e}", tmp.display()))?;
    f.write_all(&head).map_err(|e| e.to_string())?;
    let mut p = File::open(part).map_err(|e| format!("{}: {e}", part.display()))?;
    io::copy(&mut p, &mut f).map_err(|e| e.to_string())?;
    f.sync_all().map_err(|e| e.to_string())?;
    drop(f);
    fs::rename(&tmp, out).map_err(|e| format!("{}: {e}", out.display()))
}

fn syslinux_cfg(boots: SyslinuxBoots) -> String {
    let entry = match boots {
        SyslinuxBoots::Linux => {
            format!("LINUX /boot/vmlinuz\n  INITRD /boot/initrd.img\n  APPEND {LINUX_CMDLINE}\n")
        }
        SyslinuxBoots::LinuxVesa => format!(
            "LINUX /boot/vmlinuz\n  INITRD /boot/initrd.img\n  APPEND {VESA_CMDLINE} {LINUX_CMDLINE}\n"
        ),
        // LINUX, not KERNEL: a .bin file would be taken for a boot sector.
        SyslinuxBoots::Memtest => {
            "LINUX /boot/memtest86+x64.bin\n  APPEND console=ttyS0,115200 nopause\n".into()
        }
        SyslinuxBoots::Poweroff => "COM32 poweroff.c32\n".into(),
    };
    format!("SERIAL 0 115200\nPROMPT 0\nTIMEOUT 0\nDEFAULT pbios\nLABEL pbios\n  {entry}")
}

fn syslinux_disk(work: &Path, out: &Path, f: &Files, boots: SyslinuxBoots) -> Result<()> {
    let part = work.join(format!(
        "{}.part",
        out.file_name().and_then(|n| n.to_str()).unwrap_or("disk")
    ));
    let mut files: Vec<(&str, &Path)> = Vec::new();
    match boots {
        SyslinuxBoots::Linux | SyslinuxBoots::LinuxVesa => {
            files.push(("/boot/vmlinuz", f.vmlinuz));
            files.push(("/boot/initrd.img", f.initrd));
        }
        SyslinuxBoots::Memtest => files.push(("/boot/memtest86+x64.bin", f.memtest)),
        SyslinuxBoots::Poweroff => {}
    }
    let modules: Vec<(String, PathBuf)> = match boots {
        SyslinuxBoots::Poweroff => POWEROFF_MODULES
            .iter()
            .map(|m| {
                (
                    format!("/boot/syslinux/{m}"),
                    Path::new("/usr/lib/syslinux/modules/bios").join(m),
                )
            })
            .collect(),
        _ => Vec::new(),
    };
    files.extend(modules.iter().map(|(a, b)| (a.as_str(), b.as_path())));
    fat_partition(
        &part,
        &["/boot", "/boot/syslinux"],
        &files,
        &[("/boot/syslinux/syslinux.cfg", syslinux_cfg(boots))],
    )?;
    let mut c = Command::new("syslinux");
    c.args(["--install", "--directory", "/boot/syslinux"])
        .arg(&part);
    run(c, "syslinux --install")?;
    let mbr = fs::read("/usr/lib/syslinux/mbr/mbr.bin")
        .map_err(|e| format!("syslinux's mbr.bin: {e}"))?;
    assemble_disk(out, &mbr, &[], &part)?;
    let _ = fs::remove_file(&part);
    Ok(())
}

/// Offset of boot.img's first-sector LBA of core.img (GRUB's
/// GRUB_BOOT_MACHINE_KERNEL_SECTOR).
const GRUB_KERNEL_SECTOR: usize = 0x5C;

fn grub_cfg() -> String {
    format!(
        "serial --unit=0 --speed=115200
terminal_input serial
terminal_output serial
set timeout=1
set default=0
menuentry 'Debian GNU/Linux on pbios' {{
    linux /boot/vmlinuz {LINUX_CMDLINE}
    initrd /boot/initrd.img
}}
"
    )
}

/// GRUB 2 for i386-pc as grub-install would place it on an MBR disk:
/// boot.img in sector 0 (pointing at sector 1), core.img from sector 1 in
/// the gap before the partition; grub.cfg on the FAT partition.
fn grub_disk(work: &Path, out: &Path, f: &Files) -> Result<()> {
    let core = work.join("grub-core.img");
    let mut c = Command::new("grub-mkimage");
    c.args(["-O", "i386-pc", "-o"])
        .arg(&core)
        .args(["-p", "(hd0,msdos1)/boot/grub"])
        .args([
            "biosdisk",
            "part_msdos",
            "fat",
            "normal",
            "linux",
            "serial",
            "terminal",
            "echo",
            "test",
            "configfile",
            "boot",
        ]);
    run(c, "grub-mkimage")?;
    let core_img = fs::read(&core).map_err(|e| format!("{}: {e}", core.display()))?;
    let boot =
        fs::read("/usr/lib/grub/i386-pc/boot.img").map_err(|e| format!("GRUB's boot.img: {e}"))?;
    if boot.len() != 512 {
        return Err("GRUB's boot.img is not one sector".into());
    }
    let mut mbr = boot[..440].to_vec();
    // core.img's first sector is LBA 1; diskboot.img's own block list
    // already says the rest follows from LBA 2.
    mbr[GRUB_KERNEL_SECTOR..GRUB_KERNEL_SECTOR + 8].copy_from_slice(&1u64.to_le_bytes());
    let part = work.join("grub-pc.part");
    fat_partition(
        &part,
        &["/boot", "/boot/grub"],
        &[("/boot/vmlinuz", f.vmlinuz), ("/boot/initrd.img", f.initrd)],
        &[("/boot/grub/grub.cfg", grub_cfg())],
    )?;
    assemble_disk(out, &mbr, &core_img, &part)?;
    let _ = fs::remove_file(&part);
    Ok(())
}

fn isolinux_iso(work: &Path, out: &Path, f: &Files) -> Result<()> {
    let tree = work.join("iso");
    let _ = fs::remove_dir_all(&tree);
    for d in ["isolinux", "boot"] {
        fs::create_dir_all(tree.join(d)).map_err(|e| e.to_string())?;
    }
    let copy = |from: &Path, to: &str| {
        fs::copy(from, tree.join(to))
            .map(|_| ())
            .map_err(|e| format!("{}: {e}", from.display()))
    };
    copy(
        Path::new("/usr/lib/ISOLINUX/isolinux.bin"),
        "isolinux/isolinux.bin",
    )?;
    copy(
        Path::new("/usr/lib/syslinux/modules/bios/ldlinux.c32"),
        "isolinux/ldlinux.c32",
    )?;
    copy(f.vmlinuz, "boot/vmlinuz")?;
    copy(f.initrd, "boot/initrd.img")?;
    fs::write(
        tree.join("isolinux/isolinux.cfg"),
        syslinux_cfg(SyslinuxBoots::Linux),
    )
    .map_err(|e| e.to_string())?;
    let tmp = out.with_extension("tmp");
    let _ = fs::remove_file(&tmp);
    let mut c = Command::new("xorriso");
    c.args(["-as", "mkisofs", "-quiet", "-R", "-o"])
        .arg(&tmp)
        .args([
            "-b",
            "isolinux/isolinux.bin",
            "-c",
            "isolinux/boot.cat",
            "-no-emul-boot",
            "-boot-load-size",
            "4",
            "-boot-info-table",
        ])
        .arg(&tree);
    run(c, "xorriso")?;
    fs::rename(&tmp, out).map_err(|e| format!("{}: {e}", out.display()))
}

/*
 * minivmm: a minimal KVM VMM in C that boots a disk with pbios, in the
 * spirit of kvmtool and bhyve: plain KVM ioctls for the machine, libpbios_c
 * for the firmware (its ROM and the BIOS services behind the trap).
 *
 *     cargo xtask examples        # builds libpbios_c.a and this, runs it
 *     target/pbios/minivmm target/pbios/demo.img
 *
 * It prints what the guest prints through INT 10h and exits as `pbios`
 * does: the guest's port-F4h value v gives status (v << 1) | 1.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "pbios.h"

#define RAM_BYTES (128ULL << 20)
#define MAX_RANGES 8

static void die(const char *what)
{
	fprintf(stderr, "minivmm: %s: %s\n", what, strerror(errno));
	exit(2);
}

static void pbios_die(const char *what)
{
	fprintf(stderr, "minivmm: %s: %s\n", what, pbios_last_error());
	exit(2);
}

static void *anon(size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		die("mmap");
	return p;
}

static void map(int vm, unsigned slot, uint64_t gpa, uint64_t size, void *host,
		unsigned flags)
{
	struct kvm_userspace_memory_region r = {
		.slot = slot,
		.flags = flags,
		.guest_phys_addr = gpa,
		.memory_size = size,
		.userspace_addr = (uint64_t)(uintptr_t)host,
	};
	if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &r) < 0)
		die("KVM_SET_USER_MEMORY_REGION");
}

/* One BIOS call: registers from KVM to pbios and back. */
static int serve(Pbios *pb, int vcpu)
{
	struct kvm_regs r;
	struct kvm_sregs s;
	if (ioctl(vcpu, KVM_GET_REGS, &r) < 0 || ioctl(vcpu, KVM_GET_SREGS, &s) < 0)
		die("KVM_GET_REGS");
	PbiosRegs p = {
		.rax = r.rax, .rbx = r.rbx, .rcx = r.rcx, .rdx = r.rdx,
		.rsi = r.rsi, .rdi = r.rdi, .rbp = r.rbp, .rsp = r.rsp,
		.rip = r.rip, .rflags = r.rflags,
		.cs = s.cs.selector, .ds = s.ds.selector, .es = s.es.selector,
		.ss = s.ss.selector, .fs = s.fs.selector, .gs = s.gs.selector,
		.cs_base = s.cs.base, .ds_base = s.ds.base, .es_base = s.es.base,
		.ss_base = s.ss.base, .fs_base = s.fs.base, .gs_base = s.gs.base,
	};
	int res = pbios_serve_trap(pb, &p);
	if (res < 0)
		pbios_die("pbios_serve_trap");
	if (res & PBIOS_RESUME_REGS) {
		r.rax = p.rax; r.rbx = p.rbx; r.rcx = p.rcx; r.rdx = p.rdx;
		r.rsi = p.rsi; r.rdi = p.rdi; r.rbp = p.rbp; r.rsp = p.rsp;
		r.rip = p.rip; r.rflags = p.rflags;
		if (ioctl(vcpu, KVM_SET_REGS, &r) < 0)
			die("KVM_SET_REGS");
	}
	if (res & PBIOS_RESUME_SEGMENTS) {
		s.cs.selector = p.cs; s.cs.base = p.cs_base;
		s.ds.selector = p.ds; s.ds.base = p.ds_base;
		s.es.selector = p.es; s.es.base = p.es_base;
		s.ss.selector = p.ss; s.ss.base = p.ss_base;
		s.fs.selector = p.fs; s.fs.base = p.fs_base;
		s.gs.selector = p.gs; s.gs.base = p.gs_base;
		if (ioctl(vcpu, KVM_SET_SREGS, &s) < 0)
			die("KVM_SET_SREGS");
	}
	return res;
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: minivmm DISK.IMG\n");
		return 2;
	}

	/* The firmware: pbios with the default layout, the disk, the console. */
	Pbios *pb = pbios_create(RAM_BYTES);
	if (!pb)
		pbios_die("pbios_create");
	if (pbios_attach_disk(pb, argv[1], PBIOS_DISK_HARD, false) < 0)
		pbios_die(argv[1]);
	if (pbios_set_console_fd(pb, STDOUT_FILENO) < 0)
		pbios_die("pbios_set_console_fd");
	/* One CPU and no ACPI tables: this VMM has no PM1a or reset register. */
	if (pbios_set_platform(pb, 1, false, 0x600, 0xCF9) < 0)
		pbios_die("pbios_set_platform");

	/* The VM: KVM's real-mode pages, the in-kernel PIC and PIT. */
	int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0)
		die("/dev/kvm");
	int vm = ioctl(kvm, KVM_CREATE_VM, 0);
	if (vm < 0)
		die("KVM_CREATE_VM");
	uint64_t identity = PBIOS_KVM_IDENTITY_MAP;
	if (ioctl(vm, KVM_SET_IDENTITY_MAP_ADDR, &identity) < 0)
		die("KVM_SET_IDENTITY_MAP_ADDR");
	if (ioctl(vm, KVM_SET_TSS_ADDR, (unsigned long)PBIOS_KVM_TSS) < 0)
		die("KVM_SET_TSS_ADDR");
	if (ioctl(vm, KVM_CREATE_IRQCHIP, 0) < 0)
		die("KVM_CREATE_IRQCHIP");
	struct kvm_pit_config pit = { .flags = KVM_PIT_SPEAKER_DUMMY };
	if (ioctl(vm, KVM_CREATE_PIT2, &pit) < 0)
		die("KVM_CREATE_PIT2");

	/* Guest RAM where pbios's layout puts it, shown to KVM and pbios. */
	PbiosRange ranges[MAX_RANGES];
	int n = pbios_ram_ranges(pb, ranges, MAX_RANGES);
	if (n < 0 || n > MAX_RANGES)
		pbios_die("pbios_ram_ranges");
	unsigned slot = 0;
	for (int i = 0; i < n; i++) {
		void *host = anon(ranges[i].size);
		map(vm, slot++, ranges[i].base, ranges[i].size, host, 0);
		if (pbios_add_ram(pb, ranges[i].base, host, ranges[i].size) < 0)
			pbios_die("pbios_add_ram");
	}

	/* The ROM, read-only at F0000h and below 4 GiB (the reset vector),
	 * with its SMBIOS entry points filled in for this machine. */
	size_t rom_len;
	pbios_rom(&rom_len);
	void *rom_copy = anon(rom_len);
	if (pbios_rom_image(pb, rom_copy, rom_len) < 0)
		pbios_die("pbios_rom_image");
	map(vm, slot++, PBIOS_ROM_BASE, rom_len, rom_copy, KVM_MEM_READONLY);
	map(vm, slot++, PBIOS_ROM_HIGH_BASE, rom_len, rom_copy, KVM_MEM_READONLY);

	/* One vCPU at its reset state, with the host's CPUID. */
	int vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
	if (vcpu < 0)
		die("KVM_CREATE_VCPU");
	struct kvm_cpuid2 *cpuid =
		calloc(1, sizeof(*cpuid) + 256 * sizeof(struct kvm_cpuid_entry2));
	if (!cpuid)
		die("calloc");
	cpuid->nent = 256;
	if (ioctl(kvm, KVM_GET_SUPPORTED_CPUID, cpuid) < 0 ||
	    ioctl(vcpu, KVM_SET_CPUID2, cpuid) < 0)
		die("KVM_SET_CPUID2");
	int run_size = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (run_size < 0)
		die("KVM_GET_VCPU_MMAP_SIZE");
	struct kvm_run *run =
		mmap(NULL, run_size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
	if (run == MAP_FAILED)
		die("mmap kvm_run");

	/* The exit loop: traps to pbios, port F4h ends the run, any other
	 * port or MMIO access finds nothing. */
	int status = 2;
	for (;;) {
		if (ioctl(vcpu, KVM_RUN, 0) < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			die("KVM_RUN");
		}
		uint8_t *data = (uint8_t *)run + run->io.data_offset;
		switch (run->exit_reason) {
		case KVM_EXIT_IO:
			if (run->io.direction == KVM_EXIT_IO_OUT &&
			    run->io.port == PBIOS_TRAP_PORT) {
				if (serve(pb, vcpu) & PBIOS_STOP) {
					status = pbios_exit_status(pb, 0);
					goto out;
				}
			} else if (run->io.direction == KVM_EXIT_IO_OUT &&
				   run->io.port == PBIOS_DEBUG_EXIT_PORT) {
				status = pbios_exit_status(pb, data[0]);
				goto out;
			} else if (run->io.direction == KVM_EXIT_IO_IN) {
				memset(data, 0xFF, (size_t)run->io.size * run->io.count);
			}
			break;
		case KVM_EXIT_MMIO:
			if (!run->mmio.is_write)
				memset(run->mmio.data, 0xFF, run->mmio.len);
			break;
		case KVM_EXIT_HLT:
		case KVM_EXIT_INTR:
			break;
		case KVM_EXIT_SHUTDOWN:
			fprintf(stderr, "minivmm: the guest triple-faulted\n");
			goto out;
		default:
			fprintf(stderr, "minivmm: unexpected exit %u\n", run->exit_reason);
			goto out;
		}
	}
out:
	/* The guest's disk writes reach the image before we exit. */
	if (pbios_flush(pb) < 0)
		pbios_die("pbios_flush");
	pbios_destroy(pb);
	return status;
}

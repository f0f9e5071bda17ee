# Tandem build. `make` builds the kernel and the bootable ISO; `make test` runs every
# test; `make run` boots the image in QEMU; `make deps` installs what is missing.

BUILD   ?= build
VERSION := 0.1.0
GITREV  := $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)

CC      := gcc
HOSTCC  := gcc
FUZZCC  := clang
LD      := ld
OBJCOPY := objcopy

GCC_INC := $(shell $(CC) -print-file-name=include)

WARN    := -Wall -Wextra -Werror -Wvla -Wstrict-prototypes -Wmissing-prototypes
# Freestanding code: no libc headers, no SSE (the kernel does not save the FPU on
# entry), no red zone (interrupts push onto the same stack).
FREE_CFLAGS := -std=c11 $(WARN) -O2 -g -ffreestanding -nostdinc -isystem $(GCC_INC) \
	-fno-stack-protector -fno-pic -fno-pie -fno-builtin -fno-omit-frame-pointer \
	-mno-red-zone -mno-mmx -mno-sse -mno-sse2 -mno-avx -mgeneral-regs-only \
	-fno-asynchronous-unwind-tables -Ilib/include -Iinclude
KCFLAGS := $(FREE_CFLAGS) -mcmodel=kernel -Ikernel -Ikernel/arch/x86 \
	-DTANDEM_VERSION='"$(VERSION)"' -DTANDEM_GITREV='"$(GITREV)"'
KASFLAGS := -g -Ikernel -Ikernel/arch/x86 -Iinclude -D__ASSEMBLY__

HOST_CFLAGS := -std=c11 $(WARN) -g -O1 -fno-omit-frame-pointer \
	-fsanitize=address,undefined -fno-sanitize-recover=all -Iinclude -Ikernel -Itests/unit -idirafter lib/include
FUZZ_CFLAGS := -std=c11 $(WARN) -g -O1 -fsanitize=fuzzer,address,undefined -Iinclude -Ikernel \
	-idirafter lib/include

# Unit-test and fuzzer rules name their sources through per-test variables.
.SECONDEXPANSION:

.PHONY: all kernel user iso unit fuzz bench test test-slow test-unit test-system run cluster-demo deps clean format
all: kernel user iso

# ---------------------------------------------------------------- kernel
KERNEL_C := $(wildcard kernel/*.c kernel/arch/x86/*.c) lib/string.c lib/format.c lib/elf.c
KERNEL_S := $(wildcard kernel/arch/x86/*.S)
KERNEL_OBJ := $(patsubst %,$(BUILD)/k/%.o,$(KERNEL_C) $(KERNEL_S))

$(BUILD)/k/%.c.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(KCFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/k/%.S.o: %.S
	@mkdir -p $(dir $@)
	@echo "  AS      $<"
	@$(CC) $(KASFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/kernel.elf: $(KERNEL_OBJ) kernel/arch/x86/kernel.ld
	@echo "  LD      $@"
	@$(LD) -n -nostdlib --no-warn-rwx-segments -z max-page-size=0x1000 -z noexecstack -T kernel/arch/x86/kernel.ld \
		-o $@ $(KERNEL_OBJ)

kernel: $(BUILD)/kernel.elf

-include $(KERNEL_OBJ:.o=.d)

# ---------------------------------------------------------------- generated sources
# The root task's 8x16 font by code page 437, from Debian's console fonts
# (console-setup-linux); the first font that has a character gives its glyph.
FONT_DIR := /usr/share/consolefonts
FONT_PSF := $(FONT_DIR)/Uni2-VGA16.psf.gz $(FONT_DIR)/Uni3-TerminusBoldVGA16.psf.gz
FONT_C   := $(BUILD)/gen/font8x16.c

$(FONT_C): tools/psf2c $(wildcard $(FONT_PSF))
	@mkdir -p $(dir $@)
	@echo "  FONT    $@"
	@tools/psf2c $@.tmp $(FONT_PSF) && mv $@.tmp $@

# ---------------------------------------------------------------- user programs
# Freestanding like the kernel, linked at 4 MiB by lib/user.ld.
USER_CFLAGS := $(FREE_CFLAGS)
ULIB_C := lib/parse.c lib/hc.c lib/print.c lib/heap.c lib/elf.c lib/string.c lib/format.c lib/thread.c
ROOT_C := $(wildcard root/*.c) lib/config.c
KTEST_C := $(wildcard tests/ktest/*.c)

$(BUILD)/u/%.c.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(USER_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/u/%.S.o: %.S
	@mkdir -p $(dir $@)
	@echo "  AS      $<"
	@$(CC) -g -MMD -MP -c $< -o $@

uobjs = $(patsubst %,$(BUILD)/u/%.o,$(1))

FONT_OBJ := $(BUILD)/u/gen/font8x16.c.o

$(FONT_OBJ): $(FONT_C)
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(USER_CFLAGS) -c $< -o $@

$(BUILD)/root.elf: $(call uobjs,lib/crt0.S $(ROOT_C) $(ULIB_C)) $(FONT_OBJ) lib/user.ld
	@echo "  LD      $@"
	@$(LD) -nostdlib -z max-page-size=0x1000 -z noexecstack -T lib/user.ld -o $@ $(filter %.o,$^)

$(BUILD)/ktest.elf: $(call uobjs,lib/crt0_launch.S $(KTEST_C) $(ULIB_C)) lib/user.ld
	@echo "  LD      $@"
	@$(LD) -nostdlib -z max-page-size=0x1000 -z noexecstack -T lib/user.ld -o $@ $(filter %.o,$^)

$(BUILD)/ipcbench.elf: $(call uobjs,lib/crt0_launch.S bench/ipcbench.c $(ULIB_C)) lib/user.ld
	@echo "  LD      $@"
	@$(LD) -nostdlib -z max-page-size=0x1000 -z noexecstack -T lib/user.ld -o $@ $(filter %.o,$^)

# Test guests: flat binaries, built into the VMM.
$(BUILD)/guest/%.bin: guest/tests/%.S guest/tests/guest.inc
	@mkdir -p $(dir $@)
	@echo "  GUEST   $@"
	@$(CC) -Iguest/tests -c $< -o $(BUILD)/guest/$*.o
	@$(LD) -Ttext=0x7c00 --oformat binary -o $@ $(BUILD)/guest/$*.o

VMM_C := $(wildcard vmm/*.c vmm/dev/*.c)

GUESTS := $(patsubst guest/tests/%.S,$(BUILD)/guest/%.bin,$(wildcard guest/tests/*.S))

$(BUILD)/u/vmm/guests.S.o: vmm/guests.S $(GUESTS)
	@mkdir -p $(dir $@)
	@echo "  AS      $<"
	@$(CC) -Wa,-I$(BUILD)/guest -c $< -o $@

# A test program: prints its launch files (name, size, CRC-32) and its arguments.
$(BUILD)/filedump.elf: $(call uobjs,lib/crt0_launch.S tests/filedump/main.c $(ULIB_C)) lib/user.ld
	@echo "  LD      $@"
	@$(LD) -nostdlib -z max-page-size=0x1000 -z noexecstack -T lib/user.ld -o $@ $(filter %.o,$^)

$(BUILD)/vmm.elf: $(call uobjs,lib/crt0_launch.S $(VMM_C) vmm/guests.S $(ULIB_C)) lib/user.ld
	@echo "  LD      $@"
	@$(LD) -nostdlib -z max-page-size=0x1000 -z noexecstack -T lib/user.ld -o $@ $(filter %.o,$^)

USER_OBJ := $(call uobjs,lib/crt0.S lib/crt0_launch.S $(ROOT_C) $(KTEST_C) $(ULIB_C) bench/ipcbench.c tests/filedump/main.c $(VMM_C))
-include $(USER_OBJ:.o=.d)

user: $(BUILD)/root.elf $(BUILD)/ipcbench.elf $(BUILD)/vmm.elf $(BUILD)/filedump.elf $(if $(KTEST_C),$(BUILD)/ktest.elf)

# ---------------------------------------------------------------- ISO
# The default image: the VMs of the demo configuration (guests/mkdemo builds it and
# its guests from Debian's packages), each with its own VMM.
$(BUILD)/guests/demo.conf: guests/mkdemo guest/agent/tandem-agent.c
	@echo "  GUESTS  $(BUILD)/guests"
	@guests/mkdemo $(BUILD)/guests >/dev/null

$(BUILD)/tandem.iso: $(BUILD)/kernel.elf $(BUILD)/root.elf $(BUILD)/vmm.elf \
		$(BUILD)/host/config-check $(BUILD)/guests/demo.conf tools/mkiso tools/mkimage
	@echo "  ISO     $@"
	@tools/mkimage $(BUILD)/guests/demo.conf $@ >/dev/null

iso: $(BUILD)/tandem.iso

# ---------------------------------------------------------------- host unit tests
# Each tests/unit/NAME.mk adds NAME to UNIT_TESTS and sets unit_NAME_SRCS.
UNIT_TESTS :=
include $(wildcard tests/unit/*.mk)
UNIT_BINS := $(patsubst %,$(BUILD)/unit/test_%,$(UNIT_TESTS))

$(BUILD)/unit/test_%: tests/unit/test_%.c $$(unit_$$*_SRCS) $(wildcard tests/unit/*.h tests/*.h) \
		$(wildcard kernel/*.h lib/include/*.h include/tandem/*.h root/*.h vmm/*.h vmm/dev/*.h)
	@mkdir -p $(dir $@)
	@echo "  HOSTCC  $@"
	@$(HOSTCC) $(HOST_CFLAGS) -o $@ $< $(unit_$*_SRCS)

unit: $(UNIT_BINS)

# ---------------------------------------------------------------- fuzzers
# Each tests/fuzz/NAME.mk adds NAME to FUZZERS and sets fuzz_NAME_SRCS.
FUZZERS :=
include $(wildcard tests/fuzz/*.mk)
FUZZ_BINS := $(patsubst %,$(BUILD)/fuzz/fuzz_%,$(FUZZERS))

$(BUILD)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $$(fuzz_$$*_SRCS) $(wildcard tests/*.h tests/fuzz/*.h) \
		$(wildcard kernel/*.h lib/include/*.h include/tandem/*.h root/*.h vmm/*.h vmm/dev/*.h)
	@mkdir -p $(dir $@)
	@echo "  FUZZCC  $@"
	@$(FUZZCC) $(FUZZ_CFLAGS) -o $@ $< $(fuzz_$*_SRCS)

fuzz: $(FUZZ_BINS)

# ---------------------------------------------------------------- tests and running
deps:
	@tools/deps

test: deps
	@$(MAKE) --no-print-directory all unit fuzz
	@tests/run $(T)

# The slow group: Tandem on Intel VT-x in Bochs (CI runs it with the rest: SLOW=1).
test-slow: deps
	@$(MAKE) --no-print-directory all
	@SLOW=only tests/run $(T)

run: deps
	@$(MAKE) --no-print-directory all
	@tools/run

# A Slurm head and DESKTOPS emulated desktops (default 2) on a private network: root.
cluster-demo: deps
	@$(MAKE) --no-print-directory all
	@tools/cluster-demo

bench: all
	@bench/run

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf $(BUILD)

include tools/config-check.mk

UNIT_TESTS += ps2host
unit_ps2host_SRCS := root/ps2dec.c vmm/dev/ps2kbd.c

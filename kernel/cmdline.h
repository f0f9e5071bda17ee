/* Kernel command-line options: space-separated words, "key" or "key=value". */
#ifndef TANDEM_KERNEL_CMDLINE_H
#define TANDEM_KERNEL_CMDLINE_H

#include "types.h"

/*
 * Finds option key in cmdline. When present as key=value, copies value (truncated,
 * NUL-terminated) into val; as a bare word, val becomes "". Returns whether found.
 * The last occurrence wins, as on Linux.
 */
bool cmdline_get(const char *cmdline, const char *key, char *val, size_t size);

#endif

/* Numbers in command lines and configuration files (lib/parse.c). */
#ifndef TANDEM_LIB_PARSE_H
#define TANDEM_LIB_PARSE_H

#include <stdbool.h>
#include <stdint.h>

/* The number in [s, end): decimal or 0x-hex, with an optional K, M or G suffix
 * (binary units); false for anything else or an overflow. */
bool parse_num(const char *s, const char *end, uint64_t *out);

#endif

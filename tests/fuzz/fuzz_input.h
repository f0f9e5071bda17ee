/* The fuzz input as a stream of little-endian values for the device fuzzers: reads
 * past its end give zeros, so every input is a whole run. */
#ifndef TANDEM_TESTS_FUZZ_INPUT_H
#define TANDEM_TESTS_FUZZ_INPUT_H

#include <stddef.h>
#include <stdint.h>

struct input {
	const uint8_t *p;
	size_t left;
};

static inline uint8_t take8(struct input *in)
{
	if (!in->left)
		return 0;
	in->left--;
	return *in->p++;
}

/* bytes (at most 8) little-endian bytes. */
static inline uint64_t take(struct input *in, unsigned bytes)
{
	uint64_t v = 0;
	for (unsigned i = 0; i < bytes; i++)
		v |= (uint64_t)take8(in) << (8 * i);
	return v;
}

#endif

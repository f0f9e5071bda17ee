/* Kernel command-line option lookup. */
#include <string.h>
#include "cmdline.h"

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

bool cmdline_get(const char *cmdline, const char *key, char *val, size_t size)
{
	size_t klen = strlen(key);
	bool found = false;
	const char *p = cmdline;

	while (*p) {
		while (is_space(*p))
			p++;
		const char *word = p;
		while (*p && !is_space(*p))
			p++;
		size_t wlen = (size_t)(p - word);
		if (wlen < klen || memcmp(word, key, klen) != 0)
			continue;
		if (wlen == klen) {
			found = true;
			if (size)
				val[0] = 0;
		} else if (word[klen] == '=') {
			found = true;
			size_t vlen = wlen - klen - 1;
			if (size) {
				vlen = vlen < size - 1 ? vlen : size - 1;
				memcpy(val, word + klen + 1, vlen);
				val[vlen] = 0;
			}
		}
	}
	return found;
}

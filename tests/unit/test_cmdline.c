/* Host tests for the kernel command-line parser. */
#include <string.h>
#include "cmdline.h"
#include "check.h"

static void test_key_value(void)
{
	char v[16];
	CHECK(cmdline_get("loglevel=debug fault=pf", "loglevel", v, sizeof(v)));
	CHECK(strcmp(v, "debug") == 0);
	CHECK(cmdline_get("loglevel=debug fault=pf", "fault", v, sizeof(v)));
	CHECK(strcmp(v, "pf") == 0);
}

static void test_bare_word_and_prefixes(void)
{
	char v[16] = "x";
	CHECK(cmdline_get("  quiet\tnoapic ", "noapic", v, sizeof(v)));
	CHECK_EQ(v[0], 0);
	CHECK(!cmdline_get("loglevelx=1 logleve=2", "loglevel", v, sizeof(v)));
	CHECK(!cmdline_get("", "loglevel", v, sizeof(v)));
}

static void test_last_wins_and_truncation(void)
{
	char v[4];
	CHECK(cmdline_get("a=1 a=22 b", "a", v, sizeof(v)));
	CHECK(strcmp(v, "22") == 0);
	CHECK(cmdline_get("a=123456", "a", v, sizeof(v)));
	CHECK(strcmp(v, "123") == 0);
	CHECK(cmdline_get("a=", "a", v, sizeof(v)));
	CHECK_EQ(v[0], 0);
	CHECK(cmdline_get("a=5", "a", NULL, 0));
}

int main(void)
{
	RUN(test_key_value);
	RUN(test_bare_word_and_prefixes);
	RUN(test_last_wins_and_truncation);
	return CHECK_DONE();
}

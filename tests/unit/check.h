/* Minimal unit-test support for host tests: each case prints PASS or FAIL lines
 * that tests/run counts; a failed CHECK reports file, line and expression. */
#ifndef TANDEM_TEST_CHECK_H
#define TANDEM_TEST_CHECK_H

#include <stdio.h>
#include <stdlib.h>

static int check_failures;     /* failures in the current case */
static int check_total_failed; /* cases failed in this binary */

#define CHECK(expr)                                                                       \
	do {                                                                              \
		if (!(expr)) {                                                            \
			printf("  check failed: %s:%d: %s\n", __FILE__, __LINE__, #expr); \
			check_failures++;                                                 \
		}                                                                         \
	} while (0)

#define CHECK_EQ(a, b)                                                                           \
	do {                                                                                     \
		unsigned long long check_a_ = (unsigned long long)(a);                           \
		unsigned long long check_b_ = (unsigned long long)(b);                           \
		if (check_a_ != check_b_) {                                                      \
			printf("  check failed: %s:%d: %s == %s (0x%llx != 0x%llx)\n", __FILE__, \
			       __LINE__, #a, #b, check_a_, check_b_);                            \
			check_failures++;                                                        \
		}                                                                                \
	} while (0)

/* Runs one case and prints its verdict on a line of its own. */
#define RUN(fn)                                   \
	do {                                      \
		check_failures = 0;               \
		fn();                             \
		if (check_failures) {             \
			printf("FAIL %s\n", #fn); \
			check_total_failed++;     \
		} else {                          \
			printf("PASS %s\n", #fn); \
		}                                 \
		fflush(stdout);                   \
	} while (0)

#define CHECK_DONE() (check_total_failed ? EXIT_FAILURE : EXIT_SUCCESS)

#endif

FUZZERS += netsw
fuzz_netsw_SRCS := root/netsw.c

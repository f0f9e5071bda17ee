FUZZERS += e1000host
fuzz_e1000host_SRCS := root/e1000.c

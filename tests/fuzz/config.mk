FUZZERS += config
fuzz_config_SRCS := lib/config.c lib/parse.c lib/format.c

# The host tool that checks a VM configuration file (tools/config-check.c); included
# by the Makefile, built by `make`.
CONFIG_CHECK_SRCS := tools/config-check.c lib/config.c lib/parse.c lib/format.c

$(BUILD)/host/config-check: $(CONFIG_CHECK_SRCS) lib/include/config.h lib/include/parse.h \
		lib/include/format.h
	@mkdir -p $(dir $@)
	@echo "  HOSTCC  $@"
	@$(HOSTCC) -std=c11 $(WARN) -O2 -g -idirafter lib/include -o $@ $(CONFIG_CHECK_SRCS)

all: $(BUILD)/host/config-check

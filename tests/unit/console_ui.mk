UNIT_TESTS += console_ui
unit_console_ui_SRCS := root/console_ui.c root/blit.c $(FONT_C) lib/format.c

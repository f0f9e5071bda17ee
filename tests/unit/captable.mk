UNIT_TESTS += captable
unit_captable_SRCS := kernel/cap.c

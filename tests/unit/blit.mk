UNIT_TESTS += blit
unit_blit_SRCS := root/blit.c $(FONT_C)

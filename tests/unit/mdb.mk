UNIT_TESTS += mdb
unit_mdb_SRCS := kernel/mdb.c

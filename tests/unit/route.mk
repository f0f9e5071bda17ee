UNIT_TESTS += route
unit_route_SRCS := root/route.c

/*
 * Host form of spinn_common's common-typedefs.h (without stdfix, which the
 * host compiler does not have; programs use plain float and integers).
 */
#ifndef __COMMON_TYPEDEFS_H__
#define __COMMON_TYPEDEFS_H__

#include <stdint.h>
#include <stdbool.h>
#include <stddef.h>

#ifndef use
#define use(x) do {} while ((x)!=(x))
#endif

#define __int_helper(b) int ## b ## _t
#define __uint_helper(b) uint ## b ## _t
#define __int_t(b) __int_helper(b)
#define __uint_t(b) __uint_helper(b)

typedef uint32_t index_t;
typedef uint32_t counter_t;
typedef uint32_t* address_t;
/* POSIX has its own timer_t; keep it when a libc header got there first. */
#ifndef __timer_t_defined
#define __timer_t_defined 1
typedef uint32_t timer_t;
#endif

#endif /* __COMMON_TYPEDEFS_H__ */

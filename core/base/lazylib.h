/* SPDX-License-Identifier: ISC */
/* base/lazylib.h - a shared library loaded on first use (lazylib.c). */
#ifndef MTS_BASE_LAZYLIB_H
#define MTS_BASE_LAZYLIB_H

/* 0 once the library (its Debian 12 soname, then the -dev name) is in
 * the global scope, -1 if it cannot be loaded. Call before the first
 * call into it on any path. */
int mts_lazylib_unbound(void);
int mts_lazylib_idn2(void);
int mts_lazylib_tdb(void);
int mts_lazylib_crypto(void);
/* libunbound's own libevent, for the event resolver (net/dns.c). */
int mts_lazylib_event(void);

#endif

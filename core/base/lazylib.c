/* SPDX-License-Identifier: ISC */
/*
 * base/lazylib.c - libunbound and libidn2 loaded on first use, as
 * libcurl (net/curl_load.c) and libhiredis (store/redis.c).
 *
 * Why: Exim forks a process per delivery, and each dlopens
 * mtasts_exim.so. Every library the object names (NEEDED) costs that
 * dlopen a walk of its whole dependency tree, even when Exim has
 * loaded it already (Debian's exim4-daemon-heavy has both): libunbound
 * brings libevent, nettle, hogweed, gmp, libssl, libcrypto; libidn2
 * brings libunistring. A delivery answered from the cache calls
 * neither (DNS is for a miss, IDNA for a non-ASCII name), so the object
 * is linked without them and with lazy binding (GNUmakefile): its calls
 * are bound on first call, after this has put the library into the
 * global scope (or found it there). The mtasts binary and the OpenSMTPD
 * programs link them as usual, and this only finds them loaded.
 */
#include <dlfcn.h>
#include <pthread.h>

#include "base/lazylib.h"

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;

/* *state: 0 not tried, 1 loaded, -1 failed (not retried: the same
 * process would fail the same way). */
static int
load(int *state, const char *soname, const char *devname)
{
	int rc;

	pthread_mutex_lock(&mu);
	if (*state == 0)
		/* RTLD_GLOBAL: lazy PLT binding searches the global scope. */
		*state = dlopen(soname, RTLD_NOW | RTLD_GLOBAL) != NULL ||
		    dlopen(devname, RTLD_NOW | RTLD_GLOBAL) != NULL ? 1 : -1;
	rc = *state == 1 ? 0 : -1;
	pthread_mutex_unlock(&mu);
	return rc;
}

int
mts_lazylib_unbound(void)
{
	static int state;

	return load(&state, "libunbound.so.8", "libunbound.so");
}

int
mts_lazylib_idn2(void)
{
	static int state;

	return load(&state, "libidn2.so.0", "libidn2.so");
}

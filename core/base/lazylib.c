/* SPDX-License-Identifier: ISC */
/*
 * base/lazylib.c - libunbound, libidn2, libtdb and libcrypto loaded on
 * first use, as
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

#define DEEPBIND_IF_SAFE (-1)      /* load(): see mts_lazylib_tdb() */
static int allocator_interposed(void);

/* *state: 0 not tried, 1 loaded, -1 failed (not retried: the same
 * process would fail the same way). */
static int
load(int *state, const char *soname, const char *devname, int flags)
{
	int rc;

	pthread_mutex_lock(&mu);
	if (*state == 0 && flags == DEEPBIND_IF_SAFE)
		flags = allocator_interposed() ? 0 : RTLD_DEEPBIND;
	if (*state == 0)
		/* RTLD_GLOBAL: lazy PLT binding searches the global scope. */
		*state = dlopen(soname, RTLD_NOW | RTLD_GLOBAL | flags) !=
		    NULL || dlopen(devname, RTLD_NOW | RTLD_GLOBAL | flags) !=
		    NULL ? 1 : -1;
	rc = *state == 1 ? 0 : -1;
	pthread_mutex_unlock(&mu);
	return rc;
}

int
mts_lazylib_unbound(void)
{
	static int state;

	return load(&state, "libunbound.so.8", "libunbound.so", 0);
}

/* Only `mtasts refresh` calls libevent (dns_worker's event loop); the
 * copy libunbound already mapped, so no second libevent. */
int
mts_lazylib_event(void)
{
	static int state;

	return load(&state, "libevent-2.1.so.7", "libevent.so", 0);
}

int
mts_lazylib_idn2(void)
{
	static int state;

	return load(&state, "libidn2.so.0", "libidn2.so", 0);
}

/*
 * libtdb is the cache, so every delivery loads it; what it costs is its
 * binding: Debian builds it bind-now, and each of its ~90 libc symbols
 * was looked up through Exim's whole global scope, a dozen libraries
 * before libc (~150,000 instructions, 70 % of the object's dlopen).
 * RTLD_DEEPBIND makes libtdb look in its own dependencies (libc) first:
 * ~65,000. That is only right while nothing interposes the allocator:
 * the core frees what tdb_fetch allocates, so both must be the same
 * malloc. A sanitizer's runtime or a preloaded allocator does
 * interpose it, and then libtdb binds as usual. Where libtdb is linked
 * (the mtasts binary, the OpenSMTPD programs, the tests) this finds it
 * loaded and changes nothing.
 */
/* Whether malloc and free bind, in the global scope, to someone else's
 * than libc's (the core frees tdb_fetch's buffers; libtdb hands back
 * no other memory). dladdr would say where, but costs three times the
 * lookups it saves. */
static int
allocator_interposed(void)
{
	static const char *const fns[] = { "malloc", "free" };
	void *libc = dlopen("libc.so.6", RTLD_LAZY | RTLD_NOLOAD);
	size_t i;
	int rc = 0;

	if (libc == NULL)
		return 1;
	for (i = 0; i < sizeof(fns) / sizeof(fns[0]) && rc == 0; i++)
		rc = dlsym(RTLD_DEFAULT, fns[i]) != dlsym(libc, fns[i]);
	dlclose(libc);
	return rc;
}

int
mts_lazylib_tdb(void)
{
	static int state;

	return load(&state, "libtdb.so.1", "libtdb.so", DEEPBIND_IF_SAFE);
}

/*
 * libcrypto is for certificates (net/cert.c: the MX chain of a tls:cert
 * event, the CA store of a policy fetch), never for a decision answered
 * from the cache: naming it cost every delivery's dlopen the walk of it
 * and its version checks, although Exim mostly has it loaded already.
 */
int
mts_lazylib_crypto(void)
{
	static int state;

	return load(&state, "libcrypto.so.3", "libcrypto.so", 0);
}

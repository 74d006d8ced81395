/* SPDX-License-Identifier: ISC */
/*
 * idn2_load.c - libidn2 loaded on first use, for the programs linked
 * without the network (offline.c). base/domain.c calls libidn2 only for
 * a name with a non-ASCII byte (its ASCII path needs no library), so a
 * ${run} call or a table lookup for an ASCII domain does not load
 * libidn2 and libunistring (~75 % of mtasts-run's start-up instructions
 * were the dynamic linker's work on them). These definitions stand in
 * for the library's at link time (the program is not linked with
 * -lidn2) and forward to it. libidn2.so.0 is installed with mtasts (the
 * full program links it); if it cannot be loaded, the name is refused
 * as a resource error, never passed through unnormalised.
 */
#include <dlfcn.h>
#include <idn2.h>
#include <stddef.h>

static void *
sym(const char *name)
{
	static void *h;

	if (h == NULL)
		h = dlopen("libidn2.so.0", RTLD_NOW | RTLD_LOCAL);
	return h != NULL ? dlsym(h, name) : NULL;
}

int
idn2_lookup_u8(const uint8_t *src, uint8_t **lookupname, int flags)
{
	int (*f)(const uint8_t *, uint8_t **, int);

	*(void **)&f = sym("idn2_lookup_u8");
	if (f == NULL)
		return IDN2_MALLOC;
	return f(src, lookupname, flags);
}

void
idn2_free(void *ptr)
{
	void (*f)(void *);

	*(void **)&f = sym("idn2_free");
	if (f != NULL)
		f(ptr);
}

const char *
idn2_strerror(int rc)
{
	const char *(*f)(int);

	*(void **)&f = sym("idn2_strerror");
	if (f == NULL)
		return "libidn2.so.0 cannot be loaded";
	return f(rc);
}

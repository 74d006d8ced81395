/* SPDX-License-Identifier: ISC */
/*
 * net/curl_load.c - libcurl loaded on first use.
 *
 * Why: every Exim delivery process dlopens mtasts_exim.so, and libcurl
 * brought 8 libraries Exim does not otherwise load (libcurl, nghttp2,
 * brotli, psl, rtmp, ssh2, zstd), the largest part of a delivery's
 * first decision, which only reads the cache. mtasts_exim.so is linked
 * without libcurl and with lazy binding (GNUmakefile); its calls into
 * libcurl are bound on first call, after this has loaded libcurl into
 * the global scope. The mtasts binary and the OpenSMTPD programs link
 * libcurl as usual, and this only finds it already loaded.
 */
#include <dlfcn.h>
#include <pthread.h>

#include "net/curl_load.h"

static pthread_once_t once = PTHREAD_ONCE_INIT;
static int loaded = -1;

static void
load(void)
{
	/* RTLD_GLOBAL: lazy PLT binding searches the global scope. */
	loaded = dlopen("libcurl.so.4", RTLD_NOW | RTLD_GLOBAL) != NULL ||
	    dlopen("libcurl.so", RTLD_NOW | RTLD_GLOBAL) != NULL ? 0 : -1;
}

int
mts_curl_load(void)
{
	pthread_once(&once, load);
	return loaded;
}

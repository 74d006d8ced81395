/* SPDX-License-Identifier: ISC */
/* net/curl_load.h - libcurl loaded on first use (see curl_load.c). */
#ifndef MTS_NET_CURL_LOAD_H
#define MTS_NET_CURL_LOAD_H

/* 0 once libcurl can be called, -1 if it cannot be loaded. Call before
 * the first libcurl call of any path. */
int mts_curl_load(void);

#endif

/* SPDX-License-Identifier: ISC */
/* test_fetch.c - the pure parts of the fetch: the media type check
 * (STS-37 (RFC 8461 §3.2), VECTORS D17). The network parts are in tests/integration. */
#include "tap.h"
#include "net/fetch.h"

int
main(void)
{
	static const char *yes[] = { "text/plain", "TEXT/PLAIN", "TeXT/PlAiN",
	    "text/plain;charset=utf-8", "text/plain;charset=UTF-8",
	    "text/plain; charset=UTF-8", "text/plain ; charset=UTF-8" };
	static const char *no[] = { "text/html", "application/octet-stream",
	    "text/plainx", "text/plai", "", "text", "text/plain2; x=y" };
	size_t i;

	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		ok(mts_media_type_is_text_plain(yes[i]), "D17 %s is text/plain", yes[i]);
	for (i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		ok(!mts_media_type_is_text_plain(no[i]), "'%s' is not text/plain", no[i]);
	ok(!mts_media_type_is_text_plain(NULL), "D23 no Content-Type is not text/plain");
	return done_testing();
}

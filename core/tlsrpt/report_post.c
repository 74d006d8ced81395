/* SPDX-License-Identifier: ISC */
/*
 * tlsrpt/report_post.c - a report to an https: rua (RFC 8460 §5.4): POST of the
 * gzipped JSON as application/tlsrpt+gzip. The endpoint's certificate is
 * verified (DESIGN 12), redirects are not followed (RPT-72), and the
 * answer body is read but not kept.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "mtasts.h"
#include "tlsrpt/report.h"
#include "base/util.h"

int
mts_url_host(const char *url, char *host, size_t hostsz, long *port)
{
	CURLU *u = curl_url();
	char *h = NULL, *p = NULL;
	int rc = -1;

	if (u == NULL || curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &h, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_PORT, &p, CURLU_DEFAULT_PORT) != CURLUE_OK)
		goto out;
	*port = strtol(p, NULL, 10);
	if (mts_strlcpy(host, h, hostsz) < hostsz)
		rc = 0;
out:
	curl_free(h);
	curl_free(p);
	curl_url_cleanup(u);
	return rc;
}

static size_t
discard(char *data, size_t size, size_t n, void *arg)
{
	(void)data;
	(void)arg;
	return size * n;
}

static int
setup(CURL *c, const char *url, struct curl_slist *pins,
    struct curl_slist *hdrs, const char *ca_file, const char *ca_path,
    int timeout_s, const struct mts_sbuf *gz, char *errbuf)
{
	int bad = 0;

	bad |= curl_easy_setopt(c, CURLOPT_URL, url);
	bad |= curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https");
	bad |= curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	bad |= curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
	bad |= curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
	if (ca_file[0] != '\0')
		bad |= curl_easy_setopt(c, CURLOPT_CAINFO, ca_file);
	if (ca_path[0] != '\0')
		bad |= curl_easy_setopt(c, CURLOPT_CAPATH, ca_path);
	bad |= curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
	bad |= curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	bad |= curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, (long)timeout_s);
	bad |= curl_easy_setopt(c, CURLOPT_TIMEOUT, (long)timeout_s * 2);
	bad |= curl_easy_setopt(c, CURLOPT_USERAGENT, "mtasts/" MTASTS_VERSION_STRING);
	bad |= curl_easy_setopt(c, CURLOPT_RESOLVE, pins);
	bad |= curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
	bad |= curl_easy_setopt(c, CURLOPT_POST, 1L);
	bad |= curl_easy_setopt(c, CURLOPT_POSTFIELDS, gz->buf);
	bad |= curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
	    (curl_off_t)gz->len);
	bad |= curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
	bad |= curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	return bad ? -1 : 0;
}

int
mts_report_post(const char *url, const char *addrs, const char *ca_file,
    const char *ca_path, int timeout_s, const struct mts_sbuf *gz,
    char *err, size_t errsz)
{
	char host[300], pin[900], errbuf[CURL_ERROR_SIZE];
	struct curl_slist *pins = NULL, *hdrs = NULL;
	CURL *c = NULL;
	CURLcode rc;
	long port = 443, status = 0;
	int ok = -1;

	errbuf[0] = '\0';
	if (mts_url_host(url, host, sizeof(host), &port) != 0) {
		mts_fmt(err, errsz, "not a usable URL");
		return -1;
	}
	if (addrs[0] != '\0' && (mts_fmt(pin, sizeof(pin), "%s:%ld:%s", host,
	    port, addrs) != 0 || (pins = curl_slist_append(NULL, pin)) == NULL))
		goto setup_failed;
	if ((hdrs = curl_slist_append(NULL, "Content-Type: "
	    "application/tlsrpt+gzip")) == NULL || (c = curl_easy_init()) == NULL
	    || setup(c, url, pins, hdrs, ca_file, ca_path, timeout_s, gz,
	    errbuf) != 0)
		goto setup_failed;
	rc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	if (rc != CURLE_OK)
		mts_fmt(err, errsz, "%s", errbuf[0] ? errbuf : curl_easy_strerror(rc));
	else if (status < 200 || status > 299)
		mts_fmt(err, errsz, "HTTP status %ld", status);
	else
		ok = 0;
	goto out;
setup_failed:
	mts_fmt(err, errsz, "cannot set up the POST");
out:
	curl_easy_cleanup(c);
	curl_slist_free_all(pins);
	curl_slist_free_all(hdrs);
	return ok;
}

/* SPDX-License-Identifier: ISC */
/* route_out.h - what `mtasts route` prints and exits with, shared by the
 * CLI and mtasts-run (adapters/run), so both keep one contract. */
#ifndef MTASTS_ROUTE_OUT_H
#define MTASTS_ROUTE_OUT_H

#include <stdio.h>

#include "mtasts.h"

/* --exim: the allowed hosts as "mx1:mx2" (no newline) when the route
 * goes through the policy; nothing otherwise. */
void cli_route_exim(FILE *f, const mtasts_route *r);

/* The exit code of `route` (exim: with --exim, where testing routes
 * normally): 0 route through the allowed hosts, 2 route normally, 3
 * defer. */
int cli_route_exit(const mtasts_route *r, int exim);

#endif

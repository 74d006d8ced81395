/* SPDX-License-Identifier: ISC */
/*
 * offline_shared.c - the fleet's shared level (store/shared.c, hiredis)
 * left out of a program linked without the network (offline.c) that
 * never writes to it: mtasts-run and table-mtasts only read the local
 * cache. filter-mtasts counts TLS-RPT sessions, which go to the shared
 * level when one is configured, so it links the real store/shared.o
 * (and hiredis) instead of this file.
 */
#include "store/shared.h"

void mts_shared_drop(mtasts_ctx *ctx) { (void)ctx; }
void mts_shared_forget(mtasts_ctx *ctx) { (void)ctx; }


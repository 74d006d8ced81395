/* SPDX-License-Identifier: ISC */
/* base/export.h - the one macro that marks a function of the public API
 * (include/mtasts.h) as exported from libmtasts.so; everything else is
 * hidden (-fvisibility=hidden, core/libmtasts.map). */
#ifndef MTS_BASE_EXPORT_H
#define MTS_BASE_EXPORT_H

#define MTS_API __attribute__((visibility("default")))

#endif

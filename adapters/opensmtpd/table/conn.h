/* SPDX-License-Identifier: ISC */
/* conn.h - inside the table adapter: the connection helpers (conn.c)
 * that both protocols use, and the protocol vtable through which
 * tbl_feed() reaches them, as smtpd's table.c reaches its backends
 * (struct table_backend): imsg.c and line.c depend on conn.c, conn.c
 * only on the two vtables, serve.c only on proto.h. */
#ifndef TBL_CONN_H
#define TBL_CONN_H

#include "table/proto.h"

struct tbl_proto_ops {
	const char	*name;		/* for the log */
	/* Answers what c->in holds; -1 once framing is lost. */
	int		(*process)(struct tbl_conn *c);
};

extern const struct tbl_proto_ops tbl_proto_imsg;	/* imsg.c */
extern const struct tbl_proto_ops tbl_proto_line;	/* line.c */

int	tbl_out(struct tbl_conn *, const void *, size_t);
void	tbl_log(struct tbl_conn *, int, const char *, ...)
	    __attribute__((format(printf, 3, 4)));
void	tbl_vis(char *, size_t, const char *, size_t);
enum tbl_answer tbl_ask(struct tbl_conn *, int, enum tbl_service,
	    const char *, char *, size_t);

#endif

/* SPDX-License-Identifier: ISC */
/* io.c - the CLI's input and output: stdout written only once a result is
 * complete (never partial JSON), and bounded reading of input files. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

int
out_open(struct out *o)
{
	o->buf = NULL;
	o->len = 0;
	o->f = open_memstream(&o->buf, &o->len);
	return o->f == NULL ? -1 : 0;
}

void
out_discard(struct out *o)
{
	if (o->f != NULL)
		fclose(o->f);
	free(o->buf);
	o->f = NULL;
	o->buf = NULL;
}

int
out_commit(struct out *o)
{
	int failed = ferror(o->f) != 0;

	failed |= fclose(o->f) != 0;
	o->f = NULL;
	if (failed) {
		fprintf(stderr, "mtasts: out of memory\n");
		goto fail;
	}
	if (fwrite(o->buf, 1, o->len, stdout) != o->len || fflush(stdout) != 0) {
		fprintf(stderr, "mtasts: stdout: %s\n", strerror(errno));
		goto fail;
	}
	free(o->buf);
	o->buf = NULL;
	return CLI_OK;
fail:
	free(o->buf);
	o->buf = NULL;
	return CLI_SOFTWARE;
}

/* Read up to max + 1 bytes: one more than allowed tells "too large". */
static int
read_all(int fd, char *buf, size_t max, size_t *len)
{
	size_t n = 0;
	ssize_t r;

	while (n < max + 1) {
		r = read(fd, buf + n, max + 1 - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			break;
		n += (size_t)r;
	}
	*len = n;
	return 0;
}

int
cli_read_file(const char *path, size_t max, char **out, size_t *len,
    char *err, size_t errsz)
{
	int fd = STDIN_FILENO, own = 0, rc = -1;
	char *buf = NULL;

	*out = NULL;
	if (strcmp(path, "-") != 0) {
		if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) < 0)
			goto fail;
		own = 1;
	}
	if ((buf = malloc(max + 2)) == NULL)
		goto fail;
	if (read_all(fd, buf, max, len) != 0)
		goto fail;
	buf[*len] = '\0';
	rc = *len > max ? 1 : 0;
	if (rc == 0) {
		*out = buf;
		buf = NULL;
	}
fail:
	if (rc < 0)
		snprintf(err, errsz, "%s: %s", path, strerror(errno));
	if (own)
		close(fd);
	free(buf);
	return rc;
}
